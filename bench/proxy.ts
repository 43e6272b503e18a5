/**
 * `npm run bench -- proxy`: kata 27's proxy against a direct connection, and kata 26's rule
 * table at scale. Printed, never asserted (docs/benchmarks.md keeps the numbers).
 *
 * - connections: N sequential connections, each connect → read the backend's first line →
 *   close, once straight to the backend and once through the proxy's cluster IP, on loopback;
 *   connections/s and the latency per connection (p50, p99), and what the proxy adds
 *   (goal: p99 added <= 1 ms);
 * - sync: buildRuleTable for 10,000 Services x 10 endpoints, and the iptables-save text of it
 *   (goal: <= 1 s; upstream's iptables proxier takes seconds for that many).
 */
import { createConnection, createServer, type Server } from 'node:net';
import { RealClock, Random, type EndpointSlice, type Service } from '@kube/kit';
import { Proxier, buildRuleTable, renderIptablesSave } from '@kube/proxy';

const BACKEND = { host: '127.0.28.2', port: 9000 };
const CLUSTER_IP = '127.97.28.1';

/** One connection: connect, read a line, close; resolves with the time it took, in ms. */
function roundTrip(host: string, port: number): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    socket.once('data', () => socket.end());
    socket.once('close', () => resolve(Number(process.hrtime.bigint() - start) / 1e6));
    socket.once('error', reject);
  });
}

async function series(host: string, port: number, n: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await roundTrip(host, port); // warm up
  const times: number[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) times.push(await roundTrip(host, port));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  times.sort((a, b) => a - b);
  return { perSecond: n / seconds, p50: times[Math.floor(n * 0.5)]!, p99: times[Math.floor(n * 0.99)]! };
}

function cluster(services: number, endpoints: number): { svcs: Service[]; slices: EndpointSlice[] } {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let s = 0; s < services; s++) {
    const name = `svc-${s}`;
    const ip = `127.${96 + (s >> 16)}.${(s >> 8) & 255}.${s & 255}`;
    svcs.push({ metadata: { name, namespace: 'default' }, spec: { clusterIP: ip, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    slices.push({
      metadata: { name: `${name}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      endpoints: Array.from({ length: endpoints }, (_, e) => ({ addresses: [`127.${1 + (s >> 12)}.${(s >> 4) & 255}.${((s & 15) << 4) + e}`], conditions: { ready: true } })),
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  }
  return { svcs, slices };
}

/** Runs both benchmarks and prints their tables. */
export async function proxyBench(): Promise<void> {
  const n = Number(process.env.PROXY_BENCH_CONNECTIONS ?? 3000);
  const server: Server = createServer((socket) => socket.end('hello\n'));
  await new Promise<void>((resolve) => server.listen(BACKEND.port, BACKEND.host, resolve));
  const proxy = new Proxier({ clock: new RealClock(), random: new Random(1) });
  await proxy.sync(
    [{ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: CLUSTER_IP, ports: [{ port: 9000, protocol: 'TCP' }] } }],
    [{ metadata: { name: 'web-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: [BACKEND.host] }], ports: [{ port: BACKEND.port, protocol: 'TCP' }] }],
  );
  const direct = await series(BACKEND.host, BACKEND.port, n);
  const proxied = await series(CLUSTER_IP, 9000, n);
  await proxy.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));

  console.log(`\nproxy: ${n.toLocaleString('en')} sequential connections (connect, read a line, close) on loopback`);
  console.log('| path | connections/s | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, r] of [['direct', direct], ['through the proxy', proxied]] as const) console.log(`| ${name} | ${Math.round(r.perSecond).toLocaleString('en')} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} |`);
  console.log(`added by the proxy: p50 +${(proxied.p50 - direct.p50).toFixed(3)} ms, p99 +${(proxied.p99 - direct.p99).toFixed(3)} ms (goal <= 1 ms); latency ratio p50 ${(proxied.p50 / direct.p50).toFixed(2)}x, throughput ratio ${(proxied.perSecond / direct.perSecond).toFixed(2)}x`);

  const { svcs, slices } = cluster(10_000, 10);
  // Wall time and this process's CPU time: on a shared machine the first can be several times the second.
  const runs: { build: number; render: number; buildCpu: number; renderCpu: number; rules: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    const table = buildRuleTable(svcs, slices);
    const built = process.hrtime.bigint();
    const cpu1 = process.cpuUsage();
    renderIptablesSave(table);
    const rendered = process.hrtime.bigint();
    const cpu2 = process.cpuUsage();
    runs.push({
      build: Number(built - start) / 1e6,
      render: Number(rendered - built) / 1e6,
      buildCpu: (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000,
      renderCpu: (cpu2.user + cpu2.system - cpu1.user - cpu1.system) / 1000,
      rules: table.nat.rules.length + table.filter.rules.length,
    });
  }
  const best = runs.sort((a, b) => a.build + a.render - (b.build + b.render))[0]!;
  console.log('\nrule table: 10,000 Services x 10 endpoints (best of 3)');
  console.log('| step | wall ms | cpu ms |');
  console.log('| --- | ---: | ---: |');
  console.log(`| buildRuleTable (${best.rules.toLocaleString('en')} rules) | ${best.build.toFixed(0)} | ${best.buildCpu.toFixed(0)} |`);
  console.log(`| renderIptablesSave | ${best.render.toFixed(0)} | ${best.renderCpu.toFixed(0)} |`);
  console.log(`| sync in all (goal <= 1000) | ${(best.build + best.render).toFixed(0)} | ${(best.buildCpu + best.renderCpu).toFixed(0)} |`);
}
