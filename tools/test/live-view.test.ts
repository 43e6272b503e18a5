/**
 * The live view (tools/lib/live-view.ts) in a real browser: Debian's chromium driven by
 * playwright-core, as the docs site's test does. A control plane runs in a process of its own
 * (tools/test/fixtures/live-view-cluster.ts: the reference store, registry and apiserver over HTTP
 * on 127.21.7.1, the ReplicaSet, Deployment and Endpoints controllers, and the live view); the test
 * plays the scheduler and the kubelet through the API (it binds pods and marks them Running).
 *
 * The page is watched, never slept on: every wait is for the page's DOM to show something
 * (playwright's waitFor / waitForFunction), within the test's limit.
 *
 * - a Deployment created with 2 replicas shows 2 pods, unscheduled, then Running on their node with
 *   their IPs; scaled to 4 (a PATCH), it shows 4; the Service shows its ready endpoints; the
 *   events show the scaling;
 * - a rollout (a new image) shows the new ReplicaSet growing and the old one shrinking;
 * - each pod links to its scheduling explanation, drawn as tables;
 * - while the apiserver is down the page says its informers cannot list or watch, and it catches up after;
 * - on a phone-sized window nothing scrolls sideways; no request leaves loopback;
 * - `npm run live-view -- --kubeconfig FILE` serves the same cluster, and bad options say what is wrong.
 *
 * The control plane is a child process because the tools' tests run with the learner's target
 * (`npm test`'s check 7), whose starters cannot run a cluster; the child runs the reference's.
 *
 * Screenshots are kept in `.kubekata/screenshots/` (git-ignored), or in `$KATA_SCREENSHOTS`.
 * Without chromium the browser part is skipped with a message, except in CI, where it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Pod } from '@kube/kit';
import { podRow } from '../lib/live-view.ts';
import { jsonTable } from '../lib/live-view-page.ts';
import { ROOT } from '../lib/targets.ts';

const CHROMIUM = process.env.KATA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
/** CI systems set CI to "true" or "1"; "false" and "0" mean a local run. */
const inCI = !!process.env.CI && !/^(false|0)$/i.test(process.env.CI);
const SCREENSHOTS = resolve(process.env.KATA_SCREENSHOTS ?? join(ROOT, '.kubekata', 'screenshots'));
const HOST = '127.21.7.1';
const LIMIT = 180_000;
/** How long one wait on the page may take: shorter than a test's limit, so that a wait that fails says what it waited for. */
const WAIT = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'kubekata-live-view-'));
const children: ChildProcess[] = [];

/** A tool or fixture as a child in its own process group, and what it printed so far. */
function startChild(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; until: (pattern: RegExp, what: string) => Promise<RegExpExecArray> } {
  // node itself with tsx's loader (not the tsx command, a second process that would die of SIGUSR2).
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './tools/register.ts', ...args], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0', ...env }, detached: true });
  children.push(child);
  let output = '';
  const waiters = new Set<() => void>();
  const grow = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const waiter of waiters) waiter();
  };
  child.stdout!.on('data', grow);
  child.stderr!.on('data', grow);
  child.on('exit', () => waiters.forEach((waiter) => waiter()));
  const until = (pattern: RegExp, what: string) =>
    new Promise<RegExpExecArray>((done, fail) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) done(match);
        else if (child.exitCode !== null || child.signalCode !== null) fail(new Error(`${what}: the process ended (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`));
        else return;
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, output: () => output, until };
}

/** Sends `signal` to a child's whole process group, if any of it is left. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Ends a child's whole process group (what it started too, even if it has exited itself) and waits for it. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return signalGroup(child, 'SIGKILL');
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  signalGroup(child, 'SIGKILL');
}

let apiserver = '';
let liveView = '';

/** A request to the test's apiserver; throws with the Status it answered unless 2xx. */
async function api<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const response = await fetch(`${apiserver}${path}`, { method, headers: { 'Content-Type': contentType }, ...(body !== undefined && { body: JSON.stringify(body) }) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** A node with a Ready condition (the test stands in for its kubelet). */
async function makeNode(name: string, unschedulable = false): Promise<void> {
  await api('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { unschedulable, podCIDR: `10.244.${name.slice(-1)}.0/24` } });
  const node = await api('GET', `/api/v1/nodes/${name}`);
  node.status = { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }], addresses: [{ type: 'InternalIP', address: `127.21.7.${10 + Number(name.slice(-1))}` }] };
  await api('PUT', `/api/v1/nodes/${name}/status`, node);
}

let nextIp = 2;
/**
 * Plays the scheduler and the kubelet for the pods of app=web: one not yet bound is bound to node-1
 * and marked Running and Ready; one being deleted (a bound pod waits for its kubelet) is deleted
 * for good. Returns how many pods it ran.
 */
async function playKubelet(): Promise<number> {
  const pods = await api('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
  let ran = 0;
  for (const pod of pods.items) {
    const name = pod.metadata.name as string;
    if (pod.metadata.deletionTimestamp) {
      await api('DELETE', `/api/v1/namespaces/default/pods/${name}`, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }).catch((error: Error) => {
        if (!/ 404 /.test(error.message)) throw error;
      });
      continue;
    }
    if (pod.spec.nodeName) continue;
    await api('POST', `/api/v1/namespaces/default/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } });
    const bound = await api('GET', `/api/v1/namespaces/default/pods/${name}`);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    bound.status = {
      phase: 'Running',
      podIP: `10.244.1.${nextIp++}`,
      hostIP: '127.21.7.11',
      startTime: now,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }],
      containerStatuses: [{ name: 'app', ready: true, started: true, restartCount: 0, image: bound.spec.containers[0].image, imageID: '', state: { running: { startedAt: now } } }],
    };
    await api('PUT', `/api/v1/namespaces/default/pods/${name}/status`, bound);
    ran++;
  }
  return ran;
}

/**
 * Waits until the page has exactly `count` elements matching `selector`. The functions that run in
 * the page say `(globalThis as any).document`: this file is compiled without the DOM's types, and a
 * string instead of a function would be eval, which the page's Content-Security-Policy refuses.
 */
async function countOnPage(page: Page, selector: string, count: number): Promise<void> {
  await page.waitForFunction(([s, n]) => (globalThis as any).document.querySelectorAll(s).length === n, [selector, count] as const, { timeout: WAIT });
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
};

let cluster: ReturnType<typeof startChild>;
let kubeconfig = '';

beforeAll(async () => {
  kubeconfig = join(dir, 'kubeconfig');
  cluster = startChild(['tools/test/fixtures/live-view-cluster.ts', '--host', HOST, '--kubeconfig', kubeconfig], { KATA_TARGET: 'solutions' });
  liveView = (await cluster.until(/live-view (http:\S+)/, 'the control plane with the live view'))[1]!;
  apiserver = (await cluster.until(/apiserver (http:\S+)/, 'the apiserver'))[1]!;
}, LIMIT);

afterAll(async () => {
  for (const child of children) await stopChild(child);
  rmSync(dir, { recursive: true, force: true });
}, LIMIT);

describe('what the page is sent', () => {
  it('a pod\'s status reads as kubectl\'s STATUS column: a waiting container\'s reason, Terminating while it is deleted', () => {
    const pod = (status: object, metadata: object = {}) => ({ metadata: { name: 'web-1', namespace: 'default', ...metadata }, spec: { containers: [{ name: 'app', image: 'nginx' }] }, status }) as Pod;
    const crashing = podRow(pod({ phase: 'Running', podIP: '10.244.1.7', containerStatuses: [{ name: 'app', ready: false, restartCount: 5, image: 'nginx', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f8', uid: 'u', controller: true }] }));
    expect(crashing).toMatchObject({ phase: 'Running', status: 'CrashLoopBackOff', ready: '0/1', restarts: 5, ip: '10.244.1.7', owner: 'ReplicaSet/web-5d4f8', node: '' });
    expect(podRow(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })).status).toBe('Terminating');
    expect(podRow(pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, image: 'nginx', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] })).status).toBe('Succeeded');
    expect(podRow(pod({})).phase).toBe('Pending');
  });

  it('a scheduling explanation is drawn as tables, a list of objects as one table with a column per field, and nothing in it is taken as HTML', () => {
    const html = jsonTable({ chosen: 'node-1', nodes: [{ node: 'node-1', score: 10 }, { node: '<img src=x onerror=alert(1)>', reason: 'a & b' }] });
    expect(html).toContain('<th scope="row">chosen</th><td>node-1</td>');
    expect(html).toContain('<thead><tr><th scope="col">node</th><th scope="col">score</th><th scope="col">reason</th></tr></thead>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('a &amp; b');
  });
});

describe('the live view over HTTP', () => {
  it('serves one page with its script and style inline, and a Content-Security-Policy that lets nothing load from elsewhere', async () => {
    const response = await fetch(liveView);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const html = await response.text();
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(?!data:)/);
  });

  it('answers only loopback names (a page elsewhere cannot read the cluster by DNS rebinding), only GET, and 404 with a link home for anything else', async () => {
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>, method = 'GET', path = '/') =>
      new Promise<number>((done, fail) => {
        const url = new URL(liveView);
        const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
          res.resume();
          done(res.statusCode!);
        });
        req.on('error', fail);
        req.end();
      });
    expect(await status({ Host: 'evil.example:80' })).toBe(421);
    expect(await status({ Host: `localhost:${new URL(liveView).port}` })).toBe(200);
    expect(await status({}, 'POST')).toBe(405);
    expect(await status({}, 'GET', '/nope')).toBe(404);
    expect(await status({}, 'GET', '/explain/default/not-a-web-pod')).toBe(404);
  });
});

describe('npm run live-view', () => {
  it('says what is wrong with a bad --port or a missing kubeconfig, and exits 2', async () => {
    const badPort = startChild(['tools/live-view.ts', '--port', 'eighty'], {});
    await badPort.until(/--port eighty is not a port/, 'a bad --port');
    await new Promise((done) => badPort.child.once('exit', done));
    expect(badPort.child.exitCode).toBe(2);
    const missing = startChild(['tools/live-view.ts', '--kubeconfig', join(dir, 'absent')], {});
    await missing.until(/absent: no such file\. Start an apiserver first/, 'a missing kubeconfig');
    await new Promise((done) => missing.child.once('exit', done));
    expect(missing.child.exitCode).toBe(2);
  }, LIMIT);

  it('serves the cluster of a kubeconfig: its stream starts with a snapshot once every informer has synced', async () => {
    await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cli-probe' }, spec: { ports: [{ port: 81 }] } });
    const tool = startChild(['tools/live-view.ts', '--kubeconfig', kubeconfig, '--host', HOST, '--port', '0'], {});
    const url = (await tool.until(/on (http:\/\/\S+)/, 'npm run live-view'))[1]!;
    await tool.until(/Ctrl-C stops it/, 'npm run live-view');
    expect(tool.output()).toMatch(/live view of http:\/\/127\.21\.7\.1:\d+ \((your informers|the reference's informers: kata 17 is not finished)\)/);
    // The stream: the snapshot comes first; read until the Service shows (in it, or in a change after it).
    const response = await fetch(`${url}events`);
    const reader = response.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the stream ended before the Service showed:\n${text}`);
      text += decoder.decode(value, { stream: true });
      if (text.includes('"default/cli-probe"')) break;
    }
    await reader.cancel();
    expect(text).toMatch(/^retry: 1000\n\nevent: snapshot\ndata: \{/);
    await stopChild(tool.child);
    await api('DELETE', '/api/v1/namespaces/default/services/cli-probe');
  }, LIMIT);
});

const skipReason = !haveChromium && !inCI ? `no chromium at ${CHROMIUM}. Install it (sudo apt-get install -y chromium, or point KATA_CHROMIUM at one) to run the browser test; in CI it is required and its absence fails.` : undefined;

if (skipReason) {
  describe('the live view in a browser (chromium)', () => {
    it(`is skipped: ${skipReason}`, () => {
      console.warn(`[live-view] SKIPPED: ${skipReason}`);
    });
  });
} else {
  describe('the live view in a browser (chromium)', () => {
    let browser: Browser;
    const outside: string[] = [];

    beforeAll(async () => {
      if (!haveChromium) throw new Error(`CI is set but there is no chromium at ${CHROMIUM}: .ci/run must install it (apt-get install -y chromium).`);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Chromium's sandbox cannot run as root, nor in most containers; the page is our own, on loopback.
        chromiumSandbox: false,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      mkdirSync(SCREENSHOTS, { recursive: true });
    }, LIMIT);

    afterAll(async () => {
      await browser?.close();
    });

    /** A page on the live view; anything not served by it is refused and remembered. */
    async function open(width: number, height: number): Promise<Page> {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(liveView) || url.startsWith('data:') || url === 'about:blank') return route.continue();
        outside.push(url);
        return route.abort();
      });
      page.setDefaultTimeout(WAIT);
      page.on('pageerror', (error) => console.error(`[live-view] the page threw: ${error.message}`));
      page.on('console', (message) => message.type() === 'error' && console.error(`[live-view] the page's console: ${message.text()}`));
      await page.goto(liveView);
      await page.locator('#conn[data-state="live"]').waitFor();
      await page.locator('body[data-synced="true"]').waitFor();
      return page;
    }

    async function shoot(page: Page, name: string): Promise<void> {
      const path = join(SCREENSHOTS, `live-view-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      console.log(`[live-view] screenshot: ${path}`);
    }

    it('shows a Deployment of 2 appear, run on its node, then scale to 4, with its ReplicaSet, its Service\'s endpoints and the events', async () => {
      const page = await open(1280, 800);
      await makeNode('node-1');
      await makeNode('node-2', true);
      await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
      await page.locator('.node[data-node="node-2"] .badge', { hasText: 'cordoned' }).waitFor();
      await page.locator('tr.service[data-service="default/web"][data-endpoints="0"]').waitFor();

      await api('POST', '/apis/apps/v1/namespaces/default/deployments', deployment);
      // The ReplicaSet controller's pods show, not yet scheduled.
      await countOnPage(page, '.node[data-node=""] tr.pod[data-phase="Pending"]', 2);
      await page.locator('[data-deployment="default/web"][data-replicas="2"] tr.rs[data-desired="2"][data-current="2"]').waitFor();
      await page.locator('tr.event[data-reason="ScalingReplicaSet"]', { hasText: 'from 0 to 2' }).waitFor();

      expect(await playKubelet()).toBe(2);
      await countOnPage(page, '.node[data-node="node-1"] tr.pod[data-phase="Running"]', 2);
      await countOnPage(page, '.node[data-node=""]', 0);
      await page.locator('[data-deployment="default/web"][data-ready="2"]').waitFor();
      await page.locator('tr.service[data-service="default/web"][data-endpoints="2"]').waitFor();
      const row = page.locator('.node[data-node="node-1"] tr.pod').first();
      expect(await row.locator('td').nth(1).textContent()).toBe('Running');
      expect(await row.locator('td').nth(2).textContent()).toBe('0');
      expect(await row.locator('td').nth(3).textContent()).toMatch(/^10\.244\.1\.\d+$/);
      expect(await row.locator('td').nth(4).textContent()).toMatch(/^\d+s$/);
      await shoot(page, 'two');

      await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { replicas: 4 } }, 'application/merge-patch+json');
      await countOnPage(page, 'tr.pod[data-pod^="default/web-"]', 4);
      await countOnPage(page, '.node[data-node=""] tr.pod', 2);
      await page.locator('tr.event[data-reason="ScalingReplicaSet"]', { hasText: 'from 2 to 4' }).waitFor();
      expect(await playKubelet()).toBe(2);
      await countOnPage(page, '.node[data-node="node-1"] tr.pod[data-phase="Running"]', 4);
      await page.locator('[data-deployment="default/web"][data-ready="4"] tr.rs[data-desired="4"][data-ready="4"]').waitFor();
      await page.locator('tr.service[data-service="default/web"][data-endpoints="4"]').waitFor();
      expect(await page.locator('#counts').textContent()).toContain('2 nodes · 4 pods (4 running)');
      await shoot(page, 'four');
      expect(outside, 'requests that left loopback').toEqual([]);
      await page.close();
    }, LIMIT);

    it('shows a rollout: the new ReplicaSet grows while the old one shrinks to 0', async () => {
      const page = await open(1280, 800);
      await countOnPage(page, '[data-deployment="default/web"] tr.rs', 1);
      await api('PATCH', '/apis/apps/v1/namespaces/default/deployments/web', { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }, 'application/strategic-merge-patch+json');
      // Both ReplicaSets are on the page while the rollout runs: the old one still has pods.
      await page.waitForFunction(() => [...(globalThis as any).document.querySelectorAll('[data-deployment="default/web"] tr.rs')].filter((r) => Number(r.dataset.current) > 0).length === 2, undefined, { timeout: WAIT });
      await shoot(page, 'rollout');
      // Play the kubelet until the page shows the rollout done: every pod it waits for, we run; every pod it deletes, we remove.
      for (;;) {
        const state = await page.waitForFunction(
          () => {
            const done = (globalThis as any).document.querySelector('[data-deployment="default/web"][data-ready="4"] tr.rs[data-desired="4"][data-ready="4"]:first-child') && (globalThis as any).document.querySelectorAll('[data-deployment="default/web"] tr.rs:not([data-current="0"])').length === 1;
            if (done) return 'done';
            return (globalThis as any).document.querySelector('.node[data-node=""] tr.pod[data-pod^="default/web-"], tr.pod[data-status="Terminating"]') ? 'pending' : false;
          },
          undefined,
          { timeout: WAIT },
        );
        if ((await state.jsonValue()) === 'done') break;
        await playKubelet();
      }
      const sets = page.locator('[data-deployment="default/web"] tr.rs');
      expect(await sets.first().locator('td').nth(1).textContent(), 'the newest revision first').toBe('2');
      expect(await page.locator('[data-deployment="default/web"]').textContent()).toContain('revision 2');
      await page.locator('tr.event[data-reason="ScalingReplicaSet"]', { hasText: 'to 0' }).waitFor();
      await page.close();
    }, LIMIT);

    it('links each pod to its scheduling explanation, drawn as tables, and back', async () => {
      const page = await open(1280, 800);
      const link = page.locator('.node[data-node="node-1"] tr.pod a').first();
      const pod = (await link.textContent())!;
      await link.click();
      await page.locator('#explanation table').first().waitFor();
      expect(await page.locator('h1').textContent()).toBe(`Why pod default/${pod} went where it did`);
      const nodes = page.locator('#explanation table table');
      expect(await nodes.locator('th').allTextContents()).toEqual(['node', 'filter', 'score']);
      expect(await nodes.locator('tbody tr').nth(1).textContent()).toContain('NodeUnschedulable: node(s) were unschedulable');
      await page.locator('a', { hasText: 'the live view' }).click();
      await page.locator('#conn[data-state="live"]').waitFor();
      await page.close();
    }, LIMIT);

    it('says so on the page while its informers cannot reach the apiserver, and catches up once they can', async () => {
      const page = await open(1280, 800);
      const stopped = cluster.output().split('apiserver stopped').length;
      process.kill(cluster.child.pid!, 'SIGUSR2');
      await cluster.until(new RegExp(`(apiserver stopped[^]*){${stopped}}`), 'the apiserver stopping');
      const banner = page.locator('.banner[data-problem*="pods"]');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/^the informers of .*pods.* cannot list or watch: .+ \(they retry; the page may be out of date\)$/);
      await shoot(page, 'apiserver-down');
      const started = cluster.output().split('apiserver started').length;
      process.kill(cluster.child.pid!, 'SIGUSR2');
      await cluster.until(new RegExp(`(apiserver started[^]*){${started}}`), 'the apiserver starting again');
      await api('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'after' }, spec: { ports: [{ port: 82 }] } });
      await page.locator('tr.service[data-service="default/after"]').waitFor();
      await countOnPage(page, '.banner[data-problem]', 0);
      expect(await page.locator('#conn').getAttribute('data-state')).toBe('live');
      await page.close();
    }, LIMIT);

    it('fits a phone: the pods are there and nothing scrolls sideways', async () => {
      const page = await open(390, 844);
      await countOnPage(page, '.node[data-node="node-1"] tr.pod[data-phase="Running"]', 4);
      const overflow = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);
      expect(overflow, 'pixels the page scrolls sideways on a 390 px wide phone').toBeLessThanOrEqual(0);
      const size = await page.locator('tr.pod td').first().evaluate((td) => parseFloat((globalThis as any).getComputedStyle(td).fontSize));
      expect(size, 'the pods\' type size on a phone (px)').toBeGreaterThanOrEqual(16);
      await shoot(page, 'phone');
      expect(outside, 'requests that left loopback').toEqual([]);
      await page.close();
    }, LIMIT);
  });
}
