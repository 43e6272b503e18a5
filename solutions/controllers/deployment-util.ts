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
import type { Deployment, DeploymentCondition, DeploymentConditionType, DeploymentStatus, KubeObject, PodTemplateSpec, ReplicaSet } from '@kube/kit';

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
  let h = hash;
  for (const byte of bytes) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** The characters of apimachinery's rand: no vowels, so that a hash never spells a word. */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Encodes each character of `s` as one of {@link SAFE_ALPHANUMS} (apimachinery's
 * `rand.SafeEncodeString`): its code modulo 27. A decimal number becomes a name-safe word of
 * the same length: `'1'` (49) is `'5'`, `'0'` (48) is `'4'`.
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

/**
 * The deterministic encoding the hash is taken over: JSON with every object's keys sorted, at
 * every depth, and no spaces. Two templates that are the same object give the same text, whatever
 * order their fields were written in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
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
  let hash = fnv32a(new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv32a(count, hash);
  }
  return safeEncodeString(String(hash));
}

/**
 * Is `a` the same template as `b`, the pod-template-hash label aside (upstream's
 * `EqualIgnoreHash`)? Like apimachinery's semantic equality, a missing map or list, an empty
 * one and a `null` are all the same.
 */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return templateKey(a) === templateKey(b);
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
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  if (!value.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  // What precedes the % must be what Go's strconv.Atoi reads: an optional sign, then digits.
  const digits = value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(value)}: strconv.Atoi: parsing ${JSON.stringify(digits)}: invalid syntax`);
  // N * total first, then / 100: the product is exact, so 0.07 * 100 cannot round up to 8.
  const scaled = (Number(digits) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * How many pods a rolling update may add above `desired` and take below it (upstream's
 * `ResolveFenceposts`): maxSurge rounds up, maxUnavailable rounds down, and when both come to 0
 * one pod may be unavailable — or nothing could ever move.
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
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
  if (!isRollingUpdate(d)) return 0;
  const rolling = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(rolling.maxSurge ?? '25%', rolling.maxUnavailable ?? '25%', replicasOf(d)).surge;
}

/** How many of `replicas` may be unavailable during a rollout (upstream's `MaxUnavailable`): never more than replicas; 0 for Recreate. */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const rolling = d.spec?.strategy?.rollingUpdate ?? {};
  return Math.min(resolveFenceposts(rolling.maxSurge ?? '25%', rolling.maxUnavailable ?? '25%', replicas).unavailable, replicas);
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
  const wanted = templateKey(d.spec?.template);
  return [...rsList].sort(byCreationTimestamp).find((rs) => replicaSetTemplateKey(rs) === wanted);
}

/**
 * What {@link equalIgnoreHash} compares: the template's canonical JSON without the hash label and
 * without empty maps and lists, written in one pass (no copy: every sync asks for it).
 */
function templateKey(template: PodTemplateSpec | undefined): string {
  return keyOf(template ?? {}, '') ?? '';
}

/** The canonical JSON of `value` at `path`, leaving out what is empty and the hash label; undefined when all of it is left out. */
function keyOf(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    return `[${value.map((item) => keyOf(item, `${path}[]`) ?? 'null').join(',')}]`;
  }
  if (typeof value === 'object') {
    const fields: string[] = [];
    for (const key of Object.keys(value).sort()) {
      if (path === '.metadata.labels' && key === POD_TEMPLATE_HASH_LABEL) continue;
      const field = keyOf((value as Record<string, unknown>)[key], `${path}.${key}`);
      if (field !== undefined) fields.push(`${JSON.stringify(key)}:${field}`);
    }
    return fields.length === 0 ? undefined : `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A ReplicaSet's {@link templateKey}, remembered for the object as long as its resourceVersion is
 * the same: every sync asks for the keys of every ReplicaSet of its Deployment, and the informer's
 * objects do not change (a change is a new object with a new resourceVersion).
 */
const templateKeys = new WeakMap<ReplicaSet, { resourceVersion: string; key: string }>();
function replicaSetTemplateKey(rs: ReplicaSet): string {
  const resourceVersion = rs.metadata.resourceVersion;
  const known = templateKeys.get(rs);
  if (known && resourceVersion !== undefined && known.resourceVersion === resourceVersion) return known.key;
  const key = templateKey(rs.spec?.template);
  if (resourceVersion !== undefined) templateKeys.set(rs, { resourceVersion, key });
  return key;
}

/**
 * The old ReplicaSets: every other one (`allOld`), and those of them still asked for pods
 * (`withPods`, spec.replicas > 0) — upstream's `FindOldReplicaSets`. `newRS`: the new one, if already found.
 */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[], newRS = findNewReplicaSet(d, rsList)): { withPods: ReplicaSet[]; allOld: ReplicaSet[] } {
  const allOld = rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
  return { withPods: allOld.filter((rs) => replicasOf(rs) !== 0), allOld };
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
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaledValue(d.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%', replicas, true);
  const current = specReplicaCount(allRSs);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  return replicasOf(newRS) + Math.min(maxTotal - current, replicas - replicasOf(newRS));
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
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [key, value] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  const had = annotations[REVISION_ANNOTATION];
  const old = revisionOf(rs);
  if (Number.isNaN(old)) return changed;
  if (old < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (had !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION];
      annotations[REVISION_HISTORY_ANNOTATION] = history ? `${history},${had}` : had;
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
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
  const available = availableReplicaCount(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specReplicaCount(allRSs) - available),
    ...(d.status?.conditions && { conditions: d.status.conditions.map((c) => ({ ...c })) }),
    ...(d.status?.collisionCount !== undefined && { collisionCount: d.status.collisionCount }),
  };
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setDeploymentCondition(status, newDeploymentCondition('Available', 'True', DeploymentReasons.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setDeploymentCondition(status, newDeploymentCondition('Available', 'False', DeploymentReasons.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
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
  const replicas = replicasOf(d);
  return status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/**
 * The rollout moved since `d.status` (upstream's `DeploymentProgressing`): more updated pods,
 * fewer old ones, more ready or more available.
 */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const before = d.status ?? {};
  const oldBefore = (before.replicas ?? 0) - (before.updatedReplicas ?? 0);
  const oldNow = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (before.updatedReplicas ?? 0) ||
    oldNow < oldBefore ||
    (status.readyReplicas ?? 0) > (before.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (before.availableReplicas ?? 0)
  );
}

/**
 * The rollout has made no progress for progressDeadlineSeconds (upstream's `DeploymentTimedOut`):
 * read from the Progressing condition of `status` — never when it says NewReplicaSetAvailable,
 * always once it says ProgressDeadlineExceeded, else when its lastUpdateTime + the deadline is
 * before `now`.
 */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const condition = getDeploymentCondition(status, 'Progressing');
  if (!condition) return false;
  if (condition.reason === DeploymentReasons.newReplicaSetAvailable) return false;
  if (condition.reason === DeploymentReasons.progressDeadlineExceeded) return true;
  const from = Date.parse(condition.lastUpdateTime ?? '');
  return Number.isFinite(from) && from + d.spec!.progressDeadlineSeconds! * 1000 < now;
}
