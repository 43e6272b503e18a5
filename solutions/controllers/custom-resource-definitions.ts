/**
 * The controllers that bring a CustomResourceDefinition to life and take it away again, which
 * upstream runs inside kube-apiserver (k8s.io/apiextensions-apiserver/pkg/controller: status's
 * NamingConditionController, establish's EstablishingController, finalizer's
 * CRDFinalizer), here in one:
 *
 * ```
 * created    -> NamesAccepted True  NoConflicts          "no conflicts found"
 *               Established   True  InitialNamesAccepted "the initial names have been accepted"
 *               status.acceptedNames = spec.names; the apiserver serves the resource (`serve`)
 * conflict   -> NamesAccepted False PluralConflict       "\"events\" is already in use"
 *               Established   False NotAccepted          "not all names are accepted"
 * deleted    -> Terminating   True  InstanceDeletionInProgress "CustomResource deletion is in progress";
 *               every object of the resource deleted, then Terminating False InstanceDeletionCompleted
 *               "removed all instances", and the finalizer removed: the definition goes, and so does the resource
 * ```
 *
 * What is simpler: names are checked against the resources served and the other definitions, not
 * group by group (see custom-resources.ts); a changed definition's names are accepted at once.
 *
 * Given code, beyond the katas: the same in katas/ and solutions/.
 *
 * @example
 * ```ts
 * const crds = new CustomResourceDefinitionController({ client, clock, factory, serve: serveCustomResources });
 * factory.start(); await factory.waitForCacheSync(); crds.run();
 * ```
 */
import { CUSTOM_RESOURCE_CLEANUP_FINALIZER, crdConditionHolds, isBuiltInResource, isStatusError, RESOURCES, servedNamesOf, withCrdCondition, type ApiClient } from '@kube/apiserver';
import { toRFC3339, type Clock, type CustomResourceDefinition, type CustomResourceDefinitionCondition, type KubeObject } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** How long a definition whose objects are not all gone waits before it looks again (their own finalizers hold them). */
export const CRD_FINALIZER_RECHECK_MS = 5_000;

/** What the controller needs. */
export interface CustomResourceDefinitionControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /**
   * Serves exactly the resources of the established definitions given (the apiserver's
   * serveCustomResources): the apiserver and this controller share a process, as upstream's do.
   */
  serve: (crds: readonly CustomResourceDefinition[]) => unknown;
  onError?: (key: string, error: unknown) => void;
}

/** Names accepted, established, and finalized: see the module's table. */
export class CustomResourceDefinitionController {
  readonly definitions: SharedIndexInformer<CustomResourceDefinition>;
  readonly queue: RateLimitingQueue<string>;
  private readonly options: CustomResourceDefinitionControllerOptions;
  private workers: Promise<void>[] = [];

  constructor(options: CustomResourceDefinitionControllerOptions) {
    this.options = options;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.definitions = options.factory.informerFor<CustomResourceDefinition>('customresourcedefinitions');
    const enqueue = (crd: CustomResourceDefinition) => this.queue.add(crd.metadata.name ?? '');
    this.definitions.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, crd) => enqueue(crd),
      // a definition gone: its resource is served no more
      onDelete: () => this.serveEstablished(),
    });
  }

  /** Starts `workers` workers (the factory must be started too). */
  run(workers = 1): void {
    this.serveEstablished();
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.options.onError }));
  }

  /** Stops the workers, after their current sync. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One definition: its names and conditions brought up to date, or, being deleted, its objects deleted. */
  async sync(name: string): Promise<void> {
    const crd = this.definitions.indexer.getByKey(name);
    this.serveEstablished();
    if (!crd) return;
    if (crd.metadata.deletionTimestamp) {
      try {
        if ((crd.metadata.finalizers ?? []).includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) await this.finalize(crd);
      } catch (error) {
        // the cache was behind: the definition is gone already, finalized by an earlier sync
        if (!isStatusError(error, 'NotFound')) throw error;
      }
      return;
    }
    const conflict = this.nameConflict(crd);
    const now = toRFC3339(this.options.clock.now());
    const namesAccepted: CustomResourceDefinitionCondition = conflict
      ? { type: 'NamesAccepted', status: 'False', reason: conflict.reason, message: conflict.message, lastTransitionTime: now }
      : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: now };
    const established: CustomResourceDefinitionCondition = conflict
      ? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted', lastTransitionTime: now }
      : { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now };
    let conditions = withCrdCondition(crd, namesAccepted);
    // once established, a definition stays so (upstream's EstablishingController never takes it back)
    if (conflict === undefined || !crdConditionHolds(crd, 'Established')) conditions = withCrdCondition({ ...crd, status: { ...crd.status, conditions } }, established);
    const acceptedNames = conflict ? (crd.status?.acceptedNames ?? { plural: '', kind: '' }) : crd.spec.names;
    const status = { ...crd.status, conditions, acceptedNames };
    if (JSON.stringify(status) === JSON.stringify(crd.status)) return;
    const written = await this.options.client.resource<CustomResourceDefinition>('customresourcedefinitions').updateStatus({ ...crd, status });
    // served from this write on, not from when the informer hears of it
    this.serveEstablished([written]);
  }

  /** Serves the established definitions the cache holds (with `fresher` in place of their cached copies). */
  private serveEstablished(fresher: readonly CustomResourceDefinition[] = []): void {
    const byName = new Map(this.definitions.indexer.list().map((crd) => [crd.metadata.name, crd]));
    for (const crd of fresher) byName.set(crd.metadata.name, crd);
    this.options.serve([...byName.values()]);
  }

  /**
   * naming_controller.go, in short: a plural or kind that a built-in resource, or another
   * definition's accepted names, already have.
   */
  private nameConflict(crd: CustomResourceDefinition): { reason: string; message: string } | undefined {
    const { plural, kind } = crd.spec.names;
    const others = this.definitions.indexer.list().filter((other) => other.metadata.name !== crd.metadata.name);
    const pluralTaken = isBuiltInResource(plural) || others.some((other) => other.status?.acceptedNames?.plural === plural);
    if (pluralTaken) return { reason: 'PluralConflict', message: `${JSON.stringify(plural)} is already in use` };
    const kindTaken = others.some((other) => other.spec.group === crd.spec.group && other.status?.acceptedNames?.kind === kind) || [...RESOURCES.values()].some((type) => !type.custom && type.group === crd.spec.group && type.kind === kind);
    if (kindTaken) return { reason: 'KindConflict', message: `${JSON.stringify(kind)} is already in use` };
    return undefined;
  }

  /**
   * finalizer/crd_finalizer.go: Terminating, every object deleted, then the finalizer removed. An
   * object that does not go at once (finalizers of its own) is waited for.
   */
  private async finalize(crd: CustomResourceDefinition): Promise<void> {
    const { client, clock } = this.options;
    const definitions = client.resource<CustomResourceDefinition>('customresourcedefinitions');
    const now = toRFC3339(clock.now());
    let current = crd;
    const inProgress = { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress', lastTransitionTime: now };
    if (!(crd.status?.conditions ?? []).some((c) => c.type === 'Terminating' && c.reason === 'InstanceDeletionInProgress')) {
      current = await definitions.updateStatus({ ...crd, status: { ...crd.status, conditions: withCrdCondition(crd, inProgress) } });
    }
    const plural = servedNamesOf(crd).plural;
    const served = RESOURCES.get(plural);
    if (served?.custom && served.group === crd.spec.group) {
      const objects = client.resource<KubeObject>(plural);
      const remaining = (await objects.list()).items;
      for (const object of remaining) {
        try {
          await client.resource<KubeObject>(plural, object.metadata.namespace).delete(object.metadata.name!);
        } catch (error) {
          if (!isStatusError(error, 'NotFound')) throw error;
        }
      }
      if ((await objects.list()).items.length > 0) {
        // some hold on through finalizers of their own: look again later
        this.queue.addAfter(crd.metadata.name!, CRD_FINALIZER_RECHECK_MS);
        return;
      }
    }
    const completed = { type: 'Terminating', status: 'False', reason: 'InstanceDeletionCompleted', message: 'removed all instances', lastTransitionTime: toRFC3339(clock.now()) };
    current = await definitions.updateStatus({ ...current, status: { ...current.status, conditions: withCrdCondition(current, completed) } });
    const finalizers = (current.metadata.finalizers ?? []).filter((finalizer) => finalizer !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
    await definitions.update({ ...current, metadata: { ...current.metadata, finalizers } });
  }
}
