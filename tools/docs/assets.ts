/**
 * The site's only stylesheet and script, written to `assets/` at build time. No web fonts, no CDN:
 * the system's fonts, light and dark themes from `prefers-color-scheme`, and a layout that reads
 * on a phone.
 *
 * The script does two things, both optional (the pages read fine without it):
 * - hints: shows a kata's hints one at a time (the next appears once the previous is opened);
 * - progress: when the site is served by `npm run docs -- --serve`, fetches `progress.json`
 *   (the learner's `.kubekata/state.json`) and marks passed katas on the map and the kata pages.
 */

/** assets/site.css */
export const SITE_CSS = `
:root {
  --bg: #f7f8fb; --fg: #1b2230; --muted: #5a6478; --faint: #8a93a5;
  --card: #ffffff; --border: #e2e6ee; --border-strong: #c9d0dc;
  --accent: #326ce5; --accent-fg: #ffffff; --accent-soft: #e8effd; --accent-text: #2556c4;
  --ok: #1f8a4c; --ok-soft: #e3f4ea; --warn: #a86300; --warn-soft: #fdf1de;
  --code-bg: #f3f5f9; --code-fg: #24292e; --inline-code: #eef1f6;
  --cp: #326ce5; --cp-soft: #eef3fe; --node: #1f8a4c; --node-soft: #ebf7f0; --ext: #6b7385; --ext-soft: #f2f3f6;
  --shadow: 0 1px 2px rgba(20, 30, 50, .06), 0 2px 8px rgba(20, 30, 50, .05);
  --radius: 12px;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f141c; --fg: #e4e8ef; --muted: #a3acbd; --faint: #7a8396;
    --card: #161c27; --border: #263042; --border-strong: #364259;
    --accent: #5b8def; --accent-fg: #0f141c; --accent-soft: #1b2a47; --accent-text: #8fb2ff;
    --ok: #4cc27f; --ok-soft: #143222; --warn: #f0b45c; --warn-soft: #3a2a12;
    --code-bg: #121821; --code-fg: #e1e4e8; --inline-code: #1e2634;
    --cp: #6e9bf5; --cp-soft: #17233a; --node: #4cc27f; --node-soft: #14291d; --ext: #98a1b3; --ext-soft: #1b212c;
    --shadow: 0 1px 2px rgba(0, 0, 0, .4);
  }
}
* { box-sizing: border-box; }
/* the hidden attribute must win over the display of a class (.part-progress is a flex box) */
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; scroll-padding-top: 72px; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.6 var(--sans); }
a { color: var(--accent-text); text-underline-offset: 2px; }
a:hover { text-decoration-thickness: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; z-index: 10; background: var(--card); padding: 6px 10px; }

/* top bar */
.topbar { position: sticky; top: 0; z-index: 5; background: color-mix(in srgb, var(--card) 92%, transparent); backdrop-filter: blur(8px); border-bottom: 1px solid var(--border); }
.topbar-inner { max-width: 76rem; margin: 0 auto; padding: 10px 20px; display: flex; align-items: center; gap: 24px; flex-wrap: wrap; }
.brand { display: flex; align-items: center; gap: 9px; color: var(--fg); text-decoration: none; font-weight: 700; font-size: 1.1rem; letter-spacing: -.01em; }
.brand svg { width: 28px; height: 28px; }
.sections { display: flex; gap: 4px; flex-wrap: wrap; }
.sections a { color: var(--muted); text-decoration: none; padding: 6px 10px; border-radius: 8px; font-size: .95rem; }
.sections a:hover { background: var(--accent-soft); color: var(--accent-text); }
.sections a[aria-current] { color: var(--accent-text); background: var(--accent-soft); font-weight: 600; }

/* page */
.page { max-width: 76rem; margin: 0 auto; padding: 28px 20px 48px; }
.page.has-toc { display: grid; grid-template-columns: minmax(0, 1fr) 15rem; gap: 48px; }
main { min-width: 0; overflow-wrap: break-word; }
.prose > * { max-width: 48rem; }
.prose > figure.diagram { max-width: 60rem; }
.toc { position: sticky; top: 84px; align-self: start; font-size: .88rem; border-left: 2px solid var(--border); padding-left: 16px; max-height: calc(100vh - 100px); overflow: auto; }
.toc-title { margin: 0 0 6px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; font-size: .75rem; }
.toc ol { list-style: none; margin: 0; padding: 0; }
.toc li { margin: 4px 0; }
.toc a { color: var(--muted); text-decoration: none; }
.toc a:hover { color: var(--accent-text); }
.footer { border-top: 1px solid var(--border); color: var(--faint); font-size: .85rem; text-align: center; padding: 18px 20px 28px; }
@media (max-width: 980px) {
  .page.has-toc { display: block; }
  .toc { display: none; }
}
@media (max-width: 560px) {
  body { font-size: 15.5px; }
  .page { padding: 20px 14px 40px; }
  .topbar { position: static; }
  .topbar-inner { gap: 6px 14px; padding: 8px 14px; }
}

/* text */
h1, h2, h3, h4 { line-height: 1.25; letter-spacing: -.015em; position: relative; }
h1 { font-size: 2.1rem; margin: .2em 0 .4em; }
h2 { font-size: 1.45rem; margin: 2em 0 .6em; padding-bottom: .3em; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.15rem; margin: 1.6em 0 .5em; }
h4 { font-size: 1rem; margin: 1.4em 0 .4em; }
.anchor { margin-left: .4em; color: var(--faint); text-decoration: none; opacity: 0; font-weight: 400; }
h1:hover .anchor, h2:hover .anchor, h3:hover .anchor, h4:hover .anchor, .anchor:focus { opacity: 1; }
p, ul, ol, .table-wrap, pre { margin: 0 0 1em; }
li { margin: .25em 0; }
li > p { margin: .3em 0; }
blockquote { margin: 0 0 1em; padding: .2em 1em; border-left: 4px solid var(--accent); background: var(--accent-soft); border-radius: 0 8px 8px 0; color: var(--fg); }
hr { border: 0; border-top: 1px solid var(--border); margin: 2em 0; }
code { font-family: var(--mono); font-size: .88em; background: var(--inline-code); padding: .12em .35em; border-radius: 5px; }
pre.code { background: var(--code-bg); color: var(--code-fg); border: 1px solid var(--border); border-radius: 10px; padding: 14px 16px; overflow-x: auto; font-size: .86rem; line-height: 1.55; position: relative; }
/* a long path in inline code breaks anywhere rather than widening the page on a phone */
:not(pre) > code { overflow-wrap: anywhere; }
pre.code code { background: none; padding: 0; font-size: inherit; white-space: pre; }
pre.code span { color: var(--l); }
@media (prefers-color-scheme: dark) { pre.code span { color: var(--d); } }
pre.code[data-lang]::before { content: attr(data-lang); position: absolute; top: 6px; right: 10px; font: 600 .68rem var(--sans); color: var(--faint); text-transform: uppercase; letter-spacing: .06em; }
.table-wrap { overflow-x: auto; border: 1px solid var(--border); border-radius: 10px; background: var(--card); }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid var(--border); vertical-align: top; }
th { background: var(--code-bg); font-weight: 600; }
tr:last-child td { border-bottom: 0; }
img { max-width: 100%; }

/* tags and chips */
.tag { display: inline-block; font-size: .75rem; font-weight: 600; padding: .1em .55em; border-radius: 999px; background: var(--ext-soft); color: var(--muted); border: 1px solid var(--border); vertical-align: .1em; white-space: nowrap; }
.tag-coming { border-style: dashed; }
.tag-passed { background: var(--ok-soft); color: var(--ok); border-color: transparent; }
.tag-borrowed { background: var(--warn-soft); color: var(--warn); border-color: transparent; }
.coming { color: var(--muted); text-decoration: underline dotted var(--faint); text-underline-offset: 3px; cursor: help; }
.coming-tag { color: var(--faint); font-size: .78em; margin-left: .2em; }
.concepts { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; padding: 0; margin: 0; }
.concepts li { margin: 0; font-size: .8rem; padding: .15em .6em; border-radius: 999px; background: var(--accent-soft); color: var(--accent-text); }

/* home */
.hero { display: grid; grid-template-columns: minmax(0, 1.35fr) minmax(0, 1fr); gap: 36px; align-items: center; margin: 8px 0 28px; }
.hero h1 { font-size: 2.5rem; margin: 0 0 .3em; }
.hero .lead { font-size: 1.15rem; color: var(--muted); margin: 0 0 1em; }
.start { background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); padding: 18px 20px; box-shadow: var(--shadow); }
.start h2 { border: 0; margin: 0 0 .5em; font-size: 1.05rem; padding: 0; }
.start pre.code { margin-bottom: .8em; }
.start p { margin: 0 0 .6em; font-size: .95rem; color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 1.2em; }
.button { display: inline-block; padding: .55em 1em; border-radius: 9px; background: var(--accent); color: var(--accent-fg); text-decoration: none; font-weight: 600; font-size: .95rem; }
.button.secondary { background: var(--card); color: var(--accent-text); border: 1px solid var(--border-strong); }
.stats { display: flex; flex-wrap: wrap; gap: 8px 22px; color: var(--muted); font-size: .93rem; margin: .8em 0 0; padding: 0; list-style: none; }
.stats strong { color: var(--fg); font-size: 1.15rem; margin-right: .25em; }
.progress-summary { margin: 1em 0 0; padding: 10px 14px; background: var(--ok-soft); color: var(--ok); border-radius: 10px; font-weight: 600; }
@media (max-width: 820px) { .hero { grid-template-columns: 1fr; gap: 20px; } .hero h1 { font-size: 2rem; } }

/* the map */
.map-title { display: flex; align-items: baseline; justify-content: space-between; flex-wrap: wrap; gap: 8px; border-bottom: 1px solid var(--border); margin: 2em 0 1em; }
.map-title h2 { border: 0; margin: 0; padding-bottom: .3em; }
.map-title p { margin: 0; color: var(--muted); font-size: .9rem; }
.parts { display: grid; gap: 22px; }
.part { background: var(--card); border: 1px solid var(--border); border-radius: 16px; padding: 18px 20px 20px; box-shadow: var(--shadow); }
.part-head { display: flex; align-items: baseline; gap: 6px 14px; flex-wrap: wrap; margin-bottom: 12px; }
.part-num { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .08em; color: var(--accent-text); }
.part-head h3 { margin: 0; font-size: 1.2rem; }
.part-head h3 a { color: var(--fg); text-decoration: none; }
.part-head h3 a:hover { color: var(--accent-text); }
.part-meta { margin-left: auto; color: var(--muted); font-size: .88rem; }
.part-progress { display: flex; align-items: center; gap: 10px; margin: -4px 0 14px; font-size: .85rem; color: var(--muted); }
.part-progress .bar { flex: 1; max-width: 16rem; height: 6px; border-radius: 3px; background: var(--border); overflow: hidden; }
.part-progress .bar span { display: block; height: 100%; background: var(--ok); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(13.5rem, 1fr)); gap: 12px; }
.kata-card { position: relative; display: flex; flex-direction: column; gap: 6px; padding: 14px 14px 12px; border: 1px solid var(--border); border-radius: var(--radius); background: var(--bg); color: var(--fg); text-decoration: none; transition: border-color .15s, transform .15s, box-shadow .15s; }
a.kata-card:hover { border-color: var(--accent); transform: translateY(-1px); box-shadow: var(--shadow); }
.kata-card .num { font: 700 .8rem var(--mono); color: var(--accent-text); }
.kata-card .title { font-weight: 650; line-height: 1.3; }
.kata-card .about { font-size: .82rem; color: var(--muted); line-height: 1.4; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.kata-card .meta { margin-top: auto; display: flex; gap: 10px; font-size: .8rem; color: var(--muted); }
.kata-card .status { position: absolute; top: 12px; right: 12px; }
.kata-card.is-passed { border-color: color-mix(in srgb, var(--ok) 45%, var(--border)); background: color-mix(in srgb, var(--ok-soft) 55%, var(--bg)); }
.kata-card.is-coming { border-style: dashed; color: var(--muted); background: transparent; }
.coming-parts { margin-top: 22px; color: var(--muted); font-size: .93rem; }
.coming-parts ul { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; margin: .5em 0 0; }
.coming-parts li { margin: 0; padding: .3em .8em; border: 1px dashed var(--border-strong); border-radius: 999px; }

/* a kata */
.kata-head { margin-bottom: 8px; }
.crumbs { font-size: .88rem; color: var(--muted); margin: 0 0 .3em; }
.crumbs a { color: var(--muted); }
.kata-head h1 { margin: 0 0 .35em; }
.kata-head h1 .num { color: var(--accent-text); font-family: var(--mono); font-weight: 700; margin-right: .15em; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 20px; margin: 0 0 14px; padding: 0; list-style: none; color: var(--muted); font-size: .93rem; }
.facts strong { color: var(--fg); }
.files { display: grid; grid-template-columns: max-content 1fr; gap: 6px 14px; margin: 0 0 24px; padding: 14px 16px; background: var(--card); border: 1px solid var(--border); border-radius: var(--radius); font-size: .92rem; }
.files dt { color: var(--muted); }
.files dd { margin: 0; display: flex; flex-wrap: wrap; gap: 4px 12px; }
.hints { margin: 0 0 1em; }
details.hint { border: 1px solid var(--border); border-radius: 10px; background: var(--card); margin: 0 0 10px; }
details.hint > summary { cursor: pointer; padding: 10px 14px; font-weight: 600; list-style: none; display: flex; gap: 10px; align-items: baseline; }
details.hint > summary::-webkit-details-marker { display: none; }
details.hint > summary::before { content: "▸"; color: var(--accent-text); transition: transform .15s; display: inline-block; }
details.hint[open] > summary::before { transform: rotate(90deg); }
details.hint[open] > summary { border-bottom: 1px solid var(--border); }
.hint-label { font-size: .72rem; text-transform: uppercase; letter-spacing: .07em; color: var(--accent-text); background: var(--accent-soft); padding: .15em .55em; border-radius: 999px; }
.hint-body { padding: 12px 16px 4px; }
.hint-more { color: var(--muted); font-size: .9rem; margin: 0 0 1em; }
.pager { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; margin: 40px 0 0; }
.pager a { display: block; padding: 12px 16px; border: 1px solid var(--border); border-radius: var(--radius); background: var(--card); text-decoration: none; color: var(--fg); }
.pager a:hover { border-color: var(--accent); }
.pager small { display: block; color: var(--muted); font-size: .8rem; }
.pager .next { text-align: right; grid-column: 2; }
@media (max-width: 560px) { .pager { grid-template-columns: 1fr; } .pager .next { grid-column: 1; } }

/* source files */
pre.source { counter-reset: line; }
pre.source .line { display: block; }
pre.source .line::before { counter-increment: line; content: counter(line); display: inline-block; width: 3.2em; margin-right: 1em; text-align: right; color: var(--faint); user-select: none; }
pre.source .line:target { background: var(--accent-soft); }
.file-list { columns: 2 16rem; padding-left: 1.2em; }

/* diagrams */
figure.diagram { margin: 1.2em 0 1.6em; padding: 12px; background: var(--card); border: 1px solid var(--border); border-radius: 14px; overflow-x: auto; }
figure.diagram figcaption { color: var(--muted); font-size: .88rem; margin-top: 6px; }
svg.dg { display: block; width: 100%; height: auto; min-width: 640px; font-family: var(--sans); }
svg.dg-flow { min-width: 700px; }
.dg text { fill: var(--fg); font-size: 12px; }
.dg .dg-title { font-size: 15px; font-weight: 700; }
.dg .dg-small { font-size: 12.5px; }
.dg .dg-sub { font-size: 11.5px; fill: var(--muted); }
.dg .dg-strong { font-weight: 700; fill: var(--fg); }
.dg .dg-note { font-size: 11px; fill: var(--muted); }
.dg .dg-label { font-size: 11.5px; fill: var(--muted); }
.dg .dg-halo { paint-order: stroke; stroke: var(--card); stroke-width: 5px; stroke-linejoin: round; }
.dg .dg-group-label { font-size: 11px; font-weight: 700; letter-spacing: .12em; fill: var(--muted); }
.dg-group { stroke-width: 1.2; stroke-dasharray: 5 4; }
.dg-group-cp { fill: color-mix(in srgb, var(--cp-soft) 45%, transparent); stroke: var(--cp); }
.dg-group-node { fill: color-mix(in srgb, var(--node-soft) 45%, transparent); stroke: var(--node); }
.dg-box { stroke-width: 1.5; }
.dg-cp { fill: var(--cp-soft); stroke: var(--cp); }
.dg-node { fill: var(--node-soft); stroke: var(--node); }
.dg-ext { fill: var(--ext-soft); stroke: var(--ext); }
.dg-pod { fill: var(--card); stroke: var(--node); stroke-dasharray: 3 2; }
.dg-missing { stroke-dasharray: 6 4; fill: var(--card); }
.dg-highlight { stroke-width: 3.5; fill: var(--accent-soft); stroke: var(--accent); }
.dg a:hover .dg-box { stroke-width: 3; }
.dg-dim { opacity: .28; }
.dg-arrow { fill: none; stroke: var(--muted); stroke-width: 1.6; }
.dg-event { stroke-dasharray: 5 4; stroke: var(--accent); }
.dg-ah { fill: var(--muted); }
.dg-ahe { fill: var(--accent); }
.dg-disk { fill: var(--ext-soft); stroke: var(--ext); stroke-width: 1.4; }
.dg-chip { stroke-width: 1.2; }
.dg-ready { fill: var(--accent); stroke: var(--accent); }
.dg .dg-ready-text { fill: var(--accent-fg); font: 700 10.5px var(--mono); }
.dg-coming { fill: var(--card); stroke: var(--faint); stroke-dasharray: 3 2; }
.dg .dg-coming-text { fill: var(--faint); font: 600 10.5px var(--mono); }
.dg a:hover .dg-ready { fill: var(--accent-text); }
.dg-lifeline { stroke: var(--border-strong); stroke-width: 1.2; stroke-dasharray: 2 4; }
.dg-row { fill: var(--bg); }
.dg-step { fill: var(--fg); }
.dg .dg-step-text { fill: var(--bg); font-size: 10.5px; font-weight: 700; }

/* API fallback and cards of pages */
.page-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: 12px; padding: 0; list-style: none; }
.page-cards li { margin: 0; }
.page-cards a { display: block; height: 100%; padding: 14px 16px; border: 1px solid var(--border); border-radius: var(--radius); background: var(--card); text-decoration: none; color: var(--fg); }
.page-cards a:hover { border-color: var(--accent); }
.page-cards small { display: block; color: var(--muted); margin-top: 2px; }
`;

/** assets/site.js: hints one at a time, and the learner's progress when served. */
export const SITE_JS = `'use strict';
(function () {
  var root = document.documentElement.getAttribute('data-root') || '';

  // Hints: the first is shown, folded; opening one shows the next. A link to a hint opens it.
  document.querySelectorAll('.hints').forEach(function (group) {
    var hints = Array.prototype.slice.call(group.querySelectorAll('details.hint'));
    if (hints.length === 0) return;
    var more = document.createElement('p');
    more.className = 'hint-more';
    group.appendChild(more);
    var revealed = 1;
    function update() {
      hints.forEach(function (hint, i) { hint.hidden = i >= revealed; });
      var left = hints.length - revealed;
      more.hidden = left <= 0;
      more.textContent = left === 1 ? '1 more hint, once you have read this one.' : left + ' more hints, one at a time.';
    }
    hints.forEach(function (hint, i) {
      hint.addEventListener('toggle', function () {
        if (hint.open && revealed < i + 2) { revealed = Math.min(hints.length, i + 2); update(); }
      });
    });
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var at = hints.indexOf(target);
    if (at >= 0) { revealed = Math.max(revealed, at + 1); target.open = true; }
    update();
  });

  // Progress: only when served locally (npm run docs -- --serve), which answers progress.json.
  if (location.protocol === 'file:') return;
  fetch(root + 'progress.json', { cache: 'no-store' })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (p) { if (p && typeof p === 'object') showProgress(p); })
    .catch(function () {});

  function showProgress(p) {
    var passed = {};
    (Array.isArray(p.passed) ? p.passed : []).forEach(function (n) { passed[String(n)] = true; });
    var borrowed = {};
    (Array.isArray(p.borrowed) ? p.borrowed : []).forEach(function (c) { borrowed[String(c)] = true; });
    document.documentElement.classList.add('has-progress');
    document.querySelectorAll('[data-kata]').forEach(function (el) {
      var n = el.getAttribute('data-kata');
      if (!passed[n]) return;
      el.classList.add('is-passed');
      var status = el.querySelector('.status');
      if (status) { status.innerHTML = '<span class="tag tag-passed">✓ passed</span>'; }
    });
    document.querySelectorAll('[data-kata-status]').forEach(function (el) {
      if (passed[el.getAttribute('data-kata-status')]) { el.innerHTML = '<span class="tag tag-passed">✓ you passed this kata</span>'; }
    });
    var total = 0, done = 0, points = 0, earned = 0;
    document.querySelectorAll('[data-part]').forEach(function (part) {
      var cards = part.querySelectorAll('[data-kata]');
      var n = 0, pts = 0, all = 0;
      cards.forEach(function (c) {
        var v = Number(c.getAttribute('data-points')) || 0;
        all += v;
        if (passed[c.getAttribute('data-kata')]) { n += 1; pts += v; }
      });
      total += cards.length; done += n; points += all; earned += pts;
      var box = part.querySelector('.part-progress');
      if (box && cards.length > 0) {
        box.hidden = false;
        box.querySelector('.bar span').style.width = Math.round((100 * n) / cards.length) + '%';
        box.querySelector('.text').textContent = n + ' of ' + cards.length + ' passed · ' + pts + ' of ' + all + ' points';
      }
      if (borrowed[part.getAttribute('data-part')]) {
        var head = part.querySelector('.part-head');
        if (head) head.insertAdjacentHTML('beforeend', '<span class="tag tag-borrowed" title="npm run kata -- borrow: the reference solution stands in">borrowed</span>');
      }
    });
    var summary = document.querySelector('[data-progress-summary]');
    if (summary && total > 0) {
      summary.hidden = false;
      summary.textContent = 'Your progress: ' + done + ' of ' + total + (total === 1 ? ' kata' : ' katas') + ' passed, ' + earned + ' of ' + points + ' points.';
    }
  }
})();
`;
