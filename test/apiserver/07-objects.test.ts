/**
 * Kata 07 — apiserver: objects, validation, defaulting, quantities, Status errors.
 * The spec is katas/apiserver/07-objects.md.
 *
 * The examples read as the spec, one rule each, with Kubernetes' own messages. The properties:
 * quantities survive being written and read back; the same amount spelled two ways is the same
 * quantity, and its arithmetic is the integers'; generated valid Pods, Deployments and Services
 * validate, and a single generated mutation of one is rejected on exactly the field it broke
 * (metamorphic: the tests carry no validator of their own); defaulting only fills in, is
 * idempotent and keeps valid objects valid.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import type { Deployment, KubeObject, Namespace, Node, Pod, PodSpec, Service } from '@kube/kit';
import {
  alreadyExists,
  applyDefaults,
  assertValid,
  badRequest,
  conflict,
  defaultDeployment,
  defaultNamespace,
  defaultNode,
  defaultPod,
  defaultPodSpec,
  defaultPullPolicy,
  defaultReplicaSet,
  defaultService,
  DNS1035_LABEL_MESSAGE,
  DNS1123_LABEL_MESSAGE,
  DNS1123_SUBDOMAIN_MESSAGE,
  expired,
  forbidden,
  internalError,
  notFoundResource,
  invalid,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isStatusError,
  isValidLabelValue,
  isValidPortName,
  LABEL_VALUE_MESSAGE,
  methodNotAllowed,
  notFound,
  parseQuantity,
  PORT_NAME_MESSAGES,
  QUALIFIED_NAME_MESSAGE,
  QUALIFIED_NAME_PART_MESSAGE,
  QUANTITY_FORM,
  Quantity,
  QuantityError,
  requestEntityTooLarge,
  StatusError,
  statusOf,
  tooOldResourceVersion,
  unauthorized,
  validateDeployment,
  validateNamespace,
  validateNode,
  validateObject,
  validatePod,
  validateReplicaSet,
  validateService,
} from '@kube/apiserver';
import { thrownBy } from '../support/errors.ts';

/** Upstream's message for a maxSurge or maxUnavailable that is no percentage (the given PERCENT_MESSAGE), written out. */
const PERCENT = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";
import {
  changedPaths,
  deploymentArb,
  deploymentMutationArb,
  milliSpellingsArb,
  podArb,
  podMutationArb,
  quantityTextArb,
  serviceArb,
  serviceMutationArb,
  type Mutation,
} from '../support/apiserver/objects.ts';

const q = (text: string): Quantity => parseQuantity(text);

/** A valid pod with one container, changed by `change`. */
function pod(change: (p: Pod & { spec: NonNullable<Pod['spec']> }) => void = () => {}): Pod {
  const p = { apiVersion: 'v1' as const, kind: 'Pod' as const, metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  change(p as never);
  return p;
}

/** A valid deployment of `web`, changed by `change`. */
function deployment(change: (d: Deployment & { spec: NonNullable<Deployment['spec']> }) => void = () => {}): Deployment {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
  };
  change(d as never);
  return d;
}

/** A valid ClusterIP service `web` on port 80, changed by `change`. */
function service(change: (s: Service & { spec: NonNullable<Service['spec']> }) => void = () => {}): Service {
  const s: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
  change(s as never);
  return s;
}

/** Each cause as "field: message", the way an Invalid Status lists them. */
const lines = (causes: { field?: string; message?: string }[]): string[] => causes.map((c) => `${c.field}: ${c.message}`);
/** The distinct fields of some causes, sorted. */
const fields = (causes: { field?: string }[]): string[] => [...new Set(causes.map((c) => c.field ?? ''))].sort();

describe('quantities: parsing to exact values', () => {
  it('reads decimal SI suffixes n, u, m, "", k, M, G, T, P, E as powers of ten', () => {
    expect([q('100m').milliValue(), q('1').milliValue(), q('1.5').milliValue(), q('2k').value(), q('1G').value(), q('3M').value()]).toEqual([100, 1000, 1500, 2000, 1e9, 3e6]);
    expect([q('500u').milliValue(), q('2000000n').milliValue(), q('1T').value(), q('1P').value()]).toEqual([1, 2, 1e12, 1e15]);
  });

  it('reads binary suffixes Ki, Mi, Gi, Ti, Pi, Ei as powers of two, exactly', () => {
    expect([q('1Ki').value(), q('128Mi').value(), q('1.5Gi').value(), q('2Ti').value(), q('0.5Ki').value()]).toEqual([1024, 134217728, 1610612736, 2 * 2 ** 40, 512]);
  });

  it('reads an exponent e or E as a power of ten, negative ones included', () => {
    expect([q('2e3').value(), q('1E3').value(), q('5e-3').milliValue(), q('12e+1').value(), q('1.5e3').value()]).toEqual([2000, 1000, 5, 120, 1500]);
  });

  it('accepts a sign and a bare point: "+5", "-1.5", ".5", "5."', () => {
    expect([q('+5').milliValue(), q('-1.5').milliValue(), q('.5').milliValue(), q('5.').milliValue()]).toEqual([5000, -1500, 500, 5000]);
  });

  it('keeps exact values where floating point would not: 0.1 + 0.2 is exactly 300m', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(q('0.1').add(q('0.2')).toString()).toBe('300m');
    expect(q('0.1').add(q('0.2')).cmp(q('0.3'))).toBe(0);
  });

  it('rounds anything finer than a nano-unit up, away from zero: "0.0000000001" is 1n, "1e-20" is 1e-9', () => {
    expect([q('0.0000000001').toString(), q('1e-20').toString(), q('-0.0000000001').toString(), q('1.0000000001').toString()]).toEqual(['1n', '1e-9', '-1n', '1000000001n']);
  });
});

describe('quantities: the canonical text keeps the input\'s format', () => {
  it.each([
    ['1.5Gi', '1536Mi'],
    ['1024Ki', '1Mi'],
    ['1Ki', '1Ki'],
    ['1.5Ki', '1536'],
    ['0.5Ki', '512'],
    ['1000m', '1'],
    ['0.1', '100m'],
    ['1.5', '1500m'],
    ['1000k', '1M'],
    ['2048', '2048'],
    ['1500000u', '1500m'],
    ['100M', '100M'],
    ['1000E', '1000E'],
    ['2e3', '2e3'],
    ['12e1', '120'],
    ['1.5e3', '1500'],
    ['1e-3', '1e-3'],
    ['0', '0'],
    ['0Mi', '0'],
    ['-0.0', '0'],
    ['-1.5Gi', '-1536Mi'],
    ['+.5', '500m'],
  ])('"%s" is written back as "%s"', (text, canonical) => {
    expect(q(text).toString()).toBe(canonical);
  });

  it('serialises as its canonical text inside JSON, as an object\'s field', () => {
    expect(JSON.stringify({ cpu: q('1.5'), memory: q('1.5Gi') })).toBe('{"cpu":"1500m","memory":"1536Mi"}');
  });

  it('builds quantities from numbers: fromMilli(1500) is "1500m", fromValue(1024, "BinarySI") is "1Ki"', () => {
    expect([Quantity.fromMilli(1500).toString(), Quantity.fromValue(1024, 'BinarySI').toString(), Quantity.fromValue(3).toString()]).toEqual(['1500m', '1Ki', '3']);
  });
});

describe('quantities: value, milliValue, comparison and arithmetic', () => {
  it('value() and milliValue() round the magnitude up: "1500m" is 2 units, "1n" is 1 thousandth, "-1500m" is -2', () => {
    expect([q('1500m').value(), q('1n').milliValue(), q('-1500m').value(), q('100m').value(), q('1').value()]).toEqual([2, 1, -2, 1, 1]);
  });

  it('refuses a value() or milliValue() a JavaScript number cannot hold exactly, naming the quantity', () => {
    const error = thrownBy(() => q('1E').milliValue());
    expect(error).toBeInstanceOf(QuantityError);
    expect((error as Error).message).toContain('"1E"');
    expect(thrownBy(() => q('8Ei').value())).toBeInstanceOf(QuantityError);
    expect(q('1E').cmp(q('1000P'))).toBe(0); // still exact inside
  });

  it('compares amounts whatever their formats: 1Ki = 1024, 1G < 1Gi, 100m = 0.1', () => {
    expect([q('1Ki').cmp(q('1024')), q('1G').cmp(q('1Gi')), q('1Gi').cmp(q('1G')), q('100m').cmp(q('0.1')), q('-1').cmp(q('0'))]).toEqual([0, -1, 1, 0, -1]);
    expect([q('1Ki').equals(q('1024')), q('1').equals(q('1001m')), q('0').isZero(), q('0.0Mi').isZero(), q('1n').isZero()]).toEqual([true, false, true, true, false]);
  });

  it('adds and subtracts exactly, keeping the left format unless it is zero', () => {
    expect(q('1Gi').add(q('512Mi')).toString()).toBe('1536Mi');
    expect(q('1').add(q('1Ki')).toString()).toBe('1025');
    expect(q('0').add(q('1Gi')).toString()).toBe('1Gi');
    expect(q('100m').sub(q('250m')).toString()).toBe('-150m');
    expect(q('2Gi').sub(q('1Gi')).toString()).toBe('1Gi');
  });

  it('add and sub write the result in the left operand\'s format, not the right one\'s', () => {
    expect(q('1024').add(q('1Ki')).toString()).toBe('2048');
    expect(q('1Ki').add(q('1024')).toString()).toBe('2Ki');
    expect(q('1e3').add(q('1k')).toString()).toBe('2e3');
    expect(q('3072').sub(q('1Ki')).toString()).toBe('2048');
    expect(q('3Ki').sub(q('1024')).toString()).toBe('2Ki');
    expect(q('0').sub(q('1Gi')).toString()).toBe('-1Gi');
    expect(q('1').neg().toString()).toBe('-1');
  });
});

describe('quantities: malformed text', () => {
  it.each(['', '1K', 'abc', '1.2.3', '--1', '1e', '1Kib', ' 1', '1 Mi', 'Mi', '1mi', '.', '0x10'])('refuses %j with a QuantityError naming the text and the expected form', (text) => {
    const error = thrownBy(() => parseQuantity(text));
    expect(error).toBeInstanceOf(QuantityError);
    expect((error as Error).message).toContain(`quantity ${JSON.stringify(text)}`);
    expect((error as Error).message).toMatch(/expected .*"100m".*"1.5Gi"/);
  });

  it('says which part is wrong: an unknown suffix, or no digits', () => {
    expect((thrownBy(() => q('1K')) as Error).message).toContain('unknown suffix "K"');
    expect((thrownBy(() => q('Mi')) as Error).message).toContain('no digits');
    expect((thrownBy(() => q('1e1001')) as Error).message).toContain('exponent');
    expect(Quantity.parse('2e3').toString()).toBe('2e3');
  });
});

describe('quantities: edges', () => {
  it('says what is wrong word for word: an empty text, text that is not a number at all, an exponent out of range, a suffix after an exponent', () => {
    const why = (text: string) => (thrownBy(() => parseQuantity(text)) as Error).message;
    expect(why('')).toContain('quantity "": a quantity cannot be empty;');
    expect(why('1\n')).toContain('quantity "1\\n": not a number;');
    expect(why('1e1001')).toContain('exponent 1001 is out of range (at most ±1000)');
    expect(why('1e-1001')).toContain('exponent -1001 is out of range (at most ±1000)');
    expect(why('1e3x')).toContain('unknown suffix "e3x"');
    expect(why('1xe3')).toContain('unknown suffix "xe3"');
    expect([q('1e1000').cmp(q('0')), q('1e-1000').toString()]).toEqual([1, '1e-9']);
  });

  it('keeps the format a text implies: decimal for n to E and fromMilli/fromValue, binary for Ki to Ei from one unit up, decimal below', () => {
    expect([q('1k').format, q('5').format, Quantity.fromMilli(1).format, Quantity.fromValue(1).format]).toEqual(['DecimalSI', 'DecimalSI', 'DecimalSI', 'DecimalSI']);
    expect([q('1Ki').format, q('0.5Ki').format, q('0.0001Ki').format, q('0.0009765625Ki').format, q('2e3').format]).toEqual(['BinarySI', 'BinarySI', 'DecimalSI', 'BinarySI', 'DecimalExponent']);
    // exactly one unit is still binary: adding 1023 makes 1Ki, not 1024
    expect(q('0.0009765625Ki').add(q('1023')).toString()).toBe('1Ki');
  });

  it('writes a binary quantity below 1024 in decimal (1Ki - 24 is "1k"), and one beyond Ei with more digits ("1024Ei")', () => {
    expect(q('1Ki').sub(q('24')).toString()).toBe('1k');
    expect(q('1Ki').sub(q('512')).toString()).toBe('512');
    expect(q('1024Ei').toString()).toBe('1024Ei');
  });

  it('value() and milliValue() hold up to 2^53 - 1 exactly on both signs and refuse one more, naming the call', () => {
    expect([q('9007199254740991').value(), q('-9007199254740991').value(), q('9007199254740991m').milliValue(), q('-9007199254740991m').milliValue()]).toEqual([
      9007199254740991, -9007199254740991, 9007199254740991, -9007199254740991,
    ]);
    expect((thrownBy(() => q('9007199254740992').value()) as Error).message).toContain('quantity "9007199254740992": value() is 9007199254740992');
    expect((thrownBy(() => q('-9007199254740992').value()) as Error).message).toContain('value() is -9007199254740992');
    expect((thrownBy(() => q('-9007199254740992m').milliValue()) as Error).message).toContain('milliValue() is -9007199254740992');
  });
});

describe('quantities: properties', () => {
  test.prop([quantityTextArb])('parse(format(q)) = q: the canonical text reads back to the same amount and the same text', (text) => {
    const quantity = q(text);
    const again = q(quantity.toString());
    expect(again.cmp(quantity)).toBe(0);
    expect(again.toString()).toBe(quantity.toString());
  });

  test.prop([milliSpellingsArb, milliSpellingsArb])('an amount spelled "1500m" or "1.5" is one quantity, and adds, subtracts and compares as the integers do', (a, b) => {
    expect(q(a.asMilli).cmp(q(a.asUnits))).toBe(0);
    expect(q(a.asUnits).toString()).toBe(q(a.asMilli).toString());
    expect(q(a.asUnits).milliValue()).toBe(a.milli);
    expect(q(a.asMilli).add(q(b.asUnits)).milliValue()).toBe(a.milli + b.milli);
    expect(q(a.asUnits).sub(q(b.asMilli)).milliValue()).toBe(a.milli - b.milli);
    expect(q(a.asMilli).cmp(q(b.asUnits))).toBe(Math.sign(a.milli - b.milli) as -1 | 0 | 1);
  });
});

describe('names, labels and port names', () => {
  it('checks DNS-1123 labels: lower-case alphanumerics and "-", at most 63 characters', () => {
    expect([isDNS1123Label('my-name'), isDNS1123Label('123-abc'), isDNS1123Label('My_Name'), isDNS1123Label('-a')]).toEqual([[], [], [DNS1123_LABEL_MESSAGE], [DNS1123_LABEL_MESSAGE]]);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });

  it('checks DNS-1123 subdomains (dots allowed, 253 characters) and DNS-1035 labels (a letter first)', () => {
    expect([isDNS1123Subdomain('example.com'), isDNS1123Subdomain('a..b'), isDNS1123Subdomain('a'.repeat(254))]).toEqual([[], [DNS1123_SUBDOMAIN_MESSAGE], ['must be no more than 253 characters']]);
    expect([isDNS1035Label('abc-1'), isDNS1035Label('1abc'), isDNS1035Label('a.b')]).toEqual([[], [DNS1035_LABEL_MESSAGE], [DNS1035_LABEL_MESSAGE]]);
  });

  it.each([
    ['app.kubernetes.io/name', []],
    ['MyName', []],
    ['/name', ['prefix part must be non-empty']],
    ['a/b/c', [QUALIFIED_NAME_MESSAGE]],
    ['Example.com/x', [`prefix part ${DNS1123_SUBDOMAIN_MESSAGE}`]],
    ['x/', ['name part must be non-empty', QUALIFIED_NAME_PART_MESSAGE]],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    ['-bad', [QUALIFIED_NAME_PART_MESSAGE]],
  ])('isQualifiedName(%j) says %j', (key, messages) => {
    expect(isQualifiedName(key)).toEqual(messages);
  });

  it('checks label values: empty is fine, otherwise alphanumerics, "-", "_" and "." inside, at most 63', () => {
    expect([isValidLabelValue(''), isValidLabelValue('my_value'), isValidLabelValue('-x'), isValidLabelValue('a'.repeat(64))]).toEqual([[], [], [LABEL_VALUE_MESSAGE], ['must be no more than 63 characters']]);
  });

  it('checks port names (IANA_SVC_NAME), one message per broken rule', () => {
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('8080')).toEqual([PORT_NAME_MESSAGES.letter]);
    expect(isValidPortName('-a--b')).toEqual([PORT_NAME_MESSAGES.hyphens, PORT_NAME_MESSAGES.ends]);
    expect(isValidPortName('HTTP')).toEqual([PORT_NAME_MESSAGES.charset, PORT_NAME_MESSAGES.letter]);
    expect(isValidPortName('abcdefghijklmnop')).toEqual(['must be no more than 15 characters']);
    expect([isValidPortName('Http'), isValidPortName('http_'), isValidPortName('http-'), isValidPortName('-http')]).toEqual([
      [PORT_NAME_MESSAGES.charset],
      [PORT_NAME_MESSAGES.charset],
      [PORT_NAME_MESSAGES.ends],
      [PORT_NAME_MESSAGES.ends],
    ]);
  });

  // At the limit is fine, one over is not: "at most 63" is `length > 63`, not `>= 63` nor `> 64`.
  const label63 = 'a'.repeat(63);
  const subdomain253 = [label63, label63, label63, 'a'.repeat(61)].join('.'); // 63 * 3 + 61 + 3 dots = 253
  it.each([
    ['isDNS1123Label', isDNS1123Label, label63, 63],
    ['isDNS1035Label', isDNS1035Label, label63, 63],
    ['isDNS1123Subdomain', isDNS1123Subdomain, subdomain253, 253],
    ['isValidLabelValue', isValidLabelValue, label63, 63],
    ['isValidPortName', isValidPortName, 'a'.repeat(15), 15],
  ] as const)('%s accepts a value of exactly its maximum length and refuses one character more', (_name, check, atMost, max) => {
    expect(atMost).toHaveLength(max);
    expect(check(atMost)).toEqual([]);
    expect(check(`${atMost}a`)).toEqual([`must be no more than ${max} characters`]);
  });

  it('isQualifiedName accepts a name part of exactly 63 characters and a prefix of exactly 253, and refuses one more of either', () => {
    expect(isQualifiedName(label63)).toEqual([]);
    expect(isQualifiedName(`${label63}a`)).toEqual(['name part must be no more than 63 characters']);
    expect(isQualifiedName(`${subdomain253}/${label63}`)).toEqual([]);
    expect(isQualifiedName(`${subdomain253}a/x`)).toEqual(['prefix part must be no more than 253 characters']);
  });
});

describe('Status errors', () => {
  it('notFound is a complete Status: kind, apiVersion, metadata, Failure, message, reason, details, code 404', () => {
    expect(notFound('pods', 'web').status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "web" not found',
      reason: 'NotFound',
      details: { name: 'web', kind: 'pods' },
      code: 404,
    });
  });

  it('names a resource with a group as "<resource>.<group>" and splits it in details', () => {
    expect(notFound('deployments.apps', 'web').status).toMatchObject({ message: 'deployments.apps "web" not found', details: { name: 'web', group: 'apps', kind: 'deployments' } });
    expect(alreadyExists('pods', 'web').status).toMatchObject({ reason: 'AlreadyExists', code: 409, message: 'pods "web" already exists', details: { name: 'web', kind: 'pods' } });
  });

  it('conflict says "the object has been modified" unless told why', () => {
    expect(conflict('pods', 'x').status).toMatchObject({
      reason: 'Conflict',
      code: 409,
      message: 'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(conflict('pods', 'x', 'Precondition failed').status.message).toBe('Operation cannot be fulfilled on pods "x": Precondition failed');
  });

  it('invalid lists its causes in the message (bracketed when several) and in details', () => {
    const one = [{ reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' }];
    expect(invalid('Pod', 'web', one).status).toMatchObject({
      reason: 'Invalid',
      code: 422,
      message: 'Pod "web" is invalid: spec.containers[0].image: Required value',
      details: { name: 'web', kind: 'Pod', causes: one },
    });
    const two = [...one, { reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "app"' }];
    expect(invalid('Deployment.apps', 'web', two).status).toMatchObject({
      message: 'Deployment.apps "web" is invalid: [spec.containers[0].image: Required value, spec.containers[1].name: Duplicate value: "app"]',
      details: { name: 'web', group: 'apps', kind: 'Deployment', causes: two },
    });
  });

  it.each([
    ['badRequest', () => badRequest('Namespace parameter required.'), 'BadRequest', 400, 'Namespace parameter required.'],
    ['unauthorized', () => unauthorized(), 'Unauthorized', 401, 'Unauthorized'],
    ['forbidden', () => forbidden('pods', 'web', 'User "bob" cannot get resource "pods"'), 'Forbidden', 403, 'pods "web" is forbidden: User "bob" cannot get resource "pods"'],
    ['forbidden without a name', () => forbidden('pods', '', 'User "bob" cannot list resource "pods"'), 'Forbidden', 403, 'pods is forbidden: User "bob" cannot list resource "pods"'],
    ['methodNotAllowed', () => methodNotAllowed('pods', 'patch'), 'MethodNotAllowed', 405, 'patch is not supported on resources of kind "pods"'],
    ['expired', () => expired('the list has expired'), 'Expired', 410, 'the list has expired'],
    ['tooOldResourceVersion', () => tooOldResourceVersion(5, 9), 'Expired', 410, 'too old resource version: 5 (9)'],
    ['requestEntityTooLarge', () => requestEntityTooLarge('limit is 3145728'), 'RequestEntityTooLarge', 413, 'Request entity too large: limit is 3145728'],
    ['internalError', () => internalError('boom'), 'InternalError', 500, 'Internal error occurred: boom'],
  ])('%s gives its reason, code and message', (_name, make, reason, code, message) => {
    const error = make();
    expect(error.status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message });
  });

  it('a StatusError is an Error whose message, code and reason come from its Status', () => {
    const error = notFound('pods', 'web');
    expect(error).toBeInstanceOf(StatusError);
    expect(error).toBeInstanceOf(Error);
    expect([error.message, error.code, error.reason]).toEqual(['pods "web" not found', 404, 'NotFound']);
    expect([isStatusError(error), isStatusError(error, 'NotFound'), isStatusError(error, 'Conflict'), isStatusError(new Error('x'))]).toEqual([true, true, false, false]);
  });

  it('statusOf answers any error: a StatusError with its Status, anything else with InternalError 500', () => {
    expect(statusOf(conflict('pods', 'x')).reason).toBe('Conflict');
    expect(statusOf(new Error('boom'))).toMatchObject({ reason: 'InternalError', code: 500, message: 'Internal error occurred: boom' });
  });
});

describe('Status errors: details', () => {
  it('notFoundResource, methodNotAllowed and internalError carry their details: the group and kind split, the message as a cause', () => {
    expect(notFoundResource('widgets.example.com').status).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: { group: 'example.com', kind: 'widgets' }, code: 404,
    });
    expect(notFoundResource('widgets').status.details).toEqual({ kind: 'widgets' });
    expect(methodNotAllowed('deployments.apps', 'patch').status.details).toEqual({ group: 'apps', kind: 'deployments' });
    expect(internalError('boom').status.details).toEqual({ causes: [{ message: 'boom' }] });
  });

  it('invalid writes a cause without a field as its message alone, and a missing message as nothing', () => {
    expect(invalid('Pod', 'web', [{ message: 'something is wrong' }]).message).toBe('Pod "web" is invalid: something is wrong');
    expect(invalid('ConfigMap', 'big', [{ reason: 'FieldValueTooLong', field: '', message: 'Too long: must have at most 1048576 bytes' }]).message, 'the whole object\'s error prints its empty path').toBe('ConfigMap "big" is invalid: : Too long: must have at most 1048576 bytes');
    expect(invalid('Pod', 'web', [{ field: 'spec' }]).message).toBe('Pod "web" is invalid: spec: ');
    expect(invalid('Pod', 'web', [{ field: 'spec' }, {}]).message).toBe('Pod "web" is invalid: [spec: , ]');
  });

  it('isStatusError knows a StatusError made by another copy of status.ts by its name and status, and nothing with only one of them', () => {
    const foreign = Object.assign(new Error('pods "web" not found'), { name: 'StatusError', status: notFound('pods', 'web').status });
    expect([isStatusError(foreign), isStatusError(foreign, 'NotFound'), isStatusError(foreign, 'Conflict')]).toEqual([true, true, false]);
    expect(isStatusError(Object.assign(new Error('x'), { name: 'StatusError' }))).toBe(false);
    expect(isStatusError(Object.assign(new Error('x'), { status: notFound('pods', 'web').status }))).toBe(false);
    expect(isStatusError({ name: 'StatusError', status: notFound('pods', 'web').status })).toBe(false);
    expect(statusOf(foreign).reason).toBe('NotFound');
  });
});

describe('validation: metadata', () => {
  it('accepts a minimal pod, deployment and service', () => {
    expect([validatePod(pod()), validateDeployment(deployment()), validateService(service())]).toEqual([[], [], []]);
  });

  it('requires a name or a generateName', () => {
    expect(lines(validatePod(pod((p) => delete p.metadata.name)))).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(validatePod(pod((p) => Object.assign(p.metadata, { name: undefined, generateName: 'web-' })))).toEqual([]);
  });

  it('checks a pod\'s name as a DNS-1123 subdomain, a service\'s as a DNS-1035 label', () => {
    expect(lines(validatePod(pod((p) => (p.metadata.name = 'Web'))))).toEqual([`metadata.name: Invalid value: "Web": ${DNS1123_SUBDOMAIN_MESSAGE}`]);
    expect(validatePod(pod((p) => (p.metadata.name = 'web.example.com')))).toEqual([]);
    expect(lines(validateService(service((s) => (s.metadata.name = 'web.example.com'))))).toEqual([`metadata.name: Invalid value: "web.example.com": ${DNS1035_LABEL_MESSAGE}`]);
  });

  it('requires a namespace on namespaced kinds and forbids one on cluster-scoped kinds', () => {
    expect(validatePod(pod((p) => delete p.metadata.namespace))).toEqual([{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }]);
    const node: Node = { kind: 'Node', metadata: { name: 'node-1', namespace: 'default' } };
    expect(validateNode(node)).toEqual([{ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' }]);
  });

  it('reports every bad label key and value on metadata.labels, as kubectl shows them', () => {
    const ns: Namespace = { kind: 'Namespace', metadata: { name: 'Invalid-Name-With-Uppercase', labels: { 'invalid label': 'spaces are not allowed' } } };
    expect(lines(validateNamespace(ns))).toEqual([
      `metadata.name: Invalid value: "Invalid-Name-With-Uppercase": ${DNS1123_LABEL_MESSAGE}`,
      `metadata.labels: Invalid value: "invalid label": ${QUALIFIED_NAME_PART_MESSAGE}`,
      `metadata.labels: Invalid value: "spaces are not allowed": ${LABEL_VALUE_MESSAGE}`,
    ]);
  });

  it('checks annotation keys and their total size (256 KiB), but not their values', () => {
    expect(validatePod(pod((p) => (p.metadata = { ...p.metadata, annotations: { 'example.com/note': 'any text, even -- this!' } })))).toEqual([]);
    const big = validatePod(pod((p) => (p.metadata = { ...p.metadata, annotations: { a: 'x'.repeat(256 * 1024) } })));
    expect(lines(big)).toEqual(['metadata.annotations: Too long: must have at most 262144 bytes']);
    expect(fields(validatePod(pod((p) => (p.metadata = { ...p.metadata, annotations: { 'a/b/c': '' } }))))).toEqual(['metadata.annotations']);
  });
});

describe('validation: pods', () => {
  it('requires containers, each with a name and an image', () => {
    expect(lines(validatePod(pod((p) => (p.spec.containers = []))))).toEqual(['spec.containers: Required value']);
    expect(lines(validatePod(pod((p) => (p.spec.containers = [{ name: '' }]))))).toEqual(['spec.containers[0].name: Required value', 'spec.containers[0].image: Required value']);
  });

  it('rejects a second container with the same name on its own path: spec.containers[1].name', () => {
    const twice = pod((p) => p.spec.containers.push({ name: 'app', image: 'busybox' }));
    expect(validatePod(twice)).toEqual([{ reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "app"' }]);
    const init = pod((p) => (p.spec.initContainers = [{ name: 'app', image: 'busybox' }]));
    expect(lines(validatePod(init))).toEqual(['spec.initContainers[0].name: Duplicate value: "app"']);
  });

  it('checks container ports: a number from 1 to 65535, names unique within the container, a known protocol', () => {
    const ports = pod((p) => (p.spec.containers[0]!.ports = [{ containerPort: 0 }, { containerPort: 70000 }, { containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http', protocol: 'HTTP' as never }]));
    expect(lines(validatePod(ports))).toEqual([
      'spec.containers[0].ports[0].containerPort: Required value',
      'spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[3].name: Duplicate value: "http"',
      'spec.containers[0].ports[3].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    const twoContainers = pod((p) => {
      p.spec.containers[0]!.ports = [{ containerPort: 80, name: 'http' }];
      p.spec.containers.push({ name: 'side', image: 'envoy', ports: [{ containerPort: 8080, name: 'http' }] });
    });
    expect(validatePod(twoContainers)).toEqual([]);
  });

  it('checks resources: quantities that parse, are not negative, and requests no larger than limits', () => {
    const bad = pod((p) => (p.spec.containers[0]!.resources = { requests: { cpu: '12x', memory: '-1Mi' } }));
    const [cpu, memory] = validatePod(bad);
    expect(cpu).toMatchObject({ reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests[cpu]' });
    expect(cpu!.message).toContain('Invalid value: "12x": quantity "12x"');
    expect(memory).toEqual({ reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests[memory]', message: 'Invalid value: "-1Mi": must be greater than or equal to 0' });
    const over = pod((p) => (p.spec.containers[0]!.resources = { requests: { cpu: '2' }, limits: { cpu: '1000m' } }));
    expect(lines(validatePod(over))).toEqual(['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1']);
  });

  it('holds an extended resource or huge pages to exactly its limit (no overcommit), and cpu, memory and kubernetes.io/ resources only to at most it', () => {
    const resources = (requests: Record<string, string>, limits: Record<string, string>) => lines(validatePod(pod((p) => (p.spec.containers[0]!.resources = { requests, limits }))));
    expect(resources({ 'example.com/gpu': '1', 'hugepages-2Mi': '2Mi' }, { 'example.com/gpu': '2', 'hugepages-2Mi': '4Mi' })).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "1": must be equal to example.com/gpu limit of 2',
      'spec.containers[0].resources.requests: Invalid value: "2Mi": must be equal to hugepages-2Mi limit of 4Mi',
    ]);
    expect(resources({ cpu: '500m', memory: '1Gi', 'kubernetes.io/widgets': '1', 'example.com/gpu': '2' }, { cpu: '1', memory: '2Gi', 'kubernetes.io/widgets': '2', 'example.com/gpu': '2' })).toEqual([]);
  });

  it('checks restartPolicy, terminationGracePeriodSeconds and activeDeadlineSeconds', () => {
    const p = pod((p) => Object.assign(p.spec, { restartPolicy: 'Sometimes', terminationGracePeriodSeconds: -1, activeDeadlineSeconds: 0 }));
    expect(lines(validatePod(p))).toEqual([
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
      'spec.terminationGracePeriodSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive',
    ]);
  });

  it('checks tolerations: Exists takes no value, an empty key needs Exists, tolerationSeconds needs NoExecute', () => {
    const p = pod((p) => (p.spec.tolerations = [{ key: 'gpu', operator: 'Exists', value: 'yes' }, { operator: 'Equal', value: 'x' }, { key: 'spot', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }, { key: 'ok', operator: 'Exists' }]));
    expect(lines(validatePod(p))).toEqual([
      'spec.tolerations[0].operator: Invalid value: "Exists": value must be empty when `operator` is \'Exists\'',
      'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      "spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
    ]);
  });
});

describe('validation: deployments, services, nodes', () => {
  it('requires a deployment\'s selector to be non-empty and to match its template\'s labels', () => {
    expect(fields(validateDeployment(deployment((d) => (d.spec.selector = {}))))).toEqual(['spec.selector']);
    expect(lines(validateDeployment(deployment((d) => (d.spec.template.metadata = { labels: { app: 'api' } }))))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`',
    ]);
  });

  it('allows only restartPolicy Always in a deployment\'s pods', () => {
    expect(lines(validateDeployment(deployment((d) => (d.spec.template.spec!.restartPolicy = 'Never'))))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });

  it('checks the rolling update: numbers or percentages, not both zero, maxUnavailable at most 100%', () => {
    const rolling = (maxUnavailable: number | string, maxSurge: number | string) => lines(validateDeployment(deployment((d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } }))));
    expect(rolling('25%', 1)).toEqual([]);
    expect(rolling(0, '0%')).toEqual(['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0']);
    expect(rolling('110%', 1)).toEqual(['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%']);
    // a number written as text is no percentage, but counts as its number: "0" is zero, "5" is not
    expect(rolling('0', 0)).toEqual([
      `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0": ${PERCENT}`,
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0": may not be 0 when `maxSurge` is 0',
    ]);
    expect(rolling('0%', '5')).toEqual([`spec.strategy.rollingUpdate.maxSurge: Invalid value: "5": ${PERCENT}`]);
    // each field's own errors first, then both zero, then the 100% cap
    expect(rolling('150%', 'x')).toEqual([
      `spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": ${PERCENT}`,
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
    expect(rolling('0%', 'x')).toEqual([
      `spec.strategy.rollingUpdate.maxSurge: Invalid value: "x": ${PERCENT}`,
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    ]);
    expect(rolling(1, 'abc')).toEqual([
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"abc\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ]);
    expect(lines(validateDeployment(deployment((d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: {} }))))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
  });

  it('checks a service\'s ports: names needed when there are several, unique names, unique number and protocol', () => {
    const s = service((s) => (s.spec.ports = [{ name: 'http', port: 80 }, { port: 443 }, { name: 'http', port: 8080 }, { name: 'again', port: 80, protocol: 'TCP' }, { name: 'dns', port: 80, protocol: 'UDP' }]));
    expect(lines(validateService(s))).toEqual(['spec.ports[1].name: Required value', 'spec.ports[2].name: Duplicate value: "http"', 'spec.ports[3]: Duplicate value: "80/TCP"']);
  });

  it('forbids a nodePort on a ClusterIP service, and requires ports unless headless or ExternalName', () => {
    expect(lines(validateService(service((s) => (s.spec.ports = [{ port: 80, nodePort: 30080 }]))))).toEqual(["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]);
    expect(validateService(service((s) => Object.assign(s.spec, { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })))).toEqual([]);
    expect(lines(validateService(service((s) => (s.spec.ports = []))))).toEqual(['spec.ports: Required value']);
    expect(validateService(service((s) => Object.assign(s.spec, { clusterIP: 'None', ports: [] })))).toEqual([]);
    expect(lines(validateService(service((s) => Object.assign(s.spec, { type: 'ExternalName', ports: [] }))))).toEqual(['spec.externalName: Required value']);
  });

  it('lets only a Service reachable from outside (NodePort, LoadBalancer, or with externalIPs) have an externalTrafficPolicy, Cluster or Local', () => {
    expect(lines(validateService(service((s) => (s.spec.externalTrafficPolicy = 'Local'))))).toEqual(['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']);
    expect(lines(validateService(service((s) => Object.assign(s.spec, { type: 'ExternalName', externalName: 'db.example.com', externalTrafficPolicy: 'Cluster' }))))).toEqual([
      'spec.externalTrafficPolicy: Invalid value: "Cluster": may only be set for externally-accessible services',
    ]);
    expect(validateService(service((s) => Object.assign(s.spec, { externalIPs: ['192.0.2.7'], externalTrafficPolicy: 'Local' })))).toEqual([]);
    expect(validateService(service((s) => Object.assign(s.spec, { type: 'LoadBalancer', externalTrafficPolicy: 'Local' })))).toEqual([]);
    expect(lines(validateService(service((s) => Object.assign(s.spec, { type: 'NodePort', externalTrafficPolicy: 'Global' }))))).toEqual([
      'spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"',
    ]);
  });

  it('checks sessionAffinity and its ClientIP timeout (1 to 86400 seconds)', () => {
    expect(lines(validateService(service((s) => (s.spec.sessionAffinity = 'Sticky' as never))))).toEqual(['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']);
    expect(lines(validateService(service((s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }))))).toEqual([
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400',
    ]);
  });

  it('checks a node\'s taints (effect, unique key and effect) and its quantities', () => {
    const node: Node = {
      kind: 'Node',
      metadata: { name: 'node-1' },
      spec: { taints: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoSchedule' }, { key: 'spot', effect: 'Sometimes' as never }] },
      status: { capacity: { cpu: '4', memory: '8Gi' }, allocatable: { cpu: '1.2.3' } },
    };
    expect(fields(validateNode(node))).toEqual(['spec.taints[1]', 'spec.taints[2].effect', 'status.allocatable[cpu]']);
    expect(validateNode(node)[0]!.message).toBe('Duplicate value: {"key":"gpu","effect":"NoSchedule"}: taints must be unique by key and effect pair');
  });

  it('validateObject picks the validator by kind, and refuses a kind it does not know with BadRequest', () => {
    expect(fields(validateObject({ ...pod(), spec: { containers: [] } } as KubeObject))).toEqual(['spec.containers']);
    expect(validateObject(deployment())).toEqual([]);
    expect(thrownBy(() => validateObject({ kind: 'Widget', metadata: { name: 'w' } }))).toMatchObject({ status: { reason: 'BadRequest', code: 400 } });
  });

  it('assertValid throws Invalid (422) with the qualified kind and every cause', () => {
    const error = thrownBy(() => assertValid(pod((p) => delete p.spec.containers[0]!.image))) as StatusError;
    expect(error.status).toMatchObject({ reason: 'Invalid', code: 422, message: 'Pod "web" is invalid: spec.containers[0].image: Required value' });
    const d = thrownBy(() => assertValid(deployment((d) => (d.spec.replicas = -1)))) as StatusError;
    expect(d.status).toMatchObject({ message: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0', details: { kind: 'Deployment', group: 'apps', name: 'web' } });
  });
});

describe('validation: every rule on its path', () => {
  const noDigits = (text: string) => `Invalid value: ${JSON.stringify(text)}: quantity ${JSON.stringify(text)}: no digits before the suffix; expected ${QUANTITY_FORM}`;
  const withSpec = (spec: Partial<NonNullable<Deployment['spec']>>) => validateDeployment({ kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: spec as NonNullable<Deployment['spec']> });
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  const selector = { matchLabels: { app: 'web' } };

  it('reports a map\'s entries in the order of their keys, whatever order they were written in: labels, annotations, requests, limits, node selector, capacity', () => {
    const p = pod((p) => {
      p.metadata = { ...p.metadata, labels: { m: 'bad value!', 'z/y/x': 'v', a: '-a', 'b/c/d': 'v' }, annotations: { 'Z/y/x': '', 'b/c/d': '', 'A/B/C': '' } };
      p.spec.containers[0]!.resources = { limits: { memory: '1Gi', 'example.com/gpu': '1', cpu: '1' }, requests: { memory: '2Gi', cpu: '2', 'example.com/gpu': '2' } };
      p.spec.nodeSelector = { z: 'bad value!', b: '-b' };
    });
    expect(lines(validatePod(p))).toEqual([
      `metadata.labels: Invalid value: "-a": ${LABEL_VALUE_MESSAGE}`,
      `metadata.labels: Invalid value: "b/c/d": ${QUALIFIED_NAME_MESSAGE}`,
      `metadata.labels: Invalid value: "bad value!": ${LABEL_VALUE_MESSAGE}`,
      `metadata.labels: Invalid value: "z/y/x": ${QUALIFIED_NAME_MESSAGE}`,
      `metadata.annotations: Invalid value: "A/B/C": ${QUALIFIED_NAME_MESSAGE}`,
      `metadata.annotations: Invalid value: "Z/y/x": ${QUALIFIED_NAME_MESSAGE}`,
      `metadata.annotations: Invalid value: "b/c/d": ${QUALIFIED_NAME_MESSAGE}`,
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      'spec.containers[0].resources.requests: Invalid value: "2": must be equal to example.com/gpu limit of 1',
      'spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
      `spec.nodeSelector: Invalid value: "-b": ${LABEL_VALUE_MESSAGE}`,
      `spec.nodeSelector: Invalid value: "bad value!": ${LABEL_VALUE_MESSAGE}`,
    ]);
    const lists = pod((p) => (p.spec.containers[0]!.resources = { limits: { memory: 'x', cpu: 'y', a: 'z' }, requests: { z: '-1', b: 'q' } }));
    expect(lines(validatePod(lists))).toEqual([
      `spec.containers[0].resources.limits[a]: ${noDigits('z')}`,
      `spec.containers[0].resources.limits[cpu]: ${noDigits('y')}`,
      `spec.containers[0].resources.limits[memory]: ${noDigits('x')}`,
      `spec.containers[0].resources.requests[b]: ${noDigits('q')}`,
      'spec.containers[0].resources.requests[z]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    const node: Node = { kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'Bad Key', value: 'bad value!', effect: 'NoSchedule' }, { key: 'gpu' } as never] }, status: { capacity: { pods: 'x', cpu: 'y', memory: '-1' } } };
    expect(lines(validateNode(node))).toEqual([
      `spec.taints[0].key: Invalid value: "Bad Key": ${QUALIFIED_NAME_PART_MESSAGE}`,
      `spec.taints[0].value: Invalid value: "bad value!": ${LABEL_VALUE_MESSAGE}`,
      'spec.taints[1].effect: Required value',
      `status.capacity[cpu]: ${noDigits('y')}`,
      'status.capacity[memory]: Invalid value: "-1": must be greater than or equal to 0',
      `status.capacity[pods]: ${noDigits('x')}`,
    ]);
  });

  it('checks a generateName by the kind\'s name rule as if its trailing "-" were a letter', () => {
    const named = (generateName: string) => lines(validatePod(pod((p) => Object.assign(p.metadata, { name: undefined, generateName }))));
    expect(named('Web-')).toEqual([`metadata.generateName: Invalid value: "Web-": ${DNS1123_SUBDOMAIN_MESSAGE}`]);
    expect(named('w_b-')).toEqual([`metadata.generateName: Invalid value: "w_b-": ${DNS1123_SUBDOMAIN_MESSAGE}`]);
    expect(named('web_')).toEqual([`metadata.generateName: Invalid value: "web_": ${DNS1123_SUBDOMAIN_MESSAGE}`]);
    expect([named('web-'), named('web.-')]).toEqual([[], []]);
  });

  it('checks the rest of a pod spec on its paths: container and port names, hostPort, activeDeadlineSeconds at its bounds, nodeName, hostname; a spec without containers needs them', () => {
    const p = pod((p) => {
      p.spec.containers = [{ name: 'App', image: 'x', ports: [{ containerPort: 1, name: 'HTTP', hostPort: 70000 }, { containerPort: 65535, hostPort: 65535 }] }];
      Object.assign(p.spec, { nodeName: 'Node_1', hostname: 'Web', activeDeadlineSeconds: 2147483648 });
    });
    expect(lines(validatePod(p))).toEqual([
      `spec.containers[0].name: Invalid value: "App": ${DNS1123_LABEL_MESSAGE}`,
      `spec.containers[0].ports[0].name: Invalid value: "HTTP": ${PORT_NAME_MESSAGES.charset}`,
      `spec.containers[0].ports[0].name: Invalid value: "HTTP": ${PORT_NAME_MESSAGES.letter}`,
      'spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.activeDeadlineSeconds: Invalid value: 2147483648: must be between 1 and 2147483647, inclusive',
      `spec.nodeName: Invalid value: "Node_1": ${DNS1123_SUBDOMAIN_MESSAGE}`,
      `spec.hostname: Invalid value: "Web": ${DNS1123_LABEL_MESSAGE}`,
    ]);
    const deadline = (activeDeadlineSeconds: number) => lines(validatePod(pod((p) => (p.spec.activeDeadlineSeconds = activeDeadlineSeconds))));
    expect([deadline(1), deadline(2147483647), deadline(1.5)]).toEqual([[], [], ['spec.activeDeadlineSeconds: Invalid value: 1.5: must be between 1 and 2147483647, inclusive']]);
    expect(lines(validatePod({ kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: {} as never }))).toEqual(['spec.containers: Required value']);
  });

  it('checks each toleration: its key, a known operator (none is Equal), a known effect, tolerationSeconds only with NoExecute', () => {
    const bad = pod((p) => (p.spec.tolerations = [{ key: 'Bad Key', operator: 'Equal', value: 'x' }, { key: 'gpu', operator: 'Maybe' as never }, { key: 'gpu', effect: 'Sometimes' as never }, { key: 'gpu', tolerationSeconds: 5 }, { value: 'x' }]));
    expect(lines(validatePod(bad))).toEqual([
      `spec.tolerations[0].key: Invalid value: "Bad Key": ${QUALIFIED_NAME_PART_MESSAGE}`,
      'spec.tolerations[1].operator: Unsupported value: "Maybe": supported values: "Equal", "Exists"',
      'spec.tolerations[2].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
      'spec.tolerations[3].effect: Invalid value: "": effect must be \'NoExecute\' when `tolerationSeconds` is set',
      'spec.tolerations[4].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    ]);
    const good = pod((p) => (p.spec.tolerations = [{ key: 'gpu', operator: 'Equal', value: 'x' }, { operator: 'Exists' }, { key: 'gpu' }, { key: 'spot', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]));
    expect(validatePod(good)).toEqual([]);
  });

  it('checks a selector\'s expressions: values for In and NotIn, none for Exists and DoesNotExist, a known operator, a qualified key; and only a valid selector is matched against the template', () => {
    const errors = withSpec({
      selector: {
        matchLabels: { 'bad key': 'v', app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In' },
          { key: 'env', operator: 'NotIn', values: [] },
          { key: 'gpu', operator: 'Exists', values: ['x'] },
          { key: 'spot', operator: 'DoesNotExist', values: ['y'] },
          { key: 'Bad Key', operator: 'Equals' as never, values: ['a'] },
          { key: 'ok', operator: 'In', values: ['a'] },
        ],
      },
      template: { metadata: { labels: { app: 'other' } }, spec: template.spec },
    });
    expect(lines(errors)).toEqual([
      `spec.selector.matchLabels: Invalid value: "bad key": ${QUALIFIED_NAME_PART_MESSAGE}`,
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[2].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      "spec.selector.matchExpressions[3].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[4].operator: Invalid value: "Equals": not a valid selector operator',
      `spec.selector.matchExpressions[4].key: Invalid value: "Bad Key": ${QUALIFIED_NAME_PART_MESSAGE}`,
    ]);
    expect(withSpec({ selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, template })).toEqual([]);
  });

  it('requires a selector and a template, checks the template\'s labels, annotations and spec, and forbids activeDeadlineSeconds in it', () => {
    expect(lines(withSpec({ template }))).toEqual(['spec.selector: Required value']);
    expect(lines(withSpec({ selector: {}, template }))).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
    expect(lines(withSpec({ selector }))).toEqual(['spec.template: Required value']);
    expect(lines(withSpec({ selector, template: { spec: template.spec } }))).toEqual(['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']);
    expect(lines(withSpec({ selector, template: { metadata: { labels: { app: 'web', bad: '-x' }, annotations: { 'a/b/c': '' } } } }))).toEqual([
      `spec.template.metadata.labels: Invalid value: "-x": ${LABEL_VALUE_MESSAGE}`,
      `spec.template.metadata.annotations: Invalid value: "a/b/c": ${QUALIFIED_NAME_MESSAGE}`,
      'spec.template.spec.containers: Required value',
    ]);
    expect(lines(withSpec({ selector, template: { ...template, spec: { ...template.spec, activeDeadlineSeconds: 5 } } }))).toEqual([
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]);
    expect(lines(validateDeployment({ kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } }))).toEqual(['spec.selector: Required value', 'spec.template: Required value']);
  });

  it('checks a ReplicaSet: its namespace, replicas, minReadySeconds, selector and template', () => {
    expect(lines(validateReplicaSet({ kind: 'ReplicaSet', metadata: { name: 'web' } }))).toEqual(['metadata.namespace: Required value', 'spec.selector: Required value', 'spec.template: Required value']);
    const rs = { kind: 'ReplicaSet' as const, metadata: { name: 'web', namespace: 'default' }, spec: { replicas: -1, minReadySeconds: -1, selector, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' as const, activeDeadlineSeconds: 5 } } } };
    expect(lines(validateReplicaSet(rs))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]);
    expect(validateObject({ ...rs, spec: { selector, template } } as KubeObject)).toEqual([]);
  });

  it('checks a deployment\'s numbers: minReadySeconds and revisionHistoryLimit >= 0, progressDeadlineSeconds >= 0 and above minReadySeconds', () => {
    expect(lines(withSpec({ selector, template, minReadySeconds: -1, revisionHistoryLimit: -1, progressDeadlineSeconds: -1 }))).toEqual([
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.progressDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.progressDeadlineSeconds: Invalid value: -1: must be greater than minReadySeconds',
    ]);
    const deadline = (progressDeadlineSeconds: number, minReadySeconds?: number) => lines(withSpec({ selector, template, progressDeadlineSeconds, minReadySeconds }));
    expect(deadline(10, 10)).toEqual(['spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds']);
    expect(deadline(0)).toEqual(['spec.progressDeadlineSeconds: Invalid value: 0: must be greater than minReadySeconds']);
    expect([deadline(11, 10), deadline(5)]).toEqual([[], []]);
  });

  it('checks a strategy: a known type (none is fine), whole percentages only, and no 100% check on a malformed one', () => {
    const strategy = (s: NonNullable<NonNullable<Deployment['spec']>['strategy']>) => lines(withSpec({ selector, template, strategy: s }));
    expect(strategy({ type: 'Blue' as never })).toEqual(['spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"']);
    expect(strategy({ rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } })).toEqual([]);
    expect(strategy({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150.5%', maxSurge: 'x5%' } })).toEqual([
      `spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150.5%": ${PERCENT}`,
      `spec.strategy.rollingUpdate.maxSurge: Invalid value: "x5%": ${PERCENT}`,
      // neither is a number nor a percentage, so each counts as 0 (Go's Atoi of the text), as upstream's getIntOrPercentValue
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150.5%": may not be 0 when `maxSurge` is 0',
    ]);
    expect(strategy({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '5%x' } })).toEqual([`spec.strategy.rollingUpdate.maxSurge: Invalid value: "5%x": ${PERCENT}`]);
  });

  it('checks a service on its paths: port names, protocols, numeric and named target ports (0 and "" are unset), selector, clusterIP, externalName', () => {
    const s = service((s) => {
      s.spec.selector = { app: '-bad' };
      s.spec.clusterIP = '10.0.0.300';
      s.spec.ports = [{ name: 'Web', port: 80, targetPort: 70000, protocol: 'HTTP' as never }, { name: 'b', port: 81, targetPort: 'HTTP' }, { name: 'c', port: 82, targetPort: 0 }, { name: 'd', port: 83, targetPort: '' }];
    });
    expect(lines(validateService(s))).toEqual([
      `spec.ports[0].name: Invalid value: "Web": ${DNS1123_LABEL_MESSAGE}`,
      'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      `spec.ports[1].targetPort: Invalid value: "HTTP": ${PORT_NAME_MESSAGES.charset}`,
      `spec.ports[1].targetPort: Invalid value: "HTTP": ${PORT_NAME_MESSAGES.letter}`,
      `spec.selector: Invalid value: "-bad": ${LABEL_VALUE_MESSAGE}`,
      'spec.clusterIP: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]);
    expect(validateService(service((s) => Object.assign(s.spec, { clusterIP: '10.0.0.1', type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30080 }] })))).toEqual([]);
    expect(validateService(service((s) => Object.assign(s.spec, { clusterIP: 'None', ports: undefined })))).toEqual([]);
    expect(lines(validateService(service((s) => Object.assign(s.spec, { type: 'ExternalName', externalName: 'Bad_Name', ports: [] }))))).toEqual([
      `spec.externalName: Invalid value: "Bad_Name": ${DNS1123_SUBDOMAIN_MESSAGE}`,
    ]);
  });

  it('checks session affinity: ClientIP with or without a config and up to 86400 s; a config without ClientIP is forbidden', () => {
    const affinity = (sessionAffinity: 'ClientIP' | 'None' | undefined, sessionAffinityConfig?: object) => lines(validateService(service((s) => Object.assign(s.spec, { sessionAffinity, sessionAffinityConfig }))));
    expect([affinity('ClientIP'), affinity('ClientIP', {}), affinity('ClientIP', { clientIP: { timeoutSeconds: 86400 } })]).toEqual([[], [], []]);
    expect(affinity('ClientIP', { clientIP: { timeoutSeconds: 86401 } })).toEqual(['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400']);
    const forbidden = ['spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None'];
    expect([affinity('None', { clientIP: { timeoutSeconds: 10 } }), affinity(undefined, { clientIP: { timeoutSeconds: 10 } })]).toEqual([forbidden, forbidden]);
  });

  it('annotations may hold exactly 256 KiB in all; assertValid passes a valid object and names a nameless one ""', () => {
    expect(validatePod(pod((p) => (p.metadata = { ...p.metadata, annotations: { a: 'x'.repeat(256 * 1024 - 1) } })))).toEqual([]);
    expect(() => assertValid(pod())).not.toThrow();
    const error = thrownBy(() => assertValid({ kind: 'Namespace' } as KubeObject)) as StatusError;
    expect(error.message).toBe('Namespace "" is invalid: metadata.name: Required value: name or generateName is required');
  });
});

describe('validation: properties', () => {
  test.prop([fc.oneof(podArb, deploymentArb, serviceArb)])('every generated valid Pod, Deployment and Service validates', (object) => {
    expect(lines(validateObject(object))).toEqual([]);
  });

  test.prop([fc.oneof<fc.Arbitrary<Mutation<KubeObject>>[]>(podMutationArb, deploymentMutationArb, serviceMutationArb)])(
    'a single mutation of a valid object is rejected, on exactly the field it broke',
    (mutation) => {
      const causes = validateObject(mutation.object);
      expect(causes.length, `${mutation} gave no error`).toBeGreaterThan(0);
      expect(fields(causes), `${mutation}: ${lines(causes).join(' | ')}`).toEqual([mutation.path]);
      expect(thrownBy(() => assertValid(mutation.object))).toMatchObject({ status: { reason: 'Invalid', code: 422, details: { causes } } });
    },
  );
});

describe('defaulting', () => {
  it('fills in a pod: namespace default, restartPolicy Always, grace period 30, default-scheduler, TCP ports', () => {
    const p = defaultPod({ kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }] }] } });
    expect(p.metadata.namespace).toBe('default');
    expect(p.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    expect(p.spec!.containers[0]!.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('fills in the rest of a pod as kube-apiserver does: dnsPolicy ClusterFirst, an empty securityContext, service links on, each container\'s termination message in /dev/termination-log', () => {
    const p = defaultPod(pod((p) => (p.spec.initContainers = [{ name: 'setup', image: 'busybox:1.36' }])));
    expect(p.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', securityContext: {}, enableServiceLinks: true });
    for (const container of [...p.spec!.containers, ...p.spec!.initContainers!]) {
      expect(container).toMatchObject({ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    }
    expect([p.spec!.containers[0]!.imagePullPolicy, p.spec!.initContainers![0]!.imagePullPolicy]).toEqual(['Always', 'IfNotPresent']);
    const own = defaultPod(pod((p) => Object.assign(p.spec, { dnsPolicy: 'Default', enableServiceLinks: false, securityContext: { runAsUser: 1000 } })));
    expect(own.spec).toMatchObject({ dnsPolicy: 'Default', enableServiceLinks: false, securityContext: { runAsUser: 1000 } });
  });

  it.each([
    { image: 'nginx', policy: 'Always', why: 'an image with no tag is pulled as latest, which can move, so it is pulled every time' },
    { image: 'nginx:latest', policy: 'Always', why: 'the tag latest can move' },
    { image: 'localhost:5000/team/app', policy: 'Always', why: 'a registry\'s port is not a tag' },
    { image: 'nginx:1.27', policy: 'IfNotPresent', why: 'any other tag is pulled once' },
    { image: 'localhost:5000/app:v2', policy: 'IfNotPresent', why: 'the tag is read in the last part of the name' },
    { image: 'nginx@sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac', policy: 'IfNotPresent', why: 'a digest without a tag cannot move' },
    { image: 'nginx:latest@sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac', policy: 'Always', why: 'a digest does not hide the tag latest' },
    { image: '', policy: 'IfNotPresent', why: 'an empty image has no tag' },
  ])('pulls $image $policy: $why', ({ image, policy }) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });

  it('gives each port of a pod on the node\'s network the node\'s port of the same number, and leaves a template\'s and another pod\'s alone', () => {
    const ports = (spec: Partial<PodSpec>) => ({ ...spec, containers: [{ name: 'app', image: 'nginx', ports: [{ containerPort: 80 }, { containerPort: 9100, hostPort: 9101 }, { containerPort: 53, hostPort: 0 }] }], initContainers: [{ name: 'setup', image: 'nginx', ports: [{ containerPort: 81 }] }] });
    const host = defaultPod({ kind: 'Pod', metadata: { name: 'agent' }, spec: ports({ hostNetwork: true }) });
    expect(host.spec!.containers[0]!.ports!.map((p) => [p.containerPort, p.hostPort])).toEqual([[80, 80], [9100, 9101], [53, 53]]);
    expect(host.spec!.initContainers![0]!.ports![0]!.hostPort).toBe(81);
    expect(defaultPod({ kind: 'Pod', metadata: { name: 'web' }, spec: ports({}) }).spec!.containers[0]!.ports![0]).not.toHaveProperty('hostPort');
    expect(defaultPodSpec(ports({ hostNetwork: true }) as PodSpec).containers[0]!.ports![0]).not.toHaveProperty('hostPort');
  });

  it('keeps what the client set, zero included: restartPolicy Never and a grace period of 0 stay', () => {
    const p = defaultPod(pod((p) => Object.assign(p.spec, { restartPolicy: 'Never', terminationGracePeriodSeconds: 0 })));
    expect(p.spec).toMatchObject({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0 });
  });

  it('gives a container with limits but no request a request equal to its limit', () => {
    const p = defaultPod(pod((p) => (p.spec.containers[0]!.resources = { requests: { cpu: '500m' }, limits: { cpu: '1', memory: '1Gi' } })));
    expect(p.spec!.containers[0]!.resources!.requests).toEqual({ cpu: '500m', memory: '1Gi' });
    const init = defaultPod(pod((p) => (p.spec.initContainers = [{ name: 'setup', image: 'busybox', resources: { limits: { cpu: '1' } } }])));
    expect(init.spec!.initContainers![0]!.resources!.requests).toEqual({ cpu: '1' });
  });

  it('gives a Deployment\'s template no requests from its limits and no enableServiceLinks: only the pods made from it get them, when they are created', () => {
    const d = defaultDeployment(deployment((d) => (d.spec.template.spec!.containers[0]!.resources = { limits: { cpu: '1' } })));
    expect(d.spec!.template.spec!.containers[0]!.resources).toEqual({ limits: { cpu: '1' } });
    expect(d.spec!.template.spec).not.toHaveProperty('enableServiceLinks');
    expect(d.spec!.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', securityContext: {} });
    expect(d.spec!.template.spec!.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePolicy: 'File' });
  });

  it('fills in probes: timeout 1, period 10, success 1, failure 3, httpGet path "/" and scheme HTTP', () => {
    const p = defaultPod(pod((p) => (p.spec.containers[0]!.livenessProbe = { httpGet: { port: 8080 } })));
    expect(p.spec!.containers[0]!.livenessProbe).toEqual({ httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    // a 0 is unset, as Go's zero value is (SetDefaults_Probe): defaulted too; other values stay
    const zeros = defaultPod(pod((p) => (p.spec.containers[0]!.readinessProbe = { exec: { command: ['true'] }, timeoutSeconds: 0, periodSeconds: 0, successThreshold: 0, failureThreshold: 0, initialDelaySeconds: 0 })));
    expect(zeros.spec!.containers[0]!.readinessProbe).toEqual({ exec: { command: ['true'] }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3, initialDelaySeconds: 0 });
    const set = defaultPod(pod((p) => (p.spec.containers[0]!.startupProbe = { tcpSocket: { port: 80 }, timeoutSeconds: 5, periodSeconds: 2, successThreshold: 1, failureThreshold: 30 })));
    expect(set.spec!.containers[0]!.startupProbe).toMatchObject({ timeoutSeconds: 5, periodSeconds: 2, successThreshold: 1, failureThreshold: 30 });
  });

  it('fills in a service: ClusterIP, sessionAffinity None, TCP, targetPort = port; ClientIP sticks for 10800 s', () => {
    const s = defaultService({ kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } });
    expect(s.metadata.namespace).toBe('default');
    expect(s.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None' });
    expect(s.spec!.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }]);
    const sticky = defaultService(service((s) => (s.spec.sessionAffinity = 'ClientIP')));
    expect(sticky.spec!.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it.each([
    { type: 'ClusterIP', internal: 'Cluster', external: undefined, nodePorts: undefined },
    { type: 'NodePort', internal: 'Cluster', external: 'Cluster', nodePorts: undefined },
    { type: 'LoadBalancer', internal: 'Cluster', external: 'Cluster', nodePorts: true },
    { type: 'ExternalName', internal: undefined, external: undefined, nodePorts: undefined },
    { type: 'ClusterIP', externalIPs: ['192.0.2.7'], internal: 'Cluster', external: 'Cluster', nodePorts: undefined },
  ] as const)('gives a $type Service (externalIPs $externalIPs) internalTrafficPolicy $internal, externalTrafficPolicy $external, allocateLoadBalancerNodePorts $nodePorts', ({ type, internal, external, nodePorts, ...rest }) => {
    const externalIPs = ('externalIPs' in rest ? rest.externalIPs : undefined) as readonly string[] | undefined;
    const s = defaultService(service((s) => Object.assign(s.spec, { type }, externalIPs && { externalIPs: [...externalIPs] })));
    expect([s.spec!.internalTrafficPolicy, s.spec!.externalTrafficPolicy, s.spec!.allocateLoadBalancerNodePorts]).toEqual([internal, external, nodePorts]);
    const local = defaultService(service((s) => Object.assign(s.spec, { type: 'NodePort', internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local' })));
    expect(local.spec).toMatchObject({ internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local' });
  });

  it('fills in a deployment: 1 replica, RollingUpdate 25%/25%, 10 revisions, 600 s deadline, its pod template', () => {
    const d = defaultDeployment(deployment());
    expect(d.spec).toMatchObject({ replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 });
    expect(d.spec!.template.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30 });
    const recreate = defaultDeployment(deployment((d) => Object.assign(d.spec, { replicas: 0, strategy: { type: 'Recreate' } })));
    expect(recreate.spec).toMatchObject({ replicas: 0, strategy: { type: 'Recreate' } });
    expect(recreate.spec!.strategy!.rollingUpdate).toBeUndefined();
  });

  it('fills in a ReplicaSet\'s replicas, a Namespace\'s name label and a Node\'s allocatable', () => {
    const rs = defaultReplicaSet({ kind: 'ReplicaSet', metadata: { name: 'web-1' }, spec: { selector: { matchLabels: { app: 'web' } } } });
    expect([rs.spec!.replicas, rs.metadata.namespace]).toEqual([1, 'default']);
    expect(defaultNamespace({ kind: 'Namespace', metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'wrong' } } }).metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(defaultNode({ kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4', pods: '110' } } }).status!.allocatable).toEqual({ cpu: '4', pods: '110' });
  });

  it('applyDefaults picks the defaults by kind and changes the object in place', () => {
    const p = pod((p) => delete p.metadata.namespace);
    expect(applyDefaults(p)).toBe(p);
    expect(p.spec!.restartPolicy).toBe('Always');
    expect(applyDefaults<KubeObject>({ kind: 'ConfigMap', metadata: { name: 'c' } }).metadata.namespace).toBe('default');
    expect(applyDefaults({ kind: 'Service', metadata: { name: 's', namespace: 'x' }, spec: {} } as Service).spec).toMatchObject({ type: 'ClusterIP' });
  });

  it('applyDefaults fills in every kind it knows (Deployment, ReplicaSet, Namespace, Node), and gives no namespace to a Node, a Namespace or an object without a kind', () => {
    const d = applyDefaults<KubeObject>({ kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: {} } } as Deployment) as Deployment;
    expect([d.metadata.namespace, d.spec!.replicas, d.spec!.revisionHistoryLimit, d.spec!.strategy?.type]).toEqual(['default', 1, 10, 'RollingUpdate']);
    const rs = applyDefaults<KubeObject>({ kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { selector: {} } } as KubeObject) as Deployment;
    expect(rs.spec!.replicas).toBe(1);
    expect(applyDefaults<KubeObject>({ kind: 'Namespace', metadata: { name: 'team-a' } })).toStrictEqual({ kind: 'Namespace', metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } } });
    expect(applyDefaults<KubeObject>({ kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4' } } } as Node)).toStrictEqual({ kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4' }, allocatable: { cpu: '4' } } });
    expect(applyDefaults({ metadata: { name: 'x' } } as KubeObject)).toStrictEqual({ metadata: { name: 'x' } });
    expect(applyDefaults<KubeObject>({ kind: 'ClusterRole', metadata: { name: 'view' } })).toStrictEqual({ kind: 'ClusterRole', metadata: { name: 'view' } });
  });

  it('defaulting leaves alone what is not there: no spec, no metadata or name, no status or capacity, a probe without httpGet, an empty limits map; targetPort 0 or "" is the port', () => {
    expect(defaultPod({ kind: 'Pod', metadata: { name: 'p' } })).toStrictEqual({ kind: 'Pod', metadata: { name: 'p', namespace: 'default' } });
    expect(defaultDeployment({ kind: 'Deployment', metadata: { name: 'd' } })).toStrictEqual({ kind: 'Deployment', metadata: { name: 'd', namespace: 'default' } });
    expect(defaultReplicaSet({ kind: 'ReplicaSet', metadata: { name: 'r' } })).toStrictEqual({ kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'default' } });
    expect(defaultNamespace({ kind: 'Namespace' } as Namespace)).toStrictEqual({ kind: 'Namespace' });
    expect(defaultNamespace({ kind: 'Namespace', metadata: {} })).toStrictEqual({ kind: 'Namespace', metadata: {} });
    expect(defaultNode({ kind: 'Node', metadata: { name: 'n' } })).toStrictEqual({ kind: 'Node', metadata: { name: 'n' } });
    expect(defaultNode({ kind: 'Node', metadata: { name: 'n' }, status: {} })).toStrictEqual({ kind: 'Node', metadata: { name: 'n' }, status: {} });
    expect(defaultNode({ kind: 'Node', metadata: { name: 'n' }, status: { capacity: { cpu: '4' }, allocatable: { cpu: '3' } } }).status).toStrictEqual({ capacity: { cpu: '4' }, allocatable: { cpu: '3' } });
    const p = defaultPod(pod((p) => (p.spec.containers = [{ name: 'app', image: 'nginx:1', resources: { limits: {} }, livenessProbe: { exec: { command: ['true'] } } }])));
    expect(p.spec!.containers[0]).toStrictEqual({
      name: 'app',
      image: 'nginx:1',
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: { limits: {} },
      livenessProbe: { exec: { command: ['true'] }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
    });
    const s = defaultService(service((s) => (s.spec.ports = [{ name: 'a', port: 80, targetPort: 0 }, { name: 'b', port: 81, targetPort: '' }])));
    expect(s.spec!.ports!.map((port) => port.targetPort)).toEqual([80, 81]);
  });

  test.prop([fc.oneof(podArb, deploymentArb, serviceArb)])('defaulting only fills in, is idempotent, and keeps a valid object valid', (object) => {
    const once = applyDefaults(structuredClone(object) as KubeObject);
    expect(changedPaths(object, once), 'a value the client set was changed').toEqual([]);
    expect(applyDefaults(structuredClone(once))).toEqual(once);
    expect(lines(validateObject(once))).toEqual([]);
  });
});
