/**
 * The kubelet's events — what `kubectl describe pod` lists under "Events:" (`Pulled`, `Created`,
 * `Started`, `Killing`, `BackOff`, `Unhealthy`, ...). Given code. Upstream: client-go's
 * `tools/record` (event names `<pod>.<hex time>`, aggregation of repeats), reasons in
 * `pkg/kubelet/events/event.go`.
 *
 * Simplified: every event is its own object (upstream counts repeats of the same one in
 * `count`), and a failed write is dropped, as upstream's broadcaster drops after retries.
 *
 * @example
 * ```ts
 * const events = new EventRecorder(client, clock, 'node-1');
 * await events.record(pod, 'Normal', 'Started', 'Started container web', 'web');
 * // an Event in the pod's namespace: involvedObject the pod with fieldPath spec.containers{web}, source { component: 'kubelet', host: 'node-1' }
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import { toRFC3339, type Clock, type Event, type EventType, type Pod } from '@kube/kit';

/** Writes the kubelet's events for pods through the API. */
export class EventRecorder {
  private seq = 0;
  /** every event recorded, oldest first (for the node's own log and for tests) */
  readonly recorded: { reason: string; message: string; type: EventType; pod: string; container?: string }[] = [];

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly nodeName: string,
  ) {}

  /**
   * Records an event about `pod` (and one of its containers, whose field path it names:
   * `spec.containers{web}`, or `spec.initContainers{init}` when `init` is true).
   */
  async record(pod: Pod, type: EventType, reason: string, message: string, container?: string, init = false): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    this.recorded.push({ reason, message, type, pod: `${namespace}/${pod.metadata.name}`, ...(container ? { container } : {}) });
    const now = this.clock.now();
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod.metadata.name}.${(now * 1000 + (this.seq++ % 1000)).toString(16)}`, namespace },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        name: pod.metadata.name!,
        ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}),
        ...(container ? { fieldPath: `spec.${init ? 'initContainers' : 'containers'}{${container}}` } : {}),
      },
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
    try {
      await this.client.events(namespace).create(event);
    } catch {
      // An event is for people; losing one must not stop the pod's sync.
    }
  }
}
