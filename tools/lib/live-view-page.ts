/**
 * The live view's pages (tools/lib/live-view.ts serves them): the live page, one HTML file with its
 * CSS and script inline and nothing fetched from elsewhere, and the explanation page, a pod's
 * scheduling explanation (JSON) rendered as nested tables on the server.
 *
 * Every page comes with a Content-Security-Policy that allows only its own inline style and script
 * (by hash) and a connection back to the server that served it: no CDN, no font, no tracking can
 * load even by mistake. The script writes every value with `textContent`, never as HTML.
 *
 * Built for a projector and a phone: large type that grows with the window, black on white (white
 * on black where the system is dark), status as words as well as colours, and no sideways
 * scrolling of the page on a narrow screen (a wide table scrolls inside its own box).
 */
import { createHash } from 'node:crypto';

/** A page and the Content-Security-Policy it needs. */
export interface Page {
  html: string;
  csp: string;
}

/** The sha256 CSP source of an inline script or style. */
function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
:root{--fg:#000;--bg:#fff;--card:#f4f4f4;--line:#555;--muted:#3a3a3a;--link:#0037a6;
--ok-bg:#c4efc4;--ok-fg:#003300;--bad-bg:#ffcccc;--bad-fg:#5c0000;--warn-bg:#ffe49a;--warn-fg:#3d2700;--info-bg:#d0e0ff;--info-fg:#00225a;--done-bg:#e2e2e2;--done-fg:#222}
@media (prefers-color-scheme:dark){:root{--fg:#fff;--bg:#000;--card:#161616;--line:#aaa;--muted:#d0d0d0;--link:#9cc2ff;
--ok-bg:#0b3d0b;--ok-fg:#c9ffc9;--bad-bg:#4d0000;--bad-fg:#ffd4d4;--warn-bg:#4a3500;--warn-fg:#ffe9a8;--info-bg:#002a66;--info-fg:#d6e4ff;--done-bg:#333;--done-fg:#eee}}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;font-size:clamp(16px,calc(9px + 1vw),22px);line-height:1.4;background:var(--bg);color:var(--fg)}
body{margin:0}
a{color:var(--link)}
a:focus-visible,select:focus-visible{outline:3px solid var(--link);outline-offset:2px}
header{position:sticky;top:0;z-index:1;background:var(--bg);border-bottom:3px solid var(--fg);padding:.4rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}
header h1{font-size:1.3rem;margin:0}
#counts{font-weight:600}
main{padding:.8rem 1rem;display:grid;gap:1.2rem;grid-template-columns:minmax(0,1fr)}
section h2{font-size:1.2rem;margin:.2rem 0 .5rem;border-bottom:2px solid var(--line)}
.cards{display:grid;gap:.8rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,34rem),1fr))}
.card{background:var(--card);border:2px solid var(--line);border-radius:.4rem;padding:.5rem .7rem;min-width:0}
.card h3{font-size:1.1rem;margin:0 0 .3rem;display:flex;flex-wrap:wrap;gap:.3rem .6rem;align-items:center}
.meta{color:var(--muted);margin:.1rem 0 .4rem;overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.2rem .45rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:700}
td.name{overflow-wrap:anywhere;min-width:6rem}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.ns{color:var(--muted)}
.badge{display:inline-block;padding:0 .35em;border:2px solid currentColor;border-radius:.3em;font-weight:700;white-space:nowrap}
.ok{background:var(--ok-bg);color:var(--ok-fg)}
.bad{background:var(--bad-bg);color:var(--bad-fg)}
.warn{background:var(--warn-bg);color:var(--warn-fg)}
.info{background:var(--info-bg);color:var(--info-fg)}
.done{background:var(--done-bg);color:var(--done-fg)}
.banner{margin:0;padding:.4rem 1rem;border-bottom:2px solid currentColor;font-weight:600}
.empty{color:var(--muted);font-style:italic;margin:.2rem 0}
.old td{color:var(--muted)}
.ep{display:inline-block;margin:0 .4rem .2rem 0;white-space:nowrap}
select{font:inherit;color:var(--fg);background:var(--bg);border:2px solid var(--fg);border-radius:.3rem;padding:.1rem .3rem;max-width:100%}
tr.warning td{font-weight:600}
@media (max-width:640px){header{padding:.3rem .6rem}main{padding:.5rem .5rem}th,td{padding:.2rem .3rem}.wide{display:none}}
`;

/** The page's script: it connects to /events and draws the cluster from what it is sent. */
const SCRIPT = `
'use strict';
const KINDS = ['nodes','pods','deployments','replicasets','services','endpoints','events'];
const data = {}; for (const k of KINDS) data[k] = new Map();
let offset = 0, explain = false, synced = [], problems = {}, note = '', informers = 'yours';
let namespace = new URLSearchParams(location.hash.slice(1)).get('ns') || '';

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false || (v === '' && (k === 'class' || k === 'title' || k === 'href'))) continue;
    if (k === 'class') el.className = v; else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const now = () => Date.now() + offset;
/** kubectl's ages (HumanDuration): 45s, 3m20s, 45m, 5h30m, 30h, 5d3h, 90d, 2y10d */
function age(ms) {
  if (ms === null || ms === undefined) return '<unknown>';
  const s = Math.floor((now() - ms) / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return s + 's';
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? m + 'm' : m + 'm' + (s % 60) + 's';
  if (m < 180) return m + 'm';
  const hr = Math.floor(m / 60);
  if (hr < 8) return m % 60 === 0 ? hr + 'h' : hr + 'h' + (m % 60) + 'm';
  if (hr < 48) return hr + 'h';
  const d = Math.floor(hr / 24);
  if (hr < 24 * 8) return hr % 24 === 0 ? d + 'd' : d + 'd' + (hr % 24) + 'h';
  if (d < 365 * 2) return d + 'd';
  const y = Math.floor(d / 365);
  return y < 8 && d % 365 !== 0 ? y + 'y' + (d % 365) + 'd' : y + 'y';
}
const ageEl = (ms) => h('time', { 'data-t': ms ?? '' }, age(ms));
function tone(status) {
  if (status === 'Running' || status === 'True' || status === 'Normal') return 'ok';
  if (status === 'Succeeded' || status === 'Completed') return 'done';
  if (status === 'Pending' || status === 'ContainerCreating' || status === 'PodInitializing') return 'info';
  if (status === 'Terminating' || status === 'Unknown' || status === '' || status === 'Warning') return 'warn';
  return 'bad';
}
const badge = (text, cls) => h('span', { class: 'badge ' + (cls || tone(text)) }, text);
const inNs = (row) => !namespace || row.namespace === namespace;
const byName = (a, b) => (a.namespace || '').localeCompare(b.namespace || '') || a.name.localeCompare(b.name);
const nsPrefix = (row) => (!namespace && row.namespace && row.namespace !== 'default' ? h('span', { class: 'ns' }, row.namespace + '/') : null);
const table = (head, rows, empty) => rows.length === 0 ? h('p', { class: 'empty' }, empty) :
  h('div', { class: 'scroll' }, h('table', {}, h('thead', {}, h('tr', {}, head.map(([t, cls]) => h('th', { class: cls, scope: 'col' }, t)))), h('tbody', {}, rows)));

function podTable(pods) {
  return table([['Pod'], ['Status'], ['Restarts', 'num'], ['IP', 'wide'], ['Age', 'num']], pods.sort(byName).map((p) =>
    h('tr', { class: 'pod', 'data-pod': p.namespace + '/' + p.name, 'data-phase': p.phase, 'data-status': p.status, 'data-node': p.node },
      h('td', { class: 'name' }, nsPrefix(p), explain ? h('a', { href: '/explain/' + encodeURIComponent(p.namespace) + '/' + encodeURIComponent(p.name), title: 'why this pod went where it did' }, p.name) : p.name),
      h('td', {}, badge(p.status), p.ready !== '0/0' && p.phase === 'Running' && p.ready.split('/')[0] !== p.ready.split('/')[1] ? ' ' + p.ready + ' ready' : ''),
      h('td', { class: 'num' }, String(p.restarts)),
      h('td', { class: 'wide' }, p.ip || '—'),
      h('td', { class: 'num' }, ageEl(p.created)))), 'no pods');
}

function drawNodes() {
  const pods = [...data.pods.values()].filter(inNs);
  const on = new Map();
  for (const p of pods) { if (!on.has(p.node)) on.set(p.node, []); on.get(p.node).push(p); }
  const cards = [];
  const unscheduled = on.get('') || [];
  if (unscheduled.length) cards.push(h('article', { class: 'card node', 'data-node': '' }, h('h3', {}, 'Not scheduled ', badge(unscheduled.length + ' pending', 'info')), podTable(unscheduled)));
  const nodes = [...data.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const n of nodes) {
    const list = on.get(n.name) || [];
    cards.push(h('article', { class: 'card node', 'data-node': n.name, 'data-ready': n.ready },
      h('h3', {}, n.name, badge(n.ready === 'True' ? 'Ready' : n.ready === '' ? 'no status' : 'NotReady (' + n.ready + ')', tone(n.ready === '' ? '' : n.ready === 'True' ? 'True' : n.ready === 'Unknown' ? 'Unknown' : 'False')), n.unschedulable ? badge('cordoned', 'warn') : null),
      h('p', { class: 'meta' }, [n.address, n.podCIDR && 'pods ' + n.podCIDR, list.length + (list.length === 1 ? ' pod' : ' pods'), 'age ', ].filter(Boolean).join(' · '), ageEl(n.created), n.taints.length ? ' · taints ' + n.taints.join(', ') : ''),
      podTable(list)));
  }
  for (const [name, list] of on) if (name && !data.nodes.has(name)) {
    cards.push(h('article', { class: 'card node', 'data-node': name }, h('h3', {}, name, badge('no Node object', 'bad')), podTable(list)));
  }
  return cards.length ? h('div', { class: 'cards' }, cards) : h('p', { class: 'empty' }, 'no nodes and no pods');
}

function podsOf(kind, name, namespace) {
  const owner = kind + '/' + name; const counts = {};
  for (const p of data.pods.values()) if (p.owner === owner && p.namespace === namespace) counts[p.status] = (counts[p.status] || 0) + 1;
  return Object.entries(counts).sort().map(([s, n]) => h('span', { class: 'ep' }, badge(n + ' ' + s, tone(s))));
}
function rsTable(sets) {
  return table([['ReplicaSet'], ['Rev', 'num wide'], ['Desired', 'num'], ['Current', 'num'], ['Ready', 'num'], ['Pods'], ['Age', 'num wide']],
    sets.map((r) => h('tr', { class: 'rs' + (r.desired === 0 && r.current === 0 ? ' old' : ''), 'data-rs': r.namespace + '/' + r.name, 'data-desired': r.desired, 'data-current': r.current, 'data-ready': r.ready },
      h('td', { class: 'name' }, r.name), h('td', { class: 'num wide' }, r.revision || '—'), h('td', { class: 'num' }, String(r.desired)), h('td', { class: 'num' }, String(r.current)),
      h('td', { class: 'num' }, String(r.ready)), h('td', {}, podsOf('ReplicaSet', r.name, r.namespace)), h('td', { class: 'num wide' }, ageEl(r.created)))), 'no ReplicaSets yet');
}
const byRevision = (a, b) => (Number(b.revision) || 0) - (Number(a.revision) || 0) || (b.created || 0) - (a.created || 0);
function drawWorkloads() {
  const sets = [...data.replicasets.values()].filter(inNs);
  const deployments = [...data.deployments.values()].filter(inNs).sort(byName);
  const uids = new Set(deployments.map((d) => d.uid));
  const cards = deployments.map((d) => {
    const own = sets.filter((r) => r.ownerUid === d.uid).sort(byRevision);
    const shown = own.filter((r, i) => i === 0 || r.desired > 0 || r.current > 0);
    const hidden = own.length - shown.length;
    const done = d.ready === d.replicas && d.updated === d.replicas && d.current === d.replicas;
    return h('article', { class: 'card deployment', 'data-deployment': d.namespace + '/' + d.name, 'data-ready': d.ready, 'data-replicas': d.replicas },
      h('h3', {}, nsPrefix(d), d.name, badge(d.ready + '/' + d.replicas + ' ready', done ? 'ok' : 'info'), d.paused ? badge('paused', 'warn') : null, d.progress === 'ProgressDeadlineExceeded' ? badge('progress deadline exceeded', 'bad') : null),
      h('p', { class: 'meta' }, 'up-to-date ' + d.updated + ' · available ' + d.available + ' · ' + d.strategy + (d.revision ? ' · revision ' + d.revision : '') + ' · age ', ageEl(d.created)),
      rsTable(shown), hidden ? h('p', { class: 'meta' }, hidden + ' older ReplicaSet' + (hidden === 1 ? '' : 's') + ' scaled to 0 (kept for rollbacks)') : null);
  });
  const alone = sets.filter((r) => !uids.has(r.ownerUid)).sort(byName);
  if (alone.length) cards.push(h('article', { class: 'card' }, h('h3', {}, 'ReplicaSets without a Deployment'), rsTable(alone)));
  return cards.length ? h('div', { class: 'cards' }, cards) : h('p', { class: 'empty' }, 'no Deployments or ReplicaSets');
}

function drawServices() {
  const services = [...data.services.values()].filter(inNs).sort(byName);
  return table([['Service'], ['Type', 'wide'], ['Cluster IP'], ['Ports', 'wide'], ['Endpoints']], services.map((s) => {
    const ep = data.endpoints.get(s.namespace + '/' + s.name);
    const ready = ep ? ep.ready : [], notReady = ep ? ep.notReady : [];
    return h('tr', { class: 'service', 'data-service': s.namespace + '/' + s.name, 'data-endpoints': ready.length, 'data-not-ready': notReady.length },
      h('td', { class: 'name' }, nsPrefix(s), s.name, s.selector ? h('div', { class: 'meta' }, s.selector) : null),
      h('td', { class: 'wide' }, s.type), h('td', {}, s.clusterIP || '—'), h('td', { class: 'wide' }, s.ports.join(', ') || '—'),
      h('td', {}, ready.length + notReady.length === 0 ? h('span', { class: 'empty' }, s.selector ? 'none ready' : 'set by hand') : null,
        ready.map((a) => h('span', { class: 'ep', title: a.pod }, badge('ready', 'ok'), ' ' + a.ip + (a.pod ? ' (' + a.pod + ')' : ''))),
        notReady.map((a) => h('span', { class: 'ep', title: a.pod }, badge('not ready', 'warn'), ' ' + a.ip + (a.pod ? ' (' + a.pod + ')' : '')))));
  }), 'no Services');
}

function drawEvents() {
  const events = [...data.events.values()].filter(inNs).sort((a, b) => (b.time || 0) - (a.time || 0)).slice(0, 60);
  return table([['Age', 'num'], ['Type'], ['Reason'], ['Object', 'wide'], ['Message'], ['From', 'wide']], events.map((e) =>
    h('tr', { class: 'event' + (e.type === 'Warning' ? ' warning' : ''), 'data-reason': e.reason },
      h('td', { class: 'num' }, ageEl(e.time)), h('td', {}, badge(e.type, e.type === 'Warning' ? 'bad' : 'done')), h('td', {}, e.reason),
      h('td', { class: 'name wide' }, e.object), h('td', { class: 'name' }, e.message + (e.count > 1 ? ' (×' + e.count + ')' : '')), h('td', { class: 'wide' }, e.source))), 'no events');
}

function drawHeader() {
  const namespaces = new Set();
  for (const k of ['pods', 'deployments', 'services', 'events']) for (const r of data[k].values()) if (r.namespace) namespaces.add(r.namespace);
  if (namespace) namespaces.add(namespace);
  const select = document.getElementById('ns');
  const options = ['', ...[...namespaces].sort()];
  if (select.options.length !== options.length || options.some((o, i) => select.options[i].value !== o)) {
    select.replaceChildren(...options.map((o) => h('option', { value: o }, o || 'all namespaces')));
  }
  select.value = namespace;
  const pods = [...data.pods.values()].filter(inNs);
  const running = pods.filter((p) => p.phase === 'Running').length;
  const count = (n, one) => n + ' ' + one + (n === 1 ? '' : 's');
  document.getElementById('counts').textContent = count(data.nodes.size, 'node') + ' · ' + count(pods.length, 'pod') + ' (' + running + ' running) · ' +
    count([...data.deployments.values()].filter(inNs).length, 'deployment') + ' · ' + count([...data.services.values()].filter(inNs).length, 'service');
  const banners = [];
  if (note) banners.push(h('p', { class: 'banner info', role: 'status' }, note));
  const waiting = KINDS.filter((k) => !synced.includes(k));
  if (waiting.length) banners.push(h('p', { class: 'banner warn', role: 'status', id: 'waiting' }, 'waiting for the first list of: ' + waiting.join(', ') + ' (an informer that never syncs shows here)'));
  const failing = new Map();
  for (const [resource, message] of Object.entries(problems)) failing.set(message, [...(failing.get(message) || []), resource]);
  for (const [message, resources] of failing) banners.push(h('p', { class: 'banner bad', role: 'alert', 'data-problem': resources.join(',') }, 'the informers of ' + resources.join(', ') + ' cannot list or watch: ' + message + ' (they retry; the page may be out of date)'));
  document.getElementById('banners').replaceChildren(...banners);
}

let drawing = false;
function draw() {
  if (drawing) return; drawing = true;
  requestAnimationFrame(() => {
    drawing = false;
    drawHeader();
    document.getElementById('nodes-body').replaceChildren(drawNodes());
    document.getElementById('workloads-body').replaceChildren(drawWorkloads());
    document.getElementById('services-body').replaceChildren(drawServices());
    document.getElementById('events-body').replaceChildren(drawEvents());
    document.body.dataset.synced = String(KINDS.every((k) => synced.includes(k)));
  });
}
function status(message) {
  offset = message.now - Date.now();
  synced = message.synced; problems = message.problems; note = message.note; informers = message.informers;
}
const conn = document.getElementById('conn');
function connection(state, text) { conn.dataset.state = state; conn.className = 'badge ' + (state === 'live' ? 'ok' : state === 'connecting' ? 'info' : 'bad'); conn.textContent = text; }
function connect() {
  connection('connecting', 'connecting…');
  const source = new EventSource('/events');
  source.addEventListener('snapshot', (e) => {
    const message = JSON.parse(e.data);
    status(message); explain = message.explain;
    for (const k of KINDS) data[k] = new Map(message.kinds[k]);
    connection('live', 'live');
    draw();
  });
  source.addEventListener('changes', (e) => {
    const message = JSON.parse(e.data);
    status(message);
    for (const c of message.changes) { if (c.row === null) data[c.kind].delete(c.key); else data[c.kind].set(c.key, c.row); }
    draw();
  });
  source.addEventListener('tick', (e) => { offset = JSON.parse(e.data).now - Date.now(); });
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) { connection('lost', 'disconnected: retrying'); setTimeout(connect, 2000); }
    else connection('lost', 'reconnecting…');
  };
}
document.getElementById('ns').addEventListener('change', (e) => {
  namespace = e.target.value;
  history.replaceState(null, '', namespace ? '#ns=' + encodeURIComponent(namespace) : location.pathname);
  draw();
});
setInterval(() => { for (const el of document.querySelectorAll('time[data-t]')) el.textContent = el.dataset.t === '' ? '<unknown>' : age(Number(el.dataset.t)); }, 1000);
connect();
`;

const BODY = `<header>
<h1>kubekata · live</h1>
<span id="conn" class="badge info" data-state="connecting" role="status">connecting…</span>
<span id="counts"></span>
<label>namespace <select id="ns"><option value="">all namespaces</option></select></label>
</header>
<div id="banners"></div>
<main>
<section id="nodes" aria-labelledby="nodes-h"><h2 id="nodes-h">Nodes and their pods</h2><div id="nodes-body"></div></section>
<section id="workloads" aria-labelledby="workloads-h"><h2 id="workloads-h">Deployments and ReplicaSets</h2><div id="workloads-body"></div></section>
<section id="services" aria-labelledby="services-h"><h2 id="services-h">Services and their endpoints</h2><div id="services-body"></div></section>
<section id="events" aria-labelledby="events-h"><h2 id="events-h">Events, newest first</h2><div id="events-body"></div></section>
</main>`;

function htmlDocument(title: string, body: string, script?: string): Page {
  const csp = [
    "default-src 'none'",
    `style-src ${hash(STYLE)}`,
    script ? `script-src ${hash(script)}` : "script-src 'none'",
    "connect-src 'self'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
${body}
${script ? `<script>${script}</script>` : ''}
</body>
</html>
`;
  return { html, csp };
}

/** The live page. */
export function livePage(): Page {
  return htmlDocument('kubekata · live view', BODY, SCRIPT);
}

/** A page for a path the live view does not serve. */
export function notFoundPage(path: string): Page {
  return htmlDocument('not found · kubekata live view', `<main><h1>Not found</h1><p>The live view serves <a href="/">its page</a>, not ${escapeHtml(path)}.</p></main>`);
}

/**
 * A pod's scheduling explanation: `explanation` (JSON) as nested tables, or `why` there is none.
 */
export function explainPage(pod: string, explanation: unknown, why?: string): Page {
  const body = why
    ? `<p class="empty">${escapeHtml(why)}</p>`
    : `<div class="scroll" id="explanation">${jsonTable(explanation)}</div><p class="meta"><a href="${escapeHtml(`/explain/${pod.split('/').map(encodeURIComponent).join('/')}.json`)}">the same as JSON</a></p>`;
  return htmlDocument(`why ${pod} · kubekata live view`, `<header><h1>Why pod ${escapeHtml(pod)} went where it did</h1><a href="/">← the live view</a></header><main>${body}</main>`);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * JSON as HTML tables: an object is a table of its fields (name, value), an array of objects is a
 * table with a column per field (a scheduler's per-node, per-plugin results read best that way),
 * anything else is text. Deeper than `maxDepth` levels it shows the JSON as code.
 */
export function jsonTable(value: unknown, depth = 0, maxDepth = 8): string {
  if (value === null || value === undefined) return '<span class="empty">—</span>';
  if (typeof value !== 'object') return escapeHtml(String(value));
  if (depth >= maxDepth) return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '<span class="empty">(none)</span>';
    if (value.every(isRecord)) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
      const head = columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('');
      const rows = value.map((row) => `<tr>${columns.map((c) => `<td>${jsonTable(row[c], depth + 1, maxDepth)}</td>`).join('')}</tr>`).join('');
      return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    return `<ul>${value.map((item) => `<li>${jsonTable(item, depth + 1, maxDepth)}</li>`).join('')}</ul>`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '<span class="empty">(empty)</span>';
  return `<table class="kv"><tbody>${entries.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${jsonTable(v, depth + 1, maxDepth)}</td></tr>`).join('')}</tbody></table>`;
}
