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
import { Random, type Service } from '@kube/kit';
import {
  AllocationBitmap,
  AllocationError,
  IPAllocator,
  PortAllocator,
  RecentLists,
  ServiceAllocators,
  buildRuleTable,
  endpointChainName,
  outcomes,
  rangeOffset,
  rational,
  renderIptablesSave,
  serviceChainName,
  show,
  walk,
  type Packet,
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

  it('refuses a clusterIP outside the service CIDR with the range in the message', async () => {
    const { send } = servicesApi(new ServiceAllocators({ serviceCIDR: cidr, random: new Random(1) }));
    const outside = await send('POST', '/api/v1/namespaces/default/services', makeService('x', [{ port: 80 }], { clusterIP: '127.97.0.1' }));
    expect([outside.code, outside.body.message]).toEqual([422, 'Service "x" is invalid: spec.clusterIPs: Invalid value: []string{"127.97.0.1"}: failed to allocate IP 127.97.0.1: the provided IP (127.97.0.1) is not in the valid range. The range of valid IPs is 127.96.0.0/24']);
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
    expect([headless.body.spec.clusterIP, external.body.spec.clusterIP]).toEqual(['None', undefined]);
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

// ---- The allocators, model-based: never one address or node port for two Services ----

interface AllocModel {
  /** Service name → its clusterIP and nodePort as stored */
  services: Map<string, { ip: string; nodePort: number }>;
  created: number;
}
interface AllocReal {
  api: ReturnType<typeof servicesApi>;
  restarts: number;
}
const SMALL_CIDR = '127.96.0.0/27'; // 30 addresses: 16 static, 14 dynamic
const SMALL_PORTS = '30000-30019'; // 20 ports: 16 static, 4 dynamic

function checkDistinct(m: AllocModel, stored: Service[]): void {
  const ips = stored.map((s) => s.spec!.clusterIP!);
  const ports = stored.map((s) => s.spec!.ports![0]!.nodePort!);
  expect({ ips: new Set(ips).size, ports: new Set(ports).size, inRange: ips.every((ip) => /^127\.96\.0\.([1-9]|[12]\d|30)$/.test(ip)) }).toEqual({ ips: stored.length, ports: stored.length, inRange: true });
  expect(stored.map((s) => s.metadata.name).sort()).toEqual([...m.services.keys()].sort());
}

class Create implements fc.AsyncCommand<AllocModel, AllocReal> {
  constructor(readonly askIP: number | undefined, readonly askPort: number | undefined) {}
  check = () => true;
  async run(m: AllocModel, r: AllocReal): Promise<void> {
    const name = `s${m.created++}`;
    const ip = this.askIP === undefined ? undefined : `127.96.0.${this.askIP}`;
    const port = this.askPort === undefined ? undefined : 30000 + this.askPort;
    const answer = await r.api.send('POST', '/api/v1/namespaces/default/services', makeService(name, [{ port: 80, ...(port && { nodePort: port }) }], { type: 'NodePort', ...(ip && { clusterIP: ip }) }));
    const held = [...m.services.values()];
    const full = m.services.size >= 20; // the port range is the smaller
    const ipTaken = ip !== undefined && held.some((s) => s.ip === ip);
    const portTaken = port !== undefined && held.some((s) => s.nodePort === port);
    expect({ code: answer.code }).toEqual({ code: ipTaken || portTaken ? 422 : full ? 500 : 201 });
    if (answer.code === 201) m.services.set(name, { ip: answer.body.spec.clusterIP, nodePort: answer.body.spec.ports[0].nodePort });
    checkDistinct(m, r.api.registry.list<Service>('services', 'default').items);
  }
  toString = () => `create a NodePort Service${this.askIP !== undefined ? ` asking for 127.96.0.${this.askIP}` : ''}${this.askPort !== undefined ? ` and node port ${30000 + this.askPort}` : ''}`;
}

class Delete implements fc.AsyncCommand<AllocModel, AllocReal> {
  constructor(readonly index: number) {}
  check = (m: Readonly<AllocModel>) => m.services.size > 0;
  async run(m: AllocModel, r: AllocReal): Promise<void> {
    const name = [...m.services.keys()].sort()[this.index % m.services.size]!;
    expect((await r.api.send('DELETE', `/api/v1/namespaces/default/services/${name}`)).code).toBe(200);
    m.services.delete(name);
    checkDistinct(m, r.api.registry.list<Service>('services', 'default').items);
  }
  toString = () => `delete the Service number ${this.index} (by name, wrapping)`;
}

class Restart implements fc.AsyncCommand<AllocModel, AllocReal> {
  check = () => true;
  async run(_m: AllocModel, r: AllocReal): Promise<void> {
    const allocators = new ServiceAllocators({ serviceCIDR: SMALL_CIDR, nodePortRange: SMALL_PORTS, random: new Random(++r.restarts) });
    allocators.restore(r.api.registry.list<Service>('services', undefined).items);
    r.api = servicesApi(allocators, r.api.store);
  }
  toString = () => 'restart the apiserver: new allocators, rebuilt from the stored Services';
}

describe('properties of the allocators', () => {
  test.prop(
    [
      fc.commands(
        [
          fc.record({ ip: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }), port: fc.option(fc.integer({ min: 0, max: 19 }), { nil: undefined }) }).map(({ ip, port }) => new Create(ip, port)),
          fc.nat(30).map((i) => new Delete(i)),
          fc.constant(new Restart()),
        ],
        { maxCommands: 60 },
      ),
    ],
    { numRuns: 40 },
  )('never hand one cluster IP or node port to two Services, across deletes and apiserver restarts', async (commands) => {
    const allocators = new ServiceAllocators({ serviceCIDR: SMALL_CIDR, nodePortRange: SMALL_PORTS, random: new Random(0) });
    await fc.asyncModelRun(() => ({ model: { services: new Map(), created: 0 }, real: { api: servicesApi(allocators), restarts: 0 } }), commands);
  });
});
