/**
 * One worker per pod: syncs of one pod never overlap, and the changes that arrive while one runs
 * are folded into one more sync after it (upstream: `pkg/kubelet/pod_workers.go`, a goroutine
 * per pod fed by a channel that keeps only the latest update). Different pods sync in parallel.
 *
 * @example
 * ```ts
 * const workers = new PodWorkers(async (uid) => kubelet.syncPod(uid));
 * workers.update('u1'); workers.update('u1'); workers.update('u1'); // one sync now, one more after it
 * await workers.idle();
 * ```
 */

/** A pod's worker: the sync under way, and whether another was asked for meanwhile. */
interface Worker {
  running: Promise<void>;
  again: boolean;
}

/** Serializes syncs per key and coalesces the updates that arrive during one. */
export class PodWorkers {
  private readonly workers = new Map<string, Worker>();

  /**
   * @param sync - syncs one pod; a rejection goes to `onError` and does not stop the worker
   * @param onError - what to do with a failed sync (default: nothing; the next update retries)
   */
  constructor(
    private readonly sync: (key: string) => Promise<void>,
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {}

  /** Asks for a sync of `key`: now if its worker is free, else once more after the current one. */
  update(key: string): void {
    const worker = this.workers.get(key);
    if (worker) {
      worker.again = true;
      return;
    }
    const fresh: Worker = { running: Promise.resolve(), again: false };
    fresh.running = this.loop(key, fresh);
    this.workers.set(key, fresh);
  }

  /** How many pods have a sync under way or asked for. */
  get busy(): number {
    return this.workers.size;
  }

  /** Resolves once no worker has anything to do. */
  async idle(): Promise<void> {
    while (this.workers.size > 0) await Promise.all([...this.workers.values()].map((w) => w.running));
  }

  private async loop(key: string, worker: Worker): Promise<void> {
    // Start on the next turn, so that the caller's own changes are done first.
    await Promise.resolve();
    do {
      worker.again = false;
      try {
        await this.sync(key);
      } catch (error) {
        this.onError(key, error);
      }
    } while (worker.again);
    this.workers.delete(key);
  }
}
