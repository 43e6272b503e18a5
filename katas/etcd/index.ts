/**
 * etcd, the cluster's store (Part I). Import it as `@kube/etcd`.
 *
 * - {@link MemoryStore}: the store, implementing {@link KV} (kata 01);
 * - {@link compareKeys}, {@link prefixEnd}, {@link inRange}: the key space (kata 01);
 * - {@link EtcdError}: every error the store raises, with etcd's messages.
 * @module
 */
export * from './errors.ts';
export * from './keys.ts';
export * from './kv.ts';
export * from './store.ts';
export * from './mvcc-api.ts';
export * from './key-tree.ts';
export * from './backend.ts';
export * from './key-index.ts';
export * from './mvcc.ts';
export * from './txn.ts';
export * from './crc32c.ts';
export * from './wal-fs.ts';
export * from './wal-record.ts';
export * from './wal.ts';
export * from './store-snapshot.ts';
export * from './durable.ts';
export * from './lease.ts';
export * from './watch.ts';
