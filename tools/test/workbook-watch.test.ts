/**
 * The grader's watch over the files grading depends on (tools/lib/workbook-watch.ts): every way
 * a learner's code could write to a file shows, reading shows nothing, and a class's watch
 * carries one learner's look over to the next.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileWatch, keepSources, restoreSources } from '../lib/workbook-watch.ts';

let root: string;
let watch: FileWatch;
const file = (path: string): string => join(root, path);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kubekata-watch-'));
  mkdirSync(file('test/etcd'), { recursive: true });
  mkdirSync(file('katas/etcd'), { recursive: true });
  mkdirSync(file('node_modules/.vite'), { recursive: true });
  writeFileSync(file('test/etcd/01-kv.test.ts'), 'the real tests\n');
  writeFileSync(file('test/etcd/02-mvcc.test.ts'), 'more real tests\n');
  writeFileSync(file('katas/etcd/keys.ts'), 'the learner\'s code\n');
  writeFileSync(file('node_modules/.vite/results.json'), '{}');
  watch = new FileWatch([{ dir: root, skip: [file('node_modules/.vite')] }]);
  watch.start([]);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('FileWatch: what a run of learner code changed', () => {
  it('sees nothing when the files were only read', () => {
    readFileSync(file('test/etcd/01-kv.test.ts'));
    statSync(file('test/etcd/02-mvcc.test.ts'));
    expect(watch.changes([])).toEqual([]);
  });

  it('sees a file rewritten with the same bytes and its modification time put back: the change time gives it away', () => {
    const before = statSync(file('test/etcd/01-kv.test.ts'));
    writeFileSync(file('test/etcd/01-kv.test.ts'), 'the real tests\n');
    utimesSync(file('test/etcd/01-kv.test.ts'), before.atime, before.mtime);
    expect(watch.changes([])).toEqual(['test/etcd/01-kv.test.ts']);
  });

  it('sees a file replaced by a rename, a file added, a file removed and a chmod', () => {
    writeFileSync(file('test/etcd/evil.tmp'), 'it passes');
    renameSync(file('test/etcd/evil.tmp'), file('test/etcd/01-kv.test.ts'));
    writeFileSync(file('test/etcd/03-txn.test.ts'), 'new');
    rmSync(file('test/etcd/02-mvcc.test.ts'));
    writeFileSync(file('package.json'), '{}');
    expect(watch.changes([])).toEqual(['package.json', 'test/etcd/01-kv.test.ts', 'test/etcd/02-mvcc.test.ts', 'test/etcd/03-txn.test.ts']);
    chmodSync(file('package.json'), 0o600);
    expect(watch.changes([])).toEqual(['package.json']);
  });

  it('leaves out the learner\'s own folder and the skipped caches', () => {
    writeFileSync(file('katas/etcd/keys.ts'), 'changed by its own code');
    writeFileSync(file('node_modules/.vite/results.json'), '{"vitest":1}');
    expect(watch.changes([file('katas')])).toEqual([]);
  });

  it('takes its look after one run as the look before the next, looking again only at what the grader wrote', () => {
    writeFileSync(file('test/etcd/01-kv.test.ts'), 'rewritten');
    expect(watch.changes([])).toEqual(['test/etcd/01-kv.test.ts']);
    // Between runs the grader writes a report: not the next learner's doing.
    mkdirSync(file('out/ada'), { recursive: true });
    writeFileSync(file('out/ada/results.json'), '{}');
    watch.start([file('out')]);
    expect(watch.changes([])).toEqual([]);
    watch.start([]);
    writeFileSync(file('out/ada/results.json'), '{"score": 999}');
    expect(watch.changes([])).toEqual(['out/ada/results.json']);
  });
});

describe('keepSources and restoreSources: putting the workbook back', () => {
  it('puts back rewritten and removed sources, removes added ones, and names what it cannot put back', () => {
    const kept = keepSources(root);
    writeFileSync(file('test/etcd/01-kv.test.ts'), 'it passes');
    rmSync(file('test/etcd/02-mvcc.test.ts'));
    writeFileSync(file('test/etcd/99-extra.test.ts'), 'added');
    const lost = restoreSources(kept, ['node_modules/chai/index.js', 'test/etcd/01-kv.test.ts', 'test/etcd/02-mvcc.test.ts', 'test/etcd/99-extra.test.ts', '/elsewhere/other-learner/katas/etcd/kv.ts']);
    expect(lost).toEqual(['node_modules/chai/index.js', '/elsewhere/other-learner/katas/etcd/kv.ts']);
    expect(readFileSync(file('test/etcd/01-kv.test.ts'), 'utf8')).toBe('the real tests\n');
    expect(readFileSync(file('test/etcd/02-mvcc.test.ts'), 'utf8')).toBe('more real tests\n');
    expect(() => statSync(file('test/etcd/99-extra.test.ts'))).toThrow();
  });
});
