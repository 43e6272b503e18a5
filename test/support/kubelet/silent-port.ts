/**
 * A TCP port that never answers a connection: what a probe meets at a host that drops its
 * packets, made on the loopback without root. A listener with a backlog of 1 lives in a worker
 * thread that blocks (Atomics.wait, no CPU) as soon as it listens, so it never accepts; two
 * connections of ours fill its accept queue, and Linux then drops every further SYN: a third
 * connection neither opens nor fails until its dialer gives up. Linux only, as the workbook.
 *
 * @example
 * ```ts
 * const silent = await silentPort('127.24.201.1');
 * connect({ host: '127.24.201.1', port: silent.port });   // hangs: no 'connect', no 'error'
 * await silent.close();
 * ```
 */
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export interface SilentPort {
  readonly port: number;
  /** Closes the filling connections, wakes the listener's thread and ends it. */
  close(): Promise<void>;
}

const LISTENER = `
const { workerData, parentPort } = require('node:worker_threads');
const server = require('node:net').createServer();
server.listen({ host: workerData.host, port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  Atomics.wait(workerData.gate, 0, 0); // blocked here, the thread never accepts
  server.close();
});
`;

/** A port on `host` whose accept queue is full: connections to it hang. */
export async function silentPort(host: string): Promise<SilentPort> {
  const gate = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(LISTENER, { eval: true, workerData: { host, gate } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  // Backlog 1 holds two connections the kernel has completed: ours.
  const fillers: Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const socket = connect({ host, port });
    fillers.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
  }
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      await worker.terminate();
    },
  };
}
