/**
 * A control plane for the controllers' tests: the reference (or the learner's) etcd store and
 * apiserver registry, a fake clock, and a client that the test can make misbehave the ways a real
 * network does — watches that break and lose what they had not delivered, watches that fall
 * behind, lists that fail, creates and deletes the server refuses.
 *
 * Everything runs in this process on promises: after a change, {@link ControllerCluster.settle}
 * lets every informer and worker catch up (the event loop turns, the clock moves by 0), with no
 * wall clock and no sleep.
 *
 * @example
 * ```ts
 * const cluster = new ControllerCluster();
 * const informer = new SharedIndexInformer<Pod>({ lw: cluster.client.pods(), clock: cluster.clock });
 * void informer.run();
 * await cluster.client.pods('default').create(makePod('web'));
 * await cluster.settle();                    // informer.indexer has default/web
 * cluster.client.breakWatches();             // the stream drops: the informer watches again
 * await cluster.compact();                   // ...and if it had fallen behind, gets a 410 and relists
 * ```
 */
import { ForwardingClient, internalError, LocalClient, Registry, type ApiClient, type ApiWatch, type ApiWatchEvent, type NamespaceClient, type ResourceClient } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type KubeObject, type Pod, type Status } from '@kube/kit';

export const START = Date.UTC(2026, 0, 1);

/** A pod with one container and the given labels. */
export function makePod(name: string, options: { namespace?: string; labels?: Record<string, string>; nodeName?: string } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: options.namespace ?? 'default', ...(options.labels && { labels: options.labels }) },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...(options.nodeName && { nodeName: options.nodeName }) },
  };
}

/** The store, the registry, the clock, and a {@link FlakyClient} on them. */
export class ControllerCluster {
  readonly store = new MvccStore();
  readonly clock = new FakeClock(START);
  readonly registry = new Registry({ store: this.store, clock: this.clock, random: new Random(17) });
  readonly client = new FlakyClient(new LocalClient(this.registry));

  /** Lets every informer, watch and worker run until nothing more can happen without time passing. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) await this.clock.advance(0);
  }

  /** Moves the clock (firing back-offs, bookmarks, resyncs, delayed keys) and settles. */
  async advance(ms: number): Promise<void> {
    await this.clock.advance(ms);
    await this.settle();
  }

  /** Compacts the store's history up to now: a watch from an older resourceVersion gets 410 Expired. */
  async compact(): Promise<void> {
    if (this.store.revision > this.store.compacted) this.store.compact(this.store.revision);
    await this.settle();
  }

  /** Every object of `resource` on the server, as key -> resourceVersion. */
  async serverState(resource = 'pods'): Promise<Map<string, string>> {
    const list = await this.client.inner.resource<KubeObject>(resource).list();
    return new Map(list.items.map((o) => [`${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`, o.metadata.resourceVersion!]));
  }
}

/**
 * A client that passes every call to `inner`, except that the test decides what happens to lists
 * and watches: {@link breakWatches}, {@link failWatches}, {@link hold} / {@link release},
 * {@link failNextLists}.
 */
export class FlakyClient extends ForwardingClient {
  private readonly open = new Set<TestWatch<KubeObject>>();
  private listFailures = 0;
  private held = false;
  private readonly heldResources = new Set<string>();
  /** refusals still to come, by `<verb> <resource>` */
  private readonly writeFailures = new Map<string, { count: number; error: () => Error }>();
  /** lists and watches asked for, for tests that count them */
  readonly calls = { lists: 0, watches: 0 };
  /** every update sent, as `update nodes/n1` or `updateStatus pods/default/web`, for tests that count writes */
  readonly updates: string[] = [];

  /**
   * What the HTTP API does with namespaces (upstream's namespace strategy), which the in-process
   * client does not: a plain update keeps `spec.finalizers` as stored; only finalize changes them.
   */
  override namespaces(): NamespaceClient {
    const namespaces = super.namespaces();
    const stored = this.inner.namespaces();
    return {
      ...namespaces,
      update: async (namespace) => {
        const finalizers = (await stored.get(namespace.metadata.name ?? '')).spec?.finalizers;
        return namespaces.update({ ...namespace, spec: { ...namespace.spec, ...(finalizers && { finalizers }) } });
      },
    };
  }

  override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    const real = this.inner.resource<T>(resource, namespace);
    return {
      ...real,
      list: async (options) => {
        this.calls.lists++;
        if (this.listFailures > 0) {
          this.listFailures--;
          throw internalError('etcdserver: request timed out');
        }
        return real.list(options);
      },
      create: (object) => this.refuse('create', resource) ?? real.create(object),
      update: (object) => {
        this.updates.push(`update ${resource}/${namespace ? `${namespace}/` : ''}${object.metadata.name}`);
        return real.update(object);
      },
      updateStatus: (object) => {
        this.updates.push(`updateStatus ${resource}/${namespace ? `${namespace}/` : ''}${object.metadata.name}`);
        return real.updateStatus(object);
      },
      delete: (name, options) => this.refuse('delete', resource) ?? real.delete(name, options),
      watch: (options) => {
        this.calls.watches++;
        const watch = new TestWatch<T>(real.watch(options), this, resource);
        this.open.add(watch as unknown as TestWatch<KubeObject>);
        return watch;
      },
    };
  }

  /** How many watches are open. */
  get openWatches(): number {
    return this.open.size;
  }

  /** Is delivery of `resource`'s watches held back? */
  isHeld(resource: string): boolean {
    return this.held || this.heldResources.has(resource);
  }

  /** Ends every open watch as a dropped connection does: events not yet delivered are lost. */
  breakWatches(): void {
    for (const watch of [...this.open]) watch.break();
  }

  /** Sends `status` as an ERROR event on every open watch, then ends them. */
  failWatches(status: Status): void {
    for (const watch of [...this.open]) watch.fail(status);
  }

  /** The next `n` lists fail with a 500. */
  failNextLists(n: number): void {
    this.listFailures += n;
  }

  /**
   * The next `count` creates (or deletes) of `resource` are refused with `error()` — a quota, an
   * admission webhook, etcd timing out — before they reach the server.
   *
   * @example
   * ```ts
   * cluster.client.failNextWrites('create', 'pods', 1, () => forbidden('pods', 'web-x7k2p', 'exceeded quota: compute'));
   * ```
   */
  failNextWrites(verb: 'create' | 'delete', resource: string, count: number, error: () => Error): void {
    this.writeFailures.set(`${verb} ${resource}`, { count, error });
  }

  private refuse(verb: 'create' | 'delete', resource: string): Promise<never> | undefined {
    const failure = this.writeFailures.get(`${verb} ${resource}`);
    if (!failure || failure.count <= 0) return undefined;
    failure.count--;
    return Promise.reject(failure.error());
  }

  /** Watches (of `resource` only, if given) deliver nothing until {@link release}: informers fall behind. */
  hold(resource?: string): void {
    if (resource === undefined) this.held = true;
    else this.heldResources.add(resource);
  }

  /** Every watch delivers again. */
  release(): void {
    this.held = false;
    this.heldResources.clear();
    for (const watch of this.open) watch.wake();
  }

  /** The network heals: watches deliver again and lists stop failing. */
  heal(): void {
    this.listFailures = 0;
    this.release();
  }

  /** @internal */
  forget(watch: TestWatch<KubeObject>): void {
    this.open.delete(watch);
  }
}

/** A watch between the server's and the reader, which the {@link FlakyClient} can hold, break or fail. */
class TestWatch<T extends KubeObject> implements ApiWatch<T> {
  private readonly queue: ApiWatchEvent<T>[] = [];
  /** the server's stream has ended (what is queued is still delivered) */
  private innerDone = false;
  /** the connection is gone: nothing more is delivered */
  private broken = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly inner: ApiWatch<T>,
    private readonly owner: FlakyClient,
    private readonly resource: string,
  ) {
    void this.pump();
  }

  poll(): ApiWatchEvent<T>[] {
    return this.broken || this.owner.isHeld(this.resource) ? [] : this.queue.splice(0);
  }

  stop(): void {
    this.break();
  }

  break(): void {
    if (this.broken) return;
    this.broken = true;
    this.queue.length = 0;
    this.inner.stop();
    this.owner.forget(this as unknown as TestWatch<KubeObject>);
    this.wake();
  }

  fail(status: Status): void {
    if (this.broken) return;
    this.queue.push({ type: 'ERROR', object: status });
    this.innerDone = true;
    this.inner.stop();
    this.wake();
  }

  wake(): void {
    const resume = this.waiter;
    this.waiter = undefined;
    resume?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent<T>> {
    try {
      for (;;) {
        if (this.broken) return;
        if (!this.owner.isHeld(this.resource) && this.queue.length > 0) {
          yield this.queue.shift()!;
          continue;
        }
        if (this.innerDone && this.queue.length === 0) return;
        await new Promise<void>((resume) => (this.waiter = resume));
      }
    } finally {
      this.break();
    }
  }

  private async pump(): Promise<void> {
    try {
      for await (const event of this.inner) {
        if (this.broken || this.innerDone) return;
        this.queue.push(event);
        this.wake();
      }
    } finally {
      this.innerDone = true;
      this.wake();
    }
  }
}
