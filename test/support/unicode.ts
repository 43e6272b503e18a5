/**
 * Strings of any Unicode code point, cheap to build.
 *
 * Why not `fc.string({ unit: 'binary' })`: fast-check 4.10 builds that unit's reverse mapping (a
 * Map of all 1,112,064 code points) the first time a string arbitrary is made with it, to find its
 * "dangerous strings" (`__proto__`, `constructor`, ...). That took 0.7–1.4 s of every test file
 * that imports an arbitrary built on it — most of the learner's wait after a save. This unit
 * generates and shrinks the same code points (lone surrogates left out, as 'binary' does) and
 * unmaps a character by arithmetic, so the dangerous strings are still generated.
 *
 * @example
 * fc.string({ unit: codePointArb, maxLength: 6 }) // like fc.string({ unit: 'binary', maxLength: 6 })
 */
import fc from 'fast-check';

const SURROGATES_START = 0xd800;
const SURROGATES_LENGTH = 0x800;
const LAST_CODE_POINT = 0x10ffff;

/** One Unicode scalar value (any code point but a surrogate) as a string of 1 or 2 UTF-16 units. */
export const codePointArb: fc.Arbitrary<string> = fc.integer({ min: 0, max: LAST_CODE_POINT - SURROGATES_LENGTH }).map(
  (index) => String.fromCodePoint(index < SURROGATES_START ? index : index + SURROGATES_LENGTH),
  (value) => {
    if (typeof value !== 'string' || value.length === 0) throw new Error('not a character');
    const codePoint = value.codePointAt(0)!;
    if (String.fromCodePoint(codePoint) !== value) throw new Error('not exactly one code point');
    if (codePoint >= SURROGATES_START && codePoint < SURROGATES_START + SURROGATES_LENGTH) throw new Error('a lone surrogate');
    return codePoint < SURROGATES_START ? codePoint : codePoint - SURROGATES_LENGTH;
  },
);

/** A string of any Unicode scalar values: `fc.string({ unit: 'binary', ... })` without its start-up cost. */
export function unicodeStringArb(constraints: { minLength?: number; maxLength?: number } = {}): fc.Arbitrary<string> {
  return fc.string({ unit: codePointArb, ...constraints });
}
