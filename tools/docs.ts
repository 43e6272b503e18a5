/**
 * `npm run docs`: the workbook as a website — every kata's instructions, the architecture with its
 * diagrams, the API reference — built into `site/` (git-ignored). With `--serve`, also served on
 * 127.0.0.1 with the learner's progress on the map.
 *
 *   npm run docs                       build into site/
 *   npm run docs -- --out DIR          build into DIR
 *   npm run docs -- --serve [--port N] build, then serve on http://127.0.0.1:N/ (default 4173)
 *   npm run docs -- --no-api           skip the API reference (faster, for writing katas)
 *
 * Exit codes: 0 built (or served until Ctrl-C), 1 the build found problems (each named with its
 * file) or the port to serve on is taken, 2 a wrong command line.
 */
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSite } from './docs/build.ts';
import { DocsError } from './docs/errors.ts';
import { serveSite } from './docs/serve.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: npm run docs -- [options]
  --out DIR     where to write the site (default: site/)
  --serve       after building, serve the site on 127.0.0.1 with your progress on the map
  --port N      the port to serve on (default: 4173; 0 picks a free one)
  --no-api      skip the API reference (typedoc), for a faster build
  --root DIR    the workbook to build (default: this one)
  -h, --help    this help`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        out: { type: 'string', default: 'site' },
        serve: { type: 'boolean', default: false },
        port: { type: 'string', default: '4173' },
        'no-api': { type: 'boolean', default: false },
        root: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port ${values.port} is not a port number (0-65535).\n`);
    return 2;
  }
  const root = values.root ? resolve(values.root) : ROOT;
  const out = resolve(values.out);

  const started = performance.now();
  try {
    const result = await buildSite({ root, out, api: !values['no-api'], log: (m) => process.stdout.write(`${m}\n`) });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const phases = Object.entries(result.timings).map(([k, v]) => `${k} ${v} ms`).join(', ');
    process.stdout.write(`Built ${result.pages.length} pages (${result.katas} katas) into ${relative(process.cwd(), out) || '.'}/ in ${seconds} s (${phases}).\n`);
  } catch (error) {
    if (error instanceof DocsError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  if (!values.serve) {
    process.stdout.write(`Open ${relative(process.cwd(), resolve(out, 'index.html'))}, or serve it with your progress: npm run docs -- --serve\n`);
    return 0;
  }
  let server;
  try {
    server = await serveSite({ dir: out, root, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(`Port ${port} is in use (another npm run docs -- --serve?): choose another with --port N, or --port 0 for any free one.\n`);
    return 1;
  }
  process.stdout.write(`Serving on ${server.url} (your progress from .kubekata/state.json). Ctrl-C to stop.\n`);
  await new Promise<void>((done) => {
    const stop = (): void => void server.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm run docs failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
