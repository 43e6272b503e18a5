/**
 * Test outcomes grouped by kata, and the words the CLI prints about them.
 */
import type { Kata } from './katas.ts';
import type { RunReport, TestOutcome } from './runner.ts';

/** One kata's outcomes. */
export interface KataResult {
  kata: Kata;
  tests: TestOutcome[];
  passed: number;
  /** all tests passed (and there was at least one) */
  done: boolean;
  /** problems of its test file (it did not load, ...) */
  problems: string[];
}

/** Groups a run's outcomes by kata (a kata whose file did not load gets its problems). */
export function byKata(katas: Kata[], report: RunReport): KataResult[] {
  return katas.map((kata) => {
    const tests = report.tests.filter((t) => t.file === kata.test);
    const problems = report.problems.filter((p) => p.startsWith(`${kata.test}:`)).map((p) => p.slice(kata.test.length + 1).trim());
    const passed = tests.filter((t) => t.status === 'pass').length;
    return { kata, tests, passed, done: tests.length > 0 && passed === tests.length && problems.length === 0, problems };
  });
}

const useColor = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.CI !== 'true';
const paint =
  (open: number, close: number) =>
  (text: string): string =>
    useColor() ? `\u001b[${open}m${text}\u001b[${close}m` : text;

/** Colours for a terminal; plain text otherwise (no TTY, NO_COLOR, CI). */
export const c = {
  green: paint(32, 39),
  red: paint(31, 39),
  yellow: paint(33, 39),
  cyan: paint(36, 39),
  dim: paint(2, 22),
  bold: paint(1, 22),
};

/** "kata 03 is not implemented yet: Store.txn" from a NotImplemented failure, else undefined. */
export function notImplemented(message: string | undefined): string | undefined {
  const match = message && /kata (\d{2}) is not implemented yet(: [\w.$#]+)?/.exec(message);
  return match ? match[0] : undefined;
}

/**
 * The earlier katas whose unwritten code some of a kata's tests stopped at (their NotImplemented
 * failures name them). Kata 10's tests stop at kata 04's watch until kata 04 is done or etcd is
 * borrowed: the learner who starts there should hear that once, not read it in forty failures.
 */
export function waitingOn(result: KataResult, katas: Kata[]): Kata[] {
  const numbers = new Set<string>();
  for (const test of result.tests) {
    if (test.status === 'pass') continue;
    const number = /^kata (\d{2})/.exec(notImplemented(test.message) ?? '')?.[1];
    if (number && number < result.kata.number) numbers.add(number);
  }
  return katas.filter((k) => numbers.has(k.number));
}

/**
 * What to do about {@link waitingOn}'s katas: finish each first; one of another component may
 * instead be borrowed (borrowing the kata's own component would borrow the kata itself).
 *
 * @param canBorrow - whether this edition has the reference solutions to borrow
 */
export function waitingAdvice(kata: Kata, waiting: Kata[], canBorrow: boolean): string[] {
  return waiting.map((k) => {
    const finish = `finish it first (npm run kata -- run ${k.number})`;
    const advice = canBorrow && k.component !== kata.component ? `${finish}, or use the reference ${k.component}: npm run kata -- borrow ${k.component}` : finish;
    return `Some of these tests stop at kata ${k.number} (${k.component} · ${k.title}), whose code is not written yet: ${advice}.`;
  });
}

/** The command that replays one failed property with its seed and path. */
export function replayCommand(kata: Kata, test: TestOutcome): string | undefined {
  if (!test.property) return undefined;
  const name = test.name.replace(/"/g, '\\"');
  const replayPath = test.property.replayPath !== undefined ? ` --replay-path "${test.property.replayPath}"` : '';
  return `npm run kata -- run ${kata.number} --seed=${test.property.seed} --path "${test.property.path}"${replayPath} --test "${name}"`;
}

/** A failed test, explained: its name, the message (or the NotImplemented line), and for a property the counterexample and how to replay it. */
export function explainFailure(kata: Kata, test: TestOutcome, indent = '    '): string {
  const lines = [`${c.red('✗')} ${test.name}${test.line ? c.dim(`  (${test.file}:${test.line})`) : ''}`];
  const todo = notImplemented(test.message);
  if (todo) {
    lines.push(`${indent}${c.yellow(todo)}`);
  } else if (test.property) {
    const cause = /Caused by: ([\s\S]*)$/.exec(test.message ?? '')?.[1]?.trim();
    lines.push(`${indent}a property failed; the smallest counterexample fast-check found:`);
    lines.push(...test.property.counterexample.split('\n').map((l) => `${indent}  ${c.cyan(l)}`));
    // the failing step whole: its values and their diff (a long diff is cut, with the count said)
    if (cause) {
      const causeLines = cause.split('\n');
      lines.push(...causeLines.slice(0, 40).map((l) => `${indent}${l}`));
      if (causeLines.length > 40) lines.push(`${indent}${c.dim(`… ${causeLines.length - 40} more lines: npm run kata -- run ${kata.number} shows them all`)}`);
    }
    lines.push(`${indent}${c.dim(`replay: ${replayCommand(kata, test)}`)}`);
  } else if (test.message) {
    lines.push(...test.message.split('\n').slice(0, 16).map((l) => `${indent}${l}`));
  }
  return lines.join('\n');
}

/** "████░░░░" for done out of total. */
export function bar(done: number, total: number, width = 20): string {
  const full = total === 0 ? 0 : Math.round((done / total) * width);
  return c.green('█'.repeat(full)) + c.dim('░'.repeat(width - full));
}
