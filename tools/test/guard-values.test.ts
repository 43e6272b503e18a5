import { describe, expect, it } from 'vitest';
import { fc, test } from '../../test/support/prop.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastCheck from 'fast-check';
import { matcherIn } from '../lib/guard-values.ts';
import { arbitraryPrototypes, randomPrototypes } from '../lib/guard-fast-check.ts';
import { runTests } from '../lib/runner.ts';

const anything = (): object => ({ asymmetricMatch: () => true });
const none = (): boolean => false;

describe('matcherIn: where a value holds an object that would match anything', () => {
  it.each([
    ['plain data has none', { kvs: [{ key: 'a', value: new Uint8Array([1]) }], count: 1, more: false }, undefined],
    ['data with a key of that name, not a method, has none', { asymmetricMatch: 'a label' }, undefined],
    ['the value itself is one', anything(), 'the value'],
    ['one deep in objects and arrays is found, with its path', { kvs: [{ key: 'a' }, anything()] }, 'the value.kvs[1]'],
    ['an instance of a class with the method is one', new (class { asymmetricMatch(): boolean { return true; } })(), 'the value'],
    ['one among the values of a Map is found', new Map([['a', anything()]]), 'the value (a value of the map)'],
    ['one among the keys of a Map is found', new Map([[anything(), 1]]), 'the value (a key of the map)'],
    ['one in a Set is found', new Set([1, anything()]), 'the value (an item of the set)'],
    ['a proxy is refused: it could answer differently when vitest asks', { p: new Proxy({}, {}) }, 'the value.p'],
  ])('%s', (_name, value, where) => {
    expect(matcherIn(value, none)).toBe(where);
  });

  it('stops at cycles, and lets through the matchers the given test recognises', () => {
    const cyclic: { self?: unknown; n: number } = { n: 1 };
    cyclic.self = cyclic;
    expect(matcherIn(cyclic, none)).toBeUndefined();
    const own = anything();
    expect(matcherIn({ own }, (object) => object === own)).toBeUndefined();
  });

  it('does not call a getter to look', () => {
    let calls = 0;
    const value = Object.defineProperty({}, 'lazy', { enumerable: true, get: () => ++calls });
    matcherIn(value, none);
    expect(calls).toBe(0);
  });

  test.prop([fc.jsonValue()])('finds nothing in any JSON value', (value) => {
    expect(matcherIn(value, none)).toBeUndefined();
  });

  test.prop([fc.array(fc.oneof(fc.jsonValue(), fc.constant('hole')), { minLength: 1 })])('finds the one object that would match anything wherever it is put in a value', (items) => {
    const index = items.indexOf('hole') >= 0 ? items.indexOf('hole') : 0;
    const value = { items: items.map((item, i) => (i === index ? { wrapped: [anything()] } : item)) };
    expect(matcherIn(value, none)).toBe(`the value.items[${index}].wrapped[0]`);
  });
});

describe('the guard, with vitest\'s matchers (tools/lib/guard.ts)', () => {
  it('fails every test whose actual value holds one, flagged for the grader, and leaves vitest\'s own matchers alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubekata-guard-values-'));
    const guardFile = join(dir, 'guard.jsonl');
    try {
      const report = await runTests({ files: ['tools/test/fixtures/matches-anything.fixture.ts'], env: { KATA_FIXTURES: '1', KATA_GUARD_FILE: guardFile }, seed: 1 });
      const status = Object.fromEntries(report.tests.map((t) => [t.name, t.status]));
      expect(status).toEqual({
        'toEqual, the value itself': 'fail',
        'toEqual, an instance of a class with the method': 'fail',
        'toEqual, deep inside': 'fail',
        'toEqual, a value of a Map': 'fail',
        toStrictEqual: 'fail',
        toMatchObject: 'fail',
        toContainEqual: 'fail',
        toHaveProperty: 'fail',
        'resolves.toEqual': 'fail',
        'a proxy': 'fail',
        "an equality tester of the code's own, pushed where vitest keeps them": 'fail',
        "vitest's own matchers in the actual value still work": 'pass',
      });
      expect(report.tests.find((t) => t.name === 'toEqual, deep inside')!.message).toContain('the value.kvs[0] that toEqual was given could match anything');
      const flagged = readFileSync(guardFile, 'utf8').trim().split('\n');
      expect(flagged).toHaveLength(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fast-check\'s arbitraries (tools/lib/guard-fast-check.ts)', () => {
  it('finds the prototype of each kind of arbitrary the tests build, and of fast-check\'s values', () => {
    const found = arbitraryPrototypes(fastCheck);
    for (const sample of [fastCheck.array(fastCheck.nat()), fastCheck.commands([fastCheck.constant({ check: () => true, run: () => {}, toString: () => 'c' })]), fastCheck.record({ a: fastCheck.nat() }), fastCheck.nat().map(String), fastCheck.constantFrom(1, 2), fastCheck.scheduler(), new fastCheck.Value(1, undefined)]) {
      expect(found).toContain(Object.getPrototypeOf(sample));
    }
    expect(found).not.toContain(Object.prototype);
  });

  it('finds the random source a property hands its arbitraries, fast-check\'s and pure-rand\'s, and leaves the global settings as they were', () => {
    const before = fastCheck.readConfigureGlobal();
    const names = randomPrototypes(fastCheck).map((proto) => (proto as { constructor: { name: string } }).constructor.name);
    expect(names).toEqual(expect.arrayContaining(['Random', 'XorShift128Plus']));
    expect(fastCheck.readConfigureGlobal()).toEqual(before);
  });

  it('finds it under a replay too: a global path (KATA_PATH) is not walked by its own sample ("Unable to replay")', () => {
    const before = fastCheck.readConfigureGlobal();
    try {
      const replay = { path: '0:2:2:5:4:3' }; // as test/support/setup.ts sets it from KATA_PATH
      fastCheck.configureGlobal({ ...before, seed: -1675001541, ...replay });
      expect(randomPrototypes(fastCheck).length).toBeGreaterThan(0);
    } finally {
      fastCheck.configureGlobal(before);
    }
  });

  it('are frozen before the code under test loads: a patch to make every array empty fails the file, and no test passes', async () => {
    const report = await runTests({ files: ['tools/test/fixtures/empty-arrays.fixture.ts'], env: { KATA_FIXTURES: '1' }, seed: 1 });
    expect(report.tests.filter((t) => t.status === 'pass')).toEqual([]);
    expect(report.problems.join('\n')).toContain("Cannot assign to read only property 'generate'");
  });
});
