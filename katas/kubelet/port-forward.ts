/**
 * `kubectl port-forward`: the kubelet's side (upstream `pkg/kubelet/cri/streaming/portforward`,
 * the SPDY server of `k8s.io/apimachinery/pkg/util/httpstream/spdy`). Given code.
 *
 * kubectl upgrades its request to SPDY/3.1 (`X-Stream-Protocol-Version: portforward.k8s.io`) and,
 * for each connection it accepts on the local port, opens two streams whose headers say what
 * they are for:
 *
 * ```
 * SYN_STREAM 1  streamType=error port=8080 requestID=0   the server writes a failure here, if any
 * SYN_STREAM 3  streamType=data  port=8080 requestID=0   the bytes, both ways, to the pod's port
 * ```
 *
 * The server answers each with SYN_REPLY, joins the data stream to a TCP connection to the pod's
 * IP and port, and ends both streams when that connection ends. A SPDY frame is 8 bytes of header
 * and a body; a control frame's first bit is 1 (then version 3, type, flags, length), a data
 * frame's is 0 (then stream id, flags, length). Header blocks are compressed with zlib and the
 * dictionary of the SPDY/3 spec, one compression context per direction for the whole connection.
 *
 * Where it simplifies: no flow control is enforced (kubectl's spdystream does not either; the
 * server grants back every byte it receives), no server push, no priorities. kubectl first tries
 * a WebSocket tunnel of the same streams; the kubelet refuses it and kubectl falls back to SPDY.
 *
 * @example
 * ```ts
 * // after answering the upgrade with 101 Switching Protocols, Upgrade: SPDY/3.1:
 * servePortForward(socket, { pod: 'default/web', connect: (port) => net.connect(port, '127.0.10.2') });
 * ```
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

/** The stream protocol kubectl asks for. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** What a port-forward session forwards to. */
export interface PortForwardTarget {
  /** `namespace/name`, for the error messages */
  pod: string;
  /** a TCP connection to the pod's port */
  connect(port: number): Socket;
}

const CONTROL = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
const FLAG_FIN = 0x01;
const SPDY_VERSION = 3;
/** The largest data frame this server writes (a frame's length has 24 bits; kubectl reads any). */
const MAX_DATA = 64 * 1024;

/** Serves one SPDY/3.1 port-forward session on an upgraded connection until either side ends it. */
export function servePortForward(socket: Duplex, target: PortForwardTarget): void {
  new PortForwardSession(socket, target);
}

/** One forwarded connection: kubectl's two streams and the TCP connection to the pod. */
interface Pair {
  errorStream?: number;
  dataStream?: number;
  connection?: Socket;
}

class PortForwardSession {
  private buffered = Buffer.alloc(0);
  /** frames are handled one at a time, in order: header blocks share one zlib context */
  private queue = Promise.resolve();
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY_DICTIONARY });
  private readonly deflate: Deflate = createDeflate({ dictionary: SPDY_DICTIONARY });
  private readonly pairs = new Map<string, Pair>();
  private readonly connections = new Map<number, Socket>();
  /** streams this side has ended (FIN sent): a failure and the connection's close both end them, once */
  private readonly ended = new Set<number>();
  private closed = false;

  constructor(
    private readonly socket: Duplex,
    private readonly target: PortForwardTarget,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUIntBE(5, 3);
      if (this.buffered.length < 8 + length) return;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      this.queue = this.queue.then(() => this.handle(frame)).catch(() => this.close());
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    const flags = frame[4]!;
    const body = frame.subarray(8);
    if ((frame[0]! & 0x80) === 0) return this.onData(frame.readUInt32BE(0) & 0x7fffffff, flags, body);
    const type = frame.readUInt16BE(2);
    if (type === CONTROL.synStream) return this.onSynStream(body.readUInt32BE(0) & 0x7fffffff, await this.readHeaders(body.subarray(10)));
    if (type === CONTROL.rstStream) return this.endConnectionOf(body.readUInt32BE(0) & 0x7fffffff);
    if (type === CONTROL.ping) return this.write(frame); // echoed as it came: the client's id
    if (type === CONTROL.goAway) return this.close();
    if (type === CONTROL.headers) await this.readHeaders(body.subarray(4)); // read to keep the zlib context in step
    // SETTINGS and WINDOW_UPDATE: nothing to do without flow control
  }

  private async onSynStream(streamId: number, headers: Map<string, string>): Promise<void> {
    await this.writeControl(CONTROL.synReply, 0, Buffer.concat([uint32(streamId), await this.writeHeaders(new Map())]));
    const type = headers.get('streamtype');
    const port = Number(headers.get('port'));
    const request = headers.get('requestid') ?? '';
    const pair = this.pairs.get(request) ?? {};
    this.pairs.set(request, pair);
    if (type === 'error') pair.errorStream = streamId;
    else if (type === 'data') {
      pair.dataStream = streamId;
      if (!Number.isInteger(port) || port < 1 || port > 65535) return this.fail(pair, request, `invalid port ${JSON.stringify(headers.get('port'))}`);
      this.forward(pair, request, port);
    } else this.writeData(streamId, Buffer.alloc(0), true);
  }

  /** Joins the data stream to a new TCP connection to the pod's port. */
  private forward(pair: Pair, request: string, port: number): void {
    const connection = this.target.connect(port);
    pair.connection = connection;
    this.connections.set(pair.dataStream!, connection);
    connection.on('data', (chunk: Buffer) => {
      for (let at = 0; at < chunk.length; at += MAX_DATA) this.writeData(pair.dataStream!, chunk.subarray(at, at + MAX_DATA), false);
    });
    connection.on('error', (error) => this.fail(pair, request, `error forwarding port ${port} to pod ${this.target.pod}: ${error.message}`));
    connection.on('close', () => {
      this.connections.delete(pair.dataStream!);
      this.writeData(pair.dataStream!, Buffer.alloc(0), true);
      if (pair.errorStream !== undefined) this.writeData(pair.errorStream, Buffer.alloc(0), true);
      this.pairs.delete(request);
    });
  }

  /** Writes the failure on the pair's error stream (kubectl prints it) and ends both streams. */
  private fail(pair: Pair, request: string, message: string): void {
    if (pair.errorStream !== undefined) this.writeData(pair.errorStream, Buffer.from(message), true);
    if (pair.dataStream !== undefined) this.writeData(pair.dataStream, Buffer.alloc(0), true);
    pair.connection?.destroy();
    this.pairs.delete(request);
  }

  private onData(streamId: number, flags: number, data: Buffer): void {
    const connection = this.connections.get(streamId);
    if (data.length > 0) {
      connection?.write(data);
      // Grant the bytes back, to the stream and to the session, for a client that counts them.
      const grant = uint32(data.length);
      this.writeControl(CONTROL.windowUpdate, 0, Buffer.concat([uint32(streamId), grant]));
      this.writeControl(CONTROL.windowUpdate, 0, Buffer.concat([uint32(0), grant]));
    }
    if (flags & FLAG_FIN) connection?.end();
  }

  private endConnectionOf(streamId: number): void {
    this.connections.get(streamId)?.destroy();
  }

  /** A header block: a count, then length-prefixed names and values (zlib-compressed). */
  private async readHeaders(block: Buffer): Promise<Map<string, string>> {
    const plain = await throughZlib(this.inflate, block);
    const headers = new Map<string, string>();
    let at = 4;
    for (let i = 0; i < plain.readUInt32BE(0); i++) {
      const nameLength = plain.readUInt32BE(at);
      const name = plain.toString('utf8', at + 4, at + 4 + nameLength);
      at += 4 + nameLength;
      const valueLength = plain.readUInt32BE(at);
      headers.set(name.toLowerCase(), plain.toString('utf8', at + 4, at + 4 + valueLength));
      at += 4 + valueLength;
    }
    return headers;
  }

  private async writeHeaders(headers: Map<string, string>): Promise<Buffer> {
    const parts = [uint32(headers.size)];
    for (const [name, value] of headers) parts.push(uint32(Buffer.byteLength(name)), Buffer.from(name), uint32(Buffer.byteLength(value)), Buffer.from(value));
    return throughZlib(this.deflate, Buffer.concat(parts));
  }

  private writeControl(type: number, flags: number, body: Buffer): void {
    const head = Buffer.alloc(8);
    head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
    head.writeUInt16BE(type, 2);
    head.writeUInt32BE(body.length, 4);
    head[4] = flags;
    this.write(Buffer.concat([head, body]));
  }

  private writeData(streamId: number, data: Buffer, fin: boolean): void {
    if (this.ended.has(streamId)) return;
    if (fin) this.ended.add(streamId);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(streamId & 0x7fffffff, 0);
    head.writeUInt32BE(data.length, 4);
    head[4] = fin ? FLAG_FIN : 0;
    this.write(Buffer.concat([head, data]));
  }

  private write(frame: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(frame);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.connections.values()) connection.destroy();
    this.connections.clear();
    this.inflate.close();
    this.deflate.close();
    this.socket.destroy();
  }
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0, 0);
  return buffer;
}

/** Passes one header block through a connection's zlib context, flushed so it can be read alone. */
function throughZlib(stream: Inflate | Deflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (chunk: Buffer): void => void out.push(chunk);
    stream.on('data', onData);
    stream.once('error', reject);
    stream.write(block);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', reject);
      resolve(Buffer.concat(out));
    });
  });
}

/**
 * The zlib dictionary of SPDY/3's header blocks (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): common
 * header names and values, each with its 4-byte length, then text that often follows them.
 */
const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...[
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
    'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
    'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
    'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
    'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
    'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
  ].flatMap((word) => [uint32(word.length), Buffer.from(word, 'latin1')]),
  Buffer.from(
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
      '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
      '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
      'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
      'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,' +
      'publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.',
    'latin1',
  ),
]);
