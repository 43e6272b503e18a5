/**
 * `npm run bench [-- <component>...]` — benchmarks of the reference components (or, with
 * KATA_TARGET=katas, of your own), printed as a table. Numbers are printed, never asserted: they
 * depend on the machine. docs/benchmarks.md keeps the numbers measured on the project's machines.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benches as etcd } from './etcd.ts';
import { benches as scheduler } from './scheduler.ts';
import { benches as apiserver } from './apiserver.ts';
import { benches as controllers } from './controllers.ts';
import type { Bench } from './bench.ts';
import { measure } from './bench.ts';
import { isNotImplemented } from '@kube/kit';

const suites: Record<string, Bench[]> = { etcd, apiserver, scheduler, controllers };

// Run on your own code, a benchmark stops at the first unwritten kata: say which, not a stack trace.
process.on('uncaughtException', (error) => {
  if (isNotImplemented(error)) console.error(`\nThe benchmark stopped: ${error.message}. It runs your own code (target ${process.env.KATA_TARGET || 'katas'}); finish that kata first.`);
  else console.error(error);
  process.exit(1);
});

const { positionals: asked, values: sizes } = parseArgs({
  allowPositionals: true,
  // the cluster bench's size (bench/cluster.ts): `-- cluster --nodes 100 --deployments 10 --replicas 100`
  options: { nodes: { type: 'string' }, deployments: { type: 'string' }, replicas: { type: 'string' }, timeout: { type: 'string' } },
});
// The loop's and the grader's benchmarks time the workbook's tools, and a student edition leaves them out.
for (const tool of ['loop', 'grade']) {
  if (asked.includes(tool) && !existsSync(new URL(`./${tool}.ts`, import.meta.url))) {
    console.error(`The ${tool} benchmark times the workbook's own tools and is not in this edition. Benchmarks of your components: ${[...Object.keys(suites), 'proxy', 'kubelet', 'cluster'].join(', ')}.`);
    process.exit(2);
  }
}
// The learner's loop is measured on its own (it times the CLI, not a component).
if (asked.includes('loop')) {
  const { loopBench } = await import('./loop.ts');
  await loopBench();
}
// kube-proxy (katas 26-27) prints its own tables: latency percentiles and sync time.
if (asked.includes('proxy')) {
  const { proxyBench } = await import('./proxy.ts');
  await proxyBench();
}
// The kubelet (Part V) prints its own table: pod startup latency percentiles and syncs/s.
if (asked.includes('kubelet')) {
  const { kubeletBench } = await import('./kubelet.ts');
  await kubeletBench();
}
// The whole cluster (Part VII, kata 29) at scale prints its own table: time to every pod Running,
// pod startup latency, mutating request latency, peak RSS.
if (asked.includes('cluster')) {
  const { clusterBench, clusterBenchOptions } = await import('./cluster.ts');
  await clusterBench(clusterBenchOptions(sizes));
}
// Grading a class is measured on its own too (it times the grader over many submissions).
if (asked.includes('grade')) {
  const { gradeBench } = await import('./grade.ts');
  await gradeBench();
}
const positionals = asked.filter((p) => p !== 'loop' && p !== 'grade' && p !== 'proxy' && p !== 'kubelet' && p !== 'cluster');
if (asked.length > 0 && positionals.length === 0) process.exit(0);
const unknown = positionals.filter((p) => !(p in suites));
if (unknown.length) {
  console.error(`No benchmarks for ${unknown.join(', ')}. There are: ${Object.keys(suites).join(', ')}.`);
  process.exit(2);
}
const chosen = positionals.length ? positionals : Object.keys(suites);
console.log(`target: ${process.env.KATA_TARGET || 'katas'} · node ${process.version} · ${(await import('node:os')).cpus().length} cores`);
console.log('| component | benchmark | operations | seconds | ops/s |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const name of chosen) {
  for (const bench of suites[name]!) {
    const r = await measure(bench);
    console.log(`| ${name} | ${bench.name} | ${r.ops.toLocaleString('en')} | ${r.seconds.toFixed(3)} | ${Math.round(r.ops / r.seconds).toLocaleString('en')} |`);
  }
}
