/**
 * A throw-away copy of the workbook (node_modules linked, not copied) for tests of the CLI, the
 * grader and the export, so that they can write state, edit katas and tamper with tests without
 * touching the real workbook.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadKatas } from '../lib/katas.ts';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { members } from '../lib/members.ts';
import { ROOT } from '../lib/targets.ts';

const PARTS = ['package.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.solutions.json', 'vitest.config.ts', 'kit', 'katas', 'solutions', 'test', 'tools', 'bench'];

/**
 * Copies the workbook into a fresh temporary folder and returns its path.
 *
 * @param options.katas - keep only these katas (their instructions and tests; every component's
 *   code stays, since later components import earlier ones). The CLI and the grader work the same
 *   on one kata as on thirty, and a test that grades the whole workbook gets slower with every kata.
 */
export function workbookCopy(options: { katas?: readonly string[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubekata-copy-'));
  for (const part of PARTS) {
    // Neither the author's progress (.kubekata/) nor their borrows and hints (katas/progress.json) come along.
    cpSync(join(ROOT, part), join(dir, part), { recursive: true, filter: (src) => !src.includes('/.kubekata') && !src.endsWith('/katas/progress.json') });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  if (options.katas) {
    for (const kata of loadKatas(dir).filter((k) => !options.katas!.includes(k.number))) {
      rmSync(join(dir, kata.instructions));
      rmSync(join(dir, kata.test));
    }
  }
  return dir;
}

/** Runs one of the workbook's tools (tools/kata.ts, tools/grade.ts, ...) in `cwd`, without a terminal. */
export function runTool(cwd: string, tool: string, args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(cwd, 'tools', tool), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', NO_COLOR: '1', KATA_TARGET: '', ...env },
    input: '',
    timeout: 600_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Puts `code` at the start of the body of a function or method (by its key, e.g. "MemoryStore.range") in a source file. */
export function prependToBody(file: string, key: string, code: string): void {
  const source = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  let found: ts.Block | undefined;
  const visit = (node: ts.Node, owner?: string): void => {
    if ((ts.isMethodDeclaration(node) || ts.isFunctionDeclaration(node)) && node.body && node.name) {
      const name = owner ? `${owner}.${node.name.getText(sf)}` : node.name.getText(sf);
      if (name === key) found = node.body;
    }
    ts.forEachChild(node, (child) => visit(child, ts.isClassDeclaration(node) ? node.name?.text : owner));
  };
  visit(sf);
  if (!found) throw new Error(`no function or method ${key} in ${file}`);
  const open = found.getStart(sf) + 1; // just after the "{"
  writeFileSync(file, `${source.slice(0, open)}\n${code}${source.slice(open)}`);
}

/** `text` with the member `key` replaced by the same member of `from` (e.g. a solution with one method undone). */
export function swapMember(text: string, from: string, key: string): string {
  const want = members(from).find((m) => m.key === key);
  const have = members(text).find((m) => m.key === key);
  if (!want || !have) throw new Error(`no member ${key} to swap`);
  return text.slice(0, have.start) + want.text + text.slice(have.end);
}
