/**
 * `npm run apiserver` (tools/apiserver.ts), as a learner runs it: the reference apiserver on a free
 * port with a kubeconfig, a store that survives a restart in its data dir, kata 11's gates from a
 * token file and an RBAC file, and clear exits for bad options and unfinished katas.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const tsx = resolve('node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'kubekata-apiserver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let running: ChildProcess | undefined;
afterEach(async () => {
  if (running && running.exitCode === null) {
    const exited = new Promise((resolve) => running!.once('exit', resolve));
    running.kill('SIGINT');
    await exited;
  }
  running = undefined;
});

/** Starts the command and resolves with the URL it prints once it listens. */
function start(args: string[], env: Record<string, string> = { KATA_TARGET: 'solutions' }): Promise<{ url: string; output: () => string }> {
  const child = spawn(tsx, ['--import', './tools/register.ts', 'tools/apiserver.ts', '--port', '0', ...args], { env: { ...process.env, ...env, FORCE_COLOR: '0' } });
  running = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = /on (https?:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && output.includes('Ctrl-C')) resolve({ url, output: () => output });
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code) => reject(new Error(`npm run apiserver exited with ${code} before listening:\n${output}`)));
  });
}

function run(args: string[], env: Record<string, string> = { KATA_TARGET: 'solutions' }) {
  const r = spawnSync(tsx, ['--import', './tools/register.ts', 'tools/apiserver.ts', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env, FORCE_COLOR: '0' } });
  return { status: r.status, output: r.stdout + r.stderr };
}

async function stop(): Promise<void> {
  const child = running!;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
}

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } };

describe('npm run apiserver', () => {
  it('serves on 127.0.0.1, writes a kubeconfig that points at it, and keeps the store in its data dir across a restart', async () => {
    const config = join(dir, 'kubeconfig');
    const data = join(dir, 'data');
    const first = await start(['--kubeconfig', config, '--data-dir', data, '--insecure-http']);
    expect(first.output()).toContain(`kubectl --kubeconfig`);
    expect(readFileSync(config, 'utf8')).toContain(`server: "${first.url}"`);
    const namespaces = (await (await fetch(`${first.url}/api/v1/namespaces`)).json()) as { items: { metadata: { name: string } }[] };
    expect(namespaces.items.map((ns) => ns.metadata.name)).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const created = await fetch(`${first.url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(pod) });
    expect(created.status).toBe(201);
    await stop();

    const second = await start(['--kubeconfig', config, '--data-dir', data, '--insecure-http']);
    const got = await fetch(`${second.url}/api/v1/namespaces/default/pods/web`);
    expect(got.status).toBe(200);
  });

  it('turns on kata 11\'s gates with --token-file and --rbac, and writes the first token into the kubeconfig', async () => {
    const tokens = join(dir, 'tokens.csv');
    writeFileSync(tokens, 'alice-token,alice,1001,dev\n');
    const rbac = join(dir, 'rbac.yaml');
    writeFileSync(
      rbac,
      [
        'kind: ClusterRole',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'metadata: {name: reader}',
        'rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]',
        '---',
        'kind: ClusterRoleBinding',
        'apiVersion: rbac.authorization.k8s.io/v1',
        'metadata: {name: dev-reads}',
        'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}',
        'subjects: [{kind: Group, name: dev, apiGroup: rbac.authorization.k8s.io}]',
        '',
      ].join('\n'),
    );
    const config = join(dir, 'kubeconfig-auth');
    const { url } = await start(['--kubeconfig', config, '--token-file', tokens, '--rbac', rbac, '--insecure-http']);
    expect(readFileSync(config, 'utf8')).toContain('token: "alice-token"');
    const as = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
    expect((await fetch(`${url}/api/v1/namespaces/default/pods`, as('alice-token'))).status).toBe(200);
    expect((await fetch(`${url}/api/v1/namespaces/default/pods`, as('nobody'))).status).toBe(401);
    expect((await fetch(`${url}/api/v1/namespaces/default/pods`)).status).toBe(403);
  });

  it('serves HTTPS by default with a CA it made, and kubectl and client-node use the written kubeconfig unchanged, its token included', async () => {
    const tokens = join(dir, 'tokens-tls.csv');
    writeFileSync(tokens, 'bob-token,bob,1002,"system:masters"\n');
    const config = join(dir, 'kubeconfig-tls');
    const data = join(dir, 'data-tls');
    const { url } = await start(['--kubeconfig', config, '--data-dir', data, '--token-file', tokens]);
    expect(url).toMatch(/^https:/);
    expect(readFileSync(config, 'utf8')).toContain('certificate-authority-data: ');
    expect(existsSync(join(data, 'pki', 'ca.crt'))).toBe(true);
    // kubectl sends its token only over TLS: as bob (system:masters) it may create and list
    const kubectl = (...args: string[]) => spawnSync('kubectl', ['--kubeconfig', config, ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(kubectl('create', 'namespace', 'tls-demo').stdout).toContain('namespace/tls-demo created');
    const whoami = kubectl('get', 'namespaces', '-o', 'name');
    expect(whoami.stdout).toContain('namespace/tls-demo');
    // client-node refuses an http:// kubeconfig without skipTLSVerify; this one it takes as it is
    const kc = new KubeConfig();
    kc.loadFromFile(config);
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((ns) => ns.metadata?.name)).toContain('tls-demo');
    // plain fetch does not trust the workbook's CA: the server really is TLS
    await expect(fetch(`${url}/api/v1/namespaces`)).rejects.toThrow();
  });

  it('without a token file the kubeconfig carries an admin client certificate, so kubectl never asks for a user name', async () => {
    const config = join(dir, 'kubeconfig-cert');
    await start(['--kubeconfig', config, '--data-dir', join(dir, 'data-cert')]);
    expect(readFileSync(config, 'utf8')).toContain('client-certificate-data: ');
    const r = spawnSync('kubectl', ['--kubeconfig', config, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8', timeout: 60_000, input: '' });
    expect(r.stderr).not.toContain('Username');
    expect(r.stdout).toContain('namespace/default');
  });

  it('exits 2 with one message for a data dir that is a file, and for a log damaged in its middle (naming the file and the byte); a zero-filled tail is repaired', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    const notDir = run(['--data-dir', file, '--insecure-http']);
    expect(notDir.status).toBe(2);
    expect(notDir.output).toContain('is a file, not a directory');
    expect(notDir.output).not.toMatch(/\n\s+at /); // no stack trace

    const data = join(dir, 'data-damaged');
    await start(['--data-dir', data, '--insecure-http']);
    await stop();
    const segment = join(data, readdirSync(data).filter((f) => f.endsWith('.wal')).sort()[0]!);
    const good = readFileSync(segment);
    // a block of zeros after the last record, as ext4 can leave after a crash: a torn tail, repaired
    writeFileSync(segment, Buffer.concat([good, Buffer.alloc(4096)]));
    await start(['--data-dir', data, '--insecure-http']);
    await stop();
    const repaired = readFileSync(segment);
    const damaged = Buffer.from(repaired);
    damaged[20]! ^= 0xff; // inside the first record, with more after it
    writeFileSync(segment, damaged);
    const corrupt = run(['--data-dir', data, '--insecure-http', '--port', '0']);
    expect(corrupt.status).toBe(2);
    expect(corrupt.output).toContain('the write-ahead log is damaged');
    expect(corrupt.output).toMatch(/\.wal, byte \d+/);
    expect(corrupt.output).not.toMatch(/\n\s+at /);
    expect(readFileSync(segment)).toEqual(damaged); // nothing was changed
  });

  it('exits 2 with what was wrong for a bad port, a missing file, or an RBAC file of other kinds', () => {
    const port = run(['--port', 'x']);
    expect(port.status).toBe(2);
    expect(port.output).toContain('--port x is not a port');
    const missing = run(['--token-file', join(dir, 'nope.csv')]);
    expect(missing.status).toBe(2);
    expect(missing.output).toContain('nope.csv: no such file');
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, 'kind: Pod\nmetadata: {name: web}\n');
    const kinds = run(['--rbac', wrong]);
    expect(kinds.status).toBe(2);
    expect(kinds.output).toContain('document 1 is a Pod; expected Role, ClusterRole, RoleBinding or ClusterRoleBinding');
  });

  it('says which kata is missing when the learner\'s own code is not finished', () => {
    // The workbook's own katas/ are the pristine starters.
    const r = run(['--port', '0', '--insecure-http'], { KATA_TARGET: 'katas', KATA_BORROWED: '' });
    expect(r.status).toBe(2);
    expect(r.output).toMatch(/kata \d\d is not implemented yet/);
    expect(r.output).toContain('KATA_TARGET=solutions npm run apiserver');
  });
});
