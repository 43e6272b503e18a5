/**
 * Where each group-version ranks in discovery (kube-apiserver v1.32's apiVersionPriorities, which
 * its APIServices carry as groupPriorityMinimum and versionPriority): `/apis` lists the groups
 * from the highest group priority down, and each group's versions from the highest version priority
 * down, its first version the preferred one. So `kubectl api-resources` lists apiregistration.k8s.io,
 * then apps, then authentication.k8s.io, ..., and the groups of CustomResourceDefinitions last.
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * apiPriority('apps/v1');               // { group: 17800, version: 15 }
 * apiPriority('stable.example.com/v1'); // { group: 1000, version: 100 }: a CustomResourceDefinition's
 * ```
 */

/** A group-version's rank: its group's minimum priority, and its own within the group. */
export interface ApiPriority {
  group: number;
  version: number;
}

const BUILT_IN: Readonly<Record<string, readonly [group: number, version: number]>> = {
  v1: [18000, 1],
  'apiregistration.k8s.io/v1': [18000, 15],
  'apps/v1': [17800, 15],
  'events.k8s.io/v1': [17750, 15],
  'authentication.k8s.io/v1': [17700, 15],
  'authorization.k8s.io/v1': [17600, 15],
  'autoscaling/v1': [17500, 15],
  'autoscaling/v2': [17500, 30],
  'batch/v1': [17400, 15],
  'certificates.k8s.io/v1': [17300, 15],
  'networking.k8s.io/v1': [17200, 15],
  'policy/v1': [17100, 15],
  'rbac.authorization.k8s.io/v1': [17000, 15],
  'storage.k8s.io/v1': [16800, 15],
  'admissionregistration.k8s.io/v1': [16700, 15],
  'apiextensions.k8s.io/v1': [16700, 15],
  'scheduling.k8s.io/v1': [16600, 15],
  'coordination.k8s.io/v1': [16500, 15],
  'node.k8s.io/v1': [16300, 15],
  'discovery.k8s.io/v1': [16200, 15],
  'flowcontrol.apiserver.k8s.io/v1': [16100, 21],
};

/** A CustomResourceDefinition's group-versions (crdregistration_controller.go): low, ordered among themselves by their versions' names. */
const CUSTOM: ApiPriority = { group: 1000, version: 100 };

/** The rank of a group-version (`v1`, `apps/v1`); a group-version upstream does not list ranks as a custom resource's. */
export function apiPriority(groupVersion: string): ApiPriority {
  const known = BUILT_IN[groupVersion];
  return known ? { group: known[0], version: known[1] } : CUSTOM;
}

/** GA, then beta, then alpha; within each, the higher major then minor first; then any other name, alphabetically (apimachinery's CompareKubeAwareVersionStrings). */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!match) return undefined;
    return { major: Number(match[1]), stage: match[2] === undefined ? 2 : match[2] === 'beta' ? 1 : 0, minor: Number(match[3] ?? 0) };
  };
  const [x, y] = [parse(a), parse(b)];
  if (x && y) return y.stage - x.stage || y.major - x.major || y.minor - x.minor;
  if (x) return -1;
  if (y) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
