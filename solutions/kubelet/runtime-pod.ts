/**
 * What the runtime has of one pod, read in one go: its sandboxes and its containers, newest
 * first (upstream: kubecontainer.PodStatus, from `kuberuntime_manager.go` GetPodStatus). Given
 * code: the kubelet reads it before every sync and compares it with the pod's spec.
 *
 * @example
 * ```ts
 * const status = await readRuntimePod(runtime, pod.metadata.uid!);
 * status.sandboxes[0]?.state;                          // 'SANDBOX_READY'
 * newestContainer(status, 'web')?.metadata.attempt;    // 2: it restarted twice
 * ```
 */
import type { Pod } from '@kube/kit';
import { POD_UID_LABEL, type ContainerStatus as CriContainerStatus, type PodSandboxStatus, type RuntimeService } from '@kube/runtime';

/** A pod as the runtime has it: sandboxes and containers, newest first. */
export interface RuntimePod {
  /** the pod's uid */
  uid: string;
  /** newest first; the first is the one the pod uses */
  sandboxes: PodSandboxStatus[];
  /** every container of every sandbox of the pod, newest first */
  containers: CriContainerStatus[];
}

/** Reads the pod's sandboxes and containers from the runtime (by the pod uid label). */
export async function readRuntimePod(runtime: RuntimeService, uid: string): Promise<RuntimePod> {
  const selector = { labelSelector: { [POD_UID_LABEL]: uid } };
  const sandboxes = await Promise.all((await runtime.listPodSandbox(selector)).map((s) => runtime.podSandboxStatus(s.id)));
  const containers = await Promise.all((await runtime.listContainers(selector)).map((c) => runtime.containerStatus(c.id)));
  // The lists are oldest first: reversed, the newest is first (ties keep creation order).
  return { uid, sandboxes: sandboxes.reverse(), containers: containers.reverse() };
}

/** The newest container called `name` (any state), or undefined: upstream's FindContainerStatusByName. */
export function newestContainer(pod: RuntimePod, name: string): CriContainerStatus | undefined {
  return pod.containers.find((c) => c.metadata.name === name);
}

/** The pod's IP: its newest sandbox's, while that sandbox is ready; `''` otherwise. */
export function podIP(pod: RuntimePod): string {
  const sandbox = pod.sandboxes[0];
  return sandbox?.state === 'SANDBOX_READY' ? sandbox.network.ip : '';
}

/** `namespace/name` of a pod, for messages and keys. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** How upstream names a pod in messages: `name_namespace(uid)` (format.Pod). */
export function podDescription(pod: Pod): string {
  return `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`;
}
