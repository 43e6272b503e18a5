/**
 * Kata 23 — kubelet pod sync. The spec is katas/kubelet/23-pod-sync.md.
 *
 * First the rules on their own: the phase, the conditions, the back-off, computePodActions. Then
 * a kubelet for node-1 on a FakeRuntime and the fake clock, talking to a real registry through
 * LocalClient: pods bound to the node run, init containers one at a time, restart policies,
 * CrashLoopBackOff, ErrImagePull and ImagePullBackOff, graceful deletion.
 *
 * The properties: the phase is the table's for every combination of container states, restart
 * policy and terminal flag; and for any sequence of crashes and time passing, the restart
 * count, the moments of the restarts and the CrashLoopBackOff delays follow the back-off rules
 * exactly (a model, fc.commands).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock, type ContainerStatus, type Pod, type PodSpec } from '@kube/kit';
import { Backoff, computePodActions, ContainerConfigError, effectiveGracePeriod, ephemeralContainersToStart, generatePodStatus, getPhase, podConditions, PodWorkers, shouldContainerBeRestarted, STATUS_RECONCILE_MS, SYNC_RETRY_MS, type RuntimePod } from '@kube/kubelet';
import { fc, test } from '../support/prop.ts';
import { expectedPhase } from '../support/kubelet/phase-table.ts';
import { NODE, podOn, START, TestNode } from '../support/kubelet/node.ts';
import { internalError } from '@kube/apiserver';
import { containerConfigFor, FakeRuntime, RuntimeError, sandboxConfigFor } from '@kube/runtime';

const T = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const running = (name: string): ContainerStatus => ({ name, ready: true, restartCount: 0, image: 'i', imageID: 'i', state: { running: { startedAt: T(START) } } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'i', imageID: 'i', state: { terminated: { exitCode } } });
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  name,
  ready: false,
  restartCount: lastExit === undefined ? 0 : 1,
  image: 'i',
  imageID: 'i',
  state: { waiting: { reason: lastExit === undefined ? 'ContainerCreating' : 'CrashLoopBackOff' } },
  ...(lastExit !== undefined ? { lastState: { terminated: { exitCode: lastExit } } } : {}),
});

/**
 * Every status the pod is written with from now on, as `kubectl get pods -w` prints its STATUS
 * and RESTARTS: the phase, then the first container's waiting or terminated reason, else
 * `Running`, then its restart count. Statuses written before it has a container status are left
 * out, and a line like the one before it is not repeated (a write that changed something else).
 */
function watchStatuses(node: TestNode, name: string): { stop(): Promise<string[]> } {
  const watch = node.client.pods('default').watch({ fieldSelector: `metadata.name=${name}` });
  const seen: string[] = [];
  const reading = (async () => {
    for await (const event of watch) {
      if (event.type !== 'ADDED' && event.type !== 'MODIFIED') continue;
      const pod = event.object as Pod;
      const container = pod.status?.containerStatuses?.[0];
      if (!container) continue;
      const state = container.state?.waiting?.reason ?? container.state?.terminated?.reason ?? 'Running';
      const line = `${pod.status!.phase} ${state} ${container.restartCount}`;
      if (seen.at(-1) !== line) seen.push(line);
    }
  })();
  return {
    async stop() {
      watch.stop();
      await reading;
      return seen;
    },
  };
}

let nodes: TestNode[] = [];
async function startNode(): Promise<TestNode> {
  const node = await TestNode.start();
  nodes.push(node);
  return node;
}
afterEach(async () => {
  // Taken first: a node that fails to stop is not stopped again after every later test.
  const started = nodes;
  nodes = [];
  for (const node of started) await node.stop();
});

// ---------------------------------------------------------------------------------------------
describe('the phase (getPhase)', () => {
  const spec = (restartPolicy: 'Always' | 'OnFailure' | 'Never', names = ['a', 'b'], inits: string[] = []): PodSpec => ({
    restartPolicy,
    containers: names.map((name) => ({ name })),
    ...(inits.length ? { initContainers: inits.map((name) => ({ name })) } : {}),
  });

  it('is Running while some container runs and every container has a status', () => {
    expect(getPhase(spec('Never'), [exited('a', 1), running('b')], false)).toBe('Running');
    expect(getPhase(spec('Always'), [running('a')], false)).toBe('Pending'); // b has no status yet
  });

  it('is Pending while a container waits without ever having run', () => {
    expect(getPhase(spec('Always'), [running('a'), waiting('b')], false)).toBe('Pending');
  });

  it('decides by the restart policy once every container terminated: Always Running, all 0 Succeeded, Never Failed, OnFailure Running', () => {
    expect(getPhase(spec('Always'), [exited('a', 0), exited('b', 1)], false)).toBe('Running');
    expect(getPhase(spec('OnFailure'), [exited('a', 0), exited('b', 0)], false)).toBe('Succeeded');
    expect(getPhase(spec('Never'), [exited('a', 0), exited('b', 1)], false)).toBe('Failed');
    expect(getPhase(spec('OnFailure'), [exited('a', 0), waiting('b', 1)], false)).toBe('Running');
  });

  it('gives a terminal pod Succeeded or Failed whatever its restart policy', () => {
    expect(getPhase(spec('Always'), [exited('a', 0), exited('b', 143)], true)).toBe('Failed');
    expect(getPhase(spec('Always'), [exited('a', 0), exited('b', 0)], true)).toBe('Succeeded');
  });

  const noState = (name: string): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'i', imageID: 'i', state: {} });
  const stateless = (name: string): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'i', imageID: 'i' });

  it.each<[string, PodSpec, ContainerStatus[], boolean, string]>([
    ['a container whose status has no state counts as unknown: Pending, not Running or done', spec('Never'), [exited('a', 0), noState('b')], false, 'Pending'],
    ['a running container with another of no state is not Running yet', spec('Always'), [running('a'), noState('b')], false, 'Pending'],
    ['a running container with one of no status and one of no state is not Running yet: every unknown one counts', spec('Always', ['a', 'b', 'c']), [running('a'), noState('c')], false, 'Pending'],
    ['a container waiting after it ran counts as stopped but never as succeeded (upstream counts succeeded only among the terminated): under Never, Failed even after an exit of 0', spec('Never', ['a']), [waiting('a', 0)], false, 'Failed'],
    ['a container waiting after it ran with an exit of 1, under Never: Failed', spec('Never', ['a']), [waiting('a', 1)], false, 'Failed'],
    ['every container stopped, one of them with no status: Pending (unknown)', spec('Never'), [exited('a', 0)], false, 'Pending'],
    ['a terminal pod whose containers are not all stopped keeps Running while one runs', spec('Never'), [exited('a', 0), running('b')], true, 'Running'],
    ['an init container with a status of no state is still pending, while no regular container has started', spec('Always', ['a'], ['init']), [noState('init'), waiting('a', 1)], false, 'Pending'],
    ['an init container that has no status yet is pending, while no regular container has started', spec('Always', ['a'], ['init']), [waiting('a', 1)], false, 'Pending'],
    ['an init container that runs is pending, while no regular container has started', spec('Always', ['a'], ['init']), [running('init'), waiting('a', 1)], false, 'Pending'],
    ['a pending init container does not hold back a pod whose regular container has started (after a node reboot)', spec('Never', ['a'], ['init']), [noState('init'), running('a')], false, 'Running'],
    ['an init container waiting after an exit of 1, under Never: Failed', spec('Never', ['a'], ['init']), [waiting('init', 1)], false, 'Failed'],
    ['an init container waiting after an exit of 0 is done: the regular containers decide', spec('Never', ['a'], ['init']), [waiting('init', 0), running('a')], false, 'Running'],
    ['an init container that failed under OnFailure is retried, not Failed', spec('OnFailure', ['a'], ['init']), [exited('init', 1), waiting('a')], false, 'Pending'],
    ['a container status without any state counts as unknown, for an init container and a regular one', spec('Never', ['a'], ['init']), [stateless('init'), stateless('a')], false, 'Pending'],
    ['a regular container with no state but a last state is unknown, not stopped: not Failed under Never', spec('Never', ['a']), [{ ...noState('a'), lastState: { terminated: { exitCode: 1 } } }], false, 'Pending'],
    ['an init container with no state but a last state is pending, not failed: not Failed under Never', spec('Never', ['a'], ['init']), [{ ...noState('init'), lastState: { terminated: { exitCode: 1 } } }], false, 'Pending'],
  ])('%s', (_, podSpec, statuses, terminal, phase) => {
    expect(getPhase(podSpec, statuses, terminal)).toBe(phase);
  });

  it('keeps a pod Pending during initialization, and Failed when an init container fails under Never', () => {
    expect(getPhase(spec('Always', ['a'], ['init']), [running('init')], false)).toBe('Pending');
    expect(getPhase(spec('Never', ['a'], ['init']), [exited('init', 2)], false)).toBe('Failed');
    expect(getPhase(spec('OnFailure', ['a'], ['init']), [waiting('init', 2), waiting('a')], false)).toBe('Pending');
  });
});

describe('the status of containers the runtime has nothing of (generatePodStatus)', () => {
  const none = (uid: string): RuntimePod => ({ uid, sandboxes: [], containers: [] });
  const inputs = { reasons: new Map(), hostIP: '127.0.0.5', now: START };

  it('keeps a terminated status whole, and a waiting container\'s restart count and last state, waiting PodInitializing in a pod with init containers; the old pod IP and start time stay', () => {
    const pod: Pod = {
      metadata: { name: 'p', namespace: 'default', uid: 'u1' },
      spec: { restartPolicy: 'Always', initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox' }] },
      status: { phase: 'Running', podIP: '127.0.1.9', startTime: T(START - 60_000), initContainerStatuses: [exited('init', 0)], containerStatuses: [{ ...waiting('web', 1), restartCount: 3 }] },
    };
    const status = generatePodStatus(pod, none('u1'), inputs);
    expect(status).toMatchObject({ phase: 'Pending', podIP: '127.0.1.9', podIPs: [{ ip: '127.0.1.9' }], hostIP: '127.0.0.5', startTime: T(START - 60_000) });
    // an init container that exited 0 is ready; no container that is not running has started (every status says so)
    expect(status.initContainerStatuses).toStrictEqual([{ ...exited('init', 0), ready: true, started: false }]);
    expect(status.containerStatuses).toStrictEqual([
      { name: 'web', image: 'nginx', imageID: '', ready: false, started: false, restartCount: 3, state: { waiting: { reason: 'PodInitializing' } }, lastState: { terminated: { exitCode: 1 } } },
      { name: 'side', image: 'busybox', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
    ]);
  });

  it('keeps the conditions that are not the kubelet\'s (an eviction\'s DisruptionTarget, a gate\'s), first and as they were, and writes its own after them', () => {
    const disruption = { type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: T(START - 5_000) };
    const gate = { type: 'example.com/gate', status: 'False' as const };
    const pod: Pod = {
      metadata: { name: 'r', namespace: 'default', uid: 'u3' },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
      status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'True' }, disruption, gate] },
    };
    const status = generatePodStatus(pod, none('u3'), inputs);
    expect(status.conditions?.map((c) => c.type)).toEqual(['DisruptionTarget', 'example.com/gate', 'PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    expect(status.conditions?.slice(0, 2)).toStrictEqual([disruption, gate]);
    expect(status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
  });

  it('keeps a terminal phase for ever, and writes no init statuses for a pod without init containers, whose containers wait ContainerCreating', () => {
    const pod: Pod = { metadata: { name: 'q', namespace: 'default', uid: 'u2' }, spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox' }] }, status: { phase: 'Succeeded' } };
    const status = generatePodStatus(pod, none('u2'), inputs);
    expect([status.phase, 'initContainerStatuses' in status, status.containerStatuses![0]!.state, status.podIP, status.startTime]).toEqual(['Succeeded', false, { waiting: { reason: 'ContainerCreating' } }, undefined, T(START)]);
  });
});

describe('the status of containers the runtime has (generatePodStatus)', () => {
  const run = (name: string, state: 'running' | 'exited' | 'created', exitCode = 0, attempt = 0): RuntimePod['containers'][number] => ({
    id: `${name}-${attempt}`,
    podSandboxId: 'sb',
    metadata: { name, attempt },
    image: { image: 'kubekata/sleeper' },
    imageRef: 'kubekata/sleeper',
    state: state === 'running' ? 'CONTAINER_RUNNING' : state === 'exited' ? 'CONTAINER_EXITED' : 'CONTAINER_CREATED',
    createdAt: START,
    labels: {},
    annotations: {},
    startedAt: state === 'created' ? 0 : START,
    finishedAt: state === 'exited' ? START + 1_000 : 0,
    exitCode,
    reason: state === 'exited' ? (exitCode === 0 ? 'Completed' : 'Error') : '',
    message: '',
    logPath: '',
  });
  const runtime = (...containers: RuntimePod['containers']): RuntimePod => ({ uid: 'u1', sandboxes: [], containers });
  const pod = (spec: PodSpec): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec });

  it('without readiness or startup verdicts, calls a running container ready and started, and one that is not running neither', () => {
    const status = generatePodStatus(pod({ containers: [{ name: 'web', image: 'kubekata/sleeper' }, { name: 'side', image: 'kubekata/sleeper' }] }), runtime(run('web', 'running'), run('side', 'exited', 1)), { reasons: new Map(), hostIP: '127.0.0.5', now: START });
    expect(status.containerStatuses?.map((s) => [s.name, s.ready, s.started])).toEqual([
      ['web', true, true],
      ['side', false, false],
    ]);
    // no sandbox in the runtime: not ready to start containers
    expect(status.conditions?.[0]).toMatchObject({ type: 'PodReadyToStartContainers', status: 'False' });
  });

  it('takes lastState from the run before only: a container whose earlier runs the runtime no longer has shows none, whatever the old status said', () => {
    const spec: PodSpec = { containers: [{ name: 'web', image: 'kubekata/sleeper' }] };
    const old: Pod['status'] = { containerStatuses: [{ ...running('web'), restartCount: 1, lastState: { terminated: { exitCode: 3 } } }] };
    const [status] = generatePodStatus({ ...pod(spec), status: old }, runtime(run('web', 'running', 0, 2)), { reasons: new Map(), hostIP: '127.0.0.5', now: START }).containerStatuses!;
    expect([status?.restartCount, status?.lastState]).toEqual([2, undefined]);
  });

  it('writes the ephemeral containers\' statuses apart, never ready and without started, and no list for a pod without them', () => {
    const spec: PodSpec = { containers: [{ name: 'web', image: 'kubekata/sleeper' }], ephemeralContainers: [{ name: 'd1', image: 'kubekata/sleeper' }, { name: 'd2', image: 'kubekata/crasher' }, { name: 'd3', image: 'kubekata/sleeper' }] };
    const inputs = { reasons: new Map([['d3', { reason: 'ErrImagePull', message: 'no such image' }]]), hostIP: '127.0.0.5', now: START };
    const status = generatePodStatus(pod(spec), runtime(run('web', 'running'), run('d1', 'running'), run('d2', 'exited', 1)), inputs);
    expect(status.containerStatuses?.map((s) => s.name)).toEqual(['web']);
    expect(status.ephemeralContainerStatuses).toStrictEqual([
      { name: 'd1', image: 'kubekata/sleeper', imageID: 'kubekata/sleeper', containerID: 'kubekata://d1-0', ready: false, restartCount: 0, state: { running: { startedAt: T(START) } } },
      { name: 'd2', image: 'kubekata/crasher', imageID: 'kubekata/sleeper', containerID: 'kubekata://d2-0', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error', startedAt: T(START), finishedAt: T(START + 1_000), containerID: 'kubekata://d2-0' } } },
      { name: 'd3', image: 'kubekata/sleeper', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'no such image' } } },
    ]);
    expect('ephemeralContainerStatuses' in generatePodStatus(pod({ containers: spec.containers }), runtime(run('web', 'running')), inputs)).toBe(false);
  });

  const runState = fc.constantFrom<'running' | 'exited' | 'created' | undefined>('running', 'exited', 'created', undefined);
  test.prop([fc.tuple(runState, runState), fc.tuple(runState, runState), fc.constantFrom<PodSpec['restartPolicy']>('Always', 'OnFailure', 'Never'), fc.boolean()])(
    'ephemeral containers, whatever their state, change neither the phase, nor the conditions, nor the other containers\' statuses',
    (regular, ephemeral, restartPolicy, podIsTerminal) => {
      const runs = (names: string[], states: readonly (typeof regular)[number][]) => names.flatMap((name, i) => (states[i] ? [run(name, states[i]!, i)] : []));
      const containers = [{ name: 'a', image: 'kubekata/sleeper' }, { name: 'b', image: 'kubekata/sleeper' }];
      const inputs = { reasons: new Map(), hostIP: '127.0.0.5', now: START, podIsTerminal };
      const all = runtime(...runs(['a', 'b'], regular), ...runs(['d1', 'd2'], ephemeral));
      const plain = generatePodStatus(pod({ restartPolicy, containers }), all, inputs);
      const { ephemeralContainerStatuses, ...debugged } = generatePodStatus(pod({ restartPolicy, containers, ephemeralContainers: [{ name: 'd1', image: 'kubekata/sleeper' }, { name: 'd2', image: 'kubekata/sleeper' }] }), all, inputs);
      expect(debugged).toEqual(plain);
      expect(ephemeralContainerStatuses?.map((s) => s.name)).toEqual(['d1', 'd2']);
    },
  );

  it('judges the phase as for a pod that goes on unless told it is terminal, and keeps a Failed phase for ever', () => {
    const job = pod({ containers: [{ name: 'job', image: 'kubekata/sleeper' }] });
    const inputs = { reasons: new Map(), hostIP: '127.0.0.5', now: START };
    expect(generatePodStatus(job, runtime(run('job', 'exited', 0)), inputs).phase, 'restartPolicy Always, not terminal: it restarts').toBe('Running');
    expect(generatePodStatus(job, runtime(run('job', 'exited', 0)), { ...inputs, podIsTerminal: true }).phase).toBe('Succeeded');
    expect(generatePodStatus({ ...job, status: { phase: 'Failed' } }, runtime(run('job', 'running')), inputs).phase).toBe('Failed');
  });

  it('keeps a container\'s old terminated status when the runtime has nothing of it: an init container that exited 0 is ready, one that exited 1 or a regular one is not', () => {
    const spec: PodSpec = { initContainers: [{ name: 'ok', image: 'i' }, { name: 'bad', image: 'i' }], containers: [{ name: 'web', image: 'i' }, { name: 'side', image: 'i' }] };
    const old: Pod['status'] = {
      initContainerStatuses: [{ ...exited('ok', 0) }, { ...exited('bad', 1) }],
      // an old status without any state is no terminated one: the container waits as a new one
      containerStatuses: [{ ...exited('web', 0) }, { name: 'side', ready: false, restartCount: 2, image: 'i', imageID: 'i' }],
    };
    const status = generatePodStatus({ ...pod(spec), status: old }, runtime(), { reasons: new Map(), hostIP: '127.0.0.5', now: START });
    expect([...status.initContainerStatuses!, ...status.containerStatuses!].map((s) => [s.name, s.state?.terminated?.exitCode, s.ready])).toEqual([
      ['ok', 0, true],
      ['bad', 1, false],
      ['web', 0, false],
      ['side', undefined, false],
    ]);
    expect(status.containerStatuses?.[1]).toMatchObject({ restartCount: 2, state: { waiting: { reason: 'PodInitializing' } } });
  });

  it('shows no start failure for a terminal pod, whose containers will not start again: its exit stays the state', () => {
    const web = pod({ containers: [{ name: 'web', image: 'kubekata/sleeper' }] });
    const reasons = new Map([['web', { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' }]]);
    const status = generatePodStatus(web, runtime(run('web', 'exited', 1)), { reasons, hostIP: '127.0.0.5', now: START, podIsTerminal: true });
    expect(status.containerStatuses?.map((s) => [s.state?.terminated?.exitCode, s.state?.waiting, s.lastState])).toEqual([[1, undefined, undefined]]);
  });

  it('sets now as the lastTransitionTime of a condition whose old one had none, though its status stayed', () => {
    const web = pod({ containers: [{ name: 'web', image: 'kubekata/sleeper' }] });
    const old: Pod['status'] = { conditions: [{ type: 'PodScheduled', status: 'True' }] };
    const status = generatePodStatus({ ...web, status: old }, runtime(run('web', 'running')), { reasons: new Map(), hostIP: '127.0.0.5', now: START + 7_000 });
    expect(status.conditions?.find((c) => c.type === 'PodScheduled')?.lastTransitionTime).toBe(T(START + 7_000));
  });

  it('shows a container\'s last start failure as waiting when it will start again (its exit moving to lastState), but not for an init container that succeeded', () => {
    const spec: PodSpec = {
      initContainers: [{ name: 'init', image: 'kubekata/sleeper' }, { name: 'init2', image: 'kubekata/sleeper' }],
      containers: [{ name: 'web', image: 'kubekata/sleeper' }, { name: 'side', image: 'kubekata/sleeper' }],
    };
    const backOff = { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' };
    const reasons = new Map([
      ['init', backOff],
      ['init2', backOff],
      ['web', backOff],
      ['side', { reason: 'RunContainerError', message: 'the runtime could not start it' }],
    ]);
    const status = generatePodStatus(pod(spec), runtime(run('init', 'exited', 0), run('init2', 'exited', 1), run('web', 'exited', 0), run('side', 'created')), { reasons, hostIP: '127.0.0.5', now: START });
    expect(status.initContainerStatuses?.map((s) => [s.name, s.state, s.lastState, s.ready])).toEqual([
      ['init', { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) }, undefined, true],
      ['init2', { waiting: backOff }, { terminated: expect.objectContaining({ exitCode: 1, reason: 'Error' }) }, false],
    ]);
    expect(status.containerStatuses?.map((s) => [s.name, s.state, s.lastState])).toEqual([
      ['web', { waiting: backOff }, { terminated: expect.objectContaining({ exitCode: 0, reason: 'Completed' }) }],
      ['side', { waiting: { reason: 'RunContainerError', message: 'the runtime could not start it' } }, undefined],
    ]);
  });
});

describe('the conditions', () => {
  const withInits: PodSpec = { containers: [{ name: 'web' }, { name: 'side' }, { name: 'extra' }], initContainers: [{ name: 'i1' }, { name: 'i2' }] };
  const condition = (type: string, statuses: ContainerStatus[], phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed') => podConditions(withInits, statuses, phase, true).find((c) => c.type === type);

  it.each<[string, ContainerStatus[], 'Pending' | 'Running' | 'Succeeded' | 'Failed', object]>([
    ['names the init containers with no status first, then those not finished with 0', [running('i1')], 'Pending', { status: 'False', reason: 'ContainersNotInitialized', message: 'containers with unknown status: [i2], containers with incomplete status: [i1]' }],
    ['counts an init container that exited 1 as incomplete', [exited('i1', 0), exited('i2', 1)], 'Pending', { status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [i2]' }],
    ['is True once every init container exited 0', [exited('i1', 0), exited('i2', 0)], 'Pending', { status: 'True' }],
    ['is True with reason PodCompleted for a Succeeded pod whose init containers are all known', [exited('i1', 0), exited('i2', 0)], 'Succeeded', { status: 'True', reason: 'PodCompleted' }],
    ['is not PodCompleted for a Succeeded pod with an init container of no status', [exited('i1', 0)], 'Succeeded', { status: 'False', reason: 'ContainersNotInitialized', message: 'containers with unknown status: [i2]' }],
    ['is True as soon as a regular container has started, whatever the init containers say', [running('i1'), exited('web', 0)], 'Pending', { status: 'True' }],
    ['is PodCompleted for a Succeeded pod whose regular containers ran, since upstream asks about the phase first', [exited('i1', 0), exited('i2', 0), exited('web', 0)], 'Succeeded', { status: 'True', reason: 'PodCompleted' }],
  ])('Initialized %s', (_, statuses, phase, expected) => {
    expect(condition('Initialized', statuses, phase)).toStrictEqual({ type: 'Initialized', ...expected });
  });

  it.each<[string, ContainerStatus[], 'Pending' | 'Running' | 'Succeeded' | 'Failed', object]>([
    ['names the containers with no status first, then the unready ones', [running('web'), { ...running('side'), ready: false }], 'Running', { status: 'False', reason: 'ContainersNotReady', message: 'containers with unknown status: [extra], containers with unready status: [side]' }],
    ['is True when every container is ready', [running('web'), running('side'), running('extra')], 'Running', { status: 'True' }],
    ['is PodCompleted for a Succeeded pod whose containers are all known', [exited('web', 0), exited('side', 0), exited('extra', 0)], 'Succeeded', { status: 'False', reason: 'PodCompleted' }],
    ['is not PodCompleted for a Succeeded pod with a container of no status', [exited('web', 0), exited('side', 0)], 'Succeeded', { status: 'False', reason: 'ContainersNotReady', message: 'containers with unknown status: [extra], containers with unready status: [web side]' }],
    ['is PodFailed for a Failed pod, even with containers of no status', [exited('web', 1)], 'Failed', { status: 'False', reason: 'PodFailed' }],
  ])('ContainersReady %s', (_, statuses, phase, expected) => {
    expect(condition('ContainersReady', statuses, phase)).toStrictEqual({ type: 'ContainersReady', ...expected });
  });

  it('lists PodReadyToStartContainers, Initialized, Ready, ContainersReady, PodScheduled, with upstream reasons and messages', () => {
    const spec: PodSpec = { containers: [{ name: 'web' }, { name: 'side' }], initContainers: [{ name: 'init-a' }, { name: 'init-b' }] };
    expect(podConditions(spec, [exited('init-a', 0), running('init-b')], 'Pending', true)).toEqual([
      { type: 'PodReadyToStartContainers', status: 'True' },
      { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init-b]' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unknown status: [web side]' },
      { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: 'containers with unknown status: [web side]' },
      { type: 'PodScheduled', status: 'True' },
    ]);
    const ready = podConditions(spec, [exited('init-a', 0), exited('init-b', 0), running('web'), { ...running('side'), ready: false }], 'Running', true);
    expect(ready[2]).toEqual({ type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [side]' });
    expect(ready[1]).toEqual({ type: 'Initialized', status: 'True' });
  });

  it('is Initialized from the start for a pod without init containers, and counts an init container\'s status without a state as incomplete', () => {
    expect(podConditions({ containers: [{ name: 'web' }] }, [], 'Pending', false).find((c) => c.type === 'Initialized')).toStrictEqual({ type: 'Initialized', status: 'True' });
    const withInit: PodSpec = { containers: [{ name: 'web' }], initContainers: [{ name: 'init' }] };
    const stateless: ContainerStatus = { name: 'init', ready: false, restartCount: 0, image: 'i', imageID: 'i' };
    expect(podConditions(withInit, [stateless], 'Pending', false).find((c) => c.type === 'Initialized')).toStrictEqual({ type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [init]' });
  });

  it('says PodCompleted for a Succeeded pod, without init containers too, as upstream checks that first, and PodFailed for a Failed one', () => {
    const spec: PodSpec = { containers: [{ name: 'job' }] };
    expect(podConditions(spec, [exited('job', 0)], 'Succeeded', false).map((c) => [c.type, c.status, c.reason])).toEqual([
      ['PodReadyToStartContainers', 'False', undefined],
      ['Initialized', 'True', 'PodCompleted'],
      ['Ready', 'False', 'PodCompleted'],
      ['ContainersReady', 'False', 'PodCompleted'],
      ['PodScheduled', 'True', undefined],
    ]);
    expect(podConditions(spec, [exited('job', 1)], 'Failed', false)[2]).toMatchObject({ status: 'False', reason: 'PodFailed' });
  });
});

describe('the back-off (CrashLoopBackOff)', () => {
  it('starts at 10 s and doubles up to 300 s, each next() at the moment the last delay ran out', async () => {
    const clock = new FakeClock(START);
    const backoff = new Backoff(clock);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      backoff.next('p/app', clock.now());
      delays.push(backoff.get('p/app'));
      await clock.advance(backoff.get('p/app'));
    }
    expect(delays.map((ms) => ms / 1000)).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('is in back-off since a failure for exactly its delay, and starts over once idle for more than 10 minutes', async () => {
    const clock = new FakeClock(START);
    const backoff = new Backoff(clock);
    backoff.next('k', clock.now());
    backoff.next('k', clock.now());
    expect(backoff.get('k')).toBe(20_000);
    const failedAt = clock.now();
    await clock.advance(19_999);
    expect(backoff.isInBackOffSince('k', failedAt)).toBe(true);
    await clock.advance(1);
    expect(backoff.isInBackOffSince('k', failedAt)).toBe(false);
    await clock.advance(600_000); // lastUpdate is now 620 s ago: more than twice the 300 s cap
    expect(backoff.isInBackOffSince('k', clock.now())).toBe(false);
    backoff.next('k', clock.now());
    expect(backoff.get('k')).toBe(10_000);
  });

  it('judges staleness from the failure\'s time, not from now: a crash 590 s after the last update still doubles the delay, though it is seen 610 s after', async () => {
    const clock = new FakeClock(START);
    const backoff = new Backoff(clock);
    for (let i = 0; i < 5; i++) backoff.next('k', clock.now());
    expect(backoff.get('k')).toBe(160_000);
    const lastUpdate = clock.now();
    await clock.advance(610_000);
    const crashedAt = lastUpdate + 590_000;
    // fresh as of the crash (590 s <= 2 x 300 s), and 20 s since it is less than 160 s
    expect(backoff.isInBackOffSince('k', crashedAt)).toBe(true);
    backoff.next('k', crashedAt);
    expect(backoff.get('k')).toBe(300_000);
  });
});

describe('computePodActions', () => {
  const empty: RuntimePod = { uid: 'u1', sandboxes: [], containers: [] };
  const pod = (spec: Partial<PodSpec>): Pod => ({ metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'a', image: 'kubekata/sleeper' }, { name: 'b', image: 'kubekata/sleeper' }], ...spec } });

  it('creates the sandbox (attempt 0) and starts every container of a new pod, in order', () => {
    expect(computePodActions(pod({}), empty)).toMatchObject({ createSandbox: true, attempt: 0, containersToStart: [0, 1], containersToKill: [] });
  });

  it('starts only the first init container of a new pod with init containers', () => {
    const actions = computePodActions(pod({ initContainers: [{ name: 'i1', image: 'kubekata/sleeper' }, { name: 'i2', image: 'kubekata/sleeper' }] }), empty);
    expect(actions.nextInitContainerToStart?.name).toBe('i1');
    expect(actions.containersToStart).toEqual([]);
  });

  // A runtime pod as the table of upstream's TestComputePodActions writes it: a sandbox, and
  // containers newest first, each `name:state[:exit code]`.
  type Run = `${string}:${'running' | 'created' | 'exited' | 'unknown'}${'' | `:${number}`}`;
  const sandbox = (attempt: number, state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY' = 'SANDBOX_READY', ip = '127.0.1.2'): RuntimePod['sandboxes'][number] => ({
    id: `sb-${attempt}`,
    metadata: { name: 'p', namespace: 'default', uid: 'u1', attempt },
    state,
    createdAt: START,
    labels: {},
    annotations: {},
    network: { ip },
    hostname: 'p',
    logDirectory: '/logs',
  });
  const runtimePod = (sandboxes: RuntimePod['sandboxes'], runs: Run[]): RuntimePod => ({
    uid: 'u1',
    sandboxes,
    containers: runs.map((run, i) => {
      const [name, state, code] = run.split(':') as [string, string, string | undefined];
      return {
        id: `${name}-${runs.length - i}`,
        podSandboxId: sandboxes[0]?.id ?? '',
        metadata: { name, attempt: 0 },
        image: { image: 'kubekata/sleeper' },
        imageRef: 'kubekata/sleeper',
        state: `CONTAINER_${state.toUpperCase()}` as 'CONTAINER_RUNNING',
        createdAt: START,
        labels: {},
        annotations: {},
        startedAt: START,
        finishedAt: state === 'exited' ? START : 0,
        exitCode: Number(code ?? 0),
        reason: '',
        message: '',
        logPath: '',
      };
    }),
  });
  const inits = [{ name: 'i1', image: 'kubekata/sleeper' }, { name: 'i2', image: 'kubekata/sleeper' }];
  const summary = (actions: ReturnType<typeof computePodActions>) => ({
    killPod: actions.killPod,
    createSandbox: actions.createSandbox,
    attempt: actions.attempt,
    init: actions.nextInitContainerToStart?.name,
    start: actions.containersToStart,
    kill: actions.containersToKill.map((k) => `${k.name}${k.reason ? ` (${k.reason})` : ''}`),
  });

  it.each<[string, Partial<PodSpec>, RuntimePod, object]>([
    ['does nothing while every container runs in a ready sandbox', {}, runtimePod([sandbox(0)], ['a:running', 'b:running']), { killPod: false, createSandbox: false, attempt: 0, init: undefined, start: [], kill: [] }],
    ['starts a container that exited under Always, and one created but never started', {}, runtimePod([sandbox(0)], ['a:exited:0', 'b:created']), { killPod: false, createSandbox: false, start: [0, 1], kill: [] }],
    ['under Never, starts a container that was created but never started: it never ran, so no policy holds it back', { restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['a:running', 'b:created']), { killPod: false, createSandbox: false, start: [1], kill: [] }],
    ['under OnFailure, starts a container created but never started, and leaves the running one alone', { restartPolicy: 'OnFailure' }, runtimePod([sandbox(0)], ['a:running', 'b:created']), { killPod: false, start: [1], kill: [] }],
    ['kills a container in an unknown state before it starts it again: it may still run', {}, runtimePod([sandbox(0)], ['a:running', 'b:unknown']), { killPod: false, start: [1], kill: ['b (Unknown)'] }],
    ['does not start again a container that exited 0 under OnFailure, but one that exited 1', { restartPolicy: 'OnFailure' }, runtimePod([sandbox(0)], ['a:exited:0', 'b:exited:1']), { killPod: false, start: [1] }],
    ['starts nothing under Never, and kills the pod once nothing runs', { restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['a:exited:0', 'b:exited:1']), { killPod: true, createSandbox: false, start: [], kill: [] }],
    ['makes a new sandbox (attempt + 1) when the newest is not ready, and starts every container in it', {}, runtimePod([sandbox(2, 'SANDBOX_NOTREADY')], ['a:exited:0', 'b:running']), { killPod: true, createSandbox: true, attempt: 3, start: [0, 1] }],
    ['makes a new sandbox when the newest has no IP', {}, runtimePod([sandbox(0, 'SANDBOX_READY', '')], ['a:running', 'b:running']), { killPod: true, createSandbox: true, attempt: 1, start: [0, 1] }],
    ['makes a new sandbox when two are ready', {}, runtimePod([sandbox(1), sandbox(0)], ['a:running', 'b:running']), { killPod: true, createSandbox: true, attempt: 2, start: [0, 1] }],
    ['under OnFailure, a new sandbox leaves out the containers that succeeded', { restartPolicy: 'OnFailure' }, runtimePod([sandbox(0, 'SANDBOX_NOTREADY')], ['a:exited:0', 'b:exited:1']), { killPod: true, createSandbox: true, attempt: 1, start: [1] }],
    ['under OnFailure, a new sandbox for a pod whose containers all succeeded is not made', { restartPolicy: 'OnFailure' }, runtimePod([sandbox(0, 'SANDBOX_NOTREADY')], ['a:exited:0', 'b:exited:0']), { killPod: true, createSandbox: false, start: [] }],
    ['under Never, a pod whose sandbox went away after its containers ran gets no new sandbox', { restartPolicy: 'Never' }, runtimePod([sandbox(0, 'SANDBOX_NOTREADY')], ['a:exited:0', 'b:running']), { killPod: true, createSandbox: false, start: [] }],
    ['a new sandbox for a pod with init containers starts the first init container again', { initContainers: inits }, runtimePod([sandbox(0, 'SANDBOX_NOTREADY')], ['i2:exited:0', 'i1:exited:0', 'a:running', 'b:running']), { killPod: true, createSandbox: true, attempt: 1, init: 'i1', start: [] }],
    ['starts the init container after the last one that succeeded', { initContainers: inits }, runtimePod([sandbox(0)], ['i1:exited:0']), { killPod: false, createSandbox: false, init: 'i2', start: [] }],
    ['waits while an init container runs', { initContainers: inits }, runtimePod([sandbox(0)], ['i2:running', 'i1:exited:0']), { killPod: false, init: undefined, start: [], kill: [] }],
    ['starts a failed init container again under Always', { initContainers: inits }, runtimePod([sandbox(0)], ['i2:exited:1', 'i1:exited:0']), { killPod: false, init: 'i2', start: [] }],
    ['starts an init container left created or unknown again', { initContainers: inits }, runtimePod([sandbox(0)], ['i2:unknown', 'i1:exited:0']), { killPod: false, init: 'i2', start: [] }],
    ['kills the pod when an init container failed under Never', { initContainers: inits, restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['i2:exited:1', 'i1:exited:0']), { killPod: true, createSandbox: false, start: [] }],
    ['starts the regular containers once every init container succeeded', { initContainers: inits }, runtimePod([sandbox(0)], ['i2:exited:0', 'i1:exited:0']), { killPod: false, init: undefined, start: [0, 1] }],
    ['no longer looks at init containers once a regular container has started', { initContainers: inits }, runtimePod([sandbox(0)], ['a:running', 'i2:exited:1', 'i1:exited:0']), { killPod: false, init: undefined, start: [1] }],
    ['keeps a ready newest sandbox, whatever older sandboxes that are not ready are there', {}, runtimePod([sandbox(1), sandbox(0, 'SANDBOX_NOTREADY')], ['a:running', 'b:running']), { killPod: false, createSandbox: false, attempt: 1, start: [], kill: [] }],
    ['under Never, a pod whose sandbox went away before any container was made gets a new one (attempt + 1)', { restartPolicy: 'Never' }, runtimePod([sandbox(0, 'SANDBOX_NOTREADY')], []), { killPod: true, createSandbox: true, attempt: 1, start: [0, 1] }],
    ['under Never, a pod with no sandbox at all gets its first one (attempt 0), whatever containers the runtime still has of it', { restartPolicy: 'Never' }, runtimePod([], ['a:exited:1']), { killPod: true, createSandbox: true, attempt: 0, start: [0, 1] }],
    ['starts the first init container again after it failed', { initContainers: inits }, runtimePod([sandbox(0)], ['i1:exited:1']), { killPod: false, init: 'i1', start: [] }],
    ['kills the pod when the first init container failed under Never', { initContainers: inits, restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['i1:exited:1']), { killPod: true, createSandbox: false, init: undefined, start: [] }],
    ['kills the pod when an init container is in an unknown state under Never: unknown counts as failed', { initContainers: inits, restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['i2:unknown', 'i1:exited:0']), { killPod: true, init: undefined, start: [] }],
    ['starts again an init container that was created but never started, after the last one that exited', { initContainers: inits }, runtimePod([sandbox(0)], ['i2:created', 'i1:exited:0']), { killPod: false, init: 'i2', start: [] }],
    ['starts the first init container when the only one the runtime has of them was created but never started', { initContainers: inits }, runtimePod([sandbox(0)], ['i1:created']), { killPod: false, init: 'i1', start: [] }],
  ])('%s', (_, spec, runtime, expected) => {
    expect(summary(computePodActions(pod(spec), runtime))).toMatchObject(expected);
  });

  it('restarts a running container whose liveness or startup probe failed (not under Never), saying which probe, and keeps the others', () => {
    const probes = { liveness: (id: string) => (id === 'a-2' ? ('Failure' as const) : undefined), startup: (id: string) => (id === 'b-1' ? ('Failure' as const) : undefined) };
    const probed: Partial<PodSpec> = { containers: [{ name: 'a', image: 'kubekata/sleeper', livenessProbe: { exec: { command: ['true'] } } }, { name: 'b', image: 'kubekata/sleeper', startupProbe: { exec: { command: ['true'] } } }] };
    const both = runtimePod([sandbox(0)], ['a:running', 'b:running']);
    expect(computePodActions(pod(probed), both, probes).containersToKill).toEqual([
      { id: 'a-2', name: 'a', reason: 'LivenessProbe', message: 'Container a failed liveness probe, will be restarted' },
      { id: 'b-1', name: 'b', reason: 'StartupProbe', message: 'Container b failed startup probe, will be restarted' },
    ]);
    expect(summary(computePodActions(pod(probed), both, probes))).toMatchObject({ killPod: false, start: [0, 1] });
    const never = computePodActions(pod({ ...probed, restartPolicy: 'Never' }), both, probes);
    expect([never.containersToKill.map((k) => k.message), never.containersToStart, never.killPod]).toEqual([['Container a failed liveness probe', 'Container b failed startup probe'], [], true]);
    // a container without the probe is not asked
    expect(computePodActions(pod({}), both, probes).containersToKill).toEqual([]);
  });

  it.each<[string, Partial<PodSpec>, Run[], boolean]>([
    ['a container that never ran: yes, even under Never', { restartPolicy: 'Never' }, [], true],
    ['a running container: no', {}, ['a:running'], false],
    ['one only created, even under Never: yes', { restartPolicy: 'Never' }, ['a:created'], true],
    ['one in an unknown state, even under Never: yes', { restartPolicy: 'Never' }, ['a:unknown'], true],
    ['one that exited, with no restart policy given (Always): yes, even after an exit of 0', {}, ['a:exited:0'], true],
    ['one that exited 0 under OnFailure: no', { restartPolicy: 'OnFailure' }, ['a:exited:0'], false],
    ['one that exited 1 under OnFailure: yes', { restartPolicy: 'OnFailure' }, ['a:exited:1'], true],
    ['one that exited 1 under Never: no', { restartPolicy: 'Never' }, ['a:exited:1'], false],
    ['its newest run decides: an older failed run does not matter while it runs', { restartPolicy: 'OnFailure' }, ['a:running', 'a:exited:1'], false],
  ])('shouldContainerBeRestarted (upstream\'s ShouldContainerBeRestarted): %s', (_, spec, runs, expected) => {
    expect(shouldContainerBeRestarted({ name: 'a', image: 'kubekata/sleeper' }, pod(spec), runtimePod([sandbox(0)], runs))).toBe(expected);
  });

  it('asks the probes only about containers that have them, keeps a container whose probes say Success, and does without probe verdicts at all', () => {
    const probed: Partial<PodSpec> = { containers: [{ name: 'a', image: 'kubekata/sleeper', livenessProbe: { exec: { command: ['true'] } } }, { name: 'b', image: 'kubekata/sleeper', startupProbe: { exec: { command: ['true'] } } }] };
    const both = runtimePod([sandbox(0)], ['a:running', 'b:running']);
    const fine = { liveness: () => 'Success' as const, startup: () => 'Success' as const };
    expect(summary(computePodActions(pod(probed), both, fine))).toMatchObject({ killPod: false, start: [], kill: [] });
    expect(summary(computePodActions(pod(probed), both))).toMatchObject({ killPod: false, start: [], kill: [] });
  });

  it('says why it kills a container in an unknown state before it starts it again, in upstream\'s words', () => {
    expect(computePodActions(pod({}), runtimePod([sandbox(0)], ['a:running', 'b:unknown'])).containersToKill).toEqual([
      { id: 'b-1', name: 'b', reason: 'Unknown', message: 'Container is in "unknown" state, try killing it before restart' },
    ]);
  });

  it('starts nothing for a pod being deleted', () => {
    const deleting: Pod = { ...pod({}), metadata: { ...pod({}).metadata, deletionTimestamp: T(START) } };
    expect(summary(computePodActions(deleting, runtimePod([sandbox(0)], ['a:exited:1', 'b:created'])))).toMatchObject({ start: [], killPod: true });
  });

  // Ephemeral containers (kubectl debug): `d1` and `d2`, added to the pod while it ran.
  const debuggers = { ephemeralContainers: [{ name: 'd1', image: 'kubekata/sleeper' }, { name: 'd2', image: 'kubekata/sleeper' }] };
  it.each<[string, Partial<PodSpec>, RuntimePod, object]>([
    ['starts the ephemeral containers the runtime has no run of, beside the running containers, which it keeps', debuggers, runtimePod([sandbox(0)], ['a:running', 'b:running']), { killPod: false, start: [], ephemeral: [0, 1] }],
    ['starts only the ephemeral container that never ran: one that exited or runs is never started again, whatever the restart policy', debuggers, runtimePod([sandbox(0)], ['d1:exited:1', 'a:running', 'b:running']), { killPod: false, start: [], ephemeral: [1] }],
    ['does not start an ephemeral container again after it exited 0 under Always', { ephemeralContainers: debuggers.ephemeralContainers.slice(0, 1) }, runtimePod([sandbox(0)], ['d1:exited:0', 'a:running', 'b:running']), { start: [], ephemeral: [] }],
    ['starts an ephemeral container while an init container runs: it is for looking at a pod stuck there', { ...debuggers, initContainers: inits }, runtimePod([sandbox(0)], ['i1:running']), { killPod: false, init: undefined, start: [], ephemeral: [0, 1] }],
    ['starts an ephemeral container beside the next init container', { ...debuggers, initContainers: inits }, runtimePod([sandbox(0)], ['i1:exited:0']), { init: 'i2', ephemeral: [0, 1] }],
    ['starts no ephemeral container in a pod it kills (under Never, every container exited)', { ...debuggers, restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['a:exited:0', 'b:exited:1']), { killPod: true, start: [], ephemeral: [] }],
    ['starts no ephemeral container in a pod it kills for an init container that failed under Never', { ...debuggers, initContainers: inits, restartPolicy: 'Never' }, runtimePod([sandbox(0)], ['i1:exited:1']), { killPod: true, ephemeral: [] }],
    ['starts no ephemeral container with a new sandbox: the sync after it does', debuggers, runtimePod([sandbox(0, 'SANDBOX_NOTREADY')], ['a:running', 'b:running']), { killPod: true, createSandbox: true, start: [0, 1], ephemeral: [] }],
  ])('%s', (_, spec, runtime, expected) => {
    const actions = computePodActions(pod(spec), runtime);
    expect({ ...summary(actions), ephemeral: actions.ephemeralContainersToStart }).toMatchObject(expected);
  });

  it.each<[string, Run[], number[]]>([
    ['all of them when the runtime has nothing of the pod', [], [0, 1]],
    ['none that ran, whether it runs, exited, is unknown or was only created', ['d1:created', 'd2:unknown'], []],
    ['those without a run, whatever the regular containers do', ['a:exited:1', 'd2:exited:0', 'b:running'], [0]],
  ])('ephemeralContainersToStart: %s', (_, runs, expected) => {
    expect(ephemeralContainersToStart(pod(debuggers), runtimePod([sandbox(0)], runs))).toEqual(expected);
  });

  // Metamorphic: adding ephemeral containers to a pod changes nothing of its plan but which of
  // them start; and none starts twice.
  const states = ['running', 'created', 'exited:0', 'exited:1', 'unknown'] as const;
  const runOf = (name: string) => fc.option(fc.constantFrom(...states).map((state): Run => `${name}:${state}` as Run), { nil: undefined });
  const withoutEphemeral = ({ ephemeralContainersToStart: _, ...rest }: ReturnType<typeof computePodActions>) => rest;
  test.prop([
    fc.constantFrom<Partial<PodSpec>>({}, { restartPolicy: 'Never' }, { restartPolicy: 'OnFailure' }, { initContainers: inits }),
    fc.tuple(runOf('i1'), runOf('i2'), runOf('a'), runOf('b')),
    fc.tuple(runOf('d1'), runOf('d2'), runOf('d3')),
    fc.constantFrom<RuntimePod['sandboxes'][number]['state']>('SANDBOX_READY', 'SANDBOX_NOTREADY'),
  ])('ephemeral containers change nothing of the plan but which of them start, and only those that never ran start', (spec, regular, ephemeral, sandboxState) => {
    const runs = [...regular, ...ephemeral].filter((run): run is Run => run !== undefined);
    const runtime = runtimePod([sandbox(0, sandboxState)], runs);
    const names = ['d1', 'd2', 'd3'];
    const plain = computePodActions(pod(spec), runtime);
    const debugged = computePodActions(pod({ ...spec, ephemeralContainers: names.map((name) => ({ name, image: 'kubekata/sleeper' })) }), runtime);
    expect(withoutEphemeral(debugged)).toEqual(withoutEphemeral(plain));
    for (const i of debugged.ephemeralContainersToStart) expect(ephemeral[i], names[i]).toBeUndefined();
    if (debugged.killPod) expect(debugged.ephemeralContainersToStart).toEqual([]);
  });
});

describe('the grace period a pod is stopped with (effectiveGracePeriod)', () => {
  const pod = (deletionGracePeriodSeconds: number | undefined, terminationGracePeriodSeconds: number | undefined, withSpec = true): Pod =>
    ({
      metadata: { name: 'web', namespace: 'default', ...(deletionGracePeriodSeconds !== undefined && { deletionGracePeriodSeconds }) },
      ...(withSpec && { spec: { containers: [{ name: 'app', image: 'kubekata/echo' }], ...(terminationGracePeriodSeconds !== undefined && { terminationGracePeriodSeconds }) } }),
    }) as Pod;
  const cases: [string, Pod, number][] = [
    ["the deletion's grace period wins over the spec's", pod(5, 60), 5],
    ["a deletion's grace period of 0 is not used: the spec's is", pod(0, 20), 20],
    ["a negative deletion grace period is not used either", pod(-3, 10), 10],
    ['without a deletion grace period, the spec\'s', pod(undefined, 20), 20],
    ['with neither, 30 seconds', pod(undefined, undefined), 30],
    ['a pod with no spec at all gets 30 seconds', pod(undefined, undefined, false), 30],
    ['never less than 1 second, even with a spec that says 0', pod(undefined, 0), 1],
  ];
  for (const [name, input, seconds] of cases) it(name, () => expect(effectiveGracePeriod(input)).toBe(seconds));
});

describe('the pod workers', () => {
  it('sends a failed sync to onError with its key, and goes on: the next update syncs again', async () => {
    const errors: string[] = [];
    let syncs = 0;
    const workers = new PodWorkers(
      async (uid) => {
        syncs++;
        if (syncs === 1) throw new Error(`the sync of ${uid} failed`);
      },
      (uid, error) => errors.push(`${uid}: ${(error as Error).message}`),
    );
    workers.update('a');
    await workers.idle();
    workers.update('a');
    await workers.idle();
    expect([errors, syncs]).toEqual([['a: the sync of a failed'], 2]);
  });

  it('never syncs inside update(): the sync starts after the caller\'s own changes of that turn are done', async () => {
    const seen: string[] = [];
    let state = 'before';
    const workers = new PodWorkers(async (uid) => {
      seen.push(`${uid} ${state}`);
    });
    workers.update('a');
    state = 'after';
    await workers.idle();
    expect(seen).toEqual(['a after']);
  });

  it('never runs two syncs of one pod at once, and folds the updates that come during one into one more', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let first = true;
    const workers = new PodWorkers(async (uid) => {
      log.push(`start ${uid}`);
      if (first) {
        first = false;
        await gate;
      }
      log.push(`end ${uid}`);
    });
    workers.update('a');
    await Promise.resolve();
    await Promise.resolve();
    workers.update('a');
    workers.update('a');
    workers.update('b');
    release();
    await workers.idle();
    expect(log.filter((l) => l.endsWith('a'))).toEqual(['start a', 'end a', 'start a', 'end a']);
    expect(log).toContain('end b');
  });
});

// ---------------------------------------------------------------------------------------------
describe('the kubelet on a fake runtime', () => {
  it('runs a pod bound to its node: a sandbox with its own IP, the container, and the status Running and Ready', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const pod = await node.pod('web');
    expect(pod.status).toMatchObject({
      phase: 'Running',
      hostIP: '127.0.0.1',
      hostIPs: [{ ip: '127.0.0.1' }],
      podIP: '127.0.1.2',
      podIPs: [{ ip: '127.0.1.2' }],
      startTime: T(START),
    });
    expect(pod.status!.conditions!.map((c) => `${c.type}=${c.status}`)).toEqual(['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    const [status] = pod.status!.containerStatuses!;
    expect(status).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: 'kubekata/sleeper', imageID: 'kubekata/sleeper', state: { running: { startedAt: T(START) } } });
    expect(status!.containerID).toMatch(/^kubekata:\/\/[0-9a-f]{64}$/);
    const containers = await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    expect(containers.map((c) => [c.metadata.name, c.metadata.attempt])).toEqual([['app', 0]]);
    expect(await node.events('web')).toEqual(['Pulled: Container image "kubekata/sleeper" already present on machine', 'Created: Created container app', 'Started: Started container app']);
  });

  it('runs a pod with hostNetwork on the node\'s network: its IP is the node\'s, and a pod beside it still gets its own', async () => {
    const node = await startNode();
    const agent = podOn(NODE, 'agent');
    agent.spec!.hostNetwork = true;
    await node.client.pods('default').create(agent);
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const running = await node.pod('agent');
    expect(running.status).toMatchObject({ phase: 'Running', hostIP: '127.0.0.1', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] });
    expect(running.status?.conditions?.find((c) => c.type === 'PodReadyToStartContainers')?.status).toBe('True');
    expect((await node.pod('web')).status?.podIP).toBe('127.0.1.2');
  });

  it('leaves alone the pods of other nodes and the pods not yet scheduled', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn('node-2', 'elsewhere'));
    await node.client.pods('default').create({ ...podOn(NODE, 'unscheduled'), spec: { containers: [{ name: 'app', image: 'kubekata/sleeper' }] } });
    await node.settle();
    expect(await node.runtime.listPodSandbox()).toEqual([]);
    expect((await node.pod('elsewhere')).status?.phase).toBe('Pending');
  });

  it('starts a pod once the scheduler binds it to this node', async () => {
    const node = await startNode();
    const created = await node.client.pods('default').create({ ...podOn(NODE, 'later'), spec: { containers: [{ name: 'app', image: 'kubekata/sleeper' }] } });
    await node.settle();
    await node.client.pods('default').update({ ...created, spec: { ...created.spec!, nodeName: NODE } });
    await node.settle();
    expect((await node.pod('later')).status?.phase).toBe('Running');
  });

  it('runs init containers one at a time, in order, each to success, and only then the containers', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/init', { exitAfterMs: 5_000, exitCode: 0 });
    await node.client.pods('default').create(
      podOn(NODE, 'inits', {
        initContainers: [
          { name: 'first', image: 'test/init' },
          { name: 'second', image: 'test/init' },
        ],
      }),
    );
    await node.settle();
    let pod = await node.pod('inits');
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.initContainerStatuses?.map((s) => Object.keys(s.state!)[0])).toEqual(['running', 'waiting']);
    // an init container that is running has started but is not ready: only its success makes it ready
    expect(pod.status?.initContainerStatuses?.map((s) => [s.started, s.ready])).toEqual([[true, false], [false, false]]);
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ state: { waiting: { reason: 'PodInitializing' } }, started: false, ready: false });
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', message: 'containers with incomplete status: [first second]' });
    await node.advance(5_000);
    pod = await node.pod('inits');
    expect(pod.status?.initContainerStatuses?.map((s) => Object.keys(s.state!)[0])).toEqual(['terminated', 'running']);
    await node.advance(5_000);
    pod = await node.pod('inits');
    expect(pod.status?.initContainerStatuses?.map((s) => [s.state?.terminated?.reason, s.ready, s.started])).toEqual([['Completed', true, false], ['Completed', true, false]]);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'True' });
    // An init container's events point at it where the spec lists it (upstream's field path).
    const fieldPaths = [...new Set((await node.eventObjects('inits')).map((e) => e.involvedObject.fieldPath))].sort();
    expect(fieldPaths).toEqual(['spec.containers{app}', 'spec.initContainers{first}', 'spec.initContainers{second}']);
  });

  it('starts an ephemeral container added to a running pod (kubectl debug) once, reports it apart, and never starts it again after it exits', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/debug', { exitAfterMs: 3_000, exitCode: 2 });
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const running = await node.pod('web');
    // what the apiserver's ephemeralcontainers subresource writes
    node.registry.update<Pod>('pods', 'default', { ...running, spec: { ...running.spec!, ephemeralContainers: [{ name: 'debugger', image: 'test/debug' }] } });
    await node.settle();
    let pod = await node.pod('web');
    expect(pod.status?.ephemeralContainerStatuses).toEqual([expect.objectContaining({ name: 'debugger', ready: false, restartCount: 0, state: { running: { startedAt: T(START) } } })]);
    expect(pod.status?.containerStatuses?.map((s) => [s.name, s.ready])).toEqual([['app', true]]);
    await node.advance(60_000);
    pod = await node.pod('web');
    expect(pod.status?.ephemeralContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 2 });
    expect(pod.status?.phase).toBe('Running');
    const runs = (await node.runtime.listContainers({})).filter((c) => c.metadata.name === 'debugger');
    expect(runs.map((c) => c.state)).toEqual(['CONTAINER_EXITED']);
    const debuggerEvents = (await node.eventObjects('web')).filter((e) => e.involvedObject.fieldPath === 'spec.ephemeralContainers{debugger}').map((e) => e.reason);
    expect(debuggerEvents).toEqual(['Pulled', 'Created', 'Started']);
  });

  it('restarts a crashed container at once the first time, then after 10 s of CrashLoopBackOff, with lastState and restartCount', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 2_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    await node.advance(2_000); // first exit: restarted at once
    let status = (await node.pod('crashy')).status!.containerStatuses![0]!;
    expect(status.restartCount).toBe(1);
    expect(status.state?.running).toBeDefined();
    expect(status.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    await node.advance(2_000); // second exit: back-off 10 s
    const pod = await node.pod('crashy');
    status = pod.status!.containerStatuses![0]!;
    expect(status.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=app pod=crashy_default(${pod.metadata.uid})` } });
    expect(status.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error', startedAt: T(START + 2_000), finishedAt: T(START + 4_000) });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', message: 'containers with unready status: [app]' });
    await node.advance(9_999);
    expect((await node.pod('crashy')).status!.containerStatuses![0]!.restartCount).toBe(1);
    await node.advance(1);
    status = (await node.pod('crashy')).status!.containerStatuses![0]!;
    expect(status.restartCount).toBe(2);
    expect(status.state?.running?.startedAt).toBe(T(START + 14_000));
    expect(await node.events('crashy')).toContain(`BackOff: Back-off restarting failed container app in pod crashy_default(${pod.metadata.uid})`);
  });

  it('writes what the runtime shows before it acts, as `kubectl get pods -w` sees on a cluster: ContainerCreating before Running, Error before each restart', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 2_000, exitCode: 3 });
    const story = watchStatuses(node, 'crashy');
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    await node.advance(4_000); // the first exit, the restart, the second exit
    expect(await story.stop()).toEqual([
      'Pending ContainerCreating 0',
      'Running Running 0',
      'Running Error 0',
      'Running Running 1',
      'Running Error 1',
      'Running CrashLoopBackOff 1',
    ]);
  });

  it('records one BackOff event for one back-off: its own status write coming back through the watch is not a sync', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 2_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    await node.advance(4_000); // the second exit: 10 s of back-off
    const backOffs = async () => (await node.events('crashy')).filter((e) => e.startsWith('BackOff:')).length;
    expect(await backOffs()).toBe(1);
    await node.advance(9_999);
    expect(await backOffs()).toBe(1);
    await node.client.pods('default').create(podOn(NODE, 'typo', { containers: [{ name: 'app', image: 'nginx:1.27' }] }));
    await node.settle();
    expect((await node.events('typo')).filter((e) => e.startsWith('BackOff:'))).toEqual(['BackOff: Back-off pulling image "nginx:1.27"']);
  });

  it('counts a repeated event on the Event it wrote before, as a node does (`kubectl describe pod` prints "(x3 over 14s)"), and keeps events that differ apart', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 2_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    await node.advance(14_000); // started at 0, again at 2 s, then after 10 s of back-off at 14 s
    const events = await node.eventObjects('crashy');
    const started = events.filter((e) => e.reason === 'Started');
    expect(started.map((e) => [e.message, e.count, e.firstTimestamp, e.lastTimestamp, e.involvedObject.fieldPath]), 'one Started event, counted three times').toEqual([
      ['Started container app', 3, T(START), T(START + 14_000), 'spec.containers{app}'],
    ]);
    expect(events.filter((e) => e.reason === 'Created').map((e) => e.count)).toEqual([3]);
    await node.client.pods('default').create(podOn(NODE, 'other', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    expect((await node.eventObjects('other')).filter((e) => e.reason === 'Started').map((e) => e.count), 'another pod: an Event of its own').toEqual([1]);
    // The kubelet does not wait for its events: two records of the same one at once still count on one Event.
    const other = await node.pod('other');
    await Promise.all([1, 2].map(() => node.kubelet.events.record(other, 'Warning', 'Unhealthy', 'Readiness probe failed: twice at once', 'app')));
    expect((await node.eventObjects('other')).filter((e) => e.reason === 'Unhealthy').map((e) => e.count)).toEqual([2]);
  });

  it('writes its status again 10 s after the API showed another: the kubelet is the source of truth of a pod\'s status', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const pod = await node.pod('web');
    expect(pod.status?.phase).toBe('Running');
    await node.client.pods('default').updateStatus({ ...pod, status: { phase: 'Pending' } });
    await node.advance(STATUS_RECONCILE_MS - 1);
    expect((await node.pod('web')).status, 'not at once: a status seen in passing may be an own write overtaken by a newer one').toEqual({ phase: 'Pending' });
    await node.advance(1);
    expect(await node.pod('web')).toMatchObject({ status: { phase: 'Running', podIP: pod.status!.podIP, containerStatuses: [{ name: 'app', ready: true }] } });
  });

  it('keeps a condition someone else wrote (an eviction\'s DisruptionTarget) through its own writes, and writes nothing again for it', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 20_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'web', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    const pod = await node.pod('web');
    const disruption = { type: 'DisruptionTarget', status: 'True' as const, reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: T(START) };
    await node.client.pods('default').updateStatus({ ...pod, status: { ...pod.status, conditions: [...(pod.status?.conditions ?? []), disruption] } });
    const resourceVersion = (await node.pod('web')).metadata.resourceVersion;
    await node.advance(STATUS_RECONCILE_MS);
    expect((await node.pod('web')).metadata.resourceVersion, 'a condition that is not the kubelet\'s is no reason to write its status again').toBe(resourceVersion);
    await node.advance(20_000); // the container exits: the kubelet writes its status
    const after = await node.pod('web');
    expect(after.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 'the kubelet wrote after the exit').toBe(3);
    expect(after.status?.conditions?.[0]).toStrictEqual(disruption);
  });

  it('writes again a status it could not write while the apiserver was down, 10 s after the relist showed the API holding an older one', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 20_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    expect((await node.pod('crashy')).status?.containerStatuses?.[0]).toMatchObject({ restartCount: 0, ready: true });
    node.apiserver.down();
    await node.advance(20_000); // the first exit, restarted at once: a status the kubelet cannot write
    expect((await node.pod('crashy')).status?.containerStatuses?.[0]).toMatchObject({ restartCount: 0, ready: true });
    node.apiserver.up();
    await node.advance(1_000); // the kubelet's next list, a second after the failed one: the API's status is not its own
    await node.advance(STATUS_RECONCILE_MS);
    expect((await node.pod('crashy')).status?.containerStatuses?.[0]).toMatchObject({ restartCount: 1, ready: true, lastState: { terminated: { exitCode: 3 } } });
  });

  it('does not restart under Never: the pod is Failed, its sandbox stopped and its IP given back', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/fail', { exitAfterMs: 1_000, exitCode: 1 });
    await node.client.pods('default').create(podOn(NODE, 'once', { restartPolicy: 'Never', containers: [{ name: 'app', image: 'test/fail' }] }));
    await node.settle();
    await node.advance(1_000);
    const pod = await node.pod('once');
    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } });
    expect((await node.runtime.listPodSandbox()).map((s) => s.state)).toEqual(['SANDBOX_NOTREADY']);
    await node.advance(600_000);
    expect(await node.runtime.listContainers()).toHaveLength(1);
  });

  it('under OnFailure restarts a failure but not a success, and then the pod Succeeded for good', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/job', { exitAfterMs: 1_000, exitCode: 0 });
    await node.client.pods('default').create(podOn(NODE, 'job', { restartPolicy: 'OnFailure', containers: [{ name: 'app', image: 'test/job' }] }));
    await node.settle();
    await node.advance(1_000);
    const pod = await node.pod('job');
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    await node.advance(60_000);
    expect((await node.pod('job')).status?.phase).toBe('Succeeded');
  });

  it('fails a pull of an image no registry has with ErrImagePull, shows ImagePullBackOff until the next pull (a failed sync is retried after 10 s), and pulls again after 10 s, then 20 s', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'typo', { containers: [{ name: 'app', image: 'nginx:1.27' }] }));
    await node.settle();
    const pulls = async () => (await node.events('typo')).filter((e) => e === 'Failed: Error: ErrImagePull').length;
    const pod = await node.pod('typo');
    expect(pod.status?.phase).toBe('Pending');
    expect(await pulls()).toBe(1);
    const failed = 'Failed: Failed to pull image "nginx:1.27": it is not in the local registry; the images are kubekata/crasher, kubekata/echo, kubekata/logger, kubekata/node, kubekata/sleeper (tags: latest, 1.0)';
    const firstEvents = await node.events('typo');
    // As upstream's image manager says it: Pulling, then the pull's failure, then the container's error.
    expect(firstEvents.slice(0, 3)).toEqual(['Pulling: Pulling image "nginx:1.27"', failed, 'Failed: Error: ErrImagePull']);
    // The sandbox's start woke the worker once more (upstream's PLEG): now it is backing off.
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ImagePullBackOff');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toMatch(/^Back-off pulling image "nginx:1.27": Failed to pull image "nginx:1.27"/);
    expect(await node.events('typo')).toEqual(expect.arrayContaining(['BackOff: Back-off pulling image "nginx:1.27"', 'Failed: Error: ImagePullBackOff']));
    await node.advance(9_999);
    expect(await pulls()).toBe(1);
    await node.advance(1);
    expect(await pulls()).toBe(2);
    const waiting = async () => (await node.pod('typo')).status?.containerStatuses?.[0]?.state?.waiting?.reason;
    expect(await waiting()).toBe('ErrImagePull');
    // A sync that left a container unable to start is tried again 10 s later: still backing off, it says so.
    await node.advance(10_000);
    expect([await waiting(), await pulls()]).toEqual(['ImagePullBackOff', 2]);
    await node.advance(9_999);
    expect(await pulls()).toBe(2);
    await node.advance(1);
    expect(await pulls()).toBe(3);
  });

  it('gives each event upstream\'s type: Normal for what went as it should and for an image\'s back-off, Warning for every failure and a crash\'s back-off', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 2_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.client.pods('default').create(podOn(NODE, 'typo', { containers: [{ name: 'app', image: 'nginx:1.27' }] }));
    await node.settle();
    await node.advance(4_000);
    await node.client.pods('default').delete('web');
    await node.settle();
    const kinds = async (name: string) => [...new Set((await node.eventObjects(name)).map((e) => `${e.type} ${e.reason}`))].sort();
    expect(await kinds('web')).toEqual(['Normal Created', 'Normal Killing', 'Normal Pulled', 'Normal Started']);
    expect(await kinds('crashy')).toEqual(['Normal Created', 'Normal Pulled', 'Normal Started', 'Warning BackOff']);
    expect(await kinds('typo')).toEqual(['Normal BackOff', 'Normal Pulling', 'Warning Failed']);
    expect((await node.eventObjects('web')).every((e) => e.source?.component === 'kubelet' && e.source.host === NODE && e.involvedObject.fieldPath === 'spec.containers{app}')).toBe(true);
  });

  it.each([
    { step: 'createContainer', reason: 'CreateContainerError', failure: (message: string) => new RuntimeError('Unknown', message) },
    { step: 'createContainer', reason: 'CreateContainerConfigError', failure: (message: string) => new ContainerConfigError(message) },
    { step: 'startContainer', reason: 'RunContainerError', failure: (message: string) => new RuntimeError('Unknown', message) },
  ] as const)('shows a container the runtime cannot $step waiting $reason with the runtime\'s message, says "Error: ..." in a Warning, and tries again at the next sync', async ({ step, reason, failure }) => {
    const clock = new FakeClock(START);
    let failures = 2; // the first sync, and the one the sandbox's start wakes (upstream's PLEG)
    const runtime = new FakeRuntime({ clock, podCIDR: '127.0.1.0/24' });
    const real = runtime[step].bind(runtime) as (...args: never[]) => Promise<never>;
    Object.assign(runtime, {
      [step]: async (...args: never[]) => {
        if (failures-- > 0) throw failure(`the runtime could not ${step === 'createContainer' ? 'create' : 'start'} it: disk full`);
        return real(...args);
      },
    });
    const node = await TestNode.start({ clock, runtime });
    nodes.push(node);
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.advance(10_000);
    const message = `the runtime could not ${step === 'createContainer' ? 'create' : 'start'} it: disk full`;
    // Every status the kubelet wrote, from the store's history: the failed syncs' among them.
    const history = node.registry.watch<Pod>('pods', 'default', { resourceVersion: '1' }).poll();
    const waitingStates = history.map((e) => (e.object as Pod).status?.containerStatuses?.[0]?.state?.waiting).filter((w) => w?.reason);
    expect(waitingStates).toContainEqual({ reason, message });
    const failed = (await node.eventObjects('web')).filter((e) => e.reason === 'Failed');
    expect(failed.map((e) => `${e.type} ${e.message} x${e.count ?? 1}`)).toEqual([`Warning Error: ${message} x2`]);
    // Tried again: running now. A container created and never started still counts as a run (upstream's restartCount).
    const status = (await node.pod('web')).status?.containerStatuses?.[0];
    expect(status?.state?.running).toBeDefined();
    expect(status?.restartCount).toBe(step === 'createContainer' ? 0 : 2);
  });

  it('measures a back-off from the newest run that exited (upstream\'s doBackOff): a run that could not start is passed over, so the retry waits out the back-off of the run before it', async () => {
    const clock = new FakeClock(START);
    const runtime = new FakeRuntime({ clock, podCIDR: '127.1.23.0/24' });
    runtime.setBehavior('test/crash', { exitAfterMs: 1_000, exitCode: 3 });
    let starts = 0;
    const real = runtime.startContainer.bind(runtime);
    runtime.startContainer = async (id: string) => {
      if (++starts === 2) throw new RuntimeError('Unknown', 'the runtime could not start it: disk full');
      return real(id);
    };
    const node = await TestNode.start({ clock, runtime });
    nodes.push(node);
    await node.client.pods('default').create(podOn(NODE, 'web', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    const state = async () => (await node.pod('web')).status?.containerStatuses?.[0]?.state;
    const backOff = (seconds: number) => ({ waiting: { reason: 'CrashLoopBackOff', message: expect.stringMatching(new RegExp(`^back-off ${seconds}s restarting failed container=app `)) } });
    // The first exit: started again at once (a back-off of 10 s begins), but that start fails. The
    // sync its created run wakes passes over that run, which never ran, and finds the first run's exit.
    await node.advance(1_000);
    expect(await node.events('web')).toContain('Failed: Error: the runtime could not start it: disk full');
    expect(await state(), 'held back from the first run\'s exit, 1 s ago').toEqual(backOff(10));
    await node.advance(9_999);
    expect(await state(), 'still: 10 s after that exit is 1 ms away').toEqual(backOff(10));
    await node.advance(1);
    expect((await node.pod('web')).status?.containerStatuses?.[0]).toMatchObject({ restartCount: 2, state: { running: {} } });
    await node.advance(1_000); // it exits: the back-off doubled when it started
    expect(await state()).toEqual(backOff(20));
  });

  it('deletes gracefully: SIGTERM, the grace period on the clock, SIGKILL, then the kubelet deletes the pod from the API', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'slow', { containers: [{ name: 'app', image: 'test/stubborn' }] }));
    await node.settle();
    const marked = await node.client.pods('default').delete('slow', { gracePeriodSeconds: 5 });
    expect(marked.metadata.deletionTimestamp, 'the apiserver marks a bound pod deleted with a grace period (kata 08: delete asks the given gracefullyMarked first)').toBe(T(START + 5_000));
    await node.settle();
    await node.advance(4_999);
    expect(await node.exists('slow')).toBe(true);
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).length).toBe(1);
    expect(await node.events('slow')).toContain('Killing: Stopping container app');
    await node.advance(1);
    expect(await node.exists('slow')).toBe(false);
    const [container] = await node.runtime.listContainers();
    expect(container === undefined || container.state === 'CONTAINER_EXITED').toBe(true);
  });

  it('stops a pod sooner when its grace period is shortened while it stops (kubectl delete --grace-period=3 after a plain delete): SIGKILL 3 s after the second delete', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'slow', { containers: [{ name: 'app', image: 'test/stubborn' }] }));
    await node.settle();
    await node.client.pods('default').delete('slow');
    await node.settle();
    await node.advance(1_000);
    const shortened = await node.client.pods('default').delete('slow', { gracePeriodSeconds: 3 });
    expect(shortened.metadata.deletionGracePeriodSeconds, 'kata 08: a shorter period named moves the deadline in').toBe(3);
    await node.settle();
    await node.advance(2_999);
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).length, 'still within the 3 s').toBe(1);
    await node.advance(1);
    expect(await node.exists('slow'), 'killed at the shorter deadline and deleted, not 30 s after the first delete').toBe(false);
  });

  it('keeps stopping a pod with its grace period when a delete names a longer one, or none', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'slow', { containers: [{ name: 'app', image: 'test/stubborn' }] }));
    await node.settle();
    await node.client.pods('default').delete('slow', { gracePeriodSeconds: 5 });
    await node.settle();
    await node.advance(1_000);
    await node.client.pods('default').delete('slow', { gracePeriodSeconds: 60 });
    await node.client.pods('default').delete('slow');
    await node.settle();
    await node.advance(3_999);
    expect(await node.exists('slow')).toBe(true);
    await node.advance(1);
    expect(await node.exists('slow')).toBe(false);
  });

  it('makes no final delete of a pod the API removed while its grace period ran (force-deleted meanwhile): there is nothing left to delete', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'slow', { containers: [{ name: 'app', image: 'test/stubborn' }] }));
    await node.settle();
    await node.client.pods('default').delete('slow', { gracePeriodSeconds: 5 });
    await node.advance(2_000);
    await node.client.pods('default').delete('slow', { gracePeriodSeconds: 0 });
    await node.advance(3_000);
    expect([await node.exists('slow'), await node.runtime.listPodSandbox()]).toEqual([false, []]);
    expect(node.apiserver.calls.filter((c) => c === 'delete pods')).toEqual([]);
  });

  /** A stubborn pod being deleted with a 5 s grace period, 1 ms before its container is killed. */
  async function terminating(node: TestNode): Promise<void> {
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'slow', { containers: [{ name: 'app', image: 'test/stubborn' }] }));
    await node.settle();
    await node.client.pods('default').delete('slow', { gracePeriodSeconds: 5 });
    await node.advance(4_999);
  }

  it('deletes a pod whose final status could not be written (the apiserver down) once a retry has written it: the delete never comes before the final status', async () => {
    const node = await startNode();
    await terminating(node);
    node.apiserver.down();
    let phaseWhenDeleted: string | undefined;
    node.apiserver.beforeNext('delete pods', async () => (phaseWhenDeleted = (await node.pod('slow')).status?.phase));
    await node.advance(1); // killed; its final status cannot be written
    await node.advance(30_000); // the sync fails, and is tried again every 10 s
    expect(await node.exists('slow')).toBe(true);
    expect(node.apiserver.calls.filter((c) => c === 'delete pods'), 'no delete while the final status is not written').toEqual([]);
    node.apiserver.up();
    await node.advance(SYNC_RETRY_MS);
    expect(await node.exists('slow'), 'a failed sync is tried again 10 s later').toBe(false);
    expect(phaseWhenDeleted, 'the final status was written before the delete (the same status, written again: the first write got no answer)').toBe('Failed');
  });

  it.each([
    { failing: 'final delete got no answer', fault: (node: TestNode) => node.apiserver.down('delete pods'), phaseMeanwhile: 'Failed' },
    {
      failing: 'final status got a 500 (only NotFound and Conflict end a write)',
      fault: (node: TestNode) => node.apiserver.answerWith(internalError('etcdserver: request timed out'), 'updateStatus pods'),
      phaseMeanwhile: 'Running',
    },
  ])('deletes a pod whose $failing once a retry 10 s after the apiserver answers again makes it', async ({ fault, phaseMeanwhile }) => {
    const node = await startNode();
    await terminating(node);
    fault(node);
    await node.advance(1);
    await node.advance(20_000);
    expect([await node.exists('slow'), (await node.pod('slow')).status?.phase]).toEqual([true, phaseMeanwhile]);
    node.apiserver.up();
    await node.advance(SYNC_RETRY_MS);
    expect(await node.exists('slow')).toBe(false);
  });

  it('deletes only the pod it stopped: one made under the same name just before its final delete is left alone (the uid precondition)', async () => {
    const node = await startNode();
    await terminating(node);
    node.apiserver.beforeNext('delete pods', async () => {
      await node.client.pods('default').delete('slow', { gracePeriodSeconds: 0 });
      await node.client.pods('default').create(podOn('node-2', 'slow'));
    });
    await node.advance(1);
    await node.advance(3 * SYNC_RETRY_MS);
    expect((await node.pod('slow')).spec?.nodeName).toBe('node-2');
  });

  it('stops and removes a pod the API deleted at once (kubectl delete --force --grace-period=0), giving its containers the pod\'s grace period', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'gone', { containers: [{ name: 'app', image: 'test/stubborn' }], terminationGracePeriodSeconds: 3 }));
    await node.settle();
    await node.client.pods('default').delete('gone', { gracePeriodSeconds: 0 });
    await node.advance(2_999);
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).length).toBe(1);
    await node.advance(1);
    expect(await node.runtime.listContainers()).toEqual([]);
    expect(await node.runtime.listPodSandbox()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('the kubelet\'s own loop: its list and watch, its status writes, its bookkeeping', () => {
  /** The runtime's containers of the pod, `name attempt STATE`, by name then attempt. */
  const runs = async (node: TestNode) =>
    (await node.runtime.listContainers()).map((c) => `${c.metadata.name} ${c.metadata.attempt} ${c.state.replace('CONTAINER_', '')}`).sort();

  it('keeps a back-off, a last state and one exited run per container: two containers of one pod that crash restart each on its own clock', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash-a', { exitAfterMs: 2_000, exitCode: 1 });
    node.fake.setBehavior('test/crash-b', { exitAfterMs: 3_000, exitCode: 2 });
    await node.client.pods('default').create(podOn(NODE, 'pair', { containers: [{ name: 'a', image: 'test/crash-a' }, { name: 'b', image: 'test/crash-b' }] }));
    await node.settle();
    await node.advance(3_000); // a exited at 2 s and b at 3 s: the first crash of each restarts it at once
    let statuses = (await node.pod('pair')).status!.containerStatuses!;
    expect(statuses.map((s) => [s.name, s.restartCount, s.state?.running?.startedAt, s.lastState?.terminated?.exitCode])).toEqual([
      ['a', 1, T(START + 2_000), 1],
      ['b', 1, T(START + 3_000), 2],
    ]);
    await node.advance(3_000); // a exited again at 4 s, b at 6 s: 10 s of back-off each, from its own exit
    statuses = (await node.pod('pair')).status!.containerStatuses!;
    expect(statuses.map((s) => [s.name, s.state?.waiting?.message, s.lastState?.terminated?.finishedAt])).toEqual([
      ['a', expect.stringMatching(/^back-off 10s restarting failed container=a /), T(START + 4_000)],
      ['b', expect.stringMatching(/^back-off 10s restarting failed container=b /), T(START + 6_000)],
    ]);
    await node.advance(8_000); // 14 s: a starts again, b still waits
    statuses = (await node.pod('pair')).status!.containerStatuses!;
    expect(statuses.map((s) => [s.name, s.restartCount, Object.keys(s.state!)[0]])).toEqual([
      ['a', 2, 'running'],
      ['b', 1, 'waiting'],
    ]);
    await node.advance(2_000); // 16 s: b starts again, and a crashes a third time: 20 s of back-off
    statuses = (await node.pod('pair')).status!.containerStatuses!;
    expect(statuses.map((s) => [s.name, s.restartCount, s.state?.running?.startedAt ?? s.state?.waiting?.message?.slice(0, 12), s.lastState?.terminated?.exitCode])).toEqual([
      ['a', 2, 'back-off 20s', 1],
      ['b', 2, T(START + 16_000), 2],
    ]);
    // Of each container's exited runs only the newest is kept once it starts again (its lastState); the other container's are its own.
    expect(await runs(node)).toEqual(['a 1 EXITED', 'a 2 EXITED', 'b 1 EXITED', 'b 2 RUNNING']);
  });

  it('restarts a container at the end of its back-off even when something else synced the pod meanwhile (a label changed)', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 2_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    await node.advance(4_000); // the second exit, at 4 s: 10 s of back-off, until 14 s
    await node.advance(3_000);
    const pod = await node.pod('crashy');
    await node.client.pods('default').update({ ...pod, metadata: { ...pod.metadata, labels: { tier: 'web' } } }); // a sync at 7 s
    await node.advance(6_999);
    expect((await node.pod('crashy')).status?.containerStatuses?.[0]?.restartCount).toBe(1);
    await node.advance(1);
    expect((await node.pod('crashy')).status?.containerStatuses?.[0]).toMatchObject({ restartCount: 2, state: { running: { startedAt: T(START + 14_000) } } });
  });

  it('pulls again at the end of an image\'s back-off even when something else synced the pod meanwhile (a label changed)', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'typo', { containers: [{ name: 'app', image: 'nginx:1.27' }] }));
    await node.settle(); // the first pull failed at 0 s: back-off until 10 s
    const pulls = async () => (await node.events('typo')).filter((e) => e === 'Failed: Error: ErrImagePull').length;
    await node.advance(3_000);
    const pod = await node.pod('typo');
    await node.client.pods('default').update({ ...pod, metadata: { ...pod.metadata, labels: { tier: 'web' } } }); // a sync at 3 s
    await node.advance(6_999);
    expect(await pulls()).toBe(1);
    await node.advance(1);
    expect(await pulls()).toBe(2); // at 10 s; the next back-off is 20 s, until 30 s
    await node.advance(3_000);
    const again = await node.pod('typo');
    await node.client.pods('default').update({ ...again, metadata: { ...again.metadata, labels: { tier: 'db' } } }); // a sync at 13 s
    await node.advance(16_999);
    expect(await pulls()).toBe(2);
    await node.advance(1);
    expect(await pulls()).toBe(3);
  });

  it('writes the status of a pod in another namespace than default into that namespace', async () => {
    const node = await startNode();
    const pod = podOn(NODE, 'web');
    await node.client.pods('team-a').create({ ...pod, metadata: { name: 'web', namespace: 'team-a' } });
    await node.settle();
    expect((await node.pod('web', 'team-a')).status).toMatchObject({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true }] });
  });

  it('puts a pod\'s log folder under the kubelet\'s logRoot, as <logRoot>/<namespace>_<name>_<uid> (upstream\'s /var/log/pods)', async () => {
    const node = await TestNode.start({ logRoot: '/var/log/pods' });
    nodes.push(node);
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const { uid } = (await node.pod('web')).metadata;
    const [sandbox] = await node.runtime.listPodSandbox();
    expect((await node.runtime.podSandboxStatus(sandbox!.id)).logDirectory).toBe(`/var/log/pods/default_web_${uid}`);
  });

  it("starts a container its runtime does not know after the runs its log folder holds (a node rebooted): RESTARTS goes on from there, and 0.log is not written over", async () => {
    const logRoot = mkdtempSync(join(tmpdir(), 'kubekata-23-logs-'));
    try {
      const node = await TestNode.start({ logRoot });
      nodes.push(node);
      const { nodeName, ...unbound } = podOn(NODE, 'web').spec!;
      const created = await node.client.pods('default').create({ ...podOn(NODE, 'web'), spec: unbound });
      const folder = join(logRoot, `default_web_${created.metadata.uid}`);
      // What an earlier life of this node left: three runs of app (the last rotated), and files that are no run's.
      mkdirSync(join(folder, 'app', '7.log'), { recursive: true });
      for (const file of ['0.log', '1.log', '2.log.20260101-000000', 'app.log', '10.txt']) writeFileSync(join(folder, 'app', file), '');
      await node.client.pods('default').bind({ metadata: { name: 'web', namespace: 'default' }, target: { kind: 'Node', name: nodeName! } });
      await node.settle();
      const [container] = await node.runtime.listContainers();
      expect(container!.metadata.attempt, 'after 0, 1 and 2 (rotated); not the folder 7.log, nor files that are no run').toBe(3);
      expect((await node.pod('web')).status?.containerStatuses?.[0]?.restartCount).toBe(3);
      const other = await node.client.pods('default').create({ ...podOn(NODE, 'api'), metadata: { name: 'api' } });
      await node.settle();
      expect((await node.pod('api')).status?.containerStatuses?.[0]?.restartCount, `no folder (${other.metadata.name} never ran here): 0`).toBe(0);
    } finally {
      rmSync(logRoot, { recursive: true, force: true });
    }
  });

  it('replaces the sandboxes of a pod that has two ready ones: stops its containers and both sandboxes, and starts the containers in a new one (attempt 2)', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const pod = await node.pod('web');
    // A second ready sandbox of the pod, as a crashed kubelet could leave behind.
    await node.runtime.runPodSandbox(sandboxConfigFor(pod, { attempt: 1 }));
    await node.client.pods('default').update({ ...pod, metadata: { ...pod.metadata, labels: { tier: 'web' } } });
    await node.settle();
    const sandboxes = await node.runtime.listPodSandbox();
    expect(sandboxes.map((s) => `${s.metadata.attempt} ${s.state}`)).toEqual(['0 SANDBOX_NOTREADY', '1 SANDBOX_NOTREADY', '2 SANDBOX_READY']);
    const ready = sandboxes.find((s) => s.state === 'SANDBOX_READY')!;
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).map((c) => [c.metadata.name, c.podSandboxId])).toEqual([['app', ready.id]]);
    expect(await node.events('web')).toContain('Killing: Stopping container app');
    expect((await node.pod('web')).status?.podIP).toBe((await node.runtime.podSandboxStatus(ready.id)).network.ip);
  });

  it.each(['Succeeded', 'Failed'] as const)('never starts a pod the API already shows %s (after a kubelet restart, a finished pod stays finished)', async (phase) => {
    const node = await startNode();
    const created = await node.client.pods('default').create({ ...podOn(NODE, 'done'), spec: { containers: [{ name: 'app', image: 'kubekata/sleeper' }] } });
    const finished = await node.client.pods('default').updateStatus({ ...created, status: { phase } });
    await node.client.pods('default').update({ ...finished, spec: { ...finished.spec!, nodeName: NODE } });
    await node.settle();
    expect(await node.runtime.listPodSandbox()).toEqual([]);
    expect(await node.runtime.listContainers()).toEqual([]);
    expect((await node.pod('done')).status?.phase).toBe(phase);
  });

  it.each([
    { sigtermExitCode: 143, phase: 'Failed' },
    { sigtermExitCode: 0, phase: 'Succeeded' },
  ])('writes a deleted pod\'s final status with a terminal phase before it deletes it: exit $sigtermExitCode on SIGTERM is $phase', async ({ sigtermExitCode, phase }) => {
    const node = await startNode();
    node.fake.setBehavior('test/app', { sigtermExitCode });
    await node.client.pods('default').create(podOn(NODE, 'web', { containers: [{ name: 'app', image: 'test/app' }] }));
    await node.settle();
    await node.client.pods('default').delete('web', { gracePeriodSeconds: 30 });
    await node.settle();
    expect(await node.exists('web')).toBe(false);
    const history = node.registry.watch<Pod>('pods', 'default', { resourceVersion: '1' }).poll();
    const deleted = history.find((e) => e.type === 'DELETED')!.object;
    expect(deleted.status).toMatchObject({ phase, containerStatuses: [{ name: 'app', state: { terminated: { exitCode: sigtermExitCode } } }] });
  });

  it('ends a pod deleted before its container ever ran (ImagePullBackOff) Failed, the container terminated with 137 as ContainerStatusUnknown, then deletes it', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'typo', { containers: [{ name: 'app', image: 'nginx:1.27' }] }));
    await node.settle();
    expect((await node.pod('typo')).status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ImagePullBackOff');
    await node.client.pods('default').delete('typo'); // bound: marked for its 30 s
    await node.settle();
    expect(await node.exists('typo'), 'nothing runs: the kubelet deletes it at once').toBe(false);
    const deleted = node.registry.watch<Pod>('pods', 'default', { resourceVersion: '1' }).poll().find((e) => e.type === 'DELETED')!.object;
    expect(deleted.status).toMatchObject({ phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } } }] });
  });

  it('lists again after its watch ended: a pod force-deleted meanwhile is stopped and removed, a pod bound here meanwhile starts, and another node\'s pod is left alone', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'gone'));
    await node.settle();
    node.apiserver.down(); // the watch ends; the lists fail, once a second
    await node.client.pods('default').delete('gone', { gracePeriodSeconds: 0 }); // force-deleted: the next list lacks it
    await node.client.pods('default').create(podOn(NODE, 'new'));
    await node.client.pods('default').create(podOn('node-2', 'elsewhere'));
    await node.advance(2_000);
    expect((await node.runtime.listPodSandbox()).map((s) => `${s.metadata.name} ${s.state}`)).toEqual(['gone SANDBOX_READY']);
    node.apiserver.up();
    await node.advance(1_000);
    expect((await node.runtime.listPodSandbox()).map((s) => `${s.metadata.name} ${s.state}`)).toEqual(['new SANDBOX_READY']);
    expect((await node.runtime.listContainers()).map((c) => `${c.labels['io.kubernetes.pod.name']} ${c.state}`)).toEqual(['new CONTAINER_RUNNING']);
    expect((await node.pod('elsewhere')).status?.phase).toBe('Pending');
  });

  it('stops a pod its relist finds gone with the grace period of the pod it knew, as one it saw marked: the kill comes before the sandbox goes', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/stubborn', { terminationMs: 'ignore' });
    await node.client.pods('default').create(podOn(NODE, 'gone', { containers: [{ name: 'app', image: 'test/stubborn' }], terminationGracePeriodSeconds: 3 }));
    await node.settle();
    node.apiserver.down(); // the watch ends: the kubelet never sees the pod marked
    await node.client.pods('default').delete('gone', { gracePeriodSeconds: 0 });
    node.apiserver.up();
    await node.advance(1_000); // the relist lacks it
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).length, 'SIGTERM sent; its 3 s are not over').toBe(1);
    await node.advance(3_000);
    expect(await node.runtime.listContainers()).toEqual([]);
    expect(await node.runtime.listPodSandbox()).toEqual([]);
  });

  it('does not sync a pod its relist finds unchanged (upstream\'s pod config sends no update for it): a pod in CrashLoopBackOff records no BackOff for the relist', async () => {
    const node = await startNode();
    node.fake.setBehavior('test/crash', { exitAfterMs: 1_000, exitCode: 3 });
    await node.client.pods('default').create(podOn(NODE, 'crashy', { containers: [{ name: 'app', image: 'test/crash' }] }));
    await node.settle();
    await node.advance(35_000);
    expect((await node.pod('crashy')).status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    const backOffs = () => node.recorded('crashy').filter((e) => e.startsWith('BackOff:')).length;
    const before = backOffs();
    node.apiserver.down(); // the watch ends
    node.apiserver.up(); // and the list after it is answered
    await node.settle();
    expect(node.apiserver.calls.filter((c) => c === 'list pods'), 'it listed again').toHaveLength(2);
    expect(backOffs()).toBe(before);
  });

  it('lists once and then follows its watch: a pod\'s changes come as watch events, not as new lists', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const pod = await node.pod('web');
    await node.client.pods('default').update({ ...pod, metadata: { ...pod.metadata, labels: { tier: 'web' } } });
    await node.client.pods('default').create(podOn(NODE, 'other'));
    await node.settle();
    await node.client.pods('default').delete('other');
    await node.advance(60_000);
    expect((await node.pod('web')).status?.phase).toBe('Running');
    expect(await node.runtime.listPodSandbox()).toHaveLength(1);
    expect(node.apiserver.calls.filter((c) => c === 'list pods' || c === 'watch pods')).toEqual(['list pods', 'watch pods']);
  });

  it('writes a status only when it changed: a sync that finds nothing new writes nothing', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const writes = () => node.apiserver.calls.filter((c) => c === 'updateStatus pods').length;
    const before = writes();
    expect(before).toBeGreaterThan(0);
    const pod = await node.pod('web');
    await node.client.pods('default').update({ ...pod, metadata: { ...pod.metadata, labels: { tier: 'web' } } }); // a sync
    await node.settle();
    expect(writes()).toBe(before);
  });

  it('writes its status again 10 s after the API showed another one, counted from that moment, not from its own write coming back before it', async () => {
    const node = await startNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle(); // its own write came back through the watch: nothing to reconcile
    await node.advance(5_000);
    const pod = await node.pod('web');
    await node.client.pods('default').updateStatus({ ...pod, status: { phase: 'Pending' } });
    await node.advance(STATUS_RECONCILE_MS - 1);
    expect((await node.pod('web')).status).toEqual({ phase: 'Pending' });
    await node.advance(1);
    expect((await node.pod('web')).status?.phase).toBe('Running');
  });

  it('removes what the runtime has of a pod it never knew (deleted while it was down): the sandbox and its containers', async () => {
    const node = await startNode();
    const orphan: Pod = { metadata: { name: 'ghost', namespace: 'default', uid: 'ghost-uid' }, spec: { containers: [{ name: 'app', image: 'kubekata/sleeper' }] } };
    const sandboxId = await node.runtime.runPodSandbox(sandboxConfigFor(orphan));
    const podIP = (await node.runtime.podSandboxStatus(sandboxId)).network.ip;
    await node.runtime.startContainer(await node.runtime.createContainer(sandboxId, containerConfigFor(orphan, orphan.spec!.containers[0]!, { podIP })));
    await node.kubelet.syncPod('ghost-uid');
    expect([await node.runtime.listPodSandbox(), await node.runtime.listContainers()]).toEqual([[], []]);
  });

  it('stops while a list is under way: it answers or fails, and stop() returns without watching or waiting for the clock', async () => {
    for (const failure of [undefined, new Error('connect ECONNREFUSED: the apiserver is down (pods)')]) {
      const node = await startNode();
      const release = node.apiserver.holdLists();
      node.apiserver.down(); // the watch ends: the kubelet lists again, and the list waits
      node.apiserver.up();
      await node.settle();
      let stopped = false;
      const stopping = node.kubelet.stop().then(() => (stopped = true));
      await node.settle();
      expect(stopped).toBe(false);
      release(failure);
      await node.settle();
      expect([stopped, node.clock.nextDue()]).toEqual([true, undefined]);
      await stopping;
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe('properties', () => {
  const kinds = ['absent', 'waiting', 'waiting-after-0', 'waiting-after-1', 'running', 'exited-0', 'exited-1'] as const;
  const statusFor = (name: string, kind: (typeof kinds)[number]): ContainerStatus | undefined =>
    kind === 'absent' ? undefined : kind === 'waiting' ? waiting(name) : kind === 'waiting-after-0' ? waiting(name, 0) : kind === 'waiting-after-1' ? waiting(name, 1) : kind === 'running' ? running(name) : exited(name, kind === 'exited-0' ? 0 : 1);

  test.prop([
    fc.constantFrom('Always', 'OnFailure', 'Never', undefined),
    fc.array(fc.constantFrom(...kinds), { maxLength: 2 }),
    fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 3 }),
    fc.boolean(),
  ])('the phase is the table\'s for every combination of init and regular container states, restart policy and terminal flag', (policy, inits, regular, terminal) => {
    const spec: PodSpec = {
      ...(policy ? { restartPolicy: policy } : {}),
      containers: regular.map((_, i) => ({ name: `c${i}` })),
      ...(inits.length ? { initContainers: inits.map((_, i) => ({ name: `i${i}` })) } : {}),
    };
    const statuses = [...inits.map((k, i) => statusFor(`i${i}`, k)), ...regular.map((k, i) => statusFor(`c${i}`, k))].filter((s): s is ContainerStatus => s !== undefined);
    expect(getPhase(spec, statuses, terminal)).toBe(expectedPhase(spec, statuses, terminal));
  });

  test.prop([fc.constantFrom('Always', 'OnFailure', 'Never' as const), restartCommands()], { numRuns: 40 })(
    'for any sequence of crashes and time passing, restarts happen exactly when the back-off rules say, and restartCount, state, lastState and phase follow',
    async (policy, commands) => {
      const node = await TestNode.start();
      try {
        node.fake.setBehavior('test/app', {});
        await node.client.pods('default').create(podOn(NODE, 'loop', { restartPolicy: policy, containers: [{ name: 'app', image: 'test/app' }] }));
        await node.settle();
        const pod = await node.pod('loop');
        const model: RestartModel = { policy, uid: pod.metadata.uid!, running: true, attempt: 0, startedAt: node.clock.now(), done: false };
        await checkRestarts(model, node);
        await fc.asyncModelRun(() => ({ model, real: node }), commands);
      } finally {
        await node.stop();
      }
    },
    60_000,
  );
});

// ---- the model of restarts and back-off ---------------------------------------------------------

interface RestartModel {
  policy: 'Always' | 'OnFailure' | 'Never';
  uid: string;
  running: boolean;
  attempt: number;
  startedAt: number;
  lastExit?: { code: number; at: number };
  /** the runs before: their exit codes (for lastState once the pod is done) */
  previousExit?: { code: number };
  entry?: { backoff: number; lastUpdate: number };
  waitingUntil?: number;
  waitingDelay?: number;
  done: boolean;
}

/** The restart at `at`: flowcontrol's next() (fresh or stale → 10 s, else doubled, capped), then a new run. */
function restart(model: RestartModel, at: number): void {
  const stale = !model.entry || model.lastExit!.at - model.entry.lastUpdate > 600_000;
  model.entry = { backoff: stale ? 10_000 : Math.min(model.entry!.backoff * 2, 300_000), lastUpdate: at };
  model.running = true;
  model.attempt += 1;
  model.startedAt = at;
  delete model.waitingUntil;
  delete model.waitingDelay;
}

class Crash implements fc.AsyncCommand<RestartModel, TestNode, false> {
  constructor(readonly code: number) {}
  check(model: Readonly<RestartModel>): boolean {
    return model.running;
  }
  async run(model: RestartModel, node: TestNode): Promise<void> {
    const [current] = await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    node.fake.exit(current!.id, this.code);
    await node.settle();
    const now = node.clock.now();
    if (model.lastExit) model.previousExit = { code: model.lastExit.code };
    model.lastExit = { code: this.code, at: now };
    model.running = false;
    const restarts = model.policy === 'Always' || (model.policy === 'OnFailure' && this.code !== 0);
    if (!restarts) model.done = true;
    else {
      const inBackOff = model.entry !== undefined && !(now - model.entry.lastUpdate > 600_000);
      if (inBackOff) {
        model.waitingDelay = model.entry!.backoff;
        model.waitingUntil = now + model.entry!.backoff;
      } else restart(model, now);
    }
    await checkRestarts(model, node);
  }
  toString(): string {
    return `crash(exit ${this.code})`;
  }
}

class Pass implements fc.AsyncCommand<RestartModel, TestNode, false> {
  constructor(readonly seconds: number) {}
  check(): boolean {
    return true;
  }
  async run(model: RestartModel, node: TestNode): Promise<void> {
    const end = node.clock.now() + this.seconds * 1000;
    await node.advance(this.seconds * 1000);
    if (model.waitingUntil !== undefined && model.waitingUntil <= end) restart(model, model.waitingUntil);
    await checkRestarts(model, node);
  }
  toString(): string {
    return `pass(${this.seconds}s)`;
  }
}

function restartCommands() {
  return fc.commands(
    [
      fc.integer({ min: 0, max: 2 }).map((code) => new Crash(code)),
      fc.oneof(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 16, max: 400 }), fc.integer({ min: 590, max: 700 })).map((s) => new Pass(s)),
    ],
    { maxCommands: 20 },
  );
}

/** Compares the runtime's newest container and the pod's status with the model. */
async function checkRestarts(model: RestartModel, node: TestNode): Promise<void> {
  const containers = await node.runtime.listContainers();
  const newest = await node.runtime.containerStatus(containers[containers.length - 1]!.id);
  expect({ attempt: newest.metadata.attempt, running: newest.state === 'CONTAINER_RUNNING', startedAt: newest.startedAt }, 'the newest container').toEqual({
    attempt: model.attempt,
    running: model.running,
    startedAt: model.startedAt,
  });
  const pod = await node.pod('loop');
  const status = pod.status!.containerStatuses![0]!;
  expect(status.restartCount, 'restartCount').toBe(model.attempt);
  if (model.running) expect(status.state, 'state').toEqual({ running: { startedAt: T(model.startedAt) } });
  else if (model.done) expect(status.state?.terminated?.exitCode, 'the terminated state of a pod that will not restart').toBe(model.lastExit!.code);
  else expect(status.state, 'state').toEqual({ waiting: { reason: 'CrashLoopBackOff', message: `back-off ${model.waitingDelay! / 1000 >= 60 ? `${Math.floor(model.waitingDelay! / 60_000)}m${(model.waitingDelay! / 1000) % 60}s` : `${model.waitingDelay! / 1000}s`} restarting failed container=app pod=loop_default(${model.uid})` } });
  const last = model.done ? model.previousExit : model.lastExit;
  expect(status.lastState?.terminated?.exitCode, 'lastState').toBe(last?.code);
  const phase = model.done ? (model.lastExit!.code === 0 ? 'Succeeded' : 'Failed') : 'Running';
  expect(pod.status!.phase, 'phase').toBe(phase);
}
