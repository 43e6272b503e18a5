/**
 * The site works offline and tracks no one: no page may load anything from another host. A link a
 * reader clicks (`<a href="https://etcd.io">`) is fine — it is prose; a stylesheet, a script, a
 * font, an image or a frame fetched from the network is not, whoever wrote it (a kata's raw HTML,
 * typedoc's theme, the site's own frame). The build runs this over every file it writes, so the
 * promise in the footer is checked, not hoped for.
 */
import type { Problem } from './errors.ts';

/** An absolute URL to another host: `https://x`, `http://x` or protocol-relative `//x`. */
const REMOTE = /^\s*(?:https?:)?\/\//i;

/** Elements whose `src`/`href`/`srcset`/`poster`/`data` the browser fetches by itself. */
const LOADS = /<(script|link|img|iframe|frame|embed|object|source|track|video|audio|image|use|input)\b([^>]*)>/gi;
const ATTR = /\s(src|href|xlink:href|srcset|poster|data)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;

/**
 * The references in one file (HTML, CSS or JS, by its site path) that would be fetched from the
 * network when the page is viewed. `file` names the source in the problems.
 */
export function remoteLoads(path: string, text: string, file: string): Problem[] {
  const problems: Problem[] = [];
  const add = (url: string, what: string): void => {
    problems.push({ file, message: `${path} loads ${what} from the network (${url.trim()}): the site must work offline; ship it in the site instead.` });
  };
  const isMarkup = path.endsWith('.html') || path.endsWith('.svg');
  if (isMarkup) {
    for (const [, tag, attrs] of text.matchAll(LOADS)) {
      // <link rel="canonical|alternate"> only names a URL; every other <link> (stylesheet, icon, preload) fetches it
      if (/^link$/i.test(tag!) && /\srel\s*=\s*["']?(canonical|alternate|author|license)\b/i.test(attrs!)) continue;
      for (const [, name, double, single] of attrs!.matchAll(ATTR)) {
        const value = double ?? single ?? '';
        const urls = name!.toLowerCase() === 'srcset' ? value.split(',').map((s) => s.trim().split(/\s+/)[0] ?? '') : [value];
        for (const url of urls) if (REMOTE.test(url)) add(url, `a <${tag!.toLowerCase()}>`);
      }
    }
  }
  // Only the code of a page is checked for CSS and scripts: prose that quotes `url(https://…)`
  // or `fetch('https://…')` in inline code is text, not a request.
  const css = isMarkup
    ? [...text.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>|\sstyle\s*=\s*"([^"]*)"/gi)].map((m) => m[1] ?? m[2] ?? '').join('\n')
    : path.endsWith('.css') ? text : '';
  for (const [, url] of css.matchAll(/url\(\s*["']?([^"')\s]+)/gi)) if (REMOTE.test(url!)) add(url!, 'a CSS url()');
  // (`@import url(…)` is a url() above; this is the other form, `@import "…"`)
  for (const [, url] of css.matchAll(/@import\s+["']([^"']+)/gi)) if (REMOTE.test(url!)) add(url!, 'a CSS @import');
  const js = isMarkup
    ? [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]!).join('\n')
    : path.endsWith('.js') ? text : '';
  // a script that phones home: fetch/XMLHttpRequest/sendBeacon/WebSocket/EventSource to another host
  const calls = /\b(fetch|open|sendBeacon|WebSocket|EventSource)\s*\(\s*(?:["'][A-Z]+["']\s*,\s*)?["'`]((?:https?:|wss?:)?\/\/[^"'`]*)/g;
  for (const [, call, url] of js.matchAll(calls)) add(url!, `a ${call}() call`);
  return problems;
}
