/**
 * The apiserver's hook for Services' addresses: who hands out `spec.clusterIP` and the nodePorts.
 *
 * Upstream this is the apiserver's own code (pkg/registry/core/service/storage/alloc.go over the
 * bitmaps of pkg/registry/core/service/ipallocator and portallocator). In the workbook the
 * allocators are written in Part VI, [kata 26](kata:proxy/26), where Services get their meaning;
 * the apiserver of katas 07-11 must stand on its own, so it only declares this interface and calls
 * it when one is given (`new ApiServer({ ..., serviceAllocator })`). Without one, a Service is
 * stored as it came: `kubectl get svc` shows `<none>` for its CLUSTER-IP.
 *
 * The calls, as the request pipeline (api-handler.ts) makes them:
 *
 * ```
 * POST   a Service ──▶ allocateCreate(svc) ──▶ registry.create ──ok──▶ commit()
 *                        (fills clusterIP,                    └fail─▶ revert(): give them back
 *                         nodePorts)
 * PUT    a Service ──▶ allocateUpdate(svc, old) ──▶ registry.update ──ok──▶ commit(): release what the old one had and the new one dropped
 *                                                                  └fail─▶ revert(): release what was newly taken
 * DELETE a Service ──▶ registry.delete ──▶ release(svc)   (once it is really gone)
 * ```
 *
 * An allocation that cannot be made throws the StatusError to answer (422 Invalid), e.g.
 * `Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"127.96.0.9"}: failed to allocate IP 127.96.0.9: provided IP is already allocated`.
 *
 * This file is given.
 */
import type { Service } from '@kube/kit';

/** What undoes or completes one allocation, once the write it was for succeeded or failed. */
export interface AllocationTransaction {
  /** the write succeeded: keep what was taken, release what is no longer used */
  commit(): void;
  /** the write failed: give back what was taken for it */
  revert(): void;
}

/** Hands out cluster IPs and node ports to Services (implemented in kata 26). */
export interface ServiceAllocator {
  /**
   * A new Service: fills in `spec.clusterIP`/`clusterIPs` and each NodePort port's `nodePort`
   * (in place, in `service`), reserving what the Service asks for or what is free. A dry run
   * checks and fills in, reserving nothing.
   *
   * @throws StatusError Invalid for an address or port that is taken or out of range
   */
  allocateCreate(service: Service, dryRun: boolean): AllocationTransaction;
  /**
   * A Service replaced: keeps the old Service's addresses where the new one leaves them out,
   * reserves what the new one adds, and (on commit) releases what it dropped.
   *
   * @throws StatusError Invalid, as for create, and for a changed clusterIP
   */
  allocateUpdate(service: Service, old: Service, dryRun: boolean): AllocationTransaction;
  /** A Service is gone: its cluster IP and node ports go back to the pool. */
  release(service: Service): void;
}

/**
 * Runs `write` inside an allocation: commits it when the write succeeds, reverts it when the write
 * throws (and throws again). No allocation: just the write.
 */
export async function withAllocation<T>(allocation: AllocationTransaction | undefined, write: () => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (error) {
    allocation?.revert();
    throw error;
  }
  allocation?.commit();
  return result;
}
