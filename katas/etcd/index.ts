/**
 * etcd — the store the whole cluster keeps its state in. Import it as `@kube/etcd`.
 * @module
 */
export * from './errors.ts';
export * from './keys.ts';
export * from './store.ts';
