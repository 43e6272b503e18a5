/**
 * Kata 22 — the runtime shim. The spec is katas/runtime/22-runtime-shim.md.
 *
 * First the parts: pod IPs from the pod CIDR, the CRI log format, the configs made from a pod.
 * Then FakeRuntime, the state machine on the clock, and ProcessRuntime, with real processes that
 * listen on their pods' own loopback addresses (127.22.x.y, port 8080 each), write logs, crash
 * and are stopped. Process tests wait on events (the runtime's, or a log file changing), never on
 * a timer, and shut their runtime down.
 *
 * The properties: the allocator never gives an address twice and runs out only when it must;
 * the log lines do not depend on how the output was cut into chunks; the container state machine
 * agrees with a model for any sequence of calls, exits and time; and after any sequence on
 * ProcessRuntime and a shutdown, the OS has no process of it left.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeClock, type Pod } from '@kube/kit';
import {
  CriLogWriter,
  FakeRuntime,
  PodIPAllocator,
  ProcessRuntime,
  RuntimeError,
  RuntimeState,
  containerConfigFor,
  formatLogTimestamp,
  parseCriLogLine,
  parsePodCIDR,
  sandboxConfigFor,
  type ContainerConfig,
  type ContainerEvent,
  type PodSandboxConfig,
  type ProcessRuntimeOptions,
  type RuntimeService,
} from '@kube/runtime';
import { fc, test } from '../support/prop.ts';
import { unicodeStringArb } from '../support/unicode.ts';
import { MODEL_CIDR, MODEL_NODE_IP, runtimeCommands, type Model, type Real } from '../support/runtime/fake-model.ts';
import { killMarkedLeftovers, MARK, markedProcesses, newMark } from '../support/runtime/os-processes.ts';
import { waitForExit, waitForLogLine } from '../support/runtime/wait.ts';

/** The RuntimeError a call rejects with, as `{ code, reason?, message }`. */
async function failure(call: Promise<unknown>): Promise<{ code: string; reason?: string; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RuntimeError) return { code: error.code, message: error.message, ...(error.reason ? { reason: error.reason } : {}) };
    throw error;
  }
  throw new Error('the call succeeded, but it should have failed with a RuntimeError');
}

/**
 * A message that contains `part` (a plain matcher: vitest's expect.stringContaining, evaluated
 * after an `await` inside expect(...), trips over chai's flags).
 */
function containing(part: string): { asymmetricMatch: (actual: unknown) => boolean; toString: () => string } {
  return { asymmetricMatch: (actual) => typeof actual === 'string' && actual.includes(part), toString: () => `a message containing ${JSON.stringify(part)}` };
}

const START = Date.UTC(2026, 0, 1);
const sandboxConfig = (name: string) => ({ metadata: { name, namespace: 'default', uid: `uid-${name}` } });
const containerConfig = (name: string, image: string, extra: Partial<ContainerConfig> = {}): ContainerConfig => ({ metadata: { name }, image: { image }, ...extra });

// ---------------------------------------------------------------------------------------------
describe('pod IPs from the pod CIDR', () => {
  it('gives 127.0.1.2 first, then the next addresses, skipping the network address, the gateway (.1) and broadcast', () => {
    const ips = new PodIPAllocator('127.0.1.0/29');
    expect(ips.capacity).toBe(5);
    expect([1, 2, 3, 4, 5].map(() => ips.allocate())).toEqual(['127.0.1.2', '127.0.1.3', '127.0.1.4', '127.0.1.5', '127.0.1.6']);
    expect(ips.inUse()).toEqual(['127.0.1.2', '127.0.1.3', '127.0.1.4', '127.0.1.5', '127.0.1.6']);
  });

  it('hands out addresses round-robin: a released address is not given again until the others have been', () => {
    const ips = new PodIPAllocator('127.0.1.0/29');
    expect([ips.allocate(), ips.allocate()]).toEqual(['127.0.1.2', '127.0.1.3']);
    ips.release('127.0.1.2');
    expect(ips.allocate()).toBe('127.0.1.4');
    expect([ips.allocate(), ips.allocate()]).toEqual(['127.0.1.5', '127.0.1.6']);
    expect(ips.allocate()).toBe('127.0.1.2');
  });

  it('says "no free IP in the pod CIDR 127.0.1.0/30: all 1 addresses are in use" when it runs out', async () => {
    const ips = new PodIPAllocator('127.0.1.0/30');
    expect(ips.allocate()).toBe('127.0.1.2');
    expect(await failure((async () => ips.allocate())())).toEqual({ code: 'ResourceExhausted', message: 'no free IP in the pod CIDR 127.0.1.0/30: all 1 addresses are in use' });
  });

  it.each([
    ['10.0.0.0/24', 'pod CIDR "10.0.0.0/24" is not inside 127.0.0.0/8: pods get loopback addresses, like 127.0.1.0/24'],
    ['127.0.1.5/24', 'pod CIDR "127.0.1.5/24" has host bits set: did you mean 127.0.1.0/24?'],
    ['127.0.1.0/31', 'pod CIDR "127.0.1.0/31": the prefix length must be between 8 and 30, got 31'],
    ['127.0.0.0/7', 'pod CIDR "127.0.0.0/7": the prefix length must be between 8 and 30, got 7'],
    ['x/127.0.1.0/24', 'pod CIDR "x/127.0.1.0/24" is not a CIDR: write an address and a prefix length, like 127.0.1.0/24'],
    ['127.0.1.0/24x', 'pod CIDR "127.0.1.0/24x" is not a CIDR: write an address and a prefix length, like 127.0.1.0/24'],
    ['127.0.1.0', 'pod CIDR "127.0.1.0" is not a CIDR: write an address and a prefix length, like 127.0.1.0/24'],
    ['127.0.1.300/24', '"127.0.1.300" is not an IPv4 address: write four numbers 0-255 separated by dots, like 127.0.1.2'],
  ])('rejects the pod CIDR %s with a message saying what would be right', async (cidr, message) => {
    expect(await failure((async () => parsePodCIDR(cidr))())).toEqual({ code: 'InvalidArgument', message });
    expect(() => new PodIPAllocator(cidr)).toThrow(message);
  });

  it('accepts every prefix length from 8 to 30: all of 127.0.0.0/8 but three addresses, down to a /30 of one', () => {
    expect([new PodIPAllocator('127.0.0.0/8').capacity, new PodIPAllocator('127.0.0.0/30').capacity]).toEqual([2 ** 24 - 3, 1]);
    expect(new PodIPAllocator('127.0.0.0/8').allocate()).toBe('127.0.0.2');
  });

  test.prop([fc.integer({ min: 26, max: 30 }), fc.array(fc.oneof(fc.constant(-1), fc.nat(40)), { maxLength: 80 })])(
    'never gives an address that is in use, stays inside the CIDR, and runs out only when every usable address is taken',
    (prefix, ops) => {
      const ips = new PodIPAllocator(`127.0.4.0/${prefix}`);
      const usable = 2 ** (32 - prefix) - 3;
      const held: string[] = [];
      for (const op of ops) {
        if (op === -1 || held.length === 0) {
          if (held.length === usable) {
            expect(() => ips.allocate()).toThrow(/no free IP/);
            continue;
          }
          const ip = ips.allocate();
          expect(held, `${ip} was given while in use`).not.toContain(ip);
          const last = Number(ip.split('.')[3]);
          expect(ip.startsWith('127.0.4.') && last >= 2 && last <= usable + 1, `${ip} is a usable address of 127.0.4.0/${prefix}`).toBe(true);
          held.push(ip);
        } else {
          const [ip] = held.splice(op % held.length, 1);
          ips.release(ip!);
        }
        expect(ips.inUse()).toEqual([...held].sort((a, b) => Number(a.split('.')[3]) - Number(b.split('.')[3])));
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
describe('the CRI log format', () => {
  it('formats timestamps as Go\'s RFC3339Nano in UTC, dropping the fraction\'s trailing zeros', () => {
    expect(formatLogTimestamp(START)).toBe('2026-01-01T00:00:00Z');
    expect(formatLogTimestamp(START + 250)).toBe('2026-01-01T00:00:00.25Z');
    expect(formatLogTimestamp(START + 1)).toBe('2026-01-01T00:00:00.001Z');
    expect(formatLogTimestamp(START + 61_010)).toBe('2026-01-01T00:01:01.01Z');
  });

  it('writes one "<timestamp> <stream> F <line>" per line, whatever chunks the line came in, each stream on its own', async () => {
    const clock = new FakeClock(START);
    const lines: string[] = [];
    const log = new CriLogWriter((line) => lines.push(line.toString()), clock);
    log.write('stdout', 'hel');
    log.write('stderr', 'oops\n');
    await clock.advance(1500);
    log.write('stdout', Buffer.from('lo\n\nworld\n'));
    expect(lines).toEqual([
      '2026-01-01T00:00:00Z stderr F oops\n',
      '2026-01-01T00:00:01.5Z stdout F hello\n',
      '2026-01-01T00:00:01.5Z stdout F \n',
      '2026-01-01T00:00:01.5Z stdout F world\n',
    ]);
  });

  it('refuses a line limit that is not a whole number above 0', () => {
    for (const limit of [0, -1, 1.5, Number.NaN]) expect(() => new CriLogWriter(() => {}, new FakeClock(START), limit)).toThrow(RangeError);
    expect(() => new CriLogWriter(() => {}, new FakeClock(START), 1.5)).toThrow(/1\.5/); // the message names the limit it was given
    expect(() => new CriLogWriter(() => {}, new FakeClock(START), 1)).not.toThrow();
  });

  it('cuts a line longer than the limit into P parts ending in an F part, and ends unfinished output with a P part', () => {
    const clock = new FakeClock(START);
    const lines: string[] = [];
    const log = new CriLogWriter((line) => lines.push(line.toString()), clock, 4);
    log.write('stdout', 'abcdefghij\nxyz');
    log.write('stderr', '1234');
    log.end('stdout');
    log.end('stderr');
    const ts = '2026-01-01T00:00:00Z';
    expect(lines).toEqual([`${ts} stdout P abcd\n`, `${ts} stdout P efgh\n`, `${ts} stdout F ij\n`, `${ts} stdout P xyz\n`, `${ts} stderr P 1234\n`]);
  });

  it('writes output still waiting for its newline as a P part as soon as there is more of it than the limit, stamped when it arrived', async () => {
    const clock = new FakeClock(START);
    const lines: string[] = [];
    const log = new CriLogWriter((line) => lines.push(line.toString()), clock, 4);
    log.write('stdout', 'abcdef');
    expect(lines).toEqual(['2026-01-01T00:00:00Z stdout P abcd\n']);
    await clock.advance(1000);
    log.write('stdout', 'gh\n');
    expect(lines).toEqual(['2026-01-01T00:00:00Z stdout P abcd\n', '2026-01-01T00:00:01Z stdout F efgh\n']);
  });

  test.prop([fc.array(fc.tuple(fc.constantFrom('stdout' as const, 'stderr' as const), unicodeStringArb({ maxLength: 30 })), { maxLength: 12 }), fc.integer({ min: 1, max: 12 }), fc.array(fc.nat(40), { maxLength: 10 })])(
    'the log lines do not depend on how the output is cut into chunks, and joining each line\'s parts gives the output back',
    (writes, max, cuts) => {
      const clock = new FakeClock(START);
      const whole: Buffer[] = [];
      const once = new CriLogWriter((l) => whole.push(l), clock, max);
      const pieces: Buffer[] = [];
      const chunked = new CriLogWriter((l) => pieces.push(l), clock, max);
      for (const [stream, text] of writes) {
        once.write(stream, text);
        const bytes = Buffer.from(text);
        let from = 0;
        for (const cut of cuts) {
          const to = Math.min(bytes.length, from + cut);
          chunked.write(stream, bytes.subarray(from, to));
          from = to;
        }
        chunked.write(stream, bytes.subarray(from));
      }
      for (const w of [once, chunked]) (w.end('stdout'), w.end('stderr'));
      expect(Buffer.concat(pieces).toString('latin1')).toBe(Buffer.concat(whole).toString('latin1'));
      // Per stream, P parts joined up to each F rebuild exactly the bytes written, newline for newline.
      for (const stream of ['stdout', 'stderr'] as const) {
        const expected = Buffer.concat(writes.filter(([s]) => s === stream).map(([, t]) => Buffer.from(t)));
        const rebuilt: Buffer[] = [];
        for (const line of whole) {
          const prefix = `2026-01-01T00:00:00Z ${stream} `;
          if (!line.subarray(0, prefix.length).equals(Buffer.from(prefix))) continue;
          const tag = String.fromCharCode(line[prefix.length]!);
          const content = line.subarray(prefix.length + 2, line.length - 1);
          expect(content.length, 'a part is never longer than the limit').toBeLessThanOrEqual(max);
          rebuilt.push(content, ...(tag === 'F' ? [Buffer.from('\n')] : []));
        }
        expect(Buffer.concat(rebuilt).equals(expected), `the ${stream} parts rebuild the ${stream} output`).toBe(true);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
describe('from a pod to the CRI configs', () => {
  const pod: Pod = {
    metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web' } },
    spec: {
      containers: [
        { name: 'web', image: 'kubekata/echo', ports: [{ containerPort: 9000 }, { containerPort: 9001 }], env: [{ name: 'MODE', value: 'fast' }] },
        { name: 'side', image: 'kubekata/sleeper', args: ['60'], env: [{ name: 'POD_IP', value: '0.0.0.0' }], workingDir: '/work' },
      ],
    },
  };

  it('gives the sandbox the pod\'s name, namespace, uid, hostname and labels, and its log directory under the log root', () => {
    expect(sandboxConfigFor(pod, { logRoot: '/var/log/pods', attempt: 1 })).toEqual({
      metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', attempt: 1 },
      hostname: 'web-1',
      labels: { app: 'web', 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u-1' },
      logDirectory: '/var/log/pods/shop_web-1_u-1',
    });
  });

  it('puts a pod with hostNetwork on the node\'s network, and says nothing of the network for any other pod', () => {
    expect(sandboxConfigFor({ ...pod, spec: { ...pod.spec!, hostNetwork: true } }).namespaceOptions).toEqual({ network: 'NODE' });
    expect(sandboxConfigFor({ ...pod, spec: { ...pod.spec!, hostNetwork: false } })).not.toHaveProperty('namespaceOptions');
    expect(sandboxConfigFor(pod)).not.toHaveProperty('namespaceOptions');
  });

  it('gives each container POD_NAME, POD_NAMESPACE, POD_IP and PORT (its first port), then its own env, which wins', () => {
    const web = containerConfigFor(pod, pod.spec!.containers[0]!, { podIP: '127.0.1.2' });
    expect(web).toEqual({
      metadata: { name: 'web', attempt: 0 },
      image: { image: 'kubekata/echo' },
      envs: [
        { key: 'POD_NAME', value: 'web-1' },
        { key: 'POD_NAMESPACE', value: 'shop' },
        { key: 'POD_IP', value: '127.0.1.2' },
        { key: 'PORT', value: '9000' },
        { key: 'MODE', value: 'fast' },
      ],
      labels: { 'io.kubernetes.pod.name': 'web-1', 'io.kubernetes.pod.namespace': 'shop', 'io.kubernetes.pod.uid': 'u-1', 'io.kubernetes.container.name': 'web' },
      logPath: 'web/0.log',
    });
    const side = containerConfigFor(pod, pod.spec!.containers[1]!, { podIP: '127.0.1.2', attempt: 3 });
    expect([side.args, side.workingDir, side.logPath, side.metadata]).toEqual([['60'], '/work', 'side/3.log', { name: 'side', attempt: 3 }]);
    expect(side.envs).toEqual([
      { key: 'POD_NAME', value: 'web-1' },
      { key: 'POD_NAMESPACE', value: 'shop' },
      { key: 'POD_IP', value: '0.0.0.0' },
    ]);
  });

  it('gives a pod without a namespace, spec or labels the namespace default, its name as hostname, the three pod labels and no log directory', () => {
    expect(sandboxConfigFor({ metadata: { name: 'solo', uid: 'u-2' } })).toEqual({
      metadata: { name: 'solo', namespace: 'default', uid: 'u-2', attempt: 0 },
      hostname: 'solo',
      labels: { 'io.kubernetes.pod.name': 'solo', 'io.kubernetes.pod.namespace': 'default', 'io.kubernetes.pod.uid': 'u-2' },
    });
  });

  it('copies a container\'s command, gives no PORT when its ports are empty, and an env variable without a value the value ""', () => {
    const config = containerConfigFor(pod, { name: 'cmd', image: 'kubekata/node', command: ['node', '-e', '1'], ports: [], env: [{ name: 'EMPTY' }] }, { podIP: '127.0.1.2' });
    expect([config.command, config.args, config.workingDir, config.envs]).toEqual([
      ['node', '-e', '1'],
      undefined,
      undefined,
      [
        { key: 'POD_NAME', value: 'web-1' },
        { key: 'POD_NAMESPACE', value: 'shop' },
        { key: 'POD_IP', value: '127.0.1.2' },
        { key: 'EMPTY', value: '' },
      ],
    ]);
    expect(containerConfigFor(pod, { name: 'plain', image: 'kubekata/sleeper' }, { podIP: '127.0.1.2' }).envs).toEqual([
      { key: 'POD_NAME', value: 'web-1' },
      { key: 'POD_NAMESPACE', value: 'shop' },
      { key: 'POD_IP', value: '127.0.1.2' },
    ]);
  });

  it('refuses a pod without a uid and a container without an image, saying which', async () => {
    expect(await failure((async () => sandboxConfigFor({ metadata: { name: 'x' } }))())).toEqual({
      code: 'InvalidArgument',
      message: 'pod default/x has no metadata.uid: the apiserver sets it on create',
    });
    expect(await failure((async () => containerConfigFor(pod, { name: 'bare' }, { podIP: '127.0.1.2' }))())).toEqual({
      code: 'InvalidArgument',
      message: 'container "bare" of pod shop/web-1 has no image',
    });
  });
});

// ---------------------------------------------------------------------------------------------
describe('RuntimeState on its own: refusals that say what was wrong, and copies', () => {
  /** The RuntimeError a call throws, as `{ code, message }`. */
  function refusal(call: () => unknown): { code: string; message: string } {
    try {
      call();
    } catch (error) {
      if (error instanceof RuntimeError) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error('the call succeeded, but it should have failed with a RuntimeError');
  }
  const home = { ip: '127.0.1.2', logDirectory: '/logs/p' };
  const files = { imageRef: 'kubekata/sleeper', logPath: '/logs/p/c/0.log' };

  it('refuses a sandbox without a name, namespace or uid, naming the field, and one whose name is reserved, naming the name and who holds it', () => {
    const state = new RuntimeState(new FakeClock(START));
    expect(refusal(() => state.addSandbox({} as never, home))).toEqual({ code: 'InvalidArgument', message: containing('metadata.name') });
    for (const field of ['name', 'namespace', 'uid'] as const) {
      expect([field, refusal(() => state.addSandbox({ metadata: { ...sandboxConfig('p').metadata, [field]: '' } }, home))]).toEqual([field, { code: 'InvalidArgument', message: containing(`metadata.${field}`) }]);
    }
    const held = state.addSandbox(sandboxConfig('p'), home).id;
    expect(refusal(() => state.addSandbox(sandboxConfig('p'), home))).toEqual({ code: 'AlreadyExists', message: `failed to reserve sandbox name "p_default_uid-p_0": name "p_default_uid-p_0" is reserved for "${held}"` });
    expect(state.addSandbox({ metadata: { ...sandboxConfig('p').metadata, attempt: 1 } }, home).metadata.attempt).toBe(1);
    expect(state.listSandboxes().length).toBe(2);
  });

  it('refuses to forget a sandbox that has containers, a container without a name or in a sandbox that is not ready, and says which and why', () => {
    const state = new RuntimeState(new FakeClock(START));
    const sandbox = state.addSandbox(sandboxConfig('p'), home).id;
    expect(refusal(() => state.addContainer(sandbox, { image: { image: 'kubekata/sleeper' } } as ContainerConfig, files))).toEqual({ code: 'InvalidArgument', message: containing('metadata.name') });
    const container = state.addContainer(sandbox, containerConfig('c', 'kubekata/sleeper'), files).id;
    expect(refusal(() => state.addContainer(sandbox, containerConfig('c', 'kubekata/sleeper'), files))).toEqual({ code: 'AlreadyExists', message: `failed to reserve container name "c_p_default_uid-p_0": name "c_p_default_uid-p_0" is reserved for "${container}"` });
    expect(refusal(() => state.deleteSandbox(sandbox))).toEqual({ code: 'FailedPrecondition', message: containing(sandbox) });
    state.markSandboxStopped(sandbox);
    expect(refusal(() => state.addContainer(sandbox, containerConfig('d', 'kubekata/sleeper'), files))).toEqual({ code: 'FailedPrecondition', message: containing('SANDBOX_NOTREADY') });
    expect(refusal(() => state.sandbox('nope'))).toEqual({ code: 'NotFound', message: 'sandbox "nope" not found' });
    expect([state.listSandboxes()[0]!.state, state.listContainers().length]).toEqual(['SANDBOX_NOTREADY', 1]);
  });

  it('lets only a running container exit (or a created one, with a reason), and only one that is not running be forgotten', () => {
    const state = new RuntimeState(new FakeClock(START));
    const sandbox = state.addSandbox(sandboxConfig('p'), home).id;
    const created = state.addContainer(sandbox, containerConfig('c', 'kubekata/sleeper'), files).id;
    expect(refusal(() => state.markExited(created, 1))).toEqual({ code: 'FailedPrecondition', message: containing('CONTAINER_CREATED') });
    state.markExited(created, 128, 'no such file', 'StartError');
    expect(state.containerStatus(created)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 128, reason: 'StartError', message: 'no such file' });
    const running = state.addContainer(sandbox, containerConfig('r', 'kubekata/sleeper'), files).id;
    state.markRunning(running);
    expect(refusal(() => state.deleteContainer(running))).toEqual({ code: 'FailedPrecondition', message: containing(running) });
    state.markExited(running, 0);
    expect(state.containerStatus(running)).toMatchObject({ reason: 'Completed', message: '' });
    state.deleteContainer(running);
    state.deleteContainer(created);
    state.deleteSandbox(sandbox);
    expect([state.listSandboxes(), state.listContainers()]).toEqual([[], []]);
  });

  it('gives the sandbox the pod name as hostname when it has none, and lists, filters and answers with copies that change nothing when changed', () => {
    const state = new RuntimeState(new FakeClock(START));
    const a = state.addSandbox({ ...sandboxConfig('a'), labels: { app: 'web' }, annotations: { note: 'x' } }, home).id;
    const b = state.addSandbox({ ...sandboxConfig('b'), hostname: 'bee' }, { ...home, ip: '127.0.1.3' }).id;
    expect([state.sandboxStatus(a).hostname, state.sandboxStatus(b).hostname]).toEqual(['a', 'bee']);
    expect([state.listSandboxes({ id: b }).map((s) => s.id), state.listSandboxes({ labelSelector: { app: 'web' } }).map((s) => s.id), state.listSandboxes({ labelSelector: { app: 'db' } })]).toEqual([[b], [a], []]);
    const listed = state.listSandboxes()[0]!;
    listed.metadata.name = 'changed';
    listed.labels!.app = 'changed';
    const status = state.sandboxStatus(a);
    status.network!.ip = '0.0.0.0';
    status.annotations!.note = 'changed';
    expect(state.sandboxStatus(a)).toMatchObject({ metadata: { name: 'a' }, labels: { app: 'web' }, annotations: { note: 'x' }, network: { ip: '127.0.1.2' } });
    const c = state.addContainer(a, containerConfig('c', 'kubekata/sleeper', { labels: { tier: 'front' }, annotations: { note: 'y' } }), files).id;
    state.addContainer(b, containerConfig('d', 'kubekata/sleeper'), files);
    expect(state.containersOf(a).map((r) => r.id)).toEqual([c]);
    const container = state.listContainers({ id: c })[0]!;
    container.labels!.tier = 'changed';
    const containerStatus = state.containerStatus(c);
    containerStatus.annotations!.note = 'changed';
    expect(state.containerStatus(c)).toMatchObject({ labels: { tier: 'front' }, annotations: { note: 'y' } });
  });

  it('answers each sandbox\'s status by its own id, gives a created container an empty message, and lets an exited container exit no more, even with a reason', () => {
    const state = new RuntimeState(new FakeClock(START));
    state.addSandbox(sandboxConfig('a'), home);
    const b = state.addSandbox(sandboxConfig('b'), { ...home, ip: '127.0.1.3' }).id;
    expect(state.sandboxStatus(b)).toMatchObject({ id: b, metadata: { name: 'b' }, network: { ip: '127.0.1.3' } });
    const id = state.addContainer(b, containerConfig('c', 'kubekata/sleeper'), files).id;
    expect(state.containerStatus(id)).toMatchObject({ state: 'CONTAINER_CREATED', reason: '', message: '' });
    state.markRunning(id);
    state.markExited(id, 1);
    expect(refusal(() => state.markExited(id, 128, 'again', 'StartError'))).toEqual({ code: 'FailedPrecondition', message: containing('CONTAINER_EXITED') });
    expect(state.containerStatus(id)).toMatchObject({ exitCode: 1, reason: 'Error', message: '' });
  });

  it('stops telling a listener about container events once it has unsubscribed', () => {
    const state = new RuntimeState(new FakeClock(START));
    const seen: string[] = [];
    const unsubscribe = state.onContainerEvent((e) => seen.push(e.type));
    const sandbox = state.addSandbox(sandboxConfig('p'), home).id;
    const id = state.addContainer(sandbox, containerConfig('c', 'kubekata/sleeper'), files).id;
    unsubscribe();
    state.markRunning(id);
    expect(seen).toEqual(['CONTAINER_CREATED_EVENT']);
  });
});

// ---------------------------------------------------------------------------------------------
describe('FakeRuntime: the container state machine on the clock', () => {
  function fake(): { clock: FakeClock; runtime: FakeRuntime; events: ContainerEvent[] } {
    const clock = new FakeClock(START);
    const runtime = new FakeRuntime({ clock, podCIDR: '127.0.1.0/24' });
    const events: ContainerEvent[] = [];
    runtime.onContainerEvent((e) => events.push(e));
    return { clock, runtime, events };
  }

  it('takes a container from created to running to exited to removed, with its times and an event at each step', async () => {
    const { clock, runtime, events } = fake();
    const sandbox = await runtime.runPodSandbox(sandboxConfig('web-1'));
    expect(await runtime.podSandboxStatus(sandbox)).toMatchObject({ id: sandbox, state: 'SANDBOX_READY', network: { ip: '127.0.1.2' }, metadata: { name: 'web-1', namespace: 'default', uid: 'uid-web-1', attempt: 0 }, createdAt: START });
    const id = await runtime.createContainer(sandbox, containerConfig('web', 'kubekata/echo'));
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_CREATED', createdAt: START, startedAt: 0, finishedAt: 0, reason: '', imageRef: 'kubekata/echo', podSandboxId: sandbox, metadata: { name: 'web', attempt: 0 } });
    await clock.advance(1000);
    await runtime.startContainer(id);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_RUNNING', startedAt: START + 1000 });
    await clock.advance(1000);
    await runtime.stopContainer(id, 30);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_EXITED', finishedAt: START + 2000, exitCode: 143, reason: 'Error' });
    await runtime.removeContainer(id);
    expect(await failure(runtime.containerStatus(id))).toMatchObject({ code: 'NotFound' });
    expect(events.map((e) => [e.type, e.containerId, e.createdAt - START])).toEqual([
      ['CONTAINER_CREATED_EVENT', id, 0],
      ['CONTAINER_STARTED_EVENT', id, 1000],
      ['CONTAINER_STOPPED_EVENT', id, 2000],
      ['CONTAINER_DELETED_EVENT', id, 2000],
    ]);
  });

  it('exits a scripted container on the clock, with reason Error for a non-zero code and Completed for 0', async () => {
    const { clock, runtime } = fake();
    runtime.setBehavior('kubekata/crasher', { exitAfterMs: 500, exitCode: 3 });
    runtime.setBehavior('job', { exitAfterMs: 2000 });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const crasher = await runtime.createContainer(sandbox, containerConfig('c', 'kubekata/crasher:1.0'));
    const job = await runtime.createContainer(sandbox, containerConfig('j', 'job'));
    await runtime.startContainer(crasher);
    await runtime.startContainer(job);
    await clock.advance(499);
    expect((await runtime.containerStatus(crasher)).state).toBe('CONTAINER_RUNNING');
    await clock.advance(1);
    expect(await runtime.containerStatus(crasher)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 3, reason: 'Error', finishedAt: START + 500 });
    await clock.advance(1500);
    expect(await runtime.containerStatus(job)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed', finishedAt: START + 2000 });
  });

  it('stops with SIGTERM and then SIGKILL (137) when the grace period runs out; with no grace period SIGKILL at once', async () => {
    const { clock, runtime } = fake();
    runtime.setBehavior('stubborn', { terminationMs: 'ignore' });
    runtime.setBehavior('polite', { terminationMs: 2000, sigtermExitCode: 0 });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const [stubborn, polite, quick] = await Promise.all(['stubborn', 'polite', 'kubekata/sleeper'].map((image, i) => runtime.createContainer(sandbox, containerConfig(`c${i}`, image))));
    for (const id of [stubborn!, polite!, quick!]) await runtime.startContainer(id);
    const stopping = [runtime.stopContainer(stubborn!, 10), runtime.stopContainer(polite!, 10)];
    await clock.advance(2000);
    expect(await runtime.containerStatus(polite!)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed', finishedAt: START + 2000 });
    await clock.advance(7999);
    expect((await runtime.containerStatus(stubborn!)).state).toBe('CONTAINER_RUNNING');
    await clock.advance(1);
    await Promise.all(stopping);
    expect(await runtime.containerStatus(stubborn!)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error', finishedAt: START + 10_000 });
    expect((await runtime.containerStatus(stubborn!)).message).toContain('grace period');
    await runtime.stopContainer(quick!, 0);
    expect(await runtime.containerStatus(quick!)).toMatchObject({ exitCode: 137, finishedAt: START + 10_000 });
    await runtime.stopContainer(quick!, 10); // stopping an exited container changes nothing
    expect(await runtime.containerStatus(quick!)).toMatchObject({ exitCode: 137, finishedAt: START + 10_000 });
  });

  it('puts a sandbox\'s logs under <root>/pods/<namespace>_<name>_<uid> unless told where, and a container\'s at <name>/<attempt>.log in it unless it names a file', async () => {
    const runtime = new FakeRuntime({ clock: new FakeClock(START), podCIDR: '127.0.1.0/24', root: '/r' });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const placed = await runtime.runPodSandbox({ ...sandboxConfig('q'), logDirectory: '/var/log/pods/q' });
    expect([(await runtime.podSandboxStatus(sandbox)).logDirectory, (await runtime.podSandboxStatus(placed)).logDirectory]).toEqual(['/r/pods/default_p_uid-p', '/var/log/pods/q']);
    const second = await runtime.createContainer(sandbox, { ...containerConfig('c', 'kubekata/sleeper'), metadata: { name: 'c', attempt: 2 } });
    const named = await runtime.createContainer(sandbox, containerConfig('d', 'kubekata/sleeper', { logPath: 'd.log' }));
    expect([(await runtime.containerStatus(second)).logPath, (await runtime.containerStatus(named)).logPath]).toEqual(['/r/pods/default_p_uid-p/c/2.log', '/r/pods/default_p_uid-p/d.log']);
  });

  it('refuses what the state machine does not allow, with the gRPC code the kubelet checks', async () => {
    const { runtime } = fake();
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const id = await runtime.createContainer(sandbox, containerConfig('c', 'kubekata/sleeper'));
    await runtime.startContainer(id);
    expect(await failure(runtime.startContainer(id))).toMatchObject({ code: 'FailedPrecondition', message: containing('CONTAINER_RUNNING') });
    expect(await failure(runtime.createContainer(sandbox, containerConfig('c', 'kubekata/sleeper')))).toMatchObject({ code: 'AlreadyExists' });
    expect(await runtime.createContainer(sandbox, { ...containerConfig('c', 'kubekata/sleeper'), metadata: { name: 'c', attempt: 1 } })).toMatch(/^\S+$/);
    expect(await failure(runtime.runPodSandbox(sandboxConfig('p')))).toMatchObject({ code: 'AlreadyExists' });
    expect(await failure(runtime.runPodSandbox({ metadata: { name: 'q', namespace: 'default', uid: '' } }))).toMatchObject({ code: 'InvalidArgument', message: containing('uid') });
    expect(await failure(runtime.containerStatus('nope'))).toMatchObject({ code: 'NotFound', message: containing('"nope"') });
    expect(await failure(runtime.podSandboxStatus('nope'))).toMatchObject({ code: 'NotFound' });
    expect(await failure(runtime.execSync(await runtime.createContainer(sandbox, containerConfig('idle', 'kubekata/sleeper')), ['true'], 1))).toMatchObject({ code: 'FailedPrecondition' });
    await runtime.removeContainer('nope'); // removing what is gone is no error
    await runtime.removePodSandbox('nope');
  });

  it('answers ErrImagePull for an image that is not in the registry, naming the images there are', async () => {
    const { runtime } = fake();
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const error = await failure(runtime.createContainer(sandbox, containerConfig('c', 'nginx:1.27')));
    expect(error).toMatchObject({ code: 'NotFound', reason: 'ErrImagePull' });
    expect(error.message).toMatch(/^Failed to pull image "nginx:1.27": .*kubekata\/echo/);
    expect(await failure(runtime.createContainer(sandbox, containerConfig('c', 'kubekata/echo:2.0')))).toMatchObject({ reason: 'ErrImagePull' });
  });

  it('stopping a sandbox kills its running containers (137), frees its IP and refuses new containers', async () => {
    const { runtime } = fake();
    const a = await runtime.runPodSandbox(sandboxConfig('a'));
    const running = await runtime.createContainer(a, containerConfig('r', 'kubekata/sleeper'));
    const created = await runtime.createContainer(a, containerConfig('c', 'kubekata/sleeper'));
    await runtime.startContainer(running);
    await runtime.stopPodSandbox(a);
    await runtime.stopPodSandbox(a); // twice is fine
    expect(await runtime.podSandboxStatus(a)).toMatchObject({ state: 'SANDBOX_NOTREADY', network: { ip: '' } });
    expect(await runtime.containerStatus(running)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137 });
    expect((await runtime.containerStatus(created)).state).toBe('CONTAINER_CREATED');
    expect(await failure(runtime.startContainer(created))).toMatchObject({ code: 'FailedPrecondition' });
    expect(await failure(runtime.createContainer(a, containerConfig('n', 'kubekata/sleeper')))).toMatchObject({ code: 'FailedPrecondition' });
    await runtime.removePodSandbox(a);
    expect(await runtime.listContainers()).toEqual([]);
    expect(await runtime.listPodSandbox()).toEqual([]);
    expect(await runtime.runPodSandbox(sandboxConfig('a'))).toMatch(/^\S+$/); // its name is free again
  });

  it('gives a sandbox on the node\'s network the node\'s IP, even when the pod CIDR is used up, and frees no pod\'s address when it stops', async () => {
    const clock = new FakeClock(START);
    const runtime = new FakeRuntime({ clock, podCIDR: '127.0.1.0/30', nodeIP: '127.0.1.1' });
    const onNode = (name: string) => ({ ...sandboxConfig(name), namespaceOptions: { network: 'NODE' as const } });
    const only = await runtime.runPodSandbox(sandboxConfig('only'));
    expect((await runtime.podSandboxStatus(only)).network.ip).toBe('127.0.1.2');
    expect(await failure(runtime.runPodSandbox(sandboxConfig('more')))).toMatchObject({ code: 'ResourceExhausted' });
    const host = await runtime.runPodSandbox(onNode('host'));
    const again = await runtime.runPodSandbox(onNode('host-2'));
    expect((await runtime.podSandboxStatus(host)).network.ip).toBe('127.0.1.1');
    expect((await runtime.podSandboxStatus(again)).network.ip, 'two pods may share the node\'s network').toBe('127.0.1.1');
    await runtime.stopPodSandbox(host);
    expect((await runtime.podSandboxStatus(host)).network.ip).toBe('');
    expect(await failure(runtime.runPodSandbox(sandboxConfig('more'))), 'the pod CIDR is still used up').toMatchObject({ code: 'ResourceExhausted' });
    const plain = new FakeRuntime({ clock });
    expect((await plain.podSandboxStatus(await plain.runPodSandbox(onNode('x')))).network.ip, 'a runtime told no node IP').toBe('127.0.0.1');
  });

  it('lists sandboxes and containers oldest first, by id, state, sandbox and labels', async () => {
    const { runtime } = fake();
    const a = await runtime.runPodSandbox({ ...sandboxConfig('a'), labels: { app: 'web' } });
    const b = await runtime.runPodSandbox({ ...sandboxConfig('b'), labels: { app: 'db' } });
    const c1 = await runtime.createContainer(a, containerConfig('x', 'kubekata/sleeper', { labels: { tier: 'front' } }));
    const c2 = await runtime.createContainer(b, containerConfig('y', 'kubekata/sleeper'));
    await runtime.startContainer(c2);
    await runtime.stopPodSandbox(b);
    expect((await runtime.listPodSandbox()).map((s) => s.id)).toEqual([a, b]);
    expect((await runtime.listPodSandbox({ state: 'SANDBOX_READY' })).map((s) => s.id)).toEqual([a]);
    expect((await runtime.listPodSandbox({ labelSelector: { app: 'db' } })).map((s) => s.id)).toEqual([b]);
    expect((await runtime.listContainers({ podSandboxId: b })).map((c) => c.id)).toEqual([c2]);
    expect((await runtime.listContainers({ state: 'CONTAINER_CREATED' })).map((c) => c.id)).toEqual([c1]);
    expect((await runtime.listContainers({ labelSelector: { tier: 'front' } })).map((c) => c.id)).toEqual([c1]);
    expect((await runtime.listContainers({ id: c2 }))[0]).toMatchObject({ id: c2, podSandboxId: b, state: 'CONTAINER_EXITED', image: { image: 'kubekata/sleeper' } });
  });

  it('uses the pod CIDR 127.0.1.0/24 and the root /fake when it is not given them', async () => {
    const runtime = new FakeRuntime({ clock: new FakeClock(START) });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    expect(await runtime.podSandboxStatus(sandbox)).toMatchObject({ network: { ip: '127.0.1.2' }, logDirectory: '/fake/pods/default_p_uid-p' });
  });

  it('answers execSync in a running container with its image\'s exec behaviour, by default exit code 0 and no output, and refuses it once the container has exited', async () => {
    const { runtime } = fake();
    runtime.setBehavior('shell', { exec: (cmd) => ({ stdout: cmd.join(' '), stderr: 'done', exitCode: 2 }) });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const [plain, shell] = await Promise.all([runtime.createContainer(sandbox, containerConfig('a', 'kubekata/sleeper')), runtime.createContainer(sandbox, containerConfig('b', 'shell'))]);
    for (const id of [plain!, shell!]) await runtime.startContainer(id);
    expect(await runtime.execSync(plain!, ['cat', '/etc/hostname'], 1)).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(await runtime.execSync(shell!, ['echo', 'hi'], 1)).toEqual({ stdout: 'echo hi', stderr: 'done', exitCode: 2 });
    await runtime.stopContainer(plain!, 0);
    expect(await failure(runtime.execSync(plain!, ['true'], 1))).toEqual({ code: 'FailedPrecondition', message: `container "${plain}" is in CONTAINER_EXITED state: exec needs a running container` });
  });

  it('gives no message to a container that exits by itself, by exit() or on SIGTERM, and says why when it is SIGKILLed: no grace period, its sandbox stopped, removed', async () => {
    const { clock, runtime } = fake();
    runtime.setBehavior('kubekata/crasher', { exitAfterMs: 500, exitCode: 3 });
    runtime.setBehavior('polite', { terminationMs: 2000, sigtermExitCode: 0 });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    const names = ['crasher', 'crashed', 'termed', 'polite', 'killed', 'removed', 'in-sandbox'];
    const images = ['kubekata/crasher', 'kubekata/sleeper', 'kubekata/sleeper', 'polite', 'kubekata/sleeper', 'kubekata/sleeper', 'kubekata/sleeper'];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) ids.push(await runtime.createContainer(sandbox, containerConfig(name, images[i]!)));
    for (const id of ids) await runtime.startContainer(id);
    const [crasher, crashed, termed, polite, killed, removed, inSandbox] = ids as [string, string, string, string, string, string, string];
    // What a listener sees when it asks at the stop event (upstream's event carries these statuses).
    const atStop = new Map<string, Promise<unknown>>();
    runtime.onContainerEvent((e) => {
      if (e.type === 'CONTAINER_STOPPED_EVENT') atStop.set(e.containerId, runtime.containerStatus(e.containerId));
    });
    await clock.advance(500);
    runtime.exit(crashed, 2);
    expect(await failure((async () => runtime.exit(crashed, 2))())).toMatchObject({ code: 'FailedPrecondition' });
    await runtime.stopContainer(termed, 30);
    const stopping = runtime.stopContainer(polite, 30);
    await clock.advance(2000);
    await stopping;
    await runtime.stopContainer(killed, 0);
    await runtime.removeContainer(removed);
    await runtime.stopPodSandbox(sandbox);
    const seen = async (id: string) => {
      const status = (await atStop.get(id)) as { exitCode: number; reason: string; message: string };
      return { exitCode: status.exitCode, reason: status.reason, message: status.message };
    };
    expect(await Promise.all([crasher, crashed, termed, polite, killed, removed, inSandbox].map(seen))).toEqual([
      { exitCode: 3, reason: 'Error', message: '' },
      { exitCode: 2, reason: 'Error', message: '' },
      { exitCode: 143, reason: 'Error', message: '' },
      { exitCode: 0, reason: 'Completed', message: '' },
      { exitCode: 137, reason: 'Error', message: 'killed by SIGKILL: stopped without a grace period' },
      { exitCode: 137, reason: 'Error', message: 'killed by SIGKILL: the container was removed' },
      { exitCode: 137, reason: 'Error', message: 'killed by SIGKILL: its sandbox was stopped' },
    ]);
    expect(await failure(runtime.containerStatus(removed))).toMatchObject({ code: 'NotFound' });
  });

  it('refuses a sandbox config without metadata and a container config without metadata (InvalidArgument) or without an image (ErrImagePull)', async () => {
    const { runtime } = fake();
    expect(await failure(runtime.runPodSandbox({} as PodSandboxConfig))).toEqual({ code: 'InvalidArgument', message: containing('metadata.name') });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    expect(await failure(runtime.createContainer(sandbox, { image: { image: 'kubekata/sleeper' } } as ContainerConfig))).toEqual({ code: 'InvalidArgument', message: containing('metadata.name') });
    expect(await failure(runtime.createContainer(sandbox, { metadata: { name: 'c' } } as ContainerConfig))).toMatchObject({ code: 'NotFound', reason: 'ErrImagePull', message: containing('Failed to pull image ""') });
    expect(await runtime.listContainers()).toEqual([]);
  });

  test.prop([runtimeCommands])('agrees with the model of sandboxes and containers for any sequence of calls, exits and time', async (commands) => {
    const clock = new FakeClock(START);
    const setup = (): { model: Model; real: Real } => ({
      model: { now: START, sandboxes: [], containers: [] },
      real: { runtime: new FakeRuntime({ clock, podCIDR: MODEL_CIDR, nodeIP: MODEL_NODE_IP }), clock, images: 0 },
    });
    await fc.asyncModelRun(setup, commands);
  });
});

// ---------------------------------------------------------------------------------------------
describe('ProcessRuntime: containers are real processes', () => {
  const roots: string[] = [];
  const runtimes: ProcessRuntime[] = [];
  let cidr = 0;

  /** A runtime on a fresh /24 of 127.22.0.0/16, a temporary root, and a fake clock for grace periods and log times. */
  function processRuntime(options: Partial<ProcessRuntimeOptions> = {}): { runtime: ProcessRuntime; clock: FakeClock; root: string } {
    const root = mkdtempSync(join(tmpdir(), 'kata22-'));
    // Kept before the runtime is made: a starter's constructor that throws must not leak the folder.
    roots.push(root);
    const clock = new FakeClock(START);
    cidr += 1;
    const runtime = new ProcessRuntime({ root, podCIDR: `127.22.${cidr}.0/24`, clock, ...options });
    runtimes.push(runtime);
    return { runtime, clock, root };
  }

  afterEach(async () => {
    await Promise.all(runtimes.splice(0).map((r) => r.shutdown()));
  });
  afterAll(() => {
    killMarkedLeftovers();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  /** Runs a pod's sandbox and one container, started; returns their ids, the pod's IP and the log path. */
  async function runPod(runtime: RuntimeService, name: string, config: Omit<ContainerConfig, 'metadata'> & { name?: string }, mark?: string) {
    const sandbox = await runtime.runPodSandbox(sandboxConfig(name));
    const ip = (await runtime.podSandboxStatus(sandbox)).network.ip;
    const envs = [{ key: 'POD_NAME', value: name }, { key: 'POD_NAMESPACE', value: 'default' }, { key: 'POD_IP', value: ip }, ...(mark ? [{ key: MARK, value: mark }] : []), ...(config.envs ?? [])];
    const id = await runtime.createContainer(sandbox, { ...config, metadata: { name: config.name ?? 'main' }, envs });
    await runtime.startContainer(id);
    return { sandbox, id, ip, logPath: (await runtime.containerStatus(id)).logPath };
  }

  /** GET over a new connection (no pooling, so a stopped server is not kept alive by the test). */
  function getJson(url: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
      }).on('error', reject);
    });
  }

  it('gives each pod its own loopback IP: two echo servers both listen on port 8080 and say which pod they are', async () => {
    const { runtime } = processRuntime();
    const a = await runPod(runtime, 'web-a', { image: { image: 'kubekata/echo' } });
    const b = await runPod(runtime, 'web-b', { image: { image: 'kubekata/echo:1.0' } });
    expect(a.ip).not.toBe(b.ip);
    expect(a.ip).toMatch(/^127\.22\.\d+\.2$/);
    await Promise.all([waitForLogLine(a.logPath, /listening/), waitForLogLine(b.logPath, /listening/)]);
    expect(await getJson(`http://${a.ip}:8080/hello`)).toMatchObject({ pod: 'web-a', namespace: 'default', ip: a.ip, port: 8080, path: '/hello' });
    expect(await getJson(`http://${b.ip}:8080/`)).toMatchObject({ pod: 'web-b', ip: b.ip });
  });

  it('runs a pod on the node\'s network on the node\'s IP: its echo server listens there', async () => {
    const { runtime } = processRuntime({ nodeIP: '127.22.240.1' });
    const sandbox = await runtime.runPodSandbox({ ...sandboxConfig('host'), namespaceOptions: { network: 'NODE' } });
    const ip = (await runtime.podSandboxStatus(sandbox)).network.ip;
    expect(ip).toBe('127.22.240.1');
    const id = await runtime.createContainer(sandbox, { metadata: { name: 'main' }, image: { image: 'kubekata/echo' }, envs: [{ key: 'POD_NAME', value: 'host' }, { key: 'POD_IP', value: ip }] });
    await runtime.startContainer(id);
    await waitForLogLine((await runtime.containerStatus(id)).logPath, /listening/);
    expect(await getJson(`http://127.22.240.1:8080/`)).toMatchObject({ pod: 'host', ip: '127.22.240.1' });
    expect((await runtime.podSandboxStatus((await runPod(runtime, 'web', { image: { image: 'kubekata/sleeper' } })).sandbox)).network.ip, 'a pod beside it still gets its own').toMatch(/^127\.22\.\d+\.2$/);
  });

  it('writes a container\'s stdout and stderr to its log file in the CRI format, stamped on the runtime\'s clock', async () => {
    const { runtime, root } = processRuntime();
    const { id, logPath } = await runPod(runtime, 'logs', { image: { image: 'kubekata/logger' }, args: ['4', '0', '--no-newline'] });
    await waitForExit(runtime, id);
    expect(logPath).toBe(join(root, 'pods', 'default_logs_uid-logs', 'main', '0.log'));
    const lines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map(parseCriLogLine);
    const byStream = (stream: string) => lines.filter((l) => l.stream === stream).map((l) => `${l.tag} ${l.content}`);
    expect(byStream('stdout')).toEqual(['F line 1', 'F line 3']);
    expect(byStream('stderr')).toEqual(['F line 2', 'P line 4']);
    expect(new Set(lines.map((l) => l.timestamp))).toEqual(new Set(['2026-01-01T00:00:00Z']));
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
  });

  it('reports a crash with its exit code and reason Error, and a clean exit as Completed', async () => {
    const { runtime } = processRuntime();
    const crash = await runPod(runtime, 'crash', { image: { image: 'kubekata/crasher' }, args: ['3', '0'] });
    const done = await runPod(runtime, 'done', { image: { image: 'kubekata/crasher' }, args: ['0', '0'] });
    await Promise.all([waitForExit(runtime, crash.id), waitForExit(runtime, done.id)]);
    expect(await runtime.containerStatus(crash.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 3, reason: 'Error', message: '' });
    expect(await runtime.containerStatus(done.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed', message: '' });
    expect(readFileSync(crash.logPath, 'utf8')).toMatch(/^\S+ stderr F crasher: exiting with code 3$/m);
  });

  it('stops with SIGTERM: the echo server exits 0 (Completed), a sleeper without a handler dies of it (143, Error)', async () => {
    const { runtime } = processRuntime();
    const echo = await runPod(runtime, 'echo', { image: { image: 'kubekata/echo' } });
    const sleeper = await runPod(runtime, 'sleeper', { image: { image: 'kubekata/sleeper' } });
    await Promise.all([waitForLogLine(echo.logPath, /listening/), waitForLogLine(sleeper.logPath, /sleeping/)]);
    await Promise.all([runtime.stopContainer(echo.id, 30), runtime.stopContainer(sleeper.id, 30)]);
    expect(await runtime.containerStatus(echo.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed' });
    expect(await runtime.containerStatus(sleeper.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 143, reason: 'Error' });
  });

  it('kills a container that ignores SIGTERM with SIGKILL when its grace period runs out on the clock (137)', async () => {
    const { runtime, clock } = processRuntime();
    const mark = newMark('grace');
    const { id, logPath } = await runPod(runtime, 'stubborn', { image: { image: 'kubekata/sleeper' }, args: ['--ignore-sigterm'] }, mark);
    await waitForLogLine(logPath, /sleeping/);
    const stopping = runtime.stopContainer(id, 30);
    await waitForLogLine(logPath, /SIGTERM ignored/);
    await clock.advance(29_999);
    expect((await runtime.containerStatus(id)).state).toBe('CONTAINER_RUNNING');
    const [sleeper] = markedProcesses(mark);
    expect(sleeper, 'the container\'s process is gone before its grace period ran out').toBeDefined();
    // Alive, not merely not yet reaped: it answers a second SIGTERM. (A SIGKILL sent too early
    // would still be on its way a moment ago, when the state and /proc were read.)
    try {
      process.kill(sleeper!.pid, 'SIGTERM');
    } catch {
      expect.fail('the container\'s process was killed 1 ms before its 30 s grace period ran out');
    }
    await waitForLogLine(logPath, /SIGTERM ignored/, 2);
    await clock.advance(1);
    await stopping;
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error', finishedAt: START + 30_000 });
    expect((await runtime.containerStatus(id)).message).toContain('grace period');
    expect(markedProcesses(mark)).toEqual([]);
  });

  it('kills the processes a container started along with it, when it is stopped and when its first process exits', async () => {
    const { runtime } = processRuntime();
    const script = (exitAfterSpawn: boolean) =>
      `const { spawn } = require('node:child_process'); spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)'], { stdio: 'ignore' }); ${exitAfterSpawn ? 'process.exit(0)' : "console.log('parent up'); setInterval(() => {}, 1e9)"}`;
    const stopped = newMark('tree-stopped');
    const a = await runPod(runtime, 'tree-a', { image: { image: 'kubekata/node' }, args: ['-e', script(false)] }, stopped);
    await waitForLogLine(a.logPath, /parent up/);
    expect(markedProcesses(stopped)).toHaveLength(2);
    await runtime.stopContainer(a.id, 0);
    expect(markedProcesses(stopped)).toEqual([]);
    const exited = newMark('tree-exited');
    const b = await runPod(runtime, 'tree-b', { image: { image: 'kubekata/node' }, args: ['-e', script(true)] }, exited);
    await waitForExit(runtime, b.id);
    expect(markedProcesses(exited)).toEqual([]);
  });

  it('runs execSync in the container\'s directory and environment, and returns a non-zero exit as a result', async () => {
    const { runtime, root } = processRuntime();
    const { id, sandbox } = await runPod(runtime, 'exec', { image: { image: 'kubekata/sleeper' } });
    const result = await runtime.execSync(id, ['node', '-e', 'console.log(process.env.POD_NAME, process.cwd()); console.error("to stderr"); process.exit(4)'], 10);
    expect(result).toEqual({ stdout: `exec ${join(root, 'sandboxes', sandbox)}\n`, stderr: 'to stderr\n', exitCode: 4 });
    const env = await runtime.execSync(id, ['node', '-e', 'console.log(Object.keys(process.env).sort().join(","))'], 10);
    expect(env.stdout.trim().split(',')).not.toContain('VITEST'); // the container does not inherit the runtime's environment
  });

  it('deletes a removed container\'s log and the folders that leaves empty, and a removed sandbox\'s log directory once nothing is left in it, never a file it did not write', async () => {
    const { runtime, root } = processRuntime();
    const pod = (attempt: number) => ({ metadata: { ...sandboxConfig('logs').metadata, attempt } });
    /** A container that prints one line and exits, run to its end; its log path. */
    const ran = async (sandbox: string, name: string, attempt: number, logPath?: string) => {
      const id = await runtime.createContainer(sandbox, containerConfig(name, 'kubekata/node', { metadata: { name, attempt }, args: ['-e', 'console.log("done")'], ...(logPath ? { logPath } : {}) }));
      await runtime.startContainer(id);
      await waitForExit(runtime, id);
      return { id, logPath: (await runtime.containerStatus(id)).logPath };
    };
    const dir = join(root, 'pods', 'default_logs_uid-logs');
    const first = await runtime.runPodSandbox(pod(0));
    const a0 = await ran(first, 'a', 0);
    const a1 = await ran(first, 'a', 1);
    const b0 = await ran(first, 'b', 0, 'nested/deeper/b.log');
    await runtime.removeContainer(a0.id);
    expect([existsSync(a0.logPath), existsSync(a1.logPath)], 'its own log only').toEqual([false, true]);
    await runtime.removeContainer(b0.id);
    expect([existsSync(b0.logPath), existsSync(join(dir, 'nested'))], 'the folders its log path made go too, once empty').toEqual([false, false]);
    writeFileSync(join(dir, 'notes.txt'), 'not the runtime\'s');
    const second = await runtime.runPodSandbox(pod(1));
    const a2 = await ran(second, 'a', 2);
    await runtime.removePodSandbox(first);
    expect([existsSync(a1.logPath), existsSync(a2.logPath)], 'the other sandbox of the pod still logs there').toEqual([false, true]);
    await runtime.removePodSandbox(second);
    expect([existsSync(join(dir, 'a')), readFileSync(join(dir, 'notes.txt'), 'utf8')], 'a file it did not write stays, and so does its folder').toEqual([false, 'not the runtime\'s']);
    const clean = await runtime.runPodSandbox(sandboxConfig('clean'));
    await ran(clean, 'main', 0);
    await runtime.removePodSandbox(clean);
    expect(existsSync(join(root, 'pods', 'default_clean_uid-clean')), 'nothing left: the log directory goes').toBe(false);
  });

  it('stops a sandbox by SIGKILLing its running container (137, saying the sandbox was stopped), and removing it forgets it and its directory', async () => {
    const { runtime, root } = processRuntime();
    const mark = newMark('sandbox-stop');
    const { sandbox, id, logPath } = await runPod(runtime, 'gone', { image: { image: 'kubekata/sleeper' }, args: ['--ignore-sigterm'] }, mark);
    await waitForLogLine(logPath, /sleeping/);
    await runtime.stopPodSandbox(sandbox);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, message: containing('sandbox') });
    expect(await runtime.podSandboxStatus(sandbox)).toMatchObject({ state: 'SANDBOX_NOTREADY', network: { ip: '' } });
    expect(markedProcesses(mark)).toEqual([]);
    await runtime.stopPodSandbox(sandbox); // again: nothing
    expect([(await runtime.listPodSandbox()).map((s) => s.id), (await runtime.listContainers({ podSandboxId: sandbox })).map((c) => c.id)]).toEqual([[sandbox], [id]]);
    await runtime.removePodSandbox(sandbox);
    expect([await runtime.listPodSandbox(), await runtime.listContainers(), existsSync(join(root, 'sandboxes', sandbox))]).toEqual([[], [], false]);
    await runtime.removePodSandbox(sandbox); // unknown: nothing
  });

  it('removes a ready sandbox with a running container at once, and a running container by killing it first; stops one without a grace period with SIGKILL', async () => {
    const { runtime } = processRuntime();
    const mark = newMark('remove');
    const pod = await runPod(runtime, 'busy', { image: { image: 'kubekata/sleeper' }, args: ['--ignore-sigterm'] }, mark);
    const other = await runPod(runtime, 'other', { image: { image: 'kubekata/sleeper' }, args: ['--ignore-sigterm'] }, mark);
    const third = await runPod(runtime, 'third', { image: { image: 'kubekata/sleeper' }, args: ['--ignore-sigterm'] }, mark);
    for (const { logPath } of [pod, other, third]) await waitForLogLine(logPath, /sleeping/);
    const atStop = new Map<string, Promise<unknown>>();
    runtime.onContainerEvent((e) => {
      if (e.type === 'CONTAINER_STOPPED_EVENT') atStop.set(e.containerId, runtime.containerStatus(e.containerId));
    });
    await runtime.removePodSandbox(pod.sandbox);
    await runtime.removeContainer(other.id);
    await runtime.stopContainer(third.id, 0);
    expect(await runtime.containerStatus(third.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, message: containing('SIGKILL') });
    expect([await failure(runtime.podSandboxStatus(pod.sandbox)), await failure(runtime.containerStatus(other.id)), markedProcesses(mark)]).toEqual([
      { code: 'NotFound', message: `sandbox "${pod.sandbox}" not found` },
      { code: 'NotFound', message: `container "${other.id}" not found` },
      [],
    ]);
    // Asked at its stop event, the removed container says why it was killed.
    expect(await atStop.get(other.id)).toMatchObject({ exitCode: 137, message: 'killed by SIGKILL: the container was removed' });
  });

  it('refuses an exec without a command, kills one that outlives its timeout on the clock (DeadlineExceeded), and refuses new pods once shut down', async () => {
    const { runtime, clock, root } = processRuntime();
    const { id, sandbox } = await runPod(runtime, 'exec-limits', { image: { image: 'kubekata/sleeper' } });
    expect(await failure(runtime.execSync(id, [], 5))).toEqual({ code: 'InvalidArgument', message: 'exec needs a command: cmd is empty' });
    // It ignores SIGTERM, and says so in a file once it does: only SIGKILL ends it.
    const stubborn = "process.on('SIGTERM', () => {}); require('node:fs').writeFileSync('ready', 'ready\\n'); setInterval(() => {}, 1000)";
    const slow = runtime.execSync(id, ['node', '-e', stubborn], 5);
    await waitForLogLine(join(root, 'sandboxes', sandbox, 'ready'), /ready/);
    await clock.advance(5000);
    expect(await failure(slow)).toEqual({ code: 'DeadlineExceeded', message: `command ${JSON.stringify(['node', '-e', stubborn])} timed out after 5s and was killed` });
    await runtime.shutdown();
    expect(await failure(runtime.runPodSandbox(sandboxConfig('late')))).toEqual({ code: 'FailedPrecondition', message: containing('shut down') });
    expect(() => new ProcessRuntime({ root: '', podCIDR: '127.22.250.0/24' })).toThrow(RuntimeError);
    expect(await failure((async () => new ProcessRuntime({ root: '', podCIDR: '127.22.250.0/24' }))())).toEqual({ code: 'InvalidArgument', message: containing('root') });
  });

  it('fails a container whose command cannot be found: StartError, exit code 128', async () => {
    const { runtime } = processRuntime();
    const sandbox = await runtime.runPodSandbox(sandboxConfig('missing'));
    const id = await runtime.createContainer(sandbox, containerConfig('main', 'kubekata/node', { command: ['no-such-program-kata22'] }));
    const error = await failure(runtime.startContainer(id));
    const message = 'unable to start container process: exec: "no-such-program-kata22": executable file not found in $PATH';
    expect(error).toEqual({ code: 'Unknown', message });
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 128, reason: 'StartError', message });
  });

  it('answers ErrImagePull for an image that is not in the registry', async () => {
    const { runtime } = processRuntime();
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    expect(await failure(runtime.createContainer(sandbox, containerConfig('c', 'busybox')))).toMatchObject({ code: 'NotFound', reason: 'ErrImagePull', message: containing('Failed to pull image "busybox"') });
  });

  it('refuses a sandbox config without metadata, a taken sandbox name, a container config without metadata or image, and a workingDir or logPath that leaves its folder, saying which', async () => {
    const { runtime } = processRuntime();
    expect(await failure(runtime.runPodSandbox({} as PodSandboxConfig))).toEqual({ code: 'InvalidArgument', message: containing('metadata.name') });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('p'));
    expect(await failure(runtime.runPodSandbox(sandboxConfig('p')))).toMatchObject({ code: 'AlreadyExists', message: containing('p_default_uid-p_0') });
    expect(await failure(runtime.createContainer(sandbox, { image: { image: 'kubekata/sleeper' } } as ContainerConfig))).toEqual({ code: 'InvalidArgument', message: containing('metadata.name') });
    expect(await failure(runtime.createContainer(sandbox, { metadata: { name: 'c' } } as ContainerConfig))).toMatchObject({ code: 'NotFound', reason: 'ErrImagePull', message: containing('Failed to pull image ""') });
    expect(await failure(runtime.createContainer(sandbox, containerConfig('w', 'kubekata/sleeper', { workingDir: '../up' })))).toEqual({ code: 'InvalidArgument', message: containing('workingDir "../up" leaves its folder') });
    expect(await failure(runtime.createContainer(sandbox, containerConfig('l', 'kubekata/sleeper', { logPath: '../../l.log' })))).toEqual({ code: 'InvalidArgument', message: containing('logPath "../../l.log" leaves its folder') });
    expect([(await runtime.listPodSandbox()).map((s) => s.id), await runtime.listContainers()]).toEqual([[sandbox], []]);
  });

  it('runs a container\'s command without the image\'s default args, and gives it only PATH, HOME, HOSTNAME, the image\'s env and its own envs', async () => {
    const { runtime, root } = processRuntime();
    const sandbox = await runtime.runPodSandbox({ ...sandboxConfig('env'), hostname: 'env-host' });
    const argv = await runtime.createContainer(sandbox, containerConfig('argv', 'kubekata/crasher', { command: ['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))'] }));
    await runtime.startContainer(argv);
    await waitForExit(runtime, argv);
    const logged = readFileSync((await runtime.containerStatus(argv)).logPath, 'utf8').split('\n').filter(Boolean).map(parseCriLogLine);
    expect(logged.map((l) => `${l.stream} ${l.tag} ${l.content}`)).toEqual(['stdout F []']);
    const plain = await runtime.createContainer(sandbox, containerConfig('plain', 'kubekata/sleeper'));
    await runtime.startContainer(plain);
    const env = await runtime.execSync(plain, ['node', '-e', 'console.log(JSON.stringify(process.env))'], 10);
    expect(JSON.parse(env.stdout)).toEqual({ PATH: process.env.PATH, HOME: join(root, 'sandboxes', sandbox), HOSTNAME: 'env-host' });
  });

  it('cuts log lines at the maxLogLineBytes it was given, and makes the folders of a log path that has them', async () => {
    const { runtime, root } = processRuntime({ maxLogLineBytes: 4 });
    const sandbox = await runtime.runPodSandbox(sandboxConfig('cut'));
    const id = await runtime.createContainer(sandbox, containerConfig('main', 'kubekata/node', { args: ['-e', 'console.log("abcdef")'], logPath: 'nested/deeper/main.log' }));
    await runtime.startContainer(id);
    await waitForExit(runtime, id);
    const { logPath } = await runtime.containerStatus(id);
    expect(logPath).toBe(join(root, 'pods', 'default_cut_uid-cut', 'nested', 'deeper', 'main.log'));
    const lines = readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map(parseCriLogLine);
    expect(lines.map((l) => `${l.stream} ${l.tag} ${l.content}`)).toEqual(['stdout P abcd', 'stdout F ef']);
  });

  it('refuses an exec in a container that is not running, answers one whose program cannot be started with Unknown, and stops a container that is not running as a no-op', async () => {
    const { runtime } = processRuntime();
    const { id, sandbox } = await runPod(runtime, 'exec-refused', { image: { image: 'kubekata/sleeper' } });
    const created = await runtime.createContainer(sandbox, containerConfig('idle', 'kubekata/sleeper'));
    expect(await failure(runtime.execSync(created, ['true'], 1))).toEqual({ code: 'FailedPrecondition', message: `container "${created}" is in CONTAINER_CREATED state: exec needs a running container` });
    expect(await failure(runtime.execSync(id, ['no-such-program-kata22'], 1))).toEqual({ code: 'Unknown', message: 'exec failed: exec: "no-such-program-kata22": executable file not found in $PATH' });
    await runtime.stopContainer(created, 30);
    expect((await runtime.containerStatus(created)).state).toBe('CONTAINER_CREATED');
    const crasher = await runPod(runtime, 'exited', { image: { image: 'kubekata/crasher' }, args: ['3', '0'] });
    await waitForExit(runtime, crasher.id);
    await runtime.stopContainer(crasher.id, 30);
    expect(await runtime.containerStatus(crasher.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 3, reason: 'Error' });
  });

  it('kills a container\'s execs with it, when it is stopped and when it exits by itself: each exec\'s result is exit code 137', async () => {
    const { runtime } = processRuntime();
    const mark = newMark('exec-dies');
    const stopped = await runPod(runtime, 'exec-stopped', { image: { image: 'kubekata/sleeper' } }, mark);
    const first = runtime.execSync(stopped.id, ['node', '-e', 'setInterval(() => {}, 1e9)'], 0);
    await runtime.stopContainer(stopped.id, 0);
    expect(await first).toEqual({ stdout: '', stderr: '', exitCode: 137 });
    const waiter = "const fs = require('node:fs'); console.log('waiting'); setInterval(() => { if (fs.existsSync('stop')) process.exit(0); }, 10);";
    const exits = await runPod(runtime, 'exec-exits', { image: { image: 'kubekata/node' }, args: ['-e', waiter] }, mark);
    await waitForLogLine(exits.logPath, /waiting/);
    // The exec makes its container exit, then waits for ever: it dies with its container.
    const second = await runtime.execSync(exits.id, ['node', '-e', "require('node:fs').writeFileSync('stop', ''); setInterval(() => {}, 1e9)"], 0);
    expect(second).toEqual({ stdout: '', stderr: '', exitCode: 137 });
    expect(await runtime.containerStatus(exits.id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 0, reason: 'Completed', message: '' });
    expect(markedProcesses(mark)).toEqual([]);
  });

  it('lets an exec run as long as its timeout on the clock allows, and with timeout 0 for ever, leaving no timer behind', async () => {
    const { runtime, clock, root } = processRuntime();
    const { id, sandbox } = await runPod(runtime, 'exec-time', { image: { image: 'kubekata/sleeper' } });
    const waitFor = (file: string) => ['node', '-e', `const fs = require('node:fs'); setInterval(() => { if (fs.existsSync('${file}')) process.exit(0); }, 10);`];
    const limited = runtime.execSync(id, waitFor('go-1'), 5);
    await clock.advance(4999);
    writeFileSync(join(root, 'sandboxes', sandbox, 'go-1'), '');
    expect(await limited).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    expect(clock.pending()).toBe(0);
    const unlimited = runtime.execSync(id, waitFor('go-2'), 0);
    await clock.advance(3_600_000);
    writeFileSync(join(root, 'sandboxes', sandbox, 'go-2'), '');
    expect(await unlimited).toEqual({ stdout: '', stderr: '', exitCode: 0 });
  });

  it('says only "killed by SIGKILL" of a container that something outside the runtime SIGKILLed (137, Error), as when the OOM killer acts', async () => {
    const { runtime } = processRuntime();
    const { id, logPath } = await runPod(runtime, 'oom', { image: { image: 'kubekata/node' }, args: ['-e', 'console.log(`pid ${process.pid}`); setInterval(() => {}, 1e9)'] });
    const text = await waitForLogLine(logPath, /pid \d+/);
    process.kill(Number(/pid (\d+)/.exec(text)![1]), 'SIGKILL');
    await waitForExit(runtime, id);
    expect(await runtime.containerStatus(id)).toMatchObject({ state: 'CONTAINER_EXITED', exitCode: 137, reason: 'Error', message: 'killed by SIGKILL' });
  });

  const images: [string, Omit<ContainerConfig, 'metadata'>][] = [
    ['sleeper', { image: { image: 'kubekata/sleeper' } }],
    ['stubborn sleeper', { image: { image: 'kubekata/sleeper' }, args: ['--ignore-sigterm'] }],
    ['echo', { image: { image: 'kubekata/echo' } }],
    ['crasher', { image: { image: 'kubekata/crasher' }, args: ['2', '0'] }],
  ];
  type Op =
    | { op: 'run'; pod: number; image: number }
    | { op: 'stop'; container: number; timeout: number }
    | { op: 'remove'; container: number }
    | { op: 'exec'; container: number }
    | { op: 'stopSandbox'; pod: number }
    | { op: 'removeSandbox'; pod: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('run' as const), pod: fc.nat(2), image: fc.nat(images.length - 1) }) },
    fc.record({ op: fc.constant('stop' as const), container: fc.nat(9), timeout: fc.constantFrom(0, 5) }),
    fc.record({ op: fc.constant('remove' as const), container: fc.nat(9) }),
    fc.record({ op: fc.constant('exec' as const), container: fc.nat(9) }),
    fc.record({ op: fc.constant('stopSandbox' as const), pod: fc.nat(2) }),
    fc.record({ op: fc.constant('removeSandbox' as const), pod: fc.nat(2) }),
  );

  test.prop([fc.array(opArb, { minLength: 1, maxLength: 7 })], { numRuns: 8 })(
    'leaves no process alive after any sequence of calls and a shutdown, as the OS sees it; a stopped or removed container has no process',
    async (ops) => {
      const { runtime, clock } = processRuntime();
      const run = newMark('any');
      const pods = new Map<number, string>();
      const containers: { id: string; mark: string; image: string }[] = [];
      const statusOf = async (id: string) => (await runtime.containerStatus(id).catch(() => undefined))?.state;
      for (const [step, op] of ops.entries()) {
        const target = containers.length > 0 && 'container' in op ? containers[op.container % containers.length]! : undefined;
        if (op.op === 'run') {
          let sandbox = pods.get(op.pod);
          if (!sandbox || (await runtime.podSandboxStatus(sandbox).catch(() => undefined))?.state !== 'SANDBOX_READY') {
            sandbox = await runtime.runPodSandbox({ metadata: { name: `pod-${op.pod}-${step}`, namespace: 'default', uid: `${step}` } });
            pods.set(op.pod, sandbox);
          }
          const ip = (await runtime.podSandboxStatus(sandbox)).network.ip;
          const mark = `${run}/c${step}`;
          const [, image] = images[op.image]!;
          const id = await runtime.createContainer(sandbox, { ...image, metadata: { name: `c${step}` }, envs: [{ key: 'POD_IP', value: ip }, { key: MARK, value: mark }] });
          await runtime.startContainer(id);
          containers.push({ id, mark, image: images[op.image]![0] });
        } else if (op.op === 'stop' && target) {
          const removed = (await statusOf(target.id)) === undefined;
          const stopping = runtime.stopContainer(target.id, op.timeout).then(() => undefined, (e: unknown) => e);
          await clock.advance(op.timeout * 1000);
          const error = await stopping;
          if (removed) expect(error).toMatchObject({ code: 'NotFound' });
          else expect([error, await statusOf(target.id)]).toEqual([undefined, 'CONTAINER_EXITED']);
        } else if (op.op === 'remove' && target) {
          await runtime.removeContainer(target.id);
        } else if (op.op === 'exec' && target && (await statusOf(target.id)) === 'CONTAINER_RUNNING') {
          const result = await runtime.execSync(target.id, ['node', '-e', 'process.exit(7)'], 30).catch((e: unknown) => e);
          // A crasher may exit between the check and the exec: then exec is refused. Or while the
          // exec runs: then the exec is killed with it (137).
          if (result instanceof RuntimeError) expect(result.code).toBe('FailedPrecondition');
          else if ((result as { exitCode?: number }).exitCode === 137) expect(target.image, 'an exec killed (137) in a container that does not exit by itself').toBe('crasher');
          else expect(result).toMatchObject({ exitCode: 7 });
        } else if (op.op === 'stopSandbox' && pods.has(op.pod)) {
          await runtime.stopPodSandbox(pods.get(op.pod)!);
        } else if (op.op === 'removeSandbox' && pods.has(op.pod)) {
          await runtime.removePodSandbox(pods.get(op.pod)!);
          pods.delete(op.pod);
        }
        // Every living process of the run belongs to a container the runtime says is running.
        for (const p of markedProcesses(run)) {
          const owner = containers.find((c) => c.mark === p.mark);
          expect(owner && (await statusOf(owner.id)), `process ${p.pid} (${p.mark}) is alive after ${JSON.stringify(op)}`).toBe('CONTAINER_RUNNING');
        }
      }
      await runtime.shutdown();
      expect(markedProcesses(run), 'processes left alive after shutdown').toEqual([]);
    },
    120_000,
  );
});
