/**
 * tools/lib/etcd-backend.ts on a real etcd 3.4 started for this file: a transaction that loses to
 * another writer runs again and writes once; revisions, prevKvs and compaction errors are etcd's
 * in kata 02's shapes; a watch hears another client's writes and ends at a compaction; a fresh
 * store starts empty at revision 1; `npm run apiserver -- --etcd-servers URL` keeps its objects in
 * etcd across a restart. Skipped where etcd is not installed (required in CI).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdError } from '@kube/etcd';
import { EtcdUnavailable, findEtcd, startEtcd, type EtcdProcess } from '../conformance/etcd-process.ts';
import { checkEndpoint, openEtcdBackend, type EtcdBackend } from '../lib/etcd-backend.ts';

const haveEtcd = (() => {
  try {
    findEtcd();
    return true;
  } catch (error) {
    if (error instanceof EtcdUnavailable && process.env.CI !== 'true') return false;
    throw error;
  }
})();

describe.skipIf(!haveEtcd)('the registry store on a real etcd', () => {
  let etcd: EtcdProcess;
  const opened: EtcdBackend[] = [];
  /** A backend on the test's etcd, closed after the file. */
  const open = (options?: Parameters<typeof openEtcdBackend>[1]): EtcdBackend => {
    const backend = openEtcdBackend(etcd.endpoint, options);
    opened.push(backend);
    return backend;
  };
  beforeAll(async () => {
    etcd = await startEtcd();
  }, 30_000);
  afterAll(async () => {
    for (const backend of opened) backend.close();
    await etcd?.stop();
  });

  it('runs a transaction again when another client wrote what it read, and writes once, at etcd\'s next revision', () => {
    const a = open();
    const b = open();
    a.store.put('/race/counter', '0');
    let runs = 0;
    const before = a.store.revision;
    const revision = a.store.write((txn) => {
      runs++;
      const value = Number(txn.range('/race/counter').kvs[0]!.value);
      // Another apiserver writes between this transaction's read and its commit (only once).
      if (runs === 1) b.store.put('/race/counter', String(value + 100));
      txn.put('/race/counter', String(value + 1));
      return txn.revision;
    });
    expect(runs).toBe(2);
    expect(a.store.range('/race/counter').kvs[0]).toMatchObject({ value: '101', version: 3, modRevision: before + 2 });
    expect(revision).toBe(before + 2);
  });

  it("answers with etcd's revisions and prevKvs, and refuses a compacted read with kata 02's Compacted", () => {
    const { store } = open();
    const first = store.put('/compact/a', '1').header.revision;
    const second = store.put('/compact/a', '2', { prevKv: true });
    expect(second.header.revision).toBe(first + 1);
    expect(second.prevKv).toMatchObject({ key: '/compact/a', value: '1', createRevision: first, modRevision: first, version: 1, lease: 0 });
    expect(store.range('/compact/a', undefined, { revision: first }).kvs[0]?.value).toBe('1');
    store.compact(second.header.revision);
    const error = (() => {
      try {
        store.range('/compact/a', undefined, { revision: first });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(EtcdError);
    expect((error as EtcdError).code).toBe('Compacted');
    expect(store.compacted).toBe(second.header.revision);
    expect(() => store.range('/compact/a', undefined, { revision: store.revision + 5 })).toThrow(expect.objectContaining({ code: 'FutureRevision' }));
  });

  it("hears another client's writes in a watch, with their previous values, and ends a watch that starts below the compaction", () => {
    const a = open({ watchOthers: false });
    const b = open({ watchOthers: false });
    const start = a.store.revision + 1;
    const watcher = a.watchable.watch({ key: '/watch/', rangeEnd: '/watch0', startRevision: start, prevKv: true });
    b.store.put('/watch/x', '1');
    b.store.put('/elsewhere', 'not watched');
    b.store.write((txn) => {
      txn.put('/watch/x', '2');
      txn.delete('/watch/y');
    });
    b.store.delete('/watch/x');
    const events = watcher.poll().flatMap((response) => response.events.map((e) => `${e.type} ${e.kv.key}=${e.kv.value} (was ${e.prevKv?.value ?? 'absent'})`));
    expect(events).toEqual(['PUT /watch/x=1 (was absent)', 'PUT /watch/x=2 (was 1)', 'DELETE /watch/x= (was 2)']);
    a.store.compact(a.store.revision);
    const late = a.watchable.watch({ key: '/watch/', rangeEnd: '/watch0', startRevision: start });
    expect(late.poll()).toEqual([expect.objectContaining({ compactRevision: a.store.revision, canceled: true, events: [] })]);
    expect(late.canceled).toBe(true);
  });

  it('gives a fresh store its own prefix, empty at revision 1', () => {
    const one = open({ fresh: { prefix: '/fresh-1/' }, watchOthers: false }).store;
    const two = open({ fresh: { prefix: '/fresh-2/' }, watchOthers: false }).store;
    expect([one.revision, two.revision]).toEqual([1, 1]);
    expect(one.put('a', '1').header.revision).toBe(2);
    expect(two.range('a', '\0').count).toBe(0);
    expect(one.range('a').kvs[0]).toMatchObject({ key: 'a', createRevision: 2, modRevision: 2 });
  });
});

/** `npm run apiserver` with `args`, on a free port of 127.0.0.1; resolves once it listens. */
function startApiserver(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(resolve('node_modules/.bin/tsx'), ['--import', './tools/register.ts', 'tools/apiserver.ts', '--port', '0', '--insecure-http', ...args], {
    env: { ...process.env, KATA_TARGET: 'solutions', FORCE_COLOR: '0' },
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && output.includes('Ctrl-C')) resolve({ url, child });
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`npm run apiserver exited with ${code} before listening:\n${output}`)));
  });
}

async function stopApiserver(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

describe.skipIf(!haveEtcd)('npm run apiserver -- --etcd-servers', () => {
  let etcd: EtcdProcess;
  const dir = mkdtempSync(join(tmpdir(), 'kubekata-etcd-apiserver-'));
  beforeAll(async () => {
    etcd = await startEtcd();
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the objects in etcd, under the registry's keys and at etcd's revisions, across a restart", async () => {
    const config = join(dir, 'kubeconfig');
    const first = await startApiserver(['--etcd-servers', etcd.endpoint, '--kubeconfig', config]);
    let created: { metadata: { resourceVersion: string } };
    try {
      const response = await fetch(`${first.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'kept' }, data: { a: '1' } }),
      });
      expect(response.status).toBe(201);
      created = (await response.json()) as typeof created;
    } finally {
      await stopApiserver(first.child);
    }
    // In etcd, through its own gateway: the key kata 08 chose, at the object's resourceVersion.
    const key = Buffer.from('/registry/configmaps/default/kept').toString('base64');
    const stored = (await (await fetch(`${etcd.endpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key }) })).json()) as { kvs?: { mod_revision: string }[] };
    expect(stored.kvs?.[0]?.mod_revision).toBe(created.metadata.resourceVersion);

    const second = await startApiserver(['--etcd-servers', etcd.endpoint, '--kubeconfig', config]);
    try {
      const got = (await (await fetch(`${second.url}/api/v1/namespaces/default/configmaps/kept`)).json()) as { data: unknown; metadata: { resourceVersion: string } };
      expect(got).toMatchObject({ data: { a: '1' }, metadata: { resourceVersion: created.metadata.resourceVersion } });
    } finally {
      await stopApiserver(second.child);
    }
  }, 120_000);

  it('says how to start etcd when none answers at the URL', async () => {
    const refused = await startApiserver(['--etcd-servers', 'http://127.0.0.1:9', '--kubeconfig', join(dir, 'nowhere')]).then(
      () => 'it started',
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/cannot reach etcd at http:\/\/127\.0\.0\.1:9 .*start etcd there/);
  }, 120_000);
});

describe('--etcd-servers', () => {
  it('takes client URLs, one or several separated by commas', () => {
    expect(checkEndpoint('http://127.0.0.1:2379/')).toBe('http://127.0.0.1:2379');
    expect(checkEndpoint('http://10.0.0.1:2379,http://10.0.0.2:2379')).toBe('http://10.0.0.1:2379,http://10.0.0.2:2379');
  });

  it('says what a client URL looks like when given something else', () => {
    const example = /e\.g\. http:\/\/127\.0\.0\.1:2379/;
    expect(() => checkEndpoint('')).toThrow(example);
    expect(() => checkEndpoint('127.0.0.1:2379')).toThrow(example);
    expect(() => checkEndpoint('https://127.0.0.1:2379')).toThrow(/TLS to etcd is not supported/);
    expect(() => checkEndpoint('http://127.0.0.1')).toThrow(example);
  });
});
