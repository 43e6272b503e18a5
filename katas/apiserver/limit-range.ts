/**
 * LimitRanges (core/v1) as kube-apiserver v1.32 stores them, and the LimitRanger admission plugin
 * that applies them to pods (`plugin/pkg/admission/limitranger`). Given code, beyond the katas.
 *
 * ```
 * LimitRange limits: [{type: Container, max: {cpu: 1}, defaultRequest: {cpu: 100m}}]
 *   stored as      [{type: Container, max: {cpu: 1}, default: {cpu: 1}, defaultRequest: {cpu: 100m}}]
 * kubectl run a --image=nginx
 *   the container gets requests {cpu: 100m} and limits {cpu: 1}; the pod the annotation
 *   kubernetes.io/limit-ranger: "LimitRanger plugin set: cpu request for container a; cpu limit for container a"
 * kubectl run b --image=nginx --limits=cpu=2
 *   403 pods "b" is forbidden: maximum cpu usage per Container is 1, but limit is 2
 * ```
 *
 * Only a pod being created is touched (its containers cannot change afterwards), and only pods
 * made after the LimitRange: it is admission, not a controller. Where it simplifies: no
 * PersistentVolumeClaim bounds are enforced (there are no claims here), and comparisons are of
 * exact quantities where upstream compares thousandths.
 */
import type { Container, KubeObject, LimitRange, LimitRangeItem, Pod, StatusCause } from '@kube/kit';
import type { AdmissionPlugin } from './admission.ts';
import type { AdmissionRequest } from './auth-api.ts';
import { at, duplicateField, forbiddenField, invalidField, requiredField } from './field-errors.ts';
import { isDNS1123Subdomain, isQualifiedName } from './names.ts';
import { parseQuantity, type Quantity } from './quantity.ts';
import { canonicalAmounts } from './resource-quota.ts';
import { forbidden } from './status.ts';
import { validateObjectMeta, validateResourceList } from './validation.ts';

/** The annotation that says what the plugin set on a pod. */
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

/** The standard types of a LimitRange item; any other must be a qualified name with a `/`. */
export const LIMIT_TYPES = ['Container', 'Pod', 'PersistentVolumeClaim'] as const;

/** Resources a container or pod bound may name without a domain (standardContainerResources). */
const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

/** Sorted as Go sorts strings. */
function sorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * SetDefaults_LimitRangeItem: a `Container` item without a `default` for a resource takes its
 * `max`; without a `defaultRequest`, its `default`, else its `min`. (Go leaves an empty map out,
 * and writes each amount back in its canonical form: `1024Mi` is `1Gi`.)
 */
export function defaultLimitRange(limitRange: LimitRange): LimitRange {
  for (const item of limitRange.spec?.limits ?? []) {
    for (const part of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      const amounts = canonicalAmounts(item[part]);
      if (amounts !== undefined) item[part] = amounts;
    }
    if (item.type !== 'Container') continue;
    const defaults = { ...item.max, ...item.default };
    const defaultRequests = { ...item.min, ...defaults, ...item.defaultRequest };
    if (Object.keys(defaults).length > 0) item.default = defaults;
    if (Object.keys(defaultRequests).length > 0) item.defaultRequest = defaultRequests;
  }
  return limitRange;
}

/** A resource an item may bound: standard for its type, or qualified with a domain. */
function validateBoundName(type: string, name: string, path: string): StatusCause[] {
  const malformed = isQualifiedName(name);
  if (malformed.length > 0) return malformed.map((message) => invalidField(path, name, message));
  if (name.includes('/')) return [];
  const standard = type === 'PersistentVolumeClaim' ? name === 'storage' : CONTAINER_RESOURCES.includes(name) || name.startsWith('hugepages-');
  return standard ? [] : [invalidField(path, name, type === 'PersistentVolumeClaim' ? 'must be a standard limit type or fully qualified' : 'must be a standard resource for containers')];
}

/** The amounts of one part of an item, parsed; an amount that does not parse is left out (validateResourceList says why). */
function parsed(amounts: Record<string, string> | undefined): Map<string, Quantity> {
  const result = new Map<string, Quantity>();
  for (const [name, text] of Object.entries(amounts ?? {})) {
    try {
      result.set(name, parseQuantity(text));
    } catch {
      // reported by validateResourceList
    }
  }
  return result;
}

/**
 * ValidateLimitRange, in upstream's words: each type once and a known one; a Pod item has no
 * defaults; each resource's amounts in order (min ≤ defaultRequest ≤ default ≤ max), a ratio of at
 * least 1.
 */
export function validateLimitRange(obj: KubeObject): StatusCause[] {
  const limitRange = obj as LimitRange;
  const errors: StatusCause[] = validateObjectMeta(limitRange.metadata, true, isDNS1123Subdomain);
  const seen = new Set<string>();
  (limitRange.spec?.limits ?? []).forEach((item: LimitRangeItem, i) => {
    const path = at('spec.limits', i);
    if (!item.type) errors.push(requiredField(at(path, 'type')));
    else if (isQualifiedName(item.type).length > 0) errors.push(...isQualifiedName(item.type).map((message) => invalidField(at(path, 'type'), item.type, message)));
    else if (!item.type.includes('/') && !(LIMIT_TYPES as readonly string[]).includes(item.type)) errors.push(invalidField(at(path, 'type'), item.type, 'must be a standard limit type or fully qualified'));
    if (seen.has(item.type)) errors.push(duplicateField(at(path, 'type'), item.type));
    seen.add(item.type);
    for (const part of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) {
      if (item.type === 'Pod' && (part === 'default' || part === 'defaultRequest')) {
        if (Object.keys(item[part] ?? {}).length > 0) errors.push(forbiddenField(at(path, part), "may not be specified when `type` is 'Pod'"));
        continue;
      }
      for (const name of sorted(Object.keys(item[part] ?? {}))) errors.push(...validateBoundName(item.type, name, at(path, part, { key: name })));
      errors.push(...validateResourceList(item[part], at(path, part)));
    }
    if (item.type === 'PersistentVolumeClaim' && item.min?.storage === undefined && item.max?.storage === undefined) {
      errors.push(requiredField(at(path, 'limits'), 'either minimum or maximum storage value is required, but neither was provided'));
    }
    const [min, max, defaults, defaultRequests, ratios] = [parsed(item.min), parsed(item.max), parsed(item.default), parsed(item.defaultRequest), parsed(item.maxLimitRequestRatio)];
    const names = sorted(new Set([...min.keys(), ...max.keys(), ...defaults.keys(), ...defaultRequests.keys(), ...ratios.keys()]));
    for (const name of names) {
      const [low, high, limit, request, ratio] = [min.get(name), max.get(name), defaults.get(name), defaultRequests.get(name), ratios.get(name)];
      const above = (a: Quantity | undefined, b: Quantity | undefined) => a !== undefined && b !== undefined && a.cmp(b) > 0;
      if (above(low, high)) errors.push(invalidField(at(path, 'min', { key: name }), low!.toString(), `min value ${low} is greater than max value ${high}`));
      if (above(low, request)) errors.push(invalidField(at(path, 'defaultRequest', { key: name }), request!.toString(), `min value ${low} is greater than default request value ${request}`));
      if (above(request, high)) errors.push(invalidField(at(path, 'defaultRequest', { key: name }), request!.toString(), `default request value ${request} is greater than max value ${high}`));
      if (above(request, limit)) errors.push(invalidField(at(path, 'defaultRequest', { key: name }), request!.toString(), `default request value ${request} is greater than default limit value ${limit}`));
      if (above(low, limit)) errors.push(invalidField(at(path, 'default', { key: name }), low!.toString(), `min value ${low} is greater than default value ${limit}`));
      if (above(limit, high)) errors.push(invalidField(at(path, 'default', { key: name }), high!.toString(), `default value ${limit} is greater than max value ${high}`));
      if (ratio !== undefined && ratio.cmp(parseQuantity('1')) < 0) errors.push(invalidField(at(path, 'maxLimitRequestRatio', { key: name }), ratio.toString(), `ratio ${ratio} is less than 1`));
    }
  });
  return errors;
}

/** A container's requests as Go's defaulting has made them before admission: each limit without a request is one. */
function requestsOf(container: Container): Record<string, string> {
  return { ...container.resources?.limits, ...container.resources?.requests };
}

/**
 * mergeContainerResources: what the container lacks of the defaults, set, and the words the
 * annotation gives it (`cpu, memory request for container app`).
 */
function mergeDefaults(container: Container, limits: Record<string, string>, requests: Record<string, string>, prefix: string): string[] {
  const resources = (container.resources ??= {});
  // Go's defaulting has already made each limit the container names a request too: those are not defaulted.
  const hadRequests = requestsOf(container);
  const setLimits = Object.keys(limits).filter((name) => resources.limits?.[name] === undefined);
  const setRequests = Object.keys(requests).filter((name) => hadRequests[name] === undefined);
  if (setLimits.length > 0) resources.limits = { ...resources.limits, ...Object.fromEntries(setLimits.map((name) => [name, limits[name]!])) };
  if (setRequests.length > 0) resources.requests = { ...resources.requests, ...Object.fromEntries(setRequests.map((name) => [name, requests[name]!])) };
  const words: string[] = [];
  if (setRequests.length > 0) words.push(`${sorted(setRequests).join(', ')} request for ${prefix} ${container.name}`);
  if (setLimits.length > 0) words.push(`${sorted(setLimits).join(', ')} limit for ${prefix} ${container.name}`);
  return words;
}

/** The messages of one bound on one container or pod (minConstraint, maxConstraint, limitRequestRatioConstraint). */
function boundErrors(type: string, item: LimitRangeItem, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string[] {
  const errors: string[] = [];
  for (const [name, low] of sorted(Object.keys(item.min ?? {})).map((n) => [n, parseQuantity(item.min![n]!)] as const)) {
    const request = requests.get(name);
    const limit = limits.get(name);
    if (request === undefined) errors.push(`minimum ${name} usage per ${type} is ${low}.  No request is specified`);
    else if (request.cmp(low) < 0) errors.push(`minimum ${name} usage per ${type} is ${low}, but request is ${request}`);
    else if (limit !== undefined && limit.cmp(low) < 0) errors.push(`minimum ${name} usage per ${type} is ${low}, but limit is ${limit}`);
  }
  for (const [name, high] of sorted(Object.keys(item.max ?? {})).map((n) => [n, parseQuantity(item.max![n]!)] as const)) {
    const request = requests.get(name);
    const limit = limits.get(name);
    if (limit === undefined) errors.push(`maximum ${name} usage per ${type} is ${high}.  No limit is specified`);
    else if (limit.cmp(high) > 0) errors.push(`maximum ${name} usage per ${type} is ${high}, but limit is ${limit}`);
    else if (request !== undefined && request.cmp(high) > 0) errors.push(`maximum ${name} usage per ${type} is ${high}, but request is ${request}`);
  }
  for (const [name, ratio] of sorted(Object.keys(item.maxLimitRequestRatio ?? {})).map((n) => [n, parseQuantity(item.maxLimitRequestRatio![n]!)] as const)) {
    const request = requests.get(name);
    const limit = limits.get(name);
    if (request === undefined || request.isZero()) errors.push(`${name} max limit to request ratio per ${type} is ${ratio}, but no request is specified or request is 0`);
    else if (limit === undefined || limit.isZero()) errors.push(`${name} max limit to request ratio per ${type} is ${ratio}, but no limit is specified or limit is 0`);
    else {
      const observed = limit.milliValue() / request.milliValue();
      // Go's %f: six decimals
      if (observed * 1000 > ratio.milliValue()) errors.push(`${name} max limit to request ratio per ${type} is ${ratio}, but provided ratio is ${observed.toFixed(6)}`);
    }
  }
  return errors;
}

/** Quantities by name. */
function quantities(amounts: Record<string, string>): Map<string, Quantity> {
  return new Map(Object.entries(amounts).map(([name, text]) => [name, parseQuantity(text)]));
}

/** A pod's requests or limits (the plugin's podRequests): its containers' summed, an init container's where larger. */
function podTotal(pod: Pod, of: (container: Container) => Record<string, string>): Map<string, Quantity> {
  const totals = new Map<string, Quantity>();
  for (const container of pod.spec?.containers ?? []) {
    for (const [name, amount] of quantities(of(container))) totals.set(name, totals.get(name)?.add(amount) ?? amount);
  }
  for (const container of pod.spec?.initContainers ?? []) {
    for (const [name, amount] of quantities(of(container))) if (!totals.has(name) || amount.cmp(totals.get(name)!) > 0) totals.set(name, amount);
  }
  return totals;
}

/**
 * The LimitRanger plugin: `admit` gives each container of a new pod what it lacks of each
 * LimitRange's `default` (limits) and `defaultRequest` (requests) and says so in the pod's
 * annotation; `validate` refuses a pod a bound does not allow, with every reason of the first
 * LimitRange it breaks (`[a, b]` when there are several, as Go's aggregate error prints them).
 */
export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  /** @param limitRanges - the namespace's LimitRanges */
  constructor(private readonly limitRanges: (namespace: string) => readonly LimitRange[] | Promise<readonly LimitRange[]>) {}

  private applies(request: AdmissionRequest): request is AdmissionRequest & { object: Pod } {
    const { attributes, operation, object } = request;
    return operation === 'CREATE' && attributes.resource === 'pods' && attributes.subresource === '' && object !== undefined;
  }

  async admit(request: AdmissionRequest): Promise<void> {
    if (!this.applies(request)) return;
    const pod = request.object;
    for (const limitRange of await this.limitRanges(request.attributes.namespace)) {
      const limits: Record<string, string> = {};
      const requests: Record<string, string> = {};
      for (const item of limitRange.spec?.limits ?? []) {
        if (item.type !== 'Container') continue;
        Object.assign(limits, item.default);
        Object.assign(requests, item.defaultRequest);
      }
      const words = [
        ...(pod.spec?.containers ?? []).flatMap((container) => mergeDefaults(container, limits, requests, 'container')),
        ...(pod.spec?.initContainers ?? []).flatMap((container) => mergeDefaults(container, limits, requests, 'init container')),
      ];
      if (words.length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${words.join('; ')}` };
    }
  }

  async validate(request: AdmissionRequest): Promise<void> {
    if (!this.applies(request)) return;
    const pod = request.object;
    const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
    for (const limitRange of await this.limitRanges(request.attributes.namespace)) {
      const errors: string[] = [];
      for (const item of limitRange.spec?.limits ?? []) {
        if (item.type === 'Container') {
          for (const container of containers) errors.push(...boundErrors('Container', item, quantities(requestsOf(container)), quantities(container.resources?.limits ?? {})));
        } else if (item.type === 'Pod') {
          errors.push(...boundErrors('Pod', item, podTotal(pod, requestsOf), podTotal(pod, (c) => c.resources?.limits ?? {})));
        }
      }
      if (errors.length > 0) throw forbidden('pods', pod.metadata.name || pod.metadata.generateName || request.attributes.name, errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`);
    }
  }
}
