/**
 * The kubelet's event recorder (given code: solutions/kubelet/events.ts) names each Event as
 * client-go's tools/record does, `<object>.<UnixNano in hex>` (`web.1880a8b5c2f00000`), so that
 * `kubectl get events -o name` reads as on a cluster, and two events of one millisecond never share
 * a name.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ControllerCluster } from '../../test/support/controllers/cluster.ts';
import { EventRecorder } from '@kube/kubelet';
import type { Pod } from '@kube/kit';

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { containers: [{ name: 'app', image: 'kubekata/echo' }] } });

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/kubelet-events.test.ts'), 240_000);
else {
  describe("the kubelet's events", () => {
    it('are named <pod>.<the time in nanoseconds, in hex>, as client-go names them', async () => {
      const cluster = new ControllerCluster();
      const recorder = new EventRecorder(cluster.client, cluster.clock, 'node-1');
      await recorder.record(pod('web'), 'Normal', 'Pulled', 'Container image "kubekata/echo" already present on machine', 'app');
      const [event] = (await cluster.client.events('default').list()).items;
      const [name, hex] = event!.metadata.name!.split('.');
      expect(name).toBe('web');
      expect(hex).toMatch(/^[0-9a-f]{16}$/);
      // to the millisecond, the clock's time: the rest is the sequence that keeps names apart
      expect(BigInt(`0x${hex}`) / 1_000_000n).toBe(BigInt(cluster.clock.now()));
    });

    test.prop([fc.integer({ min: 2, max: 30 })])('never give two events of the same millisecond the same name', async (count) => {
      const cluster = new ControllerCluster();
      const recorder = new EventRecorder(cluster.client, cluster.clock, 'node-1');
      for (let i = 0; i < count; i++) await recorder.record(pod('web'), 'Warning', 'Failed', `failure ${i}`, 'app');
      const names = (await cluster.client.events('default').list()).items.map((e) => e.metadata.name);
      expect(new Set(names).size).toBe(count);
    });
  });
}
