/**
 * Events (core/v1): what `kubectl describe` shows under "Events:".
 * @module
 */
import type { KubeObject, MicroTime, ObjectReference, Time } from './meta.ts';

/** Normal, or Warning: something may be wrong. */
export type EventType = 'Normal' | 'Warning';

/** The component that reported an event. */
export interface EventSource {
  /** `"default-scheduler"`, `"kubelet"` */
  component?: string;
  /** the node, for a kubelet */
  host?: string;
}

/**
 * A record of something that happened to an object: "Scheduled", "FailedScheduling", "Pulled",
 * "BackOff", "Killing". Repeats of the same event bump `count` and `lastTimestamp`.
 *
 * @example
 * ```ts
 * const event: Event = {
 *   apiVersion: 'v1', kind: 'Event',
 *   metadata: { name: 'web-1.17f3a', namespace: 'default' },
 *   involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-1', uid: '...' },
 *   type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/web-1 to node-2',
 *   source: { component: 'default-scheduler' }, count: 1,
 * };
 * ```
 */
export interface Event extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Event';
  /** the object it happened to */
  involvedObject: ObjectReference;
  /** one CamelCase word, for programs */
  reason?: string;
  /** for people */
  message?: string;
  type?: EventType;
  source?: EventSource;
  /** how many times it happened */
  count?: number;
  firstTimestamp?: Time;
  lastTimestamp?: Time;
  /** when it first happened, for an event written the events.k8s.io way (then without first/lastTimestamp and count) */
  eventTime?: MicroTime;
  /** what was done or failed: `Binding`, `Scheduling` (events.k8s.io events) */
  action?: string;
  /** a repeated events.k8s.io event: how many times so far, and when last */
  series?: EventSeries;
  reportingComponent?: string;
  reportingInstance?: string;
}

/** How often an events.k8s.io event happened: `count` (2 or more) and the last time (a MicroTime). */
export interface EventSeries {
  count?: number;
  lastObservedTime?: MicroTime;
}
