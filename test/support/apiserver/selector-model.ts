/**
 * Label selectors for tests: generated selectors with their text, and an independent matcher that
 * reads the generated structure (never the text), to compare a registry's lists with.
 *
 * @example
 * ```ts
 * selects({ text: 'app=web', clauses: [{ key: 'app', op: '=', values: ['web'] }] }, { app: 'web' }); // true
 * ```
 */
import fc from 'fast-check';

/** One generated clause of a selector. */
export interface Clause {
  key: string;
  op: '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!';
  values: string[];
}

/** A generated selector: its clauses and the text a client would send. */
export interface SelectorModel {
  text: string;
  clauses: Clause[];
}

const keys = ['app', 'tier', 'example.com/team'] as const;
const values = ['web', 'db', 'x'] as const;

/** Labels drawn from a small pool of keys and values, so selectors often match. */
export const labelSetArb: fc.Arbitrary<Record<string, string>> = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), { maxKeys: 3 });

const clauseArb: fc.Arbitrary<Clause> = fc.record({
  key: fc.constantFrom(...keys),
  op: fc.constantFrom('=', '==', '!=', 'in', 'notin', 'exists', '!'),
  values: fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: 2 }),
});

function textOf({ key, op, values: vs }: Clause): string {
  switch (op) {
    case 'in':
    case 'notin':
      return `${key} ${op} (${vs.join(', ')})`;
    case 'exists':
      return key;
    case '!':
      return `!${key}`;
    default:
      return `${key}${op}${vs[0]}`;
  }
}

/** Selectors of 0-3 clauses, with their text. */
export const selectorArb: fc.Arbitrary<SelectorModel> = fc.array(clauseArb, { maxLength: 3 }).map((clauses) => ({ clauses, text: clauses.map(textOf).join(',') }));

/** Whether the selector selects `labels`: every clause holds. */
export function selects(selector: SelectorModel, labels: Record<string, string>): boolean {
  return selector.clauses.every(({ key, op, values: vs }) => {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    if (op === 'exists') return has;
    if (op === '!') return !has;
    if (op === '=' || op === '==') return has && value === vs[0];
    if (op === '!=') return !has || value !== vs[0];
    if (op === 'in') return has && vs.includes(value!);
    return !has || !vs.includes(value!);
  });
}

/** One generated clause of a field selector, on a pod's selectable fields. */
export interface FieldClause {
  field: 'metadata.name' | 'spec.nodeName' | 'status.phase';
  op: '=' | '==' | '!=';
  value: string;
}

/** A generated field selector: its clauses and its text. */
export interface FieldSelectorModel {
  text: string;
  clauses: FieldClause[];
}

/** The fields of a generated pod that a field selector can look at ('' when a pod has none). */
export interface PodFields {
  name: string;
  nodeName: string;
  phase: string;
}

export const nodeNames = ['', 'n1', 'n2'] as const;
export const phases = ['Pending', 'Running', 'Failed'] as const;
export const podNames = ['a', 'b', 'c', 'd', 'e', 'f'] as const;

const fieldClauseArb: fc.Arbitrary<FieldClause> = fc.oneof(
  fc.record({ field: fc.constant('metadata.name' as const), op: fc.constantFrom('=', '==', '!=' as const), value: fc.constantFrom(...podNames) }),
  fc.record({ field: fc.constant('spec.nodeName' as const), op: fc.constantFrom('=', '==', '!=' as const), value: fc.constantFrom(...nodeNames) }),
  fc.record({ field: fc.constant('status.phase' as const), op: fc.constantFrom('=', '==', '!=' as const), value: fc.constantFrom(...phases) }),
);

/** Field selectors of 0-2 clauses, with their text (`spec.nodeName=` selects pods on no node). */
export const fieldSelectorArb: fc.Arbitrary<FieldSelectorModel> = fc
  .array(fieldClauseArb, { maxLength: 2 })
  .map((clauses) => ({ clauses, text: clauses.map(({ field, op, value }) => `${field}${op}${value}`).join(',') }));

/** Whether the field selector selects a pod with these fields: every clause holds. */
export function fieldSelects(selector: FieldSelectorModel, pod: PodFields): boolean {
  return selector.clauses.every(({ field, op, value }) => {
    const actual = field === 'metadata.name' ? pod.name : field === 'spec.nodeName' ? pod.nodeName : pod.phase;
    return op === '!=' ? actual !== value : actual === value;
  });
}
