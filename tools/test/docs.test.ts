/**
 * The docs builder (npm run docs) on a fixture workbook: the pages it writes, their anchors, links
 * and folded hints, and the problems that must fail the build with the file and the link named.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSite, type BuildResult } from '../docs/build.ts';
import { DocsError, type Problem } from '../docs/errors.ts';
import { relativeUrl, slugify } from '../docs/html.ts';
import { readProgress } from '../docs/progress.ts';
import { serveSite } from '../docs/serve.ts';
import { fenceProblems } from '../docs/markdown.ts';
import { remoteLoads } from '../docs/offline.ts';
import { ROOT } from '../lib/targets.ts';
import { kataMarkdown, makeFixture } from './docs-fixture.ts';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fixture(changes: Record<string, string | null> = {}): string {
  const root = makeFixture(changes);
  made.push(root);
  return root;
}

function outDir(): string {
  const parent = mkdtempSync(join(tmpdir(), 'kubekata-docs-out-'));
  made.push(parent); // the folder mkdtemp made, not only the site in it
  return join(parent, 'site');
}

/** Builds a fixture with changes and returns the DocsError it fails with. */
async function failure(changes: Record<string, string | null>): Promise<DocsError> {
  const error = await buildSite({ root: fixture(changes), out: outDir(), api: false }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the build should have failed').toBeInstanceOf(DocsError);
  return error as DocsError;
}

describe('the docs site built from a fixture workbook', () => {
  let out: string;
  let result: BuildResult;
  const page = (path: string): string => readFileSync(join(out, path), 'utf8');

  beforeAll(async () => {
    out = outDir();
    result = await buildSite({ root: fixture(), out, api: false });
  }, 60_000);

  it('writes a page for the home, each part, each kata (gaps and all), the architecture, the guides and the sources', () => {
    for (const path of [
      'index.html', 'alpha/index.html', 'beta/index.html',
      'alpha/01-first.html', 'alpha/02-second.html', 'beta/05-third.html',
      'architecture/index.html', 'architecture/flow.html', 'guides/index.html', 'guides/guide.html',
      'source/katas/alpha/store.ts.html', 'source/test/alpha/01-first.test.ts.html', 'api/index.html', '404.html',
      'assets/site.css', 'assets/site.js', 'assets/logo.svg',
    ]) {
      expect(existsSync(join(out, path)), `${path} should exist`).toBe(true);
    }
    expect(result.katas).toBe(3);
  });

  it('never publishes the solutions', () => {
    const all = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of all(out)) {
      expect(file).not.toMatch(/solutions/);
      expect(readFileSync(file, 'utf8'), file).not.toContain('SOLUTION-SECRET');
    }
  });

  it('puts the map of parts and kata cards on the home page, with points and minutes', () => {
    const home = page('index.html');
    expect(home).toContain('<meta name="viewport"');
    expect(home).toMatch(/data-part="alpha"[\s\S]*data-kata="01"[\s\S]*data-kata="02"[\s\S]*data-part="beta"[\s\S]*data-kata="05"/);
    expect(home).toContain('href="alpha/01-first.html"');
    expect(home).toContain('Part I');
    expect(home).toContain('20 points');
    expect(home).toContain('1 h 30 min');
  });

  it('gives every heading an id and a permalink, and lists the sections on the side', () => {
    const kata = page('alpha/01-first.html');
    expect(kata).toContain('<h2 id="the-spec">');
    expect(kata).toContain('href="#the-spec" aria-label="Link to this section"');
    expect(kata).toContain('<aside class="toc"');
    expect(kata).toContain('<a href="#how-the-real-one-does-it">How the real one does it</a>');
  });

  it('shows the front matter as a header: number, title, points, minutes, concepts, files', () => {
    const kata = page('beta/05-third.html');
    expect(kata).toContain('<span class="num">05</span> Third steps');
    expect(kata).toContain('<strong>20</strong> points');
    expect(kata).toContain('<strong>1 h 30 min</strong>');
    expect(kata).toContain('<li>watch</li>');
    expect(kata).toContain('href="../source/katas/beta/watch.ts.html"');
    expect(kata).toContain('href="../source/test/beta/05-third.test.ts.html"');
    expect(kata).toContain('Part II · beta — after a gap');
  });

  it('links each kata to the previous and the next, across parts and number gaps', () => {
    const second = page('alpha/02-second.html');
    expect(second).toMatch(/<a class="prev" rel="prev" href="01-first.html">/);
    expect(second).toMatch(/<a class="next" rel="next" href="..\/beta\/05-third.html">/);
    expect(page('alpha/01-first.html')).not.toContain('rel="prev"');
    expect(page('beta/05-third.html')).not.toContain('rel="next"');
  });

  it('folds each hint in its own <details>, closed, and leaves a heading inside a code block alone', () => {
    const kata = page('alpha/01-first.html');
    const hints = [...kata.matchAll(/<details class="hint"[^>]*>/g)].map((m) => m[0]);
    expect(hints).toHaveLength(3);
    for (const hint of hints) expect(hint).not.toContain('open');
    expect(kata).toContain('<span class="hint-label">Hint 1</span> A gentle nudge</summary>');
    expect(kata.replace(/<[^>]+>/g, '')).toContain('### not a hint: a comment inside a code block');
    expect(kata).toContain('<div class="hints">');
  });

  it('rewrites links between sources into links between pages, anchors included', () => {
    const first = page('alpha/01-first.html');
    expect(first).toContain('href="index.html"'); // README.md → the part's page
    expect(first).toContain('href="../guides/guide.html#a-section"');
    expect(first).toContain('href="02-second.html#the-spec"');
    expect(page('guides/guide.html')).toContain('href="../alpha/01-first.html"');
    expect(first).toContain('href="../source/kit/index.ts.html#L6"'); // the kit is given code, with a page
  });

  it('links kata: and part: references that exist, and shows the others as coming', () => {
    const arch = page('architecture/index.html');
    expect(arch).toContain('href="../alpha/01-first.html"');
    expect(arch).toMatch(/<span class="coming"[^>]*>kata 07<span class="coming-tag">\(coming\)<\/span><\/span>/);
    expect(arch).toMatch(/<span class="coming"[^>]*>its part/);
  });

  it('draws the diagrams as inline SVG, linking the katas that exist', () => {
    const arch = page('architecture/index.html');
    expect(arch).toMatch(/<figure class="diagram"><svg class="dg dg-cluster"/);
    expect(page('architecture/flow.html')).toMatch(/<svg class="dg dg-flow"/);
    expect(page('index.html')).toContain('<svg class="dg dg-cluster"');
  });

  it('highlights TypeScript in code blocks and source pages', () => {
    expect(page('alpha/01-first.html')).toMatch(/<pre class="code" data-lang="ts"><code><span style="--l:#[0-9a-f]{6};--d:#[0-9a-f]{6}">export<\/span>/);
    expect(page('source/katas/alpha/store.ts.html')).toContain('<span class="line" id="L3">');
  });

  it('works offline: no page loads anything from another host', () => {
    for (const path of ['index.html', 'alpha/01-first.html', 'architecture/index.html']) {
      const html = page(path);
      for (const m of html.matchAll(/<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"/g)) expect(m[1]).not.toMatch(/^(https?:)?\/\//);
    }
    expect(page('assets/site.css')).not.toMatch(/@import|url\(\s*['"]?https?:/);
    // a link out, in prose, stays: the reader chooses to follow it
    expect(page('alpha/01-first.html')).toContain('<a href="https://etcd.io/docs/" rel="noopener">');
  });

  it('replaces a site it built before, but refuses to empty a folder it did not make', async () => {
    await buildSite({ root: fixture(), out, api: false });
    const foreign = outDir();
    mkdirSync(foreign, { recursive: true });
    writeFileSync(join(foreign, 'precious.txt'), 'keep me');
    await expect(buildSite({ root: fixture(), out: foreign, api: false })).rejects.toThrow(/not empty and was not made by npm run docs/);
    expect(readFileSync(join(foreign, 'precious.txt'), 'utf8')).toBe('keep me');
  }, 60_000);
});

describe('the build fails, naming the file and the link, on', () => {
  it('a broken link to a page', async () => {
    const error = await failure({ 'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', extra: 'See [the missing page](03-missing.md).' }) });
    expect(error.message).toMatch(/katas\/alpha\/02-second\.md: line \d+: broken link "03-missing\.md": katas\/alpha\/03-missing\.md does not exist/);
  });

  it('a broken anchor on another page', async () => {
    const error = await failure({ 'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', extra: 'See [the first spec](01-first.md#no-such-section).' }) });
    expect(error.message).toContain('katas/alpha/02-second.md: broken link "01-first.html#no-such-section" on alpha/02-second.html: alpha/01-first.html has no anchor #no-such-section');
  });

  it('a broken anchor on the same page', async () => {
    const error = await failure({ 'docs/guide.md': '# A guide\n\nSee [below](#nowhere).\n' });
    expect(error.message).toContain('docs/guide.md: broken link "#nowhere"');
  });

  it('a link into solutions/', async () => {
    const error = await failure({ 'docs/guide.md': '# A guide\n\n[the answer](../solutions/alpha/store.ts)\n' });
    expect(error.message).toMatch(/docs\/guide\.md: line 3: broken link "..\/solutions\/alpha\/store\.ts": the site never publishes solutions/);
  });

  it('a kata: reference to a kata of another component', async () => {
    const error = await failure({ 'docs/architecture/flow.md': '---\ntitle: Flow\norder: 1\n---\n[kata 02](kata:beta/02)\n' });
    expect(error.message).toContain('docs/architecture/flow.md: line 5: broken link "kata:beta/02": kata 02 is katas/alpha/02-second.md, not a kata of beta');
  });

  it('a missing front matter field', async () => {
    const error = await failure({ 'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', front: 'title: Second\nminutes: 45\nconcepts: [x]\nfiles: [store.ts]' }) });
    expect(error.message).toContain('katas/alpha/02-second.md: front matter needs "points"');
  });

  it('front matter that does not parse', async () => {
    const error = await failure({ 'katas/beta/README.md': '---\npart: [1\ntitle: beta\n---\n# beta\n' });
    expect(error.message).toMatch(/katas\/beta\/README\.md: its front matter is not valid YAML/);
  });

  it('a part without its part number', async () => {
    const error = await failure({ 'katas/beta/README.md': '---\ntitle: beta\n---\n# beta\n' });
    expect(error.message).toContain('katas/beta/README.md: front matter needs "part"');
  });

  it('a kata with tests but no page', async () => {
    const error = await failure({ 'test/beta/06-ghost.test.ts': "it('x', () => {});\n" });
    expect(error.message).toContain('test/beta/06-ghost.test.ts: kata 06 has tests but no page: katas/beta/06-ghost.md is missing');
  });

  it('a kata page whose name is not NN-slug.md', async () => {
    const error = await failure({ 'katas/beta/6-ghost.md': kataMarkdown({ title: 'Ghost', number: '06' }) });
    expect(error.message).toContain('katas/beta/6-ghost.md: is not named like a kata');
  });

  it('a kata whose front matter names a starter file that does not exist', async () => {
    const error = await failure({ 'katas/beta/05-third.md': kataMarkdown({ title: 'Third', number: '05', front: 'title: Third\npoints: 1\nminutes: 5\nconcepts: []\nfiles: [nope.ts]' }) });
    expect(error.message).toContain('katas/beta/05-third.md: front matter "files" names nope.ts, but katas/beta/nope.ts does not exist');
  });

  it('a code fence that is never closed', async () => {
    const error = await failure({ 'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', extra: '```ts\nconst x = 1;\n' }) });
    expect(error.message).toMatch(/katas\/alpha\/02-second\.md: line 20: a code fence with a language opens inside the code block opened at line 15/);
    const atEnd = await failure({ 'docs/guide.md': '# Guide\n\n```sh\nnpm start\n' });
    expect(atEnd.message).toContain('docs/guide.md: line 3: this code fence is never closed');
  });

  it('a Hints section without hints', async () => {
    const error = await failure({ 'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', hints: 'Just read the spec.' }) });
    expect(error.message).toContain('katas/alpha/02-second.md: "## Hints" has no hints');
  });

  it('a page that would load something from the network (a script, an image)', async () => {
    const error = await failure({
      'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', extra: '<script src="https://cdn.example.com/x.js"></script>\n\n![logo](https://example.com/logo.png)' }),
    });
    expect(error.message).toContain('katas/alpha/02-second.md: alpha/02-second.html loads a <script> from the network (https://cdn.example.com/x.js)');
    expect(error.message).toContain('loads a <img> from the network (https://example.com/logo.png)');
  });

  it('a flow diagram whose katas were renumbered (never a link to the wrong kata)', async () => {
    const error = await failure({ 'katas/alpha/07-extra.md': kataMarkdown({ title: 'Extra', number: '07' }), 'test/alpha/07-extra.test.ts': "it('x', () => {});\n" });
    expect(error.message).toContain('tools/docs/diagrams.ts: the flow diagram names kata apiserver/07, but kata 07 is katas/alpha/07-extra.md');
    expect(error.message).toContain('docs/architecture/index.md: line 11: broken link "kata:apiserver/07": kata 07 is katas/alpha/07-extra.md, not a kata of apiserver');
  });

  it('an unknown diagram', async () => {
    const error = await failure({ 'docs/architecture/flow.md': '---\ntitle: Flow\norder: 1\n---\n```diagram\nspaghetti\n```\n' });
    expect(error.message).toContain('docs/architecture/flow.md: line 5: there is no diagram named "spaghetti"');
  });

  it('every problem at once', async () => {
    const error = await failure({
      'docs/guide.md': '# A guide\n\n[a](nope-1.md) and [b](nope-2.md)\n',
      'katas/alpha/02-second.md': kataMarkdown({ title: 'Second', number: '02', extra: '[c](nope-3.md)' }),
    });
    expect(error.problems).toHaveLength(3);
    expect(error.message).toMatch(/^The docs build failed \(3 problems\):/);
  });
});

describe('the API reference (typedoc)', () => {
  it('documents kit/ and the starters as @kube/<component>, links each kata to it, and never reads solutions/', async () => {
    const out = outDir();
    await buildSite({ root: fixture(), out, api: true });
    expect(existsSync(join(out, 'api/index.html'))).toBe(true);
    const modules = readdirSync(join(out, 'api/modules'));
    expect(modules).toEqual(expect.arrayContaining(['_kube_alpha.html', '_kube_beta.html', '_kube_kit.html']));
    expect(readFileSync(join(out, 'alpha/01-first.html'), 'utf8')).toContain('href="../api/modules/_kube_alpha.html"');
    const all = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? all(join(dir, e.name)) : [join(dir, e.name)]));
    for (const file of all(join(out, 'api'))) expect(readFileSync(file, 'utf8'), file).not.toContain('SOLUTION-SECRET');
  }, 60_000);
});

describe("the workbook's own site", () => {
  // Whatever katas exist today, by whoever wrote them: their links, anchors, front matter and
  // fences must build (the API reference is left to npm run docs, for speed).
  it('builds without a problem, with a page for every kata and nothing from solutions/', async () => {
    const out = outDir();
    const result = await buildSite({ root: ROOT, out, api: false });
    const katas = readdirSync(join(ROOT, 'katas'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => readdirSync(join(ROOT, 'katas', e.name)).filter((f) => /^\d{2}-.+\.md$/.test(f)).map((f) => `${e.name}/${f.replace(/\.md$/, '.html')}`));
    expect(result.katas).toBe(katas.length);
    for (const kata of katas) expect(result.pages, kata).toContain(kata);
    expect(result.pages.filter((p) => p.startsWith('architecture/'))).toEqual(expect.arrayContaining(['architecture/index.html', 'architecture/control-plane.html', 'architecture/node.html', 'architecture/flow.html']));
    expect(result.pages.some((p) => p.includes('solutions'))).toBe(false);
  }, 200_000); // the whole site: 25 s on a quiet machine, 250 s at a load of 20
});

describe('pieces of the builder', () => {
  it('makes GitHub-style heading ids', () => {
    expect(slugify('How the real one does it')).toBe('how-the-real-one-does-it');
    expect(slugify('01 · Key-value `basics`')).toBe('01--key-value-basics');
  });

  it('makes relative URLs between pages', () => {
    expect(relativeUrl('etcd/01-kv.html', 'index.html')).toBe('../index.html');
    expect(relativeUrl('etcd/01-kv.html', 'etcd/02-mvcc.html#x')).toBe('02-mvcc.html#x');
    expect(relativeUrl('index.html', 'index.html')).toBe('index.html');
    expect(relativeUrl('a/b/c.html', 'a/d.html')).toBe('../d.html');
  });

  it('finds a code fence that is never closed, or closed too late, and only those', () => {
    expect(fenceProblems('a\n```ts\nx\n```\nb')).toEqual([]);
    expect(fenceProblems('a\n```ts\nx\n')).toEqual([{ line: 2, message: expect.stringContaining('never closed') }]);
    expect(fenceProblems('````md\n```ts\nx\n```\n````\n')).toEqual([]);
    expect(fenceProblems('inline ```code``` here')).toEqual([]);
    expect(fenceProblems('```ts\nx\n```ts\ny\n```\n')).toEqual([{ line: 3, message: expect.stringContaining('opened at line 1') }]);
  });

  it('tells a resource the browser would fetch from another host from a link a reader may follow', () => {
    const html = (body: string): Problem[] => remoteLoads('a.html', body, 'a.md');
    expect(html('<a href="https://etcd.io">etcd</a> <svg xmlns="http://www.w3.org/2000/svg"></svg>')).toEqual([]);
    expect(html('<p><code>url(https://x.example/a.png)</code> and <code>fetch("https://x.example")</code></p>')).toEqual([]);
    expect(html('<link rel="canonical" href="https://kubekata.example/">')).toEqual([]);
    expect(html('<link rel="stylesheet" href="https://fonts.example/css">')).toHaveLength(1);
    expect(html('<img srcset="a.png 1x, //cdn.example/b.png 2x">')).toHaveLength(1);
    expect(html('<div style="background: url(\'https://x.example/bg.png\')"></div>')).toHaveLength(1);
    expect(html('<script>navigator.sendBeacon("https://track.example/hit")</script>')).toHaveLength(1);
    expect(remoteLoads('a.css', '@import url("https://fonts.example/x.css");', 'a.css')).toHaveLength(1);
    expect(remoteLoads('a.css', '@import "//fonts.example/x.css";', 'a.css')).toHaveLength(1);
    expect(remoteLoads('a.css', 'a { background: url("data:image/svg+xml;utf8,<svg xmlns=\'http://www.w3.org/2000/svg\'/>") }', 'a.css')).toEqual([]);
  });

  it('reads the progress defensively: missing, malformed or odd is no progress', () => {
    const root = fixture();
    expect(readProgress(root)).toEqual({ passed: [], borrowed: [] });
    mkdirSync(join(root, '.kubekata'));
    writeFileSync(join(root, '.kubekata/state.json'), '{ not json');
    expect(readProgress(root)).toEqual({ passed: [], borrowed: [] });
    writeFileSync(join(root, '.kubekata/state.json'), '"a string"');
    expect(readProgress(root)).toEqual({ passed: [], borrowed: [] });
    writeFileSync(join(root, '.kubekata/state.json'), JSON.stringify({ passed: { '02': { at: 'x' }, '1': {} }, borrowed: ['etcd', 3], hints: {} }));
    expect(readProgress(root)).toEqual({ passed: ['01', '02'], borrowed: ['etcd'] });
    writeFileSync(join(root, '.kubekata/state.json'), JSON.stringify({ passed: ['05'], borrowed: 'etcd' }));
    expect(readProgress(root)).toEqual({ passed: ['05'], borrowed: [] });
  });

  it('serves the site on loopback with /progress.json, and nothing outside the site', async () => {
    const root = fixture();
    const out = outDir();
    await buildSite({ root, out, api: false });
    mkdirSync(join(root, '.kubekata'));
    writeFileSync(join(root, '.kubekata/state.json'), JSON.stringify({ passed: { '01': { at: 'now' } }, borrowed: [] }));
    const server = await serveSite({ dir: out, root, port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const home = await fetch(server.url);
      expect(home.status).toBe(200);
      expect(home.headers.get('content-type')).toContain('text/html');
      expect(await (await fetch(`${server.url}progress.json`)).json()).toEqual({ passed: ['01'], borrowed: [] });
      expect((await fetch(`${server.url}alpha/`)).status).toBe(200);
      expect((await fetch(`${server.url}nope.html`)).status).toBe(404);
      expect((await fetch(`${server.url}..%2f..%2fetc%2fpasswd`)).status).toBeGreaterThanOrEqual(403);
    } finally {
      await server.close();
    }
  });
});

describe('npm run docs (the command)', () => {
  const run = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const tsx = resolve('node_modules/.bin/tsx');
    const r = spawnSync(tsx, ['tools/docs.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('prints its usage with --help, and exits 2 on an unknown option', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--serve');
    const bad = run(['--frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: npm run docs');
  }, 60_000);

  it('builds a workbook, and exits 1 naming the file and the link when a link is broken', () => {
    const good = run(['--root', fixture(), '--out', outDir(), '--no-api']);
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/Built \d+ pages \(3 katas\)/);
    const broken = run(['--root', fixture({ 'docs/guide.md': '# Guide\n\n[gone](gone.md)\n' }), '--out', outDir(), '--no-api']);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('docs/guide.md: line 3: broken link "gone.md"');
  }, 60_000);
});
