/**
 * Each kata's last test results, kept in `.kubekata/results.json` and keyed by the content of
 * everything its tests run: the test file and every file it imports, followed through relative
 * imports and `@kube/<component>` (resolved as the run resolves it: your katas, or the reference
 * for a borrowed component), plus the vitest config, the kit, the seed and the installed packages.
 * So `npm start` and `kata list` show the results at once and re-run only the katas whose code or
 * tests changed; a result can never be stale, because a different file is a different key.
 *
 * @example
 * const key = kataKey(kata, { seed: 42, env: { KATA_BORROWED: '' } });
 * cache.get(kata.number, key)        // undefined: never run with these files
 * cache.set(kata.number, key, tests) // after a run
 * cache.get(kata.number, key)        // the same tests, until a file it imports changes
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kata } from './katas.ts';
import type { TestOutcome } from './runner.ts';
import { resolveSpecifier, resolveTargets, ROOT, type Targets } from './targets.ts';

/** What a key depends on besides the files: the seed and the environment that resolves imports. */
export interface KeyOptions {
  seed: number;
  env: NodeJS.ProcessEnv;
  root?: string;
}

/** Files every test run depends on, whatever it imports. */
const ALWAYS = ['vitest.config.ts', 'test/support/setup.ts', 'tools/lib/guard.ts', 'package-lock.json', 'tools/lib/targets.ts'];

const IMPORTS = /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The specifiers a TypeScript file imports (static, dynamic and re-exports). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const match of source.matchAll(IMPORTS)) out.push((match[1] ?? match[2])!);
  return out;
}

/**
 * Every workbook file that `entry` runs, itself included: relative imports and `@kube/*`
 * followed, packages left out (the lock file stands for them).
 */
export function importClosure(entry: string, targets: Targets): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    for (const specifier of read(file).imports) {
      let target: string | undefined;
      if (specifier.startsWith('.')) target = resolveRelative(resolve(dirname(file), specifier));
      else if (specifier.startsWith('@kube/')) {
        try {
          target = resolveSpecifier(specifier, targets);
        } catch {
          target = undefined; // an unknown component: the run itself will say so
        }
      }
      if (target) visit(target);
    }
  };
  visit(entry);
  return [...seen].sort();
}

function resolveRelative(path: string): string | undefined {
  // `./store.js` names store.ts in TypeScript's ESM style, and vite resolves it so: follow it the same way.
  const typescript = /\.(m|c)?js$/.test(path) ? [path.replace(/\.(m|c)?js$/, '.$1ts'), path.replace(/\.(m|c)?js$/, '.tsx')] : [];
  return [path, ...typescript, `${path}.ts`, join(path, 'index.ts')].find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/**
 * A file's digest and imports, read once per change: many katas import the same files (the kit,
 * the components under them), and the loop asks for every kata's key at start.
 */
const files = new Map<string, { mtimeMs: number; size: number; digest: string; imports: string[] }>();

function read(file: string): { digest: string; imports: string[] } {
  const stat = statSync(file);
  const known = files.get(file);
  if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) return known;
  const bytes = readFileSync(file);
  const entry = { mtimeMs: stat.mtimeMs, size: stat.size, digest: createHash('sha256').update(bytes).digest('hex'), imports: file.endsWith('.ts') ? importsOf(bytes.toString('utf8')) : [] };
  files.set(file, entry);
  return entry;
}

/** The key of a kata's results: a hash of everything its test run depends on. */
export function kataKey(kata: Kata, options: KeyOptions): string {
  const root = options.root ?? ROOT;
  const targets = resolveTargets(options.env, root);
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ seed: options.seed, node: process.version, target: targets.target, borrowed: [...targets.borrowed].sort() }));
  const closure = [...new Set([...ALWAYS.map((f) => join(root, f)), ...importClosure(join(root, kata.test), targets)])].sort();
  for (const file of closure) {
    hash.update(`\0${file}\0`);
    hash.update(existsSync(file) ? read(file).digest : '(missing)');
  }
  return hash.digest('hex');
}

interface CacheFile {
  version: 1;
  katas: Record<string, { key: string; tests: TestOutcome[]; problems: string[] }>;
}

/** The results of each kata's last complete run, by key. */
export class ResultCache {
  private data: CacheFile;

  constructor(private readonly file = join(ROOT, '.kubekata', 'results.json')) {
    this.data = { version: 1, katas: {} };
    try {
      const raw = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
      if (raw?.version === 1 && raw.katas && typeof raw.katas === 'object') this.data = raw;
    } catch {
      // missing or unreadable: it is only a cache, every kata is run again
    }
  }

  /** The tests of the kata's last run with exactly this key, or undefined. */
  get(kata: string, key: string): { tests: TestOutcome[]; problems: string[] } | undefined {
    const entry = this.data.katas[kata];
    return entry && entry.key === key ? { tests: entry.tests, problems: entry.problems } : undefined;
  }

  /** Keeps a complete run's tests (a run cut short by a problem outside the tests is not kept). */
  set(kata: string, key: string, tests: TestOutcome[], problems: string[]): void {
    this.data.katas[kata] = { key, tests, problems };
  }

  /** Writes the cache (atomically: write, then rename). */
  save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.data));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
