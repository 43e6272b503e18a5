/**
 * What `npm run mutation` mutates for a kata, and how it reads its results.
 *
 * A kata's learner-written code is the set of members its starter marks `TODO(NN)` (see
 * members.ts), taken from the reference solution, plus the solution's own helpers that those
 * members use: a helper the starter does not have (a regular expression, a private method) is
 * code the learner writes too, and it belongs to the earliest kata whose members refer to it.
 *
 * Example: katas/etcd/store.ts marks `MemoryStore.range` with `TODO(01)`; the solution's
 * `MemoryStore.range` calls `this.span(...)`, which the starter does not have. Kata 01's targets
 * are both, as line ranges of solutions/etcd/store.ts.
 *
 * A later kata may ask its learner to add lines to an earlier kata's member. The solution says so
 * with a comment line that ends in "is kata NN's." or "are kata NN's.": the lines below it, up to
 * the next blank line, are kata NN's and not the member owner's.
 *
 * Example: kata 09 asks for two lines in kata 08's `Registry.list`, and the solution has
 * ```ts
 *     // Pages and reads of the past are kata 09's.
 *     const pastOrPaged = options.limit || options.continue || ...;
 *     if (pastOrPaged) return this.listChunk<T>(...);
 *
 * ```
 * so kata 08's targets are `Registry.list` without those two lines, and kata 09's include them.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { members, type Member } from './members.ts';
import type { Kata } from './katas.ts';

/** Lines of a member that a later kata's learner adds (see the file's comment), 1-based, inclusive. */
export interface LaterLines {
  kata: string;
  startLine: number;
  endLine: number;
}

const LATER_KATA = /^\s*\/\/.*\b(?:is|are) kata (\d{2})'s\.\s*$/;

/**
 * The runs of lines in a member that a comment gives to another kata: from the line after
 * `// ... are kata NN's.` to the line before the next blank one (or the member's end).
 *
 * @param firstLine - the member's first line in its file (1-based)
 */
export function laterLines(text: string, firstLine: number): LaterLines[] {
  const lines = text.split('\n');
  const out: LaterLines[] = [];
  for (let i = 0; i < lines.length; i++) {
    const match = LATER_KATA.exec(lines[i]!);
    if (!match) continue;
    let end = i + 1;
    while (end < lines.length && lines[end]!.trim() !== '') end++;
    if (end > i + 1) out.push({ kata: match[1]!, startLine: firstLine + i + 1, endLine: firstLine + end - 1 });
    i = end - 1;
  }
  return out;
}

/** A member's text without the lines other katas own. */
function ownText(text: string): string {
  return laterLines(text, 1).reduceRight((acc, run) => {
    const lines = acc.split('\n');
    lines.splice(run.startLine - 1, run.endLine - run.startLine + 1);
    return lines.join('\n');
  }, text);
}

/** One member of a solution file that a kata's learner writes, as whole lines (1-based, inclusive). */
export interface MutationTarget {
  /** relative to the root: "solutions/etcd/store.ts" */
  file: string;
  /** the member's key, as members.ts names it: "MemoryStore.range" */
  member: string;
  startLine: number;
  endLine: number;
  /** true when the starter does not have it: a helper of the solution's */
  helper: boolean;
}

/** Every `.ts` file under a folder, recursively, relative to `root`. */
function tsFiles(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir))
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) return tsFiles(root, path);
      return name.endsWith('.ts') ? [path] : [];
    });
}

/** The kata numbers a member's text marks with `TODO(NN)`, in order. */
function markers(text: string): string[] {
  return [...new Set([...text.matchAll(/TODO\((\d{2})\)/g)].map((m) => m[1]!))].sort();
}

/** The names a member is referred to by: `MemoryStore.span` → `span`, `A,B` → `A`, `B`. */
function namesOf(key: string): string[] {
  const last = key.includes('.') ? key.slice(key.indexOf('.') + 1) : key;
  return last
    .replace(/^(static |get |set )+/, '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'constructor');
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(text);
}

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Which kata owns each member of one solution file: the earliest `TODO(NN)` of the starter's
 * member with the same key, and for the solution's own helpers the earliest kata whose members
 * (or helpers) mention the helper's name. Members no kata owns (given code) are left out.
 */
export function ownersOf(starter: string, solution: string): Map<string, { owner: string; helper: boolean; member: Member }> {
  const marked = new Map<string, string>();
  const starterKeys = new Set<string>();
  for (const member of members(starter)) {
    starterKeys.add(member.key);
    const [first] = markers(member.text);
    if (first) marked.set(member.key, first);
  }
  const out = new Map<string, { owner: string; helper: boolean; member: Member }>();
  const helpers: Member[] = [];
  for (const member of members(solution)) {
    const owner = marked.get(member.key);
    if (owner) out.set(member.key, { owner, helper: false, member });
    else if (!starterKeys.has(member.key)) helpers.push(member);
  }
  // A helper used by another helper belongs to that helper's kata: repeat until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const helper of helpers) {
      const names = namesOf(helper.key);
      let best = out.get(helper.key)?.owner;
      for (const [key, { owner, member }] of out) {
        if (key === helper.key) continue;
        const texts: Array<[string, string]> = [[owner, ownText(member.text)]];
        const lines = member.text.split('\n');
        for (const run of laterLines(member.text, 1)) texts.push([run.kata, lines.slice(run.startLine - 1, run.endLine).join('\n')]);
        for (const [kata, text] of texts) {
          if (best !== undefined && kata >= best) continue;
          if (names.some((name) => mentions(text, name))) best = kata;
        }
      }
      if (best !== undefined && best !== out.get(helper.key)?.owner) {
        out.set(helper.key, { owner: best, helper: true, member: helper });
        changed = true;
      }
    }
  }
  return out;
}

/** The solution code kata `kata` has its learner write, member by member, in file order. */
export function mutationTargets(kata: Pick<Kata, 'number' | 'component'>, root: string): MutationTarget[] {
  const targets: MutationTarget[] = [];
  for (const file of tsFiles(root, join('katas', kata.component))) {
    const starter = readFileSync(join(root, file), 'utf8');
    if (!starter.includes(`TODO(${kata.number})`)) continue;
    const solutionFile = join('solutions', relative(join('katas'), file));
    if (!existsSync(join(root, solutionFile))) continue;
    const solution = readFileSync(join(root, solutionFile), 'utf8');
    for (const [key, { owner, helper, member }] of ownersOf(starter, solution)) {
      const startLine = lineOf(solution, member.start);
      const endLine = lineOf(solution, member.end);
      const later = laterLines(member.text, startLine);
      const push = (from: number, to: number) => {
        if (from <= to) targets.push({ file: solutionFile, member: key, startLine: from, endLine: to, helper });
      };
      if (owner === kata.number) {
        // The member's lines, less the runs other katas own.
        let from = startLine;
        for (const run of later) {
          push(from, run.startLine - 1);
          from = run.endLine + 1;
        }
        push(from, endLine);
      } else {
        for (const run of later) if (run.kata === kata.number) push(run.startLine, run.endLine);
      }
    }
  }
  return targets.sort((a, b) => a.file.localeCompare(b.file) || a.startLine - b.startLine);
}

/** Stryker's `mutate` patterns for the targets: `file:start-end`, one per member. */
export function mutatePatterns(targets: MutationTarget[]): string[] {
  return targets.map((t) => `${t.file}:${t.startLine}-${t.endLine}`);
}

/** The member a line of a file falls in, among the targets. */
export function memberAt(targets: MutationTarget[], file: string, line: number): string {
  return targets.find((t) => t.file === file && t.startLine <= line && line <= t.endLine)?.member ?? '?';
}

/** A mutant, as the tool reports it and as docs/mutation.md lists an equivalent one. */
export interface MutantKey {
  kata: string;
  file: string;
  member: string;
  mutator: string;
  /** the code it replaced, whitespace collapsed */
  original: string;
  /** the code it put there, whitespace collapsed */
  mutant: string;
}

/** An equivalent mutant listed in docs/mutation.md, with why no test can tell it apart. */
export interface Equivalent extends MutantKey {
  why: string;
}

/** Whitespace collapsed and cut, so that a snippet fits a table cell and survives reformatting. */
export function snippet(code: string, max = 120): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const HEADER = ['kata', 'file', 'member', 'mutator', 'original', 'mutant', 'why it is equivalent'];

/** A markdown table cell holding code: backticks around it, pipes escaped. */
function codeCell(code: string): string {
  const text = code.replace(/\|/g, '\\|');
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
}

function uncode(cell: string): string {
  const text = cell.trim();
  const match = /^(`+)\s?([\s\S]*?)\s?\1$/.exec(text);
  return (match ? match[2]! : text).replace(/\\\|/g, '|');
}

/** The table row that lists a mutant as equivalent (the reason left for the author to write). */
export function equivalentRow(key: MutantKey, why = 'WHY: say why no test can tell it apart'): string {
  return `| ${key.kata} | ${codeCell(key.file)} | ${codeCell(key.member)} | ${key.mutator} | ${codeCell(key.original)} | ${codeCell(key.mutant)} | ${why} |`;
}

/** Splits a markdown table row on its unescaped pipes. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

/**
 * The equivalent mutants listed in docs/mutation.md: the rows of the table under its heading
 * "## Equivalent mutants" (columns: kata, file, member, mutator, original, mutant, why).
 */
export function parseEquivalents(markdown: string): Equivalent[] {
  const start = markdown.search(/^## Equivalent mutants\s*$/m);
  if (start < 0) return [];
  const rest = markdown.slice(start).split('\n').slice(1);
  const out: Equivalent[] = [];
  for (const line of rest) {
    if (/^## /.test(line)) break;
    if (!line.trim().startsWith('|')) continue;
    const row = cells(line);
    if (row.length < HEADER.length || row[0] === 'kata' || /^-+$/.test(row[0]!.replace(/:/g, ''))) continue;
    const [kata, file, member, mutator, original, mutant, ...why] = row;
    out.push({
      kata: kata!,
      file: uncode(file!),
      member: uncode(member!),
      mutator: mutator!,
      original: uncode(original!),
      mutant: uncode(mutant!),
      why: why.join(' | '),
    });
  }
  return out;
}

/** Whether a surviving mutant is one of the listed equivalents. */
export function isListed(key: MutantKey, equivalents: Equivalent[]): boolean {
  return equivalents.some(
    (e) =>
      e.kata === key.kata &&
      e.file === key.file &&
      e.member === key.member &&
      e.mutator === key.mutator &&
      e.original === key.original &&
      e.mutant === key.mutant,
  );
}

/** The header of the equivalents table, for a new docs/mutation.md. */
export const EQUIVALENTS_HEADER = `| ${HEADER.join(' | ')} |\n| ${HEADER.map(() => '---').join(' | ')} |`;
