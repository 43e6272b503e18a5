/**
 * Counts per topology domain, and which pods an affinity term selects: what InterPodAffinity and
 * PodTopologySpread share. Given.
 *
 * A **topology domain** is a pair (topologyKey, value): the node label `topology.kubernetes.io/zone`
 * with value `a` is the domain "zone a"; `kubernetes.io/hostname` gives one domain per node.
 *
 * @example
 * ```ts
 * const counts = new TopologyCounts();
 * counts.add('topology.kubernetes.io/zone', 'a', 2);
 * counts.get('topology.kubernetes.io/zone', 'a'); // 2
 * counts.get('topology.kubernetes.io/zone', 'b'); // 0
 * ```
 */
import type { Pod, PodAffinityTerm } from '@kube/kit';
import { labelSelectorError, matchesLabelSelector } from '../selectors.ts';

/** A number per topology domain (key, value); 0 for a domain never added to. */
export class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();

  /** Adds `delta` to the domain (key, value). */
  add(key: string, value: string, delta = 1): void {
    let values = this.byKey.get(key);
    if (!values) this.byKey.set(key, (values = new Map()));
    values.set(value, (values.get(value) ?? 0) + delta);
  }

  /** The count of the domain (key, value), 0 when never added to. */
  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  /** The topology keys that have at least one domain. */
  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  /** The domains of `key` and their counts. */
  values(key: string): ReadonlyMap<string, number> {
    return this.byKey.get(key) ?? new Map();
  }

  /** True when no domain was ever added to. */
  get isEmpty(): boolean {
    return this.byKey.size === 0;
  }

  /** The count for the node's domain of `key`: 0 when the node has no such label. */
  forNode(key: string, labels: Readonly<Record<string, string>>): number {
    const value = labels[key];
    return value === undefined ? 0 : this.get(key, value);
  }
}

/** A pod's namespace; a pod without one is in `default`. */
export function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? 'default';
}

/**
 * Does `term`, written on a pod in namespace `ownerNamespace`, select `pod`?
 *
 * - namespaces: `term.namespaces` when non-empty; otherwise, without a namespaceSelector, the
 *   owner's own namespace; a namespaceSelector `{}` adds every namespace (other namespaceSelectors
 *   need namespace labels, which this kata leaves out: they add none);
 * - labels: `term.labelSelector` must match the pod's labels; an absent selector selects no pod.
 */
export function termSelectsPod(term: PodAffinityTerm, ownerNamespace: string, pod: Pod): boolean {
  const namespace = namespaceOf(pod);
  const namespaces = term.namespaces ?? [];
  const selector = term.namespaceSelector;
  // `{}` selects every namespace; an absent selector, none beyond the defaults.
  const everyNamespace = selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  const inNamespace = everyNamespace || (namespaces.length > 0 ? namespaces.includes(namespace) : selector === undefined && namespace === ownerNamespace);
  return inNamespace && matchesLabelSelector(term.labelSelector, pod.metadata.labels);
}

/**
 * Why the pod's affinity terms cannot be parsed, as kube-scheduler's `framework.NewPodInfo` says it
 * (pkg/scheduler/framework/types.go, v1.32), or undefined when every term's labelSelector is fine
 * ({@link labelSelectorError}). The four lists are checked in this order, each up to its first bad
 * term: `requiredAffinityTerms`, `requiredAntiAffinityTerms`, `preferredAffinityTerms`,
 * `preferredAntiAffinityTerms`; one bad list gives `"<list>: <error>"`, several give
 * `"[<list>: <error>, <list>: <error>]"` (Go's aggregate error).
 *
 * @example
 * ```ts
 * affinityTermsError(podWithBadAntiAffinity);
 * // 'requiredAntiAffinityTerms: values[0][app]: Invalid value: "@": a valid label must be ...'
 * ```
 */
export function affinityTermsError(pod: Pod): string | undefined {
  const affinity = pod.spec?.affinity;
  if (!affinity?.podAffinity && !affinity?.podAntiAffinity) return undefined;
  const lists: [string, readonly PodAffinityTerm[]][] = [
    ['requiredAffinityTerms', affinity.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []],
    ['requiredAntiAffinityTerms', affinity.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []],
    ['preferredAffinityTerms', (affinity.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => t.podAffinityTerm)],
    ['preferredAntiAffinityTerms', (affinity.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => t.podAffinityTerm)],
  ];
  const errors: string[] = [];
  for (const [name, terms] of lists) {
    for (const term of terms) {
      const error = labelSelectorError(term.labelSelector);
      if (error !== undefined) {
        errors.push(`${name}: ${error}`);
        break;
      }
    }
  }
  if (errors.length === 0) return undefined;
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
}
