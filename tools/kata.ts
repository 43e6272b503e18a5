/**
 * The learner's CLI: `npm start` (the watch loop) and `npm run kata -- <command>`.
 *
 *   list                 every kata with its status
 *   run NN               run one kata's tests (--seed N --path P --test NAME replay a property)
 *   hint NN              reveal the next hint of a kata
 *   reset NN             restore exactly that kata's starter code (asks first; --yes to skip)
 *   borrow C / unborrow C   use (or stop using) the reference solution of a component
 *   verify               run every kata so far
 *   solution NN          show the reference solution of a kata you have passed
 *   watch                the loop: progress, the current kata's tests on every save, keys
 *   explain [POD]        why the scheduler put a pod where it did (tools/lib/explain-view.ts)
 */
import { parseArgs } from 'node:util';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, watch as watchFiles, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { findKata, hints, loadKatas, type Kata } from './lib/katas.ts';
// tools/lib/members.ts loads the TypeScript compiler (~1 s under tsx): only reset and solution
// need it, so they import it when they run, and list and the loop start without it.
type Members = typeof import('./lib/members.ts');
const membersLib = (): Promise<Members> => import('./lib/members.ts');
import { bar, byKata, c, explainFailure, waitingAdvice, waitingOn, type KataResult } from './lib/report.ts';
import type { RunOptions } from './lib/runner.ts';
import { CachedRuns } from './lib/cached-runs.ts';
import { WarmHost } from './lib/warm-host.ts';
import { pristineText, readState, snapshotPristine, writeState, type State } from './lib/state.ts';
import { componentDependencies, listComponents, ROOT, withDependencies } from './lib/targets.ts';
import { DEFAULT_SEED } from './lib/seed.ts';
import { MAP_FILE, renderMap } from './lib/map.ts';
import { explainCommand } from './lib/explain-view.ts';


const USAGE = `usage: npm run kata -- <command>
  list                  every kata with its status
  run NN                run one kata's tests   [--seed N] [--path P] [--replay-path R] [--test NAME]
  hint NN               reveal the next hint of kata NN
  reset NN              restore exactly kata NN's starter code   [--yes]
  borrow C              use the reference solution of component C
  unborrow C            go back to your own code for component C
  verify                run every kata
  solution NN           show the reference solution of kata NN (once it passes)
  watch                 the learner's loop (what npm start runs)
  explain [POD]         why the scheduler put POD (name or namespace/name) where it did   [--dir D | --url LIVE-VIEW] [--json]`;

const out = (text = ''): void => void process.stdout.write(`${text}\n`);

/**
 * {@link USAGE} for this copy: a student edition carries no solutions/ (or only its borrowed
 * components'), so it does not offer what it cannot do.
 */
function usage(): string {
  const references = listComponents().filter((component) => existsSync(join(ROOT, 'solutions', component, 'index.ts')));
  if (references.length === listComponents().length) return USAGE;
  const lines = USAGE.split('\n').filter((line) => !/^ {2}(borrow|solution) /.test(line) || references.length > 0);
  return lines.map((line) => (/^ {2}borrow /.test(line) ? `${line} (this edition has: ${references.join(', ')})` : line)).join('\n');
}

/** The commands of {@link USAGE}, for {@link didYouMean}. */
const COMMANDS = [...USAGE.matchAll(/^ {2}(\w+)/gm)].map((m) => m[1]!);

/** ` Did you mean "hint"?` for a command one or two keystrokes away from one of {@link COMMANDS}, else ''. */
function didYouMean(typed: string): string {
  const near = COMMANDS.filter((command) => editDistance(typed.toLowerCase(), command) <= 2).sort((a, b) => editDistance(typed, a) - editDistance(typed, b));
  return near.length > 0 ? ` Did you mean "${near[0]}"?` : '';
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      seed: { type: 'string' },
      path: { type: 'string' },
      'replay-path': { type: 'string' },
      test: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      json: { type: 'boolean' },
      dir: { type: 'string' },
      url: { type: 'string' },
    },
  });
  const [command = 'watch', arg] = positionals;
  if (values.help || command === 'help') return out(usage()), 0;
  if (command === 'snapshot') {
    const copied = snapshotPristine();
    if (!values.quiet) out(`kept a pristine copy of ${copied.length} starter file(s) in .kubekata/pristine/`);
    return 0;
  }
  if (command === 'checksums') return writeChecksums();
  if (command === 'map') return writeMap();
  if (command === 'explain') return explainCommand(arg, { ...(values.dir !== undefined && { dir: values.dir }), ...(values.url !== undefined && { url: values.url }), json: Boolean(values.json) }, out);
  const katas = loadKatas();
  const state = readState(ROOT, (w) => out(c.yellow(w)));
  snapshotPristine();
  const seed = values.seed !== undefined ? parseSeed(values.seed) : DEFAULT_SEED;
  const needKata = (): Kata => {
    if (!arg) throw new UsageError(`"${command}" needs a kata number, e.g. npm run kata -- ${command} 01.\n${katalogue(katas)}`);
    return findKata(katas, arg);
  };
  switch (command) {
    case 'list':
      return list(katas, state, seed);
    case 'verify':
      return verify(katas, state, seed);
    case 'run': {
      const kata = needKata();
      if (values['replay-path'] !== undefined && (!values.test || values.path === undefined)) {
        throw new UsageError('--replay-path replays one model-based property: give it with the --seed, --path and --test of the replay line that printed it.');
      }
      const options: Partial<RunOptions> = {
        // one named property: replay exactly its counterexample (with the commands' replay path)
        ...(values.path !== undefined && values.test
          ? { replays: { [values.test]: { seed, path: values.path, ...(values['replay-path'] !== undefined ? { replayPath: values['replay-path'] } : {}) } } }
          : values.path !== undefined
            ? { path: values.path }
            : {}),
        // vitest matches the describe blocks and the name joined by spaces.
        ...(values.test ? { testNamePattern: `^${values.test.split(" > ").map(escapeRegex).join(" ")}( \\(with seed=-?\\d+\\))?$` } : {}),
      };
      const [all] = await runKatas([kata], state, seed, options);
      const result = values.test ? onlyRan(all!) : all;
      printKata(result!, katas, Infinity);
      if (!values.test) recordPassed(state, [result!]);
      return result!.done ? 0 : 1;
    }
    case 'hint':
      return hint(needKata(), state);
    case 'reset':
      return reset(needKata(), Boolean(values.yes));
    case 'borrow':
    case 'unborrow':
      return borrow(command, arg, state);
    case 'solution':
      return solution(needKata(), state, seed);
    case 'watch':
      return watchLoop(katas, state, seed);
    default:
      throw new UsageError(`"${command}" is not a command.${didYouMean(command)}\n${usage()}`);
  }
}

/** A kata's result without the tests a name filter skipped. */
function onlyRan(r: KataResult): KataResult {
  const tests = r.tests.filter((t) => t.status !== 'skip');
  if (tests.length === 0) throw new UsageError(`No test of kata ${r.kata.number} is named exactly that. Its tests: ${r.tests.map((t) => `"${t.name}"`).join(', ')}`);
  return { ...r, tests, passed: tests.filter((t) => t.status === 'pass').length, done: tests.every((t) => t.status === 'pass') };
}

function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`--seed takes a whole number, not "${text}".`);
  return Number(text);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function katalogue(katas: Kata[]): string {
  return `The katas: ${katas.map((k) => `${k.number} ${k.component}/${k.slug}`).join(', ')}.`;
}

/** Runs the katas' test files in one child process, as the learner's state resolves them (and keeps the results). */
async function runKatas(katas: Kata[], state: State, seed: number, extra: Partial<RunOptions> = {}): Promise<KataResult[]> {
  return new CachedRuns({ seed, borrowed: state.borrowed }).run(katas, extra);
}

function recordPassed(state: State, results: KataResult[]): void {
  let changed = false;
  for (const r of results) {
    if (r.done && !state.passed[r.kata.number]) {
      state.passed[r.kata.number] = { at: new Date().toISOString() };
      changed = true;
    } else if (!r.done && state.passed[r.kata.number]) {
      delete state.passed[r.kata.number];
      changed = true;
    }
  }
  if (changed) writeState(state);
}

function progressLine(katas: Kata[], results: KataResult[]): string {
  const done = results.filter((r) => r.done).length;
  const parts = listComponents()
    .filter((comp) => katas.some((k) => k.component === comp))
    .map((comp) => {
      const mine = results.filter((r) => r.kata.component === comp);
      if (readState().borrowed.includes(comp)) return `${comp} borrowed`;
      return `${comp} ${mine.filter((r) => r.done).length}/${mine.length}`;
    });
  return `${c.bold('kubekata')}  ${bar(done, katas.length)}  ${done}/${katas.length} katas  ${c.dim(parts.join(' · '))}`;
}

function statusMark(r: KataResult, borrowed: string[]): string {
  if (borrowed.includes(r.kata.component)) return c.cyan('⇄');
  if (r.done) return c.green('✓');
  return r.passed > 0 ? c.yellow('…') : c.dim('·');
}

async function list(katas: Kata[], state: State, seed: number): Promise<number> {
  // Cached where nothing a kata's tests run has changed: only the changed katas run.
  const results = await new CachedRuns({ seed, borrowed: state.borrowed }).results(katas);
  recordPassed(state, results);
  out(progressLine(katas, results));
  out();
  for (const r of results) {
    const k = r.kata;
    // A borrowed kata runs the reference: its count says nothing about the learner's code.
    const tests = state.borrowed.includes(k.component) ? c.cyan('borrowed'.padStart(13)) : `${String(r.passed).padStart(3)}/${r.tests.length} tests`.padEnd(13);
    out(`${statusMark(r, state.borrowed)} ${k.number}  ${k.component.padEnd(11)} ${k.title.padEnd(40)} ${tests}  ${c.dim(`${k.points} pts · ~${k.minutes} min`)}`);
  }
  return 0;
}

async function verify(katas: Kata[], state: State, seed: number): Promise<number> {
  const results = await runKatas(katas, state, seed);
  recordPassed(state, results);
  out(progressLine(katas, results));
  for (const r of results.filter((x) => !x.done)) {
    out();
    printKata(r, katas, 1);
  }
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const total = results.reduce((n, r) => n + r.tests.length, 0);
  out();
  out(`tests: ${passed} passed, ${total - passed} failed`);
  return results.every((r) => r.done) ? 0 : 1;
}

/** Prints a kata's header and its results: passed/total and the first failing tests, explained. */
function printKata(r: KataResult, katas: Kata[], failuresToShow = 1): void {
  const k = r.kata;
  out(`${c.bold(`Kata ${k.number} · ${k.component} · ${k.title}`)}  ${c.dim(`${k.points} points · ~${k.minutes} min`)}`);
  out(`  instructions  ${k.instructions}`);
  out(`  edit          ${k.files.join(', ')}`);
  out(`  tests         ${k.test}`);
  const status = r.done ? c.green(`all ${r.tests.length} tests pass`) : r.tests.length === 0 ? c.red('no test ran: the test file did not load (the error is below)') : `${r.passed}/${r.tests.length} tests pass`;
  out(`  ${status}`);
  for (const p of r.problems) out(`  ${c.red('!')} ${p.split('\n').join('\n    ')}`);
  const failed = r.tests.filter((t) => t.status !== 'pass');
  for (const t of failed.slice(0, failuresToShow)) out(`  ${explainFailure(k, t)}`);
  if (failed.length > failuresToShow) out(c.dim(`  ... and ${failed.length - failuresToShow} more failing (npm run kata -- run ${k.number} shows them all)`));
  for (const advice of waitingAdvice(k, waitingOn(r, katas), existsSync(join(ROOT, 'solutions')))) out(`  ${c.yellow(advice)}`);
  if (r.done) {
    const next = katas[katas.indexOf(k) + 1];
    const borrowedKatas = katas.filter((other) => readState().borrowed.includes(other.component)).length;
    const last = borrowedKatas > 0 ? `That was the last kata. ${borrowedKatas} of the katas before it are borrowed from the reference (npm run kata -- list): unborrow a component to write it yourself.` : 'That was the last kata. Congratulations!';
    out(next ? `  ${c.green('Well done!')} Next: kata ${next.number}, ${next.title} (${next.instructions}).` : `  ${c.green(last)}`);
  }
}

function hint(kata: Kata, state: State): number {
  const all = hints(kata);
  if (all.length === 0) return out(`Kata ${kata.number} has no hints.`), 0;
  const shown = Math.min((state.hints[kata.number] ?? 0) + 1, all.length);
  state.hints[kata.number] = shown;
  writeState(state);
  const h = all[shown - 1]!;
  out(`${c.bold(`Hint ${shown}/${all.length} for kata ${kata.number}: ${h.title}`)}\n\n${h.text}`);
  if (shown < all.length) out(c.dim(`\n(run it again for the next hint)`));
  else out(c.dim(`\n(that is the last hint of kata ${kata.number}; the md's "How the real one does it" points at upstream's code, and the kata's tests say what is checked)`));
  return 0;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function reset(kata: Kata, yes: boolean): Promise<number> {
  const plan: { file: string; text: string; restored: string[] }[] = [];
  for (const file of kata.files) {
    const pristine = pristineText(file);
    if (pristine === undefined) {
      out(c.red(`No pristine copy of ${file} is kept (.kubekata/pristine/), so it cannot be reset. Restore it from the workbook's git history instead: git checkout -- ${file}`));
      return 2;
    }
    const current = existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), 'utf8') : '';
    const { restoreMembers } = await membersLib();
    const { text, restored } = current ? restoreMembers(current, pristine, kata.number) : { text: pristine, restored: ['(the whole file)'] };
    if (text !== current) plan.push({ file, text, restored });
  }
  if (plan.length === 0) return out(`Kata ${kata.number}'s code is already as it came: nothing to reset.`), 0;
  out(`Resetting kata ${kata.number} restores these to the starter, and nothing else:`);
  for (const p of plan) out(`  ${p.file}: ${p.restored.join(', ')}`);
  if (!yes && !(await confirm('Your code in them will be lost. Go ahead?'))) {
    out(process.stdin.isTTY ? 'Nothing was changed.' : 'Nothing was changed (no terminal to confirm: add --yes).');
    return 1;
  }
  for (const p of plan) writeFileSync(join(ROOT, p.file), p.text);
  out(c.green(`Kata ${kata.number} is back to its starter code.`));
  return 0;
}

function borrow(command: 'borrow' | 'unborrow', component: string | undefined, state: State): number {
  const components = listComponents();
  if (!component || !components.includes(component)) {
    throw new UsageError(`${component ? `"${component}" is not a component.` : `${command} needs a component.`} Components: ${components.join(', ')}.`);
  }
  if (command === 'borrow') {
    // The reference of a component runs on the references of what it is built on (the apiserver on etcd).
    const needed = withDependencies([component]).filter((c) => !state.borrowed.includes(c));
    const missing = needed.filter((c) => !existsSync(join(ROOT, 'solutions', c, 'index.ts')));
    if (missing.length > 0) {
      out(c.red(`This edition has no reference solution of ${missing.join(' and ')} to borrow${missing[0] !== component ? ` (the reference ${component} is built on it)` : ''}: the student edition leaves solutions out. Ask your instructor for an edition that includes it.`));
      return 2;
    }
    state.borrowed = [...new Set([...state.borrowed, ...needed, component])].sort();
    const also = needed.filter((c) => c !== component);
    out(`@kube/${component} now resolves to the reference solution: its katas count as done for what builds on them. Your code in katas/${component}/ is kept; unborrow to use it again.`);
    if (also.length > 0) out(`The reference ${component} is built on ${also.join(' and ')}, so ${also.length === 1 ? 'that was' : 'those were'} borrowed too (npm run kata -- unborrow ${also[0]} to run the reference ${component} on your own ${also[0]}).`);
    // Borrowing is for skipping a component, not for working it: its katas now pass on the reference.
    const skipped = loadKatas().filter((k) => k.component === component).map((k) => k.number);
    const which = skipped.length === 1 ? `kata ${skipped[0]} runs` : `katas ${skipped[0]}–${skipped.at(-1)} run`;
    if (skipped.length > 0) out(`While it is borrowed, ${which} on the reference and count${skipped.length === 1 ? 's' : ''} as done (npm start moves past ${skipped.length === 1 ? 'it' : 'them'}): unborrow ${component} to work on ${skipped.length === 1 ? 'it' : 'them'}.`);
    out(c.dim(isIgnoredByGit('katas/progress.json')
      ? 'Recorded in katas/progress.json, which git ignores in this copy of the workbook (a student edition commits it, so that a grade counts the same).'
      : 'Recorded in katas/progress.json: commit it with your code, so that your grade counts the same.'));
  } else {
    state.borrowed = state.borrowed.filter((b) => b !== component);
    out(`@kube/${component} resolves to your code in katas/${component}/ again.`);
    const dependents = Object.entries(componentDependencies()).filter(([name, deps]) => state.borrowed.includes(name) && deps.includes(component)).map(([name]) => name);
    if (dependents.length > 0) out(`The borrowed ${dependents.join(' and ')} now run${dependents.length === 1 ? 's' : ''} on your ${component}.`);
  }
  writeState(state);
  return 0;
}

async function solution(kata: Kata, state: State, seed: number): Promise<number> {
  const [result] = await runKatas([kata], { ...state, borrowed: state.borrowed.filter((b) => b !== kata.component) }, seed);
  if (!result!.done) {
    out(`The solution of kata ${kata.number} opens once your own code passes it (${result!.passed}/${result!.tests.length} tests pass now). Try a hint: npm run kata -- hint ${kata.number}`);
    return 1;
  }
  for (const file of kata.files) {
    const solutionFile = join(ROOT, file.replace(/^katas\//, 'solutions/'));
    const starter = pristineText(file) ?? readFileSync(join(ROOT, file), 'utf8');
    if (!existsSync(solutionFile)) return out(c.red(`This edition has no solutions/ folder.`)), 2;
    const { kataMembers, members } = await membersLib();
    const mine = new Set(kataMembers(starter, kata.number).map((m) => m.key));
    out(c.bold(`── ${file.replace(/^katas\//, 'solutions/')} (kata ${kata.number}'s part) ──`));
    for (const m of members(readFileSync(solutionFile, 'utf8')).filter((x) => mine.has(x.key))) out(`${m.text}\n`);
  }
  return 0;
}

/** The checksums of the test files, so that the grader can show a tampered test. */
function writeChecksums(): number {
  const katas = loadKatas();
  const sums: Record<string, string> = {};
  for (const k of katas) {
    if (existsSync(join(ROOT, k.test))) sums[k.test] = createHash('sha256').update(readFileSync(join(ROOT, k.test))).digest('hex');
  }
  writeFileSync(join(ROOT, 'test', 'checksums.json'), `${JSON.stringify(sums, null, 2)}\n`);
  out(`wrote test/checksums.json (${Object.keys(sums).length} test files)`);
  return 0;
}

/** katas/README.md, the map of the workbook, from the catalogue (an author's command). */
function writeMap(): number {
  writeFileSync(join(ROOT, MAP_FILE), renderMap(loadKatas()));
  out(`wrote ${MAP_FILE}`);
  return 0;
}

/**
 * The learner's loop: progress, the current kata, its tests on every save, and keys.
 *
 * Fast by two means (docs/benchmarks.md, `npm run bench -- loop`): the first screen comes from the
 * results cache (tools/lib/result-cache.ts), so only katas whose files changed run, in the
 * background; and every run goes to one vitest kept warm between saves (tools/lib/warm-host.ts),
 * the current kata first, then the earlier katas of its component as regression checks.
 */
async function watchLoop(katas: Kata[], state: State, seed: number): Promise<number> {
  if (katas.length === 0) return out('The workbook has no katas yet.'), 0;
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && process.env.CI !== 'true';
  if (!interactive) {
    const results = await new CachedRuns({ seed, borrowed: state.borrowed }).results(katas);
    recordPassed(state, results);
    const i = results.findIndex((r) => !r.done && !state.borrowed.includes(r.kata.component));
    out(progressLine(katas, results));
    out();
    printKata(results[i === -1 ? katas.length - 1 : i]!, katas);
    return 0;
  }

  const host = new WarmHost();
  const runs = new CachedRuns({ seed, borrowed: state.borrowed, run: { start: host.start } });
  const known = runs.cached(katas);
  /** The last result of each kata; `stale` says which no longer match their files. */
  let results: KataResult[] = katas.map((kata, i) => known[i] ?? { kata, tests: [], passed: 0, done: false, problems: [] });
  const stale = new Set(katas.filter((_, i) => known[i] === undefined).map((k) => k.number));
  const firstOpen = (): number => {
    const i = results.findIndex((r) => (!r.done || stale.has(r.kata.number)) && !state.borrowed.includes(r.kata.component));
    return i === -1 ? katas.length - 1 : i;
  };
  let index = firstOpen();
  let message = '';
  let activity = '';
  const render = (): void => {
    process.stdout.write('\u001b[2J\u001b[H');
    out(progressLine(katas, results));
    out();
    const current = results[index]!;
    if (stale.has(current.kata.number) && current.tests.length === 0) {
      out(`${c.bold(`Kata ${current.kata.number} · ${current.kata.component} · ${current.kata.title}`)}`);
      out(`  instructions  ${current.kata.instructions}`);
      out(`  edit          ${current.kata.files.join(', ')}`);
      out(c.dim('  running its tests...'));
    } else printKata(current, katas);
    if (message) out(`\n${message}`);
    // For `npm run bench -- loop`: when each screen was drawn, and what it showed.
    if (process.env.KATA_LOOP_TRACE) appendFileSync(process.env.KATA_LOOP_TRACE, `${JSON.stringify({ at: Date.now(), kata: current.kata.number, passed: current.passed, tests: current.tests.length, stale: stale.has(current.kata.number), activity })}\n`);
    out(c.dim(`\n${activity ? `${activity}\n` : ''}[h] hint  [l] list  [n] next  [p] previous  [u] open vitest ui  [q] quit   — watching katas/ for changes`));
  };
  const markIfChanged = (kata: Kata): void => {
    if (runs.cache.get(kata.number, runs.key(kata)) === undefined) stale.add(kata.number);
  };
  const merge = (fresh: KataResult[]): void => {
    results = results.map((r) => fresh.find((f) => f.kata === r.kata) ?? r);
    for (const f of fresh) stale.delete(f.kata.number);
    recordPassed(state, fresh);
  };
  render();

  // One run at a time; a save during a run asks for another once it ends.
  let running = false;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (running) return void (again = true);
    running = true;
    try {
      const kata = katas[index]!;
      // Which of the katas this refresh may run changed since their last results (their keys differ).
      for (const k of katas) if (k.component === kata.component && k.number <= kata.number) markIfChanged(k);
      if (stale.has(kata.number)) {
        activity = `running kata ${kata.number}...`;
        render();
        const wasDone = results[index]!.done;
        merge(await runs.run([kata]));
        // A kata just passed: move on to the next open one (and run it once this refresh ends).
        if (!wasDone && results[index]!.done && index < firstOpen()) {
          index = firstOpen();
          again = true;
        }
      }
      // Then the earlier katas of its component whose files changed: a regression shows at once.
      const earlier = katas.filter((k) => k.component === kata.component && k.number < kata.number && stale.has(k.number));
      if (earlier.length > 0) {
        activity = `checking ${earlier.length} earlier ${kata.component} kata(s) for regressions...`;
        render();
        const fresh = await runs.run(earlier);
        merge(fresh);
        const regressions = fresh.filter((r) => !r.done);
        message = regressions.length ? c.yellow(`Regression: kata ${regressions.map((r) => r.kata.number).join(', ')} no longer pass${regressions.length === 1 ? 'es' : ''}.`) : '';
      }
      activity = '';
      render();
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      await refresh();
    }
  };
  void refresh();

  let timer: NodeJS.Timeout | undefined;
  const onChange = (base: string) => (_event: string, file: string | Buffer | null): void => {
    if (!file || !String(file).endsWith('.ts')) return;
    host.changed(join(base, String(file)));
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 40);
  };
  const watchers = ['katas', 'test', 'kit'].filter((d) => existsSync(join(ROOT, d))).map((d) => watchFiles(join(ROOT, d), { recursive: true }, onChange(join(ROOT, d))));
  let ui: ReturnType<typeof spawn> | undefined;
  process.stdin.setRawMode(true);
  process.stdin.resume();
  return new Promise<number>((resolve) => {
    process.stdin.on('data', (data: Buffer) => {
      const key = data.toString();
      if (key === 'q' || key === '\u0003') {
        for (const w of watchers) w.close();
        host.close();
        ui?.kill();
        process.stdin.setRawMode(false);
        process.stdin.pause();
        return resolve(0);
      }
      const kata = katas[index]!;
      if (key === 'h') {
        const all = hints(kata);
        const shown = Math.min((state.hints[kata.number] ?? 0) + 1, all.length);
        state.hints[kata.number] = shown;
        writeState(state);
        const h = all[shown - 1];
        message = h ? `${c.bold(`Hint ${shown}/${all.length}: ${h.title}`)}\n${h.text}` : 'This kata has no hints.';
        render();
      } else if (key === 'l') {
        for (const k of katas) markIfChanged(k);
        message = results.map((r) => `${statusMark(r, state.borrowed)} ${r.kata.number} ${r.kata.component}/${r.kata.slug} ${state.borrowed.includes(r.kata.component) ? 'borrowed' : `${r.passed}/${r.tests.length}`}${stale.has(r.kata.number) ? c.dim(' (changed since; runs when you open it)') : ''}`).join('\n');
        render();
      } else if (key === 'n' || key === 'p') {
        index = Math.max(0, Math.min(katas.length - 1, index + (key === 'n' ? 1 : -1)));
        message = '';
        render();
        void refresh();
      } else if (key === 'u') {
        ui?.kill();
        ui = spawn(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), '--ui', '--watch', '--open', kata.test], {
          cwd: ROOT,
          env: { ...process.env, KATA_SEED: String(seed), KATA_BORROWED: state.borrowed.join(',') },
          stdio: 'ignore',
        });
        message = `vitest ui started for ${kata.test}: http://localhost:51204/__vitest__/ (it closes when you quit)`;
        render();
      }
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof Error && /^There is no kata|is not a|ERR_PARSE_ARGS/.test(`${error.message}${(error as { code?: string }).code ?? ''}`))) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);

/** Does git ignore this path here? False outside a git work tree (or without git). */
function isIgnoredByGit(path: string): boolean {
  return spawnSync('git', ['check-ignore', '-q', path], { cwd: ROOT }).status === 0;
}
