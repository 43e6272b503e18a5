/**
 * The given kubelet server's attach (katas/kubelet/kubelet-server.ts), as `kubectl attach -i` and
 * `kubectl run -i` use it: the client's first input may answer at once, so where the client's
 * output starts must be taken before that input reaches the container. Taken after (it was), an
 * answer already in the log was missed and the client waited for ever: on a loaded machine,
 * `kubectl attach -i` or `kubectl run -i` could hang (the likely cause of one CI run's failure of
 * the end-to-end test, whose output did not say which step failed).
 *
 * The container here answers in the same instant as its input (its stdin writes the answer into
 * its log), and the server is held before it looks the container up, until the client's input has
 * reached it: the input is then early, the case that was lost.
 */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import type { RuntimeService } from '@kube/runtime';
import { KubeletServer, type ContainerStdin } from '../../solutions/kubelet/kubelet-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'kubekata-attach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CRI log line of stdout, as the runtime writes it. */
const criLine = (text: string): string => `2026-12-06T00:00:00.000000000Z stdout F ${text}\n`;

/** One turn of the event loop, after the I/O of this one (a message already on the socket is read by then). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/kubelet-attach.test.ts'), 240_000);
else describe('kubectl attach to a container that answers its input', () => {
  it('gives the client the answer to its first input, even when that input came before the container was found', async () => {
    const logPath = join(dir, 'app.log');
    writeFileSync(logPath, criLine('started before the client came'));
    let found!: () => void;
    const lookedUp = new Promise<void>((resolve) => (found = resolve));
    // A stub of what the server asks the kubelet (cast: @kube/kubelet is the starters' type under tsc, the server the reference's).
    const kubelet = {
      findPod: () => ({ metadata: { name: 'web', namespace: 'default' } }),
      statusFor: () => ({ containerStatuses: [{ name: 'app', state: { running: {} }, containerID: 'fake://c1' }] }),
    } as never;
    const runtime = {
      containerStatus: async () => (await lookedUp, { id: 'c1', state: 'CONTAINER_RUNNING', logPath }),
      onContainerEvent: () => () => {},
    } as unknown as RuntimeService;
    // The container's stdin: what it reads is answered in its log at once.
    const stdin: ContainerStdin = { once: false, tty: false, write: (chunk) => appendFileSync(logPath, criLine(`got ${chunk.toString().trim()}`)), end: () => {}, resize: () => {} };
    const server = new KubeletServer({ kubelet, runtime, host: '127.0.0.1', containerStdin: () => stdin });
    const { port } = await server.start();
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/attach/default/web/app?stdin=true&stdout=true`, ['v5.channel.k8s.io']);
      let stdout = '';
      const answered = new Promise<void>((resolve) =>
        ws.on('message', (data: Buffer) => {
          if (data[0] === 1) stdout += data.subarray(1).toString();
          if (stdout.includes('got first')) resolve();
        }),
      );
      await new Promise((resolve) => ws.once('open', resolve));
      await new Promise((resolve) => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('first\n')]), resolve));
      for (let turn = 0; turn < 3; turn++) await nextTurn(); // the server has read the input: it is early
      found();
      await answered;
      expect(stdout).toBe('got first\n'); // and not what the container printed before the client came
      ws.send(Buffer.from([255, 0])); // the end of the client's input: detached (no stdinOnce)
      const status = await new Promise<string>((resolve) => ws.on('message', (data: Buffer) => data[0] === 3 && resolve(data.subarray(1).toString())));
      expect(JSON.parse(status)).toMatchObject({ status: 'Success' });
      ws.close();
    } finally {
      await server.stop();
    }
  }, 20_000);
});
