/**
 * The rules of a pod's `dnsPolicy` and `dnsConfig` (pkg/apis/core/validation/validation.go:
 * `validateDNSPolicy`, `validatePodDNSConfig`), checked for a Pod and for every pod template. What
 * the kubelet makes of them is the given katas/proxy/pod-dns.ts.
 *
 * | the spec | refused with |
 * | --- | --- |
 * | `dnsPolicy: Foo` | `spec.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"` |
 * | `dnsPolicy: None`, no `dnsConfig` | ``spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None`` |
 * | `dnsPolicy: None`, no nameserver | ``spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None`` |
 * | four nameservers | `spec.dnsConfig.nameservers: Invalid value: []string{...}: must not have more than 3 nameservers` |
 * | a nameserver that is no IP | `spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` |
 * | 33 search domains, or 2049 characters of them | `spec.dnsConfig.searches: Invalid value: []string{...}: must not have more than 32 search paths` |
 * | a search domain that is no DNS-1123 subdomain (a trailing dot is fine) | `spec.dnsConfig.searches[0]: Invalid value: "Corp": a lowercase RFC 1123 subdomain ...` |
 * | an option with no name | `spec.dnsConfig.options[0]: Required value: must not be empty` |
 *
 * The policy is defaulted (`ClusterFirst`) before this runs, so an empty one is not met here.
 *
 * This file is given: it is the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * validatePodDns({ containers: [], dnsPolicy: 'None' }, 'spec');
 * // [{ reason: 'FieldValueRequired', field: 'spec.dnsConfig', message: 'Required value: must provide `dnsConfig` when `dnsPolicy` is None' }]
 * ```
 */
import { isIP } from 'node:net';
import type { KubeObject, PodDNSConfig, PodSpec } from '@kube/kit';
import { at, invalidField, requiredField, unsupportedField, type FieldError } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';

/** The policies, sorted as upstream lists them (`sets.List`). */
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];

/** The most nameservers a pod may name (`MaxDNSNameservers`: glibc's resolver reads three). */
export const MAX_DNS_NAMESERVERS = 3;
/** The most search domains a pod may name (`MaxDNSSearchPaths`). */
export const MAX_DNS_SEARCH_PATHS = 32;
/** The longest its search line may be, the spaces between the domains counted (`MaxDNSSearchListChars`). */
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;

/** The dnsPolicy and dnsConfig errors of a pod spec found at `path` (`spec`, `spec.template.spec`). */
export function validatePodDns(spec: PodSpec | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const policy = spec?.dnsPolicy;
  if (policy !== undefined && !DNS_POLICIES.includes(policy)) errors.push(unsupportedField(at(path, 'dnsPolicy'), policy, DNS_POLICIES));
  return [...errors, ...validateDnsConfig(spec?.dnsConfig, policy === 'None', at(path, 'dnsConfig'))];
}

/** The dnsPolicy and dnsConfig errors of a Pod (`template` false) or of a workload's pod template. */
export function validateDnsOf(object: KubeObject, template: boolean): FieldError[] {
  const withSpec = object as KubeObject & { spec?: PodSpec & { template?: { spec?: PodSpec } } };
  return template ? validatePodDns(withSpec.spec?.template?.spec, 'spec.template.spec') : validatePodDns(withSpec.spec, 'spec');
}

function validateDnsConfig(config: PodDNSConfig | undefined, policyIsNone: boolean, path: string): FieldError[] {
  if (policyIsNone && config === undefined) return [requiredField(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
  if (policyIsNone && (config?.nameservers ?? []).length === 0) {
    return [requiredField(at(path, 'nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (config === undefined) return [];
  const errors: FieldError[] = [];
  const nameservers = config.nameservers ?? [];
  if (nameservers.length > MAX_DNS_NAMESERVERS) errors.push(invalidList(at(path, 'nameservers'), nameservers, `must not have more than ${MAX_DNS_NAMESERVERS} nameservers`));
  nameservers.forEach((nameserver, i) => {
    if (!isSloppyIP(nameserver)) errors.push(invalidField(at(path, 'nameservers', i), nameserver, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  const searches = config.searches ?? [];
  if (searches.length > MAX_DNS_SEARCH_PATHS) errors.push(invalidList(at(path, 'searches'), searches, `must not have more than ${MAX_DNS_SEARCH_PATHS} search paths`));
  // the spaces between them count: it is one `search` line
  if (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    errors.push(invalidList(at(path, 'searches'), searches, `must not have more than ${MAX_DNS_SEARCH_LIST_CHARS} characters (including spaces) in the search list`));
  }
  searches.forEach((search, i) => {
    // an absolute name (a trailing dot) is a fine search domain
    const name = search.endsWith('.') ? search.slice(0, -1) : search;
    for (const message of isDNS1123Subdomain(name)) errors.push(invalidField(at(path, 'searches', i), name, message));
  });
  (config.options ?? []).forEach((option, i) => {
    if (!option.name) errors.push(requiredField(at(path, 'options', i), 'must not be empty'));
  });
  return errors;
}

/** A list as Go's `%#v` prints a `[]string`, which is how an Invalid error shows a whole list. */
function invalidList(field: string, list: string[], detail: string): FieldError {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: []string{${list.map((s) => JSON.stringify(s)).join(', ')}}: ${detail}` };
}

/** An IP as Go's netutils.ParseIPSloppy takes it: IPv4 octets may have leading zeros. */
function isSloppyIP(value: string): boolean {
  if (isIP(value) !== 0) return true;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}
