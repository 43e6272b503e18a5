/**
 * What the DaemonSet and StatefulSet controllers share about ControllerRevisions (upstream's
 * pkg/controller/history and each controller's getPatch): a revision's data is a strategic merge
 * patch that puts a pod template back whole, and the label that ties pods and revisions together.
 * Given code, beside the controllers that use it.
 *
 * ```
 * data of a revision:  {"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{...}}}}
 * kubectl rollout undo daemonset/agent --to-revision=1   PATCHes the DaemonSet with exactly that data
 * ```
 */
import { withoutZeroValues, withZeroValues } from '@kube/apiserver';
import type { ControllerRevision, PodTemplateSpec } from '@kube/kit';
import { canonicalJson } from './deployment-util.ts';

/** The label with a revision's hash on the revision, and on each pod made from it. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/**
 * zero-values.ts fills in and drops Go's zero values by kind; every kind whose pod template sits
 * at `spec.template` (a DaemonSet's, a StatefulSet's) is treated alike, so one kind stands for both.
 */
const TEMPLATE_KIND = 'DaemonSet';

/**
 * A revision's data for `template`, written as upstream's getPatch writes it (the template as Go
 * encodes it, every object's keys sorted), so that `kubectl rollout undo`, which compares those
 * bytes, knows a revision the controller already runs.
 */
export function revisionData(template: PodTemplateSpec): object {
  const asGoWritesIt = withZeroValues({ kind: TEMPLATE_KIND, spec: { template } }) as { spec: { template: PodTemplateSpec } };
  return JSON.parse(canonicalJson({ spec: { template: { ...asGoWritesIt.spec.template, $patch: 'replace' } } })) as object;
}

/** The template a revision's data puts back: its `$patch` directive and Go's zero values dropped. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec {
  const { $patch: _directive, ...template } = structuredClone((revision.data as { spec: { template: PodTemplateSpec & { $patch?: string } } }).spec.template);
  return withoutZeroValues({ kind: TEMPLATE_KIND, spec: { template } }).spec.template;
}
