/**
 * Real sockets for kata 27's tests: backends that say who they are, a client that asks, and what
 * the operating system says is open (/proc/net/tcp), never the proxy's own bookkeeping.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP server on ip:port that writes `<name>\n` to every connection, then echoes what it gets. */
export interface Backend {
  name: string;
  address: string;
  /** connections open to it now */
  connections(): number;
  close(): Promise<void>;
}

export async function startBackend(name: string, ip: string, port: number): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(`${name}\n`);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: ip, port, exclusive: true }, () => resolve());
  });
  return {
    name,
    address: `${ip}:${port}`,
    connections: () => sockets.size,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...sockets].map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : (s.once('close', () => resolve()), s.destroy())))));
      await closed;
    },
  };
}

/** An open connection through the proxy: the backend's name, and a way to talk and to close. */
export interface Conversation {
  /** the first line: the backend's name */
  name: string;
  /** sends `text` and resolves with what comes back (the echo) */
  echo(text: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Connects to host:port and reads the first line. Resolves `'refused'` when nothing listens and
 * `'reset'` when the connection is closed before a line came (a Service without endpoints).
 */
export function connect(host: string, port: number, localAddress?: string): Promise<Conversation | 'refused' | 'reset'> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, ...(localAddress && { localAddress }) });
    let buffer = '';
    let done = false;
    const finish = (value: Conversation | 'refused' | 'reset') => {
      if (!done) (done = true), resolve(value);
    };
    socket.on('error', (error: NodeJS.ErrnoException) => finish(error.code === 'ECONNREFUSED' ? 'refused' : 'reset'));
    socket.on('close', () => finish('reset'));
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const at = buffer.indexOf('\n');
      if (at < 0) return;
      socket.off('data', onData);
      const rest = buffer.slice(at + 1);
      finish({
        name: buffer.slice(0, at),
        echo: (text) =>
          new Promise((done2) => {
            let got = rest;
            const more = (c: Buffer) => {
              got += c.toString('utf8');
              if (got.length >= text.length) (socket.off('data', more), done2(got));
            };
            socket.on('data', more);
            socket.write(text);
          }),
        close: () => new Promise<void>((done3) => (socket.closed ? done3() : (socket.once('close', () => done3()), socket.end()))),
      });
    };
    socket.on('data', onData);
  });
}

/** The name a connection reached, or 'refused' / 'reset'; the connection is closed. */
export async function ask(host: string, port: number, localAddress?: string): Promise<string> {
  const answer = await connect(host, port, localAddress);
  if (typeof answer === 'string') return answer;
  await answer.close();
  return answer.name;
}

/** One line of /proc/net/tcp: addresses as `ip:port`, the state, and the socket's inode (0: no process holds it). */
export interface OsSocket {
  local: string;
  remote: string;
  state: string;
  inode: number;
}

const STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING' };

/** `0100007F:1F90` → `127.0.0.1:8080` (the address is little-endian hex). */
function decode(hex: string): string {
  const [ip, port] = hex.split(':') as [string, string];
  const bytes = [6, 4, 2, 0].map((i) => parseInt(ip.slice(i, i + 2), 16));
  return `${bytes.join('.')}:${parseInt(port, 16)}`;
}

/** True where the kernel's socket table can be read (Linux). */
export const canReadSocketTable = existsSync('/proc/net/tcp');

/** Every IPv4 TCP socket of the machine, from /proc/net/tcp. */
export function osSockets(): OsSocket[] {
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const f = line.trim().split(/\s+/);
      return { local: decode(f[1]!), remote: decode(f[2]!), state: STATES[f[3]!] ?? f[3]!, inode: Number(f[9]) };
    });
}
