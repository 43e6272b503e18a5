/**
 * Whose code runs: the resolution of `@kube/<component>` imports.
 *
 * Every import of a component goes through `@kube/<component>` — in tests, katas and
 * solutions alike — and this module decides which folder answers it:
 *
 * - `KATA_TARGET=solutions`: every component resolves to `solutions/` (the workbook's own check);
 * - otherwise the learner's katas folder (`katas/`, or `KATA_KATAS_DIR` when the grader grades a
 *   submission), except components the learner has borrowed (`npm run kata -- borrow etcd`),
 *   which resolve to `solutions/`.
 *
 * The vitest config, the tsx import hook (tools/register.ts) and the tools all call
 * {@link resolveTargets}, so a test run, `npm run cluster` and the CLI agree.
 *
 * What is borrowed is recorded in `katas/progress.json` (committed with the learner's code, so a
 * submission or a fresh clone of a student edition carries it): `{ "borrowed": [...], "hints": {...} }`.
 *
 * Example: with `katas/progress.json` = `{"borrowed":["etcd"],"hints":{}}` and no environment set,
 * `@kube/etcd` → `solutions/etcd/index.ts` and `@kube/scheduler` → `katas/scheduler/index.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workbook's root folder (the one holding package.json). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the CLI keeps what need not travel with the code (katas passed, pristine copies); git-ignored. */
export const STATE_DIR = join(ROOT, '.kubekata');
export const STATE_FILE = join(STATE_DIR, 'state.json');
/** The name of the committed progress file inside a katas folder: borrowed components and hints revealed. */
export const PROGRESS_FILE = 'progress.json';

/** `katas` (the learner's code, the default) or `solutions` (the reference). */
export type Target = 'katas' | 'solutions';

/** The resolved map from component name to the folder whose index.ts answers `@kube/<name>`. */
export interface Targets {
  target: Target;
  katasDir: string;
  borrowed: string[];
  /** component name → absolute path of its index.ts */
  components: Record<string, string>;
  /** absolute path of kit/index.ts */
  kit: string;
}

/** Reads the target from `KATA_TARGET`, rejecting anything but the two known values. */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const value = env.KATA_TARGET?.trim();
  if (value === undefined || value === '' || value === 'katas') return 'katas';
  if (value === 'solutions') return 'solutions';
  throw new Error(`KATA_TARGET=${value} is not a target: use "katas" (the default) or "solutions".`);
}

/** The components of the workbook: every folder of katas/ or solutions/ with an index.ts. */
export function listComponents(root = ROOT): string[] {
  const names = new Set<string>();
  for (const base of ['katas', 'solutions']) {
    const dir = join(root, base);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && existsSync(join(dir, entry.name, 'index.ts'))) names.add(entry.name);
    }
  }
  return [...names].sort();
}

/** What a katas folder records about its learner's way through: `katas/progress.json`. */
export interface KataProgress {
  /** components whose reference solution stands in for the learner's code */
  borrowed: string[];
  /** kata number → how many hints have been revealed */
  hints: Record<string, number>;
}

/**
 * Reads `<katasDir>/progress.json`; undefined when there is none. A malformed file counts as
 * nothing borrowed and no hints (a corrupted file must not stop the tests; the CLI rewrites it).
 */
export function readKataProgress(katasDir: string): KataProgress | undefined {
  const file = join(katasDir, PROGRESS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return normalizeProgress(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return { borrowed: [], hints: {} };
  }
}

/** Keeps only well-formed entries: component names as strings, hint counts as whole numbers >= 0. */
export function normalizeProgress(raw: unknown): KataProgress {
  const value = (raw && typeof raw === 'object' ? raw : {}) as { borrowed?: unknown; hints?: unknown };
  const borrowed = Array.isArray(value.borrowed) ? [...new Set(value.borrowed.filter((b): b is string => typeof b === 'string'))].sort() : [];
  const hints: Record<string, number> = {};
  if (value.hints && typeof value.hints === 'object' && !Array.isArray(value.hints)) {
    for (const [kata, count] of Object.entries(value.hints as Record<string, unknown>)) {
      if (/^\d{2}$/.test(kata) && Number.isInteger(count) && (count as number) >= 0) hints[kata] = count as number;
    }
  }
  return { borrowed, hints };
}

/**
 * The components borrowed in the legacy `.kubekata/state.json` (before `katas/progress.json`), or
 * an empty list when there is none (or it is unreadable).
 */
export function readBorrowed(stateFile = STATE_FILE): string[] {
  if (!existsSync(stateFile)) return [];
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { borrowed?: unknown };
    return Array.isArray(state.borrowed) ? state.borrowed.filter((b): b is string => typeof b === 'string') : [];
  } catch {
    // A corrupted state file must not stop the tests; the CLI reports and repairs it.
    return [];
  }
}

/**
 * The components a katas folder borrows: its `progress.json`, else (a workbook not yet migrated)
 * the legacy `.kubekata/state.json` of the workbook it sits in.
 */
export function borrowedIn(katasDir: string, root = ROOT): string[] {
  return readKataProgress(katasDir)?.borrowed ?? (resolve(katasDir) === join(root, 'katas') ? readBorrowed(join(root, '.kubekata', 'state.json')) : []);
}

/**
 * Each component's direct dependencies: the other `@kube/<component>` it imports (from its
 * reference solution, else from its starter). The scheduler imports the apiserver, which imports
 * etcd: `{ etcd: [], apiserver: ['etcd'], scheduler: ['apiserver'] }`.
 */
export function componentDependencies(root = ROOT): Record<string, string[]> {
  const components = listComponents(root);
  const deps: Record<string, string[]> = {};
  for (const name of components) {
    const found = new Set<string>();
    for (const base of ['solutions', 'katas']) {
      const walk = (dir: string): void => {
        if (!existsSync(dir)) return;
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (entry.name.endsWith('.ts')) {
            for (const m of readFileSync(path, 'utf8').matchAll(/from\s+['"]@kube\/([a-z0-9-]+)['"]/g)) {
              if (m[1] !== name && components.includes(m[1]!)) found.add(m[1]!);
            }
          }
        }
      };
      walk(join(root, base, name));
    }
    deps[name] = [...found].sort();
  }
  return deps;
}

/**
 * `names` and everything they are built on, in the workbook's order of dependencies (what is
 * needed first comes first): borrowing the apiserver's reference means borrowing the etcd it runs
 * on, or it would run on the learner's unfinished etcd.
 */
export function withDependencies(names: readonly string[], root = ROOT): string[] {
  const deps = componentDependencies(root);
  const out: string[] = [];
  const visit = (name: string, path: string[]): void => {
    if (out.includes(name) || path.includes(name)) return;
    for (const d of deps[name] ?? []) visit(d, [...path, name]);
    out.push(name);
  };
  for (const name of names) visit(name, []);
  return out;
}

/**
 * Resolves every component for this process's environment:
 * `KATA_TARGET`, `KATA_KATAS_DIR` (a submission's katas folder) and `KATA_BORROWED`
 * (a comma-separated list that overrides the katas folder's progress.json; empty = borrow nothing).
 */
export function resolveTargets(env: NodeJS.ProcessEnv = process.env, root = ROOT): Targets {
  const target = targetFromEnv(env);
  const katasDir = env.KATA_KATAS_DIR ? resolve(env.KATA_KATAS_DIR) : join(root, 'katas');
  const borrowed =
    env.KATA_BORROWED !== undefined
      ? env.KATA_BORROWED.split(',').map((s) => s.trim()).filter(Boolean)
      : borrowedIn(katasDir, root);
  const components: Record<string, string> = {};
  for (const name of listComponents(root)) {
    const fromSolutions = target === 'solutions' || borrowed.includes(name);
    components[name] = join(fromSolutions ? join(root, 'solutions') : katasDir, name, 'index.ts');
  }
  return { target, katasDir, borrowed, components, kit: join(root, 'kit', 'index.ts') };
}

/**
 * The file that answers an `@kube/...` specifier, or undefined for any other specifier.
 * Throws with the list of components when the name is not one of them.
 */
export function resolveSpecifier(specifier: string, targets: Targets): string | undefined {
  const match = /^@kube\/([a-z0-9-]+)$/.exec(specifier);
  if (!match) return undefined;
  const name = match[1]!;
  if (name === 'kit') return targets.kit;
  const file = targets.components[name];
  if (!file) {
    throw new Error(
      `@kube/${name} is not a component of the workbook. Components: ${Object.keys(targets.components).join(', ') || '(none)'}, and kit.`,
    );
  }
  return file;
}

/** The packages the tests judge with: kata code has no use for them, and could turn them on its judge. */
const TEST_MACHINERY = /^(?:vitest|vitest\/.*|@vitest\/.*|chai|tinyspy)$/;

/**
 * Refuses an import of the test machinery (vitest, its runner, chai, and the workbook's own test/
 * and tools/ folders, which hand them on) from kata code — a file in the katas folder being tested,
 * or in solutions/ — with an error that says why; does nothing for any other import. The tests
 * import vitest; the code they test must not: with it, three lines of kata code could mark a
 * failing test passed (`afterEach(({ task }) => { task.result.state = 'pass' })`).
 * The grader's guard (tools/lib/guard.ts, tools/lib/guard-runner.ts) stands behind this for code
 * that reaches vitest another way.
 */
export function refuseTestMachinery(specifier: string, importer: string | undefined, targets: Targets, root = ROOT): void {
  if (!importer) return;
  const file = importer.split('?')[0]!;
  const kataDirs = [targets.katasDir, join(root, 'katas'), join(root, 'solutions')].map((d) => resolve(d) + sep);
  if (!kataDirs.some((dir) => file.startsWith(dir))) return;
  // The workbook's tests and tools hand vitest on: test/support/prop.ts exports vitest's `test`,
  // with which kata code could add passing tests to its kata.
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = resolve(dirname(file), specifier.split('?')[0]!);
    for (const dir of ['test', 'tools']) {
      if (target.startsWith(join(root, dir) + sep)) {
        throw new Error(
          `${relative(root, file) || file} imports '${specifier}', which is the workbook's ${dir === 'test' ? 'tests' : 'tools'}: kata code cannot import them — ` +
            `the tests judge this code with them. What kata code may share is in kit/ (@kube/kit) and in the components (@kube/<component>).`,
        );
      }
    }
    return;
  }
  if (!TEST_MACHINERY.test(specifier)) return;
  throw new Error(
    `${relative(root, file) || file} imports '${specifier}': kata code cannot import the test machinery (vitest, its runner, chai) — ` +
      `the tests use it to judge this code. To check an invariant in your own code, use node:assert.`,
  );
}

/**
 * The source of a module of the workbook's test helpers (test/support) with its exported classes'
 * prototypes frozen at its end, or undefined for any other file. Frozen as the module finishes
 * loading, before any other code can see them: the models the tests compare kata code with
 * (KeyspaceModel, ...) must answer as written, and kata code could otherwise patch one while the
 * test file is still loading (it finds them in the worker's module cache).
 *
 * @example
 * ```ts
 * freezeHelperClasses('export class M {\n  f() { return 1; }\n}\n', `${ROOT}/test/support/m.ts`)
 * // 'export class M {\n  f() { return 1; }\n}\n\nObject.freeze(M.prototype);\n'
 * ```
 */
export function freezeHelperClasses(code: string, file: string, root = ROOT): string | undefined {
  const path = file.split('?')[0]!;
  if (!path.startsWith(join(root, 'test', 'support') + sep) || !path.endsWith('.ts')) return undefined;
  const classes = [...code.matchAll(/^export (?:abstract )?class (\w+)/gm)].map((m) => m[1]!);
  if (classes.length === 0) return undefined;
  return `${code}\n${classes.map((name) => `Object.freeze(${name}.prototype);`).join('\n')}\n`;
}
