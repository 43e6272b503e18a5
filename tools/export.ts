/**
 * `npm run export -- --student DIR [--borrow etcd,apiserver]` — a runnable student edition:
 * pristine starters, the tests, the kit, the CLI and the grader; no solutions/ (except the
 * components named with --borrow, which the edition borrows from the start, so that a workshop
 * can begin at the scheduler), no workbook self-checks, no benchmarks.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listComponents, ROOT } from './lib/targets.ts';

const USAGE = 'usage: npm run export -- --student DIR [--borrow COMPONENT[,COMPONENT...]]';

/** Files the edition leaves out: the answers and the workbook's checks of itself. */
function leftOut(file: string, borrowed: string[]): boolean {
  if (file.startsWith('solutions/')) return !borrowed.some((b) => file.startsWith(`solutions/${b}/`));
  return ['tools/test/', 'tools/check.ts', 'bench/', '.ci/', 'tsconfig.solutions.json'].some((p) => file === p || file.startsWith(p));
}

function trackedFiles(): { files: string[]; fromGit: boolean } {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
    return { files: out.split('\0').filter(Boolean), fromGit: true };
  } catch {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (['node_modules', '.git', '.kubekata', 'out', 'site'].includes(e.name)) continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else files.push(relative(ROOT, p));
      }
    };
    walk(ROOT);
    return { files, fromGit: false };
  }
}

/** The committed text of a file (pristine starters even if katas/ was edited here), else the working copy. */
function committed(file: string, fromGit: boolean): Buffer {
  if (fromGit && file.startsWith('katas/')) {
    try {
      return execFileSync('git', ['show', `HEAD:${file}`], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    } catch {
      /* not committed yet: the working copy */
    }
  }
  return readFileSync(join(ROOT, file));
}

function main(): number {
  const { values } = parseArgs({ options: { student: { type: 'string' }, borrow: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) return console.log(USAGE), 0;
  if (!values.student) return console.error(`--student DIR is required: the folder to write the student edition to.\n${USAGE}`), 2;
  const dest = resolve(values.student);
  if (dest === ROOT || dest.startsWith(`${ROOT}/`)) return console.error(`The student edition must go outside the workbook (${ROOT}).`), 2;
  if (existsSync(dest) && readdirSync(dest).length > 0) return console.error(`${dest} exists and is not empty: choose a new folder, so that nothing in it is overwritten.`), 2;
  const components = listComponents();
  const borrowed = (values.borrow ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of borrowed) {
    if (!components.includes(b)) return console.error(`--borrow ${b}: not a component. Components: ${components.join(', ')}.`), 2;
  }
  const { files, fromGit } = trackedFiles();
  let count = 0;
  for (const file of files) {
    if (leftOut(file, borrowed) || !existsSync(join(ROOT, file))) continue;
    const target = join(dest, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, committed(file, fromGit));
    count++;
  }
  // The edition checks the learner's work, not itself.
  const pkgPath = join(dest, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { scripts: Record<string, string> };
  pkg.scripts.test = 'tsx tools/kata.ts verify';
  pkg.scripts.typecheck = 'tsc --noEmit -p tsconfig.json';
  delete pkg.scripts.bench;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  if (borrowed.length > 0) {
    mkdirSync(join(dest, '.kubekata'), { recursive: true });
    writeFileSync(join(dest, '.kubekata', 'state.json'), `${JSON.stringify({ version: 1, borrowed, hints: {}, passed: {} }, null, 2)}\n`);
  }
  console.log(`Wrote the student edition to ${dest} (${count} files, no solutions${borrowed.length ? ` except the borrowed ${borrowed.join(', ')}` : ''}).`);
  console.log(`Students run: cd ${relative(process.cwd(), dest) || '.'} && npm install && npm start`);
  return 0;
}

process.exit(main());
