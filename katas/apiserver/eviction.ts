/**
 * The Eviction subresource (pkg/registry/core/pod/storage/eviction.go): `kubectl drain` does not
 * delete a node's pods, it evicts them — POSTs a policy/v1 Eviction to `pods/<name>/eviction` —
 * so that a PodDisruptionBudget can say no. An eviction that goes through marks the pod with the
 * `DisruptionTarget` condition (why it is going away, for its controller and its owner) and then
 * deletes it with the Eviction's DeleteOptions.
 *
 * ```
 * POST /api/v1/namespaces/shop/pods/web-1/eviction
 *   {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"shop"}}
 *   -> 201 {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}
 *      the pod: condition DisruptionTarget=True (EvictionByEvictionAPI), then deleted
 * ```
 *
 * Given code: the HTTP server answers an Eviction itself, after authenticating and authorizing it
 * as kata 10's handler would (`create` on `pods/eviction`: a user may evict pods it may not
 * delete), and discovery lists `pods/eviction`, which is what tells kubectl drain to evict.
 *
 * The PodDisruptionBudget that selects the pod decides, as upstream's checkAndDecrement does:
 *
 * | the pod, the budget | the answer |
 * | --- | --- |
 * | Pending, finished, or being deleted | evicted: it disrupts nothing (no budget asked) |
 * | no budget selects it | evicted |
 * | two or more do | 500 `This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.` |
 * | not Ready, and the budget has its healthy pods (or says `AlwaysAllow`) | evicted, the budget untouched |
 * | the budget's status is older than its spec | 429, cause `The disruption budget web is still being processed by the server.` |
 * | `disruptionsAllowed` 0 | 429 `Cannot evict pod as it would violate the pod's disruption budget.`, cause `The disruption budget web needs 2 healthy pods and has 2 currently` |
 * | else | the budget's status written first (one disruption fewer, the pod in `disruptedPods`), then evicted |
 *
 * `kubectl drain` retries a 429 every 5 s until the disruption controller allows one more. The
 * delete is the registry's, without kata 11's admission and without a `propagationPolicy`'s
 * finalizer (a pod has no dependents here).
 */
import { toRFC3339, type Clock, type Condition, type Pod, type PodCondition, type PodDisruptionBudget } from '@kube/kit';
import type { Authenticator, Authorizer } from './auth-api.ts';
import { decodeBody } from './codec.ts';
import type { DeleteOptions, Registry } from './registry.ts';
import { budgetSelects } from './pdb-strategy.ts';
import { badRequest, conflict, forbidden, invalid, noRouteForMethod, statusOf, StatusError } from './status.ts';
import { authorizedUser } from './impersonation.ts';

/** `/api/v1/namespaces/<ns>/pods/<name>/eviction`: namespace and name. */
const EVICTION_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/;

/** The condition an evicted pod gets before it is deleted (the PodDisruptionConditions feature, on since v1.31). */
export const EVICTION_CONDITION: Readonly<Omit<PodCondition, 'lastTransitionTime'>> = {
  type: 'DisruptionTarget',
  status: 'True',
  reason: 'EvictionByEvictionAPI',
  message: 'Eviction API: evicting',
};

/** An Eviction as it comes, JSON or protobuf: who, and how to delete it. */
interface EvictionBody {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
  deleteOptions?: {
    gracePeriodSeconds?: unknown;
    preconditions?: { uid?: unknown; resourceVersion?: unknown } | null;
    propagationPolicy?: unknown;
    dryRun?: unknown;
  } | null;
}

/** Evicts pods. */
export class PodEvictions {
  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  /** Is this request for a pod's eviction subresource (whatever its method)? */
  static matches(url: string): boolean {
    // Asked of every request: a string test first, no URL parsed.
    return url.includes('/eviction') && EVICTION_PATH.test(url.split('?')[0]!);
  }

  /**
   * Answers an Eviction: the user (from `authenticator`) must be allowed to `create`
   * `pods/eviction`; the pod must exist; then it is marked and deleted, and the answer is a
   * Success Status with code 201, as upstream's. Never throws: a failure is its Status.
   */
  answer(method: string, url: string, headers: Record<string, string | undefined>, body: string | Uint8Array, authenticator: Authenticator | undefined, authorizer: Authorizer | undefined): { code: number; body: unknown } {
    try {
      const { pathname, searchParams } = new URL(url, 'http://apiserver');
      const [, namespace, name] = EVICTION_PATH.exec(pathname)!.map(decodeURIComponent) as [string, string, string];
      const verb = method === 'POST' ? 'create' : method.toLowerCase();
      authorizedUser(headers['authorization'], authenticator, authorizer, { verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'pods', subresource: 'eviction', namespace, name, path: pathname });
      if (method !== 'POST') throw noRouteForMethod(); // the eviction subresource has a POST route only
      const eviction = (decodeBody(body, headers['content-type']) ?? {}) as EvictionBody;
      if (eviction.kind !== undefined && eviction.kind !== 'Eviction') throw badRequest(`not a Eviction object: the body is a ${String(eviction.kind)}`);
      if (eviction.metadata?.name !== name) throw badRequest('name in URL does not match name in Eviction object');
      if (eviction.metadata.namespace !== undefined && eviction.metadata.namespace !== '' && eviction.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      this.evict(namespace, name, deleteOptionsOf(eviction, searchParams.getAll('dryRun')));
      return { code: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
    } catch (error) {
      const status = statusOf(error);
      return { code: status.code ?? 500, body: status };
    }
  }

  /**
   * Marks the pod with {@link EVICTION_CONDITION} (not on a dry run) and deletes it. The
   * preconditions are checked against the pod as it was; a resourceVersion precondition then
   * moves with the condition's write, as upstream's does, so that the delete still holds it.
   */
  private evict(namespace: string, name: string, options: DeleteOptions): void {
    const pod = this.registry.get<Pod>('pods', namespace, name);
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (uid !== undefined && uid !== pod.metadata.uid) {
      throw conflict('Pod', name, `the UID in the precondition (${uid}) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`);
    }
    if (resourceVersion !== undefined && resourceVersion !== pod.metadata.resourceVersion) {
      throw conflict('Pod', name, `the ResourceVersion in the precondition (${resourceVersion}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion}). The object might have been modified`);
    }
    if (!disruptsNothing(pod)) this.checkBudget(pod, options.dryRun ?? false);
    if (options.dryRun) {
      this.registry.delete('pods', namespace, name, options);
      return;
    }
    const marked = withEvictionCondition(pod, toRFC3339(this.clock.now()));
    const written = marked === pod ? pod : this.registry.updateStatus<Pod>('pods', namespace, marked);
    const preconditions = resourceVersion === undefined ? options.preconditions : { ...options.preconditions, resourceVersion: written.metadata.resourceVersion! };
    this.registry.delete('pods', namespace, name, { ...options, ...(preconditions && { preconditions }) });
  }

  /**
   * Asks the budget that selects the pod (see the module's table): throws the refusal, or takes
   * one disruption from it and records the pod among its `disruptedPods` (not on a dry run), so
   * that the disruption controller counts the pod as gone until it is.
   */
  private checkBudget(pod: Pod, dryRun: boolean): void {
    const namespace = pod.metadata.namespace!;
    const budgets = this.registry.list<PodDisruptionBudget>('poddisruptionbudgets', namespace).items.filter((pdb) => budgetSelects(pdb, pod));
    if (budgets.length === 0) return;
    if (budgets.length > 1) {
      // Upstream answers this Status as the eviction's result, with no reason.
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
    }
    const pdb = budgets[0]!;
    const { disruptionsAllowed = 0, currentHealthy = 0, desiredHealthy = 0, disruptedPods = {} } = pdb.status ?? {};
    if (!isPodReady(pod)) {
      // An unready pod does not count as healthy: evicting it takes nothing from a budget that has its pods.
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
      if (currentHealthy >= desiredHealthy && desiredHealthy > 0) return;
    }
    if ((pdb.status?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetRefusal(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
    if (disruptionsAllowed < 0) throw forbidden('poddisruptionbudget.policy', pdb.metadata.name!, 'pdb disruptions allowed is negative');
    if (Object.keys(disruptedPods).length > MAX_DISRUPTED_PODS) throw forbidden('poddisruptionbudget.policy', pdb.metadata.name!, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (disruptionsAllowed === 0) throw budgetRefusal(`The disruption budget ${pdb.metadata.name} needs ${desiredHealthy} healthy pods and has ${currentHealthy} currently`);
    if (dryRun) return;
    const now = toRFC3339(this.clock.now());
    const status = { ...pdb.status!, disruptionsAllowed: disruptionsAllowed - 1, disruptedPods: { ...disruptedPods, [pod.metadata.name!]: now } };
    if (status.disruptionsAllowed === 0) status.conditions = withDisruptionAllowed(status.conditions, 'False', 'InsufficientPods', pdb.status?.observedGeneration, now);
    this.registry.updateStatus<PodDisruptionBudget>('poddisruptionbudgets', namespace, { ...pdb, status });
  }
}

/** How many evictions a budget may have that its controller has not yet seen through (upstream's MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000;

/** Pending, finished or being deleted: evicting it costs its application nothing (upstream's canIgnorePDB). */
function disruptsNothing(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp !== undefined;
}

function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The 429 a budget answers with, its reason as a `DisruptionBudget` cause. */
function budgetRefusal(cause: string, retryAfterSeconds = 0): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: "Cannot evict pod as it would violate the pod's disruption budget.",
    reason: 'TooManyRequests',
    details: { causes: [{ reason: 'DisruptionBudget', message: cause }], ...(retryAfterSeconds > 0 && { retryAfterSeconds }) },
    code: 429,
  });
}

/**
 * The conditions with `DisruptionAllowed` set (apimachinery's SetStatusCondition): its transition
 * time moves only when its status changes. Also the disruption controller's.
 */
export function withDisruptionAllowed(conditions: readonly Condition[] | undefined, status: 'True' | 'False', reason: string, observedGeneration: number | undefined, now: string, message = ''): Condition[] {
  const old = (conditions ?? []).find((c) => c.type === 'DisruptionAllowed');
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : now;
  const condition: Condition = { type: 'DisruptionAllowed', status, ...(observedGeneration !== undefined && { observedGeneration }), lastTransitionTime, reason, message };
  return old ? (conditions ?? []).map((c) => (c === old ? condition : c)) : [...(conditions ?? []), condition];
}

/**
 * The pod with the DisruptionTarget condition set (podutil.UpdatePodCondition): the same pod when
 * it already says so; a condition that changes status gets `now` as its transition time.
 */
function withEvictionCondition(pod: Pod, now: string): Pod {
  const conditions = pod.status?.conditions ?? [];
  const old = conditions.find((c) => c.type === EVICTION_CONDITION.type);
  if (old && old.status === EVICTION_CONDITION.status && old.reason === EVICTION_CONDITION.reason && old.message === EVICTION_CONDITION.message) return pod;
  const lastTransitionTime = old && old.status === EVICTION_CONDITION.status ? (old.lastTransitionTime ?? now) : now;
  const condition: PodCondition = { ...EVICTION_CONDITION, lastTransitionTime };
  const next = old ? conditions.map((c) => (c === old ? condition : c)) : [...conditions, condition];
  return { ...pod, status: { ...pod.status, conditions: next } } as Pod;
}

/**
 * The Eviction's DeleteOptions as the registry takes them, checked as kata 10's DELETE checks
 * them. A dry run may be asked for in the query (`?dryRun=All`) or in the body; asked in both, the
 * two must agree (propagateDryRun).
 */
function deleteOptionsOf(eviction: EvictionBody, queryDryRun: string[]): DeleteOptions {
  const given = eviction.deleteOptions ?? {};
  const bodyDryRun = given.dryRun ?? [];
  if (!Array.isArray(bodyDryRun) || !bodyDryRun.every((value) => typeof value === 'string')) throw badRequest('deleteOptions.dryRun must be a list of strings, such as ["All"]');
  if (bodyDryRun.length > 0 && queryDryRun.length > 0 && bodyDryRun.join('\0') !== queryDryRun.join('\0')) {
    throw badRequest(`Non-matching dry-run options in request and content: [${queryDryRun.join(' ')}] and [${bodyDryRun.join(' ')}]`);
  }
  const dryRun = bodyDryRun.length > 0 ? bodyDryRun : queryDryRun;
  if (!dryRun.every((value) => value === 'All')) {
    throw invalid('DeleteOptions.meta.k8s.io', '', [{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: []string{${dryRun.map((v) => JSON.stringify(v)).join(', ')}}: supported values: "All"` }]);
  }
  const grace = given.gracePeriodSeconds;
  if (grace !== undefined && grace !== null && (typeof grace !== 'number' || !Number.isInteger(grace) || grace < 0)) {
    throw badRequest(`gracePeriodSeconds must be a whole number of seconds >= 0, not ${JSON.stringify(grace)}`);
  }
  const policy = given.propagationPolicy;
  if (policy !== undefined && policy !== null && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw invalid('DeleteOptions.meta.k8s.io', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan"` }]);
  }
  const { uid, resourceVersion } = given.preconditions ?? {};
  const preconditions = {
    ...(typeof uid === 'string' && uid !== '' && { uid }),
    ...(typeof resourceVersion === 'string' && resourceVersion !== '' && { resourceVersion }),
  };
  return {
    ...(dryRun.length > 0 && { dryRun: true }),
    ...(typeof grace === 'number' && { gracePeriodSeconds: grace }),
    ...(Object.keys(preconditions).length > 0 && { preconditions }),
  };
}

