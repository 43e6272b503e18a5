/**
 * A node whose kubelet can die and come back, for kata 25's tests: one store, registry, client,
 * fake clock and runtime live on; kubelets come and go on top of them. A kubelet "dies" the way
 * a process does: at a chosen runtime call its connection to the runtime is cut (that call and
 * every later one fail, as they would on a closed socket), its watch and timers stop, and what
 * the runtime already did stays done — the runtime is another process that lives on.
 *
 * @example
 * ```ts
 * const node = new AgentNode();
 * await node.startKubelet();
 * await node.client.pods('default').create(podOn(NODE, 'web'));
 * await node.settle();
 * await node.crash(3);          // dies at its 3rd runtime call from now (or when stopped, if it makes fewer)
 * await node.startKubelet();    // a new kubelet on the same runtime
 * ```
 */
import { LocalClient, Registry } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random } from '@kube/kit';
import { Kubelet, type NodeAgentSetup, type NodeHealth } from '@kube/kubelet';
import { FakeRuntime, RuntimeError, type RuntimeService } from '@kube/runtime';
import { NODE, START } from './node.ts';

/** The pod CIDR of the node, inside 127.0.0.0/8. */
export const POD_CIDR = '127.0.25.0/24';

/**
 * The runtime as one kubelet process reaches it: every call goes through, until the connection
 * is cut (after `budget` more calls), then every call fails with `Unavailable`-like errors.
 */
export class RuntimeConnection implements RuntimeService {
  private budget = Number.POSITIVE_INFINITY;
  /** how many calls went through */
  calls = 0;

  constructor(private readonly runtime: RuntimeService) {}

  /** Cuts the connection at the `n`th call from now (0: now). */
  cutAfter(n: number): void {
    this.budget = this.calls + n;
  }

  get cut(): boolean {
    return this.calls >= this.budget;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    if (this.cut) throw new RuntimeError('Unknown', 'connection to the runtime closed: this kubelet process is dead');
    this.calls += 1;
    return work();
  }

  runPodSandbox: RuntimeService['runPodSandbox'] = (c) => this.call(() => this.runtime.runPodSandbox(c));
  stopPodSandbox: RuntimeService['stopPodSandbox'] = (id) => this.call(() => this.runtime.stopPodSandbox(id));
  removePodSandbox: RuntimeService['removePodSandbox'] = (id) => this.call(() => this.runtime.removePodSandbox(id));
  podSandboxStatus: RuntimeService['podSandboxStatus'] = (id) => this.call(() => this.runtime.podSandboxStatus(id));
  listPodSandbox: RuntimeService['listPodSandbox'] = (f) => this.call(() => this.runtime.listPodSandbox(f));
  createContainer: RuntimeService['createContainer'] = (id, c) => this.call(() => this.runtime.createContainer(id, c));
  startContainer: RuntimeService['startContainer'] = (id) => this.call(() => this.runtime.startContainer(id));
  stopContainer: RuntimeService['stopContainer'] = (id, t) => this.call(() => this.runtime.stopContainer(id, t));
  removeContainer: RuntimeService['removeContainer'] = (id) => this.call(() => this.runtime.removeContainer(id));
  listContainers: RuntimeService['listContainers'] = (f) => this.call(() => this.runtime.listContainers(f));
  containerStatus: RuntimeService['containerStatus'] = (id) => this.call(() => this.runtime.containerStatus(id));
  execSync: RuntimeService['execSync'] = (id, cmd, t) => this.call(() => this.runtime.execSync(id, cmd, t));
  onContainerEvent: RuntimeService['onContainerEvent'] = (listener) =>
    this.runtime.onContainerEvent((event) => {
      if (!this.cut) listener(event);
    });
}

/** The store, registry, client, clock and runtime of one node, and its current kubelet. */
export class AgentNode {
  readonly clock = new FakeClock(START);
  readonly store = new MvccStore();
  readonly registry = new Registry({ store: this.store, clock: this.clock, random: new Random(25) });
  readonly client = new LocalClient(this.registry);
  readonly runtime: FakeRuntime = new FakeRuntime({ clock: this.clock, podCIDR: POD_CIDR });
  /** what the node's health is: the tests change it */
  health: NodeHealth = { memoryPressure: false, diskPressure: false, pidPressure: false, notReadyReasons: [] };
  kubelet: Kubelet | undefined;
  connection: RuntimeConnection | undefined;
  /** the kubelets started so far */
  starts = 0;

  /** Starts a kubelet for `node-1` as a node agent, on a new connection to the runtime. */
  async startKubelet(setup: NodeAgentSetup = {}): Promise<Kubelet> {
    this.connection = new RuntimeConnection(this.runtime);
    this.kubelet = new Kubelet({
      nodeName: NODE,
      client: this.client,
      runtime: this.connection,
      clock: this.clock,
      nodeIP: '127.0.0.1',
      node: { config: { podCIDR: POD_CIDR }, health: () => this.health, kubeletPort: 10250, ...setup },
    });
    this.starts += 1;
    await this.kubelet.start();
    return this.kubelet;
  }

  /**
   * The kubelet dies at its `n`th runtime call from now: the test lets it work (settle) until
   * then, and its process is gone — its watch, its timers and its later calls with it.
   */
  async crash(n: number): Promise<void> {
    const kubelet = this.kubelet!;
    this.connection!.cutAfter(n);
    await this.settle();
    this.connection!.cutAfter(0);
    await kubelet.stop();
    this.kubelet = undefined;
  }

  /** Lets the watch, the workers and the agent do what they can without time passing. */
  async settle(): Promise<void> {
    let quiet = 0;
    for (let i = 0; i < 60 && quiet < 3; i++) {
      await this.clock.advance(0);
      quiet = this.kubelet?.busy ? 0 : quiet + 1;
    }
  }

  /** Moves the clock by `ms`, timer by timer, settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms;
    await this.settle();
    for (let due = this.clock.nextDue(); due !== undefined && due <= end; due = this.clock.nextDue()) {
      await this.clock.advance(Math.max(0, due - this.clock.now()));
      await this.settle();
    }
    await this.clock.advance(end - this.clock.now());
    await this.settle();
  }

  async stop(): Promise<void> {
    await this.kubelet?.stop();
  }
}
