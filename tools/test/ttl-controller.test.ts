/**
 * The TTL controller (given code, solutions/controllers/ttl.ts): every Node carries
 * `node.alpha.kubernetes.io/ttl`, the seconds its kubelet may cache Secrets and ConfigMaps, by the
 * cluster's size, as kube-controller-manager keeps it.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';
import { NODE_TTL_ANNOTATION, SharedInformerFactory, TTL_BOUNDARIES, TTLController, ttlStep } from '@kube/controllers';
import type { Node } from '@kube/kit';

const node = (name: string, annotations?: Record<string, string>): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, ...(annotations && { annotations }) } });

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/ttl-controller.test.ts'), 240_000);
else {
  describe('the TTL controller', () => {
    it('annotates every node of a small cluster with 0, and puts back a value someone changed, or one that is no number', async () => {
      const cluster = new ControllerCluster();
      const nodes = cluster.client.inner.nodes();
      await nodes.create(node('node-1'));
      const factory = new SharedInformerFactory({ client: cluster.client, clock: cluster.clock });
      const errors: unknown[] = [];
      const controller = new TTLController({ client: cluster.client, clock: cluster.clock, factory, onError: (_key, error) => errors.push(error) });
      factory.start();
      await factory.waitForCacheSync();
      controller.run();
      await nodes.create(node('node-2', { 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/kubekata.sock' }));
      await cluster.settle();
      const annotations = async (name: string) => (await nodes.get(name)).metadata.annotations;
      expect(await annotations('node-1')).toEqual({ [NODE_TTL_ANNOTATION]: '0' });
      expect(await annotations('node-2')).toEqual({ 'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/kubekata.sock', [NODE_TTL_ANNOTATION]: '0' });
      for (const value of ['15', 'soon']) {
        const current = await nodes.get('node-1');
        await nodes.update({ ...current, metadata: { ...current.metadata, annotations: { [NODE_TTL_ANNOTATION]: value } } });
        await cluster.settle();
        expect(await annotations('node-1'), `after ${value}`).toEqual({ [NODE_TTL_ANNOTATION]: '0' });
      }
      expect(errors).toEqual([]);
      await controller.stop();
      await factory.shutdown();
    });

    const cases: { name: string; step: number; count: number; next: number }[] = [
      { name: 'a hundred nodes are still a small cluster', step: 0, count: 100, next: 0 },
      { name: 'the 101st node takes the cluster to 15 s', step: 0, count: 101, next: 1 },
      { name: 'back down to 95 nodes it stays at 15 s: the steps overlap', step: 1, count: 95, next: 1 },
      { name: 'below 90 nodes it is back to 0 s', step: 1, count: 89, next: 0 },
      { name: 'past 2000 nodes, 300 s', step: 3, count: 2001, next: 4 },
    ];
    for (const c of cases) it(c.name, () => expect(ttlStep(c.step, c.count)).toBe(c.next));

    test.prop([fc.array(fc.boolean(), { maxLength: 400 }), fc.integer({ min: 0, max: 2500 })])('never moves within its step\'s range, and always ends in a step whose range holds the count', (changes, start) => {
      // a cluster that grew to `start` nodes one at a time, then gained (true) or lost (false) one at a time
      let step = 0;
      for (let count = 1; count <= start; count++) step = ttlStep(step, count);
      let count = start;
      for (const grow of changes) {
        const before = step;
        count = Math.max(0, count + (grow ? 1 : -1));
        step = ttlStep(step, count);
        const { sizeMin, sizeMax } = TTL_BOUNDARIES[before]!;
        if (count >= sizeMin && count <= sizeMax) expect(step).toBe(before);
        expect(count >= TTL_BOUNDARIES[step]!.sizeMin && count <= TTL_BOUNDARIES[step]!.sizeMax).toBe(true);
      }
    });

    test.prop([fc.integer({ min: 1, max: 2500 })])('the TTL never falls as a cluster grows, and is 0 again once it has shrunk to nothing', (size) => {
      let step = 0;
      let ttl = 0;
      for (let count = 1; count <= size; count++) {
        step = ttlStep(step, count);
        expect(TTL_BOUNDARIES[step]!.ttlSeconds).toBeGreaterThanOrEqual(ttl);
        ttl = TTL_BOUNDARIES[step]!.ttlSeconds;
      }
      for (let count = size - 1; count >= 0; count--) step = ttlStep(step, count);
      expect(TTL_BOUNDARIES[step]!.ttlSeconds).toBe(0);
    });
  });
}
