/**
 * The model of kata 22's state machine, for the model-based property on FakeRuntime: the spec's
 * rules written as plainly as possible, and the commands that drive both the model and the
 * runtime and compare them after every step.
 *
 * Times avoid ties by construction: the clock moves in whole seconds, scripted exits come at
 * k s + 500 ms, exits after SIGTERM at k s + 250 ms, and SIGKILL at whole seconds.
 */
import { expect } from 'vitest';
import type { FakeClock } from '@kube/kit';
import { RuntimeError, type FakeBehavior, type FakeRuntime } from '@kube/runtime';
import { fc } from '../prop.ts';

/** The pod CIDR of the property: /29 has 5 usable addresses, so it can run out. */
export const MODEL_CIDR = '127.0.9.0/29';
const USABLE = ['127.0.9.2', '127.0.9.3', '127.0.9.4', '127.0.9.5', '127.0.9.6'];
/** The node's IP of the property, which every sandbox on the node's network reports. */
export const MODEL_NODE_IP = '127.0.9.1';

interface ModelSandbox {
  id: string;
  name: string;
  ready: boolean;
  removed: boolean;
  /** on the node's network (`hostNetwork`): the node's IP, none of the CIDR's */
  onNode: boolean;
}

interface ModelContainer {
  id: string;
  sandbox: number;
  name: string;
  attempt: number;
  behavior: FakeBehavior;
  state: 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED';
  removed: boolean;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** when it will exit by itself, while running */
  naturalExitAt?: number;
}

/** What both sides hold. */
export interface Model {
  now: number;
  sandboxes: ModelSandbox[];
  containers: ModelContainer[];
}

/** The runtime under test, its clock, and a counter for unique image names. */
export interface Real {
  runtime: FakeRuntime;
  clock: FakeClock;
  images: number;
}

type Outcome = { ok: true } | { ok: false; code: string; reason?: string };
const OK: Outcome = { ok: true };
const fail = (code: string, reason?: string): Outcome => ({ ok: false, code, ...(reason ? { reason } : {}) });

/** Runs a call and says how it ended: ok, or the RuntimeError's code (and reason). */
async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return OK;
  } catch (error) {
    if (!(error instanceof RuntimeError)) throw error;
    return fail(error.code, error.reason);
  }
}

function exitNow(model: Model, c: ModelContainer, at: number, code: number): void {
  c.state = 'CONTAINER_EXITED';
  c.finishedAt = at;
  c.exitCode = code;
  delete c.naturalExitAt;
}

/** Moves the model's time forward, letting scripted exits happen. */
function advanceModel(model: Model, ms: number): void {
  const end = model.now + ms;
  for (const c of model.containers) {
    if (c.state === 'CONTAINER_RUNNING' && c.naturalExitAt !== undefined && c.naturalExitAt <= end) exitNow(model, c, c.naturalExitAt, c.behavior.exitCode ?? 0);
  }
  model.now = end;
}

const live = <T extends { removed: boolean }>(xs: T[]): T[] => xs.filter((x) => !x.removed);

/** Compares everything observable: the lists, and each sandbox's and container's status. */
async function compare(model: Model, real: Real): Promise<void> {
  const sandboxes = await real.runtime.listPodSandbox();
  expect(sandboxes.map((s) => [s.id, s.state])).toEqual(live(model.sandboxes).map((s) => [s.id, s.ready ? 'SANDBOX_READY' : 'SANDBOX_NOTREADY']));
  const ips: string[] = [];
  for (const s of live(model.sandboxes)) {
    const ip = (await real.runtime.podSandboxStatus(s.id)).network.ip;
    if (s.ready && s.onNode) {
      expect(ip, 'a ready sandbox on the node\'s network has the node\'s IP').toBe(MODEL_NODE_IP);
    } else if (s.ready) {
      expect(USABLE, `a ready sandbox's IP ${ip} is one of the pod CIDR's usable addresses`).toContain(ip);
      ips.push(ip);
    } else {
      expect(ip, 'a stopped sandbox has no IP').toBe('');
    }
  }
  expect(new Set(ips).size, 'no two ready sandboxes share an IP').toBe(ips.length);
  const containers = await real.runtime.listContainers();
  expect(containers.map((c) => [c.id, c.state])).toEqual(live(model.containers).map((c) => [c.id, c.state]));
  for (const c of live(model.containers)) {
    const status = await real.runtime.containerStatus(c.id);
    const exited = c.state === 'CONTAINER_EXITED';
    expect({ state: status.state, startedAt: status.startedAt, finishedAt: status.finishedAt, exitCode: status.exitCode, reason: status.reason }).toEqual({
      state: c.state,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: exited ? (c.exitCode === 0 ? 'Completed' : 'Error') : '',
    });
  }
}

abstract class Step implements fc.AsyncCommand<Model, Real, false> {
  check(): boolean {
    return true;
  }
  /** What the model says the call does (changing the model), and the outcome it expects. */
  abstract expect(model: Model): Outcome;
  /** The call on the runtime. */
  abstract call(model: Model, real: Real): Promise<unknown>;
  async run(model: Model, real: Real): Promise<void> {
    // The call starts first (it reads the ids the model knows), its outcome caught at once.
    const result = outcome(() => this.call(model, real));
    const expected = this.expect(model);
    await this.whileWaiting(real);
    expect(await result, `${this}`).toEqual(expected);
    await this.after(model, real);
    await compare(model, real);
  }
  /** What happens while the call waits: nothing, or time passing on the clock. */
  protected async whileWaiting(_real: Real): Promise<void> {}
  protected async after(_model: Model, _real: Real): Promise<void> {}
  abstract toString(): string;
}

class RunSandbox extends Step {
  private result?: Promise<string>;
  constructor(
    readonly n: number,
    readonly onNode: boolean,
  ) {
    super();
  }
  call(_model: Model, real: Real): Promise<string> {
    const network = this.onNode ? { namespaceOptions: { network: 'NODE' as const } } : {};
    this.result = real.runtime.runPodSandbox({ metadata: { name: `p${this.n}`, namespace: 'default', uid: `u${this.n}` }, ...network });
    return this.result;
  }
  expect(model: Model): Outcome {
    const name = `p${this.n}`;
    if (live(model.sandboxes).some((s) => s.name === name)) return fail('AlreadyExists');
    if (!this.onNode && live(model.sandboxes).filter((s) => s.ready && !s.onNode).length === USABLE.length) return fail('ResourceExhausted');
    model.sandboxes.push({ id: '', name, ready: true, removed: false, onNode: this.onNode });
    return OK;
  }
  protected override async after(model: Model): Promise<void> {
    const last = model.sandboxes[model.sandboxes.length - 1];
    if (last && last.id === '') last.id = await this.result!;
  }
  toString(): string {
    return `runPodSandbox(p${this.n}${this.onNode ? ', hostNetwork' : ''})`;
  }
}

/** Picks the i-th sandbox or container the model has known (removed ones too), or none yet. */
const pick = <T>(xs: T[], i: number): T | undefined => (xs.length === 0 ? undefined : xs[i % xs.length]);

class StopSandbox extends Step {
  constructor(readonly i: number) {
    super();
  }
  call(model: Model, real: Real): Promise<void> {
    return real.runtime.stopPodSandbox(pick(model.sandboxes, this.i)?.id ?? 'no-such-sandbox');
  }
  expect(model: Model): Outcome {
    const s = pick(model.sandboxes, this.i);
    if (!s || s.removed) return fail('NotFound');
    for (const c of live(model.containers)) if (model.sandboxes[c.sandbox] === s && c.state === 'CONTAINER_RUNNING') exitNow(model, c, model.now, 137);
    s.ready = false;
    return OK;
  }
  toString(): string {
    return `stopPodSandbox(#${this.i})`;
  }
}

class RemoveSandbox extends Step {
  constructor(readonly i: number) {
    super();
  }
  call(model: Model, real: Real): Promise<void> {
    return real.runtime.removePodSandbox(pick(model.sandboxes, this.i)?.id ?? 'no-such-sandbox');
  }
  expect(model: Model): Outcome {
    const s = pick(model.sandboxes, this.i);
    if (!s || s.removed) return OK;
    for (const c of live(model.containers)) {
      if (model.sandboxes[c.sandbox] !== s) continue;
      if (c.state === 'CONTAINER_RUNNING') exitNow(model, c, model.now, 137);
      c.removed = true;
    }
    s.ready = false;
    s.removed = true;
    return OK;
  }
  toString(): string {
    return `removePodSandbox(#${this.i})`;
  }
}

class CreateContainer extends Step {
  private result?: Promise<string>;
  private image = '';
  constructor(
    readonly i: number,
    readonly name: string,
    readonly attempt: number,
    readonly behavior: FakeBehavior,
    readonly pullable: boolean,
  ) {
    super();
  }
  call(model: Model, real: Real): Promise<string> {
    real.images += 1;
    this.image = this.pullable ? `test/image-${real.images}` : 'test/not-in-any-registry';
    if (this.pullable) real.runtime.setBehavior(this.image, this.behavior);
    this.result = real.runtime.createContainer(pick(model.sandboxes, this.i)?.id ?? 'no-such-sandbox', {
      metadata: { name: this.name, attempt: this.attempt },
      image: { image: `${this.image}:latest` },
    });
    return this.result;
  }
  expect(model: Model): Outcome {
    const s = pick(model.sandboxes, this.i);
    if (!s || s.removed) return fail('NotFound');
    if (!s.ready) return fail('FailedPrecondition');
    if (!this.pullable) return fail('NotFound', 'ErrImagePull');
    const index = model.sandboxes.indexOf(s);
    if (live(model.containers).some((c) => c.sandbox === index && c.name === this.name && c.attempt === this.attempt)) return fail('AlreadyExists');
    model.containers.push({ id: '', sandbox: index, name: this.name, attempt: this.attempt, behavior: this.behavior, state: 'CONTAINER_CREATED', removed: false, startedAt: 0, finishedAt: 0, exitCode: 0 });
    return OK;
  }
  protected override async after(model: Model): Promise<void> {
    const last = model.containers[model.containers.length - 1];
    if (last && last.id === '') last.id = await this.result!;
  }
  toString(): string {
    return `createContainer(sandbox #${this.i}, ${this.name}, attempt ${this.attempt}, ${this.pullable ? JSON.stringify(this.behavior) : 'an image no registry has'})`;
  }
}

/** The container the model knows as #i, and whether the call should find it. */
function containerFor(model: Model, i: number): ModelContainer | undefined {
  return pick(model.containers, i);
}

class StartContainer extends Step {
  constructor(readonly i: number) {
    super();
  }
  call(model: Model, real: Real): Promise<void> {
    return real.runtime.startContainer(containerFor(model, this.i)?.id ?? 'no-such-container');
  }
  expect(model: Model): Outcome {
    const c = containerFor(model, this.i);
    if (!c || c.removed) return fail('NotFound');
    if (c.state !== 'CONTAINER_CREATED' || !model.sandboxes[c.sandbox]!.ready) return fail('FailedPrecondition');
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = model.now;
    if (c.behavior.exitAfterMs !== undefined) c.naturalExitAt = model.now + c.behavior.exitAfterMs;
    return OK;
  }
  toString(): string {
    return `startContainer(#${this.i})`;
  }
}

class StopContainer extends Step {
  constructor(
    readonly i: number,
    readonly timeout: number,
  ) {
    super();
  }
  call(model: Model, real: Real): Promise<void> {
    return real.runtime.stopContainer(containerFor(model, this.i)?.id ?? 'no-such-container', this.timeout);
  }
  /** The grace period passes on the clock while the call waits. */
  protected override async whileWaiting(real: Real): Promise<void> {
    await real.clock.advance(this.timeout * 1000);
  }
  expect(model: Model): Outcome {
    const c = containerFor(model, this.i);
    if (!c || c.removed) {
      advanceModel(model, this.timeout * 1000);
      return fail('NotFound');
    }
    if (c.state === 'CONTAINER_RUNNING') {
      const { terminationMs = 0, sigtermExitCode = 143 } = c.behavior;
      const exits: { at: number; code: number }[] = [{ at: model.now + this.timeout * 1000, code: 137 }];
      if (this.timeout > 0 && terminationMs !== 'ignore') exits.push({ at: model.now + terminationMs, code: sigtermExitCode });
      if (c.naturalExitAt !== undefined) exits.push({ at: c.naturalExitAt, code: c.behavior.exitCode ?? 0 });
      const first = exits.reduce((a, b) => (b.at < a.at ? b : a));
      exitNow(model, c, first.at, first.code);
    }
    advanceModel(model, this.timeout * 1000);
    return OK;
  }
  toString(): string {
    return `stopContainer(#${this.i}, ${this.timeout}s)`;
  }
}

class RemoveContainer extends Step {
  constructor(readonly i: number) {
    super();
  }
  call(model: Model, real: Real): Promise<void> {
    return real.runtime.removeContainer(containerFor(model, this.i)?.id ?? 'no-such-container');
  }
  expect(model: Model): Outcome {
    const c = containerFor(model, this.i);
    if (!c || c.removed) return OK;
    if (c.state === 'CONTAINER_RUNNING') exitNow(model, c, model.now, 137);
    c.removed = true;
    return OK;
  }
  toString(): string {
    return `removeContainer(#${this.i})`;
  }
}

class Crash extends Step {
  constructor(
    readonly i: number,
    readonly code: number,
  ) {
    super();
  }
  call(model: Model, real: Real): Promise<void> {
    return (async () => real.runtime.exit(containerFor(model, this.i)?.id ?? 'no-such-container', this.code))();
  }
  expect(model: Model): Outcome {
    const c = containerFor(model, this.i);
    if (!c || c.removed) return fail('NotFound');
    if (c.state !== 'CONTAINER_RUNNING') return fail('FailedPrecondition');
    exitNow(model, c, model.now, this.code);
    return OK;
  }
  toString(): string {
    return `exit(#${this.i}, code ${this.code})`;
  }
}

class Advance extends Step {
  constructor(readonly seconds: number) {
    super();
  }
  call(_model: Model, real: Real): Promise<void> {
    return real.clock.advance(this.seconds * 1000);
  }
  expect(model: Model): Outcome {
    advanceModel(model, this.seconds * 1000);
    return OK;
  }
  toString(): string {
    return `advance(${this.seconds}s)`;
  }
}

const behaviorArb: fc.Arbitrary<FakeBehavior> = fc.record(
  {
    exitAfterMs: fc.integer({ min: 0, max: 6 }).map((k) => k * 1000 + 500),
    exitCode: fc.integer({ min: 0, max: 3 }),
    terminationMs: fc.oneof(fc.constant(0), fc.constant('ignore' as const), fc.integer({ min: 0, max: 4 }).map((k) => k * 1000 + 250)),
    sigtermExitCode: fc.constantFrom(0, 143),
  },
  { requiredKeys: [] },
);

/** Any sequence of the runtime's calls, crashes and the passing of time. */
export const runtimeCommands = fc.commands(
  [
    fc.tuple(fc.integer({ min: 0, max: 6 }), fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) })).map(([n, onNode]) => new RunSandbox(n, onNode)),
    fc.nat(20).map((i) => new StopSandbox(i)),
    fc.nat(20).map((i) => new RemoveSandbox(i)),
    fc.tuple(fc.nat(20), fc.constantFrom('a', 'b'), fc.nat(1), behaviorArb, fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })).map(
      ([i, name, attempt, behavior, pullable]) => new CreateContainer(i, name, attempt, behavior, pullable),
    ),
    fc.nat(20).map((i) => new StartContainer(i)),
    fc.nat(20).map((i) => new StartContainer(i)),
    fc.tuple(fc.nat(20), fc.integer({ min: 0, max: 3 })).map(([i, t]) => new StopContainer(i, t)),
    fc.nat(20).map((i) => new RemoveContainer(i)),
    fc.tuple(fc.nat(20), fc.integer({ min: 0, max: 2 })).map(([i, code]) => new Crash(i, code)),
    fc.integer({ min: 0, max: 4 }).map((s) => new Advance(s)),
  ],
  { maxCommands: 40 },
);
