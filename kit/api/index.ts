/**
 * The Kubernetes API objects of the workbook, with Kubernetes' own field names and shapes, so that
 * manifests written for Kubernetes, `kubectl` and `@kubernetes/client-node` work with them.
 *
 * Why written by hand: the `kubernetes-types` package has every field of every kind, generated
 * from the OpenAPI document, with upstream's long descriptions; it is complete and exact, and a
 * learner reading it drowns. These types keep the fields the katas use, say in one line what each
 * is for and which kata gives it meaning, and narrow strings to their real values (`TaintEffect`,
 * `PodPhase`). They are not trusted blindly: test/kit/api-compat.test.ts checks at compile time
 * that every type here is assignable to its kubernetes-types counterpart, so a misspelt field or
 * a wrong shape fails `npm test`.
 * @module
 */
export * from './meta.ts';
export * from './pod.ts';
export * from './node.ts';
export * from './service.ts';
export * from './apps.ts';
export * from './coordination.ts';
export * from './helpers.ts';
