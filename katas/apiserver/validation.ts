/**
 * Validation: what the apiserver refuses to store (pkg/apis/core/validation/validation.go,
 * pkg/apis/apps/validation/validation.go, apimachinery's api/validation/objectmeta.go).
 *
 * Every validator returns the list of what is wrong, as field errors (`FieldError`, a kit
 * `StatusCause`): `[]` means valid. Each error names the exact path of the field
 * (`spec.containers[1].name`), so that `kubectl apply` can point at the line to fix. The registry
 * (kata 08) turns a non-empty list into an Invalid (422) Status with {@link assertValid}.
 *
 * A validator reports every problem it finds, not only the first: a user who fixes one and tries
 * again should not discover the next one only then.
 *
 * Validation accepts a field's absence wherever defaulting (defaulting.ts) would fill it in
 * (`restartPolicy`, a port's `protocol`, `strategy`), so it may run before or after defaults.
 *
 * @example
 * ```ts
 * validatePod({ metadata: { name: 'web', namespace: 'default' },
 *   spec: { containers: [{ name: 'app', image: 'nginx' }, { name: 'app' }] } });
 * // [ { reason: 'FieldValueDuplicate', field: 'spec.containers[1].name', message: 'Duplicate value: "app"' },
 * //   { reason: 'FieldValueRequired',  field: 'spec.containers[1].image', message: 'Required value' } ]
 * ```
 */
import { isIP } from 'node:net';
import { NotImplemented } from '@kube/kit';
import type {
  Container,
  ContainerPort,
  Deployment,
  DeploymentStrategy,
  KubeObject,
  LabelSelector,
  Namespace,
  Node,
  ObjectMeta,
  Pod,
  PodSpec,
  PodTemplateSpec,
  ReplicaSet,
  ResourceRequirements,
  Service,
  ServiceSpec,
  Toleration,
} from '@kube/kit';
import { at, duplicateField, forbiddenField, invalidField, requiredField, tooLongField, unsupportedField, type FieldError } from './field-errors.ts';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName } from './names.ts';
import { Quantity, QuantityError } from './quantity.ts';
import { badRequest, invalid } from './status.ts';

/** A rule for an object's name: a check of names.ts (DNS-1123 subdomain for most kinds). */
export type NameRule = (name: string) => string[];

/** The most the annotations of one object may hold, keys and values together, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** "must be greater than or equal to 0". */
export const NON_NEGATIVE_MESSAGE = 'must be greater than or equal to 0';
/** "must be between 1 and 65535, inclusive": a port number out of range. */
export const PORT_RANGE_MESSAGE = 'must be between 1 and 65535, inclusive';
/** A maxSurge or maxUnavailable string that is no percentage ("25%"), in upstream's words (two spaces after "'1%'," included). */
export const PERCENT_MESSAGE = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

const RESTART_POLICIES = ['Always', 'Never', 'OnFailure'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/**
 * The metadata every object carries (ValidateObjectMeta): a name (or a generateName) that follows
 * `nameRule`, a namespace exactly when the kind is namespaced, valid labels and annotations.
 *
 * @param namespaced - true for kinds that live in a namespace (Pod), false for the others (Node)
 * @example
 * ```ts
 * validateObjectMeta({ name: 'web' }, true, isDNS1123Subdomain);
 * // [{ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' }]
 * ```
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, namespaced: boolean, nameRule: NameRule, path = 'metadata'): FieldError[] {
  // TODO(07): name (or generateName) by nameRule, namespace exactly when namespaced, labels, annotations.
  throw new NotImplemented('07', 'validateObjectMeta');
}

/**
 * Labels (ValidateLabels): every key a qualified name, every value a label value. Every error is
 * on the map's path (`metadata.labels`), with the bad key or value as the value.
 */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  // TODO(07): each key a qualified name, each value a label value; errors on the map path.
  throw new NotImplemented('07', 'validateLabels');
}

/**
 * Annotations (ValidateAnnotations): every key a qualified name once lower-cased, and at most
 * {@link TOTAL_ANNOTATION_SIZE_LIMIT} bytes of keys and values in all. Values are free text.
 */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  // TODO(07): keys as qualified names (lower-cased); the total size.
  throw new NotImplemented('07', 'validateAnnotations');
}

/**
 * A label selector (ValidateLabelSelector): valid matchLabels, and each expression a qualified key
 * with values exactly when its operator needs them.
 */
export function validateLabelSelector(selector: LabelSelector, path: string): FieldError[] {
  // TODO(07): matchLabels as labels; each expression: key, operator, values.
  throw new NotImplemented('07', 'validateLabelSelector');
}

/** True when `labels` satisfy every part of `selector` (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (have[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, key);
    const ok =
      operator === 'In' ? present && values.includes(have[key]!)
      : operator === 'NotIn' ? !present || !values.includes(have[key]!)
      : operator === 'Exists' ? present
      : !present;
    if (!ok) return false;
  }
  return true;
}

/**
 * A map of quantities (`requests`, `limits`, a node's `capacity`): each must parse and not be
 * negative. Errors are on `<path>[<resource>]` and carry the QuantityError's message.
 */
export function validateResourceList(list: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  // TODO(07): each quantity parses and is not negative; errors on <path>[<resource>].
  throw new NotImplemented('07', 'validateResourceList');
}

/**
 * A pod's spec (ValidatePodSpec): at least one container; container names unique across
 * containers and initContainers (a clash is reported on the later one, init containers after
 * containers); a known restartPolicy; grace period and deadline in range; valid nodeSelector,
 * nodeName and tolerations.
 */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  // TODO(07): containers (required, names unique and valid, image, ports, resources), restartPolicy, grace period, deadline, nodeSelector, nodeName, hostname, tolerations.
  throw new NotImplemented('07', 'validatePodSpec');
}

/** A Pod: its metadata (namespaced, a DNS-1123 subdomain name) and its spec. */
export function validatePod(pod: Pod): FieldError[] {
  // TODO(07): metadata, then spec.
  throw new NotImplemented('07', 'validatePod');
}


/**
 * A Deployment (ValidateDeployment): metadata, replicas >= 0, selector and template, strategy,
 * minReadySeconds and revisionHistoryLimit >= 0, progressDeadlineSeconds > minReadySeconds.
 */
export function validateDeployment(deployment: Deployment): FieldError[] {
  // TODO(07): metadata, replicas, selector and template, strategy, the counters.
  throw new NotImplemented('07', 'validateDeployment');
}

/** A ReplicaSet (ValidateReplicaSet): metadata, replicas and minReadySeconds >= 0, selector and template. */
export function validateReplicaSet(replicaSet: ReplicaSet): FieldError[] {
  // TODO(07): metadata, replicas, minReadySeconds, selector and template.
  throw new NotImplemented('07', 'validateReplicaSet');
}

/**
 * A Service (ValidateService): a DNS-1035 name; ports (unless headless or ExternalName) with
 * numbers in range, names that are DNS-1123 labels, required when there are several, and unique,
 * no two ports with the same number and protocol; nodePort only for NodePort and LoadBalancer;
 * a known type and sessionAffinity, with its config only for ClientIP; an externalTrafficPolicy only
 * when externally accessible.
 */
export function validateService(service: Service): FieldError[] {
  // TODO(07): name (DNS-1035), type, ports, selector, clusterIP, externalName, sessionAffinity, externalTrafficPolicy (kit's externallyAccessible).
  throw new NotImplemented('07', 'validateService');
}

/**
 * A Node (ValidateNode): cluster-scoped, a DNS-1123 subdomain name; taints with a qualified key,
 * a label value, a known effect, unique by key and effect; capacity and allocatable that parse.
 */
export function validateNode(node: Node): FieldError[] {
  // TODO(07): metadata (no namespace), taints, capacity and allocatable.
  throw new NotImplemented('07', 'validateNode');
}

/** A Namespace (ValidateNamespace): cluster-scoped, its name a DNS-1123 label. */
export function validateNamespace(namespace: Namespace): FieldError[] {
  // TODO(07): metadata (no namespace, a DNS-1123 label name).
  throw new NotImplemented('07', 'validateNamespace');
}

/** The validators by kind, and the qualified kind an Invalid Status names (`Deployment.apps`). */
const VALIDATORS: Record<string, { validate: (obj: never) => FieldError[]; qualifiedKind: string }> = {
  Pod: { validate: validatePod, qualifiedKind: 'Pod' },
  Service: { validate: validateService, qualifiedKind: 'Service' },
  Node: { validate: validateNode, qualifiedKind: 'Node' },
  Namespace: { validate: validateNamespace, qualifiedKind: 'Namespace' },
  Deployment: { validate: validateDeployment, qualifiedKind: 'Deployment.apps' },
  ReplicaSet: { validate: validateReplicaSet, qualifiedKind: 'ReplicaSet.apps' },
};

/**
 * Validates any object by its `kind`: Pod, Service, Node, Namespace, Deployment or ReplicaSet.
 * @throws StatusError BadRequest for any other kind
 */
export function validateObject(obj: KubeObject): FieldError[] {
  const entry = obj.kind === undefined ? undefined : VALIDATORS[obj.kind];
  if (entry === undefined) throw badRequest(`no validation for kind "${obj.kind ?? ''}"`);
  return entry.validate(obj as never);
}

/**
 * Validates `obj` and throws an Invalid (422) StatusError listing every problem, as the registry
 * does before it stores anything.
 *
 * @example
 * ```ts
 * assertValid({ kind: 'Pod', metadata: { name: 'Web', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'i' }] } });
 * // StatusError Invalid: Pod "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain ...
 * ```
 * @throws StatusError Invalid, or BadRequest for an unknown kind
 */
export function assertValid(obj: KubeObject): void {
  // TODO(07): validate, and throw an Invalid StatusError naming the qualified kind when anything is wrong.
  throw new NotImplemented('07', 'assertValid');
}
