/**
 * The kit's object helpers: the "namespace/name" keys of caches and work queues.
 */
import { describe, expect, it } from 'vitest';
import { test, fc } from '../support/prop.ts';
import { objectKey, splitObjectKey } from '@kube/kit';

describe('objectKey', () => {
  it('is namespace/name for a namespaced object and name for a cluster-scoped one', () => {
    expect(objectKey({ metadata: { name: 'web-1', namespace: 'default' } })).toBe('default/web-1');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(objectKey({ metadata: { name: 'node-1', namespace: '' } })).toBe('node-1');
  });
});

describe('splitObjectKey', () => {
  it('splits a key back into namespace and name', () => {
    expect(splitObjectKey('default/web-1')).toEqual({ namespace: 'default', name: 'web-1' });
    expect(splitObjectKey('node-1')).toEqual({ name: 'node-1' });
  });

  it('refuses a key with more than one "/", saying what a key looks like', () => {
    expect(() => splitObjectKey('a/b/c')).toThrow('"a/b/c" is not an object key: want "namespace/name" or "name"');
  });
});

/** A DNS-label-like name: lowercase letters, digits and dashes. */
const nameArb = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);

test.prop([fc.option(nameArb, { nil: undefined }), nameArb])('splitObjectKey undoes objectKey', (namespace, name) => {
  const metadata = namespace === undefined ? { name } : { namespace, name };
  expect(splitObjectKey(objectKey({ metadata }))).toEqual(metadata);
});
