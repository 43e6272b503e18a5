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
import { NotImplemented } from '@kube/kit';
import { badRequest } from './status.ts';

/** Makes the token of a page that starts at `nextKey` (a key under `prefix`), read at `revision`. */
export function encodeContinue(revision: number, nextKey: string, prefix: string): string {
  // TODO(09): base64 of the JSON {"v":"meta.k8s.io/v1","rv":revision,"start":nextKey without the prefix}.
  throw new NotImplemented('09', 'encodeContinue');
}

/**
 * Reads a token back: the revision and the absolute first key of the page.
 *
 * @throws StatusError BadRequest `invalid continue token: <why>` when it is not one of ours
 */
export function decodeContinue(token: string, prefix: string): { revision: number; start: string } {
  // TODO(09): base64 -> JSON -> { v, rv, start }; check each (BadRequest "invalid continue token: <why>"): v is
  // TODO(09): "meta.k8s.io/v1", rv a whole number >= 1, start a string that is relative (no leading "/", no ".."). Return
  // TODO(09): { revision: rv, start: prefix + start }.
  throw new NotImplemented('09', 'decodeContinue');
}
