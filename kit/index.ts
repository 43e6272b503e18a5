/**
 * The kit: what the workbook gives you, not what you build.
 *
 * - {@link Clock}, {@link FakeClock}, {@link RealClock}: injected time;
 * - {@link Random}: seeded randomness;
 * - {@link NotImplemented}: what a starter throws where you have work to do;
 * - the Kubernetes API object types (`Pod`, `Node`, `Service`, ...), with Kubernetes' own field names;
 * - the local image registry ({@link findImage}, `kit/images/`): the programs the runtime shim runs as containers.
 *
 * Import it as `@kube/kit`.
 * @module
 */
export * from './clock.ts';
export * from './random.ts';
export * from './errors.ts';
export * from './api/index.ts';
export * from './images/registry.ts';
export * from './pki.ts';
export * from './bootstrap-policy.ts';
