/**
 * The frame every page of the site shares: the head (viewport, stylesheet, script — all local), the
 * top bar with the site's sections, the main column, and the footer. Pages link to each other
 * relatively, so the site works from any folder, from a web server, and offline.
 */
import { escapeHtml, relativeUrl, rootPrefix } from './html.ts';
import type { Heading } from './markdown.ts';

/** A section of the site in the top bar. */
export interface NavItem {
  key: string;
  label: string;
  /** site path of the section's first page */
  path: string;
}

/** What a page puts in the frame. */
export interface LayoutOptions {
  /** the page's site path: "etcd/01-kv.html" */
  page: string;
  /** the page's title (the browser tab adds "· kubekata") */
  title: string;
  /** the page's HTML, inside `<main>` */
  body: string;
  /** the site's sections */
  nav: NavItem[];
  /** which section the page belongs to, to mark it in the top bar */
  section?: string;
  /** a one-line description for the head */
  description?: string;
  /** headings for the table of contents on the side (level 2 only are listed) */
  toc?: Heading[];
  /** a class for `<body>` */
  bodyClass?: string;
}

/** The logo: a heptagon, the shape of a ship's wheel, drawn small. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32"><path d="M16 1.8 27.3 7.3 30 19.6 22.2 29.4H9.8L2 19.6 4.7 7.3z" fill="#326ce5"/><circle cx="16" cy="16.4" r="6.2" fill="none" stroke="#fff" stroke-width="2.2"/><path d="M16 5.6v4.6M16 22.6v4.4M5.6 16.4h4.2M22.2 16.4h4.2M8.8 9.2l3 3M20.2 20.6l3 3M23.2 9.2l-3 3M11.8 20.6l-3 3" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>`;

/** Wraps a page's body in the site's frame. */
export function layout(o: LayoutOptions): string {
  const root = rootPrefix(o.page);
  const nav = o.nav
    .map((item) => `<a href="${escapeHtml(relativeUrl(o.page, item.path))}"${item.key === o.section ? ' aria-current="page"' : ''}>${escapeHtml(item.label)}</a>`)
    .join('');
  const toc = o.toc?.filter((h) => h.level === 2) ?? [];
  const aside = toc.length > 1
    ? `<aside class="toc" aria-label="On this page"><p class="toc-title">On this page</p><ol>${toc.map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`).join('')}</ol></aside>`
    : '';
  return `<!doctype html>
<html lang="en" data-root="${root}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.title)} · kubekata</title>
<meta name="description" content="${escapeHtml(o.description ?? 'kubekata: build a small but real Kubernetes in TypeScript, one tested kata at a time.')}">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="${root}assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="${root}assets/site.css">
<script src="${root}assets/site.js" defer></script>
</head>
<body class="${escapeHtml(o.bodyClass ?? '')}">
<a class="skip" href="#main">Skip to the content</a>
<header class="topbar"><div class="topbar-inner">
<a class="brand" href="${root}index.html">${LOGO_SVG}<span>kubekata</span></a>
<nav class="sections" aria-label="Sections">${nav}</nav>
</div></header>
<div class="page${aside ? ' has-toc' : ''}">
<main id="main">
${o.body}
</main>
${aside}
</div>
<footer class="footer"><p>kubekata — build a small but real Kubernetes in TypeScript. This site works offline and tracks no one.</p></footer>
</body>
</html>
`;
}
