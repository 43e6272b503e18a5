/**
 * The given NodeProxy's upgrades (katas/apiserver/node-proxy.ts): pods/exec, pods/attach and
 * pods/portforward joined to the pod's kubelet. A kubelet that cannot be reached is a Status the
 * client reads; once joined, a client that resets its connection ends the kubelet's side instead
 * of leaving an error no one handles (which would stop the whole apiserver process).
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { Registry } from '@kube/apiserver';
import { NodeProxy } from '../../solutions/apiserver/node-proxy.ts';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Node, type Pod } from '@kube/kit';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** An apiserver of one pod on node n1, whose kubelet is at `kubeletPort` of 127.33.0.1; resolves with its port. */
async function apiserver(kubeletPort: number): Promise<number> {
  const registry = new Registry({ store: new MvccStore(), clock: new FakeClock(Date.UTC(2026, 0, 1)), random: new Random(3) });
  await registry.create<Node>('nodes', undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '127.33.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } });
  await registry.create<Pod>('pods', 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'kubekata/echo' }] } });
  // (The reference's NodeProxy on the target's Registry: the same class when the target is the reference.)
  const proxy = new NodeProxy({ registry: registry as never });
  const server = createServer((_request, response) => response.end());
  server.on('upgrade', (request, socket: Socket, head: Buffer) => void proxy.upgrade(request, socket, head));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.33.0.2', resolve));
  return (server.address() as AddressInfo).port;
}

/** An upgrade request for pods/attach, as kubectl sends it. */
function upgradeTo(port: number): Socket {
  const socket = connect(port, '127.33.0.2');
  socket.write(['GET /api/v1/namespaces/default/pods/web/attach?stdin=true&stdout=true HTTP/1.1', 'Host: 127.33.0.2', 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol: v5.channel.k8s.io', '', ''].join('\r\n'));
  return socket;
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/node-proxy-upgrade.test.ts'), 240_000);
else describe('pods/attach and pods/exec through the apiserver', () => {
  it('answers a Status when the kubelet cannot be reached', async () => {
    const port = await apiserver(1); // nothing listens on port 1
    const socket = upgradeTo(port);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(answer).toMatch(/^HTTP\/1\.1 500 /);
    expect(answer).toContain('error dialing the kubelet at 127.33.0.1:1: connect ECONNREFUSED 127.33.0.1:1');
  });

  it('ends the kubelet\'s side when the client resets a joined connection, with no error left unhandled', async () => {
    const kubelet = createServer();
    const kubeletSide = new Promise<Socket>((resolve) => kubelet.on('upgrade', (_request, socket: Socket) => (socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'), resolve(socket))));
    servers.push(kubelet);
    await new Promise<void>((resolve) => kubelet.listen(0, '127.33.0.1', resolve));
    const client = upgradeTo(await apiserver((kubelet.address() as AddressInfo).port));
    const joined = await kubeletSide;
    await new Promise((resolve) => client.once('data', resolve)); // the 101 came through
    client.resetAndDestroy();
    // The apiserver ends its connection to the kubelet: the kubelet reads the end of it.
    await new Promise((resolve) => joined.on('end', resolve));
    joined.destroy();
  });
});
