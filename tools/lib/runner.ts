/**
 * Runs test files in a child vitest process and returns one outcome per test.
 *
 * The learner's code runs in the child, never in the tool: a `process.exit()`, a crash or an
 * infinite loop costs the test it happened in, not the CLI or the grader. A watchdog kills the
 * child when one test runs longer than its limit (a synchronous loop cannot be interrupted any
 * other way), records that test as timed out, and starts the child again, skipping every test
 * that already has a result.
 *
 * With `sharedWorker` (the grader), the files run one after another in one worker instead of a
 * fresh process each (in kata order, tools/lib/kata-order.ts): a third less CPU. A worker that
 * dies then takes the files after it down too, so the runner starts again with the files that did
 * not finish, and records the test the worker died in as an error. A file whose code stops the
 * worker `crashLimit` times is not started again: its remaining tests are errors.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import type { RunnerEvent, SerializedFailure } from './events.ts';
import { ROOT } from './targets.ts';
import { byKataNumber } from './kata-order.ts';
import { loopsGivenUp } from './loops.ts';
import { runTempDir } from './run-temp-dir.ts';

/** What became of one test. `timeout`: it ran past its limit; `error`: it could not run. */
export type TestStatus = 'pass' | 'fail' | 'timeout' | 'error' | 'skip';

/** A failed fast-check property, parsed from its report. */
export interface PropertyFailure {
  seed: number;
  path: string;
  /** for a model-based property (`fc.commands`), the commands' replay path */
  replayPath?: string;
  counterexample: string;
  shrinks?: number;
}

/** One test's outcome, in words a learner can read. */
export interface TestOutcome {
  /** the test file, relative to the workbook root (`test/etcd/01-kv.test.ts`) */
  file: string;
  /** describe blocks and test name, joined with " > " */
  name: string;
  status: TestStatus;
  /** why it did not pass: the assertion, the error, or the time-out */
  message?: string;
  /** what the test printed */
  output?: string;
  line?: number;
  property?: PropertyFailure;
}

/** Options of {@link runTests}. */
export interface RunOptions {
  /** test files, absolute or relative to the root */
  files: string[];
  /** extra environment for the child (KATA_TARGET, KATA_KATAS_DIR, KATA_BORROWED, ...) */
  env?: Record<string, string | undefined>;
  /** fast-check seed for every property (KATA_SEED) */
  seed?: number;
  /** replay path for a property (with `testNamePattern`, to replay one counterexample) */
  path?: string;
  /**
   * failed properties to replay, by full test name: each runs its recorded counterexample only
   * (test/support/prop.ts reads them from the file `KATA_REPLAYS` names)
   */
  replays?: Record<string, { seed: number; path: string; replayPath?: string }>;
  /** only tests whose full name matches (vitest -t) */
  testNamePattern?: string;
  /** a test's time limit in ms (default 20 s); the watchdog kills the worker a little after it */
  testTimeoutMs?: number;
  /** how many test files run at once in the child (default 1) */
  maxWorkers?: number;
  /**
   * the files run one after another in one worker, in kata order, instead of a fresh process
   * each (the grader; `maxWorkers` is then 1)
   */
  sharedWorker?: boolean;
  /** with `sharedWorker`: how many times a file may stop the worker before it is given up (default 2) */
  crashLimit?: number;
  root?: string;
  /** who runs the tests: a fresh vitest process (the default), or the learner's warm host */
  start?: StartRun;
  /** called with every event as it arrives (for live progress) */
  onEvent?: (event: RunnerEvent) => void;
}

/** Everything a run produced. */
export interface RunReport {
  tests: TestOutcome[];
  /** problems not tied to one test: a file that failed to load, an unhandled error */
  problems: string[];
}

const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const REPORTER = join(ROOT, 'tools', 'lib', 'events-reporter.ts');
/** How far past its limit a test may run before the watchdog kills it (vitest's own timeout goes first). */
const GRACE_MS = 2_000;
/** How long a child may take to start and load its files before we call it stuck. */
const STARTUP_LIMIT_MS = 60_000;
const MAX_RESTARTS = 200;

/** Runs the files and returns one outcome per test, whatever the code under test does. */
export async function runTests(options: RunOptions): Promise<RunReport> {
  // vitest runs every test file when given none: never what a caller with an empty list means.
  if (options.files.length === 0) return { tests: [], problems: [] };
  const root = options.root ?? ROOT;
  const files = options.files.map((f) => (isAbsolute(f) ? f : join(root, f)));
  const rel = (file: string): string => relative(root, file).split('\\').join('/');
  const results = new Map<string, TestOutcome>();
  const collected = new Map<string, string[]>();
  /** where each collected test is, for an outcome the runner writes itself (its code goes into results.json) */
  const lines = new Map<string, number>();
  const outputs = new Map<string, string>();
  const problems: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'kubekata-run-'));
  const skipFile = join(scratch, 'skip.json');
  const replaysFile = join(scratch, 'replays.json');
  if (options.replays) writeFileSync(replaysFile, JSON.stringify(options.replays));
  const key = (file: string, name: string): string => `${file}::${name}`;
  const shared = options.sharedWorker === true;
  const childOptions: RunOptions = {
    ...options,
    ...(shared && { maxWorkers: 1 }),
    env: { ...options.env, ...(options.replays && { KATA_REPLAYS: replaysFile }), ...(shared && { KATA_SHARED_WORKER: '1' }) },
  };
  // With a shared worker: the files whose module finished, and how often each stopped the worker.
  const ended = new Set<string>();
  const crashes = new Map<string, number>();
  let pending = shared ? [...files].sort(byKataNumber) : files;
  // The guard (tools/lib/guard.ts) gives up a file's remaining tests once its code has run out of
  // time KATA_LOOP_LIMIT times, from marker files the workers leave. The runner says the same
  // from what it saw itself, each time it stops a worker stuck in a test: a restarted worker that
  // missed the markers (a file run in another order, a worker that lost them) cannot make every
  // remaining test cost its whole time limit.
  const loopLimit = Number(options.env?.KATA_LOOP_LIMIT ?? 0);
  const giveUpAfterLoops = (file: string): void => {
    const names = collected.get(file) ?? [];
    const timedOut = names.filter((name) => results.get(key(file, name))?.status === 'timeout').length;
    if (loopLimit <= 0 || timedOut < loopLimit) return;
    for (const name of names) {
      if (results.has(key(file, name))) continue;
      const line = lines.get(key(file, name));
      results.set(key(file, name), { file: rel(file), name, status: 'fail', ...(line !== undefined && { line }), message: loopsGivenUp(timedOut) });
    }
    ended.add(file);
  };
  try {
    for (let attempt = 0; attempt <= MAX_RESTARTS && pending.length > 0; attempt++) {
      writeFileSync(skipFile, JSON.stringify([...results.keys()]));
      const run = await runChild(pending, childOptions, skipFile, join(scratch, `progress-${attempt}.jsonl`), (event) => {
        options.onEvent?.(event);
        switch (event.type) {
          case 'collected':
            collected.set(event.file, event.tests);
            event.lines?.forEach((line, i) => line !== null && lines.set(key(event.file, event.tests[i]!), line));
            break;
          case 'result': {
            const k = key(event.file, event.name);
            if (event.state === 'skipped' && results.has(k)) break; // skipped by us on a restart
            results.set(k, toOutcome(event, rel(event.file), outputs.get(k)));
            break;
          }
          case 'log':
            if (event.file && event.name) {
              const k = key(event.file, event.name);
              outputs.set(k, (outputs.get(k) ?? '') + event.content);
            }
            break;
          case 'module-end':
            ended.add(event.file);
            for (const error of event.errors) problems.push(`${rel(event.file)}: ${cleanMessage(error)}`);
            break;
          case 'end':
            // An error outside any test belongs to the file that was running when it was thrown,
            // as vitest says: a kata's unhandled rejection is that kata's problem, and the other
            // katas' results stand (the grader runs a kata with a problem again, alone).
            for (const error of event.errors) {
              const at = error.file === undefined ? undefined : rel(error.file);
              problems.push(`${at !== undefined && files.some((f) => rel(f) === at) ? `${at}: ` : ''}unhandled error: ${cleanMessage(error)}`);
            }
            break;
        }
      });
      if (run.kind === 'stuck-test') {
        const limit = (options.testTimeoutMs ?? 20_000) / 1000;
        results.set(key(run.file, run.name), {
          file: rel(run.file),
          name: run.name,
          status: 'timeout',
          message: `did not finish within ${limit} s and was stopped: look for a loop that never ends (a while loop whose condition never changes, a recursion without a base case).`,
        });
        giveUpAfterLoops(run.file);
        if (shared) pending = pending.filter((f) => !ended.has(f));
        continue;
      }
      const unfinished = shared ? pending.filter((f) => !ended.has(f)) : [];
      if (unfinished.length === 0) {
        if (run.kind === 'failed') problems.push(run.message);
        break;
      }
      // The shared worker died in the first file that did not finish (files run in kata order).
      // vitest's own word for it ("Worker exited unexpectedly") is said below, against that file.
      const kept = problems.filter((p) => !/Worker exited unexpectedly/.test(p));
      problems.splice(0, problems.length, ...kept);
      const stopped = unfinished[0]!;
      const count = (crashes.get(stopped) ?? 0) + 1;
      crashes.set(stopped, count);
      const during = run.running.get(stopped);
      const why = run.kind === 'failed' ? run.message : 'the test process stopped';
      if (during !== undefined && !results.has(key(stopped, during))) {
        results.set(key(stopped, during), {
          file: rel(stopped),
          name: during,
          status: 'error',
          message: `the test process stopped while this test ran (process.kill, process.reallyExit, an abort, or running out of memory in the code under test): ${cleanText(why)}`,
        });
      }
      if (count >= (options.crashLimit ?? 2)) {
        const names = collected.get(stopped);
        if (names) {
          for (const name of names) {
            if (!results.has(key(stopped, name))) results.set(key(stopped, name), { file: rel(stopped), name, status: 'error', message: `not run: this kata's code stopped the test process ${count} times, so its remaining tests are counted as errors without running.` });
          }
        } else {
          problems.push(`${rel(stopped)}: the test process stopped ${count} times while loading this file (process.kill, process.reallyExit or an abort in code it imports): ${cleanText(why)}`);
        }
        ended.add(stopped);
      }
      pending = unfinished.filter((f) => !ended.has(f));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  // In the files' own order; a test collected but never reported (its file crashed) did not run.
  const tests: TestOutcome[] = [];
  for (const [file, names] of collected) {
    for (const name of names) {
      const k = key(file, name);
      tests.push(results.get(k) ?? { file: rel(file), name, status: 'error', message: 'did not run: its test file stopped before reaching it.' });
      results.delete(k);
    }
  }
  return { tests: [...tests, ...results.values()], problems: [...new Set(problems)] };
}

/** How a child run ended, and the test each file was last seen running (from the progress file). */
type ChildEnd = { running: Map<string, string> } & HowItEnded;
type HowItEnded = { kind: 'finished' } | { kind: 'stuck-test'; file: string; name: string } | { kind: 'failed'; message: string };

/**
 * A test run under way, whoever runs it: a fresh vitest process ({@link spawnCold}) or the warm
 * host of the learner's loop ({@link WarmHost}). The runner's watchdog works the same on both.
 */
export interface RunningTests {
  /** every event, as it arrives */
  onEvent(listener: (event: RunnerEvent) => void): void;
  /** once: the run ended (`sawEnd`: after its `end` event) or its process died */
  onDone(listener: (done: { sawEnd: boolean; code: number | null; stderr: string }) => void): void;
  /** stops the run and everything it started, at once */
  kill(): void;
}

/** What a run needs from whoever runs it. */
export interface RunRequest {
  files: string[];
  /** the environment of the test workers for this run */
  env: NodeJS.ProcessEnv;
  testNamePattern?: string;
  testTimeoutMs: number;
  maxWorkers: number;
  root: string;
}

/** Starts a test run: a fresh vitest by default, the learner's warm host in `npm start`. */
export type StartRun = (request: RunRequest) => RunningTests;

function runChild(
  files: string[],
  options: RunOptions,
  skipFile: string,
  progressFile: string,
  onEvent: (event: RunnerEvent) => void,
): Promise<ChildEnd> {
  const testTimeout = options.testTimeoutMs ?? 20_000;
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    KATA_SKIP_TESTS: skipFile,
    KATA_PROGRESS: progressFile,
  };
  if (options.seed !== undefined) env.KATA_SEED = String(options.seed);
  if (options.path !== undefined) env.KATA_PATH = options.path;
  const start = options.start ?? spawnCold;
  const child = start({
    files,
    env,
    ...(options.testNamePattern ? { testNamePattern: options.testNamePattern } : {}),
    testTimeoutMs: testTimeout,
    maxWorkers: options.maxWorkers ?? 1,
    root: options.root ?? ROOT,
  });

  return new Promise((resolve) => {
    // The test each file is running now, from the progress file the workers write synchronously
    // (vitest's own reports are batched, and a worker stuck in a loop never sends its batch).
    const running = new Map<string, { name: string; since: number }>();
    const finished = new Set<string>();
    writeFileSync(progressFile, '');
    const progress = openSync(progressFile, 'r');
    let offset = 0;
    let partial = '';
    const readProgress = (): void => {
      const buffer = Buffer.alloc(65536);
      for (let n = readSync(progress, buffer, 0, buffer.length, offset); n > 0; n = readSync(progress, buffer, 0, buffer.length, offset)) {
        offset += n;
        partial += buffer.subarray(0, n).toString();
      }
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line) continue;
        const { file, name } = JSON.parse(line) as { file: string; name: string };
        running.set(file, { name, since: Date.now() });
        lastEvent = Date.now();
      }
    };
    let lastEvent = Date.now();
    let ended: HowItEnded | undefined;
    const kill = (why: HowItEnded): void => {
      if (ended) return;
      ended = why;
      child.kill();
    };
    const watchdog = setInterval(() => {
      readProgress();
      const now = Date.now();
      for (const [file, test] of running) {
        if (finished.has(`${file}::${test.name}`)) continue;
        if (now - test.since > testTimeout + GRACE_MS) return kill({ kind: 'stuck-test', file, name: test.name });
      }
      if (now - lastEvent > STARTUP_LIMIT_MS + testTimeout) {
        kill({ kind: 'failed', message: `the test run stopped responding for ${Math.round((now - lastEvent) / 1000)} s outside any test (is a test file's top level stuck in a loop?)` });
      }
    }, 100);
    child.onEvent((event) => {
      lastEvent = Date.now();
      if (event.type === 'result') finished.add(`${event.file}::${event.name}`);
      onEvent(event);
    });
    child.onDone(({ sawEnd, code, stderr }) => {
      clearInterval(watchdog);
      readProgress();
      closeSync(progress);
      const last = new Map([...running].map(([file, test]) => [file, test.name]));
      if (ended) return resolve({ ...ended, running: last });
      if (sawEnd) return resolve({ kind: 'finished', running: last });
      const tail = stderr.trim().split('\n').slice(-8).join('\n');
      resolve({ kind: 'failed', message: `the test run ended early (exit code ${code})${tail ? `:\n${cleanText(tail)}` : ''}`, running: last });
    });
  });
}

/** A fresh `vitest run` in its own process group, for one run. */
export const spawnCold: StartRun = (request) => {
  const args = [
    VITEST,
    'run',
    ...request.files,
    '--config',
    join(request.root, 'vitest.config.ts'),
    '--reporter',
    REPORTER,
    '--testTimeout',
    String(request.testTimeoutMs),
    '--maxWorkers',
    String(request.maxWorkers),
    '--passWithNoTests',
  ];
  if (request.testNamePattern) args.push('--testNamePattern', request.testNamePattern);
  const temp = runTempDir();
  const env: NodeJS.ProcessEnv = { ...process.env, ...request.env, NO_COLOR: '1', FORCE_COLOR: '0', TMPDIR: temp.path };
  delete env.VITEST; // when a tool's own test runs the runner, the child is a fresh vitest
  const child = spawn(process.execPath, args, {
    cwd: request.root,
    env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  child.on('exit', () => temp.remove());
  let stderr = '';
  let sawEnd = false;
  child.stdout!.on('data', () => {});
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const kill = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  };
  return {
    onEvent(listener) {
      child.on('message', (event: RunnerEvent) => {
        if (event.type === 'end') {
          sawEnd = true;
          // Everything is reported: a child that lingers after that (a learner's open handle) is stopped.
          setTimeout(() => {
            if (child.exitCode === null && child.signalCode === null) kill();
          }, 3_000).unref();
        }
        listener(event);
      });
    },
    onDone(listener) {
      child.on('exit', (code) => listener({ sawEnd, code, stderr }));
    },
    kill,
  };
};

function toOutcome(event: Extract<RunnerEvent, { type: 'result' }>, file: string, output: string | undefined): TestOutcome {
  const status: TestStatus = event.state === 'passed' ? 'pass' : event.state === 'skipped' ? 'skip' : 'fail';
  const outcome: TestOutcome = { file, name: event.name, status };
  if (event.line !== undefined) outcome.line = event.line;
  if (output) outcome.output = output;
  const error = event.errors[0];
  if (status === 'fail' && error) {
    outcome.message = cleanMessage(error);
    const property = parsePropertyFailure(error.message);
    if (property) outcome.property = property;
    if (/Test timed out in \d+ms/.test(error.message)) {
      outcome.status = 'timeout';
      outcome.message = `did not finish within ${(event.errors[0]!.message.match(/(\d+)ms/)?.[1] ?? '?')} ms: is a promise never resolved, or a loop waiting on something that never happens?`;
    }
  }
  return outcome;
}

/**
 * Reads seed, path and counterexample out of fast-check's failure report.
 *
 * @example
 * parsePropertyFailure('Property failed after 3 tests\n{ seed: 42, path: "2:0", endOnFailure: true }\nCounterexample: [1]\nShrunk 1 time(s)')
 * // → { seed: 42, path: '2:0', counterexample: '[1]', shrinks: 1 }
 */
export function parsePropertyFailure(message: string): PropertyFailure | undefined {
  const seed = /seed: (-?\d+)/.exec(message);
  const path = /path: "([^"]*)"/.exec(message);
  if (!seed || !path || !/Property failed/.test(message)) return undefined;
  const counter = /Counterexample: ([\s\S]*?)\n(?:Shrunk|Got |Hint:|\n)/.exec(message + '\n\n');
  const shrinks = /Shrunk (\d+) time/.exec(message);
  const replayPath = /\/\*replayPath="([^"]*)"\*\//.exec(message);
  return {
    seed: Number(seed[1]),
    path: path[1]!,
    ...(replayPath ? { replayPath: replayPath[1]! } : {}),
    counterexample: counter ? counter[1]!.trim() : '',
    ...(shrinks ? { shrinks: Number(shrinks[1]) } : {}),
  };
}

/** An error's message and its first stack line inside the workbook, without colours or absolute paths. */
export function cleanMessage(error: SerializedFailure): string {
  const lines = [cleanText(error.message)];
  const where = error.stack
    .split('\n')
    .find((l) => l.includes(ROOT) && !l.includes('node_modules') && /\bat\b/.test(l) && !l.includes('/tools/lib/'));
  if (error.diff) lines.push(cleanText(error.diff));
  if (where && !/Property failed/.test(error.message)) lines.push(cleanText(where.trim()));
  return lines.join('\n');
}

/** Strips ANSI colours and makes the workbook's absolute paths relative. */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').split(`${ROOT}/`).join('').replace(/file:\/\//g, '');
}
