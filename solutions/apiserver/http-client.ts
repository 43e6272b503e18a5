/**
 * {@link ApiClient} over HTTP: the same calls as kata 08's {@link LocalClient}, made to an
 * apiserver somewhere else. A controller or a kubelet given one of these cannot tell it from the
 * local one, except that it is slower and that other clients act between its calls.
 *
 * Given code: kata 10 uses it as it is.
 *
 * @example
 * ```ts
 * const client = new HttpClient('http://127.0.0.1:6443', { token: 'alice-token' });
 * await client.pods('default').create({ metadata: { name: 'web' }, spec: { containers: [{ name: 'app', image: 'nginx' }] } });
 * for await (const event of client.pods('default').watch({ resourceVersion: '5' })) console.log(event.type);
 * await client.pods('default').get('nope');   // throws StatusError NotFound, the server's Status
 * ```
 */
import type { Binding, KubeObject, Namespace, Status } from '@kube/kit';
import { BaseApiClient, type ResourceClient } from './client.ts';
import type { DeleteOptions, ListOptions, ListResult } from './registry.ts';
import { resourceType } from './resources.ts';
import { internalError, StatusError } from './status.ts';
import type { ApiWatch, ApiWatchEvent, WatchOptions } from './watch.ts';
import { withoutZeroValues } from './zero-values.ts';

/** Options of an {@link HttpClient}. */
export interface HttpClientOptions {
  /** a bearer token (kata 11's token file); none: anonymous */
  token?: string;
  /**
   * The connection pool fetch sends through: an undici `Agent` that trusts the cluster's CA
   * (`new Agent({ connect: { ca } })`); default the process's global one.
   */
  dispatcher?: object;
  /**
   * The User-Agent header: `kube-scheduler/v1.32.0`, as each of upstream's components names
   * itself. The apiserver records a write that names no `?fieldManager=` under its first word.
   */
  userAgent?: string;
}

/** The Kubernetes API at `baseUrl`, over HTTP. */
export class HttpClient extends BaseApiClient {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly options: HttpClientOptions = {},
  ) {
    super();
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /**
   * The calls on `resource` in `namespace` (undefined: every namespace for a list or watch, the
   * object's own for a create or an update).
   */
  resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    const type = resourceType(resource);
    const root = type.group ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
    const collection = (ns: string | undefined) => `${root}${type.namespaced && ns ? `/namespaces/${encodeURIComponent(ns)}` : ''}/${type.resource}`;
    const named = (ns: string | undefined, name: string) => `${collection(ns)}/${encodeURIComponent(name)}`;
    return {
      create: (object) => this.call<T>('POST', collection(namespace ?? object.metadata.namespace), object),
      get: (name) => this.call<T>('GET', named(namespace, name)),
      list: async (options = {}) => {
        const list = await this.call<{ items: T[]; metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } }>('GET', collection(namespace) + query(options));
        const { resourceVersion, continue: next, remainingItemCount } = list.metadata;
        // a built-in kind's items come without their kind and apiVersion (the list names them once):
        // put them back, as kubectl does, so that an object from a list reads like one from a get
        const items = list.items.map((item) => ({ kind: type.kind, apiVersion: type.apiVersion, ...item }));
        return { items, resourceVersion, ...(next ? { continue: next } : {}), ...(remainingItemCount !== undefined ? { remainingItemCount } : {}) } satisfies ListResult<T>;
      },
      update: (object) => this.call<T>('PUT', named(namespace ?? object.metadata.namespace, object.metadata.name ?? ''), object),
      updateStatus: (object) => this.call<T>('PUT', `${named(namespace ?? object.metadata.namespace, object.metadata.name ?? '')}/status`, object),
      delete: (name, options?: DeleteOptions) => this.call<T>('DELETE', named(namespace, name), deleteOptionsBody(options)),
      watch: (options: WatchOptions = {}) => new HttpWatch<T>(this.baseUrl + collection(namespace) + query({ ...options, watch: 'true' }), this.headers(), this.options.dispatcher),
    };
  }

  /** `POST /api/v1/namespaces/<ns>/pods/<name>/binding` */
  protected async bindPod(namespace: string, binding: Binding): Promise<void> {
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(binding.metadata.name ?? '')}/binding`;
    await this.call<Status>('POST', path, { kind: 'Binding', apiVersion: 'v1', ...binding });
  }

  /** `PUT /api/v1/namespaces/<name>/finalize` */
  protected finalizeNamespace(namespace: Namespace): Promise<Namespace> {
    return this.call<Namespace>('PUT', `/api/v1/namespaces/${encodeURIComponent(namespace.metadata.name ?? '')}/finalize`, namespace);
  }

  /**
   * A GET of any path of the server, for an API no resource type here describes: metrics.k8s.io
   * (the horizontal pod autoscaler's resource metrics client). A 2xx answer's body, else throws
   * the server's Status as a StatusError.
   */
  get<R>(path: string): Promise<R> {
    return this.call<R>('GET', path);
  }

  /** Sends one request; a 2xx answer's body, else throws the server's Status as a StatusError. */
  private async call<R>(method: string, path: string, body?: unknown): Promise<R> {
    const response = await fetch(this.baseUrl + path, {
      ...(this.options.dispatcher && ({ dispatcher: this.options.dispatcher } as RequestInit)),
      method,
      headers: { ...this.headers(), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw internalError(`${method} ${path}: the server answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const status = parsed as Status;
      throw new StatusError(status.kind === 'Status' ? status : internalError(`${method} ${path}: ${response.status}`).status);
    }
    return withoutZeroValues(parsed) as R; // as Go's decoder reads them (zero-values.ts)
  }

  private headers(): Record<string, string> {
    return {
      Accept: 'application/json',
      // Objects with their keys as stored, not in Go's order (http-server.ts's keepsStoredOrder): the
      // components compare what they read with what they build, some as JSON.
      'Kubekata-Key-Order': 'stored',
      ...(this.options.token ? { Authorization: `Bearer ${this.options.token}` } : {}),
      ...(this.options.userAgent ? { 'User-Agent': this.options.userAgent } : {}),
    };
  }
}

/** `?a=1&b=2` of the options that are set; '' for none. */
function query(options: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * A `?watch=true` stream read line by line: each line one event. The request starts at once;
 * events queue until polled or iterated. A stream that fails ends with an ERROR event carrying
 * the server's Status (or a 500 one for a broken connection).
 */
class HttpWatch<T extends KubeObject> implements ApiWatch<T> {
  private readonly queue: ApiWatchEvent<T>[] = [];
  private readonly abort = new AbortController();
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    url: string,
    headers: Record<string, string>,
    private readonly dispatcher?: object,
  ) {
    void this.read(url, headers);
  }

  poll(): ApiWatchEvent<T>[] {
    return this.queue.splice(0);
  }

  stop(): void {
    this.ended = true;
    this.abort.abort();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent<T>> {
    for (;;) {
      while (this.queue.length > 0) yield this.queue.shift()!;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }

  private push(event: ApiWatchEvent<T>): void {
    this.queue.push(event);
    this.wake?.();
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    try {
      const response = await fetch(url, { headers, signal: this.abort.signal, ...(this.dispatcher && ({ dispatcher: this.dispatcher } as RequestInit)) });
      if (!response.ok || response.body === null) {
        const status = (await response.json().catch(() => internalError(`watch: ${response.status}`).status)) as Status;
        this.push({ type: 'ERROR', object: status });
        return;
      }
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') this.push(withoutZeroValues(JSON.parse(line)) as ApiWatchEvent<T>);
        }
      }
    } catch (error) {
      if (!this.abort.signal.aborted) this.push({ type: 'ERROR', object: internalError(`watch: ${(error as Error).message}`).status });
    } finally {
      this.ended = true;
      this.wake?.();
    }
  }
}

/**
 * A delete's options as the DeleteOptions body kube-apiserver reads, every one that is set: a
 * kubelet's final delete (`gracePeriodSeconds: 0`) that lost its period would only ask again for
 * the grace period the pod is already waiting out, and the pod would stay Terminating.
 *
 * @example `deleteOptionsBody({ gracePeriodSeconds: 0, preconditions: { uid: 'u1' } })` →
 * `{ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: 'u1' } }`;
 * `deleteOptionsBody({})` → undefined (no body)
 */
function deleteOptionsBody(options: DeleteOptions = {}): Record<string, unknown> | undefined {
  const { preconditions, gracePeriodSeconds, propagationPolicy, dryRun } = options;
  const fields = {
    ...(preconditions !== undefined && { preconditions }),
    ...(gracePeriodSeconds !== undefined && { gracePeriodSeconds }),
    ...(propagationPolicy !== undefined && { propagationPolicy }),
    ...(dryRun && { dryRun: ['All'] }),
  };
  return Object.keys(fields).length === 0 ? undefined : { kind: 'DeleteOptions', apiVersion: 'v1', ...fields };
}
