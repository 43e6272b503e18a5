/**
 * The apiserver keeps every write it acknowledges (issue: a crash test once lost 163 of 10,669
 * acknowledged creates, and a full disk 761 of 1,200). The reference apiserver runs as a child
 * process on a data dir, as `npm run apiserver -- --data-dir` runs it:
 *
 * - SIGKILL at seeded points during concurrent creates, then a restart: every create that got a
 *   201 is there, with its uid and resourceVersion, and the next write's resourceVersion is past
 *   every one acknowledged;
 * - a full disk (a 256 KiB tmpfs where the test may mount one, else an injected ENOSPC) and a
 *   failing fsync (injected EIO): no 2xx once the log has failed, every one before it kept.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Random } from '@kube/kit';

const tsx = resolve('node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'kubekata-crash-'));
const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

let running: ChildProcess | undefined;
afterEach(() => {
  if (running && running.exitCode === null && running.signalCode === null) process.kill(-running.pid!, 'SIGKILL');
  running = undefined;
});

/** Starts the reference apiserver on `data`, in its own process group, and resolves with its URL. */
function start(data: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(tsx, ['--import', './tools/register.ts', 'tools/apiserver.ts', '--port', '0', '--insecure-http', '--data-dir', data, '--kubeconfig', join(dir, 'kubeconfig')], {
    env: { ...process.env, KATA_TARGET: 'solutions', FORCE_COLOR: '0', ...env },
    detached: true,
  });
  running = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && output.includes('Ctrl-C')) resolve(url);
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.on('exit', (code, signal) => reject(new Error(`the apiserver exited (${code ?? signal}) before listening:\n${output}`)));
  });
}

function kill(): Promise<void> {
  const child = running!;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid!, 'SIGKILL');
  return exited;
}

/** One HTTP call; resolves with the status and parsed body, or with status 0 when the connection failed. */
function call(agent: Agent, url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve) => {
    const req = request(`${url}${path}`, { method, agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      res.on('error', () => resolve({ status: 0, body: undefined }));
    });
    req.on('error', () => resolve({ status: 0, body: undefined }));
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The most creates one call of {@link createUntil} sends. */
const MAX_CREATES = 3_000;

interface Acknowledged {
  uid: string;
  resourceVersion: string;
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { payload: 'x'.repeat(200) } });
const podsPath = '/api/v1/namespaces/default/configmaps';

/**
 * `workers` clients creating objects until `stopAfter` have been acknowledged (then `onStop` runs
 * once) or the server stops answering; resolves with every acknowledged create and every status seen.
 */
async function createUntil(url: string, prefix: string, workers: number, stopAfter: number, onStop: () => Promise<void> | void): Promise<{ acked: Map<string, Acknowledged>; statuses: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: workers });
  const acked = new Map<string, Acknowledged>();
  const statuses: number[] = [];
  let stopping: Promise<void> | undefined;
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (;;) {
        const name = `${prefix}-${next++}`;
        const { status, body } = await call(agent, url, 'POST', podsPath, configMap(name));
        statuses.push(status);
        if (status === 201) acked.set(name, { uid: body.metadata.uid, resourceVersion: body.metadata.resourceVersion });
        if (acked.size >= stopAfter && !stopping) stopping = Promise.resolve(onStop());
        // A server that never fails would keep this going: 3,000 creates are far past any limit set here.
        if (status === 0 || status >= 500 || statuses.length >= MAX_CREATES) break;
      }
    }),
  );
  await stopping;
  agent.destroy();
  return { acked, statuses };
}

async function stored(url: string): Promise<Map<string, Acknowledged & { name: string }>> {
  const agent = new Agent();
  const list = await call(agent, url, 'GET', podsPath);
  agent.destroy();
  expect(list.status).toBe(200);
  return new Map((list.body.items as { metadata: { name: string; uid: string; resourceVersion: string } }[]).map((o) => [o.metadata.name, { name: o.metadata.name, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion }]));
}

/** Every acknowledged create is stored with its uid and resourceVersion; returns the names lost. */
function lost(acked: Map<string, Acknowledged>, now: Map<string, Acknowledged>): string[] {
  return [...acked].filter(([name, a]) => now.get(name)?.uid !== a.uid || now.get(name)?.resourceVersion !== a.resourceVersion).map(([name]) => name);
}

describe('the apiserver on a data dir keeps every write it acknowledges', () => {
  it('killed with SIGKILL at seeded points during 16 concurrent creates, five times: after each restart every acknowledged create is there, and no resourceVersion is handed out twice', async () => {
    const random = new Random(Number(process.env.KATA_SEED ?? 20261203));
    const data = join(dir, 'kills');
    const all = new Map<string, Acknowledged>();
    let attempted = 0;
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const url = await start(data);
      const before = await stored(url);
      expect(lost(all, before)).toEqual([]);
      const highest = Math.max(0, ...[...all.values()].map((a) => Number(a.resourceVersion)));
      const { acked, statuses } = await createUntil(url, `r${round}`, 16, random.int(50, 400), kill);
      attempted += statuses.length;
      for (const [name, a] of acked) {
        // a resourceVersion acknowledged before the restart is never handed out again
        expect(Number(a.resourceVersion)).toBeGreaterThan(highest);
        all.set(name, a);
      }
    }
    const url = await start(data);
    expect(lost(all, await stored(url))).toEqual([]);
    await kill();
    console.log(`crash test: ${rounds} kills, ${attempted} creates sent, ${all.size} acknowledged, 0 lost`);
  }, 240_000);

  it('a full disk answers 500 once the log cannot grow, never 201, and a restart has every create that got a 201', async () => {
    const data = join(dir, 'full');
    mkdirSync(data, { recursive: true });
    // A real full disk where the test may mount one (root on Linux); otherwise the log's writes fail with ENOSPC.
    const tmpfs = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', data]).status === 0;
    if (tmpfs) mounted.push(data);
    const url = await start(data, tmpfs ? {} : { KATA_WAL_FAULT: 'enospc-after:200000' });
    const { acked, statuses } = await createUntil(url, 'full', 8, Number.MAX_SAFE_INTEGER, () => {});
    expect(acked.size).toBeGreaterThan(0);
    const firstFailure = statuses.findIndex((s) => s !== 201);
    expect(statuses[firstFailure]).toBe(500);
    // once one failed, nothing more is acknowledged (the workers stop at their first failure)
    const agent = new Agent();
    const after = await call(agent, url, 'POST', podsPath, configMap('after-full'));
    expect(after.status).toBe(500);
    expect(after.body.message).toMatch(/could not make its writes durable.*(ENOSPC|no space)/);
    const read = await call(agent, url, 'GET', podsPath);
    expect(read.status).toBe(500);
    agent.destroy();
    await kill();
    if (tmpfs) {
      // the disk grows again (the operator fixed it): the restart recovers every acknowledged create
      expect(spawnSync('mount', ['-o', 'remount,size=64m', data]).status).toBe(0);
    }
    const again = await start(data);
    expect(lost(acked, await stored(again))).toEqual([]);
    await kill();
  }, 120_000);

  it('a failing fsync answers 500, never 2xx, and a restart has every create acknowledged before it', async () => {
    const data = join(dir, 'fsync');
    const url = await start(data, { KATA_WAL_FAULT: 'eio-fsync-after:40' });
    const { acked, statuses } = await createUntil(url, 'sync', 8, Number.MAX_SAFE_INTEGER, () => {});
    expect(statuses).toContain(500);
    expect(statuses.filter((s) => s !== 201 && s !== 500)).toEqual([]);
    await kill();
    const again = await start(data);
    expect(lost(acked, await stored(again))).toEqual([]);
    await kill();
  }, 120_000);
});
