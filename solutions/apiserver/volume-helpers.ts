/**
 * What the persistent volume controller and the scheduler's VolumeBinding plugin both ask of a
 * claim and a volume (upstream: k8s.io/component-helpers/storage/volume, pv_helpers.go, which both
 * import). Given code.
 *
 * ```
 * volume data: 10Gi, [ReadWriteOnce, ReadOnlyMany], class manual, Available
 * claim www:   1Gi,  [ReadWriteOnce],               class manual
 *   volumeMismatch(data, www)            undefined: big enough, same class and volume mode, its modes
 *   volumeMismatch(data, 20Gi claim)     'requested PV is too small'
 *   findBestMatch([data, big], www)      data, the smallest of those that fit
 * ```
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod } from '@kube/kit';
import { parseQuantity } from './quantity.ts';
import { selectorFromObject } from './selectors.ts';
import { storageClassOf } from './storage-strategy.ts';

/** The names of the claims a pod mounts. */
export function claimNamesOf(pod: Pod): string[] {
  const volumes = (pod.spec as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] } | undefined)?.volumes ?? [];
  return volumes.map((volume) => volume.persistentVolumeClaim?.claimName).filter((name): name is string => Boolean(name));
}

/** `a` against `b`, as amounts: -1, 0 or 1. */
export function compareQuantities(a: string, b: string): number {
  return parseQuantity(a).cmp(parseQuantity(b));
}

/** Is the volume's claimRef this claim (by namespace and name, and by uid once it has one)? */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/**
 * Why `volume` cannot hold `claim`, or undefined when it can (checkVolumeSatisfyClaim and
 * findMatchingVolume's tests): big enough, of the claim's class and volume mode, with every access
 * mode the claim asks for, and labels its selector matches.
 */
export function volumeMismatch(volume: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  const requested = claim.spec?.resources?.requests?.storage ?? '0';
  const capacity = volume.spec?.capacity?.storage ?? '0';
  if (compareQuantities(capacity, requested) < 0) return 'requested PV is too small';
  if (storageClassOf(volume) !== storageClassOf(claim)) return 'storageClassName does not match';
  if ((volume.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  const modes = volume.spec?.accessModes ?? [];
  if (!(claim.spec?.accessModes ?? []).every((mode) => modes.includes(mode))) return 'incompatible accessMode';
  if (claim.spec?.selector && !selectorFromObject(claim.spec.selector).matches(volume.metadata.labels)) return 'volume labels do not match the claim selector';
  return undefined;
}

/**
 * The volume to bind a claim to (findBestMatchForClaim): one already pre-bound to it, else the
 * smallest Available, unclaimed volume that satisfies it. With `delayBinding` (WaitForFirstConsumer)
 * only a pre-bound one: the scheduler picks the others, knowing the node, and says which volumes
 * the node can reach (`reachable`: the volume's node affinity).
 */
export function findBestMatch(
  volumes: readonly PersistentVolume[],
  claim: PersistentVolumeClaim,
  delayBinding: boolean,
  reachable: (volume: PersistentVolume) => boolean = () => true,
): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const volume of volumes) {
    if (volume.metadata.deletionTimestamp || !reachable(volume)) continue;
    if (volumeMismatch(volume, claim) !== undefined) continue;
    if (isVolumeBoundToClaim(volume, claim)) return volume;
    if (delayBinding || volume.status?.phase !== 'Available' || volume.spec?.claimRef) continue;
    if (!best || compareQuantities(volume.spec?.capacity?.storage ?? '0', best.spec?.capacity?.storage ?? '0') < 0) best = volume;
  }
  return best;
}
