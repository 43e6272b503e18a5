/**
 * The client every component of a simulated cluster gets through `startCluster`'s `wrapClient`:
 * it passes each call to the real one, records it for the timeline, and lets the chaos test break
 * the network the ways a real one breaks — every watch of a component drops at once (events not yet
 * delivered are lost), or the apiserver is gone for a while (every call fails as a refused
 * connection does, and so does every new watch).
 *
 * A generalisation of test/support/controllers/cluster.ts's FlakyClient: one client per component,
 * all of them owned by a {@link ChaosNetwork}, so that a fault can hit one component or all.
 *
 * @example
 * ```ts
 * const network = new ChaosNetwork(clock, timeline);
 * const cluster = await startCluster({ ..., wrapClient: network.wrap });
 * network.breakWatches('kube-scheduler');   // its informers watch again
 * network.down = true;                      // every call fails: the apiserver is restarting
 * ```
 */
import { BaseApiClient, DefaultTolerationSeconds, type AdmissionRequest, type ApiClient, type ApiWatch, type ApiWatchEvent, type ResourceClient } from '@kube/apiserver';
import type { Binding, Clock, KubeObject, Namespace } from '@kube/kit';
import type { Timeline } from './timeline.ts';

/** The component a client's user stands for: `system:node:node-1` → `kubelet node-1`. */
export function componentOf(user: string): string {
  if (user === 'kubernetes-admin') return 'user';
  if (user.startsWith('system:node:')) return `kubelet ${user.slice('system:node:'.length)}`;
  if (user.startsWith('system:')) return user.slice('system:'.length);
  return user;
}

/** The error a call gets while the apiserver is down: what a refused connection gives an HTTP client. */
export function connectionRefused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED: kube-apiserver is not running (restarting)'), { code: 'ECONNREFUSED' });
}

/** Every component's client, and the faults that hit them. */
export class ChaosNetwork {
  /** while true, every call fails and every new watch ends with an error */
  down = false;
  private readonly clients = new Map<string, ChaosClient>();

  constructor(
    readonly clock: Clock,
    readonly timeline: Timeline,
  ) {}

  /** `startCluster`'s `wrapClient`: one {@link ChaosClient} per component, on the latest inner client. */
  readonly wrap = (client: ApiClient, user: string): ApiClient => {
    const component = componentOf(user);
    let chaos = this.clients.get(component);
    if (!chaos) {
      chaos = new ChaosClient(client, component, this);
      this.clients.set(component, chaos);
    }
    chaos.inner = client;
    return chaos;
  };

  /** The components with a client, in the order they got one. */
  get components(): string[] {
    return [...this.clients.keys()];
  }

  /** Drops every open watch of `component` (every component's when undefined); returns how many. */
  breakWatches(component?: string): number {
    let broken = 0;
    for (const [name, client] of this.clients) if (component === undefined || name === component) broken += client.breakWatches();
    return broken;
  }
}

/**
 * What kube-apiserver's admission does to a new object that matters here: DefaultTolerationSeconds
 * gives a pod 300 s of tolerance for its node's not-ready and unreachable taints. The cluster's
 * `local` transport calls the registry without the apiserver's admission chain (only its HTTPS
 * apiserver runs it), so without this a pod would be evicted the moment its node is tainted.
 * Admitting twice changes nothing: a pod that tolerates the taints keeps its tolerations.
 */
function admitted<T extends KubeObject>(resource: string, object: T): T {
  if (resource !== 'pods') return object;
  const copy = structuredClone(object);
  const request = { attributes: { resource, subresource: '', namespace: copy.metadata.namespace ?? '' }, operation: 'CREATE', object: copy } as unknown as AdmissionRequest;
  new DefaultTolerationSeconds().admit(request);
  return copy;
}

/** One component's client: records, and fails or breaks when the network says so. */
export class ChaosClient extends BaseApiClient {
  private readonly open = new Set<ChaosWatch<KubeObject>>();

  constructor(
    public inner: ApiClient,
    readonly component: string,
    private readonly network: ChaosNetwork,
  ) {
    super();
  }

  protected async finalizeNamespace(namespace: Namespace): Promise<Namespace> {
    const name = namespace.metadata.name;
    if (this.network.down) {
      const error = connectionRefused();
      this.network.timeline.call(this.component, 'finalize', 'namespaces', name, error);
      throw error;
    }
    try {
      const result = await this.inner.namespaces().finalize(namespace);
      this.network.timeline.call(this.component, 'finalize', 'namespaces', name, undefined, result);
      return result;
    } catch (error) {
      this.network.timeline.call(this.component, 'finalize', 'namespaces', name, error);
      throw error;
    }
  }

  protected async bindPod(namespace: string, binding: Binding): Promise<void> {
    const name = binding.metadata.name;
    const where = `pods ${namespace}`;
    if (this.network.down) {
      const error = connectionRefused();
      this.network.timeline.call(this.component, 'bind', where, name, error);
      throw error;
    }
    try {
      await this.inner.pods(namespace).bind(binding);
      this.network.timeline.call(this.component, 'bind', where, name, undefined, binding);
    } catch (error) {
      this.network.timeline.call(this.component, 'bind', where, name, error);
      throw error;
    }
  }

  resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    const real = this.inner.resource<T>(resource, namespace);
    const call = async <R>(verb: string, name: string | undefined, work: () => Promise<R>, nameOf?: (result: R) => string | undefined): Promise<R> => {
      const where = `${resource}${namespace ? ` ${namespace}` : ''}`;
      if (this.network.down) {
        const error = connectionRefused();
        this.network.timeline.call(this.component, verb, where, name, error);
        throw error;
      }
      try {
        const result = await work();
        this.network.timeline.call(this.component, verb, where, nameOf?.(result) ?? name, undefined, result);
        return result;
      } catch (error) {
        this.network.timeline.call(this.component, verb, where, name, error);
        throw error;
      }
    };
    const named = (object: T) => object.metadata.name;
    return {
      create: (object) => call('create', object.metadata.name ?? `${object.metadata.generateName ?? ''}*`, () => real.create(admitted(resource, object)), named),
      get: (name) => call('get', name, () => real.get(name)),
      list: (options) => call('list', options?.labelSelector ?? options?.fieldSelector, () => real.list(options)),
      update: (object) => call('update', object.metadata.name, () => real.update(object)),
      updateStatus: (object) => call('updateStatus', object.metadata.name, () => real.updateStatus(object)),
      delete: (name, options) => call('delete', name, () => real.delete(name, options)),
      watch: (options) => {
        const where = `${resource}${namespace ? ` ${namespace}` : ''}`;
        if (this.network.down) {
          this.network.timeline.call(this.component, 'watch', where, `from ${options?.resourceVersion ?? 'now'}`, connectionRefused());
          return new RefusedWatch<T>();
        }
        this.network.timeline.call(this.component, 'watch', where, `from ${options?.resourceVersion || 'now'}`);
        const watch = new ChaosWatch<T>(real.watch(options), () => this.open.delete(watch as unknown as ChaosWatch<KubeObject>));
        this.open.add(watch as unknown as ChaosWatch<KubeObject>);
        return watch;
      },
    };
  }

  /** Drops every open watch; returns how many there were. */
  breakWatches(): number {
    const watches = [...this.open];
    for (const watch of watches) watch.break();
    return watches.length;
  }
}

/** A watch the network can drop: once broken, nothing more is delivered, queued events are lost. */
class ChaosWatch<T extends KubeObject> implements ApiWatch<T> {
  private broken = false;

  constructor(
    private readonly inner: ApiWatch<T>,
    private readonly onEnd: () => void,
  ) {}

  poll(): ApiWatchEvent<T>[] {
    return this.broken ? [] : this.inner.poll();
  }

  stop(): void {
    this.inner.stop();
    this.onEnd();
  }

  break(): void {
    this.broken = true;
    this.stop();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent<T>> {
    try {
      for await (const event of this.inner) {
        if (this.broken) return;
        yield event;
      }
    } finally {
      this.onEnd();
    }
  }
}

/** A watch asked for while the apiserver is down: its stream fails at once, as a refused connection does. */
class RefusedWatch<T extends KubeObject> implements ApiWatch<T> {
  poll(): ApiWatchEvent<T>[] {
    return [];
  }

  stop(): void {}

  // eslint-disable-next-line require-yield
  async *[Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent<T>> {
    throw connectionRefused();
  }
}
