/**
 * Builds the site from a workbook's folders (`root`) into `out`:
 *
 *   index.html                     the home page and the map of parts and katas
 *   <component>/index.html         a part: its README, its place in the cluster, its katas
 *   <component>/NN-slug.html       a kata: its instructions, with folded hints and prev/next
 *   architecture/*.html            docs/architecture/*.md, with the diagrams
 *   guides/*.html                  docs/*.md
 *   source/<path>.html             the starter files, the kit and each kata's tests, highlighted
 *   api/                           the API reference (typedoc) of kit/ and the starters
 *   assets/                        the stylesheet, the script, the logo
 *
 * Every problem (a front matter that does not parse or lacks a field, a kata without a page, a
 * broken link or anchor, an unclosed code fence, anything a page would load from the network) is
 * collected and the build fails with all of them, each naming its file. Nothing is fetched from
 * the network, at build or view time.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { splitFrontMatter, type Kata } from '../lib/katas.ts';
import { LOGO_SVG, layout, type NavItem } from './layout.ts';
import { SITE_CSS, SITE_JS } from './assets.ts';
import { kataPath, loadCatalogue, partLabel, partPath, type Catalogue, type Part } from './catalogue.ts';
import { CLUSTER_COMPONENTS, drawDiagram } from './diagrams.ts';
import { DocsError, type Problem } from './errors.ts';
import { loadHighlighter } from './highlight.ts';
import { escapeHtml } from './html.ts';
import { checkLinks, resolveLink, type BuiltPage, type SiteMap } from './links.ts';
import { remoteLoads } from './offline.ts';
import { createRenderer, type Render, type RenderEnv } from './markdown.ts';
import { guidesIndex, homePage, kataHeader, pager, partPage, sourcePage, type PageLinks } from './pages.ts';

/** How to build. */
export interface BuildOptions {
  /** the workbook's root (the folder with katas/, docs/, kit/) */
  root: string;
  /** where the site goes; replaced on every build (it must be empty or a site built before) */
  out: string;
  /** build the API reference with typedoc (default true); off, `api/index.html` says so */
  api?: boolean;
  /** progress messages */
  log?: (message: string) => void;
}

/** What a build produced. */
export interface BuildResult {
  out: string;
  /** every page written, site-relative, sorted */
  pages: string[];
  katas: number;
  /** milliseconds per phase */
  timings: Record<string, number>;
}

const MARKER = '.kubekata-site';

/** Builds the site; throws a {@link DocsError} listing every problem when the workbook has some. */
export async function buildSite(options: BuildOptions): Promise<BuildResult> {
  const root = resolve(options.root);
  const out = resolve(options.out);
  const log = options.log ?? (() => {});
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };

  const cat = loadCatalogue(root);
  const highlight = await loadHighlighter(log);
  const render = createRenderer(highlight);
  lap('read');

  // Where every source lands in the site.
  const map: SiteMap = { root, pages: new Map(), katas: new Map(), parts: new Map(), files: new Map() };
  for (const kata of cat.katas) {
    map.pages.set(kata.instructions, kataPath(kata));
    map.katas.set(kata.number, kata);
  }
  for (const part of cat.parts) {
    map.pages.set(part.readme, partPath(part));
    map.parts.set(part.component, partPath(part));
  }
  for (const page of [...cat.architecture, ...cat.guides]) map.pages.set(page.source, page.path);
  for (const readme of ['README.md', 'katas/README.md']) if (existsSync(join(root, readme))) map.pages.set(readme, 'index.html');
  const sources = sourceFiles(root, cat);
  for (const source of sources) map.pages.set(source, `source/${source}.html`);

  const problems: Problem[] = [];
  for (const kata of cat.katas) {
    for (const file of kata.files) {
      if (!sources.includes(file)) problems.push({ file: kata.instructions, message: `front matter "files" names ${file.slice(`katas/${kata.component}/`.length)}, but ${file} does not exist.` });
    }
  }

  const kataPages = new Map(cat.katas.map((k) => [k.instructions, kataPath(k)]));
  let diagramCount = 0;
  const diagramFor = (page: string) => (name: string): string | undefined =>
    drawDiagram(name, {
      page, katas: cat.katas, parts: map.parts, kataPages, idPrefix: `dg${++diagramCount}`,
      report: (message) => {
        // the same stale diagram is drawn on several pages: one problem is enough
        if (!problems.some((p) => p.message === message)) problems.push({ file: 'tools/docs/diagrams.ts', message });
      },
    });

  const markdown = (source: string, page: string, extra: Partial<RenderEnv> = {}, hintsFile?: string): { html: string; env: RenderEnv } => {
    const text = readFileSync(join(root, source), 'utf8');
    const plain = text.startsWith('---') ? splitFrontMatter(text, source).body : text;
    const body = hintsFile && existsSync(join(root, hintsFile)) ? withHints(plain, readFileSync(join(root, hintsFile), 'utf8')) : plain;
    const env: RenderEnv = {
      source,
      lineOffset: text.slice(0, text.length - body.length).split('\n').length - 1,
      resolve: (href, kind) => resolveLink(href, source, page, map, kind),
      diagram: diagramFor(page),
      stripTitle: true,
      problems,
      headings: [],
      hints: 0,
      ...extra,
    };
    return { html: render(body, env), env };
  };

  // Markdown first: its problems fail the build before typedoc spends its seconds.
  const kataBodies = new Map(cat.katas.map((k) => [k.number, markdown(k.instructions, kataPath(k), { foldHints: true }, k.hintsFile)]));
  for (const kata of cat.katas) {
    const { env } = kataBodies.get(kata.number)!;
    if (env.headings.some((h) => h.level === 2 && h.text === 'Hints') && env.hints === 0) {
      problems.push({ file: kata.instructions, message: '"## Hints" has no hints: each hint is a "### " heading under it.' });
    }
  }
  const partBodies = new Map(cat.parts.map((p) => [p.component, markdown(p.readme, partPath(p))]));
  const docBodies = new Map([...cat.architecture, ...cat.guides].map((d) => [d.source, markdown(d.source, d.path)]));
  lap('markdown');
  if (problems.length > 0) throw new DocsError(problems);

  prepareOut(out, root);
  const api: PageLinks['api'] = new Map();
  const extraFiles = new Set<string>();
  if (options.api ?? true) {
    // loaded only when needed: typedoc and the TypeScript compiler take a second to import
    const { buildApi } = await import('./api.ts');
    const result = await buildApi(root, out, log);
    for (const [component, path] of result.modules) api.set(component, path);
    result.files.forEach((f) => extraFiles.add(f));
  }
  lap('api');

  // The site's sections.
  const archLanding = cat.architecture.find((a) => a.path === 'architecture/index.html') ?? cat.architecture[0];
  const nav: NavItem[] = [
    { key: 'map', label: 'Map', path: 'index.html' },
    ...(archLanding ? [{ key: 'architecture', label: 'Architecture', path: archLanding.path }] : []),
    { key: 'api', label: 'API', path: 'api/index.html' },
    ...(cat.guides.length > 0 ? [{ key: 'guides', label: 'Guides', path: 'guides/index.html' }] : []),
  ];
  const pages: BuiltPage[] = [];
  const add = (path: string, source: string | undefined, html: string): void => void pages.push({ path, source, html });
  const links: PageLinks = { sources: new Map(sources.map((s) => [s, `source/${s}.html`])), api };
  const partOf = new Map(cat.parts.map((p) => [p.component, p]));

  // Home.
  add('index.html', undefined, layout({
    page: 'index.html', title: 'Build a small but real Kubernetes', nav, section: 'map', bodyClass: 'home',
    body: homePage(cat, cat.parts.length > 0 ? diagramFor('index.html')('cluster') : undefined, archLanding?.path),
  }));

  // Parts.
  for (const part of cat.parts) {
    const known = CLUSTER_COMPONENTS.some((c) => c.id === part.component) && part.component !== 'cluster';
    const diagram = known ? diagramFor(partPath(part))(`cluster:${part.component}`) : undefined;
    const { html, env } = partBodies.get(part.component)!;
    add(partPath(part), part.readme, layout({
      page: partPath(part), title: `${partLabel(part.part)} · ${part.title}`, nav, section: 'map', toc: env.headings,
      body: partPage(part, html, diagram),
    }));
  }

  // Katas, in order, each with its neighbours.
  cat.katas.forEach((kata, i) => {
    const { html, env } = kataBodies.get(kata.number)!;
    const neighbour = (k: Kata | undefined): { path: string; label: string } | undefined =>
      k && { path: kataPath(k), label: `${k.number} · ${k.title}` };
    const body = `<article class="kata prose">
${kataHeader(kata, partOf.get(kata.component), links)}
${html}
${pager(kataPath(kata), neighbour(cat.katas[i - 1]), neighbour(cat.katas[i + 1]), 'kata')}
</article>`;
    add(kataPath(kata), kata.instructions, layout({
      page: kataPath(kata), title: `${kata.number} · ${kata.title}`, nav, section: 'map', toc: env.headings, bodyClass: 'kata-page',
      description: `Kata ${kata.number} of kubekata: ${kata.title}.`, body,
    }));
  });

  // Architecture pages, in order, and the guides.
  cat.architecture.forEach((doc, i) => {
    const { html, env } = docBodies.get(doc.source)!;
    const prev = cat.architecture[i - 1];
    const next = cat.architecture[i + 1];
    add(doc.path, doc.source, layout({
      page: doc.path, title: doc.title, nav, section: 'architecture', toc: env.headings,
      body: `<article class="prose"><h1>${escapeHtml(doc.title)}</h1>\n${html}${pager(doc.path, prev && { path: prev.path, label: prev.title }, next && { path: next.path, label: next.title }, 'page')}</article>`,
    }));
  });
  for (const doc of cat.guides) {
    const { html, env } = docBodies.get(doc.source)!;
    add(doc.path, doc.source, layout({
      page: doc.path, title: doc.title, nav, section: 'guides', toc: env.headings,
      body: `<article class="prose"><p class="crumbs"><a href="index.html">Guides</a></p><h1>${escapeHtml(doc.title)}</h1>\n${html}</article>`,
    }));
  }
  if (cat.guides.length > 0) add('guides/index.html', undefined, layout({ page: 'guides/index.html', title: 'Guides', nav, section: 'guides', body: guidesIndex(cat.guides) }));

  // Source files.
  for (const source of sources) {
    const page = `source/${source}.html`;
    const code = readFileSync(join(root, source), 'utf8');
    const kind = source.startsWith('test/') ? 'test' : source.startsWith('kit/') ? 'kit' : 'starter';
    const katas = kind === 'test' ? cat.katas.filter((k) => k.test === source) : cat.katas.filter((k) => k.files.includes(source));
    add(page, source, layout({
      page, title: source, nav, section: 'map',
      body: sourcePage(source, page, highlight(code, 'ts') ?? escapeHtml(code.replace(/\n$/, '')), { katas, kind }),
    }));
  }

  if (!(options.api ?? true)) {
    add('api/index.html', undefined, layout({
      page: 'api/index.html', title: 'API reference', nav, section: 'api',
      body: '<h1>API reference</h1><p>This build skipped the API reference (<code>--no-api</code>). Build without it to get the reference of <code>@kube/kit</code> and every starter.</p>',
    }));
  }
  add('404.html', undefined, layout({ page: '404.html', title: 'Not found', nav, body: '<h1>Not found</h1><p>There is no such page. <a href="index.html">Back to the map</a>.</p>' }));
  lap('pages');

  // Every link of every page, and every anchor.
  const assets = ['assets/site.css', 'assets/site.js', 'assets/logo.svg'];
  const files = new Set([...assets, ...extraFiles, ...map.files.values()]);
  problems.push(...checkLinks(pages, (path) => files.has(path)));
  // Offline, whoever wrote the file: our pages and assets, typedoc's, and the images copied.
  for (const page of pages) problems.push(...remoteLoads(page.path, page.html, page.source ?? `(generated page ${page.path})`));
  problems.push(...remoteLoads('assets/site.css', SITE_CSS, 'tools/docs/assets.ts'), ...remoteLoads('assets/site.js', SITE_JS, 'tools/docs/assets.ts'));
  for (const file of extraFiles) if (/\.(html|css|js|svg)$/.test(file)) problems.push(...remoteLoads(file, readFileSync(join(out, file), 'utf8'), 'the API reference (typedoc)'));
  for (const [source, target] of map.files) if (target.endsWith('.svg')) problems.push(...remoteLoads(target, readFileSync(join(root, source), 'utf8'), source));
  lap('links');
  if (problems.length > 0) throw new DocsError(problems);

  write(out, 'assets/site.css', SITE_CSS);
  write(out, 'assets/site.js', SITE_JS);
  write(out, 'assets/logo.svg', LOGO_SVG);
  for (const page of pages) write(out, page.path, page.html);
  for (const [source, target] of map.files) {
    mkdirSync(dirname(join(out, target)), { recursive: true });
    copyFileSync(join(root, source), join(out, target));
  }
  lap('write');
  return { out, pages: pages.map((p) => p.path).sort(), katas: cat.katas.length, timings };
}

/** The files that get a source page: every starter file of katas/, the kit, and each kata's test file. */
function sourceFiles(root: string, cat: Catalogue): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts')) out.push(rel);
    }
  };
  const components = new Set<string>([...cat.parts.map((p: Part) => p.component), ...cat.katas.map((k) => k.component)]);
  for (const component of components) if (existsSync(join(root, 'katas', component))) walk(`katas/${component}`);
  // the kit is given code the instructions point at (Clock, Random, the API types)
  if (existsSync(join(root, 'kit'))) walk('kit');
  for (const kata of cat.katas) if (existsSync(join(root, kata.test))) out.push(kata.test);
  return out.sort();
}

/** Empties the output folder, refusing to delete anything that is not a site built here before. */
function prepareOut(out: string, root: string): void {
  const rel = relative(out, root);
  if (rel === '' || !rel.startsWith('..')) {
    throw new DocsError([{ file: out, message: 'is the workbook itself or holds it: choose another --out.' }]);
  }
  if (existsSync(out)) {
    const entries = readdirSync(out);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new DocsError([{ file: out, message: 'is not empty and was not made by npm run docs: refusing to delete it. Choose another --out.' }]);
    }
    rmSync(out, { recursive: true, force: true });
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, MARKER), 'This folder is built by `npm run docs` and replaced on every build.\n');
}

function write(out: string, path: string, content: string): void {
  const file = join(out, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/**
 * A kata's instructions with its hints file put under "## Hints", each hint a `### ` heading, for
 * the page to fold one at a time. The hints file's own title line is dropped, and its `## ` hints
 * become `### ` (headings inside code fences are left alone).
 */
export function withHints(instructions: string, hintsText: string): string {
  let inFence = false;
  const hintLines = hintsText.split('\n').filter((line) => !/^# /.test(line)).map((line) => {
    if (/^```/.test(line)) inFence = !inFence;
    return !inFence && line.startsWith('## ') ? `#${line}` : line;
  });
  const lines = instructions.split('\n');
  inFence = false;
  const at = lines.findIndex((line) => {
    if (/^```/.test(line)) inFence = !inFence;
    return !inFence && line.trim() === '## Hints';
  });
  if (at < 0) return instructions;
  let end = lines.findIndex((line, i) => i > at && line.startsWith('## '));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, end), '', ...hintLines, '', ...lines.slice(end)].join('\n');
}
