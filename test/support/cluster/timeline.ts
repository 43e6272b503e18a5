/**
 * The timeline of one simulated cluster run: every component's start and stop (from `onTrace`),
 * every API call each component's client made, its log lines, and the test's own user actions and
 * faults, in order on the fake clock. On a failure {@link renderTimeline} draws it as one
 * self-contained HTML page with an SVG in the manner of Maelstrom's Lamport diagrams: one lane per
 * component, time going down, each API call an arrow to the apiserver's lane, the faults as red
 * bands across every lane and the one that broke the run marked.
 *
 * Heartbeats (a Lease read and renewed, a node's status written again with nothing new) are counted
 * but not drawn: there are thousands of them, and what they show is only their absence.
 *
 * @example
 * ```ts
 * const timeline = new Timeline(clock);
 * timeline.mark('fault', 'stop the kubelet of node-2');
 * timeline.call('kube-scheduler', 'create', 'bindings default', 'web-1');
 * writeFileSync('out/chaos/42.html', renderTimeline(timeline, { title: 'seed 42', story: [...], violations: [...] }));
 * ```
 */
import { statusOf } from '@kube/apiserver';
import type { Clock } from '@kube/kit';

/** What a row of the timeline is. */
export type TimelineKind = 'action' | 'fault' | 'trace' | 'call' | 'log' | 'check';

/** One event of the run. */
export interface TimelineEvent {
  /** the fake clock's time, ms */
  at: number;
  /** the order in which it happened (events at the same time keep it) */
  seq: number;
  lane: string;
  kind: TimelineKind;
  /** the short label drawn */
  text: string;
  /** the tooltip: the whole call, object or error */
  detail?: string;
  /** a call that failed */
  failed?: boolean;
  /** the step of the story (the command) it happened during, from 1 */
  step: number;
}

/** The lane of the apiserver (and its store): where every call arrow points. */
export const APISERVER_LANE = 'kube-apiserver';
/** The lane of the test: user actions and faults. */
export const CHAOS_LANE = 'chaos test';

/** The events of a run, as they happen. */
export class Timeline {
  readonly events: TimelineEvent[] = [];
  /** heartbeats not drawn, per lane */
  readonly heartbeats = new Map<string, number>();
  /** the step of the story running now (0: the cluster's start) */
  step = 0;
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  /** Adds an event at the clock's time. */
  add(event: Omit<TimelineEvent, 'at' | 'seq' | 'step'>): void {
    this.events.push({ ...event, at: this.clock.now(), seq: this.seq++, step: this.step });
  }

  /** A user action or a fault of the test. */
  mark(kind: 'action' | 'fault' | 'check', text: string, detail?: string): void {
    this.add({ lane: CHAOS_LANE, kind, text, ...(detail !== undefined && { detail }) });
  }

  /** A component's start or stop (the cluster's `onTrace`). */
  trace(component: string, phase: string): void {
    const lane = component === 'etcd' || component === 'bootstrap' ? APISERVER_LANE : component.startsWith('runtime ') ? `kubelet ${component.slice(8)}` : component;
    this.add({ lane, kind: 'trace', text: `${component} ${phase}` });
  }

  /** A component's log line (a failure it retries). */
  log(component: string, line: string): void {
    this.add({ lane: component, kind: 'log', text: line.length > 80 ? `${line.slice(0, 77)}...` : line, detail: line, failed: true });
  }

  /** An API call a component made, with its result or error. */
  call(lane: string, verb: string, where: string, name: string | undefined, error?: unknown, result?: unknown): void {
    if (!error && isHeartbeat(verb, where)) {
      this.heartbeats.set(lane, (this.heartbeats.get(lane) ?? 0) + 1);
      return;
    }
    const outcome = error ? ` → ${describeError(error)}` : '';
    const text = `${verb} ${where}${name ? ` ${name}` : ''}${outcome}`;
    const detail = error ? text : `${text}\n${summarize(result)}`;
    this.add({ lane, kind: 'call', text, detail, ...(error !== undefined && { failed: true }) });
  }
}

/** A Lease renewed, or a node's status written again: noise unless it stops. */
function isHeartbeat(verb: string, where: string): boolean {
  if (where.startsWith('leases')) return verb === 'get' || verb === 'update';
  return where === 'nodes' && (verb === 'updateStatus' || verb === 'get');
}

function describeError(error: unknown): string {
  const status = statusOf(error);
  return `${status.code ?? ''} ${status.reason ?? ''}: ${status.message ?? (error as Error).message}`.trim();
}

/** What the tooltip shows of a result: the object's kind, name, resourceVersion and a little of its state. */
function summarize(result: unknown): string {
  if (!result || typeof result !== 'object') return '';
  const object = result as { kind?: string; metadata?: { name?: string; resourceVersion?: string; uid?: string }; items?: unknown[]; spec?: unknown; status?: unknown };
  if (Array.isArray(object.items)) return `${object.items.length} items, resourceVersion ${(result as { resourceVersion?: string }).resourceVersion ?? '?'}`;
  const json = JSON.stringify({ spec: object.spec, status: object.status });
  return `${object.kind ?? ''} ${object.metadata?.name ?? ''} rv ${object.metadata?.resourceVersion ?? '?'}\n${json.length > 600 ? `${json.slice(0, 600)}...` : json}`;
}

/** What the page says above the diagram. */
export interface TimelinePage {
  title: string;
  /** the commands of the (shrunk) counterexample, in order */
  story: string[];
  /** what did not hold at the end */
  violations: string[];
  /** the step (from 1) of the fault that broke it, if one is known */
  culprit?: number;
  /** how to run it again */
  replay?: string;
  /** the cluster's objects at the end, as lines */
  finalState?: string[];
}

const escape = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The order of the lanes: the test, the apiserver, the control plane, the nodes, anything else. */
function laneOrder(lanes: Iterable<string>): string[] {
  const rank = (lane: string): number =>
    lane === CHAOS_LANE ? 0 : lane === 'user' ? 1 : lane === APISERVER_LANE ? 2 : lane === 'kube-scheduler' ? 3 : lane === 'kube-controller-manager' ? 4 : lane.startsWith('kubelet ') ? 5 : 6;
  return [...new Set(lanes)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * The page: a header (the story, what did not hold, the replay command, the final objects), then
 * the diagram. Self-contained: no script, no external file.
 */
export function renderTimeline(timeline: Timeline, page: TimelinePage): string {
  const events = timeline.events;
  const lanes = laneOrder([CHAOS_LANE, 'user', APISERVER_LANE, ...events.map((e) => e.lane)]);
  const laneX = new Map(lanes.map((lane, i) => [lane, 150 + i * 190 + 95]));
  const apiX = laneX.get(APISERVER_LANE)!;
  const rowHeight = 15;
  const top = 50;
  const width = 150 + lanes.length * 190 + 260;
  const height = top + events.length * rowHeight + 40;
  const start = events[0]?.at ?? 0;
  const parts: string[] = [];
  for (const [lane, x] of laneX) {
    const beats = timeline.heartbeats.get(lane);
    parts.push(`<line x1="${x}" y1="${top - 10}" x2="${x}" y2="${height}" class="lane"/>`);
    parts.push(`<text x="${x}" y="20" class="lanename">${escape(lane)}</text>`);
    if (beats) parts.push(`<text x="${x}" y="36" class="beats">${beats} heartbeats not drawn</text>`);
  }
  events.forEach((event, row) => {
    const y = top + row * rowHeight;
    const x = laneX.get(event.lane)!;
    const culprit = page.culprit !== undefined && event.kind === 'fault' && event.step === page.culprit;
    const seconds = ((event.at - start) / 1000).toFixed(3);
    parts.push(`<text x="8" y="${y + 4}" class="time">t+${seconds}s #${event.step}</text>`);
    if (event.kind === 'fault' || event.kind === 'action' || event.kind === 'check') {
      parts.push(`<rect x="140" y="${y - 7}" width="${width - 150}" height="${rowHeight - 1}" class="band ${event.kind}${culprit ? ' culprit' : ''}"/>`);
    }
    if (event.kind === 'call' && event.lane !== APISERVER_LANE) {
      parts.push(`<line x1="${x}" y1="${y}" x2="${apiX + (x < apiX ? -4 : 4)}" y2="${y}" class="arrow${event.failed ? ' failed' : ''}" marker-end="url(#head)"/>`);
    }
    const label = culprit ? `${event.text}  ◀ the fault that broke it` : event.text;
    parts.push(
      `<g class="event ${event.kind}${event.failed ? ' failed' : ''}"><title>${escape(`t+${seconds}s step ${event.step} ${event.lane}\n${event.detail ?? event.text}`)}</title>` +
        `<circle cx="${x}" cy="${y}" r="4"/><text x="${x + 8}" y="${y + 4}">${escape(label.length > 90 ? `${label.slice(0, 87)}...` : label)}</text></g>`,
    );
  });
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><marker id="head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>` +
    parts.join('\n') +
    `</svg>`;
  const list = (items: string[], cls = '') => `<ol class="${cls}">${items.map((item, i) => `<li${page.culprit === i + 1 ? ' class="culprit"' : ''}>${escape(item)}</li>`).join('')}</ol>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(page.title)}</title>
<style>
body { font: 13px system-ui, sans-serif; margin: 16px; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 18px; }
pre, code { font: 12px ui-monospace, monospace; }
.violations li { color: #b00; }
li.culprit { color: #b00; font-weight: bold; }
svg { font: 11px ui-monospace, monospace; }
svg text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
.lane { stroke: #ccc; stroke-dasharray: 3 3; }
.lanename { font-weight: bold; text-anchor: middle; font-size: 12px; }
.beats { text-anchor: middle; fill: #999; font-size: 10px; }
.time { fill: #777; font-size: 10px; }
.band.action { fill: #e8f0ff; } .band.fault { fill: #ffe4e4; } .band.check { fill: #fff5d6; }
.band.culprit { fill: #ff9c9c; stroke: #b00; }
.arrow { stroke: #bbb; } .arrow.failed { stroke: #e07000; }
.event circle { fill: #555; } .event.trace circle { fill: #2a7; } .event.fault circle { fill: #d00; }
.event.action circle { fill: #25c; } .event.failed text { fill: #b00; } .event.log circle { fill: #e07000; }
.event:hover text { font-weight: bold; }
</style></head><body>
<h1>${escape(page.title)}</h1>
<p>One lane per component; time goes down (the fake clock, <code>t+</code> from the start; <code>#n</code> is the step of the story). Each API call is an arrow to the apiserver's lane (orange: it failed). Red bands are faults, blue ones user actions; hover over an event for the whole call.</p>
<h2>What did not hold</h2>${list(page.violations, 'violations')}
<h2>The story (the shrunk counterexample)</h2>${list(page.story)}
${page.replay ? `<h2>Run it again</h2><pre>${escape(page.replay)}</pre>` : ''}
${page.finalState ? `<h2>The objects at the end</h2><pre>${escape(page.finalState.join('\n'))}</pre>` : ''}
<h2>Timeline</h2>
${svg}
</body></html>
`;
}
