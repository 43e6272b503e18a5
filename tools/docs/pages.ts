/**
 * The pages that are not plain markdown: the home page with the map of parts and katas, a kata's
 * header and pager, a part's page, a source file's page and the small index pages. Each returns the
 * HTML that goes inside `<main>`; {@link layout} adds the frame.
 */
import type { Kata } from '../lib/katas.ts';
import { kataPath, partLabel, partPath, type Catalogue, type DocPage, type Part } from './catalogue.ts';
import { CLUSTER_COMPONENTS } from './diagrams.ts';
import { escapeHtml, relativeUrl } from './html.ts';

/** Links a page needs to other pages of the site. */
export interface PageLinks {
  /** source path ("katas/etcd/store.ts") → site path of its page, for the files that have one */
  sources: Map<string, string>;
  /** component → its API reference page, when the API was built */
  api: Map<string, string>;
}

/** "45 min", "1 h", "1 h 30 min". */
export function formatMinutes(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A kata's card on the map and on its part's page. */
export function kataCard(kata: Kata, page: string): string {
  const concepts = kata.concepts.map(escapeHtml).join(' · ');
  return `<a class="kata-card" href="${escapeHtml(relativeUrl(page, kataPath(kata)))}" data-kata="${kata.number}" data-points="${kata.points}">
<span class="num">${kata.number}</span><span class="status"></span>
<span class="title">${escapeHtml(kata.title)}</span>
${concepts ? `<span class="about">${concepts}</span>` : ''}
<span class="meta"><span>${kata.points} points</span><span>${formatMinutes(kata.minutes)}</span></span>
</a>`;
}

function partSection(part: Part, page: string): string {
  const points = part.katas.reduce((s, k) => s + k.points, 0);
  const minutes = part.katas.reduce((s, k) => s + k.minutes, 0);
  const meta = part.katas.length === 0
    ? 'katas coming'
    : `${part.katas.length} kata${part.katas.length === 1 ? '' : 's'} · ${points} points · ${formatMinutes(minutes)}`;
  const cards = part.katas.length > 0
    ? part.katas.map((k) => kataCard(k, page)).join('\n')
    : '<div class="kata-card is-coming"><span class="title">The katas of this part are coming.</span></div>';
  return `<section class="part" data-part="${escapeHtml(part.component)}" id="part-${escapeHtml(part.component)}">
<div class="part-head"><span class="part-num">${partLabel(part.part)}</span><h3><a href="${escapeHtml(relativeUrl(page, partPath(part)))}">${escapeHtml(part.title)}</a></h3><span class="part-meta">${meta}</span></div>
<div class="part-progress" hidden><div class="bar"><span></span></div><span class="text"></span></div>
<div class="cards">
${cards}
</div>
</section>`;
}

/** The home page: what kubekata is, how to start, the map, and the picture of the cluster. */
export function homePage(cat: Catalogue, diagram: string | undefined, architecture: string | undefined): string {
  const page = 'index.html';
  const points = cat.katas.reduce((s, k) => s + k.points, 0);
  const minutes = cat.katas.reduce((s, k) => s + k.minutes, 0);
  const first = cat.katas[0];
  const present = new Set(cat.parts.map((p) => p.component));
  const coming = CLUSTER_COMPONENTS.filter((c) => !present.has(c.id));
  const actions = [
    first ? `<a class="button" href="${escapeHtml(relativeUrl(page, kataPath(first)))}">Start with kata ${first.number}</a>` : '',
    architecture ? `<a class="button secondary" href="${escapeHtml(architecture)}">How a cluster works</a>` : '',
    `<a class="button secondary" href="api/index.html">API reference</a>`,
  ].join('');
  return `<section class="hero">
<div>
<h1>Build a small but real Kubernetes</h1>
<p class="lead">A test-driven workbook in TypeScript. Build the etcd store, the apiserver, the scheduler, the controllers, the kubelet and kube-proxy, one tested kata at a time — then run the whole cluster and drive it with the real <code>kubectl</code>.</p>
<ul class="stats"><li><strong>${cat.katas.length}</strong>kata${cat.katas.length === 1 ? '' : 's'}</li><li><strong>${cat.parts.length}</strong>part${cat.parts.length === 1 ? '' : 's'}</li><li><strong>${points}</strong>points</li><li><strong>${formatMinutes(minutes)}</strong>of work</li></ul>
<div class="actions">${actions}</div>
<p class="progress-summary" data-progress-summary hidden></p>
</div>
<div class="start">
<h2>Start</h2>
<pre class="code" data-lang="sh"><code>npm install
npm start</code></pre>
<p><code>npm start</code> shows where you are, runs the current kata's tests on every save and explains what fails. Press <code>h</code> for a hint, <code>n</code> for the next kata.</p>
<p>Read this site with your progress on the map: <code>npm run docs -- --serve</code>.</p>
</div>
</section>
<div class="map-title" id="map"><h2>The map</h2><p>Work top to bottom: each part builds on the one before it. To start later, borrow the parts before: <code>npm run kata -- borrow etcd</code>.</p></div>
<div class="parts">
${cat.parts.map((p) => partSection(p, page)).join('\n')}
</div>
${coming.length > 0 ? `<div class="coming-parts"><p>Coming next, in this order:</p><ul>${comingParts(coming)}</ul></div>` : ''}
${diagram ? `<div class="map-title" id="the-cluster"><h2>How the pieces fit</h2><p>Every box is a part of the workbook; every chip a kata. ${architecture ? `<a href="${escapeHtml(architecture)}">Read the architecture</a>.` : ''}</p></div><figure class="diagram">${diagram}</figure>` : ''}`;
}

function comingParts(coming: typeof CLUSTER_COMPONENTS[number][]): string {
  return coming.map((c) => `<li>${partLabel(c.part)} · ${escapeHtml(c.name)}</li>`).join('');
}

/** The header of a kata's page: where it is, its title, points, minutes, concepts and files. */
export function kataHeader(kata: Kata, part: Part | undefined, links: PageLinks): string {
  const page = kataPath(kata);
  const fileLink = (path: string): string => {
    const target = links.sources.get(path);
    const label = `<code>${escapeHtml(fileName(path))}</code>`;
    return target ? `<a href="${escapeHtml(relativeUrl(page, target))}" title="${escapeHtml(path)}">${label}</a>` : label;
  };
  const test = links.sources.has(kata.test) ? fileLink(kata.test) : '<span class="coming">not written yet</span>';
  const api = links.api.get(kata.component) ?? 'api/index.html';
  const crumbs = part
    ? `<a href="${escapeHtml(relativeUrl(page, 'index.html'))}#map">Map</a> › <a href="${escapeHtml(relativeUrl(page, partPath(part)))}">${partLabel(part.part)} · ${escapeHtml(part.title)}</a>`
    : `<a href="${escapeHtml(relativeUrl(page, 'index.html'))}#map">Map</a>`;
  return `<header class="kata-head">
<p class="crumbs">${crumbs}</p>
<h1 id="top"><span class="num">${kata.number}</span> ${escapeHtml(kata.title)}</h1>
<ul class="facts"><li><strong>${kata.points}</strong> points</li><li>about <strong>${formatMinutes(kata.minutes)}</strong></li><li data-kata-status="${kata.number}"></li></ul>
${kata.concepts.length > 0 ? `<ul class="concepts" aria-label="Concepts">${kata.concepts.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>` : ''}
</header>
<dl class="files">
<dt>You edit</dt><dd>${kata.files.map(fileLink).join(' ')}</dd>
<dt>Its tests</dt><dd>${test}</dd>
<dt>Run them</dt><dd><code>npm run kata -- run ${kata.number}</code></dd>
<dt>API</dt><dd><a href="${escapeHtml(relativeUrl(page, api))}"><code>@kube/${escapeHtml(kata.component)}</code></a></dd>
</dl>`;
}

/** Previous / next links between pages in order (katas, or architecture pages). */
export function pager(page: string, prev: { path: string; label: string } | undefined, next: { path: string; label: string } | undefined, what: string): string {
  if (!prev && !next) return '';
  const link = (to: { path: string; label: string }, cls: 'prev' | 'next'): string =>
    `<a class="${cls}" rel="${cls}" href="${escapeHtml(relativeUrl(page, to.path))}"><small>${cls === 'prev' ? `← previous ${what}` : `next ${what} →`}</small>${escapeHtml(to.label)}</a>`;
  return `<nav class="pager" aria-label="Previous and next">${prev ? link(prev, 'prev') : ''}${next ? link(next, 'next') : ''}</nav>`;
}

/** A part's page: its place in the cluster, its README, and its katas as cards. */
export function partPage(part: Part, readmeHtml: string, diagram: string | undefined): string {
  const page = partPath(part);
  return `<article class="prose-wide">
<header class="kata-head">
<p class="crumbs"><a href="${escapeHtml(relativeUrl(page, 'index.html'))}#map">Map</a> › ${partLabel(part.part)}</p>
<h1>${escapeHtml(part.title)}</h1>
</header>
${diagram ? `<figure class="diagram">${diagram}<figcaption>Where ${escapeHtml(part.component)} sits in the cluster. Every chip is a kata.</figcaption></figure>` : ''}
<div class="prose">
${readmeHtml}
</div>
<h2 id="katas">Its katas</h2>
<div class="parts">${partSection(part, page)}</div>
</article>`;
}

/** A source file's page: the file, highlighted, with numbered lines (`#L12` links to line 12). */
export function sourcePage(path: string, page: string, highlighted: string, about: { katas: Kata[]; kind: 'starter' | 'test' | 'kit' }): string {
  const lines = highlighted.split('\n').map((line, i) => `<span class="line" id="L${i + 1}">${line}</span>`).join('\n');
  const intro = {
    test: `The tests of this kata, as the workbook runs them.${about.katas[0] ? ` Run them with <code>npm run kata -- run ${about.katas[0].number}</code>.` : ''}`,
    starter: `A starter file: you edit it in your editor, where it is <code>${escapeHtml(path)}</code>.`,
    kit: `Given code, not a kata: you import it as <code>@kube/kit</code> and never edit it.`,
  }[about.kind];
  const used = about.katas.length > 0
    ? `<p>${about.kind === 'test' ? 'Kata' : 'Katas that edit it'}: ${about.katas.map((k) => `<a href="${escapeHtml(relativeUrl(page, kataPath(k)))}">${k.number} · ${escapeHtml(k.title)}</a>`).join(', ')}.</p>`
    : '';
  return `<header class="kata-head">
<p class="crumbs"><a href="${escapeHtml(relativeUrl(page, 'index.html'))}#map">Map</a> › source</p>
<h1><code>${escapeHtml(path)}</code></h1>
</header>
<p>${intro}</p>
${used}
<pre class="code source" data-lang="ts"><code>${lines}</code></pre>`;
}

/** A list of pages as cards (the guides' index, the architecture's "read on"). */
export function pageCards(page: string, pages: { path: string; title: string; note?: string }[]): string {
  return `<ul class="page-cards">${pages
    .map((p) => `<li><a href="${escapeHtml(relativeUrl(page, p.path))}">${escapeHtml(p.title)}${p.note ? `<small>${escapeHtml(p.note)}</small>` : ''}</a></li>`)
    .join('')}</ul>`;
}

/** The guides' index page. */
export function guidesIndex(guides: DocPage[]): string {
  return `<h1>Guides</h1>
<p>For the instructor, the grader and the author of a kata.</p>
${pageCards('guides/index.html', guides.map((g) => ({ path: g.path, title: g.title, note: g.source })))}`;
}
