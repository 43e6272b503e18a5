/**
 * Request bodies in, as the apiserver's serializers read them: JSON, YAML (`kubectl create -f`
 * sends JSON, but `curl --data-binary @pod.yaml -H 'Content-Type: application/yaml'` is allowed),
 * or protobuf (`kubectl create namespace` and the other generators: see protobuf.ts).
 *
 * Given code: kata 10 uses it as it is.
 *
 * @example
 * ```ts
 * decodeBody('{"metadata":{"name":"web"}}', 'application/json');   // { metadata: { name: 'web' } }
 * decodeBody('metadata:\n  name: web\n', 'application/yaml');         // the same
 * decodeBody('{"metadata":', 'application/json');                    // StatusError BadRequest (400)
 * decodeBody('<xml/>', 'application/xml');                           // StatusError UnsupportedMediaType (415)
 * decodeBody(kubectlsBytes, 'application/vnd.kubernetes.protobuf');   // { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'prod' } }
 * ```
 */
import { parse as parseYaml } from 'yaml';
import { decodeProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf.ts';
import { badRequest, StatusError } from './status.ts';

/** UnsupportedMediaType (415): a body in a format the server does not read, with the ones it does. */
export function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return new StatusError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    reason: 'UnsupportedMediaType',
    code: 415,
  });
}

/** The media types a body may have (any `+json` type is JSON: patches are). */
function kindOf(contentType: string | undefined): 'json' | 'yaml' | 'protobuf' | undefined {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === '' || type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml' || type === 'application/apply-patch+yaml') return 'yaml';
  if (type === PROTOBUF_MEDIA_TYPE) return 'protobuf';
  return undefined;
}

/** The media types {@link decodeBody} reads, as a 415 lists them. */
export const BODY_MEDIA_TYPES = ['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE] as const;

/**
 * The value a request body holds; undefined for an empty body.
 *
 * @throws StatusError UnsupportedMediaType (415) for a Content-Type that is not JSON, YAML or protobuf,
 *   BadRequest (400) for a body that is not what its Content-Type says
 */
export function decodeBody(body: string | Uint8Array, contentType: string | undefined): unknown {
  const kind = kindOf(contentType);
  if (kind === 'protobuf') {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return bytes.length === 0 ? undefined : decodeProtobuf(bytes);
  }
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.trim() === '') return undefined;
  if (kind === undefined) {
    throw unsupportedMediaType(BODY_MEDIA_TYPES);
  }
  try {
    return kind === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const what = kind === 'json' ? 'json parse error' : 'yaml parse error';
    throw badRequest(`the request body could not be decoded: ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}
