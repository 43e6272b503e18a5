/**
 * kube-proxy's loop around kata 27's {@link Proxier}: the Services and EndpointSlices informers
 * say something changed, and a sync applies all of them. Syncs never overlap and never pile up:
 * changes that come while one runs are taken by one more sync after it (upstream:
 * pkg/proxy/config/config.go's handlers and pkg/util/async/bounded_frequency_runner.go; here
 * with no minimum time between syncs, where v1.32's iptables mode waits at least its
 * minSyncPeriod, 1 s, and also syncs every syncPeriod, 30 s, and after a failed sync).
 *
 * Worked example:
 *
 * | what happens | syncs |
 * | --- | --- |
 * | start(): both informers listed | one sync with everything |
 * | Service `web` created | a sync begins |
 * | while it runs: 40 EndpointSlice changes | the first marks one more sync due; the other 39 change nothing |
 * | the sync ends | the one more sync runs, with the cache as it is now (all 40 changes) |
 */
import { SharedInformerFactory, type SharedIndexInformer } from '@kube/controllers';
import type { EndpointSlice, Service } from '@kube/kit';
import type { Proxier } from '@kube/proxy';

/** How to build a {@link ServiceProxy}. */
export interface ServiceProxyOptions {
  /** its informers: Services and EndpointSlices */
  factory: SharedInformerFactory;
  proxier: Proxier;
  /** told of a sync that failed (a port that could not be listened on); the next change syncs again */
  onError?: (error: unknown) => void;
}

/** Informers in, listeners out. */
export class ServiceProxy {
  private readonly services: SharedIndexInformer<Service>;
  private readonly slices: SharedIndexInformer<EndpointSlice>;
  private running: Promise<void> | undefined;
  private pending = false;
  private stopped = false;
  /** how many syncs have run: tests read it */
  syncs = 0;

  constructor(private readonly options: ServiceProxyOptions) {
    this.services = options.factory.services();
    this.slices = options.factory.informerFor<EndpointSlice>('endpointslices');
    const changed = { onAdd: () => this.requestSync(), onUpdate: () => this.requestSync(), onDelete: () => this.requestSync() };
    this.services.addEventHandler(changed);
    this.slices.addEventHandler(changed);
  }

  /** Waits for both informers' first lists (the factory is started by its owner), then syncs once. */
  async start(): Promise<void> {
    await Promise.all([this.services.whenSynced(), this.slices.whenSynced()]);
    this.requestSync();
    await this.synced();
  }

  /**
   * A change happened: sync now, or, if a sync is running, once more after it. Before both
   * informers have their first lists nothing is synced (a half list would close listeners).
   */
  requestSync(): void {
    if (this.stopped || !this.services.hasSynced() || !this.slices.hasSynced()) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    this.running = this.run().finally(() => (this.running = undefined));
  }

  /** Resolves once no sync runs and none is due: the proxier serves every change seen so far. */
  async synced(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops syncing (after the sync under way) and stops the proxier. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.synced();
    await this.options.proxier.stop();
  }

  private async run(): Promise<void> {
    do {
      this.pending = false;
      this.syncs += 1;
      try {
        await this.options.proxier.sync(this.services.indexer.list(), this.slices.indexer.list());
      } catch (error) {
        this.options.onError?.(error);
      }
    } while (this.pending && !this.stopped);
  }
}
