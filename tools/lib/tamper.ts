/**
 * The grader's side of tamper-proof scores (the worker's side is tools/lib/guard.ts):
 * - {@link readGuardFile}: what the guard saw the code under test change, per test file;
 * - {@link loadTampering}: a kata whose tests did not load because its code tried to write to the
 *   frozen assertion machinery ("Cannot assign to read only property 'assert'");
 * - {@link scanSubmission}: lines of a submission that reach for the test machinery or the process
 *   (vitest, chai, fast-check, node:inspector, process.exit, the grader's KATA_ variables...), listed
 *   for a person to read. They change no score: a scan can be fooled and can be wrong, a person
 *   cannot be both.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One change the guard saw: in which test file (relative to the root), in which test. */
export interface GuardLine {
  file: string;
  name: string;
  what: string;
}

/** Reads the guard's JSON lines; test files are made relative to `root`. Unreadable lines are skipped. */
export function readGuardFile(file: string, root: string): GuardLine[] {
  if (!existsSync(file)) return [];
  const out: GuardLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const raw = JSON.parse(line) as Partial<GuardLine>;
      if (typeof raw.what !== 'string' || typeof raw.file !== 'string') continue;
      out.push({ file: relative(root, raw.file).split('\\').join('/'), name: String(raw.name ?? ''), what: raw.what });
    } catch {
      /* a partial line */
    }
  }
  return out;
}

/**
 * What a kata's load failure says about tampering: learner code that assigns to the frozen
 * assertion machinery fails with a TypeError naming the property. Undefined for any other failure.
 *
 * @example
 * loadTampering("TypeError: Cannot assign to read only property 'assert' of object '#<Object>'")
 * // → "tried to replace 'assert' of the frozen assertion machinery"
 */
export function loadTampering(problem: string): string | undefined {
  const match = /Cannot (?:assign to read only property|add property|redefine property|define property|delete property) '?([^\s',:]+)'?/.exec(problem);
  return match ? `tried to replace '${match[1]}' of the frozen assertion machinery` : undefined;
}

/** A line of a submission worth a person's look. */
export interface ReviewNote {
  /** relative to the katas folder, as `katas/etcd/keys.ts` */
  file: string;
  line: number;
  what: string;
}

const PATTERNS: [RegExp, string][] = [
  [/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:vitest|@vitest\/[^'"]*|chai|fast-check|tinyspy|@fast-check\/[^'"]*)['"]/, 'imports the test machinery'],
  [/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:node:)?(?:inspector|v8|vm|worker_threads|child_process|cluster)['"]/, 'imports a module that reaches outside the code under test'],
  [/(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"][^'"]*\/(?:test|tools)\/[^'"]*['"]/, "imports the workbook's tests or tools"],
  [/\bimport\s*\(\s*[^'"\s)]/, 'imports a module whose name is computed'],
  [/\b(?:reallyExit|_linkedBinding|dlopen)\b|\bprocess\b.{0,20}?\.\s*(?:exit|abort|kill|send|binding|stdout|stderr)\b/, 'uses the process directly'],
  [/\bKATA_[A-Z_]+/, "reads the grader's settings"],
  [/\b__vitest_\w*|\$\$jest-matchers/, "reaches vitest's own state (the test being run, its result)"],
  [/\b(?:Assertion|configureGlobal|__proto__|setPrototypeOf|defineProperty)\b/, 'reaches for the assertion machinery or changes prototypes'],
  [/\b(?:Object|Array|Function|Promise|Reflect|JSON|Math|String|Number)\s*(?:\.\s*prototype\s*)?\.\s*[A-Za-z_$]+\s*=[^=]/, 'replaces a built-in'],
];

/** The trimmed lines of the workbook's own copy of a file (starter and solution): code that is given, or expected. */
function knownLines(root: string | undefined, rel: string): Set<string> {
  const known = new Set<string>();
  if (!root) return known;
  for (const base of ['katas', 'solutions']) {
    const file = join(root, base, rel);
    if (existsSync(file)) for (const line of readFileSync(file, 'utf8').split('\n')) known.add(line.trim());
  }
  return known;
}

/**
 * Lines of the learner's own code (not of borrowed components) that reach for the test machinery
 * or the process, leaving out lines the workbook's own starter or solution of that file has (the
 * runtime kata spawns processes by design).
 */
export function scanSubmission(katasDir: string, borrowed: readonly string[] = [], root?: string): ReviewNote[] {
  const notes: ReviewNote[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      const rel = relative(katasDir, path).split('\\').join('/');
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.') || (dir === katasDir && borrowed.includes(entry.name))) continue;
        walk(path);
      } else if (/\.[cm]?[jt]s$/.test(entry.name)) {
        const lines = readFileSync(path, 'utf8').split('\n');
        const known = knownLines(root, rel);
        lines.forEach((text, i) => {
          if (/^\s*(?:\/\/|\*|\/\*)/.test(text) || known.has(text.trim())) return; // comments, TSDoc, the workbook's own lines
          for (const [pattern, what] of PATTERNS) {
            if (pattern.test(text)) {
              notes.push({ file: `katas/${rel}`, line: i + 1, what: `${what}: ${text.trim().slice(0, 120)}` });
              break;
            }
          }
        });
      }
    }
  };
  walk(katasDir);
  return notes;
}
