/**
 * The API reference, made by typedoc's Node API: `kit/index.ts` (`@kube/kit`) and every starter's
 * `katas/<component>/index.ts` (`@kube/<component>`) — the signatures and TSDoc the learner codes
 * against. Never `solutions/`: the program typedoc reads is the workbook's tsconfig.json narrowed
 * to kit/ and katas/ (a temporary tsconfig that extends it), which is also what keeps it fast
 * (about 2 s, against 8 s for the whole program with tests and tools).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Application, Converter, JSX, PageEvent, ReflectionKind, TSConfigReader } from 'typedoc';
import { DocsError } from './errors.ts';
import { LOGO_SVG } from './layout.ts';

/** What the API build produced. */
export interface ApiResult {
  /** component ("etcd", or "kit") → the site path of its module page ("api/modules/_kube_etcd.html") */
  modules: Map<string, string>;
  /** every file written, relative to the site's folder ("api/index.html", ...) */
  files: string[];
}

/** The entry points typedoc documents: kit/index.ts, then each katas/<component>/index.ts. */
export function apiEntryPoints(root: string): string[] {
  const entries: string[] = [];
  if (existsSync(join(root, 'kit', 'index.ts'))) entries.push(join(root, 'kit', 'index.ts'));
  const katas = join(root, 'katas');
  if (existsSync(katas)) {
    for (const entry of readdirSync(katas, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.isDirectory() && existsSync(join(katas, entry.name, 'index.ts'))) entries.push(join(katas, entry.name, 'index.ts'));
    }
  }
  return entries;
}

/**
 * Writes the API reference into `<site>/api/`. Fails with a {@link DocsError} when typedoc cannot
 * read the code or reports errors.
 */
export async function buildApi(root: string, site: string, log: (message: string) => void = () => {}): Promise<ApiResult> {
  const entryPoints = apiEntryPoints(root);
  const tsconfig = join(root, 'tsconfig.json');
  if (entryPoints.length === 0) return { modules: new Map(), files: [] };
  if (!existsSync(tsconfig)) throw new DocsError([{ file: 'tsconfig.json', message: 'is missing: typedoc needs it to read kit/ and katas/.' }]);

  const temp = mkdtempSync(join(tmpdir(), 'kubekata-typedoc-'));
  try {
    const narrowed = join(temp, 'tsconfig.json');
    writeFileSync(narrowed, JSON.stringify({ extends: tsconfig, include: [join(root, 'kit'), join(root, 'katas')], exclude: [] }, null, 2));
    const favicon = join(temp, 'logo.svg');
    writeFileSync(favicon, LOGO_SVG);
    const out = join(site, 'api');
    // Only the tsconfig reader: typedoc must not read this process's command line or a typedoc.json.
    const app = await Application.bootstrapWithPlugins(
      {
        entryPoints,
        tsconfig: narrowed,
        name: 'kubekata API',
        readme: 'none',
        excludePrivate: true,
        excludeInternal: true,
        disableSources: true,
        hideGenerator: true,
        favicon,
        githubPages: false,
        skipErrorChecking: true,
        logLevel: 'Warn',
        plugin: [],
      },
      [new TSConfigReader()],
    );
    const moduleOf = new Map<string, string>(); // typedoc module name → component
    app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
      for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
        const component = module.name.replace(/^katas\//, '').replace(/\/index$/, '');
        module.name = `@kube/${component}`;
        moduleOf.set(module.name, component);
      }
    });
    const modules = new Map<string, string>();
    app.renderer.on(PageEvent.BEGIN, (page) => {
      const component = moduleOf.get(page.model.name);
      if (component !== undefined && 'kind' in page.model && page.model.kind === ReflectionKind.Module) modules.set(component, `api/${page.url}`);
    });
    app.renderer.hooks.on('body.begin', (context) =>
      JSX.createElement(JSX.Raw, {
        html: `<div style="font:14px/1.4 system-ui,sans-serif;padding:6px 16px;background:#326ce5"><a href="${context.relativeURL('./')}../index.html" style="color:#fff;text-decoration:none">← kubekata: the workbook</a></div>`,
      }),
    );
    const project = await app.convert();
    if (!project || app.logger.hasErrors()) {
      throw new DocsError([{ file: 'kit/, katas/*/index.ts', message: 'typedoc could not document the API (its errors are above).' }]);
    }
    await app.generateDocs(project, out);
    if (app.logger.hasErrors()) throw new DocsError([{ file: 'api/', message: 'typedoc failed to write the API reference (its errors are above).' }]);
    log(`API reference: ${entryPoints.map((e) => relative(root, e)).join(', ')}`);
    return { modules, files: listFiles(out).map((f) => `api/${f}`) };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}
