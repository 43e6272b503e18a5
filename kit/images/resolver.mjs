// kubekata's stub resolver for process containers: what glibc does with /etc/resolv.conf, read from
// the environment instead, since a process container has no resolv.conf of its own. Given code.
//
//   KUBE_DNS_SERVER   the cluster DNS server, host:port          (resolv.conf: nameserver)
//   KUBE_DNS_SEARCH   the search path, spaces between             (resolv.conf: search)
//   KUBE_DNS_OPTIONS  options, spaces between; ndots:N is read    (resolv.conf: options ndots:5)
//
// The kubelet of the finished cluster sets them from podDnsConfig (@kube/proxy, kata 28). Use it
// from a script (import { lookup4 } from '.../kit/images/resolver.mjs') or run it with the
// kubekata/node image: `resolver.mjs NAME...` prints one JSON line per name,
//   {"name":"web","fqdn":"web.default.svc.cluster.local","addresses":["127.96.0.12"]}
// and exits 1 when a name does not resolve. Queries go through Node's resolver (c-ares) to
// KUBE_DNS_SERVER only, over UDP, again over TCP when an answer comes back truncated.
import { Resolver } from 'node:dns/promises';
import { pathToFileURL } from 'node:url';

/** The settings in `env`: { server, search: string[], ndots } (ndots 1 when not given, as glibc). */
export function resolverSettings(env = process.env) {
  const server = env.KUBE_DNS_SERVER?.trim().split(/\s+/)[0];
  if (!server) throw new Error('KUBE_DNS_SERVER is not set: it should be the cluster DNS server as host:port, e.g. 127.96.0.10:10053');
  const search = (env.KUBE_DNS_SEARCH ?? '').split(/\s+/).filter(Boolean);
  const ndotsOption = (env.KUBE_DNS_OPTIONS ?? '').split(/\s+/).find((o) => o.startsWith('ndots:'));
  const ndots = ndotsOption ? Number(ndotsOption.slice('ndots:'.length)) : 1;
  if (!Number.isInteger(ndots) || ndots < 0) throw new Error(`KUBE_DNS_OPTIONS has ${ndotsOption}: ndots takes a whole number, e.g. ndots:5`);
  return { server, search, ndots: Math.min(ndots, 15) };
}

/**
 * The names to try for `name`, in order (glibc's res_search): a name ending in a dot is absolute
 * and tried alone; a name with at least `ndots` dots is tried as it is first, then with each
 * search domain; a name with fewer dots is tried with each search domain first, then as it is.
 * No name is tried twice.
 */
export function candidates(name, search, ndots) {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  // `.` is the root: a name searched in it is the name itself (what the kubelet writes when the node has no resolv.conf)
  const searched = search.map((domain) => (domain === '.' ? name : `${name}.${domain}`));
  return [...new Set(dots >= ndots ? [name, ...searched] : [...searched, name])];
}

/**
 * The IPv4 addresses of `name`: the first candidate that has any. A candidate that does not exist
 * (NXDOMAIN) or has no A record (NODATA) moves on to the next; any other failure (REFUSED,
 * SERVFAIL, a timeout) ends the search, as it does in glibc. Resolves to { fqdn, addresses }.
 */
export async function lookup4(name, settings = resolverSettings()) {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([settings.server]);
  for (const fqdn of candidates(name, settings.search, settings.ndots)) {
    try {
      return { fqdn, addresses: await resolver.resolve4(fqdn) };
    } catch (error) {
      if (error?.code === 'ENOTFOUND' || error?.code === 'ENODATA') continue;
      throw error;
    }
  }
  throw Object.assign(new Error(`${name}: no such host (tried ${candidates(name, settings.search, settings.ndots).join(', ')})`), { code: 'ENOTFOUND' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let failed = false;
  for (const name of process.argv.slice(2)) {
    try {
      console.log(JSON.stringify({ name, ...(await lookup4(name)) }));
    } catch (error) {
      failed = true;
      console.log(JSON.stringify({ name, error: error.code ?? 'ERROR', message: error.message }));
    }
  }
  process.exit(failed ? 1 : 0);
}
