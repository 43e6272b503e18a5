/**
 * Small helpers for writing HTML by hand: escaping, relative URLs between pages of the site, and
 * the ids of headings.
 */
import { posix } from 'node:path';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * The URL of site page `to` relative to site page `from` (both site-relative paths such as
 * "etcd/01-kv.html"): `relativeUrl('etcd/01-kv.html', 'index.html')` is "../index.html".
 */
export function relativeUrl(from: string, to: string): string {
  const [path, hash] = splitHash(to);
  let rel = posix.relative(posix.dirname(from), path);
  if (rel === '') rel = path.endsWith('/') ? './' : posix.basename(path);
  else if (path.endsWith('/') && !rel.endsWith('/')) rel += '/';
  return hash === undefined ? rel : `${rel}#${hash}`;
}

/** The prefix from a page to the site's root: "../" for "etcd/01-kv.html", "" for "index.html". */
export function rootPrefix(page: string): string {
  const depth = page.split('/').length - 1;
  return '../'.repeat(depth);
}

/** Splits "a.html#b" into ["a.html", "b"]. */
export function splitHash(url: string): [string, string | undefined] {
  const i = url.indexOf('#');
  return i < 0 ? [url, undefined] : [url.slice(0, i), url.slice(i + 1)];
}

/**
 * The id of a heading, GitHub style: lower case, punctuation dropped, spaces to hyphens.
 * "How the real one does it" → "how-the-real-one-does-it"; "01 · Key-value basics" → "01--key-value-basics".
 */
export function slugify(text: string): string {
  const slug = text
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
  return slug === '' ? 'section' : slug;
}

/** Makes ids unique within one page: the second "notes" becomes "notes-1". */
export class Slugger {
  private readonly seen = new Map<string, number>();

  /** A unique id for a heading with this text. */
  slug(text: string): string {
    const base = slugify(text);
    const count = this.seen.get(base);
    this.seen.set(base, (count ?? 0) + 1);
    return count === undefined ? base : `${base}-${count}`;
  }
}
