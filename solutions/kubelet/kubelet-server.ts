/**
 * The kubelet's own HTTP server (upstream port 10250, `pkg/kubelet/server/server.go`): what the
 * apiserver asks a node for when someone runs `kubectl logs` or `kubectl exec`. Given code: it
 * finds the container and calls the kata's {@link readContainerLog}.
 *
 * | path | what |
 * | --- | --- |
 * | `GET /healthz` | `ok` |
 * | `GET /pods` | the PodList of the pods this kubelet runs, with the statuses it wrote |
 * | `GET /stats/summary` | the Summary API: what the node and each pod use of the CPU and memory (stats-summary.ts) |
 * | `GET /containerLogs/<ns>/<pod>/<container>?follow&tailLines&previous&timestamps&sinceSeconds&sinceTime&limitBytes` | the container's output (text), followed until the container exits with `follow=true`; only the lines written since a time (`kubectl logs --since=10m`, `--since-time`), at most so many bytes (`--limit-bytes`) |
 * | `GET /exec/<ns>/<pod>/<container>?command=...&stdin&stdout&stderr&tty` (WebSocket) | runs a command in the container: the stream protocol `v5.channel.k8s.io` (or `v4`) as kubectl speaks it |
 * | `GET /attach/<ns>/<pod>/<container>?stdin&stdout&stderr&tty` (WebSocket) | `kubectl attach`, `kubectl run -i`: the container's own output from now on, and its stdin when the node keeps one (`containerStdin`) |
 * | `POST /portForward/<ns>/<pod>` (SPDY/3.1) | `kubectl port-forward`: streams joined to TCP connections to the pod's IP (port-forward.ts) |
 *
 * Exec over the channel protocol: each binary message starts with its channel — 0 stdin,
 * 1 stdout, 2 stderr, 3 the result as a `Status` (`Success`, or `Failure` with reason
 * `NonZeroExitCode` and the exit code as a cause), 4 the terminal's size, 255 (v5) "this stream
 * is closed". The command's streams are passed on while it runs (exec-streams.ts: named pipes
 * around the runtime's `execSync` of kata 22), so `kubectl exec -i` pipes input through, `kubectl
 * cp` sends a tar, and `kubectl exec -it ... -- sh` is a shell on a pseudo-terminal that takes the
 * client's terminal size, and each later size when the window is resized.
 *
 * @example
 * ```ts
 * const server = new KubeletServer({ kubelet, runtime, host: '127.0.0.1' });
 * const { port } = await server.start();   // then new Kubelet({ ..., node: { kubeletPort: port } })
 * // curl http://127.0.0.1:<port>/containerLogs/default/web/app?tailLines=10
 * await server.stop();
 * ```
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { open, stat, watch } from 'node:fs/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import { RealClock, type Clock } from '@kube/kit';
import { parseCriLogLine, type ContainerStatus as CriContainerStatus, type RuntimeService } from '@kube/runtime';
import { readContainerLog, type LogReadOptions, type LogReadState } from './container-logs.ts';
import { startStreamingExec, type StreamingExec, type TerminalSize } from './exec-streams.ts';
import type { Kubelet } from './kubelet.ts';
import { PORT_FORWARD_PROTOCOL, servePortForward } from './port-forward.ts';
import type { StatsSummary } from './stats-summary.ts';

/** The stream protocols this server speaks, best first (client-go remotecommand). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
/** Channels of the stream protocol. */
export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** How to build a {@link KubeletServer}. */
export interface KubeletServerOptions {
  kubelet: Kubelet;
  runtime: RuntimeService;
  /** the node's address; default 127.0.0.1 */
  host?: string;
  /** default 0: any free port */
  port?: number;
  /** the node's clock, the one its runtime stamps log lines with (`sinceSeconds` counts back from it); default the real one */
  clock?: Clock;
  /** the stdin the node keeps for a container made with `stdin: true`, which attach writes to; default none */
  containerStdin?: (containerId: string) => ContainerStdin | undefined;
  /** the Summary API's figures (`/stats/summary`); none on a node that measures nothing */
  stats?: StatsSummary;
}

/**
 * A running container's stdin as the node keeps it (upstream: the container runtime holds it, and
 * the CRI's Attach streams to it).
 */
export interface ContainerStdin {
  /** the container's `stdinOnce`: the first attached client's end of input is the container's */
  readonly once: boolean;
  /** the container's `tty`: it runs on a terminal */
  readonly tty: boolean;
  /** Gives the container's process input. */
  write(chunk: Buffer): void;
  /** Closes the container's stdin: its process reads the end of its input. */
  end(): void;
  /** The attached client's terminal has a new size: the container's terminal takes it (with `tty`). */
  resize(size: TerminalSize): void;
}

/** An answer that is not 200: the code and the message (upstream writes errors as text). */
class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The kubelet's HTTP server: container logs and exec, for the apiserver. */
export class KubeletServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  private readonly sockets = new Set<Socket>();
  private readonly followers = new Set<() => void>();

  constructor(private readonly options: KubeletServerOptions) {
    this.server = createServer((request, response) => void this.serve(request, response));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => void this.upgrade(request, socket, head));
  }

  /** Listens; resolves with the port. */
  async start(): Promise<{ port: number; url: string }> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => resolve());
    });
    const port = (this.server.address() as AddressInfo).port;
    return { port, url: `http://${host}:${port}` };
  }

  /** Ends every follow and connection, and stops listening. */
  async stop(): Promise<void> {
    for (const end of this.followers) end();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    for (const client of this.wss.clients) client.terminate();
    if (this.server.listening) await closed;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const url = new URL(request.url ?? '/', 'http://kubelet');
      if (url.pathname === '/healthz') return void response.end('ok');
      if (url.pathname === '/pods' && request.method === 'GET') return this.json(response, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.options.kubelet.runningPods() });
      if (url.pathname === '/stats/summary' && request.method === 'GET') {
        if (!this.options.stats) throw new HttpError(503, 'this node measures no processes: its runtime runs none (a FakeRuntime)');
        return this.json(response, await this.options.stats.summary());
      }
      const logs = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (logs && request.method === 'GET') return await this.containerLogs(decodeURIComponent(logs[1]!), decodeURIComponent(logs[2]!), decodeURIComponent(logs[3]!), url.searchParams, request, response);
      const upgradeOnly = /^\/(exec|attach)\//.exec(url.pathname);
      if (upgradeOnly) throw new HttpError(400, `${upgradeOnly[1]} needs a WebSocket upgrade with the v5.channel.k8s.io or v4.channel.k8s.io protocol (SPDY is not served)`);
      throw new HttpError(404, `404 page not found: ${url.pathname}`);
    } catch (error) {
      const code = error instanceof HttpError ? error.code : 500;
      if (!response.headersSent) response.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end((error as Error).message);
    }
  }

  /** A JSON answer, indented as the kubelet's are. */
  private json(response: ServerResponse, body: unknown): void {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body, null, 2));
  }

  /**
   * Writes the container's log (readContainerLog with tailLines and timestamps); with
   * `follow=true` keeps writing what the container prints until it exits or the client leaves.
   */
  private async containerLogs(namespace: string, podName: string, containerName: string, query: URLSearchParams, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const container = await this.findContainer(namespace, podName, containerName, query.get('previous') === 'true');
    const tail = query.get('tailLines');
    if (tail !== null && !/^-?\d+$/.test(tail)) throw new HttpError(400, `tailLines must be a whole number, got ${JSON.stringify(tail)}`);
    const options: LogReadOptions = { timestamps: query.get('timestamps') === 'true', ...(tail !== null ? { tailLines: Number(tail) } : {}) };
    const { since, limitBytes } = logLimits(query, (this.options.clock ?? new RealClock()).now());
    const follow = query.get('follow') === 'true' && container.state === 'CONTAINER_RUNNING';
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', ...(follow ? { 'Transfer-Encoding': 'chunked' } : {}) });
    const state: LogReadState = { inPartial: false };
    let offset = 0;
    let bytesLeft = limitBytes ?? Infinity;
    const abort = new AbortController();
    /** Writes output, cut at the byte limit; reaching it ends a follow. */
    const write = (text: string): void => {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length >= bytesLeft) abort.abort();
      response.write(bytes.subarray(0, Math.min(bytes.length, bytesLeft)));
      bytesLeft -= Math.min(bytes.length, bytesLeft);
    };
    /** Writes the whole lines added to the file since `offset`. */
    const readMore = async (first: boolean): Promise<void> => {
      const added = await linesAddedSince(container.logPath, offset);
      offset = added.offset;
      if (!added.lines) return;
      const text = readContainerLog(since === undefined ? added.lines : linesSince(added.lines, since), first ? options : { timestamps: options.timestamps }, state);
      if (text && bytesLeft > 0) write(text);
    };
    await readMore(true);
    if (!follow || abort.signal.aborted) return void response.end();

    // Follow: read on every change of the file, until the container exits (then read the rest), the client goes or the byte limit is reached.
    const end = (): void => abort.abort();
    this.followers.add(end);
    request.on('close', end);
    const unsubscribe = this.options.runtime.onContainerEvent((event) => {
      if (event.containerId === container.id && event.type === 'CONTAINER_STOPPED_EVENT') end();
    });
    try {
      // The container may have exited between the first read and the subscription.
      if ((await this.options.runtime.containerStatus(container.id)).state !== 'CONTAINER_RUNNING') end();
      const changes = watch(container.logPath, { signal: abort.signal });
      let reading = Promise.resolve();
      try {
        for await (const _ of changes) reading = reading.then(() => readMore(false));
      } catch (error) {
        if ((error as Error).name !== 'AbortError') throw error;
      }
      await reading;
      if (!response.destroyed && bytesLeft > 0) await readMore(false);
    } finally {
      unsubscribe();
      this.followers.delete(end);
      response.end();
    }
  }

  /**
   * The container whose log or exec is asked for, as upstream's validateContainerLogStatus picks
   * it from the pod's status: `previous` the last terminated run (lastState); otherwise the
   * running one, or the terminated one, or the last terminated run of one waiting to restart.
   * A pod or container that is not there, or that never ran, is a 400/404 saying which (upstream's 404 says only `pod "x" does not exist`).
   */
  private async findContainer(namespace: string, podName: string, containerName: string, previous: boolean): Promise<CriContainerStatus> {
    const pod = this.options.kubelet.findPod(namespace, podName);
    if (!pod) throw new HttpError(404, `pod "${podName}" not found in namespace "${namespace}" on this node`);
    const status = this.options.kubelet.statusFor(pod);
    const all = [...(status?.initContainerStatuses ?? []), ...(status?.containerStatuses ?? []), ...(status?.ephemeralContainerStatuses ?? [])];
    const cs = all.find((s) => s.name === containerName);
    if (!cs) throw new HttpError(400, `container "${containerName}" in pod "${podName}" is not available`);
    const last = cs.lastState?.terminated;
    let id: string | undefined;
    if (previous) {
      if (!last?.containerID) throw new HttpError(400, `previous terminated container "${containerName}" in pod "${podName}" not found`);
      id = last.containerID;
    } else if (cs.state?.running) id = cs.containerID;
    else if (cs.state?.terminated) id = cs.state.terminated.containerID || last?.containerID;
    else if (last?.containerID) id = last.containerID;
    else {
      const reason = cs.state?.waiting?.reason;
      if (reason === 'ErrImagePull') throw new HttpError(400, `container "${containerName}" in pod "${podName}" is waiting to start: image can't be pulled`);
      if (reason === 'ImagePullBackOff') throw new HttpError(400, `container "${containerName}" in pod "${podName}" is waiting to start: trying and failing to pull image`);
      throw new HttpError(400, `container "${containerName}" in pod "${podName}" is waiting to start: ${reason ?? 'ContainerCreating'}`);
    }
    if (!id) throw new HttpError(400, `container "${containerName}" in pod "${podName}" is terminated`);
    return this.options.runtime.containerStatus(id.replace(/^[a-z]+:\/\//, ''));
  }

  /** An upgrade: `/exec/<ns>/<pod>/<container>` (WebSocket) or `/portForward/<ns>/<pod>` (SPDY); anything else is refused. */
  private async upgrade(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://kubelet');
    const exec = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const refuse = (code: number, message: string): void => {
      socket.end(`HTTP/1.1 ${code} ${code === 404 ? 'Not Found' : 'Bad Request'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`);
    };
    const portForward = /^\/portForward\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (portForward) return this.portForward(request, socket, head, portForward[1]!, portForward[2]!, refuse);
    if (!exec) return refuse(404, `404 page not found: ${url.pathname}`);
    const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) return refuse(400, `${exec[1]} speaks ${EXEC_PROTOCOLS.join(' or ')}; the client offered ${offered.join(', ') || 'none'}`);
    let names: string[];
    try {
      names = exec.slice(2, 5).map((part) => decodeURIComponent(part));
    } catch {
      return refuse(400, `the path ${JSON.stringify(url.pathname)} has a malformed %-escape`);
    }
    const serve = exec[1] === 'exec' ? this.exec.bind(this) : this.attach.bind(this);
    this.wss.handleUpgrade(request, socket, head, (ws) => void serve(ws, names[0]!, names[1]!, names[2]!, url.searchParams));
  }

  /**
   * `/portForward/<ns>/<pod>` upgraded to SPDY/3.1: the streams of `kubectl port-forward`, each
   * joined to a TCP connection to the pod's IP (port-forward.ts). A WebSocket upgrade (kubectl tries
   * that first) is refused, and kubectl falls back to SPDY.
   */
  private portForward(request: IncomingMessage, socket: Socket, head: Buffer, namespace: string, podName: string, refuse: (code: number, message: string) => void): void {
    const upgrade = String(request.headers['upgrade'] ?? '').toLowerCase();
    if (upgrade !== 'spdy/3.1') return refuse(400, `port-forward is served over SPDY/3.1 (${PORT_FORWARD_PROTOCOL}), not ${upgrade || 'a plain request'}`);
    let names: string[];
    try {
      names = [namespace, podName].map((part) => decodeURIComponent(part));
    } catch {
      return refuse(400, `the path ${JSON.stringify(request.url)} has a malformed %-escape`);
    }
    const pod = this.options.kubelet.findPod(names[0]!, names[1]!);
    if (!pod) return refuse(404, `pod "${names[1]}" not found in namespace "${names[0]}" on this node`);
    const ip = this.options.kubelet.statusFor(pod)?.podIP;
    if (!ip) return refuse(400, `pod "${names[1]}" has no IP yet: port-forward needs a running pod`);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    if (head.length > 0) socket.unshift(head);
    servePortForward(socket, { pod: `${names[0]}/${names[1]}`, connect: (port) => connect(port, ip) });
  }

  /**
   * Runs the command in the container with its streams on the channels while it runs, then
   * writes its Status: channel 0 is its input (v5's close signal `[255, 0]` ends it, as the
   * client's going does), 1 and 2 its output, 4 the terminal's size.
   */
  private async exec(ws: WebSocket, namespace: string, podName: string, containerName: string, query: URLSearchParams): Promise<void> {
    const send = (channel: number, data: string | Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    const status = (body: object): void => send(CHANNEL.error, JSON.stringify({ metadata: {}, ...body }));
    // Listening from the start: kubectl may send its input and its terminal's size before the container is looked up.
    const client = new ClientStreams(ws);
    try {
      const command = query.getAll('command');
      if (command.length === 0) throw new HttpError(400, 'you must specify at least 1 command');
      const tty = query.get('tty') === 'true';
      const container = await this.findContainer(namespace, podName, containerName, false);
      if (container.state !== 'CONTAINER_RUNNING') throw new HttpError(400, `container "${containerName}" in pod "${podName}" is not running: cannot exec into a container that is not running`);
      const running = await startStreamingExec(this.options.runtime, container.id, command, {
        stdin: query.get('stdin') === 'true',
        ...(tty && { tty: await client.terminalSize(this.options.clock ?? new RealClock()) }),
        stdout: (chunk) => query.get('stdout') !== 'false' && send(CHANNEL.stdout, chunk),
        stderr: (chunk) => query.get('stderr') !== 'false' && send(CHANNEL.stderr, chunk),
      });
      client.connect(running);
      const exitCode = await running.done;
      if (exitCode === 0) status({ status: 'Success' });
      else {
        status({
          status: 'Failure',
          message: `command terminated with non-zero exit code: command ${JSON.stringify(command)} exited with ${exitCode}`,
          reason: 'NonZeroExitCode',
          details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
        });
      }
    } catch (error) {
      status({ status: 'Failure', message: (error as Error).message, reason: error instanceof HttpError && error.code === 400 ? 'BadRequest' : 'InternalError', code: error instanceof HttpError ? error.code : 500 });
    }
    client.close();
    ws.close(1000);
  }

  /**
   * Attaches to the container's own process: what it prints from now on comes on channels 1 and 2
   * (read from its log as it is written), and channel 0 goes to its stdin when the node keeps one
   * (`stdin: true`). Ends with a `Success` Status when the container exits. When the client ends
   * its input, containerd's rule: a container with `stdinOnce` and no `tty` reads the end of its
   * stdin (and this attach goes on until it exits); otherwise the client is detached at once.
   */
  private async attach(ws: WebSocket, namespace: string, podName: string, containerName: string, query: URLSearchParams): Promise<void> {
    const send = (channel: number, data: string | Buffer): void => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    const client = new ClientStreams(ws);
    try {
      const container = await this.findContainer(namespace, podName, containerName, false);
      if (container.state !== 'CONTAINER_RUNNING') throw new HttpError(400, `container "${containerName}" in pod "${podName}" is not running: cannot attach to a container that is not running`);
      const stdin = query.get('stdin') === 'true' ? this.options.containerStdin?.(container.id) : undefined;
      const detach = new AbortController();
      // Where its output starts for this client: taken before any input reaches the container, or
      // an answer to the client's first input could be written before it and be missed.
      const from = await stat(container.logPath).then((s) => s.size, () => 0);
      // Without a stdin kept for the container, input is dropped.
      client.connect({ write: (chunk) => stdin?.write(chunk), end: () => (stdin?.once && !stdin.tty ? stdin.end() : detach.abort()), resize: (size) => stdin?.resize(size) });
      const streams = { stdout: query.get('stdout') !== 'false', stderr: query.get('stderr') !== 'false' };
      await this.followOutput(container, from, ws, detach.signal, (stream, text) => streams[stream] && send(stream === 'stdout' ? CHANNEL.stdout : CHANNEL.stderr, text));
      send(CHANNEL.error, JSON.stringify({ metadata: {}, status: 'Success' }));
    } catch (error) {
      send(CHANNEL.error, JSON.stringify({ metadata: {}, status: 'Failure', message: (error as Error).message, reason: error instanceof HttpError && error.code === 400 ? 'BadRequest' : 'InternalError', code: error instanceof HttpError ? error.code : 500 }));
    }
    client.close();
    ws.close(1000);
  }

  /**
   * Gives what the container writes after byte `from` of its CRI log, stream by stream, read as
   * the log grows; resolves when the container has exited (after its last lines), the client has
   * gone or `detached` is aborted.
   */
  private async followOutput(container: CriContainerStatus, from: number, ws: WebSocket, detached: AbortSignal, write: (stream: 'stdout' | 'stderr', text: string) => void): Promise<void> {
    const abort = new AbortController();
    const end = (): void => abort.abort();
    this.followers.add(end);
    ws.once('close', end);
    detached.addEventListener('abort', end);
    const unsubscribe = this.options.runtime.onContainerEvent((event) => {
      if (event.containerId === container.id && event.type === 'CONTAINER_STOPPED_EVENT') end();
    });
    let offset = from;
    const readMore = async (): Promise<void> => {
      const added = await linesAddedSince(container.logPath, offset);
      offset = added.offset;
      for (const line of added.lines.split('\n').slice(0, -1)) {
        const { stream, tag, content } = parseCriLogLine(line);
        write(stream, tag === 'F' ? `${content}\n` : content);
      }
    };
    try {
      // The container may have exited before the subscription.
      if ((await this.options.runtime.containerStatus(container.id)).state !== 'CONTAINER_RUNNING') end();
      const changes = watch(container.logPath, { signal: abort.signal });
      let reading = readMore(); // what was written before the watch began
      try {
        for await (const _ of changes) reading = reading.then(readMore);
      } catch (error) {
        if ((error as Error).name !== 'AbortError') throw error;
      }
      await reading;
      if (ws.readyState === ws.OPEN) await readMore();
    } finally {
      unsubscribe();
      this.followers.delete(end);
      ws.off('close', end);
      detached.removeEventListener('abort', end);
    }
  }
}

/** How long an exec with a TTY waits for the client's terminal size before it takes 80×24. */
export const TERMINAL_SIZE_WAIT_MS = 1000;

/**
 * What the client sends on an exec's channels: input (kept until the command starts), the end of
 * its input, and its terminal's size (the first one starts the terminal; each later one resizes it).
 */
class ClientStreams {
  private readonly early: Buffer[] = [];
  private ended = false;
  private target: Pick<StreamingExec, 'write' | 'end' | 'resize'> | undefined;
  /** the client's latest terminal size */
  private size: TerminalSize | undefined;
  /** a size came that the command has not had (it came before the command started) */
  private resized = false;
  private sized: (() => void) | undefined;
  private readonly onMessage = (data: Buffer): void => this.receive(Buffer.from(data));
  private readonly onClose = (): void => this.endInput();

  constructor(private readonly ws: WebSocket) {
    ws.on('message', this.onMessage);
    ws.once('close', this.onClose);
  }

  /** The client's terminal size: its first resize message, or 80×24 if none comes soon. */
  async terminalSize(clock: Clock): Promise<TerminalSize> {
    if (!this.size && !this.ended) {
      const arrived = new Promise<void>((resolve) => (this.sized = resolve));
      const timer = clock.setTimeout(() => this.sized?.(), TERMINAL_SIZE_WAIT_MS);
      await arrived;
      clock.clearTimeout(timer);
    }
    this.resized = false; // the command starts with it
    return this.size ?? { columns: 80, rows: 24 };
  }

  /** From now on input and sizes go to the command; what came before goes first. */
  connect(exec: Pick<StreamingExec, 'write' | 'end' | 'resize'>): void {
    this.target = exec;
    for (const chunk of this.early.splice(0)) exec.write(chunk);
    if (this.resized && this.size) exec.resize(this.size);
    if (this.ended) exec.end();
  }

  /** Stops listening to the client. */
  close(): void {
    this.ws.off('message', this.onMessage);
    this.ws.off('close', this.onClose);
  }

  private receive(data: Buffer): void {
    if (data[0] === CHANNEL.stdin) {
      if (this.ended) return;
      if (this.target) this.target.write(data.subarray(1));
      else this.early.push(data.subarray(1));
    } else if (data[0] === CHANNEL.close && data[1] === CHANNEL.stdin) this.endInput();
    else if (data[0] === CHANNEL.resize) {
      const size = terminalSizeOf(data.subarray(1));
      if (!size) return; // not a size: skipped, as upstream's resize reader skips what it cannot decode
      this.size = size;
      if (this.target) this.target.resize(size);
      else this.resized = true;
      this.sized?.();
    }
  }

  private endInput(): void {
    if (this.ended) return;
    this.ended = true;
    this.target?.end();
    this.sized?.();
  }
}

/** The size in a resize message, `{"Width":120,"Height":40}`; undefined when it is not one. */
function terminalSizeOf(json: Buffer): TerminalSize | undefined {
  try {
    const { Width, Height } = JSON.parse(json.toString()) as { Width?: unknown; Height?: unknown };
    return typeof Width === 'number' && typeof Height === 'number' && Width > 0 && Height > 0 ? { columns: Width, rows: Height } : undefined;
  } catch {
    return undefined;
  }
}

/** The whole lines a log file has gained since byte `offset` (none while it does not exist), and where the next read starts. */
async function linesAddedSince(path: string, offset: number): Promise<{ lines: string; offset: number }> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return { lines: '', offset };
  try {
    const { size } = await file.stat();
    if (size <= offset) return { lines: '', offset };
    const buffer = Buffer.alloc(size - offset);
    await file.read(buffer, 0, buffer.length, offset);
    const whole = buffer.lastIndexOf(0x0a) + 1; // whole lines only; the rest is read next time
    return { lines: buffer.subarray(0, whole).toString('utf8'), offset: offset + whole };
  } finally {
    await file.close();
  }
}

/**
 * `sinceSeconds` (counted back from `now`) or `sinceTime` (RFC 3339), as the time in ms since the
 * epoch, and `limitBytes`, from a log request's query; a malformed value is a 400 that says so.
 */
function logLimits(query: URLSearchParams, now: number): { since?: number; limitBytes?: number } {
  const whole = (name: string): number | undefined => {
    const value = query.get(name);
    if (value === null) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new HttpError(400, `${name} must be a whole number greater than 0, got ${JSON.stringify(value)}`);
    return Number(value);
  };
  const seconds = whole('sinceSeconds');
  const time = query.get('sinceTime');
  if (seconds !== undefined && time !== null) throw new HttpError(400, 'at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (time !== null && Number.isNaN(Date.parse(time))) throw new HttpError(400, `sinceTime must be an RFC 3339 time such as 2026-01-01T10:00:00Z, got ${JSON.stringify(time)}`);
  const since = seconds !== undefined ? now - seconds * 1000 : time !== null ? Date.parse(time) : undefined;
  const limitBytes = whole('limitBytes');
  return { ...(since !== undefined && { since }), ...(limitBytes !== undefined && { limitBytes }) };
}

/**
 * The CRI log lines written at `since` or later (upstream's ReadLogs skips each line, a part of one
 * too, whose time is before it). The times only grow along the file, so taking the lines since a
 * time and then the last N is the same as upstream's last N and then those since the time.
 */
function linesSince(text: string, since: number): string {
  return text
    .split('\n')
    .filter((line) => line !== '' && !(Date.parse(line.slice(0, line.indexOf(' '))) < since))
    .map((line) => `${line}\n`)
    .join('');
}
