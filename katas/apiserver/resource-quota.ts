/**
 * ResourceQuotas (core/v1) as kube-apiserver v1.32 stores and enforces them: validation, what an
 * object costs (upstream's quota evaluators, `pkg/quota/v1/evaluator/core`), and the ResourceQuota
 * admission plugin (`plugin/pkg/admission/resourcequota`), which refuses a create that would take a
 * namespace over a quota and charges the quota for the ones it lets through. Given code, beyond the
 * katas. The resource quota controller (controllers' resource-quota.ts) counts again what the
 * namespace holds, so what the plugin charged for an object that was never stored, or that is gone,
 * comes back.
 *
 * ```
 * kubectl create quota small --hard=pods=2,requests.cpu=1
 *   status {}                                       (until the controller counts)
 *   status {hard: {pods: 2, requests.cpu: 1}, used: {pods: 0, requests.cpu: 0}}
 * kubectl run a --image=nginx
 *   403 pods "a" is forbidden: failed quota: small: must specify requests.cpu for: a
 * kubectl run a --image=nginx --overrides='...requests: {cpu: 600m}...'    used {pods: 1, requests.cpu: 600m}
 * kubectl run b ... cpu: 600m
 *   403 pods "b" is forbidden: exceeded quota: small, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1
 * ```
 *
 * What an object costs ({@link quotaUsage}):
 *
 * | object | resources |
 * | --- | --- |
 * | any namespaced object | `count/<resource>.<group>` (`count/deployments.apps`; core: `count/configmaps`): 1 |
 * | a Service, Secret, ConfigMap, ResourceQuota | also its legacy name (`services`, ...): 1 |
 * | a Service of type NodePort or LoadBalancer | `services.nodeports`: its ports; a LoadBalancer `services.loadbalancers`: 1 |
 * | a PersistentVolumeClaim | `persistentvolumeclaims`: 1; `requests.storage`: its request; both per class too (`fast.storageclass.storage.k8s.io/requests.storage`) |
 * | a pod that has not finished | `pods`: 1; `requests.cpu` (and `cpu`), `requests.memory` (and `memory`), `limits.cpu`, `limits.memory`, ephemeral storage: its containers' summed (an init container's, when larger) |
 *
 * A limit without a request is a request of the limit, as Go's defaulting of a decoded pod makes
 * it before admission runs. Creates are charged, and a Service's updates (what the new type adds).
 * Where it simplifies: a pod's in-place resize is not charged; no huge pages or extended resources
 * beyond `requests.<name>`; no admission configuration (`limitedResources`).
 */
import type { KubeObject, PersistentVolumeClaim, Pod, ResourceQuota, Service, StatusCause } from '@kube/kit';
import type { AdmissionPlugin } from './admission.ts';
import type { AdmissionRequest } from './auth-api.ts';
import { at, invalidField, unsupportedField } from './field-errors.ts';
import { isDNS1123Subdomain, isQualifiedName } from './names.ts';
import { podQOSClass } from './qos.ts';
import { parseQuantity, type Quantity } from './quantity.ts';
import type { ResourceType } from './resources.ts';
import { forbidden, isStatusError } from './status.ts';
import { validateObjectMeta, validateResourceList } from './validation.ts';

/** Amounts by quota resource name, as a quota's status writes them: `{ pods: '2', 'requests.cpu': '500m' }`. */
export type ResourceAmounts = Record<string, string>;

/** The names a quota may cap without a `/` (upstream's standardQuotaResources); others are `count/...` or `requests.<domain>/<name>`. */
export const STANDARD_QUOTA_RESOURCES: readonly string[] = [
  'configmaps',
  'cpu',
  'ephemeral-storage',
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'memory',
  'persistentvolumeclaims',
  'pods',
  'replicationcontrollers',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
  'requests.storage',
  'resourcequotas',
  'secrets',
  'services',
  'services.loadbalancers',
  'services.nodeports',
];

/** The scopes a quota may name (`spec.scopes`, or a scopeSelector's scopeName). */
export const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'] as const;

/** The resources a pod is charged for (podResources), besides `count/pods`. */
const POD_RESOURCES = ['cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods'];

/** The resources a Service is charged for, besides `count/services`. */
const SERVICE_RESOURCES = ['services', 'services.nodeports', 'services.loadbalancers'];

/** Core kinds whose count a quota may cap by the resource's own name. */
const LEGACY_COUNTED = ['configmaps', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas', 'secrets', 'services'];

/**
 * What every container must name once a quota caps it (upstream's validationSet: "it was a
 * mistake", kept for compatibility): a quota on `requests.cpu` refuses a pod with a container that
 * requests no cpu.
 */
const MUST_SPECIFY = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

/** Sorted as Go sorts strings (by UTF-16 code unit, which for these names is by byte). */
function sorted(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `count/deployments.apps`, `count/pods`: the name a quota counts a resource's objects by. */
export function objectCountName(resource: string, group: string): string {
  return group === '' ? `count/${resource}` : `count/${resource}.${group}`;
}

/**
 * ValidateResourceQuota: the metadata; each hard resource a standard name, a qualified one, or one
 * with a `/`; each amount a non-negative quantity; each scope one of {@link QUOTA_SCOPES}, with
 * scopeSelector operators that fit it.
 */
export function validateResourceQuota(obj: KubeObject): StatusCause[] {
  const quota = obj as ResourceQuota;
  const errors: StatusCause[] = validateObjectMeta(quota.metadata, true, isDNS1123Subdomain);
  for (const [part, amounts] of [['spec.hard', quota.spec?.hard], ['status.hard', quota.status?.hard], ['status.used', quota.status?.used]] as const) {
    for (const name of sorted(Object.keys(amounts ?? {}))) {
      const malformed = isQualifiedName(name);
      if (malformed.length > 0) errors.push(...malformed.map((message) => invalidField(at(part, { key: name }), name, message)));
      else if (!name.includes('/') && !STANDARD_QUOTA_RESOURCES.includes(name)) errors.push(invalidField(at(part, { key: name }), name, 'must be a standard resource for quota'));
    }
    errors.push(...validateResourceList(amounts, part));
  }
  (quota.spec?.scopes ?? []).forEach((scope, i) => {
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) errors.push(unsupportedField(at('spec.scopes', i), scope, QUOTA_SCOPES));
  });
  (quota.spec?.scopeSelector?.matchExpressions ?? []).forEach((requirement, i) => {
    const path = at('spec.scopeSelector.matchExpressions', i);
    if (!(QUOTA_SCOPES as readonly string[]).includes(requirement.scopeName)) errors.push(unsupportedField(at(path, 'scopeName'), requirement.scopeName, QUOTA_SCOPES));
    const values = requirement.values ?? [];
    if (requirement.operator === 'In' || requirement.operator === 'NotIn') {
      if (values.length === 0) errors.push(invalidField(at(path, 'values'), values, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
    } else if (requirement.operator === 'Exists' || requirement.operator === 'DoesNotExist') {
      if (values.length > 0) errors.push(invalidField(at(path, 'values'), values, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'));
    } else {
      errors.push(unsupportedField(at(path, 'operator'), requirement.operator, ['DoesNotExist', 'Exists', 'In', 'NotIn']));
    }
  });
  return errors;
}

/** Writes each amount as Go writes a quantity back (`1024Mi` is `1Gi`, `0.5` is `500m`); one that does not parse is left for validation. */
export function canonicalAmounts(amounts: ResourceAmounts | undefined): ResourceAmounts | undefined {
  if (amounts === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(amounts).map(([name, text]) => {
      try {
        return [name, parseQuantity(String(text)).toString()];
      } catch {
        return [name, text];
      }
    }),
  );
}

/** A quota as Go stores it: each amount, of the spec and the status, in its canonical form. */
export function defaultResourceQuota(quota: ResourceQuota): ResourceQuota {
  if (quota.spec?.hard) quota.spec.hard = canonicalAmounts(quota.spec.hard);
  if (quota.status?.hard) quota.status.hard = canonicalAmounts(quota.status.hard);
  if (quota.status?.used) quota.status.used = canonicalAmounts(quota.status.used);
  return quota;
}

/**
 * Is a pod charged for compute (QuotaV1Pod)? Not once it has finished, nor once it has been
 * deleted for longer than its grace period (a pod stuck terminating on a lost node).
 */
export function podCharged(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (deletionTimestamp !== undefined && deletionGracePeriodSeconds !== undefined) {
    return now <= Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000;
  }
  return true;
}

/** A container's requests, each limit without a request counted as one (Go's defaulting has made it so before admission). */
function requestsOf(resources: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined): Record<string, string> {
  return { ...resources?.limits, ...resources?.requests };
}

/** `a + b` by name; a name in only one keeps its amount (quota.Add). */
export function addAmounts(a: ResourceAmounts, b: ResourceAmounts): ResourceAmounts {
  const result: ResourceAmounts = {};
  for (const [name, text] of Object.entries(a)) result[name] = name in b ? parseQuantity(text).add(parseQuantity(b[name]!)).toString() : text;
  for (const [name, text] of Object.entries(b)) if (!(name in result)) result[name] = text;
  return result;
}

/** Only the names in `names` (quota.Mask). */
export function maskAmounts(amounts: ResourceAmounts, names: Iterable<string>): ResourceAmounts {
  const keep = new Set(names);
  return Object.fromEntries(Object.entries(amounts).filter(([name]) => keep.has(name)));
}

/** The larger of each resource over the lists (an init container's amount against the others' sum). */
function maxOf(totals: Map<string, Quantity>, amounts: Record<string, string>): void {
  for (const [name, text] of Object.entries(amounts)) {
    const amount = parseQuantity(text);
    const total = totals.get(name);
    if (total === undefined || amount.cmp(total) > 0) totals.set(name, amount);
  }
}

/** A pod's requests or limits (resourcehelper.PodRequests): its containers summed, an init container's when larger (no RuntimeClass overhead here). */
function podAmounts(pod: Pod, which: 'requests' | 'limits'): Map<string, Quantity> {
  const totals = new Map<string, Quantity>();
  for (const container of pod.spec?.containers ?? []) {
    const amounts = which === 'requests' ? requestsOf(container.resources) : (container.resources?.limits ?? {});
    for (const [name, text] of Object.entries(amounts)) {
      const total = totals.get(name);
      totals.set(name, total === undefined ? parseQuantity(text) : total.add(parseQuantity(text)));
    }
  }
  for (const container of pod.spec?.initContainers ?? []) maxOf(totals, which === 'requests' ? requestsOf(container.resources) : (container.resources?.limits ?? {}));
  return totals;
}

/** podComputeUsageHelper: what one pod (or, for the constraints, one container) is charged for compute. */
function computeUsage(requests: Map<string, Quantity>, limits: Map<string, Quantity>): ResourceAmounts {
  const usage: ResourceAmounts = { pods: '1' };
  for (const name of ['cpu', 'memory', 'ephemeral-storage']) {
    const request = requests.get(name);
    if (request !== undefined) usage[name] = usage[`requests.${name}`] = request.toString();
    const limit = limits.get(name);
    if (limit !== undefined) usage[`limits.${name}`] = limit.toString();
  }
  for (const [name, request] of requests) {
    if (!name.includes('/') || name.startsWith('kubernetes.io/') || name.includes('.kubernetes.io/')) continue;
    usage[`requests.${name}`] = request.toString(); // an extended resource: quota'd as requests.<name> only
  }
  return usage;
}

/** Quantities by name from a plain list. */
function quantities(amounts: Record<string, string>): Map<string, Quantity> {
  return new Map(Object.entries(amounts).map(([name, text]) => [name, parseQuantity(text)]));
}

/**
 * What one object costs, by quota resource name (see the module's table). `resource` and `group`
 * say what it is: `('pods', '')`, `('deployments', 'apps')`; `now` (epoch ms) decides whether a
 * pod deleted long ago still counts.
 *
 * @example
 * ```ts
 * quotaUsage('pods', '', { metadata: { name: 'a' }, spec: { containers: [{ name: 'a', image: 'nginx', resources: { limits: { cpu: '1' } } }] } }, now);
 * // { 'count/pods': '1', pods: '1', cpu: '1', 'requests.cpu': '1', 'limits.cpu': '1' }
 * ```
 */
export function quotaUsage(resource: string, group: string, object: KubeObject, now: number): ResourceAmounts {
  const usage: ResourceAmounts = { [objectCountName(resource, group)]: '1' };
  if (group !== '') return usage;
  if (resource === 'pods') {
    const pod = object as Pod;
    // count/pods counts every pod stored; the rest only pods that still run (or may)
    if (!podCharged(pod, now)) return usage;
    return { ...usage, ...computeUsage(podAmounts(pod, 'requests'), podAmounts(pod, 'limits')) };
  }
  if (LEGACY_COUNTED.includes(resource)) usage[resource] = '1';
  if (resource === 'persistentvolumeclaims') Object.assign(usage, claimUsage(object as PersistentVolumeClaim));
  if (resource === 'services') {
    const spec = (object as Service).spec;
    const ports = String(spec?.ports?.length ?? 0);
    if (spec?.type === 'NodePort') usage['services.nodeports'] = ports;
    if (spec?.type === 'LoadBalancer') Object.assign(usage, { 'services.nodeports': ports, 'services.loadbalancers': '1' });
  }
  return usage;
}

/** Of `names`, those an object of this resource can be charged for (an evaluator's MatchingResources). */
export function matchingResources(resource: string, group: string, names: Iterable<string>): string[] {
  const own = new Set([objectCountName(resource, group)]);
  if (group === '' && resource === 'pods') POD_RESOURCES.forEach((name) => own.add(name));
  else if (group === '' && resource === 'services') SERVICE_RESOURCES.forEach((name) => own.add(name));
  else if (group === '' && LEGACY_COUNTED.includes(resource)) own.add(resource);
  if (group === '' && resource === 'persistentvolumeclaims') own.add('requests.storage');
  const isPods = group === '' && resource === 'pods';
  const isClaims = group === '' && resource === 'persistentvolumeclaims';
  const byClass = (name: string) => [`${STORAGE_CLASS_SUFFIX}requests.storage`, `${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`].some((tail) => name.endsWith(tail) && name.length > tail.length);
  return [...names].filter((name) => own.has(name) || (isPods && name.startsWith('requests.') && name.includes('/')) || (isClaims && byClass(name)));
}

/** What a quota name for one StorageClass's claims has between the class and the resource: `fast.storageclass.storage.k8s.io/requests.storage`. */
export const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

/**
 * A claim's cost beyond its count (the pvc evaluator's Usage): `requests.storage` its request,
 * and, when it names a class, the same per class — `<class>.storageclass.storage.k8s.io/requests.storage`
 * and `<class>.storageclass.storage.k8s.io/persistentvolumeclaims`.
 */
function claimUsage(claim: PersistentVolumeClaim): ResourceAmounts {
  const usage: ResourceAmounts = {};
  const storage = claim.spec?.resources?.requests?.storage;
  if (storage !== undefined) usage['requests.storage'] = String(storage);
  const className = claim.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? claim.spec?.storageClassName ?? '';
  if (className !== '') {
    usage[`${className}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
    if (storage !== undefined) usage[`${className}${STORAGE_CLASS_SUFFIX}requests.storage`] = String(storage);
  }
  return usage;
}

/** Does a pod fall in one scope requirement (podMatchesScopeFunc)? */
function podInScope(pod: Pod, requirement: { scopeName: string; operator: string; values?: string[] }): boolean {
  const spec = pod.spec;
  switch (requirement.scopeName) {
    case 'Terminating':
      return (spec?.activeDeadlineSeconds ?? -1) >= 0;
    case 'NotTerminating':
      return !((spec?.activeDeadlineSeconds ?? -1) >= 0);
    case 'BestEffort':
      return podQOSClass(pod) === 'BestEffort';
    case 'NotBestEffort':
      return podQOSClass(pod) !== 'BestEffort';
    case 'PriorityClass': {
      const name = spec?.priorityClassName ?? '';
      if (requirement.operator === 'Exists') return name !== '';
      if (requirement.operator === 'DoesNotExist') return name === '';
      const listed = name !== '' && (requirement.values ?? []).includes(name);
      return requirement.operator === 'In' ? listed : !listed;
    }
    case 'CrossNamespacePodAffinity': {
      const affinity = spec?.affinity;
      const terms = [
        ...(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((weighted) => weighted.podAffinityTerm),
        ...(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((weighted) => weighted.podAffinityTerm),
      ];
      return terms.some((term) => (term.namespaces ?? []).length > 0 || term.namespaceSelector !== undefined);
    }
    default:
      return false;
  }
}

/**
 * Does the quota count this object (generic.Matches)? It must cap something the object costs, in
 * the `status.hard` the controller has written, and the object must fall in every one of its scopes; only pods have scopes, so a quota with any
 * counts no other kind.
 */
export function quotaMatches(quota: ResourceQuota, resource: string, group: string, object: KubeObject): boolean {
  // What the controller has counted it for: a quota it has not yet seen matches nothing (status.hard, as upstream).
  if (matchingResources(resource, group, Object.keys(quota.status?.hard ?? {})).length === 0) return false;
  const scopes = [...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
  if (scopes.length === 0) return true;
  return group === '' && resource === 'pods' && scopes.every((scope) => podInScope(object as Pod, scope));
}

/**
 * The pod evaluator's Constraints: once a quota caps one of cpu or memory, every container (init
 * containers too) must name it. The message upstream gives, or undefined.
 *
 * @example
 * ```ts
 * missingResources(['requests.cpu', 'pods'], pod);   // 'must specify requests.cpu for: app,sidecar'
 * ```
 */
export function missingResources(capped: readonly string[], pod: Pod): string | undefined {
  const required = capped.filter((name) => MUST_SPECIFY.includes(name));
  const missing = new Map<string, Set<string>>();
  for (const container of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const given = computeUsage(quantities(requestsOf(container.resources)), quantities(container.resources?.limits ?? {}));
    for (const name of required) {
      if (given[name] === undefined) missing.set(name, (missing.get(name) ?? new Set()).add(container.name));
    }
  }
  if (missing.size === 0) return undefined;
  return `must specify ${sorted(missing.keys())
    .map((name) => `${name} for: ${sorted(missing.get(name)!).join(',')}`)
    .join('; ')}`;
}

/** `pods=1,requests.cpu=500m`: amounts sorted by name (prettyPrint). */
function prettyPrint(amounts: ResourceAmounts): string {
  return sorted(Object.keys(amounts))
    .map((name) => `${name}=${amounts[name]}`)
    .join(',');
}

/** How the admission plugin reads a namespace's quotas and writes one's status (a Conflict when it changed since it was read). */
export interface QuotaAccessor {
  list(namespace: string): readonly ResourceQuota[] | Promise<readonly ResourceQuota[]>;
  updateStatus(quota: ResourceQuota): ResourceQuota | Promise<ResourceQuota>;
}

/** How many times the plugin reads the quotas again after another writer changed one between its read and its write. */
const CONFLICT_RETRIES = 3;

/**
 * The ResourceQuota admission plugin (validating, last in the chain, as upstream runs it): a
 * create that would take a quota's `used` over its `hard` is refused, one that fits is charged
 * (the quota's status written before the object is stored). A quota the controller has not yet
 * counted counts nothing; one whose `used` lacks a resource it caps refuses (`status unknown for
 * quota`). A dry run is checked, not charged.
 */
export class ResourceQuotaAdmission implements AdmissionPlugin {
  readonly name = 'ResourceQuota';

  /**
   * @param quotas - reads a namespace's quotas and writes one's status
   * @param now - epoch milliseconds, the clock's
   * @param resourceType - the apiserver's type of a resource (its group, defaults and validation): RESOURCES.get
   */
  constructor(
    private readonly quotas: QuotaAccessor,
    private readonly now: () => number,
    private readonly resourceType: (resource: string) => ResourceType | undefined,
  ) {}

  async validate(request: AdmissionRequest): Promise<void> {
    const { attributes, operation, object } = request;
    // Creates are charged; of updates, only a Service's (its type may now take node ports or a load balancer).
    const chargeable = operation === 'CREATE' || (operation === 'UPDATE' && attributes.resource === 'services');
    if (!chargeable || attributes.subresource !== '' || attributes.namespace === '' || !object) return;
    const type = this.resourceType(attributes.resource);
    if (!type?.namespaced) return;
    // Most namespaces have no quota that counts this kind: no copy, defaults or validation of the object then.
    let quotas = await this.quotas.list(attributes.namespace);
    if (!quotas.some((quota) => matchingResources(type.resource, type.group, Object.keys(quota.status?.hard ?? {})).length > 0)) return;
    // The object as it will be stored. Upstream validates it before its validating admission runs, so a
    // quota is never charged for an object the store refuses; here the registry validates after: look first.
    const stored = structuredClone(object);
    stored.kind ??= type.kind;
    type.defaults?.(stored);
    if ((type.validate?.(stored) ?? []).length > 0) return;
    const name = object.metadata?.name || object.metadata?.generateName || attributes.name;
    const qualified = type.group === '' ? type.resource : `${type.resource}.${type.group}`;
    for (let attempt = 1; ; attempt++) {
      const charges = this.check(quotas, type.resource, type.group, stored, request.oldObject, (why) => forbidden(qualified, name, why));
      if (request.dryRun) return;
      try {
        for (const charged of charges) await this.quotas.updateStatus(charged);
        return;
      } catch (error) {
        if (!isStatusError(error, 'Conflict') || attempt >= CONFLICT_RETRIES) throw error;
        quotas = await this.quotas.list(attributes.namespace); // another writer charged them first: read them again
      }
    }
  }

  /**
   * The quotas with their new `used`, or the refusal (checkQuotas for one object). An update is
   * charged only what it adds to what the object it replaces already cost (upstream's
   * SubtractWithNonNegativeResult): a Service made a NodePort costs its ports, one made a
   * ClusterIP again costs nothing (the controller gives the ports back).
   */
  private check(quotas: readonly ResourceQuota[], resource: string, group: string, object: KubeObject, old: KubeObject | undefined, refuse: (why: string) => Error): ResourceQuota[] {
    const now = this.now();
    const before = old === undefined ? {} : quotaUsage(resource, group, old, now);
    const delta = Object.fromEntries(
      Object.entries(quotaUsage(resource, group, object, now))
        .map(([name, text]) => [name, before[name] === undefined ? parseQuantity(text) : parseQuantity(text).sub(parseQuantity(before[name]))] as const)
        .filter(([, amount]) => amount.cmp(parseQuantity('0')) > 0)
        .map(([name, amount]) => [name, amount.toString()]),
    );
    const charged: ResourceQuota[] = [];
    for (const quota of [...quotas].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1))) {
      if (!quotaMatches(quota, resource, group, object)) continue;
      const hard = quota.status?.hard ?? {};
      const capped = matchingResources(resource, group, Object.keys(hard));
      const constraint = resource === 'pods' && group === '' ? missingResources(capped, object as Pod) : undefined;
      if (constraint) throw refuse(`failed quota: ${quota.metadata.name}: ${constraint}`);
      const unknown = capped.filter((name) => quota.status?.used?.[name] === undefined);
      if (unknown.length > 0) throw refuse(`status unknown for quota: ${quota.metadata.name}, resources: ${sorted(unknown).join(',')}`);
      const requested = maskAmounts(delta, Object.keys(hard));
      if (Object.keys(requested).length === 0) continue;
      const used = quota.status?.used ?? {};
      const newUsed = addAmounts(used, requested);
      const exceeded = Object.keys(requested).filter((name) => parseQuantity(newUsed[name]!).cmp(parseQuantity(hard[name]!)) > 0);
      if (exceeded.length > 0) {
        throw refuse(`exceeded quota: ${quota.metadata.name}, requested: ${prettyPrint(maskAmounts(requested, exceeded))}, used: ${prettyPrint(maskAmounts(used, exceeded))}, limited: ${prettyPrint(maskAmounts(hard, exceeded))}`);
      }
      charged.push({ ...quota, status: { ...quota.status, used: newUsed } });
    }
    return charged;
  }
}
