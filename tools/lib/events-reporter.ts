/**
 * A vitest reporter that sends each test's start and result to the parent process over IPC, as it
 * happens, so that the runner (tools/lib/runner.ts) keeps every result it has seen even when it
 * must kill a worker stuck in an infinite loop.
 *
 * Loaded by the runner with `--reporter=./tools/lib/events-reporter.ts`; without an IPC channel
 * (run by hand) it prints the events as JSON lines.
 */
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import type { SerializedError, UserConsoleLog } from 'vitest';
import type { RunnerEvent, SerializedFailure } from './events.ts';

function send(event: RunnerEvent, then?: () => void): void {
  if (process.send) process.send(event, undefined, {}, then);
  else process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** "describe > test", without the " (with seed=N)" that @fast-check/vitest appends when seeded. */
function fullName(test: TestCase): string {
  return test.fullName.replace(/ \(with seed=-?\d+\)$/, '');
}

function serialize(error: SerializedError | { message?: string; stack?: string; name?: string }): SerializedFailure {
  const e = error as SerializedError & { diff?: string; cause?: { message?: string; name?: string }; VITEST_TEST_PATH?: string };
  // fast-check reports the property's own assertion as the cause: the learner needs both.
  const cause = e.cause?.message ? `\n\nCaused by: ${e.cause.message}` : '';
  return {
    name: e.name ?? 'Error',
    message: String(e.message ?? e) + cause,
    stack: String(e.stack ?? e.stackStr ?? ""),
    ...(e.diff ? { diff: e.diff } : {}),
    ...(typeof e.VITEST_TEST_PATH === 'string' ? { file: e.VITEST_TEST_PATH } : {}),
  };
}

/** The errors of the describes around `test` (a beforeAll that threw), each saying where it came from. */
function hookErrors(test: TestCase): SerializedFailure[] {
  const errors: SerializedFailure[] = [];
  for (let suite = test.parent; suite.type === 'suite'; suite = suite.parent) {
    for (const error of suite.errors()) {
      const failure = serialize(error);
      errors.push({ ...failure, message: `not run: a hook of "${suite.fullName}" failed: ${failure.message}` });
    }
  }
  return errors;
}

export default class EventsReporter implements Reporter {
  private readonly names = new Map<string, { file: string; name: string }>();

  constructor() {
    // When the runner goes away (it finished, or it was killed), take the whole process group
    // with us: a worker stuck in a learner's infinite loop would otherwise spin on as an orphan.
    if (process.send) {
      process.on('disconnect', () => {
        try {
          process.kill(-process.pid, 'SIGKILL');
        } catch {
          process.exit(1);
        }
      });
    }
  }

  onTestModuleCollected(module: TestModule): void {
    const all = [...module.children.allTests()];
    const tests = all.map((t) => {
      this.names.set(t.id, { file: module.moduleId, name: fullName(t) });
      return fullName(t);
    });
    send({ type: 'collected', file: module.moduleId, tests, lines: all.map((t) => t.location?.line ?? null) });
  }

  onTestCaseReady(test: TestCase): void {
    send({ type: 'start', file: test.module.moduleId, name: fullName(test) });
  }

  onTestCaseResult(test: TestCase): void {
    const result = test.result();
    send({
      type: 'result',
      file: test.module.moduleId,
      name: fullName(test),
      state: result.state === 'pending' ? 'skipped' : result.state,
      errors: (result.errors ?? []).map(serialize),
      ...(test.location ? { line: test.location.line } : {}),
    });
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    const owner = log.taskId ? this.names.get(log.taskId) : undefined;
    send({ type: 'log', ...(owner ?? {}), stream: log.type, content: log.content });
  }

  onTestModuleEnd(module: TestModule): void {
    // A test whose describe's beforeAll threw is "skipped" with no error of its own: give it the
    // hook's error, or the learner (and the grader's "not started") sees only "did not run".
    for (const test of module.children.allTests()) {
      if (test.result().state !== 'skipped') continue;
      const errors = hookErrors(test);
      if (errors.length === 0) continue;
      send({ type: 'result', file: module.moduleId, name: fullName(test), state: 'failed', errors, ...(test.location ? { line: test.location.line } : {}) });
    }
    send({ type: 'module-end', file: module.moduleId, errors: module.errors().map(serialize) });
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    // Close the IPC channel once the last event is out: an open channel keeps the process alive.
    // The warm host (tools/lib/warm-host-main.ts) stays, for the next run.
    const warm = process.env.KATA_WARM_HOST === '1';
    send({ type: 'end', errors: unhandledErrors.map(serialize) }, () => (warm ? undefined : process.disconnect?.()));
  }
}
