/**
 * A node for the kubelet's tests: the reference (or the learner's) store and registry, a fake
 * clock, a client, a runtime (FakeRuntime unless the test brings its own) and a Kubelet for
 * `node-1`. Everything runs in this process on promises: {@link TestNode.settle} lets the
 * watch, the workers and the probes catch up without time passing; {@link TestNode.advance}
 * moves the clock timer by timer, settling after each, so that what a timer starts happens at
 * its moment.
 *
 * @example
 * ```ts
 * const node = await TestNode.start();
 * await node.client.pods('default').create(podOn('node-1', 'web'));
 * await node.settle();
 * (await node.pod('web')).status?.phase;   // 'Running'
 * await node.advance(10_000);
 * await node.stop();
 * ```
 */
import { BaseApiClient, LocalClient, Registry, type ApiClient, type ApiWatch, type ResourceClient } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Binding, type Container, type Event, type KubeObject, type Namespace, type Pod } from '@kube/kit';
import { Kubelet } from '@kube/kubelet';
import { FakeRuntime, type RuntimeService } from '@kube/runtime';

export const START = Date.UTC(2026, 0, 1);
export const NODE = 'node-1';

/** A pod bound to `node` with the given containers (default: one `app` running kubekata/sleeper). */
export function podOn(node: string, name: string, spec: { containers?: Container[]; initContainers?: Container[]; restartPolicy?: 'Always' | 'OnFailure' | 'Never'; terminationGracePeriodSeconds?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      containers: spec.containers ?? [{ name: 'app', image: 'kubekata/sleeper' }],
      ...(spec.initContainers ? { initContainers: spec.initContainers } : {}),
      ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}),
      ...(spec.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds } : {}),
    },
  };
}

/**
 * The kubelet's view of the apiserver, which the test can take down: while down every call is
 * refused as a connection would be (not a Status: nothing answered) and every watch ends, as when
 * the apiserver restarts; back up, the kubelet's relist finds it again.
 */
export class OutageClient extends BaseApiClient {
  private isDown = false;
  private readonly watches = new Set<ApiWatch<KubeObject>>();
  private listGate: Promise<void> | undefined;
  private readonly refused = new Set<string>();
  private readonly answers = new Map<string, Error>();
  private readonly interceptions = new Map<string, () => Promise<unknown>>();
  /** every call made through it, as `<verb> <resource>` (`list pods`, `updateStatus pods`, ...), in order */
  readonly calls: string[] = [];

  constructor(private readonly inner: ApiClient) {
    super();
  }

  /**
   * Every call refused from now on, and every open watch ended; or, given calls
   * (`<verb> <resource>`: `delete pods`), only those refused, the rest answered as before.
   */
  down(...calls: string[]): void {
    if (calls.length > 0) {
      for (const call of calls) this.refused.add(call);
      return;
    }
    this.isDown = true;
    for (const watch of this.watches) watch.stop();
    this.watches.clear();
  }

  /** Every call `call` (`updateStatus pods`) answered with `error`, a Status the apiserver sends back, until {@link up}. */
  answerWith(error: Error, call: string): void {
    this.answers.set(call, error);
  }

  /** Every call answered again. */
  up(): void {
    this.isDown = false;
    this.refused.clear();
    this.answers.clear();
  }

  /**
   * Runs `action` just before the next call `call` (`delete pods`) goes on, once: the test can
   * change the API under a call the kubelet has already decided on.
   */
  beforeNext(call: string, action: () => Promise<unknown>): void {
    this.interceptions.set(call, action);
  }

  /**
   * Holds every list from now on until the returned function is called: then they go on (and are
   * answered, or refused when it is given an error).
   */
  holdLists(): (error?: Error) => void {
    let release!: (error?: Error) => void;
    this.listGate = new Promise<void>((resolve, reject) => (release = (error) => (error ? reject(error) : resolve())));
    this.listGate.catch(() => undefined);
    return (error) => {
      this.listGate = undefined;
      release(error);
    };
  }

  protected finalizeNamespace(namespace: Namespace): Promise<Namespace> {
    return this.isDown ? Promise.reject(new Error('connect ECONNREFUSED: the apiserver is down (namespaces)')) : this.inner.namespaces().finalize(namespace);
  }

  protected bindPod(namespace: string, binding: Binding): Promise<void> {
    return this.isDown ? Promise.reject(new Error('connect ECONNREFUSED: the apiserver is down (pods)')) : this.inner.pods(namespace).bind(binding);
  }

  resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    const inner = this.inner.resource<T>(resource, namespace);
    const call = <A extends unknown[], R>(verb: string, method: (...args: A) => Promise<R>) => (...args: A): Promise<R> => {
      const name = `${verb} ${resource}`;
      this.calls.push(name);
      const goOn = (): Promise<R> => {
        if (this.isDown || this.refused.has(name)) return Promise.reject(new Error(`connect ECONNREFUSED: the apiserver is down (${resource})`));
        const answer = this.answers.get(name);
        return answer ? Promise.reject(answer) : method.apply(inner, args);
      };
      const before = this.interceptions.get(name);
      if (!before) return goOn();
      this.interceptions.delete(name);
      return before().then(goOn);
    };
    const list = call('list', inner.list);
    return {
      create: call('create', inner.create),
      get: call('get', inner.get),
      list: (...args) => {
        const gate = this.listGate;
        return gate ? gate.then(() => list(...args)) : list(...args);
      },
      update: call('update', inner.update),
      updateStatus: call('updateStatus', inner.updateStatus),
      delete: call('delete', inner.delete),
      watch: (options) => {
        this.calls.push(`watch ${resource}`);
        const watch = inner.watch(options);
        if (this.isDown) watch.stop();
        else this.watches.add(watch as ApiWatch<KubeObject>);
        return watch;
      },
    };
  }
}

/** The store, registry, client, clock, runtime and kubelet of one node. */
export class TestNode {
  readonly store = new MvccStore();
  readonly registry: Registry;
  readonly client: LocalClient;
  /** the kubelet's client: `apiserver.down()` and `apiserver.up()` take the apiserver away from it and back */
  readonly apiserver: OutageClient;
  readonly kubelet: Kubelet;

  private constructor(
    readonly clock: FakeClock,
    readonly runtime: RuntimeService,
    options: { logRoot?: string },
  ) {
    this.registry = new Registry({ store: this.store, clock, random: new Random(23) });
    this.client = new LocalClient(this.registry);
    this.apiserver = new OutageClient(this.client);
    this.kubelet = new Kubelet({ nodeName: NODE, client: this.apiserver, runtime, clock, nodeIP: '127.0.0.1', ...options });
  }

  /** A node with a started kubelet (on a FakeRuntime, unless one is given with its clock). */
  static async start(options: { clock?: FakeClock; runtime?: RuntimeService; logRoot?: string } = {}): Promise<TestNode> {
    const clock = options.clock ?? new FakeClock(START);
    const runtime = options.runtime ?? new FakeRuntime({ clock, podCIDR: '127.0.1.0/24' });
    const node = new TestNode(clock, runtime, options.logRoot ? { logRoot: options.logRoot } : {});
    await node.kubelet.start();
    return node;
  }

  /** The fake runtime (for scripting behaviours and crashes). */
  get fake(): FakeRuntime {
    if (!(this.runtime instanceof FakeRuntime)) throw new Error('this node runs a ProcessRuntime, not a FakeRuntime');
    return this.runtime;
  }

  /** Lets the watch, the workers and the probes do everything they can without time passing (on a FakeRuntime). */
  async settle(): Promise<void> {
    // A worker may be waiting for the clock (a grace period): turns of the event loop, not idle().
    let quiet = 0;
    for (let i = 0; i < 50 && quiet < 3; i++) {
      await this.clock.advance(0);
      quiet = this.kubelet.busy ? 0 : quiet + 1;
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

  /** The pod as the API has it now. */
  pod(name: string, namespace = 'default'): Promise<Pod> {
    return this.client.pods(namespace).get(name);
  }

  /** Does the API still have the pod? */
  async exists(name: string, namespace = 'default'): Promise<boolean> {
    return (await this.client.pods(namespace).list()).items.some((p) => p.metadata.name === name);
  }

  /**
   * The events recorded about pod `name`, as `reason: message`, an Event whose `count` is 3
   * three times (a repeat updates the Event written before instead of making another).
   */
  async events(name: string, namespace = 'default'): Promise<string[]> {
    const events = (await this.client.events(namespace).list()).items as Event[];
    return events.filter((e) => e.involvedObject.name === name).flatMap((e) => Array<string>(e.count ?? 1).fill(`${e.reason}: ${e.message}`));
  }

  /** What the kubelet recorded about pod `name`, as `reason: message`, in order, repeats included (its own log). */
  recorded(name: string, namespace = 'default'): string[] {
    return this.kubelet.events.recorded.filter((e) => e.pod === `${namespace}/${name}`).map((e) => `${e.reason}: ${e.message}`);
  }

  /** The Events about pod `name` as the API has them. */
  async eventObjects(name: string, namespace = 'default'): Promise<Event[]> {
    return ((await this.client.events(namespace).list()).items as Event[]).filter((e) => e.involvedObject.name === name);
  }

  async stop(): Promise<void> {
    let stopped = false;
    const stopping = this.kubelet.stop().finally(() => (stopped = true));
    // A test that failed half-way can leave a sync or the list loop waiting on the fake clock (a
    // grace period, the 1 s pause after a failed list): on a FakeRuntime, time moves on until the
    // kubelet has stopped, so that one failure does not hang the file. (Real processes stop in
    // their own time.)
    if (this.runtime instanceof FakeRuntime) for (let i = 0; i < 600 && !stopped; i++) await this.clock.advance(1_000);
    await stopping;
  }
}
