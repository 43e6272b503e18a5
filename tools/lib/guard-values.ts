/**
 * Values that would match anything: part of the grader's guard (tools/lib/guard.ts).
 *
 * vitest's equality asks an object with an `asymmetricMatch` method whether it matches, on either
 * side — that is how `expect.any(Number)` works. So kata code whose function returned
 * `{ asymmetricMatch: () => true }` passed every `toEqual`, `toStrictEqual` and `toMatchObject` of
 * that function's result, without changing any built-in. The guard looks, before those matchers
 * run, for such an object anywhere in the value the test checks (the actual value: the expected
 * one is the test's own) and refuses it, unless it is one of vitest's own matchers.
 *
 * @example
 * ```ts
 * matcherIn({ kvs: [{ key: 'a' }], count: 1 }, isVitestMatcher)        // undefined
 * matcherIn({ kvs: [{ asymmetricMatch: () => true }] }, isVitestMatcher) // 'the value.kvs[0]'
 * ```
 *
 * What it does not see: an object that grows the method only when vitest reads it (a getter, or
 * a proxy's trap, that answers differently the second time). Proxies are refused for that reason.
 */
import { types } from 'node:util';

// Captured when the guard loads, before any kata code: the walk must not go through methods that
// code could replace.
const ownKeys = Reflect.ownKeys;
const getDescriptor = Reflect.getOwnPropertyDescriptor;
const getPrototypeOf = Reflect.getPrototypeOf;
const isProxy = types.isProxy;
const isMap = types.isMap;
const isSet = types.isSet;
const isArrayBufferView = ArrayBuffer.isView;
const mapValues = Map.prototype.values;
const mapKeys = Map.prototype.keys;
const setValues = Set.prototype.values;
const apply = Reflect.apply;
const weakAdd = WeakSet.prototype.add;
const weakHas = WeakSet.prototype.has;
const NewWeakSet = WeakSet;

/** How deep the walk goes: far deeper than any value a kata's test compares. */
const MAX_DEPTH = 64;

/**
 * Where in `value` an object that could match anything is ('the value', 'the value.kvs[0]'), or
 * undefined when there is none. `isOwnMatcher` says which objects are vitest's own matchers.
 */
export function matcherIn(value: unknown, isOwnMatcher: (object: object) => boolean): string | undefined {
  const seen = new NewWeakSet<object>();
  const walk = (node: unknown, path: string, depth: number): string | undefined => {
    if (node === null || (typeof node !== 'object' && typeof node !== 'function')) return undefined;
    const object = node as object;
    if (apply(weakHas, seen, [object]) || depth > MAX_DEPTH) return undefined;
    apply(weakAdd, seen, [object]);
    if (isProxy(object)) return path;
    if (typeof node === 'function') return undefined;
    if (isArrayBufferView(object)) return undefined;
    if (hasAsymmetricMatch(object)) return isOwnMatcher(object) ? undefined : path;
    if (isMap(object)) {
      for (const key of apply(mapKeys, object, []) as Iterable<unknown>) {
        const found = walk(key, `${path} (a key of the map)`, depth + 1);
        if (found) return found;
      }
      for (const item of apply(mapValues, object, []) as Iterable<unknown>) {
        const found = walk(item, `${path} (a value of the map)`, depth + 1);
        if (found) return found;
      }
    } else if (isSet(object)) {
      for (const item of apply(setValues, object, []) as Iterable<unknown>) {
        const found = walk(item, `${path} (an item of the set)`, depth + 1);
        if (found) return found;
      }
    }
    const keys = ownKeys(object);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const descriptor = getDescriptor(object, key);
      if (!descriptor || !('value' in descriptor)) continue;
      const found = walk(descriptor.value, typeof key === 'symbol' ? `${path}[${String(key)}]` : /^\d+$/.test(key) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, 'the value', 0);
}

/** Whether the object or anything it inherits from has an `asymmetricMatch` method (read without calling a getter). */
function hasAsymmetricMatch(object: object): boolean {
  for (let at: object | null = object, depth = 0; at && depth < MAX_DEPTH; at = getPrototypeOf(at), depth++) {
    const descriptor = getDescriptor(at, 'asymmetricMatch');
    // A method, or a getter that could return one when vitest reads it.
    if (descriptor && (typeof descriptor.value === 'function' || descriptor.get !== undefined)) return true;
  }
  return false;
}
