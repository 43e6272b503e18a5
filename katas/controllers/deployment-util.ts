/**
 * The arithmetic of a Deployment (kube-controller-manager's pkg/controller/deployment/util and
 * pkg/controller/controller_utils.go): the pod-template-hash that names a new ReplicaSet, which
 * ReplicaSet is new and which are old, how far a rolling update may go (maxSurge, maxUnavailable),
 * revisions, and the status with its conditions. No server here: every function is pure, so that
 * kata 19's controller (deployment.ts) reads as the story of a rollout.
 *
 * ```
 * Deployment web (replicas 4, maxSurge 25% -> 1, maxUnavailable 25% -> 1), template v2:
 *   web-5d8f7c6b9f (v1, old)  4 ──► 3 ──► 1 ──► 0        scaled down while enough stay available
 *   web-66b6c48dd5 (v2, new)  0 ──► 1 ──► 3 ──► 4        scaled up while the total stays <= 5
 * ```
 */
import { NotImplemented, type Deployment, type DeploymentCondition, type DeploymentConditionType, type DeploymentStatus, type KubeObject, type PodTemplateSpec, type ReplicaSet } from '@kube/kit';

/** The label a Deployment adds to its ReplicaSets' selectors, templates and pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The revision of a ReplicaSet (and of its Deployment): 1, 2, 3, ... in rollout order. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** The earlier revisions of a ReplicaSet that was rolled back to: `"1,3"`. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** The Deployment's replicas when it last scaled this ReplicaSet (for proportional scaling). */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** The Deployment's replicas + maxSurge when it last scaled this ReplicaSet. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** Annotations of a Deployment that are never copied to its ReplicaSets (upstream's annotationsToSkip). */
export const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** The reasons of the Progressing and Available conditions (upstream's deployment/util constants). */
export const DeploymentReasons = {
  /** Progressing True: a new ReplicaSet was made */
  newReplicaSetCreated: 'NewReplicaSetCreated',
  /** Progressing True: the new ReplicaSet was already there (adopted, or a deadline newly set) */
  foundNewReplicaSet: 'FoundNewReplicaSet',
  /** Progressing True: pods moved from old to new, or became ready or available */
  replicaSetUpdated: 'ReplicaSetUpdated',
  /** Progressing True: the rollout is complete */
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  /** Progressing False: no progress for progressDeadlineSeconds */
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  /** Progressing False: the new ReplicaSet could not be created */
  replicaSetCreateError: 'ReplicaSetCreateError',
  /** Progressing Unknown: paused, or resumed */
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
  /** Available True / False */
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

// ---- the pod-template-hash ---------------------------------------------------------------------

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, over `bytes`, continuing from `hash` (Go's hash/fnv New32a). */
export function fnv32a(bytes: Uint8Array, hash = FNV_OFFSET_BASIS): number {
  // TODO(19): for each byte: hash ^= byte, then hash = Math.imul(hash, FNV_PRIME) >>> 0; return the hash.
  throw new NotImplemented('19', 'fnv32a');
}

/** The characters of apimachinery's rand: no vowels, so that a hash never spells a word. */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Encodes each character of `s` as one of {@link SAFE_ALPHANUMS} (apimachinery's
 * `rand.SafeEncodeString`): its code modulo 27. A decimal number becomes a name-safe word of
 * the same length: `'1'` (49) is `'5'`, `'0'` (48) is `'4'`.
 */
export function safeEncodeString(s: string): string {
  // TODO(19): each character becomes SAFE_ALPHANUMS[its code % 27].
  throw new NotImplemented('19', 'safeEncodeString');
}

/**
 * The deterministic encoding the hash is taken over: JSON with every object's keys sorted, at
 * every depth, and no spaces. Two templates that are the same object give the same text, whatever
 * order their fields were written in.
 */
export function canonicalJson(value: unknown): string {
  // TODO(19): arrays in order, objects with their keys sorted (undefined values left out), everything else as JSON.stringify writes it; no spaces.
  throw new NotImplemented('19', 'canonicalJson');
}

/**
 * The pod-template-hash of a template (upstream's `controller.ComputeHash`): FNV-1a 32 over the
 * template's {@link canonicalJson} (UTF-8), then, when `collisionCount` is given, over 8 more
 * bytes: the count as a little-endian uint32 and four zeros; the sum's decimal digits, safe-encoded.
 * Upstream hashes Go's printed form of the struct instead of JSON, so the values differ from a
 * real cluster's; their shape (up to 10 of `bcdf456789`) is the same.
 *
 * @example
 * ```ts
 * computeHash(template);      // e.g. '5d8f7c6b9f': the ReplicaSet is web-5d8f7c6b9f
 * computeHash(template, 1);   // another hash, after a collision
 * ```
 */
export function computeHash(template: PodTemplateSpec, collisionCount?: number): string {
  // TODO(19): fnv32a over the UTF-8 bytes of canonicalJson(template); with a collisionCount, on over 8 bytes: the count as a little-endian uint32, then 4 zeros; safeEncodeString of the sum's decimal digits.
  throw new NotImplemented('19', 'computeHash');
}

/**
 * Is `a` the same template as `b`, the pod-template-hash label aside (upstream's
 * `EqualIgnoreHash`)? Like apimachinery's semantic equality, a missing map or list, an empty
 * one and a `null` are all the same.
 */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  // TODO(19): compare both without the pod-template-hash label, leaving out empty maps and lists and nulls (a missing one, an empty one and a null are the same): canonicalJson of such copies, for instance.
  throw new NotImplemented('19', 'equalIgnoreHash');
}

// ---- maxSurge and maxUnavailable ---------------------------------------------------------------

/**
 * A count or a percentage of `total` (apimachinery's `GetScaledValueFromIntOrPercent`): `3` is 3,
 * `"25%"` of 10 is 3 rounded up (2.5), 2 rounded down.
 *
 * @throws Error for a string that does not end in `%`: `invalid value for IntOrString: invalid type: string is not a percentage`;
 *   for one whose number is not whole (as Go's `strconv.Atoi` reads it: a sign, then digits):
 *   `invalid value for IntOrString: invalid value "x5%": strconv.Atoi: parsing "x5": invalid syntax`
 */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  // TODO(19): undefined is 0, a number is itself, "N%" is N% of total rounded up or down; any other string throws the error of the TSDoc.
  throw new NotImplemented('19', 'scaledValue');
}

/**
 * How many pods a rolling update may add above `desired` and take below it (upstream's
 * `ResolveFenceposts`): maxSurge rounds up, maxUnavailable rounds down, and when both come to 0
 * one pod may be unavailable — or nothing could ever move.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  // TODO(19): surge rounded up, unavailable rounded down; both 0: unavailable 1.
  throw new NotImplemented('19', 'resolveFenceposts');
}

/** `spec.replicas`, 1 when unset. */
export function replicasOf(object: Deployment | ReplicaSet | undefined): number {
  return object?.spec?.replicas ?? 1;
}

/** Is this a RollingUpdate Deployment (the default strategy)? */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** How many pods above `replicas` a rollout may make (upstream's `MaxSurge`); 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  // TODO(19): 0 for Recreate; else the surge of resolveFenceposts (maxSurge and maxUnavailable default to 25%).
  throw new NotImplemented('19', 'maxSurge');
}

/** How many of `replicas` may be unavailable during a rollout (upstream's `MaxUnavailable`): never more than replicas; 0 for Recreate. */
export function maxUnavailable(d: Deployment): number {
  // TODO(19): 0 for Recreate or 0 replicas; else the unavailable of resolveFenceposts, at most replicas.
  throw new NotImplemented('19', 'maxUnavailable');
}

// ---- new and old ReplicaSets -------------------------------------------------------------------

/** Oldest first; the same second: by name (upstream's `ReplicaSetsByCreationTimestamp`). */
export function byCreationTimestamp(a: KubeObject, b: KubeObject): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/**
 * The new ReplicaSet: the oldest whose template is the Deployment's, the hash aside (upstream's
 * `FindNewReplicaSet`). Undefined while there is none (a rollout about to start).
 */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  // TODO(19): oldest first (byCreationTimestamp), the first whose template equalIgnoreHash the Deployment's.
  throw new NotImplemented('19', 'findNewReplicaSet');
}

/**
 * The old ReplicaSets: every other one (`allOld`), and those of them still asked for pods
 * (`withPods`, spec.replicas > 0) — upstream's `FindOldReplicaSets`. `newRS`: the new one, if already found.
 */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[], newRS = findNewReplicaSet(d, rsList)): { withPods: ReplicaSet[]; allOld: ReplicaSet[] } {
  // TODO(19): allOld: every ReplicaSet but the new one (by uid); withPods: those with spec.replicas > 0.
  throw new NotImplemented('19', 'findOldReplicaSets');
}

/** The sum of spec.replicas (upstream's `GetReplicaCountForReplicaSets`). */
export function specReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((sum, rs) => sum + (rs ? replicasOf(rs) : 0), 0);
}

/** The sum of status.replicas: pods that exist (upstream's `GetActualReplicaCountForReplicaSets`). */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((sum, rs) => sum + (rs?.status?.replicas ?? 0), 0);
}

/** The sum of status.availableReplicas. */
export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((sum, rs) => sum + (rs?.status?.availableReplicas ?? 0), 0);
}

/** The sum of status.readyReplicas. */
export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((sum, rs) => sum + (rs?.status?.readyReplicas ?? 0), 0);
}

/**
 * How many replicas the new ReplicaSet should have now (upstream's `NewRSNewReplicas`).
 * RollingUpdate: as many more as keep every ReplicaSet's spec.replicas together within
 * `replicas + maxSurge` (maxSurge rounded up, not fenceposted), never more than `replicas`.
 * Recreate: `replicas`.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet): number {
  // TODO(19): Recreate: replicas. RollingUpdate: maxSurge rounded up (not fenceposted); spec.replicas of all >= replicas + surge: as it is; else up by the room left, never beyond replicas.
  throw new NotImplemented('19', 'newRSNewReplicas');
}

// ---- revisions ---------------------------------------------------------------------------------

/** An object's revision annotation as a number: 0 without one, NaN when it is not a number. */
export function revisionOf(object: KubeObject | undefined): number {
  const value = object?.metadata.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  return /^\d+$/.test(value) ? Number(value) : Number.NaN;
}

/** The highest revision of `rss`, 0 for none (those that are not numbers are left out). */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((max, rs) => (Number.isNaN(revisionOf(rs)) ? max : Math.max(max, revisionOf(rs))), 0);
}

/**
 * Writes the annotations a Deployment gives its new ReplicaSet (upstream's
 * `SetNewReplicaSetAnnotations`), changing `rs` in place; true when any changed:
 * - the Deployment's annotations, except {@link ANNOTATIONS_TO_SKIP} (a change-cause travels);
 * - the revision, raised to `newRevision` when it is lower; a ReplicaSet that had a revision and
 *   is raised (rolled back to) keeps its earlier ones in {@link REVISION_HISTORY_ANNOTATION};
 * - for a ReplicaSet about to be made (`exists` false), desired-replicas and max-replicas.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  // TODO(19): copy the Deployment's annotations (not ANNOTATIONS_TO_SKIP); raise the revision to newRevision if lower (a revision it had goes to the end of revision-history); not existing yet: setReplicasAnnotations(rs, replicas, replicas + maxSurge). True when anything changed.
  throw new NotImplemented('19', 'setNewReplicaSetAnnotations');
}

/** Writes desired-replicas and max-replicas on `rs`; true when either changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

// ---- conditions --------------------------------------------------------------------------------

/** A condition stamped `now` (both lastUpdateTime and lastTransitionTime). */
export function newDeploymentCondition(type: DeploymentConditionType, status: 'True' | 'False' | 'Unknown', reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** The condition of `type`, if the status has one. */
export function getDeploymentCondition(status: DeploymentStatus | undefined, type: DeploymentConditionType): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Puts `condition` in `status` (upstream's `SetDeploymentCondition`): the same status and reason
 * as the one there changes nothing; the same status keeps its lastTransitionTime; the condition
 * goes last.
 */
export function setDeploymentCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getDeploymentCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status && current.lastTransitionTime) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

/** Takes the condition of `type` out of `status`. */
export function removeDeploymentCondition(status: DeploymentStatus, type: DeploymentConditionType): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions.length === 0) delete status.conditions;
}

// ---- status ------------------------------------------------------------------------------------

/**
 * The Deployment's status from its ReplicaSets (upstream's `calculateDeploymentStatus`): replicas and ready
 * and available replicas over all of them, updatedReplicas of the new one, unavailableReplicas
 * (spec.replicas over all, minus available, at least 0), observedGeneration, the collisionCount
 * kept; the conditions kept, with Available set: True (MinimumReplicasAvailable, "Deployment has
 * minimum availability.") when available >= replicas - maxUnavailable, else False
 * (MinimumReplicasUnavailable, "Deployment does not have minimum availability.").
 */
export function calculateDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: string): DeploymentStatus {
  // TODO(19): the counts over allRSs (updatedReplicas: newRS's status.replicas), observedGeneration, conditions and collisionCount kept, then Available True or False by replicas - maxUnavailable.
  throw new NotImplemented('19', 'calculateDeploymentStatus');
}

/** A progress deadline is set (upstream's `HasProgressDeadline`: not unset, not MaxInt32). */
export function hasProgressDeadline(d: Deployment): boolean {
  const seconds = d.spec?.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== 2_147_483_647;
}

/**
 * The rollout is complete (upstream's `DeploymentComplete`): every replica updated, no other, all
 * available, and this status describes the current generation.
 */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  // TODO(19): updatedReplicas, replicas and availableReplicas all equal spec.replicas, and observedGeneration >= generation.
  throw new NotImplemented('19', 'deploymentComplete');
}

/**
 * The rollout moved since `d.status` (upstream's `DeploymentProgressing`): more updated pods,
 * fewer old ones, more ready or more available.
 */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  // TODO(19): against d.status: more updated, fewer old (replicas - updated), more ready or more available.
  throw new NotImplemented('19', 'deploymentProgressing');
}

/**
 * The rollout has made no progress for progressDeadlineSeconds (upstream's `DeploymentTimedOut`):
 * read from the Progressing condition of `status` — never when it says NewReplicaSetAvailable,
 * always once it says ProgressDeadlineExceeded, else when its lastUpdateTime + the deadline is
 * before `now`.
 */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  // TODO(19): no deadline or no Progressing condition in status: false; NewReplicaSetAvailable: false; ProgressDeadlineExceeded: true; else lastUpdateTime + deadline < now.
  throw new NotImplemented('19', 'deploymentTimedOut');
}
