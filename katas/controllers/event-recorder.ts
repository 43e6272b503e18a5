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
import { microTime } from './leader-election.ts';

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

/** The reference an event keeps to its object (client-go's reference.GetReference): its resourceVersion too. */
function referenceTo(object: KubeObject): ObjectReference {
  const { namespace, name, uid, resourceVersion } = object.metadata;
  return { kind: object.kind, apiVersion: object.apiVersion, namespace, name, uid, resourceVersion };
}

/** The suffix of an event's name: distinct even for two events in one millisecond (the time in ns, plus a sequence), in hex. */
function eventId(at: number, sequence: number): string {
  return (BigInt(at) * 1_000_000n + BigInt(sequence % 1_000_000)).toString(16);
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
    const involvedObject = referenceTo(object);
    const at = this.options.clock.now();
    const id = eventId(at, this.sequence++);
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

/** What a {@link SeriesEventRecorder} needs. */
export interface SeriesEventRecorderOptions {
  client: ApiClient;
  clock: Clock;
  /** who reports (`reportingComponent`): `default-scheduler` */
  component: string;
  /** which instance (`reportingInstance`): upstream's scheduler says `default-scheduler-<its host name>` */
  instance: string;
  /** the action of each reason: `{ Scheduled: 'Binding', FailedScheduling: 'Scheduling' }` (a reason not listed is its own action) */
  actions?: Readonly<Record<string, string>>;
  /** told of each event that could not be written */
  onError?: (error: unknown) => void;
}

/** How long a series goes on without a repeat before it is finished (client-go tools/events finishTime). */
export const SERIES_FINISH_MS = 6 * 60_000;

/** How often an unfinished series is written again with its count so far (tools/events refreshTime). */
export const SERIES_REFRESH_MS = 30 * 60_000;

/** An event the recorder remembers: what it wrote last, when, and the series as it is now. */
interface KnownEvent {
  written: Event;
  writtenAt: number;
  series?: { count: number; lastObservedTime: number };
}

/**
 * Writes events the events.k8s.io way, as kube-scheduler does (client-go's tools/events, which
 * kube-scheduler has used since v1.19; kubectl reads them as core/v1 Events): an `action`, an
 * `eventTime` (a MicroTime) in place of first/lastTimestamp and count, `reportingComponent` and
 * `reportingInstance` in place of `source`. The same event again (same action, reason, reporter,
 * object — resourceVersion included — and message) is a **series**:
 *
 * | occurrence | what is written |
 * | --- | --- |
 * | the first | a new Event, no series |
 * | the second | that Event again with `series: { count: 2, lastObservedTime }` |
 * | the third and later | nothing at once: the count goes up in memory |
 * | none for 6 minutes | the series' last count is written, and the next occurrence starts a new Event |
 * | a series still going after 30 minutes | its count so far is written |
 *
 * kubectl reads a series as it reads the old API's count: `kubectl describe pod` shows
 * `FailedScheduling 3s (x2 over 6s)`, and the third and later repeats only once the series is
 * written again. The object's resourceVersion is part of what makes two events the same, so the
 * scheduler's first failure for a pod (before it wrote the pod's condition) and the next ones are
 * two events, as on a real cluster. Simplified: upstream writes on two tickers (6 and 30 minutes);
 * this recorder has no timer, and does that bookkeeping when it is next told an event. It writes
 * with plain updates where upstream patches.
 *
 * @example
 * ```ts
 * const recorder = new SeriesEventRecorder({ client, clock, component: 'default-scheduler', instance: 'default-scheduler-cp', actions: { Scheduled: 'Binding' } });
 * recorder.event(pod, 'Normal', 'Scheduled', 'Successfully assigned default/web to node-1');
 * await recorder.flush();  // { action: 'Binding', eventTime: '2026-…Z', reportingComponent: 'default-scheduler', source: {}, ... }
 * ```
 */
export class SeriesEventRecorder implements EventRecorder {
  private readonly known = new Map<string, KnownEvent>();
  private writes: Promise<void> = Promise.resolve();
  private sequence = 0;

  constructor(private readonly options: SeriesEventRecorderOptions) {}

  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    const now = this.options.clock.now();
    this.tidy(now);
    const regarding = referenceTo(object);
    const { kind, apiVersion, namespace, name, uid, resourceVersion } = regarding;
    const action = this.options.actions?.[reason] ?? reason;
    const key = [action, reason, this.options.component, kind, namespace, name, uid, apiVersion, resourceVersion, type, message].join('\u0000');
    const known = this.known.get(key);
    if (!known) {
      const event: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${name ?? ''}.${eventId(now, this.sequence++)}`, namespace: namespace || 'default' },
        involvedObject: regarding,
        reason,
        message,
        type,
        action,
        eventTime: microTime(now),
        source: {},
        reportingComponent: this.options.component,
        reportingInstance: this.options.instance,
      };
      const entry: KnownEvent = { written: event, writtenAt: now };
      this.known.set(key, entry);
      this.enqueue(async () => void (entry.written = await this.options.client.events(event.metadata.namespace).create(event)));
      return;
    }
    // The second time is written at once, as a series of 2; later times are only counted (see tidy).
    const secondTime = known.series === undefined;
    known.series = { count: (known.series?.count ?? 1) + 1, lastObservedTime: now };
    if (secondTime) this.writeSeries(known, now);
  }

  /** Resolves once every event recorded so far is written (or failed). */
  flush(): Promise<void> {
    return this.writes;
  }

  /** Finishes the series quiet for 6 minutes and forgets the singletons as old; refreshes those 30 minutes unwritten. */
  private tidy(now: number): void {
    for (const [key, known] of this.known) {
      if (!known.series) {
        if (now - known.writtenAt > SERIES_FINISH_MS) this.known.delete(key);
      } else if (now - known.series.lastObservedTime > SERIES_FINISH_MS) {
        this.writeSeries(known, now);
        this.known.delete(key);
      } else if (now - known.writtenAt > SERIES_REFRESH_MS) {
        this.writeSeries(known, now);
      }
    }
  }

  /** Writes the series' count and last time on the Event; made again if it has gone (events expire). */
  private writeSeries(known: KnownEvent, now: number): void {
    const series = { count: known.series!.count, lastObservedTime: microTime(known.series!.lastObservedTime) };
    known.writtenAt = now;
    this.enqueue(async () => {
      const events = this.options.client.events(known.written.metadata.namespace);
      const { resourceVersion: _, ...metadata } = known.written.metadata; // the series is this recorder's: no precondition
      try {
        known.written = await events.update({ ...known.written, metadata, series });
      } catch (error) {
        if (!isStatusError(error, 'NotFound')) throw error;
        known.written = await events.create({ ...known.written, metadata, series });
      }
    });
  }

  private enqueue(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((error: unknown) => this.options.onError?.(error));
  }
}
