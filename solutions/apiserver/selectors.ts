/**
 * Label and field selectors: the filters of every list and watch (`kubectl get pods -l app=web`,
 * `--field-selector spec.nodeName=node-1`), and of a Service's or a ReplicaSet's `selector`.
 *
 * A selector is a list of requirements, all of which must hold (a comma is AND):
 *
 * | text | holds when |
 * | --- | --- |
 * | `app=web`, `app==web` | the label `app` is `web` |
 * | `app!=web` | the label `app` is missing, or not `web` |
 * | `tier in (front, back)` | the label is one of them |
 * | `tier notin (front)` | the label is missing, or none of them |
 * | `app` | the label exists |
 * | `!app` | the label does not exist |
 *
 * Field selectors know only `=`, `==` and `!=`, on a few fields per resource (apimachinery's
 * fields/selector.go; pkg/registry/core/pod/strategy.go: metadata.name, metadata.namespace,
 * spec.nodeName, status.phase).
 *
 * @example
 * ```ts
 * const selector = parseLabelSelector('app=web,tier notin (db)');
 * selector.matches({ app: 'web' });              // true
 * selector.matches({ app: 'web', tier: 'db' });  // false
 * String(selector);                              // 'app=web,tier notin (db)'
 * ```
 */
import type { LabelSelector } from '@kube/kit';

/** One requirement of a label selector (apimachinery labels.Requirement). */
export interface Requirement {
  key: string;
  operator: 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** the values to compare with: one for Equals/NotEquals, a set for In/NotIn, none otherwise */
  values: string[];
}

/** A parsed selector: every requirement must hold. The empty selector matches everything. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  /**
   * True when every requirement holds for `labels` (a missing label counts as absent).
   *
   * @example
   * ```ts
   * new Selector([{ key: 'app', operator: 'NotEquals', values: ['web'] }]).matches({});  // true: no app label
   * new Selector([{ key: 'tier', operator: 'In', values: ['a', 'b'] }]).matches({ tier: 'b' }); // true
   * new Selector([]).matches(undefined);                                                  // true
   * ```
   */
  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    return this.requirements.every((r) => holds(r, labels?.[r.key]));
  }

  /** True for the selector that selects everything. */
  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  /** The selector as text, in the form {@link parseLabelSelector} reads. */
  toString(): string {
    return this.requirements.map(show).join(',');
  }
}

/** A selector that could not be read: the text, and what was wrong with it. */
export class SelectorError extends Error {
  override readonly name = 'SelectorError';
}

function holds(requirement: Requirement, value: string | undefined): boolean {
  switch (requirement.operator) {
    case 'Equals':
    case 'In':
      return value !== undefined && requirement.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      return value === undefined || !requirement.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

function show({ key, operator, values }: Requirement): string {
  switch (operator) {
    case 'Equals':
      return `${key}=${values[0]}`;
    case 'NotEquals':
      return `${key}!=${values[0]}`;
    case 'In':
      return `${key} in (${values.join(',')})`;
    case 'NotIn':
      return `${key} notin (${values.join(',')})`;
    case 'Exists':
      return key;
    case 'DoesNotExist':
      return `!${key}`;
  }
}

/** A label key: an optional DNS subdomain prefix and '/', then a name of 1-63 characters. */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label value: empty, or like a name. */
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkKey(key: string, text: string): void {
  const slash = key.indexOf('/');
  const [prefix, name] = slash === -1 ? [undefined, key] : [key.slice(0, slash), key.slice(slash + 1)];
  const ok = NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix)));
  if (!ok) throw new SelectorError(`unable to parse requirement in "${text}": invalid label key "${key}": a name of at most 63 characters, alphanumeric at both ends with '-', '_' or '.' between, with an optional DNS subdomain prefix and '/' (e.g. 'app' or 'example.com/tier')`);
}

function checkValue(value: string, text: string): void {
  if (!VALUE.test(value)) throw new SelectorError(`unable to parse requirement in "${text}": invalid label value "${value}": empty, or at most 63 characters, alphanumeric at both ends with '-', '_' or '.' between`);
}

/**
 * Reads a label selector: requirements separated by commas (see the table above). The empty text
 * selects everything. Spaces around keys, operators and values do not matter.
 *
 * - a key is a name of at most 63 characters (letters, digits, '-', '_', '.', alphanumeric at both
 *   ends) with an optional DNS subdomain prefix and '/': `app`, `example.com/team`;
 * - a value is empty or like a name;
 * - `in` and `notin` need at least one value.
 *
 * @example
 * ```ts
 * parseLabelSelector('app=web, tier in (front,back)').requirements;
 * // [{ key: 'app', operator: 'Equals', values: ['web'] }, { key: 'tier', operator: 'In', values: ['front', 'back'] }]
 * parseLabelSelector('app in (web');  // SelectorError: unable to parse requirement in "app in (web": ...
 * ```
 * @throws SelectorError naming the text and what was expected
 */
export function parseLabelSelector(text: string): Selector {
  const requirements: Requirement[] = [];
  for (const part of splitOutsideParentheses(text)) {
    const clause = part.trim();
    if (clause === '') {
      if (text.trim() === '') continue;
      throw new SelectorError(`unable to parse requirement in "${text}": an empty requirement (two commas in a row, or a comma at an end)`);
    }
    requirements.push(parseRequirement(clause, text));
  }
  return new Selector(requirements);
}

function parseRequirement(clause: string, text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(clause);
  if (set) {
    const [, key, word, list] = set as unknown as [string, string, string, string];
    checkKey(key, text);
    const values = list.split(',').map((v) => v.trim());
    // apimachinery's NewRequirement: "for 'in', 'notin' operators, values set can't be empty".
    if (values.length === 1 && values[0] === '') throw new SelectorError(`unable to parse requirement in "${text}": "${key} ${word} ()" needs at least one value`);
    values.forEach((v) => checkValue(v, text));
    return { key, operator: word === 'in' ? 'In' : 'NotIn', values };
  }
  const compare = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(clause);
  if (compare) {
    const [, key, op, value] = compare as unknown as [string, string, string, string];
    checkKey(key, text);
    checkValue(value.trim(), text);
    return { key, operator: op === '!=' ? 'NotEquals' : 'Equals', values: [value.trim()] };
  }
  if (clause.startsWith('!')) {
    const key = clause.slice(1).trim();
    checkKey(key, text);
    return { key, operator: 'DoesNotExist', values: [] };
  }
  if (/^\S+$/.test(clause)) {
    checkKey(clause, text);
    return { key: clause, operator: 'Exists', values: [] };
  }
  throw new SelectorError(`unable to parse requirement in "${text}": "${clause}" is not one of key=value, key==value, key!=value, key in (a,b), key notin (a,b), key, !key`);
}

/** Splits at commas that are not inside "( )". */
function splitOutsideParentheses(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * The selector of a LabelSelector object (a Deployment's or a ReplicaSet's `spec.selector`):
 * matchLabels are Equals requirements, matchExpressions keep their operator. An empty
 * LabelSelector selects everything; an absent one (undefined) selects nothing (apimachinery's
 * LabelSelectorAsSelector).
 *
 * @example
 * ```ts
 * selectorFromObject({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }).toString();
 * // 'app=web,tier'
 * selectorFromObject({}).matches({ any: 'x' });      // true
 * selectorFromObject(undefined).matches({});         // false
 * ```
 * @throws SelectorError for an In or NotIn without values, or values on Exists or DoesNotExist
 */
export function selectorFromObject(selector: LabelSelector | undefined): Selector {
  if (selector === undefined) return NOTHING;
  const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, operator: 'Equals', values: [value] }));
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const needsValues = operator === 'In' || operator === 'NotIn';
    if (needsValues && values.length === 0) throw new SelectorError(`"${key}": for 'In', 'NotIn' operators, values set can't be empty`);
    if (!needsValues && values.length > 0) throw new SelectorError(`"${key}": values set must be empty for exists and does not exist`);
    requirements.push({ key, operator, values: [...values] });
  }
  return new Selector(requirements);
}

/**
 * The selector that selects nothing (apimachinery's labels.Nothing()): one requirement no label
 * set can meet, "the label '' is one of no values".
 */
const NOTHING = new Selector([{ key: '', operator: 'In', values: [] }]);

/** One requirement of a field selector. */
export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

/**
 * Reads a field selector (`metadata.name=web,status.phase!=Running`) for a resource whose
 * selectable fields are `fields`. Only `=`, `==` and `!=`; a value may be empty
 * (`spec.nodeName=`: the pods no node was chosen for).
 *
 * @example
 * ```ts
 * parseFieldSelector('spec.nodeName=n1', ['metadata.name', 'spec.nodeName']);
 * // [{ field: 'spec.nodeName', operator: 'Equals', value: 'n1' }]
 * parseFieldSelector('spec.foo=bar', ['metadata.name']);  // SelectorError: field label not supported: spec.foo
 * ```
 * @throws SelectorError for a malformed clause, or a field the resource does not offer
 *   ("field label not supported: spec.foo", Kubernetes' words)
 */
export function parseFieldSelector(text: string, fields: readonly string[]): FieldRequirement[] {
  if (text.trim() === '') return [];
  return text.split(',').map((clause) => {
    const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(clause);
    if (!match) throw new SelectorError(`invalid field selector "${text}": "${clause}" is not one of field=value, field==value, field!=value`);
    const [, field, op, value] = match as unknown as [string, string, string, string];
    // Kubernetes' words, exactly (each resource's field label conversion function says them).
    if (!fields.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    return { field, operator: op === '!=' ? 'NotEquals' : 'Equals', value };
  });
}

/**
 * True when `values` (field → its value in the object, see ResourceType.fieldsOf) meets every
 * requirement. A field missing from `values` counts as the empty string.
 */
export function fieldsMatch(requirements: readonly FieldRequirement[], values: Readonly<Record<string, string>>): boolean {
  return requirements.every(({ field, operator, value }) => ((values[field] ?? '') === value) === (operator === 'Equals'));
}
