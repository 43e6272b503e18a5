/**
 * Events: what `kubectl describe` shows under "Events:" and `kubectl get events` lists — "Scaled
 * up replica set web-5d8f7c6b9f from 0 to 3", "Created pod: web-5d8f7c6b9f-x7k2p". A controller
 * tells an {@link EventRecorder} what happened to an object; the controller manager's recorder
 * writes core/v1 Events through the API (client-go's tools/record), and a test may keep them in a
 * list. This file is given: no kata asks you to write it.
 *
 * @example
 * ```ts
 * recorder.event(deployment, 'Normal', 'ScalingReplicaSet', 'Scaled up replica set web-5d8f7c6b9f from 0 to 3');
 * ```
 */
import type { EventType, KubeObject } from '@kube/kit';

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
