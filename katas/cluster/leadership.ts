/**
 * A control-plane component that works only while it holds its Lease in kube-system: kube-scheduler
 * and kube-controller-manager (`--leader-elect`, on by default). Given code, shared by
 * scheduler-component.ts and controller-manager.ts: the election is the controllers' LeaderElector
 * (kata 19's leader-election.ts).
 *
 * ```
 * start() ──campaign──▶ leads: work = begin() ──▶ … ──lease lost──▶ work.stop(), campaign again
 *                                                └──stop()───────▶ work.stop(), lease handed back
 * ```
 * A leader that loses its lease stops its work at once (two leaders must never act together)
 * and campaigns again with new work; upstream's process exits instead and is restarted by its
 * kubelet, which comes to the same thing.
 *
 * @example
 * ```ts
 * const leadership = new Leadership({ client, clock, tracer, settings, identity: 'cp-1', lease: 'kube-scheduler', begin: async () => { const r = makeRunner(); await r.start(); return r; } });
 * await leadership.start();   // leads, and begin() has resolved
 * await leadership.stop();    // the work stopped, the lease handed back
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import { LeaderElector } from '@kube/controllers';
import type { Clock } from '@kube/kit';
import type { ClusterSettings, Tracer } from './cluster-api.ts';

/** What a leader runs: anything that can be stopped. */
export interface LeaderWork {
  stop(): Promise<void>;
}

/** How to build a {@link Leadership}. */
export interface LeadershipOptions<T extends LeaderWork> {
  /** the component's client: the Lease is written with it */
  client: ApiClient;
  clock: Clock;
  tracer: Tracer;
  /** the lease's duration, renew deadline and retry period */
  settings: ClusterSettings;
  /** the candidate's identity in the Lease */
  identity: string;
  /** the Lease's name in kube-system, which is also the component's name in the trace's log lines */
  lease: string;
  /** starts the work of a new leadership; resolves once it runs */
  begin: () => Promise<T>;
}

/** One candidate for one Lease, and the work it runs while it leads. */
export class Leadership<T extends LeaderWork> {
  private elector: LeaderElector | undefined;
  private work: T | undefined;
  private campaign: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: LeadershipOptions<T>) {}

  /** The work of the current leadership; undefined while it waits for the lease. */
  get current(): T | undefined {
    return this.work;
  }

  /** Campaigns; resolves once it leads and its work has begun, rejects if the work could not begin. */
  async start(): Promise<void> {
    this.stopping = false;
    await new Promise<void>((resolve, reject) => this.runForLeader(resolve, reject));
  }

  /** Stops campaigning and the work, and hands the lease back. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.elector?.stop();
    await this.campaign;
    await this.stopWork();
  }

  private runForLeader(onLeading: () => void, onFailed: (error: unknown) => void): void {
    const { client, clock, settings, identity, tracer, lease, begin } = this.options;
    const elector = new LeaderElector({
      client,
      clock,
      identity,
      name: lease,
      leaseDurationMs: settings.leaderLeaseDurationMs,
      renewDeadlineMs: settings.leaderRenewDeadlineMs,
      retryPeriodMs: settings.leaderRetryPeriodMs,
      releaseOnStop: true,
      onError: (error) => tracer.log(lease, `leader election: ${(error as Error).message}`),
    });
    this.elector = elector;
    this.campaign = elector.run({
      onStartedLeading: async () => {
        this.work = await begin();
        onLeading();
      },
      onStoppedLeading: async () => {
        await this.stopWork();
        if (this.stopping) return;
        tracer.log(lease, 'lost the lease: work stopped; campaigning again');
        this.runForLeader(() => {}, (error) => tracer.log(lease, `could not begin again: ${(error as Error).message}`));
      },
    }).catch(async (error: unknown) => {
      // begin() threw: hand back the lease it was holding (nobody renews it) and say why, so
      // that start() fails with the cause instead of waiting for ever.
      await elector.stop().catch(() => {});
      onFailed(error);
    });
  }

  private async stopWork(): Promise<void> {
    const work = this.work;
    this.work = undefined;
    await work?.stop();
  }
}
