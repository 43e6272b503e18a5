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
 * Where the kubelet knows no cluster DNS a ClusterFirst pod falls back to the node's settings (the
 * kubelet also records a MissingClusterDNS event: not here). A node with no resolv.conf (the
 * kubelet's `--resolv-conf=""`) gives its pods the local machine's resolver, `127.0.0.1`.
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

/** `pod`'s resolver settings on a node with `settings` (see the table above). */
export function podDnsConfigFor(pod: Pod, settings: NodeDnsSettings): PodDnsConfig {
  const type = podDnsTypeOf(pod);
  let base: PodDnsConfig;
  if (type === 'none') base = { nameservers: [], searches: [], options: [] };
  else if (type === 'cluster' && settings.clusterDns) {
    const cluster = podDnsConfig(pod.metadata.namespace ?? 'default', settings.clusterDns, settings.zone ?? CLUSTER_DOMAIN);
    base = { ...cluster, searches: withoutRepeats([...cluster.searches, ...(settings.host?.searches ?? [])]) };
  } else base = settings.host ?? { nameservers: ['127.0.0.1'], searches: ['.'], options: [] };

  const extra = pod.spec?.dnsConfig ?? {};
  return withinLimits({
    nameservers: withoutRepeats([...base.nameservers, ...(extra.nameservers ?? [])]),
    searches: withoutRepeats([...base.searches, ...(extra.searches ?? [])]),
    options: mergeOptions(base.options, (extra.options ?? []).map((o) => (o.value ? `${o.name}:${o.value}` : `${o.name}`))),
  });
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

/** `config` cut to what a resolver reads (formDNSConfigFitsLimits): the first nameservers and search domains that fit. */
function withinLimits(config: PodDnsConfig): PodDnsConfig {
  const searches = config.searches.slice(0, MAX_SEARCHES).filter((s) => s.length <= MAX_SEARCH_LENGTH);
  while (searches.join(' ').length > MAX_SEARCH_CHARS) searches.pop();
  return { ...config, nameservers: config.nameservers.slice(0, MAX_NAMESERVERS), searches };
}
