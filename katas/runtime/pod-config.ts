/**
 * From a pod to the CRI's configs: what the kubelet asks the runtime for (kubelet
 * `kuberuntime_sandbox.go` generatePodSandboxConfig, `kuberuntime_container.go`
 * generateContainerConfig). Kata 23's kubelet calls these.
 *
 * @example
 * ```ts
 * const pod: Pod = { metadata: { name: 'web-1', namespace: 'default', uid: 'u1' },
 *   spec: { containers: [{ name: 'web', image: 'kubekata/echo', ports: [{ containerPort: 8080 }] }] } };
 * sandboxConfigFor(pod);  // { metadata: { name: 'web-1', namespace: 'default', uid: 'u1', attempt: 0 }, hostname: 'web-1', labels: {...} }
 * containerConfigFor(pod, pod.spec!.containers[0]!, { podIP: '127.0.1.2' }).envs;
 * // [POD_NAME=web-1, POD_NAMESPACE=default, POD_IP=127.0.1.2, PORT=8080]
 * ```
 */
import { NotImplemented, type Container, type Pod } from '@kube/kit';
import { RuntimeError, type ContainerConfig, type KeyValue, type PodSandboxConfig } from './cri.ts';

/** The labels the kubelet puts on sandboxes and containers, to find a pod's again after a restart. */
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

/** name, namespace (default `"default"`) and uid of a pod; InvalidArgument without a name or uid. */
function podIdentity(pod: Pod): { name: string; namespace: string; uid: string } {
  const { name, uid } = pod.metadata ?? {};
  if (!name) throw new RuntimeError('InvalidArgument', 'the pod has no metadata.name');
  if (!uid) throw new RuntimeError('InvalidArgument', `pod ${pod.metadata?.namespace ?? 'default'}/${name} has no metadata.uid: the apiserver sets it on create`);
  return { name, namespace: pod.metadata?.namespace || 'default', uid };
}

/** The three pod labels: name, namespace and uid. */
function podLabels(pod: Pod): Record<string, string> {
  const { name, namespace, uid } = podIdentity(pod);
  return { [POD_NAME_LABEL]: name, [POD_NAMESPACE_LABEL]: namespace, [POD_UID_LABEL]: uid };
}

/**
 * The sandbox config of a pod: metadata (name, namespace, uid, attempt), hostname
 * (`spec.hostname`, else the pod's name), the pod's labels plus the three pod labels, the node's
 * network for a pod with `spec.hostNetwork` (`namespaceOptions: { network: 'NODE' }`, and nothing
 * otherwise), and, given a log root, the log directory `<logRoot>/<namespace>_<name>_<uid>` (the
 * kubelet's `/var/log/pods`).
 */
export function sandboxConfigFor(pod: Pod, options: { attempt?: number; logRoot?: string } = {}): PodSandboxConfig {
  // TODO(22): metadata from the pod (namespace default "default", attempt default 0), hostname, labels, namespaceOptions only for hostNetwork, and logDirectory only when logRoot is given.
  throw new NotImplemented('22', 'sandboxConfigFor');
}

/**
 * The config of one container of a pod: its name and attempt, image, command, args, workingDir;
 * the log path `<name>/<attempt>.log`; the pod labels plus the container's name label; and the
 * environment: `POD_NAME`, `POD_NAMESPACE`, `POD_IP` and, when the container declares a port,
 * `PORT` (its first `containerPort`), followed by the container's own `env`, which wins over them
 * (a variable it sets is not listed twice).
 * InvalidArgument for a container without an image.
 */
export function containerConfigFor(pod: Pod, container: Container, options: { podIP: string; attempt?: number }): ContainerConfig {
  // TODO(22): the config of the spec: POD_NAME, POD_NAMESPACE, POD_IP, PORT (first containerPort, if any) unless the container's own env sets them, then its own env; labels; logPath <name>/<attempt>.log; command, args and workingDir only when given.
  throw new NotImplemented('22', 'containerConfigFor');
}
