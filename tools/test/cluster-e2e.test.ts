/**
 * The whole cluster of kata 29 (the reference), end to end, as a user meets it: real processes
 * for containers, the real kubectl (v1.32) over HTTPS, real TCP through kube-proxy, real DNS.
 *
 * One story, step by step (each step needs the ones before): a Deployment of the echo image and a
 * Service; HTTP through the ClusterIP and through the Service's DNS name answers from all three
 * pods; kubectl logs, exec (with the environment the kubelet made; -i streamed, -t on a
 * terminal), run -i --rm and attach, a Job run to completion, and port-forward; a container's process killed is restarted (restartCount 1);
 * kubectl scale; kubectl set image rolls out while a client sending requests all the while sees
 * no error; one node's kubelet stopped: its pods are replaced on the other node after the grace
 * period (20 s here, upstream's 50 s) and the pods' tolerationSeconds (5 s, the Deployment says
 * so); the control plane restarted: state recovered from the WAL, the pods untouched, the
 * watches resumed; then stop leaves no container process behind.
 *
 * The waits are bounded by the test's timeout and poll every 100 ms: this test runs real
 * processes and the real kubectl, not a kata's code on a FakeClock.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '@kube/cluster';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { createCertificateRequest, Random, type Pod, type Service } from '@kube/kit';
import type { Summary } from '@kube/kubelet';
import { parseResolvConf } from '@kube/proxy';
import { lookup4 } from '../../kit/images/resolver.mjs';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';

const run = promisify(execFile);
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl && process.env.CI === 'true') throw new Error('kubectl is not installed, and CI requires it (v1.32).');

const dir = mkdtempSync(join(tmpdir(), 'kubekata-e2e-'));
let cluster: Cluster | undefined;

/** kubectl with the cluster's kubeconfig (asynchronous: the apiserver is in this process). */
async function kubectl(...args: string[]): Promise<string> {
  try {
    return (await run('kubectl', ['--kubeconfig', cluster!.kubeconfig!, ...args], { timeout: 60_000 })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** kubectl apply of a YAML text. */
async function apply(yaml: string): Promise<string> {
  const child = execFile('kubectl', ['--kubeconfig', cluster!.kubeconfig!, 'apply', '-f', '-'], { timeout: 60_000 });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  child.stdin!.end(yaml);
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  if (code !== 0) throw new Error(`kubectl apply failed: ${err}`);
  return out;
}

/** A step of {@link interact} that resizes kubectl's terminal, as a user resizing their window does. */
interface Resize {
  columns: number;
  rows: number;
}

/** The terminal of `script`'s child (the shell that runs kubectl): a process whose parent is `pid`, its stdin. */
function terminalUnder(pid: number): string {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const terminal = readlinkSync(`/proc/${entry}/fd/0`);
      if (parent === pid && terminal.startsWith('/dev/pts/')) return terminal;
    } catch {
      // gone meanwhile, or not ours
    }
  }
  throw new Error(`no terminal under process ${pid}`);
}

/**
 * kubectl with input given step by step: each string of `script` is either input (ending in a
 * newline) or output to wait for before the next input; a {@link Resize} resizes its terminal.
 * With `terminal`, kubectl runs on a pseudo-terminal (util-linux `script`); with `end`, its stdin
 * ends after the last input, else once it has exited. Resolves with its exit code and output once
 * it exits, killed after 60 s.
 */
async function interact(args: string[], script: (string | Resize)[], options: { terminal?: boolean; end?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['kubectl', '--kubeconfig', cluster!.kubeconfig!, ...args];
  const quoted = argv.map((word) => `'${word.replaceAll("'", `'"'"'`)}'`).join(' ');
  const child = options.terminal ? execFile('script', ['-q', '-e', '-c', `stty cols 80 rows 24; ${quoted}`, '/dev/null'], { timeout: 60_000 }) : execFile(argv[0]!, argv.slice(1), { timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  let waiting: (() => void) | undefined;
  child.stdout!.on('data', (d) => ((stdout += d), waiting?.()));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  for (const step of script) {
    // The kernel sends SIGWINCH to kubectl, which sends the new size on the exec's resize channel.
    if (typeof step !== 'string') await run('stty', ['-F', terminalUnder(child.pid!), 'cols', String(step.columns), 'rows', String(step.rows)]);
    else if (step.endsWith('\n')) child.stdin!.write(step);
    else if (!stdout.includes(step)) await Promise.race([exited, new Promise<void>((resolve) => (waiting = () => stdout.includes(step) && resolve()))]);
  }
  if (options.end) child.stdin!.end();
  const code = await exited;
  child.stdin!.destroy();
  return { code, stdout, stderr };
}

/** Polls `check` every 100 ms until it returns a value (not undefined); the test's timeout bounds it. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (!cluster) throw new Error(`gave up waiting for ${what}: the cluster stopped (${String(last)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const ready = (pod: Pod) => pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const webPods = async () => (await cluster!.client.pods('default').list({ labelSelector: 'app=web' })).items;

/** The Ready pods of `web`, once there are `n` of them (and no other live ones). */
async function readyPods(n: number, where: (pod: Pod) => boolean = () => true): Promise<Pod[]> {
  return until(`${n} ready web pods`, async () => {
    const pods = (await webPods()).filter((p) => !p.metadata.deletionTimestamp);
    const good = pods.filter((p) => ready(p) && where(p));
    return good.length === n && pods.length === n ? good : undefined;
  });
}

/** One HTTP GET, a new connection each time; resolves with the echo's JSON. */
function get(host: string, port: number, path = '/'): Promise<{ pod: string; pid: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch (error) {
          reject(new Error(`not the echo's JSON (${res.statusCode}): ${body}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends GETs until every one of `pods` answered (at most 300). */
async function answeredBy(host: string, port: number, pods: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 300 && pods.some((p) => !seen.has(p)); i++) seen.add((await get(host, port)).pod);
  return seen;
}

/**
 * The addresses this process has a TCP socket in LISTEN state on, `127.0.28.1:41234` (from
 * /proc/net/tcp, by the socket inodes of /proc/self/fd): a cluster another process runs on the
 * same addresses (`npm run cluster` left open) is not this test's.
 */
function listeningOn(): string[] {
  const ownSockets = new Set(
    readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1] ?? ''];
      } catch {
        return [];
      }
    }),
  );
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A' && ownSockets.has(fields[9] ?? ''))
    .map((fields) => {
      const [hex, port] = fields[1]!.split(':');
      const ip = [3, 2, 1, 0].map((i) => Number.parseInt(hex!.slice(i * 2, i * 2 + 2), 16)).join('.');
      return `${ip}:${Number.parseInt(port!, 16)}`;
    });
}

const MANIFEST = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 5
      tolerations:
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
      containers:
      - name: app
        image: kubekata/echo
        ports: [{containerPort: 8080, name: http}]
        # serve on for 2 s after SIGTERM while the endpoints leave kube-proxy (a preStop sleep's job)
        env:
        - {name: SHUTDOWN_DELAY_SECONDS, value: "2"}
        # the kubelet's own lookups: a field of the pod, and $(NAME) of the Service variables
        - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        - {name: API, value: "$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)"}
        readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{name: http, port: 8080, targetPort: http}]
`;

afterAll(async () => {
  const stopping = cluster;
  cluster = undefined;
  await stopping?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

if (onReference) describe.runIf(hasKubectl)('the whole cluster, end to end, with real processes and the real kubectl', { timeout: 120_000 }, () => {
  let clusterIP = '';

  it('starts with two Ready nodes and the kubernetes Service, as kubectl shows them', async () => {
    cluster = await startCluster({
      nodes: 2,
      runtime: 'process',
      dataDir: dir,
      host: '127.0.28.1',
      dns: { host: '127.0.28.53', port: 0 },
      serviceCIDR: '127.228.0.0/16',
      random: new Random(2029),
      settings: { nodeMonitorGracePeriodMs: 20_000 },
    });
    const nodes = await kubectl('get', 'nodes');
    expect(nodes).toMatch(/node-1\s+Ready/);
    expect(nodes).toMatch(/node-2\s+Ready/);
    expect(await kubectl('get', 'service', 'kubernetes')).toContain('127.228.0.1');
    // the node controller says it knows each node, as kubectl describe node shows it
    const described = await until('RegisteredNode on node-2', async () => {
      const text = await kubectl('describe', 'node', 'node-2');
      return /RegisteredNode/.test(text) ? text : undefined;
    });
    expect(described).toMatch(/Normal\s+RegisteredNode\s+\S+\s+node-controller\s+Node node-2 event: Registered Node node-2 in Controller/);
    // every namespace has its ServiceAccount "default", as the service accounts controller makes it
    const accounts = await until('the default ServiceAccount in kube-system', async () => {
      const text = await kubectl('get', 'serviceaccounts', '-n', 'kube-system');
      return /^default\s/m.test(text) ? text : undefined;
    });
    expect(accounts).toMatch(/^NAME\s+SECRETS\s+AGE\ndefault\s+0\s+/);
  });

  it('applies a Deployment of 3 echo pods and a Service, and HTTP through the ClusterIP reaches all three', async () => {
    expect(await apply(MANIFEST)).toContain('deployment.apps/web created');
    const pods = await readyPods(3);
    clusterIP = (await cluster!.client.resource<Service>('services', 'default').get('web')).spec!.clusterIP!;
    expect(clusterIP).toMatch(/^127\.228\./);
    const names = pods.map((p) => p.metadata.name!);
    const seen = await until('the Service answers from every pod', async () => {
      const answered = await answeredBy(clusterIP, 8080, names);
      return names.every((n) => answered.has(n)) ? answered : undefined;
    });
    expect([...seen].sort()).toEqual([...names].sort());
    // a Service with an unnamed port: its slice names the port '' (kubectl describe reads the name through a pointer)
    expect(await kubectl('expose', 'deployment', 'web', '--name=web-plain', '--port=8081', '--target-port=8080')).toContain('service/web-plain exposed');
    const described = await until('web-plain has its endpoints', async () => {
      const text = await kubectl('describe', 'service', 'web-plain');
      return /Endpoints:\s+127\./.test(text) ? text : undefined;
    });
    expect(described).toMatch(/Port:\s+<unset>\s+8081\/TCP/);
  });

  it('answers through the Service\'s DNS name, as a pod resolves it (web, then web.default.svc.cluster.local)', async () => {
    const server = cluster!.parts.dnsAddress!;
    const short = await lookup4('web', { server, search: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'], ndots: 5 });
    expect(short).toEqual({ fqdn: 'web.default.svc.cluster.local', addresses: [clusterIP] });
    const answer = await get(short.addresses[0]!, 8080);
    expect(answer.pod).toMatch(/^web-/);
  });

  it('shows a pod\'s log with kubectl logs, and runs a command in it with kubectl exec', async () => {
    const [pod] = await readyPods(3);
    expect(await kubectl('logs', pod!.metadata.name!)).toContain('echo: listening on');
    expect((await kubectl('exec', pod!.metadata.name!, '--', 'printenv', 'POD_NAME')).trim()).toBe(pod!.metadata.name);
    // the environment as upstream's kubelet makes it: valueFrom, the Service variables, $(NAME)
    expect((await kubectl('exec', pod!.metadata.name!, '--', 'printenv', 'NODE', 'API')).trim().split('\n')).toEqual([pod!.spec!.nodeName, '127.228.0.1:443']);
  });

  it('streams kubectl exec -i, gives kubectl exec -it a terminal, and kubectl run -i --rm and kubectl attach reach a container\'s own stdin', async () => {
    const [pod] = await readyPods(3);
    const name = pod!.metadata.name!;
    // Each line is answered as it comes: the command reads its input while it runs.
    const upper = ['-e', 'require("readline").createInterface({ input: process.stdin }).on("line", (l) => console.log(l.toUpperCase())).on("close", () => process.exit(2))'];
    expect(await interact(['exec', '-i', name, '--', 'node', ...upper], ['one\n', 'ONE', 'two\n', 'TWO'], { end: true })).toMatchObject({ code: 2, stdout: 'ONE\nTWO\n' });
    // -t on a terminal (util-linux script gives kubectl one): the shell's prompt, its tty, its exit code.
    // (Each line typed once the shell's prompt is there: a terminal echoes input typed ahead before
    // the prompt. The second prompt is the one after a line break, once the answer is printed.)
    const terminal = await interact(['exec', '-it', name, '--', 'env', 'PS1=ready> ', 'sh'], ['ready> ', 'echo $((6 * 7)) on $(tty)\n', '\r\nready> ', 'exit 3\n'], { terminal: true });
    expect([terminal.code, terminal.stdout]).toEqual([3, expect.stringMatching(/^ready> echo .*\r\n42 on \/dev\/pts\/\d+\r\nready> exit 3\r\n/)]);
    // The window resized while the command runs: it gets SIGWINCH and the new size, as a full-screen program redraws.
    const showSize = ['-e', 'const show = () => console.log(`size ${process.stdout.columns}x${process.stdout.rows}`); process.stdout.on("resize", show); show(); process.stdin.on("data", () => process.exit(0))'];
    const resized = await interact(['exec', '-it', name, '--', 'node', ...showSize], ['size 80x24', { columns: 132, rows: 43 }, 'size 132x43', { columns: 100, rows: 30 }, 'size 100x30', 'q\n'], { terminal: true });
    // (stty sets the columns, then the rows: the program may see 132x24 on the way, as on a terminal of one's own.)
    expect([resized.code, resized.stdout]).toEqual([0, expect.stringMatching(/^size 80x24\r\n(size 132x24\r\n)?size 132x43\r\n(size 100x43\r\n)?size 100x30\r\n/)]);
    // kubectl run -i --rm: the pod's container gets stdin (stdinOnce), kubectl attaches, then deletes the pod.
    const once = await interact(['run', 'upper', '--image=kubekata/node', '--rm', '-i', '--restart=Never', '--', ...upper], ['one\n', 'ONE', 'two\n', 'TWO'], { end: true });
    expect([once.code, once.stdout]).toEqual([2, 'ONE\nTWO\npod "upper" deleted\n']);
    // kubectl attach -i to a running container that keeps its stdin open (no stdinOnce): two clients in
    // turn, each detached when its input ends (containerd's rule), the container running on.
    await kubectl('run', 'cat', '--image=kubekata/node', '--stdin', '--attach=false', '--leave-stdin-open', '--', '-e', 'process.stdin.on("data", (d) => process.stdout.write(`got ${d}`))');
    await until('pod cat running', async () => ((await cluster!.client.pods('default').get('cat')).status?.phase === 'Running' ? true : undefined));
    for (const word of ['first', 'second']) expect(await interact(['attach', '-i', 'cat'], [`${word}\n`, `got ${word}`], { end: true })).toMatchObject({ code: 0, stdout: `got ${word}\n` });
    await kubectl('delete', 'pod', 'cat', '--grace-period=1');
  });

  it('debugs a running pod with kubectl debug: an ephemeral container beside its own, interactive with -i, never counted as one of its containers, and never named as another container', async () => {
    const [pod] = await readyPods(3);
    const name = pod!.metadata.name!;
    const upper = ['-e', 'require("readline").createInterface({ input: process.stdin }).on("line", (l) => console.log(l.toUpperCase()))'];
    // -i: kubectl patches pods/ephemeralcontainers, waits for the container to run, and attaches to its stdin.
    const session = await interact(['debug', '-i', name, '--image=kubekata/node', '-c', 'dbg', '--arguments-only', '--', ...upper], ['one\n', 'ONE', 'two\n', 'TWO'], { end: true });
    expect([session.code, session.stdout]).toEqual([0, 'ONE\nTWO\n']);
    const debugged = await cluster!.client.pods('default').get(name);
    expect(debugged.status?.ephemeralContainerStatuses).toEqual([expect.objectContaining({ name: 'dbg', ready: false, state: { running: expect.anything() } })]);
    expect(await kubectl('get', 'pod', name, '--no-headers')).toMatch(/ 1\/1 +Running /);
    expect(await kubectl('describe', 'pod', name)).toMatch(/Ephemeral Containers:\n  dbg:\n/);
    expect(await kubectl('logs', name, '-c', 'dbg')).toBe('ONE\nTWO\n');
    // The name of one of the pod's own containers is refused in upstream's words; the name of the
    // ephemeral one again makes kubectl's patch empty, which changes nothing.
    await expect(kubectl('debug', name, '--image=kubekata/sleeper', '-c', 'app')).rejects.toThrow('spec.ephemeralContainers[1].name: Duplicate value: "app"');
    await kubectl('debug', name, '--image=kubekata/sleeper', '-c', 'dbg');
    expect((await cluster!.client.pods('default').get(name)).spec?.ephemeralContainers?.map((c) => `${c.name} ${c.image}`)).toEqual(['dbg kubekata/node']);
    // kubectl debug node/<node>: a pod on the node's network, whose IP is the node's.
    const node = pod!.spec!.nodeName!;
    const created = await kubectl('debug', `node/${node}`, '--image=kubekata/sleeper');
    const debugPod = /Creating debugging pod (\S+) with container debugger on node/.exec(created)?.[1];
    expect(debugPod, created).toBeDefined();
    const onNode = await until(`pod ${debugPod} running`, async () => {
      const p = await cluster!.client.pods('default').get(debugPod!);
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const nodeIP = (await cluster!.client.nodes().get(node)).status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    expect([onNode.spec?.hostNetwork, onNode.status?.podIP, onNode.status?.podIPs]).toEqual([true, nodeIP, [{ ip: nodeIP }]]);
    // ClusterFirst on the node's network means the node's resolver: the machine's resolv.conf (none: 127.0.0.1)
    const machine = existsSync('/etc/resolv.conf') ? parseResolvConf(readFileSync('/etc/resolv.conf', 'utf8')).nameservers.slice(0, 3) : ['127.0.0.1'];
    expect((await kubectl('exec', debugPod!, '--', 'printenv', 'KUBE_DNS_SERVER')).trim()).toBe(machine.join(' '));
    await kubectl('delete', 'pod', debugPod!, '--grace-period=1');
  });

  it("gives a pod the resolver its dnsPolicy asks for, refuses None without a nameserver in upstream's words, and warns of nameservers cut", async () => {
    await expect(kubectl('run', 'dns-none', '--image=kubekata/sleeper', '--overrides={"spec":{"dnsPolicy":"None"}}')).rejects.toThrow(
      'The Pod "dns-none" is invalid: spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None',
    );
    const dnsConfig = { nameservers: ['10.0.0.53'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }] };
    await kubectl('run', 'dns-none', '--image=kubekata/sleeper', `--overrides=${JSON.stringify({ spec: { dnsPolicy: 'None', dnsConfig } })}`);
    await until('pod dns-none running', async () => ((await cluster!.client.pods('default').get('dns-none')).status?.phase === 'Running' ? true : undefined));
    expect((await kubectl('exec', 'dns-none', '--', 'printenv', 'KUBE_DNS_SERVER', 'KUBE_DNS_SEARCH', 'KUBE_DNS_OPTIONS')).trim().split('\n')).toEqual(['10.0.0.53', 'corp.example', 'ndots:2']);
    await kubectl('delete', 'pod', 'dns-none', '--grace-period=1');
    // ClusterFirst and three nameservers of its own: the third is cut, and the kubelet warns of it once
    const many = { nameservers: ['10.0.0.53', '10.0.0.54', '10.0.0.55'] };
    await kubectl('run', 'dns-many', '--image=kubekata/sleeper', `--overrides=${JSON.stringify({ spec: { dnsConfig: many } })}`);
    await until('pod dns-many running', async () => ((await cluster!.client.pods('default').get('dns-many')).status?.phase === 'Running' ? true : undefined));
    const applied = (await kubectl('exec', 'dns-many', '--', 'printenv', 'KUBE_DNS_SERVER')).trim().split(' ');
    expect(applied.slice(1)).toEqual(['10.0.0.53', '10.0.0.54']);
    const warned = await until('the DNSConfigForming event', async () => (await kubectl('get', 'events', '--field-selector', 'involvedObject.name=dns-many,reason=DNSConfigForming', '-o', 'jsonpath={range .items[*]}{.type} {.count} {.message}{"\\n"}{end}')).trim() || undefined);
    expect(warned).toBe(`Warning 1 Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${applied.join(' ')}`);
    await kubectl('delete', 'pod', 'dns-many', '--grace-period=1');
  });

  it("reaches a node's kubelet through nodes/proxy: its health, its pods, and the Summary API measuring the pods' processes", async () => {
    const [pod] = await readyPods(3);
    const node = pod!.spec!.nodeName!;
    expect(await kubectl('get', '--raw', `/api/v1/nodes/${node}/proxy/healthz`)).toBe('ok');
    const listed = JSON.parse(await kubectl('get', '--raw', `/api/v1/nodes/${node}/proxy/pods`)) as { kind: string; items: Pod[] };
    expect([listed.kind, listed.items.map((p) => p.metadata.name)]).toEqual(['PodList', expect.arrayContaining([pod!.metadata.name])]);
    const summary = JSON.parse(await kubectl('get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`)) as Summary;
    expect(summary.node).toMatchObject({ nodeName: node, memory: { availableBytes: expect.any(Number) } });
    const measured = summary.pods.find((p) => p.podRef.name === pod!.metadata.name);
    // an echo server is a Node.js process: tens of megabytes resident, some CPU time used
    expect(measured?.memory?.workingSetBytes).toBeGreaterThan(10e6);
    // the container is its own process group; the pod is every process in its sandbox (what kubectl exec and debug ran too)
    const [app] = measured?.containers ?? [];
    expect(app?.name).toBe('app');
    expect(app?.memory?.workingSetBytes).toBeGreaterThan(10e6);
    expect(app?.memory?.workingSetBytes).toBeLessThanOrEqual(measured!.memory!.workingSetBytes);
    expect(measured?.cpu?.usageCoreNanoSeconds).toBeGreaterThan(0);
  });

  it('runs a Job to completion: kubectl create job, kubectl wait --for=condition=complete, kubectl logs job/..., and the Job\'s pods go with it', async () => {
    await kubectl('create', 'job', 'answer', '--image=kubekata/node', '--', 'node', '-e', 'console.log(6 * 7)');
    expect(await kubectl('wait', '--for=condition=complete', 'job/answer', '--timeout=60s')).toBe('job.batch/answer condition met\n');
    expect(await kubectl('logs', 'job/answer')).toBe('42\n');
    expect(await kubectl('get', 'job', 'answer', '-o', 'jsonpath={.status.succeeded} {.status.conditions[*].type}')).toBe('1 SuccessCriteriaMet Complete');
    await kubectl('delete', 'job', 'answer', '--cascade=foreground');
    expect(await kubectl('get', 'pods', '-l', 'batch.kubernetes.io/job-name=answer', '-o', 'name')).toBe('');
  });

  it('runs a DaemonSet\'s pod on each node, rolls kubectl set image out node by node, lists both revisions and rolls back with kubectl rollout undo', async () => {
    await apply(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: kubekata/echo}]}
`);
    expect(await kubectl('rollout', 'status', 'daemonset/agent', '--timeout=60s')).toContain('daemon set "agent" successfully rolled out');
    const nodesOf = async () => (await kubectl('get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.nodeName}')).split(' ').sort();
    expect(await nodesOf()).toEqual(['node-1', 'node-2']);
    await kubectl('set', 'image', 'daemonset/agent', 'agent=kubekata/echo:1.0');
    expect(await kubectl('rollout', 'status', 'daemonset/agent', '--timeout=90s')).toContain('successfully rolled out');
    expect(await kubectl('rollout', 'history', 'daemonset/agent')).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await kubectl('rollout', 'undo', 'daemonset/agent', '--to-revision=2')).toBe('daemonset.apps/agent skipped rollback (current template already matches revision 2)\n');
    expect(await kubectl('rollout', 'undo', 'daemonset/agent')).toBe('daemonset.apps/agent rolled back\n');
    expect(await kubectl('rollout', 'status', 'daemonset/agent', '--timeout=90s')).toContain('successfully rolled out');
    expect(await kubectl('get', 'pods', '-l', 'app=agent', '-o', 'jsonpath={.items[*].spec.containers[0].image}')).toBe('kubekata/echo kubekata/echo');
    expect(await nodesOf()).toEqual(['node-1', 'node-2']);
    await kubectl('delete', 'daemonset', 'agent', '--cascade=foreground');
    expect(await kubectl('get', 'pods,controllerrevisions', '-l', 'app=agent', '-o', 'name')).toBe('');
  });

  it('runs a StatefulSet\'s pods in order under stable names, each answering at its own DNS name, scales it down from the highest ordinal, and kubectl rollout status reads it', async () => {
    await apply(`apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 8080}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: kubekata/echo}]}
`);
    expect(await kubectl('rollout', 'status', 'statefulset/db', '--timeout=60s')).toContain('partitioned roll out complete: 2 new pods have been updated...');
    expect(await kubectl('get', 'pods', '-l', 'app=db', '-o', 'jsonpath={.items[*].metadata.name} {.items[*].spec.hostname} {.items[*].spec.subdomain}')).toBe('db-0 db-1 db-0 db-1 db db');
    const db1 = (await kubectl('get', 'pod', 'db-1', '-o', 'jsonpath={.status.podIP}')).trim();
    // The EndpointSlice controller gives the endpoint its hostname; the cluster DNS answers for it (once the slice is there).
    await kubectl('wait', '--for=jsonpath={.endpoints[1].hostname}=db-1', 'endpointslice', '-l', 'kubernetes.io/service-name=db', '--timeout=30s');
    expect(await lookup4('db-1.db.default.svc.cluster.local', { server: cluster!.parts.dnsAddress!, search: [], ndots: 1 })).toEqual({ fqdn: 'db-1.db.default.svc.cluster.local', addresses: [db1] });
    expect(await kubectl('scale', 'statefulset', 'db', '--replicas=1')).toBe('statefulset.apps/db scaled\n');
    await kubectl('wait', '--for=delete', 'pod/db-1', '--timeout=60s');
    expect(await kubectl('get', 'statefulset', 'db', '-o', 'jsonpath={.status.replicas} {.status.readyReplicas}')).toBe('1 1');
    await kubectl('delete', 'statefulset', 'db', '--cascade=foreground');
    await kubectl('delete', 'service', 'db');
    expect(await kubectl('get', 'pods,controllerrevisions', '-l', 'app=db', '-o', 'name')).toBe('');
  });

  it('keeps a PodDisruptionBudget: kubectl drain is refused while the budget allows no disruption, and the pods stay', async () => {
    expect(await kubectl('create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=100%')).toBe('poddisruptionbudget.policy/web-pdb created\n');
    await kubectl('wait', '--for=jsonpath={.status.observedGeneration}=1', 'pdb/web-pdb', '--timeout=30s');
    expect(await kubectl('get', 'pdb', 'web-pdb')).toMatch(/^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nweb-pdb\s+100%\s+N\/A\s+0\s+/);
    const node = (await kubectl('get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].spec.nodeName}')).trim();
    const podsOn = async () => kubectl('get', 'pods', '-l', 'app=web', '--field-selector', `spec.nodeName=${node}`, '-o', 'name');
    const before = await podsOn();
    const refusal = await kubectl('drain', node, '--ignore-daemonsets', '--timeout=2s').then(() => 'drained', (error: Error) => error.message);
    expect(refusal).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    await kubectl('uncordon', node);
    await kubectl('delete', 'pdb', 'web-pdb');
    expect(await podsOn()).toBe(before);
  });

  it('keeps a namespace\'s budgets: kubectl create quota caps its pods and kubectl run over it is refused in upstream\'s words; a LimitRange gives a new pod its defaults', async () => {
    await kubectl('create', 'namespace', 'budget');
    expect(await kubectl('create', 'quota', 'small', '-n', 'budget', '--hard=pods=1')).toBe('resourcequota/small created\n');
    await kubectl('wait', '--for=jsonpath={.status.used.pods}=0', 'quota/small', '-n', 'budget', '--timeout=30s');
    await apply(JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits', namespace: 'budget' }, spec: { limits: [{ type: 'Container', default: { memory: '64Mi' } }] } }));
    await kubectl('run', 'first', '-n', 'budget', '--image=kubekata/echo');
    expect(await kubectl('get', 'pod', 'first', '-n', 'budget', '-o', 'jsonpath={.spec.containers[0].resources}')).toBe('{"limits":{"memory":"64Mi"},"requests":{"memory":"64Mi"}}');
    const refusal = await kubectl('run', 'second', '-n', 'budget', '--image=kubekata/echo').then(() => 'created', (error: Error) => error.message);
    expect(refusal).toContain('Error from server (Forbidden): pods "second" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1');
    expect(await kubectl('get', 'quota', 'small', '-n', 'budget')).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT\nsmall\s+\S+\s+pods: 1\/1\s*\n$/);
    await kubectl('delete', 'namespace', 'budget', '--wait=false');
  });

  it('takes kubectl autoscale (autoscaling/v1, sent as protobuf) and shows the autoscaler in v2 as kubectl get hpa prints it before its first sync', async () => {
    expect(await kubectl('autoscale', 'deployment', 'web', '--min=3', '--max=5', '--cpu-percent=50')).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');
    expect(await kubectl('get', 'hpa', 'web')).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nweb\s+Deployment\/web\s+cpu: <unknown>\/50%\s+3\s+5\s+\d+\s+/);
    expect(JSON.parse(await kubectl('get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web')).spec).toMatchObject({ minReplicas: 3, maxReplicas: 5, targetCPUUtilizationPercentage: 50 });
    expect(await kubectl('delete', 'hpa', 'web')).toBe('horizontalpodautoscaler.autoscaling "web" deleted\n');
  });

  it('stores an Ingress kubectl create ingress sends (protobuf) and prints it with no ADDRESS, as a cluster without an ingress controller does', async () => {
    expect(await kubectl('create', 'ingress', 'web', '--rule=shop.example/*=web:80')).toBe('ingress.networking.k8s.io/web created\n');
    expect(await kubectl('get', 'ingress', 'web')).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\nweb\s+<none>\s+shop\.example\s+80\s+\S+\n$/);
    expect(await kubectl('get', 'ingress', 'web', '-o', 'jsonpath={.spec.rules[0].http.paths[0]}')).toBe('{"backend":{"service":{"name":"web","port":{"number":80}}},"path":"/","pathType":"Prefix"}');
    await kubectl('delete', 'ingress', 'web');
  });

  it('keeps a ReplicationController\'s pods, and kubectl cluster-info dump runs to its end', async () => {
    await apply(JSON.stringify({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy' }, spec: { replicas: 1, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'echo', image: 'kubekata/echo' }] } } } }));
    await kubectl('wait', '--for=jsonpath={.status.readyReplicas}=1', 'rc/legacy', '--timeout=60s');
    expect(await kubectl('get', 'rc', 'legacy')).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\nlegacy\s+1\s+1\s+1\s+/);
    const dump = await kubectl('cluster-info', 'dump', '--namespaces', 'default');
    expect(dump).toContain('"kind": "ReplicationControllerList"');
    expect(dump).toContain('==== START logs for container echo of pod default/legacy-');
    await kubectl('delete', 'rc', 'legacy');
    // the garbage collector takes its pods with it
    await kubectl('wait', '--for=delete', 'pod', '-l', 'app=legacy', '--timeout=60s');
  });

  it('binds a StatefulSet\'s claims to the volumes kubectl apply makes: the pod waits with upstream\'s FailedScheduling until its claim is bound, and a claim deleted while mounted waits for its pod', async () => {
    await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: store}
spec:
  serviceName: store
  replicas: 1
  selector: {matchLabels: {app: store}}
  template:
    metadata: {labels: {app: store}}
    spec: {terminationGracePeriodSeconds: 1, containers: [{name: store, image: kubekata/echo}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], storageClassName: manual, resources: {requests: {storage: 1Gi}}}
`);
    // the StatefulSet controller makes the claim before the pod
    await until('the claim data-store-0', async () => (await kubectl('get', 'pvc', 'data-store-0', '-o', 'name')) || undefined);
    const waiting = await until('the FailedScheduling of store-0', async () => {
      const events = await kubectl('get', 'events', '--field-selector', 'involvedObject.name=store-0,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}');
      return events || undefined;
    });
    expect(waiting).toContain('0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling..');
    await apply(JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'store-disk' }, spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/mnt/store' } } }));
    await kubectl('wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/data-store-0', '--timeout=30s');
    expect(await kubectl('get', 'pvc', 'data-store-0')).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE\ndata-store-0\s+Bound\s+store-disk\s+2Gi\s+RWO\s+manual\s+<unset>\s+/);
    await kubectl('wait', '--for=condition=Ready', 'pod/store-0', '--timeout=60s');
    expect(await kubectl('get', 'pod', 'store-0', '-o', 'jsonpath={.spec.volumes[0]}')).toBe('{"name":"data","persistentVolumeClaim":{"claimName":"data-store-0"}}');
    await kubectl('delete', 'pvc', 'data-store-0', '--wait=false');
    expect(await kubectl('get', 'pvc', 'data-store-0', '-o', 'jsonpath={.metadata.finalizers}')).toBe('["kubernetes.io/pvc-protection"]');
    await kubectl('delete', 'statefulset', 'store');
    await kubectl('wait', '--for=delete', 'pvc/data-store-0', '--timeout=60s');
    await kubectl('wait', '--for=jsonpath={.status.phase}=Released', 'pv/store-disk', '--timeout=30s');
    expect(await kubectl('get', 'pv', 'store-disk')).toMatch(/\nstore-disk\s+2Gi\s+RWO\s+Retain\s+Released\s+default\/data-store-0\s+manual\s+<unset>\s+/);
    await kubectl('delete', 'pv', 'store-disk');
    // each kubelet made its node's CSINode when it started, with no driver: a cluster kubeadm has just made lists them so
    expect(await kubectl('get', 'csinodes')).toMatch(/^NAME\s+DRIVERS\s+AGE\nnode-1\s+0\s+\S+\nnode-2\s+0\s+\S+\n$/);
  });

  it('signs a user in by a CertificateSigningRequest: kubectl certificate approve, the certificate issued by the cluster CA, and kubectl with it is that user, whom RBAC then decides on', async () => {
    const { key, request: pem } = await createCertificateRequest('CN=jane, O=dev');
    await apply(JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'jane' }, spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', expirationSeconds: 86400, usages: ['client auth'] } }));
    expect(await kubectl('certificate', 'approve', 'jane')).toBe('certificatesigningrequest.certificates.k8s.io/jane approved\n');
    const certificate = await until('jane\'s certificate', async () => (await kubectl('get', 'csr', 'jane', '-o', 'jsonpath={.status.certificate}')) || undefined);
    expect(await kubectl('get', 'csr', 'jane')).toMatch(/^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\njane\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+kubernetes-admin\s+24h\s+Approved,Issued\n$/);
    // a kubeconfig of jane's own: the cluster's server and CA, her certificate and key
    const config = parseYaml(readFileSync(cluster!.kubeconfig!, 'utf8')) as { clusters: { name: string }[] };
    const janeConfig = join(dir, 'jane.kubeconfig');
    writeFileSync(janeConfig, toYaml({
      apiVersion: 'v1', kind: 'Config', clusters: config.clusters, 'current-context': 'jane',
      contexts: [{ name: 'jane', context: { cluster: config.clusters[0]!.name, user: 'jane' } }],
      users: [{ name: 'jane', user: { 'client-certificate-data': certificate, 'client-key-data': Buffer.from(key).toString('base64') } }],
    }));
    const asJane = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', janeConfig, ...args], { timeout: 60_000 }).catch((error: { stderr: string }) => ({ stdout: error.stderr }))).stdout;
    expect(await asJane('auth', 'whoami')).toMatch(/Username\s+jane\nGroups\s+\[dev system:authenticated\]/);
    expect(await asJane('get', 'pods')).toBe('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"\n');
    // /metrics is for those who may get that path: not jane, but the administrator
    expect(await asJane('get', '--raw', '/metrics')).toBe('Error from server (Forbidden): forbidden: User "jane" cannot get path "/metrics"\n');
    expect(await kubectl('get', '--raw', '/metrics')).toMatch(/^apiserver_request_total\{code="403",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"\} [1-9][0-9]*$/m);
    await kubectl('create', 'rolebinding', 'dev-view', '--clusterrole=view', '--group=dev');
    expect(await asJane('auth', 'can-i', 'list', 'pods')).toBe('yes\n');
    // the administrator can ask the same of jane's group, as a webhook authorizer would (kubectl checks a kind
    // without a PATCH route, as a review is, against /openapi/v2)
    const review = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'jane', groups: ['dev'], resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } });
    const asked = execFile('kubectl', ['--kubeconfig', cluster!.kubeconfig!, 'create', '-f', '-', '-o', 'jsonpath={.status.allowed}'], { timeout: 60_000 });
    let allowed = '';
    asked.stdout!.on('data', (d) => (allowed += d));
    asked.stderr!.on('data', (d) => (allowed += d));
    asked.stdin!.end(review);
    await new Promise((resolve) => asked.on('close', resolve));
    expect(allowed).toBe('true');
    await kubectl('delete', 'rolebinding', 'dev-view');
    await kubectl('delete', 'csr', 'jane');
    // a token that does not expire, as the docs make one: a Secret the token controller fills, taken while it holds it
    await kubectl('create', 'serviceaccount', 'builder');
    await apply('apiVersion: v1\nkind: Secret\nmetadata:\n  name: builder-token\n  annotations: {kubernetes.io/service-account.name: builder}\ntype: kubernetes.io/service-account-token\n');
    const token = await until('the token controller fills builder-token', async () => Buffer.from(await kubectl('get', 'secret', 'builder-token', '-o', 'jsonpath={.data.token}'), 'base64').toString('utf8') || undefined);
    expect(await kubectl('--token', token, 'auth', 'whoami')).toMatch(/Username\s+system:serviceaccount:default:builder\n/);
    expect(await kubectl('get', 'secret', 'builder-token', '-o', 'jsonpath={.metadata.labels}')).toMatch(/"kubernetes.io\/legacy-token-last-used":"\d{4}-\d\d-\d\d"/);
    await kubectl('delete', 'serviceaccount', 'builder');
    await until('builder-token deleted with builder', async () => ((await kubectl('get', 'secrets', '-o', 'name')).includes('builder-token') ? undefined : true));
  });

  it('serves a CustomResourceDefinition\'s kind once established: its schema prunes, defaults and validates, its columns print, and deleting the definition deletes its objects first', async () => {
    const crontab = (name: string, spec: object) => JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name }, spec });
    await apply(JSON.stringify({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com' },
      spec: {
        group: 'stable.example.com', scope: 'Namespaced', names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
        versions: [{
          name: 'v1', served: true, storage: true, subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' }, replicas: { type: 'integer', maximum: 10, default: 1 } } } } } },
          additionalPrinterColumns: [{ name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' }, { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' }],
        }],
      },
    }));
    expect(await kubectl('wait', '--for', 'condition=established', '--timeout=30s', 'crd/crontabs.stable.example.com')).toBe('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com condition met\n');
    expect(await apply(crontab('every-five', { cronSpec: '* * * * */5' }))).toBe('crontab.stable.example.com/every-five created\n');
    // the aggregator's record of the new group-version, beside the built-in ones
    expect(await kubectl('get', 'apiservices', 'v1.apps', 'v1.stable.example.com')).toMatch(/^NAME\s+SERVICE\s+AVAILABLE\s+AGE\nv1\.apps\s+Local\s+True\s+\S+\nv1\.stable\.example\.com\s+Local\s+True\s+\S+\n$/);
    expect(await kubectl('get', 'ct')).toMatch(/^NAME\s+SPEC\s+REPLICAS\nevery-five\s+\* \* \* \* \*\/5\s+1\n$/);
    await expect(apply(crontab('bad', { cronSpec: '* * * *', replicas: 15 }))).rejects.toThrow(
      'The CronTab "bad" is invalid: \n* spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match \'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\'\n* spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10',
    );
    await expect(apply(crontab('odd', { bogus: true }))).rejects.toThrow('CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.bogus"');
    await expect(kubectl('patch', 'ct', 'every-five', '-p', '{"spec":{"replicas":3}}')).rejects.toThrow('error: application/strategic-merge-patch+json is not supported by stable.example.com/v1, Kind=CronTab');
    expect(await kubectl('patch', 'ct', 'every-five', '--type=merge', '-p', '{"spec":{"replicas":3}}')).toBe('crontab.stable.example.com/every-five patched\n');
    // the scale subresource the definition asks for, at its specReplicasPath
    expect(await kubectl('scale', 'ct', 'every-five', '--replicas=4')).toBe('crontab.stable.example.com/every-five scaled\n');
    expect(await kubectl('get', 'ct', 'every-five', '-o', 'jsonpath={.spec.replicas}')).toBe('4');
    expect(await kubectl('delete', 'crd', 'crontabs.stable.example.com')).toBe('customresourcedefinition.apiextensions.k8s.io "crontabs.stable.example.com" deleted\n');
    // the definition went only once its objects had: none is left in the store
    expect(cluster!.parts.controlPlane.store.range('/registry/crontabs/', '/registry/crontabs0').kvs).toEqual([]);
    expect(await kubectl('get', 'crd', '-o', 'name')).toBe('');
  });

  it('forwards a local port to a pod with kubectl port-forward (SPDY through the apiserver to the kubelet), and says when the pod port refuses', async () => {
    const [pod] = await readyPods(3);
    const forward = async (podPort: number, use: (port: number) => Promise<void>): Promise<string> => {
      const child = execFile('kubectl', ['--kubeconfig', cluster!.kubeconfig!, 'port-forward', '--address', '127.0.0.1', `pod/${pod!.metadata.name}`, `:${podPort}`]);
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      try {
        const port = await until('kubectl port-forward listening', async () => {
          const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(output);
          if (child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${output}`);
          return m ? Number(m[1]) : undefined;
        });
        await use(port);
      } finally {
        child.kill();
      }
      return output;
    };
    await forward(8080, async (port) => {
      for (const path of ['/one', '/two']) expect((await get('127.0.0.1', port, path)).pod).toBe(pod!.metadata.name);
    });
    const refused = await forward(9999, async (port) => {
      await expect(get('127.0.0.1', port)).rejects.toThrow();
    });
    expect(refused).toContain(`error forwarding port 9999 to pod default/${pod!.metadata.name}`);
  });

  it('measures the nodes and pods with kubectl top: metrics-server scrapes the kubelets every 15 s, and the apiserver serves metrics.k8s.io', async () => {
    const pods = (await readyPods(3)).map((pod) => pod.metadata.name!).sort();
    // a pod is measured from its second scrape on, at most 30 s after it started: by now, long since
    const top = await until('kubectl top to measure the three web pods', async () => {
      const rows = (await kubectl('top', 'pod', '-l', 'app=web', '--no-headers')).trim().split('\n').map((line) => line.split(/\s+/));
      const measured = rows.filter(([name]) => pods.includes(name!));
      return measured.length === pods.length ? measured : undefined;
    });
    for (const [, cpu, memory] of top) expect([cpu, memory]).toEqual([expect.stringMatching(/^\d+m$/), expect.stringMatching(/^\d+Mi$/)]);
    const nodes = (await kubectl('top', 'node', '--no-headers')).trim().split('\n').map((line) => line.split(/\s+/));
    expect(nodes.map(([name]) => name)).toEqual(['node-1', 'node-2']);
    for (const [, cpu, cpuShare, memory, memoryShare] of nodes) expect([cpu, cpuShare, memory, memoryShare]).toEqual([expect.stringMatching(/^\d+m$/), expect.stringMatching(/^\d+%$/), expect.stringMatching(/^\d+Mi$/), expect.stringMatching(/^\d+%$/)]);
    expect(JSON.parse(await kubectl('get', '--raw', `/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${pods[0]}`))).toMatchObject({ kind: 'PodMetrics', window: expect.stringMatching(/s$/), containers: [{ name: 'app' }] });
    expect(await kubectl('explain', 'podmetrics.containers.usage')).toMatch(/^GROUP:\s+metrics\.k8s\.io\nKIND:\s+PodMetrics\nVERSION:\s+v1beta1\n\nFIELD: usage <map\[string\]Quantity>/);
    expect(await kubectl('get', 'apiservice', 'v1beta1.metrics.k8s.io', '--no-headers')).toMatch(/^v1beta1\.metrics\.k8s\.io\s+kube-system\/metrics-server\s+True\s+/);
  });

  it('restarts a container whose process was killed: restartCount 1, Ready again', async () => {
    const [pod] = await readyPods(3);
    const podIP = pod!.status!.podIP!;
    const { pid } = await get(podIP, 8080);
    process.kill(pid, 'SIGKILL');
    const restarted = await until('the killed container restarted', async () => {
      const now = await cluster!.client.pods('default').get(pod!.metadata.name!);
      return ready(now) && now.status?.containerStatuses?.[0]?.restartCount === 1 ? now : undefined;
    });
    expect(restarted.status?.containerStatuses?.[0]?.restartCount).toBe(1);
    expect((await get(podIP, 8080)).pid, 'a new process answers').not.toBe(pid);
  });

  it('scales with kubectl scale', async () => {
    expect(await kubectl('scale', 'deployment', 'web', '--replicas=4')).toContain('scaled');
    expect(await readyPods(4)).toHaveLength(4);
  });

  it('rolls out kubectl set image while a client sending requests all the while sees no error', async () => {
    let sending = true;
    let sent = 0;
    const errors: string[] = [];
    const client = (async () => {
      while (sending) {
        try {
          await get(clusterIP, 8080);
          sent++;
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    })();
    try {
      await kubectl('set', 'image', 'deployment/web', 'app=kubekata/echo:1.0');
      expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s')).toContain('successfully rolled out');
      const pods = await readyPods(4);
      expect(pods.every((p) => p.spec?.containers[0]?.image === 'kubekata/echo:1.0')).toBe(true);
    } finally {
      sending = false;
      await client;
    }
    expect(sent, 'requests were sent during the rollout').toBeGreaterThan(10);
    expect(errors, `${errors.length} of ${sent + errors.length} requests failed`).toEqual([]);
  });

  it('replaces the pods of a node whose kubelet stopped, on the other node, after the grace period and the pods\' tolerationSeconds', async () => {
    await cluster!.node('node-2').stopKubelet();
    const pods = await readyPods(4, (p) => p.spec?.nodeName === 'node-1');
    expect(pods).toHaveLength(4);
    const node2 = await cluster!.client.nodes().get('node-2');
    expect(node2.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual(expect.arrayContaining(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']));
    await cluster!.node('node-2').startKubelet();
    await until('node-2 Ready again', async () => ((await cluster!.client.nodes().get('node-2')).spec?.taints ?? []).length === 0 || undefined);
  });

  it('restarts the control plane: state recovered from the write-ahead log, the pods untouched, the watches resumed', async () => {
    const before = (await readyPods(4)).map((p) => `${p.metadata.uid} ${p.status?.containerStatuses?.[0]?.containerID} ${p.status?.containerStatuses?.[0]?.restartCount}`).sort();
    await cluster!.restartControlPlane();
    const after = (await readyPods(4)).map((p) => `${p.metadata.uid} ${p.status?.containerStatuses?.[0]?.containerID} ${p.status?.containerStatuses?.[0]?.restartCount}`).sort();
    expect(after).toEqual(before);
    // Every component's watch broke with the apiserver: a change now needs all of them again.
    await kubectl('scale', 'deployment', 'web', '--replicas=5');
    expect(await readyPods(5)).toHaveLength(5);
  });

  it('stops with no container process, listening socket or open file of the cluster left behind', async () => {
    const pids = await Promise.all((await readyPods(5)).map(async (p) => (await get(p.status!.podIP!, 8080)).pid));
    const stopping = cluster!;
    cluster = undefined;
    await stopping.stop();
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive, 'container processes still running after stop').toEqual([]);
    // Nothing of the cluster left listening (its addresses, its nodes' and pods', its Services'),
    // and no file of its data dir left open by this process.
    const ours = /^127\.(0\.28|0\.10|0\.11|228)\./;
    expect(listeningOn().filter((address) => ours.test(address)), 'sockets still listening after stop').toEqual([]);
    const open = readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/self/fd/${fd}`)];
      } catch {
        return [];
      }
    });
    expect(open.filter((path) => path.startsWith(dir)), 'files of the data dir still open after stop').toEqual([]);
  });
});

// Check 7 runs the tools' tests for the learner's katas: the reference cluster then runs in a vitest of its own.
if (!onReference) describe('the whole cluster, end to end, with real processes and the real kubectl (on the reference)', () => {
  it('passes when run with KATA_TARGET=solutions', async () => expectPassOnReference('tools/test/cluster-e2e.test.ts'), 10 * 60_000);
});
