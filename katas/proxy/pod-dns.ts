/**
 * A pod's resolver settings as the kubelet makes them from its `dnsPolicy` and `dnsConfig`
 * (pkg/kubelet/network/dns/dns.go: `GetPodDNS`). Kata 28's {@link podDnsConfig} is the
 * ClusterFirst part; this file chooses between it, the node's own settings and none, then adds the
 * pod's `dnsConfig`.
 *
 * | dnsPolicy | hostNetwork | the base | nameservers |
 * | --- | --- | --- | --- |
 * | ClusterFirst (the default) | no | the cluster's: podDnsConfig, then the node's search domains | the cluster DNS |
 * | ClusterFirst | yes | the node's (as Default) | the node's |
 * | ClusterFirstWithHostNet | either | the cluster's | the cluster DNS |
 * | Default | either | the node's: its resolv.conf | the node's |
 * | None | either | nothing | the pod's dnsConfig only |
 *
 * Then the pod's `dnsConfig` is appended: its nameservers and search domains after the base's,
 * repeats dropped; its options replace the base's of the same name. What is over glibc's limits
 * (3 nameservers, 32 search domains, 2048 characters of them) is cut off the end.
 *
 * Where the kubelet knows no cluster DNS a ClusterFirst pod falls back to the node's settings, and
 * the kubelet warns of it (MissingClusterDNS, on the pod and on the node); what is cut to fit is
 * warned of too (DNSConfigForming, with the line applied). {@link podDnsConfigFor} hands such
 * warnings to its `warn`, in upstream's words. A node with no resolv.conf (the kubelet's
 * `--resolv-conf=""`) gives its pods the local machine's resolver, `127.0.0.1`.
 *
 * This file is given: it is the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * const host = parseResolvConf('nameserver 10.0.0.2\nsearch corp.example\n');
 * const web: Pod = { metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'web', image: 'kubekata/echo' }] } };
 * podDnsConfigFor(web, { clusterDns: '127.96.0.10:10053', host });
 * // { nameservers: ['127.96.0.10:10053'],
 * //   searches: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example'],
 * //   options: ['ndots:5'] }
 * podDnsConfigFor({ ...web, spec: { ...web.spec, dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } } }, { host });
 * // { nameservers: ['1.1.1.1'], searches: [], options: [] }
 * ```
 * @module
 */
import type { Pod } from '@kube/kit';
import { CLUSTER_DOMAIN } from './dns-records.ts';
import { podDnsConfig, type PodDnsConfig } from './dns.ts';

/** What a node knows of DNS: the kubelet's `--cluster-dns`, `--cluster-domain` and `--resolv-conf`. */
export interface NodeDnsSettings {
  /** where cluster DNS answers, `host:port`; none: ClusterFirst pods get the node's settings */
  clusterDns?: string;
  /** default `cluster.local` */
  zone?: string;
  /** the node's own resolver settings ({@link parseResolvConf} of its resolv.conf); none: it has no resolv.conf */
  host?: PodDnsConfig;
}

/**
 * A warning the kubelet records while it forms a pod's settings: an Event of type Warning on the
 * pod, and, for MissingClusterDNS, one on the node too (`nodeMessage`).
 *
 * @example
 * ```ts
 * { reason: 'DNSConfigForming', message: 'Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 127.96.0.10:10053 1.1.1.1 8.8.8.8' }
 * ```
 */
export interface PodDnsWarning {
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
  nodeMessage?: string;
}

/** Which base a pod's settings start from (getPodDNSType). */
export type PodDnsType = 'cluster' | 'host' | 'none';

/** The most a resolv.conf may hold (the API's limits, which glibc's are). */
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_SEARCH_LENGTH = 253;

/** Which base `pod`'s settings start from: ClusterFirst on the host's network is Default. */
export function podDnsTypeOf(pod: Pod): PodDnsType {
  switch (pod.spec?.dnsPolicy ?? 'ClusterFirst') {
    case 'None':
      return 'none';
    case 'ClusterFirstWithHostNet':
      return 'cluster';
    case 'Default':
      return 'host';
    default:
      return pod.spec?.hostNetwork ? 'host' : 'cluster';
  }
}

/** `pod`'s resolver settings on a node with `settings` (see the table above); what the kubelet would warn of goes to `warn`. */
export function podDnsConfigFor(pod: Pod, settings: NodeDnsSettings, warn: (warning: PodDnsWarning) => void = () => {}): PodDnsConfig {
  const type = podDnsTypeOf(pod);
  let base: PodDnsConfig;
  if (type === 'none') base = { nameservers: [], searches: [], options: [] };
  else if (type === 'cluster' && settings.clusterDns) {
    const cluster = podDnsConfig(pod.metadata.namespace ?? 'default', settings.clusterDns, settings.zone ?? CLUSTER_DOMAIN);
    base = { ...cluster, searches: withoutRepeats([...cluster.searches, ...(settings.host?.searches ?? [])]) };
  } else {
    if (type === 'cluster') {
      const nodeMessage = 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.';
      const { name, namespace, uid } = pod.metadata;
      warn({ reason: 'MissingClusterDNS', message: `pod: "${name}_${namespace}(${uid ?? ''})". ${nodeMessage}`, nodeMessage });
    }
    base = settings.host ?? { nameservers: ['127.0.0.1'], searches: ['.'], options: [] };
  }

  const extra = pod.spec?.dnsConfig ?? {};
  return withinLimits(
    {
      nameservers: withoutRepeats([...base.nameservers, ...(extra.nameservers ?? [])]),
      searches: withoutRepeats([...base.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(base.options, (extra.options ?? []).map((o) => (o.value ? `${o.name}:${o.value}` : `${o.name}`))),
    },
    warn,
  );
}

/**
 * The settings in a resolv.conf's text (parseResolvConf): every `nameserver`, the last `search`
 * line's domains (a trailing dot dropped, `.` alone left out), and the `options` (a later one
 * replacing an earlier of the same name). Comments (`#`, `;`) and other lines are skipped.
 *
 * @example
 * ```ts
 * parseResolvConf('# by DHCP\nnameserver 10.0.0.2\nsearch corp.example. .\noptions ndots:2 rotate\n');
 * // { nameservers: ['10.0.0.2'], searches: ['corp.example'], options: ['ndots:2', 'rotate'] }
 * ```
 */
export function parseResolvConf(text: string): PodDnsConfig {
  const config: PodDnsConfig = { nameservers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [keyword, ...values] = line.trim().split(/\s+/);
    if (keyword === 'nameserver' && values[0]) config.nameservers.push(values[0]);
    if (keyword === 'search') config.searches = values.filter((s) => s !== '.').map((s) => (s.endsWith('.') ? s.slice(0, -1) : s));
    if (keyword === 'options') config.options = mergeOptions(config.options, values);
  }
  return config;
}

/** `list` with each value's first place kept (omitDuplicates). */
function withoutRepeats(list: string[]): string[] {
  return [...new Set(list)];
}

/** `base` with each of `more` (`name` or `name:value`) replacing the one of its name, or added after. */
function mergeOptions(base: string[], more: string[]): string[] {
  const byName = new Map<string, string>();
  for (const option of [...base, ...more]) byName.set(option.split(':')[0]!, option);
  return [...byName.values()];
}

/**
 * `config` cut to what a resolver reads (formDNSConfigFitsLimits): the first nameservers and search
 * domains that fit, each cut warned of (DNSConfigForming) with the line that is applied.
 */
function withinLimits(config: PodDnsConfig, warn: (warning: PodDnsWarning) => void): PodDnsConfig {
  const nameservers = config.nameservers.slice(0, MAX_NAMESERVERS);
  if (nameservers.length < config.nameservers.length) {
    warn({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.join(' ')}` });
  }
  const searches = config.searches.slice(0, MAX_SEARCHES).filter((s) => s.length <= MAX_SEARCH_LENGTH);
  while (searches.join(' ').length > MAX_SEARCH_CHARS) searches.pop();
  if (searches.length < config.searches.length) {
    warn({ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}` });
  }
  return { ...config, nameservers, searches };
}
