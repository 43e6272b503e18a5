/**
 * DaemonSets and ControllerRevisions (apps/v1) as kube-apiserver stores them: defaults, validation,
 * what an update may not change, and the template generation. Given code, beyond the katas
 * (upstream: `pkg/apis/apps/v1/defaults.go` SetDefaults_DaemonSet,
 * `pkg/registry/apps/daemonset/strategy.go`, `pkg/registry/apps/controllerrevision/strategy.go`,
 * `pkg/apis/apps/validation/validation.go`). The pod template goes through kata 07's
 * `validatePodSpec`, as a Job's does.
 *
 * ```
 * POST a DaemonSet "agent" with no updateStrategy:
 *   spec.updateStrategy            {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 0}}
 *   spec.revisionHistoryLimit      10
 *   metadata.generation            1
 *   annotations                    deprecated.daemonset.template.generation: "1"
 * PUT it back with another image:
 *   metadata.generation            2
 *   annotations                    deprecated.daemonset.template.generation: "2"   (the server's count, whatever the client sent)
 * ```
 *
 * The annotation is how apps/v1 shows the internal `spec.templateGeneration`: the controller labels
 * each pod `pod-template-generation` with it, so an old pod can be told from a new one.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ControllerRevision, DaemonSet, DaemonSetUpdateStrategy, KubeObject, StatusCause } from '@kube/kit';
import { defaultObjectNamespace, defaultPodSpec } from './defaulting.ts';
import { validateDnsOf } from './dns-validation.ts';
import { defaultEnvironmentOf, validateEnvironmentOf } from './env-validation.ts';
import { defaultVolumesOf } from './volume-defaults.ts';
import { at, invalidField, requiredField, unsupportedField } from './field-errors.ts';
import { intOrPercentAmount, validateIntOrPercent } from './int-or-percent.ts';
import { isDNS1123Subdomain } from './names.ts';
import { validateObjectMeta } from './validation.ts';
import { validateSelectorAndTemplate } from './workload-template.ts';

/** The annotation that carries a DaemonSet's template generation in apps/v1. */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

/** SetDefaults_DaemonSet, and the pod template's defaults. */
export function defaultDaemonSet(ds: DaemonSet): void {
  defaultObjectNamespace(ds);
  const spec = ds.spec;
  if (!spec) return;
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const rolling = (strategy.rollingUpdate ??= {});
    rolling.maxUnavailable ??= 1;
    rolling.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
  defaultEnvironmentOf(ds, true);
  defaultVolumesOf(ds, true);
}

/** The template generation a DaemonSet carries: its annotation's number, 0 without one. */
export function templateGenerationOf(ds: KubeObject): number {
  const value = Number(ds.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

function setTemplateGeneration(ds: KubeObject, generation: number): void {
  ds.metadata.annotations = { ...ds.metadata.annotations, [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

/** The strategy's PrepareForCreate: an empty status, and template generation 1 unless the client gave one. */
export function prepareDaemonSetForCreate(ds: DaemonSet): void {
  (ds as KubeObject & { status?: object }).status = {};
  setTemplateGeneration(ds, Math.max(1, templateGenerationOf(ds)));
}

/**
 * The strategy's PrepareForUpdate: the template generation is the server's, one more than the
 * stored one exactly when the template changed.
 */
export function prepareDaemonSetForUpdate(next: DaemonSet, stored: DaemonSet): void {
  // Compared as it will be stored: a manifest that leaves out what defaulting fills in is no change.
  const defaulted = structuredClone(next);
  defaultDaemonSet(defaulted);
  const changed = !isDeepStrictEqual(defaulted.spec?.template, stored.spec?.template);
  setTemplateGeneration(next, templateGenerationOf(stored) + (changed ? 1 : 0));
}

/** ValidateDaemonSet: the metadata, the selector and template, the update strategy, the numbers. */
export function validateDaemonSet(obj: KubeObject): StatusCause[] {
  const ds = obj as DaemonSet;
  const errors: StatusCause[] = validateObjectMeta(ds.metadata, true, isDNS1123Subdomain);
  const spec = ds.spec;
  if (!spec) return [...errors, requiredField('spec.selector'), requiredField('spec.template')];
  errors.push(...validateSelectorAndTemplate('DaemonSet', spec.selector, spec.template));
  for (const field of ['minReadySeconds', 'revisionHistoryLimit'] as const) {
    const value = spec[field];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) errors.push(invalidField(at('spec', field), value, 'must be greater than or equal to 0'));
  }
  errors.push(...validateUpdateStrategy(spec.updateStrategy));
  errors.push(...validateEnvironmentOf(ds, true));
  errors.push(...validateDnsOf(ds, true));
  return errors;
}

/**
 * ValidateDaemonSetUpdateStrategy and ValidateRollingUpdateDaemonSet: a known type; for a rolling
 * update, each bound a number >= 0 or a percentage of at most 100%, and exactly one of them not 0.
 *
 * ```
 * {maxUnavailable: 0, maxSurge: 0}   spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0
 * {maxUnavailable: 1, maxSurge: 1}   spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero
 * ```
 */
function validateUpdateStrategy(strategy: DaemonSetUpdateStrategy | undefined): StatusCause[] {
  if (!strategy) return [];
  const path = 'spec.updateStrategy';
  if (strategy.type === 'OnDelete') return [];
  if (strategy.type !== 'RollingUpdate') return [unsupportedField(at(path, 'type'), strategy.type ?? '', ['RollingUpdate', 'OnDelete'])];
  const rolling = strategy.rollingUpdate;
  if (!rolling) return [requiredField(at(path, 'rollingUpdate'))];
  const here = at(path, 'rollingUpdate');
  const errors: StatusCause[] = [];
  for (const field of ['maxUnavailable', 'maxSurge'] as const) {
    const value = rolling[field];
    if (value !== undefined) errors.push(...validateIntOrPercent(value, at(here, field)));
  }
  const hasUnavailable = intOrPercentAmount(rolling.maxUnavailable) !== 0;
  const hasSurge = intOrPercentAmount(rolling.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errors.push(invalidField(at(here, 'maxSurge'), rolling.maxSurge, 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errors.push(requiredField(at(here, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
  return errors;
}

/** ValidateDaemonSetUpdate, the part beyond the spec's own checks: the selector stays as created. */
export function validateDaemonSetUpdate(next: DaemonSet, stored: DaemonSet): StatusCause[] {
  if (isDeepStrictEqual(next.spec?.selector, stored.spec?.selector)) return [];
  return [invalidField('spec.selector', next.spec?.selector ?? null, 'field is immutable')];
}

/** ValidateControllerRevision: the metadata, `data` required, `revision` >= 0. */
export function validateControllerRevision(obj: KubeObject): StatusCause[] {
  const revision = obj as ControllerRevision;
  const errors: StatusCause[] = validateObjectMeta(revision.metadata, true, isDNS1123Subdomain);
  if (revision.data === undefined || revision.data === null) errors.push(requiredField('data'));
  if (!(Number.isInteger(revision.revision) && revision.revision >= 0)) errors.push(invalidField('revision', revision.revision ?? null, 'must be greater than or equal to 0'));
  return errors;
}

/** ValidateControllerRevisionUpdate: `data` is immutable (a new template is a new revision). */
export function validateControllerRevisionUpdate(next: ControllerRevision, stored: ControllerRevision): StatusCause[] {
  return isDeepStrictEqual(next.data, stored.data) ? [] : [invalidField('data', next.data ?? null, 'field is immutable')];
}
