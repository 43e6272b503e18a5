/**
 * A container's environment as the kubelet makes it before it asks the runtime to create the
 * container (pkg/kubelet/kubelet_pods.go, `makeEnvironmentVariables`, with
 * pkg/kubelet/envvars/envvars.go for the Service variables and
 * third_party/forked/golang/expansion for `$(NAME)`):
 *
 * 1. `envFrom`, in order: every key of each ConfigMap or Secret, behind its `prefix`;
 * 2. `env`, in order, each winning over what came before: a `value` with `$(NAME)` replaced by
 *    the variables so far or the Service variables (`$$` is a `$`; an unknown name stays as it is
 *    written), or a `valueFrom` looked up: a field of the pod, a container's resource, one key of
 *    a ConfigMap or a Secret;
 * 3. the Service variables of every Service with a cluster IP in the pod's namespace (with
 *    `enableServiceLinks`, the default) and of `default/kubernetes` (always), where 1 and 2 left
 *    the name free: for a Service `redis-primary` at 10.0.0.11 with port 6379,
 *
 * ```
 * REDIS_PRIMARY_SERVICE_HOST=10.0.0.11          REDIS_PRIMARY_PORT=tcp://10.0.0.11:6379
 * REDIS_PRIMARY_SERVICE_PORT=6379               REDIS_PRIMARY_PORT_6379_TCP=tcp://10.0.0.11:6379
 * REDIS_PRIMARY_SERVICE_PORT_<NAME>=6379        REDIS_PRIMARY_PORT_6379_TCP_PROTO=tcp
 *   (for each named port)                       REDIS_PRIMARY_PORT_6379_TCP_PORT=6379
 *                                               REDIS_PRIMARY_PORT_6379_TCP_ADDR=10.0.0.11
 * ```
 *
 * and the container's `command` and `args` with `$(NAME)` replaced by the result.
 *
 * A ConfigMap, Secret or key that is missing fails the container's creation with upstream's
 * message (`configmap "settings" not found`, `couldn't find key color in ConfigMap
 * default/settings`), unless its reference says `optional: true`: then it adds nothing.
 *
 * This file is given: no kata asks you to write it. The cluster's nodes (kata 29) run it for
 * every container, around kata 22's `containerConfigFor`, which knows only plain values.
 *
 * @example
 * ```ts
 * const env = await containerEnvironment(pod, pod.spec.containers[0], { podIP: '127.0.10.2', hostIP: '127.0.10.1', services, configMap, secret });
 * env.variables;  // Map { 'GREETING' => 'hello', 'MESSAGE' => 'hello from node-1', 'KUBERNETES_SERVICE_HOST' => '127.96.0.1', ... }
 * ```
 */
import { parseQuantity } from '@kube/apiserver';
import type { ConfigMap, Container, EnvVarSource, Pod, Quantity, Secret, Service } from '@kube/kit';

/** Where the kubelet looks values up: the API (through its informers upstream) and the pod's addresses. */
export interface EnvironmentSources {
  /** the pod's IP, as the runtime gave it */
  podIP: string;
  /** the node's IP */
  hostIP: string;
  /** every Service of the cluster (this file picks the ones the pod sees) */
  services: readonly Service[];
  /** a ConfigMap of the pod's namespace; undefined when there is none of that name */
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  /** a Secret of the pod's namespace; undefined when there is none of that name */
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** the node's allocatable resources: a `limits.*` resourceFieldRef of a container without that limit reads these */
  allocatable?: Record<string, Quantity>;
}

/** A container's environment and its command line with `$(NAME)` replaced. */
export interface ContainerEnvironment {
  /** every variable, in the order upstream builds them: envFrom, env, then Service variables */
  variables: Map<string, string>;
  command?: string[];
  args?: string[];
}

/** A reference the kubelet could not resolve: the container is not created (`CreateContainerConfigError` upstream). */
export class ContainerConfigError extends Error {
  override name = 'ContainerConfigError';
}

/** The namespace and names of the Services whose variables every pod gets (upstream's masterServices). */
const MASTER_SERVICE_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

/** The environment of `container` (one of `pod`'s) and its expanded command and args. @throws ContainerConfigError */
export async function containerEnvironment(pod: Pod, container: Container, sources: EnvironmentSources): Promise<ContainerEnvironment> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const serviceVariables = serviceEnvironment(sources.services, namespace, pod.spec?.enableServiceLinks ?? true);
  const variables = new Map<string, string>();
  const configMaps = cached((name) => sources.configMap(namespace, name));
  const secrets = cached((name) => sources.secret(namespace, name));

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'configmap' : 'secret';
    const found = from.configMapRef ? await configMaps(ref.name ?? '') : await secrets(ref.name ?? '');
    if (!found) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${kind} "${ref.name ?? ''}" not found`);
    }
    const data = from.configMapRef ? ((found as ConfigMap).data ?? {}) : decodedSecretData(found as Secret);
    for (const [key, value] of Object.entries(data)) variables.set((from.prefix ?? '') + key, value);
  }

  for (const variable of container.env ?? []) {
    let value: string | undefined = variable.value ?? '';
    if (value !== '') value = expand(value, variables, serviceVariables);
    else if (variable.valueFrom) value = await valueFrom(variable.valueFrom, pod, container, sources, { configMaps, secrets });
    // An optional reference to something missing: the variable is left out.
    if (value === undefined) continue;
    variables.set(variable.name, value);
  }

  for (const [name, value] of serviceVariables) if (!variables.has(name)) variables.set(name, value);
  return {
    variables,
    ...(container.command && { command: container.command.map((part) => expand(part, variables)) }),
    ...(container.args && { args: container.args.map((part) => expand(part, variables)) }),
  };
}

/**
 * The Service variables a pod in `namespace` gets: those of `default/kubernetes` always, and of
 * its own namespace's Services with `enableServiceLinks`; only Services with a cluster IP
 * (headless and ExternalName ones have none to give).
 */
export function serviceEnvironment(services: readonly Service[], namespace: string, enableServiceLinks: boolean): Map<string, string> {
  const chosen = new Map<string, Service>();
  for (const service of services) {
    const ip = service.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const name = service.metadata.name!;
    const isMaster = service.metadata.namespace === MASTER_SERVICE_NAMESPACE && MASTER_SERVICES.has(name);
    // A Service of the pod's own namespace wins over the master Service of the same name.
    if (isMaster && !chosen.has(name)) chosen.set(name, service);
    else if (!isMaster && service.metadata.namespace === namespace && enableServiceLinks) chosen.set(name, service);
  }
  const variables = new Map<string, string>();
  for (const service of chosen.values()) for (const [name, value] of variablesOf(service)) variables.set(name, value);
  return variables;
}

/**
 * `$(NAME)` replaced by the first of `maps` that has NAME; `$$` is a literal `$`; a name no map
 * has, a `$(` without its `)` and a `$` before anything else stay as they are written.
 *
 * @example
 * ```ts
 * expand('$(A)-$(B)-$$(A)-$(', new Map([['A', '1']]));  // '1-$(B)-$(A)-$('
 * ```
 */
export function expand(input: string, ...maps: ReadonlyMap<string, string>[]): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const char = input[i]!;
    if (char !== '$' || i + 1 === input.length) {
      out += char;
      i++;
      continue;
    }
    const next = input[i + 1]!;
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(' && input.indexOf(')', i + 2) !== -1) {
      const close = input.indexOf(')', i + 2);
      const name = input.slice(i + 2, close);
      const found = maps.find((map) => map.has(name));
      out += found ? found.get(name)! : `$(${name})`;
      i = close + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}

/** The value a `valueFrom` points at; undefined when it is optional and missing. */
async function valueFrom(
  source: EnvVarSource,
  pod: Pod,
  container: Container,
  sources: EnvironmentSources,
  lookups: { configMaps: (name: string) => Promise<ConfigMap | undefined>; secrets: (name: string) => Promise<Secret | undefined> },
): Promise<string | undefined> {
  const namespace = pod.metadata?.namespace ?? 'default';
  if (source.fieldRef) return podField(pod, source.fieldRef.fieldPath, sources);
  if (source.resourceFieldRef) {
    const { containerName, resource, divisor } = source.resourceFieldRef;
    const target = containerName ? [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === containerName) : container;
    if (!target) throw new ContainerConfigError(`container ${containerName} not found`);
    return containerResource(target, resource, divisor, sources.allocatable ?? {});
  }
  const keyRef = source.configMapKeyRef ?? source.secretKeyRef;
  if (!keyRef) return '';
  const isConfigMap = source.configMapKeyRef !== undefined;
  const name = keyRef.name ?? '';
  const found = isConfigMap ? await lookups.configMaps(name) : await lookups.secrets(name);
  if (!found) {
    if (keyRef.optional) return undefined;
    throw new ContainerConfigError(`${isConfigMap ? 'configmap' : 'secret'} "${name}" not found`);
  }
  const data = isConfigMap ? ((found as ConfigMap).data ?? {}) : decodedSecretData(found as Secret);
  if (Object.hasOwn(data, keyRef.key)) return data[keyRef.key]!;
  if (keyRef.optional) return undefined;
  throw new ContainerConfigError(`couldn't find key ${keyRef.key} in ${isConfigMap ? 'ConfigMap' : 'Secret'} ${namespace}/${name}`);
}

/** A field of the pod by its Downward API path (podFieldSelectorRuntimeValue, fieldpath.ExtractFieldPathAsString). */
function podField(pod: Pod, path: string, sources: EnvironmentSources): string {
  const subscript = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (subscript) return (subscript[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[subscript[2]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return sources.hostIP;
    case 'status.podIP':
    case 'status.podIPs':
      return sources.podIP;
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

/** A container's limit or request in units of the divisor, rounded up; an unset limit is the node's allocatable (defaultPodLimitsForDownwardAPI). */
function containerResource(container: Container, resource: string, divisor: Quantity | undefined, allocatable: Record<string, Quantity>): string {
  const match = /^(limits|requests)\.(cpu|memory|ephemeral-storage)$/.exec(resource);
  if (!match) throw new ContainerConfigError(`unsupported container resource : ${resource}`);
  const [, kind, name] = match as unknown as [string, 'limits' | 'requests', string];
  const given = container.resources?.[kind]?.[name] ?? (kind === 'limits' ? allocatable[name] : undefined) ?? '0';
  const amount = parseQuantity(String(given));
  // A divisor left out is stored as "0" (a Quantity's zero value), which upstream reads as 1.
  const asked = parseQuantity(String(divisor ?? '1'));
  const unit = asked.isZero() ? parseQuantity('1') : asked;
  // upstream: cpu in thousandths, the rest in whole units, each divided and rounded up
  const ratio = name === 'cpu' ? amount.milliValue() / unit.milliValue() : amount.value() / unit.value();
  return String(Math.ceil(ratio));
}

/** Labels or annotations as one text: `key="value"` lines, sorted by key (fieldpath.FormatMap). */
function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map![key])}`)
    .join('\n');
}

/** A Secret's data, decoded from base64 (the kubelet hands the bytes to the container). */
function decodedSecretData(secret: Secret): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

/** The Service variables of one Service (envvars.FromServices and makeLinkVariables). */
function variablesOf(service: Service): [string, string][] {
  const prefix = service.metadata.name!.replaceAll('-', '_').toUpperCase();
  const ip = service.spec!.clusterIP!;
  const ports = service.spec?.ports ?? [];
  if (ports.length === 0) return [];
  const variables: [string, string][] = [
    [`${prefix}_SERVICE_HOST`, ip],
    [`${prefix}_SERVICE_PORT`, String(ports[0]!.port)],
  ];
  for (const port of ports) if (port.name) variables.push([`${prefix}_SERVICE_PORT_${port.name.replaceAll('-', '_').toUpperCase()}`, String(port.port)]);
  ports.forEach((port, i) => {
    const protocol = (port.protocol ?? 'TCP').toLowerCase();
    const address = `${protocol}://${ip.includes(':') ? `[${ip}]` : ip}:${port.port}`;
    // Docker's links named the first port on its own.
    if (i === 0) variables.push([`${prefix}_PORT`, address]);
    const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
    variables.push([portPrefix, address], [`${portPrefix}_PROTO`, protocol], [`${portPrefix}_PORT`, String(port.port)], [`${portPrefix}_ADDR`, ip]);
  });
  return variables;
}

/** A lookup that asks once per name. */
function cached<T>(lookup: (name: string) => Promise<T>): (name: string) => Promise<T> {
  const seen = new Map<string, Promise<T>>();
  return (name) => {
    if (!seen.has(name)) seen.set(name, lookup(name));
    return seen.get(name)!;
  };
}
