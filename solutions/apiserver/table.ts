/**
 * Server-side printing (pkg/printers/internalversion/printers.go): `kubectl get` asks for a Table
 * (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), and the server says which columns a
 * kind has and fills them in, so that an old kubectl prints new kinds well. `-o wide` shows the
 * columns of priority 1 too.
 *
 * Given code: kata 10 uses it as it is.
 *
 * @example
 * ```ts
 * toTable([pod], 'Pod', clock.now());
 * // { kind: 'Table', apiVersion: 'meta.k8s.io/v1', columnDefinitions: [{ name: 'Name', ... }, { name: 'Ready' }, ...],
 * //   rows: [{ cells: ['web', '0/1', 'Pending', 0, '5s', '<none>', '<none>', '<none>', '<none>'], object: pod }] }
 * ```
 */
import type { KubeObject, Service } from '@kube/kit';

/** One column of a table. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide` */
  priority: number;
}

/** One cell: null prints as `<none>` (a custom resource's column with nothing at its path). */
export type TableCell = string | number | boolean | null;
type Cell = TableCell;
/** A kind's columns, and how one object fills them. */
export type TablePrinter = { columns: TableColumn[]; cells(object: any, now: number): TableCell[] };
type Printer = TablePrinter;

const column = (name: string, priority = 0, type: TableColumn['type'] = 'string', format = ''): TableColumn => ({
  name,
  type,
  format,
  description: name,
  priority,
});
const nameColumn = column('Name', 0, 'string', 'name');
const none = (value: string | undefined): string => value || '<none>';

/**
 * An age as kubectl prints it (k8s.io/apimachinery/pkg/util/duration HumanDuration): exact while
 * short, coarser as it grows — 45s, 5m30s, 12m, 3h20m, 20h, 3d4h, 30d, 2y100d, 9y.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>'; // clocks may differ by a second: "almost now"
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 ? `${minutes}m${seconds % 60}s` : `${minutes}m`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 ? `${hours}h${minutes % 60}m` : `${hours}h`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 ? `${days}d${hours % 24}h` : `${days}d`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 ? `${years}y${days % 365}d` : `${years}y`;
  return `${years}y`;
}

/** Access modes as kubectl abbreviates them, in upstream's order, each once (GetAccessModesAsString): `RWO,ROX`. */
function accessModes(modes: readonly string[] | undefined): string {
  const short: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
  return short.filter(([mode]) => (modes ?? []).includes(mode)).map(([, abbreviation]) => abbreviation).join(',');
}

/** A volume's or claim's class: the beta annotation's, else storageClassName (GetPersistentVolumeClass). */
function storageClass(object: { metadata: KubeObject['metadata']; spec?: { storageClassName?: string } }): string {
  return object.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? object.spec?.storageClassName ?? '';
}

function age(object: KubeObject, now: number): string {
  const created = Date.parse(object.metadata.creationTimestamp ?? '');
  return Number.isNaN(created) ? '<unknown>' : humanDuration(now - created);
}

function containers(podSpec: any): { names: string; images: string } {
  const list: { name: string; image?: string }[] = podSpec?.containers ?? [];
  return { names: list.map((c) => c.name).join(','), images: list.map((c) => c.image ?? '').join(',') };
}

function selectorString(selector: any): string {
  const labels: Record<string, string> = selector?.matchLabels ?? selector ?? {};
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',');
}

/**
 * An autoscaler's TARGETS (formatHPAMetrics): each metric as `current/target` — `cpu: 45%/80%`,
 * `<unknown>` while the controller has no value for it, `(avg)` after an average object or
 * external value — the first two, then `+ N more...`.
 */
function hpaTargets(specs: any[], statuses: any[]): string {
  if (specs.length === 0) return '<none>';
  const shown = specs.map((spec, i) => {
    const status = statuses[i];
    switch (spec.type) {
      case 'External':
      case 'Object': {
        const source = spec.type === 'External' ? spec.external : spec.object;
        const current = spec.type === 'External' ? status?.external : status?.object;
        if (source?.target?.averageValue !== undefined) return `${current?.current?.averageValue ?? '<unknown>'}/${source.target.averageValue} (avg)`;
        return `${current?.current?.value ?? '<unknown>'}/${source?.target?.value ?? '0'}`;
      }
      case 'Pods':
        return `${status?.pods?.current?.averageValue ?? '<unknown>'}/${spec.pods?.target?.averageValue ?? '0'}`;
      case 'Resource':
      case 'ContainerResource': {
        const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const current = spec.type === 'Resource' ? status?.resource : status?.containerResource;
        if (source?.target?.averageValue !== undefined) return `${source.name}: ${current?.current?.averageValue ?? '<unknown>'}/${source.target.averageValue}`;
        const now = current?.current?.averageUtilization;
        const target = source?.target?.averageUtilization;
        return `${source?.name}: ${now === undefined ? '<unknown>' : `${now}%`}/${target === undefined ? '<auto>' : `${target}%`}`;
      }
      default:
        return '<unknown type>';
    }
  });
  return shown.length > 2 ? `${shown.slice(0, 2).join(', ')} + ${shown.length - 2} more...` : shown.join(', ');
}

/**
 * A label selector as metav1.FormatLabelSelector writes it: `app=web,tier in (a,b),!canary`, its
 * requirements sorted by key; `<none>` for an empty one.
 */
function formatLabelSelector(selector: any): string {
  const requirements: [string, string][] = [
    ...Object.entries((selector?.matchLabels ?? {}) as Record<string, string>).map(([key, value]) => [key, `${key}=${value}`] as [string, string]),
    ...((selector?.matchExpressions ?? []) as { key: string; operator: string; values?: string[] }[]).map((e) => {
      const values = [...(e.values ?? [])].sort().join(',');
      const text = e.operator === 'In' ? `${e.key} in (${values})` : e.operator === 'NotIn' ? `${e.key} notin (${values})` : e.operator === 'Exists' ? e.key : `!${e.key}`;
      return [e.key, text] as [string, string];
    }),
  ];
  if (requirements.length === 0) return '<none>';
  return requirements
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, text]) => text)
    .join(',');
}

/** What `kubectl get pods` shows of a pod's containers: READY, STATUS and RESTARTS. */
interface PodSummary {
  ready: number;
  total: number;
  status: string;
  restarts: number;
  /** when a container last stopped before a restart (ms), if any did */
  lastRestart?: number;
}

/**
 * A pod's READY, STATUS and RESTARTS as upstream's printPod works them out
 * (pkg/printers/internalversion/printers.go): STATUS starts as the phase (or status.reason), an
 * init container still at work shows `Init:N/M` or `Init:<reason>`, and otherwise the first
 * container with something to say wins — a waiting reason (ContainerCreating, ImagePullBackOff,
 * CrashLoopBackOff), a terminated reason (Completed, Error, OOMKilled) or `ExitCode:N` — except
 * that a pod with one container still running shows Running (NotReady if the pod is not Ready).
 * A pod being deleted shows Terminating (Unknown when its node was lost).
 */
function podSummary(pod: any): PodSummary {
  const status = pod.status ?? {};
  const initSpecs: any[] = pod.spec?.initContainers ?? [];
  const sidecar = (name: string): boolean => initSpecs.some((c) => c.name === name && c.restartPolicy === 'Always');
  const total = (pod.spec?.containers?.length ?? 0) + initSpecs.filter((c) => c.restartPolicy === 'Always').length;
  let reason: string = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c: any) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
  const finishedAt = (c: any): number | undefined => {
    const at = Date.parse(c.lastState?.terminated?.finishedAt ?? '');
    return Number.isNaN(at) ? undefined : at;
  };
  const terminatedReason = (t: any): string => t.reason || (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode ?? 0}`);

  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount ?? 0;
    lastRestart = later(lastRestart, finishedAt(c));
    if (sidecar(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, finishedAt(c));
    }
    if (c.state?.terminated && (c.state.terminated.exitCode ?? 0) === 0) continue;
    if (sidecar(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (c.state?.terminated) reason = `Init:${terminatedReason(c.state.terminated)}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${initSpecs.length}`;
    initializing = true;
    break;
  }

  const initialized = (status.conditions ?? []).some((c: any) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    for (const c of [...statuses].reverse()) {
      restarts += c.restartCount ?? 0;
      lastRestart = later(lastRestart, finishedAt(c));
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated) reason = terminatedReason(c.state.terminated);
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  return { ready, total, status: reason, restarts, ...(lastRestart !== undefined ? { lastRestart } : {}) };
}

/** A Job's STATUS column: its first true condition in printers.go's order, else Running. */
function jobStatus(job: any): string {
  const holds = (type: string): boolean => (job.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
  if (holds('Complete')) return 'Complete';
  if (holds('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  for (const type of ['Suspended', 'FailureTarget', 'SuccessCriteriaMet']) if (holds(type)) return type;
  return 'Running';
}

/** The READINESS GATES column: how many of the pod's gates are met, or <none>. */
function readinessGates(pod: any): string {
  const gates: { conditionType: string }[] = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const met = gates.filter((gate) => (pod.status?.conditions ?? []).some((c: any) => c.type === gate.conditionType && c.status === 'True')).length;
  return `${met}/${gates.length}`;
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [nameColumn, column('Ready'), column('Status'), column('Restarts', 0, 'string'), column('Age'), column('IP', 1), column('Node', 1), column('Nominated Node', 1), column('Readiness Gates', 1)],
    cells: (pod, now) => {
      const { ready, total, status, restarts, lastRestart } = podSummary(pod);
      const restartsCell = restarts !== 0 && lastRestart !== undefined ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
      return [pod.metadata.name, `${ready}/${total}`, status, restartsCell, age(pod, now), none(pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP), none(pod.spec?.nodeName), none(pod.status?.nominatedNodeName), readinessGates(pod)];
    },
  },
  Node: {
    columns: [nameColumn, column('Status'), column('Roles'), column('Age'), column('Version'), column('Internal-IP', 1), column('External-IP', 1), column('OS-Image', 1), column('Kernel-Version', 1), column('Container-Runtime', 1)],
    cells: (node, now) => {
      const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
      const status = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown', ...(node.spec?.unschedulable ? ['SchedulingDisabled'] : [])].join(',');
      // findNodeRoles: what follows node-role.kubernetes.io/, and the value of kubernetes.io/role; sorted, each once
      const roles = new Set<string>();
      for (const [label, value] of Object.entries<string>(node.metadata.labels ?? {})) {
        if (label.startsWith('node-role.kubernetes.io/')) roles.add(label.slice('node-role.kubernetes.io/'.length));
        else if (label === 'kubernetes.io/role') roles.add(value);
      }
      roles.delete('');
      const address = (type: string) => (node.status?.addresses ?? []).find((a: { type: string }) => a.type === type)?.address;
      const info = node.status?.nodeInfo ?? {};
      // printNode: an address missing is <none>; a system fact the kubelet left empty is <unknown>
      const unknown = (value: string | undefined): string => value || '<unknown>';
      return [
        node.metadata.name, status, [...roles].sort().join(',') || '<none>', age(node, now), info.kubeletVersion ?? '',
        none(address('InternalIP')), none(address('ExternalIP')), unknown(info.osImage), unknown(info.kernelVersion), unknown(info.containerRuntimeVersion),
      ];
    },
  },
  Namespace: {
    columns: [nameColumn, column('Status'), column('Age')],
    cells: (ns, now) => [ns.metadata.name, ns.status?.phase ?? '', age(ns, now)],
  },
  Service: {
    columns: [nameColumn, column('Type'), column('Cluster-IP'), column('External-IP'), column('Port(s)'), column('Age'), column('Selector', 1)],
    cells: (svc, now) => {
      const ports = (svc.spec?.ports ?? []).map((p: { port: number; nodePort?: number; protocol?: string }) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
      return [svc.metadata.name, svc.spec?.type ?? 'ClusterIP', none(svc.spec?.clusterIP), externalIP(svc), ports.join(',') || '<none>', age(svc, now), none(selectorString(svc.spec?.selector))];
    },
  },
  Deployment: {
    columns: [nameColumn, column('Ready'), column('Up-to-date', 0, 'integer'), column('Available', 0, 'integer'), column('Age'), column('Containers', 1), column('Images', 1), column('Selector', 1)],
    cells: (d, now) => {
      const { names, images } = containers(d.spec?.template?.spec);
      const s = d.status ?? {};
      return [d.metadata.name, `${s.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`, s.updatedReplicas ?? 0, s.availableReplicas ?? 0, age(d, now), names, images, none(selectorString(d.spec?.selector))];
    },
  },
  DaemonSet: {
    columns: [
      nameColumn, column('Desired', 0, 'integer'), column('Current', 0, 'integer'), column('Ready', 0, 'integer'), column('Up-to-date', 0, 'integer'), column('Available', 0, 'integer'),
      column('Node Selector'), column('Age'), column('Containers', 1), column('Images', 1), column('Selector', 1),
    ],
    cells: (ds, now) => {
      const s = ds.status ?? {};
      const template = ds.spec?.template?.spec;
      const nodeSelector = Object.entries((template?.nodeSelector ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => `${key}=${value}`).join(',');
      const { names, images } = containers(template);
      return [
        ds.metadata.name, s.desiredNumberScheduled ?? 0, s.currentNumberScheduled ?? 0, s.numberReady ?? 0, s.updatedNumberScheduled ?? 0, s.numberAvailable ?? 0,
        nodeSelector || '<none>', age(ds, now), names, images, none(selectorString(ds.spec?.selector)),
      ];
    },
  },
  HorizontalPodAutoscaler: {
    columns: [nameColumn, column('Reference'), column('Targets'), column('MinPods'), column('MaxPods', 0, 'integer'), column('Replicas', 0, 'integer'), column('Age')],
    cells: (hpa, now) => {
      const ref = hpa.spec?.scaleTargetRef ?? {};
      return [hpa.metadata.name, `${ref.kind ?? ''}/${ref.name ?? ''}`, hpaTargets(hpa.spec?.metrics ?? [], hpa.status?.currentMetrics ?? []), hpa.spec?.minReplicas === undefined ? '<unset>' : String(hpa.spec.minReplicas), hpa.spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0, age(hpa, now)];
    },
  },
  Ingress: {
    columns: [nameColumn, column('Class'), column('Hosts'), column('Address'), column('Ports'), column('Age')],
    cells: (ingress, now) => {
      // formatHosts: the first three hosts, `*` when no rule names one
      const rules: { host?: string }[] = ingress.spec?.rules ?? [];
      const hosts = rules.slice(0, 3).map((rule) => rule.host).filter(Boolean);
      const shown = hosts.length === 0 ? '*' : rules.length > 3 ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
      const addresses = (ingress.status?.loadBalancer?.ingress ?? []).map((point: { ip?: string; hostname?: string }) => point.ip || point.hostname).filter(Boolean).join(',');
      return [ingress.metadata.name, ingress.spec?.ingressClassName ?? '<none>', shown, addresses, (ingress.spec?.tls ?? []).length > 0 ? '80, 443' : '80', age(ingress, now)];
    },
  },
  IngressClass: {
    columns: [nameColumn, column('Controller'), column('Parameters'), column('Age')],
    cells: (ingressClass, now) => {
      const parameters = ingressClass.spec?.parameters;
      const shown = parameters ? `${parameters.kind}${parameters.apiGroup !== undefined ? `.${parameters.apiGroup}` : ''}/${parameters.name}` : '<none>';
      return [ingressClass.metadata.name, ingressClass.spec?.controller ?? '', shown, age(ingressClass, now)];
    },
  },
  NetworkPolicy: {
    columns: [nameColumn, column('Pod-Selector'), column('Age')],
    cells: (policy, now) => [policy.metadata.name, formatLabelSelector(policy.spec?.podSelector), age(policy, now)],
  },
  ReplicationController: {
    columns: [nameColumn, column('Desired', 0, 'integer'), column('Current', 0, 'integer'), column('Ready', 0, 'integer'), column('Age'), column('Containers', 1), column('Images', 1), column('Selector', 1)],
    cells: (rc, now) => {
      const { names, images } = containers(rc.spec?.template?.spec);
      const selector = Object.keys(rc.spec?.selector ?? {}).length === 0 ? '<none>' : selectorString(rc.spec.selector);
      return [rc.metadata.name, rc.spec?.replicas ?? 0, rc.status?.replicas ?? 0, rc.status?.readyReplicas ?? 0, age(rc, now), names, images, selector];
    },
  },
  PersistentVolume: {
    columns: [
      nameColumn, column('Capacity'), column('Access Modes'), column('Reclaim Policy'), column('Status'), column('Claim'), column('StorageClass'),
      column('VolumeAttributesClass'), column('Reason'), column('Age'), column('VolumeMode', 1),
    ],
    cells: (pv, now) => {
      const claim = pv.spec?.claimRef ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}` : '';
      const phase = pv.metadata.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? '');
      return [
        pv.metadata.name, pv.spec?.capacity?.storage ?? '0', accessModes(pv.spec?.accessModes), pv.spec?.persistentVolumeReclaimPolicy ?? '', phase, claim,
        storageClass(pv), pv.spec?.volumeAttributesClassName ?? '<unset>', pv.status?.reason ?? '', age(pv, now), pv.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  PersistentVolumeClaim: {
    columns: [nameColumn, column('Status'), column('Volume'), column('Capacity'), column('Access Modes'), column('StorageClass'), column('VolumeAttributesClass'), column('Age'), column('VolumeMode', 1)],
    cells: (pvc, now) => {
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? '');
      // capacity and access modes are the bound volume's, shown once the claim names one
      const bound = Boolean(pvc.spec?.volumeName);
      return [
        pvc.metadata.name, phase, pvc.spec?.volumeName ?? '', bound ? (pvc.status?.capacity?.storage ?? '0') : '', bound ? accessModes(pvc.status?.accessModes) : '',
        storageClass(pvc), pvc.spec?.volumeAttributesClassName ?? '<unset>', age(pvc, now), pvc.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
  StorageClass: {
    columns: [nameColumn, column('Provisioner'), column('ReclaimPolicy'), column('VolumeBindingMode'), column('AllowVolumeExpansion'), column('Age')],
    cells: (storageClass, now) => {
      const annotations = storageClass.metadata.annotations ?? {};
      const isDefault = annotations['storageclass.kubernetes.io/is-default-class'] === 'true' || annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
      return [
        isDefault ? `${storageClass.metadata.name} (default)` : storageClass.metadata.name, storageClass.provisioner ?? '', storageClass.reclaimPolicy ?? 'Delete',
        storageClass.volumeBindingMode ?? 'Immediate', String(storageClass.allowVolumeExpansion ?? false), age(storageClass, now),
      ];
    },
  },
  CSIDriver: {
    columns: [
      nameColumn, column('AttachRequired', 0, 'boolean'), column('PodInfoOnMount', 0, 'boolean'), column('StorageCapacity', 0, 'boolean'), column('TokenRequests'),
      column('RequiresRepublish', 0, 'boolean'), column('Modes'), column('Age'),
    ],
    cells: (driver, now) => {
      const spec = driver.spec ?? {};
      const audiences = (spec.tokenRequests ?? []).map((request: { audience: string }) => request.audience).join(',');
      const modes = (spec.volumeLifecycleModes ?? []).join(',');
      return [
        driver.metadata.name, String(spec.attachRequired ?? true), String(spec.podInfoOnMount ?? false), String(spec.storageCapacity ?? false), audiences || '<unset>',
        String(spec.requiresRepublish ?? false), modes || '<none>', age(driver, now),
      ];
    },
  },
  CSINode: {
    columns: [nameColumn, column('Drivers', 0, 'integer'), column('Age')],
    cells: (node, now) => [node.metadata.name, (node.spec?.drivers ?? []).length, age(node, now)],
  },
  VolumeAttachment: {
    columns: [nameColumn, column('Attacher'), column('PV'), column('Node'), column('Attached', 0, 'boolean'), column('Age')],
    cells: (attachment, now) => [
      attachment.metadata.name, attachment.spec?.attacher ?? '', attachment.spec?.source?.persistentVolumeName ?? '', attachment.spec?.nodeName ?? '',
      String(attachment.status?.attached ?? false), age(attachment, now),
    ],
  },
  CSIStorageCapacity: {
    // upstream prints no age for these
    columns: [nameColumn, column('StorageClassName'), column('Capacity')],
    cells: (capacity) => [capacity.metadata.name, capacity.storageClassName ?? '', capacity.capacity ?? '<unset>'],
  },
  CertificateSigningRequest: {
    columns: [nameColumn, column('Age'), column('SignerName'), column('Requestor'), column('RequestedDuration'), column('Condition')],
    cells: (csr, now) => {
      // extractCSRStatus: Denied before Approved before Pending, then Failed and Issued
      const conditions: { type: string }[] = csr.status?.conditions ?? [];
      const has = (type: string) => conditions.some((c) => c.type === type);
      const condition = [has('Denied') ? 'Denied' : has('Approved') ? 'Approved' : 'Pending', ...(has('Failed') ? ['Failed'] : []), ...(csr.status?.certificate ? ['Issued'] : [])].join(',');
      const seconds = csr.spec?.expirationSeconds;
      return [csr.metadata.name, age(csr, now), csr.spec?.signerName || '<none>', csr.spec?.username ?? '', seconds === undefined ? '<none>' : humanDuration(seconds * 1000), condition];
    },
  },
  RuntimeClass: {
    columns: [nameColumn, column('Handler'), column('Age')],
    cells: (runtimeClass, now) => [runtimeClass.metadata.name, runtimeClass.handler ?? '', age(runtimeClass, now)],
  },
  PodTemplate: {
    columns: [nameColumn, column('Containers'), column('Images'), column('Pod Labels')],
    cells: (template) => {
      const { names, images } = containers(template.template?.spec);
      const labels = Object.entries((template.template?.metadata?.labels ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => `${key}=${value}`).join(',');
      return [template.metadata.name, names, images, labels || '<none>'];
    },
  },
  LimitRange: {
    // upstream prints the moment it was made, not an age
    columns: [nameColumn, column('Created At', 0, 'date')],
    cells: (limitRange) => [limitRange.metadata.name, limitRange.metadata.creationTimestamp ?? ''],
  },
  ResourceQuota: {
    columns: [nameColumn, column('Age'), column('Request'), column('Limit')],
    cells: (quota, now) => {
      // `pods: 1/10, requests.cpu: 500m/2` for each resource capped, by name; limits.* in its own column
      const hard: Record<string, string> = quota.status?.hard ?? {};
      const used: Record<string, string> = quota.status?.used ?? {};
      const names = Object.keys(hard).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const shown = (name: string) => `${name}: ${used[name] ?? '0'}/${hard[name]}`;
      return [quota.metadata.name, age(quota, now), names.filter((name) => !name.startsWith('limits.')).map(shown).join(', '), names.filter((name) => name.startsWith('limits.')).map(shown).join(', ')];
    },
  },
  PodDisruptionBudget: {
    columns: [nameColumn, column('Min Available'), column('Max Unavailable'), column('Allowed Disruptions', 0, 'integer'), column('Age')],
    cells: (pdb, now) => {
      const bound = (value: number | string | undefined) => (value === undefined ? 'N/A' : String(value));
      return [pdb.metadata.name, bound(pdb.spec?.minAvailable), bound(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, age(pdb, now)];
    },
  },
  StatefulSet: {
    columns: [nameColumn, column('Ready'), column('Age'), column('Containers', 1), column('Images', 1)],
    cells: (sts, now) => {
      const { names, images } = containers(sts.spec?.template?.spec);
      return [sts.metadata.name, `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`, age(sts, now), names, images];
    },
  },
  ControllerRevision: {
    columns: [nameColumn, column('Controller'), column('Revision'), column('Age')],
    cells: (revision, now) => {
      // printControllerRevision: the controller as kind.group/name, lower-case
      const owner = (revision.metadata.ownerReferences ?? []).find((ref: { controller?: boolean }) => ref.controller);
      const group = owner?.apiVersion.includes('/') ? `.${owner.apiVersion.split('/')[0]}` : '';
      return [revision.metadata.name, owner ? `${owner.kind.toLowerCase()}${group}/${owner.name}` : '<none>', revision.revision ?? 0, age(revision, now)];
    },
  },
  Job: {
    columns: [nameColumn, column('Status'), column('Completions'), column('Duration'), column('Age'), column('Containers', 1), column('Images', 1), column('Selector', 1)],
    cells: (job, now) => {
      const spec = job.spec ?? {};
      const status = job.status ?? {};
      const succeeded = status.succeeded ?? 0;
      const completions = spec.completions !== undefined ? `${succeeded}/${spec.completions}` : (spec.parallelism ?? 0) > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
      const start = status.startTime ? Date.parse(status.startTime) : undefined;
      const duration = start === undefined ? '' : humanDuration((status.completionTime ? Date.parse(status.completionTime) : now) - start);
      const { names, images } = containers(spec.template?.spec);
      return [job.metadata.name, jobStatus(job), completions, duration, age(job, now), names, images, none(selectorString(spec.selector))];
    },
  },
  CronJob: {
    columns: [nameColumn, column('Schedule'), column('Timezone'), column('Suspend'), column('Active', 0, 'integer'), column('Last Schedule'), column('Age'), column('Containers', 1), column('Images', 1), column('Selector', 1)],
    cells: (cj, now) => {
      const spec = cj.spec ?? {};
      const { names, images } = containers(spec.jobTemplate?.spec?.template?.spec);
      const last = cj.status?.lastScheduleTime;
      const suspend = spec.suspend === undefined ? '<none>' : spec.suspend ? 'True' : 'False';
      return [cj.metadata.name, spec.schedule ?? '', none(spec.timeZone), suspend, (cj.status?.active ?? []).length, last ? humanDuration(now - Date.parse(last)) : '<none>', age(cj, now), names, images, none(selectorString(spec.jobTemplate?.spec?.selector))];
    },
  },
  ReplicaSet: {
    columns: [nameColumn, column('Desired', 0, 'integer'), column('Current', 0, 'integer'), column('Ready', 0, 'integer'), column('Age'), column('Containers', 1), column('Images', 1), column('Selector', 1)],
    cells: (rs, now) => {
      const { names, images } = containers(rs.spec?.template?.spec);
      return [rs.metadata.name, rs.spec?.replicas ?? 0, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, age(rs, now), names, images, none(selectorString(rs.spec?.selector))];
    },
  },
};

/**
 * A Service's EXTERNAL-IP (printers.go, getServiceExternalIP): its externalIPs; a LoadBalancer's
 * ingress addresses before them, `<pending>` while it has none (no cloud gives it one here); an
 * ExternalName Service's name.
 */
function externalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      // a set, so sorted and each once; the apiserver prints wide, so never cut short
      const ingress = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((point) => point.ip || point.hostname || ''))].filter((address) => address !== '').sort();
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/**
 * ComponentStatuses (printers.go printComponentStatus): the `Healthy` condition as Healthy or
 * Unhealthy (`Unknown` without one), with its message and error.
 */
PRINTERS['ComponentStatus'] = {
  columns: [nameColumn, column('Status'), column('Message'), column('Error')],
  cells: (component) => {
    const healthy = (component.conditions ?? []).find((c: { type?: string }) => c.type === 'Healthy') as { status?: string; message?: string; error?: string } | undefined;
    const status = healthy === undefined ? 'Unknown' : healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
    return [component.metadata.name, status, healthy?.message ?? '', healthy?.error ?? ''];
  },
};
/** APIServices (kube-aggregator's printer): its Service or `Local`, and Available as `True` or `False (reason)`. */
PRINTERS['APIService'] = {
  columns: [nameColumn, column('Service'), column('Available'), column('Age')],
  cells: (service, now) => {
    const ref = service.spec?.service as { namespace?: string; name?: string } | undefined;
    const available = (service.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Available') as { status?: string; reason?: string } | undefined;
    const shown = available === undefined ? 'Unknown' : available.status === 'True' ? 'True' : `${available.status} (${available.reason ?? ''})`;
    return [service.metadata.name, ref ? `${ref.namespace}/${ref.name}` : 'Local', shown, age(service, now)];
  },
};
PRINTERS['ConfigMap'] = {
  columns: [nameColumn, column('Data', 0, 'integer'), column('Age')],
  cells: (cm, now) => [cm.metadata.name, Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
};
PRINTERS['Secret'] = {
  columns: [nameColumn, column('Type'), column('Data', 0, 'integer'), column('Age')],
  cells: (secret, now) => [secret.metadata.name, secret.type ?? '', Object.keys(secret.data ?? {}).length, age(secret, now)],
};
PRINTERS['ServiceAccount'] = {
  columns: [nameColumn, column('Secrets', 0, 'integer'), column('Age')],
  cells: (sa, now) => [sa.metadata.name, (sa.secrets ?? []).length, age(sa, now)],
};
PRINTERS['Endpoints'] = {
  columns: [nameColumn, column('Endpoints'), column('Age')],
  cells: (ep, now) => {
    const addresses = (ep.subsets ?? []).flatMap((subset: { addresses?: { ip: string }[]; ports?: { port: number }[] }) =>
      (subset.addresses ?? []).flatMap((a) => ((subset.ports ?? []).length > 0 ? subset.ports!.map((p) => `${a.ip}:${p.port}`) : [a.ip])),
    );
    return [ep.metadata.name, firstThree(addresses, '<none>'), age(ep, now)];
  },
};
/**
 * EndpointSlices, as printers.go prints them: the address type, then the first three ports and
 * the first three addresses, "+ N more..." after them, `<unset>` for none.
 */
PRINTERS['EndpointSlice'] = {
  columns: [nameColumn, column('AddressType'), column('Ports'), column('Endpoints'), column('Age')],
  cells: (slice, now) => {
    const ports = (slice.ports ?? []).map((p: { port?: number; name?: string }) => (typeof p.port === 'number' ? String(p.port) : (p.name ?? '*')));
    const addresses = (slice.endpoints ?? []).flatMap((e: { addresses?: string[] }) => e.addresses ?? []);
    return [slice.metadata.name, slice.addressType ?? '', firstThree(ports, '<unset>'), firstThree(addresses, '<unset>'), age(slice, now)];
  },
};
/** Up to three items joined by commas and "+ N more..." for the rest, or `none` for none (printers.go's listWithMoreString). */
function firstThree(items: string[], none: string): string {
  if (items.length === 0) return none;
  return items.slice(0, 3).join(',') + (items.length > 3 ? ` + ${items.length - 3} more...` : '');
}
// printPriorityClass: a class that names no preemption policy shows <none> (the apiserver defaults one)
PRINTERS['PriorityClass'] = {
  columns: [nameColumn, column('Value', 0, 'integer'), column('Global-Default', 0, 'boolean'), column('Age'), column('PreemptionPolicy')],
  cells: (priorityClass, now) => [priorityClass.metadata.name, priorityClass.value ?? 0, priorityClass.globalDefault ?? false, age(priorityClass, now), priorityClass.preemptionPolicy ?? '<none>'],
};
PRINTERS['Lease'] = {
  columns: [nameColumn, column('Holder'), column('Age')],
  cells: (lease, now) => [lease.metadata.name, lease.spec?.holderIdentity ?? '', age(lease, now)],
};
/**
 * Events, as `kubectl get events` prints them (printers.go printEvent): no Name column first,
 * the object as `kind/name`, and how long ago it was last seen (an events.k8s.io event: when its
 * series was last observed, or its eventTime).
 */
PRINTERS['Event'] = {
  columns: [column('Last Seen'), column('Type'), column('Reason'), column('Object'), column('Subobject', 1), column('Source', 1), column('Message'), column('First Seen', 1), column('Count', 1, 'integer'), column('Name', 1)],
  cells: (event, now) => {
    const since = (time: string | undefined) => (time ? humanDuration(now - Date.parse(time)) : '<unknown>');
    const first = since(event.firstTimestamp || event.eventTime);
    // An events.k8s.io series counts itself: its last time and count stand in for lastTimestamp and count.
    const last = event.series ? since(event.series.lastObservedTime) : event.lastTimestamp ? since(event.lastTimestamp) : first;
    const count = event.series ? (event.series.count ?? 0) : event.count || 1;
    const involved = event.involvedObject ?? {};
    const target = involved.name ? `${String(involved.kind ?? '').toLowerCase()}/${involved.name}` : String(involved.kind ?? '').toLowerCase();
    const source = [event.source?.component || event.reportingComponent, event.source?.host || event.reportingInstance].filter(Boolean).join(', ');
    return [last, event.type ?? '', event.reason ?? '', target, involved.fieldPath ?? '', source, String(event.message ?? '').trim(), first, count, event.metadata.name];
  },
};

/**
 * RoleBindings and ClusterRoleBindings, as printers.go printRoleBinding prints them: the role as
 * `Kind/name`, and with -o wide who it binds (Roles and ClusterRoles take the default columns).
 */
const bindingPrinter: Printer = {
  columns: [nameColumn, column('Role'), column('Age'), column('Users', 1), column('Groups', 1), column('ServiceAccounts', 1)],
  cells: (binding, now) => {
    const subjects: { kind: string; name: string; namespace?: string }[] = binding.subjects ?? [];
    const named = (kind: string) => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name)).join(', ');
    return [binding.metadata.name, `${binding.roleRef?.kind ?? ''}/${binding.roleRef?.name ?? ''}`, age(binding, now), named('User'), named('Group'), named('ServiceAccount')];
  },
};
PRINTERS['RoleBinding'] = bindingPrinter;
PRINTERS['ClusterRoleBinding'] = bindingPrinter;

/** Any other kind: its name and when it was made (the DefaultTableConvertor). */
const DEFAULT_PRINTER: Printer = {
  columns: [nameColumn, column('Created At', 0, 'string', 'date')],
  cells: (object) => [object.metadata.name, object.metadata.creationTimestamp ?? ''],
};

/** True when an Accept header asks for a Table (kubectl get does; kubectl get -o json does not). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((type) => /;\s*as=Table/.test(type) && /g=meta\.k8s\.io/.test(type));
}

/**
 * The Table of `objects` of kind `kind`; each row carries its whole object (kubectl's `-l` and
 * `--show-labels` read the labels there).
 *
 * @param listMeta - the list's metadata (resourceVersion, continue), kept on the table
 * @param own - the kind's own printer, for a custom resource (its additionalPrinterColumns)
 */
export function toTable(objects: KubeObject[], kind: string, now: number, listMeta: object = {}, own?: TablePrinter): object {
  const printer = own ?? PRINTERS[kind] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: printer.columns,
    rows: objects.map((object) => ({ cells: printer.cells(object, now), object })),
  };
}
