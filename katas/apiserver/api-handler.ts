/**
 * The apiserver's request pipeline, without the HTTP around it (k8s.io/apiserver/pkg/server/config.go
 * DefaultBuildHandlerChain, then pkg/endpoints/handlers): one request in, one answer out.
 *
 * ```
 * request ──▶ request info ──▶ authenticate ──▶ authorize ──▶ decode body ──▶ admission ──▶ registry
 *              (what about)     (who: 401)      (may they:    (JSON/YAML:      (mutating,     (kata 08)
 *                                                 403)         400)             validating)
 * any StatusError on the way ──▶ { code: status.code, body: Status }
 * ```
 *
 * The HTTP server (http-server.ts) reads the request, calls {@link ApiHandler.handle}, and writes
 * what it answers: a body as JSON, YAML or a Table, or a watch as a stream of events.
 *
 * @example
 * ```ts
 * const handler = new ApiHandler({ registry, clock });
 * await handler.handle({ method: 'GET', url: '/api/v1/namespaces/default/pods/web', headers: {}, body: '' });
 * // { code: 200, body: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web', ... }, ... } }
 * await handler.handle({ method: 'GET', url: '/api/v1/namespaces/default/pods/nope', headers: {}, body: '' });
 * // { code: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "nope" not found', code: 404, ... } }
 * ```
 */
import { NotImplemented, toRFC3339, type Binding, type Clock, type KubeObject, type Pod, type Random, type Scale, type Service } from '@kube/kit';
import { assignedPod, refuseBinding, scheduledStatus } from './client.ts';
import type { AdmissionChain, AdmissionRequest, Authenticator, Authorizer, RequestAttributes, UserInfo } from './auth-api.ts';
import { ANONYMOUS } from './authentication.ts';
import { decodeBody, depthOf, MAX_NESTING_DEPTH } from './codec.ts';
import { serveNonResource } from './discovery.ts';
import { checkDecodedFields, checkPatchedFields, fieldValidationOf, withWarnings, type FieldValidation } from './field-validation.ts';
import { applyConfiguration, recordUpdate, type ManagerOptions } from './field-manager.ts';
import { withoutZeroValues } from './zero-values.ts';
import { applyPatch, PATCH_TYPES, patchTypeOf } from './patch.ts';
import { forbiddenFor } from './rbac.ts';
import type { DeleteOptions, ListOptions, Registry, WriteOptions } from './registry.ts';
import { qualifiedKind, qualifiedResource, RESOURCES, resourceType, type ResourceType } from './resources.ts';
import { badRequest, conflict, invalid, isStatusError, methodNotAllowed, noRouteForMethod, notFoundResource, statusOf } from './status.ts';
import { parseRequestInfo, type RequestInfo } from './request-info.ts';
import { answerReview } from './reviews.ts';
import type { ApiWatch, WatchOptions } from './watch.ts';
import { withAllocation, type ServiceAllocator } from './service-allocation.ts';
import { initIPFamilyFields, normalizeClusterIPs } from './service-ip-families.ts';

/** A request, as the HTTP server hands it over. */
export interface ApiRequest {
  /** 'GET', 'POST', ... */
  method: string;
  /** the path and query: '/api/v1/namespaces/default/pods?limit=10' */
  url: string;
  /** the request's headers, names in lower case */
  headers: Record<string, string | undefined>;
  /** the body as it came (bytes from the server, or text), '' for none (decoded only once the request is authorized) */
  body: string | Uint8Array;
}

/** An answer: a body (an object, a list or a Status) with its code, or a watch to stream. */
export type ApiResponse = { code: number; body: unknown } | { code: 200; watch: ApiWatch; timeoutSeconds?: number };

/** A create's, update's or patch's options: the registry's, and what to do with unknown fields (field-validation.ts). */
export interface RequestWriteOptions extends WriteOptions {
  fieldValidation?: FieldValidation;
  /** `?fieldManager=`: who the write is recorded as (field-manager.ts) */
  fieldManager?: string;
}

/** What the pipeline is made of; only the registry and the clock are needed. */
export interface ApiHandlerOptions {
  registry: Registry;
  /** the server's clock (tables' ages) */
  clock: Clock;
  /** who is asking (kata 11); none: everyone is system:anonymous */
  authenticator?: Authenticator;
  /** may they (kata 11); none: everything is allowed */
  authorizer?: Authorizer;
  /** the admission plugins (kata 11); none: none */
  admission?: AdmissionChain;
  /** where clients reach this server, for /api's serverAddressByClientCIDRs ('127.0.0.1:6443') */
  serverAddress?: string;
  /** hands out Services' cluster IPs and node ports (kata 26; service-allocation.ts) */
  serviceAllocator?: ServiceAllocator;
  /**
   * The registry's Random: given it, the handler turns a `generateName` into a name itself, the
   * registry's way (58 characters of the base and 5 drawn), before admission validates the object
   * and a Service's addresses are allocated — upstream's Store.Create names the object first, so
   * that `Service "web-x7k2p" is invalid` names it. Without it the registry names the object.
   */
  random?: Random;
  /**
   * Empty a deleted namespace here, standing in for kata 21's namespace controller; default true.
   * The cluster of kata 29 runs that controller and turns this off, as kube-apiserver has it.
   */
  emptyDeletedNamespaces?: boolean;
}

/** Upstream retries a patch this often when another writer got in between (patch.go). */
const PATCH_RETRIES = 5;

/** Answers API requests: the pipeline above. */
export class ApiHandler {
  private readonly registry: Registry;
  private readonly options: ApiHandlerOptions;

  constructor(options: ApiHandlerOptions) {
    this.registry = options.registry;
    this.options = options;
  }

  /**
   * Answers one request. Never throws: every failure, expected or not, becomes a Status with its
   * code (an error that is not a StatusError is a 500 InternalError, its stack never sent).
   */
  async handle(request: ApiRequest): Promise<ApiResponse> {
    // TODO(10): the pipeline, in this order: parseRequestInfo(method, url); authenticate the Authorization header (no authenticator:
    // TODO(10): ANONYMOUS); authorize attributesOf(info, user, the User-Agent header) (no authorizer: allowed; denied: throw
    // TODO(10): forbiddenFor(attributes, reason));
    // TODO(10): a non-resource request is serveNonResource(info, serverAddress ?? '127.0.0.1'); a resource request this.resourceRequest.
    // TODO(10): Catch everything: statusOf(error) is the body, its code (500 if none) the code. Never throw, never send a stack.
    throw new NotImplemented('10', 'ApiHandler.handle');
  }

  /**
   * Does what a resource request asks: its verb (and subresource) decide which registry call.
   * The body is decoded here, after authorization: who may not write learns nothing about their JSON.
   */
  private async resourceRequest(info: RequestInfo, attributes: RequestAttributes, request: ApiRequest): Promise<ApiResponse> {
    // TODO(10): servedType(info) (404 for a resource or group-version not served); the namespace (undefined when the resource is
    // TODO(10): cluster-scoped or the path has none); a subresource not served is notFoundResource('pods/log'); then checkRoute(type, info)
    // TODO(10): (given: 405 for a verb the path has no route for, 404 for a path with no route at all).
    // TODO(10): Then by info.verb: get (scale: scaleOf), list (listBody of registry.list with listOptions), watch ({ code: 200, watch,
    // TODO(10): ...timeoutOf }), create (201: this.create with writeOptions(info.query, 'CreateOptions'), or this.bind for pods/binding),
    // TODO(10): update (this.write with the body), patch (patchTypeOf(content-type) first: a 415 before any 400 of the body; then
    // TODO(10): this.patch with the decoded body, not asObject: a JSON patch is a list; but a server-side apply, PATCH_TYPES.apply,
    // TODO(10): is answered by this.apply (given) with the decoded body, as it is), delete (this.delete with deleteOptions(body,
    // TODO(10): info.query)), deletecollection (delete each listed object in its own namespace, item.metadata.namespace, with
    // TODO(10): deleteOptions(undefined, info.query), answer the list of them).
    // TODO(10): Decode the body (decodeBody, asObject) only where the verb needs one: after authorization, never before.
    throw new NotImplemented('10', 'ApiHandler.resourceRequest');
  }

  /**
   * POST a new object: the mutating plugins may change it, the validating ones may refuse it. A
   * dry run (`options.dryRun`) goes through all of it, and the registry writes nothing.
   */
  private async create(type: ResourceType, namespace: string | undefined, object: KubeObject, attributes: RequestAttributes, options: RequestWriteOptions = {}, how: 'create' | 'apply' = 'create'): Promise<KubeObject> {
    checkKind(type, object);
    const warnings = checkDecodedFields(object, type.apiVersion, type.kind, options.fieldValidation ?? 'Warn');
    if (type.review) return answerReview(type, object, attributes.user, this.options.authorizer); // never stored (reviews.ts)
    withoutZeroValues(object, type.kind); // `resources: {}` is stored as none, as Go reads it (zero-values.ts)
    // Who set which field (field-manager.ts): an apply has said it already.
    if (how === 'create') object = recordUpdate(undefined, object, this.managerOf(type, options, attributes, ''));
    const admission: AdmissionRequest = { attributes, operation: 'CREATE', object, ...(options.dryRun && { dryRun: true }) };
    await this.options.admission?.admit(admission);
    if (this.options.random) nameGenerated(admission.object!, this.options.random);
    await this.options.admission?.validate(admission);
    const services = this.servicesOf(type);
    if (type.resource === 'services') normalizeClusterIPs(admission.object as Service);
    if (services) initIPFamilyFields(admission.object as Service);
    const allocation = services?.allocateCreate(admission.object as Service, options.dryRun ?? false);
    return withWarnings(await withAllocation(allocation, () => this.registry.create(type.resource, namespace, admission.object!, options)), warnings);
  }

  /**
   * PUT: the object replaced (or its status, or its scale). `next(current)` builds the object to
   * write from the stored one; a PATCH retries it when another writer got in between. `?dryRun=All`
   * in the request's query makes it a dry run (see {@link writeOptions}).
   */
  private async write(type: ResourceType, namespace: string | undefined, info: RequestInfo, attributes: RequestAttributes, next: (current: KubeObject) => KubeObject, how: 'update' | 'apply' = 'update'): Promise<KubeObject> {
    const options = writeOptions(info.query, info.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
    if (how === 'update' && info.verb === 'patch' && info.query.has('force')) {
      throw invalid('PatchOptions.meta.k8s.io', '', [{ reason: 'FieldValueForbidden', field: 'force', message: 'Forbidden: may not be specified for non-apply patch' }]);
    }
    const current = this.registry.get(type.resource, namespace, info.name);
    // Unknown fields: a PUT's body as upstream decodes it, a PATCH's result as upstream's patcher checks it.
    const fieldValidation = options.fieldValidation ?? 'Warn';
    const decoded = (object: KubeObject, apiVersion: string, kind: string) =>
      info.verb === 'update' ? checkDecodedFields(object, apiVersion, kind, fieldValidation) : checkPatchedFields(object, apiVersion, kind, fieldValidation);
    if (info.subresource === 'scale') {
      const scale = next(scaleOf(current)) as Scale;
      const warnings = decoded(scale, 'autoscaling/v1', 'Scale');
      const wanted = scale.metadata?.resourceVersion;
      if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(qualifiedResource(type), info.name);
      const replicas = scale.spec?.replicas;
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0)) throw badRequest(`spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be a non-negative integer`);
      const updated = structuredClone(current) as KubeObject & { spec?: { replicas?: number } };
      updated.spec = { ...updated.spec, replicas: replicas ?? 0 };
      const recorded = recordUpdate(current, updated, this.managerOf(type, options, attributes, 'scale'));
      return withWarnings(scaleOf(await this.update(type, namespace, recorded, current, attributes, 'main', options)), warnings);
    }
    const object = next(current);
    const warnings = decoded(object, type.apiVersion, type.kind);
    withoutZeroValues(object, type.kind); // as on create: what Go reads as no value is stored as none
    // A plain update keeps what only a subresource may change: a namespace's spec.finalizers.
    if (info.subresource === '') type.prepareForUpdate?.(object, current);
    // A JSON patch can put a deep value at a deep path: the result obeys the bodies' limit too.
    if (depthOf(object) > MAX_NESTING_DEPTH) throw badRequest(`the patched object would nest deeper than ${MAX_NESTING_DEPTH} levels of objects and lists, this server's limit`);
    checkKind(type, object);
    if (object.metadata?.name !== undefined && object.metadata.name !== info.name) {
      throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${info.name})`);
    }
    object.metadata = { ...object.metadata, name: info.name };
    if (info.subresource === '') refuseImmutableChanges(type, object, current);
    // Who changed which field (field-manager.ts): an apply has said it already; a status write is not recorded.
    const recorded = how === 'update' && info.subresource === '' ? recordUpdate(current, object, this.managerOf(type, options, attributes, '')) : object;
    return withWarnings(await this.update(type, namespace, recorded, current, attributes, info.subresource === 'status' ? 'status' : 'main', options), warnings);
  }

  /**
   * The field manager of a write: its `?fieldManager=`, else its User-Agent up to the first `/`
   * (`kubectl/v1.32.4 (linux/amd64)` is `kubectl`), as upstream's managerOrUserAgent names it.
   */
  private managerOf(type: ResourceType, options: RequestWriteOptions, attributes: RequestAttributes, subresource: string): ManagerOptions {
    const manager = options.fieldManager ?? (attributes.userAgent ?? '').split('/')[0]!.replace(/\p{C}/gu, '').slice(0, 128);
    // Compared as they will be stored: a body need not say its kind, a field left to its default is still set.
    const defaults = (object: KubeObject) => {
      object.kind ??= type.kind;
      type.defaults?.(object);
    };
    return { manager, apiVersion: type.apiVersion, time: toRFC3339(this.registry.clock.now()), subresource, defaults };
  }

  /**
   * Server-side apply: a PATCH of type `application/apply-patch+yaml` (`kubectl apply
   * --server-side`), merged by the field manager (field-manager.ts) rather than patched.
   * `?fieldManager=` is required; `?force=true` takes the conflicting fields from their managers.
   * An object that does not exist is created (201), which the client must be allowed to do too;
   * one that does is written as a patch is, and tried again when another writer got in between
   * (not when the apply conflicts with another manager: that is the answer).
   */
  private async apply(type: ResourceType, namespace: string | undefined, info: RequestInfo, attributes: RequestAttributes, body: unknown): Promise<ApiResponse> {
    const manager = info.query.get('fieldManager') ?? '';
    if (manager === '') throw invalid('PatchOptions.meta.k8s.io', '', [{ reason: 'FieldValueRequired', field: 'fieldManager', message: 'Required value: is required for apply patch' }]);
    if (info.subresource !== '') throw badRequest(`this server applies whole objects only: apply ${type.resource}/${info.name} itself, not its ${info.subresource}`);
    const config = asObject(body);
    if (config.apiVersion !== type.apiVersion) {
      throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${String(config.apiVersion ?? '')}, expected: ${type.apiVersion}`);
    }
    const options = { ...this.managerOf(type, writeOptions(info.query, 'PatchOptions'), attributes, ''), force: info.query.get('force') === 'true' };
    let exists = true;
    try {
      this.registry.get(type.resource, namespace, info.name);
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) throw error;
      exists = false;
    }
    if (!exists) {
      const creating = { ...attributes, verb: 'create' };
      const decision = this.options.authorizer?.authorize(creating);
      if (decision && !decision.allowed) throw forbiddenFor(creating, decision.reason);
      if (config.metadata?.name !== undefined && config.metadata.name !== info.name) {
        throw badRequest(`the name of the object (${config.metadata.name}) does not match the name on the URL (${info.name})`);
      }
      const object = applyConfiguration(undefined, { ...config, metadata: { ...config.metadata, name: info.name } }, options);
      return { code: 201, body: await this.create(type, namespace, object, creating, writeOptions(info.query, 'PatchOptions'), 'apply') };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return ok(await this.write(type, namespace, info, attributes, (current) => applyConfiguration(current, config, options), 'apply'));
      } catch (error) {
        const withOtherManagers = isStatusError(error) && (error.status.details?.causes ?? []).some((cause) => cause.reason === 'FieldManagerConflict');
        if (!isStatusError(error, 'Conflict') || withOtherManagers || config.metadata?.resourceVersion !== undefined || attempt >= PATCH_RETRIES) throw error;
      }
    }
  }

  private async update(type: ResourceType, namespace: string | undefined, object: KubeObject, current: KubeObject, attributes: RequestAttributes, part: 'main' | 'status', options: WriteOptions = {}): Promise<KubeObject> {
    const admission: AdmissionRequest = { attributes, operation: 'UPDATE', object, oldObject: current, ...(options.dryRun && { dryRun: true }) };
    await this.options.admission?.admit(admission);
    await this.options.admission?.validate(admission);
    if (part === 'status') {
      type.prepareForStatusUpdate?.(admission.object!, current);
      return this.registry.updateStatus(type.resource, namespace, admission.object!, options);
    }
    const services = this.servicesOf(type);
    if (type.resource === 'services') normalizeClusterIPs(admission.object as Service, current as Service);
    if (services) initIPFamilyFields(admission.object as Service, current as Service);
    const allocation = services?.allocateUpdate(admission.object as Service, current as Service, options.dryRun ?? false);
    const updated = await withAllocation(allocation, () => this.registry.update(type.resource, namespace, admission.object!, options));
    // An update that took the last finalizer off a Service being deleted deleted it (the registry
    // answers it with its deletionTimestamp and no finalizers): its address and node ports go back,
    // as upstream's AfterDelete gives them back on every way a Service goes.
    if (!options.dryRun && updated.metadata.deletionTimestamp && (updated.metadata.finalizers ?? []).length === 0) this.servicesOf(type)?.release(updated as Service);
    return updated;
  }

  /**
   * PATCH: read, apply the patch, write with the resourceVersion read. When another writer got in
   * between (Conflict), do it again on the new object, unless the patch itself named a
   * resourceVersion: then the client meant that one, and the Conflict is its answer.
   */
  private async patch(type: ResourceType, namespace: string | undefined, info: RequestInfo, attributes: RequestAttributes, patch: unknown, contentType: string): Promise<KubeObject> {
    // TODO(10): First patchTypeOf(contentType): an unknown patch type is 415 even when the object does not exist. Then
    // TODO(10): this.write(..., current => applyPatch(contentType, current, patch, kind)) where kind is 'Scale' for the scale
    // TODO(10): subresource, else type.kind; a result that is not an object is a BadRequest. On a Conflict try again (up to
    // TODO(10): PATCH_RETRIES times in all) unless the patch itself names metadata.resourceVersion: then the Conflict is the answer.
    throw new NotImplemented('10', 'ApiHandler.patch');
  }

  private async delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions, attributes: RequestAttributes): Promise<KubeObject> {
    if (this.options.admission) {
      const current = this.registry.get(type.resource, namespace, name);
      const admission: AdmissionRequest = { attributes, operation: 'DELETE', oldObject: current, ...(options.dryRun && { dryRun: true }) };
      await this.options.admission.admit(admission);
      await this.options.admission.validate(admission);
    }
    if (options.propagationPolicy === 'Orphan' || options.propagationPolicy === 'Foreground') this.addDeletionFinalizer(type, namespace, name, options);
    const deleted = await this.registry.delete(type.resource, namespace, name, options);
    if (!options.dryRun && !deleted.metadata.deletionTimestamp) this.servicesOf(type)?.release(deleted as Service);
    if (type.resource === 'namespaces' && !options.dryRun && this.options.emptyDeletedNamespaces !== false) return this.emptyNamespace(deleted);
    return deleted;
  }

  /**
   * `kubectl delete --cascade=orphan|foreground`: the garbage collector's finalizer (`orphan` or
   * `foregroundDeletion`) goes on the object before it is deleted, so that the delete only marks it
   * and the collector (kata 21) finishes the job (upstream's rest/delete.go,
   * deletionFinalizersForGarbageCollection). Nothing is written on a dry run or to an object that
   * is already being deleted, and a uid precondition is kept.
   */
  private addDeletionFinalizer(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions): void {
    const current = this.registry.get(type.resource, namespace, name);
    if (current.metadata.deletionTimestamp || options.dryRun) return;
    if (options.preconditions?.uid !== undefined && options.preconditions.uid !== current.metadata.uid) return; // the delete says why
    const wanted = options.propagationPolicy === 'Orphan' ? 'orphan' : 'foregroundDeletion';
    const others = (current.metadata.finalizers ?? []).filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    this.registry.update(type.resource, namespace, { ...current, metadata: { ...current.metadata, finalizers: [...others, wanted] } });
    // The resourceVersion moved with the finalizer: a resourceVersion precondition held on the object as it was.
    if (options.preconditions?.resourceVersion !== undefined) options.preconditions = { ...options.preconditions, resourceVersion: this.registry.get(type.resource, namespace, name).metadata.resourceVersion! };
  }

  /**
   * A namespace being deleted (Terminating, held by its `kubernetes` finalizer) is emptied here, by
   * the apiserver itself, until Part IV's namespace controller (kata 21) does it: every object in it
   * is deleted; once none is left, the finalizer goes and with it the namespace. What cannot go at
   * once (an object with finalizers of its own) keeps the namespace Terminating; deleting the
   * namespace again tries again. Returns the namespace as it is after that.
   */
  private async emptyNamespace(namespace: KubeObject): Promise<KubeObject> {
    const name = namespace.metadata.name!;
    let remaining = 0;
    for (const type of RESOURCES.values()) {
      if (!type.namespaced || type.review) continue;
      for (const item of (await this.registry.list(type.resource, name)).items) {
        const left = await this.registry.delete(type.resource, name, item.metadata.name!);
        if (!left.metadata.deletionTimestamp) this.servicesOf(type)?.release(left as Service);
        // Still there when it has finalizers of its own: it is only marked.
        if (left.metadata.deletionTimestamp) remaining++;
      }
    }
    if (remaining > 0) return namespace;
    const current = await this.registry.get<KubeObject & { spec?: { finalizers?: string[] } }>('namespaces', undefined, name);
    const finalizers = (current.spec?.finalizers ?? []).filter((finalizer) => finalizer !== 'kubernetes');
    // The update that takes the last finalizer away deletes the namespace (kata 08).
    return this.registry.update('namespaces', undefined, { ...current, spec: { ...current.spec, finalizers } });
  }

  /** The Service allocator, for a request about Services (kata 26), else undefined. */
  private servicesOf(type: ResourceType): ServiceAllocator | undefined {
    return type.resource === 'services' ? this.options.serviceAllocator : undefined;
  }

  /**
   * POST pods/<name>/binding: the scheduler's way to put a pod on a node (pkg/registry/core/pod/storage
   * BindingREST). {@link refuseBinding} says when it may not: a binding never moves a pod. The pod is
   * written with its node and the Binding's annotations, then its status with PodScheduled True.
   * Upstream does both in one write; here the registry's update keeps the status, so they are two,
   * the second straight after the first.
   */
  private async bind(type: ResourceType, namespace: string | undefined, name: string, binding: Binding, attributes: RequestAttributes): Promise<object> {
    if (binding.metadata?.name !== name) throw badRequest('name in URL does not match name in Binding object');
    if (!binding.target?.name) throw badRequest('a Binding needs target.name: the node to bind to');
    for (let attempt = 1; ; attempt++) {
      const pod = this.registry.get<Pod>(type.resource, namespace, name);
      refuseBinding(pod, binding);
      try {
        await this.update(type, namespace, assignedPod(pod, binding), pod, attributes, 'main');
        // Read again, with no await before the write: a kubelet's status may have come in meanwhile.
        const assigned = this.registry.get<Pod>(type.resource, namespace, name);
        this.registry.updateStatus<Pod>(type.resource, namespace, { ...assigned, status: scheduledStatus(assigned, toRFC3339(this.options.clock.now())) });
        return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
      } catch (error) {
        if (!isStatusError(error, 'Conflict') || attempt >= PATCH_RETRIES) throw error;
      }
    }
  }
}

/** RBAC's view of a request (kata 11). */
function attributesOf(info: RequestInfo, user: UserInfo, userAgent?: string): RequestAttributes {
  return {
    user,
    verb: info.verb,
    resourceRequest: info.resourceRequest,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
    path: info.path,
    ...(userAgent !== undefined && { userAgent }),
  };
}

/**
 * The methods upstream's installer registers for each shape of resource path
 * (staging/src/k8s.io/apiserver/pkg/endpoints/installer.go), by verb:
 *
 * | path | verbs |
 * | --- | --- |
 * | `pods` (a namespaced resource across every namespace) | list, watch |
 * | `namespaces/ns/pods`, `nodes` (a collection) | list, watch, create, deletecollection |
 * | `namespaces/ns/pods/web`, `nodes/n1` (one object) | get, update, patch, delete |
 * | `.../status`, `.../scale` | get, update, patch |
 * | `pods/web/binding` | create |
 * | `namespaces/ns/finalize` | update |
 * | `componentstatuses`, `componentstatuses/etcd-0` (computed: no storage behind it) | list; get (a watch is a 405 of its own) |
 *
 * A path of a shape with no route at all (`pods/web` with no namespace, `namespaces/ns/nodes`: a
 * cluster-scoped resource has none) is 404; a verb its path has no route for is 405, in
 * go-restful's words (kube-apiserver's serviceErrorHandler): `the server does not allow this
 * method on the requested resource`. Subresources not served are the caller's to refuse first.
 *
 * @example
 * checkRoute(PODS_TYPE, parseRequestInfo('GET', '/api/v1/namespaces/default/pods/web/binding'));  // throws 405
 * checkRoute(PODS_TYPE, parseRequestInfo('POST', '/api/v1/pods'));                                 // throws 405
 */
export function checkRoute(type: ResourceType, info: RequestInfo): void {
  const acrossNamespaces = type.namespaced && info.namespace === '';
  const clusterScopedInNamespace = !type.namespaced && info.namespace !== '' && type.resource !== 'namespaces';
  if (clusterScopedInNamespace || (acrossNamespaces && info.name !== '')) throw notFoundResource(type.resource);
  // A computed resource (ComponentStatus) is only read: its list route refuses a watch in words of its own.
  if (type.computed && info.verb === 'watch') throw methodNotAllowed(type.resource, 'watch');
  let verbs: readonly string[];
  if (info.subresource !== '') verbs = SUBRESOURCE_VERBS[info.subresource] ?? [];
  else if (info.name !== '') verbs = type.computed ? ['get'] : ['get', 'update', 'patch', 'delete'];
  else if (acrossNamespaces) verbs = ['list', 'watch'];
  else verbs = type.computed ? ['list'] : ['list', 'watch', 'create', 'deletecollection'];
  if (!verbs.includes(info.verb)) throw noRouteForMethod();
}

/** The verbs each subresource this handler serves is registered for. */
const SUBRESOURCE_VERBS: Readonly<Record<string, readonly string[]>> = {
  status: ['get', 'update', 'patch'],
  scale: ['get', 'update', 'patch'],
  binding: ['create'],
  finalize: ['update'],
};

/** The resource a request names, served under the group-version in its path. */
function servedType(info: RequestInfo): ResourceType {
  const type = resourceType(info.resource);
  const groupVersion = info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion;
  if (type.apiVersion !== groupVersion) throw notFoundResource(info.resource);
  return type;
}

function subresourceServed(type: ResourceType, subresource: string): boolean {
  if (subresource === 'status') return type.hasStatus;
  if (subresource === 'scale') return ['deployments', 'replicasets', 'statefulsets', 'replicationcontrollers'].includes(type.resource);
  if (subresource === 'binding') return type.resource === 'pods';
  if (subresource === 'finalize') return type.resource === 'namespaces';
  return false;
}

function ok(body: unknown): ApiResponse {
  return { code: 200, body };
}

/** The body as an object, or a BadRequest saying what came instead. */
function asObject(body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest(`the request body must be a JSON or YAML object, not ${body === undefined ? 'nothing' : Array.isArray(body) ? 'a list' : typeof body}`);
  }
  const object = body as KubeObject;
  if (object.metadata !== undefined && (typeof object.metadata !== 'object' || object.metadata === null || Array.isArray(object.metadata))) {
    throw badRequest('metadata must be an object');
  }
  object.metadata ??= {};
  return object;
}

/** A body of the wrong kind (a Service POSTed to pods) is refused, as upstream's decoder does. */
function checkKind(type: ResourceType, object: KubeObject): void {
  if (object.kind !== undefined && object.kind !== type.kind) {
    throw badRequest(`${String(object.kind)} in version "${String(object.apiVersion ?? '')}" cannot be handled as a ${type.kind}: the kind does not match the resource ${type.resource}`);
  }
  if (object.apiVersion !== undefined && object.apiVersion !== type.apiVersion) {
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${type.apiVersion})`);
  }
}

/**
 * An update may not change what the kind keeps once the object exists (`type.validateUpdate`: a
 * pod's spec but for images and a few more, a Deployment's selector): 422 Invalid. Judged with
 * the defaults filled in, as the object would be stored, so a manifest that leaves a default out
 * changes nothing. An update sent for an older resourceVersion is left to the registry, whose
 * Conflict comes first, as upstream's store checks the version before it validates.
 */
function refuseImmutableChanges(type: ResourceType, object: KubeObject, current: KubeObject): void {
  if (!type.validateUpdate) return;
  const wanted = object.metadata.resourceVersion;
  if (wanted !== undefined && wanted !== '' && wanted !== current.metadata.resourceVersion) return;
  const stored = structuredClone(object);
  stored.kind = type.kind;
  stored.apiVersion = type.apiVersion;
  stored.metadata = { ...stored.metadata, ...(current.metadata.namespace !== undefined && { namespace: current.metadata.namespace }) };
  type.defaults?.(stored);
  const causes = type.validateUpdate(stored, current);
  if (causes.length > 0) throw invalid(qualifiedKind(type), current.metadata.name ?? '', causes);
}

/**
 * A list as the API sends it: `{ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion }, items }`.
 * The items of a built-in kind's list carry no `kind` and `apiVersion` of their own, as upstream's
 * (kubernetes#3030: the list's kind says what they are; kubectl puts them back when it prints);
 * a custom resource's items keep theirs, as upstream's unstructured lists do.
 */
function listBody(type: ResourceType, list: { items: KubeObject[]; resourceVersion: string; continue?: string; remainingItemCount?: number }): object {
  const metadata: Record<string, unknown> = { resourceVersion: list.resourceVersion };
  if (list.continue) metadata['continue'] = list.continue;
  if (list.remainingItemCount !== undefined) metadata['remainingItemCount'] = list.remainingItemCount;
  const items = type.custom ? list.items : list.items.map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item);
  return { kind: `${type.kind}List`, apiVersion: type.apiVersion, metadata, items };
}

/** The query's list options; a limit that is not a number is a BadRequest. */
function listOptions(query: URLSearchParams): ListOptions {
  const options: ListOptions = {};
  for (const key of ['labelSelector', 'fieldSelector', 'continue', 'resourceVersion'] as const) {
    const value = query.get(key);
    if (value !== null) options[key] = value;
  }
  const limit = query.get('limit');
  if (limit !== null && limit !== '') {
    if (!/^[0-9]+$/.test(limit)) throw badRequest(`limit: Invalid value: "${limit}": must be a non-negative integer`);
    options.limit = Number(limit);
  }
  const match = query.get('resourceVersionMatch');
  if (match !== null && match !== '') {
    if (match !== 'NotOlderThan' && match !== 'Exact') throw badRequest(`resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`);
    options.resourceVersionMatch = match;
  }
  return options;
}

function watchOptions(query: URLSearchParams): WatchOptions {
  const options: WatchOptions = {};
  for (const key of ['labelSelector', 'fieldSelector', 'resourceVersion'] as const) {
    const value = query.get(key);
    if (value !== null) options[key] = value;
  }
  if (query.get('allowWatchBookmarks') === 'true') options.allowWatchBookmarks = true;
  return options;
}

function timeoutOf(query: URLSearchParams): { timeoutSeconds?: number } {
  const value = query.get('timeoutSeconds');
  if (value === null || value === '') return {};
  if (!/^[0-9]+$/.test(value)) throw badRequest(`timeoutSeconds: Invalid value: "${value}": must be a non-negative integer`);
  return { timeoutSeconds: Number(value) };
}

/**
 * The options of a write from the request's query: `?dryRun=All` is a dry run. Upstream knows one
 * value, `All` (every stage dry); any other is refused as kube-apiserver refuses it, a 422 Invalid
 * of the options (apimachinery's ValidateDryRun):
 * `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"x"}: supported values: "All"`.
 * And `?fieldValidation=` (field-validation.ts): what to do with fields the object's kind does not
 * have, `Warn` when the query names nothing.
 *
 * @param kind - which options the request carries: CreateOptions, UpdateOptions or PatchOptions
 */
export function writeOptions(query: URLSearchParams, kind: string): RequestWriteOptions {
  const fieldManager = query.get('fieldManager') ?? '';
  return { ...dryRunOf(query.getAll('dryRun'), kind), fieldValidation: fieldValidationOf(query, kind), ...(fieldManager !== '' && { fieldManager }) };
}

function dryRunOf(values: readonly unknown[], kind: string): WriteOptions {
  const given = values.filter((value) => value !== '');
  if (given.length === 0) return {};
  if (given.every((value) => value === 'All')) return { dryRun: true };
  const shown = `[]string{${given.map((value) => JSON.stringify(String(value))).join(', ')}}`;
  throw invalid(`${kind}.meta.k8s.io`, '', [{ reason: 'FieldValueNotSupported', field: 'dryRun', message: `Unsupported value: ${shown}: supported values: "All"` }]);
}

/**
 * A delete's options: preconditions from a DeleteOptions body, and a dry run from the query
 * (`?dryRun=All`) or from the body (`dryRun: ["All"]`, as kubectl sends it).
 */
export function deleteOptions(body: unknown, query: URLSearchParams = new URLSearchParams()): DeleteOptions {
  const grace = query.get('gracePeriodSeconds');
  const fromQuery = {
    ...dryRunOf(query.getAll('dryRun'), 'DeleteOptions'),
    ...propagationOf(query.get('propagationPolicy') ?? undefined),
    ...gracePeriodOf(grace === null ? undefined : /^\d+$/.test(grace) ? Number(grace) : grace),
  };
  if (body === undefined) return fromQuery;
  const options = asObject(body) as { preconditions?: unknown; dryRun?: unknown; propagationPolicy?: unknown; gracePeriodSeconds?: unknown };
  if (options.dryRun !== undefined && options.dryRun !== null && !Array.isArray(options.dryRun)) throw badRequest('dryRun must be a list of strings, such as ["All"]');
  const dryRun = { ...fromQuery, ...dryRunOf((options.dryRun as unknown[] | undefined) ?? [], 'DeleteOptions') };
  const cascade = { ...fromQuery, ...dryRun, ...propagationOf(options.propagationPolicy), ...gracePeriodOf(options.gracePeriodSeconds) };
  const preconditions = options.preconditions;
  if (preconditions === undefined || preconditions === null) return cascade;
  if (typeof preconditions !== 'object') throw badRequest('preconditions must be an object');
  const { uid, resourceVersion } = preconditions as { uid?: unknown; resourceVersion?: unknown };
  return { ...cascade, preconditions: { ...(typeof uid === 'string' ? { uid } : {}), ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}) } };
}

/** A DeleteOptions' propagationPolicy, checked as upstream's validation does. */
function propagationOf(policy: unknown): Pick<DeleteOptions, 'propagationPolicy'> {
  if (policy === undefined || policy === null) return {};
  if (policy === 'Background' || policy === 'Foreground' || policy === 'Orphan') return { propagationPolicy: policy };
  throw invalid('DeleteOptions.meta.k8s.io', '', [{ reason: 'FieldValueNotSupported', field: 'propagationPolicy', message: `Unsupported value: ${JSON.stringify(String(policy))}: supported values: "Foreground", "Background", "Orphan"` }]);
}

/** A DeleteOptions' gracePeriodSeconds (`kubectl delete --grace-period`): a whole number >= 0. */
function gracePeriodOf(seconds: unknown): Pick<DeleteOptions, 'gracePeriodSeconds'> {
  if (seconds === undefined || seconds === null) return {};
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) throw badRequest(`gracePeriodSeconds must be a whole number of seconds >= 0, not ${JSON.stringify(seconds)}`);
  return { gracePeriodSeconds: seconds };
}

/** The scale of a Deployment or ReplicaSet (autoscaling/v1 Scale): what `kubectl scale` reads and writes. */
function scaleOf(object: KubeObject): Scale {
  const workload = object as KubeObject & { spec?: { replicas?: number; selector?: Record<string, unknown> }; status?: { replicas?: number } };
  // a LabelSelector's matchLabels, or a ReplicationController's selector, which is a plain map
  const labels = (object.kind === 'ReplicationController' ? workload.spec?.selector : workload.spec?.selector?.['matchLabels']) as Record<string, string> | undefined;
  const selector = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`).join(',');
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: workload.spec?.replicas ?? 0 },
    status: { replicas: workload.status?.replicas ?? 0, selector },
  };
}

/**
 * Gives an object with only a `generateName` its name, as the registry would (kata 08): at most 58
 * characters of the base, so that the name stays within 63, and 5 characters of the Random.
 */
function nameGenerated(object: KubeObject, random: Random): void {
  const meta = object.metadata;
  if (meta && !meta.name && meta.generateName) meta.name = meta.generateName.slice(0, 58) + random.string(5);
}
