/**
 * Why a pod went where, outside the scheduler: the ExplanationLog's bound, the files a scheduler
 * writes (tools/lib/explain-files.ts), the terminal view (tools/lib/explain-view.ts) and
 * `npm run kata -- explain POD`. The scheduler's recording itself is tested with kata 16
 * (test/scheduler/16-loop.test.ts: the explanation names the bound node, a replay gives the same
 * scores), where the learner's scheduler runs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fc, test } from '../../test/support/prop.ts';
import { ExplanationLog, type SchedulingExplanation } from '@kube/scheduler';
import { ExplanationFiles, explanationFile, parseExplanation } from '../lib/explain-files.ts';
import { renderExplanation, renderExplanationList } from '../lib/explain-view.ts';
import { big, tiny, web } from './fixtures/explanations.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubekata-explain-'));
  dirs.push(dir);
  return dir;
}

/** `e` as if recorded for pod `name` in cycle `cycle`. */
const about = (e: SchedulingExplanation, name: string, cycle: number): SchedulingExplanation => ({ ...e, pod: { namespace: 'default', name }, cycle });

describe('ExplanationLog', () => {
  it('keeps the last `limit` decisions, oldest first, and get() answers the latest kept one of a pod', () => {
    const log = new ExplanationLog({ limit: 2 });
    log.record(about(web, 'web', 1));
    log.record(about(big, 'big', 2));
    log.record(about(web, 'web', 3));
    expect(log.list().map((e) => [e.pod.name, e.cycle])).toEqual([['big', 2], ['web', 3]]);
    expect(log.get('default', 'web')?.cycle).toBe(3);
    expect(log.get('default', 'tiny')).toBeUndefined();
  });

  it('hands every explanation to `also` and to its subscribers until they stop', () => {
    const also: SchedulingExplanation[] = [];
    const seen: number[] = [];
    const log = new ExplanationLog({ limit: 1, also: { record: (e) => void also.push(e) } });
    const stop = log.subscribe((e) => seen.push(e.cycle));
    log.record(about(web, 'web', 1));
    stop();
    log.record(about(web, 'web', 2));
    expect([also.map((e) => e.cycle), seen]).toEqual([[1, 2], [1]]);
  });

  it('refuses a limit that is not a whole number >= 1, saying what to give', () => {
    expect(() => new ExplanationLog({ limit: 0 })).toThrow('ExplanationLog limit 0 is not valid: give a whole number >= 1, such as { limit: 100 }');
  });

  test.prop([fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }), fc.integer({ min: 1, max: 8 })])(
    'whatever was recorded, list() is the last `limit` decisions and get() the latest of each pod among them',
    (pods, limit) => {
      const log = new ExplanationLog({ limit });
      pods.forEach((name, i) => log.record(about(tiny, name, i + 1)));
      const kept = pods.map((name, i) => [name, i + 1] as const).slice(-limit);
      expect(log.list().map((e) => [e.pod.name, e.cycle])).toEqual(kept);
      for (const name of ['a', 'b', 'c', 'd']) {
        expect(log.get('default', name)?.cycle, name).toBe(kept.filter(([n]) => n === name).at(-1)?.[1]);
      }
    },
  );
});

describe('explanation files', () => {
  it('writes one file per pod, <namespace>_<name>.json, and reads back what was recorded', () => {
    const dir = tempDir();
    const files = new ExplanationFiles({ dir });
    files.record(web);
    files.record(big);
    expect(readdirSync(dir).sort()).toEqual(['default_big.json', 'default_web.json']);
    expect(files.get('default', 'web')).toEqual(web);
    expect(files.list().map((e) => e.pod.name)).toEqual(['big', 'web']);
    expect(files.get('default', 'nothing')).toBeUndefined();
  });

  it('keeps the files of the last `limit` pods recorded: older pods lose theirs', () => {
    const dir = tempDir();
    const files = new ExplanationFiles({ dir, limit: 2 });
    files.record(about(tiny, 'one', 1));
    files.record(about(tiny, 'two', 2));
    files.record(about(tiny, 'one', 3));
    files.record(about(tiny, 'three', 4));
    expect(readdirSync(dir).sort()).toEqual(['default_one.json', 'default_three.json']);
  });

  it('refuses a pod name that is not a Kubernetes name, so that no file lands outside the folder', () => {
    expect(() => explanationFile('/tmp/x', 'default', '../etc/passwd')).toThrow(`"../etc/passwd" is not a pod name: use lower-case letters, digits, '-' and '.'`);
    expect(() => explanationFile('/tmp/x', 'Kube_System', 'web')).toThrow('"Kube_System" is not a namespace');
  });

  it('refuses a file that is not JSON, not an explanation, or of another version, naming the file', () => {
    expect(() => parseExplanation('{', 'f.json')).toThrow(/^f\.json is not JSON \(.*\): it should hold one SchedulingExplanation$/);
    expect(() => parseExplanation('{"kind":"Pod"}', 'f.json')).toThrow('f.json is not a SchedulingExplanation: its "kind" is "Pod", expected "SchedulingExplanation"');
    expect(() => parseExplanation(JSON.stringify({ ...web, version: 2 }), 'f.json')).toThrow('f.json is a SchedulingExplanation of version 2; this workbook reads version 1');
  });
});

describe('the terminal view', () => {
  // vitest's stdout is no terminal: the view is plain text here (colours need a TTY).
  it('shows a node-by-plugin Filter table, why each rejected node was rejected, and the Score table with raw → normalized → weighted', () => {
    const lines = renderExplanation(web).split('\n');
    expect(lines[0]).toBe('default/web  bound to n4');
    expect(lines).toContain('Filter             n1    n2  n3    n4    n5');
    expect(lines).toContain('TaintToleration    ✓     ·   ✓     ✓     ✗');
    expect(lines).toContain('  n5  TaintToleration    node(s) had untolerated taint {gpu: }  (UnschedulableAndUnresolvable)');
    expect(lines).toContain('Score                               n1         n3           n4');
    expect(lines).toContain('TaintToleration ×3                  0→100→300  1→0→0        0→100→300');
    expect(lines).toContain('total                               639        375          675');
    expect(lines.at(-1)).toBe('Chosen: n4 — n4 had the highest total, 675 (the next best: 639)');
  });

  it('says why a pod fits nowhere, and that a single feasible node is not scored', () => {
    const unschedulable = renderExplanation(big);
    expect(unschedulable).toContain('default/big  unschedulable\n');
    expect(unschedulable).toContain('0/5 nodes are available: 1 node(s) had untolerated taint {gpu: }, 1 node(s) were unschedulable, 3 Insufficient cpu.');
    expect(unschedulable).not.toContain('Score ');
    expect(renderExplanation(tiny).split('\n').at(-1)).toBe('Chosen: n1 — n1 was the only node that passed the filters, so nothing was scored');
  });

  it('lists the recorded explanations one per line', () => {
    expect(renderExplanationList([big, tiny]).split('\n')).toEqual([
      'POD           CYCLE    RESULT         TIME',
      'default/big   cycle 1  unschedulable  2026-01-01T00:00:00.000Z',
      'default/tiny  cycle 2  bound to n1    2026-01-01T00:00:00.000Z',
    ]);
  });
});

describe('npm run kata -- explain', () => {
  const kata = (args: string[]) => {
    const r = spawnSync(resolve('node_modules/.bin/tsx'), ['tools/kata.ts', 'explain', ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    return { code: r.status, output: `${r.stdout}${r.stderr}` };
  };

  it('prints the explanation of a pod from the folder a scheduler wrote, and says how to record one when there is none', () => {
    const dir = tempDir();
    new ExplanationFiles({ dir }).record(web);
    const shown = kata(['web', '--dir', dir]);
    expect(shown.output).toContain('Chosen: n4 — n4 had the highest total, 675');
    expect(shown.code).toBe(0);
    const missing = kata(['default/api', '--dir', dir]);
    expect(missing.output).toContain(`No explanation of default/api in ${dir}. A scheduler records one per cycle when it runs with explain`);
    expect(missing.code).toBe(1);
  });

  it('prints the JSON itself with --json, and refuses a name that is not a pod name', () => {
    const dir = tempDir();
    writeFileSync(explanationFile(dir, 'default', 'big'), JSON.stringify(big));
    expect(JSON.parse(kata(['big', '--dir', dir, '--json']).output)).toEqual(big);
    const bad = kata(['Web_1', '--dir', dir]);
    expect([bad.code, bad.output.trim()]).toEqual([2, `"Web_1" is not a pod name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. web-1)`]);
    expect(existsSync(join(dir, 'default_Web_1.json'))).toBe(false);
  });

  it('asks a running live view with --url, and says so when the live view has no explanation of the pod', async () => {
    // A stand-in for the cluster's live view: /explain/<namespace>/<name>.json, 404 for others.
    const server = createServer((request, response) => {
      if (request.url === '/explain/default/web.json') response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(web));
      else response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"no explanation"}');
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.21.1', ready));
    const url = `http://127.0.21.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = (args: string[]) =>
        new Promise<{ code: number; output: string }>((done) => {
          execFile(resolve('node_modules/.bin/tsx'), ['tools/kata.ts', 'explain', ...args], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
            done({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}` }),
          );
        });
      const shown = await run(['web', '--url', url]);
      expect([shown.code, shown.output.split('\n')[0]]).toEqual([0, 'default/web  bound to n4']);
      const missing = await run(['api', '--url', url]);
      expect([missing.code, missing.output.split('. ')[0]]).toEqual([1, `No explanation of default/api at ${url}`]);
    } finally {
      server.close();
    }
  });
});
