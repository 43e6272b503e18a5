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
