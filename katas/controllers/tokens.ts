/**
 * The token controller (kube-controller-manager's `serviceaccount-token`,
 * pkg/controller/serviceaccount/tokens_controller.go): a Secret of type
 * `kubernetes.io/service-account-token` that names a ServiceAccount in the annotation
 * `kubernetes.io/service-account.name` gets a long-lived token for it, with the cluster's CA and
 * the namespace — the way the Kubernetes docs give for a token that does not expire:
 *
 * ```
 * secret shop/builder-token added (names builder, no token)  ->  update it: data token, ca.crt, namespace;
 *                                                                annotation kubernetes.io/service-account.uid
 * secret shop/builder-token names a ServiceAccount not there ->  delete it (uid as precondition)
 * secret shop/builder-token names builder's old uid          ->  delete it
 * serviceaccount shop/builder deleted                        ->  delete every token Secret that names it
 * secret shop/settings (Opaque)                              ->  nothing
 * ```
 *
 * The apiserver takes the token for as long as the Secret holds it (apiserver/service-account-tokens.ts).
 * Since v1.24 nothing makes such Secrets by itself: the user creates one, this controller fills it.
 *
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's, with the
 * apiserver's signer (upstream's `--service-account-private-key-file`) and the cluster's CA.
 * Simplified: a deleted token Secret is not taken out of its ServiceAccount's `secrets` list.
 *
 * @example
 * ```ts
 * const tokens = new TokensController({ client, clock, factory, tokens: controlPlane.legacyTokens!, rootCA });
 * factory.start();
 * tokens.run();
 * // kubectl apply -f secret.yaml; kubectl describe secret builder-token  ->  token: eyJ...
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { Clock, KubeObject } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import { DeletedFinalStateUnknown } from './informer-api.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The Secret type the controller fills. */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
/** The annotation naming the ServiceAccount (set by the user). */
export const SERVICE_ACCOUNT_NAME_KEY = 'kubernetes.io/service-account.name';
/** The annotation holding its uid (set by the controller, or by the user to pin one). */
export const SERVICE_ACCOUNT_UID_KEY = 'kubernetes.io/service-account.uid';

/** Signs a Secret's long-lived token for a ServiceAccount. */
export interface LegacyTokenGenerator {
  generate(account: { namespace: string; name: string; uid: string }, secretName: string): string;
}

/** What a {@link TokensController} needs. */
export interface TokensControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  tokens: LegacyTokenGenerator;
  /** the cluster CA's certificate, PEM: each Secret's `ca.crt` (none: no `ca.crt`) */
  rootCA?: string;
  onError?: (key: string, error: unknown) => void;
}

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const text = (value: string | undefined) => Buffer.from(value ?? '', 'base64').toString('utf8');

/** A key of the queue: `secret:<namespace>/<name>` or `serviceaccount:<namespace>/<name>/<uid>`. */
type Key = `secret:${string}` | `serviceaccount:${string}`;

/** Fills token Secrets, and deletes those whose ServiceAccount is gone. */
export class TokensController {
  readonly serviceAccounts: SharedIndexInformer<KubeObject>;
  readonly secrets: SharedIndexInformer<Secret>;
  readonly queue: RateLimitingQueue<Key>;
  private readonly options: TokensControllerOptions;
  private workers: Promise<void>[] = [];

  constructor(options: TokensControllerOptions) {
    this.options = options;
    this.queue = new RateLimitingQueue<Key>(options.clock, defaultControllerRateLimiter(options.clock));
    this.serviceAccounts = options.factory.informerFor<KubeObject>('serviceaccounts');
    this.secrets = options.factory.informerFor<Secret>('secrets');
    // A ServiceAccount matters when it goes: its tokens go with it.
    this.serviceAccounts.addEventHandler({
      onDelete: (account) => {
        const object = account instanceof DeletedFinalStateUnknown ? account.obj : account;
        this.queue.add(`serviceaccount:${object.metadata.namespace}/${object.metadata.name}/${object.metadata.uid ?? ''}`);
      },
    });
    const secret = (object: Secret) => {
      if (object.type === SERVICE_ACCOUNT_TOKEN_TYPE) this.queue.add(`secret:${object.metadata.namespace}/${object.metadata.name}`);
    };
    this.secrets.addEventHandler({ onAdd: secret, onUpdate: (_old, object) => secret(object) });
  }

  /** Starts `workers` workers (the factory must be started too); kube-controller-manager runs one. */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.sync(key), onError: this.options.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One key of the queue: a token Secret, or a ServiceAccount that was deleted. */
  async sync(key: Key): Promise<void> {
    const [kind, rest] = key.split(/:(.*)/s) as [string, string];
    if (kind === 'serviceaccount') {
      const [namespace, name, uid] = rest.split('/') as [string, string, string];
      return this.syncDeletedServiceAccount(namespace, name, uid);
    }
    const [namespace, name] = rest.split('/') as [string, string];
    return this.syncSecret(namespace, name);
  }

  /** A deleted ServiceAccount (unless one of the same name and uid is back): every token Secret naming it is deleted. */
  private async syncDeletedServiceAccount(namespace: string, name: string, uid: string): Promise<void> {
    const account = this.serviceAccounts.indexer.getByKey(`${namespace}/${name}`);
    if (account && (uid === '' || account.metadata.uid === uid)) return;
    const tokens = this.secrets.indexer
      .list()
      .filter((secret) => secret.metadata.namespace === namespace && secret.type === SERVICE_ACCOUNT_TOKEN_TYPE && secret.metadata.annotations?.[SERVICE_ACCOUNT_NAME_KEY] === name)
      .filter((secret) => uid === '' || !secret.metadata.annotations?.[SERVICE_ACCOUNT_UID_KEY] || secret.metadata.annotations[SERVICE_ACCOUNT_UID_KEY] === uid);
    for (const secret of tokens) await this.deleteToken(secret);
  }

  /**
   * A token Secret: its ServiceAccount (by name, and by uid when the Secret names one) looked up in
   * the cache, then asked of the server; none, and the Secret is deleted. Else it is filled with
   * what it lacks — the token, the CA, the namespace — and told the account's uid.
   */
  private async syncSecret(namespace: string, name: string): Promise<void> {
    const cached = this.secrets.indexer.getByKey(`${namespace}/${name}`);
    if (cached === undefined || cached.type !== SERVICE_ACCOUNT_TOKEN_TYPE) return;
    const accountName = cached.metadata.annotations?.[SERVICE_ACCOUNT_NAME_KEY] ?? '';
    const wantedUid = cached.metadata.annotations?.[SERVICE_ACCOUNT_UID_KEY] ?? '';
    const account = await this.serviceAccount(namespace, accountName, wantedUid);
    if (account === undefined) return this.deleteToken(cached);
    if (!this.needsUpdate(cached)) return;
    const secrets = this.options.client.resource<Secret>('secrets', namespace);
    let live: Secret;
    try {
      live = await secrets.get(name);
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return;
      throw error;
    }
    // An older view than the server's: the update event that made it newer syncs it again.
    if (live.metadata.resourceVersion !== cached.metadata.resourceVersion || !this.needsUpdate(live)) return;
    const data = { ...live.data };
    if (this.options.rootCA && text(data['ca.crt']) !== this.options.rootCA) data['ca.crt'] = b64(this.options.rootCA);
    if (!text(data['namespace'])) data['namespace'] = b64(namespace);
    if (!text(data['token'])) data['token'] = b64(this.options.tokens.generate({ namespace, name: accountName, uid: account.metadata.uid! }, name));
    const annotations = { ...live.metadata.annotations, [SERVICE_ACCOUNT_NAME_KEY]: accountName, [SERVICE_ACCOUNT_UID_KEY]: account.metadata.uid! };
    try {
      await secrets.update({ ...live, metadata: { ...live.metadata, annotations }, data });
    } catch (error) {
      // changed or deleted meanwhile: its own event brings it back if there is still work
      if (!isStatusError(error, 'Conflict') && !isStatusError(error, 'NotFound')) throw error;
    }
  }

  /** Does the Secret lack its token, its namespace, or the CA as it is now? */
  private needsUpdate(secret: Secret): boolean {
    const data = secret.data ?? {};
    return (this.options.rootCA !== undefined && this.options.rootCA !== '' && text(data['ca.crt']) !== this.options.rootCA) || !text(data['namespace']) || !text(data['token']);
  }

  /** The ServiceAccount of that name (and uid, if one is asked for): from the cache, else from the server. */
  private async serviceAccount(namespace: string, name: string, uid: string): Promise<KubeObject | undefined> {
    const matches = (account: KubeObject | undefined) => (account !== undefined && (uid === '' || account.metadata.uid === uid) ? account : undefined);
    const cached = matches(this.serviceAccounts.indexer.getByKey(`${namespace}/${name}`));
    if (cached || name === '') return cached;
    try {
      return matches(await this.options.client.resource<KubeObject>('serviceaccounts', namespace).get(name));
    } catch (error) {
      if (isStatusError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  /** Deletes a token Secret, that very one (its uid a precondition): gone already, or replaced, is done. */
  private async deleteToken(secret: Secret): Promise<void> {
    try {
      await this.options.client.resource<Secret>('secrets', secret.metadata.namespace).delete(secret.metadata.name!, { preconditions: { uid: secret.metadata.uid! } });
    } catch (error) {
      if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
    }
  }
}
