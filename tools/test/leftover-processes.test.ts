/**
 * The check that no process of the workbook's images outlives its runtime (tools/lib/leftover-processes.ts,
 * run by `npm test` after the process-runtime tests): an orphaned image process is reported, one
 * whose runtime (here: this test process) is alive is not.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftoverImageProcesses } from '../lib/leftover-processes.ts';
import { ROOT } from '../lib/targets.ts';

const sleeper = join(ROOT, 'kit', 'images', 'sleeper.mjs');
const linux = existsSync('/proc/self/stat');

describe('leftover image processes', () => {
  it.runIf(linux)("reports an image process whose parent is gone, and not one whose runtime is alive", async () => {
    const child = spawn(process.execPath, [sleeper, '30'], { stdio: 'ignore' });
    // An orphan: started by a Node process that exits at once, so the kernel hands it to init.
    const orphan = Number(
      execFileSync(process.execPath, ['-e', `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(sleeper)}, '30'], { detached: true, stdio: 'ignore' }); c.unref(); console.log(c.pid)`], { encoding: 'utf8' }).trim(),
    );
    try {
      const pids = leftoverImageProcesses(ROOT).map((p) => p.pid);
      expect(pids).toContain(orphan);
      expect(pids).not.toContain(child.pid);
    } finally {
      process.kill(orphan, 'SIGKILL');
      child.kill('SIGKILL');
    }
  });
});
