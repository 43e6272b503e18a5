/**
 * What the site is made of, read from the folders (there is no list of katas anywhere):
 *
 * - a **part** per component folder `katas/<component>/` with a `README.md` whose front matter is
 *   `{part, title}` (two components may share a part: the runtime and the kubelet are both Part V);
 * - a **kata** per `katas/<component>/NN-slug.md` (read by tools/lib/katas.ts: number, title,
 *   points, minutes, concepts, files); numbers give the order and may have gaps;
 * - the **guides** in `docs/*.md` and the **architecture pages** in `docs/architecture/*.md`.
 *
 * It also finds katas that would have no page: a markdown file in a component folder whose name is
 * not `NN-slug.md`, a test file `test/<component>/NN-slug.test.ts` without its instructions, or a
 * component with katas but no README.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogueError, loadKatas, splitFrontMatter, type Kata } from '../lib/katas.ts';
import { DocsError } from './errors.ts';

/** A component of the workbook, as its `katas/<component>/README.md` describes it. */
export interface Part {
  /** the folder name: "etcd" */
  component: string;
  /** the part number from the front matter: 1 */
  part: number;
  /** the title from the front matter: "etcd — the store" */
  title: string;
  /** the README, relative to the root: "katas/etcd/README.md" */
  readme: string;
  /** its katas, in order (possibly none yet) */
  katas: Kata[];
}

/** A markdown page that is not a kata: an architecture page or a guide. */
export interface DocPage {
  /** the source, relative to the root: "docs/architecture/flow.md" */
  source: string;
  /** the page's path in the site: "architecture/flow.html" */
  path: string;
  title: string;
  /** position among its siblings (architecture pages: front matter `order`) */
  order: number;
}

/** Everything the site is built from. */
export interface Catalogue {
  /** every part, by part number then first kata */
  parts: Part[];
  /** every kata, in workbook order */
  katas: Kata[];
  /** docs/architecture/*.md, by `order` */
  architecture: DocPage[];
  /** docs/*.md, by title */
  guides: DocPage[];
}

/** Where a kata's page is in the site: "etcd/01-kv.html". */
export function kataPath(kata: Kata): string {
  return `${kata.component}/${kata.number}-${kata.slug}.html`;
}

/** Where a part's page is in the site: "etcd/index.html". */
export function partPath(part: Pick<Part, 'component'>): string {
  return `${part.component}/index.html`;
}

/** "Part IV" for 4. */
export function partLabel(part: number): string {
  return `Part ${roman(part)}`;
}

/** Roman numerals for the small numbers parts use. */
export function roman(n: number): string {
  const table: [number, string][] = [
    [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
    [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
  ];
  let out = '';
  for (const [value, letters] of table) {
    while (n >= value) {
      out += letters;
      n -= value;
    }
  }
  return out;
}

const KATA_FILE = /^(\d{2})-([a-z0-9-]+)\.md$/;
const TEST_FILE = /^(\d{2})-([a-z0-9-]+)\.test\.ts$/;

/**
 * Reads the catalogue under `root`. Collects every problem it finds (a front matter that does not
 * parse, a missing field, a kata without a page) and throws them together as a {@link DocsError}.
 */
export function loadCatalogue(root: string): Catalogue {
  const problems: CatalogueError[] = [];
  let katas: Kata[] = [];
  try {
    katas = loadKatas(root);
  } catch (error) {
    if (error instanceof CatalogueError) problems.push(error);
    else throw error;
  }

  const parts: Part[] = [];
  const katasDir = join(root, 'katas');
  const components = existsSync(katasDir)
    ? readdirSync(katasDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    : [];
  for (const component of components) {
    const dir = join(katasDir, component);
    const markdown = readdirSync(dir).filter((f) => f.endsWith('.md'));
    for (const file of markdown) {
      if (file !== 'README.md' && !KATA_FILE.test(file)) {
        problems.push(new CatalogueError(`katas/${component}/${file}`,
          'is not named like a kata (NN-slug.md, e.g. 01-kv.md), so it would have no page: rename it.'));
      }
    }
    const own = katas.filter((k) => k.component === component);
    const readme = `katas/${component}/README.md`;
    if (!markdown.includes('README.md')) {
      if (own.length > 0) {
        problems.push(new CatalogueError(readme, `is missing: component "${component}" has katas, so it needs a README.md with front matter {part, title}.`));
      }
      continue;
    }
    try {
      const { data } = splitFrontMatter(readFileSync(join(root, readme), 'utf8'), readme);
      const part = data.part;
      const title = data.title;
      if (!Number.isInteger(part) || (part as number) < 1) {
        throw new CatalogueError(readme, 'front matter needs "part": the part number, a whole number >= 1.');
      }
      if (typeof title !== 'string' || title.trim() === '') {
        throw new CatalogueError(readme, 'front matter needs "title": the title of the part.');
      }
      parts.push({ component, part: part as number, title, readme, katas: own });
    } catch (error) {
      if (error instanceof CatalogueError) problems.push(error);
      else throw error;
    }
  }

  // A test file without instructions is a kata without a page.
  const testDir = join(root, 'test');
  if (existsSync(testDir)) {
    for (const entry of readdirSync(testDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      for (const file of readdirSync(join(testDir, entry.name)).sort()) {
        const match = TEST_FILE.exec(file);
        if (!match) continue;
        const instructions = `katas/${entry.name}/${match[1]}-${match[2]}.md`;
        if (!katas.some((k) => k.instructions === instructions) && !problems.some((p) => p.file === instructions)) {
          problems.push(new CatalogueError(`test/${entry.name}/${file}`, `kata ${match[1]} has tests but no page: ${instructions} is missing.`));
        }
      }
    }
  }

  const architecture = readArchitecture(root, problems);
  const guides = readGuides(root, problems);
  if (problems.length > 0) throw new DocsError(problems.map((p) => ({ file: p.file, message: p.message.slice(p.file.length + 2) })));

  parts.sort((a, b) => a.part - b.part || (a.katas[0]?.number ?? '99').localeCompare(b.katas[0]?.number ?? '99') || a.component.localeCompare(b.component));
  return { parts, katas, architecture, guides };
}

function readArchitecture(root: string, problems: CatalogueError[]): DocPage[] {
  const dir = join(root, 'docs', 'architecture');
  if (!existsSync(dir)) return [];
  const pages: DocPage[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const source = `docs/architecture/${file}`;
    try {
      const { data } = splitFrontMatter(readFileSync(join(root, source), 'utf8'), source);
      if (typeof data.title !== 'string' || data.title.trim() === '') throw new CatalogueError(source, 'front matter needs "title": the page title.');
      if (!Number.isInteger(data.order)) throw new CatalogueError(source, 'front matter needs "order": a whole number, its place in the architecture pages.');
      pages.push({ source, path: `architecture/${file.replace(/\.md$/, '.html')}`, title: data.title, order: data.order as number });
    } catch (error) {
      if (error instanceof CatalogueError) problems.push(error);
      else throw error;
    }
  }
  return pages.sort((a, b) => a.order - b.order || a.source.localeCompare(b.source));
}

function readGuides(root: string, problems: CatalogueError[]): DocPage[] {
  const dir = join(root, 'docs');
  if (!existsSync(dir)) return [];
  const pages: DocPage[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const source = `docs/${file}`;
    const text = readFileSync(join(root, source), 'utf8');
    let body = text;
    let title: string | undefined;
    if (text.startsWith('---')) {
      try {
        const parsed = splitFrontMatter(text, source);
        body = parsed.body;
        if (typeof parsed.data.title === 'string') title = parsed.data.title;
      } catch (error) {
        if (error instanceof CatalogueError) problems.push(error);
        else throw error;
        continue;
      }
    }
    title ??= /^# (.+)$/m.exec(body)?.[1]?.trim() ?? file.replace(/\.md$/, '');
    pages.push({ source, path: `guides/${file.replace(/\.md$/, '.html')}`, title, order: 0 });
  }
  return pages.sort((a, b) => a.title.localeCompare(b.title));
}
