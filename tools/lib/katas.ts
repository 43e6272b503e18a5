/**
 * The catalogue of katas, read from the instruction files themselves: `katas/<component>/NN-slug.md`
 * gives the number (and so the order), the front matter gives title, points, minutes, concepts and
 * the files to edit. There is no second list to keep in sync.
 *
 * Example: `katas/etcd/01-kv.md` with front matter `{title: Key-value basics, points: 10, ...}`
 * becomes `{ number: '01', component: 'etcd', slug: 'kv', test: 'test/etcd/01-kv.test.ts', ... }`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './targets.ts';

/** One kata, as its instruction file describes it. */
export interface Kata {
  /** two digits, unique across the workbook: "01" */
  number: string;
  component: string;
  slug: string;
  title: string;
  points: number;
  minutes: number;
  concepts: string[];
  /** the starter files the learner edits, relative to the root ("katas/etcd/store.ts") */
  files: string[];
  /** the instructions, relative to the root */
  instructions: string;
  /** the test file, relative to the root */
  test: string;
  /** the hints, relative to the root: `katas/<component>/hints/NN-slug.md` */
  hintsFile: string;
}

/** The sections every kata's instructions must have, in this order. */
export const REQUIRED_SECTIONS = [
  'What you build',
  'The spec',
  'The API',
  'How it is tested',
  'Hints',
  'How the real one does it',
  'Stretch goals',
] as const;

/** A problem in an instruction file, with the file it is in. */
export class CatalogueError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

const KATA_FILE = /^(\d{2})-([a-z0-9-]+)\.md$/;

/** Splits `---\nyaml\n---\nbody` into its front matter and body. */
export function splitFrontMatter(text: string, file: string): { data: Record<string, unknown>; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) throw new CatalogueError(file, 'has no front matter: it must start with a line "---", YAML, and another "---".');
  let data: unknown;
  try {
    data = parseYaml(match[1]!);
  } catch (error) {
    throw new CatalogueError(file, `its front matter is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CatalogueError(file, 'its front matter must be a YAML mapping (key: value lines).');
  }
  return { data: data as Record<string, unknown>, body: match[2]! };
}

/** Reads every kata of the workbook, in order. Throws a {@link CatalogueError} on a malformed file. */
export function loadKatas(root = ROOT): Kata[] {
  const katasDir = join(root, 'katas');
  if (!existsSync(katasDir)) return [];
  const katas: Kata[] = [];
  for (const component of readdirSync(katasDir, { withFileTypes: true })) {
    if (!component.isDirectory()) continue;
    for (const file of readdirSync(join(katasDir, component.name)).sort()) {
      const match = KATA_FILE.exec(file);
      if (!match) continue;
      katas.push(readKata(root, component.name, file, match[1]!, match[2]!));
    }
  }
  katas.sort((a, b) => a.number.localeCompare(b.number));
  for (let i = 1; i < katas.length; i++) {
    if (katas[i]!.number === katas[i - 1]!.number) {
      throw new CatalogueError(katas[i]!.instructions, `kata number ${katas[i]!.number} is also used by ${katas[i - 1]!.instructions}.`);
    }
  }
  return katas;
}

function readKata(root: string, component: string, file: string, number: string, slug: string): Kata {
  const instructions = `katas/${component}/${file}`;
  const { data } = splitFrontMatter(readFileSync(join(root, instructions), 'utf8'), instructions);
  const need = (key: string, check: (v: unknown) => boolean, what: string): unknown => {
    if (!check(data[key])) throw new CatalogueError(instructions, `front matter needs "${key}": ${what}.`);
    return data[key];
  };
  const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const title = need('title', (v) => typeof v === 'string' && v.length > 0, 'a title') as string;
  const points = need('points', (v) => Number.isInteger(v) && (v as number) > 0, 'a whole number of points > 0') as number;
  const minutes = need('minutes', (v) => Number.isInteger(v) && (v as number) > 0, 'the estimated minutes, a whole number') as number;
  const concepts = need('concepts', isStrings, 'a list of the concepts it teaches') as string[];
  const files = need('files', (v) => isStrings(v) && (v as string[]).length > 0, 'the list of starter files the learner edits') as string[];
  return {
    number,
    component,
    slug,
    title,
    points,
    minutes,
    concepts,
    files: files.map((f) => `katas/${component}/${f}`),
    instructions,
    test: `test/${component}/${number}-${slug}.test.ts`,
    hintsFile: `katas/${component}/hints/${file}`,
  };
}

/** Finds a kata by number ("3", "03") or by "component/slug"; throws with the valid choices. */
export function findKata(katas: Kata[], query: string): Kata {
  const q = query.trim();
  const byNumber = /^\d{1,2}$/.test(q) ? katas.find((k) => k.number === q.padStart(2, '0')) : undefined;
  const found = byNumber ?? katas.find((k) => `${k.component}/${k.slug}` === q || k.slug === q);
  if (!found) {
    const list = katas.map((k) => `${k.number} (${k.component}/${k.slug})`).join(', ');
    throw new Error(`There is no kata "${query}". The katas are: ${list || 'none yet'}.`);
  }
  return found;
}

/** The `##` sections of a markdown body, by title, with their text. */
export function sections(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  let inFence = false;
  for (const line of body.split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    const heading = !inFence && /^## (.+?)\s*$/.exec(line);
    if (heading) {
      current = heading[1]!;
      out.set(current, '');
    } else if (current !== undefined) {
      out.set(current, out.get(current)! + line + '\n');
    }
  }
  return out;
}

/**
 * The hints of a kata, gentle first, as {title, text}. They live in their own file,
 * `katas/<component>/hints/NN-slug.md`, one `## ` heading per hint, so that reading the
 * instructions never shows the answer; the CLI and the docs site reveal them one at a time.
 * (A kata without a hints file may still keep them as `### ` headings under its "## Hints".)
 *
 * @example
 * // katas/etcd/hints/01-kv.md: "# 01 · … — hints\n\nintro\n\n## 1. Start with the order\ntext\n## 2. …"
 * hints(kata) // → [{ title: '1. Start with the order', text: 'text' }, { title: '2. …', … }]
 */
export function hints(kata: Kata, root = ROOT): { title: string; text: string }[] {
  const own = join(root, kata.hintsFile);
  if (existsSync(own)) return headed(readFileSync(own, 'utf8'), '## ');
  const { body } = splitFrontMatter(readFileSync(join(root, kata.instructions), 'utf8'), kata.instructions);
  return headed(sections(body).get('Hints') ?? '', '### ');
}

/** The parts of a markdown text under each heading that starts with `marker`, outside code fences. */
function headed(text: string, marker: '## ' | '### '): { title: string; text: string }[] {
  const out: { title: string; text: string }[] = [];
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^```/.test(line)) inFence = !inFence;
    if (!inFence && line.startsWith(marker)) out.push({ title: line.slice(marker.length).trim(), text: '' });
    else if (out.length > 0) out[out.length - 1]!.text += line + '\n';
  }
  return out.map((h) => ({ title: h.title, text: h.text.trim() }));
}
