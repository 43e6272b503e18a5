/**
 * `npm run export -- --student DIR [--borrow etcd,apiserver]` — a runnable student edition:
 * pristine starters, the tests, the kit, the CLI and the grader; no solutions/ (except the
 * components named with --borrow and what they are built on, which the edition borrows from the
 * start in its committed `katas/progress.json`, so that a workshop can begin at the scheduler and a
 * student's clone still borrows them), no workbook self-checks, no benchmarks of the tools (the
 * components' stay, run on the learner's code), no instructor's or author's guides. It is the
 * students' own: a README written for them, and the files that make it grade itself where
 * classes are — `.github/workflows/classroom.yml` (GitHub Classroom, points per
 * kata) and `.gitlab-ci.yml` (junit.xml as the test report).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { listComponents, PROGRESS_FILE, ROOT, withDependencies } from './lib/targets.ts';
import { loadKatas, type Kata } from './lib/katas.ts';
import { classroomWorkflow, gitlabCi } from './classroom.ts';

const USAGE = 'usage: npm run export -- --student DIR [--borrow COMPONENT[,COMPONENT...]]';

/** Files the edition leaves out: the answers and the workbook's checks of itself. */
function leftOut(file: string, borrowed: string[]): boolean {
  if (file.startsWith('solutions/')) return !borrowed.some((b) => file.startsWith(`solutions/${b}/`));
  return [
    'tools/test/',
    'tools/check.ts',
    'tools/conformance/',
    // the grader's and the loop's benchmarks time the workbook's tools; the components' stay,
    // so that a learner can measure their own etcd or scheduler as the katas' mds suggest
    'bench/grade.ts',
    'bench/loop.ts',
    '.ci/',
    'tsconfig.solutions.json',
    // for the instructor and the author, not the students (the edition has its own README)
    'README.md',
    'docs/grader.md',
    'docs/instructor.md',
    'docs/authoring.md',
    'docs/benchmarks.md',
    'docs/conformance.md',
    // the authors' own: the docs site's making of, and mutation testing (it names solutions/ code)
    'docs/site.md',
    'docs/mutation.md',
    'stryker.config.json',
    'tools/mutation.ts',
    'tools/mutation.vitest.config.ts',
    'tools/lib/mutation.ts',
    `katas/${PROGRESS_FILE}`,
  ].some((p) => file === p || file.startsWith(p));
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
  const named = (values.borrow ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of named) {
    if (!components.includes(b)) return console.error(`--borrow ${b}: not a component. Components: ${components.join(', ')}.`), 2;
  }
  // The reference of a component runs on the references of what it is built on.
  const borrowed = withDependencies(named);
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
  // On the learner's own code (the workbook's default target for benchmarks is the solutions).
  pkg.scripts.bench = 'tsx --import ./tools/register.ts bench/run.ts';
  delete pkg.scripts['conformance:etcd'];
  delete pkg.scripts.mutation;
  writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
  // Borrowing is committed with the students' code: a clone of the edition borrows the same.
  if (borrowed.length > 0) writeFileSync(join(dest, 'katas', PROGRESS_FILE), `${JSON.stringify({ borrowed, hints: {} }, null, 2)}\n`);
  const katas = loadKatas(dest);
  writeFileSync(join(dest, 'README.md'), studentReadme(katas, borrowed));
  mkdirSync(join(dest, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(dest, '.github', 'workflows', 'classroom.yml'), classroomWorkflow(katas));
  writeFileSync(join(dest, '.gitlab-ci.yml'), gitlabCi());
  // What stays on each student's machine; katas/progress.json (borrows, hints) is committed.
  writeFileSync(join(dest, '.gitignore'), 'node_modules/\n.kubekata/\n/out/\n/site/\n*.log\n');
  console.log(`Wrote the student edition to ${dest} (${count + 4} files, no solutions${borrowed.length ? ` except the borrowed ${borrowed.join(', ')}` : ''}).`);
  console.log(`It grades itself on every push: .github/workflows/classroom.yml (GitHub Classroom) and .gitlab-ci.yml. See docs/instructor.md.`);
  console.log(`Students run: cd ${relative(process.cwd(), dest) || '.'} && npm install && npm start`);
  return 0;
}

/** The edition's README: for the students, about their work, in the parts this edition has. */
export function studentReadme(katas: Kata[], borrowed: string[]): string {
  const mine = katas.filter((k) => !borrowed.includes(k.component));
  const parts = [...new Set(mine.map((k) => k.component))];
  const points = mine.reduce((n, k) => n + k.points, 0);
  const lines = [
    '# kubekata',
    '',
    'Build a small but real Kubernetes in TypeScript, one tested kata at a time. Each kata is a file of',
    'instructions next to the code you write; its tests tell you, in words, what is still missing.',
    '',
    '## Start',
    '',
    '```sh',
    'npm install && npm start',
    '```',
    '',
    '`npm start` shows your progress, the current kata, its instructions and the files to edit, and re-runs',
    'its tests every time you save. Keys: `h` next hint, `l` list, `n`/`p` next/previous kata, `q` quit.',
    'Requires Node.js 20.19 or newer; kata 10 runs the real `kubectl` (v1.32) where it is installed.',
    '',
    '## The katas',
    '',
    '| kata | part | title | points |',
    '| --- | --- | --- | --- |',
    ...katas.map((k) => `| ${k.number} | ${k.component} | ${k.title} | ${borrowed.includes(k.component) ? 'borrowed' : k.points} |`),
    '',
    `${mine.length} katas for you, ${points} points${parts.length ? ` (parts: ${parts.join(', ')})` : ''}.`,
  ];
  if (borrowed.length) {
    lines.push(
      '',
      `**Borrowed**: ${borrowed.join(', ')}. Your course starts after ${borrowed.length === 1 ? 'it' : 'them'}: the reference solution`,
      'stands in, recorded in `katas/progress.json` (keep that file committed). Their katas are not graded.',
    );
  }
  lines.push(
    '',
    '## Commands',
    '',
    '| command | what it does |',
    '| --- | --- |',
    '| `npm start` | the loop: progress, the current kata, its tests on every save |',
    '| `npm run kata -- list` | every kata and its status |',
    '| `npm run kata -- run 03` | one kata\'s tests; a failed property prints the line to replay it |',
    '| `npm run kata -- hint 03` | the next hint, gentle first (the number you used is recorded in katas/progress.json) |',
    '| `npm run kata -- reset 03` | restore exactly kata 03\'s starter code (asks first) |',
    '| `npm test` | every kata so far (the same as `npm run kata -- verify`) |',
    '| `npm run grade` | your score, as your course grades it: out/grade/report.md |',
    '| `npm run docs -- --serve` | the katas as a website with your progress, on http://127.0.0.1:4173/ |',
    '| `npm run bench -- etcd` | benchmarks of your own components (etcd, apiserver, scheduler, controllers, proxy, kubelet, cluster) |',
    '',
    '## How you are graded',
    '',
    'Every push runs the grader (`.github/workflows/classroom.yml` on GitHub, `.gitlab-ci.yml` on GitLab): the',
    'same tests you run, on your `katas/` folder. Each kata\'s points are shared among its tests, so a kata',
    'half done earns half its points; the job summary shows the report. Property tests use the same seed as',
    '`npm start`, so what passes here passes there — your instructor may also grade with more seeds, so code',
    'that passes by luck of one seed can lose points. Grading runs the workbook\'s own copy of the tests: edit',
    'them if you like, but an edited test file is flagged, and kata code that changes the test machinery',
    '(vitest, chai, fast-check, built-ins, the process) scores 0 for that kata.',
    '',
  );
  return lines.join('\n');
}

process.exit(main());
