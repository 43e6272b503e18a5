/**
 * A Service's IP family fields, as the apiserver fills them in before it allocates the Service's
 * addresses (pkg/registry/core/service/storage/alloc.go, `initIPFamilyFields`, and the loose
 * checks of `ValidateServiceClusterIPsRelatedFields` it runs first).
 *
 * `spec.ipFamilies` says which IP families `spec.clusterIPs` are in, in order; `spec.ipFamilyPolicy`
 * how many families the Service wants. The workbook's cluster is single-stack IPv4 (kata 26's
 * Service range), so this file is upstream's rules for that one configuration:
 *
 * | the Service | ipFamilyPolicy | ipFamilies |
 * | --- | --- | --- |
 * | ClusterIP, NodePort, LoadBalancer, or headless with a selector | `SingleStack` (or the old one, on an update) | `[IPv4]` |
 * | headless without a selector (its endpoints are written by hand, in any family) | `RequireDualStack` | `[IPv4, IPv6]` |
 * | ExternalName | none (and none may be set) | none |
 *
 * and it refuses, as a single-stack cluster does, `RequireDualStack` on any other Service
 * (`this cluster is not configured for dual-stack services`), an IPv6 family
 * (`not configured on this cluster`) and an IPv6 cluster IP (`IPv6 is not configured on this
 * cluster`). `kubectl describe svc` shows the two fields as `IP Family Policy` and `IP Families`.
 *
 * The api handler calls it for every Service it creates or replaces when it has kata 26's
 * allocators, just before it asks them for addresses, as upstream's allocateCreate and
 * allocateUpdate begin with it. Without allocators the apiserver stands for no cluster
 * configuration, and a Service is stored as it came.
 *
 * This file is given: it is the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * const web = { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
 * initIPFamilyFields(web);
 * web.spec;  // { ..., ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }
 *
 * const peers = { metadata: { name: 'peers' }, spec: { clusterIP: 'None' } };
 * initIPFamilyFields(peers);
 * peers.spec; // { clusterIP: 'None', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }
 *
 * initIPFamilyFields({ metadata: { name: 'db' }, spec: { ipFamilyPolicy: 'RequireDualStack', ports: [{ port: 5432 }] } });
 * // StatusError 422: Service "db" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services
 * ```
 */
import { isIP } from 'node:net';
import type { IPFamily, IPFamilyPolicy, Service, ServiceSpec } from '@kube/kit';
import { at, duplicateField, forbiddenField, invalidField, unsupportedField, type FieldError } from './field-errors.ts';
import { invalid } from './status.ts';

/** The families a Service may name, and the policies, in upstream's order (sorted). */
const IP_FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES: readonly IPFamilyPolicy[] = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];

/** The one family of this cluster's Service range (kata 26's allocators hand out IPv4 only). */
const CLUSTER_FAMILY: IPFamily = 'IPv4';

/**
 * Fills in `spec.ipFamilyPolicy` and `spec.ipFamilies` of a Service about to be created (`old`
 * absent) or to replace `old`, in place.
 *
 * @throws StatusError Invalid for a family, policy or cluster IP this single-stack IPv4 cluster cannot serve
 */
export function initIPFamilyFields(service: Service, old?: Service): void {
  const spec = (service.spec ??= {});
  const name = service.metadata?.name ?? '';
  const refuse = (errors: FieldError[]) => {
    if (errors.length > 0) throw invalid('Service', name, errors);
  };
  if (spec.type === 'ExternalName') {
    // A name, not an address: no families (ValidateService says so for an ExternalName Service).
    refuse([
      ...((spec.ipFamilies ?? []).length > 0 ? [forbiddenField('spec.ipFamilies', 'may not be set for ExternalName services')] : []),
      ...(spec.ipFamilyPolicy !== undefined ? [forbiddenField('spec.ipFamilyPolicy', 'may not be set for ExternalName services')] : []),
    ]);
    return;
  }
  // An update that leaves out the cluster IPs keeps the old ones (upstream's patchAllocatedValues;
  // here kata 26's allocateUpdate copies them), so the rules read the old ones too.
  const clusterIPs = effectiveClusterIPs(spec, old);
  const selectorless = clusterIPs[0] === 'None' && Object.keys(spec.selector ?? {}).length === 0;

  // No policy: an update keeps the old one; a new Service is SingleStack, but a headless one
  // without a selector, whose endpoints someone writes by hand in any family, wants both.
  spec.ipFamilyPolicy ??= old?.spec?.ipFamilyPolicy ?? (selectorless ? 'RequireDualStack' : 'SingleStack');
  refuse(looseChecks(spec, clusterIPs));

  const policy = spec.ipFamilyPolicy;
  const families = (spec.ipFamilies ??= []);
  const errors: FieldError[] = [];
  if (policy === 'SingleStack') {
    if (clusterIPs.length === 2) errors.push(invalidField('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    if (families.length === 2) errors.push(invalidField('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
  }
  // The families of the cluster IPs asked for, where ipFamilies does not name them yet.
  for (const [i, ip] of clusterIPs.entries()) {
    if (ip === 'None') break;
    if (i < families.length) continue;
    const family = familyOf(ip);
    if (family === CLUSTER_FAMILY) families.push(family);
    else errors.push(invalidList(at('spec', 'clusterIPs', i), clusterIPs, `${family} is not configured on this cluster`));
  }
  refuse(errors);

  if (selectorless) {
    // Allowed any families, even on a single-stack cluster: no address is allocated for them.
    if (families.length === 0) families.push(CLUSTER_FAMILY);
    if (families.length < 2 && policy !== 'SingleStack') families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    return;
  }
  if (policy === 'RequireDualStack') errors.push(invalidField('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
  families.forEach((family, i) => {
    if (family !== CLUSTER_FAMILY) errors.push(invalidField(at('spec', 'ipFamilies', i), family, 'not configured on this cluster'));
  });
  refuse(errors);
  if (families.length === 0) families.push(CLUSTER_FAMILY);
}

/**
 * Keeps `clusterIP` and `clusterIPs` in step before the addresses are allocated (upstream's
 * normalizeClusterIPs, in the Service storage's beginCreate and beginUpdate), for clients that
 * write only `clusterIP` — `kubectl create service clusterip peers --clusterip=None`, or a
 * manifest written before dual stack:
 *
 * - create: `clusterIP` alone is copied into `clusterIPs`;
 * - update: `clusterIPs` left out with `clusterIP` unchanged keeps the stored `clusterIPs`.
 *   (Upstream's further rules for a changed `clusterIP` test that both fields are unchanged,
 *   so they never apply; validation judges such a change.)
 *
 * Every Service the api handler creates or replaces goes through it, with or without allocators.
 */
export function normalizeClusterIPs(service: Service, old?: Service): void {
  const spec = (service.spec ??= {});
  if (old === undefined) {
    if (spec.clusterIP && !spec.clusterIPs?.length) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const before = old.spec ?? {};
  if ((before.clusterIPs ?? []).length > 0 && !spec.clusterIPs?.length && (before.clusterIP ?? '') === (spec.clusterIP ?? '')) spec.clusterIPs = [...before.clusterIPs!];
}

/** The cluster IPs the Service will have: its own, or, on an update that leaves them out, the old ones. */
function effectiveClusterIPs(spec: ServiceSpec, old: Service | undefined): string[] {
  const asked = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  if (asked.length > 0 || old?.spec === undefined || old.spec.type === 'ExternalName') return asked;
  return old.spec.clusterIPs?.length ? old.spec.clusterIPs : old.spec.clusterIP ? [old.spec.clusterIP] : [];
}

/** What is wrong with the fields on their own: unknown or repeated families, an unknown policy, an address of the other family. */
function looseChecks(spec: ServiceSpec, clusterIPs: string[]): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((family, i) => {
    if (!IP_FAMILIES.includes(family)) errors.push(unsupportedField(at('spec', 'ipFamilies', i), family, IP_FAMILIES));
    if (seen.has(family)) errors.push(duplicateField(at('spec', 'ipFamilies', i), family));
    seen.add(family);
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && !IP_FAMILY_POLICIES.includes(policy)) errors.push(unsupportedField('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
  if (clusterIPs[0] !== 'None') {
    clusterIPs.forEach((ip, i) => {
      const expected = spec.ipFamilies?.[i];
      if (expected !== undefined && isIP(ip) !== 0 && familyOf(ip) !== expected) {
        errors.push(invalidField(at('spec', 'clusterIPs', i), ip, `expected an ${expected} value as indicated by \`ipFamilies[${i}]\``));
      }
    });
  }
  return errors;
}

/** An Invalid cause whose value is a list, shown as Go shows a `[]string` (`[]string{"2001:db8::1"}`). */
function invalidList(field: string, values: string[], detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: []string{${values.map((value) => JSON.stringify(value)).join(', ')}}: ${detail}` };
}

function familyOf(ip: string): IPFamily {
  return isIP(ip) === 6 ? 'IPv6' : 'IPv4';
}
