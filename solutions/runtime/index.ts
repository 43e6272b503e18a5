/**
 * The runtime shim (Part V): the CRI's RuntimeService, with a fake runtime on the clock and a
 * runtime of real processes. Import it as `@kube/runtime`.
 *
 * - the interface: {@link RuntimeService} and its types, {@link RuntimeError} (given, cri.ts);
 * - pod networking: {@link PodIPAllocator} (kata 22);
 * - the CRI log format: {@link CriLogWriter}, {@link formatLogTimestamp} (kata 22), {@link parseCriLogLine} (given);
 * - the state machine both runtimes share: {@link RuntimeState} (kata 22);
 * - the runtimes: {@link FakeRuntime} and {@link ProcessRuntime} (kata 22);
 * - from a pod to the configs: {@link sandboxConfigFor}, {@link containerConfigFor} (kata 22).
 * @module
 */
export * from './cri.ts';
export * from './images.ts';
export * from './pod-network.ts';
export * from './cri-log.ts';
export * from './runtime-state.ts';
export * from './fake-runtime.ts';
export * from './process-runtime.ts';
export * from './pod-config.ts';
