/**
 * RuntimeClasses (node.k8s.io/v1) as kube-apiserver v1.32 stores them, and the RuntimeClass
 * admission plugin that applies a pod's class to it. Given code, beyond the katas (upstream:
 * pkg/apis/node/validation, plugin/pkg/admission/runtimeclass).
 *
 * ```
 * RuntimeClass gvisor: handler runsc, overhead {podFixed: {memory: 120Mi}}, scheduling {nodeSelector: {sandbox: gvisor}}
 * kubectl run web --image=nginx --overrides='{"spec":{"runtimeClassName":"gvisor"}}'
 *   stored: spec.overhead {memory: 120Mi}, spec.nodeSelector {sandbox: gvisor}
 * a pod that names runtimeClassName: kata, with no such class:
 *   pods "web" is forbidden: pod rejected: RuntimeClass "kata" not found
 * ```
 *
 * Where it simplifies: the cluster's nodes have one runtime, and run a pod of any class with it
 * (upstream's kubelet refuses a handler its runtime is not configured for: FailedCreatePodSandBox).
 */
import type { KubeObject, Pod, RuntimeClass, StatusCause, Toleration } from '@kube/kit';
import type { AdmissionPlugin } from './admission.ts';
import type { AdmissionRequest } from './auth-api.ts';
import { invalidField, requiredField } from './field-errors.ts';
import { isDNS1123Label, isDNS1123Subdomain } from './names.ts';
import { forbidden } from './status.ts';
import { validateObjectMeta, validateResourceList } from './validation.ts';

/** ValidateRuntimeClass: a DNS-label handler, amounts that parse. */
export function validateRuntimeClass(obj: KubeObject): StatusCause[] {
  const runtimeClass = obj as RuntimeClass;
  const errors: StatusCause[] = validateObjectMeta(runtimeClass.metadata, false, isDNS1123Subdomain);
  if (!runtimeClass.handler) errors.push(requiredField('handler'));
  else errors.push(...isDNS1123Label(runtimeClass.handler).map((message) => invalidField('handler', runtimeClass.handler, message)));
  if (runtimeClass.overhead?.podFixed) errors.push(...validateResourceList(runtimeClass.overhead.podFixed, 'overhead.podFixed'));
  return errors;
}

/** ValidateRuntimeClassUpdate: the handler is fixed. */
export function validateRuntimeClassUpdate(next: KubeObject, stored: KubeObject): StatusCause[] {
  const handler = (next as RuntimeClass).handler;
  return handler === (stored as RuntimeClass).handler ? [] : [invalidField('handler', handler, 'field is immutable')];
}

type PodSpecWithClass = NonNullable<Pod['spec']> & { runtimeClassName?: string; overhead?: Record<string, string> };

/**
 * RuntimeClass (mutating and validating, pods' creates): a pod that names a class gets its
 * overhead (or must already say the same) and its scheduling — the class's nodeSelector merged
 * into the pod's (a key both set differently is a conflict) and its tolerations added. A class
 * that does not exist refuses the pod.
 */
export class RuntimeClassAdmission implements AdmissionPlugin {
  readonly name = 'RuntimeClass';

  /** @param classes - looks a RuntimeClass up by name */
  constructor(private readonly classes: (name: string) => RuntimeClass | undefined | Promise<RuntimeClass | undefined>) {}

  async admit(request: AdmissionRequest): Promise<void> {
    const { attributes, operation, object } = request;
    if (operation !== 'CREATE' || attributes.resource !== 'pods' || attributes.subresource !== '' || !object) return;
    const pod = object as Pod;
    const spec = pod.spec as PodSpecWithClass | undefined;
    const className = spec?.runtimeClassName;
    if (!spec || !className) return;
    const name = pod.metadata.name || pod.metadata.generateName || attributes.name;
    const runtimeClass = await this.classes(className);
    if (!runtimeClass) throw forbidden('pods', name, `pod rejected: RuntimeClass ${JSON.stringify(className)} not found`);
    const fixed = runtimeClass.overhead?.podFixed;
    if (fixed) {
      if (spec.overhead && JSON.stringify(sorted(spec.overhead)) !== JSON.stringify(sorted(fixed))) throw forbidden('pods', name, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      spec.overhead = { ...fixed };
    }
    const selector = runtimeClass.scheduling?.nodeSelector ?? {};
    for (const [key, value] of Object.entries(selector)) {
      const own = spec.nodeSelector?.[key];
      if (own !== undefined && own !== value) throw forbidden('pods', name, `pod rejected: conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${value}; pod.spec.nodeSelector[${key}] = ${own}`);
    }
    if (Object.keys(selector).length > 0) spec.nodeSelector = { ...spec.nodeSelector, ...selector };
    const tolerations = runtimeClass.scheduling?.tolerations ?? [];
    const missing = tolerations.filter((toleration) => !(spec.tolerations ?? []).some((own) => sameToleration(own, toleration)));
    if (missing.length > 0) spec.tolerations = [...(spec.tolerations ?? []), ...missing];
  }
}

function sorted(amounts: Record<string, string>): [string, string][] {
  return Object.entries(amounts).sort(([a], [b]) => (a < b ? -1 : 1));
}

function sameToleration(a: Toleration, b: Toleration): boolean {
  return a.key === b.key && (a.operator ?? 'Equal') === (b.operator ?? 'Equal') && a.value === b.value && a.effect === b.effect && a.tolerationSeconds === b.tolerationSeconds;
}
