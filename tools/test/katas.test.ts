import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findKata, hints, loadKatas } from '../lib/katas.ts';

const good = `---
title: Key-value basics
points: 10
minutes: 45
concepts: [keys]
files: [store.ts]
---
# 01 · Key-value basics
## Hints
### 1. Gentle
Look at the spec.
\`\`\`ts
### not a hint: inside a code block
\`\`\`
### 2. Explicit
Sort the keys as bytes.
## Stretch goals
`;

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kubekata-katas-'));
  made.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the catalogue read from the instruction files', () => {
  it('reads number, component, front matter, test path and files to edit', () => {
    const [kata] = loadKatas(tree({ 'katas/etcd/01-kv.md': good }));
    expect(kata).toMatchObject({ number: '01', component: 'etcd', slug: 'kv', title: 'Key-value basics', points: 10, files: ['katas/etcd/store.ts'], test: 'test/etcd/01-kv.test.ts' });
  });

  it('orders katas by number across components, gaps allowed', () => {
    const root = tree({ 'katas/scheduler/12-fit.md': good, 'katas/etcd/02-mvcc.md': good, 'katas/etcd/01-kv.md': good });
    expect(loadKatas(root).map((k) => k.number)).toEqual(['01', '02', '12']);
  });

  it('reveals hints in order and ignores headings inside code blocks', () => {
    const root = tree({ 'katas/etcd/01-kv.md': good });
    expect(hints(loadKatas(root)[0]!, root).map((h) => h.title)).toEqual(['1. Gentle', '2. Explicit']);
  });

  it('names the file and the field when front matter lacks one', () => {
    const root = tree({ 'katas/etcd/01-kv.md': good.replace('points: 10\n', '') });
    expect(() => loadKatas(root)).toThrow('katas/etcd/01-kv.md: front matter needs "points": a whole number of points > 0.');
  });

  it('names the file when front matter is not YAML', () => {
    const root = tree({ 'katas/etcd/01-kv.md': good.replace('concepts: [keys]', 'concepts: [keys') });
    expect(() => loadKatas(root)).toThrow(/katas\/etcd\/01-kv\.md: its front matter is not valid YAML/);
  });

  it('refuses two katas with one number', () => {
    const root = tree({ 'katas/etcd/01-kv.md': good, 'katas/scheduler/01-fit.md': good });
    expect(() => loadKatas(root)).toThrow(/kata number 01 is also used by/);
  });

  it('answers an unknown kata with the katas that exist', () => {
    const katas = loadKatas(tree({ 'katas/etcd/01-kv.md': good }));
    expect(findKata(katas, '1').slug).toBe('kv');
    expect(findKata(katas, 'etcd/kv').number).toBe('01');
    expect(() => findKata(katas, '99')).toThrow('There is no kata "99". The katas are: 01 (etcd/kv).');
  });
});

describe('the map of the workbook (katas/README.md)', () => {
  it('lists every part in order with its katas, links, points and time, and the totals', async () => {
    const { renderMap } = await import('../lib/map.ts');
    const second = good.replace('title: Key-value basics', 'title: Revisions').replace('points: 10', 'points: 15');
    const root = tree({
      'katas/etcd/README.md': '---\npart: 1\ntitle: etcd\n---\n# etcd\n',
      'katas/etcd/01-kv.md': good,
      'katas/etcd/02-mvcc.md': second,
      'katas/etcd/index.ts': '',
      'katas/apiserver/README.md': '---\npart: II\ntitle: kube-apiserver\n---\n# apiserver\n',
      'katas/apiserver/07-objects.md': good.replace('title: Key-value basics', 'title: Objects'),
      'katas/apiserver/index.ts': '',
    });
    const map = renderMap(loadKatas(root), root);
    expect(map.indexOf('## Part I · [etcd](etcd/README.md)')).toBeGreaterThan(0);
    expect(map.indexOf('## Part I ·')).toBeLessThan(map.indexOf('## Part II · [kube-apiserver](apiserver/README.md)'));
    expect(map).toContain('| 02 | [Revisions](etcd/02-mvcc.md) | 15 | 45 min | keys | `store.ts` |');
    expect(map).toContain('| | **2 katas** | **25** | **1 h 30 min** | | |');
    expect(map).toContain('In all: 3 katas, 35 points, about 2 h 15 min of work.');
  });
});
