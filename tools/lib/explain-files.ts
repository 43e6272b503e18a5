/**
 * Scheduling explanations on disk: one JSON file per pod, `<dir>/<namespace>_<name>.json`, the
 * latest decision about that pod (`.kubekata/explain/` by default). What a scheduler writes when
 * run with explain, and what `npm run kata -- explain POD` reads.
 *
 * Pod and namespace names never hold `_` (they are DNS names), so the file name is unambiguous.
 *
 * @example
 * ```ts
 * const files = new ExplanationFiles({ dir: DEFAULT_EXPLAIN_DIR, limit: 200 });
 * const scheduler = new Scheduler({ client, clock, random, explain: new ExplanationLog({ limit: 200, also: files }) });
 * // ...
 * files.get('default', 'web'); // the latest SchedulingExplanation of default/web, or undefined
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExplanationRecorder, SchedulingExplanation } from '@kube/scheduler';
import { STATE_DIR } from './targets.ts';

/** Where explanations go unless told otherwise: `.kubekata/explain/` (git-ignored). */
export const DEFAULT_EXPLAIN_DIR = join(STATE_DIR, 'explain');

/** The version of SchedulingExplanation this reader understands (typed: a new version fails tsc here). */
const VERSION: SchedulingExplanation['version'] = 1;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * `<dir>/<namespace>_<name>.json`.
 *
 * @throws Error when the namespace or the name is not a Kubernetes name (which also keeps the file
 *   inside `dir`)
 */
export function explanationFile(dir: string, namespace: string, name: string): string {
  for (const [what, value] of [['namespace', namespace], ['pod name', name]] as const) {
    if (value.length > 253 || !NAME.test(value)) {
      throw new Error(`"${value}" is not a ${what}: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (e.g. web-1)`);
    }
  }
  return join(dir, `${namespace}_${name}.json`);
}

/**
 * Reads a SchedulingExplanation from JSON text, checking what a reader relies on.
 *
 * @param source - where the text came from, for the error messages
 * @throws Error naming `source` when the text is not JSON, not an explanation, or of another version
 */
export function parseExplanation(text: string, source: string): SchedulingExplanation {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not JSON (${(error as Error).message}): it should hold one SchedulingExplanation`);
  }
  const e = value as Partial<SchedulingExplanation> | null;
  if (typeof e !== 'object' || e === null || e.kind !== 'SchedulingExplanation') {
    throw new Error(`${source} is not a SchedulingExplanation: its "kind" is ${JSON.stringify(e?.kind)}, expected "SchedulingExplanation"`);
  }
  if (e.version !== VERSION) {
    throw new Error(`${source} is a SchedulingExplanation of version ${JSON.stringify(e.version)}; this workbook reads version ${VERSION}: record it again with this workbook's scheduler`);
  }
  for (const field of ['pod', 'profile', 'filter', 'score', 'selection', 'outcome'] as const) {
    if (typeof e[field] !== 'object' || e[field] === null) throw new Error(`${source} is missing "${field}": it is not a whole SchedulingExplanation`);
  }
  return e as SchedulingExplanation;
}

/** Options of {@link ExplanationFiles}. */
export interface ExplanationFilesOptions {
  /** the folder (made when missing) */
  dir: string;
  /** keep the files of this many pods at most, the most recently recorded (default 500) */
  limit?: number;
}

/** Writes each explanation to its pod's file (the latest decision wins), and reads them back. */
export class ExplanationFiles implements ExplanationRecorder {
  readonly dir: string;
  readonly limit: number;
  /** the pods recorded by this writer, least recent first: the first go when there are too many */
  private readonly written: string[] = [];

  /** @throws Error when `limit` is not a whole number >= 1 */
  constructor(options: ExplanationFilesOptions) {
    const limit = options.limit ?? 500;
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`ExplanationFiles limit ${limit} is not valid: give a whole number >= 1, such as { dir, limit: 500 }`);
    this.dir = options.dir;
    this.limit = limit;
  }

  /** Writes `explanation` to its pod's file, whole or not at all (write, then rename). */
  record(explanation: SchedulingExplanation): void {
    const { namespace, name } = explanation.pod;
    const file = explanationFile(this.dir, namespace, name);
    mkdirSync(this.dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(explanation, null, 2)}\n`);
    renameSync(temporary, file);
    const at = this.written.indexOf(file);
    if (at >= 0) this.written.splice(at, 1);
    this.written.push(file);
    while (this.written.length > this.limit) rmSync(this.written.shift()!, { force: true });
  }

  /** The latest explanation of `namespace/name` on disk, or undefined when there is none. */
  get(namespace: string, name: string): SchedulingExplanation | undefined {
    const file = explanationFile(this.dir, namespace, name);
    if (!existsSync(file)) return undefined;
    return parseExplanation(readFileSync(file, 'utf8'), file);
  }

  /** Every explanation on disk, in the order they were made (by time, then cycle). */
  list(): SchedulingExplanation[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => parseExplanation(readFileSync(join(this.dir, f), 'utf8'), join(this.dir, f)))
      .sort((a, b) => a.time.localeCompare(b.time) || a.cycle - b.cycle);
  }
}
