/**
 * The three ways a PATCH can change an object, chosen by its Content-Type
 * (k8s.io/apiserver/pkg/endpoints/handlers/patch.go):
 *
 * | Content-Type | what the body is |
 * | --- | --- |
 * | `application/merge-patch+json` | JSON merge patch (RFC 7386): the fields to set, `null` to remove one; lists are replaced whole |
 * | `application/json-patch+json` | JSON patch (RFC 6902): a list of operations (add, remove, replace, move, copy, test) at JSON pointers |
 * | `application/strategic-merge-patch+json` | strategic merge patch: a merge patch whose lists of objects merge by a key (containers by name); see strategic-merge.ts |
 *
 * @example
 * ```ts
 * mergePatch({ metadata: { labels: { app: 'web', tier: 'front' } } }, { metadata: { labels: { tier: null, env: 'prod' } } });
 * // { metadata: { labels: { app: 'web', env: 'prod' } } }
 * jsonPatch({ spec: { replicas: 1 } }, [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
 * // { spec: { replicas: 3 } }
 * ```
 */
import jsonpatch from 'fast-json-patch';
import { unsupportedMediaType } from './codec.ts';
import { badRequest } from './status.ts';
import { strategicMergePatch } from './strategic-merge.ts';

/** The patch types the server accepts, by Content-Type. */
export const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  /** server-side apply (`kubectl apply --server-side`): not a patch of the object, see field-manager.ts */
  apply: 'application/apply-patch+yaml',
} as const;

/** A JSON value, as a patch sees it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** True for a JSON object (not null, not a list). */
export function isJsonObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets `object[field] = value` as data, even for a field called `__proto__` (a ConfigMap key may
 * be): a plain assignment of `__proto__` would change the object's prototype and lose the field.
 *
 * @example setField(result, '__proto__', 'x'); Object.keys(result); // ['__proto__']
 */
export function setField(object: Record<string, unknown>, field: string, value: unknown): void {
  Object.defineProperty(object, field, { value, writable: true, enumerable: true, configurable: true });
}

/** `object[field]` when it is the object's own field, else undefined (never what its prototype has, as `__proto__` would be). */
export function fieldOf(object: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(object, field) ? object[field] : undefined;
}

/**
 * Applies a JSON merge patch (RFC 7386) to `target` and returns the result; `target` is not changed.
 *
 * A patch that is an object merges into the target field by field: a field set to `null` is
 * removed, an object merges recursively (into `{}` when the target has no object there), anything
 * else (a string, a number, a list) replaces what was there. A patch that is not an object
 * replaces the target whole.
 *
 * @example
 * ```ts
 * mergePatch({ a: 'b', c: { d: 'e', f: 'g' } }, { a: 'z', c: { f: null } });   // { a: 'z', c: { d: 'e' } }
 * mergePatch({ list: [1, 2] }, { list: [3] });                                   // { list: [3] }
 * mergePatch('anything', { a: 1 });                                              // { a: 1 }
 * ```
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isJsonObject(target) ? structuredClone(target) : {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete result[field];
    else setField(result, field, mergePatch(fieldOf(result, field), value));
  }
  return result;
}

/**
 * Applies a JSON patch (RFC 6902) with fast-json-patch; `target` is not changed.
 *
 * @throws StatusError BadRequest when the patch is not a list of valid operations, or an
 *   operation cannot be applied (a `test` that fails, a path that does not exist), as upstream
 *   answers: `the server rejected our request due to an error in our request`.
 */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  try {
    // validate: check each operation's shape first; mutateDocument false: work on a copy.
    return jsonpatch.applyPatch(structuredClone(target), operations, true, false, true).newDocument;
  } catch (error) {
    throw badRequest(`the server rejected our request due to an error in our request: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Applies a patch of the given Content-Type to `target`; the kind (`Pod`, `Deployment`) tells a
 * strategic merge patch which lists merge by which key.
 *
 * @throws StatusError UnsupportedMediaType (415) for any other Content-Type, BadRequest for a
 *   patch that cannot be applied
 */
export function applyPatch(contentType: string, target: unknown, patch: unknown, kind: string): unknown {
  const type = patchTypeOf(contentType);
  if (type === PATCH_TYPES.merge) {
    if (!isJsonObject(patch)) throw badRequest('a merge patch must be a JSON object');
    return mergePatch(target, patch);
  }
  if (type === PATCH_TYPES.json) return jsonPatch(target, patch);
  if (type === PATCH_TYPES.apply) throw new Error('a server-side apply is not a patch of the stored object: ApiHandler.apply (given) does it');
  // what is left is PATCH_TYPES.strategic
  if (!isJsonObject(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  return strategicMergePatch(target, patch, kind);
}

/**
 * The patch type a PATCH request's Content-Type names, checked before anything else is read: a
 * Content-Type that is not a patch's is 415 even for an object that does not exist, as upstream's
 * patch handler answers.
 *
 * @example patchTypeOf('application/merge-patch+json; charset=utf-8') // 'application/merge-patch+json'
 * @throws StatusError UnsupportedMediaType (415) for a Content-Type that is not one of {@link PATCH_TYPES}
 */
export function patchTypeOf(contentType: string): (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES] {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const known = Object.values(PATCH_TYPES).find((patchType) => patchType === type);
  if (known === undefined) throw unsupportedMediaType(Object.values(PATCH_TYPES));
  return known;
}
