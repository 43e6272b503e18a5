/**
 * Benchmarks of the apiserver over HTTP (kata 10): a real `node:http` server on 127.0.0.1 over the
 * in-memory store, each benchmark with its own fresh server, stopped at the end of its run. The
 * clients live in the same process and use `node:http` with a keep-alive Agent, one connection
 * per client (about three times the throughput of Node's fetch here, whose client side costs more
 * than the server's), the way kube-apiserver's load tests (clusterloader2) drive it, scaled down to
 * one 2-core machine.
 *
 * 1. creates: 10,000 pods POSTed by 50 concurrent clients, each a loop of awaited requests.
 * 2. gets: 10,000 pods stored beforehand (through the registry, outside the timing), then 20,000
 *    GETs of them by 50 clients.
 * 3. patches: a JSON merge patch (`application/merge-patch+json`) setting a label, once on each
 *    of 10,000 stored pods, by 50 clients: the read-modify-write path (get, patch, validate,
 *    compare-and-swap).
 * 4. lists: 20 full LISTs of 10,000 pods, one after another; the name gives the ms per list.
 * 5. watch fan-out: 100 watch streams (`?watch=true&resourceVersion=N`) open on the pods, then
 *    10,000 pods created by 50 clients; the run ends when every watcher has read every event
 *    (ops = 1,000,000 deliveries). The name gives the seconds until the last delivery, and the
 *    creates' own latencies while the server fans out.
 *
 * Rows 1-3 record every request's latency and, once measured, end with its p50 and p99. Kubernetes'
 * SLO for mutating calls is p99 under 1 s (clusterloader2's API responsiveness); this project's
 * goal is p99 under 50 ms at 50 clients.
 *
 * The server and its clients share one Node process, one event loop, and the machine's two cores:
 * the numbers are the server's cost plus the clients', a lower bound on what the server alone does.
 * A watcher counts the lines (events) it reads without parsing them. `API_BENCH_OBJECTS` and
 * `API_BENCH_WATCHERS` shrink the workloads for a quick look.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { ApiServer, Registry } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { RealClock, Random, type Pod } from '@kube/kit';
import type { Bench } from './bench.ts';

const CLIENTS = 50;
const OBJECTS = Number(process.env.API_BENCH_OBJECTS ?? 10_000);
const WATCHERS = Number(process.env.API_BENCH_WATCHERS ?? 100);
const LISTS = 20;
const PODS = '/api/v1/namespaces/default/pods';

function pod(name: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'bench' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
}

interface Served {
  url: string;
  registry: Registry;
  server: ApiServer;
  /** the clients' connections: keep-alive, at most one per client */
  agent: Agent;
  stop(): Promise<void>;
}

/** A fresh apiserver with the namespace default and `pods` pods already stored (outside the timing). */
async function serve(pods = 0): Promise<Served> {
  const clock = new RealClock();
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(1) });
  registry.create('namespaces', undefined, { metadata: { name: 'default' } });
  for (let i = 0; i < pods; i++) registry.create('pods', 'default', pod(`pod-${i}`));
  const server = new ApiServer({ registry, clock });
  const { url } = await server.start();
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  return {
    url,
    registry,
    server,
    agent,
    stop: async () => {
      agent.destroy();
      await server.stop();
    },
  };
}

/**
 * One request; resolves with the response's body once it has all arrived. Throws on any status but
 * `expected`: a number measured on a failing server means nothing.
 */
function call(agent: Agent, url: string, method: string, expected: number, body?: string, contentType?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (body !== undefined) {
      headers['Content-Type'] = contentType!;
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = request(url, { method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode === expected) resolve(text);
        else reject(new Error(`${method} ${url}: expected ${expected}, got ${response.statusCode}: ${text.slice(0, 200)}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `total` calls from `clients` concurrent loops of awaited calls; returns each call's latency in ms. */
async function load(clients: number, total: number, one: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const loop = async () => {
    while (next < total) {
      const i = next++;
      const start = process.hrtime.bigint();
      await one(i);
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  return latencies;
}

function percentiles(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
}

const JSON_TYPE = 'application/json';
const MERGE_PATCH = 'application/merge-patch+json';

function create(served: Served, i: number): Promise<string> {
  return call(served.agent, served.url + PODS, 'POST', 201, JSON.stringify(pod(`pod-${i}`)), JSON_TYPE);
}

/** A benchmark of `total` calls from 50 clients on a server holding `stored` pods; p50/p99 join its name once measured. */
function clientBench(label: string, stored: number, total: number, one: (served: Served, i: number) => Promise<unknown>): Bench {
  const bench: Bench = {
    name: `${label}, ${CLIENTS} clients`,
    setup: () => serve(stored),
    run: async (state) => {
      const served = state as Served;
      try {
        const latencies = await load(CLIENTS, total, (i) => one(served, i));
        bench.name = `${label}, ${CLIENTS} clients (${percentiles(latencies)})`;
        return total;
      } finally {
        await served.stop();
      }
    },
  };
  return bench;
}

const creates = clientBench(`creates (${OBJECTS.toLocaleString('en')} pods)`, 0, OBJECTS, create);

const gets = clientBench(`gets (${(2 * OBJECTS).toLocaleString('en')} of ${OBJECTS.toLocaleString('en')} pods)`, OBJECTS, 2 * OBJECTS, (served, i) =>
  call(served.agent, `${served.url}${PODS}/pod-${i % OBJECTS}`, 'GET', 200),
);

const patches = clientBench(`merge patches of a label (${OBJECTS.toLocaleString('en')} pods)`, OBJECTS, OBJECTS, (served, i) =>
  call(served.agent, `${served.url}${PODS}/pod-${i}`, 'PATCH', 200, JSON.stringify({ metadata: { labels: { round: String(i) } } }), MERGE_PATCH),
);

const lists: Bench = {
  name: `full lists of ${OBJECTS.toLocaleString('en')} pods, one after another`,
  setup: () => serve(OBJECTS),
  run: async (state) => {
    const served = state as Served;
    try {
      const start = process.hrtime.bigint();
      for (let i = 0; i < LISTS; i++) {
        const list = JSON.parse(await call(served.agent, served.url + PODS, 'GET', 200)) as { kind: string; items: unknown[] };
        if (list.kind !== 'PodList' || list.items.length !== OBJECTS) throw new Error(`list: expected a PodList of ${OBJECTS}, got ${list.kind} of ${list.items.length}`);
      }
      const ms = Number(process.hrtime.bigint() - start) / 1e6 / LISTS;
      lists.name = `full lists of ${OBJECTS.toLocaleString('en')} pods, one after another (${ms.toFixed(0)} ms each)`;
      return LISTS;
    } finally {
      await served.stop();
    }
  },
};

/**
 * Opens a watch stream on its own connection and counts the events (lines) it reads; `done`
 * resolves at `expected`, rejects if the stream ends before.
 */
function countingWatch(url: string, from: string, expected: number): Promise<{ done: Promise<void>; close(): void }> {
  return new Promise((opened, failed) => {
    const req = request(`${url}${PODS}?watch=true&resourceVersion=${from}`, { agent: false }, (response: IncomingMessage) => {
      if (response.statusCode !== 200) return failed(new Error(`watch: ${response.statusCode}`));
      const done = new Promise<void>((resolve, reject) => {
        let seen = 0;
        const count = (chunk: Buffer) => {
          for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) seen++;
          if (seen >= expected) {
            response.off('data', count);
            resolve();
          }
        };
        response.on('data', count);
        response.on('end', () => reject(new Error(`watch ended after ${seen} of ${expected} events`)));
        response.on('error', reject);
      });
      done.catch(() => {}); // awaited by the run; not an unhandled rejection when closed early
      opened({ done, close: () => req.destroy() });
    });
    req.on('error', failed);
    req.end();
  });
}

const fanOutName = `watch fan-out: ${WATCHERS} watchers x ${OBJECTS.toLocaleString('en')} creates by ${CLIENTS} clients`;
const fanOut: Bench = {
  name: fanOutName,
  setup: () => serve(0),
  run: async (state) => {
    const served = state as Served;
    const watches: { done: Promise<void>; close(): void }[] = [];
    try {
      // Watch from the revision before any pod: every watcher gets every create, and nothing else.
      const from = served.registry.list('pods', 'default').resourceVersion;
      watches.push(...(await Promise.all(Array.from({ length: WATCHERS }, () => countingWatch(served.url, from, OBJECTS)))));
      const start = process.hrtime.bigint();
      const latencies = await load(CLIENTS, OBJECTS, (i) => create(served, i));
      const created = Number(process.hrtime.bigint() - start) / 1e9;
      await Promise.all(watches.map((watch) => watch.done));
      const delivered = Number(process.hrtime.bigint() - start) / 1e9;
      fanOut.name = `${fanOutName} (last delivery at ${delivered.toFixed(1)} s; creates done at ${created.toFixed(1)} s, ${percentiles(latencies)})`;
      return WATCHERS * OBJECTS;
    } finally {
      for (const watch of watches) watch.close();
      await served.stop();
    }
  },
};

/** The apiserver's benchmarks, in the order `npm run bench -- apiserver` prints them. */
export const benches: Bench[] = [creates, gets, patches, lists, fanOut];
