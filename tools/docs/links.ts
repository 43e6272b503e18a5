/**
 * Links, both ways:
 *
 * - {@link resolveLink} turns a link written in markdown into a URL of the site. Authors link to
 *   files as they are in the repository (`../etcd/README.md`, `store.ts`, `../../docs/grader.md`)
 *   and the link works on GitHub and on the site alike; `kata:etcd/04` and `part:scheduler` name a
 *   kata or a part of the catalogue, which the site shows as "coming" until it exists.
 * - {@link checkLinks} reads every page the build wrote and fails on any internal link to a page
 *   or an anchor that is not there, naming the source file and the link.
 */
import { existsSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Kata } from '../lib/katas.ts';
import type { Problem } from './errors.ts';
import { relativeUrl, splitHash } from './html.ts';
import type { Resolved } from './markdown.ts';

/** What links can point to: the site's pages by their source, the katas and the parts. */
export interface SiteMap {
  /** the workbook's root folder */
  root: string;
  /** a source file relative to the root ("katas/etcd/01-kv.md", "katas/etcd/store.ts") → its page ("etcd/01-kv.html") */
  pages: Map<string, string>;
  /** kata number → kata */
  katas: Map<string, Kata>;
  /** component → its part page ("etcd/index.html") */
  parts: Map<string, string>;
  /** files copied as they are (images a page shows): source → site path; filled as links are resolved */
  files: Map<string, string>;
}

const IMAGE = /\.(png|svg|jpe?g|gif|webp)$/i;

/**
 * Resolves `href`, found in `source` (relative to the root) which becomes site page `page`.
 * Examples, from `katas/etcd/01-kv.md` (page `etcd/01-kv.html`):
 * `store.ts` → `../source/katas/etcd/store.ts.html`; `README.md#the-katas` → `index.html#the-katas`;
 * `kata:etcd/04` → the page of kata 04, or `{coming}` while it does not exist.
 */
export function resolveLink(href: string, source: string, page: string, map: SiteMap, kind: 'link' | 'image' = 'link'): Resolved {
  if (href === '') return { error: 'the link is empty.' };
  const kataRef = /^kata:(?:([a-z0-9-]+)\/)?(\d{2})$/.exec(href);
  if (kataRef) {
    const [, component, number] = kataRef;
    const kata = map.katas.get(number!);
    if (!kata) return { coming: `kata ${number} is not written yet` };
    if (component !== undefined && kata.component !== component) {
      return { error: `kata ${number} is ${kata.instructions}, not a kata of ${component}: update the reference.` };
    }
    return { href: relativeUrl(page, map.pages.get(kata.instructions)!) };
  }
  const partRef = /^part:([a-z0-9-]+)$/.exec(href);
  if (partRef) {
    const target = map.parts.get(partRef[1]!);
    return target ? { href: relativeUrl(page, target) } : { coming: `${partRef[1]} is not written yet` };
  }
  if (/^(kata|part):/.test(href)) return { error: 'write kata:<component>/<NN> (kata:etcd/04) or part:<component> (part:etcd).' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return { href }; // http:, https:, mailto: ...
  if (href.startsWith('#')) return { href };

  const [rawPath, hash] = splitHash(href);
  let path: string;
  try {
    path = decodeURI(rawPath.split('?')[0]!);
  } catch {
    return { error: 'it is not a valid URL.' };
  }
  const target = path.startsWith('/') ? posix.normalize(path.slice(1)) : posix.normalize(posix.join(posix.dirname(source), path));
  if (target.startsWith('..')) return { error: 'it points outside the workbook.' };
  const withHash = (sitePath: string): Resolved => ({ href: relativeUrl(page, hash === undefined ? sitePath : `${sitePath}#${hash}`) });

  const direct = map.pages.get(target.replace(/\/$/, ''));
  if (direct) return withHash(direct);
  // A kata's hints file (katas/<component>/hints/NN-slug.md): its hints are folded into the kata's
  // own page, under "Hints".
  const hints = /^katas\/([^/]+)\/hints\/(\d\d-[a-z0-9-]+\.md)$/.exec(target);
  const kataPage = hints ? map.pages.get(`katas/${hints[1]}/${hints[2]}`) : undefined;
  if (kataPage) return { href: relativeUrl(page, `${kataPage}#hints`) };
  const readme = map.pages.get(posix.join(target, 'README.md'));
  if (readme) return withHash(readme);
  if (target === 'solutions' || target.startsWith('solutions/')) {
    return { error: 'the site never publishes solutions/: link to the kata or its starter instead.' };
  }
  const absolute = join(map.root, target);
  if (!existsSync(absolute)) return { error: `${target} does not exist.` };
  if (kind === 'image' || (IMAGE.test(target) && statSync(absolute).isFile())) {
    if (!IMAGE.test(target)) return { error: `${target} is not an image.` };
    const sitePath = `files/${target}`;
    map.files.set(target, sitePath);
    return withHash(sitePath);
  }
  return { error: `${target} exists but is not part of the site (pages are made from markdown, kata starters and tests).` };
}

/** A page the build wrote, with the file it was made from. */
export interface BuiltPage {
  /** site path: "etcd/01-kv.html" */
  path: string;
  html: string;
  /** the source file relative to the root, for messages; undefined for generated pages */
  source?: string;
}

/**
 * Checks every `href` and `src` of the given pages: a relative URL must name a page or a file of the
 * site (`exists`), and its `#anchor` an id of that page. Returns the problems, each naming the
 * page's source file (or the generated page) and the link.
 */
export function checkLinks(pages: BuiltPage[], exists: (sitePath: string) => boolean): Problem[] {
  const byPath = new Map(pages.map((p) => [p.path, p]));
  const idCache = new Map<string, Set<string>>();
  const idsOf = (path: string): Set<string> | undefined => {
    const page = byPath.get(path);
    if (!page) return undefined;
    let ids = idCache.get(path);
    if (!ids) {
      ids = new Set([...page.html.matchAll(/\sid="([^"]*)"/g)].map((m) => unescapeAttr(m[1]!)));
      idCache.set(path, ids);
    }
    return ids;
  };
  const problems: Problem[] = [];
  for (const page of pages) {
    const seen = new Set<string>();
    for (const match of page.html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      const url = unescapeAttr(match[1]!);
      if (seen.has(url)) continue;
      seen.add(url);
      if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) continue;
      const [rawPath, hash] = splitHash(url);
      const pathPart = rawPath.split('?')[0]!;
      let target = pathPart === '' ? page.path : posix.normalize(posix.join(posix.dirname(page.path), decodeURIComponentSafe(pathPart)));
      if (pathPart.endsWith('/') || target === '.') target = posix.join(target, 'index.html');
      const where = page.source ?? `(generated page ${page.path})`;
      if (target.startsWith('..')) {
        problems.push({ file: where, message: `broken link "${url}" on ${page.path}: it points outside the site.` });
        continue;
      }
      if (!byPath.has(target) && !exists(target)) {
        problems.push({ file: where, message: `broken link "${url}" on ${page.path}: there is no ${target} in the site.` });
        continue;
      }
      if (hash !== undefined && hash !== '') {
        const ids = idsOf(target);
        if (ids && !ids.has(decodeURIComponentSafe(hash))) {
          problems.push({ file: where, message: `broken link "${url}" on ${page.path}: ${target} has no anchor #${hash}.` });
        }
      }
    }
  }
  return problems;
}

function unescapeAttr(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
