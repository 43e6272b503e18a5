/**
 * `npm run docs -- --serve`: the built site on loopback (127.0.0.1 only), plus `/progress.json`,
 * the learner's progress read fresh from `.kubekata/state.json` on every request, which the map
 * shows. Static files only; nothing outside the site's folder is ever served.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { readProgress } from './progress.ts';

/** A running server. */
export interface SiteServer {
  /** "http://127.0.0.1:4173/" */
  url: string;
  port: number;
  /** stops the server */
  close(): Promise<void>;
}

/** How to serve. */
export interface ServeOptions {
  /** the built site's folder */
  dir: string;
  /** the workbook's root, whose `.kubekata/state.json` gives the progress */
  root: string;
  /** the port; 0 picks a free one */
  port?: number;
  /** the address to listen on; loopback by default */
  host?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Serves the site in `dir` until closed. */
export function serveSite(options: ServeOptions): Promise<SiteServer> {
  const dir = resolve(options.dir);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const headers = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, allow: 'GET, HEAD' }).end();
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end('bad request');
      return;
    }
    if (path === '/progress.json') {
      const body = JSON.stringify(readProgress(options.root));
      res.writeHead(200, { ...headers, 'content-type': TYPES['.json']! });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    let file = resolve(join(dir, path));
    if (file !== dir && !file.startsWith(dir + sep)) {
      res.writeHead(403, headers).end('forbidden');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      const notFound = join(dir, '404.html');
      res.writeHead(404, { ...headers, 'content-type': TYPES['.html']! });
      if (req.method === 'HEAD' || !existsSync(notFound)) res.end('not found');
      else createReadStream(notFound).pipe(res);
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4173, host, () => {
      const { port } = server.address() as AddressInfo;
      resolvePromise({
        url: `http://${host}:${port}/`,
        port,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}
