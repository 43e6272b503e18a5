/**
 * Admission: the plugins every write goes through after authorization and before the store
 * (kube-apiserver's staging/src/k8s.io/apiserver/pkg/admission and plugin/pkg/admission).
 * Mutating plugins run first and may change the object; validating plugins run after and may only
 * refuse it.
 *
 * @example
 * ```ts
 * const admission = new Admission([new NamespaceDefaulting(), new ServiceAccountDefaulting(), new PriorityDefaulting(), new DefaultTolerationSeconds()], [new NamespaceLifecycle(namespaces)]);
 * await admission.admit(request);     // request.object gets its namespace and the two NoExecute tolerations
 * await admission.validate(request);  // NotFound: namespaces "nowhere" not found
 * ```
 */
import { NotImplemented, type KubeObject, type Namespace, type Pod, type PriorityClass, type Random, type ServiceAccount, type Toleration } from '@kube/kit';
import type { AdmissionChain, AdmissionRequest } from './auth-api.ts';
import { SYSTEM_PRIORITY_CLASSES } from './priority-classes.ts';
import { forbidden, notFound } from './status.ts';

/** One plugin: a name, and what it does to (or says about) a request. */
export interface AdmissionPlugin {
  readonly name: string;
  /** a mutating plugin: may change request.object; throws StatusError to refuse */
  admit?(request: AdmissionRequest): void | Promise<void>;
  /** a validating plugin: throws StatusError to refuse */
  validate?(request: AdmissionRequest): void | Promise<void>;
}

/** The chain: every mutating plugin in order, then (validate) every validating plugin in order. */
export class Admission implements AdmissionChain {
  constructor(
    private readonly mutating: readonly AdmissionPlugin[],
    private readonly validating: readonly AdmissionPlugin[],
  ) {}

  async admit(request: AdmissionRequest): Promise<void> {
    // TODO(11): every mutating plugin, in order (await its admit, if it has one).
    throw new NotImplemented('11', 'Admission.admit');
  }

  async validate(request: AdmissionRequest): Promise<void> {
    // TODO(11): every validating plugin, in order (await its validate, if it has one).
    throw new NotImplemented('11', 'Admission.validate');
  }
}

/** The default tolerationSeconds (plugin/pkg/admission/defaulttolerationseconds: 300). */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** The taints the node lifecycle controller puts on a node that stops answering (kata 20). */
export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

/**
 * DefaultTolerationSeconds: a pod created without a toleration for the not-ready and unreachable
 * NoExecute taints gets one of each, `Exists`, for 300 s: when its node goes away, the pod is
 * evicted after five minutes rather than at once. A pod that already tolerates the taint (for the
 * key, or with an empty key and Exists) keeps its own.
 */
export class DefaultTolerationSeconds implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds';

  admit(request: AdmissionRequest): void {
    // TODO(11): only a CREATE of a pod (no subresource): for each of NOT_READY_TAINT and UNREACHABLE_TAINT that no
    // TODO(11): toleration already covers (its key, or an empty key with Exists; effect NoExecute or empty), add
    // TODO(11): { key, operator: "Exists", effect: "NoExecute", tolerationSeconds: DEFAULT_TOLERATION_SECONDS }.
    throw new NotImplemented('11', 'DefaultTolerationSeconds.admit');
  }
}

/** The ServiceAccount a pod runs as when it names none. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** The prefix of the volume a pod's ServiceAccount token is projected into (ServiceAccountVolumeName + "-"). */
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';

/** Where every container mounts that volume (DefaultAPITokenMountPath). */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The projected volume upstream's plugin adds (TokenVolumeSource): a token for the pod's
 * ServiceAccount, the cluster's CA from the ConfigMap `kube-root-ca.crt`, and the namespace.
 */
export function serviceAccountTokenVolume(name: string): object {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

type Mountable = { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] };

/**
 * mountServiceAccountToken: every container (init containers first) that mounts nothing at
 * {@link SERVICE_ACCOUNT_MOUNT_PATH} mounts the token volume there, read-only; the volume is added
 * (named `kube-api-access-` and five drawn characters) unless the pod already has one.
 */
function mountServiceAccountToken(pod: Pod, random: Random): void {
  const spec = pod.spec! as Pod['spec'] & { volumes?: { name: string }[]; initContainers?: Mountable[]; containers: Mountable[] };
  const existing = (spec.volumes ?? []).find((volume) => volume.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const name = existing?.name ?? `${SERVICE_ACCOUNT_VOLUME_PREFIX}${random.string(5)}`;
  let needed = false;
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    if ((container.volumeMounts ?? []).some((mount) => mount.mountPath === SERVICE_ACCOUNT_MOUNT_PATH)) continue;
    container.volumeMounts = [...(container.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH }];
    needed = true;
  }
  if (needed && !existing) spec.volumes = [...(spec.volumes ?? []), serviceAccountTokenVolume(name) as { name: string }];
}

/**
 * ServiceAccount (plugin/pkg/admission/serviceaccount): a pod created without a ServiceAccount
 * runs as its namespace's `default`, which the controller manager makes in every namespace
 * (controllers' service-accounts.ts). `spec.serviceAccount` is the field's old name, which the v1
 * API still shows beside it. Given a way to look ServiceAccounts up (both apiservers of the
 * workbook give one), a pod that names one that does not exist is refused, in upstream's words:
 * `pods "web-7c5ddbdf54-" is forbidden: error looking up service account shop/build-bot:
 * serviceaccount "build-bot" not found` — what a ReplicaSet's `FailedCreate` event then says.
 * Given a Random (both apiservers give theirs), the pod gets upstream's `kube-api-access-xxxxx`
 * projected volume and each container its read-only mount at
 * `/var/run/secrets/kubernetes.io/serviceaccount`, unless the pod (or else its ServiceAccount)
 * sets `automountServiceAccountToken: false` — what `kubectl describe pod` shows under Volumes and
 * Mounts on any cluster.
 * Simplified: `default` is taken on trust (upstream waits up to a second for the controller to
 * make it, then refuses too), so that `npm run apiserver`, which runs no controller manager,
 * still takes `kubectl run`; and the kubelet does not project the volume: a container is a process
 * on the node, and the path is not there.
 */
export class ServiceAccountDefaulting implements AdmissionPlugin {
  readonly name = 'ServiceAccount';

  /**
   * @param serviceAccounts - looks a ServiceAccount up (undefined: it does not exist); none: every account is taken on trust
   * @param random - draws the token volume's name; none: no volume is added
   */
  constructor(
    private readonly serviceAccounts?: (namespace: string, name: string) => KubeObject | undefined | Promise<KubeObject | undefined>,
    private readonly random?: Random,
  ) {}

  async admit(request: AdmissionRequest): Promise<void> {
    const { attributes, operation } = request;
    if (operation !== 'CREATE' || attributes.resource !== 'pods' || attributes.subresource !== '' || !request.object) return;
    const pod = request.object as Pod;
    const spec = (pod.spec ??= { containers: [] });
    spec.serviceAccountName ||= spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
    spec.serviceAccount = spec.serviceAccountName;
    const account = spec.serviceAccountName;
    const found = this.serviceAccounts ? await this.serviceAccounts(attributes.namespace, account) : undefined;
    if (this.serviceAccounts && account !== DEFAULT_SERVICE_ACCOUNT && !found) {
      // Upstream admits a pod before its generateName becomes a name: the error names the prefix.
      const name = pod.metadata.generateName || pod.metadata.name || attributes.name;
      throw forbidden('pods', name, `error looking up service account ${attributes.namespace}/${account}: serviceaccount "${account}" not found`);
    }
    // shouldAutomount: the pod's word, else its ServiceAccount's, else yes
    const automount = (spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken ?? (found as ServiceAccount | undefined)?.automountServiceAccountToken ?? true;
    if (this.random && automount) mountServiceAccountToken(pod, this.random);
  }
}

/**
 * Priority (plugin/pkg/admission/priority), as v1.32 does it:
 *
 * | request | what it does |
 * | --- | --- |
 * | a pod made naming a class | its `priority` and `preemptionPolicy` become the class's; a class that does not exist is 403 `no PriorityClass with name high was found` |
 * | a pod made naming none | the global default class's (its name written in), else priority 0 and `PreemptLowerPriority` |
 * | a pod made with a `priority` (or `preemptionPolicy`) of its own that is not the class's | 403 `the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name` |
 * | a pod updated without them | keeps those it was made with |
 * | a PriorityClass made global default, or changed to be, while another is | 403 `PriorityClass low is marked as default. Only one default can exist` |
 * | a system PriorityClass deleted | 403 `this is a system priority class and cannot be deleted` |
 *
 * `classes` lists the PriorityClasses stored (priority-classes.ts); without it, only the system
 * classes exist. `kubectl describe pod` prints the result as `Priority: 0`.
 */
export class PriorityDefaulting implements AdmissionPlugin {
  readonly name = 'Priority';

  constructor(private readonly classes: () => readonly PriorityClass[] | Promise<readonly PriorityClass[]> = () => SYSTEM_PRIORITY_CLASSES) {}

  async admit(request: AdmissionRequest): Promise<void> {
    const { attributes, operation } = request;
    if (attributes.resource !== 'pods' || attributes.subresource !== '' || !request.object) return;
    const pod = request.object as Pod;
    const spec = (pod.spec ??= { containers: [] });
    if (operation === 'UPDATE') {
      // Set once, when the pod was made: an update that leaves them out keeps them.
      const old = (request.oldObject as Pod | undefined)?.spec;
      if (spec.priority === undefined && old?.priority !== undefined) spec.priority = old.priority;
      if (spec.preemptionPolicy === undefined && old?.preemptionPolicy !== undefined) spec.preemptionPolicy = old.preemptionPolicy;
      return;
    }
    if (operation !== 'CREATE') return;
    const classes = await this.classes();
    const refuse = (why: string) => forbidden('pods', attributes.name || pod.metadata.name || pod.metadata.generateName || 'Unknown', why);
    let chosen: PriorityClass | undefined;
    if (spec.priorityClassName) {
      chosen = classes.find((c) => c.metadata.name === spec.priorityClassName);
      if (!chosen) throw refuse(`no PriorityClass with name ${spec.priorityClassName} was found`);
    } else {
      chosen = globalDefaultOf(classes);
      if (chosen) spec.priorityClassName = chosen.metadata.name;
    }
    const priority = chosen?.value ?? 0;
    if (spec.priority !== undefined && spec.priority !== priority) {
      throw refuse(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
    }
    spec.priority = priority;
    const policy = chosen ? chosen.preemptionPolicy : 'PreemptLowerPriority';
    if (policy === undefined) return;
    if (spec.preemptionPolicy !== undefined && spec.preemptionPolicy !== policy) {
      throw refuse(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    }
    spec.preemptionPolicy = policy;
  }

  async validate(request: AdmissionRequest): Promise<void> {
    const { attributes, operation } = request;
    // Upstream's PriorityClass storage refuses this delete itself; a 403 all the same.
    if (attributes.resource === 'priorityclasses' && operation === 'DELETE' && SYSTEM_PRIORITY_CLASSES.some((c) => c.metadata.name === attributes.name)) {
      throw forbidden('priorityclasses.scheduling.k8s.io', attributes.name, 'this is a system priority class and cannot be deleted');
    }
    const priorityClass = request.object as PriorityClass | undefined;
    if (attributes.resource !== 'priorityclasses' || (operation !== 'CREATE' && operation !== 'UPDATE') || !priorityClass?.globalDefault) return;
    const current = globalDefaultOf(await this.classes());
    if (current && (operation === 'CREATE' || current.metadata.name !== priorityClass.metadata.name)) {
      throw forbidden('priorityclasses.scheduling.k8s.io', priorityClass.metadata.name ?? '', `PriorityClass ${current.metadata.name} is marked as default. Only one default can exist`);
    }
  }
}

/** The global default class: of several, the lowest value (getDefaultPriorityClass). */
function globalDefaultOf(classes: readonly PriorityClass[]): PriorityClass | undefined {
  return classes.filter((c) => c.globalDefault).reduce<PriorityClass | undefined>((lowest, c) => (lowest === undefined || c.value < lowest.value ? c : lowest), undefined);
}

/** Namespace defaulting: an object in a namespaced request gets the request's namespace when it names none. */
export class NamespaceDefaulting implements AdmissionPlugin {
  readonly name = 'NamespaceDefaulting';

  admit(request: AdmissionRequest): void {
    // TODO(11): an object without metadata.namespace, in a namespaced request, gets the request's namespace.
    throw new NotImplemented('11', 'NamespaceDefaulting.admit');
  }
}

/** The namespaces that can never be deleted (NamespaceLifecycle's immortal namespaces). */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/**
 * NamespaceLifecycle (staging/src/k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle): no
 * object is created in a namespace that does not exist (404 NotFound) or is being deleted (403
 * Forbidden, `unable to create new content in namespace x because it is being terminated`), and
 * default, kube-system and kube-public cannot be deleted (403).
 */
export class NamespaceLifecycle implements AdmissionPlugin {
  readonly name = 'NamespaceLifecycle';

  /** @param namespaces - looks a namespace up (undefined: it does not exist) */
  constructor(private readonly namespaces: (name: string) => Namespace | undefined | Promise<Namespace | undefined>) {}

  async validate(request: AdmissionRequest): Promise<void> {
    // TODO(11): DELETE of an immortal namespace: 403 "namespaces \"<name>\" is forbidden: this namespace may not be deleted".
    // TODO(11): A CREATE in a namespace (not of a namespace): missing -> notFound("namespaces", ns); Terminating (or being
    // TODO(11): deleted) -> 403 "<resource> \"<name>\" is forbidden: unable to create new content in namespace <ns> because it is being terminated"
    // TODO(11): (forbidden(resource, name, why) words both 403s; name: the object's, else the path's, else none).
    throw new NotImplemented('11', 'NamespaceLifecycle.validate');
  }
}

