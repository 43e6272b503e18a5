/**
 * Kata 25 — the node agent. The spec is katas/kubelet/25-node-agent.md.
 *
 * First the parts: allocatable from capacity and reservations, the four conditions, what counts
 * as a changed status, reading a CRI log back. Then a kubelet as a node agent on a FakeRuntime,
 * a real registry and the fake clock: it registers its Node, renews its Lease every 10 s, posts
 * its status when it changes or every 5 minutes, and a restarted kubelet adopts the containers
 * the runtime still runs. Then the kubelet's HTTP server against real processes (ProcessRuntime):
 * logs (tail, timestamps, previous, follow) and exec over the WebSocket stream protocol.
 *
 * The properties: the Node's conditions and the Lease follow a model of the update and report
 * frequencies for any sequence of health changes and time passing; kubelet restarts at random
 * points never leave a pod with two running copies of a container, nor a deleted pod running;
 * and a log read back gives the container's output (with timestamps, the same lines after them).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LocalClient } from '@kube/apiserver';
import { FakeClock, RealClock, toRFC3339, type Container, type Lease, type Node, type NodeCondition, type Pod } from '@kube/kit';
import {
  HEALTHY,
  Kubelet,
  KubeletServer,
  microTime,
  NODE_LEASE_NAMESPACE,
  nodeAllocatable,
  nodeConditions,
  nodeStatusHasChanged,
  readContainerLog,
  type NodeHealth,
} from '@kube/kubelet';
import { CriLogWriter, ProcessRuntime } from '@kube/runtime';
import { fc, test } from '../support/prop.ts';
import { AgentNode, POD_CIDR } from '../support/kubelet/agent-node.ts';
import { NODE, podOn, START } from '../support/kubelet/node.ts';
import { haveKubectl, kubeconfig, kubectl, startBench, type Bench } from '../support/apiserver/http.ts';
import { MARK, markedProcesses, newMark } from '../support/runtime/os-processes.ts';
import { temporaryFolder } from '../support/temporary-folders.ts';

const T = (ms: number): string => toRFC3339(ms);

// ---------------------------------------------------------------------------------------------
describe('capacity and allocatable', () => {
  it('subtracts kubeReserved, systemReserved and the hard eviction thresholds (100Mi of memory, 10% of the disk) from the capacity', () => {
    expect(
      nodeAllocatable({
        capacity: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' },
        kubeReserved: { cpu: '100m', memory: '256Mi' },
        systemReserved: { cpu: '200m', memory: '512Mi' },
      }),
    ).toEqual({ cpu: '3700m', memory: '7324Mi', 'ephemeral-storage': '90Gi', pods: '110' });
  });

  it('takes maxPods as the pods capacity, other eviction thresholds, and never goes below 0', () => {
    expect(nodeAllocatable({ capacity: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '20Gi' }, maxPods: 30, evictionHard: { 'memory.available': '500Mi', 'nodefs.available': '15%' } })).toEqual({
      cpu: '2',
      memory: '3596Mi',
      'ephemeral-storage': '17Gi',
      pods: '30',
    });
    expect(nodeAllocatable({ capacity: { cpu: '1', memory: '64Mi' }, kubeReserved: { cpu: '2' } })).toEqual({ cpu: '0', memory: '0', pods: '110' });
  });

  it('reads a percentage threshold with a fraction, and refuses one over 100% or a threshold that is not a quantity', () => {
    expect(nodeAllocatable({ capacity: { cpu: '1', memory: '400Mi' }, evictionHard: { 'memory.available': '12.25%' } }).memory, '400Mi less 49Mi').toBe('351Mi');
    expect(() => nodeAllocatable({ capacity: { cpu: '1', memory: '4Gi' }, evictionHard: { 'memory.available': '101%' } })).toThrow(new RangeError('evictionHard memory.available: 101% is more than 100%'));
    expect(nodeAllocatable({ capacity: { cpu: '1', memory: '4Gi' }, evictionHard: { 'memory.available': '100%' } }).memory, 'all of it: allowed, if unwise').toBe('0');
    for (const typo of ['x5%', '5%x']) expect(() => nodeAllocatable({ capacity: { cpu: '1', memory: '4Gi' }, evictionHard: { 'memory.available': typo } }), typo).toThrow();
  });
});

describe('node conditions', () => {
  const now = START + 20_000;

  it("sets MemoryPressure, DiskPressure, PIDPressure and Ready, in that order, with upstream's reasons and messages", () => {
    expect(nodeConditions(undefined, HEALTHY, now)).toEqual([
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: T(now), lastTransitionTime: T(now) },
      { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: T(now), lastTransitionTime: T(now) },
      { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: T(now), lastTransitionTime: T(now) },
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: T(now), lastTransitionTime: T(now) },
    ]);
  });

  it('keeps lastTransitionTime while a status stays, moves it when the status changes, and keeps the conditions it does not own in their place', () => {
    const before: NodeCondition[] = [
      { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: T(START), lastTransitionTime: T(START) },
      { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', lastTransitionTime: T(START) },
      { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: T(START), lastTransitionTime: T(START) },
    ];
    const health: NodeHealth = { memoryPressure: true, diskPressure: false, pidPressure: false, notReadyReasons: ['container runtime is down', 'PLEG is not healthy'] };
    const after = nodeConditions(before, health, now);
    expect(after.map((c) => [c.type, c.status, c.reason, c.message, c.lastHeartbeatTime, c.lastTransitionTime])).toEqual([
      ['Ready', 'False', 'KubeletNotReady', '[container runtime is down, PLEG is not healthy]', T(now), T(now)],
      ['NetworkUnavailable', 'False', 'RouteCreated', undefined, undefined, T(START)],
      ['MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available', T(now), T(now)],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', T(now), T(now)],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', T(now), T(now)],
    ]);
    const later = nodeConditions(after, { ...health, notReadyReasons: ['container runtime is down'] }, now + 10_000);
    expect(later[0]).toMatchObject({ status: 'False', message: 'container runtime is down', lastHeartbeatTime: T(now + 10_000), lastTransitionTime: T(now) });
  });

  it('calls a status changed when a condition or another field changed, not when only heartbeats moved', () => {
    const a = { conditions: nodeConditions(undefined, HEALTHY, START), capacity: { cpu: '4' } };
    const b = { conditions: nodeConditions(a.conditions, HEALTHY, START + 10_000), capacity: { cpu: '4' } };
    expect(nodeStatusHasChanged(a, b)).toBe(false);
    expect(nodeStatusHasChanged(a, { ...b, conditions: [...b.conditions].reverse() })).toBe(false);
    expect(nodeStatusHasChanged(a, { ...b, capacity: { cpu: '8' } })).toBe(true);
    expect(nodeStatusHasChanged(a, { ...b, conditions: nodeConditions(a.conditions, { ...HEALTHY, diskPressure: true }, START + 10_000) })).toBe(true);
    expect(nodeStatusHasChanged(undefined, b)).toBe(true);
    expect(nodeStatusHasChanged(undefined, undefined)).toBe(false);
  });
});

describe('reading a container log back', () => {
  const file = ['2026-01-01T00:00:00Z stdout F hello', '2026-01-01T00:00:01.5Z stderr P wor', '2026-01-01T00:00:02Z stderr F ld', '2026-01-01T00:00:03Z stdout F bye', ''].join('\n');

  it('gives the output back, joining the parts of a cut line', () => {
    expect(readContainerLog(file)).toBe('hello\nworld\nbye\n');
  });

  it('keeps the last tailLines lines of the file (0: none, negative: all)', () => {
    expect(readContainerLog(file, { tailLines: 1 })).toBe('bye\n');
    expect(readContainerLog(file, { tailLines: 2 })).toBe('ld\nbye\n');
    expect(readContainerLog(file, { tailLines: 0 })).toBe('');
    expect(readContainerLog(file, { tailLines: -1 })).toBe('hello\nworld\nbye\n');
  });

  it("puts the time before each line with timestamps, nine digits of fraction as the kubelet writes it, not before the rest of a cut line", () => {
    expect(readContainerLog(file, { timestamps: true })).toBe('2026-01-01T00:00:00.000000000Z hello\n2026-01-01T00:00:01.500000000Z world\n2026-01-01T00:00:03.000000000Z bye\n');
  });

  it('carries a line cut between two reads over (kubectl logs -f), and names a malformed line', () => {
    const state = { inPartial: false };
    expect(readContainerLog('2026-01-01T00:00:00.123456789Z stdout P abc\n', { timestamps: true }, state)).toBe('2026-01-01T00:00:00.123456789Z abc');
    expect(state).toEqual({ inPartial: true });
    expect(readContainerLog('2026-01-01T00:00:01Z stdout F def\n', { timestamps: true }, state)).toBe('def\n');
    expect(() => readContainerLog('garbage\n')).toThrow('not a CRI log line');
  });
});

// ---------------------------------------------------------------------------------------------
const nodes: AgentNode[] = [];
async function agentNode(): Promise<AgentNode> {
  const node = new AgentNode();
  nodes.push(node);
  await node.startKubelet();
  await node.settle();
  return node;
}
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

const getNode = (node: AgentNode): Promise<Node> => node.client.nodes().get(NODE);
const getLease = (node: AgentNode): Promise<Lease> => node.client.leases(NODE_LEASE_NAMESPACE).get(NODE);

describe('registration, status and the Lease', () => {
  it('registers its Node with labels, the pod CIDR, addresses, capacity, allocatable, the kubelet port and Ready', async () => {
    const node = await agentNode();
    const registered = await getNode(node);
    expect(registered.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': NODE, 'kubernetes.io/os': expect.any(String), 'kubernetes.io/arch': expect.any(String) });
    expect(registered.metadata.annotations, 'the attach/detach controller attaches its volumes').toEqual({ 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' });
    expect(registered.spec).toMatchObject({ podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] });
    expect(registered.status?.addresses).toEqual([
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: NODE },
    ]);
    expect(registered.status?.capacity).toEqual({ cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi', pods: '110' });
    expect(registered.status?.allocatable).toEqual({ cpu: '4', memory: '8092Mi', 'ephemeral-storage': '90Gi', pods: '110' });
    expect(registered.status?.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(registered.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
  });

  it('holds a Lease in kube-node-lease owned by its Node, and renews it every 10 s', async () => {
    const node = await agentNode();
    const registered = await getNode(node);
    expect((await getLease(node)).spec).toEqual({ holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: microTime(START) });
    expect((await getLease(node)).metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: NODE, uid: registered.metadata.uid }]);
    await node.advance(25_000);
    expect((await getLease(node)).spec?.renewTime).toBe('2026-01-01T00:00:20.000000Z');
  });

  it('posts an unchanged status only every 5 minutes, and a change within 10 s', async () => {
    const node = await agentNode();
    const first = (await getNode(node)).metadata.resourceVersion;
    expect(await node.kubelet!.agent!.updateNodeStatus(), 'asked again at once, with nothing changed: it does not post, and says so').toBe(false);
    await node.advance(290_000);
    expect((await getNode(node)).metadata.resourceVersion, 'nothing changed for 290 s: no post').toBe(first);
    await node.advance(10_000);
    const reported = await getNode(node);
    expect(reported.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime).toBe(T(START + 300_000));
    node.health = { ...node.health, diskPressure: true };
    await node.advance(10_000);
    const disk = (await getNode(node)).status?.conditions?.find((c) => c.type === 'DiskPressure');
    expect(disk).toMatchObject({ status: 'True', reason: 'KubeletHasDiskPressure', lastTransitionTime: T(START + 310_000) });
    node.health = { ...node.health, diskPressure: false };
    expect(await node.kubelet!.agent!.updateNodeStatus(), 'the disk is free again: it posts, and says so').toBe(true);
  });

  it('throws a registration the API refuses for any reason but AlreadyExists, as the API said it (start() reports it and retries): a label key with a space is Invalid', async () => {
    const node = new AgentNode();
    nodes.push(node);
    const kubelet = new Kubelet({ nodeName: NODE, client: node.client, runtime: node.runtime, clock: node.clock, nodeIP: '127.0.0.1', node: { config: { podCIDR: POD_CIDR, labels: { 'not a key': 'x' } } } });
    await expect(kubelet.agent!.registerNode()).rejects.toThrow(/Node "node-1" is invalid: metadata\.labels: Invalid value: "not a key"/);
  });

  it('tells `kubectl describe node` what happened: Starting, the pressure conditions as they are set and change, NodeNotReady and NodeReady when Ready changes', async () => {
    const node = await agentNode();
    const nodeEvents = async () => {
      await node.settle();
      const events = (await node.client.events('default').list()).items.filter((e) => e.involvedObject.kind === 'Node' && e.involvedObject.name === NODE);
      return events.map((e) => `${e.reason} x${e.count}: ${e.message}`);
    };
    expect(await nodeEvents(), 'registered: Ready from its first status, so no NodeReady').toEqual([
      'Starting x1: Starting kubelet.',
      `NodeHasSufficientMemory x1: Node ${NODE} status is now: NodeHasSufficientMemory`,
      `NodeHasNoDiskPressure x1: Node ${NODE} status is now: NodeHasNoDiskPressure`,
      `NodeHasSufficientPID x1: Node ${NODE} status is now: NodeHasSufficientPID`,
    ]);
    node.health = { ...node.health, diskPressure: true, notReadyReasons: ['container runtime is down'] };
    await node.advance(10_000);
    node.health = { ...node.health, diskPressure: false, notReadyReasons: [] };
    await node.advance(10_000);
    expect((await nodeEvents()).slice(4)).toEqual([
      `NodeHasDiskPressure x1: Node ${NODE} status is now: NodeHasDiskPressure`,
      `NodeNotReady x1: Node ${NODE} status is now: NodeNotReady`,
      `NodeReady x1: Node ${NODE} status is now: NodeReady`,
    ]);
    expect((await nodeEvents())[2], 'the same event again: counted').toBe(`NodeHasNoDiskPressure x2: Node ${NODE} status is now: NodeHasNoDiskPressure`);
  });

  it('tells `kubectl describe node` of a cordon and an uncordon at its next status update, and says the node is cordoned again when it restarts on a cordoned Node', async () => {
    const node = await agentNode();
    const schedulingEvents = async () => {
      await node.settle();
      const events = (await node.client.events('default').list()).items.filter((e) => e.involvedObject.kind === 'Node' && /Schedulable$/.test(e.reason ?? ''));
      events.sort((a, b) => (a.firstTimestamp ?? '').localeCompare(b.firstTimestamp ?? ''));
      return events.map((e) => `${e.reason} x${e.count}: ${e.message}`);
    };
    const cordon = async (unschedulable: boolean) => {
      const current = await getNode(node);
      await node.client.nodes().update({ ...current, spec: { ...current.spec, unschedulable } });
    };
    await cordon(true);
    expect(await schedulingEvents(), 'the kubelet has not looked at its Node since the cordon').toEqual([]);
    await node.advance(10_000);
    expect(await schedulingEvents()).toEqual([`NodeNotSchedulable x1: Node ${NODE} status is now: NodeNotSchedulable`]);
    await node.advance(30_000);
    expect(await schedulingEvents(), 'still cordoned: nothing new').toEqual([`NodeNotSchedulable x1: Node ${NODE} status is now: NodeNotSchedulable`]);
    await cordon(false);
    await node.advance(10_000);
    expect((await schedulingEvents())[1]).toBe(`NodeSchedulable x1: Node ${NODE} status is now: NodeSchedulable`);
    await node.crash(0);
    await cordon(true);
    await node.advance(10_000);
    await node.startKubelet();
    expect(
      await schedulingEvents(),
      "a new kubelet starts from schedulable, and its first status update finds the cordon (a new recorder: a new Event, as upstream's)",
    ).toEqual([
      `NodeNotSchedulable x1: Node ${NODE} status is now: NodeNotSchedulable`,
      `NodeSchedulable x1: Node ${NODE} status is now: NodeSchedulable`,
      `NodeNotSchedulable x1: Node ${NODE} status is now: NodeNotSchedulable`,
    ]);
  });

  it('keeps the taints and unschedulable someone set on its Node when it registers again after a restart', async () => {
    const node = await agentNode();
    const cordoned = await getNode(node);
    await node.client.nodes().update({ ...cordoned, spec: { ...cordoned.spec, unschedulable: true, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } });
    await node.crash(0);
    await node.startKubelet();
    await node.settle();
    const after = await getNode(node);
    expect(after.metadata.uid).toBe(cordoned.metadata.uid);
    expect(after.spec).toMatchObject({ unschedulable: true, taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }], podCIDR: POD_CIDR });
  });
});

describe('registration again, and the Lease when someone else touched it', () => {
  it('puts back, when it registers again, the labels and the annotation it registers with and its pod CIDR, and keeps a label and an annotation someone added', async () => {
    const node = await agentNode();
    const before = await getNode(node);
    const { ['kubernetes.io/os']: os, ...labels } = before.metadata.labels!;
    await node.client.nodes().update({ ...before, metadata: { ...before.metadata, labels: { ...labels, 'kubernetes.io/hostname': 'elsewhere', team: 'a' } } });
    await node.crash(0);
    await node.startKubelet();
    await node.settle();
    const relabelled = await getNode(node);
    expect(relabelled.metadata.labels, 'the labels alone differed').toEqual({ ...before.metadata.labels, 'kubernetes.io/os': os, team: 'a' });
    await node.client.nodes().update({ ...relabelled, metadata: { ...relabelled.metadata, annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'false', owner: 'ops' } } });
    await node.crash(0);
    await node.startKubelet();
    await node.settle();
    const annotated = await getNode(node);
    expect(annotated.metadata.annotations, 'the annotation alone differed; one someone added stays').toEqual({ 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', owner: 'ops' });
    await node.client.nodes().update({ ...annotated, spec: { ...annotated.spec, podCIDR: '10.9.0.0/24', podCIDRs: ['10.9.0.0/24'] } });
    await node.crash(0);
    await node.startKubelet();
    await node.settle();
    expect((await getNode(node)).spec, 'the pod CIDR alone differed').toMatchObject({ podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] });
    await node.crash(0);
    await node.startKubelet({ config: {} });
    await node.settle();
    expect((await getNode(node)).spec, 'a kubelet given no pod CIDR leaves the one the Node has').toMatchObject({ podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] });
  });

  it('creates its Lease again when someone deleted it, and takes it back when someone else wrote it in between', async () => {
    const node = await agentNode();
    await node.client.leases(NODE_LEASE_NAMESPACE).delete(NODE);
    await node.advance(10_000);
    expect((await getLease(node)).spec).toEqual({ holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: microTime(START + 10_000) });
    const lease = await getLease(node);
    await node.client.leases(NODE_LEASE_NAMESPACE).update({ ...lease, spec: { ...lease.spec, holderIdentity: 'someone-else' } });
    await node.advance(10_000);
    expect((await getLease(node)).spec).toEqual({ holderIdentity: NODE, leaseDurationSeconds: 40, renewTime: microTime(START + 20_000) });
    expect((await getLease(node)).apiVersion).toBe('coordination.k8s.io/v1');
  });
});

describe('a kubelet restart', () => {
  it('adopts the containers its runtime still runs: the same container, not a second one', async () => {
    const node = await agentNode();
    await node.client.pods('default').create(podOn(NODE, 'web'));
    await node.settle();
    const [before] = await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    const pod = await node.client.pods('default').get('web');
    expect(pod.status).toMatchObject({ phase: 'Running', podIP: '127.0.25.2', hostIP: '127.0.0.1' });
    await node.crash(0);
    await node.startKubelet();
    await node.settle();
    expect((await node.runtime.listContainers()).map((c) => [c.id, c.state])).toEqual([[before!.id, 'CONTAINER_RUNNING']]);
    node.runtime.exit(before!.id, 1);
    await node.settle();
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).map((c) => c.metadata.attempt), 'a crash after the restart wakes the pod: attempt 1 runs').toEqual([1]);
  });

  it('stops and removes the pods deleted from the API while it was down', async () => {
    const node = await agentNode();
    await node.client.pods('default').create(podOn(NODE, 'gone'));
    await node.client.pods('default').create(podOn(NODE, 'kept'));
    await node.settle();
    await node.crash(0);
    await node.client.pods('default').delete('gone', { gracePeriodSeconds: 0 });
    await node.startKubelet();
    await node.settle();
    const sandboxes = await node.runtime.listPodSandbox();
    expect(sandboxes.map((s) => s.metadata.name)).toEqual(['kept']);
    expect((await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })).length).toBe(1);
    expect(await node.kubelet!.adoptRuntimePods(), 'adopting again: the one sandbox left is the pod the API still has, no orphan').toEqual([]);
  });
});

// ---- real processes: the kubelet's server, and kubectl through the apiserver -------------------

const kubectlHere = await haveKubectl();

/** kubectl's tests need kubectl: skipped with a message where it is missing, except in CI (CI=true), where that fails. */
function needKubectl(context: { skip(note?: string): void }): void {
  if (kubectlHere) return;
  if (process.env.CI) throw new Error('CI needs kubectl on the PATH to run the kubectl tests of kata 25');
  context.skip('kubectl is not installed here, so this test is skipped (CI runs it): install kubectl v1.32 to run it');
}

/**
 * A node of real processes behind the reference apiserver over HTTP: a ProcessRuntime on
 * 127.25.1.0/24, a kubelet as node agent on the real clock, its server on 127.25.0.1.
 */
describe('logs and exec against real processes', () => {
  const mark = newMark('kata25');
  const nodeIP = '127.25.0.1';
  let bench: Bench;
  let root: string;
  let runtime: ProcessRuntime;
  let kubelet: Kubelet;
  let server: KubeletServer;
  let client: LocalClient;
  let port = 0;

  beforeAll(async () => {
    bench = await startBench();
    client = new LocalClient(bench.registry);
    root = temporaryFolder('kubekata-25-');
    runtime = new ProcessRuntime({ root, podCIDR: '127.25.1.0/24' });
    kubelet = new Kubelet({ nodeName: 'node-25', client, runtime, clock: new RealClock(), nodeIP, node: { config: { podCIDR: '127.25.1.0/24' }, kubeletPort: () => port } });
    server = new KubeletServer({ kubelet, runtime, host: nodeIP });
    port = (await server.start()).port;
    await kubelet.start();
    // Registered before start() resolves, or every test below would wait out its time limit on a
    // pod that never runs: say so once instead.
    await client.nodes().get('node-25').catch((error: Error) => {
      throw new Error(`the kubelet did not register node-25 when it started (${error.message}): see "Registration" in katas/kubelet/25-node-agent.md`);
    });
  });

  afterAll(async () => {
    await kubelet?.stop();
    await runtime?.shutdown();
    await server?.stop();
    await bench?.stop();
    expect(markedProcesses(mark), 'processes of this test left alive').toEqual([]);
  });

  /** A pod on node-25 whose containers carry this test's mark. */
  function pod(name: string, containers: Container[], restartPolicy: 'Always' | 'Never' = 'Always'): Pod {
    const marked = containers.map((c) => ({ ...c, env: [...(c.env ?? []), { name: MARK, value: mark }] }));
    return { ...podOn('node-25', name, { containers: marked, restartPolicy, terminationGracePeriodSeconds: 1 }) };
  }

  /** Resolves with the pod once `ready` says so, watching it (no timers). */
  async function until(name: string, ready: (p: Pod) => boolean): Promise<Pod> {
    const pods = client.pods('default');
    const watch = pods.watch({ fieldSelector: `metadata.name=${name}` });
    try {
      const now = await pods.get(name);
      if (ready(now)) return now;
      for await (const event of watch) if (event.type !== 'BOOKMARK' && event.type !== 'ERROR' && ready(event.object as Pod)) return event.object as Pod;
      throw new Error(`the watch of pod ${name} ended`);
    } finally {
      watch.stop();
    }
  }

  it('registers node-25 with its InternalIP and its server\'s port, and runs a pod on its own address from the pod CIDR', async () => {
    const node = await client.nodes().get('node-25');
    expect(node.status?.addresses?.[0]).toEqual({ type: 'InternalIP', address: nodeIP });
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(port);
    expect(node.spec?.podCIDR).toBe('127.25.1.0/24');
    await client.pods('default').create(pod('web', [{ name: 'app', image: 'kubekata/echo' }]));
    const running = await until('web', (p) => p.status?.containerStatuses?.[0]?.ready === true);
    expect(running.status?.podIP).toMatch(/^127\.25\.1\.\d+$/);
  });

  it('answers 404 for the log of a pod it does not run, and exec over v5.channel.k8s.io: stdout on channel 1, the Status on 3', async () => {
    const missing = await fetch(`http://${nodeIP}:${port}/containerLogs/default/nothing/app`);
    expect([missing.status, await missing.text()]).toEqual([404, 'pod "nothing" not found in namespace "default" on this node']);
    const ws = new WebSocket(`ws://${nodeIP}:${port}/exec/default/web/app?command=node&command=-e&command=console.log(process.env.POD_NAME)&stdout=true&stderr=true`, ['v5.channel.k8s.io']);
    const frames: Buffer[] = [];
    ws.on('message', (data: Buffer) => frames.push(Buffer.from(data)));
    await new Promise((resolve) => ws.on('close', resolve));
    expect(ws.protocol).toBe('v5.channel.k8s.io');
    expect(frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([
      [1, 'web\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it('streams a command\'s input and output while it runs: stdin on channel 0 until the close signal [255, 0] (v5) or the command\'s own end (v4), and with tty a pseudo-terminal of the size on channel 4', async () => {
    /** Opens an exec; `reply(frame)` answers each frame the server sends with frames of its own. */
    const exec = async (query: string, protocol: string, first: Buffer[], reply: (frame: Buffer) => Buffer[] = () => []) => {
      const ws = new WebSocket(`ws://${nodeIP}:${port}/exec/default/web/app?${query}`, [protocol]);
      const frames: Buffer[] = [];
      ws.on('message', (data: Buffer) => {
        frames.push(Buffer.from(data));
        for (const frame of reply(Buffer.from(data))) ws.send(frame);
      });
      await new Promise((resolve) => ws.on('open', resolve));
      for (const frame of first) ws.send(frame);
      await new Promise((resolve) => ws.on('close', resolve));
      return frames.map((f) => [f[0], f.subarray(1).toString()]);
    };
    const success = [3, '{"metadata":{},"status":"Success"}'];
    // Each line comes back before the next is sent: the command reads its input as it comes.
    const lines = 'command=node&command=-e&command=require("readline").createInterface({ input: process.stdin }).on("line", (l) => console.log(l.toUpperCase()))&stdin=true&stdout=true&stderr=true';
    const answer = (frame: Buffer): Buffer[] => (frame.subarray(1).toString() === 'ONE\n' ? [Buffer.from('\x00two\n'), Buffer.from([255, 0])] : []);
    expect(await exec(lines, 'v5.channel.k8s.io', [Buffer.from('\x00one\n')], answer)).toEqual([[1, 'ONE\n'], [1, 'TWO\n'], success]);
    // v4 has no close signal: a command that stops reading on its own ends the same.
    const sixBytes = 'command=head&command=-c&command=6&stdin=true&stdout=true&stderr=true';
    expect(await exec(sixBytes, 'v4.channel.k8s.io', [Buffer.from('\x00first second')])).toEqual([[1, 'first '], success]);
    const terminal = 'command=sh&command=-c&command=stty size; tty -s %26%26 echo on a terminal; echo to stderr >%262&tty=true&stdout=true';
    const onTerminal = await exec(terminal, 'v5.channel.k8s.io', [Buffer.from('\x04{"Width":100,"Height":30}')]);
    expect([onTerminal.slice(0, -1).map(([, text]) => text).join(''), onTerminal.at(-1)]).toEqual(['30 100\r\non a terminal\r\nto stderr\r\n', success]);
  });

  describe('the real kubectl (v1.32) through the apiserver', () => {
    let config: string;
    beforeAll(() => {
      config = kubeconfig(bench.url);
    });

    it('kubectl logs shows the output, --tail and --timestamps shape it', async (context) => {
      needKubectl(context);
      await until('web', (p) => p.status?.phase === 'Running');
      const logs = await kubectl(config, ['logs', 'web']);
      expect(logs.stderr).toBe('');
      expect(logs.stdout).toMatch(/^echo: listening on 127\.25\.1\.\d+:8080 as default\/web\n/);
      const tail = await kubectl(config, ['logs', 'web', '--tail=1', '--timestamps']);
      // the kubelet's RFC3339NanoFixed: nine digits of fraction, whatever the file has
      expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z echo: listening on .*\n$/);
    });

    it('kubectl logs --since, --since-time and --limit-bytes keep the lines written since a time, and cut the output at a number of bytes', async (context) => {
      needKubectl(context);
      await until('web', (p) => p.status?.phase === 'Running');
      const all = (await kubectl(config, ['logs', 'web'])).stdout;
      expect(all.length).toBeGreaterThan(5);
      const since = async (...flags: string[]) => (await kubectl(config, ['logs', 'web', ...flags])).stdout;
      expect(await since('--since-time=2000-01-01T00:00:00Z')).toBe(all);
      expect(await since('--since-time=2999-01-01T00:00:00Z')).toBe('');
      expect(await since('--since=1h')).toBe(all);
      expect(await since('--limit-bytes=5')).toBe(all.slice(0, 5));
      expect(await since('--since-time=2999-01-01T00:00:00Z', '--limit-bytes=5')).toBe('');
    });

    it('kubectl logs -f follows a container until it exits', async (context) => {
      needKubectl(context);
      await client.pods('default').create(pod('talker', [{ name: 'talk', image: 'kubekata/logger', args: ['6', '150'] }], 'Never'));
      await until('talker', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined || p.status?.phase === 'Succeeded');
      const follow = await kubectl(config, ['logs', '-f', 'talker']);
      expect([follow.code, follow.stdout]).toEqual([0, 'line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n']);
    });

    it('kubectl logs --previous shows the run before a crash, and says when there is none', async (context) => {
      needKubectl(context);
      await client.pods('default').create(pod('crash', [{ name: 'app', image: 'kubekata/crasher', args: ['3', '0'] }]));
      await until('crash', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 && p.status?.containerStatuses?.[0]?.lastState?.terminated !== undefined);
      const previous = await kubectl(config, ['logs', 'crash', '--previous']);
      expect([previous.code, previous.stdout]).toEqual([0, 'crasher: exiting with code 3\n']);
      const none = await kubectl(config, ['logs', 'web', '--previous']);
      expect([none.code, none.stderr.trim()]).toEqual([1, 'Error from server (BadRequest): previous terminated container "app" in pod "web" not found']);
      const wrong = await kubectl(config, ['logs', 'web', '-c', 'nope']);
      expect(wrong.stderr.trim(), 'kubectl checks the name itself').toBe('error: container nope is not valid for pod web');
    });

    it("kubectl exec runs a command in the container's working directory, and passes its exit code on", async (context) => {
      needKubectl(context);
      const hostname = await kubectl(config, ['exec', 'web', '--', 'node', '-e', 'console.log(require("os").hostname() && process.env.HOSTNAME, process.cwd().endsWith(process.env.HOME))']);
      expect([hostname.code, hostname.stdout, hostname.stderr]).toEqual([0, 'web true\n', '']);
      const failing = await kubectl(config, ['exec', 'web', '--', 'node', '-e', 'console.error("nope"); process.exit(3)']);
      expect([failing.code, failing.stderr]).toEqual([3, 'nope\ncommand terminated with exit code 3\n']);
    });

    it('kubectl exec -i hands the command its input, and kubectl cp copies a file into the container and back (a tar through exec)', async (context) => {
      needKubectl(context);
      const piped = await kubectl(config, ['exec', '-i', 'web', '--', 'node', '-e', 'let n = 0; process.stdin.on("data", (c) => (n += c.length)).on("end", () => console.log(n))'], 'x'.repeat(100_000));
      expect([piped.code, piped.stdout, piped.stderr]).toEqual([0, '100000\n', '']);
      const local = mkdtempSync(join(tmpdir(), 'kubekata-cp-'));
      try {
        writeFileSync(join(local, 'notes.txt'), 'copied in\n');
        const copyIn = await kubectl(config, ['cp', join(local, 'notes.txt'), 'web:notes.txt']);
        expect([copyIn.code, copyIn.stderr]).toEqual([0, '']);
        expect((await kubectl(config, ['exec', 'web', '--', 'cat', 'notes.txt'])).stdout).toBe('copied in\n');
        const copyOut = await kubectl(config, ['cp', 'web:notes.txt', join(local, 'back.txt')]);
        expect([copyOut.code, readFileSync(join(local, 'back.txt'), 'utf8')]).toEqual([0, 'copied in\n']);
      } finally {
        rmSync(local, { recursive: true, force: true });
      }
    });
  });
});

// ---- the properties on the fake clock -----------------------------------------------------------

describe('properties', () => {
  test.prop([statusCommands()], { numRuns: 30 })(
    "for any health changes and time passing, the Node's conditions and the Lease follow the 10 s update, the 5 min report and the 10 s renewal",
    async (commands) => {
      const node = await agentNode();
      const model: StatusModel = { health: { ...node.health }, posted: postConditions(undefined, node.health, START), lastReport: START, lastTick: START };
      await checkStatus(model, node);
      await fc.asyncModelRun(() => ({ model, real: node }), commands);
    },
    60_000,
  );

  test.prop([restartCommands()], { numRuns: 40 })(
    'kubelet restarts at random points never leave a pod with two running copies of a container, and afterwards every pod runs and no deleted one does',
    async (commands) => {
      const node = await agentNode();
      const model: RestartModel = { next: 0, pods: [] };
      await fc.asyncModelRun(() => ({ model, real: node }), commands);
      if (!node.kubelet) await node.startKubelet();
      await node.advance(400_000);
      await checkNoDuplicates(node);
      const running = await runningByPod(node);
      const apiPods = (await node.client.pods('default').list()).items;
      const expected = Object.fromEntries(apiPods.map((p) => [p.metadata.uid!, p.spec!.containers.map((c) => c.name).sort()]));
      expect(running, 'the running containers of each pod, after the last restart').toEqual(expected);
    },
    90_000,
  );

  test.prop([fc.array(fc.record({ stream: fc.constantFrom('stdout' as const), text: fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n'), maxLength: 30 }) }), { maxLength: 12 }), fc.integer({ min: 4, max: 20 })])(
    'a log read back gives the output the container wrote, and with timestamps the same lines each after its time',
    (chunks, maxLineBytes) => {
      const clock = new FakeClock(START);
      let file = '';
      const writer = new CriLogWriter((line) => (file += line.toString()), clock, maxLineBytes);
      for (const chunk of chunks) {
        writer.write(chunk.stream, chunk.text);
        void clock.advance(1500);
      }
      writer.end('stdout');
      const output = chunks.map((c) => c.text).join('');
      expect(readContainerLog(file)).toBe(output);
      const stamped = readContainerLog(file, { timestamps: true });
      const lines = output.split('\n');
      expect(stamped.split('\n').map((l, i) => (i < lines.length - 1 || l !== '' ? l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /, '') : l))).toEqual(output.split('\n'));
    },
  );
});

// ---- the model of the node's status --------------------------------------------------------

interface StatusModel {
  health: NodeHealth;
  /** what the API should have: the conditions as last posted */
  posted: NodeCondition[];
  lastReport: number;
  lastTick: number;
}

/** What the kubelet would post at `at` (a reference of the setters, for the four statuses and the times). */
function postConditions(previous: NodeCondition[] | undefined, health: NodeHealth, at: number): NodeCondition[] {
  const truth = { MemoryPressure: health.memoryPressure, DiskPressure: health.diskPressure, PIDPressure: health.pidPressure, Ready: health.notReadyReasons.length === 0 };
  return (['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'] as const).map((type) => {
    const status = truth[type] ? 'True' : 'False';
    const old = previous?.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: T(at), lastTransitionTime: old && old.status === status ? old.lastTransitionTime! : T(at) };
  });
}

async function checkStatus(model: StatusModel, node: AgentNode): Promise<void> {
  const conditions = (await getNode(node)).status?.conditions ?? [];
  expect(conditions.map(({ type, status, lastHeartbeatTime, lastTransitionTime }) => ({ type, status, lastHeartbeatTime, lastTransitionTime })), 'the Node\'s conditions').toEqual(model.posted);
  expect((await getLease(node)).spec?.renewTime, "the Lease's renewTime").toBe(microTime(model.lastTick));
}

class Pass implements fc.AsyncCommand<StatusModel, AgentNode, false> {
  constructor(readonly seconds: number) {}
  check(): boolean {
    return true;
  }
  async run(model: StatusModel, node: AgentNode): Promise<void> {
    const end = node.clock.now() + this.seconds * 1000;
    await node.advance(this.seconds * 1000);
    for (let tick = model.lastTick + 10_000; tick <= end; tick += 10_000) {
      const next = postConditions(model.posted, model.health, tick);
      const changed = next.some((c, i) => c.status !== model.posted[i]!.status);
      if (changed || tick - model.lastReport >= 300_000) {
        model.posted = next;
        model.lastReport = tick;
      }
      model.lastTick = tick;
    }
    await checkStatus(model, node);
  }
  toString(): string {
    return `pass(${this.seconds}s)`;
  }
}

class SetHealth implements fc.AsyncCommand<StatusModel, AgentNode, false> {
  constructor(
    readonly what: 'memoryPressure' | 'diskPressure' | 'pidPressure' | 'runtimeDown',
    readonly on: boolean,
  ) {}
  check(): boolean {
    return true;
  }
  async run(model: StatusModel, node: AgentNode): Promise<void> {
    const health: NodeHealth = { ...model.health };
    if (this.what === 'runtimeDown') health.notReadyReasons = this.on ? ['container runtime is down'] : [];
    else health[this.what] = this.on;
    model.health = health;
    node.health = { ...health };
    await node.settle();
    await checkStatus(model, node);
  }
  toString(): string {
    return `${this.what} ${this.on ? 'on' : 'off'}`;
  }
}

function statusCommands() {
  return fc.commands(
    [
      fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 31, max: 400 })).map((s) => new Pass(s)),
      fc.tuple(fc.constantFrom('memoryPressure' as const, 'diskPressure' as const, 'pidPressure' as const, 'runtimeDown' as const), fc.boolean()).map(([w, on]) => new SetHealth(w, on)),
    ],
    { maxCommands: 25 },
  );
}

// ---- the model of restarts -----------------------------------------------------------------------

interface RestartModel {
  next: number;
  /** the pods created and not deleted, by name */
  pods: string[];
}

/** The running containers of each pod uid, by name, sorted. */
async function runningByPod(node: AgentNode): Promise<Record<string, string[]>> {
  const byPod: Record<string, string[]> = {};
  for (const c of await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' })) {
    const uid = c.labels['io.kubernetes.pod.uid']!;
    (byPod[uid] ??= []).push(c.metadata.name);
  }
  for (const names of Object.values(byPod)) names.sort();
  return byPod;
}

/** No pod has two running copies of a container, nor two ready sandboxes. */
async function checkNoDuplicates(node: AgentNode): Promise<void> {
  for (const [uid, names] of Object.entries(await runningByPod(node))) {
    expect(names, `the running containers of pod ${uid}: each once`).toEqual([...new Set(names)]);
  }
  const ready = (await node.runtime.listPodSandbox({ state: 'SANDBOX_READY' })).map((s) => s.metadata.uid);
  expect(ready, 'ready sandboxes: at most one per pod').toEqual([...new Set(ready)]);
}

class CreatePod implements fc.AsyncCommand<RestartModel, AgentNode, false> {
  constructor(readonly containers: number) {}
  check(model: Readonly<RestartModel>): boolean {
    return model.pods.length < 6;
  }
  async run(model: RestartModel, node: AgentNode): Promise<void> {
    const name = `p${model.next++}`;
    const containers = Array.from({ length: this.containers }, (_, i) => ({ name: `c${i}`, image: 'kubekata/sleeper' }));
    await node.client.pods('default').create(podOn(NODE, name, { containers, terminationGracePeriodSeconds: 0 }));
    model.pods.push(name);
    await checkNoDuplicates(node);
  }
  toString(): string {
    return `create a pod of ${this.containers} container(s)`;
  }
}

class DeletePod implements fc.AsyncCommand<RestartModel, AgentNode, false> {
  constructor(readonly index: number) {}
  check(model: Readonly<RestartModel>): boolean {
    return model.pods.length > 0;
  }
  async run(model: RestartModel, node: AgentNode): Promise<void> {
    const [name] = model.pods.splice(this.index % model.pods.length, 1);
    await node.client.pods('default').delete(name!, { gracePeriodSeconds: 0 });
    await checkNoDuplicates(node);
  }
  toString(): string {
    return `delete pod #${this.index}`;
  }
}

class CrashContainer implements fc.AsyncCommand<RestartModel, AgentNode, false> {
  constructor(readonly index: number) {}
  check(): boolean {
    return true;
  }
  async run(_: RestartModel, node: AgentNode): Promise<void> {
    const running = await node.runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    if (running.length > 0) node.runtime.exit(running[this.index % running.length]!.id, 1);
    await checkNoDuplicates(node);
  }
  toString(): string {
    return `container #${this.index} crashes`;
  }
}

class Settle implements fc.AsyncCommand<RestartModel, AgentNode, false> {
  constructor(readonly seconds: number) {}
  check(): boolean {
    return true;
  }
  async run(_: RestartModel, node: AgentNode): Promise<void> {
    await node.advance(this.seconds * 1000);
    await checkNoDuplicates(node);
  }
  toString(): string {
    return `pass(${this.seconds}s)`;
  }
}

class Restart implements fc.AsyncCommand<RestartModel, AgentNode, false> {
  constructor(readonly callsBeforeDeath: number) {}
  check(): boolean {
    return true;
  }
  async run(_: RestartModel, node: AgentNode): Promise<void> {
    if (node.kubelet) await node.crash(this.callsBeforeDeath);
    await checkNoDuplicates(node);
    await node.startKubelet();
    await node.settle();
    await checkNoDuplicates(node);
  }
  toString(): string {
    return `the kubelet dies at its runtime call #${this.callsBeforeDeath} and starts again`;
  }
}

function restartCommands() {
  return fc.commands(
    [
      fc.integer({ min: 1, max: 2 }).map((n) => new CreatePod(n)),
      fc.nat(10).map((i) => new DeletePod(i)),
      fc.nat(10).map((i) => new CrashContainer(i)),
      fc.constantFrom(0, 5, 20, 400).map((s) => new Settle(s)),
      fc.nat(25).map((n) => new Restart(n)),
    ],
    { maxCommands: 18 },
  );
}
