/**
 * The architecture drawn as SVG, generated at build time and inlined in the pages (no network, no
 * image files to keep in sync): every box of a component links to its part's page, and carries a
 * chip per kata that builds it, filled when the kata exists, dashed while it is coming.
 *
 * - `cluster`: the whole cluster, control plane above, a node below (the README's picture);
 *   `control-plane` and `node` are the same picture with the other half dimmed, and a part's page
 *   shows it with its own component highlighted;
 * - `flow`: from `kubectl apply` to a running container and to traffic reaching it, as a sequence
 *   diagram whose every step names the katas that build it.
 *
 * Colours come from the site's stylesheet (classes `dg-*`), so the diagrams follow the light and
 * dark themes.
 */
import type { Kata } from '../lib/katas.ts';
import { partLabel } from './catalogue.ts';
import { escapeHtml, relativeUrl } from './html.ts';

/** A component of the cluster as the architecture shows it. */
export interface ClusterComponent {
  /** the folder under katas/: "controllers" */
  id: string;
  /** the name in the pictures: "controller manager" */
  name: string;
  part: number;
  /** the katas the catalogue (shared/DESIGN.md) plans for it, shown as "coming" until they exist */
  planned: string[];
}

/**
 * The components the architecture pages draw, with the katas the workbook's catalogue plans for
 * each. Only the pictures use this list, to show what is coming: the katas themselves are always
 * read from their files, and an existing kata wins over a planned number.
 */
export const CLUSTER_COMPONENTS: readonly ClusterComponent[] = [
  { id: 'etcd', name: 'etcd', part: 1, planned: ['01', '02', '03', '04', '05', '06'] },
  { id: 'apiserver', name: 'apiserver', part: 2, planned: ['07', '08', '09', '10', '11'] },
  { id: 'scheduler', name: 'scheduler', part: 3, planned: ['12', '13', '14', '15', '16'] },
  { id: 'controllers', name: 'controller manager', part: 4, planned: ['17', '18', '19', '20', '21'] },
  { id: 'runtime', name: 'container runtime', part: 5, planned: ['22'] },
  { id: 'kubelet', name: 'kubelet', part: 5, planned: ['23', '24', '25'] },
  { id: 'proxy', name: 'kube-proxy', part: 6, planned: ['26', '27', '28'] },
  { id: 'cluster', name: 'the cluster', part: 7, planned: ['29'] },
];

/** What a diagram needs to know about the site it is drawn for. */
export interface DiagramContext {
  /** the site page the diagram is inlined in, for relative links */
  page: string;
  /** every kata that exists */
  katas: Kata[];
  /** component → its part page, for the components that exist */
  parts: Map<string, string>;
  /** kata instructions path → kata page */
  kataPages: Map<string, string>;
  /** a prefix that makes the SVG's ids unique within the page */
  idPrefix: string;
  /** reports a diagram that no longer matches the katas (the build fails with it) */
  report?: (message: string) => void;
}

/** The names a ```` ```diagram ```` fence may use. */
export const DIAGRAMS = ['cluster', 'control-plane', 'node', 'flow'] as const;

/**
 * Draws a diagram by name (`cluster`, `control-plane`, `node`, `flow`; `cluster:etcd` highlights a
 * component). Returns undefined for a name it does not know.
 */
export function drawDiagram(name: string, ctx: DiagramContext): string | undefined {
  const [base, arg] = name.split(':');
  switch (base) {
    case 'cluster':
      return drawCluster(ctx, { highlight: arg });
    case 'control-plane':
      return drawCluster(ctx, { focus: 'control-plane' });
    case 'node':
      return drawCluster(ctx, { focus: 'node' });
    case 'flow':
      return drawFlow(ctx);
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// drawing helpers


interface Chip {
  number: string;
  href?: string;
  title: string;
}

/** The katas of a component: those that exist, and the planned numbers no existing kata took. */
function chipsFor(component: string, ctx: DiagramContext): Chip[] {
  const info = CLUSTER_COMPONENTS.find((c) => c.id === component);
  const existing = ctx.katas.filter((k) => k.component === component);
  const taken = new Set(ctx.katas.map((k) => k.number));
  const chips: Chip[] = existing.map((k) => ({ number: k.number, href: link(ctx, ctx.kataPages.get(k.instructions)), title: `${k.number} · ${k.title}` }));
  for (const number of info?.planned ?? []) {
    if (!taken.has(number)) chips.push({ number, title: `kata ${number} · coming` });
  }
  return chips.sort((a, b) => a.number.localeCompare(b.number));
}

/**
 * The chips of a flow step, from references "component/NN" of the catalogue. A number that an
 * existing kata of another component took means the katas were renumbered: the chip is drawn
 * unlinked (never a link to the wrong kata) and the build is told, so that FLOW_STEPS is updated.
 */
function chipsForRefs(refs: readonly string[], ctx: DiagramContext): Chip[] {
  return refs.map((ref) => {
    const [component, number] = ref.split('/') as [string, string];
    const kata = ctx.katas.find((k) => k.number === number);
    if (kata && kata.component !== component) {
      ctx.report?.(`the flow diagram names kata ${ref}, but kata ${number} is ${kata.instructions}: update FLOW_STEPS in tools/docs/diagrams.ts.`);
      return { number, title: `kata ${number}` };
    }
    return kata
      ? { number, href: link(ctx, ctx.kataPages.get(kata.instructions)), title: `${kata.number} · ${kata.title}` }
      : { number, title: `kata ${number} · coming` };
  });
}

function link(ctx: DiagramContext, target: string | undefined): string | undefined {
  return target === undefined ? undefined : relativeUrl(ctx.page, target);
}

function a(href: string | undefined, title: string, inner: string): string {
  const t = `<title>${escapeHtml(title)}</title>`;
  return href ? `<a href="${escapeHtml(href)}">${t}${inner}</a>` : `<g>${t}${inner}</g>`;
}

function text(x: number, y: number, content: string, cls: string, anchor: 'start' | 'middle' | 'end' = 'middle'): string {
  return `<text x="${x}" y="${y}" class="${cls}" text-anchor="${anchor}">${escapeHtml(content)}</text>`;
}

function chipRow(chips: Chip[], cx: number, y: number): string {
  const w = 24;
  const gap = 5;
  const total = chips.length * w + Math.max(0, chips.length - 1) * gap;
  let x = cx - total / 2;
  const out: string[] = [];
  for (const chip of chips) {
    const cls = chip.href ? 'dg-chip dg-ready' : 'dg-chip dg-coming';
    out.push(a(chip.href, chip.title, `<rect x="${x}" y="${y}" width="${w}" height="17" rx="8.5" class="${cls}"/>${text(x + w / 2, y + 12.5, chip.number, `${cls}-text`)}`));
    x += w + gap;
  }
  return out.join('');
}

interface BoxOptions {
  x: number;
  y: number;
  w: number;
  h: number;
  layer: 'cp' | 'node' | 'ext';
  title: string;
  sub?: string;
  component?: string;
  highlight?: boolean;
  dim?: boolean;
}

function componentBox(o: BoxOptions, ctx: DiagramContext): string {
  const exists = o.component !== undefined && ctx.parts.has(o.component);
  const info = CLUSTER_COMPONENTS.find((c) => c.id === o.component);
  const classes = ['dg-box', `dg-${o.layer}`];
  if (o.component !== undefined && !exists) classes.push('dg-missing');
  if (o.highlight) classes.push('dg-highlight');
  const sub = o.sub ?? (info ? `${partLabel(info.part)}${exists ? '' : ' · coming'}` : '');
  const hasChips = o.component !== undefined;
  const titleY = o.y + (hasChips ? 24 : o.h / 2 + (sub ? -2 : 5));
  let inner = `<rect x="${o.x}" y="${o.y}" width="${o.w}" height="${o.h}" rx="10" class="${classes.join(' ')}"/>`;
  inner += text(o.x + o.w / 2, titleY, o.title, 'dg-title');
  if (sub) inner += text(o.x + o.w / 2, titleY + 16, sub, 'dg-sub');
  const head = o.component !== undefined
    ? a(exists ? link(ctx, ctx.parts.get(o.component)) : undefined, exists ? `${o.title}: the part's page` : `${o.title}: coming`, inner)
    : inner;
  const chips = hasChips ? chipRow(chipsFor(o.component!, ctx), o.x + o.w / 2, o.y + o.h - 27) : '';
  return `<g class="${o.dim ? 'dg-dim' : ''}">${head}${chips}</g>`;
}

function arrow(points: [number, number][], marker: string, label?: { x: number; y: number; text: string; anchor?: 'start' | 'middle' | 'end' }, cls = 'dg-arrow'): string {
  const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join(' ');
  const path = `<path d="${d}" class="${cls}" marker-end="url(#${marker})"/>`;
  return label ? path + text(label.x, label.y, label.text, 'dg-label', label.anchor ?? 'middle') : path;
}

function defs(ctx: DiagramContext): { defs: string; marker: string; markerEvent: string } {
  const marker = `${ctx.idPrefix}-ah`;
  const markerEvent = `${ctx.idPrefix}-ahe`;
  const head = (id: string, cls: string): string =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="${cls}"/></marker>`;
  return { defs: `<defs>${head(marker, 'dg-ah')}${head(markerEvent, 'dg-ahe')}</defs>`, marker, markerEvent };
}

function svg(width: number, height: number, label: string, body: string, cls: string): string {
  return `<svg class="dg ${cls}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(label)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// the cluster

function drawCluster(ctx: DiagramContext, options: { highlight?: string; focus?: 'control-plane' | 'node' }): string {
  const { defs: d, marker } = defs(ctx);
  const hl = (id: string): boolean => options.highlight === id;
  const dimCp = options.focus === 'node';
  const dimNode = options.focus === 'control-plane';
  const W = 880;
  const out: string[] = [d];

  // kubectl, outside the cluster
  out.push(`<g class="${dimCp ? 'dg-dim' : ''}">`);
  out.push(componentBox({ x: 365, y: 10, w: 150, h: 44, layer: 'ext', title: 'kubectl', sub: 'you, or any client' }, ctx));
  out.push('</g>');

  // the control plane
  out.push(`<g class="${dimCp ? 'dg-dim' : ''}">`);
  out.push(`<rect x="16" y="86" width="${W - 32}" height="236" rx="16" class="dg-group dg-group-cp"/>`);
  out.push(text(34, 108, 'CONTROL PLANE', 'dg-group-label', 'start'));
  out.push(componentBox({ x: 40, y: 124, w: 210, h: 76, layer: 'cp', title: 'scheduler', component: 'scheduler', highlight: hl('scheduler') }, ctx));
  out.push(componentBox({ x: 40, y: 228, w: 210, h: 76, layer: 'cp', title: 'controller manager', component: 'controllers', highlight: hl('controllers') }, ctx));
  out.push(componentBox({ x: 340, y: 124, w: 200, h: 180, layer: 'cp', title: 'apiserver', component: 'apiserver', highlight: hl('apiserver') }, ctx));
  out.push(text(440, 184, 'authn · RBAC · admission', 'dg-note'));
  out.push(text(440, 201, 'validation · registry', 'dg-note'));
  out.push(text(440, 218, 'list · watch · discovery', 'dg-note'));
  out.push(componentBox({ x: 630, y: 124, w: 214, h: 76, layer: 'cp', title: 'etcd', component: 'etcd', highlight: hl('etcd') }, ctx));
  // the disk under etcd
  out.push(`<path d="M677 252 v34 a60 9 0 0 0 120 0 v-34" class="dg-disk"/><ellipse cx="737" cy="252" rx="60" ry="9" class="dg-disk"/>`);
  out.push(text(737, 279, 'write-ahead log', 'dg-sub'));
  out.push(arrow([[737, 200], [737, 240]], marker));
  out.push(arrow([[250, 162], [338, 162]], marker, { x: 294, y: 154, text: 'watch · bind' }));
  out.push(arrow([[250, 266], [338, 266]], marker, { x: 294, y: 258, text: 'watch · write' }));
  out.push(arrow([[540, 162], [628, 162]], marker, { x: 584, y: 154, text: 'txn · range' }));
  out.push(arrow([[628, 184], [542, 184]], marker, { x: 584, y: 198, text: 'watch' }, 'dg-arrow dg-event'));
  out.push(arrow([[440, 54], [440, 122]], marker, { x: 450, y: 76, text: 'HTTP · list · watch', anchor: 'start' }));
  out.push('</g>');

  // a node
  out.push(`<g class="${dimNode ? 'dg-dim' : ''}">`);
  out.push(`<rect x="16" y="372" width="${W - 32}" height="170" rx="16" class="dg-group dg-group-node"/>`);
  out.push(text(34, 394, 'NODE (one per machine)', 'dg-group-label', 'start'));
  out.push(componentBox({ x: 40, y: 410, w: 190, h: 76, layer: 'node', title: 'kubelet', component: 'kubelet', highlight: hl('kubelet') }, ctx));
  out.push(componentBox({ x: 290, y: 410, w: 190, h: 76, layer: 'node', title: 'container runtime', component: 'runtime', highlight: hl('runtime') }, ctx));
  // pods: processes
  out.push(`<rect x="548" y="404" width="104" height="38" rx="8" class="dg-box dg-pod"/>${text(600, 427, 'pod 127.0.1.2', 'dg-sub')}`);
  out.push(`<rect x="548" y="452" width="104" height="38" rx="8" class="dg-box dg-pod"/>${text(600, 475, 'pod 127.0.1.3', 'dg-sub')}`);
  out.push(text(600, 510, 'containers = processes', 'dg-note'));
  out.push(componentBox({ x: 700, y: 410, w: 144, h: 76, layer: 'node', title: 'kube-proxy', component: 'proxy', highlight: hl('proxy') }, ctx));
  out.push(arrow([[230, 448], [288, 448]], marker, { x: 259, y: 440, text: 'CRI' }));
  out.push(arrow([[480, 448], [546, 448]], marker, { x: 513, y: 440, text: 'spawn' }));
  out.push(arrow([[700, 448], [654, 448]], marker, { x: 677, y: 440, text: 'TCP' }));
  out.push('</g>');

  // between the node and the control plane
  out.push(arrow([[135, 410], [135, 346], [400, 346], [400, 306]], marker, { x: 145, y: 364, text: 'watch pods · status · heartbeats', anchor: 'start' }));
  out.push(arrow([[772, 410], [772, 346], [480, 346], [480, 306]], marker, { x: 762, y: 364, text: 'watch services · endpoints', anchor: 'end' }));
  // traffic
  out.push(arrow([[772, 590], [772, 488]], marker, { x: 762, y: 574, text: 'a client connects to a Service', anchor: 'end' }));

  // the whole cluster, and the legend
  const whole = chipsFor('cluster', ctx);
  const clusterPart = ctx.parts.get('cluster');
  out.push(a(link(ctx, clusterPart), clusterPart ? 'the cluster: the part\'s page' : 'the cluster: coming', text(40, 572, `${partLabel(7)} · the whole cluster, end to end`, 'dg-sub dg-strong', 'start')));
  out.push(chipRow(whole, 300 + (whole.length * 29) / 2, 560));
  out.push(`<rect x="40" y="588" width="24" height="14" rx="7" class="dg-chip dg-ready"/>${text(70, 599, 'kata ready to do', 'dg-note', 'start')}`);
  out.push(`<rect x="190" y="588" width="24" height="14" rx="7" class="dg-chip dg-coming"/>${text(220, 599, 'kata coming', 'dg-note', 'start')}`);

  const label = options.focus === 'control-plane'
    ? 'The control plane: apiserver, etcd, scheduler and controller manager'
    : options.focus === 'node'
      ? 'A node: the kubelet, the container runtime and kube-proxy'
      : 'The cluster: the control plane (apiserver, etcd, scheduler, controller manager) and a node (kubelet, container runtime, kube-proxy)';
  return svg(W, 612, label, out.join(''), 'dg-cluster');
}

// ---------------------------------------------------------------------------------------------
// the flow from kubectl apply to traffic

interface Lane {
  name: string;
  layer: 'cp' | 'node' | 'ext';
  component?: string;
}

const LANES: Lane[] = [
  { name: 'kubectl', layer: 'ext' },
  { name: 'apiserver', layer: 'cp', component: 'apiserver' },
  { name: 'etcd', layer: 'cp', component: 'etcd' },
  { name: 'controllers', layer: 'cp', component: 'controllers' },
  { name: 'scheduler', layer: 'cp', component: 'scheduler' },
  { name: 'kubelet', layer: 'node', component: 'kubelet' },
  { name: 'runtime', layer: 'node', component: 'runtime' },
  { name: 'kube-proxy', layer: 'node', component: 'proxy' },
  { name: 'client', layer: 'ext' },
];

interface Step {
  from: string;
  to: string;
  label: string;
  /** a watch event (dashed) rather than a request */
  event?: boolean;
  /** the katas that build this step, as "component/NN" from the catalogue (shared/DESIGN.md) */
  katas: readonly string[];
}

/** The steps of the flow diagram, also listed in docs/architecture/flow.md. */
export const FLOW_STEPS: readonly Step[] = [
  { from: 'kubectl', to: 'apiserver', label: 'apply: create Deployment "web"', katas: ['apiserver/10', 'apiserver/11'] },
  { from: 'apiserver', to: 'etcd', label: 'txn: put /registry/deployments/…', katas: ['apiserver/07', 'apiserver/08', 'etcd/03'] },
  { from: 'apiserver', to: 'controllers', label: 'watch: Deployment added', event: true, katas: ['etcd/04', 'apiserver/09', 'controllers/17'] },
  { from: 'controllers', to: 'apiserver', label: 'create ReplicaSet, then Pods', katas: ['controllers/18', 'controllers/19'] },
  { from: 'apiserver', to: 'scheduler', label: 'watch: Pod with no node', event: true, katas: ['apiserver/09', 'scheduler/16'] },
  { from: 'scheduler', to: 'apiserver', label: 'bind Pod → node-1', katas: ['scheduler/12', 'scheduler/13', 'scheduler/14', 'scheduler/15', 'scheduler/16'] },
  { from: 'apiserver', to: 'kubelet', label: 'watch: Pod on node-1', event: true, katas: ['kubelet/23'] },
  { from: 'kubelet', to: 'runtime', label: 'run sandbox, start containers', katas: ['runtime/22'] },
  { from: 'kubelet', to: 'apiserver', label: 'status: Running, Ready', katas: ['kubelet/23', 'kubelet/24'] },
  { from: 'controllers', to: 'apiserver', label: 'Endpoints: the ready pods', katas: ['controllers/21'] },
  { from: 'apiserver', to: 'kube-proxy', label: 'watch: Service, Endpoints', event: true, katas: ['proxy/26'] },
  { from: 'client', to: 'kube-proxy', label: 'connect to ClusterIP:80', katas: ['proxy/27'] },
  { from: 'kube-proxy', to: 'runtime', label: 'forward to a pod', katas: ['proxy/27', 'cluster/29'] },
];

function drawFlow(ctx: DiagramContext): string {
  const { defs: d, marker, markerEvent } = defs(ctx);
  const laneW = 88;
  const left = 52;
  const top = 10;
  const headH = 40;
  const rowH = 40;
  const W = left * 2 + laneW * (LANES.length - 1);
  const H = top + headH + 16 + FLOW_STEPS.length * rowH + 34;
  const xOf = (name: string): number => left + LANES.findIndex((l) => l.name === name) * laneW;
  const out: string[] = [d];

  // alternate row shading, behind everything
  FLOW_STEPS.forEach((_, i) => {
    if (i % 2 === 0) out.push(`<rect x="4" y="${top + headH + 10 + i * rowH}" width="${W - 8}" height="${rowH}" rx="6" class="dg-row"/>`);
  });
  for (const lane of LANES) {
    const x = xOf(lane.name);
    out.push(`<path d="M${x} ${top + headH} V${H - 30}" class="dg-lifeline"/>`);
    const exists = lane.component !== undefined && ctx.parts.has(lane.component);
    const cls = ['dg-box', `dg-${lane.layer}`];
    if (lane.component !== undefined && !exists) cls.push('dg-missing');
    const inner = `<rect x="${x - 41}" y="${top}" width="82" height="${headH - 6}" rx="8" class="${cls.join(' ')}"/>${text(x, top + 22, lane.name, 'dg-title dg-small')}`;
    out.push(lane.component ? a(exists ? link(ctx, ctx.parts.get(lane.component)) : undefined, exists ? `${lane.name}: the part's page` : `${lane.name}: coming`, inner) : inner);
  }

  FLOW_STEPS.forEach((step, i) => {
    const y = top + headH + 10 + i * rowH + rowH / 2 + 7;
    const x1 = xOf(step.from);
    const x2 = xOf(step.to);
    const dir = Math.sign(x2 - x1);
    out.push(arrow([[x1 + dir * 11, y], [x2 - dir * 2, y]], step.event ? markerEvent : marker, undefined, step.event ? 'dg-arrow dg-event' : 'dg-arrow'));
    out.push(`<circle cx="${x1}" cy="${y}" r="10" class="dg-step"/>${text(x1, y + 4, String(i + 1), 'dg-step-text')}`);
    // the label and the step's katas above the arrow, centred on it but kept inside the picture
    const chips = chipsForRefs(step.katas, ctx);
    const labelW = step.label.length * 6.3;
    const chipsW = chips.length * 29 - 5;
    const total = labelW + 8 + chipsW;
    const start = Math.min(Math.max((x1 + x2) / 2 - total / 2, 6), W - 6 - total);
    out.push(text(start, y - 13, step.label, 'dg-label dg-halo', 'start'));
    out.push(chipRowLeft(chips, start + labelW + 8, y - 26));
  });
  // the legend
  const ly = H - 16;
  out.push(`<path d="M${left} ${ly - 4} h34" class="dg-arrow" marker-end="url(#${marker})"/>${text(left + 42, ly, 'a request', 'dg-note', 'start')}`);
  out.push(`<path d="M${left + 130} ${ly - 4} h34" class="dg-arrow dg-event" marker-end="url(#${markerEvent})"/>${text(left + 172, ly, 'a watch event', 'dg-note', 'start')}`);
  out.push(`<rect x="${left + 280}" y="${ly - 12}" width="24" height="14" rx="7" class="dg-chip dg-ready"/>${text(left + 310, ly, 'kata ready to do', 'dg-note', 'start')}`);
  out.push(`<rect x="${left + 420}" y="${ly - 12}" width="24" height="14" rx="7" class="dg-chip dg-coming"/>${text(left + 450, ly, 'kata coming', 'dg-note', 'start')}`);
  return svg(W, H, 'From kubectl apply to a running container and to traffic reaching it, step by step', out.join(''), 'dg-flow');
}

function chipRowLeft(chips: Chip[], x: number, y: number): string {
  const total = chips.length * 24 + Math.max(0, chips.length - 1) * 5;
  return chipRow(chips, x + total / 2, y);
}
