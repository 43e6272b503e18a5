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
import { NotImplemented, type LabelSelector } from '@kube/kit';

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
    // TODO(08): every requirement must hold; see the table at the top of this file.
    throw new NotImplemented('08', 'Selector.matches');
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
  // TODO(08): split at the commas outside "( )", read each clause as one Requirement, check keys
  // and values; reject empty clauses ("a,,b") and anything else with a SelectorError.
  throw new NotImplemented('08', 'parseLabelSelector');
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
  // TODO(08): matchLabels become Equals requirements, matchExpressions keep their operator;
  // undefined must select nothing (which requirement can no label set meet?).
  throw new NotImplemented('08', 'selectorFromObject');
}

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
  // TODO(08): '' selects everything; split at commas, read field, operator and value; refuse a
  // field that is not in `fields` with Kubernetes' words.
  throw new NotImplemented('08', 'parseFieldSelector');
}

/**
 * True when `values` (field → its value in the object, see ResourceType.fieldsOf) meets every
 * requirement. A field missing from `values` counts as the empty string.
 */
export function fieldsMatch(requirements: readonly FieldRequirement[], values: Readonly<Record<string, string>>): boolean {
  // TODO(08): every requirement holds: Equals compares, NotEquals compares the other way.
  throw new NotImplemented('08', 'fieldsMatch');
}
