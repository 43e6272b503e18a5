/**
 * kube-scheduler in the cluster: a {@link SchedulerRunner} under leader election on the Lease
 * `kube-system/kube-scheduler` (kube-scheduler's `--leader-elect`, on by default). Given code:
 * the same election as the controller manager's (controllers' leader-election.ts), so that of two
 * schedulers only one binds pods, and `kubectl get leases -n kube-system` shows who does.
 *
 * A leader that loses its lease stops its runner at once (two schedulers must never bind
 * together) and campaigns again with a new runner, whose caches start empty; upstream's process
 * exits instead and is restarted by its kubelet, which comes to the same thing.
 *
 * @example
 * ```ts
 * const scheduler = new SchedulerComponent({ client, clock, tracer, settings, identity: 'cp-1', runner: () => new SchedulerRunner({ client, clock, random }) });
 * await scheduler.start();   // leads; informers synced, the first cycles run
 * await scheduler.stop();    // the runner stopped, the lease handed back
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import { LeaderElector } from '@kube/controllers';
import type { Clock } from '@kube/kit';
import type { ClusterSettings, Tracer } from './cluster-api.ts';
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
  private elector: LeaderElector | undefined;
  private runner: SchedulerRunner | undefined;
  private campaign: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: SchedulerComponentOptions) {}

  /** Is it the leader, with its runner scheduling? */
  get leading(): boolean {
    return this.runner !== undefined;
  }

  /** The runner while it leads (undefined while it waits). */
  get current(): SchedulerRunner | undefined {
    return this.runner;
  }

  /** Campaigns; resolves once it leads and its runner has started. */
  async start(): Promise<void> {
    this.stopping = false;
    await new Promise<void>((resolve) => this.runForLeader(resolve));
  }

  /** Stops the runner and hands the lease back. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.elector?.stop();
    await this.campaign;
    await this.stopRunner();
  }

  private runForLeader(onLeading: () => void): void {
    const { client, clock, settings, identity, tracer } = this.options;
    const elector = new LeaderElector({
      client,
      clock,
      identity,
      name: KUBE_SCHEDULER,
      leaseDurationMs: settings.leaderLeaseDurationMs,
      renewDeadlineMs: settings.leaderRenewDeadlineMs,
      retryPeriodMs: settings.leaderRetryPeriodMs,
      releaseOnStop: true,
      onError: (error) => tracer.log(KUBE_SCHEDULER, `leader election: ${(error as Error).message}`),
    });
    this.elector = elector;
    this.campaign = elector.run({
      onStartedLeading: async () => {
        const runner = this.options.runner();
        await runner.start();
        this.runner = runner;
        onLeading();
      },
      onStoppedLeading: async () => {
        await this.stopRunner();
        if (this.stopping) return;
        tracer.log(KUBE_SCHEDULER, 'lost the lease: scheduling stopped; campaigning again');
        this.runForLeader(() => {});
      },
    });
  }

  private async stopRunner(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    await runner?.stop();
  }
}
