/**
 * Issue 19's "under faults, simulated": the whole cluster (kata 29) in one process, on FakeRuntime
 * nodes and a FakeClock, driven by random stories of user actions and faults, must always come back
 * to a state a user would call healthy once the faults stop and the clock has moved on.
 *
 * A story is an `fc.commands` sequence. User actions: create, scale, change the pod template of and
 * delete Deployments, create and delete Services. Faults: a container crashes
 * (`FakeRuntime.exit`), a node's kubelet dies and comes back (`stopKubelet`/`startKubelet`), a
 * component's watches (or every watch) drop, the store compacts its history, the apiserver restarts
 * (down 1–70 s: every call refused, every watch broken), the controller manager restarts,
 * another holder takes the controller manager's Lease. Between them the clock moves (`wait`).
 *
 * After the story the faults stop (every kubelet runs again, the network heals) and the clock moves
 * on in steps of {@link CHECK_EVERY_MS} until the cluster has converged — at most
 * {@link CONVERGE_WITHIN_MS}, which is the longest wait a healthy cluster can owe the story:
 *
 * - 300 s: a container that crashed five times or more waits out the kubelet's longest
 *   CrashLoopBackOff (10 s doubling to `MaxContainerBackOff` 300 s) before it runs and is Ready again;
 * - + 30 s: a pod evicted while its node was gone is Terminating there; the returning kubelet stops
 *   it (the fake container exits on SIGTERM at once) and deletes it within its
 *   terminationGracePeriodSeconds;
 * - + 15 s: a stolen Lease (leaseDuration) before the controller manager leads again, + 2 s retry;
 * - the apiserver down 70 s (longer than the 50 s node-monitor grace period) leaves every node's
 *   heartbeat stale when it returns: the node lifecycle controller marks them NotReady and taints
 *   them until their kubelets' next status (10 s), within the pods' 300 s tolerationSeconds;
 * - + 50 s: the node-monitor grace period, the slack for a node whose status was last seen just
 *   before the faults stopped (a kubelet posts Ready as it starts; the node lifecycle controller
 *   looks every 5 s and removes the NoExecute taints, which cancels evictions due in
 *   tolerationSeconds: pods get DefaultTolerationSeconds 300 s, which the story's `wait 5 min 20 s`
 *   runs past so that evictions do happen during faults);
 * - + 60 s for relists after 410s (the reflector's back-off reaches 30 s), the scheduler's 30 s
 *   flush of unschedulable pods and the controllers' requeues.
 *
 * That is about 460 s; the property allows {@link CONVERGE_WITHIN_MS} = 600 s, then checks that the
 * state holds for {@link STABLE_FOR_MS} more.
 *
 * Converged means: every Deployment has exactly its replicas, of its latest template, Running and
 * Ready on Ready nodes, and none Terminating; every Service's Endpoints and EndpointSlices hold
 * exactly the IPs of its ready pods; no ReplicaSet or pod is left whose owner is gone; nothing the
 * story deleted is still there. And at every step, not only at the end: no node is over-committed
 * (the CPU its non-terminal pods request fits its allocatable CPU, and so does their number).
 *
 * On a failure the run's {@link Timeline} is written beside the counterexample, as
 * `out/chaos/<seed>.html`, and the failure message names it with the command that replays it:
 *
 * ```
 * KATA_SEED=7 KATA_PATH=64:4:3:6:5:4:4:6:6:8:8 KATA_CHAOS_REPLAY_PATH='BAEAGCfA9:VF' KATA_TARGET=solutions npx vitest run tools/test/cluster-chaos.test.ts
 * ```
 *
 * The pods get the apiserver's DefaultTolerationSeconds from the {@link ChaosNetwork}'s clients:
 * the cluster's `local` transport skips the admission chain its HTTPS apiserver runs.
 *
 * @example
 * ```ts
 * // in a kata test: a few stories on the learner's cluster
 * chaosProperty({ numRuns: 3 });
 * // a story told by hand
 * const run = await runStory([new StopKubelet('node-2'), new Wait(320_000), new StealLease()]);
 * run.violations; // [] once it converged
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isStatusError, LocalClient, parseQuantity, type ApiClient } from '@kube/apiserver';
import { startCluster, type Cluster, type ClusterOptions } from '@kube/cluster';
import { FakeClock, Random, type Deployment, type EndpointSlice, type Endpoints, type KubeObject, type Lease, type Node, type Pod, type ReplicaSet, type Service } from '@kube/kit';
import { FakeRuntime } from '@kube/runtime';
import { fc, test } from '../prop.ts';
import { ChaosNetwork } from './chaos-client.ts';
import { CHAOS_LANE, renderTimeline, Timeline } from './timeline.ts';

/** When the simulated cluster starts (the fake clock's epoch). */
export const START = Date.UTC(2026, 0, 1);
/** How often, after the faults stop, the property looks whether the cluster has converged. */
export const CHECK_EVERY_MS = 5_000;
/** How long after the faults stop the cluster may take to converge (see the module's note). */
export const CONVERGE_WITHIN_MS = 600_000;
/** How long a converged state must then hold. */
export const STABLE_FOR_MS = 60_000;
/** The namespace every object of the story lives in. */
const NS = 'default';
/** The Deployments a story can make, and the Services (each selects one app, maybe never made). */
export const DEPLOYMENTS = ['web', 'api', 'db'] as const;
export const SERVICES = [
  { name: 'web', app: 'web' },
  { name: 'api', app: 'api' },
  { name: 'front', app: 'web' },
] as const;
/** The CPU a template may request: three Deployments of 4 at 500m fit on two of three nodes of 4 CPU. */
const CPU = ['250m', '500m'] as const;

/** What the story has asked for so far: the state the cluster must reach. */
export interface ChaosModel {
  deployments: Map<string, { replicas: number; version: number; cpu: string }>;
  /** Service name → the app it selects */
  services: Map<string, string>;
  /** nodes whose kubelet the story stopped */
  downNodes: Set<string>;
  nodes: string[];
}

/** The running simulation the commands act on. */
export interface ChaosWorld {
  cluster: Cluster;
  clock: FakeClock;
  network: ChaosNetwork;
  timeline: Timeline;
  /** the user's client (recorded in the timeline's `user` lane) */
  user: ApiClient;
  /** over-commits seen after any step */
  safety: string[];
  /** the commands run so far, in order: step n is ran[n - 1] */
  ran: ChaosCommand[];
}

/** A client that reads the current registry without being recorded: the checks' eyes. */
function observer(world: ChaosWorld): ApiClient {
  return new LocalClient(world.cluster.parts.controlPlane.registry);
}

/** Lets every promise run that can without time passing. */
async function settle(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 5; i++) await clock.advance(0);
}

/**
 * Awaits `work` while moving the clock in 100 ms steps: a stop or a start may wait on timers (a
 * kubelet's grace periods, a campaign for the lease), and nothing else would move the clock.
 */
async function drive<T>(clock: FakeClock, work: Promise<T>, limitMs = 120_000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let failure: { error: unknown } | undefined;
  work.then(
    (v) => ((done = true), (value = v)),
    (error: unknown) => ((done = true), (failure = { error })),
  );
  for (let waited = 0; !done; waited += 100) {
    if (waited > limitMs) throw new Error(`still not done after ${limitMs / 1000} s on the clock`);
    await clock.advance(waited === 0 ? 0 : 100);
  }
  if (failure) throw failure.error;
  return value as T;
}

/** Reads, changes and writes an object again until no one wrote it in between. */
async function retryUpdate<T extends KubeObject>(objects: { get(name: string): Promise<T>; update(object: T): Promise<T> }, name: string, change: (object: T) => T): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await objects.update(change(await objects.get(name)));
      return;
    } catch (error) {
      if (!isStatusError(error, 'Conflict') || attempt > 10) throw error;
    }
  }
}

/** The Deployment the model describes. */
export function deploymentOf(name: string, spec: { replicas: number; version: number; cpu: string }): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image: 'kubekata/echo', env: [{ name: 'VERSION', value: String(spec.version) }], resources: { requests: { cpu: spec.cpu, memory: '64Mi' } } }],
        },
      },
    },
  } as Deployment;
}

/** The Service the model describes. */
export function serviceOf(name: string, app: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } } as Service;
}

/** One step of a story: what it does to the model and to the cluster, and how it reads. */
export abstract class ChaosCommand implements fc.AsyncCommand<ChaosModel, ChaosWorld> {
  abstract readonly kind: 'action' | 'fault' | 'wait';
  abstract check(model: Readonly<ChaosModel>): boolean;
  abstract apply(model: ChaosModel, world: ChaosWorld): Promise<void>;
  abstract toString(): string;

  async run(model: ChaosModel, world: ChaosWorld): Promise<void> {
    world.timeline.step++;
    world.ran.push(this);
    if (this.kind !== 'wait') world.timeline.mark(this.kind, this.toString());
    await this.apply(model, world);
    await settle(world.clock);
    await world.clock.advance(200);
    const overCommitted = await overCommits(observer(world));
    for (const line of overCommitted) {
      const text = `after step ${world.timeline.step} (${this.toString()}): ${line}`;
      world.safety.push(text);
      world.timeline.mark('check', text);
    }
  }
}

/** A step of a story: see its toString. */
export class CreateDeployment extends ChaosCommand {
  readonly kind = 'action';
  constructor(
    readonly name: string,
    readonly replicas: number,
    readonly cpu: string,
  ) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return !model.deployments.has(this.name);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    const spec = { replicas: this.replicas, version: 1, cpu: this.cpu };
    model.deployments.set(this.name, spec);
    await world.user.deployments(NS).create(deploymentOf(this.name, spec));
  }
  toString() {
    return `create Deployment ${this.name} (${this.replicas} replicas of ${this.cpu} CPU)`;
  }
}

/** A step of a story: see its toString. */
export class ScaleDeployment extends ChaosCommand {
  readonly kind = 'action';
  constructor(
    readonly name: string,
    readonly replicas: number,
  ) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return model.deployments.has(this.name);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    model.deployments.get(this.name)!.replicas = this.replicas;
    await retryUpdate(world.user.deployments(NS), this.name, (d) => ({ ...d, spec: { ...d.spec!, replicas: this.replicas } }));
  }
  toString() {
    return `scale Deployment ${this.name} to ${this.replicas}`;
  }
}

/** A step of a story: see its toString. */
export class UpdateTemplate extends ChaosCommand {
  readonly kind = 'action';
  constructor(
    readonly name: string,
    readonly cpu: string,
  ) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return model.deployments.has(this.name);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    const spec = model.deployments.get(this.name)!;
    spec.version++;
    spec.cpu = this.cpu;
    const template = deploymentOf(this.name, spec).spec!.template;
    await retryUpdate(world.user.deployments(NS), this.name, (d) => ({ ...d, spec: { ...d.spec!, template } }));
  }
  toString() {
    return `change Deployment ${this.name}'s pod template (a new VERSION, ${this.cpu} CPU): a rollout`;
  }
}

/** A step of a story: see its toString. */
export class DeleteDeployment extends ChaosCommand {
  readonly kind = 'action';
  constructor(readonly name: string) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return model.deployments.has(this.name);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    model.deployments.delete(this.name);
    await world.user.deployments(NS).delete(this.name);
  }
  toString() {
    return `delete Deployment ${this.name}`;
  }
}

/** A step of a story: see its toString. */
export class CreateService extends ChaosCommand {
  readonly kind = 'action';
  constructor(
    readonly name: string,
    readonly app: string,
  ) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return !model.services.has(this.name);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    model.services.set(this.name, this.app);
    await world.user.services(NS).create(serviceOf(this.name, this.app));
  }
  toString() {
    return `create Service ${this.name} (selects app=${this.app})`;
  }
}

/** A step of a story: see its toString. */
export class DeleteService extends ChaosCommand {
  readonly kind = 'action';
  constructor(readonly name: string) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return model.services.has(this.name);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    model.services.delete(this.name);
    await world.user.services(NS).delete(this.name);
  }
  toString() {
    return `delete Service ${this.name}`;
  }
}

/** A step of a story: see its toString. */
export class CrashContainer extends ChaosCommand {
  readonly kind = 'fault';
  private hit = '';
  constructor(
    readonly node: string,
    readonly pick: number,
    readonly exitCode: number,
  ) {
    super();
  }
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    const node = world.cluster.node(this.node);
    const runtime = node.runtime as FakeRuntime;
    const running = await runtime.listContainers({ state: 'CONTAINER_RUNNING' });
    if (running.length === 0) {
      this.hit = ` (none runs there)`;
      return;
    }
    const container = running[this.pick % running.length]!;
    const sandbox = await runtime.podSandboxStatus(container.podSandboxId).catch(() => undefined);
    this.hit = `: pod ${sandbox?.metadata.name ?? container.podSandboxId}`;
    runtime.exit(container.id, this.exitCode);
    world.timeline.mark('fault', `container ${container.id} exits ${this.exitCode}${this.hit}`);
  }
  toString() {
    return `a container on ${this.node} crashes with exit code ${this.exitCode} (pick #${this.pick})${this.hit}`;
  }
}

/** A step of a story: see its toString. */
export class StopKubelet extends ChaosCommand {
  readonly kind = 'fault';
  constructor(readonly node: string) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return model.nodes.includes(this.node) && !model.downNodes.has(this.node);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    model.downNodes.add(this.node);
    await drive(world.clock, world.cluster.node(this.node).stopKubelet());
  }
  toString() {
    return `${this.node} dies (its kubelet stops; its containers keep running)`;
  }
}

/** A step of a story: see its toString. */
export class StartKubelet extends ChaosCommand {
  readonly kind = 'fault';
  constructor(readonly node: string) {
    super();
  }
  check(model: Readonly<ChaosModel>) {
    return model.downNodes.has(this.node);
  }
  async apply(model: ChaosModel, world: ChaosWorld) {
    model.downNodes.delete(this.node);
    await drive(world.clock, world.cluster.node(this.node).startKubelet());
  }
  toString() {
    return `${this.node} comes back (a new kubelet adopts its containers)`;
  }
}

/** A step of a story: see its toString. */
export class BreakWatches extends ChaosCommand {
  readonly kind = 'fault';
  private broken = 0;
  constructor(readonly component: string | undefined) {
    super();
  }
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    this.broken = world.network.breakWatches(this.component);
  }
  toString() {
    return `${this.component === undefined ? 'every watch' : `${this.component}'s watches`} drop${this.component === undefined ? 's' : ''}${this.broken ? ` (${this.broken})` : ''}`;
  }
}

/** A step of a story: see its toString. */
export class Compact extends ChaosCommand {
  readonly kind = 'fault';
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    const store = world.cluster.parts.controlPlane.store;
    if (store.revision > store.compacted) store.compact(store.revision);
  }
  toString() {
    return 'etcd compacts its history to now (a watch from an older resourceVersion gets 410 Gone)';
  }
}

/** A step of a story: see its toString. */
export class RestartApiserver extends ChaosCommand {
  readonly kind = 'fault';
  constructor(readonly downMs: number) {
    super();
  }
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    // Down: every call refused, every watch broken, for downMs on the clock; then the control
    // plane restarts (the store as it was: what etcd had acknowledged) and runs its bootstrap.
    world.network.down = true;
    world.network.breakWatches();
    await world.clock.advance(this.downMs);
    world.network.down = false;
    await drive(world.clock, world.cluster.restartControlPlane());
  }
  toString() {
    return `the apiserver restarts (down ${this.downMs / 1000} s: every call refused, every watch broken)`;
  }
}

/** A step of a story: see its toString. */
export class RestartControllerManager extends ChaosCommand {
  readonly kind = 'fault';
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    const manager = world.cluster.parts.controllerManager;
    await drive(world.clock, manager.stop());
    // It campaigns from scratch: it may have to wait out a lease someone else holds.
    await drive(world.clock, manager.start());
  }
  toString() {
    return 'kube-controller-manager restarts (hands its lease back, campaigns again)';
  }
}

/** A step of a story: see its toString. */
export class StealLease extends ChaosCommand {
  readonly kind = 'fault';
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    const leases = observer(world).leases('kube-system');
    await retryUpdate<Lease>(leases, 'kube-controller-manager', (lease) => ({
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'intruder_chaos', renewTime: new Date(world.clock.now()).toISOString().replace('Z', '000Z'), leaseDurationSeconds: 15, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 },
    }));
  }
  toString() {
    return 'another kube-controller-manager takes the lease (and never renews it)';
  }
}

/** A step of a story: see its toString. */
export class Wait extends ChaosCommand {
  readonly kind = 'wait';
  constructor(readonly ms: number) {
    super();
  }
  check() {
    return true;
  }
  async apply(_model: ChaosModel, world: ChaosWorld) {
    world.timeline.mark('action', `${this.toString()}`);
    await world.clock.advance(this.ms);
  }
  toString() {
    return `wait ${formatDuration(this.ms)}`;
  }
}

function formatDuration(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}` : `${s} s`;
}

/** The commands of a story on `nodes` nodes. */
export function chaosCommands(nodes: number): fc.Arbitrary<fc.AsyncCommand<ChaosModel, ChaosWorld>>[] {
  const names = Array.from({ length: nodes }, (_, i) => `node-${i + 1}`);
  const deployment = fc.constantFrom(...DEPLOYMENTS);
  const service = fc.constantFrom(...SERVICES);
  const node = fc.constantFrom(...names);
  const commands: fc.Arbitrary<ChaosCommand>[] = [
    fc.tuple(deployment, fc.integer({ min: 0, max: 4 }), fc.constantFrom(...CPU)).map(([d, r, cpu]) => new CreateDeployment(d, r, cpu)),
    fc.tuple(deployment, fc.integer({ min: 0, max: 4 })).map(([d, r]) => new ScaleDeployment(d, r)),
    fc.tuple(deployment, fc.constantFrom(...CPU)).map(([d, cpu]) => new UpdateTemplate(d, cpu)),
    deployment.map((d) => new DeleteDeployment(d)),
    service.map((s) => new CreateService(s.name, s.app)),
    service.map((s) => new DeleteService(s.name)),
    fc.tuple(node, fc.nat(20), fc.constantFrom(1, 2, 137)).map(([n, pick, code]) => new CrashContainer(n, pick, code)),
    node.map((n) => new StopKubelet(n)),
    node.map((n) => new StartKubelet(n)),
    fc.option(fc.constantFrom('kube-scheduler', 'kube-controller-manager', ...names.map((n) => `kubelet ${n}`)), { nil: undefined }).map((c) => new BreakWatches(c)),
    fc.constant(new Compact()),
    fc.constantFrom(1_000, 5_000, 20_000, 70_000).map((ms) => new RestartApiserver(ms)),
    fc.constant(new RestartControllerManager()),
    fc.constant(new StealLease()),
    fc.constantFrom(1_000, 5_000, 20_000, 60_000, 320_000).map((ms) => new Wait(ms)),
  ];
  return commands;
}

/** A quantity of CPU in millicores. */
function milli(quantity: string | undefined): number {
  return quantity === undefined ? 0 : parseQuantity(quantity).milliValue();
}

function isReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function controllerOf(object: KubeObject): string | undefined {
  return object.metadata.ownerReferences?.find((o) => o.controller)?.uid;
}

/** Every node whose non-terminal pods ask for more CPU, or are more, than it has. */
export async function overCommits(client: ApiClient): Promise<string[]> {
  const [nodes, pods] = await Promise.all([client.nodes().list(), client.pods().list()]);
  const problems: string[] = [];
  for (const node of nodes.items) {
    const on = pods.items.filter((p) => p.spec?.nodeName === node.metadata.name && !isTerminal(p));
    const cpu = on.reduce((sum, p) => sum + (p.spec?.containers ?? []).reduce((s, c) => s + milli(c.resources?.requests?.cpu), 0), 0);
    const allocatable = milli(node.status?.allocatable?.cpu);
    const maxPods = Number(node.status?.allocatable?.pods ?? Infinity);
    if (cpu > allocatable) problems.push(`node ${node.metadata.name} is over-committed: its pods request ${cpu}m CPU of ${allocatable}m (${on.map((p) => p.metadata.name).join(', ')})`);
    if (on.length > maxPods) problems.push(`node ${node.metadata.name} has ${on.length} pods, more than its ${maxPods}`);
  }
  return problems;
}

/** Everything that does not hold yet of "converged" (empty: converged). */
export async function convergenceViolations(client: ApiClient, model: Readonly<ChaosModel>): Promise<string[]> {
  const [nodes, pods, sets, deployments, services, endpoints, slices] = await Promise.all([
    client.nodes().list(),
    client.pods(NS).list(),
    client.replicaSets(NS).list(),
    client.deployments(NS).list(),
    client.services(NS).list(),
    client.endpoints(NS).list(),
    client.resource<EndpointSlice>('endpointslices', NS).list(),
  ]);
  const problems: string[] = [];
  const readyNodes = new Set(nodes.items.filter((n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name));
  for (const node of nodes.items) if (!readyNodes.has(node.metadata.name!)) problems.push(`node ${node.metadata.name} is not Ready`);
  const byUid = new Map<string, KubeObject>([...deployments.items, ...sets.items].map((o) => [o.metadata.uid!, o]));
  for (const [name, want] of model.deployments) {
    const deployment = deployments.items.find((d) => d.metadata.name === name);
    if (!deployment) {
      problems.push(`Deployment ${name} is gone, but the story never deleted it`);
      continue;
    }
    const mine = new Set(sets.items.filter((rs) => controllerOf(rs) === deployment.metadata.uid).map((rs) => rs.metadata.uid));
    const itsPods = pods.items.filter((p) => mine.has(controllerOf(p)));
    const version = (p: Pod) => p.spec?.containers?.[0]?.env?.find((e) => e.name === 'VERSION')?.value;
    const good = itsPods.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isReady(p) && readyNodes.has(p.spec?.nodeName ?? '') && version(p) === String(want.version));
    if (good.length !== want.replicas || itsPods.length !== want.replicas) {
      const describe = (p: Pod) =>
        `${p.metadata.name} (${p.spec?.nodeName ?? 'unscheduled'}, ${p.status?.phase ?? 'no phase'}, ${isReady(p) ? 'Ready' : 'not Ready'}, VERSION ${version(p)}${p.metadata.deletionTimestamp ? ', Terminating' : ''})`;
      problems.push(`Deployment ${name} wants ${want.replicas} Running and Ready pods of VERSION ${want.version}, has ${good.length} such of ${itsPods.length}: ${itsPods.map(describe).join('; ') || 'none'}`);
    }
    const status = deployment.status ?? {};
    if (status.observedGeneration !== deployment.metadata.generation || status.updatedReplicas !== want.replicas || (status.availableReplicas ?? 0) !== want.replicas || (status.replicas ?? 0) !== want.replicas) {
      problems.push(`Deployment ${name}'s status is not up to date: ${JSON.stringify({ generation: deployment.metadata.generation, ...status, conditions: undefined })}`);
    }
  }
  for (const deployment of deployments.items) if (!model.deployments.has(deployment.metadata.name!)) problems.push(`Deployment ${deployment.metadata.name} is still there, but the story deleted it`);
  for (const rs of sets.items) if (!byUid.has(controllerOf(rs) ?? '')) problems.push(`ReplicaSet ${rs.metadata.name} is orphaned: its Deployment is gone (${rs.spec?.replicas} replicas)`);
  for (const pod of pods.items) if (!byUid.has(controllerOf(pod) ?? '')) problems.push(`pod ${pod.metadata.name} is orphaned: its ReplicaSet is gone (${pod.spec?.nodeName ?? 'unscheduled'}, ${pod.status?.phase})`);
  for (const [name, app] of model.services) {
    if (!services.items.some((s) => s.metadata.name === name)) problems.push(`Service ${name} is gone, but the story never deleted it`);
    const want = pods.items
      .filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp && isReady(p) && p.status?.podIP)
      .map((p) => p.status!.podIP!)
      .sort();
    const ep = endpoints.items.find((e: Endpoints) => e.metadata.name === name);
    const have = (ep?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
    if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`Endpoints ${name} hold ${JSON.stringify(have)}, but the ready pods of app=${app} are ${JSON.stringify(want)}`);
    const inSlices = slices.items
      .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === name)
      .flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses))
      .sort();
    if (JSON.stringify(inSlices) !== JSON.stringify(want)) problems.push(`EndpointSlices of ${name} hold ready ${JSON.stringify(inSlices)}, but the ready pods of app=${app} are ${JSON.stringify(want)}`);
  }
  for (const service of services.items) if (service.metadata.name !== 'kubernetes' && !model.services.has(service.metadata.name!)) problems.push(`Service ${service.metadata.name} is still there, but the story deleted it`);
  for (const ep of endpoints.items) if (ep.metadata.name !== 'kubernetes' && !model.services.has(ep.metadata.name!)) problems.push(`Endpoints ${ep.metadata.name} are still there, but their Service is gone`);
  return problems;
}

/** The cluster's objects, one line each: the page's "objects at the end". */
async function finalState(client: ApiClient): Promise<string[]> {
  const [nodes, deployments, sets, pods, endpoints] = await Promise.all([client.nodes().list(), client.deployments(NS).list(), client.replicaSets(NS).list(), client.pods(NS).list(), client.endpoints(NS).list()]);
  return [
    ...nodes.items.map((n) => `Node ${n.metadata.name}: ${n.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? '?'} taints ${JSON.stringify(n.spec?.taints ?? [])}`),
    ...deployments.items.map((d: Deployment) => `Deployment ${d.metadata.name}: replicas ${d.spec?.replicas} gen ${d.metadata.generation} status ${JSON.stringify({ ...d.status, conditions: undefined })}`),
    ...sets.items.map((rs: ReplicaSet) => `ReplicaSet ${rs.metadata.name}: replicas ${rs.spec?.replicas} status ${JSON.stringify({ ...rs.status, conditions: undefined })} owner ${controllerOf(rs)}`),
    ...pods.items.map(
      (p) =>
        `Pod ${p.metadata.name}: ${p.spec?.nodeName ?? 'unscheduled'} ${p.status?.phase} ${isReady(p) ? 'Ready' : 'not Ready'} ${p.status?.podIP ?? ''}${p.metadata.deletionTimestamp ? ` Terminating since ${p.metadata.deletionTimestamp}` : ''} restarts ${p.status?.containerStatuses?.[0]?.restartCount ?? 0} ${JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? {})}`,
    ),
    ...endpoints.items.map((e) => `Endpoints ${e.metadata.name}: ${JSON.stringify(e.subsets ?? [])}`),
  ];
}

/** Starts a simulated cluster of `nodes` FakeRuntime nodes, every component's client recorded. */
export async function startChaosWorld(nodes: number, seed: number): Promise<ChaosWorld> {
  const clock = new FakeClock(START);
  const timeline = new Timeline(clock);
  const network = new ChaosNetwork(clock, timeline);
  const options = {
    nodes,
    runtime: 'fake',
    transport: 'local',
    clock,
    random: new Random(seed),
    wrapClient: network.wrap,
    onTrace: (entry: { component: string; phase: string }) => timeline.trace(entry.component, entry.phase),
    log: (component: string, line: string) => timeline.log(component, line),
  } as unknown as ClusterOptions; // no dataDir: the store lives in memory (see the report: dataDir should be optional in ClusterOptions)
  const cluster = await drive(clock, startCluster(options));
  return { cluster, clock, network, timeline, user: cluster.client, safety: [], ran: [] };
}

/**
 * What runs before every story (step 0): Deployment `web` (3 replicas of 250m) behind Service
 * `web`, given a minute to come up, so that every fault of the story has pods to hit.
 */
async function setUpWorkload(model: ChaosModel, world: ChaosWorld): Promise<void> {
  const web = { replicas: 3, version: 1, cpu: '250m' };
  model.deployments.set('web', web);
  model.services.set('web', 'web');
  world.timeline.mark('action', 'before the story: Deployment web (3 replicas of 250m) and Service web');
  await world.user.deployments(NS).create(deploymentOf('web', web));
  await world.user.services(NS).create(serviceOf('web', 'web'));
  await world.clock.advance(60_000);
}

/** Ends the faults: the network heals and every stopped kubelet starts again. */
async function healAll(model: ChaosModel, world: ChaosWorld): Promise<void> {
  world.timeline.step++;
  world.timeline.mark('action', 'the faults stop: every kubelet runs, the network heals');
  world.network.down = false;
  for (const name of [...model.downNodes]) {
    await drive(world.clock, world.cluster.node(name).startKubelet());
    model.downNodes.delete(name);
  }
}

/** Moves the clock until the cluster has converged and stayed so; the violations if it never did. */
async function awaitConvergence(model: ChaosModel, world: ChaosWorld): Promise<{ violations: string[]; tookMs: number }> {
  const start = world.clock.now();
  let violations: string[] = [];
  for (let waited = 0; waited <= CONVERGE_WITHIN_MS; waited += CHECK_EVERY_MS) {
    violations = await convergenceViolations(observer(world), model);
    if (violations.length === 0) break;
    await world.clock.advance(CHECK_EVERY_MS);
  }
  const tookMs = world.clock.now() - start;
  if (violations.length > 0) return { violations: violations.map((v) => `after ${CONVERGE_WITHIN_MS / 1000} s without faults: ${v}`), tookMs };
  await world.clock.advance(STABLE_FOR_MS);
  violations = await convergenceViolations(observer(world), model);
  return { violations: violations.map((v) => `converged after ${tookMs / 1000} s, but ${STABLE_FOR_MS / 1000} s later: ${v}`), tookMs };
}

/** What one story did. */
export interface StoryResult {
  /** what did not hold (empty: it converged and stayed so, and no node was ever over-committed) */
  violations: string[];
  /** how many commands ran */
  steps: number;
  /** how long, on the clock, it took to converge after the faults stopped */
  convergedAfterMs: number;
  /** the run's timeline page, given the property's seed and the command that replays it */
  timeline: (seed: number, replay: string) => string;
}

/**
 * Runs one story on a fresh simulated cluster: the workload set up before it ({@link setUpWorkload}),
 * the commands, then the faults stopped and the clock moved until the cluster converged. Exported
 * for tests that tell a story by hand (`new Wait(60_000)`, ...) rather than let fast-check write it.
 */
export async function runStory(commands: Iterable<fc.AsyncCommand<ChaosModel, ChaosWorld>>, options: { nodes?: number; seed?: number; afterStory?: (world: ChaosWorld) => Promise<void> } = {}): Promise<StoryResult> {
  const world = await startChaosWorld(options.nodes ?? 3, options.seed ?? 0);
  const model: ChaosModel = { deployments: new Map(), services: new Map(), downNodes: new Set(), nodes: world.cluster.nodes.map((n) => n.name) };
  let violations: string[] = [];
  let convergedAfterMs = 0;
  try {
    await setUpWorkload(model, world);
    await fc.asyncModelRun(() => ({ model, real: world }), commands);
    await healAll(model, world);
    await options.afterStory?.(world);
    const result = await awaitConvergence(model, world);
    violations = [...world.safety, ...result.violations];
    convergedAfterMs = result.tookMs;
  } catch (error) {
    violations = [...world.safety, `the story threw: ${(error as Error).stack ?? String(error)}`];
  }
  let objects: string[] = [];
  if (violations.length > 0) {
    world.timeline.step++;
    for (const v of violations) world.timeline.mark('check', v);
    objects = await finalState(observer(world));
  }
  await drive(world.clock, world.cluster.stop()).catch(() => {});
  // The fault that broke it: the last fault left in the (shrunk) story.
  const culprit = world.timeline.events.filter((e) => e.kind === 'fault' && e.lane === CHAOS_LANE).at(-1)?.step;
  const story = world.ran.map(String);
  return {
    violations,
    steps: world.ran.length,
    convergedAfterMs,
    timeline: (seed, replay) =>
      renderTimeline(world.timeline, {
        title: `kubekata chaos, seed ${seed}: the cluster did not converge`,
        story,
        violations,
        ...(culprit !== undefined && { culprit }),
        replay,
        finalState: objects,
      }),
  };
}

/** What a run measured, for the bench line of the test. */
export interface ChaosStats {
  runs: number;
  /** the longest time, on the clock, a run took to converge after its faults stopped */
  slowestConvergenceMs: number;
  steps: number;
}

/** How to run {@link chaosProperty}. */
export interface ChaosParams {
  /** how many stories to try (the tools' test: many; a kata test: a few) */
  numRuns: number;
  /** how many nodes; default 3 */
  nodes?: number;
  /** the longest story; default 30 commands */
  maxCommands?: number;
  /** where failure timelines go; default out/chaos */
  outDir?: string;
  /** the test's name */
  name?: string;
  /** the test's timeout, ms; default 20 s per run plus 5 minutes for shrinking */
  timeoutMs?: number;
  /** the command that runs this test again, printed with a failure (the seed and path are added) */
  replayCommand?: string;
  /** told of every run's numbers */
  onStats?: (stats: ChaosStats) => void;
}

/**
 * Registers the chaos property as a test (call it where a `test` may be declared). Seeded by
 * KATA_SEED like every property; a failure names `<outDir>/<seed>.html`, the timeline of the
 * shrunk counterexample, and the command that replays it.
 */
export function chaosProperty(params: ChaosParams): void {
  const nodes = params.nodes ?? 3;
  const outDir = resolve(params.outDir ?? 'out/chaos');
  const stats: ChaosStats = { runs: 0, slowestConvergenceMs: 0, steps: 0 };
  let lastFailure: { html: (seed: number, replay: string) => string } | undefined;
  const replayPath = process.env.KATA_CHAOS_REPLAY_PATH;
  const arbitrary = fc.commands(chaosCommands(nodes), { maxCommands: params.maxCommands ?? 30, size: 'medium', ...(replayPath && { replayPath }) });
  test.prop([arbitrary, fc.nat()], {
    numRuns: params.numRuns,
    // The default reporter's message, with where the timeline is and the one command that replays it.
    asyncReporter: async (out) => {
      if (!out.failed) return;
      const message = (await fc.asyncDefaultReportMessage(out)) ?? 'Property failed';
      const replayPathOf = /\/\*replayPath="([^"]*)"\*\//.exec(message)?.[1];
      const command = `KATA_SEED=${out.seed} KATA_PATH=${out.counterexamplePath ?? ''}${replayPathOf ? ` KATA_CHAOS_REPLAY_PATH='${replayPathOf}'` : ''} ${params.replayCommand ?? 'KATA_TARGET=solutions npx vitest run tools/test/cluster-chaos.test.ts'}`;
      let where = '';
      if (lastFailure) {
        mkdirSync(outDir, { recursive: true });
        const file = join(outDir, `${out.seed}.html`);
        writeFileSync(file, lastFailure.html(out.seed, command));
        where = `\nThe timeline of the shrunk counterexample: ${relative(process.cwd(), file)}`;
      }
      throw new Error(`${message}${where}\nReplay it: ${command}`, { cause: out.errorInstance });
    },
  } as fc.Parameters<[Iterable<fc.AsyncCommand<ChaosModel, ChaosWorld>>, number]>)(
    params.name ?? 'the whole cluster converges after any story of user actions and faults: every Deployment Running and Ready, endpoints right, nothing orphaned, no node over-committed',
    async (commands, seed) => {
      const run = await runStory(commands, { nodes, seed });
      if (run.violations.length === 0) {
        stats.runs++;
        stats.steps += run.steps;
        stats.slowestConvergenceMs = Math.max(stats.slowestConvergenceMs, run.convergedAfterMs);
        params.onStats?.(stats);
        return;
      }
      lastFailure = { html: run.timeline };
      throw new Error(`the cluster did not converge:\n- ${run.violations.join('\n- ')}`);
    },
    params.timeoutMs ?? params.numRuns * 20_000 + 300_000,
  );
}
