/**
 * StatefulSets (apps/v1) as kube-apiserver stores them: defaults, validation and what an update
 * may change. Given code, beyond the katas (upstream: `pkg/apis/apps/v1/defaults.go`
 * SetDefaults_StatefulSet, `pkg/registry/apps/statefulset/strategy.go`,
 * `pkg/apis/apps/validation/validation.go` ValidateStatefulSet). The pod template goes through
 * kata 07's `validatePodSpec`, as a DaemonSet's does.
 *
 * ```
 * POST a StatefulSet "web" with only replicas, serviceName, selector and template:
 *   spec.podManagementPolicy                     OrderedReady
 *   spec.updateStrategy                          {type: RollingUpdate, rollingUpdate: {partition: 0}}
 *   spec.revisionHistoryLimit                    10
 *   spec.persistentVolumeClaimRetentionPolicy    {whenDeleted: Retain, whenScaled: Retain}
 * PUT it back with another serviceName:
 *   spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template',
 *   'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden
 * ```
 *
 * Each of `volumeClaimTemplates` is defaulted as a claim is (apiVersion v1, kind
 * PersistentVolumeClaim, volumeMode Filesystem, status Pending) and, as upstream, not validated
 * further: a template the apiserver would refuse as a claim shows as the controller's FailedCreate
 * event when it makes the claim. `rollingUpdate.maxUnavailable` is dropped, as v1.32 drops it with
 * its feature gate (MaxUnavailableStatefulSet) off.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, PersistentVolumeClaim, StatefulSet, StatusCause } from '@kube/kit';
import { defaultObjectNamespace, defaultPodSpec } from './defaulting.ts';
import { validateDnsOf } from './dns-validation.ts';
import { defaultEnvironmentOf, validateEnvironmentOf } from './env-validation.ts';
import { defaultVolumesOf } from './volume-defaults.ts';
import { at, forbiddenField, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { isDNS1123Subdomain } from './names.ts';
import { defaultPersistentVolumeClaim } from './storage-strategy.ts';
import { validateObjectMeta } from './validation.ts';
import { validateSelectorAndTemplate } from './workload-template.ts';

/** SetDefaults_StatefulSet, and the pod template's defaults. */
export function defaultStatefulSet(sts: StatefulSet): void {
  defaultObjectNamespace(sts);
  const spec = sts.spec;
  if (!spec) return;
  spec.podManagementPolicy ??= 'OrderedReady';
  const strategy = (spec.updateStrategy ??= {});
  if (strategy.type === undefined) {
    strategy.type = 'RollingUpdate';
    strategy.rollingUpdate ??= {};
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) {
    strategy.rollingUpdate.partition ??= 0;
    delete strategy.rollingUpdate.maxUnavailable; // its feature gate is off in v1.32
  }
  const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
  retention.whenDeleted ??= 'Retain';
  retention.whenScaled ??= 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
  defaultEnvironmentOf(sts, true);
  defaultVolumesOf(sts, true);
  spec.volumeClaimTemplates = spec.volumeClaimTemplates?.map(defaultClaimTemplate);
  if (spec.volumeClaimTemplates === undefined) delete spec.volumeClaimTemplates;
}

/** A claim template as upstream stores one: a whole claim, with its kind, its defaults and a Pending status. */
function defaultClaimTemplate(template: PersistentVolumeClaim): PersistentVolumeClaim {
  const claim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...template, metadata: template.metadata ?? {} };
  defaultPersistentVolumeClaim(claim);
  claim.status = { phase: 'Pending', ...claim.status };
  return claim;
}

/** ValidateStatefulSet: the metadata, the policies, the numbers, the selector and the template. */
export function validateStatefulSet(obj: KubeObject): StatusCause[] {
  const sts = obj as StatefulSet;
  const errors: StatusCause[] = validateObjectMeta(sts.metadata, true, isDNS1123Subdomain);
  const spec = sts.spec;
  if (!spec) return [...errors, requiredField('spec.selector'), requiredField('spec.template')];
  if (spec.podManagementPolicy !== undefined && spec.podManagementPolicy !== 'OrderedReady' && spec.podManagementPolicy !== 'Parallel') {
    errors.push(unsupportedField('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  }
  const strategy = spec.updateStrategy;
  if (strategy?.type !== undefined && strategy.type !== 'RollingUpdate' && strategy.type !== 'OnDelete') {
    errors.push(unsupportedField('spec.updateStrategy.type', strategy.type, ['OnDelete', 'RollingUpdate']));
  } else if (strategy?.type === 'OnDelete' && strategy.rollingUpdate) {
    errors.push(invalidField('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  }
  const partition = strategy?.rollingUpdate?.partition;
  if (partition !== undefined) errors.push(...nonNegative(partition, 'spec.updateStrategy.rollingUpdate.partition'));
  errors.push(...nonNegative(spec.replicas, 'spec.replicas'));
  errors.push(...nonNegative(spec.minReadySeconds, 'spec.minReadySeconds'));
  errors.push(...nonNegative(spec.ordinals?.start, 'spec.ordinals.start'));
  for (const field of ['whenDeleted', 'whenScaled'] as const) {
    const value = spec.persistentVolumeClaimRetentionPolicy?.[field];
    if (value !== undefined && value !== 'Retain' && value !== 'Delete') errors.push(unsupportedField(at('spec', 'persistentVolumeClaimRetentionPolicy', field), value, ['Retain', 'Delete']));
  }
  errors.push(...validateSelectorAndTemplate('StatefulSet', spec.selector, spec.template));
  errors.push(...validateEnvironmentOf(sts, true));
  errors.push(...validateDnsOf(sts, true));
  return errors;
}

function nonNegative(value: number | undefined, path: string): StatusCause[] {
  return value === undefined || (Number.isInteger(value) && value >= 0) ? [] : [invalidField(path, value, 'must be greater than or equal to 0')];
}

/** The fields of the spec an update may change (ValidateStatefulSetUpdate, v1.32). */
const UPDATABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'] as const;

/** ValidateStatefulSetUpdate: only {@link UPDATABLE} may change; everything else (serviceName, selector, ...) is fixed. */
export function validateStatefulSetUpdate(next: StatefulSet, stored: StatefulSet): StatusCause[] {
  const strip = (spec: StatefulSet['spec']) => Object.fromEntries(Object.entries(spec ?? {}).filter(([field]) => !(UPDATABLE as readonly string[]).includes(field)));
  if (isDeepStrictEqual(strip(next.spec), strip(stored.spec))) return [];
  return [forbiddenField('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}
