/**
 * The worker thread behind tools/lib/etcd-backend.ts (plain JavaScript: node runs it as it is, in a
 * thread of whatever process loads the backend — tsx, vitest — without a TypeScript loader): it owns the gRPC connections to etcd (the
 * `etcd3` package) and answers one request at a time, while the main thread waits for the answer
 * with `Atomics.wait` (synckit). The registry's code is synchronous; etcd's client is not: this
 * thread is where the awaiting happens.
 *
 * Besides reads, transactions and compactions, it keeps, per etcd, one watch of the whole key
 * space, started when it first connects, and a log of what that watch saw. A watch started in
 * the present is "synced" in etcd: it hears every commit at once. A watch started in the past is
 * caught up by etcd's background loop, every 100 ms — too slow to open one per poll. So a poll
 * asks for "every change since revision N" and is answered from the log, once the log has
 * reached the revision etcd is at (every revision has at least one event, so it always does).
 *
 * Keys and values cross the thread boundary as strings (UTF-8), revisions as numbers: etcd's
 * revisions are int64, far beyond what a cluster reaches in practice (2^53).
 *
 * The requests and answers are typed in etcd-backend.ts (WorkerRequest, WorkerAnswer).
 */
import { runAsWorker } from 'synckit';
import { Etcd3 } from 'etcd3';

/** How many revisions the log keeps; a poll from before them is caught up by a watch of its own. */
const LOG_REVISIONS = 20_000;

/** endpoint → its connection: the client, the whole-keyspace watch, and the log it fills. */
const connections = new Map();
const ALL_KEYS = Buffer.from([0]);

/** etcd's KeyValue (Buffers, int64 as strings) as the main thread gets it: strings and numbers. */
const toKv = (kv) => ({
  key: kv.key.toString('utf8'),
  value: kv.value.toString('utf8'),
  createRevision: Number(kv.create_revision),
  modRevision: Number(kv.mod_revision),
  version: Number(kv.version),
  lease: Number(kv.lease),
});

/** A watch response's events, with their previous pairs when etcd sent them. */
const toEvents = (response) => response.events.map((event) => ({ type: event.type === 'Delete' ? 'DELETE' : 'PUT', kv: toKv(event.kv), ...event.prev_kv ? { prevKv: toKv(event.prev_kv) } : {} }));

/** The revision etcd is at now (the header of an empty read). */
async function currentRevision(client) {
  const response = await client.kv.range({ key: ALL_KEYS });
  return Number(response.header.revision);
}

/**
 * Every event of revisions [from, to] of the whole key space, through a watch of their own
 * (etcd catches a watch from the past up in its background loop: up to 100 ms); or the revision
 * etcd was compacted to, when `from` is below it.
 */
async function history(client, from, to) {
  const stream = await client.watchClient.watch();
  return new Promise((resolve, reject) => {
    const log = new Map();
    const done = (result) => {
      stream.end();
      stream.cancel();
      resolve(result);
    };
    stream.on('error', (error) => /cancel/i.test(error.message) ? undefined : reject(error));
    stream.on('data', (response) => {
      if (Number(response.compact_revision) > 0) return done({ compacted: Number(response.compact_revision) });
      for (const event of toEvents(response)) {
        const revision = event.kv.modRevision;
        if (revision > to) return done({ log });
        log.set(revision, [...log.get(revision) ?? [], event]);
      }
      if (response.events.length > 0 && Number(response.events.at(-1).kv.mod_revision) >= to) done({ log });
    });
    stream.write({ create_request: { key: ALL_KEYS, range_end: ALL_KEYS, start_revision: from, prev_kv: true } });
  });
}

/**
 * Connects to `endpoint` (one client URL, or several members' separated by commas) and starts its
 * whole-keyspace watch at the revision after the one etcd is at: a synced watch, told of every
 * commit at once. Every revision has at least one event, so the log's last revision is the last
 * revision the watch has delivered.
 */
async function connect(endpoint) {
  const client = new Etcd3({ hosts: endpoint.split(','), dialTimeout: 5000 });
  const now = await currentRevision(client);
  const conn = { client, log: new Map(), logStart: now + 1, logEnd: now, known: now, compacted: 0, waiters: new Set(), stream: undefined };
  await follow(conn);
  return conn;
}

/**
 * (Re)opens the log's watch from the revision after the log's last. When its stream breaks — the
 * member it talks to went away — it opens it again, on whichever member answers (etcd3's pool),
 * from where it was: the log goes on without a gap. If etcd compacted past that meanwhile, the
 * log starts again at the compaction (polls from before it are told so, as a compacted watch).
 */
async function follow(conn) {
  let stream;
  try {
    stream = await conn.client.watchClient.watch();
  } catch {
    setTimeout(() => void follow(conn), 500);
    return;
  }
  conn.stream = stream;
  let broken = false;
  const reopen = () => {
    if (broken || conn.stream !== stream) return;
    broken = true;
    stream.cancel();
    setTimeout(() => void follow(conn), 200);
  };
  stream.on('error', reopen);
  stream.on('end', reopen);
  stream.on('data', (response) => {
    const compacted = Number(response.compact_revision);
    if (compacted > 0) {
      conn.log.clear();
      conn.logStart = compacted;
      conn.logEnd = compacted - 1;
      conn.compacted = Math.max(conn.compacted, compacted);
      return reopen();
    }
    for (const event of toEvents(response)) {
      const revision = event.kv.modRevision;
      if (revision < conn.logStart) continue;
      const events = conn.log.get(revision) ?? [];
      if (events.length === 0) conn.log.set(revision, events);
      events.push(event);
      conn.logEnd = Math.max(conn.logEnd, revision);
    }
    // Forget the oldest revisions beyond the log's size.
    while (conn.logEnd - conn.logStart >= LOG_REVISIONS) conn.log.delete(conn.logStart++);
    for (const wake of conn.waiters) wake();
  });
  stream.write({ create_request: { key: ALL_KEYS, range_end: ALL_KEYS, start_revision: conn.logEnd + 1, prev_kv: true } });
}

/** The connection to `endpoint`, made at its first request (and again after a failed one). */
function connection(endpoint) {
  let connecting = connections.get(endpoint);
  if (!connecting) {
    connecting = connect(endpoint);
    connections.set(endpoint, connecting);
    connecting.catch(() => connections.delete(endpoint));
  }
  return connecting;
}

/** Notes a revision etcd answered with (the newest known so far, at least); returns it as a number. */
function heard(conn, revision) {
  const number = Number(revision);
  conn.known = Math.max(conn.known, number);
  return number;
}

/** Waits until the log has every revision up to `revision` (the watch is at most a moment behind). */
async function logReaches(conn, revision) {
  const deadline = Date.now() + 10_000;
  while (conn.logEnd < revision) {
    if (Date.now() > deadline) throw new Error(`etcd's watch did not deliver revision ${revision} within 10 s (it is at ${conn.logEnd})`);
    await new Promise((resolve) => {
      const wake = () => {
        conn.waiters.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, 200);
      conn.waiters.add(wake);
    });
  }
}

/**
 * The revision etcd was compacted to: a watch from revision 1 is refused with it (etcd has no
 * other way to say). 0 when it was never compacted.
 */
async function probeCompacted(conn) {
  const now = await currentRevision(conn.client);
  if (now < 2) return 0;
  const result = await history(conn.client, 1, 1);
  return 'compacted' in result ? result.compacted : 0;
}

/** A guard of the main thread's transaction as etcd's Compare (on modRevision). */
const compareOf = (compare) => ({
  key: Buffer.from(compare.key),
  ...compare.rangeEnd !== undefined ? { range_end: Buffer.from(compare.rangeEnd) } : {},
  target: 'Mod',
  result: compare.result === 'EQUAL' ? 'Equal' : 'Less',
  mod_revision: compare.modRevision
});

/** A write of the main thread's transaction as etcd's RequestOp. */
const writeOf = (write) => write.type === 'put' ? { request_put: { key: Buffer.from(write.key), value: Buffer.from(write.value), lease: write.lease } } : { request_delete_range: { key: Buffer.from(write.key), ...write.rangeEnd !== undefined ? { range_end: Buffer.from(write.rangeEnd) } : {} } };

/** One request: etcd's answer, in the main thread's shapes. */
async function answer(request) {
  const c = await connection(request.endpoint);
  switch (request.op) {
    case 'range': {
      const response = await c.client.kv.range({
        key: Buffer.from(request.key),
        ...request.rangeEnd !== undefined ? { range_end: Buffer.from(request.rangeEnd) } : {},
        ...request.revision ? { revision: request.revision } : {},
        ...request.limit ? { limit: request.limit } : {},
        ...request.countOnly ? { count_only: true } : {}
      });
      return { ok: true, revision: heard(c, response.header.revision), kvs: response.kvs.map(toKv), count: Number(response.count), more: response.more };
    }
    case 'txn': {
      const response = await c.client.kv.txn({ compare: request.compare.map(compareOf), success: request.success.map(writeOf) });
      return { ok: true, revision: heard(c, response.header.revision), succeeded: response.succeeded };
    }
    case 'compact': {
      const response = await c.client.kv.compact({ revision: request.revision, physical: false });
      c.compacted = Math.max(c.compacted, request.revision);
      return { ok: true, revision: heard(c, response.header.revision) };
    }
    case 'compacted': {
      c.compacted = Math.max(c.compacted, await probeCompacted(c));
      return { ok: true, revision: await currentRevision(c.client), compacted: c.compacted };
    }
    case 'revision':
      return { ok: true, revision: Math.max(c.known, c.logEnd) };
    case 'changes': {
      // Up to the newest revision known: this process's writes at once, others' as the log has them.
      const revision = Math.max(c.known, c.logEnd);
      if (request.from < c.compacted) return { ok: true, revision, compacted: c.compacted };
      if (request.from > revision) return { ok: true, revision, events: [] };
      await logReaches(c, revision);
      let log = c.log;
      if (request.from < c.logStart) {
        // Before the log: a watch of its own, from `from` to where the log starts.
        const past = await history(c.client, request.from, c.logStart - 1);
        if ('compacted' in past) {
          c.compacted = Math.max(c.compacted, past.compacted);
          return { ok: true, revision, compacted: c.compacted };
        }
        log = new Map([...past.log, ...c.log]);
      }
      const events = [];
      for (let r = request.from; r <= revision; r++) {
        const at = log.get(r);
        if (at && at.length > 0) events.push({ revision: r, events: at });
      }
      return { ok: true, revision, events };
    }
  }
}

// Errors go back as their message: the main thread maps etcd's to kata 02's EtcdError.
runAsWorker(async (request) => {
  try {
    return await answer(request);
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
});
