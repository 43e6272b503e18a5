/**
 * DaemonSets (given code, beyond the katas): the apiserver's apps/v1 strategy
 * (solutions/apiserver/daemonset-strategy.ts) and the DaemonSet controller
 * (solutions/controllers/daemonset.ts), as kube-controller-manager v1.32 runs them. The pods'
 * readiness and failures are written by the test, as a kubelet would write them; no scheduler
 * runs, so each pod stays on the node its affinity names. Time is the cluster's FakeClock.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { defaultDaemonSet, prepareDaemonSetForUpdate, TEMPLATE_GENERATION_ANNOTATION, validateDaemonSetUpdate } from '@kube/apiserver';
import { CONTROLLER_REVISION_HASH_LABEL, DaemonSetController, POD_TEMPLATE_GENERATION_LABEL } from '@kube/controllers';
import type { ControllerRevision, DaemonSet, DaemonSetSpec, Node, Pod, Taint } from '@kube/kit';

/** A DaemonSet "agent" of one container, its image `image`. */
function daemonSet(spec: Partial<DaemonSetSpec> = {}, image = 'kubekata/echo:1'): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }] } },
      ...spec,
    },
  };
}

/** A node with these labels and taints (a cordoned node has the unschedulable taint, as the node lifecycle controller gives it). */
function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } };
}

const CORDONED: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const DEDICATED: Taint = { key: 'dedicated', value: 'db', effect: 'NoSchedule' };
const EVICTING: Taint = { key: 'maintenance', effect: 'NoExecute' };

async function running() {
  const { cluster, api, recorder, errors, stop } = await controllerOnCluster((parts) => new DaemonSetController(parts));
  const daemonSets = api.resource<DaemonSet>('daemonsets', 'default');
  const revisions = api.resource<ControllerRevision>('controllerrevisions', 'default');
  /** The DaemonSets' pods (`agent`'s, and `cni`'s where a test makes it) not being deleted, by the node their affinity names. */
  const podsByNode = async (): Promise<Map<string, Pod[]>> => {
    const byNode = new Map<string, Pod[]>();
    for (const pod of (await api.pods('default').list({ labelSelector: 'app in (agent,cni)' })).items) {
      if (pod.metadata.deletionTimestamp) continue;
      const target = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] ?? '?';
      byNode.set(target, [...(byNode.get(target) ?? []), pod]);
    }
    return byNode;
  };
  /** Writes the pod's status as its kubelet would: Running and Ready, or Failed. */
  const setPhase = async (pod: Pod, phase: 'Ready' | 'Failed') => {
    const now = await api.pods('default').get(pod.metadata.name!);
    const status = phase === 'Ready' ? { phase: 'Running' as const, conditions: [{ type: 'Ready' as const, status: 'True' as const }] } : { phase: 'Failed' as const };
    await api.pods('default').updateStatus({ ...now, status: { ...now.status, ...status } });
  };
  /** Makes every pod of the DaemonSet ready, then lets the controller act. */
  const readyAll = async () => {
    for (const pods of (await podsByNode()).values()) for (const pod of pods) if (pod.status?.phase !== 'Running') await setPhase(pod, 'Ready');
    await cluster.settle();
  };
  /**
   * Changes the DaemonSet as a client's PUT through kata 10's handler would: the strategy's
   * PrepareForUpdate counts the template generation (this test's client goes straight to the registry).
   */
  const change = async (edit: (ds: DaemonSet) => void) => {
    const stored = await daemonSets.get('agent');
    const next = structuredClone(stored);
    edit(next);
    prepareDaemonSetForUpdate(next, stored);
    await daemonSets.update(next);
    await cluster.settle();
  };
  return { cluster, api, daemonSets, revisions, podsByNode, setPhase, readyAll, change, errors, recorder, stop };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/daemonset-controller.test.ts'), 240_000);
else describe('DaemonSets', () => {
  it('the apiserver defaults a DaemonSet (RollingUpdate, maxUnavailable 1, maxSurge 0, 10 revisions, template generation 1) and refuses what upstream refuses', async () => {
    const { daemonSets, stop } = await running();
    const created = await daemonSets.create(daemonSet());
    expect(created.spec!.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(created.spec!.revisionHistoryLimit).toBe(10);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.annotations).toEqual({ [TEMPLATE_GENERATION_ANNOTATION]: '1' });
    const refused = async (spec: Partial<DaemonSetSpec>, message: string) => {
      await expect(daemonSets.create({ ...daemonSet(spec), metadata: { name: 'bad', namespace: 'default' } })).rejects.toThrow(message);
    };
    await refused({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } }, 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero');
    await refused({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0%', maxSurge: 0 } } }, 'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0');
    await refused({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } }, 'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%');
    await refused({ selector: {} }, 'spec.selector: Invalid value: {}: empty selector is invalid for daemonset');
    await refused({ selector: { matchLabels: { app: 'other' } } }, 'spec.template.metadata.labels: Invalid value: {"app":"agent"}: `selector` does not match template `labels`');
    const never = daemonSet();
    never.metadata.name = 'never';
    never.spec!.template.spec!.restartPolicy = 'Never';
    await expect(daemonSets.create(never)).rejects.toThrow('spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"');
    // The update rules are the HTTP handler's (kata 10), which this test's client skips: asked directly.
    const stored = await daemonSets.get('agent');
    expect(validateDaemonSetUpdate({ ...stored, spec: { ...stored.spec!, selector: { matchLabels: { app: 'agent', tier: 'x' } } } }, stored).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"agent","tier":"x"}}: field is immutable',
    ]);
    await stop();
  });

  it('counts the template generation itself: one more for a new template, none for another change, whatever the client sent', () => {
    const stored = daemonSet();
    defaultDaemonSet(stored); // as the apiserver stored it
    stored.metadata.annotations = { [TEMPLATE_GENERATION_ANNOTATION]: '3' };
    const generationAfter = (edit: (ds: DaemonSet) => void) => {
      const next = structuredClone(stored);
      edit(next);
      prepareDaemonSetForUpdate(next, stored);
      return next.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
    };
    expect(generationAfter((ds) => (ds.spec!.template.spec!.containers[0]!.image = 'kubekata/echo:2'))).toBe('4');
    expect(generationAfter((ds) => (ds.spec!.minReadySeconds = 5))).toBe('3');
    expect(generationAfter((ds) => (ds.metadata.annotations = { [TEMPLATE_GENERATION_ANNOTATION]: '99' }))).toBe('3');
    expect(generationAfter((ds) => delete ds.metadata.annotations)).toBe('3');
    // A manifest that leaves out what defaulting fills in (kubectl replace -f) is the same template.
    expect(generationAfter((ds) => (ds.spec!.template = daemonSet().spec!.template))).toBe('3');
  });

  it('runs one pod on every node that may have it, a cordoned one too, none where a taint is not tolerated; each pod names its node by affinity and carries the daemon tolerations', async () => {
    const { cluster, api, daemonSets, revisions, podsByNode, readyAll, errors, stop } = await running();
    for (const n of [node('node-a'), node('node-b', {}, [CORDONED]), node('node-c', {}, [DEDICATED])]) await api.nodes().create(n);
    await daemonSets.create(daemonSet());
    await cluster.settle();
    const byNode = await podsByNode();
    expect([...byNode.keys()].sort()).toEqual(['node-a', 'node-b']);
    const [revision, ...more] = (await revisions.list()).items;
    expect(more).toEqual([]);
    const hash = revision!.metadata.labels![CONTROLLER_REVISION_HASH_LABEL]!;
    expect(revision).toMatchObject({ revision: 1, metadata: { name: `agent-${hash}`, labels: { app: 'agent' }, ownerReferences: [expect.objectContaining({ kind: 'DaemonSet', name: 'agent', controller: true })] } });
    expect(revision!.data).toMatchObject({ spec: { template: { $patch: 'replace', metadata: { creationTimestamp: null, labels: { app: 'agent' } } } } });
    const pod = byNode.get('node-a')![0]!;
    expect(pod.metadata.name).toMatch(/^agent-[a-z0-9]{5}$/);
    expect(pod.metadata.labels).toEqual({ app: 'agent', [CONTROLLER_REVISION_HASH_LABEL]: hash, [POD_TEMPLATE_GENERATION_LABEL]: '1' });
    expect(pod.spec!.affinity).toEqual({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-a'] }] }] } } });
    expect(pod.spec!.tolerations!.map((t) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
    expect((await daemonSets.get('agent')).status).toEqual({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 2, numberUnavailable: 2, observedGeneration: 1 });
    await readyAll();
    expect((await daemonSets.get('agent')).status).toEqual({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberMisscheduled: 0, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2, observedGeneration: 1 });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('runs a daemon on the node\'s network where the pod network is not up yet (network-unavailable), tolerating that besides, and no other daemon there', async () => {
    const { cluster, api, daemonSets, podsByNode, errors, stop } = await running();
    const networkUnavailable: Taint = { key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' };
    for (const n of [node('node-a'), node('node-b', {}, [networkUnavailable])]) await api.nodes().create(n);
    await daemonSets.create(daemonSet());
    await daemonSets.create({ ...daemonSet(), metadata: { name: 'cni', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'cni' } }, template: { metadata: { labels: { app: 'cni' } }, spec: { hostNetwork: true, containers: [{ name: 'cni', image: 'kubekata/sleeper' }] } } } });
    await cluster.settle();
    const where = async (app: string) => [...(await podsByNode()).entries()].filter(([, pods]) => pods.some((p) => p.metadata.labels?.app === app)).map(([n]) => n).sort();
    expect(await where('agent')).toEqual(['node-a']);
    expect(await where('cni')).toEqual(['node-a', 'node-b']);
    const cni = [...(await podsByNode()).values()].flat().find((p) => p.metadata.labels?.app === 'cni')!;
    expect(cni.spec!.tolerations!.map((t) => `${t.key}:${t.effect}`).at(-1)).toBe('node.kubernetes.io/network-unavailable:NoSchedule');
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('keeps its pod on a node that gains a NoSchedule taint (counted misscheduled), and removes it from one that gains a NoExecute taint or loses the selected label', async () => {
    const { cluster, api, daemonSets, podsByNode, readyAll, errors, stop } = await running();
    for (const name of ['node-a', 'node-b', 'node-c']) await api.nodes().create(node(name, { pool: 'edge' }));
    await daemonSets.create(daemonSet({ template: { metadata: { labels: { app: 'agent' } }, spec: { nodeSelector: { pool: 'edge' }, containers: [{ name: 'agent', image: 'kubekata/echo:1' }] } } }));
    await cluster.settle();
    await readyAll();
    const retaint = async (name: string, edit: (n: Node) => void) => {
      const now = await api.nodes().get(name);
      edit(now);
      await api.nodes().update(now);
      await cluster.settle();
    };
    await retaint('node-a', (n) => (n.spec = { taints: [DEDICATED] }));
    await retaint('node-b', (n) => (n.spec = { taints: [EVICTING] }));
    await retaint('node-c', (n) => (n.metadata.labels = { pool: 'core' }));
    expect([...(await podsByNode()).keys()]).toEqual(['node-a']);
    expect((await daemonSets.get('agent')).status).toMatchObject({ desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 1, numberReady: 0 });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('rolls a new template out one node at a time (maxUnavailable 1): an old pod goes only once the new pod before it is ready', async () => {
    const { cluster, api, daemonSets, revisions, podsByNode, setPhase, change, readyAll, errors, stop } = await running();
    for (const name of ['node-a', 'node-b', 'node-c']) await api.nodes().create(node(name));
    await daemonSets.create(daemonSet());
    await cluster.settle();
    await readyAll();
    await change((ds) => (ds.spec!.template.spec!.containers[0]!.image = 'kubekata/echo:2'));
    /** Each node's pods by their image's tag, in node order: `node-a:2`. */
    const images = async () => {
      const tagOf = (pod: Pod) => (pod.spec!.containers[0]!.image ?? '').split(':')[1];
      return [...(await podsByNode())].sort(([a], [b]) => a.localeCompare(b)).map(([name, pods]) => `${name}:${pods.map(tagOf).join('+')}`);
    };
    expect(await images()).toEqual(['node-a:2', 'node-b:1', 'node-c:1']);
    const fresh = (await podsByNode()).get('node-a')![0]!;
    expect(fresh.metadata.labels![POD_TEMPLATE_GENERATION_LABEL]).toBe('2');
    await cluster.advance(60_000);
    expect(await images(), 'nothing more while the new pod is not ready').toEqual(['node-a:2', 'node-b:1', 'node-c:1']);
    await setPhase(fresh, 'Ready');
    await cluster.settle();
    expect(await images()).toEqual(['node-a:2', 'node-b:2', 'node-c:1']);
    await readyAll();
    await readyAll();
    expect(await images()).toEqual(['node-a:2', 'node-b:2', 'node-c:2']);
    expect((await revisions.list()).items.map((r) => r.revision).sort()).toEqual([1, 2]);
    expect((await daemonSets.get('agent')).status).toMatchObject({ updatedNumberScheduled: 3, numberAvailable: 3, observedGeneration: 2 });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('deletes a failed pod with a FailedDaemonPod warning and makes another, but on the same node again only after a back-off of 1 s, then 2 s', async () => {
    const { cluster, api, daemonSets, podsByNode, setPhase, errors, recorder, stop } = await running();
    await api.nodes().create(node('node-a'));
    await daemonSets.create(daemonSet());
    await cluster.settle();
    const first = (await podsByNode()).get('node-a')![0]!;
    await setPhase(first, 'Failed');
    await cluster.settle();
    const second = (await podsByNode()).get('node-a')!;
    expect(second.map((p) => p.metadata.name)).not.toContain(first.metadata.name);
    expect(recorder.events.filter((e) => e.reason === 'FailedDaemonPod').map((e) => [e.type, e.message])).toEqual([
      ['Warning', `Found failed daemon pod default/${first.metadata.name} on node node-a, will try to kill it`],
    ]);
    await setPhase(second[0]!, 'Failed');
    await cluster.settle();
    expect((await podsByNode()).get('node-a')!.map((p) => p.metadata.name), 'kept through the back-off').toEqual([second[0]!.metadata.name]);
    await cluster.advance(1000);
    const third = (await podsByNode()).get('node-a')!;
    expect(third.map((p) => p.metadata.name)).not.toContain(second[0]!.metadata.name);
    await setPhase(third[0]!, 'Failed');
    await cluster.advance(1999);
    expect((await podsByNode()).get('node-a')!.map((p) => p.metadata.name)).toEqual([third[0]!.metadata.name]);
    await cluster.advance(1);
    expect((await podsByNode()).get('node-a')!.map((p) => p.metadata.name)).not.toContain(third[0]!.metadata.name);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('keeps revisionHistoryLimit old revisions, and a template that comes back (a rollback) takes its old revision renumbered past the newest', async () => {
    const { cluster, api, daemonSets, revisions, change, readyAll, errors, stop } = await running();
    await api.nodes().create(node('node-a'));
    await daemonSets.create(daemonSet({ revisionHistoryLimit: 1 }));
    await cluster.settle();
    await readyAll();
    const names = async () => (await revisions.list()).items.sort((a, b) => a.revision - b.revision).map((r) => `${r.revision}:${(r.data as DaemonSet).spec!.template.spec!.containers[0]!.image}`);
    for (const image of ['kubekata/echo:2', 'kubekata/echo:3']) {
      await change((ds) => (ds.spec!.template.spec!.containers[0]!.image = image));
      await readyAll();
      await readyAll();
    }
    expect(await names()).toEqual(['2:kubekata/echo:2', '3:kubekata/echo:3']);
    await change((ds) => (ds.spec!.template.spec!.containers[0]!.image = 'kubekata/echo:2'));
    await readyAll();
    await readyAll();
    expect(await names()).toEqual(['3:kubekata/echo:3', '4:kubekata/echo:2']);
    expect(await cluster.serverState('controllerrevisions')).toHaveProperty('size', 2);
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  // ---- properties ------------------------------------------------------------------------------

  /** What the test does to a node: its pool label and one taint. */
  const nodeShape = fc.record({ pool: fc.constantFrom('edge', 'core'), taint: fc.constantFrom('none', 'cordoned', 'dedicated', 'evicting') });
  const TAINTS: Record<string, Taint[]> = { none: [], cordoned: [CORDONED], dedicated: [DEDICATED], evicting: [EVICTING] };

  test.prop([fc.array(fc.tuple(nodeShape, nodeShape), { minLength: 1, maxLength: 5 }), fc.boolean()], { numRuns: 20 })(
    'whatever the nodes were and became, each node that may run the daemon runs exactly one pod of the current template, one it must not run has none, and the status counts them so',
    async (shapes, selectsEdge) => {
      const { cluster, api, daemonSets, podsByNode, readyAll, errors, stop } = await running();
      const names = shapes.map((_, i) => `node-${i}`);
      for (const [i, [before]] of shapes.entries()) await api.nodes().create(node(names[i]!, { pool: before.pool }, TAINTS[before.taint]));
      const template = daemonSet().spec!.template;
      if (selectsEdge) template.spec!.nodeSelector = { pool: 'edge' };
      await daemonSets.create(daemonSet({ template }));
      await cluster.settle();
      await readyAll();
      for (const [i, [, after]] of shapes.entries()) {
        const now = await api.nodes().get(names[i]!);
        await api.nodes().update({ ...now, metadata: { ...now.metadata, labels: { pool: after.pool } }, spec: { taints: TAINTS[after.taint] } });
      }
      await cluster.settle();
      await readyAll();
      const byNode = await podsByNode();
      const selected = (pool: string) => !selectsEdge || pool === 'edge';
      let desired = 0;
      let misscheduled = 0;
      for (const [i, [before, after]] of shapes.entries()) {
        const pods = byNode.get(names[i]!) ?? [];
        // May run: selected, and no taint it does not tolerate (it tolerates the cordon).
        const mayRun = selected(after.pool) && (after.taint === 'none' || after.taint === 'cordoned');
        // A pod already there stays through a NoSchedule taint, not through NoExecute or a selector that no longer matches.
        const hadOne = selected(before.pool) && (before.taint === 'none' || before.taint === 'cordoned');
        const keeps = selected(after.pool) && after.taint === 'dedicated' && hadOne;
        if (mayRun) desired++;
        if (keeps) misscheduled++;
        expect(pods.length, `${names[i]} was ${JSON.stringify(before)}, is ${JSON.stringify(after)}`).toBe(mayRun || keeps ? 1 : 0);
      }
      expect((await daemonSets.get('agent')).status).toMatchObject({ desiredNumberScheduled: desired, currentNumberScheduled: desired, numberMisscheduled: misscheduled, numberReady: desired });
      expect(faults(errors)).toEqual([]);
      await stop();
    },
  );

  /** One step of a rollout: a new template, or some of the pods not yet ready becoming ready. */
  type Step = { kind: 'template' } | { kind: 'ready'; count: number };
  const step: fc.Arbitrary<Step> = fc.oneof(fc.constant({ kind: 'template' as const }), fc.integer({ min: 1, max: 3 }).map((count) => ({ kind: 'ready' as const, count })));

  test.prop([fc.integer({ min: 1, max: 5 }), fc.oneof(fc.record({ maxUnavailable: fc.constantFrom<number | string>(1, 2, '50%') }), fc.record({ maxSurge: fc.constantFrom<number | string>(1, 2, '50%'), maxUnavailable: fc.constant(0) })), fc.array(step, { maxLength: 12 })], { numRuns: 20 })(
    'through any template changes, no more nodes lack an available pod than maxUnavailable allows (none, with a surge) beyond those whose outdated pod was not ready, no node runs more than two, and once all are ready every node runs the last template',
    async (nodes, rollingUpdate, steps) => {
      const { cluster, api, daemonSets, podsByNode, setPhase, change, readyAll, errors, stop } = await running();
      for (let i = 0; i < nodes; i++) await api.nodes().create(node(`node-${i}`));
      await daemonSets.create(daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate } }));
      await cluster.settle();
      await readyAll();
      const allowed = 'maxSurge' in rollingUpdate ? 0 : typeof rollingUpdate.maxUnavailable === 'number' ? rollingUpdate.maxUnavailable : Math.ceil(nodes / 2);
      let version = 1;
      const available = (pods: readonly Pod[]) => pods.some((p) => p.status?.phase === 'Running');
      const lacking = (byNode: Map<string, Pod[]>) => [...Array(nodes).keys()].map((i) => byNode.get(`node-${i}`) ?? []).filter((pods) => !available(pods));
      for (const s of steps) {
        // A second between steps, as a rollout takes: pods made in the same second are ordered by
        // name, not age, and with a surge upstream keeps the "oldest" old pod by that order too.
        await cluster.advance(1000);
        const image = `kubekata/echo:${s.kind === 'template' ? version + 1 : version}`;
        // Upstream replaces an outdated pod that is not ready without counting it against
        // maxUnavailable (it is unavailable already): such nodes may stay without one.
        const before = lacking(await podsByNode());
        const excused = before.filter((pods) => pods.length > 0 && pods.every((p) => p.spec!.containers[0]!.image !== image)).length;
        if (s.kind === 'template') {
          version++;
          await change((ds) => (ds.spec!.template.spec!.containers[0]!.image = `kubekata/echo:${version}`));
        } else {
          const waiting = [...(await podsByNode()).values()].flat().filter((p) => p.status?.phase !== 'Running');
          for (const pod of waiting.slice(0, s.count)) await setPhase(pod, 'Ready');
          await cluster.settle();
        }
        const byNode = await podsByNode();
        // The controller takes an available pod away only within the budget; pods becoming ready
        // may leave fewer nodes lacking one than the budget allows, never more than before.
        expect(lacking(byNode).length, `nodes without an available pod after ${JSON.stringify(s)}`).toBeLessThanOrEqual(Math.max(before.length, allowed + excused));
        for (const pods of byNode.values()) expect(pods.length).toBeLessThanOrEqual(2);
      }
      for (let round = 0; round < 2 * nodes + 2; round++) await readyAll();
      const byNode = await podsByNode();
      for (let i = 0; i < nodes; i++) expect((byNode.get(`node-${i}`) ?? []).map((p) => p.spec!.containers[0]!.image)).toEqual([`kubekata/echo:${version}`]);
      expect((await daemonSets.get('agent')).status).toMatchObject({ desiredNumberScheduled: nodes, updatedNumberScheduled: nodes, numberAvailable: nodes });
      expect(faults(errors)).toEqual([]);
      await stop();
    },
  );
});
