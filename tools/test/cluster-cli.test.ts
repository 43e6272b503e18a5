/**
 * `npm run cluster` as a learner runs it: on the starters (every kata unfinished), it says which
 * components it borrows from the reference and why, starts, prints the kubeconfig that kubectl
 * uses, answers commands on its standard input, and stops cleanly on Ctrl-C. A bad option is a
 * clear message and exit code 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../lib/targets.ts';

const run = promisify(execFile);
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const TSX = [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), '--import', './tools/register.ts', 'tools/cluster.ts'];

describe('npm run cluster', () => {
  it('refuses a bad option with what would be right, and exit code 2', () => {
    const r = spawnSync(process.execPath, [...TSX, '--runtime', 'docker'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, KATA_TARGET: 'katas', KATA_BORROWED: '' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--runtime docker: give process (containers are real processes) or fake');
  });

  it.runIf(hasKubectl)('on the starters borrows every unfinished component and says why, prints the kubeconfig kubectl uses, takes commands, and stops on SIGINT', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubekata-cli-'));
    const child = spawn(process.execPath, [...TSX, '--data-dir', dir, '--runtime', 'fake', '--nodes', '1', '--host', '127.0.27.1', '--port', '0', '--dns-port', '0', '--service-cidr', '127.227.0.0/16', '--view-port', '0'], {
      cwd: ROOT,
      env: { ...process.env, KATA_TARGET: 'katas', KATA_BORROWED: '', KATA_KATAS_DIR: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const waiters: { pattern: RegExp; resolve: () => void }[] = [];
    const onData = (d: Buffer) => {
      out += d.toString();
      for (const w of waiters.splice(0)) if (w.pattern.test(out)) w.resolve();
      else waiters.push(w);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const seen = (pattern: RegExp) => (pattern.test(out) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pattern, resolve })));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await Promise.race([seen(/kubeconfig: /), exited.then(() => Promise.reject(new Error(`npm run cluster exited:\n${out}`)))]);
      expect(out).toMatch(/the reference's: .*etcd \(kata 01, 02, 03, 04, 05, 06 unfinished\)/);
      expect(out).toMatch(/cluster \(kata 29 unfinished\)/);
      const nodes = (await run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), 'get', 'nodes'])).stdout;
      expect(nodes).toMatch(/node-1\s+Ready/);
      // kubeadm's join command, and the live view's page
      expect(out).toContain(`npm run node -- --kubeconfig ${join(dir, 'bootstrap-kubeconfig')} --name node-2`);
      await seen(/live view: \S*http:\/\/127\.0\.0\.1:\d+/);
      const page = await fetch(/live view: \S*(http:\/\/127\.0\.0\.1:\d+\/?)/.exec(out)![1]!);
      expect(page.status).toBe(200);
      child.stdin.write('status\n');
      await seen(/kube-scheduler: running\nkube-controller-manager: running\nnode-1: kubelet running/);
      // kubeadm's "move the manifest away": the scheduler stops and hands its Lease back, and get cs says so
      const kubectlHere = (...args: string[]) => run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), ...args]);
      child.stdin.write('stop-scheduler\n');
      await seen(/kube-scheduler stopped, its Lease handed back/);
      expect((await kubectlHere('get', 'cs', 'scheduler')).stdout).toMatch(/scheduler\s+Unhealthy\s+the Lease kube-system\/kube-scheduler is held by no one: kube-scheduler stopped/);
      child.stdin.write('stop-scheduler\n');
      await seen(/kube-scheduler is not running/);
      child.stdin.write('start-scheduler\n');
      await seen(/kube-scheduler started: it leads again/);
      expect((await kubectlHere('get', 'cs', 'scheduler')).stdout).toMatch(/scheduler\s+Healthy\s+ok/);
      child.stdin.write('frobnicate\n');
      await seen(/"frobnicate" is not a command: help, status, stop-kubelet, start-kubelet, stop-scheduler, start-scheduler, stop-controller-manager, start-controller-manager, restart-control-plane/);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('stopped');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
