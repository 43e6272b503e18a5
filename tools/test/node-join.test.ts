/**
 * `npm run node`: nodes that join a running cluster over HTTPS with its bootstrap token, each in a
 * process of its own bound to its own 127.x address, as if on two machines. Pods get addresses in
 * their node's pod CIDR, and a Service's node port on one node reaches a pod on the other through
 * kube-proxy. The waits poll every 100 ms, bounded by the test's timeout: real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster, writeKubeconfig, type Cluster } from '@kube/cluster';
import { Random, type Pod, type Service } from '@kube/kit';
import { ROOT } from '../lib/targets.ts';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';

const TSX = [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--import', './tools/register.ts', 'tools/node.ts'];
const dir = mkdtempSync(join(tmpdir(), 'kubekata-join-'));
let cluster: Cluster | undefined;
const children: { child: ChildProcess; out: () => string; exited: Promise<number | null> }[] = [];

afterAll(async () => {
  for (const { child } of children) child.kill('SIGINT');
  await Promise.all(children.map((c) => c.exited));
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    for (const c of children) if (c.child.exitCode !== null) throw new Error(`a node process exited while waiting for ${what}:\n${c.out()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function get(host: string, port: number): Promise<{ pod: string; ip: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `npm run node` for `name` at `nodeIP`; resolves once it says it joined. */
async function joinNode(name: string, nodeIP: string): Promise<void> {
  const child = spawn(process.execPath, [...TSX, '--kubeconfig', join(dir, 'bootstrap-kubeconfig'), '--name', name, '--node-ip', nodeIP, '--data-dir', join(dir, name)], {
    cwd: ROOT,
    env: { ...process.env, KATA_TARGET: 'solutions', KATA_BORROWED: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  children.push({ child, out: () => out, exited });
  await until(`${name} to join`, async () => (out.includes(`node ${name}`) && out.includes('joined') ? true : undefined));
}

const pinned = (name: string, node: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'echo' } },
  spec: { nodeName: node, containers: [{ name: 'app', image: 'kubekata/echo', ports: [{ containerPort: 8080 }] }] },
});

if (onReference) describe('npm run node: two nodes in processes of their own join the cluster', { timeout: 120_000 }, () => {
  it('joins with the bootstrap token; each node gets its pods in its own pod CIDR; a node port on one node reaches the pod on the other', async () => {
    cluster = await startCluster({ nodes: 0, runtime: 'process', dataDir: dir, host: '127.0.26.1', dns: { host: '127.0.26.53', port: 0 }, serviceCIDR: '127.226.0.0/16', random: new Random(26) });
    const { controlPlane } = cluster.parts;
    writeKubeconfig(join(dir, 'bootstrap-kubeconfig'), { server: cluster.url, ca: controlPlane.caCertificate!, token: controlPlane.tokenOf('system:bootstrap:kubekata') });
    await Promise.all([joinNode('node-a', '127.0.41.1'), joinNode('node-b', '127.0.42.1')]);

    const nodes = (await cluster.client.nodes().list()).items;
    expect(nodes.map((n) => `${n.metadata.name} ${n.spec?.podCIDR} ${n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address}`).sort()).toEqual([
      'node-a 127.0.41.0/24 127.0.41.1',
      'node-b 127.0.42.0/24 127.0.42.1',
    ]);

    await cluster.client.pods('default').create(pinned('echo-a', 'node-a'));
    await cluster.client.pods('default').create(pinned('echo-b', 'node-b'));
    await cluster.client.resource<Service>('services', 'default').create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'echo', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'echo' }, ports: [{ port: 8080, targetPort: 8080, nodePort: 30626 }] },
    });
    const running = await until('both pods running', async () => {
      const pods = (await cluster!.client.pods('default').list()).items.filter((p) => p.status?.phase === 'Running' && p.status.podIP);
      return pods.length === 2 ? pods : undefined;
    });
    expect(running.map((p) => `${p.metadata.name} ${p.status!.podIP!.split('.').slice(0, 3).join('.')}`).sort()).toEqual(['echo-a 127.0.41', 'echo-b 127.0.42']);

    // node-b's kube-proxy, at node-b's address, sends some connections to the pod on node-a; and the other way round.
    const seenOnB = await until('node-b\'s node port answering from node-a\'s pod', async () => ((await get('127.0.42.1', 30626)).pod === 'echo-a' ? true : undefined));
    const seenOnA = await until('node-a\'s node port answering from node-b\'s pod', async () => ((await get('127.0.41.1', 30626)).pod === 'echo-b' ? true : undefined));
    expect([seenOnB, seenOnA]).toEqual([true, true]);

    for (const { child } of children) child.kill('SIGINT');
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([0, 0]);
    children.length = 0;
  });
});

// Check 7 runs the tools' tests for the learner's katas: the reference cluster then runs in a vitest of its own.
if (!onReference) describe('npm run node: two nodes in processes of their own join the cluster (on the reference)', () => {
  it('passes when run with KATA_TARGET=solutions', async () => expectPassOnReference('tools/test/node-join.test.ts'), 5 * 60_000);
});
