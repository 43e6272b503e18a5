/**
 * A small cluster for the scheduler's tests: a real registry on a real store, a client, and a hand
 * on the event stream. The scheduler hears of changes only when the test calls {@link deliver}, as
 * if its watch were late: between two deliveries, its only view of its own bindings is its cache.
 *
 * @example
 * ```ts
 * const cluster = new TestCluster();
 * await cluster.addNode(makeNode('n1'));
 * await cluster.addPod(makePod('web'));
 * cluster.deliver(scheduler);              // ADDED node n1, ADDED pod web
 * await scheduler.scheduleNext();          // binds web to n1 in the store
 * (await cluster.pod('web')).spec.nodeName // 'n1'
 * ```
 */
import { LocalClient, Registry } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Node, type Pod } from '@kube/kit';
import type { EventType } from '@kube/scheduler';

/** What receives events: the scheduler's two handlers. */
export interface EventSink {
  onPod(type: EventType, pod: Pod): void;
  onNode(type: EventType, node: Node): void;
}

export const START = Date.UTC(2026, 0, 1);

export class TestCluster {
  readonly store = new MvccStore();
  readonly clock = new FakeClock(START);
  readonly registry = new Registry({ store: this.store, clock: this.clock, random: new Random(11) });
  readonly client = new LocalClient(this.registry);
  /** what each sink was last told: key -> resourceVersion */
  private readonly told = new WeakMap<EventSink, Map<string, string>>();

  async addNode(node: Node): Promise<Node> {
    return this.client.nodes().create(node);
  }

  async addPod(pod: Pod): Promise<Pod> {
    return this.client.pods(pod.metadata.namespace ?? 'default').create(pod);
  }

  async deletePod(name: string, namespace = 'default'): Promise<void> {
    await this.client.pods(namespace).delete(name);
  }

  async pod(name: string, namespace = 'default'): Promise<Pod> {
    return this.client.pods(namespace).get(name);
  }

  /** Every pod in the store now. */
  async pods(): Promise<Pod[]> {
    return (await this.client.pods().list()).items;
  }

  async nodes(): Promise<Node[]> {
    return (await this.client.nodes().list()).items;
  }

  /** Tells `sink` of every change since it was last told: ADDED, MODIFIED, DELETED. */
  async deliver(sink: EventSink): Promise<void> {
    let told = this.told.get(sink);
    if (!told) this.told.set(sink, (told = new Map()));
    const seen = new Set<string>();
    const tell = (kind: 'node' | 'pod', object: Node | Pod) => {
      const key = `${kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      seen.add(key);
      const before = told.get(key);
      if (before === object.metadata.resourceVersion) return;
      told.set(key, object.metadata.resourceVersion!);
      const type: EventType = before === undefined ? 'ADDED' : 'MODIFIED';
      if (kind === 'node') sink.onNode(type, object as Node);
      else sink.onPod(type, object as Pod);
    };
    for (const node of await this.nodes()) tell('node', node);
    for (const pod of await this.pods()) tell('pod', pod);
    for (const key of [...told.keys()]) {
      if (seen.has(key)) continue;
      told.delete(key);
      const [kind, namespace, name] = key.split('/') as [string, string, string];
      const metadata = { name, ...(namespace ? { namespace } : {}) };
      if (kind === 'node') sink.onNode('DELETED', { metadata } as Node);
      else sink.onPod('DELETED', { metadata, spec: { containers: [] } } as Pod);
    }
  }
}
