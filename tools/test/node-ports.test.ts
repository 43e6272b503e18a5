/**
 * The scheduler's NodePorts plugin (given code, beyond the katas:
 * solutions/scheduler/plugins/node-ports.ts): a pod asking for a port of the node goes only where
 * no pod holds it, as kube-scheduler's NodePorts filter decides (upstream's node_ports_test.go and
 * HostPortInfo's CheckConflict cases).
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { CycleState, defaultFramework, ERR_REASON_NODE_PORTS, NodeInfo, NodePorts, scheduleOne, Snapshot } from '@kube/scheduler';
import type { ContainerPort, Node, Pod } from '@kube/kit';

const node = (name: string): Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } } });

/** A pod whose one container has these ports; on `nodeName` when given. */
function pod(name: string, ports: ContainerPort[], nodeName?: string): Pod {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'app', image: 'kubekata/echo', ports }] } };
}

/** What NodePorts says of a pod with `wanted` on a node whose one pod is `holder`: `skipped` when its PreFilter skips it. */
function verdictBeside(wanted: ContainerPort[], holder: Pod): string {
  const info = new NodeInfo(node('node-1'));
  info.addPod(holder);
  const plugin = new NodePorts();
  const state = new CycleState();
  const asker = pod('asker', wanted);
  if (plugin.preFilter(state, asker).isSkip()) return 'skipped';
  const status = plugin.filter(state, asker, info);
  return status.isSuccess() ? 'fits' : `${status.code}: ${status.message()}`;
}

/** What NodePorts says of `wanted` on a node whose one pod holds `held`. */
const verdict = (wanted: ContainerPort[], held: ContainerPort[]): string => verdictBeside(wanted, pod('holder', held, 'node-1'));

/** Does the pod go there, whether the plugin looked or skipped it? */
const goes = (answer: string): boolean => answer === 'fits' || answer === 'skipped';

const port = (hostPort: number, protocol: ContainerPort['protocol'] = 'TCP', hostIP?: string): ContainerPort => ({ containerPort: hostPort, hostPort, protocol, ...(hostIP ? { hostIP } : {}) });

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/node-ports.test.ts'), 240_000);
else describe('NodePorts', () => {
  const taken = `Unschedulable: ${ERR_REASON_NODE_PORTS}`;
  it.each([
    ['a pod that asks for no port of the node is skipped: it fits anywhere', [{ containerPort: 8080 }], [port(8080)], 'skipped'],
    ['a port the node\'s pods do not hold fits', [port(9090)], [port(8080)], 'fits'],
    ['the same port and protocol held on every address does not fit', [port(8080)], [port(8080)], taken],
    ['the same number with another protocol fits', [port(8080, 'UDP')], [port(8080, 'TCP')], 'fits'],
    ['the same port on another address fits', [port(8080, 'TCP', '127.0.0.2')], [port(8080, 'TCP', '127.0.0.1')], 'fits'],
    ['the same port on the same address does not fit', [port(8080, 'TCP', '127.0.0.1')], [port(8080, 'TCP', '127.0.0.1')], taken],
    ['a port on every address does not fit beside the same port on one address', [port(8080, 'TCP', '0.0.0.0')], [port(8080, 'TCP', '127.0.0.1')], taken],
    ['a port on one address does not fit beside the same port on every address', [port(8080, 'TCP', '127.0.0.1')], [port(8080)], taken],
    ['a port without a protocol is TCP', [{ containerPort: 53, hostPort: 53 }], [port(53, 'TCP')], taken],
    ['a host port of 0 asks for nothing', [{ containerPort: 80, hostPort: 0 }], [{ containerPort: 80, hostPort: 0 }], 'skipped'],
    ['one port of several taken is enough to refuse', [port(9090), port(8080)], [port(8080), port(7070)], taken],
  ] as const)('%s', (_name, wanted, held, expected) => {
    expect(verdict([...wanted], [...held])).toBe(expected);
  });

  it('counts only the regular containers\' ports, of the pod and of the pods on the node, as upstream\'s getContainerPorts', () => {
    const holder: Pod = { ...pod('holder', [], 'node-1'), spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'i' }], initContainers: [{ name: 'init', image: 'i', ports: [port(8080)] }] } };
    expect(verdictBeside([port(8080)], holder)).toBe('fits');
    const asker: Pod = { ...pod('asker', []), spec: { containers: [{ name: 'app', image: 'i' }], initContainers: [{ name: 'init', image: 'i', ports: [port(8080)] }] } };
    expect(new NodePorts().preFilter(new CycleState(), asker).isSkip(), 'an init container\'s port asks for nothing').toBe(true);
  });

  it('sends the second pod asking for a node\'s port to the other node, and a third nowhere, saying why in kube-scheduler\'s words', () => {
    const snapshot = new Snapshot([node('node-a'), node('node-b')], [pod('exporter-a', [port(9100)], 'node-a')]);
    const framework = defaultFramework();
    expect(scheduleOne(framework, pod('exporter-b', [port(9100)]), snapshot).nodeName).toBe('node-b');
    const third = scheduleOne(framework, pod('exporter-c', [port(9100)]), snapshot);
    expect(third.nodeName).toBeUndefined();
    expect(third.status.message()).toBe(`0/2 nodes are available: 2 ${ERR_REASON_NODE_PORTS}.`);
    expect(scheduleOne(framework, pod('dns', [port(9100, 'UDP')]), snapshot).nodeName, 'another protocol still fits').toBeDefined();
  });

  const portArb = fc.record({
    containerPort: fc.constant(80),
    hostPort: fc.integer({ min: 0, max: 3 }),
    protocol: fc.constantFrom<ContainerPort['protocol']>('TCP', 'UDP'),
    hostIP: fc.constantFrom(undefined, '0.0.0.0', '127.0.0.1', '127.0.0.2'),
  }).map(({ hostIP, ...rest }): ContainerPort => ({ ...rest, ...(hostIP ? { hostIP } : {}) }));
  const portsArb = fc.array(portArb, { maxLength: 4 });

  test.prop([portsArb, portsArb])('a pod fits beside another exactly when the other would fit beside it: a clash is the same from both sides', (a, b) => {
    expect(goes(verdict(a, b))).toBe(goes(verdict(b, a)));
  });

  test.prop([portsArb, portsArb, portsArb])('what another pod holds on the node can only take ports away: a pod that does not fit beside some ports does not fit beside more', (wanted, held, more) => {
    if (!goes(verdict(wanted, held))) expect(goes(verdict(wanted, [...held, ...more]))).toBe(false);
  });
});
