/**
 * What a request is about, read off its method and URL alone, before anything else is done with it
 * (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go). Authorization, admission and the
 * handlers all work from this, so it is parsed once, first.
 *
 * Kubernetes' paths have one shape, with the core group under `/api` and every other group under
 * `/apis/<group>`:
 *
 * ```
 * /api/v1/namespaces/default/pods/web/status     core: api, version, [namespaces/<ns>/] resource[/name[/subresource]]
 * /apis/apps/v1/namespaces/default/deployments   a named group: apis, group, version, then the same
 * /api/v1/nodes/node-1                           a cluster-scoped resource: no namespaces/<ns>
 * /api/v1/namespaces/default                     the namespace "default" itself (resource namespaces)
 * /version, /api, /apis, /openapi/v3, /healthz   not resource requests: discovery and the like
 * ```
 *
 * and one verb per request, from the method and whether a name is given:
 *
 * | method | with a name | without a name |
 * | --- | --- | --- |
 * | GET, HEAD | get | list, or watch with `?watch` set to anything but `0` or `false` |
 * | any other | `''` | `''` |
 * | POST | create | create |
 * | PUT | update | update |
 * | PATCH | patch | patch |
 * | DELETE | delete | deletecollection |
 *
 * @example
 * ```ts
 * parseRequestInfo('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
 * // { resourceRequest: true, verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'default',
 * //   resource: 'pods', subresource: '', name: '', path: '/api/v1/namespaces/default/pods',
 * //   query: URLSearchParams { labelSelector: 'app=web' } }
 * parseRequestInfo('GET', '/apis/apps/v1/deployments?watch=true');    // verb 'watch', namespace '' (every one)
 * parseRequestInfo('PUT', '/api/v1/namespaces/default/pods/web/status'); // verb 'update', subresource 'status'
 * parseRequestInfo('GET', '/version');                                // { resourceRequest: false, verb: 'get', ... }
 * ```
 */

/** A request, as authorization and the handlers see it. */
export interface RequestInfo {
  /** false for anything that is not under /api/<version> or /apis/<group>/<version> with a resource */
  resourceRequest: boolean;
  /** a resource request's verb (the table above); for any other request the method in lower case */
  verb: string;
  /** '' for the core group (and for a request that is not a resource request) */
  apiGroup: string;
  /** 'v1'; '' when the path has none */
  apiVersion: string;
  /** '' for a cluster-scoped resource, or a request across every namespace */
  namespace: string;
  /** the plural resource: 'pods'; '' when not a resource request */
  resource: string;
  /** 'status', 'scale', 'binding', or '' */
  subresource: string;
  /** the object's name; '' for a collection */
  name: string;
  /** the path without its query, as it came (still percent-encoded) */
  path: string;
  /** the query parameters */
  query: URLSearchParams;
}

/**
 * Reads what a request is about from its method and URL (a path with an optional query; a full
 * `http://host/...` URL works too).
 *
 * A resource request needs `/api/<version>/<resource>...` or `/apis/<group>/<version>/<resource>...`;
 * under `namespaces/<ns>/` the next part is the resource (a path that ends at `namespaces/<ns>` is a
 * request for the namespace itself). Anything else, however odd, is a non-resource request: this
 * never throws; whether the resource exists is the handler's question.
 */
export function parseRequestInfo(method: string, url: string): RequestInfo {
  const parsed = new URL(url, 'http://apiserver');
  const path = parsed.pathname;
  const query = parsed.searchParams;
  const info: RequestInfo = {
    resourceRequest: false,
    verb: method.toLowerCase(),
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    path,
    query,
  };

  // Empty parts come from a trailing or a doubled slash: '/api/v1/pods/' is '/api/v1/pods'.
  const parts = path.split('/').filter((part) => part !== '').map(decodePart);
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    info.apiVersion = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    info.apiGroup = parts[1]!;
    info.apiVersion = parts[2]!;
    rest = parts.slice(3);
  } else {
    return info; // /version, /api, /apis, /api/v1, /apis/apps/v1, /openapi/v3, ...
  }

  // namespaces/<ns>/<resource>...: a namespaced request. namespaces/<ns> alone (or with a
  // subresource, namespaces/<ns>/status) is about the namespace object itself.
  if (rest[0] === 'namespaces' && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) {
    info.namespace = rest[1]!;
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length >= 2) {
    info.namespace = rest[1]!; // the namespace object lives in itself, as upstream says
  }
  info.resourceRequest = true;
  info.resource = rest[0]!;
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';
  info.verb = verbOf(method.toUpperCase(), info.name !== '', isWatch(query));
  return info;
}

/** The subresources of a namespace object: `namespaces/<ns>/status` is not a resource called status. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Whether `?watch` asks for a watch, as upstream reads a bool query parameter
 * (Convert_Slice_string_To_bool): absent, `0` or `false` (any case) is no; anything else — `true`,
 * `1`, `yes`, even an empty `?watch=` — is yes.
 */
function isWatch(query: URLSearchParams): boolean {
  const watch = query.get('watch');
  return watch !== null && watch !== '0' && watch.toLowerCase() !== 'false';
}

/** The verb of a resource request (the table in the file's comment). */
function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      // Only a collection is watched: a GET of one object stays a get, whatever its query says.
      if (named) return 'get';
      return watch ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return ''; // a method the API has no verb for (upstream's RequestInfo leaves it empty)
  }
}

/** A path part with its percent-escapes undone; one that cannot be decoded is kept as it came. */
function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
