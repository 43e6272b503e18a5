/**
 * fast-check's arbitraries, for the grader's guard (tools/lib/guard.ts).
 *
 * Every kind of arbitrary is a class of its own (`ArrayArbitrary`, `CommandsArbitrary`, ...), and
 * kata code may import fast-check: one line,
 * `Object.getPrototypeOf(fc.array(fc.nat())).generate = () => new fc.Value([], undefined)`, made
 * every property over arrays see only empty ones — and pass. fast-check does not export those
 * classes, so the guard finds them the way that code would: by building one arbitrary of each
 * kind and following its prototypes. It then freezes them, with those of the random source.
 *
 * @example
 * ```ts
 * arbitraryPrototypes(fc).includes(Object.getPrototypeOf(fc.array(fc.nat()))) // true
 * ```
 */
import type fcModule from 'fast-check';

type FastCheck = typeof fcModule;

/**
 * The prototypes of every kind of arbitrary fast-check builds (one of each builder the workbook's
 * tests use, and the others that make a class of their own; the wrappers `map`, `filter`,
 * `chain`), up to `Object.prototype`, with those of `fc.Value` and `fc.Stream`. Without duplicates.
 */
export function arbitraryPrototypes(fc: FastCheck): object[] {
  const nat = (): fcModule.Arbitrary<number> => fc.nat();
  const command = { check: () => true, run: () => {}, toString: () => 'command' };
  const builders: (() => unknown)[] = [
    () => nat(), () => fc.bigInt(), () => fc.double(), () => fc.float(), () => fc.boolean(), () => fc.date(),
    () => fc.constant(0), () => fc.constantFrom(1, 2), () => fc.oneof(nat(), nat()), () => fc.option(nat()), () => fc.falsy(),
    () => fc.array(nat()), () => fc.uniqueArray(nat()), () => fc.sparseArray(nat()), () => fc.tuple(nat()), () => fc.record({ a: nat() }),
    () => fc.dictionary(fc.string(), nat()), () => fc.string(), () => fc.mixedCase(fc.string()), () => fc.uuid(), () => fc.ipV4(),
    () => fc.emailAddress(), () => fc.lorem(), () => fc.jsonValue(), () => fc.anything(),
    () => fc.subarray([1, 2]), () => fc.shuffledSubarray([1, 2]), () => fc.commands([fc.constant(command)]), () => fc.scheduler(),
    () => fc.clone(nat(), 2), () => fc.infiniteStream(nat()), () => fc.letrec((tie) => ({ a: nat(), b: tie('a') })).b, () => fc.memo(() => nat())(),
    () => fc.noBias(nat()), () => fc.noShrink(nat()), () => fc.limitShrink(nat(), 2), () => fc.gen(), () => fc.func(nat()), () => fc.compareFunc(),
    () => fc.context(), () => nat().map((x) => x), () => nat().filter(() => true), () => nat().chain(() => nat()),
    () => new fc.Value(0, undefined), () => fc.Stream.nil(),
  ];
  const samples: unknown[] = [];
  for (const build of builders) {
    try {
      samples.push(build());
    } catch {
      // a builder this version of fast-check does not have
    }
  }
  return prototypesOf(samples);
}

/**
 * The prototypes of fast-check's random source as properties get it: `fc.Random` and the pure-rand
 * generator inside it (which kata code could reach with an arbitrary of its own, and patch to
 * make every generated value the smallest one). Found with an arbitrary that keeps what it is given.
 */
export function randomPrototypes(fc: FastCheck): object[] {
  let given: fcModule.Random | undefined;
  class Keeper extends fc.Arbitrary<number> {
    generate(random: fcModule.Random): fcModule.Value<number> {
      given = random;
      return new fc.Value(0, undefined);
    }
    canShrinkWithoutContext(value: unknown): value is number {
      return false;
    }
    shrink(): fcModule.Stream<fcModule.Value<number>> {
      return fc.Stream.nil();
    }
  }
  // An explicit seed and no path: a replay's global settings (KATA_PATH as fast-check's `path`)
  // would otherwise be walked here too, and fail ("Unable to replay"). Nothing global is changed.
  fc.sample(new Keeper(), { numRuns: 1, seed: 0, path: '' });
  return given ? prototypesOf([given, ...Object.values(given)]) : [];
}

/** The prototypes of the objects among `samples`, each up to `Object.prototype`, without duplicates. */
function prototypesOf(samples: readonly unknown[]): object[] {
  const found: object[] = [];
  for (const sample of samples) {
    if (typeof sample !== 'object' || sample === null) continue;
    for (let proto = Object.getPrototypeOf(sample) as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      if (!found.includes(proto)) found.push(proto);
    }
  }
  return found;
}
