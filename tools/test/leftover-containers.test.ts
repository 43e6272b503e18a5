/**
 * A node stops the containers that a killed run of it left running (katas/cluster/leftover-containers.ts,
 * given code): a process whose working directory is in the node's `sandboxes/` folder, with its
 * whole process group, and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopLeftoverContainers } from '../../solutions/cluster/leftover-containers.ts';

const started: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A process in a group of its own (as a container is) with `cwd`; it starts a child in its group. */
function container(cwd: string): ChildProcess {
  mkdirSync(cwd, { recursive: true });
  const child = spawn(process.execPath, ['-e', "require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' }); setInterval(() => {}, 1e6)"], { cwd, detached: true, stdio: 'ignore' });
  started.push(child);
  return child;
}
const exited = (child: ChildProcess): Promise<NodeJS.Signals | null> => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode) : child.once('exit', (_code, signal) => resolve(signal))));

// /proc is Linux's: elsewhere the function finds nothing, and these tests are not registered.
if (process.platform === 'linux') describe('containers left by a killed run of a node', () => {
  it('are killed with their process group when their working directory is in the node’s sandboxes, and other processes are left alone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kubekata-leftovers-'));
    dirs.push(root);
    const leftover = container(join(root, 'sandboxes', 'abc123', 'app'));
    const elsewhere = container(join(root, 'pods', 'not-a-sandbox'));
    const otherNode = container(join(root, 'sandboxes-of-another-node'));
    // once spawned (exec'd), each has its working directory
    await Promise.all([leftover, elsewhere, otherNode].map((child) => new Promise((resolve) => child.once('spawn', resolve))));
    const stopped = stopLeftoverContainers(root);
    expect(stopped).toContain(leftover.pid);
    expect(await exited(leftover)).toBe('SIGKILL');
    expect(stopped).not.toContain(elsewhere.pid);
    expect(stopped).not.toContain(otherNode.pid);
    expect(elsewhere.exitCode === null && elsewhere.signalCode === null).toBe(true);
  });

  it('finds nothing, and throws nothing, when the node has never run', () => {
    expect(stopLeftoverContainers(join(tmpdir(), 'kubekata-no-such-node'))).toEqual([]);
  });
});
