/**
 * The clusterrole-aggregation controller (pkg/controller/clusterroleaggregation): a ClusterRole
 * with an `aggregationRule` gets as its rules those of every ClusterRole its selectors select, kept
 * so as roles come, change and go.
 *
 * ```
 * kubectl apply -f crontab-editor.yaml    ClusterRole labelled rbac.authorization.k8s.io/aggregate-to-edit: "true"
 *   -> edit's rules: system:aggregate-to-edit's, crontab-editor's, view's (roles by name, each rule once)
 *   -> admin's too (edit is labelled aggregate-to-admin)
 * kubectl auth can-i create crontabs --as=jane    # yes, for jane bound to edit
 * ```
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * const aggregation = new ClusterRoleAggregationController({ client, clock, factory });
 * factory.start(); await factory.waitForCacheSync(); aggregation.run();
 * ```
 */
import { selectorFromObject, type ApiClient } from '@kube/apiserver';
import { aggregateRules, type ClusterRole, type Clock } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** What the controller needs. */
export interface ClusterRoleAggregationControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** Keeps every aggregated ClusterRole's rules those of the roles it selects. */
export class ClusterRoleAggregationController {
  readonly roles: SharedIndexInformer<ClusterRole>;
  readonly queue: RateLimitingQueue<string>;
  private readonly options: ClusterRoleAggregationControllerOptions;
  private workers: Promise<void>[] = [];

  constructor(options: ClusterRoleAggregationControllerOptions) {
    this.options = options;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.roles = options.factory.informerFor<ClusterRole>('clusterroles');
    // any role may be one an aggregated role selects: upstream looks at every aggregated role again
    const enqueueAggregated = () => {
      for (const role of this.roles.indexer.list()) if (role.aggregationRule) this.queue.add(role.metadata.name!);
    };
    this.roles.addEventHandler({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: enqueueAggregated });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.options.onError }));
  }

  /** Stops the workers, after their current sync. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One aggregated role: its rules written when they are not those of the roles it selects. */
  async sync(name: string): Promise<void> {
    const role = this.roles.indexer.getByKey(name);
    const selectors = (role?.aggregationRule?.clusterRoleSelectors ?? []).map((selector) => selectorFromObject(selector));
    if (!role || selectors.length === 0) return;
    const selected = this.roles.indexer.list().filter((other) => other.metadata.name !== name && selectors.some((selector) => selector.matches(other.metadata.labels)));
    const rules = aggregateRules(selected);
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return;
    await this.options.client.resource<ClusterRole>('clusterroles').update({ ...role, rules });
  }
}
