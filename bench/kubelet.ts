/**
 * `npm run bench -- kubelet`: the kubelet (Part V) on one node.
 *
 * (a) Pod startup latency with ProcessRuntime: from a pod bound to the node (its create, with
 *     spec.nodeName set) to the pod's status saying Running with its container running, for 100
 *     pods of the echo image, 10 at a time (each batch deleted before the next). Kubernetes' SLO
 *     is p99 <= 5 s (image present); the workbook's goal is <= 500 ms.
 * (b) 110 pods (maxPods) on one node with FakeRuntime on a fake clock: the wall time until all
 *     run, then rounds in which every pod changes in the API (a label), counted as syncs a second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalClient, Registry } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, RealClock, type Pod } from '@kube/kit';
import { Kubelet } from '@kube/kubelet';
import { FakeRuntime, ProcessRuntime } from '@kube/runtime';

const LATENCY_PODS = Number(process.env.KUBELET_BENCH_PODS ?? 100);
const BATCH = Number(process.env.KUBELET_BENCH_BATCH ?? 10);
const NODE_PODS = 110;
const SYNC_ROUNDS = 20;

function pod(name: string, image: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }] }] } };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Resolves once every pod named in `names` is Running (watching, no polling), with when each got there. */
async function running(client: LocalClient, names: Set<string>): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  const watch = client.pods('default').watch();
  for await (const event of watch) {
    const p = event.object as Pod;
    if (names.has(p.metadata.name!) && !at.has(p.metadata.name!) && p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.state?.running) {
      at.set(p.metadata.name!, performance.now());
      if (at.size === names.size) break;
    }
  }
  watch.stop();
  return at;
}

async function startupLatency(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kubekata-bench-kubelet-'));
  const clock = new RealClock();
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(1) });
  const client = new LocalClient(registry);
  const runtime = new ProcessRuntime({ root, podCIDR: '127.26.0.0/24' });
  const kubelet = new Kubelet({ nodeName: 'node-1', client, runtime, clock });
  await kubelet.start();
  const latencies: number[] = [];
  const began = performance.now();
  try {
    for (let batch = 0; batch < LATENCY_PODS / BATCH; batch++) {
      const names = new Set(Array.from({ length: BATCH }, (_, i) => `echo-${batch * BATCH + i}`));
      const created = new Map<string, number>();
      const done = running(client, names);
      for (const name of names) {
        created.set(name, performance.now());
        await client.pods('default').create(pod(name, 'kubekata/echo'));
      }
      for (const [name, at] of await done) latencies.push(at - created.get(name)!);
      for (const name of names) await client.pods('default').delete(name, { gracePeriodSeconds: 0 });
      await kubelet.idle();
    }
  } finally {
    await kubelet.stop();
    await runtime.shutdown();
    rmSync(root, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  console.log(`| ProcessRuntime: bound → Running, ${latencies.length} echo pods (${BATCH} at a time) | p50 ${percentile(latencies, 50).toFixed(0)} ms | p99 ${percentile(latencies, 99).toFixed(0)} ms | max ${latencies.at(-1)!.toFixed(0)} ms | ${((performance.now() - began) / 1000).toFixed(1)} s in all |`);
}

async function fakeNode(): Promise<void> {
  const clock = new FakeClock();
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(1) });
  const client = new LocalClient(registry);
  const runtime = new FakeRuntime({ clock, podCIDR: '127.26.1.0/24' });
  const kubelet = new Kubelet({ nodeName: 'node-1', client, runtime, clock });
  let syncs = 0;
  const sync = kubelet.syncPod.bind(kubelet);
  kubelet.syncPod = (uid: string) => ((syncs += 1), sync(uid));
  await kubelet.start();
  const names = new Set(Array.from({ length: NODE_PODS }, (_, i) => `pod-${i}`));
  let began = performance.now();
  const done = running(client, names);
  for (const name of names) await client.pods('default').create(pod(name, 'kubekata/sleeper'));
  await done;
  await kubelet.idle();
  const startSeconds = (performance.now() - began) / 1000;
  const startSyncs = syncs;
  syncs = 0;
  began = performance.now();
  for (let round = 0; round < SYNC_ROUNDS; round++) {
    for (const name of names) {
      const current = await client.pods('default').get(name);
      await client.pods('default').update({ ...current, metadata: { ...current.metadata, labels: { round: String(round) } } });
    }
    await kubelet.idle();
  }
  const seconds = (performance.now() - began) / 1000;
  await kubelet.stop();
  console.log(`| FakeRuntime: ${NODE_PODS} pods on one node, all Running | ${startSyncs} syncs | ${startSeconds.toFixed(2)} s | ${Math.round(startSyncs / startSeconds)} syncs/s |`);
  console.log(`| FakeRuntime: ${SYNC_ROUNDS} rounds of every pod changed | ${syncs} syncs | ${seconds.toFixed(2)} s | ${Math.round(syncs / seconds)} syncs/s (each a runtime read, a plan, a status compared) |`);
}

/** Prints the kubelet's numbers. */
export async function kubeletBench(): Promise<void> {
  console.log(`kubelet · target: ${process.env.KATA_TARGET || 'katas'} · node ${process.version} · ${(await import('node:os')).cpus().length} cores`);
  console.log('| what | | | | |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  await startupLatency();
  await fakeNode();
}
