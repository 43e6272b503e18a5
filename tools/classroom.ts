/**
 * The student edition grading itself where classes already are: GitHub Classroom and GitLab CI.
 *
 *   npx tsx tools/classroom.ts outputs [--results out/grade/results.json]   one step output per kata, for $GITHUB_OUTPUT
 *   npx tsx tools/classroom.ts simulate [--workflow .github/workflows/classroom.yml] [--skip-install]
 *                                      run the workflow's steps here and print the points Classroom would record
 *
 * GitHub Classroom's autograding reporter (classroom-resources/autograding-grading-reporter@v1)
 * reads, for each id in its `runners` input, the environment variable `<ID>_RESULTS`: base64 of
 * `{ "version": 1, "status", "max_score", "tests": [{ "name", "status", "score", ... }] }`, and adds
 * up each runner's test scores against its max_score. Here every kata is one runner (`kata01`, ...)
 * with its points, filled from one grading step: a kata worth 15 points with half its tests passing
 * records 7.5 — partial credit, which the command grader (all or nothing) could not give. A borrowed
 * kata reports 0 of 0 points (the reporter leaves it out of the total) and does not fail the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { Kata } from './lib/katas.ts';
import type { GradeResults } from './lib/grading.ts';

/** The Node.js and kubectl versions the edition's CI uses (kata 10 drives the real kubectl v1.32). */
export const NODE_VERSION = '20';
export const KUBECTL_VERSION = 'v1.32.0';

/** The runner id of a kata in the workflow: `kata01`. */
export const runnerId = (kata: string): string => `kata${kata}`;

/** One kata's result in the reporter's format. */
export interface RunnerResult {
  version: 1;
  status: 'pass' | 'fail' | 'error';
  max_score: number;
  tests: { name: string; status: 'pass' | 'fail' | 'error'; score: number; message: string; line_no: number; execution_time: string }[];
}

/** Each kata's reporter result from a results.json: its points as one test with partial credit. */
export function runnerResults(results: GradeResults): Record<string, RunnerResult> {
  const out: Record<string, RunnerResult> = {};
  for (const k of results.katas) {
    // A borrowed kata is not the student's to pass: worth nothing, and no failure either.
    const status = k.state === 'done' || k.state === 'borrowed' ? 'pass' : k.state === 'tampered' ? 'error' : 'fail';
    const words = k.state === 'borrowed' ? 'borrowed: the reference stood in (not graded)' : k.state === 'not-started' ? 'not started' : `${k.passed}/${k.total} tests pass`;
    out[runnerId(k.kata)] = {
      version: 1,
      status,
      max_score: k.state === 'borrowed' ? 0 : k.max_score,
      tests: [{ name: `kata ${k.kata} · ${k.title}`, status, score: k.score, message: `${words}; ${k.score}/${k.max_score} points (out/grade/report.md has the details)`, line_no: 0, execution_time: '0s' }],
    };
  }
  return out;
}

/** `kata01=<base64>` lines for $GITHUB_OUTPUT. */
export function githubOutputs(results: GradeResults): string {
  return Object.entries(runnerResults(results))
    .map(([id, r]) => `${id}=${Buffer.from(JSON.stringify(r)).toString('base64')}`)
    .join('\n');
}

/** `.github/workflows/classroom.yml` for the edition's katas. */
export function classroomWorkflow(katas: Kata[]): string {
  const ids = katas.map((k) => runnerId(k.number));
  return `# GitHub Classroom autograding for kubekata (written by npm run export -- --student).
# Every push: the grader runs the workbook's tests on katas/ (with the borrows in katas/progress.json),
# each kata reports its points to Classroom (partial credit), and the job summary shows report.md.
name: Autograding Tests
on:
  - push
  - workflow_dispatch
  - repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 30
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Node.js
        uses: actions/setup-node@v4
        with:
          node-version: '${NODE_VERSION}'
          cache: npm
      - name: Set up kubectl (kata 10 drives the real one)
        uses: azure/setup-kubectl@v4
        with:
          version: '${KUBECTL_VERSION}'
      - name: Install
        run: npm ci --no-audit --no-fund
      - name: Grade
        id: grade
        run: |
          npm run grade -- --out out/grade --quiet
          npx tsx tools/classroom.ts outputs --results out/grade/results.json >> "$GITHUB_OUTPUT"
      - name: Report
        if: always()
        run: cat out/grade/report.md >> "$GITHUB_STEP_SUMMARY"
      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grade
          path: out/grade
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
${ids.map((id) => `          ${id.toUpperCase()}_RESULTS: "\${{ steps.grade.outputs.${id} }}"`).join('\n')}
        with:
          runners: ${ids.join(',')}
`;
}

/** `.gitlab-ci.yml`: the grader on every push, junit.xml as the pipeline's test report. */
export function gitlabCi(): string {
  return `# GitLab CI for kubekata (written by npm run export -- --student): the grader on every push;
# junit.xml shows as the pipeline's test report (one suite per kata), report.md and results.json are kept.
grade:
  image: node:${NODE_VERSION}
  timeout: 30 minutes
  before_script:
    - curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64/kubectl" && chmod +x /usr/local/bin/kubectl
    - npm ci --no-audit --no-fund
  script:
    - npm run grade -- --out out/grade
  artifacts:
    when: always
    paths:
      - out/grade/
    reports:
      junit: out/grade/junit.xml
`;
}

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}

/** What the simulated workflow gave: each runner's points, and the total Classroom would record. */
export interface Simulation {
  runners: Record<string, { score: number; max_score: number }>;
  points: number;
  max_points: number;
  summary: string;
}

/**
 * Runs the workflow's steps in `dir` as Actions would (bash, $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY),
 * skipping the setup actions, and plays the reporter: decodes `<ID>_RESULTS` for each runner and
 * adds up the points. `skipInstall` leaves out `npm ci` (for an edition whose node_modules is linked).
 */
export function simulate(dir: string, workflowFile = join(dir, '.github', 'workflows', 'classroom.yml'), skipInstall = false): Simulation {
  const workflow = parseYaml(readFileSync(workflowFile, 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
  const job = Object.values(workflow.jobs)[0];
  if (!job) throw new Error(`${workflowFile} has no job.`);
  const scratch = mkdtempSync(join(tmpdir(), 'kubekata-actions-'));
  const outputsFile = join(scratch, 'outputs');
  const summaryFile = join(scratch, 'summary');
  writeFileSync(outputsFile, '');
  writeFileSync(summaryFile, '');
  const outputs: Record<string, Record<string, string>> = {};
  try {
    for (const step of job.steps) {
      if (step.run) {
        if (skipInstall && /^\s*npm (ci|install)\b/.test(step.run)) continue;
        writeFileSync(outputsFile, '');
        const result = spawnSync('bash', ['-eo', 'pipefail', '-c', step.run], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, CI: 'true', GITHUB_OUTPUT: outputsFile, GITHUB_STEP_SUMMARY: summaryFile, KATA_TARGET: '' },
          timeout: 1_800_000,
        });
        if (result.status !== 0) throw new Error(`step "${step.name ?? step.run}" failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
        if (step.id) {
          outputs[step.id] = {};
          for (const line of readFileSync(outputsFile, 'utf8').split('\n')) {
            const eq = line.indexOf('=');
            if (eq > 0) outputs[step.id]![line.slice(0, eq)] = line.slice(eq + 1);
          }
        }
      } else if (step.uses?.startsWith('classroom-resources/autograding-grading-reporter@')) {
        const runners = String(step.with?.runners ?? '').split(/[\s,]/).filter(Boolean);
        const result: Simulation = { runners: {}, points: 0, max_points: 0, summary: readFileSync(summaryFile, 'utf8') };
        for (const runner of runners) {
          const expression = step.env?.[`${runner.toUpperCase()}_RESULTS`];
          const match = /\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}/.exec(expression ?? '');
          if (!match) throw new Error(`the reporter has no ${runner.toUpperCase()}_RESULTS from a step's output`);
          const encoded = outputs[match[1]!]?.[match[2]!];
          if (!encoded) throw new Error(`step ${match[1]} gave no output ${match[2]}`);
          const decoded = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as RunnerResult;
          const score = decoded.tests.reduce((n, t) => n + t.score, 0);
          result.runners[runner] = { score, max_score: decoded.max_score };
          result.points += score;
          result.max_points += decoded.max_score;
        }
        result.points = Math.round(result.points * 100) / 100;
        return result;
      }
    }
    throw new Error(`${workflowFile} has no autograding reporter step.`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { results: { type: 'string' }, workflow: { type: 'string' }, 'skip-install': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log('usage: npx tsx tools/classroom.ts outputs [--results FILE] | simulate [--workflow FILE] [--skip-install]');
    return values.help ? 0 : 2;
  }
  if (command === 'outputs') {
    const file = resolve(values.results ?? join('out', 'grade', 'results.json'));
    if (!existsSync(file)) return console.error(`There is no ${file}: run npm run grade -- --out out/grade first.`), 2;
    console.log(githubOutputs(JSON.parse(readFileSync(file, 'utf8')) as GradeResults));
    return 0;
  }
  if (command === 'simulate') {
    const result = simulate(process.cwd(), values.workflow ? resolve(values.workflow) : undefined, values['skip-install']);
    for (const [runner, r] of Object.entries(result.runners)) console.log(`${runner}: ${r.score}/${r.max_score}`);
    console.log(`Points ${result.points}/${result.max_points}`);
    return 0;
  }
  console.error(`"${command}" is not a command: outputs or simulate.`);
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  try {
    process.exit(main());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
}
