/**
 * The root CA certificate publisher (kube-controller-manager's `root-ca-cert-publisher`,
 * pkg/controller/certificates/rootcacertpublisher/publisher.go): every namespace has a ConfigMap
 * `kube-root-ca.crt` holding the cluster CA's certificate under `ca.crt`, so that a pod can check
 * the apiserver it reaches at `kubernetes.default.svc`. It is made when the namespace appears, made
 * again when someone deletes it, and put back when someone edits its data or drops its description.
 *
 * ```
 * namespace shop added                        ->  create configmaps/kube-root-ca.crt in shop
 * configmap shop/kube-root-ca.crt deleted     ->  shop again: create it again
 * configmap shop/kube-root-ca.crt edited      ->  shop again: its ca.crt and description put back
 * configmap shop/settings edited or deleted   ->  nothing: only kube-root-ca.crt is watched for
 * namespace shop Terminating                  ->  the create is refused (403) and not tried again
 * ```
 *
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's, with
 * the CA of the cluster's HTTPS apiserver (upstream takes its client's CA, or `--root-ca-file`).
 * Simplified: upstream gives up on a refused create only when the 403 carries the
 * `NamespaceTerminating` cause; kata 11's NamespaceLifecycle gives no causes, so here any 403 counts.
 *
 * @example
 * ```ts
 * const publisher = new RootCACertPublisher({ client, clock, factory, rootCA: controlPlane.caCertificate! });
 * factory.start();
 * publisher.run();
 * // kubectl create ns shop; kubectl get cm -n shop  ->  kube-root-ca.crt   1   1s
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { Clock, KubeObject, Namespace } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The ConfigMap every namespace gets. */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

/** The annotation that says what the ConfigMap is for, and its text (v1.32's, word for word). */
export const ROOT_CA_DESCRIPTION = {
  annotation: 'kubernetes.io/description',
  text:
    'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
    'No other usage is guaranteed across distributions of Kubernetes clusters.',
} as const;

/** A ConfigMap: its data is a map of strings. */
interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** What a {@link RootCACertPublisher} needs. */
export interface RootCACertPublisherOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  /** the cluster CA's certificate, PEM: what every namespace's `ca.crt` holds */
  rootCA: string;
  onError?: (key: string, error: unknown) => void;
}

/** Makes sure every namespace has its {@link ROOT_CA_CONFIGMAP}, with the cluster's CA in it. */
export class RootCACertPublisher {
  readonly namespaces: SharedIndexInformer<Namespace>;
  readonly configMaps: SharedIndexInformer<ConfigMap>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly rootCA: string;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];

  constructor(options: RootCACertPublisherOptions) {
    this.client = options.client;
    this.rootCA = options.rootCA;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.namespaces = options.factory.namespaces();
    this.configMaps = options.factory.informerFor<ConfigMap>('configmaps');
    this.namespaces.addEventHandler({
      onAdd: (namespace) => this.queue.add(namespace.metadata.name!),
      // An update matters only while the namespace is Active: one being emptied is left to the namespace controller.
      onUpdate: (_old, namespace) => {
        if ((namespace.status?.phase ?? 'Active') === 'Active') this.queue.add(namespace.metadata.name!);
      },
    });
    // Only our own ConfigMap's changes: its namespace is synced again, which puts it back as it should be.
    const ours = (configMap: ConfigMap | DeletedFinalStateUnknown<ConfigMap>) => {
      const [namespace, name] = configMap instanceof DeletedFinalStateUnknown ? configMap.key.split('/') : [configMap.metadata.namespace, configMap.metadata.name];
      if (name === ROOT_CA_CONFIGMAP && namespace) this.queue.add(namespace);
    };
    this.configMaps.addEventHandler({ onUpdate: (_old, configMap) => ours(configMap), onDelete: ours });
  }

  /** Starts `workers` workers (the factory must be started too); kube-controller-manager runs one. */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncNamespace(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /**
   * One namespace: no ConfigMap in the cache, create it (a namespace that is gone, 404, or being
   * deleted, 403, is not tried again); one whose `ca.crt` is not exactly the CA, or whose data has
   * more, or that lost its description, is updated back. Anything else it carries stays.
   */
  async syncNamespace(namespace: string): Promise<void> {
    const current = this.configMaps.indexer.getByKey(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    const data = { 'ca.crt': this.rootCA };
    const configMaps = this.client.resource<ConfigMap>('configmaps', namespace);
    if (!current) {
      try {
        await configMaps.create({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [ROOT_CA_DESCRIPTION.annotation]: ROOT_CA_DESCRIPTION.text } },
          data,
        });
      } catch (error) {
        if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Forbidden')) throw error;
      }
      return;
    }
    const dataMatches = JSON.stringify(current.data ?? {}) === JSON.stringify(data);
    if (dataMatches && current.metadata.annotations?.[ROOT_CA_DESCRIPTION.annotation]) return;
    // A copy: the cache's object is everyone's.
    const fixed = structuredClone(current);
    fixed.data = data;
    fixed.metadata.annotations = { ...fixed.metadata.annotations, [ROOT_CA_DESCRIPTION.annotation]: ROOT_CA_DESCRIPTION.text };
    await configMaps.update(fixed);
  }
}
