/**
 * kube-scheduler in the cluster: a {@link SchedulerRunner} under leader election on the Lease
 * `kube-system/kube-scheduler` (kube-scheduler's `--leader-elect`, on by default). Given code:
 * the same {@link Leadership} as the controller manager's, so that of two schedulers only one
 * binds pods, and `kubectl get leases -n kube-system` shows who does. A leader that loses its
 * lease stops its runner at once and campaigns again with a new runner, whose caches start empty.
 *
 * @example
 * ```ts
 * const scheduler = new SchedulerComponent({ client, clock, tracer, settings, identity: 'cp-1', runner: () => new SchedulerRunner({ client, clock, random }) });
 * await scheduler.start();   // leads; informers synced, the first cycles run
 * await scheduler.stop();    // the runner stopped, the lease handed back
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import type { Clock } from '@kube/kit';
import type { ClusterSettings, Tracer } from './cluster-api.ts';
import { Leadership } from './leadership.ts';
import type { SchedulerRunner } from './scheduler-runner.ts';

/** The component's name in the trace and its Lease's name. */
export const KUBE_SCHEDULER = 'kube-scheduler';

/** How to build a {@link SchedulerComponent}. */
export interface SchedulerComponentOptions {
  /** the scheduler's client (user `system:kube-scheduler`): the Lease is written with it */
  client: ApiClient;
  clock: Clock;
  tracer: Tracer;
  /** the lease's duration, renew deadline and retry period */
  settings: ClusterSettings;
  /** the candidate's identity in the Lease */
  identity: string;
  /** makes the runner a new leadership starts */
  runner: () => SchedulerRunner;
}

/** The scheduler, leading or waiting to. */
export class SchedulerComponent {
  private readonly leadership: Leadership<SchedulerRunner>;

  constructor(options: SchedulerComponentOptions) {
    this.leadership = new Leadership({
      ...options,
      lease: KUBE_SCHEDULER,
      begin: async () => {
        const runner = options.runner();
        await runner.start();
        return runner;
      },
    });
  }

  /** Is it the leader, with its runner scheduling? */
  get leading(): boolean {
    return this.leadership.current !== undefined;
  }

  /** The runner while it leads (undefined while it waits). */
  get current(): SchedulerRunner | undefined {
    return this.leadership.current;
  }

  /** Campaigns; resolves once it leads and its runner has started. */
  async start(): Promise<void> {
    await this.leadership.start();
  }

  /** Stops the runner and hands the lease back. */
  async stop(): Promise<void> {
    await this.leadership.stop();
  }
}
