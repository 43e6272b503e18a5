/**
 * Kata 24 — probes. The spec is katas/kubelet/24-probes.md.
 *
 * First the parts: the defaults and their limits, named ports, a ProbeWorker on the fake clock
 * with scripted results (when it probes, the thresholds, the hold after a liveness failure).
 * Then the handlers against real processes of the echo image on their own pod IPs (127.24.x.y),
 * and a kubelet on a ProcessRuntime: readiness makes the pod Ready, a failing liveness probe
 * restarts the container with upstream's events. Process tests wait on the kubelet and the
 * runtime (their promises, the echo server's log line), never on a timer, and leave no process
 * behind (checked against the OS).
 *
 * The properties: a readiness worker's result flips exactly after the threshold's consecutive
 * results, never earlier; and on a kubelet, the pod's Ready condition follows the readiness
 * probe's scripted exit codes the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type Container, type Pod, type Probe } from '@kube/kit';
import { probeTiming, ProbeManager, ProbeWorker, resolvePort, runProbe, type EventRecorder, type ProbeOutcome, type ProbeResult, type ProbeTarget, type RuntimePod } from '@kube/kubelet';
import { ProcessRuntime, RuntimeError, type RuntimeService } from '@kube/runtime';
import { fc, test } from '../support/prop.ts';
import { NODE, podOn, START, TestNode } from '../support/kubelet/node.ts';
import { silentPort } from '../support/kubelet/silent-port.ts';
import { MARK, markedProcesses, newMark } from '../support/runtime/os-processes.ts';
import { waitForLogLine } from '../support/runtime/wait.ts';

// ---------------------------------------------------------------------------------------------
describe('probe settings', () => {
  it("fills in upstream's defaults: no initial delay, every 10 s, 1 s timeout, 1 success, 3 failures", () => {
    expect(probeTiming({ tcpSocket: { port: 80 } }, 'readiness')).toEqual({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 });
  });

  it('refuses a successThreshold other than 1 for liveness and startup probes, and values below their minimum', () => {
    expect(() => probeTiming({ successThreshold: 2 }, 'liveness')).toThrow('livenessProbe.successThreshold: must be 1, got 2');
    expect(() => probeTiming({ successThreshold: 2 }, 'startup')).toThrow('startupProbe.successThreshold: must be 1, got 2');
    expect(probeTiming({ successThreshold: 2 }, 'readiness').successThreshold).toBe(2);
    expect(() => probeTiming({ periodSeconds: 0 }, 'readiness')).toThrow('readinessProbe.periodSeconds: must be a whole number >= 1, got 0');
  });

  it("resolves a named port through the container's ports, and says which name is missing", () => {
    const container: Container = { name: 'web', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolvePort('http', container)).toBe(8080);
    expect(resolvePort(9090, container)).toBe(9090);
    expect(() => resolvePort('metrics', container)).toThrow('container "web" has no port named "metrics"');
  });

  it('takes a name with digits in it (metrics2, 8443-tls) as a name, and refuses a name on a container without ports', () => {
    const container: Container = { name: 'web', ports: [{ name: 'metrics2', containerPort: 9102 }, { name: '8443-tls', containerPort: 8443 }] };
    expect(resolvePort('metrics2', container)).toBe(9102);
    expect(resolvePort('8443-tls', container)).toBe(8443);
    expect(() => resolvePort('http', { name: 'bare' })).toThrow('container "bare" has no port named "http"');
  });
});

/** A worker whose probes answer from a script, counting them. */
function scripted(kind: 'liveness' | 'readiness' | 'startup', probe: Probe, script: ProbeResult[], clock: FakeClock) {
  const seen: number[] = [];
  const worker = new ProbeWorker({
    kind,
    probe: { exec: { command: ['check'] }, ...probe },
    clock,
    startedAt: clock.now(),
    run: async (): Promise<ProbeOutcome> => {
      seen.push(clock.now() - START);
      return { result: script[seen.length - 1] ?? 'Success', output: '' };
    },
  });
  return { worker, seen };
}

describe('a probe worker on the clock', () => {
  it('probes first initialDelaySeconds after the start, then every periodSeconds', async () => {
    const clock = new FakeClock(START);
    const { worker, seen } = scripted('readiness', { initialDelaySeconds: 5, periodSeconds: 10 }, [], clock);
    worker.start();
    await clock.advance(4_999);
    expect(seen).toEqual([]);
    await clock.advance(26_001);
    expect(seen).toEqual([5_000, 15_000, 25_000]);
    worker.stop();
  });

  it('starts readiness at Failure and liveness at Success, and changes them only at the thresholds', async () => {
    const clock = new FakeClock(START);
    const readiness = scripted('readiness', { successThreshold: 2, periodSeconds: 1 }, ['Success', 'Success'], clock);
    const liveness = scripted('liveness', { failureThreshold: 2, periodSeconds: 1 }, ['Failure', 'Failure'], clock);
    expect([readiness.worker.result, liveness.worker.result]).toEqual(['Failure', 'Success']);
    readiness.worker.start();
    liveness.worker.start();
    await clock.advance(0);
    expect([readiness.worker.result, liveness.worker.result]).toEqual(['Failure', 'Success']);
    await clock.advance(1_000);
    expect([readiness.worker.result, liveness.worker.result]).toEqual(['Success', 'Failure']);
    readiness.worker.stop();
  });

  it('stops probing once liveness failed: the container is about to be restarted', async () => {
    const clock = new FakeClock(START);
    const { worker, seen } = scripted('liveness', { failureThreshold: 1, periodSeconds: 1 }, ['Failure'], clock);
    worker.start();
    await clock.advance(10_000);
    expect(seen).toEqual([0]);
    expect(worker.result).toBe('Failure');
  });

  it('holds liveness and readiness back until the startup probe succeeded, and stops the startup probe then', async () => {
    const clock = new FakeClock(START);
    const startup = scripted('startup', { periodSeconds: 1 }, ['Failure', 'Failure', 'Success'], clock);
    let started = false;
    const seen: number[] = [];
    const liveness = new ProbeWorker({ kind: 'liveness', probe: { exec: { command: ['x'] }, periodSeconds: 1 }, clock, startedAt: clock.now(), isStarted: () => started, run: async () => (seen.push(clock.now() - START), { result: 'Success', output: '' }) });
    startup.worker.start();
    liveness.start();
    await clock.advance(2_500);
    expect(seen).toEqual([]);
    started = startup.worker.result === 'Success';
    expect(started).toBe(true);
    await clock.advance(2_000);
    expect(seen).toEqual([3_000, 4_000]);
    expect(startup.seen).toEqual([0, 1_000, 2_000]);
    liveness.stop();
    startup.worker.stop();
  });

  it('lets a startup probe run while isStarted() says no: only liveness and readiness wait for it', async () => {
    const clock = new FakeClock(START);
    const seen: number[] = [];
    const startup = new ProbeWorker({ kind: 'startup', probe: { exec: { command: ['x'] }, periodSeconds: 1 }, clock, startedAt: clock.now(), isStarted: () => false, run: async () => (seen.push(clock.now() - START), { result: 'Failure', output: '' }) });
    startup.start();
    await clock.advance(1_000);
    expect(seen).toEqual([0, 1_000]);
    startup.stop();
  });

  it('calls onChange when the result changes, not at every probe that agrees with it', async () => {
    const clock = new FakeClock(START);
    const script: ProbeResult[] = ['Success', 'Success', 'Failure', 'Success', 'Failure', 'Failure', 'Failure', 'Success'];
    let probes = 0;
    const changes: ProbeResult[] = [];
    const worker = new ProbeWorker({
      kind: 'readiness',
      probe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 2 },
      clock,
      startedAt: clock.now(),
      run: async () => ({ result: script[probes++]!, output: '' }),
      onChange: (result) => changes.push(result),
    });
    worker.start();
    await clock.advance(7_000);
    expect(probes).toBe(8);
    expect(changes).toEqual(['Success', 'Failure', 'Success']);
    worker.stop();
  });

  it('drops the outcome of a probe still under way when the worker stopped', async () => {
    const clock = new FakeClock(START);
    let answer: (outcome: ProbeOutcome) => void = () => {};
    const changes: ProbeResult[] = [];
    const worker = new ProbeWorker({
      kind: 'readiness',
      probe: { exec: { command: ['x'] } },
      clock,
      startedAt: clock.now(),
      run: () => new Promise<ProbeOutcome>((resolve) => (answer = resolve)),
      onChange: (result) => changes.push(result),
    });
    worker.start();
    await clock.advance(0);
    expect(worker.busy).toBe(true);
    worker.stop();
    answer({ result: 'Success', output: '' });
    await worker.idle();
    expect(worker.result).toBe('Failure');
    expect(changes).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('runProbe against a server of the test\'s own', () => {
  const HOST = '127.24.200.1';
  const seen: { url: string; agent: string | undefined; accept: string | undefined; connection: string | undefined }[] = [];
  let hanging: () => void = () => {};
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', agent: req.headers['user-agent'], accept: req.headers.accept, connection: req.headers.connection });
    const code = /^\/status\/(\d+)$/.exec(req.url ?? '')?.[1];
    if (req.url === '/hang') return hanging(); // never answers
    res.statusCode = code ? Number(code) : 200;
    res.end('body');
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const target = (): ProbeTarget => ({ runtime: undefined as never, containerId: 'c1', container: { name: 'web', image: 'kubekata/echo', ports: [{ name: 'http', containerPort: port }] }, podIP: HOST });

  it('sends GET with kube-probe/1.32, Accept */* and no keep-alive to the path (given its slash), the port a number, digits or a name', async () => {
    const clock = new FakeClock(START);
    for (const probePort of [port, String(port), 'http']) expect(await runProbe({ httpGet: { path: 'healthz', port: probePort } }, target(), clock)).toEqual({ result: 'Success', output: '' });
    expect(seen.slice(-3)).toEqual(Array(3).fill({ url: '/healthz', agent: 'kube-probe/1.32', accept: '*/*', connection: 'close' }));
  });

  it.each([
    [200, 'Success', ''],
    [302, 'Success', ''],
    [399, 'Success', ''],
    [400, 'Failure', 'HTTP probe failed with statuscode: 400'],
    [503, 'Failure', 'HTTP probe failed with statuscode: 503'],
  ])('takes an answer of %i as %s', async (code, result, output) => {
    expect(await runProbe({ httpGet: { path: `/status/${code}`, port } }, target(), new FakeClock(START))).toEqual({ result, output });
  });

  it('fails an HTTP probe whose answer has not come timeoutSeconds later on the clock, in the words of Go\'s client', async () => {
    const clock = new FakeClock(START);
    const asked = new Promise<void>((resolve) => (hanging = resolve));
    const outcome = runProbe({ httpGet: { path: '/hang', port }, timeoutSeconds: 2 }, target(), clock);
    await Promise.race([asked, outcome]); // an outcome that fails before asking (an unwritten runProbe) fails the test here, not as a stray rejection
    let settled = false;
    void outcome.then(() => (settled = true), () => (settled = true));
    await clock.advance(1999);
    expect(settled, 'no outcome before timeoutSeconds').toBe(false);
    await clock.advance(1);
    expect(await outcome).toEqual({ result: 'Failure', output: `Get "http://${HOST}:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
  });

  it('fails an exec probe past its timeout with the command, another runtime error with its message, and a probe with no handler', async () => {
    const refusing = (code: 'DeadlineExceeded' | 'NotFound'): ProbeTarget => ({
      ...target(),
      runtime: { execSync: async () => Promise.reject(new RuntimeError(code, `container "c1" ${code === 'NotFound' ? 'not found' : 'took too long'}`)) } as unknown as ProbeTarget['runtime'],
    });
    const clock = new FakeClock(START);
    expect(await runProbe({ exec: { command: ['sleep', '10'] }, timeoutSeconds: 1 }, refusing('DeadlineExceeded'), clock)).toEqual({ result: 'Failure', output: 'command "sleep 10" timed out' });
    expect(await runProbe({ exec: { command: ['true'] } }, refusing('NotFound'), clock)).toEqual({ result: 'Failure', output: 'container "c1" not found' });
    expect(await runProbe({}, target(), clock)).toEqual({ result: 'Failure', output: 'the probe has no handler: give it exec, httpGet or tcpSocket' });
  });

  it("runs an exec probe's command in its container with the probe's timeoutSeconds, 1 when unset", async () => {
    const asked: [string, string[], number][] = [];
    const recording: ProbeTarget = {
      ...target(),
      runtime: { execSync: async (id: string, command: string[], timeoutSeconds: number) => (asked.push([id, command, timeoutSeconds]), { stdout: 'ok', stderr: '', exitCode: 0 }) } as unknown as RuntimeService,
    };
    const clock = new FakeClock(START);
    expect(await runProbe({ exec: { command: ['check', '--deep'] }, timeoutSeconds: 3 }, recording, clock)).toEqual({ result: 'Success', output: 'ok' });
    await runProbe({ exec: { command: ['check'] } }, recording, clock);
    expect(asked).toEqual([['c1', ['check', '--deep'], 3], ['c1', ['check'], 1]]);
  });
});

describe('runProbe at the edges: odd answers, and a port that never answers', () => {
  const HOST = '127.24.201.1';
  /** Answers with raw bytes, as a broken or odd server would: /low a status of 099, /broken a body cut short. */
  const server = createTcpServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (chunk) => {
      const path = /^GET (\S+)/.exec(chunk.toString('latin1'))?.[1];
      if (path === '/low') socket.end('HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly the start');
    });
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const target = (): ProbeTarget => ({ runtime: undefined as never, containerId: 'c1', container: { name: 'web' }, podIP: HOST });

  it('fails an HTTP answer with a status below 200 (Go reads 099 as 99, not as an informational 1xx)', async () => {
    expect(await runProbe({ httpGet: { path: '/low', port } }, target(), new FakeClock(START))).toEqual({ result: 'Failure', output: 'HTTP probe failed with statuscode: 99' });
  });

  it('fails an HTTP answer whose body breaks off at once, without waiting for the timeout', async () => {
    const outcome = await runProbe({ httpGet: { path: '/broken', port } }, target(), new FakeClock(START)); // the clock never moves
    expect(outcome.result).toBe('Failure');
    expect(outcome.output, 'says why, in Go\'s words').toBe('unexpected EOF');
  });

  it('fails a TCP probe that has not connected timeoutSeconds later on the clock with i/o timeout', async () => {
    const silent = await silentPort(HOST);
    try {
      const clock = new FakeClock(START);
      const outcome = runProbe({ tcpSocket: { port: silent.port }, timeoutSeconds: 2 }, target(), clock);
      let settled = false;
      void outcome.then(() => (settled = true), () => (settled = true));
      await clock.advance(1999);
      expect(settled, 'no outcome before timeoutSeconds').toBe(false);
      await clock.advance(1);
      expect(await outcome).toEqual({ result: 'Failure', output: `dial tcp ${HOST}:${silent.port}: i/o timeout` });
    } finally {
      await silent.close();
    }
  });
});

describe('the probe manager', () => {
  /** A runtime whose execSync answers exit code `answer(command)`, logging each call as `<s>s <container id> <command>`. */
  function execRuntime(clock: FakeClock, answer: (command: string) => number) {
    const calls: string[] = [];
    const runtime = {
      execSync: async (id: string, command: string[]) => {
        calls.push(`${(clock.now() - START) / 1000}s ${id} ${command.join(' ')}`);
        const exitCode = answer(command.join(' '));
        return { stdout: exitCode === 0 ? '' : 'not yet', stderr: '', exitCode };
      },
    } as unknown as RuntimeService;
    return { runtime, calls };
  }
  const exec = (command: string, more: Probe = {}): Probe => ({ exec: { command: [command] }, periodSeconds: 1, ...more });
  const podOf = (uid: string, containers: Container[]): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${uid}`, namespace: 'default', uid }, spec: { containers } });
  type Run = RuntimePod['containers'][number];
  const run = (name: string, id: string, startedAt: number, state: Run['state'] = 'CONTAINER_RUNNING'): Run => ({ id, metadata: { name, attempt: 0 }, state, startedAt }) as unknown as Run;
  const runtimePodOf = (uid: string, ...containers: Run[]): RuntimePod => ({ uid, sandboxes: [{ id: `sandbox-${uid}`, state: 'SANDBOX_READY', network: { ip: '10.24.0.2' } } as unknown as RuntimePod['sandboxes'][number]], containers });

  it('has no result for a container or a kind it runs no worker for', async () => {
    const clock = new FakeClock(START);
    const { runtime } = execRuntime(clock, () => 0);
    const manager = new ProbeManager({ runtime, clock, onChange: () => {} });
    expect(manager.result('readiness', 'a-web-1')).toBeUndefined();
    manager.sync(podOf('a', [{ name: 'web', readinessProbe: exec('ready') }]), runtimePodOf('a', run('web', 'a-web-1', START)));
    await clock.advance(0);
    await manager.idle();
    expect([manager.result('readiness', 'a-web-1'), manager.result('liveness', 'a-web-1'), manager.result('readiness', 'a-web-0')]).toEqual(['Success', undefined, undefined]);
    manager.stop();
  });

  it("probes only running containers, and stops the workers of a run that no longer runs, leaving other pods' workers alone", async () => {
    const clock = new FakeClock(START);
    const { runtime, calls } = execRuntime(clock, () => 0);
    const manager = new ProbeManager({ runtime, clock, onChange: () => {} });
    // web runs; side has exited; late has no container in the runtime yet.
    const a = podOf('a', ['web', 'side', 'late'].map((name) => ({ name, readinessProbe: exec(`ready ${name}`) })));
    manager.sync(a, runtimePodOf('a', run('side', 'a-side-1', START, 'CONTAINER_EXITED'), run('web', 'a-web-1', START)));
    manager.sync(podOf('b', [{ name: 'web', readinessProbe: exec('ready web') }]), runtimePodOf('b', run('web', 'b-web-1', START)));
    await clock.advance(0);
    await manager.idle();
    expect(calls.sort()).toEqual(['0s a-web-1 ready web', '0s b-web-1 ready web']);
    expect(['a-web-1', 'a-side-1', 'b-web-1'].map((id) => manager.result('readiness', id))).toEqual(['Success', undefined, 'Success']);

    // a's web exits and runs again as a-web-2: only the new run is probed, b's worker stays.
    calls.length = 0;
    manager.sync(a, runtimePodOf('a', run('web', 'a-web-2', START + 500), run('web', 'a-web-1', START, 'CONTAINER_EXITED')));
    await clock.advance(1_000);
    await manager.idle();
    expect(calls.sort()).toEqual(['0.5s a-web-2 ready web', '1s b-web-1 ready web']);
    expect(['a-web-1', 'a-web-2', 'b-web-1'].map((id) => manager.result('readiness', id))).toEqual([undefined, 'Success', 'Success']);
    manager.stop();
  });

  it('holds liveness and readiness until the startup probe succeeded, and records a Warning Unhealthy event for each failed probe only', async () => {
    const clock = new FakeClock(START);
    let startupProbes = 0;
    const { runtime, calls } = execRuntime(clock, (command) => (command === 'started' && ++startupProbes < 3 ? 1 : 0));
    const events: string[][] = [];
    const recorder = { record: async (pod: Pod, type: string, reason: string, message: string, container?: string) => void events.push([pod.metadata.name!, type, reason, message, container ?? '']) } as unknown as EventRecorder;
    const changed: string[] = [];
    const manager = new ProbeManager({ runtime, clock, events: recorder, onChange: (uid) => changed.push(uid) });
    const container: Container = { name: 'web', startupProbe: exec('started', { failureThreshold: 5 }), livenessProbe: exec('alive'), readinessProbe: exec('ready') };
    manager.sync(podOf('a', [container]), runtimePodOf('a', run('web', 'a-web-1', START)));
    await clock.advance(1_500);
    await manager.idle();
    expect(calls, 'only the startup probe while it has not succeeded').toEqual(['0s a-web-1 started', '1s a-web-1 started']);
    await clock.advance(3_500);
    await manager.idle();
    const count = (command: string) => calls.filter((c) => c.endsWith(` ${command}`)).length;
    expect(count('started'), 'no startup probe once it succeeded').toBe(3);
    expect(count('alive')).toBeGreaterThanOrEqual(2);
    expect(count('ready')).toBeGreaterThanOrEqual(2);
    expect((['startup', 'liveness', 'readiness'] as const).map((kind) => manager.result(kind, 'a-web-1'))).toEqual(['Success', 'Success', 'Success']);
    expect(events).toEqual(Array(2).fill(['pod-a', 'Warning', 'Unhealthy', 'Startup probe failed: not yet', 'web']));
    expect(changed, 'startup and readiness changed; liveness stayed Success').toEqual(['a', 'a']);
    manager.stop();
  });

  it('counts failed probes without an event recorder', async () => {
    const clock = new FakeClock(START);
    const { runtime } = execRuntime(clock, () => 1);
    const changed: string[] = [];
    const manager = new ProbeManager({ runtime, clock, onChange: (uid) => changed.push(uid) });
    manager.sync(podOf('a', [{ name: 'web', livenessProbe: exec('alive', { failureThreshold: 1 }) }]), runtimePodOf('a', run('web', 'a-web-1', START)));
    await clock.advance(0);
    await manager.idle();
    expect(manager.result('liveness', 'a-web-1')).toBe('Failure');
    expect(changed).toEqual(['a']);
    manager.stop();
  });
});

describe('against real processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'kata24-'));
  const mark = newMark('probes');
  let nodes: TestNode[] = [];
  let runtimes: ProcessRuntime[] = [];
  afterEach(async () => {
    // Taken first: a node that fails to stop is not stopped again after every later test.
    const [started, made] = [nodes, runtimes];
    nodes = [];
    runtimes = [];
    for (const node of started) await node.stop();
    for (const runtime of made) await runtime.shutdown();
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    expect(markedProcesses(mark), 'no process of these tests is left').toEqual([]);
  });

  let cidr = 0;
  /** A node on a ProcessRuntime with its own pod CIDR, 127.24.<n>.0/24. */
  async function processNode(): Promise<TestNode> {
    cidr += 1;
    const clock = new FakeClock(START);
    const runtime = new ProcessRuntime({ root: join(root, `node-${cidr}`), podCIDR: `127.24.${cidr}.0/24`, clock });
    runtimes.push(runtime);
    const node = await TestNode.start({ clock, runtime, logRoot: join(root, `node-${cidr}`, 'logs') });
    nodes.push(node);
    return node;
  }

  /** The echo container, marked for the OS check, with the probes given. */
  const echo = (probes: Partial<Container>): Container => ({ name: 'web', image: 'kubekata/echo', ports: [{ name: 'http', containerPort: 8080 }], env: [{ name: MARK, value: mark }], ...probes });

  /** Lets the kubelet finish what it does with real processes: syncs, probes, stops. */
  async function settleReal(node: TestNode): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await node.clock.advance(0);
      await node.kubelet.idle();
    }
  }

  /** Waits until the newest run of the pod's container listens (its log says so). */
  async function listening(node: TestNode): Promise<string> {
    const containers = await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    const status = await node.runtime.containerStatus(containers[containers.length - 1]!.id);
    await waitForLogLine(status.logPath, /echo: listening on/);
    return status.id;
  }

  it('answers httpGet, tcpSocket and exec probes from a real echo server, and says why one failed in upstream words', async () => {
    const node = await processNode();
    await node.client.pods('default').create(podOn(NODE, 'web', { containers: [echo({})] }));
    await settleReal(node);
    const id = await listening(node);
    const ip = (await node.pod('web')).status!.podIP!;
    expect(ip).toBe(`127.24.${cidr}.2`);
    const target = { runtime: node.runtime, containerId: id, container: echo({}), podIP: ip };
    expect(await runProbe({ httpGet: { path: '/healthz', port: 'http' } }, target, node.clock)).toEqual({ result: 'Success', output: '' });
    expect(await runProbe({ tcpSocket: { port: 8080 } }, target, node.clock)).toEqual({ result: 'Success', output: '' });
    expect(await runProbe({ httpGet: { port: 9999 } }, target, node.clock)).toEqual({ result: 'Failure', output: `Get "http://${ip}:9999/": dial tcp ${ip}:9999: connect: connection refused` });
    expect(await runProbe({ tcpSocket: { port: 9999 } }, target, node.clock)).toEqual({ result: 'Failure', output: `dial tcp ${ip}:9999: connect: connection refused` });
    expect(await runProbe({ exec: { command: ['node', '-e', 'process.exit(0)'] } }, target, node.clock)).toEqual({ result: 'Success', output: '' });
    expect(await runProbe({ exec: { command: ['node', '-e', 'console.log("not yet"); process.exit(1)'] } }, target, node.clock)).toEqual({ result: 'Failure', output: 'not yet\n' });
  });

  it('makes the pod Ready once its readiness probe succeeded, and not before', async () => {
    const node = await processNode();
    await node.client.pods('default').create(podOn(NODE, 'ready', { containers: [echo({ readinessProbe: { httpGet: { path: '/ready', port: 'http' }, initialDelaySeconds: 5 } })] }));
    await settleReal(node);
    await listening(node);
    let pod = await node.pod('ready');
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', message: 'containers with unready status: [web]' });
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(false);
    await node.clock.advance(5_000);
    await settleReal(node);
    pod = await node.pod('ready');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true);
  });

  it('restarts a container whose liveness probe failed failureThreshold times, with Unhealthy and Killing events', async () => {
    const node = await processNode();
    await node.client.pods('default').create(podOn(NODE, 'sick', { containers: [echo({ livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 10 } })] }));
    await settleReal(node);
    await listening(node);
    for (let i = 0; i < 3; i++) {
      expect((await node.pod('sick')).status?.containerStatuses?.[0]?.restartCount, `after ${i} failed probes`).toBe(0);
      await node.clock.advance(i === 0 ? 0 : 10_000);
      await settleReal(node);
    }
    const pod = await node.pod('sick');
    expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const ip = pod.status!.podIP!;
    const unhealthy = `Unhealthy: Liveness probe failed: dial tcp ${ip}:9999: connect: connection refused`;
    expect(await node.events('sick'), 'written through the API').toEqual(expect.arrayContaining([unhealthy, 'Killing: Container web failed liveness probe, will be restarted']));
    const events = node.recorded('sick');
    const killing = events.indexOf('Killing: Container web failed liveness probe, will be restarted');
    expect(killing, 'a Killing event for the liveness failure').toBeGreaterThan(0);
    // Three failures (failureThreshold) before the kill; the new run's first probe comes after it.
    expect(events.slice(0, killing).filter((e) => e === unhealthy)).toHaveLength(3);
    await listening(node); // the new run serves again
  });

  it('holds a container that fails its liveness probe again soon in CrashLoopBackOff: the back-off is measured from the run before the one killed (upstream\'s doBackOff)', async () => {
    const node = await processNode();
    await node.client.pods('default').create(podOn(NODE, 'flaky', { containers: [echo({ livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 1 } })] }));
    await settleReal(node);
    const status = async () => (await node.pod('flaky')).status?.containerStatuses?.[0];
    /** The newest run listens, fails three probes 1 s apart, and is killed in the third one's sync. */
    const killed = async () => {
      await listening(node);
      for (let i = 0; i < 3; i++) {
        await node.clock.advance(i === 0 ? 0 : 1_000);
        await settleReal(node);
      }
    };
    await killed();
    expect((await status())?.restartCount, 'the first kill: no run had exited, so it starts again at once').toBe(1);
    await killed();
    expect((await status())?.restartCount, 'the second: the first run ended 2 s before, but no back-off had begun; at once, and one of 10 s begins').toBe(2);
    await killed();
    expect(await status(), 'the third: the second run ended 2 s before, inside its 10 s').toMatchObject({
      restartCount: 2,
      state: { waiting: { reason: 'CrashLoopBackOff', message: expect.stringMatching(/^back-off 10s restarting failed container=web /) } },
      lastState: { terminated: { reason: 'Completed' } },
    });
    expect(node.recorded('flaky').some((e) => e.startsWith('BackOff: Back-off restarting failed container web in pod flaky_default('))).toBe(true);
    await node.clock.advance(10_000); // 10 s after the third run ended: the back-off is over
    await settleReal(node);
    expect(await status()).toMatchObject({ restartCount: 3, state: { running: {} } });
  });

  it('restarts a container that fails its liveness probe again at once, without CrashLoopBackOff: the back-off looks at the runs as the sync found them, before its kill (upstream\'s doBackOff)', async () => {
    const node = await processNode();
    await node.client.pods('default').create(podOn(NODE, 'sick', { containers: [echo({ livenessProbe: { tcpSocket: { port: 9999 }, periodSeconds: 10 } })] }));
    await settleReal(node);
    const restarts = async () => (await node.pod('sick')).status?.containerStatuses?.[0]?.restartCount;
    for (const expected of [1, 2, 3]) {
      await listening(node);
      // three failed probes, 10 s apart, then the kill and the new run in the same sync
      for (let i = 0; i < 3; i++) {
        await node.clock.advance(i === 0 ? 0 : 10_000);
        await settleReal(node);
      }
      expect(await restarts(), `kill ${expected}: started again with no back-off wait`).toBe(expected);
    }
    expect(node.recorded('sick').filter((e) => e.startsWith('BackOff')), 'never a CrashLoopBackOff: every earlier run ended 30 s before, longer than the back-off').toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('properties', () => {
  /** The readiness result after each of `results`, by the rule: the threshold's consecutive results flip it. */
  function expectedReadiness(results: ProbeResult[], successThreshold: number, failureThreshold: number): ProbeResult[] {
    let current: ProbeResult = 'Failure';
    let last: ProbeResult | undefined;
    let run = 0;
    return results.map((r) => {
      run = r === last ? run + 1 : 1;
      last = r;
      if (run >= (r === 'Success' ? successThreshold : failureThreshold)) current = r;
      return current;
    });
  }

  const script = fc.array(fc.constantFrom<ProbeResult>('Success', 'Failure'), { minLength: 1, maxLength: 25 });

  test.prop([script, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 20 })])(
    'a readiness worker flips exactly after the threshold\'s consecutive results, never earlier, probing at initialDelaySeconds + k × periodSeconds',
    async (results, successThreshold, failureThreshold, periodSeconds, initialDelaySeconds) => {
      const clock = new FakeClock(START);
      const { worker, seen } = scripted('readiness', { successThreshold, failureThreshold, periodSeconds, initialDelaySeconds }, results, clock);
      const expected = expectedReadiness(results, successThreshold, failureThreshold);
      worker.start();
      if (initialDelaySeconds > 0) {
        await clock.advance(initialDelaySeconds * 1000 - 1);
        expect(seen, 'no probe before initialDelaySeconds').toEqual([]);
        expect(worker.result).toBe('Failure');
        await clock.advance(1);
      } else await clock.advance(0);
      for (let k = 0; k < results.length; k++) {
        if (k > 0) {
          await clock.advance(periodSeconds * 1000 - 1);
          expect(seen.length, 'no probe before the period is over').toBe(k);
          await clock.advance(1);
        }
        expect(seen[k], `probe ${k + 1} runs on time`).toBe((initialDelaySeconds + k * periodSeconds) * 1000);
        expect(worker.result, `after probe ${k + 1} (${results.slice(0, k + 1).join(', ')})`).toBe(expected[k]);
      }
      worker.stop();
    },
  );

  test.prop([script, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })], { numRuns: 30 })(
    "the pod's Ready condition follows a readiness probe's scripted exit codes by the same rule, on a kubelet",
    async (results, successThreshold, failureThreshold) => {
      const node = await TestNode.start();
      try {
        let probes = 0;
        node.fake.setBehavior('test/ready', { exec: () => ({ stdout: '', stderr: '', exitCode: results[probes++] === 'Success' ? 0 : 1 }) });
        await node.client.pods('default').create(podOn(NODE, 'r', { containers: [{ name: 'app', image: 'test/ready', readinessProbe: { exec: { command: ['check'] }, periodSeconds: 5, successThreshold, failureThreshold } }] }));
        await node.settle();
        const expected = expectedReadiness(results, successThreshold, failureThreshold);
        for (let k = 0; k < results.length; k++) {
          if (k > 0) await node.advance(5_000);
          expect(probes).toBe(k + 1);
          const ready = (await node.pod('r')).status?.conditions?.find((c) => c.type === 'Ready')?.status;
          expect(ready, `Ready after probe ${k + 1} (${results.slice(0, k + 1).join(', ')})`).toBe(expected[k] === 'Success' ? 'True' : 'False');
        }
      } finally {
        await node.stop();
      }
    },
    60_000,
  );
});
