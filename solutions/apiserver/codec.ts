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
  // Deep nesting is refused before any parser sees it: the parsers, and what is done with the
  // value later (copies, patches, YAML answers), recurse once per level.
  if ((kind === 'json' ? jsonDepth(text) : yamlDepthBound(text)) > (kind === 'json' ? MAX_NESTING_DEPTH : 2 * MAX_NESTING_DEPTH)) throw tooDeep();
  let value: unknown;
  try {
    value = kind === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    const what = kind === 'json' ? 'json parse error' : 'yaml parse error';
    throw badRequest(`the request body could not be decoded: ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (depthOf(value) > MAX_NESTING_DEPTH) throw tooDeep();
  return value;
}

/**
 * How deep a body may nest: 100 levels of objects and lists. kube-apiserver's JSON decoder stops
 * at 10,000 (sigs.k8s.io/json); this server stops far lower, where every form it answers in — the
 * YAML writer recurses once per level and gives up near 700 — can still hold the object. A real
 * object nests about 12 levels (a Deployment's pod template's affinity terms).
 */
export const MAX_NESTING_DEPTH = 100;

/** BadRequest (400) for a body that nests deeper than {@link MAX_NESTING_DEPTH}. */
export function tooDeep(): StatusError {
  return badRequest(`the request body could not be decoded: it nests deeper than ${MAX_NESTING_DEPTH} levels of objects and lists, this server's limit (kube-apiserver's decoder stops at 10,000)`);
}

/** The deepest nesting of objects and lists in a value (a string or a number is 0); a loop, not a recursion. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_NESTING_DEPTH) return deepest; // deep enough to refuse: no need to look further
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The deepest nesting of `{` and `[` in JSON text, outside strings. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{' || c === '[') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === '}' || c === ']') {
      depth--;
    }
  }
  return deepest;
}

/**
 * An upper bound of how deep YAML text nests: on each line, its indentation plus the flow
 * brackets (`{`, `[`) open there, outside double-quoted strings and comments. Generous (two spaces
 * of indentation are one level), so it is compared with twice the limit; the parsed value is then
 * measured exactly.
 */
function yamlDepthBound(text: string): number {
  let flow = 0;
  let deepest = 0;
  let indent = 0;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart && (c === ' ' || (c === '-' && (text[i + 1] === ' ' || text[i + 1] === '\n')))) {
      indent++; // "- - - x" nests a list in a list on one line: each "- " is a level too
      deepest = Math.max(deepest, indent + flow);
      continue;
    }
    lineStart = false;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '#' && (i === 0 || text[i - 1] === ' ')) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '{' || c === '[') {
      deepest = Math.max(deepest, indent + ++flow);
    } else if (c === '}' || c === ']') {
      flow = Math.max(0, flow - 1);
    }
  }
  return deepest;
}
