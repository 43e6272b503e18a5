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
import { externallyAccessible } from '@kube/kit';
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
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

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
  const errors: FieldError[] = [];
  const m = meta ?? {};
  if (m.generateName) {
    // A prefix may end with '-' (the random suffix follows it): check it as if it did not.
    const masked = m.generateName.endsWith('-') ? `${m.generateName.slice(0, -1)}a` : m.generateName;
    for (const message of nameRule(masked)) errors.push(invalidField(at(path, 'generateName'), m.generateName, message));
  }
  if (!m.name) {
    if (!m.generateName) errors.push(requiredField(at(path, 'name'), 'name or generateName is required'));
  } else {
    for (const message of nameRule(m.name)) errors.push(invalidField(at(path, 'name'), m.name, message));
  }
  if (namespaced) {
    if (!m.namespace) errors.push(requiredField(at(path, 'namespace')));
    else for (const message of isDNS1123Label(m.namespace)) errors.push(invalidField(at(path, 'namespace'), m.namespace, message));
  } else if (m.namespace) {
    errors.push(forbiddenField(at(path, 'namespace'), 'not allowed on this type'));
  }
  errors.push(...validateLabels(m.labels, at(path, 'labels')));
  errors.push(...validateAnnotations(m.annotations, at(path, 'annotations')));
  return errors;
}

/**
 * Labels (ValidateLabels): every key a qualified name, every value a label value. Every error is
 * on the map's path (`metadata.labels`), with the bad key or value as the value.
 */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const message of isQualifiedName(key)) errors.push(invalidField(path, key, message));
    for (const message of isValidLabelValue(value)) errors.push(invalidField(path, value, message));
  }
  return errors;
}

/**
 * Annotations (ValidateAnnotations): every key a qualified name once lower-cased, and at most
 * {@link TOTAL_ANNOTATION_SIZE_LIMIT} bytes of keys and values in all. Values are free text.
 */
export function validateAnnotations(annotations: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const message of isQualifiedName(key.toLowerCase())) errors.push(invalidField(path, key, message));
    size += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errors.push(tooLongField(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errors;
}

/** A whole number that must not be negative, when it is set. */
function nonNegative(value: number | undefined, path: string): FieldError[] {
  if (value === undefined) return [];
  return Number.isInteger(value) && value >= 0 ? [] : [invalidField(path, value, NON_NEGATIVE_MESSAGE)];
}

/** A port number 1..65535. */
function portNumber(value: number, path: string): FieldError[] {
  return Number.isInteger(value) && value >= 1 && value <= 65535 ? [] : [invalidField(path, value, PORT_RANGE_MESSAGE)];
}

/**
 * A label selector (ValidateLabelSelector): valid matchLabels, and each expression a qualified key
 * with values exactly when its operator needs them.
 */
export function validateLabelSelector(selector: LabelSelector, path: string): FieldError[] {
  const errors = validateLabels(selector.matchLabels, at(path, 'matchLabels'));
  (selector.matchExpressions ?? []).forEach((expression, i) => {
    const here = at(path, 'matchExpressions', i);
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errors.push(requiredField(at(here, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errors.push(forbiddenField(at(here, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errors.push(invalidField(at(here, 'operator'), expression.operator, 'not a valid selector operator'));
    }
    for (const message of isQualifiedName(expression.key)) errors.push(invalidField(at(here, 'key'), expression.key, message));
  });
  return errors;
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
  const errors: FieldError[] = [];
  for (const [resource, text] of Object.entries(list ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const here = at(path, { key: resource });
    try {
      const quantity = Quantity.parse(text);
      if (quantity.cmp(Quantity.parse('0')) < 0) errors.push(invalidField(here, text, NON_NEGATIVE_MESSAGE));
    } catch (error) {
      if (!(error instanceof QuantityError)) throw error;
      errors.push(invalidField(here, text, error.message));
    }
  }
  return errors;
}

/**
 * May a request be below its limit (IsOvercommitAllowed)? Only for Kubernetes' own resources
 * (`cpu`, `memory`, `kubernetes.io/...`) that are not huge pages: an extended resource
 * (`example.com/gpu`) or `hugepages-2Mi` is handed out whole, so its request must equal its limit.
 */
function overcommitAllowed(resource: string): boolean {
  const native = !resource.includes('/') || resource.includes('kubernetes.io/');
  return native && !resource.startsWith('hugepages-');
}

/** A container's requests and limits: valid lists, and no request above its limit. */
function validateResources(resources: ResourceRequirements | undefined, path: string): FieldError[] {
  const requests = resources?.requests;
  const limits = resources?.limits;
  const errors = [...validateResourceList(limits, at(path, 'limits')), ...validateResourceList(requests, at(path, 'requests'))];
  if (errors.length > 0) return errors;
  for (const [resource, text] of Object.entries(requests ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const limitText = limits?.[resource];
    if (limitText === undefined) continue;
    const request = Quantity.parse(text);
    const limit = Quantity.parse(limitText);
    // On the path of the whole map, as upstream's ValidateResourceRequirements reports it.
    if (!overcommitAllowed(resource) && request.cmp(limit) !== 0) {
      errors.push(invalidField(at(path, 'requests'), request.toString(), `must be equal to ${resource} limit of ${limit}`));
    } else if (request.cmp(limit) > 0) {
      errors.push(invalidField(at(path, 'requests'), request.toString(), `must be less than or equal to ${resource} limit of ${limit}`));
    }
  }
  return errors;
}

/** A container's ports: numbers in range, names unique within the container, known protocols. */
function validateContainerPorts(ports: readonly ContainerPort[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const here = at(path, i);
    if (port.name) {
      for (const message of isValidPortName(port.name)) errors.push(invalidField(at(here, 'name'), port.name, message));
      if (names.has(port.name)) errors.push(duplicateField(at(here, 'name'), port.name));
      names.add(port.name);
    }
    if (!port.containerPort) errors.push(requiredField(at(here, 'containerPort')));
    else errors.push(...portNumber(port.containerPort, at(here, 'containerPort')));
    if (port.hostPort) errors.push(...portNumber(port.hostPort, at(here, 'hostPort')));
    if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errors.push(unsupportedField(at(here, 'protocol'), port.protocol, PROTOCOLS));
  });
  return errors;
}

/** One container: a DNS-1123 label name unique in the pod (`names` holds those seen), an image, ports, resources. */
function validateContainer(container: Container, path: string, names: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  if (!container.name) {
    errors.push(requiredField(at(path, 'name')));
  } else {
    for (const message of isDNS1123Label(container.name)) errors.push(invalidField(at(path, 'name'), container.name, message));
    if (names.has(container.name)) errors.push(duplicateField(at(path, 'name'), container.name));
    names.add(container.name);
  }
  if (!container.image) errors.push(requiredField(at(path, 'image')));
  errors.push(...validateContainerPorts(container.ports ?? [], at(path, 'ports')));
  errors.push(...validateResources(container.resources, at(path, 'resources')));
  return errors;
}

/** Tolerations (validateTolerations): a known operator and effect, and the pairings Kubernetes allows. */
function validateTolerations(tolerations: readonly Toleration[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  tolerations.forEach((toleration, i) => {
    const here = at(path, i);
    if (toleration.key) for (const message of isQualifiedName(toleration.key)) errors.push(invalidField(at(here, 'key'), toleration.key, message));
    if (!toleration.key && toleration.operator !== 'Exists') {
      errors.push(invalidField(at(here, 'operator'), toleration.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (toleration.operator === 'Exists' && toleration.value) {
      errors.push(invalidField(at(here, 'operator'), toleration.operator, "value must be empty when `operator` is 'Exists'"));
    } else if (toleration.operator !== undefined && toleration.operator !== 'Equal' && toleration.operator !== 'Exists') {
      errors.push(unsupportedField(at(here, 'operator'), toleration.operator, ['Equal', 'Exists']));
    }
    if (toleration.effect && !TAINT_EFFECTS.includes(toleration.effect)) errors.push(unsupportedField(at(here, 'effect'), toleration.effect, TAINT_EFFECTS));
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== 'NoExecute') {
      errors.push(invalidField(at(here, 'effect'), toleration.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
  });
  return errors;
}

/**
 * A pod's spec (ValidatePodSpec): at least one container; container names unique across
 * containers and initContainers (a clash is reported on the later one, init containers after
 * containers); a known restartPolicy; grace period and deadline in range; valid nodeSelector,
 * nodeName and tolerations.
 */
export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const s: Partial<PodSpec> = spec ?? {};
  const names = new Set<string>();
  const containers = s.containers ?? [];
  if (containers.length === 0) errors.push(requiredField(at(path, 'containers')));
  containers.forEach((c, i) => errors.push(...validateContainer(c, at(path, 'containers', i), names)));
  (s.initContainers ?? []).forEach((c, i) => errors.push(...validateContainer(c, at(path, 'initContainers', i), names)));
  if (s.restartPolicy !== undefined && !RESTART_POLICIES.includes(s.restartPolicy)) {
    errors.push(unsupportedField(at(path, 'restartPolicy'), s.restartPolicy, RESTART_POLICIES));
  }
  errors.push(...nonNegative(s.terminationGracePeriodSeconds, at(path, 'terminationGracePeriodSeconds')));
  if (s.activeDeadlineSeconds !== undefined && !(Number.isInteger(s.activeDeadlineSeconds) && s.activeDeadlineSeconds >= 1 && s.activeDeadlineSeconds <= 2147483647)) {
    errors.push(invalidField(at(path, 'activeDeadlineSeconds'), s.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  errors.push(...validateLabels(s.nodeSelector, at(path, 'nodeSelector')));
  if (s.nodeName) for (const message of isDNS1123Subdomain(s.nodeName)) errors.push(invalidField(at(path, 'nodeName'), s.nodeName, message));
  if (s.hostname) for (const message of isDNS1123Label(s.hostname)) errors.push(invalidField(at(path, 'hostname'), s.hostname, message));
  errors.push(...validateTolerations(s.tolerations ?? [], at(path, 'tolerations')));
  return errors;
}

/** A Pod: its metadata (namespaced, a DNS-1123 subdomain name) and its spec. */
export function validatePod(pod: Pod): FieldError[] {
  return [...validateObjectMeta(pod.metadata, true, isDNS1123Subdomain), ...validatePodSpec(pod.spec, 'spec')];
}

/**
 * The selector and pod template of a Deployment or ReplicaSet (ValidatePodTemplateSpecForReplicaSet):
 * a non-empty selector that matches the template's labels, a valid template whose pods restart
 * `Always` and have no activeDeadlineSeconds.
 */
function validateSelectorAndTemplate(selector: LabelSelector | undefined, template: PodTemplateSpec | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (selector === undefined) {
    errors.push(requiredField(at(path, 'selector')));
  } else {
    errors.push(...validateLabelSelector(selector, at(path, 'selector')));
    if (Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0) {
      errors.push(invalidField(at(path, 'selector'), selector, 'empty selector is invalid for deployment'));
    }
  }
  if (template === undefined) {
    errors.push(requiredField(at(path, 'template')));
    return errors;
  }
  const labels = template.metadata?.labels ?? {};
  if (selector !== undefined && errors.length === 0 && !selectorMatches(selector, labels)) {
    errors.push(invalidField(at(path, 'template', 'metadata', 'labels'), labels, '`selector` does not match template `labels`'));
  }
  errors.push(...validateLabels(template.metadata?.labels, at(path, 'template', 'metadata', 'labels')));
  errors.push(...validateAnnotations(template.metadata?.annotations, at(path, 'template', 'metadata', 'annotations')));
  const spec = template.spec;
  errors.push(...validatePodSpec(spec, at(path, 'template', 'spec')));
  if (spec?.restartPolicy !== undefined && spec.restartPolicy !== 'Always') {
    errors.push(unsupportedField(at(path, 'template', 'spec', 'restartPolicy'), spec.restartPolicy, ['Always']));
  }
  if (spec?.activeDeadlineSeconds !== undefined) {
    errors.push(forbiddenField(at(path, 'template', 'spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errors;
}

/** maxSurge or maxUnavailable: a whole number >= 0 or a percentage "25%". */
function intOrPercent(value: number | string, path: string): FieldError[] {
  if (typeof value === 'string') return isPercent(value) ? [] : [invalidField(path, value, PERCENT_MESSAGE)];
  return nonNegative(value, path);
}

const isPercent = (value: string): boolean => /^[0-9]+%$/.test(value);

/**
 * What a maxSurge or maxUnavailable counts as (upstream's getIntOrPercentValue): a percentage its
 * number, a number itself, and any other text what Go's `strconv.Atoi` makes of it — `"5"` is 5,
 * `"x5%"` or `"150.5%"` 0 (already refused as no percentage, and so also "zero"). Absent: the
 * default, 25%.
 */
function intOrPercentValue(value: number | string | undefined): number {
  if (value === undefined) return 25;
  if (typeof value === 'number') return value;
  if (isPercent(value)) return Number(value.slice(0, -1));
  return /^[+-]?[0-9]+$/.test(value) ? Number(value) : 0;
}

/** A Deployment's strategy (ValidateDeploymentStrategy, ValidateRollingUpdateDeployment). */
function validateStrategy(strategy: DeploymentStrategy | undefined, path: string): FieldError[] {
  if (strategy === undefined) return [];
  const errors: FieldError[] = [];
  const type = strategy.type;
  if (type !== undefined && type !== 'Recreate' && type !== 'RollingUpdate') {
    errors.push(unsupportedField(at(path, 'type'), type, ['Recreate', 'RollingUpdate']));
  }
  const rolling = strategy.rollingUpdate;
  if (rolling === undefined) return errors;
  if (type === 'Recreate') {
    errors.push(forbiddenField(at(path, 'rollingUpdate'), "may not be specified when strategy `type` is 'Recreate'"));
    return errors;
  }
  const here = at(path, 'rollingUpdate');
  const { maxUnavailable, maxSurge } = rolling;
  if (maxUnavailable !== undefined) errors.push(...intOrPercent(maxUnavailable, at(here, 'maxUnavailable')));
  if (maxSurge !== undefined) errors.push(...intOrPercent(maxSurge, at(here, 'maxSurge')));
  if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
    errors.push(invalidField(at(here, 'maxUnavailable'), maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
  // Only a well-formed percentage is held to 100% (IsNotMoreThan100Percent), after the zero check.
  if (typeof maxUnavailable === 'string' && isPercent(maxUnavailable) && intOrPercentValue(maxUnavailable) > 100) {
    errors.push(invalidField(at(here, 'maxUnavailable'), maxUnavailable, 'must not be greater than 100%'));
  }
  return errors;
}

/**
 * A Deployment (ValidateDeployment): metadata, replicas >= 0, selector and template, strategy,
 * minReadySeconds and revisionHistoryLimit >= 0, progressDeadlineSeconds > minReadySeconds.
 */
export function validateDeployment(deployment: Deployment): FieldError[] {
  const errors = validateObjectMeta(deployment.metadata, true, isDNS1123Subdomain);
  const spec = deployment.spec;
  errors.push(...nonNegative(spec?.replicas, 'spec.replicas'));
  errors.push(...validateSelectorAndTemplate(spec?.selector, spec?.template, 'spec'));
  errors.push(...validateStrategy(spec?.strategy, 'spec.strategy'));
  errors.push(...nonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  errors.push(...nonNegative(spec?.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const deadline = spec?.progressDeadlineSeconds;
  if (deadline !== undefined) {
    errors.push(...nonNegative(deadline, 'spec.progressDeadlineSeconds'));
    // Also when negative: upstream reports -1 (with minReadySeconds 0) both ways.
    if (deadline <= (spec?.minReadySeconds ?? 0)) {
      errors.push(invalidField('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
    }
  }
  return errors;
}

/** A ReplicaSet (ValidateReplicaSet): metadata, replicas and minReadySeconds >= 0, selector and template. */
export function validateReplicaSet(replicaSet: ReplicaSet): FieldError[] {
  const errors = validateObjectMeta(replicaSet.metadata, true, isDNS1123Subdomain);
  const spec = replicaSet.spec;
  errors.push(...nonNegative(spec?.replicas, 'spec.replicas'));
  errors.push(...nonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  errors.push(...validateSelectorAndTemplate(spec?.selector, spec?.template, 'spec'));
  return errors;
}

/**
 * A Service (ValidateService): a DNS-1035 name; ports (unless headless or ExternalName) with
 * numbers in range, names that are DNS-1123 labels, required when there are several, and unique,
 * no two ports with the same number and protocol; nodePort only for NodePort and LoadBalancer;
 * a known type and sessionAffinity, with its config only for ClientIP; an externalTrafficPolicy only
 * when externally accessible.
 */
export function validateService(service: Service): FieldError[] {
  const errors = validateObjectMeta(service.metadata, true, isDNS1035Label);
  const spec: ServiceSpec = service.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(type)) errors.push(unsupportedField('spec.type', type, SERVICE_TYPES));
  const ports = spec.ports ?? [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') errors.push(requiredField('spec.ports'));
  const names = new Set<string>();
  const numbers = new Set<string>();
  ports.forEach((port, i) => {
    const here = at('spec', 'ports', i);
    if (!port.name) {
      if (ports.length > 1) errors.push(requiredField(at(here, 'name')));
    } else {
      for (const message of isDNS1123Label(port.name)) errors.push(invalidField(at(here, 'name'), port.name, message));
      if (names.has(port.name)) errors.push(duplicateField(at(here, 'name'), port.name));
      names.add(port.name);
    }
    errors.push(...portNumber(port.port, at(here, 'port')));
    if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol)) errors.push(unsupportedField(at(here, 'protocol'), port.protocol, PROTOCOLS));
    const target = port.targetPort;
    if (typeof target === 'number' && target !== 0) errors.push(...portNumber(target, at(here, 'targetPort')));
    if (typeof target === 'string' && target !== '') for (const message of isValidPortName(target)) errors.push(invalidField(at(here, 'targetPort'), target, message));
    if (port.nodePort && type !== 'NodePort' && type !== 'LoadBalancer') {
      errors.push(forbiddenField(at(here, 'nodePort'), `may not be used when \`type\` is '${type}'`));
    }
    const key = `${port.port}/${port.protocol ?? 'TCP'}`;
    if (numbers.has(key)) errors.push(duplicateField(here, key));
    numbers.add(key);
  });
  errors.push(...validateLabels(spec.selector, 'spec.selector'));
  if (spec.clusterIP && spec.clusterIP !== 'None' && isIP(spec.clusterIP) === 0) {
    errors.push(invalidField('spec.clusterIP', spec.clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (type === 'ExternalName') {
    if (!spec.externalName) errors.push(requiredField('spec.externalName'));
    else for (const message of isDNS1123Subdomain(spec.externalName)) errors.push(invalidField('spec.externalName', spec.externalName, message));
  }
  const affinity = spec.sessionAffinity;
  if (affinity !== undefined && affinity !== 'None' && affinity !== 'ClientIP') {
    errors.push(unsupportedField('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  } else if (affinity === 'ClientIP') {
    const timeout = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0 && timeout <= 86400)) {
      errors.push(invalidField('spec.sessionAffinityConfig.clientIP.timeoutSeconds', timeout, 'must be greater than 0 and less than 86400'));
    }
  } else if (spec.sessionAffinityConfig !== undefined) {
    errors.push(forbiddenField('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  errors.push(...validateExternalTrafficPolicy(service));
  return errors;
}

/**
 * externalTrafficPolicy (validateServiceExternalTrafficPolicy): it says how traffic from outside
 * reaches the pods, so only an externally accessible Service may have one, and it is Cluster or
 * Local. A PUT that turns a NodePort Service into a ClusterIP one and leaves the policy as it was
 * loses it before this runs (resources.ts, upstream's dropTypeDependentFields).
 */
function validateExternalTrafficPolicy(service: Service): FieldError[] {
  const policy = service.spec?.externalTrafficPolicy;
  if (policy === undefined || (policy as string) === '') return [];
  if (!externallyAccessible(service)) return [invalidField('spec.externalTrafficPolicy', policy, 'may only be set for externally-accessible services')];
  if (!TRAFFIC_POLICIES.includes(policy)) return [unsupportedField('spec.externalTrafficPolicy', policy, TRAFFIC_POLICIES)];
  return [];
}

/**
 * A Node (ValidateNode): cluster-scoped, a DNS-1123 subdomain name; taints with a qualified key,
 * a label value, a known effect, unique by key and effect; capacity and allocatable that parse.
 */
export function validateNode(node: Node): FieldError[] {
  const errors = validateObjectMeta(node.metadata, false, isDNS1123Subdomain);
  const seen = new Set<string>();
  (node.spec?.taints ?? []).forEach((taint, i) => {
    const here = at('spec', 'taints', i);
    for (const message of isQualifiedName(taint.key)) errors.push(invalidField(at(here, 'key'), taint.key, message));
    if (taint.value) for (const message of isValidLabelValue(taint.value)) errors.push(invalidField(at(here, 'value'), taint.value, message));
    if (!taint.effect) errors.push(requiredField(at(here, 'effect')));
    else if (!TAINT_EFFECTS.includes(taint.effect)) errors.push(unsupportedField(at(here, 'effect'), taint.effect, TAINT_EFFECTS));
    const key = `${taint.key}:${taint.effect}`;
    if (seen.has(key)) {
      const error = duplicateField(here, { key: taint.key, effect: taint.effect });
      errors.push({ ...error, message: `${error.message}: taints must be unique by key and effect pair` });
    }
    seen.add(key);
  });
  errors.push(...validateResourceList(node.status?.capacity, 'status.capacity'));
  errors.push(...validateResourceList(node.status?.allocatable, 'status.allocatable'));
  return errors;
}

/** A Namespace (ValidateNamespace): cluster-scoped, its name a DNS-1123 label. */
export function validateNamespace(namespace: Namespace): FieldError[] {
  return validateObjectMeta(namespace.metadata, false, isDNS1123Label);
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
  const errors = validateObject(obj);
  if (errors.length > 0) throw invalid(VALIDATORS[obj.kind!]!.qualifiedKind, obj.metadata?.name ?? '', errors);
}
