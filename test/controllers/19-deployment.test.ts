/**
 * Kata 19 — the Deployment controller. The spec is katas/controllers/19-deployment.md.
 *
 * The examples read as the spec: the pod-template-hash, maxSurge and maxUnavailable, which
 * ReplicaSet is new, the status and its conditions; then the controller with kata 18's ReplicaSet
 * controller against a real registry: a first rollout, a rolling update step by step, Recreate, a
 * rollback that reuses its ReplicaSet, revisionHistoryLimit, pause and resume, the progress
 * deadline, a hash collision; then the real kubectl over HTTP: rollout status, history, undo, set
 * image and scale. The properties: at every step of any rollout, available pods never drop below
 * replicas - maxUnavailable and all pods never exceed replicas + maxSurge; and any sequence of
 * changes whose new pods become ready ends in a complete rollout.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { forbidden, HttpClient, isStatusError } from '@kube/apiserver';
import { FakeClock, NotImplemented, toRFC3339, type Deployment, type Pod, type DeploymentStrategy, type PodTemplateSpec, type ReplicaSet } from '@kube/kit';
import {
  calculateDeploymentStatus,
  canonicalJson,
  computeHash,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  DeploymentController,
  equalIgnoreHash,
  findNewReplicaSet,
  findOldReplicaSets,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  ReplicaSetController,
  resolveFenceposts,
  safeEncodeString,
  scaledValue,
  setNewReplicaSetAnnotations,
  SharedInformerFactory,
} from '@kube/controllers';
import { START } from '../support/controllers/cluster.ts';
import { driveClock, isAvailable, isReady, makeDeployment, makeReady, startRollouts, type Rollouts } from '../support/controllers/rollout.ts';
import { haveKubectl, kubeconfig, kubectl, startBench } from '../support/apiserver/http.ts';

const REVISION = 'deployment.kubernetes.io/revision';

function template(image: string, labels: Record<string, string> = { app: 'web' }): PodTemplateSpec {
  return { metadata: { labels }, spec: { containers: [{ name: 'app', image }] } };
}

function rs(name: string, image: string, replicas: number, o: { available?: number; created?: number; revision?: number; uid?: string } = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: new Date(START + (o.created ?? 0) * 1000).toISOString(),
      ...(o.revision !== undefined && { annotations: { [REVISION]: String(o.revision) } }),
    },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template(image, { app: 'web', 'pod-template-hash': name.slice(4) }) },
    status: { replicas, readyReplicas: o.available ?? replicas, availableReplicas: o.available ?? replicas },
  };
}

function rolling(maxSurge: number | string, maxUnavailable: number | string): DeploymentStrategy {
  return { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } };
}

const image = (d: Deployment | ReplicaSet) => d.spec?.template?.spec?.containers[0]?.image;

/** Watches the Deployment `name`: each Progressing condition it is written with, as `reason: message`, in order, without repeats. */
function progressMessages(rig: Rollouts, name: string): () => string[] {
  const watch = rig.client.deployments('default').watch({ fieldSelector: `metadata.name=${name}` });
  const seen: string[] = [];
  return () => {
    for (const event of watch.poll()) {
      const condition = (event.object as Deployment).status?.conditions?.find((c) => c.type === 'Progressing');
      const line = condition && `${condition.reason}: ${condition.message}`;
      if (line && seen.at(-1) !== line) seen.push(line);
    }
    return seen;
  };
}

/** Watches the Deployment `name`: each Progressing reason it is written with, in order, without repeats. */
function progressReasons(rig: Rollouts, name: string): () => string[] {
  const watch = rig.client.deployments('default').watch({ fieldSelector: `metadata.name=${name}` });
  const reasons: string[] = [];
  return () => {
    for (const event of watch.poll()) {
      const reason = (event.object as Deployment).status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
      if (reason && reasons.at(-1) !== reason) reasons.push(reason);
    }
    return reasons;
  };
}

describe('the pod-template-hash, maxSurge and maxUnavailable, new and old ReplicaSets, the status', () => {
  it('hashes a template with FNV-1a over its canonical JSON and safe-encodes the number: names like web-66764b56c4', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
    expect(safeEncodeString('4294967295')).toBe('86f8fbc6f9');
    const t = template('nginx:1.28');
    expect(computeHash(t)).toBe('f7cff569f');
    // The same template with its fields written in another order is the same template.
    expect(computeHash({ spec: { containers: [{ image: 'nginx:1.28', name: 'app' }] }, metadata: { labels: { app: 'web' } } })).toBe('f7cff569f');
    expect(computeHash(t, 0)).toBe('79b8f9bd9f');
    expect(computeHash(t, 1)).toBe('5ffd6f886b');
    expect(computeHash(template('nginx:1.27'))).toBe('66764b56c4');
    // canonicalJson is JSON.stringify's text with sorted keys: an undefined member left out, an undefined item written null, null kept.
    expect(canonicalJson({ b: [1, undefined, null, 'x'], a: { d: undefined, c: null } })).toBe('{"a":{"c":null},"b":[1,null,null,"x"]}');
  });

  it('rounds maxSurge up and maxUnavailable down, lets one pod be unavailable when both are 0, and refuses a value that is not a percentage', () => {
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
    expect(resolveFenceposts('25%', '25%', 1)).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts(0, '0%', 5)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts(2, '50%', 5)).toEqual({ surge: 2, unavailable: 2 });
    expect(scaledValue('33%', 10, true)).toBe(4);
    expect(scaledValue('33%', 10, false)).toBe(3);
    expect(resolveFenceposts(0, 2, 5)).toEqual({ surge: 0, unavailable: 2 });
    expect(() => scaledValue('three', 10, true)).toThrow('invalid value for IntOrString: invalid type: string is not a percentage');
    expect(() => scaledValue('5%x', 10, true)).toThrow('invalid value for IntOrString: invalid type: string is not a percentage');
    // upstream's words: what precedes the % is read by Go's strconv.Atoi (a sign, then digits)
    expect(() => scaledValue('x5%', 10, true)).toThrow('invalid value for IntOrString: invalid value "x5%": strconv.Atoi: parsing "x5": invalid syntax');
    expect(() => scaledValue('5.5%', 10, true)).toThrow('invalid value for IntOrString: invalid value "5.5%": strconv.Atoi: parsing "5.5": invalid syntax');
    expect(scaledValue('+50%', 10, true)).toBe(5);
    const d = makeDeployment('web', { replicas: 3, strategy: rolling('50%', 5) });
    expect([maxSurge(d), maxUnavailable(d)]).toEqual([2, 3]);
    const recreate = makeDeployment('web', { replicas: 4, strategy: { type: 'Recreate' } });
    expect([maxSurge(recreate), maxUnavailable(recreate)]).toEqual([0, 0]);
    // Unset values: resolveFenceposts takes them for 0; maxSurge and maxUnavailable default each to 25%, with or without a rollingUpdate.
    expect(resolveFenceposts(undefined, undefined, 5)).toEqual({ surge: 0, unavailable: 1 });
    const noStrategy = makeDeployment('web', { replicas: 10 });
    expect([maxSurge(noStrategy), maxUnavailable(noStrategy)]).toEqual([3, 2]);
    const noRolling = makeDeployment('web', { replicas: 10, strategy: { type: 'RollingUpdate' } });
    expect([maxSurge(noRolling), maxUnavailable(noRolling)]).toEqual([3, 2]);
    const surgeOnly = makeDeployment('web', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } });
    expect([maxSurge(surgeOnly), maxUnavailable(surgeOnly)]).toEqual([1, 2]);
    const unavailableOnly = makeDeployment('web', { replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } });
    expect([maxSurge(unavailableOnly), maxUnavailable(unavailableOnly)]).toEqual([3, 1]);
    // "0%" is a maxSurge of 0 like 0: with maxUnavailable 0, one pod may be unavailable.
    expect(maxUnavailable(makeDeployment('web', { replicas: 4, strategy: rolling('0%', 0) }))).toBe(1);
  });

  it('finds the new ReplicaSet by its template with the hash aside (the oldest if several), and calls the others old', () => {
    const d = makeDeployment('web', { image: 'nginx:1.28' });
    const v1 = rs('web-aaa', 'nginx:1.27', 2, { created: 0 });
    const v2 = rs('web-bbb', 'nginx:1.28', 1, { created: 5 });
    const v2again = rs('web-ccc', 'nginx:1.28', 0, { created: 9 });
    const empty = rs('web-ddd', 'nginx:1.26', 0, { created: 1 });
    expect(equalIgnoreHash(v2.spec!.template, d.spec!.template)).toBe(true);
    expect(equalIgnoreHash(v1.spec!.template, d.spec!.template)).toBe(false);
    expect(equalIgnoreHash({ metadata: { labels: { 'pod-template-hash': 'x' } }, spec: { containers: [] } }, { spec: { containers: [] } })).toBe(true);
    // Semantically equal: fields in any order, an empty list or map or a null the same as none.
    const base: PodTemplateSpec = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x', env: [{ name: 'A', value: '1' }] }] } };
    expect(equalIgnoreHash(base, { spec: { containers: [{ env: [{ value: '1', name: 'A' }], image: 'x', name: 'app' }] }, metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } } })).toBe(true);
    expect(equalIgnoreHash(base, { metadata: { labels: { app: 'web' }, annotations: {} }, spec: { containers: [{ name: 'app', image: 'x', env: [{ name: 'A', value: '1' }], args: [] }], nodeSelector: null as never } })).toBe(true);
    // The hash label is set aside only among the labels; order in a list matters; every value counts.
    expect(equalIgnoreHash(base, { ...base, spec: { ...base.spec!, nodeSelector: { 'pod-template-hash': 'abc' } } })).toBe(false);
    expect(equalIgnoreHash({ spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }] } }, { spec: { containers: [{ name: 'b', image: 'x' }, { name: 'a', image: 'x' }] } })).toBe(false);
    expect(equalIgnoreHash(base, { ...base, metadata: { labels: { app: 'api' } } })).toBe(false);
    expect(equalIgnoreHash(base, { ...base, spec: { containers: [{ name: 'app', image: 'x', env: [{ name: 'A', value: '2' }] }] } })).toBe(false);
    // A list of one empty item is not an empty list; the numbers of a list stay apart.
    expect(equalIgnoreHash(base, { ...base, spec: { ...base.spec!, tolerations: [{}] } })).toBe(false);
    expect(equalIgnoreHash({ spec: { containers: [], securityContext: { supplementalGroups: [1, 23] } } }, { spec: { containers: [], securityContext: { supplementalGroups: [12, 3] } } })).toBe(false);
    expect(findNewReplicaSet(d, [v2again, v1, v2, empty])?.metadata.name).toBe('web-bbb');
    expect(findNewReplicaSet(makeDeployment('web', { image: 'nginx:2' }), [v1, v2])).toBeUndefined();
    // A ReplicaSet object changed in place under a new resourceVersion is read again.
    const changing = { ...rs('web-eee', 'nginx:1.28', 1, { created: 2 }), metadata: { ...rs('web-eee', 'nginx:1.28', 1).metadata, resourceVersion: '5' } };
    expect(findNewReplicaSet(d, [changing])?.metadata.name).toBe('web-eee');
    changing.spec!.template = template('nginx:1.26', { app: 'web', 'pod-template-hash': 'eee' });
    changing.metadata.resourceVersion = '6';
    expect(findNewReplicaSet(d, [changing])).toBeUndefined();
    const old = findOldReplicaSets(d, [v2again, v1, v2, empty]);
    expect(old.allOld.map((r) => r.metadata.name).sort()).toEqual(['web-aaa', 'web-ccc', 'web-ddd']);
    expect(old.withPods.map((r) => r.metadata.name)).toEqual(['web-aaa']);
  });

  it('scales the new ReplicaSet up only as far as replicas + maxSurge allows, never beyond replicas; Recreate asks for all at once', () => {
    const d = makeDeployment('web', { replicas: 4, strategy: rolling(1, 0) });
    const old = rs('web-aaa', 'nginx:1.27', 4);
    const fresh = rs('web-bbb', 'nginx:1.28', 0);
    expect(newRSNewReplicas(d, [old, fresh], fresh)).toBe(1);
    expect(newRSNewReplicas(d, [rs('web-aaa', 'nginx:1.27', 2), rs('web-bbb', 'nginx:1.28', 2)], rs('web-bbb', 'nginx:1.28', 2))).toBe(3);
    expect(newRSNewReplicas(d, [rs('web-aaa', 'nginx:1.27', 0), rs('web-bbb', 'nginx:1.28', 3)], rs('web-bbb', 'nginx:1.28', 3))).toBe(4);
    expect(newRSNewReplicas(makeDeployment('web', { replicas: 4, strategy: { type: 'Recreate' } }), [old, fresh], fresh)).toBe(4);
    // Already above replicas + maxSurge (5): the new ReplicaSet keeps its size, it is not scaled down.
    expect(newRSNewReplicas(d, [rs('web-aaa', 'nginx:1.27', 4), rs('web-bbb', 'nginx:1.28', 2)], rs('web-bbb', 'nginx:1.28', 2))).toBe(2);
    // Exactly at replicas + maxSurge: it keeps its size, even one above replicas.
    expect(newRSNewReplicas(d, [rs('web-bbb', 'nginx:1.28', 5)], rs('web-bbb', 'nginx:1.28', 5))).toBe(5);
    // maxSurge defaults to 25% (of 8: 2), with or without a rollingUpdate.
    const eight = rs('web-aaa', 'nginx:1.27', 8);
    expect(newRSNewReplicas(makeDeployment('web', { replicas: 8 }), [eight, fresh], fresh)).toBe(2);
    expect(newRSNewReplicas(makeDeployment('web', { replicas: 8, strategy: { type: 'RollingUpdate' } }), [eight, fresh], fresh)).toBe(2);
    expect(newRSNewReplicas(makeDeployment('web', { replicas: 8, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } } }), [eight, fresh], fresh)).toBe(2);
  });

  it('gives a new ReplicaSet the next revision and the Deployment\'s annotations; one rolled back to keeps its old revision in revision-history', () => {
    const d = makeDeployment('web', { replicas: 3, strategy: rolling(1, 0) });
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'nginx 1.28', [REVISION]: '7', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const fresh = rs('web-bbb', 'nginx:1.28', 1);
    delete fresh.metadata.annotations;
    expect(setNewReplicaSetAnnotations(d, fresh, 3, false)).toBe(true);
    expect(fresh.metadata.annotations).toEqual({ 'kubernetes.io/change-cause': 'nginx 1.28', [REVISION]: '3', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    const back = rs('web-aaa', 'nginx:1.27', 0, { revision: 1 });
    expect(setNewReplicaSetAnnotations(makeDeployment('web'), back, 4, true)).toBe(true);
    expect(back.metadata.annotations).toEqual({ [REVISION]: '4', 'deployment.kubernetes.io/revision-history': '1' });
    expect(setNewReplicaSetAnnotations(makeDeployment('web'), back, 4, true)).toBe(false);
    // Rolled back to a second time: the history grows.
    expect(setNewReplicaSetAnnotations(makeDeployment('web'), back, 6, true)).toBe(true);
    expect(back.metadata.annotations).toEqual({ [REVISION]: '6', 'deployment.kubernetes.io/revision-history': '1,4' });
    // A Deployment annotation already there changes nothing; a new change-cause alone is a change.
    const annotated = makeDeployment('web');
    annotated.metadata.annotations = { 'kubernetes.io/change-cause': 'nginx 1.28' };
    expect(setNewReplicaSetAnnotations(annotated, fresh, 3, true)).toBe(false);
    annotated.metadata.annotations = { 'kubernetes.io/change-cause': 'nginx 1.29' };
    expect(setNewReplicaSetAnnotations(annotated, fresh, 3, true)).toBe(true);
    expect(fresh.metadata.annotations?.['kubernetes.io/change-cause']).toBe('nginx 1.29');
    // A revision that is not a number is left alone, and so is the rest: nothing changes.
    const odd = rs('web-ccc', 'nginx:1.28', 0);
    odd.metadata.annotations = { [REVISION]: 'abc' };
    expect(setNewReplicaSetAnnotations(makeDeployment('web'), odd, 3, false)).toBe(false);
    expect(odd.metadata.annotations).toEqual({ [REVISION]: 'abc' });
  });

  it('counts the status over every ReplicaSet and says Available when at least replicas - maxUnavailable pods are', () => {
    const d = { ...makeDeployment('web', { replicas: 4, strategy: rolling(1, 1) }), metadata: { name: 'web', namespace: 'default', generation: 3 } };
    const old = rs('web-aaa', 'nginx:1.27', 2, { available: 2 });
    const fresh = rs('web-bbb', 'nginx:1.28', 3, { available: 1 });
    const status = calculateDeploymentStatus([old, fresh], fresh, d, '2026-01-01T00:00:10Z');
    expect(status).toEqual({
      observedGeneration: 3,
      replicas: 5,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 2,
      conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.', lastUpdateTime: '2026-01-01T00:00:10Z', lastTransitionTime: '2026-01-01T00:00:10Z' }],
    });
    const short = calculateDeploymentStatus([old, rs('web-bbb', 'nginx:1.28', 3, { available: 0 })], fresh, { ...d, status }, '2026-01-01T00:00:20Z');
    expect(short.conditions).toEqual([{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.', lastUpdateTime: '2026-01-01T00:00:20Z', lastTransitionTime: '2026-01-01T00:00:20Z' }]);
  });

  it('is complete with every replica updated and available, progressing when anything moved, and timed out once progressDeadlineSeconds pass without progress', () => {
    const d: Deployment = { ...makeDeployment('web', { replicas: 2, progressDeadlineSeconds: 30 }), metadata: { name: 'web', namespace: 'default', generation: 2 } };
    expect(deploymentComplete(d, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).toBe(true);
    expect(deploymentComplete(d, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 })).toBe(false);
    expect(deploymentComplete(d, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 })).toBe(false);
    expect(deploymentComplete(d, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 })).toBe(false);
    expect(deploymentComplete(d, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).toBe(false);
    d.status = { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 };
    expect(deploymentProgressing(d, { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 })).toBe(false);
    expect(deploymentProgressing(d, { replicas: 2, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 2 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 3 })).toBe(true);
    expect(deploymentProgressing(d, { replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 })).toBe(true);
    const at = (reason: string) => ({ conditions: [{ type: 'Progressing' as const, status: 'True' as const, reason, lastUpdateTime: '2026-01-01T00:00:00Z' }] });
    expect(deploymentTimedOut(d, at('ReplicaSetUpdated'), START + 30_000)).toBe(false);
    expect(deploymentTimedOut(d, at('ReplicaSetUpdated'), START + 31_000)).toBe(true);
    expect(deploymentTimedOut(d, at('NewReplicaSetAvailable'), START + 999_000)).toBe(false);
    expect(deploymentTimedOut(d, at('ProgressDeadlineExceeded'), START)).toBe(true);
    // No Progressing condition yet, or no progress deadline: never timed out.
    expect(deploymentTimedOut(d, {}, START + 999_000)).toBe(false);
    expect(deploymentTimedOut({ ...d, spec: { ...d.spec!, progressDeadlineSeconds: undefined } }, at('ReplicaSetUpdated'), START + 999_000)).toBe(false);
    expect(deploymentTimedOut({ ...d, spec: { ...d.spec!, progressDeadlineSeconds: 2_147_483_647 } }, at('ProgressDeadlineExceeded'), START)).toBe(false);
  });
});

/**
 * A ReplicaSet of another app, stored on the server, as a sync would hand it to the rollout's
 * helpers: created `created` s after START, `available` of its pods available (undefined: no status
 * yet, as a ReplicaSet its controller has not looked at).
 */
async function storedReplicaSet(rig: Rollouts, name: string, replicas: number, available: number | undefined, created: number): Promise<ReplicaSet> {
  const labels = { app: 'other', hash: name };
  const made = await rig.client.replicaSets('default').create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', labels }, spec: { replicas, selector: { matchLabels: labels }, template: template('nginx:1.27', labels) } });
  const copy = { ...made, metadata: { ...made.metadata, creationTimestamp: new Date(START + created * 1000).toISOString() } };
  return available === undefined ? { ...copy, status: undefined } : { ...copy, status: { replicas, availableReplicas: available } };
}

/** What the server holds of the ReplicaSets named `prefix…`: name → [spec.replicas, its desired-replicas annotation]. */
async function writtenReplicaSets(rig: Rollouts, prefix: string): Promise<Record<string, [number | undefined, string | undefined]>> {
  const items = (await rig.client.replicaSets('default').list()).items.filter((r) => r.metadata.name!.startsWith(prefix));
  return Object.fromEntries(items.map((r) => [r.metadata.name!, [r.spec?.replicas, r.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']]]));
}

/**
 * A rig for the rolling update's helpers: the Deployment `web` stored at 0 replicas (so its
 * controller makes nothing of its own), and `d`, that Deployment as a helper is handed it, at
 * `replicas` with `strategy`; `make` stores another app's ReplicaSet, `written` reads them back.
 */
async function rollingHelpersRig(replicas: number, strategy: DeploymentStrategy) {
  const rig = await startRollouts();
  const created = await rig.client.deployments('default').create(makeDeployment('web', { replicas: 0 }));
  await rig.settle();
  const d: Deployment = { ...created, spec: { ...created.spec!, replicas, strategy } };
  const make = (name: string, replicas: number, available: number | undefined, created: number) => storedReplicaSet(rig, name, replicas, available, created);
  const written = (prefix: string) => writtenReplicaSets(rig, prefix);
  return { rig, d, make, written };
}

describe('the Deployment controller, with the ReplicaSet controller', () => {
  it('makes <deployment>-<pod-template-hash> with revision 1, the hash in its template and selector, and reports the rollout until complete', async () => {
    const rig = await startRollouts();
    const reasons = progressReasons(rig, 'web');
    const created = await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3 }));
    await rig.settle();
    let s = await rig.state('web');
    const hash = computeHash(created.spec!.template);
    expect(s.replicaSets.map((r) => r.metadata.name)).toEqual([`web-${hash}`]);
    const [first] = s.replicaSets;
    expect(first!.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(first!.spec!.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(first!.spec!.template!.metadata!.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(first!.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(first!.metadata.annotations).toEqual({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(s.deployment.metadata.annotations?.[REVISION]).toBe('1');
    expect(s.pods.map((p) => p.metadata.name)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^web-${hash}-[a-z0-9]{5}$`))]));
    expect(s.deployment.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 0, unavailableReplicas: 3 });
    expect(s.deployment.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'False', 'MinimumReplicasUnavailable'],
      ['Progressing', 'True', 'ReplicaSetUpdated'],
    ]);
    expect(rig.recorder.events).toContainEqual({ object: 'Deployment default/web', type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set web-${hash} from 0 to 3` });
    await rig.finish('web');
    s = await rig.state('web');
    expect(s.deployment.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0 });
    expect(s.deployment.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });
    expect(s.deployment.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(reasons()).toEqual(['NewReplicaSetCreated', 'ReplicaSetUpdated', 'NewReplicaSetAvailable']);
    await rig.stop();
  });

  it('rolls a new template out one surge pod at a time with maxSurge 1 and maxUnavailable 0, and ends at revision 2', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3, strategy: rolling(1, 0) }));
    await rig.settle();
    await rig.finish('web');
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    const steps: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await rig.state('web');
      steps.push(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`).join(' '));
      expect(s.pods.length, 'pods <= replicas + maxSurge').toBeLessThanOrEqual(4);
      expect(s.pods.filter(isReady).length, 'ready pods >= replicas - maxUnavailable').toBeGreaterThanOrEqual(3);
      await rig.readyAll('web');
    }
    expect(steps.slice(0, 4)).toEqual(['nginx:1.27:3 nginx:1.28:1', 'nginx:1.27:2 nginx:1.28:2', 'nginx:1.27:1 nginx:1.28:3', 'nginx:1.27:0 nginx:1.28:3']);
    const s = await rig.state('web');
    expect(s.replicaSets.map((r) => r.metadata.annotations?.[REVISION])).toEqual(['1', '2']);
    expect(s.deployment.metadata.annotations?.[REVISION]).toBe('2');
    expect(rig.recorder.events.map((e) => e.message).slice(1, 3)).toEqual([`Scaled up replica set ${s.replicaSets[1]!.metadata.name} from 0 to 1`, `Scaled down replica set ${s.replicaSets[0]!.metadata.name} from 3 to 2`]);
    await rig.stop();
  });

  it('Recreate scales every old ReplicaSet to 0 and makes the new one only once no old pod is left', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3, strategy: { type: 'Recreate' } }));
    await rig.settle();
    await rig.finish('web');
    rig.cluster.client.hold('pods'); // the controllers will not see the old pods go yet
    const messages = progressMessages(rig, 'web');
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    let s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:0']);
    rig.cluster.client.release();
    await rig.settle();
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:0', 'nginx:1.28:3']);
    expect(s.pods.map((p) => p.spec?.containers[0]?.image)).toEqual(['nginx:1.28', 'nginx:1.28', 'nginx:1.28']);
    await rig.finish('web');
    expect((await rig.state('web')).deployment.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    // While the old pods went and no new ReplicaSet existed yet, the progress was the Deployment's.
    expect(messages()).toContain('ReplicaSetUpdated: Deployment "web" is progressing.');
    await rig.stop();
  });

  it('Recreate deletes old ReplicaSets beyond revisionHistoryLimit once the new one is complete, and never rewrites an old ReplicaSet already at 0', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3, revisionHistoryLimit: 1, strategy: { type: 'Recreate' } }));
    await rig.settle();
    await rig.finish('web');
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    await rig.finish('web');
    // The third template's pods are not ready: not complete yet, both old ReplicaSets kept.
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.29'));
    await rig.settle();
    await rig.advance(1_000);
    let s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:0', 'nginx:1.28:0', 'nginx:1.29:3']);
    await rig.finish('web');
    await rig.advance(1_000);
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.28:0', 'nginx:1.29:3']);
    // Scaled to 5, the new ReplicaSet is scaled; the old one at 0 is not written again: it keeps desired-replicas 3.
    await rig.edit('web', (d) => (d.spec!.replicas = 5));
    await rig.finish('web');
    await rig.advance(1_000);
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => [image(r), r.spec?.replicas, r.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']])).toEqual([['nginx:1.28', 0, '3'], ['nginx:1.29', 5, '5']]);
    await rig.stop();
  });

  it('Recreate scales the old ReplicaSets to 0 in one sync and makes the new one only in a later one, even when the old ones have no pod', async () => {
    const rig = await startRollouts();
    // A quota refuses every pod: the old ReplicaSet asks for 2 and has none.
    rig.cluster.client.failNextWrites('create', 'pods', 1_000, () => forbidden('pods', '', 'exceeded quota: compute'));
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2, strategy: { type: 'Recreate' } }));
    await rig.settle();
    rig.cluster.client.hold('replicasets'); // the controllers will not see the old ReplicaSet scaled down yet
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    let s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:0']);
    rig.cluster.client.release();
    await rig.settle();
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:0', 'nginx:1.28:2']);
    await rig.stop();
  });

  it('a change back to an old template is a rollback: it reuses that ReplicaSet, which takes the next revision and keeps its old one in revision-history', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    await rig.finish('web');
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    await rig.finish('web');
    const before = (await rig.state('web')).replicaSets.map((r) => r.metadata.uid);
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.27'));
    await rig.finish('web');
    const s = await rig.state('web');
    expect(s.replicaSets.map((r) => r.metadata.uid)).toEqual(before);
    expect(s.replicaSets.map((r) => [image(r), r.spec?.replicas, r.metadata.annotations?.[REVISION], r.metadata.annotations?.['deployment.kubernetes.io/revision-history']])).toEqual([
      ['nginx:1.27', 2, '3', '1'],
      ['nginx:1.28', 0, '2', undefined],
    ]);
    expect(s.deployment.metadata.annotations?.[REVISION]).toBe('3');
    await rig.stop();
  });

  it('keeps revisionHistoryLimit old ReplicaSets and deletes the oldest revisions once the rollout is complete', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 1, revisionHistoryLimit: 2 }));
    await rig.settle();
    await rig.finish('web');
    for (const version of ['1.28', '1.29', '1.30', '1.31']) {
      await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = `nginx:${version}`));
      await rig.finish('web');
    }
    await rig.advance(1_000);
    const s = await rig.state('web');
    expect(s.replicaSets.map((r) => [image(r), r.metadata.annotations?.[REVISION]])).toEqual([
      ['nginx:1.29', '3'],
      ['nginx:1.30', '4'],
      ['nginx:1.31', '5'],
    ]);
    await rig.stop();
  });

  it('deletes old ReplicaSets beyond revisionHistoryLimit only once a rolling update is complete, not while it is under way', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 1, revisionHistoryLimit: 1, strategy: rolling(1, 0) }));
    await rig.settle();
    await rig.finish('web');
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    await rig.finish('web');
    // The third template's pod is not ready: the rollout waits with the surge pod, two old ReplicaSets kept.
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.29'));
    await rig.settle();
    await rig.advance(1_000);
    let s = await rig.state('web');
    expect(s.replicaSets.map((r) => [image(r), r.spec?.replicas])).toEqual([['nginx:1.27', 0], ['nginx:1.28', 1], ['nginx:1.29', 1]]);
    await rig.finish('web');
    await rig.advance(1_000);
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => [image(r), r.spec?.replicas])).toEqual([['nginx:1.28', 0], ['nginx:1.29', 1]]);
    await rig.stop();
  });

  it('cleans up the lowest revisions beyond revisionHistoryLimit, but never a ReplicaSet that still has pods, is not yet observed at its generation, or is already being deleted', async () => {
    const rig = await startRollouts();
    const d = await rig.client.deployments('default').create(makeDeployment('web', { replicas: 0, revisionHistoryLimit: 2 }));
    await rig.settle();
    // The API holds plain ReplicaSets of the same names; cleanupDeployment is handed them as the cache would show them.
    const old = (name: string, revision: number | undefined, o: { created?: number; specReplicas?: number; statusReplicas?: number; unobserved?: boolean; deleting?: boolean } = {}): ReplicaSet => {
      const r = rs(`web-${name}`, 'nginx:1.27', 0, { created: o.created ?? 0, ...(revision !== undefined && { revision }) });
      r.metadata.labels = { app: 'other' };
      r.spec = { ...r.spec!, replicas: o.specReplicas ?? 0, selector: { matchLabels: { app: 'other', hash: name } }, template: template('nginx:1.27', { app: 'other', hash: name }) };
      r.metadata.generation = o.unobserved ? 3 : 2;
      r.status = { replicas: o.statusReplicas ?? 0, observedGeneration: 2 };
      if (o.deleting) r.metadata.deletionTimestamp = new Date(START).toISOString();
      return r;
    };
    const cleanUp = async (limit: number, oldRSs: ReplicaSet[]) => {
      for (const r of oldRSs) {
        await rig.client.replicaSets('default').create({ ...r, metadata: { name: r.metadata.name, namespace: 'default', labels: r.metadata.labels }, status: { replicas: 0 } });
      }
      await rig.deployments.cleanupDeployment(oldRSs, { ...d, spec: { ...d.spec!, revisionHistoryLimit: limit } });
      const left = (await rig.client.replicaSets('default').list()).items.map((r) => r.metadata.name!).filter((n) => oldRSs.some((r) => r.metadata.name === n));
      for (const name of left) await rig.client.replicaSets('default').delete(name);
      return left.sort();
    };
    // Seven to clean (the one being deleted does not count), two to keep: revisions 1-5 go, unless they may not.
    // The newest revisions were made first (a rollback reuses an old ReplicaSet): the revision decides, not the age.
    expect(await cleanUp(2, [
      old('r6', 6, { created: 4 }), old('r3', 3, { specReplicas: 1, created: 7 }), old('r5', 5, { created: 5 }), old('r1', 1, { statusReplicas: 1, created: 9 }),
      old('gone', 0, { deleting: true, created: 10 }), old('r4', 4, { created: 6 }), old('r7', 7, { created: 3 }), old('r2', 2, { unobserved: true, created: 8 }),
    ])).toEqual(['web-gone', 'web-r1', 'web-r2', 'web-r3', 'web-r6', 'web-r7']);
    // Fewer than the limit: none goes.
    expect(await cleanUp(3, [old('a1', 1), old('a2', 2)])).toEqual(['web-a1', 'web-a2']);
    // No revision annotation counts as revision 0; between equal revisions the older ReplicaSet goes first.
    expect(await cleanUp(1, [old('none', undefined, { created: 0 }), old('late', 7, { created: 10 }), old('early', 7, { created: 5 }), old('first', 3, { created: 20 })])).toEqual(['web-late']);
    // A revision that is not a number is compared by age, like equal revisions: the older ReplicaSet goes first.
    const odd = old('odd', undefined, { created: 0 });
    odd.metadata.annotations = { [REVISION]: 'x1' };
    expect(await cleanUp(1, [old('three', 3, { created: 5 }), odd])).toEqual(['web-three']);
    // One with no status yet has observed no generation: it stays.
    const unseen = old('unseen', 1, { created: 0 });
    delete unseen.status;
    expect(await cleanUp(1, [unseen, old('two', 2, { created: 5 })])).toEqual(['web-two', 'web-unseen']);
    // One already gone (NotFound) is fine; any other refusal of a delete is passed on, to be retried.
    const none = { ...d, spec: { ...d.spec!, revisionHistoryLimit: 0 } };
    await rig.deployments.cleanupDeployment([old('vanished', 1)], none);
    const refused = () => forbidden('replicasets.apps', 'web-kept', 'denied by a webhook');
    rig.cluster.client.failNextWrites('delete', 'replicasets', 1, refused);
    const kept = old('kept', 1);
    await rig.client.replicaSets('default').create({ ...kept, metadata: { name: kept.metadata.name, namespace: 'default', labels: kept.metadata.labels }, status: { replicas: 0 } });
    await expect(rig.deployments.cleanupDeployment([kept], none)).rejects.toThrow(refused().message);
    await rig.stop();
  });

  it('scales old ReplicaSets down by their unavailable pods first, oldest first, never more than it may in all', async () => {
    const rig = await startRollouts();
    const d = await rig.client.deployments('default').create(makeDeployment('web', { replicas: 0 }));
    await rig.settle();
    const old = (name: string, replicas: number, available: number, created: number) => storedReplicaSet(rig, name, replicas, available, created);
    const oldRSs = [await old('old-c', 4, 0, 10), await old('old-z', 0, 0, 1), await old('old-d', 2, 0, 20), await old('old-b', 2, 2, 5), await old('old-a', 3, 1, 0)];
    // old-a has 2 unavailable pods, old-b none, old-c 4: 3 may go, so 2 of old-a's and 1 of old-c's; old-d is not reached.
    expect(await rig.deployments.cleanupUnhealthyReplicas(oldRSs, d, 3)).toBe(3);
    const written = () => writtenReplicaSets(rig, 'old-');
    // Only the ReplicaSets it scaled are written (with the desired-replicas annotation); the ones it skips or does not reach are not.
    expect(await written()).toEqual({ 'old-a': [1, '0'], 'old-b': [2, undefined], 'old-c': [3, '0'], 'old-d': [2, undefined], 'old-z': [0, undefined] });
    expect(oldRSs.map((r) => [r.metadata.name, r.spec?.replicas])).toEqual([['old-a', 1], ['old-z', 0], ['old-b', 2], ['old-c', 3], ['old-d', 2]]);
    expect(await rig.deployments.cleanupUnhealthyReplicas(oldRSs, d, 0)).toBe(0);
    expect(await written()).toEqual({ 'old-a': [1, '0'], 'old-b': [2, undefined], 'old-c': [3, '0'], 'old-d': [2, undefined], 'old-z': [0, undefined] });
    // A ReplicaSet with no status yet has none of its pods available.
    const unseen = await old('old-u', 2, 0, 30);
    delete unseen.status;
    expect(await rig.deployments.cleanupUnhealthyReplicas([unseen], d, 5)).toBe(2);
    await rig.stop();
  });

  it('scales old ReplicaSets down oldest first by the available pods beyond replicas - maxUnavailable, skipping any already at 0 and writing none past the count', async () => {
    // replicas 4 with maxUnavailable 1: 3 pods must stay available.
    const { rig, d, make, written } = await rollingHelpersRig(4, rolling(1, 1));

    // 7 available (old-b 2, old-c 4, old-d 1), 4 of them may go: old-b's 2, then 2 of old-c's; old-z is at 0, old-d is not reached.
    const fresh = await make('new-n', 2, 0, 30);
    const oldRSs = [await make('old-c', 4, 4, 10), await make('old-z', 0, 0, 1), await make('old-d', 1, 1, 20), await make('old-b', 2, 2, 5)];
    expect(await rig.deployments.scaleDownOldReplicaSetsForRollingUpdate([...oldRSs, fresh], oldRSs, d)).toBe(4);
    expect(await written('old-')).toEqual({ 'old-b': [0, '4'], 'old-c': [2, '4'], 'old-d': [1, undefined], 'old-z': [0, undefined] });
    // Exactly replicas - maxUnavailable available: nothing may go.
    const atMin = [await make('min-a', 3, 3, 0)];
    expect(await rig.deployments.scaleDownOldReplicaSetsForRollingUpdate([...atMin, fresh], atMin, d)).toBe(0);
    expect(await written('min-')).toEqual({ 'min-a': [3, undefined] });
    await rig.stop();
  });

  it('reconcileOldReplicaSets scales down only while maxScaledDown > 0 and says whether it scaled; reconcileNewReplicaSet scales a new ReplicaSet above replicas down at once and leaves one at replicas alone', async () => {
    // replicas 3, maxSurge 1, maxUnavailable 0: 3 pods must stay available, 4 may exist.
    const { rig, d, make, written } = await rollingHelpersRig(3, rolling(1, 0));

    // The surge pod is not available yet: maxScaledDown = 4 - 3 - 1 = 0, nothing.
    let old = [await make('a-old', 3, 3, 0)];
    let fresh = await make('a-new', 1, 0, 10);
    expect(await rig.deployments.reconcileOldReplicaSets([...old, fresh], old, fresh, d)).toBe(false);
    // A new ReplicaSet just made has no status yet: none of its pods is available.
    old = [await make('b-old', 3, 3, 0)];
    fresh = await make('b-new', 1, undefined, 10);
    expect(await rig.deployments.reconcileOldReplicaSets([...old, fresh], old, fresh, d)).toBe(false);
    expect(await written('a-')).toEqual({ 'a-old': [3, undefined], 'a-new': [1, undefined] });
    expect(await written('b-')).toEqual({ 'b-old': [3, undefined], 'b-new': [1, undefined] });
    // The surge pod is available: one old pod may go; no old pod is unhealthy, so it is an available one.
    old = [await make('c-old', 3, 3, 0)];
    fresh = await make('c-new', 1, 1, 10);
    expect(await rig.deployments.reconcileOldReplicaSets([...old, fresh], old, fresh, d)).toBe(true);
    expect(await written('c-')).toEqual({ 'c-old': [2, '3'], 'c-new': [1, undefined] });

    // A new ReplicaSet with more than replicas goes down to replicas at once, though all ReplicaSets already ask for replicas + maxSurge.
    fresh = await make('d-new', 5, 5, 10);
    expect(await rig.deployments.reconcileNewReplicaSet([fresh], fresh, d)).toBe(true);
    // One with replicas is left alone: not scaled, not written.
    old = [await make('e-old', 1, 1, 0)];
    fresh = await make('e-new', 3, 3, 10);
    expect(await rig.deployments.reconcileNewReplicaSet([...old, fresh], fresh, d)).toBe(false);
    expect(await written('d-')).toEqual({ 'd-new': [3, '3'] });
    expect(await written('e-')).toEqual({ 'e-old': [1, undefined], 'e-new': [3, undefined] });
    await rig.stop();
  });

  it('a change of minReadySeconds alone updates the new ReplicaSet in place: no new ReplicaSet and no new revision', async () => {
    const rig = await startRollouts();
    const replicaSets = rig.client.replicaSets('default').watch();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2, minReadySeconds: 5 }));
    await rig.settle();
    // The ReplicaSet is made with it.
    expect(replicaSets.poll().map((e) => [e.type, (e.object as ReplicaSet).spec?.minReadySeconds, (e.object as ReplicaSet).metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller])])[0]).toEqual(['ADDED', 5, [['Deployment', 'web', true]]]);
    await rig.finish('web');
    let s = await rig.state('web');
    expect(s.replicaSets.map((r) => r.spec?.minReadySeconds)).toEqual([5]);
    await rig.edit('web', (d) => (d.spec!.minReadySeconds = 30));
    await rig.settle();
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => [r.spec?.minReadySeconds, r.metadata.annotations?.[REVISION]])).toEqual([[30, '1']]);
    expect(s.deployment.metadata.annotations?.[REVISION]).toBe('1');
    // In step with it: another sync writes nothing.
    const updates = rig.cluster.client.updates.length;
    await rig.deployments.syncDeployment('default/web');
    expect(rig.cluster.client.updates.slice(updates)).toEqual([]);
    await rig.stop();
  });

  it('says why it could not create the new ReplicaSet, in Progressing (ReplicaSetCreateError) and a Warning event, and creates it once the server accepts', async () => {
    const rig = await startRollouts();
    const quota = () => forbidden('replicasets.apps', '', 'exceeded quota: replicasets');
    rig.cluster.client.failNextWrites('create', 'replicasets', 1, quota);
    const messages = progressMessages(rig, 'web');
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    const hash = computeHash((await rig.client.deployments('default').get('web')).spec!.template);
    const why = `Failed to create new replica set "web-${hash}": ${quota().message}`;
    expect(rig.recorder.events).toContainEqual({ object: 'Deployment default/web', type: 'Warning', reason: 'ReplicaSetCreateError', message: why });
    await rig.advance(1_000); // the retry, after the queue's back-off
    await rig.finish('web');
    expect(messages()).toEqual([
      `ReplicaSetCreateError: ${why}`,
      `NewReplicaSetCreated: Created new replica set "web-${hash}"`,
      `ReplicaSetUpdated: ReplicaSet "web-${hash}" is progressing.`,
      `NewReplicaSetAvailable: ReplicaSet "web-${hash}" has successfully progressed.`,
    ]);
    // A later rollout refused the same way keeps the rest of the status: Available stays beside Progressing False.
    const watch = rig.client.deployments('default').watch({ fieldSelector: 'metadata.name=web' });
    rig.cluster.client.failNextWrites('create', 'replicasets', 1, quota);
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    await rig.settle();
    const refused = watch.poll().map((e) => (e.object as Deployment).status).find((status) => status?.conditions?.some((c) => c.reason === 'ReplicaSetCreateError'));
    expect(refused?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([['Available', 'True', 'MinimumReplicasAvailable'], ['Progressing', 'False', 'ReplicaSetCreateError']]);
    // NotImplemented (a kata not written yet) is no refusal of the server: it is thrown on as it is, with no event.
    await rig.settle();
    const events = rig.recorder.events.length;
    rig.cluster.client.failNextWrites('create', 'replicasets', 1, () => new NotImplemented('08', 'create'));
    const current = await rig.client.deployments('default').get('web');
    const next = { ...current, spec: { ...current.spec!, template: template('nginx:1.30') } };
    await expect(rig.deployments.getNewReplicaSet(next, [], [], true)).rejects.toThrow('kata 08 is not implemented yet: create');
    expect(rig.recorder.events.slice(events)).toEqual([]);
    await rig.stop();
  });

  it('a Deployment being deleted only has its status kept: a change of its template then starts no rollout', async () => {
    const rig = await startRollouts();
    const d = makeDeployment('web', { replicas: 2 });
    await rig.client.deployments('default').create({ ...d, metadata: { ...d.metadata, finalizers: ['example.com/hold'] } });
    await rig.settle();
    await rig.finish('web');
    await rig.client.deployments('default').delete('web');
    await rig.edit('web', (deployment) => (deployment.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    await rig.settle();
    await rig.advance(5_000);
    const s = await rig.state('web');
    expect(s.deployment.metadata.deletionTimestamp).toBeDefined();
    expect(s.replicaSets.map((r) => [image(r), r.spec?.replicas])).toEqual([['nginx:1.27', 2]]);
    // Its status still follows: no pod runs the new template.
    expect(s.deployment.status).toMatchObject({ observedGeneration: s.deployment.metadata.generation, replicas: 2, updatedReplicas: 0, availableReplicas: 2 });
    await rig.stop();
  });

  it('a Deployment of 0 replicas gets its ReplicaSet with no "Scaled up" event', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 0 }));
    await rig.settle();
    const s = await rig.state('web');
    expect(s.replicaSets.map((r) => r.spec?.replicas)).toEqual([0]);
    expect(rig.recorder.events.filter((e) => e.reason === 'ScalingReplicaSet')).toEqual([]);
    await rig.stop();
  });

  it('a paused Deployment starts no rollout but still scales; resumed, it rolls out; Progressing says DeploymentPaused, then DeploymentResumed', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    await rig.finish('web');
    await rig.edit('web', (d) => (d.spec!.paused = true));
    let s = await rig.state('web');
    expect(s.deployment.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    await rig.edit('web', (d) => {
      d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28';
      d.spec!.replicas = 4;
    });
    await rig.finish('web', 3);
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:4']);
    await rig.edit('web', (d) => (d.spec!.paused = false));
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => image(r))).toEqual(['nginx:1.27', 'nginx:1.28']);
    await rig.finish('web');
    s = await rig.state('web');
    expect(s.replicaSets.map((r) => `${image(r)}:${r.spec?.replicas}`)).toEqual(['nginx:1.27:0', 'nginx:1.28:4']);
    expect(s.deployment.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');
    await rig.stop();
  });

  it('a rollout that makes no progress for progressDeadlineSeconds is marked ProgressDeadlineExceeded, and moves on when its pods become ready', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2, progressDeadlineSeconds: 30 }));
    await rig.settle();
    await rig.advance(20_000);
    const progressing = async () => (await rig.state('web')).deployment.status?.conditions?.find((c) => c.type === 'Progressing');
    expect((await progressing())?.reason).toBe('ReplicaSetUpdated');
    await rig.advance(12_000);
    const name = (await rig.state('web')).replicaSets[0]!.metadata.name;
    expect(await progressing()).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${name}" has timed out progressing.` });
    // One pod ready is progress: True again, so its lastTransitionTime is now, not the False one's.
    await rig.advance(8_000);
    await makeReady(rig.client, (await rig.state('web')).pods[0]!, rig.cluster.clock.now());
    await rig.settle();
    const now = toRFC3339(rig.cluster.clock.now());
    expect(await progressing()).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: now, lastTransitionTime: now });
    await rig.finish('web');
    expect(await progressing()).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    await rig.stop();
  });

  it('Progressing keeps the lastTransitionTime of its last change to True while every step of a rollout moves its lastUpdateTime', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3, strategy: rolling(1, 0) }));
    await rig.settle();
    await rig.finish('web');
    await rig.advance(60_000);
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    await rig.settle();
    const seen: { reason?: string; lastTransitionTime?: string; lastUpdateTime?: string }[] = [];
    for (let step = 0; step < 6; step++) {
      const progressing = (await rig.state('web')).deployment.status?.conditions?.find((c) => c.type === 'Progressing');
      seen.push({ reason: progressing?.reason, lastTransitionTime: progressing?.lastTransitionTime, lastUpdateTime: progressing?.lastUpdateTime });
      await rig.readyAll('web');
      await rig.advance(1_000);
    }
    const during = seen.filter((c) => c.reason === 'ReplicaSetUpdated');
    expect(during.length).toBeGreaterThan(1);
    expect(new Set(during.map((c) => c.lastTransitionTime)).size).toBe(1);
    expect(new Set(during.map((c) => c.lastUpdateTime)).size).toBeGreaterThan(1);
    expect(during[0]!.lastTransitionTime).toBe(new Date(START).toISOString().replace('.000Z', 'Z'));
    await rig.stop();
  });

  it('a complete rollout stays NewReplicaSetAvailable when its pods later become unready and ready again, and never times out', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 3, progressDeadlineSeconds: 30 }));
    await rig.settle();
    await rig.finish('web');
    const progressing = async () => (await rig.state('web')).deployment.status?.conditions?.find((c) => c.type === 'Progressing');
    const before = await progressing();
    expect(before?.reason).toBe('NewReplicaSetAvailable');
    const setReady = async (pod: Pod, ready: boolean) => {
      const fresh = await rig.client.pods('default').get(pod.metadata.name!);
      await rig.client.pods('default').updateStatus({ ...fresh, status: { ...fresh.status, conditions: fresh.status!.conditions!.map((c) => (c.type === 'Ready' ? { ...c, status: ready ? 'True' : 'False' } : c)) } });
      await rig.settle();
    };
    const [first, second] = (await rig.state('web')).pods;
    await setReady(first!, false);
    await setReady(second!, false);
    await rig.advance(60_000);
    expect((await rig.state('web')).deployment.status).toMatchObject({ availableReplicas: 1, unavailableReplicas: 2 });
    expect(await progressing()).toEqual(before);
    await setReady(first!, true); // more ready pods, but not a rollout making progress
    await rig.advance(1_000);
    expect((await rig.state('web')).deployment.status).toMatchObject({ readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1 });
    expect(await progressing()).toEqual(before);
    await rig.stop();
  });

  it('without a progress deadline (progressDeadlineSeconds 2147483647) a Deployment has no Progressing condition', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    expect((await rig.state('web')).deployment.status?.conditions?.map((c) => c.type)).toContain('Progressing');
    await rig.edit('web', (d) => (d.spec!.progressDeadlineSeconds = 2_147_483_647));
    await rig.finish('web');
    expect((await rig.state('web')).deployment.status?.conditions?.map((c) => c.type)).toEqual(['Available']);
    await rig.stop();
  });

  it('a Recreate Deployment given a deadline with its new template says it is progressing while its old pods go, before it has a new ReplicaSet or any Progressing condition', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2, strategy: { type: 'Recreate' }, progressDeadlineSeconds: 2_147_483_647 }));
    await rig.settle();
    await rig.finish('web');
    const messages = progressMessages(rig, 'web');
    await rig.edit('web', (d) => {
      d.spec!.progressDeadlineSeconds = 600;
      d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28';
    });
    await rig.finish('web');
    const name = (await rig.state('web')).replicaSets.at(-1)!.metadata.name;
    expect(messages()).toEqual([
      'ReplicaSetUpdated: Deployment "web" is progressing.',
      `NewReplicaSetCreated: Created new replica set "${name}"`,
      `ReplicaSetUpdated: ReplicaSet "${name}" is progressing.`,
      `NewReplicaSetAvailable: ReplicaSet "${name}" has successfully progressed.`,
    ]);
    await rig.stop();
  });

  it('without a progress deadline from the start, no Progressing condition is ever written: not on creating the ReplicaSet, nor on failing to', async () => {
    const rig = await startRollouts();
    rig.cluster.client.failNextWrites('create', 'replicasets', 1, () => forbidden('replicasets.apps', '', 'exceeded quota: replicasets'));
    const messages = progressMessages(rig, 'web');
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2, progressDeadlineSeconds: 2_147_483_647 }));
    await rig.settle();
    await rig.advance(1_000);
    await rig.finish('web');
    expect(rig.recorder.events.map((e) => e.reason)).toContain('ReplicaSetCreateError');
    expect(messages()).toEqual([]);
    // The status still follows the rollout to its end.
    expect((await rig.state('web')).deployment.status).toMatchObject({ replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    await rig.stop();
  });

  it('a ReplicaSet that cannot create its pods passes its ReplicaFailure on to the Deployment, which drops it once the pods are made', async () => {
    const rig = await startRollouts();
    const quota = () => forbidden('pods', '', 'exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1');
    rig.cluster.client.failNextWrites('create', 'pods', 100, quota);
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    const failure = (await rig.state('web')).deployment.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    expect(failure).toMatchObject({ status: 'True', reason: 'FailedCreate', message: quota().message });
    // The ReplicaSet's condition as it is: its lastTransitionTime is both of the Deployment's times, however much later a sync first copies it.
    await rig.advance(10_000);
    let s = await rig.state('web');
    const before = { ...s.deployment, status: { ...s.deployment.status, conditions: s.deployment.status?.conditions?.filter((c) => c.type !== 'ReplicaFailure') } };
    await rig.deployments.syncRolloutStatus(s.replicaSets, s.replicaSets[0], before);
    s = await rig.state('web');
    const since = s.replicaSets[0]!.status?.conditions?.find((c) => c.type === 'ReplicaFailure')?.lastTransitionTime;
    expect(since).toBe(new Date(START).toISOString().replace('.000Z', 'Z'));
    expect(s.deployment.status?.conditions?.find((c) => c.type === 'ReplicaFailure')).toMatchObject({ lastUpdateTime: since, lastTransitionTime: since });
    // One written without a reason or message (by another writer of the status) passes on none.
    const bare = { ...s.replicaSets[0]!, status: { ...s.replicaSets[0]!.status!, conditions: [{ type: 'ReplicaFailure' as const, status: 'True' as const, lastTransitionTime: since }] } };
    await rig.deployments.syncRolloutStatus([bare], bare, (await rig.state('web')).deployment);
    const passed = (await rig.state('web')).deployment.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    expect([passed?.reason ?? '', passed?.message ?? '']).toEqual(['', '']);
    rig.cluster.client.failNextWrites('create', 'pods', 0, quota);
    await rig.finish('web');
    expect((await rig.state('web')).deployment.status?.conditions?.map((c) => c.type)).toEqual(['Available', 'Progressing']);
    await rig.stop();
  });

  it('scaling in the middle of a rollout shares the new replicas between old and new ReplicaSets in proportion to their size', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 10, strategy: rolling(3, 2) }));
    await rig.settle();
    await rig.finish('web');
    await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28'));
    let s = await rig.state('web');
    expect(s.replicaSets.map((r) => r.spec?.replicas)).toEqual([8, 5]);
    await rig.edit('web', (d) => (d.spec!.replicas = 20));
    s = await rig.state('web');
    // Sized for 13 (10 + maxSurge 3), now 23 (20 + 3): 8 * 23/13 = 14.2 -> 14 and 5 * 23/13 = 8.8 -> 9.
    expect(s.replicaSets.map((r) => r.spec?.replicas)).toEqual([14, 9]);
    await rig.finish('web');
    expect((await rig.state('web')).replicaSets.map((r) => r.spec?.replicas)).toEqual([0, 20]);
    await rig.stop();
  });

  it('a ReplicaSet of someone else under the new name is a hash collision: collisionCount goes up and the new ReplicaSet gets another hash', async () => {
    const rig = await startRollouts();
    const d = makeDeployment('web', { replicas: 1 });
    const hash = computeHash((await rig.client.deployments('default').create({ ...d, spec: { ...d.spec!, paused: true } })).spec!.template);
    const squatter = rs(`web-${hash}`, 'busybox', 0);
    squatter.metadata = { name: `web-${hash}`, namespace: 'default', labels: { app: 'other' } };
    squatter.spec!.selector = { matchLabels: { app: 'other' } };
    squatter.spec!.template!.metadata!.labels = { app: 'other' };
    delete squatter.status;
    await rig.client.replicaSets('default').create(squatter);
    await rig.settle();
    await rig.edit('web', (x) => (x.spec!.paused = false));
    await rig.advance(1_000);
    const s = await rig.state('web');
    expect(s.deployment.status?.collisionCount).toBe(1);
    expect(s.replicaSets.map((r) => r.metadata.name)).toEqual([`web-${computeHash(s.deployment.spec!.template, 1)}`]);
    await rig.stop();
  });

  it('a ReplicaSet with its very template under the new name, but controlled by another owner, is a hash collision too', async () => {
    const rig = await startRollouts();
    const d = makeDeployment('web', { replicas: 1 });
    const created = await rig.client.deployments('default').create({ ...d, spec: { ...d.spec!, paused: true } });
    const hash = computeHash(created.spec!.template);
    const labels = { ...created.spec!.template.metadata!.labels, 'pod-template-hash': hash };
    await rig.client.replicaSets('default').create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `web-${hash}`, namespace: 'default', labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web-twin', uid: 'uid-of-another', controller: true }] },
      spec: { replicas: 0, selector: { matchLabels: labels }, template: { ...created.spec!.template, metadata: { labels } } },
    });
    await rig.settle();
    const watch = rig.client.deployments('default').watch({ fieldSelector: 'metadata.name=web' });
    await rig.edit('web', (x) => (x.spec!.paused = false));
    await rig.advance(1_000);
    const s = await rig.state('web');
    expect(s.deployment.status?.collisionCount).toBe(1);
    expect(s.replicaSets.map((r) => r.metadata.name)).toEqual([`web-${computeHash(s.deployment.spec!.template, 1)}`]);
    // The count is written with the rest of the status as it was.
    const counted = watch.poll().map((e) => (e.object as Deployment).status).find((status) => status?.collisionCount === 1);
    expect(counted?.conditions?.map((c) => [c.type, c.reason])).toEqual([['Available', 'MinimumReplicasUnavailable'], ['Progressing', 'DeploymentResumed']]);
    await rig.stop();
  });

  it('a create refused with AlreadyExists for its own ReplicaSet that the cache has takes that one for the new ReplicaSet; one the cache does not have yet is an error to retry, and neither is a collision', async () => {
    const rig = await startRollouts();
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    const d = await rig.client.deployments('default').get('web');
    const [made] = (await rig.state('web')).replicaSets;
    const events = rig.recorder.events.length;
    // A sync whose ReplicaSets were read before its create reached the cache makes the same one again.
    const found = await rig.deployments.getNewReplicaSet(d, [], [], true);
    expect(found?.metadata.uid).toBe(made!.metadata.uid);
    expect(rig.recorder.events.slice(events)).toEqual([]);
    expect((await rig.client.deployments('default').get('web')).status?.collisionCount).toBeUndefined();
    // The cache does not have it yet either: the error is the server's (a retry), and the count stays.
    rig.cluster.client.hold('replicasets');
    await rig.client.deployments('default').create(makeDeployment('api', { replicas: 1 }));
    await rig.settle();
    const api = await rig.client.deployments('default').get('api');
    expect((await rig.state('api')).replicaSets).toHaveLength(1);
    const error = await rig.deployments.getNewReplicaSet(api, [], [], true).then(() => undefined, (e: unknown) => e);
    expect(isStatusError(error)).toBe(true);
    expect((await rig.client.deployments('default').get('api')).status?.collisionCount).toBeUndefined();
    rig.cluster.client.release();
    await rig.finish('api');
    const s = await rig.state('api');
    expect([s.replicaSets.length, s.pods.length, s.deployment.status?.collisionCount]).toEqual([1, 1, undefined]);
    await rig.stop();
  });

  it('an empty selector, which only a cache could hold, selects all pods: a Warning SelectingAll and only observedGeneration; matchExpressions alone are a selector like any other', async () => {
    const rig = await startRollouts();
    await rig.deployments.stop(); // the test syncs by hand
    await rig.client.deployments('default').create(makeDeployment('web', { replicas: 2 }));
    await rig.settle();
    const selectingAll = (selector: Record<string, unknown>) => {
      const cached = rig.deployments.deployments.indexer.getByKey('default/web')!;
      rig.deployments.deployments.indexer.update({ ...cached, spec: { ...cached.spec!, selector } });
    };
    // A key no longer in the cache: nothing to do.
    await rig.deployments.syncDeployment('default/gone');
    const warning = { object: 'Deployment default/web', type: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' };
    selectingAll({});
    await rig.deployments.syncDeployment('default/web');
    expect(rig.recorder.events).toEqual([warning]);
    let s = await rig.state('web');
    expect([s.replicaSets.length, s.deployment.metadata.generation, s.deployment.status?.observedGeneration]).toEqual([0, 1, 1]);
    // Observed already: nothing is written.
    await rig.settle();
    selectingAll({ matchLabels: {}, matchExpressions: [] });
    const updates = rig.cluster.client.updates.length;
    await rig.deployments.syncDeployment('default/web');
    expect(rig.recorder.events).toEqual([warning, warning]);
    expect(rig.cluster.client.updates.length).toBe(updates);
    // A selector of matchExpressions only rolls out.
    selectingAll({ matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] });
    await rig.deployments.syncDeployment('default/web');
    s = await rig.state('web');
    expect(rig.recorder.events.filter((e) => e.reason === 'SelectingAll')).toHaveLength(2);
    expect(s.replicaSets.map((r) => r.spec?.replicas)).toEqual([2]);
    await rig.stop();
  });

  it('adopts an orphan ReplicaSet that has its template and says FoundNewReplicaSet', async () => {
    const rig = await startRollouts();
    const d = makeDeployment('web', { replicas: 2 });
    const orphan = rs('web-old1', 'nginx:1.27', 2);
    orphan.metadata = { name: 'web-old1', namespace: 'default', labels: { app: 'web', 'pod-template-hash': 'old1' } };
    orphan.spec!.selector = { matchLabels: { app: 'web', 'pod-template-hash': 'old1' } };
    delete orphan.status;
    await rig.client.replicaSets('default').create(orphan);
    await rig.settle();
    const messages = progressMessages(rig, 'web');
    const watch = rig.client.deployments('default').watch({ fieldSelector: 'metadata.name=web' });
    // The apiserver fills in the template's defaults: give the Deployment the orphan's template as stored.
    const stored = (await rig.client.replicaSets('default').get('web-old1')).spec!.template!;
    const labels = { ...stored.metadata!.labels };
    delete labels['pod-template-hash'];
    await rig.client.deployments('default').create({ ...d, spec: { ...d.spec!, template: { ...stored, metadata: { ...stored.metadata, labels } } } });
    await rig.settle();
    const s = await rig.state('web');
    expect(s.replicaSets.map((r) => r.metadata.name)).toEqual(['web-old1']);
    expect(s.replicaSets[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true });
    expect(messages()[0]).toBe('FoundNewReplicaSet: Found new replica set "web-old1"');
    const found = watch.poll().map((e) => (e.object as Deployment).status?.conditions?.find((c) => c.type === 'Progressing')).find((c) => c?.reason === 'FoundNewReplicaSet');
    expect(found?.status).toBe('True');
    expect(s.deployment.metadata.annotations?.[REVISION]).toBe('1');
    await rig.stop();
  });
});

// ---- the real kubectl ----------------------------------------------------------------------------

const kubectlHere = await haveKubectl();

function needKubectl(context: { skip(note?: string): void }): void {
  if (kubectlHere) return;
  if (process.env.CI) throw new Error('CI needs kubectl on the PATH to run the kubectl tests of kata 19');
  context.skip('kubectl is not installed here, so this test is skipped (CI runs it): install kubectl v1.32 to run it');
}

describe('the real kubectl against the apiserver, with the controllers running over HTTP', () => {
  it('kubectl rollout status completes, set image starts a rollout, rollout history lists revisions, rollout undo rolls back, scale works through /scale', { timeout: 120_000 }, async (context) => {
    needKubectl(context);
    const bench = await startBench({ host: '127.0.0.19' });
    const config = kubeconfig(bench.url);
    const client = new HttpClient(bench.url);
    // The controllers' time is a fake clock that the test moves while kubectl runs: their back-offs
    // fire without anyone sleeping, and no assertion depends on how fast this machine is.
    const clock = new FakeClock(START);
    const factory = new SharedInformerFactory({ client, clock });
    const rsController = new ReplicaSetController({ client, clock, factory });
    const controller = new DeploymentController({ client, clock, factory });
    // The kubelet's part: every pod that appears is Running and Ready.
    factory.pods().addEventHandler({ onAdd: (pod) => void (isReady(pod) || makeReady(client, pod, clock.now())), onUpdate: (_old, pod) => void (isReady(pod) || pod.metadata.deletionTimestamp || makeReady(client, pod, clock.now())) });
    factory.start();
    await factory.waitForCacheSync();
    rsController.run(2);
    controller.run(2);
    const drive = driveClock(clock);
    const run = async (...args: string[]) => {
      const result = await kubectl(config, args);
      expect(result.code, `kubectl ${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };
    try {
      expect(await run('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3')).toContain('deployment.apps/web created');
      expect(await run('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('deployment "web" successfully rolled out');
      expect(await run('set', 'image', 'deployment/web', 'nginx=nginx:1.28')).toContain('deployment.apps/web image updated');
      await run('annotate', 'deployment/web', 'kubernetes.io/change-cause=nginx 1.28');
      expect(await run('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('deployment "web" successfully rolled out');
      const history = (await run('rollout', 'history', 'deployment/web')).split('\n').map((line) => line.trim().split(/\s{2,}/).join(' | '));
      expect(history).toEqual(expect.arrayContaining(['REVISION | CHANGE-CAUSE', '1 | <none>', '2 | nginx 1.28']));
      expect(await run('rollout', 'history', 'deployment/web', '--revision=2')).toMatch(/Image:\s+nginx:1\.28/);
      expect(await run('rollout', 'undo', 'deployment/web')).toContain('deployment.apps/web rolled back');
      expect(await run('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('deployment "web" successfully rolled out');
      expect(await run('get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('nginx:1.27 3');
      const revisions = (await run('rollout', 'history', 'deployment/web')).split('\n').map((line) => line.trim().split(/\s+/)[0]);
      expect(revisions).toEqual(expect.arrayContaining(['2', '3']));
      expect(revisions).not.toContain('1');
      expect(await run('scale', 'deployment/web', '--replicas=5')).toContain('deployment.apps/web scaled');
      expect(await run('rollout', 'status', 'deployment/web', '--timeout=60s')).toContain('deployment "web" successfully rolled out');
      expect(await run('get', 'deployment', 'web', '-o', 'jsonpath={.status.readyReplicas}/{.status.replicas}')).toBe('5/5');
      const replicaSets = await run('get', 'replicasets', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.replicas} {end}');
      expect(replicaSets.trim().split(' ').map((entry) => entry.replace(/^web-[bcdf4-9]{1,10}=/, 'web-<hash>=')).sort()).toEqual(['web-<hash>=0', 'web-<hash>=5']);
    } finally {
      await drive.stop();
      await controller.stop();
      await rsController.stop();
      await factory.shutdown();
      await bench.stop();
    }
  });
});

// ---- properties ----------------------------------------------------------------------------------

interface Real {
  rig: Rollouts;
  d: { replicas: number; surge: number; unavailable: number; minReadySeconds: number };
}
type Command = fc.AsyncCommand<object, Real>;

/** After every step: no fewer available pods than replicas - maxUnavailable, no more pods than replicas + maxSurge. */
async function expectWithinBounds(real: Real, step: string): Promise<void> {
  const { pods } = await real.rig.state('web');
  const { replicas, surge, unavailable, minReadySeconds } = real.d;
  const available = pods.filter((p) => isAvailable(p, minReadySeconds, real.rig.cluster.clock.now())).length;
  expect(pods.length, `after "${step}": all pods <= replicas + maxSurge (${replicas} + ${surge})`).toBeLessThanOrEqual(replicas + surge);
  expect(available, `after "${step}": available pods >= replicas - maxUnavailable (${replicas} - ${unavailable})`).toBeGreaterThanOrEqual(replicas - unavailable);
}

class NewTemplate implements Command {
  constructor(readonly version: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = `nginx:1.${this.version}`));
    await expectWithinBounds(real, String(this));
  }
  toString = () => `set the image to nginx:1.${this.version}`;
}
class MakeReady implements Command {
  constructor(readonly which: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    const waiting = (await real.rig.state('web')).pods.filter((p) => !isReady(p));
    if (waiting.length > 0) await makeReady(real.rig.client, waiting[this.which % waiting.length]!, real.rig.cluster.clock.now());
    await real.rig.settle();
    await expectWithinBounds(real, String(this));
  }
  toString = () => `make not-ready pod #${this.which} ready`;
}
class Advance implements Command {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_: object, real: Real) {
    await real.rig.advance(this.ms);
    await expectWithinBounds(real, String(this));
  }
  toString = () => `advance ${this.ms} ms`;
}

/** 0 or 0%: the apiserver refuses a Deployment whose maxSurge and maxUnavailable are both that. */
const isZero = (value: number | string) => value === 0 || value === '0%';

/** A percentage or a count for maxSurge / maxUnavailable. */
const intOrPercent = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '10%', '25%', '50%', '100%'));

describe('properties', () => {
  test.prop(
    [
      fc.integer({ min: 1, max: 6 }),
      fc.tuple(intOrPercent, intOrPercent).filter(([surge, unavailable]) => !(isZero(surge) && isZero(unavailable))),
      fc.constantFrom(0, 5),
      fc.commands(
        [
          fc.integer({ min: 28, max: 31 }).map((v) => new NewTemplate(v)),
          fc.nat(6).map((i) => new MakeReady(i)),
          fc.constantFrom(10, 1_000, 6_000).map((ms) => new Advance(ms)),
        ],
        { maxCommands: 30, size: '+1' },
      ),
    ],
    { numRuns: 30 },
  )('at every step of any rollout, available pods stay >= replicas - maxUnavailable and all pods <= replicas + maxSurge', async (replicas, [surge, unavailable], minReadySeconds, commands) => {
    const rig = await startRollouts();
    try {
      const d = makeDeployment('web', { replicas, minReadySeconds, strategy: rolling(surge, unavailable) });
      await rig.client.deployments('default').create(d);
      await rig.settle();
      await rig.finish('web');
      const fence = resolveFenceposts(surge, unavailable, replicas);
      const real: Real = { rig, d: { replicas, surge: fence.surge, unavailable: Math.min(fence.unavailable, replicas), minReadySeconds } };
      await expectWithinBounds(real, 'the first rollout');
      await fc.asyncModelRun(() => ({ model: {}, real }), commands);
    } finally {
      await rig.stop();
    }
  });

  test.prop(
    [
      fc.constantFrom<DeploymentStrategy>(rolling('25%', '25%'), rolling(1, 0), rolling(0, 1), rolling('100%', '0%'), { type: 'Recreate' }),
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: 3 }),
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('image' as const), version: fc.integer({ min: 27, max: 30 }) }),
          fc.record({ kind: fc.constant('scale' as const), replicas: fc.integer({ min: 0, max: 6 }) }),
          fc.record({ kind: fc.constant('pause' as const), paused: fc.boolean() }),
          fc.record({ kind: fc.constant('ready' as const), count: fc.integer({ min: 1, max: 3 }) }),
          fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(10, 2_000) }),
        ),
        { maxLength: 14 },
      ),
    ],
    { numRuns: 30 },
  )('a rollout whose new pods become ready always completes: one ReplicaSet of the current template with every pod, history within revisionHistoryLimit', async (strategy, replicas, historyLimit, changes) => {
    const rig = await startRollouts();
    try {
      await rig.client.deployments('default').create(makeDeployment('web', { replicas, strategy, revisionHistoryLimit: historyLimit }));
      await rig.settle();
      for (const change of changes) {
        if (change.kind === 'image') await rig.edit('web', (d) => (d.spec!.template.spec!.containers[0]!.image = `nginx:1.${change.version}`));
        else if (change.kind === 'scale') await rig.edit('web', (d) => (d.spec!.replicas = change.replicas));
        else if (change.kind === 'pause') await rig.edit('web', (d) => (d.spec!.paused = change.paused));
        else if (change.kind === 'ready') {
          const waiting = (await rig.state('web')).pods.filter((p) => !isReady(p));
          for (const pod of waiting.slice(0, change.count)) await makeReady(rig.client, pod, rig.cluster.clock.now());
          await rig.settle();
        } else await rig.advance(change.ms);
      }
      await rig.edit('web', (d) => (d.spec!.paused = false));
      await rig.finish('web', 40);
      await rig.advance(1_000);
      const s = await rig.state('web');
      const want = s.deployment.spec!.replicas!;
      const current = s.replicaSets.filter((r) => equalIgnoreHash(r.spec!.template, s.deployment.spec!.template));
      expect(current.length, 'one ReplicaSet has the current template').toBe(1);
      expect(s.deployment.status, 'the status of a complete rollout').toMatchObject({ observedGeneration: s.deployment.metadata.generation, replicas: want, updatedReplicas: want, availableReplicas: want, unavailableReplicas: 0 });
      expect(s.deployment.status?.conditions?.find((c) => c.type === 'Progressing')?.reason, 'Progressing').toBe('NewReplicaSetAvailable');
      expect(s.pods.length, 'pods').toBe(want);
      expect(s.pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === current[0]!.metadata.uid), 'every pod is of the new ReplicaSet').toBe(true);
      expect(s.replicaSets.filter((r) => r !== current[0]).every((r) => r.spec?.replicas === 0), 'old ReplicaSets are scaled to 0').toBe(true);
      expect(s.replicaSets.length - 1, 'old ReplicaSets kept').toBeLessThanOrEqual(historyLimit);
      const revisions = s.replicaSets.map((r) => Number(r.metadata.annotations?.[REVISION]));
      expect(new Set(revisions).size, 'revisions are distinct').toBe(revisions.length);
      expect(Number(current[0]!.metadata.annotations?.[REVISION]), 'the new ReplicaSet has the highest revision').toBe(Math.max(...revisions));
      expect(s.deployment.metadata.annotations?.[REVISION], "the Deployment's revision is its new ReplicaSet's").toBe(current[0]!.metadata.annotations?.[REVISION]);
    } finally {
      await rig.stop();
    }
  });

  test.prop([
    fc.dictionary(fc.constantFrom('app', 'tier', 'track', 'zone'), fc.constantFrom('a', 'b', 'web'), { minKeys: 1 }),
    fc.array(fc.record({ name: fc.constantFrom('app', 'log', 'proxy'), image: fc.constantFrom('nginx:1.27', 'busybox', 'envoy') }), { minLength: 1, maxLength: 3 }),
    fc.nat(5),
  ])('the hash of a template is the same whatever order its fields are in, changes with the collision count, and fits a real name: at most 10 of bcdf456789', (labels, containers, collisions) => {
    const t: PodTemplateSpec = { metadata: { labels }, spec: { containers } };
    const reversed = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).reverse());
    const shuffled: PodTemplateSpec = { spec: { containers: containers.map((c) => reversed(c) as never) }, metadata: { labels: reversed(labels) as Record<string, string> } };
    expect(computeHash(shuffled)).toBe(computeHash(t));
    expect(computeHash(t, collisions)).toMatch(/^[bcdf4-9]{1,10}$/);
    expect(computeHash(t, collisions)).not.toBe(computeHash(t, collisions + 1));
  });
});
