/**
 * VolumeBinding: a pod goes only where the volumes of its claims can be, and its claims of
 * WaitForFirstConsumer classes are bound once its node is chosen. Upstream:
 * pkg/scheduler/framework/plugins/volumebinding (v1.32). Given code, beyond the katas: the cluster's
 * scheduler runs it (scheduler-runner.ts gives it the claims, volumes and classes to read).
 *
 * | the pod's claim | PreFilter / Filter says |
 * | --- | --- |
 * | missing | `persistentvolumeclaim "www" not found` (every node) |
 * | being deleted | `persistentvolumeclaim "www" is being deleted` |
 * | Lost | `persistentvolumeclaim "www" bound to non-existent persistentvolume "data"` |
 * | unbound, its class binds at once (Immediate, or no class) | `pod has unbound immediate PersistentVolumeClaims`: the persistent volume controller binds it first |
 * | bound to a volume whose node affinity leaves this node out | `node(s) had volume node affinity conflict` |
 * | unbound, WaitForFirstConsumer, no Available volume here fits and its class's provisioner is `kubernetes.io/no-provisioner` | `node(s) didn't find available persistent volumes to bind` |
 *
 * ```
 * StorageClass local: kubernetes.io/no-provisioner, WaitForFirstConsumer
 * PV local-1 (node-1 only), PV local-2 (node-2 only); pod web mounts claim data (class local)
 *   Filter: node-1 fits (local-1), node-2 fits (local-2); the scores pick node-2
 *   preBind(web, node-2): local-2's claimRef -> default/data (the persistent volume controller finishes the binding)
 * ```
 *
 * Where it simplifies: no CSI storage capacity or volume limits, no score for volume capacity, and
 * PreBind writes the bindings and returns at once (upstream waits, up to 10 minutes, for the
 * persistent volume controller to finish them, and fails the binding if it does not); a claim to
 * be provisioned is annotated with the node and left to its provisioner.
 */
import type { ApiClient } from '@kube/apiserver';
import { claimNamesOf, findBestMatch, isVolumeBoundToClaim, storageClassOf } from '@kube/apiserver';
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '@kube/kit';
import type { CycleState } from '../cycle-state.ts';
import type { FilterPlugin, PreFilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import { Status } from '../status.ts';
import { matchesNodeSelectorTerms } from './node-affinity.ts';

/** A pod's claim bound at once that is not bound yet: the persistent volume controller must bind it first. */
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** A bound volume the node cannot reach (ErrReasonNodeConflict). */
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
/** A WaitForFirstConsumer claim nothing on the node can hold, and nothing will make (ErrReasonBindConflict). */
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
/** The provisioner of a class whose volumes are all made by hand (local volumes). */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** A plugin that writes something before a pod is bound to its node (the framework's PreBind). */
export interface PreBindPlugin {
  readonly name: string;
  preBind(pod: Pod, nodeName: string): Promise<void>;
}

/** True when `plugin` has a preBind method. */
export function isPreBindPlugin(plugin: object): plugin is PreBindPlugin {
  return typeof (plugin as Partial<PreBindPlugin>).preBind === 'function';
}

/** What the plugin reads: the scheduler's caches of claims, volumes and classes. */
export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  storageClass(name: string): StorageClass | undefined;
  volumes(): readonly PersistentVolume[];
}

/** What PreFilter found of the pod's claims. */
interface ClaimsOfPod {
  /** the bound claims' volumes (a volume not in the cache: undefined) */
  boundVolumes: (PersistentVolume | undefined)[];
  /** the WaitForFirstConsumer claims to bind on the chosen node */
  delayed: PersistentVolumeClaim[];
}

/** For one node: the volume each delayed claim gets there, and the claims left to provision. */
interface NodeBindings {
  static: { claim: PersistentVolumeClaim; volume: PersistentVolume }[];
  provision: PersistentVolumeClaim[];
}

const STATE_KEY = 'PreFilterVolumeBinding';

/** Can `nodeInfo`'s node reach the volume (its `nodeAffinity.required`)? */
function reaches(volume: PersistentVolume, nodeInfo: NodeInfo): boolean {
  const terms = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return terms === undefined || matchesNodeSelectorTerms(terms, nodeInfo.node);
}

/** Places pods where their volumes are, and binds their WaitForFirstConsumer claims to the node chosen. */
export class VolumeBinding implements PreFilterPlugin, FilterPlugin, PreBindPlugin {
  readonly name = 'VolumeBinding';
  /** the bindings each node of the last cycle would take: PreBind writes those of the node chosen */
  private lastCycle: { pod: Pod; byNode: Map<string, NodeBindings> } | undefined;

  /**
   * @param listers - the claims, volumes and classes
   * @param client - writes the bindings in {@link preBind}
   */
  constructor(
    private readonly listers: VolumeListers,
    private readonly client?: ApiClient,
  ) {}

  /** Skip for a pod without claims; turns the pod away at once for a claim missing, going, lost or unbound and immediate. */
  preFilter(state: CycleState, pod: Pod): Status {
    this.lastCycle = { pod, byNode: new Map() };
    const names = claimNamesOf(pod);
    if (names.length === 0) return Status.skip();
    const found: ClaimsOfPod = { boundVolumes: [], delayed: [] };
    let unboundImmediate = false;
    for (const name of names) {
      const claim = this.listers.claim(pod.metadata.namespace ?? 'default', name);
      if (!claim) return Status.unresolvable(`persistentvolumeclaim ${JSON.stringify(name)} not found`);
      if (claim.status?.phase === 'Lost') return Status.unresolvable(`persistentvolumeclaim ${JSON.stringify(name)} bound to non-existent persistentvolume ${JSON.stringify(claim.spec?.volumeName ?? '')}`);
      if (claim.metadata.deletionTimestamp) return Status.unresolvable(`persistentvolumeclaim ${JSON.stringify(name)} is being deleted`);
      if (claim.spec?.volumeName) {
        found.boundVolumes.push(this.listers.volumes().find((volume) => volume.metadata.name === claim.spec?.volumeName));
      } else if (this.listers.storageClass(storageClassOf(claim))?.volumeBindingMode === 'WaitForFirstConsumer') {
        found.delayed.push(claim);
      } else {
        unboundImmediate = true;
      }
    }
    if (unboundImmediate) return Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE);
    state.write(STATE_KEY, found);
    return Status.success();
  }

  /** The node must reach every bound volume, and have (or be able to have made) a volume for each delayed claim. */
  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const found = state.read<ClaimsOfPod>(STATE_KEY);
    const reasons = new Set<string>();
    if (found.boundVolumes.some((volume) => volume !== undefined && !reaches(volume, nodeInfo))) reasons.add(ERR_REASON_NODE_CONFLICT);
    const bindings: NodeBindings = { static: [], provision: [] };
    const taken = new Set<string>();
    for (const claim of found.delayed) {
      const free = this.listers.volumes().filter((volume) => !taken.has(volume.metadata.name ?? ''));
      const volume = findBestMatch(free, claim, false, (candidate) => reaches(candidate, nodeInfo));
      if (volume) {
        taken.add(volume.metadata.name ?? '');
        bindings.static.push({ claim, volume });
      } else if ((this.listers.storageClass(storageClassOf(claim))?.provisioner ?? NO_PROVISIONER) === NO_PROVISIONER) {
        reasons.add(ERR_REASON_BIND_CONFLICT);
      } else {
        bindings.provision.push(claim);
      }
    }
    if (reasons.size > 0) return Status.unresolvable(...reasons);
    this.lastCycle?.byNode.set(nodeInfo.node.metadata.name ?? '', bindings);
    return Status.success();
  }

  /**
   * Before the pod is bound to `nodeName`: each volume chosen for a delayed claim gets the claim as
   * its claimRef (marked bound by the controller), and each claim to provision gets the node as its
   * `volume.kubernetes.io/selected-node`. The persistent volume controller does the rest.
   */
  async preBind(pod: Pod, nodeName: string): Promise<void> {
    const cycle = this.lastCycle;
    if (!cycle || cycle.pod.metadata.uid !== pod.metadata.uid || !this.client) return;
    const bindings = cycle.byNode.get(nodeName);
    this.lastCycle = undefined;
    for (const { claim, volume } of bindings?.static ?? []) {
      if (isVolumeBoundToClaim(volume, claim) && volume.spec?.claimRef?.uid) continue;
      const claimRef = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid };
      const annotations = { ...volume.metadata.annotations, 'pv.kubernetes.io/bound-by-controller': 'yes' };
      await this.client.resource<PersistentVolume>('persistentvolumes').update({ ...volume, metadata: { ...volume.metadata, annotations }, spec: { ...volume.spec, claimRef } });
    }
    for (const claim of bindings?.provision ?? []) {
      const annotations = { ...claim.metadata.annotations, 'volume.kubernetes.io/selected-node': nodeName };
      await this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims', claim.metadata.namespace).update({ ...claim, metadata: { ...claim.metadata, annotations } });
    }
  }
}
