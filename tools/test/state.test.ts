/**
 * Where the learner's progress lives: borrowed components and hints in the committed
 * `katas/progress.json` (so that a push, a clone and a submission carry them), katas passed in the
 * git-ignored `.kubekata/state.json`; an older state.json is migrated once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readState, writeState } from '../lib/state.ts';
import { resolveTargets } from '../lib/targets.ts';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function workbook(): string {
  const root = mkdtempSync(join(tmpdir(), 'kubekata-state-'));
  made.push(root);
  for (const base of ['katas', 'solutions']) {
    mkdirSync(join(root, base, 'etcd'), { recursive: true });
    writeFileSync(join(root, base, 'etcd', 'index.ts'), 'export {};\n');
  }
  return root;
}

const json = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

describe('the learner\'s progress', () => {
  it('creates no katas/progress.json until something is borrowed or a hint revealed', () => {
    const root = workbook();
    const state = readState(root);
    state.passed['01'] = { at: '2026-01-01T00:00:00.000Z' };
    writeState(state, root);
    expect(existsSync(join(root, 'katas', 'progress.json'))).toBe(false);
    expect(json(join(root, '.kubekata', 'state.json'))).toEqual({ version: 1, passed: { '01': { at: '2026-01-01T00:00:00.000Z' } } });
  });

  it('keeps borrowed components and hints in katas/progress.json, and reads them back', () => {
    const root = workbook();
    writeState({ version: 1, borrowed: ['etcd'], hints: { '03': 2 }, passed: {} }, root);
    expect(json(join(root, 'katas', 'progress.json'))).toEqual({ borrowed: ['etcd'], hints: { '03': 2 } });
    expect(readState(root)).toMatchObject({ borrowed: ['etcd'], hints: { '03': 2 } });
    expect(resolveTargets({}, root).components.etcd).toBe(join(root, 'solutions', 'etcd', 'index.ts'));
  });

  it('moves borrowed components and hints out of an older state.json once, and says so', () => {
    const root = workbook();
    mkdirSync(join(root, '.kubekata'));
    writeFileSync(join(root, '.kubekata', 'state.json'), JSON.stringify({ version: 1, borrowed: ['etcd'], hints: { '01': 1 }, passed: { '01': { at: 'x' } } }));
    const warnings: string[] = [];
    expect(readState(root, (w) => warnings.push(w))).toEqual({ version: 1, borrowed: ['etcd'], hints: { '01': 1 }, passed: { '01': { at: 'x' } } });
    expect(warnings.join('\n')).toContain('moved from .kubekata/state.json to katas/progress.json');
    expect(json(join(root, 'katas', 'progress.json'))).toEqual({ borrowed: ['etcd'], hints: { '01': 1 } });
    expect(json(join(root, '.kubekata', 'state.json'))).toEqual({ version: 1, passed: { '01': { at: 'x' } } });
    const again: string[] = [];
    readState(root, (w) => again.push(w));
    expect(again).toEqual([]);
  });

  it('reads a malformed progress.json as nothing borrowed, keeping only well-formed hint counts', () => {
    const root = workbook();
    writeFileSync(join(root, 'katas', 'progress.json'), JSON.stringify({ borrowed: ['etcd', 7], hints: { '01': 2, '2': 1, '03': -1, '04': 'x' } }));
    expect(readState(root)).toMatchObject({ borrowed: ['etcd'], hints: { '01': 2 } });
    writeFileSync(join(root, 'katas', 'progress.json'), '{ not json');
    expect(readState(root)).toMatchObject({ borrowed: [], hints: {} });
  });

  it('reads a submission\'s borrowed components from its own katas folder', () => {
    const root = workbook();
    const submission = join(root, 'class', 'ada', 'katas');
    mkdirSync(submission, { recursive: true });
    writeFileSync(join(submission, 'progress.json'), JSON.stringify({ borrowed: ['etcd'], hints: {} }));
    const t = resolveTargets({ KATA_KATAS_DIR: submission }, root);
    expect(t.borrowed).toEqual(['etcd']);
    expect(t.components.etcd).toBe(join(root, 'solutions', 'etcd', 'index.ts'));
  });
});
