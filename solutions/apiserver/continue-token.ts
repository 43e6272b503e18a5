/**
 * The `continue` token of a paginated list (kube-apiserver's
 * staging/src/k8s.io/apiserver/pkg/storage/continue.go): where the next page starts, and at which
 * revision the whole list is read, so that every page shows the same moment.
 *
 * The token is opaque to clients: base64 of `{"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key>"}`,
 * where `start` is the next page's first key, relative to the list's prefix (so that a token
 * cannot be used to read outside the resource it was made for).
 *
 * @example
 * ```ts
 * const token = encodeContinue(42, '/registry/pods/default/web-3\0', '/registry/pods/default/');
 * decodeContinue(token, '/registry/pods/default/');   // { revision: 42, start: '/registry/pods/default/web-3\0' }
 * decodeContinue('nonsense', '/registry/pods/');      // StatusError BadRequest: invalid continue token ...
 * ```
 */
import { badRequest } from './status.ts';

/** Makes the token of a page that starts at `nextKey` (a key under `prefix`), read at `revision`. */
export function encodeContinue(revision: number, nextKey: string, prefix: string): string {
  const start = nextKey.slice(prefix.length);
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start }), 'utf8').toString('base64');
}

/**
 * Reads a token back: the revision and the absolute first key of the page.
 *
 * @throws StatusError BadRequest `invalid continue token: <why>` when it is not one of ours
 */
export function decodeContinue(token: string, prefix: string): { revision: number; start: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw badRequest('invalid continue token: it is not base64 of JSON; pass the token of the previous page as it came');
  }
  const { v, rv, start } = (parsed ?? {}) as { v?: unknown; rv?: unknown; start?: unknown };
  if (v !== 'meta.k8s.io/v1') throw badRequest('invalid continue token: unknown version, expected "meta.k8s.io/v1"');
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv < 1) throw badRequest('invalid continue token: its resource version must be a whole number >= 1');
  if (typeof start !== 'string' || start.startsWith('/') || start.includes('..')) throw badRequest('invalid continue token: its start key must be relative to the list');
  return { revision: rv, start: prefix + start };
}
