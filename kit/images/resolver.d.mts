/** Types of resolver.mjs, kubekata's stub resolver for process containers (see that file). */

/** What the environment says: the server (`host:port`), the search path, ndots. */
export interface ResolverSettings {
  server: string;
  search: string[];
  ndots: number;
}

/** The settings in `env` (KUBE_DNS_SERVER, KUBE_DNS_SEARCH, KUBE_DNS_OPTIONS); ndots 1 when not given. */
export function resolverSettings(env?: Record<string, string | undefined>): ResolverSettings;

/** The names to try for `name`, in order, as glibc's res_search tries them. */
export function candidates(name: string, search: readonly string[], ndots: number): string[];

/** The IPv4 addresses of the first candidate that has any; rejects with code ENOTFOUND when none does. */
export function lookup4(name: string, settings?: ResolverSettings): Promise<{ fqdn: string; addresses: string[] }>;
