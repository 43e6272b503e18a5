/**
 * Kata 26 — kube-proxy: Service addresses and rules. The spec is katas/proxy/26-service-rules.md.
 *
 * First the allocators (bands, messages), then the apiserver with them plugged in (create, ask,
 * delete, restart; the real kubectl), then the chain names and the rule table (iptables-save text)
 * and the packet walker. The properties: every usable endpoint is chosen with probability exactly
 * 1/n; a Service without endpoints rejects; building the table twice, or from the same objects in
 * another order, gives the same table; a Service port's chain names do not depend on the rest of
 * the cluster; the allocators never hand one address or node port to two Services, across
 * deletes and apiserver restarts (model-based).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { Random, type EndpointSlice, type Service, type ServicePort } from '@kube/kit';
import {
  AllocationBitmap,
  AllocationError,
  IPAllocator,
  PortAllocator,
  RecentLists,
  ServiceAllocators,
  buildRuleTable,
  endpointChainName,
  endpointsOf,
  outcomes,
  rangeOffset,
  rational,
  renderIptablesSave,
  serviceChainName,
  servicePortsOf,
  show,
  walk,
  type Packet,
  type Rule,
  type RuleTable,
  type Verdict,
} from '@kube/proxy';
import { haveKubectl, kubeconfig, kubectl, startBench, type Bench } from '../support/apiserver/http.ts';
import { makeService, makeSlice, servicesApi } from '../support/proxy/services.ts';

/** The error a call throws, as { code, message }, or 'no error'. */
function failure(call: () => unknown): unknown {
  try {
    call();
    return 'no error';
  } catch (error) {
    return error instanceof AllocationError ? { code: error.code, message: error.message } : String(error);
  }
}

describe('the allocation bitmap and its two bands', () => {
  it.each([
    [16, { min: 16, max: 256, step: 16 }, 0],
    [32, { min: 16, max: 256, step: 16 }, 16],
    [1024, { min: 16, max: 256, step: 16 }, 64],
    [2 ** 20, { min: 16, max: 256, step: 16 }, 256],
    [2768, { min: 16, max: 128, step: 32 }, 86],
    [20, { min: 16, max: 128, step: 32 }, 16],
  ])('a range of %i items keeps a static band of min(max(min, size/step), max) = the expected size', (size, band, expected) => {
    expect(rangeOffset(size, band)).toBe(expected);
  });

  it('hands out the dynamic band first, and the static band only once the dynamic band is full', () => {
    const bits = new AllocationBitmap(20, 4, new Random(3));
    const first = Array.from({ length: 16 }, () => bits.allocateNext());
    expect([...first].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 16 }, (_, i) => i + 4));
    const then = Array.from({ length: 4 }, () => bits.allocateNext());
    expect([...then].sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3]);
    expect([bits.allocateNext(), bits.free]).toEqual([undefined, 0]);
  });

  it('allocate takes a free item once, release frees it, and free counts', () => {
    const bits = new AllocationBitmap(8, 2, new Random(1));
    expect([bits.allocate(5), bits.allocate(5), bits.has(5), bits.free]).toEqual([true, false, true, 7]);
    bits.release(5);
    bits.release(5);
    expect([bits.has(5), bits.free, bits.allocated()]).toEqual([false, 8, []]);
  });
  it('answers has and release outside the bitmap without harm, and refuses to allocate there with a RangeError', () => {
    const bits = new AllocationBitmap(9, 2, new Random(1));
    bits.allocate(8);
    expect([bits.has(8), bits.has(9), bits.has(-1), bits.has(1.5)]).toEqual([true, false, false, false]);
    bits.release(9);
    bits.release(-1);
    expect([bits.allocated(), bits.free]).toEqual([[8], 8]);
    expect(() => bits.allocate(9)).toThrow(RangeError);
    expect(() => bits.allocate(-1)).toThrow(RangeError);
    bits.allocate(1);
    expect([bits.has(1), bits.has(1.5), bits.has(1.25)], 'no item between two items, though it shares their byte').toEqual([true, false, false]);
  });

  it('starts allocateNext\'s scan at random.int(0, bandSize - 1) of the band it scans, and draws nothing once every item is taken', () => {
    for (const start of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const twin = new Random(start);
      expect(new AllocationBitmap(12, 4, new Random(start)).allocateNext(), `Random(${start})`).toBe(4 + twin.int(0, 7));
    }
    const random = new Random(9);
    const twin = new Random(9);
    const bits = new AllocationBitmap(12, 4, random);
    for (let i = 4; i < 12; i++) bits.allocate(i);
    twin.int(0, 7); // the full dynamic band was scanned first, from a random start too
    expect(bits.allocateNext(), 'the static band, from its own random start').toBe(twin.int(0, 3));
    for (let i = 0; i < 4; i++) bits.allocate(i);
    expect(bits.allocateNext()).toBeUndefined();
    expect(random.int(0, 1_000_000), 'no number drawn for a full bitmap (the allocators share one Random)').toBe(twin.int(0, 1_000_000));
  });
});

describe('the cluster IP and node port allocators', () => {
  it('never hands out the network or the broadcast address, and says why an address is refused, in upstream\'s words', () => {
    const ips = new IPAllocator('127.96.0.0/29', new Random(1));
    expect([ips.free, ips.contains('127.96.0.0'), ips.contains('127.96.0.1'), ips.contains('127.96.0.6'), ips.contains('127.96.0.7')]).toEqual([6, false, true, true, false]);
    expect(failure(() => ips.allocate('127.96.0.7'))).toEqual({ code: 'NotInRange', message: 'the provided IP (127.96.0.7) is not in the valid range. The range of valid IPs is 127.96.0.0/29' });
    ips.allocate('127.96.0.3');
    expect(failure(() => ips.allocate('127.96.0.3'))).toEqual({ code: 'Allocated', message: 'provided IP is already allocated' });
    const all = Array.from({ length: 5 }, () => ips.allocateNext()).sort();
    expect(all).toEqual(['127.96.0.1', '127.96.0.2', '127.96.0.4', '127.96.0.5', '127.96.0.6']);
    expect(failure(() => ips.allocateNext())).toEqual({ code: 'Full', message: 'range is full' });
  });

  it('keeps the first 256 addresses of 127.96.0.0/12 for Services that ask for one', () => {
    const ips = new IPAllocator('127.96.0.0/12', new Random(5));
    expect(ips.staticBand).toBe(256);
    const given = Array.from({ length: 200 }, () => ips.allocateNext());
    expect(given.filter((ip) => /^127\.96\.(0\.\d+|1\.0)$/.test(ip))).toEqual([]);
  });

  it('hands out node ports from 30000-32767, 86 of them kept for ports asked for, with upstream\'s messages', () => {
    const ports = new PortAllocator('30000-32767', new Random(2));
    expect([ports.free, ports.staticBand]).toEqual([2768, 86]);
    expect(failure(() => ports.allocate(29999))).toEqual({ code: 'NotInRange', message: 'provided port is not in the valid range. The range of valid ports is 30000-32767' });
    ports.allocate(30080);
    expect(failure(() => ports.allocate(30080))).toEqual({ code: 'Allocated', message: 'provided port is already allocated' });
    const next = Array.from({ length: 50 }, () => ports.allocateNext());
    expect(next.filter((p) => p < 30086)).toEqual([]);
  });
  it('answers has, contains and release for addresses and ports at and beyond the edges of their ranges, and says when a range is full', () => {
    const ips = new IPAllocator('127.96.0.0/28', new Random(1)); // .1 to .14
    expect(['127.96.0.0', '127.96.0.1', '127.96.0.14', '127.96.0.15', '127.96.0.16', '127.95.255.255', 'web'].map((ip) => ips.contains(ip))).toEqual([false, true, true, false, false, false, false]);
    ips.allocate('127.96.0.14');
    expect(['127.96.0.14', '127.96.0.13', '127.96.0.15', '127.97.0.14', 'web'].map((ip) => ips.has(ip))).toEqual([true, false, false, false, false]);
    for (const ip of ['127.96.0.15', '127.97.0.14', 'web', '127.96.0.13']) ips.release(ip);
    expect(ips.allocated()).toEqual(['127.96.0.14']);
    const ports = new PortAllocator('30000-30009', new Random(1));
    expect([29999, 30000, 30009, 30010, 30000.5].map((port) => ports.contains(port))).toEqual([false, true, true, false, false]);
    ports.allocate(30009);
    expect([30009, 30008, 30010, 39].map((port) => ports.has(port))).toEqual([true, false, false, false]);
    for (const port of [30010, 39, 30008]) ports.release(port);
    expect(ports.allocated()).toEqual([30009]);
    for (let i = 0; i < 9; i++) ports.allocateNext();
    expect([ports.allocated().length, failure(() => ports.allocateNext())]).toEqual([10, { code: 'Full', message: 'range is full' }]);
  });
});

describe('the apiserver with the allocators', () => {
  const cidr = '127.96.0.0/24';
  const web = () => makeService('web', [{ name: 'http', port: 80, targetPort: 8080 }]);

  it('gives a Service without a clusterIP an address of the service CIDR, in clusterIP and clusterIPs', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const created = await send('POST', '/api/v1/namespaces/default/services', web());
    expect(created.code).toBe(201);
    const ip: string = created.body.spec.clusterIP;
    expect([ip.startsWith('127.96.0.'), created.body.spec.clusterIPs]).toEqual([true, [ip]]);
  });

  it('honours a clusterIP asked for, refuses it while another Service holds it, and frees it on delete', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const asked = makeService('dns', [{ port: 53 }], { clusterIP: '127.96.0.10' });
    expect((await send('POST', '/api/v1/namespaces/default/services', asked)).body.spec.clusterIP).toBe('127.96.0.10');
    const again = await send('POST', '/api/v1/namespaces/default/services', { ...asked, metadata: { name: 'dns2' } });
    expect([again.code, again.body.message]).toEqual([422, 'Service "dns2" is invalid: spec.clusterIPs: Invalid value: []string{"127.96.0.10"}: failed to allocate IP 127.96.0.10: provided IP is already allocated']);
    expect((await send('DELETE', '/api/v1/namespaces/default/services/dns')).code).toBe(200);
    expect((await send('POST', '/api/v1/namespaces/default/services', { ...asked, metadata: { name: 'dns2' } })).code).toBe(201);
  });

  it('gives a Service\'s address and node port back when it goes by its last finalizer (a foreground delete finished by an update), not before', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const held = makeService('held', [{ port: 80, nodePort: 30070 }], { type: 'NodePort', clusterIP: '127.96.0.30' });
    expect((await send('POST', '/api/v1/namespaces/default/services', held)).code).toBe(201);
    expect((await send('DELETE', '/api/v1/namespaces/default/services/held', { propagationPolicy: 'Foreground' })).code).toBe(200);
    expect([allocators.ips.allocated(), allocators.nodePorts.allocated()], 'still there, being deleted').toEqual([['127.96.0.30'], [30070]]);
    const marked = (await send('GET', '/api/v1/namespaces/default/services/held')).body;
    expect((await send('PUT', '/api/v1/namespaces/default/services/held', { ...marked, metadata: { ...marked.metadata, finalizers: [] } })).code).toBe(200);
    expect((await send('GET', '/api/v1/namespaces/default/services/held')).code).toBe(404);
    expect([allocators.ips.allocated(), allocators.nodePorts.allocated()], 'gone with the Service').toEqual([[], []]);
  });

  it('refuses a clusterIP outside the service CIDR with the range in the message, and leaves one that is no address to validation', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const outside = await send('POST', '/api/v1/namespaces/default/services', makeService('x', [{ port: 80 }], { clusterIP: '127.97.0.1' }));
    expect([outside.code, outside.body.message]).toEqual([422, 'Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"127.97.0.1"}: failed to allocate IP 127.97.0.1: the provided IP (127.97.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/24']);
    // Not an address at all: the allocator leaves it to validation, which says so.
    const notAnAddress = await send('POST', '/api/v1/namespaces/default/services', makeService('y', [{ port: 80 }], { clusterIP: 'web' }));
    expect([notAnAddress.code, notAnAddress.body.message]).toEqual([422, 'Service "y" is invalid: spec.clusterIP: Invalid value: "web": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
  });

  it('gives NodePort Services a node port per port, refuses one that is taken, and gives nothing to headless or ExternalName Services', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const np = await send('POST', '/api/v1/namespaces/default/services', makeService('np', [{ name: 'a', port: 80 }, { name: 'b', port: 81, nodePort: 30080 }], { type: 'NodePort' }));
    const [a, b] = np.body.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    expect([a >= 30086 && a <= 32767, b]).toEqual([true, 30080]);
    const taken = await send('POST', '/api/v1/namespaces/default/services', makeService('np2', [{ port: 80, nodePort: 30080 }], { type: 'NodePort' }));
    expect([taken.code, taken.body.message]).toEqual([422, 'Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated']);
    const headless = await send('POST', '/api/v1/namespaces/default/services', makeService('h', [{ port: 80 }], { clusterIP: 'None' }));
    const external = await send('POST', '/api/v1/namespaces/default/services', { ...makeService('e', []), spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect([headless.body.spec.clusterIP, headless.body.spec.clusterIPs, external.body.spec.clusterIP]).toEqual(['None', ['None'], undefined]);
  });

  it('names a Service made from a generateName before it allocates, so that a refusal names it, and keeps that name', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const SERVICES = '/api/v1/namespaces/default/services';
    const generated = (port: number) => ({ ...makeService('', [{ port: 80, nodePort: port }], { type: 'NodePort' }), metadata: { generateName: 'web-', namespace: 'default' } });
    const first = await send('POST', SERVICES, generated(30080));
    expect([first.code, first.body.metadata.name]).toEqual([201, expect.stringMatching(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/)]);
    const refused = await send('POST', SERVICES, generated(30080));
    expect(refused.code).toBe(422);
    expect(refused.body.message).toMatch(/^Service "web-[bcdfghjklmnpqrstvwxz2456789]{5}" is invalid: spec\.ports\[0\]\.nodePort: Invalid value: 30080: provided port is already allocated$/);
    expect(refused.body.details.name).not.toBe(first.body.metadata.name);
  });

  it('gives back what a create took when the create fails (an invalid Service keeps no address)', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const bad = await send('POST', '/api/v1/namespaces/default/services', makeService('bad', [{ port: 80, nodePort: 30090 }, { port: 80 }], { type: 'NodePort', clusterIP: '127.96.0.20' }));
    expect(bad.code).toBe(422);
    expect([allocators.ips.allocated(), allocators.nodePorts.allocated()]).toEqual([[], []]);
  });

  it('keeps a Service\'s address on an update that leaves it out, and refuses to change it', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const created = (await send('POST', '/api/v1/namespaces/default/services', web())).body;
    const put = await send('PUT', '/api/v1/namespaces/default/services/web', { ...web(), spec: { ...web().spec, clusterIP: undefined } });
    expect(put.body.spec.clusterIP).toBe(created.spec.clusterIP);
    const moved = await send('PUT', '/api/v1/namespaces/default/services/web', { ...web(), spec: { ...web().spec, clusterIP: '127.96.0.99' } });
    expect([moved.code, moved.body.message]).toEqual([422, 'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: "127.96.0.99": may not change once set']);
  });

  it('drops what a Service\'s new type cannot use when the writer left it as it was, as kubectl patch of its type alone does, and refuses it when they asked for it', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const SERVICE = '/api/v1/namespaces/default/services/web';
    const patch = (body: object) => send('PATCH', SERVICE, body, 'application/merge-patch+json');
    await send('POST', '/api/v1/namespaces/default/services', makeService('web', [{ port: 80 }], { type: 'LoadBalancer' }));
    const asked = await patch({ spec: { type: 'ClusterIP', externalTrafficPolicy: 'Local' } });
    expect([asked.code, asked.body.message]).toEqual([422, 'Service "web" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']);
    const turned = await patch({ spec: { type: 'ClusterIP' } });
    expect(turned.code, turned.body.message).toBe(200);
    expect([turned.body.spec.externalTrafficPolicy, turned.body.spec.allocateLoadBalancerNodePorts, turned.body.spec.ports[0].nodePort, allocators.nodePorts.allocated()]).toEqual([undefined, undefined, undefined, []]);
    const external = await patch({ spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    expect([external.code, external.body.spec.clusterIP, external.body.spec.clusterIPs, allocators.ips.allocated()]).toEqual([200, undefined, undefined, []]);
    const back = await patch({ spec: { type: 'NodePort', externalName: null } });
    expect([back.code, back.body.spec.externalTrafficPolicy, back.body.spec.clusterIPs]).toEqual([200, 'Cluster', [back.body.spec.clusterIP]]);
  });

  it.each<[string, Service['spec'], Pick<NonNullable<Service['spec']>, 'ipFamilyPolicy' | 'ipFamilies'> | string]>([
    ['A ClusterIP Service without IP family fields is SingleStack IPv4.', {}, { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }],
    ['A NodePort Service that asks for PreferDualStack keeps it and gets the one family a single-stack cluster has.', { type: 'NodePort', ipFamilyPolicy: 'PreferDualStack' }, { ipFamilyPolicy: 'PreferDualStack', ipFamilies: ['IPv4'] }],
    ['A headless Service with a selector is SingleStack IPv4, as any other.', { clusterIP: 'None' }, { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }],
    ['A headless Service without a selector is RequireDualStack with both families, even on a single-stack cluster.', { clusterIP: 'None', selector: undefined }, { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] }],
    ['A headless Service without a selector that asks for SingleStack keeps one family.', { clusterIP: 'None', selector: undefined, ipFamilyPolicy: 'SingleStack' }, { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'] }],
    ['A Service that requires dual stack is refused on a single-stack cluster.', { ipFamilyPolicy: 'RequireDualStack' }, 'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services'],
    ['A Service that names the IPv6 family is refused: the cluster has no IPv6 range.', { ipFamilies: ['IPv6'] }, 'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster'],
    ['A Service that asks for an IPv6 cluster IP is refused in the words of the family it would need.', { clusterIP: '2001:db8::1' }, 'spec.clusterIPs[0]: Invalid value: []string{"2001:db8::1"}: IPv6 is not configured on this cluster'],
    ['A policy that is not one of the three is an unsupported value.', { ipFamilyPolicy: 'DualStack' as 'SingleStack' }, 'spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"'],
    ['A SingleStack Service that names two families is told which policies allow two.', { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4', 'IPv6'] }, 'spec.ipFamilyPolicy: Invalid value: "SingleStack": must be \'RequireDualStack\' or \'PreferDualStack\' when multiple IP families are specified'],
    ['An ExternalName Service may not name IP families.', { type: 'ExternalName', externalName: 'db.example.com', ports: [], ipFamilies: ['IPv4'] }, 'spec.ipFamilies: Forbidden: may not be set for ExternalName services'],
  ])('%s', async (_, spec, expected) => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const base = makeService('web', [{ port: 80 }]);
    const created = await send('POST', '/api/v1/namespaces/default/services', { ...base, spec: { ...base.spec, ...spec } });
    if (typeof expected === 'string') expect([created.code, created.body.message]).toEqual([422, `Service "web" is invalid: ${expected}`]);
    else expect([created.code, created.body.spec.ipFamilyPolicy, created.body.spec.ipFamilies], created.body.message).toEqual([201, expected.ipFamilyPolicy, expected.ipFamilies]);
  });

  it('keeps the IP family fields on an update that leaves them out, and drops them with the address when the Service turns ExternalName, a headless one too', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const SERVICES = '/api/v1/namespaces/default/services';
    const patch = (name: string, body: object) => send('PATCH', `${SERVICES}/${name}`, body, 'application/merge-patch+json');
    await send('POST', SERVICES, makeService('web', [{ port: 80 }], { ipFamilyPolicy: 'PreferDualStack' }));
    const replaced = await send('PUT', `${SERVICES}/web`, makeService('web', [{ port: 8080 }]));
    expect([replaced.code, replaced.body.spec.ipFamilyPolicy, replaced.body.spec.ipFamilies], replaced.body.message).toEqual([200, 'PreferDualStack', ['IPv4']]);
    const external = await patch('web', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    expect([external.code, external.body.spec.ipFamilyPolicy, external.body.spec.ipFamilies], external.body.message).toEqual([200, undefined, undefined]);
    const back = await patch('web', { spec: { type: 'ClusterIP', externalName: null } });
    expect([back.code, back.body.spec.ipFamilyPolicy, back.body.spec.ipFamilies], back.body.message).toEqual([200, 'SingleStack', ['IPv4']]);

    await send('POST', SERVICES, { ...makeService('peers', [{ port: 80 }], { clusterIP: 'None' }), spec: { clusterIP: 'None', ports: [{ port: 80 }] } });
    const relabelled = await patch('peers', { metadata: { labels: { tier: 'db' } } });
    expect([relabelled.code, relabelled.body.spec.ipFamilyPolicy, relabelled.body.spec.ipFamilies], relabelled.body.message).toEqual([200, 'RequireDualStack', ['IPv4', 'IPv6']]);
    const named = await patch('peers', { spec: { type: 'ExternalName', externalName: 'db.example.com' } });
    expect([named.code, named.body.spec.clusterIP, named.body.spec.ipFamilyPolicy, named.body.spec.ipFamilies], named.body.message).toEqual([200, undefined, undefined, undefined]);
  });

  it('restores only what stored Services can hold: not a headless Service, nor the node port a ClusterIP Service kept, nor what lies outside the ranges, and each thing once', () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, nodePortRange: '30000-30099', random: new Random(1) });
    allocators.restore([
      makeService('a', [{ name: 'x', port: 80, nodePort: 30001 }, { name: 'y', port: 81, nodePort: 30002 }], { type: 'NodePort', clusterIP: '127.96.0.20' }),
      makeService('b', [{ port: 80, nodePort: 30003 }], { type: 'LoadBalancer', clusterIP: '127.96.0.21' }),
      makeService('c', [{ port: 80, nodePort: 30004 }], { clusterIP: '127.96.0.22' }),
      makeService('d', [{ port: 80 }], { clusterIP: 'None' }),
      { ...makeService('e', []), spec: { type: 'ExternalName', externalName: 'example.com' } },
      // stored before the apiserver's ranges were changed
      makeService('f', [{ port: 80, nodePort: 31000 }], { type: 'NodePort', clusterIP: '127.97.0.1' }),
      // a second Service claiming a's address and port (upstream's repair loop reports it; neither is held twice)
      makeService('g', [{ port: 80, nodePort: 30001 }], { type: 'NodePort', clusterIP: '127.96.0.20' }),
    ]);
    expect([allocators.ips.allocated(), allocators.nodePorts.allocated()]).toEqual([['127.96.0.20', '127.96.0.21', '127.96.0.22'], [30001, 30002, 30003]]);
  });

  it('takes nothing on a dry run: it writes the CIDR\'s network address and the range\'s first port, and checks an address or port asked for against the range only', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const SERVICES = '/api/v1/namespaces/default/services';
    const dry = await send('POST', `${SERVICES}?dryRun=All`, makeService('np', [{ port: 80 }], { type: 'NodePort' }));
    expect([dry.code, dry.body.spec.clusterIP, dry.body.spec.clusterIPs, dry.body.spec.ports[0].nodePort]).toEqual([201, '127.96.0.0', ['127.96.0.0'], 30000]);
    const held = (await send('POST', SERVICES, makeService('held', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', clusterIP: '127.96.0.10' }))).body;
    const same = await send('POST', `${SERVICES}?dryRun=All`, makeService('same', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', clusterIP: '127.96.0.10' }));
    const outside = await send('POST', `${SERVICES}?dryRun=All`, makeService('outside', [{ port: 80 }], { clusterIP: '127.97.0.1' }));
    const farPort = await send('POST', `${SERVICES}?dryRun=All`, makeService('far', [{ port: 80, nodePort: 40000 }], { type: 'NodePort' }));
    expect([same.code, outside.code, outside.body.message, farPort.code, farPort.body.message]).toEqual([
      201,
      422,
      'Service "outside" is invalid: spec.clusterIPs: Invalid value: []string{"127.97.0.1"}: failed to allocate IP 127.97.0.1: the provided IP (127.97.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/24',
      422,
      'Service "far" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
    // A dry-run update that drops the node port, then one that moves to ClusterIP: the Service keeps what it holds.
    const toClusterIP = await send('PUT', `${SERVICES}/held?dryRun=All`, { ...held, spec: { ...held.spec, type: 'ClusterIP', ports: [{ port: 80 }] } });
    expect([toClusterIP.code, toClusterIP.body.spec.ports[0].nodePort]).toEqual([200, undefined]);
    expect([allocators.ips.allocated(), allocators.nodePorts.allocated()]).toEqual([['127.96.0.10'], [30080]]);
  });

  it('moves node ports with the Service\'s type: taken when it becomes NodePort, kept when a port leaves its nodePort out, given back when it becomes ClusterIP', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const put = async (spec: Service['spec']) => {
      const current = (await send('GET', '/api/v1/namespaces/default/services/web')).body as Service;
      return send('PUT', '/api/v1/namespaces/default/services/web', { ...current, spec: { ...current.spec, ...spec } });
    };
    await send('POST', '/api/v1/namespaces/default/services', makeService('web', [{ name: 'http', port: 80 }, { name: 'admin', port: 81 }]));
    expect(allocators.nodePorts.allocated()).toEqual([]);
    const asNodePort = await put({ type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'admin', port: 81 }] });
    const admin: number = asNodePort.body.spec.ports[1].nodePort;
    expect([asNodePort.code, asNodePort.body.spec.ports[0].nodePort, admin >= 30086]).toEqual([200, 30080, true]);
    const leftOut = await put({ ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 81 }] });
    expect(leftOut.body.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([30080, admin]);
    const moved = await put({ ports: [{ name: 'http', port: 80, nodePort: 30090 }, { name: 'admin', port: 81, nodePort: admin }] });
    expect([moved.code, allocators.nodePorts.allocated()]).toEqual([200, [30090, admin].sort((a, b) => a - b)]);
    const back = await put({ type: 'ClusterIP', ports: [{ name: 'http', port: 80, nodePort: 30090 }, { name: 'admin', port: 81, nodePort: admin }] });
    expect(back.code, `turned ClusterIP, its node ports dropped by allocateUpdate: ${back.body.message ?? ''}`).toBe(200);
    expect([back.body.spec.ports.map((p: { nodePort?: number }) => p.nodePort), allocators.nodePorts.allocated()]).toEqual([[undefined, undefined], []]);
    expect(back.body.spec.externalTrafficPolicy, 'the policy it was given as a NodePort Service goes with its type').toBeUndefined();
    const external = await put({ type: 'ExternalName', externalName: 'example.com', clusterIP: '', clusterIPs: undefined });
    expect([external.code, allocators.ips.allocated()]).toEqual([200, []]);
    // Back from ExternalName: an address again, as on create.
    const again = await put({ type: 'ClusterIP', externalName: undefined });
    expect([again.code, again.body.spec.clusterIPs, allocators.ips.allocated()]).toEqual([200, [again.body.spec.clusterIP], [again.body.spec.clusterIP]]);
    expect(again.body.spec.clusterIP).toMatch(/^127\.96\.0\.\d+$/);
  });

  it('keeps the address in clusterIP and clusterIPs when a PUT leaves both out, and gives an ExternalName turned ClusterIP the address it asks for', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const created = await send('POST', '/api/v1/namespaces/default/services', makeService('web', [{ port: 80 }], { clusterIP: '127.96.0.40' }));
    expect([created.code, created.body.spec.clusterIPs], 'clusterIP alone asked: clusterIPs follows it').toEqual([201, ['127.96.0.40']]);
    const { clusterIP: _ip, clusterIPs: _ips, ...rest } = (created.body as Service).spec!;
    const leftOut = await send('PUT', '/api/v1/namespaces/default/services/web', { ...created.body, spec: rest });
    expect([leftOut.code, leftOut.body.spec.clusterIP, leftOut.body.spec.clusterIPs]).toEqual([200, '127.96.0.40', ['127.96.0.40']]);
    const external = await send('POST', '/api/v1/namespaces/default/services', makeService('ext', [], { type: 'ExternalName', externalName: 'example.com' }));
    expect(external.code).toBe(201);
    const turned = await send('PUT', '/api/v1/namespaces/default/services/ext', { ...external.body, spec: { type: 'ClusterIP', clusterIP: '127.96.0.41', ports: [{ port: 80 }] } });
    expect([turned.code, turned.body.spec?.clusterIPs, turned.body.message]).toEqual([200, ['127.96.0.41'], undefined]);
    expect(allocators.ips.allocated()).toEqual(['127.96.0.40', '127.96.0.41']);
  });

  it('names the reason of each refusal FieldValueInvalid in the Status\'s causes, as validation does', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const SERVICES = '/api/v1/namespaces/default/services';
    await send('POST', SERVICES, makeService('held', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', clusterIP: '127.96.0.10' }));
    const ip = await send('POST', SERVICES, makeService('ip', [{ port: 80 }], { clusterIP: '127.96.0.10' }));
    const port = await send('POST', SERVICES, makeService('port', [{ port: 80, nodePort: 30080 }], { type: 'NodePort' }));
    const moved = await send('PUT', `${SERVICES}/held`, makeService('held', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', clusterIP: '127.96.0.11' }));
    const causes = (answer: { body: any }) => answer.body.details.causes.map((cause: { reason: string; field: string }) => `${cause.reason} ${cause.field}`);
    expect([causes(ip), causes(port), causes(moved)]).toEqual([['FieldValueInvalid spec.clusterIPs'], ['FieldValueInvalid spec.ports[0].nodePort'], ['FieldValueInvalid spec.clusterIPs[0]']]);
  });

  it('answers 500 once the node port range is full, and takes nothing on a dry run that fails, not even a port it only checked', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, nodePortRange: '30080-30080', random: new Random(1) });
    const { send } = servicesApi(allocators);
    const SERVICES = '/api/v1/namespaces/default/services';
    expect((await send('POST', SERVICES, makeService('one', [{ port: 80 }], { type: 'NodePort' }))).body.spec.ports[0].nodePort).toBe(30080);
    const full = await send('POST', SERVICES, makeService('two', [{ port: 80 }], { type: 'NodePort' }));
    expect([full.code, full.body.message, allocators.ips.allocated().length]).toEqual([500, 'Internal error occurred: failed to allocate a nodePort: range is full', 1]);
    // A dry run asking for the held port (only checked against the range), then for one outside it.
    const dry = await send('POST', `${SERVICES}?dryRun=All`, makeService('dry', [{ name: 'a', port: 80, nodePort: 30080 }, { name: 'b', port: 81, nodePort: 30081 }], { type: 'NodePort' }));
    expect([dry.code, allocators.nodePorts.allocated()]).toEqual([422, [30080]]);
  });

  it('gives a port left without a nodePort a new one when another port of the Service now asks for its old one', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const created = (await send('POST', '/api/v1/namespaces/default/services', makeService('web', [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'admin', port: 81, nodePort: 30081 }], { type: 'NodePort' }))).body as Service;
    const swapped = await send('PUT', '/api/v1/namespaces/default/services/web', { ...created, spec: { ...created.spec, ports: [{ name: 'http', port: 80 }, { name: 'admin', port: 81, nodePort: 30080 }] } });
    const [http, admin] = swapped.body.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    expect([swapped.code, admin, http >= 30086]).toEqual([200, 30080, true]);
    expect(allocators.nodePorts.allocated(), '30081 given back').toEqual([30080, http]);
  });

  it('leaves a NodePort Service without ports to validation, on create and on update', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const created = (await send('POST', '/api/v1/namespaces/default/services', makeService('web', [{ port: 80, nodePort: 30080 }], { type: 'NodePort' }))).body as Service;
    const { ports: _ports, ...withoutPorts } = created.spec!;
    const updated = await send('PUT', '/api/v1/namespaces/default/services/web', { ...created, spec: withoutPorts });
    const fresh = await send('POST', '/api/v1/namespaces/default/services', { ...makeService('fresh', []), spec: { type: 'NodePort' } });
    expect([updated.code, updated.body.message, fresh.code, fresh.body.message]).toEqual([422, 'Service "web" is invalid: spec.ports: Required value', 422, 'Service "fresh" is invalid: spec.ports: Required value']);
  });

  it('keeps every nodePort of a Service turned ClusterIP when one of them is new, for validation to refuse, as upstream\'s sameNodePorts does', async () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const { send } = servicesApi(allocators);
    const created = (await send('POST', '/api/v1/namespaces/default/services', makeService('web', [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'admin', port: 81, nodePort: 30081 }], { type: 'NodePort' }))).body as Service;
    const put = (ports: ServicePort[]) => send('PUT', '/api/v1/namespaces/default/services/web', { ...created, spec: { ...created.spec, type: 'ClusterIP', externalTrafficPolicy: undefined, ports } });
    const added = await put([{ name: 'http', port: 80, nodePort: 30080 }, { name: 'admin', port: 81, nodePort: 30099 }]);
    expect([added.code, added.body.details?.causes?.map((cause: { field: string }) => cause.field)]).toEqual([422, ['spec.ports[0].nodePort', 'spec.ports[1].nodePort']]);
    const subset = await put([{ name: 'http', port: 80, nodePort: 30080 }, { name: 'admin', port: 81 }]);
    expect([subset.code, subset.body.spec.ports.map((p: { nodePort?: number }) => p.nodePort), allocators.nodePorts.allocated()]).toEqual([200, [undefined, undefined], []]);
  });

  it('gives an address on update to a Service stored without one (before the allocators were plugged in), and restores and releases such a Service without harm', () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    const stored = makeService('web', [{ port: 80 }]);
    allocators.restore([stored]);
    const next = makeService('web', [{ port: 80 }]);
    allocators.allocateUpdate(next, stored, false).commit();
    expect([next.spec!.clusterIPs, allocators.ips.allocated()]).toEqual([[next.spec!.clusterIP], [next.spec!.clusterIP]]);
    allocators.release(stored);
    expect(allocators.ips.allocated()).toEqual([next.spec!.clusterIP]);
  });

  it('releases no node port a ClusterIP Service still names (stored before its type changed): another Service may hold it', () => {
    const allocators = new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) });
    allocators.restore([makeService('np', [{ port: 80, nodePort: 30080 }], { type: 'NodePort', clusterIP: '127.96.0.20' })]);
    allocators.release(makeService('old', [{ port: 80, nodePort: 30080 }], { clusterIP: '127.96.0.21' }));
    expect(allocators.nodePorts.allocated()).toEqual([30080]);
  });

  it('after a restart, rebuilt from the stored Services, hands out none of their addresses again', async () => {
    const first = servicesApi(new ServiceAllocators({ serviceCIDR: '127.96.0.0/29', random: new Random(1) }));
    const held: string[] = [];
    for (const name of ['a', 'b', 'c']) held.push((await first.send('POST', '/api/v1/namespaces/default/services', makeService(name, [{ port: 80 }]))).body.spec.clusterIP);
    const restarted = new ServiceAllocators({ serviceCIDR: '127.96.0.0/29', random: new Random(1) });
    restarted.restore(first.registry.list<Service>('services', undefined).items);
    const second = servicesApi(restarted, first.store);
    const more: string[] = [];
    for (const name of ['d', 'e', 'f']) more.push((await second.send('POST', '/api/v1/namespaces/default/services', makeService(name, [{ port: 80 }]))).body.spec.clusterIP);
    expect(new Set([...held, ...more]).size).toBe(6);
    const seventh = await second.send('POST', '/api/v1/namespaces/default/services', makeService('g', [{ port: 80 }]));
    expect([seventh.code, seventh.body.message]).toEqual([500, 'Internal error occurred: failed to allocate a serviceIP: range is full']);
  });
});

const kubectlHere = await haveKubectl();

describe('the real kubectl, with the allocators in the apiserver', () => {
  let bench: Bench | undefined;
  afterEach(async () => {
    await bench?.stop();
    bench = undefined;
  });

  it('kubectl create service and kubectl expose show a CLUSTER-IP and a node port', async (context) => {
    if (!kubectlHere) context.skip('kubectl (v1.32) is not installed here; CI runs this test');
    bench = await startBench({ serviceAllocator: new ServiceAllocators({ random: new Random(4) }) });
    const config = kubeconfig(bench.url);
    expect((await kubectl(config, ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'])).code).toBe(0);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'kubekata/echo', ports: [{ containerPort: 5432 }] }] } };
    expect((await kubectl(config, ['apply', '-f', '-'], JSON.stringify(pod))).code).toBe(0);
    expect((await kubectl(config, ['expose', 'pod', 'db', '--port=5432', '--type=NodePort'])).stderr).toBe('');
    const listed = await kubectl(config, ['get', 'svc', '--no-headers']);
    const rows = listed.stdout.trim().split('\n').map((line) => line.split(/\s+/));
    expect(rows.map(([name, type]) => [name, type])).toEqual([['db', 'NodePort'], ['web', 'ClusterIP']]);
    for (const row of rows) expect(row[2]).toMatch(/^127\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    expect(rows[0]![4]).toMatch(/^5432:3\d{4}\/TCP$/);
  });
});

describe('chain names', () => {
  it('are the names a real node shows: base32 of sha256 of "namespace/name:port" and the protocol, 16 characters', () => {
    expect(serviceChainName({ namespace: 'kube-system', name: 'kube-dns', port: 'dns-tcp', protocol: 'TCP' })).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
    expect(serviceChainName({ namespace: 'kube-system', name: 'kube-dns', port: 'dns', protocol: 'UDP' })).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(serviceChainName({ namespace: 'default', name: 'kubernetes', port: 'https', protocol: 'TCP' })).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(endpointChainName({ namespace: 'default', name: 'web', port: '', protocol: 'TCP' }, '127.0.1.5:8080')).toMatch(/^KUBE-SEP-[A-Z2-7]{16}$/);
  });
});

const webSvc = makeService('web', [{ port: 80, targetPort: 8080 }], { clusterIP: '127.96.0.10' });
const webSlice = makeSlice('web', 'web-1', { port: 8080 }, [{ ip: '127.0.1.7' }, { ip: '127.0.1.5' }, { ip: '127.0.1.6', ready: false }]);
const packet = (destination = '127.96.0.10', dport = 80, source = '127.0.2.9'): Packet => ({ source, destination, dport, protocol: 'tcp' });

/**
 * A small cluster with one of each case, and its whole iptables-save, line for line. Checked by
 * hand against upstream's proxier (pkg/proxy/iptables/proxier.go) and, for the chain names,
 * against sha256 and base32 computed outside the workbook.
 */
function smallCluster(): { services: Service[]; slices: EndpointSlice[] } {
  const bare: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-3', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    // no conditions at all (ready), an endpoint without an address, a port without a number
    endpoints: [{ addresses: ['127.0.1.8'] }, { addresses: [] }],
    ports: [{ port: 8080 }, { name: 'unset' }],
  };
  return {
    services: [
      makeService('web', [{ port: 80, targetPort: 8080 }], { clusterIP: '127.96.0.10' }),
      makeService('np', [{ name: 'http', port: 81, nodePort: 30081 }], { clusterIP: '127.96.0.12', type: 'NodePort' }),
      makeService('lonely', [{ name: 'http', port: 82, nodePort: 30082 }, { name: 'admin', port: 83 }], { clusterIP: '127.96.0.11', type: 'NodePort' }),
      makeService('dns', [{ name: 'dns', port: 53, protocol: 'UDP' }], { clusterIP: '127.96.0.13' }),
      makeService('draining', [{ port: 84 }], { clusterIP: '127.96.0.15' }),
      makeService('ext', [], { type: 'ExternalName', externalName: 'example.com' }),
      makeService('headless', [{ port: 80 }], { clusterIP: 'None' }),
      makeService('web', [{ port: 80 }], { clusterIP: '127.96.0.14' }, 'prod'),
    ],
    slices: [
      makeSlice('web', 'web-1', { port: 8080 }, [{ ip: '127.0.1.7' }, { ip: '127.0.1.5' }]),
      makeSlice('web', 'web-2', { port: 8080 }, [{ ip: '127.0.1.5' }, { ip: '127.0.1.6' }, { ip: '127.0.1.2', ready: false }]),
      bare,
      { ...makeSlice('web', 'web-v6', { port: 8080 }, [{ ip: 'fd00::1' }]), addressType: 'IPv6' },
      { ...makeSlice('web', 'web-unlabelled', { port: 8080 }, [{ ip: '127.0.1.30' }]), metadata: { name: 'web-unlabelled', namespace: 'default' } },
      makeSlice('web', 'prod-web-1', { port: 8081 }, [{ ip: '127.0.2.5' }], 'prod'),
      makeSlice('np', 'np-1', { name: 'http', port: 9000 }, [{ ip: '127.0.1.9' }]),
      makeSlice('lonely', 'lonely-1', { name: 'http', port: 9000 }, [{ ip: '127.0.1.10', ready: false, serving: false }]),
      makeSlice('dns', 'dns-1', { name: 'dns', port: 5353, protocol: 'UDP' }, [{ ip: '127.0.1.3' }]),
      makeSlice('draining', 'draining-1', { port: 8084 }, [
        { ip: '127.0.1.20', ready: false, serving: true, terminating: true },
        { ip: '127.0.1.21', ready: false, serving: false, terminating: true },
        { ip: '127.0.1.22', ready: false, serving: true },
      ]),
      makeSlice('headless', 'headless-1', { port: 80 }, [{ ip: '127.0.1.4' }]),
    ],
  };
}

const SMALL_CLUSTER_IPTABLES_SAVE = [
  '*filter',
  ':KUBE-EXTERNAL-SERVICES - [0:0]',
  ':KUBE-FORWARD - [0:0]',
  ':KUBE-NODEPORTS - [0:0]',
  ':KUBE-PROXY-FIREWALL - [0:0]',
  ':KUBE-SERVICES - [0:0]',
  '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/lonely:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30082 -j REJECT --reject-with icmp-port-unreachable',
  '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
  '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
  '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  '-A KUBE-SERVICES -d 127.96.0.11/32 -p tcp -m comment --comment "default/lonely:admin has no endpoints" -m tcp --dport 83 -j REJECT --reject-with icmp-port-unreachable',
  '-A KUBE-SERVICES -d 127.96.0.11/32 -p tcp -m comment --comment "default/lonely:http has no endpoints" -m tcp --dport 82 -j REJECT --reject-with icmp-port-unreachable',
  'COMMIT',
  '*nat',
  ':KUBE-EXT-QUMPV5Z3SF2IMFUJ - [0:0]',
  ':KUBE-MARK-MASQ - [0:0]',
  ':KUBE-NODEPORTS - [0:0]',
  ':KUBE-POSTROUTING - [0:0]',
  ':KUBE-SEP-DIYUAZELNDMKX2PK - [0:0]',
  ':KUBE-SEP-EY2BXASSFMCEYLEI - [0:0]',
  ':KUBE-SEP-JP6BH7VXMYFQROE6 - [0:0]',
  ':KUBE-SEP-RYSPOV2XUIBJS7X2 - [0:0]',
  ':KUBE-SEP-WAGTV4EMZUIRGPG5 - [0:0]',
  ':KUBE-SEP-WW6DVOOYUIHF6TXC - [0:0]',
  ':KUBE-SEP-ZF46V7RCFPCDSLD4 - [0:0]',
  ':KUBE-SEP-ZZ6HYY37N4FJMFHL - [0:0]',
  ':KUBE-SERVICES - [0:0]',
  ':KUBE-SVC-2MBSHUE5GJKPO227 - [0:0]',
  ':KUBE-SVC-FLX6CX6YGZ2GEJ6N - [0:0]',
  ':KUBE-SVC-H573A7JHHBBTS7QH - [0:0]',
  ':KUBE-SVC-LOLE4ISW44XBNF3G - [0:0]',
  ':KUBE-SVC-QUMPV5Z3SF2IMFUJ - [0:0]',
  '-A KUBE-EXT-QUMPV5Z3SF2IMFUJ -m comment --comment "masquerade traffic for default/np:http external destinations" -j KUBE-MARK-MASQ',
  '-A KUBE-EXT-QUMPV5Z3SF2IMFUJ -j KUBE-SVC-QUMPV5Z3SF2IMFUJ',
  '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
  '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/np:http" -m tcp --dport 30081 -j KUBE-EXT-QUMPV5Z3SF2IMFUJ',
  '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
  '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
  '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  '-A KUBE-SEP-DIYUAZELNDMKX2PK -s 127.0.1.20/32 -m comment --comment "default/draining" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-DIYUAZELNDMKX2PK -p tcp -m comment --comment "default/draining" -m tcp -j DNAT --to-destination 127.0.1.20:8084',
  '-A KUBE-SEP-EY2BXASSFMCEYLEI -s 127.0.1.6/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-EY2BXASSFMCEYLEI -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 127.0.1.6:8080',
  '-A KUBE-SEP-JP6BH7VXMYFQROE6 -s 127.0.1.7/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-JP6BH7VXMYFQROE6 -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 127.0.1.7:8080',
  '-A KUBE-SEP-RYSPOV2XUIBJS7X2 -s 127.0.1.8/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-RYSPOV2XUIBJS7X2 -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 127.0.1.8:8080',
  '-A KUBE-SEP-WAGTV4EMZUIRGPG5 -s 127.0.1.5/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-WAGTV4EMZUIRGPG5 -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 127.0.1.5:8080',
  '-A KUBE-SEP-WW6DVOOYUIHF6TXC -s 127.0.2.5/32 -m comment --comment "prod/web" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-WW6DVOOYUIHF6TXC -p tcp -m comment --comment "prod/web" -m tcp -j DNAT --to-destination 127.0.2.5:8081',
  '-A KUBE-SEP-ZF46V7RCFPCDSLD4 -s 127.0.1.3/32 -m comment --comment "default/dns:dns" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-ZF46V7RCFPCDSLD4 -p udp -m comment --comment "default/dns:dns" -m udp -j DNAT --to-destination 127.0.1.3:5353',
  '-A KUBE-SEP-ZZ6HYY37N4FJMFHL -s 127.0.1.9/32 -m comment --comment "default/np:http" -j KUBE-MARK-MASQ',
  '-A KUBE-SEP-ZZ6HYY37N4FJMFHL -p tcp -m comment --comment "default/np:http" -m tcp -j DNAT --to-destination 127.0.1.9:9000',
  '-A KUBE-SERVICES -d 127.96.0.13/32 -p udp -m comment --comment "default/dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-2MBSHUE5GJKPO227',
  '-A KUBE-SERVICES -d 127.96.0.15/32 -p tcp -m comment --comment "default/draining cluster IP" -m tcp --dport 84 -j KUBE-SVC-FLX6CX6YGZ2GEJ6N',
  '-A KUBE-SERVICES -d 127.96.0.12/32 -p tcp -m comment --comment "default/np:http cluster IP" -m tcp --dport 81 -j KUBE-SVC-QUMPV5Z3SF2IMFUJ',
  '-A KUBE-SERVICES -d 127.96.0.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-LOLE4ISW44XBNF3G',
  '-A KUBE-SERVICES -d 127.96.0.14/32 -p tcp -m comment --comment "prod/web cluster IP" -m tcp --dport 80 -j KUBE-SVC-H573A7JHHBBTS7QH',
  '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  '-A KUBE-SVC-2MBSHUE5GJKPO227 ! -s 127.0.0.0/16 -d 127.96.0.13/32 -p udp -m comment --comment "default/dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-2MBSHUE5GJKPO227 -m comment --comment "default/dns:dns -> 127.0.1.3:5353" -j KUBE-SEP-ZF46V7RCFPCDSLD4',
  '-A KUBE-SVC-FLX6CX6YGZ2GEJ6N ! -s 127.0.0.0/16 -d 127.96.0.15/32 -p tcp -m comment --comment "default/draining cluster IP" -m tcp --dport 84 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-FLX6CX6YGZ2GEJ6N -m comment --comment "default/draining -> 127.0.1.20:8084" -j KUBE-SEP-DIYUAZELNDMKX2PK',
  '-A KUBE-SVC-H573A7JHHBBTS7QH ! -s 127.0.0.0/16 -d 127.96.0.14/32 -p tcp -m comment --comment "prod/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-H573A7JHHBBTS7QH -m comment --comment "prod/web -> 127.0.2.5:8081" -j KUBE-SEP-WW6DVOOYUIHF6TXC',
  '-A KUBE-SVC-LOLE4ISW44XBNF3G ! -s 127.0.0.0/16 -d 127.96.0.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-LOLE4ISW44XBNF3G -m comment --comment "default/web -> 127.0.1.5:8080" -m statistic --mode random --probability 0.25000000000 -j KUBE-SEP-WAGTV4EMZUIRGPG5',
  '-A KUBE-SVC-LOLE4ISW44XBNF3G -m comment --comment "default/web -> 127.0.1.6:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-EY2BXASSFMCEYLEI',
  '-A KUBE-SVC-LOLE4ISW44XBNF3G -m comment --comment "default/web -> 127.0.1.7:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-JP6BH7VXMYFQROE6',
  '-A KUBE-SVC-LOLE4ISW44XBNF3G -m comment --comment "default/web -> 127.0.1.8:8080" -j KUBE-SEP-RYSPOV2XUIBJS7X2',
  '-A KUBE-SVC-QUMPV5Z3SF2IMFUJ ! -s 127.0.0.0/16 -d 127.96.0.12/32 -p tcp -m comment --comment "default/np:http cluster IP" -m tcp --dport 81 -j KUBE-MARK-MASQ',
  '-A KUBE-SVC-QUMPV5Z3SF2IMFUJ -m comment --comment "default/np:http -> 127.0.1.9:9000" -j KUBE-SEP-ZZ6HYY37N4FJMFHL',
  'COMMIT',
];

describe('the rule table, as iptables-save prints it', () => {
  it('sends a cluster IP to KUBE-SVC, picks endpoint i of n with probability 1/(n-i), and DNATs in KUBE-SEP', () => {
    const svc = serviceChainName({ namespace: 'default', name: 'web', port: '', protocol: 'TCP' });
    const sep5 = endpointChainName({ namespace: 'default', name: 'web', port: '', protocol: 'TCP' }, '127.0.1.5:8080');
    const sep7 = endpointChainName({ namespace: 'default', name: 'web', port: '', protocol: 'TCP' }, '127.0.1.7:8080');
    const text = renderIptablesSave(buildRuleTable([webSvc], [webSlice]));
    const nat = text.slice(text.indexOf('*nat'));
    expect(nat.split('\n').filter((line) => line.includes(svc) || line.includes(sep5))).toEqual([
      `:${sep5} - [0:0]`,
      `:${svc} - [0:0]`,
      `-A KUBE-SEP-${sep5.slice(9)} -s 127.0.1.5/32 -m comment --comment "default/web" -j KUBE-MARK-MASQ`,
      `-A ${sep5} -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 127.0.1.5:8080`,
      `-A KUBE-SERVICES -d 127.96.0.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j ${svc}`,
      `-A ${svc} -m comment --comment "default/web -> 127.0.1.5:8080" -m statistic --mode random --probability 0.50000000000 -j ${sep5}`,
      `-A ${svc} -m comment --comment "default/web -> 127.0.1.7:8080" -j ${sep7}`,
    ]);
    expect(text).not.toContain('127.0.1.6');
  });

  it('writes a third as the kernel keeps it, 0.33333333349, and ClientIP affinity as -m recent rules before the random ones', () => {
    const sticky = makeService('web', [{ port: 80 }], { clusterIP: '127.96.0.10', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    const slice = makeSlice('web', 'web-1', { port: 8080 }, [{ ip: '127.0.1.5' }, { ip: '127.0.1.6' }, { ip: '127.0.1.7' }]);
    const lines = renderIptablesSave(buildRuleTable([sticky], [slice])).split('\n').filter((line) => line.startsWith('-A KUBE-SVC-'));
    expect(lines.map((line) => line.replace(/KUBE-(SVC|SEP)-[A-Z2-7]{16}/g, 'KUBE-$1-X'))).toEqual([
      '-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.5:8080" -m recent --rcheck --seconds 60 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j KUBE-SEP-X',
      '-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.6:8080" -m recent --rcheck --seconds 60 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j KUBE-SEP-X',
      '-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.7:8080" -m recent --rcheck --seconds 60 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j KUBE-SEP-X',
      '-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.5:8080" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-X',
      '-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.6:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-X',
      '-A KUBE-SVC-X -m comment --comment "default/web -> 127.0.1.7:8080" -j KUBE-SEP-X',
    ]);
  });

  it('reads a Service\'s ports as kube-proxy does: namespace default when none, TCP, node port 0, ClientIP affinity of 10800 s unless given, and none without a cluster IP or for ExternalName', () => {
    const web: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'NodePort', clusterIP: '127.96.0.10', sessionAffinity: 'ClientIP', sessionAffinityConfig: {}, ports: [{ name: 'http', port: 80, nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
    };
    expect(servicePortsOf(web)).toStrictEqual([
      { name: { namespace: 'default', name: 'web', port: 'http', protocol: 'TCP' }, nameString: 'default/web:http', clusterIP: '127.96.0.10', port: 80, nodePort: 30080, affinitySeconds: 10800 },
      { name: { namespace: 'default', name: 'web', port: 'dns', protocol: 'UDP' }, nameString: 'default/web:dns', clusterIP: '127.96.0.10', port: 53, nodePort: 0, affinitySeconds: 10800 },
    ]);
    expect(servicePortsOf(makeService('plain', [{ port: 80 }], { clusterIP: '127.96.0.11' }, 'prod'))).toStrictEqual([{ name: { namespace: 'prod', name: 'plain', port: '', protocol: 'TCP' }, nameString: 'prod/plain', clusterIP: '127.96.0.11', port: 80, nodePort: 0 }]);
    const without = [
      makeService('unallocated', [{ port: 80 }]),
      makeService('headless', [{ port: 80 }], { clusterIP: 'None' }),
      // skipped by type even with an address (upstream's ShouldSkipService)
      makeService('external', [{ port: 80 }], { type: 'ExternalName', externalName: 'example.com', clusterIP: '127.96.0.12' }),
    ];
    expect(without.map((service) => servicePortsOf(service))).toEqual([[], [], []]);
  });

  it('gathers each Service port\'s endpoints from the slices labelled for it, keyed by name string and protocol, each address once, sorted, with the conditions defaulted', () => {
    const found = endpointsOf(smallCluster().slices);
    expect([...found.keys()].sort()).toEqual(['default/dns:dns/UDP', 'default/draining/TCP', 'default/headless/TCP', 'default/lonely:http/TCP', 'default/np:http/TCP', 'default/web/TCP', 'prod/web/TCP']);
    expect(found.get('default/web/TCP')!.map((e) => `${e.address} ${e.ready} ${e.serving} ${e.terminating}`)).toEqual([
      '127.0.1.2:8080 false false false',
      '127.0.1.5:8080 true true false',
      '127.0.1.6:8080 true true false',
      '127.0.1.7:8080 true true false',
      '127.0.1.8:8080 true true false',
    ]);
    expect(found.get('default/draining/TCP')!.map((e) => `${e.ip} ${e.port} ${e.ready} ${e.serving} ${e.terminating}`)).toEqual(['127.0.1.20 8084 false true true', '127.0.1.21 8084 false false true', '127.0.1.22 8084 false true false']);
  });

  it('prints a small cluster as a real node would: the fixed chains and rules, then per Service port in name order, every slice, endpoint and condition read as upstream reads them', () => {
    const { services, slices } = smallCluster();
    // Not printed: ExternalName and headless Services, an IPv6 slice, a slice without the
    // service-name label, an endpoint without an address, a port without a number, an endpoint
    // listed twice (once), and one that is neither ready nor serving-and-terminating.
    expect(renderIptablesSave(buildRuleTable(services, slices, { clusterCIDR: '127.0.0.0/16' })).trimEnd().split('\n')).toEqual(SMALL_CLUSTER_IPTABLES_SAVE);
  });

  it('reads no ports from a Service with an address but no ports list, and files a slice without a namespace under default, as a Service without one', () => {
    expect(servicePortsOf({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bare' }, spec: { clusterIP: '127.96.0.20' } })).toEqual([]);
    const slice = makeSlice('web', 'web-1', { port: 8080 }, [{ ip: '127.0.1.5' }]);
    const { namespace: _namespace, ...metadata } = slice.metadata;
    expect([...endpointsOf([{ ...slice, metadata }]).keys()]).toEqual(['default/web/TCP']);
  });

  it('keeps the conditions of the first slice, in the order given, that lists an endpoint twice', () => {
    const notReady = makeSlice('web', 'web-1', { port: 8080 }, [{ ip: '127.0.1.5', ready: false, serving: true, terminating: true }]);
    const ready = makeSlice('web', 'web-2', { port: 8080 }, [{ ip: '127.0.1.5' }]);
    const conditions = (slices: EndpointSlice[]) => endpointsOf(slices).get('default/web/TCP')!.map((e) => [e.address, e.ready, e.serving, e.terminating]);
    expect([conditions([notReady, ready]), conditions([ready, notReady])]).toEqual([[['127.0.1.5:8080', false, true, true]], [['127.0.1.5:8080', true, true, false]]]);
  });

  it('orders two ports of one name string by protocol, TCP before UDP, whichever the Service lists first', () => {
    // Validation refuses a port name given twice; the order is the spec's all the same.
    const twice = (protocols: ('TCP' | 'UDP')[]) => makeService('dns', protocols.map((protocol) => ({ name: 'dns', port: 53, protocol })), { clusterIP: '127.96.0.13' });
    const order = (service: Service) => buildRuleTable([service], []).filter.rules.filter((rule) => rule.chain === 'KUBE-SERVICES').map((rule) => rule.protocol);
    expect([order(twice(['UDP', 'TCP'])), order(twice(['TCP', 'UDP']))]).toEqual([['tcp', 'udp'], ['tcp', 'udp']]);
  });

  it('holds in the table of an empty cluster only the fixed chains and rules, and writes affinity\'s -m recent as rcheck and set', () => {
    expect(buildRuleTable([], [])).toStrictEqual({
      filter: {
        chains: ['KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL', 'KUBE-SERVICES'],
        rules: [
          { chain: 'KUBE-FORWARD', raw: '-m conntrack --ctstate INVALID', jump: 'DROP' },
          { chain: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules', raw: '-m mark --mark 0x4000/0x4000', jump: 'ACCEPT' },
          { chain: 'KUBE-FORWARD', comment: 'kubernetes forwarding conntrack rule', raw: '-m conntrack --ctstate RELATED,ESTABLISHED', jump: 'ACCEPT' },
        ],
      },
      nat: {
        chains: ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES'],
        rules: [
          { chain: 'KUBE-MARK-MASQ', jump: 'MARK', targetArgs: '--set-xmark 0x4000/0x4000' },
          { chain: 'KUBE-POSTROUTING', raw: '-m mark ! --mark 0x4000/0x4000', jump: 'RETURN' },
          { chain: 'KUBE-POSTROUTING', jump: 'MARK', targetArgs: '--set-xmark 0x4000/0x0' },
          { chain: 'KUBE-POSTROUTING', comment: 'kubernetes service traffic requiring SNAT', jump: 'MASQUERADE', targetArgs: '--random-fully' },
          { chain: 'KUBE-SERVICES', comment: 'kubernetes service nodeports; NOTE: this must be the last rule in this chain', dstTypeLocal: true, jump: 'KUBE-NODEPORTS' },
        ],
      },
    });
    const sticky = makeService('web', [{ port: 80 }], { clusterIP: '127.96.0.10', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    const sep = endpointChainName({ namespace: 'default', name: 'web', port: '', protocol: 'TCP' }, '127.0.1.5:8080');
    const recent = buildRuleTable([sticky], [makeSlice('web', 'web-1', { port: 8080 }, [{ ip: '127.0.1.5' }])]).nat.rules.flatMap((rule) => rule.recent ?? []);
    expect(recent).toStrictEqual([
      { name: sep, rcheck: true, seconds: 60 },
      { name: sep, set: true },
    ]);
  });

  it('rejects in the filter table a Service port without endpoints, on its cluster IP and its node port', () => {
    const lonely = makeService('lonely', [{ name: 'http', port: 80, nodePort: 30080 }], { clusterIP: '127.96.0.11', type: 'NodePort' });
    const text = renderIptablesSave(buildRuleTable([lonely], []));
    const filter = text.slice(0, text.indexOf('*nat'));
    expect(filter.split('\n').filter((line) => line.includes('lonely'))).toEqual([
      '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/lonely:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable',
      '-A KUBE-SERVICES -d 127.96.0.11/32 -p tcp -m comment --comment "default/lonely:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable',
    ]);
    expect(text.slice(text.indexOf('*nat'))).not.toContain('lonely');
  });
});

describe('the packet walker', () => {
  // Built inside each test: a starter's buildRuleTable throws, and must fail these tests, not the file.
  const rules = () => buildRuleTable([webSvc, makeService('np', [{ port: 81, nodePort: 30081 }], { clusterIP: '127.96.0.12', type: 'NodePort' })], [webSlice, makeSlice('np', 'np-1', { port: 9000 }, [{ ip: '127.0.1.9' }])]);

  it('DNATs a cluster IP packet to the endpoint the random rules pick, through KUBE-SERVICES, KUBE-SVC and KUBE-SEP', () => {
    const table = rules();
    const first = walk(table, packet(), { decide: () => true });
    const second = walk(table, packet(), { decide: () => false });
    expect([first.verdict, (first as { to: string }).to, second.verdict, (second as { to: string }).to]).toEqual(['DNAT', '127.0.1.5:8080', 'DNAT', '127.0.1.7:8080']);
    expect(first.chains.map((c) => c.slice(0, 9))).toEqual(['KUBE-SERV', 'KUBE-SVC-', 'KUBE-SEP-']);
  });

  it('reaches a node port on a local address through KUBE-NODEPORTS and KUBE-EXT, masqueraded', () => {
    const table = rules();
    const verdict = walk(table, { ...packet('127.0.0.1', 30081), local: true }, { decide: () => true });
    expect([verdict.verdict, (verdict as { to: string }).to, (verdict as { masquerade: boolean }).masquerade]).toEqual(['DNAT', '127.0.1.9:9000', true]);
    expect(walk(table, packet('127.0.0.1', 30081), { decide: () => true }).verdict).toBe('ACCEPT');
  });

  it('lets a packet to no Service through untouched, and keeps a ClientIP client on its endpoint until the timeout passes', () => {
    expect(walk(rules(), packet('127.96.0.99'), { decide: () => true }).verdict).toBe('ACCEPT');
    const sticky = buildRuleTable([makeService('web', [{ port: 80 }], { clusterIP: '127.96.0.10', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })], [webSlice]);
    const recent = new RecentLists();
    const at = (now: number, pick: boolean) => (walk(sticky, packet(), { decide: () => pick, recent, now }) as { to: string }).to;
    expect([at(0, false), at(59_000, true), at(118_000, true), at(179_000, true)]).toEqual(['127.0.1.7:8080', '127.0.1.7:8080', '127.0.1.7:8080', '127.0.1.5:8080']);
  });

  it('remembers every client of a list, and counts --seconds as the kernel does: seen exactly that long ago still matches, a millisecond more does not', () => {
    const lists = new RecentLists();
    lists.set('KUBE-SEP-X', '127.0.2.9', 0);
    lists.set('KUBE-SEP-X', '127.0.2.10', 0);
    expect(lists.check('KUBE-SEP-X', '127.0.2.9', 60, 0), 'a second client does not push out the first').toBe(true);
    expect([lists.check('KUBE-SEP-X', '127.0.2.9', 60, 60_000), lists.check('KUBE-SEP-X', '127.0.2.9', 60, 60_001)]).toEqual([true, false]);
  });
});

describe('the packet walker, on tables written by hand', () => {
  const table = (nat: Rule[], filter: Rule[] = []): RuleTable => ({ nat: { chains: [], rules: nat }, filter: { chains: [], rules: filter } });
  const dnat = (chain: string, to: string, matches: Partial<Rule> = {}): Rule => ({ chain, ...matches, jump: 'DNAT', targetArgs: `--to-destination ${to}`, toDestination: to });
  const tcp = (destination: string, dport: number, more: Partial<Packet> = {}): Packet => ({ source: '127.0.2.9', destination, dport, protocol: 'tcp', ...more });
  const where = (verdict: Verdict) => (verdict.verdict === 'DNAT' ? verdict.to : verdict.verdict);
  const always = { decide: () => true };

  it.each<[string, Partial<Rule>, Packet | undefined, Packet]>([
    ['a source CIDR (-s)', { source: '127.0.2.0/24' }, tcp('127.96.0.1', 80), tcp('127.96.0.1', 80, { source: '127.0.3.9' })],
    ['a source CIDR an IPv6 packet is never from', { source: '0.0.0.0/0' }, tcp('127.96.0.1', 80), tcp('127.96.0.1', 80, { source: 'fd00::9' })],
    ['a source CIDR the packet is not from (! -s)', { notSource: '127.0.2.0/24' }, tcp('127.96.0.1', 80, { source: '127.0.3.9' }), tcp('127.96.0.1', 80)],
    ['a destination CIDR (-d)', { destination: '127.96.0.0/30' }, tcp('127.96.0.3', 80), tcp('127.96.0.4', 80)],
    ['the protocol (-p)', { protocol: 'udp' }, tcp('127.96.0.1', 53, { protocol: 'udp' }), tcp('127.96.0.1', 53)],
    ['the destination port (--dport)', { dport: 80 }, tcp('127.96.0.1', 80), tcp('127.96.0.1', 81)],
    ['a local destination (--dst-type LOCAL)', { dstTypeLocal: true }, tcp('127.0.0.1', 30080, { local: true }), tcp('127.0.0.1', 30080)],
    ['two matches, of which the packet meets one', { destination: '127.96.0.1/32', dport: 80 }, tcp('127.96.0.1', 80), tcp('127.96.0.1', 81)],
    ['a raw match, which never holds here', { raw: '-m mark --mark 0x4000/0x4000' }, undefined, tcp('127.96.0.1', 80)],
  ])('takes a rule that matches on %s for the packets that meet it, and passes over it for the others', (_, matches, hit, miss) => {
    const rules = table([dnat('KUBE-SERVICES', '127.0.1.1:80', matches)]);
    if (hit) expect(where(walk(rules, hit, always))).toBe('127.0.1.1:80');
    expect(where(walk(rules, miss, always))).toBe('ACCEPT');
  });

  it('comes back from a chain that ends, or RETURNs, without a verdict and goes on with the rule after the jump', () => {
    const rules = table([
      { chain: 'KUBE-SERVICES', jump: 'CHAIN-A' },
      { chain: 'KUBE-SERVICES', jump: 'CHAIN-B' },
      dnat('KUBE-SERVICES', '127.0.1.3:80'),
      dnat('CHAIN-A', '127.0.1.1:80', { dport: 81 }),
      { chain: 'CHAIN-B', jump: 'RETURN' },
      dnat('CHAIN-B', '127.0.1.2:80'),
    ]);
    expect(walk(rules, tcp('127.96.0.1', 80), always)).toEqual({ verdict: 'DNAT', to: '127.0.1.3:80', chains: ['KUBE-SERVICES', 'CHAIN-A', 'CHAIN-B'], masquerade: false });
  });

  it('marks a packet for masquerade only when a rule jumps to KUBE-MARK-MASQ, which it lists among the chains without running its MARK rule', () => {
    const rules = table([
      { chain: 'KUBE-SERVICES', source: '127.0.9.0/24', jump: 'KUBE-MARK-MASQ' },
      dnat('KUBE-SERVICES', '127.0.1.1:80'),
      { chain: 'KUBE-MARK-MASQ', jump: 'MARK', targetArgs: '--set-xmark 0x4000/0x4000' },
    ]);
    expect(walk(rules, tcp('127.96.0.1', 80, { source: '127.0.9.5' }), always)).toEqual({ verdict: 'DNAT', to: '127.0.1.1:80', chains: ['KUBE-SERVICES', 'KUBE-MARK-MASQ'], masquerade: true });
    expect(walk(rules, tcp('127.96.0.1', 80), always)).toEqual({ verdict: 'DNAT', to: '127.0.1.1:80', chains: ['KUBE-SERVICES'], masquerade: false });
  });

  it('ends the nat table at an ACCEPT without a DNAT, and the filter table at an ACCEPT before KUBE-EXTERNAL-SERVICES', () => {
    const rules = table(
      [{ chain: 'KUBE-SERVICES', dport: 80, jump: 'ACCEPT' }, dnat('KUBE-SERVICES', '127.0.1.1:80', { dport: 80 })],
      [{ chain: 'KUBE-SERVICES', dport: 80, jump: 'ACCEPT' }, { chain: 'KUBE-EXTERNAL-SERVICES', jump: 'REJECT' }],
    );
    expect(walk(rules, tcp('127.96.0.1', 80), always)).toEqual({ verdict: 'ACCEPT', chains: ['KUBE-SERVICES', 'KUBE-SERVICES'] });
    expect(walk(rules, tcp('127.96.0.1', 81), always)).toEqual({ verdict: 'REJECT', chains: ['KUBE-SERVICES', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'] });
  });

  it('refuses a packet that a filter chain DROPs, as one it REJECTs (the verdict has no DROP)', () => {
    const rules = table([], [{ chain: 'KUBE-EXTERNAL-SERVICES', dport: 80, jump: 'DROP' }]);
    expect([where(walk(rules, tcp('127.96.0.1', 80), always)), where(walk(rules, tcp('127.96.0.1', 81), always))]).toEqual(['REJECT', 'ACCEPT']);
  });

  it('stops on a table whose chains jump in a circle, with an error that names them, instead of running out of stack', () => {
    const rules = table([{ chain: 'KUBE-SERVICES', jump: 'CHAIN-A' }, { chain: 'CHAIN-A', jump: 'CHAIN-B' }, { chain: 'CHAIN-B', jump: 'CHAIN-A' }]);
    // Entered at depth 0 (KUBE-SERVICES), 1 (A), 2 (B), ...: depth 65 is more than 64, so the last chain entered is B, at 64.
    expect(() => walk(rules, tcp('127.96.0.1', 80), always)).toThrow(new Error('the rule table loops: CHAIN-A → CHAIN-B → CHAIN-A → CHAIN-B …'));
  });
});

// ---- Properties ----

const ipArb = fc.integer({ min: 2, max: 40 }).map((n) => `127.0.1.${n}`);
const endpointsArb = fc.uniqueArray(fc.record({ ip: ipArb, ready: fc.boolean(), terminating: fc.boolean() }), { selector: (e) => e.ip, maxLength: 8 });
const clusterArb = fc.array(fc.record({ endpoints: endpointsArb, affinity: fc.boolean(), slices: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 });

function clusterOf(specs: { endpoints: { ip: string; ready: boolean; terminating: boolean }[]; affinity: boolean; slices: number }[]) {
  const services = specs.map((s, i) => makeService(`svc-${i}`, [{ name: 'http', port: 80 }], { clusterIP: `127.96.0.${10 + i}`, ...(s.affinity && { sessionAffinity: 'ClientIP' as const }) }));
  const slices = specs.flatMap((s, i) =>
    Array.from({ length: s.slices }, (_, k) => makeSlice(`svc-${i}`, `svc-${i}-${k}`, { name: 'http', port: 8080 }, s.endpoints.filter((_, j) => j % s.slices === k).map((e) => ({ ip: e.ip, ready: e.ready, serving: e.ready || e.terminating, terminating: e.terminating })))),
  );
  return { services, slices };
}

describe('properties', () => {
  test.prop([clusterArb])('every ready endpoint of a Service is chosen with probability exactly 1/n (or every serving terminating one when none is ready)', (specs) => {
    const { services, slices } = clusterOf(specs);
    const table = buildRuleTable(services, slices);
    specs.forEach((spec, i) => {
      const ready = spec.endpoints.filter((e) => e.ready);
      const usable = ready.length > 0 ? ready : spec.endpoints.filter((e) => e.terminating);
      if (usable.length === 0) return;
      const chances = new Map<string, string>();
      for (const o of outcomes(table, packet(`127.96.0.${10 + i}`))) {
        const to = o.verdict.verdict === 'DNAT' ? o.verdict.to : o.verdict.verdict;
        chances.set(to, chances.has(to) ? 'twice' : show(o.probability));
      }
      expect(Object.fromEntries(chances)).toEqual(Object.fromEntries(usable.map((e) => [`${e.ip}:8080`, show(rational(1, usable.length))])));
    });
  });

  test.prop([clusterArb])('a Service whose endpoints are none, or none ready or terminating, rejects every packet to its cluster IP', (specs) => {
    const emptied = specs.map((s) => ({ ...s, endpoints: s.endpoints.map((e) => ({ ...e, ready: false, terminating: false })) }));
    const { services, slices } = clusterOf(emptied);
    const table = buildRuleTable(services, slices);
    specs.forEach((_, i) => {
      expect(outcomes(table, packet(`127.96.0.${10 + i}`)).map((o) => [o.verdict.verdict, show(o.probability)])).toEqual([['REJECT', '1']]);
    });
  });

  test.prop([clusterArb, fc.nat()])('building the table twice, or from the same Services and slices in another order, gives the same iptables-save text', (specs, seed) => {
    const { services, slices } = clusterOf(specs);
    const random = new Random(seed);
    const once = renderIptablesSave(buildRuleTable(services, slices));
    expect(renderIptablesSave(buildRuleTable(services, slices))).toBe(once);
    expect(renderIptablesSave(buildRuleTable(random.shuffle(services), random.shuffle(slices)))).toBe(once);
  });

  test.prop([clusterArb, clusterArb])('a Service port\'s chains keep their names whatever else the cluster holds (as after a restart)', (specs, others) => {
    const alone = clusterOf(specs);
    const crowd = clusterOf(others);
    const renamed = {
      services: crowd.services.map((s) => ({ ...s, metadata: { ...s.metadata, name: `other-${s.metadata.name}` }, spec: { ...s.spec, clusterIP: s.spec!.clusterIP!.replace('127.96.0.', '127.96.1.') } })),
      slices: crowd.slices.map((s) => ({ ...s, metadata: { ...s.metadata, name: `other-${s.metadata.name}`, labels: { 'kubernetes.io/service-name': `other-${s.metadata.labels!['kubernetes.io/service-name']}` } } })),
    };
    const chainsOf = (text: string) => text.split('\n').filter((l) => l.startsWith(':KUBE-S') && !l.startsWith(':KUBE-SERVICES'));
    const before = chainsOf(renderIptablesSave(buildRuleTable(alone.services, alone.slices)));
    const after = chainsOf(renderIptablesSave(buildRuleTable([...alone.services, ...renamed.services], [...alone.slices, ...renamed.slices])));
    expect(before.filter((c) => !after.includes(c))).toEqual([]);
  });
});

// ---- The allocators, model-based: never one address or node port for two Services, none leaked ----

interface AllocModel {
  /** Service name → its clusterIP and nodePort as stored (nodePort 0: a ClusterIP Service) */
  services: Map<string, { ip: string; nodePort: number }>;
  created: number;
}
interface AllocReal {
  api: ReturnType<typeof servicesApi>;
  allocators: ServiceAllocators;
  restarts: number;
}
const SMALL_CIDR = '127.96.0.0/27'; // 30 addresses: 16 static, 14 dynamic
const SMALL_PORTS = '30000-30019'; // 20 ports: 16 static, 4 dynamic
const SERVICES_PATH = '/api/v1/namespaces/default/services';

/** What the store holds is what the model says, no two Services share anything, and the allocators hold exactly that: nothing leaked. */
function checkHeld(m: AllocModel, r: AllocReal): void {
  const stored = r.api.registry.list<Service>('services', 'default').items;
  const ips = stored.map((s) => s.spec!.clusterIP!);
  const ports = stored.flatMap((s) => s.spec!.ports![0]!.nodePort ?? []);
  expect({ ips: new Set(ips).size, ports: new Set(ports).size, inRange: ips.every((ip) => /^127\.96\.0\.([1-9]|[12]\d|30)$/.test(ip)) }).toEqual({ ips: stored.length, ports: ports.length, inRange: true });
  expect(stored.map((s) => [s.metadata.name, s.spec!.clusterIP, s.spec!.ports![0]!.nodePort ?? 0]).sort()).toEqual([...m.services].map(([name, held]) => [name, held.ip, held.nodePort]).sort());
  expect({ ips: r.allocators.ips.allocated().sort(), ports: r.allocators.nodePorts.allocated() }).toEqual({ ips: [...ips].sort(), ports: [...ports].sort((a, b) => a - b) });
}

const portsHeld = (m: AllocModel, except?: string) => [...m.services].filter(([name, s]) => name !== except && s.nodePort !== 0).length;

class Create implements fc.AsyncCommand<AllocModel, AllocReal> {
  constructor(readonly askIP: number | undefined, readonly askPort: number | undefined, readonly dryRun: boolean) {}
  check = () => true;
  async run(m: AllocModel, r: AllocReal): Promise<void> {
    const name = `s${m.created++}`;
    const ip = this.askIP === undefined ? undefined : `127.96.0.${this.askIP}`;
    const port = this.askPort === undefined ? undefined : 30000 + this.askPort;
    const answer = await r.api.send('POST', `${SERVICES_PATH}${this.dryRun ? '?dryRun=All' : ''}`, makeService(name, [{ port: 80, ...(port && { nodePort: port }) }], { type: 'NodePort', ...(ip && { clusterIP: ip }) }));
    const held = [...m.services.values()];
    // Asked for and held, or none asked and the range full: in that order, the address first. A dry run only reads the range.
    const expected = this.dryRun
      ? 201
      : ip !== undefined && held.some((s) => s.ip === ip)
        ? 422
        : ip === undefined && m.services.size >= 30
          ? 500
          : port !== undefined && held.some((s) => s.nodePort === port)
            ? 422
            : port === undefined && portsHeld(m) >= 20
              ? 500
              : 201;
    expect({ code: answer.code }).toEqual({ code: expected });
    if (this.dryRun) expect([answer.body.spec.clusterIP, answer.body.spec.ports[0].nodePort]).toEqual([ip ?? '127.96.0.0', port ?? 30000]);
    else if (answer.code === 201) m.services.set(name, { ip: answer.body.spec.clusterIP, nodePort: answer.body.spec.ports[0].nodePort });
    checkHeld(m, r);
  }
  toString = () => `create a NodePort Service${this.askIP !== undefined ? ` asking for 127.96.0.${this.askIP}` : ''}${this.askPort !== undefined ? ` and node port ${30000 + this.askPort}` : ''}${this.dryRun ? ' (dry run)' : ''}`;
}

class Update implements fc.AsyncCommand<AllocModel, AllocReal> {
  constructor(readonly index: number, readonly type: 'ClusterIP' | 'NodePort' | 'LoadBalancer', readonly askPort: number | undefined, readonly dryRun: boolean) {}
  check = (m: Readonly<AllocModel>) => m.services.size > 0;
  async run(m: AllocModel, r: AllocReal): Promise<void> {
    const name = [...m.services.keys()].sort()[this.index % m.services.size]!;
    const before = m.services.get(name)!;
    const current = (await r.api.send('GET', `${SERVICES_PATH}/${name}`)).body as Service;
    const nodePorts = this.type !== 'ClusterIP';
    const port = nodePorts && this.askPort !== undefined ? 30000 + this.askPort : undefined;
    // A port that leaves nodePort out keeps the old one; a ClusterIP Service has none.
    const body = { ...current, spec: { ...current.spec, type: this.type, ports: [{ port: 80, ...(port && { nodePort: port }) }] } };
    const answer = await r.api.send('PUT', `${SERVICES_PATH}/${name}${this.dryRun ? '?dryRun=All' : ''}`, body);
    const needsNew = nodePorts && port === undefined && before.nodePort === 0;
    const taken = port !== undefined && [...m.services].some(([other, s]) => other !== name && s.nodePort === port);
    const expected = this.dryRun ? 200 : taken ? 422 : needsNew && portsHeld(m, name) >= 20 ? 500 : 200;
    expect({ code: answer.code }).toEqual({ code: expected });
    const nodePort: number | undefined = answer.body.spec?.ports?.[0]?.nodePort;
    if (answer.code === 200 && !needsNew) expect({ nodePort }).toEqual({ nodePort: nodePorts ? (port ?? before.nodePort) : undefined });
    if (answer.code === 200 && !this.dryRun) m.services.set(name, { ip: before.ip, nodePort: nodePort ?? 0 });
    checkHeld(m, r);
  }
  toString = () => `update the Service number ${this.index} (by name, wrapping) to ${this.type}${this.askPort !== undefined && this.type !== 'ClusterIP' ? ` asking for node port ${30000 + this.askPort}` : ''}${this.dryRun ? ' (dry run)' : ''}`;
}

class Delete implements fc.AsyncCommand<AllocModel, AllocReal> {
  constructor(readonly index: number) {}
  check = (m: Readonly<AllocModel>) => m.services.size > 0;
  async run(m: AllocModel, r: AllocReal): Promise<void> {
    const name = [...m.services.keys()].sort()[this.index % m.services.size]!;
    expect((await r.api.send('DELETE', `${SERVICES_PATH}/${name}`)).code).toBe(200);
    m.services.delete(name);
    checkHeld(m, r);
  }
  toString = () => `delete the Service number ${this.index} (by name, wrapping)`;
}

class Restart implements fc.AsyncCommand<AllocModel, AllocReal> {
  check = () => true;
  async run(m: AllocModel, r: AllocReal): Promise<void> {
    r.allocators = new ServiceAllocators({ serviceCIDR: SMALL_CIDR, nodePortRange: SMALL_PORTS, random: new Random(++r.restarts) });
    r.allocators.restore(r.api.registry.list<Service>('services', undefined).items);
    r.api = servicesApi(r.allocators, r.api.store);
    checkHeld(m, r);
  }
  toString = () => 'restart the apiserver: new allocators, rebuilt from the stored Services';
}

describe('properties of the allocators', () => {
  test.prop([fc.integer({ min: 1, max: 40 }).chain((max) => fc.record({ max: fc.constant(max), offset: fc.integer({ min: 0, max }), taken: fc.uniqueArray(fc.nat(max - 1), { maxLength: max }), draws: fc.nat() }))])(
    'allocateNext takes a free item of the dynamic band while there is one, then of the static band, and answers undefined only when all are taken',
    ({ max, offset, taken, draws }) => {
      const bits = new AllocationBitmap(max, offset, new Random(draws));
      for (const item of taken) bits.allocate(item);
      const free = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i).filter((i) => !taken.includes(i));
      const dynamic = free(offset, max);
      const got = bits.allocateNext();
      const expected = dynamic.length > 0 ? dynamic : free(0, offset);
      if (expected.length > 0) expect(expected).toContain(got);
      else expect(got).toBeUndefined();
      const now = got === undefined ? taken : [...taken, got];
      expect([bits.allocated(), bits.free]).toEqual([[...now].sort((a, b) => a - b), max - now.length]);
    },
  );

  test.prop(
    [
      fc.commands(
        [
          fc.record({ ip: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }), port: fc.option(fc.integer({ min: 0, max: 19 }), { nil: undefined }), dryRun: fc.nat(5).map((n) => n === 0) }).map(({ ip, port, dryRun }) => new Create(ip, port, dryRun)),
          fc
            .record({ index: fc.nat(30), type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const, 'LoadBalancer' as const), port: fc.option(fc.integer({ min: 0, max: 19 }), { nil: undefined }), dryRun: fc.nat(3).map((n) => n === 0) })
            .map(({ index, type, port, dryRun }) => new Update(index, type, port, dryRun)),
          fc.nat(30).map((i) => new Delete(i)),
          fc.constant(new Restart()),
        ],
        { maxCommands: 60 },
      ),
    ],
    { numRuns: 40 },
  )('never hand one cluster IP or node port to two Services, nor keep one no Service holds, across updates, dry runs, deletes and apiserver restarts', async (commands) => {
    const allocators = new ServiceAllocators({ serviceCIDR: SMALL_CIDR, nodePortRange: SMALL_PORTS, random: new Random(0) });
    await fc.asyncModelRun(() => ({ model: { services: new Map(), created: 0 }, real: { api: servicesApi(allocators), allocators, restarts: 0 } }), commands);
  });
});
