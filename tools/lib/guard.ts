/**
 * The grader's guard, in every test worker (a vitest setup file, after test/support/setup.ts and
 * before the test file — and so before any of the learner's code — is imported).
 *
 * The learner's code runs in the same process as the assertions that judge it. Two lines such as
 * `chai.Assertion.prototype.assert = function () {}` would make every `expect` pass. So, before
 * that code loads:
 *
 * 1. **Tamper-proof**: the assertion machinery is frozen — chai's `Assertion` and its prototype
 *    (every matcher), vitest's `test`/`it`/`describe`/`assert`, and the properties of `expect` —
 *    so an assignment to them throws (ES modules are strict) and the kata's tests do not load.
 *    The matchers that compare with vitest's equality (`toEqual`, `toMatchObject`, ...) first refuse
 *    an actual value holding an object of the code's own that would match anything
 *    (tools/lib/guard-values.ts).
 *    The static built-ins that equality goes through (`Object.is`, `Object.keys`, `JSON.stringify`,
 *    `Reflect.*`) and the global names of the built-in objects are locked: not writable, not
 *    configurable, so that not even a patch for the length of one test can be made.
 * 2. **Tamper-evident**: what cannot be frozen without breaking ordinary code (the prototypes'
 *    methods such as `Array.prototype.map`, and which keys each built-in has; `process.exit` and
 *    `process.send`; fast-check's property classes and its global settings) is recorded now and
 *    compared the moment each test's body is over (the runner, tools/lib/guard-runner.ts, calls
 *    the check before any `afterEach`), after the test's hooks, and at the end of the file. A
 *    difference fails the test with a message saying what changed, and is written to the file
 *    named by `KATA_GUARD_FILE`, where the grader reads it and scores the kata 0, flagged.
 * 3. fast-check's settings as they are now (the seed) are kept for `test.prop`
 *    ({@link pristineFcConfig}), so that a `fc.configureGlobal` in learner code changes nothing.
 *
 * 4. **A loop costs a kata little** (with `KATA_LOOP_LIMIT` and `KATA_LOOP_DIR`, which the grader
 *    sets): a test that ran out of time — a worker killed in a synchronous loop, or vitest's own
 *    time-out — is counted per test file across the runner's restarts; once a file has had
 *    `KATA_LOOP_LIMIT` of them, its remaining tests fail at once, saying so, instead of each
 *    waiting out its own time limit. One looping learner cannot stall a class.
 *
 * What it does not stop: code that deliberately escapes the process or reads the grader's files
 * (`node:inspector`, child processes, /proc), and a prototype's method patched and put back
 * within one test's body (by the learner's function, before the test's assertion is over). The
 * grader's scan of the submission (tools/lib/tamper.ts) lists such code for a person to review.
 */
import * as vitest from 'vitest';
import fc from 'fast-check';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { loopsGivenUp } from './loops.ts';
import { matcherIn } from './guard-values.ts';
import { arbitraryPrototypes, randomPrototypes } from './guard-fast-check.ts';

/**
 * What the guard captured when it first ran in this process, before any learner code existed.
 * When the grader runs a learner's kata files one after another in one worker (tools/lib/runner.ts,
 * `sharedWorker`), this file runs again before each of them, after the earlier files' learner code
 * has loaded: it must then judge by the first capture, not by what that code may have changed.
 * Kept on `globalThis` under a symbol, frozen, not writable and not configurable.
 */
interface FirstCapture {
  getDescriptor: typeof Reflect.getOwnPropertyDescriptor;
  ownKeys: typeof Reflect.ownKeys;
  freeze: typeof Object.freeze;
  stringify: typeof JSON.stringify;
  is: typeof Object.is;
  append: typeof appendFileSync;
  defineProperty: typeof Object.defineProperty;
  watched: readonly Watched[];
}
const CAPTURE = Symbol.for('kubekata.guard.first-capture');
const earlier = (globalThis as Record<symbol, FirstCapture | undefined>)[CAPTURE];

// Captured before the learner's code exists (or taken from the first capture): the guard calls only these.
const getDescriptor = earlier?.getDescriptor ?? Reflect.getOwnPropertyDescriptor;
const ownKeys = earlier?.ownKeys ?? Reflect.ownKeys;
const freeze = earlier?.freeze ?? Object.freeze;
const stringify = earlier?.stringify ?? JSON.stringify;
const is = earlier?.is ?? Object.is;
const append = earlier?.append ?? appendFileSync;
const defineProperty = earlier?.defineProperty ?? Object.defineProperty;
const guardFile = process.env.KATA_GUARD_FILE;

/**
 * fast-check's global settings as the workbook set them (the seed), before any learner code ran:
 * test/support/setup.ts sets them again before every file, so they are read again here.
 */
export const pristineFcConfig: Readonly<fc.GlobalParameters> = freeze({ ...fc.readConfigureGlobal() });

// 1. Frozen: the objects every assertion goes through.
const chai = vitest.chai as unknown as { Assertion: { prototype: Record<string, unknown> }; util: { flag(assertion: object, key: string): unknown } } & object;
// 1a. Before they are frozen, the matchers that compare with vitest's equality refuse an actual
// value that holds an object of the code's own with an `asymmetricMatch` method: it would match
// anything (tools/lib/guard-values.ts).
if (!earlier) {
  const flag = chai.util.flag;
  const matcherProto = Reflect.getPrototypeOf(Reflect.getPrototypeOf(vitest.expect.any(Number) as object)!)!;
  const isVitestMatcher = (object: object): boolean => {
    for (let at = Reflect.getPrototypeOf(object); at; at = Reflect.getPrototypeOf(at)) if (at === matcherProto) return true;
    return false;
  };
  const apply = Reflect.apply;
  for (const name of ['toEqual', 'toStrictEqual', 'toMatchObject', 'toContainEqual', 'toHaveProperty', 'toBeOneOf']) {
    const descriptor = Reflect.getOwnPropertyDescriptor(chai.Assertion.prototype, name);
    if (!descriptor || typeof descriptor.value !== 'function') continue;
    const matcher = descriptor.value as (...args: unknown[]) => unknown;
    const guarded = function (this: object, ...args: unknown[]): unknown {
      const where = matcherIn(flag(this, 'object'), isVitestMatcher);
      if (where !== undefined) {
        const what = `${where} that ${name} was given could match anything (an object of the code's own with an asymmetricMatch method, or a proxy)`;
        const state = vitest.expect.getState();
        if (guardFile) append(guardFile, `${stringify({ file: state.testPath ?? '', name: state.currentTestName ?? '', what })}\n`);
        throw new Error(`The code under test returned a value made to match anything, so this kata cannot be scored: ${what}. Return plain data.`);
      }
      return apply(matcher, this, args);
    };
    defineProperty(chai.Assertion.prototype, name, { ...descriptor, value: guarded });
  }
}
// (chai and fast-check reach us as module namespaces, which are immutable already and cannot be frozen.)
const isNamespace = (target: object): boolean => Object.prototype.toString.call(target) === '[object Module]';
for (const target of [chai.Assertion.prototype, chai.Assertion, chai, vitest.test, vitest.it, vitest.describe, vitest.assert, fc as object]) {
  if (!isNamespace(target)) freeze(target);
}
// vitest's equality also asks the custom equality testers and matchers kept in a global object
// (`globalThis[Symbol.for('$$jest-matchers-object')]`): one tester pushed there that answers true
// made every toEqual pass, with no import. The workbook registers none: they are frozen empty, and
// the globals that reach them locked.
if (!earlier) {
  const jest = (globalThis as Record<symbol, { matchers?: object; customEqualityTesters?: unknown[] } | undefined>)[Symbol.for('$$jest-matchers-object')];
  if (jest?.customEqualityTesters) freeze(jest.customEqualityTesters);
  if (jest?.matchers) freeze(jest.matchers);
  const asymmetric = (globalThis as Record<symbol, object | undefined>)[Symbol.for('asymmetric-matchers-object')];
  if (asymmetric) freeze(asymmetric);
  for (const name of ['$$jest-matchers-object', 'matchers-object', 'asymmetric-matchers-object']) {
    const key = Symbol.for(name);
    const descriptor = getDescriptor(globalThis, key);
    if (descriptor?.configurable) defineProperty(globalThis, key, 'value' in descriptor ? { writable: false, configurable: false } : { configurable: false });
  }
}
// `expect` gains flags as it is used (expect.stringMatching(...) sets expect.__flags): its own
// properties are locked instead (not writable, not configurable), and new ones may still be added.
for (const key of ownKeys(vitest.expect)) {
  const descriptor = getDescriptor(vitest.expect, key)!;
  if (!descriptor.configurable) continue;
  defineProperty(vitest.expect, key, 'value' in descriptor ? { writable: false, configurable: false } : { configurable: false });
}

// 1b. Locked (not writable, not configurable): the static built-ins every equality goes through
// (Object.is, Object.keys, Array.isArray, JSON.stringify, Reflect.ownKeys, ...) and the global
// names of the built-in objects, so that no code can swap them even for the length of one test:
// a patch made in a `beforeEach` of the learner's and undone in their `afterEach` (which vitest
// would run before the guard's) made every `toBe` and `toEqual` pass, between two checks. Not the
// prototypes' methods: code may shadow them by assignment (`Foo.prototype.toString = ...`), which
// throws once the inherited property is read-only; those stay recorded and compared (below).
// Locked before they are recorded, so that the record holds them locked.
if (!earlier) {
  const lock = (target: object, keys: readonly (string | symbol)[]): void => {
    for (const key of keys) {
      const descriptor = getDescriptor(target, key);
      if (descriptor && 'value' in descriptor && descriptor.configurable) defineProperty(target, key, { writable: false, configurable: false });
    }
  };
  for (const target of [Object, Array, Number, Symbol, Math, JSON, Reflect, Promise, String]) {
    lock(target, ownKeys(target).filter((key) => typeof getDescriptor(target, key)?.value === 'function'));
  }
  lock(globalThis, ['Object', 'Array', 'Function', 'Promise', 'Reflect', 'JSON', 'Math', 'Error', 'Symbol', 'Map', 'Set', 'WeakMap', 'Proxy', 'String', 'Number', 'Boolean', 'BigInt', 'RegExp', 'Date']);
}
// 2. Recorded: built-ins, the process, fast-check's machinery.
interface Watched {
  where: string;
  target: object;
  keys: (string | symbol)[];
  descriptors: (PropertyDescriptor | undefined)[];
  /**
   * The keys it had, for a prototype: a key added later is a change too.
   * `Object.prototype.asymmetricMatch = () => true` made every `toEqual` of two objects pass, for
   * vitest's equality asks an object with that method whether it matches.
   */
  known?: Readonly<Record<string | symbol, true>>;
}
const watched: Watched[] = [];
function watch(where: string, target: object | undefined, only?: (string | symbol)[]): void {
  if (earlier) return; // the first capture is the one that counts
  if (!target) return;
  const keys = only ?? ownKeys(target);
  const descriptors: (PropertyDescriptor | undefined)[] = [];
  for (let i = 0; i < keys.length; i++) descriptors[i] = getDescriptor(target, keys[i]!);
  let known: Record<string | symbol, true> | undefined;
  // Prototypes only: libraries add to the namespaces (reflect-metadata, which the Kubernetes
  // client loads, defines Reflect.metadata and others), and nothing asks them for a key it does
  // not know; every value inherits from a prototype, and the assertions read keys from values.
  if (!only && where.endsWith('.prototype')) {
    known = Object.create(null) as Record<string | symbol, true>;
    for (let i = 0; i < keys.length; i++) known[keys[i]!] = true;
    freeze(known);
  }
  watched[watched.length] = { where, target, keys, descriptors, ...(known ? { known } : {}) };
}
const builtins: [string, object][] = [
  ['Object', Object],
  ['Object.prototype', Object.prototype],
  ['Function.prototype', Function.prototype],
  ['Array', Array],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Number', Number],
  ['Number.prototype', Number.prototype],
  ['Boolean.prototype', Boolean.prototype],
  ['Symbol', Symbol],
  ['BigInt.prototype', BigInt.prototype],
  ['Math', Math],
  ['JSON', JSON],
  ['Reflect', Reflect],
  ['Promise', Promise],
  ['Promise.prototype', Promise.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['WeakMap.prototype', WeakMap.prototype],
  ['Error', Error],
  ['Error.prototype', Error.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Date', Date],
  ['Date.prototype', Date.prototype],
];
for (const [where, target] of builtins) watch(where, target);
watch('globalThis', globalThis, ['Object', 'Array', 'Function', 'Promise', 'Reflect', 'JSON', 'Math', 'Error', 'Symbol', 'Map', 'Set', 'Proxy', 'String', 'Number', 'Boolean', 'setTimeout', 'queueMicrotask', 'structuredClone', Symbol.for('$$jest-matchers-object')]);
watch('process', process, ['exit', 'reallyExit', 'abort', 'kill', 'send', 'emit', 'on', 'once', 'disconnect', 'nextTick']);
watch('process.stdout', process.stdout, ['write']);
watch('process.stderr', process.stderr, ['write']);
// fast-check: a property's run and check, an arbitrary's generation and shrinking, the runner's helpers.
const sampleProperty = fc.property(fc.constant(0), () => true);
const sampleAsync = fc.asyncProperty(fc.constant(0), async () => true);
for (const [where, sample] of [
  ['fast-check Property', sampleProperty],
  ['fast-check AsyncProperty', sampleAsync],
  ['fast-check Arbitrary', fc.integer()],
] as const) {
  for (let proto = Object.getPrototypeOf(sample) as object | null, depth = 0; proto && proto !== Object.prototype && depth < 4; proto = Object.getPrototypeOf(proto) as object | null, depth++) {
    watch(`${where}.prototype`, proto);
  }
}
watch('fast-check', fc as unknown as object);
// The prototypes of every other kind of arbitrary (ArrayArbitrary, CommandsArbitrary, ...) and of
// the random source (fc.Random, pure-rand's generator): frozen,
// for fast-check never changes them and nothing compares them (tools/lib/guard-fast-check.ts).
if (!earlier) {
  const recorded = new Set(watched.map((w) => w.target));
  for (const proto of [...arbitraryPrototypes(fc), ...randomPrototypes(fc)]) if (!recorded.has(proto)) freeze(proto);
}

if (!earlier) {
  for (const w of watched) {
    freeze(w.keys);
    for (const d of w.descriptors) if (d) freeze(d);
    freeze(w.descriptors);
    freeze(w);
  }
  const first: FirstCapture = freeze({ getDescriptor, ownKeys, freeze, stringify, is, append, defineProperty, watched: freeze(watched) });
  defineProperty(globalThis, CAPTURE, { value: first, writable: false, configurable: false, enumerable: false });
}
const baseline: readonly Watched[] = earlier?.watched ?? watched;

function same(a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return is(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable;
}

/** What the code under test changed since the guard recorded it, in words ("Object.is was replaced"). */
function changes(): string[] {
  const found: string[] = [];
  for (let i = 0; i < baseline.length; i++) {
    const w = baseline[i]!;
    for (let j = 0; j < w.keys.length; j++) {
      const key = w.keys[j]!;
      if (!same(w.descriptors[j], getDescriptor(w.target, key))) found[found.length] = `${w.where}.${typeof key === 'symbol' ? key.toString() : key} was replaced`;
    }
    if (w.known) {
      const now = ownKeys(w.target);
      for (let j = 0; j < now.length; j++) {
        const key = now[j]!;
        if (w.known[key] !== true) found[found.length] = `${w.where}.${typeof key === 'symbol' ? key.toString() : key} was added`;
      }
    }
  }
  const now = fc.readConfigureGlobal() as Record<string, unknown>;
  const before = pristineFcConfig as Record<string, unknown>;
  for (const key of ownKeys({ ...before, ...now }) as string[]) {
    if (!is(now[key], before[key])) found[found.length] = `fast-check's global setting ${key} was changed`;
  }
  return found;
}

let reported = false;
/** Fails the current test (and records it for the grader) when the machinery changed. */
function check(file: string, name: string): void {
  const found = changes();
  if (found.length === 0) return;
  if (guardFile && !reported) {
    reported = true;
    for (let i = 0; i < found.length; i++) append(guardFile, `${stringify({ file, name, what: found[i] })}\n`);
  }
  throw new Error(`The code under test changed the test machinery, so this kata cannot be scored: ${found.join('; ')}. Kata code must not modify built-ins, the process, vitest, chai or fast-check.`);
}

// 4. Loops: a marker per test file while one of its tests runs. Found at the next start, it means
// the worker was killed in the middle of that test (the runner's watchdog stops a synchronous loop).
const loopLimit = Number(process.env.KATA_LOOP_LIMIT ?? 0);
const loopDir = process.env.KATA_LOOP_DIR;
const seenFiles = new Set<string>();
const loopPaths = (file: string): { marker: string; count: string } => {
  const id = createHash('sha256').update(file).digest('hex').slice(0, 16);
  return { marker: join(loopDir!, `${id}.running`), count: join(loopDir!, `${id}.loops`) };
};
const loops = (file: string): number => {
  const { count } = loopPaths(file);
  return existsSync(count) ? Number(readFileSync(count, 'utf8')) || 0 : 0;
};
const countLoop = (file: string): void => writeFileSync(loopPaths(file).count, String(loops(file) + 1));
if (loopLimit > 0 && loopDir) {
  mkdirSync(loopDir, { recursive: true });
  vitest.beforeEach((context) => {
    const file = context.task.file.filepath;
    const { marker } = loopPaths(file);
    if (!seenFiles.has(file)) {
      seenFiles.add(file);
      if (existsSync(marker)) {
        countLoop(file);
        rmSync(marker, { force: true });
      }
    }
    const count = loops(file);
    if (count >= loopLimit) {
      throw new Error(loopsGivenUp(count));
    }
    writeFileSync(marker, context.task.name);
  });
}

let lastFile = '';
vitest.afterEach((context) => {
  lastFile = context.task.file.filepath;
  if (loopLimit > 0 && loopDir) {
    rmSync(loopPaths(lastFile).marker, { force: true });
    if ((context.task.result?.errors ?? []).some((e) => /Test timed out in \d+ms/.test(String(e.message)))) countLoop(lastFile);
  }
  check(lastFile, context.task.name);
});
vitest.afterAll(() => check(lastFile, '(the end of the file)'));

// 5. Checked again the moment each test's body is over, before any `afterEach` runs (the test
// runner, tools/lib/guard-runner.ts, calls this): an `afterEach` of the learner's, which vitest
// runs before the guard's, could otherwise put back what their `beforeEach` changed for the test.
// The runner keeps the first check offered while a file is collected, and the guard is imported
// before the test file, so no code of the learner's can offer its own.
const offer = (globalThis as Record<symbol, unknown>)[Symbol.for('kubekata.guard.offer-check')];
if (typeof offer === 'function') (offer as (check: (file: string, name: string) => void) => void)(check);

