/**
 * Kata 27 — kube-proxy: the TCP proxy. The spec is katas/proxy/27-tcp-proxy.md.
 *
 * Real sockets on this test's own loopback addresses: cluster IPs 127.97.27.x, the node address
 * 127.0.27.1, backends 127.0.27.10-29 (each says its name, then echoes), and three kit/images/echo
 * processes for the HTTP test. The properties: under random endpoint churn every new connection
 * reaches an endpoint usable at that moment (model-based); after the proxy stops, the operating
 * system's socket table (/proc/net/tcp) holds nothing of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fc, test } from '../support/prop.ts';
import { FakeClock, Random, findImage, type EndpointSlice, type Service } from '@kube/kit';
import { Proxier } from '@kube/proxy';
import { makeService, makeSlice, type SliceEndpoint } from '../support/proxy/services.ts';
import { ask, canReadSocketTable, connect, osSockets, startBackend, type Backend } from '../support/proxy/sockets.ts';

const NODE = '127.0.27.1';
/** a second address of the same node: a node port answers on each */
const NODE_2 = '127.0.27.2';
const backendIP = (i: number) => `127.0.27.${10 + i}`;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Every cleanup runs, even when an earlier one throws (an unwritten stop() must not leave the echo processes running).
  const failures: unknown[] = [];
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => failures.push(error));
  cleanups = [];
  if (failures.length > 0) throw failures[0];
});

function proxier(clock = new FakeClock(), more: Partial<ConstructorParameters<typeof Proxier>[0]> = {}): Proxier {
  const proxy = new Proxier({ clock, random: new Random(27), nodeAddresses: [NODE], ...more });
  cleanups.push(() => proxy.stop());
  return proxy;
}

async function backends(count: number, port = 9000, first = 0): Promise<Backend[]> {
  const started = await Promise.all(Array.from({ length: count }, (_, i) => startBackend(`pod-${first + i}`, backendIP(first + i), port)));
  cleanups.push(async () => void (await Promise.all(started.map((b) => b.close()))));
  return started;
}

const svc = (clusterIP: string, more: Service['spec'] = {}, port = 9000) => makeService('web', [{ port, targetPort: 9000 }], { clusterIP, ...more });
const slice = (indexes: number[], more: Partial<SliceEndpoint> = {}): EndpointSlice => makeSlice('web', 'web-1', { port: 9000 }, indexes.map((i) => ({ ip: backendIP(i), ...more })));

describe('listening and forwarding', () => {
  it('forwards a connection to the Service\'s cluster IP and port, and to the node port on the node address, to a ready endpoint', async () => {
    await backends(2);
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.1', { type: 'NodePort', ports: [{ port: 9000, nodePort: 32701 }] })], [slice([0, 1])]);
    expect(proxy.listeners().map((l) => [l.kind, l.address, l.port])).toEqual([['nodePort', NODE, 32701], ['clusterIP', '127.97.27.1', 9000]]);
    expect(['pod-0', 'pod-1']).toContain(await ask('127.97.27.1', 9000));
    expect(['pod-0', 'pod-1']).toContain(await ask(NODE, 32701));
  });

  it('spreads new connections over the ready endpoints only', async () => {
    await backends(3);
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.2')], [makeSlice('web', 'web-1', { port: 9000 }, [{ ip: backendIP(0) }, { ip: backendIP(1) }, { ip: backendIP(2), ready: false }])]);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) seen.add(await ask('127.97.27.2', 9000));
    expect([...seen].sort()).toEqual(['pod-0', 'pod-1']);
  });

  it('resets a connection to a Service without endpoints at once (the rules REJECT it)', async () => {
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.3')], []);
    expect(await ask('127.97.27.3', 9000)).toBe('reset');
  });

  it('tries the next endpoint when the chosen one refuses the connection', async () => {
    await backends(1, 9000, 1); // only pod-1 listens; 127.0.27.10 refuses
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.4')], [slice([0, 1])]);
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await ask('127.97.27.4', 9000));
    expect(answers).toEqual(Array(10).fill('pod-1'));
  });

  it('keeps a ClientIP client on its endpoint until its affinity timeout passes on the clock', async () => {
    await backends(2);
    const clock = new FakeClock();
    const proxy = proxier(clock);
    await proxy.sync([svc('127.97.27.5', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })], [slice([0, 1])]);
    const sticky = [];
    for (let i = 0; i < 10; i++) {
      sticky.push(await ask('127.97.27.5', 9000, '127.0.27.200'));
      await clock.advance(30_000);
    }
    expect(new Set(sticky).size).toBe(1);
    const free = new Set<string>();
    for (let i = 0; i < 20; i++) {
      await clock.advance(61_000);
      free.add(await ask('127.97.27.5', 9000, '127.0.27.200'));
    }
    expect([...free].sort()).toEqual(['pod-0', 'pod-1']);
  });

  it('keeps an established connection when its endpoint leaves the Service, and sends new ones elsewhere', async () => {
    await backends(2);
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.6')], [slice([0])]);
    const talk = await connect('127.97.27.6', 9000);
    expect(typeof talk === 'object' && talk.name).toBe('pod-0');
    await proxy.sync([svc('127.97.27.6')], [slice([1])]);
    expect(await (talk as Exclude<typeof talk, string>).echo('still there?')).toBe('still there?');
    expect(await ask('127.97.27.6', 9000)).toBe('pod-1');
    await (talk as Exclude<typeof talk, string>).close();
  });

  it('serves a node port on every node address it is given, each connection to an endpoint, and closes all of them when the Service goes', async () => {
    await backends(2);
    const proxy = proxier(new FakeClock(), { nodeAddresses: [NODE, NODE_2] });
    await proxy.sync([svc('127.97.27.17', { type: 'NodePort', ports: [{ port: 9000, nodePort: 32716 }] })], [slice([0, 1])]);
    expect(proxy.listeners().map((l) => `${l.kind} ${l.address}:${l.port}`)).toEqual([`nodePort ${NODE}:32716`, `nodePort ${NODE_2}:32716`, 'clusterIP 127.97.27.17:9000']);
    expect(['pod-0', 'pod-1']).toContain(await ask(NODE, 32716));
    expect(['pod-0', 'pod-1']).toContain(await ask(NODE_2, 32716));
    await proxy.sync([], []);
    expect([await ask(NODE, 32716), await ask(NODE_2, 32716)]).toEqual(['refused', 'refused']);
  });

  it('serves a node port on 127.0.0.1 when it is given no node addresses, as a one-machine cluster\'s kube-proxy does', async () => {
    await backends(1);
    const proxy = new Proxier({ clock: new FakeClock(), random: new Random(27) });
    cleanups.push(() => proxy.stop());
    await proxy.sync([svc('127.97.27.18', { type: 'NodePort', ports: [{ port: 9000, nodePort: 32718 }] })], [slice([0])]);
    expect(proxy.listeners().map((l) => `${l.kind} ${l.address}:${l.port}`)).toEqual(['nodePort 127.0.0.1:32718', 'clusterIP 127.97.27.18:9000']);
    expect(await ask('127.0.0.1', 32718)).toBe('pod-0');
  });

  it('does not wait, in a sync, for the connections of a Service it closes: the sync settles while a client is still connected', async () => {
    await backends(1);
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.40')], [slice([0])]);
    const talk = await connect('127.97.27.40', 9000);
    if (typeof talk === 'string') throw new Error(`no connection through the proxy: ${talk}`);
    cleanups.push(() => talk.close());
    let settled = false;
    const synced = proxy.sync([], []).finally(() => (settled = true));
    // A round trip through the open connection takes many turns of the event loop: far more than
    // closing a listener needs. A sync waiting for this connection to end would not be settled.
    expect(await talk.echo('still there?')).toBe('still there?');
    expect(settled, 'the sync waited for the spliced connection to end (server.close()\'s callback)').toBe(true);
    await synced;
    expect(await ask('127.97.27.40', 9000)).toBe('refused');
  });

  it('applies syncs in the order they were called, even when the caller does not wait for one before the next', async () => {
    await backends(1);
    const proxy = proxier();
    const first = proxy.sync([svc('127.97.27.41', { type: 'NodePort', ports: [{ port: 9000, nodePort: 32741 }] })], [slice([0])]);
    const second = proxy.sync([], []);
    await Promise.all([first, second]);
    expect(proxy.listeners(), 'the second sync (nothing) came last').toEqual([]);
    expect(await ask('127.97.27.41', 9000)).toBe('refused');
  });

  it('gives UDP and SCTP ports no listener, only TCP ones', async () => {
    const proxy = proxier();
    const mixed = makeService('dns', [{ name: 'dns', port: 9053, protocol: 'UDP' }, { name: 'dns-tcp', port: 9053, protocol: 'TCP' }, { name: 'sctp', port: 9054, protocol: 'SCTP' }], { clusterIP: '127.97.27.42' });
    await proxy.sync([mixed], []);
    expect(proxy.listeners().map((l) => `${l.kind} ${l.address}:${l.port}`)).toEqual(['clusterIP 127.97.27.42:9053']);
  });

  it('after a retry, a ClientIP client sticks to the endpoint that answered, even once the refused one has left the Service', async () => {
    await backends(2, 9000, 1); // pod-1 and pod-2 listen; 127.0.27.10 refuses
    const proxy = proxier();
    const affinity: Service['spec'] = { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } };
    await proxy.sync([svc('127.97.27.43', affinity)], [slice([0, 1])]);
    // Twenty clients: about half are sent to the refusing endpoint first and retried on pod-1.
    const clients = Array.from({ length: 20 }, (_, i) => `127.0.27.${200 + i}`);
    for (const client of clients) expect(await ask('127.97.27.43', 9000, client)).toBe('pod-1');
    await proxy.sync([svc('127.97.27.43', affinity)], [slice([1, 2])]);
    for (const client of clients) expect(await ask('127.97.27.43', 9000, client), `${client} was answered by pod-1: its affinity says pod-1`).toBe('pod-1');
  });

  it('closes the listeners of a Service that is gone', async () => {
    await backends(1);
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.7', { type: 'NodePort', ports: [{ port: 9000, nodePort: 32707 }] })], [slice([0])]);
    await proxy.sync([], []);
    expect([proxy.listeners(), await ask('127.97.27.7', 9000), await ask(NODE, 32707)]).toEqual([[], 'refused', 'refused']);
  });

  it('lists its listeners by address, then port, as copies the caller cannot change it through', async () => {
    await backends(1);
    const proxy = proxier();
    const other = makeService('other', [{ port: 9001, targetPort: 9000, nodePort: 32712 }], { clusterIP: '127.97.27.10', type: 'NodePort' });
    // other first: the order they come in is not the order listed
    await proxy.sync([other, svc('127.97.27.9', { type: 'NodePort', ports: [{ port: 9000, nodePort: 32709 }] })], [slice([0])]);
    const listed = proxy.listeners();
    expect(listed.map((l) => `${l.address}:${l.port} ${l.service}`)).toEqual(['127.0.27.1:32709 default/web', '127.0.27.1:32712 default/other', '127.97.27.10:9001 default/other', '127.97.27.9:9000 default/web']);
    listed[0]!.port = 1;
    expect(proxy.listeners()[0]!.port).toBe(32709);
  });

  it('takes a Service\'s new details at the next sync without listening again: ClientIP affinity turned on holds from then on', async () => {
    await backends(2);
    const proxy = proxier();
    await proxy.sync([svc('127.97.27.12')], [slice([0, 1])]);
    await proxy.sync([svc('127.97.27.12', { sessionAffinity: 'ClientIP' })], [slice([0, 1])]);
    const answers = new Set<string>();
    for (let i = 0; i < 12; i++) answers.add(await ask('127.97.27.12', 9000, '127.0.27.201'));
    expect(answers.size).toBe(1);
  });

  it('picks endpoint i of n when random.next() is below 1/(n-i): a draw of 0.4 always picks the second of three', async () => {
    await backends(3);
    class Draws extends Random {
      override next(): number {
        return 0.4;
      }
    }
    const proxy = proxier(new FakeClock(), { random: new Draws(1) });
    await proxy.sync([svc('127.97.27.13')], [slice([0, 1, 2])]);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask('127.97.27.13', 9000));
    expect(answers).toEqual(Array(4).fill('pod-1'));
  });

  it('does not match a rule whose probability equals the draw (iptables\' statistic match is strictly below it): a draw of 0.5 of two endpoints picks the second', async () => {
    await backends(2, 9000);
    class Half extends Random {
      override next(): number {
        return 0.5;
      }
    }
    const proxy = proxier(new FakeClock(), { random: new Half(1) });
    await proxy.sync([svc('127.97.27.50')], [slice([0, 1])]);
    expect([await ask('127.97.27.50', 9000), await ask('127.97.27.50', 9000)]).toEqual(['pod-1', 'pod-1']);
  });

  it('resets the client when the chosen endpoint fails with anything but a refusal, and tries no other (a broadcast address: ENETUNREACH)', async () => {
    await backends(1, 9000);
    class High extends Random {
      override next(): number {
        return 0.9; // past the first rule's 0.5: the last endpoint, 255.255.255.255, is chosen
      }
    }
    const proxy = proxier(new FakeClock(), { random: new High(1) });
    const unreachable = makeSlice('web', 'web-1', { port: 9000 }, [{ ip: backendIP(0) }, { ip: '255.255.255.255' }]);
    await proxy.sync([svc('127.97.27.51')], [unreachable]);
    expect(await ask('127.97.27.51', 9000)).toBe('reset');
  });

  it('listens on every other port when some are taken, then rejects naming each it could not listen on and why', async () => {
    await backends(1);
    for (const [host, port] of [['127.97.27.14', 9000], [NODE, 32714]] as const) {
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(port, host, resolve));
      cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    }
    const proxy = proxier();
    const busy = makeService('busy', [{ port: 9000, nodePort: 32714 }], { clusterIP: '127.97.27.14', type: 'NodePort' });
    const failure = await proxy.sync([busy, svc('127.97.27.15')], [slice([0])]).then(() => undefined, (error: Error) => error);
    expect(failure?.message).toMatch(/^cannot listen for clusterIP 127\.97\.27\.14:9000 of default\/busy: .*EADDRINUSE.*; nodePort 127\.0\.27\.1:32714 of default\/busy: .*EADDRINUSE/);
    expect([proxy.listeners().map((l) => l.address), await ask('127.97.27.15', 9000)]).toEqual([['127.97.27.15'], 'pod-0']);
  });

  it('refuses to sync once stopped: a stopped proxy is not started again', async () => {
    const proxy = proxier();
    await proxy.stop();
    await expect(proxy.sync([svc('127.97.27.16')], [])).rejects.toThrow('the proxy has been stopped: make a new one');
    expect(proxy.listeners()).toEqual([]);
  });

  it('serves a privileged Service port on port + 10000 when told to map them, and says so in listeners()', async () => {
    await backends(1);
    const proxy = proxier(new FakeClock(), { privilegedPorts: 'map' });
    await proxy.sync([svc('127.97.27.8', {}, 80)], [slice([0])]);
    expect(proxy.listeners().map((l) => [l.address, l.servicePort, l.port])).toEqual([['127.97.27.8', 80, 10080]]);
    expect(await ask('127.97.27.8', 10080)).toBe('pod-0');
  });
});

/** Sends GET / to host:port (a fresh connection each time) and resolves with the JSON body. */
function get(host: string, port: number): Promise<{ pod: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve(JSON.parse(body) as { pod: string }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP through a Service to three echo processes', () => {
  it('sends real HTTP requests to the cluster IP and hears all three pods answer', async () => {
    const image = findImage('kubekata/echo')!;
    const children: ChildProcess[] = [];
    cleanups.push(async () => {
      await Promise.all(children.map((child) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM'))))));
    });
    await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(process.execPath, image.entrypoint.slice(1), { env: { ...process.env, POD_IP: backendIP(i), PORT: '8080', POD_NAME: `echo-${i}`, POD_NAMESPACE: 'default' }, stdio: ['ignore', 'pipe', 'inherit'] });
            children.push(child);
            child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
            child.once('exit', (code) => reject(new Error(`echo-${i} exited with ${code}`)));
          }),
      ),
    );
    const proxy = proxier();
    await proxy.sync([makeService('echo', [{ name: 'http', port: 80, targetPort: 8080 }], { clusterIP: '127.97.27.9' })], [makeSlice('echo', 'echo-1', { name: 'http', port: 8080 }, [0, 1, 2].map((i) => ({ ip: backendIP(i) })))]);
    const listener = proxy.listeners()[0]!; // port 80 where we may bind it, else 10080
    const answered = new Set<string>();
    for (let i = 0; i < 60 && answered.size < 3; i++) answered.add((await get(listener.address, listener.port)).pod);
    expect([...answered].sort()).toEqual(['echo-0', 'echo-1', 'echo-2']);
  });
});

// ---- Properties ----

interface ChurnModel {
  /** backend index → ready? (present in the slice) */
  endpoints: Map<number, boolean>;
}
interface ChurnReal {
  proxy: Proxier;
}
const CHURN_IP = '127.97.27.20';
const sliceOf = (m: ChurnModel) => makeSlice('web', 'web-1', { port: 9000 }, [...m.endpoints].map(([i, ready]) => ({ ip: backendIP(i), ready })));

class SetEndpoint implements fc.AsyncCommand<ChurnModel, ChurnReal> {
  constructor(readonly index: number, readonly state: 'ready' | 'not ready' | 'gone') {}
  check = () => true;
  async run(m: ChurnModel, r: ChurnReal): Promise<void> {
    if (this.state === 'gone') m.endpoints.delete(this.index);
    else m.endpoints.set(this.index, this.state === 'ready');
    await r.proxy.sync([svc(CHURN_IP)], [sliceOf(m)]);
  }
  toString = () => `endpoint pod-${this.index} ${this.state}`;
}

class Connect implements fc.AsyncCommand<ChurnModel, ChurnReal> {
  check = () => true;
  async run(m: ChurnModel): Promise<void> {
    const ready = [...m.endpoints].filter(([, r]) => r).map(([i]) => `pod-${i}`);
    const answer = await ask(CHURN_IP, 9000);
    if (ready.length === 0) expect(answer).toBe('reset');
    else expect(ready).toContain(answer);
  }
  toString = () => 'connect to the Service';
}

describe('properties', () => {
  test.prop(
    [fc.commands([fc.tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom('ready' as const, 'not ready' as const, 'gone' as const)).map(([i, s]) => new SetEndpoint(i, s)), fc.constant(new Connect())], { maxCommands: 25 })],
    { numRuns: 12 },
  )('under random endpoint churn every new connection reaches an endpoint that is ready at that moment', async (commands) => {
    const started = await Promise.all([0, 1, 2, 3, 4].map((i) => startBackend(`pod-${i}`, backendIP(i), 9000)));
    const proxy = new Proxier({ clock: new FakeClock(), random: new Random(1), nodeAddresses: [NODE] });
    try {
      await proxy.sync([svc(CHURN_IP)], []);
      await fc.asyncModelRun(() => ({ model: { endpoints: new Map() }, real: { proxy } }), commands);
    } finally {
      // The backends close even when stop() throws (unwritten): else the next run finds their addresses in use.
      try {
        await proxy.stop();
      } finally {
        await Promise.all(started.map((b) => b.close()));
      }
    }
  });

  test.prop([fc.array(fc.constantFrom('keep open' as const, 'close' as const, 'no endpoints' as const, 'refused' as const), { minLength: 1, maxLength: 8 })], { numRuns: 10 })(
    'after the proxy stops, the operating system holds no socket of it: no listener, no connection to a client or an endpoint',
    async (actions) => {
      if (!canReadSocketTable) return; // /proc/net/tcp is Linux's; elsewhere there is nothing to read
      const backendsUp = await Promise.all([0, 1].map((i) => startBackend(`pod-${i}`, backendIP(i), 9100)));
      const proxy = new Proxier({ clock: new FakeClock(), random: new Random(2), nodeAddresses: [NODE] });
      const services = [
        makeService('web', [{ port: 9100, nodePort: 32730 }], { clusterIP: '127.97.27.30', type: 'NodePort' }),
        makeService('empty', [{ port: 9100 }], { clusterIP: '127.97.27.31' }),
        makeService('dead', [{ port: 9100 }], { clusterIP: '127.97.27.32' }),
      ];
      const slices = [makeSlice('web', 'web-1', { port: 9100 }, [{ ip: backendIP(0) }, { ip: backendIP(1) }]), makeSlice('dead', 'dead-1', { port: 9100 }, [{ ip: backendIP(5) }])];
      const open: { close(): Promise<void> }[] = [];
      try {
        await proxy.sync(services, slices);
        for (const action of actions) {
          if (action === 'no endpoints') await ask('127.97.27.31', 9100);
          else if (action === 'refused') await ask('127.97.27.32', 9100);
          else {
            const talk = await connect('127.97.27.30', 9100);
            if (typeof talk === 'object') (action === 'keep open' ? open.push(talk) : await talk.close());
          }
        }
      } finally {
        // The backends and clients close even when stop() throws (unwritten): else the next run
        // finds their addresses in use and reports that instead.
        try {
          await proxy.stop();
        } finally {
          await Promise.all(backendsUp.map((b) => b.close()));
          await Promise.all(open.map((c) => c.close()));
        }
      }
      const ours = (address: string) => /^127\.97\.27\.3[0-2]:9100$/.test(address) || address === `${NODE}:32730` || /^127\.0\.27\.1[0-5]:9100$/.test(address);
      const held = osSockets().filter((s) => s.inode !== 0 && (ours(s.local) || ours(s.remote)));
      expect(held).toEqual([]);
    },
  );
});
