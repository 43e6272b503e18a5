/**
 * Events: what `kubectl describe` shows under "Events:" and `kubectl get events` lists — "Scaled
 * up replica set web-5d8f7c6b9f from 0 to 3", "Created pod: web-5d8f7c6b9f-x7k2p". A controller
 * tells an {@link EventRecorder} what happened to an object; the controller manager's recorder
 * ({@link ApiEventRecorder}) writes core/v1 Events through the API (client-go's tools/record), and
 * a test may keep them in a list ({@link RecordingEventRecorder}). This file is given: no kata asks
 * you to write it.
 *
 * @example
 * ```ts
 * recorder.event(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-5d8f7c6b9f from 0 to 3');
 * ```
 */
import { toRFC3339, type Clock, type Event, type EventType, type KubeObject, type ObjectReference } from '@kube/kit';
import { isStatusError, type ApiClient } from '@kube/apiserver';

/** Where a controller reports what it did (client-go's `record.EventRecorder`). */
export interface EventRecorder {
  /** Something happened to `object`: `reason` is one CamelCase word, `message` a sentence for people. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void;
}

/** A recorder that forgets every event: the default of a controller given none. */
export const DISCARD_EVENTS: EventRecorder = { event: () => {} };

/** One event as a {@link RecordingEventRecorder} keeps it. */
export interface RecordedEvent {
  /** `Deployment default/web` */
  object: string;
  type: EventType;
  reason: string;
  message: string;
}

/**
 * A recorder that keeps every event in a list, in order (client-go's `record.FakeRecorder`), for
 * tests and for a program that prints them.
 *
 * @example
 * ```ts
 * const recorder = new RecordingEventRecorder();
 * recorder.event(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-abc from 0 to 3');
 * recorder.events[0];  // { object: 'Deployment default/web', type: 'Normal', reason: 'ScalingReplicaSet', message: '...' }
 * ```
 */
export class RecordingEventRecorder implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const { namespace, name } = object.metadata;
    this.events.push({ object: `${object.kind ?? 'Object'} ${namespace ? `${namespace}/` : ''}${name ?? ''}`, type, reason, message });
  }
}

/** What an {@link ApiEventRecorder} needs. */
export interface ApiEventRecorderOptions {
  client: ApiClient;
  clock: Clock;
  /** who reports: `deployment-controller`, `replicaset-controller` (the events' source.component) */
  component: string;
  /** which instance: the controller manager's identity (source.host, reportingInstance) */
  host?: string;
  /** told of each event that could not be written (events are best effort: a controller never waits for them) */
  onError?: (error: unknown) => void;
}

/** How many distinct events a recorder remembers to count repeats (client-go's maxLruCacheEntries). */
export const EVENT_CACHE_SIZE = 4096;

/**
 * Writes events through the API as client-go's recorder does (tools/record: the broadcaster, the
 * EventCorrelator's EventLogger): a new event is created as `<object>.<hex time>` in the object's
 * namespace (`default` for a cluster-scoped one) with count 1; the same event again (same
 * source, object, type, reason and message) updates the one written: count + 1, lastTimestamp now.
 * Writes happen in the background, one at a time, in order; {@link flush} waits for them.
 * Left out: the spam filter (25 events per object, then one every 5 minutes) and the aggregation
 * of similar events with different messages.
 *
 * @example
 * ```ts
 * const recorder = new ApiEventRecorder({ client, clock, component: 'deployment-controller' });
 * recorder.event(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-5d8f7c6b9f from 0 to 3');
 * await recorder.flush();   // kubectl get events shows it
 * ```
 */
export class ApiEventRecorder implements EventRecorder {
  private readonly written = new Map<string, Event>();
  private writes: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(private readonly options: ApiEventRecorderOptions) {}

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const { kind, apiVersion } = object;
    const { namespace, name, uid, resourceVersion } = object.metadata;
    const involvedObject: ObjectReference = { kind, apiVersion, namespace, name, uid, resourceVersion };
    const at = this.options.clock.now();
    // A distinct name even for two events in the same millisecond: the time in ns, plus a sequence.
    const id = (BigInt(at) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16);
    this.writes = this.writes
      .then(() => this.write(involvedObject, type, reason, message, at, id))
      .catch((error: unknown) => this.options.onError?.(error));
  }

  /** Resolves once every event recorded so far is written (or failed). */
  flush(): Promise<void> {
    return this.writes;
  }

  private async write(ref: ObjectReference, type: EventType, reason: string, message: string, at: number, id: string): Promise<void> {
    const { component, host } = this.options;
    const namespace = ref.namespace || 'default';
    const events = this.options.client.events(namespace);
    const key = [component, host, ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason, message].join('\u0000');
    const now = toRFC3339(at);
    const previous = this.written.get(key);
    if (previous) {
      try {
        this.remember(key, await events.update({ ...previous, count: (previous.count ?? 1) + 1, lastTimestamp: now }));
        return;
      } catch (error) {
        if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
        // Deleted (events expire) or changed by someone else: write a new one.
      }
    }
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${ref.name}.${id}`, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      source: { component, ...(host && { host }) },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: component,
      reportingInstance: host ?? '',
    };
    this.remember(key, await events.create(event));
  }

  private remember(key: string, event: Event): void {
    this.written.delete(key);
    this.written.set(key, event);
    if (this.written.size > EVENT_CACHE_SIZE) this.written.delete(this.written.keys().next().value!);
  }
}
