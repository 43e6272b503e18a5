/**
 * The kubelet's events — what `kubectl describe pod` lists under "Events:" (`Pulled`, `Created`,
 * `Started`, `Killing`, `BackOff`, `Unhealthy`, ...). Given code. Upstream: client-go's
 * `tools/record` (event names `<pod>.<hex time>`; the EventCorrelator's EventLogger counts
 * repeats), reasons in `pkg/kubelet/events/event.go`.
 *
 * The same event again — same source, pod, container, type, reason and message — is not a new
 * object: the one written gets `count + 1` and a new `lastTimestamp`, which `kubectl describe pod`
 * prints as `5m (x4 over 12m)`. A crash-looping container therefore has one BackOff event with a
 * growing count, as on a real node. Kata 17's ApiEventRecorder does the same for the controllers.
 *
 * Simplified: no spam filter (upstream lets 25 events per object through, then one every 5
 * minutes), no "(combined from similar events)" aggregation of events that differ only in their
 * message, and a failed write is dropped, as upstream's broadcaster drops after retries.
 *
 * @example
 * ```ts
 * const events = new EventRecorder(client, clock, 'node-1');
 * await events.record(pod, 'Normal', 'Started', 'Started container web', 'web');
 * // an Event in the pod's namespace: involvedObject the pod with fieldPath spec.containers{web},
 * // source { component: 'kubelet', host: 'node-1' }, count 1
 * await events.record(pod, 'Normal', 'Started', 'Started container web', 'web');
 * // the same Event, now count 2, its lastTimestamp the clock's now
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import { toRFC3339, type Clock, type Event, type EventType, type ObjectReference, type Pod } from '@kube/kit';

/** How many distinct events the recorder remembers to count repeats (client-go's maxLruCacheEntries). */
export const KUBELET_EVENT_CACHE_SIZE = 4096;

/** Writes the kubelet's events for pods through the API. */
export class EventRecorder {
  private seq = 0;
  /** the last written Event of each distinct event, by {@link eventKey}, least recently used first */
  private readonly written = new Map<string, Event>();
  /** the writes, one after another in the order recorded (upstream's broadcaster is one queue) */
  private writes: Promise<void> = Promise.resolve();
  /** every event recorded, oldest first, repeats too (for the node's own log and for tests) */
  readonly recorded: { reason: string; message: string; type: EventType; pod: string; container?: string }[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly nodeName: string,
  ) {}

  /**
   * Records an event about `pod` (and one of its containers, whose field path it names:
   * `spec.containers{web}`, `spec.initContainers{init}` when `init` is true, or
   * `spec.ephemeralContainers{debugger-x7k2p}` for one of the pod's ephemeral containers). A
   * repeat of an event already written updates that one instead of creating another.
   */
  async record(pod: Pod, type: EventType, reason: string, message: string, container?: string, init = false): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    this.recorded.push({ reason, message, type, pod: `${namespace}/${pod.metadata.name}`, ...(container ? { container } : {}) });
    const involvedObject: ObjectReference = {
      apiVersion: 'v1',
      kind: 'Pod',
      namespace,
      name: pod.metadata.name!,
      ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
      ...(container ? { fieldPath: `spec.${listOf(pod, container, init)}{${container}}` } : {}),
    };
    await this.write(namespace, involvedObject, type, reason, message);
  }

  /**
   * Records an event about this kubelet's Node (`kubectl describe node`): `Starting`, and each
   * condition's change (`NodeHasSufficientMemory`, `NodeReady`, ...). Upstream's nodeRef names
   * the Node with its name as its uid, and the event goes to the `default` namespace.
   */
  async recordNode(type: EventType, reason: string, message: string): Promise<void> {
    const node: ObjectReference = { kind: 'Node', name: this.nodeName, uid: this.nodeName };
    await this.write('default', node, type, reason, message);
  }

  /**
   * Queues the write behind those recorded before, so that two records of the same event — the
   * kubelet does not wait for its events — count on one Event instead of racing to create two.
   */
  private write(namespace: string, involvedObject: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    this.writes = this.writes.then(() => this.writeNow(namespace, involvedObject, type, reason, message));
    return this.writes;
  }

  private async writeNow(namespace: string, involvedObject: ObjectReference, type: EventType, reason: string, message: string): Promise<void> {
    const key = eventKey(this.nodeName, involvedObject, type, reason, message);
    const now = this.clock.now();
    const events = this.client.events(namespace);
    try {
      const previous = this.written.get(key);
      if (previous) {
        try {
          this.remember(key, await events.update({ ...previous, count: (previous.count ?? 1) + 1, lastTimestamp: toRFC3339(now) }));
          return;
        } catch (error) {
          // Expired (events have a time to live) or changed by someone else: write a new one.
          if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
        }
      }
      const event: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        // the time in ns, as client-go names an event (`%x` of UnixNano), plus a sequence: distinct within a millisecond
        metadata: { name: `${involvedObject.name}.${(BigInt(Math.trunc(now)) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`, namespace },
        involvedObject,
        reason,
        message,
        type,
        source: { component: 'kubelet', host: this.nodeName },
        count: 1,
        firstTimestamp: toRFC3339(now),
        lastTimestamp: toRFC3339(now),
        reportingComponent: 'kubelet',
        reportingInstance: this.nodeName,
      };
      this.remember(key, await events.create(event));
    } catch {
      // An event is for people; losing one must not stop the pod's sync.
    }
  }

  private remember(key: string, event: Event): void {
    this.written.delete(key);
    this.written.set(key, event);
    if (this.written.size > KUBELET_EVENT_CACHE_SIZE) this.written.delete(this.written.keys().next().value!);
  }
}

/**
 * What makes two events the same one (client-go's `getEventKey`): who reports, about which object
 * and field, and the type, reason and message.
 */
function eventKey(host: string, ref: ObjectReference, type: EventType, reason: string, message: string): string {
  return ['kubelet', host, ref.kind, ref.namespace, ref.name, ref.fieldPath, ref.uid, ref.apiVersion, type, reason, message].join('\u0000');
}

/** The list of the pod's spec a container is in (a name is unique across the three). */
function listOf(pod: Pod, container: string, init: boolean): 'initContainers' | 'ephemeralContainers' | 'containers' {
  if (init) return 'initContainers';
  return (pod.spec?.ephemeralContainers ?? []).some((c) => c.name === container) ? 'ephemeralContainers' : 'containers';
}
