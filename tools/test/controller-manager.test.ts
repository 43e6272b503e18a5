/**
 * `npm run controller-manager` as kube-controller-manager is run: real processes against the
 * reference apiserver (`npm run apiserver`, HTTPS, its kubeconfig with the CA and a client
 * certificate), driven with the real kubectl:
 *
 * - two controller managers: one holds the Lease kube-system/kube-controller-manager and runs the
 *   controllers, the other waits and does nothing;
 * - a Deployment gets its ReplicaSet and pods, and `kubectl get events` shows what the leader's
 *   controllers did ("Scaled up replica set ...", "Created pod: ...");
 * - the leader is killed (SIGKILL: no release): the other takes over once the lease has gone a
 *   whole lease duration (15 s) without renewal — never earlier — and acts from then on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveKubectl, kubectl } from '../../test/support/apiserver/http.ts';
import { readKubeconfig } from '../lib/kubeconfig.ts';

const tsx = resolve('node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'kubekata-cm-'));
const config = join(dir, 'kubeconfig');
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A tool of the workbook as a child in its own process group, and what it printed so far. */
function startTool(args: string[]): { child: ChildProcess; output: () => string; until: (text: string, what: string) => Promise<void> } {
  const child = spawn(tsx, ['--import', './tools/register.ts', ...args], { env: { ...process.env, KATA_TARGET: 'solutions', FORCE_COLOR: '0' }, detached: true });
  children.push(child);
  let output = '';
  const waiters = new Set<() => void>();
  const grow = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', grow);
  child.stderr!.on('data', grow);
  child.on('exit', () => waiters.forEach((waiter) => waiter()));
  const until = (text: string, what: string) =>
    new Promise<void>((done, fail) => {
      const check = () => {
        if (output.includes(text)) done();
        else if (child.exitCode !== null || child.signalCode !== null) fail(new Error(`${what}: the process ended before printing "${text}":\n${output}`));
        else return;
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, output: () => output, until };
}

/** Runs kubectl until `ready(stdout)` holds, at most `tries` times (each kubectl run takes its own time: no sleeps). */
async function kubectlUntil(args: string[], ready: (stdout: string) => boolean, what: string, tries = 200): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    const run = await kubectl(config, args);
    last = `${run.stdout}${run.stderr}`;
    if (run.code === 0 && ready(run.stdout)) return run.stdout;
  }
  throw new Error(`waited for ${what}; kubectl ${args.join(' ')} last said:\n${last}`);
}

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  acquireTime?: string;
  leaseTransitions?: number;
}
const lease = async (): Promise<LeaseSpec> => JSON.parse(await kubectlUntil(['get', 'lease', '-n', 'kube-system', 'kube-controller-manager', '-o', 'jsonpath={.spec}'], (out) => out.startsWith('{'), 'the lease')) as LeaseSpec;

const kubectlHere = await haveKubectl();

describe('npm run controller-manager', () => {
  it('two controller managers: one leads and acts, with events through the API; killed, it is replaced once its lease has expired', { timeout: 240_000 }, async (context) => {
    if (!kubectlHere) {
      if (process.env.CI) throw new Error('CI needs kubectl on the PATH to run the controller manager test');
      return context.skip('kubectl is not installed here, so this test is skipped (CI runs it)');
    }
    const apiserver = startTool(['tools/apiserver.ts', '--host', '127.0.0.23', '--port', '0', '--kubeconfig', config]);
    await apiserver.until('Ctrl-C stops it', 'the apiserver');
    const managers = ['cm-1', 'cm-2'].map((identity) => ({ identity, ...startTool(['tools/controller-manager.ts', '--kubeconfig', config, '--identity', identity]) }));
    await Promise.all(managers.map((m) => m.until('leader election: campaigning', `controller manager ${m.identity}`)));
    const holder = (await kubectlUntil(['get', 'lease', '-n', 'kube-system', 'kube-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}'], (out) => out.startsWith('cm-'), 'a leader')).trim();
    const leader = managers.find((m) => m.identity === holder)!;
    const standby = managers.find((m) => m.identity !== holder)!;
    await leader.until('running replicaset, deployment', 'the leader');
    await standby.until(`${holder} leads; waiting`, 'the standby');

    expect((await kubectl(config, ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3'])).stdout).toContain('deployment.apps/web created');
    await kubectlUntil(['get', 'pods', '-o', 'name'], (out) => out.trim().split('\n').filter(Boolean).length === 3, 'three pods');
    const events = await kubectlUntil(
      ['get', 'events', '-o', 'jsonpath={range .items[*]}{.reason}|{.message}|{.source.component}|{.reportingInstance}{"\\n"}{end}'],
      (out) => out.includes('Scaled up replica set') && (out.match(/Created pod: /g) ?? []).length === 3,
      'the events of the rollout',
    );
    const rs = (await kubectl(config, ['get', 'rs', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout.trim();
    const lines = events.trim().split('\n');
    expect(lines).toContain(`ScalingReplicaSet|Scaled up replica set ${rs} from 0 to 3|deployment-controller|${holder}`);
    expect(lines.filter((l) => l.startsWith('SuccessfulCreate|Created pod: ')).every((l) => l.endsWith(`|replicaset-controller|${holder}`))).toBe(true);
    expect((await kubectl(config, ['describe', 'deployment', 'web'])).stdout).toMatch(/ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set/);
    expect(standby.output()).not.toContain('became the leader');
    // The root CA publisher, with the CA its kubeconfig trusts (upstream's default without --root-ca-file: its client's).
    const published = await kubectlUntil(['get', 'configmap', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}'], (out) => out.includes('BEGIN CERTIFICATE'), 'kube-root-ca.crt');
    expect(published.trim()).toBe(readKubeconfig(config).ca?.trim());

    // The leader dies without a word: its lease must run out before the standby acts.
    const before = await lease();
    process.kill(-leader.child.pid!, 'SIGKILL');
    await standby.until('became the leader', 'the standby taking over');
    const after = await lease();
    expect(after.holderIdentity).toBe(standby.identity);
    expect(after.leaseTransitions).toBe((before.leaseTransitions ?? 0) + 1);
    const waited = Date.parse(after.acquireTime!) - Date.parse(before.renewTime!);
    expect(waited, `the standby took the lease ${waited} ms after the leader's last renewal seen`).toBeGreaterThanOrEqual(15_000);
    console.log(`takeover: ${waited} ms after the last renewal seen before the kill (lease duration 15 s, retry period 2 s)`);

    expect((await kubectl(config, ['scale', 'deployment', 'web', '--replicas=5'])).stdout).toContain('scaled');
    await kubectlUntil(['get', 'events', '-o', 'jsonpath={range .items[*]}{.message}|{.reportingInstance}{"\\n"}{end}'], (out) => out.includes(`Scaled up replica set ${rs} from 3 to 5|${standby.identity}`), 'the new leader scaling the ReplicaSet');
    await kubectlUntil(['get', 'pods', '-o', 'name'], (out) => out.trim().split('\n').filter(Boolean).length === 5, 'five pods');
  });
});
