/**
 * The given PipeWriter (katas/kubelet/exec-streams.ts): the stdin of `kubectl exec -i`, `kubectl
 * cp` and `kubectl attach` through a named pipe. Its writing end must not close before the process
 * opened the reading end: `kubectl cp` sends its whole tar and its end before `tar -x` has started,
 * and closing early lost the tar and left tar waiting for a writer for ever (kata 25's cp test hung
 * one run in two).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PipeWriter } from '../../solutions/kubelet/exec-streams.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fifo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubekata-pipe-'));
  dirs.push(dir);
  const path = join(dir, 'in');
  execFileSync('mkfifo', [path]);
  return path;
}

/** `cat` reading the pipe, started only now: resolves with all it read, once it read the end. */
function readerOf(path: string): Promise<string> {
  const cat = spawn('sh', ['-c', 'exec cat <"$0"', path]);
  let out = '';
  cat.stdout.on('data', (chunk) => (out += chunk));
  return new Promise((resolve) => cat.on('close', () => resolve(out)));
}

describe('PipeWriter', () => {
  it('keeps what is written and its end until the reader opens the pipe, then gives it all, in order, and the end', async () => {
    const path = fifo();
    const writer = new PipeWriter(path);
    writer.write(Buffer.from('first '));
    writer.write(Buffer.from('x'.repeat(200_000))); // more than a pipe holds: written as cat reads
    writer.write(Buffer.from(' last'));
    writer.end();
    expect(await readerOf(path)).toBe(`first ${'x'.repeat(200_000)} last`);
  });

  it('stops waiting when abandoned before any reader came: nothing hangs, nothing is written', async () => {
    const path = fifo();
    const writer = new PipeWriter(path);
    writer.write(Buffer.from('never read'));
    writer.abandon();
    writer.end();
    // The pipe is free again: a new writer and reader meet as if nothing had happened.
    const next = new PipeWriter(path);
    next.write(Buffer.from('fresh'));
    next.end();
    expect(await readerOf(path)).toBe('fresh');
  });
});
