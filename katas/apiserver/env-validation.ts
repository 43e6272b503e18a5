/**
 * The rules of a container's `env` and `envFrom` (pkg/apis/core/validation/validation.go:
 * `validateEnv`, `validateEnvVarValueFrom`, `ValidateEnvFrom`), checked for every container and
 * init container of a Pod and of a Deployment's or ReplicaSet's pod template. What the kubelet
 * makes of them is the given katas/kubelet/container-environment.ts.
 *
 * | the entry | refused with |
 * | --- | --- |
 * | no name | `env[0].name: Required value` |
 * | `value` and `valueFrom` | `env[0].valueFrom: Invalid value: "": may not be specified when \`value\` is not empty` |
 * | `valueFrom` with no source, or with two | `must specify one of: ...`, `may not have more than one field specified at a time` |
 * | a `fieldRef` of a pod field an env may not read | `valueFrom.fieldRef.fieldPath: Unsupported value: "spec.restartPolicy": supported values: ...` |
 * | a `fieldRef` of no pod field | `valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo` |
 * | a key reference without its name or key | `valueFrom.configMapKeyRef.key: Required value` |
 * | an `envFrom` with no source, or with two | `envFrom[0]: Invalid value: "": must specify one of: \`configMapRef\` or \`secretRef\`` |
 *
 * {@link defaultEnvironmentOf} fills in the sources' defaults first.
 *
 * This file is given: it is the same in katas/ and solutions/. Simplified: an env name is only
 * required, not checked against `IsEnvVarName` (v1.32's RelaxedEnvironmentVariableValidation
 * accepts any printable name but `=` anyway), nor a resourceFieldRef's divisor.
 *
 * @example
 * ```ts
 * validatePodEnvironment({ containers: [{ name: 'app', image: 'x', env: [{ name: 'A', value: '1', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] }, 'spec');
 * // [{ reason: 'FieldValueInvalid', field: 'spec.containers[0].env[0].valueFrom', message: 'Invalid value: "": may not be specified when `value` is not empty' }]
 * ```
 */
import type { Container, EnvFromSource, EnvVar, KubeObject, PodSpec } from '@kube/kit';
import { at, invalidField, requiredField, unsupportedField, type FieldError } from './field-errors.ts';

/** The pod fields an environment variable may read (validEnvDownwardAPIFieldPathExpressions), sorted as upstream lists them. */
const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

/** The pod fields the Downward API knows at all (ConvertDownwardAPIFieldLabel); the others are no field label. */
const DOWNWARD_API_FIELDS = [...ENV_FIELD_PATHS, 'metadata.annotations', 'metadata.labels', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase'];

/** The container resources a resourceFieldRef may read. */
const RESOURCE_FIELDS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** The env and envFrom errors of every container of a pod spec found at `path` (`spec`, `spec.template.spec`). */
export function validatePodEnvironment(spec: PodSpec | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const check = (containers: Container[] | undefined, field: 'containers' | 'initContainers') =>
    (containers ?? []).forEach((container, i) => {
      const here = at(path, field, i);
      (container.env ?? []).forEach((variable, j) => errors.push(...validateEnvVar(variable, at(here, 'env', j))));
      (container.envFrom ?? []).forEach((from, j) => errors.push(...validateEnvFrom(from, at(here, 'envFrom', j))));
    });
  check(spec?.initContainers, 'initContainers');
  check(spec?.containers, 'containers');
  return errors;
}

/**
 * The defaults of env sources (SetDefaults_ObjectFieldSelector, and the zero Quantity Go writes
 * for a divisor left out): a fieldRef's `apiVersion` is `v1`, a resourceFieldRef's `divisor`
 * `"0"` (which the kubelet reads as 1), as `kubectl get pod -o yaml` shows them.
 */
export function defaultEnvironmentOf(object: KubeObject, template: boolean): void {
  const withSpec = object as KubeObject & { spec?: PodSpec & { template?: { spec?: PodSpec } } };
  const spec = template ? withSpec.spec?.template?.spec : withSpec.spec;
  for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const variable of container.env ?? []) {
      const fieldRef = variable.valueFrom?.fieldRef;
      if (fieldRef) fieldRef.apiVersion ||= 'v1';
      const resourceFieldRef = variable.valueFrom?.resourceFieldRef;
      if (resourceFieldRef) resourceFieldRef.divisor ??= '0';
    }
  }
}

/** The env errors of a Pod (`template` false) or of a Deployment's or ReplicaSet's pod template. */
export function validateEnvironmentOf(object: KubeObject, template: boolean): FieldError[] {
  const withSpec = object as KubeObject & { spec?: PodSpec & { template?: { spec?: PodSpec } } };
  return template ? validatePodEnvironment(withSpec.spec?.template?.spec, 'spec.template.spec') : validatePodEnvironment(withSpec.spec, 'spec');
}

function validateEnvVar(variable: EnvVar, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!variable.name) errors.push(requiredField(at(path, 'name')));
  const source = variable.valueFrom;
  if (source === undefined) return errors;
  const fromPath = at(path, 'valueFrom');
  const sources = [source.fieldRef, source.resourceFieldRef, source.configMapKeyRef, source.secretKeyRef].filter((s) => s !== undefined).length;
  if (source.fieldRef) {
    const fieldPath = source.fieldRef.fieldPath;
    if (!fieldPath) errors.push(requiredField(at(fromPath, 'fieldRef', 'fieldPath')));
    else if (/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fieldPath)) {
      // one label or annotation: readable
    } else if (!DOWNWARD_API_FIELDS.includes(fieldPath)) {
      errors.push(invalidField(at(fromPath, 'fieldRef', 'fieldPath'), fieldPath, `error converting fieldPath: field label not supported: ${fieldPath}`));
    } else if (!ENV_FIELD_PATHS.includes(fieldPath)) {
      errors.push(unsupportedField(at(fromPath, 'fieldRef', 'fieldPath'), fieldPath, ENV_FIELD_PATHS));
    }
  }
  if (source.resourceFieldRef) {
    const resource = source.resourceFieldRef.resource;
    if (!resource) errors.push(requiredField(at(fromPath, 'resourceFieldRef', 'resource')));
    else if (!RESOURCE_FIELDS.includes(resource)) errors.push(unsupportedField(at(fromPath, 'resourceFieldRef', 'resource'), resource, RESOURCE_FIELDS));
  }
  for (const [field, ref] of [['configMapKeyRef', source.configMapKeyRef], ['secretKeyRef', source.secretKeyRef]] as const) {
    if (ref === undefined) continue;
    if (!ref.name) errors.push(requiredField(at(fromPath, field, 'name')));
    if (!ref.key) errors.push(requiredField(at(fromPath, field, 'key')));
  }
  if (sources === 0) errors.push(invalidField(fromPath, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (variable.value) errors.push(invalidField(fromPath, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errors.push(invalidField(fromPath, '', 'may not have more than one field specified at a time'));
  return errors;
}

function validateEnvFrom(from: EnvFromSource, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const sources = [from.configMapRef, from.secretRef].filter((s) => s !== undefined).length;
  if (from.configMapRef && !from.configMapRef.name) errors.push(requiredField(at(path, 'configMapRef', 'name')));
  if (from.secretRef && !from.secretRef.name) errors.push(requiredField(at(path, 'secretRef', 'name')));
  if (sources === 0) errors.push(invalidField(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
  else if (sources > 1) errors.push(invalidField(path, '', 'may not have more than one field specified at a time'));
  return errors;
}
