/**
 * Generated objects for kata 07's properties: valid Pods, Deployments and Services, and single
 * mutations of them, each breaking exactly one rule of katas/apiserver/07-objects.md and naming
 * the one field path a validator must report. The tests never carry a validator: a mutation knows
 * only which rule it breaks and where.
 *
 * Also quantities: their text, built from a sign, digits, a fraction and a suffix.
 */
import { fc } from '../prop.ts';
import type { Container, ContainerPort, Deployment, DeploymentStrategy, Pod, PodSpec, Service, ServicePort } from '@kube/kit';

// ---------- quantities ----------

export const DECIMAL_SUFFIXES = ['n', 'u', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'] as const;
export const BINARY_SUFFIXES = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

/** The text of any well-formed quantity: "-12.5Mi", "+.25", "3e-2", "1000m", "0.000n", ... */
export const quantityTextArb: fc.Arbitrary<string> = fc
  .record({
    sign: fc.constantFrom('', '', '+', '-'),
    whole: fc.stringMatching(/^[0-9]{0,7}$/),
    fraction: fc.option(fc.stringMatching(/^[0-9]{0,4}$/), { nil: undefined }),
    suffix: fc.oneof(
      fc.constantFrom(...DECIMAL_SUFFIXES),
      fc.constantFrom(...BINARY_SUFFIXES),
      fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 12 })).map(([e, s, n]) => `${e}${s}${n}`),
    ),
  })
  .filter(({ whole, fraction }) => whole.length + (fraction ?? '').length > 0)
  .map(({ sign, whole, fraction, suffix }) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${suffix}`);

/** A whole number of thousandths and two ways to write it: "1500m" and "1.5" (or "1.500"). */
export const milliSpellingsArb: fc.Arbitrary<{ milli: number; asMilli: string; asUnits: string }> = fc
  .tuple(fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.boolean())
  .map(([milli, padded]) => {
    const sign = milli < 0 ? '-' : '';
    const abs = Math.abs(milli);
    const whole = Math.floor(abs / 1000);
    let fraction = String(abs % 1000).padStart(3, '0');
    if (!padded) fraction = fraction.replace(/0+$/, '');
    return { milli, asMilli: `${milli}m`, asUnits: `${sign}${whole}${fraction ? `.${fraction}` : ''}` };
  });

// ---------- names and labels ----------

/** A DNS-1035 label (so also a DNS-1123 label and subdomain): "web", "a-1". */
export const dnsNameArb = fc.stringMatching(/^[a-z]([-a-z0-9]{0,8}[a-z0-9])?$/);
/** A label key, sometimes with a prefix. */
export const labelKeyArb = fc.tuple(fc.constantFrom('', 'app.kubernetes.io/', 'example.com/'), fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,6}[A-Za-z0-9])?$/)).map(([p, n]) => p + n);
/** A label value, sometimes empty. */
export const labelValueArb = fc.stringMatching(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,6})?[A-Za-z0-9])?$/);
export const labelsArb = fc.dictionary(labelKeyArb, labelValueArb, { maxKeys: 3 });

// ---------- pods ----------

const portArb: fc.Arbitrary<ContainerPort> = fc.record(
  {
    containerPort: fc.integer({ min: 1, max: 65535 }),
    name: fc.stringMatching(/^[a-z]{1,6}$/),
    protocol: fc.constantFrom<ContainerPort['protocol']>('TCP', 'UDP'),
  },
  { requiredKeys: ['containerPort'] },
);

/** Requests, and limits at or above them. */
const resourcesArb = fc
  .record({ cpu: fc.integer({ min: 0, max: 4000 }), memory: fc.integer({ min: 1, max: 4096 }), cpuExtra: fc.integer({ min: 0, max: 2000 }), withLimits: fc.boolean() })
  .map(({ cpu, memory, cpuExtra, withLimits }) => ({
    requests: { cpu: `${cpu}m`, memory: `${memory}Mi` },
    ...(withLimits ? { limits: { cpu: `${cpu + cpuExtra}m`, memory: `${memory}Mi` } } : {}),
  }));

const containerArb: fc.Arbitrary<Container> = fc.record(
  {
    name: dnsNameArb,
    image: fc.constantFrom('nginx', 'busybox:1.36', 'registry.k8s.io/pause:3.9'),
    ports: fc.uniqueArray(portArb, { maxLength: 2, selector: (p) => p.name ?? `#${p.containerPort}` }),
    resources: resourcesArb,
  },
  { requiredKeys: ['name', 'image'] },
);

export const podSpecArb = (restartPolicies: PodSpec['restartPolicy'][] = ['Always', 'OnFailure', 'Never']): fc.Arbitrary<PodSpec> =>
  fc.record(
    {
      containers: fc.uniqueArray(containerArb, { minLength: 1, maxLength: 3, selector: (c) => c.name }),
      restartPolicy: fc.constantFrom(...restartPolicies),
      terminationGracePeriodSeconds: fc.integer({ min: 0, max: 120 }),
      nodeSelector: labelsArb,
    },
    { requiredKeys: ['containers'] },
  );

export const podArb: fc.Arbitrary<Pod> = fc
  .record({ name: dnsNameArb, namespace: dnsNameArb, labels: labelsArb, spec: podSpecArb() })
  .map(({ name, namespace, labels, spec }) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec }));

// ---------- deployments ----------

const intOrPercentArb = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`));

const strategyArb: fc.Arbitrary<DeploymentStrategy | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ type: 'Recreate' as const }),
  fc
    .record({ maxUnavailable: intOrPercentArb, maxSurge: intOrPercentArb }, { requiredKeys: [] })
    .filter((r) => !(isZero(r.maxUnavailable) && isZero(r.maxSurge)))
    .map((rollingUpdate) => ({ type: 'RollingUpdate' as const, rollingUpdate })),
);

function isZero(value: number | string | undefined): boolean {
  return value === 0 || value === '0%';
}

export const deploymentArb: fc.Arbitrary<Deployment> = fc
  .record({
    name: dnsNameArb,
    namespace: dnsNameArb,
    extraLabels: labelsArb,
    replicas: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    spec: podSpecArb(['Always']),
    strategy: strategyArb,
    minReadySeconds: fc.integer({ min: 0, max: 30 }),
    deadlineExtra: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
  })
  .map(({ name, namespace, extraLabels, replicas, spec, strategy, minReadySeconds, deadlineExtra }) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { ...extraLabels, app: name } }, spec },
      ...(strategy === undefined ? {} : { strategy }),
      minReadySeconds,
      ...(deadlineExtra === undefined ? {} : { progressDeadlineSeconds: minReadySeconds + deadlineExtra }),
    },
  }));

// ---------- services ----------

export const serviceArb: fc.Arbitrary<Service> = fc
  .record({
    name: dnsNameArb,
    namespace: dnsNameArb,
    type: fc.constantFrom<'ClusterIP' | 'NodePort' | undefined>(undefined, 'ClusterIP', 'NodePort'),
    ports: fc.uniqueArray(
      fc.record({
        port: fc.integer({ min: 1, max: 65535 }),
        name: fc.stringMatching(/^[a-z]{1,6}$/),
        protocol: fc.constantFrom<ServicePort['protocol']>(undefined, 'TCP', 'UDP'),
        targetPort: fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 65535 }), fc.stringMatching(/^[a-z]{1,6}$/)),
        nodePort: fc.integer({ min: 30000, max: 32767 }),
      }),
      { minLength: 1, maxLength: 3, selector: (p) => p.name },
    ),
    selector: labelsArb,
    affinity: fc.oneof(fc.constant(undefined), fc.constant('None' as const), fc.integer({ min: 1, max: 86400 })),
  })
  .map(({ name, namespace, type, ports, selector, affinity }) => {
    // Unique numbers too (the generator makes unique names): no two ports collide on number and protocol.
    const seen = new Set<number>();
    const unique = ports.filter((p) => !seen.has(p.port) && seen.add(p.port));
    const servicePorts: ServicePort[] = unique.map((p, i) => ({
      ...(unique.length > 1 || i % 2 === 0 ? { name: p.name } : {}),
      port: p.port,
      ...(p.protocol ? { protocol: p.protocol } : {}),
      ...(p.targetPort === undefined ? {} : { targetPort: p.targetPort }),
      ...(type === 'NodePort' ? { nodePort: p.nodePort } : {}),
    }));
    const spec: Service['spec'] = { ...(type ? { type } : {}), ports: servicePorts, selector };
    if (affinity === 'None') spec.sessionAffinity = 'None';
    else if (typeof affinity === 'number') Object.assign(spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: affinity } } });
    return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec } satisfies Service;
  });

// ---------- mutations ----------

/** One broken rule: the mutated object, the one field path it breaks, and what was done, for a failure's report. */
export interface Mutation<T> {
  object: T;
  path: string;
  what: string;
  toString(): string;
}

function mutation<T>(base: T, path: string, what: string, change: (copy: T) => void): Mutation<T> {
  const object = structuredClone(base);
  change(object);
  return { object, path, what, toString: () => `${what} → ${path}` };
}

const pick = <T>(items: readonly T[]) => fc.integer({ min: 0, max: items.length - 1 });

/** Mutations of a pod spec at `at` ('spec' or 'spec.template.spec'); `get` finds the spec in a copy. */
function podSpecMutations<T>(base: T, spec: PodSpec, at: string, get: (o: T) => PodSpec): fc.Arbitrary<Mutation<T>>[] {
  const n = spec.containers.length;
  const arbs: fc.Arbitrary<Mutation<T>>[] = [
    fc.constant(mutation(base, `${at}.containers`, 'no containers', (o) => void (get(o).containers = []))),
    pick(spec.containers).map((i) => mutation(base, `${at}.containers[${i}].name`, `container ${i} named "Bad_Name"`, (o) => void (get(o).containers[i]!.name = 'Bad_Name'))),
    pick(spec.containers).map((i) => mutation(base, `${at}.containers[${i}].image`, `container ${i} without an image`, (o) => void delete get(o).containers[i]!.image)),
    fc.tuple(pick(spec.containers), fc.constantFrom(0, 65536, 70000)).map(([i, port]) =>
      mutation(base, `${at}.containers[${i}].ports[${spec.containers[i]!.ports?.length ?? 0}].containerPort`, `container ${i} gets containerPort ${port}`, (o) => {
        const c = get(o).containers[i]!;
        c.ports = [...(c.ports ?? []), { containerPort: port }];
      }),
    ),
    pick(spec.containers).map((i) =>
      mutation(base, `${at}.containers[${i}].ports[${(spec.containers[i]!.ports?.length ?? 0) + 1}].name`, `container ${i} gets two ports named "zz-dup"`, (o) => {
        const c = get(o).containers[i]!;
        c.ports = [...(c.ports ?? []), { containerPort: 8080, name: 'zz-dup' }, { containerPort: 8081, name: 'zz-dup' }];
      }),
    ),
    pick(spec.containers).map((i) =>
      mutation(base, `${at}.containers[${i}].ports[${spec.containers[i]!.ports?.length ?? 0}].protocol`, `container ${i} gets a port with protocol "HTTP"`, (o) => {
        const c = get(o).containers[i]!;
        c.ports = [...(c.ports ?? []), { containerPort: 8080, protocol: 'HTTP' as never }];
      }),
    ),
    fc.tuple(pick(spec.containers), fc.constantFrom('12x', '1K', '1.2.3', 'lots', '--1')).map(([i, text]) =>
      mutation(base, `${at}.containers[${i}].resources.requests[cpu]`, `container ${i} requests cpu "${text}"`, (o) => {
        const c = get(o).containers[i]!;
        c.resources = { ...c.resources, requests: { ...c.resources?.requests, cpu: text } };
      }),
    ),
    pick(spec.containers).map((i) =>
      mutation(base, `${at}.containers[${i}].resources.requests`, `container ${i} requests more cpu than its limit`, (o) => {
        const c = get(o).containers[i]!;
        c.resources = { requests: { cpu: '1500m' }, limits: { cpu: '1' } };
      }),
    ),
    fc.integer({ min: -100, max: -1 }).map((s) => mutation(base, `${at}.terminationGracePeriodSeconds`, `terminationGracePeriodSeconds ${s}`, (o) => void (get(o).terminationGracePeriodSeconds = s))),
    fc.constantFrom('-bad', 'a/b/c', 'Example.com/x').map((key) => mutation(base, `${at}.nodeSelector`, `nodeSelector key "${key}"`, (o) => void (get(o).nodeSelector = { ...get(o).nodeSelector, [key]: 'x' }))),
  ];
  if (n >= 2) {
    arbs.push(
      fc.integer({ min: 1, max: n - 1 }).map((k) =>
        mutation(base, `${at}.containers[${k}].name`, `container ${k} takes the name of container ${k - 1}`, (o) => void (get(o).containers[k]!.name = get(o).containers[k - 1]!.name)),
      ),
    );
  }
  return arbs;
}

/** Mutations of metadata every namespaced object shares. */
function metadataMutations<T extends { metadata: { name?: string; namespace?: string; labels?: Record<string, string> } }>(base: T, badNames: string[]): fc.Arbitrary<Mutation<T>>[] {
  return [
    fc.constantFrom(...badNames).map((name) => mutation(base, 'metadata.name', `name "${name}"`, (o) => void (o.metadata.name = name))),
    fc.constant(mutation(base, 'metadata.name', 'no name', (o) => void delete o.metadata.name)),
    fc.constant(mutation(base, 'metadata.namespace', 'no namespace', (o) => void delete o.metadata.namespace)),
    fc.constantFrom('Default', 'kube_system', 'a.b').map((ns) => mutation(base, 'metadata.namespace', `namespace "${ns}"`, (o) => void (o.metadata.namespace = ns))),
    fc.constantFrom('-bad', 'a/b/c', '/x', 'x/').map((key) => mutation(base, 'metadata.labels', `label key "${key}"`, (o) => void (o.metadata.labels = { ...o.metadata.labels, [key]: 'v' }))),
    fc.constantFrom('-v', 'v-', 'a b', 'x'.repeat(64)).map((value) => mutation(base, 'metadata.labels', `label value "${value.slice(0, 10)}"`, (o) => void (o.metadata.labels = { ...o.metadata.labels, 'zz-key': value }))),
  ];
}

/** A valid pod and one rule broken. */
export const podMutationArb: fc.Arbitrary<Mutation<Pod>> = podArb.chain((pod) =>
  fc.oneof(
    ...metadataMutations(pod, ['Web', 'web_1', '-web', 'web.', 'a'.repeat(254)]),
    ...podSpecMutations(pod, pod.spec!, 'spec', (o) => o.spec!),
    fc.constantFrom('Sometimes', 'always').map((p) => mutation(pod, 'spec.restartPolicy', `restartPolicy "${p}"`, (o) => void (o.spec!.restartPolicy = p as never))),
  ),
);

/** A valid deployment and one rule broken. */
export const deploymentMutationArb: fc.Arbitrary<Mutation<Deployment>> = deploymentArb.chain((d) =>
  fc.oneof(
    ...metadataMutations(d, ['Web', 'web_1', '-web']),
    ...podSpecMutations(d, d.spec!.template.spec!, 'spec.template.spec', (o) => o.spec!.template.spec!),
    fc.integer({ min: -5, max: -1 }).map((r) => mutation(d, 'spec.replicas', `replicas ${r}`, (o) => void (o.spec!.replicas = r))),
    fc.constant(mutation(d, 'spec.template.metadata.labels', 'template labels that the selector does not match', (o) => void (o.spec!.template.metadata!.labels!.app = 'zz_other'))),
    fc.constant(mutation(d, 'spec.selector', 'an empty selector', (o) => void (o.spec!.selector = {}))),
    fc.constantFrom('Never', 'OnFailure').map((p) => mutation(d, 'spec.template.spec.restartPolicy', `template restartPolicy "${p}"`, (o) => void (o.spec!.template.spec!.restartPolicy = p as never))),
    fc.constantFrom('abc', '25', '-1%', 'ten%').map((s) =>
      mutation(d, 'spec.strategy.rollingUpdate.maxSurge', `maxSurge "${s}"`, (o) => void (o.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: s, maxUnavailable: '25%' } })),
    ),
    fc.constantFrom<[number | string, number | string]>([0, 0], ['0%', 0], [0, '0%'], ['0%', '0%']).map(([u, s]) =>
      mutation(d, 'spec.strategy.rollingUpdate.maxUnavailable', `maxUnavailable ${u} with maxSurge ${s}`, (o) => void (o.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: u, maxSurge: s } })),
    ),
    fc.constantFrom('101%', '150%').map((u) =>
      mutation(d, 'spec.strategy.rollingUpdate.maxUnavailable', `maxUnavailable ${u}`, (o) => void (o.spec!.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: u, maxSurge: 1 } })),
    ),
    fc.constant(mutation(d, 'spec.strategy.type', 'strategy type "Canary"', (o) => void (o.spec!.strategy = { type: 'Canary' as never }))),
    fc.constant(mutation(d, 'spec.strategy.rollingUpdate', 'Recreate with rollingUpdate', (o) => void (o.spec!.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }))),
    fc.constant(mutation(d, 'spec.progressDeadlineSeconds', 'progressDeadlineSeconds = minReadySeconds', (o) => void (o.spec!.progressDeadlineSeconds = o.spec!.minReadySeconds ?? 0))),
  ),
);

/** A valid service and one rule broken. */
export const serviceMutationArb: fc.Arbitrary<Mutation<Service>> = serviceArb.chain((s) => {
  const ports = s.spec!.ports!;
  const n = ports.length;
  const arbs: fc.Arbitrary<Mutation<Service>>[] = [
    ...metadataMutations(s, ['Web', '1web', 'web.svc', 'web_1']),
    fc.tuple(pick(ports), fc.constantFrom(0, 65536, -80)).map(([i, p]) => mutation(s, `spec.ports[${i}].port`, `port ${i} is ${p}`, (o) => void (o.spec!.ports![i]!.port = p))),
    fc.tuple(pick(ports), fc.constantFrom('Bad--name', 'UPPER', '8080', 'much-too-long-port-name')).map(([i, t]) =>
      mutation(s, `spec.ports[${i}].targetPort`, `port ${i} targets "${t}"`, (o) => void (o.spec!.ports![i]!.targetPort = t)),
    ),
    fc.constant(mutation(s, 'spec.sessionAffinity', 'sessionAffinity "Sticky"', (o) => {
      o.spec!.sessionAffinity = 'Sticky' as never;
      delete o.spec!.sessionAffinityConfig;
    })),
    fc.constant(mutation(s, 'spec.type', 'type "Internal"', (o) => {
      o.spec!.type = 'Internal' as never;
      for (const p of o.spec!.ports!) delete p.nodePort;
    })),
    pick(ports).map((i) =>
      mutation(s, `spec.ports[${i}].nodePort`, `a ClusterIP service with a nodePort on port ${i}`, (o) => {
        o.spec!.type = 'ClusterIP';
        for (const p of o.spec!.ports!) delete p.nodePort;
        o.spec!.ports![i]!.nodePort = 30080;
      }),
    ),
    fc.constant(mutation(s, 'spec.ports', 'no ports', (o) => void (o.spec!.ports = []))),
  ];
  if (n >= 2) {
    arbs.push(
      fc.integer({ min: 1, max: n - 1 }).map((k) => mutation(s, `spec.ports[${k}].name`, `port ${k} takes the name of port ${k - 1}`, (o) => void (o.spec!.ports![k]!.name = o.spec!.ports![k - 1]!.name))),
      pick(ports).map((i) => mutation(s, `spec.ports[${i}].name`, `port ${i} of ${n} loses its name`, (o) => void delete o.spec!.ports![i]!.name)),
      fc.integer({ min: 1, max: n - 1 }).map((k) =>
        mutation(s, `spec.ports[${k}]`, `port ${k} takes the number and protocol of port ${k - 1}`, (o) => {
          const [prev, port] = [o.spec!.ports![k - 1]!, o.spec!.ports![k]!];
          port.port = prev.port;
          if (prev.protocol === undefined) delete port.protocol;
          else port.protocol = prev.protocol;
        }),
      ),
    );
  }
  return fc.oneof(...arbs);
});

// ---------- comparing objects ----------

/**
 * The paths (`spec.replicas`, `spec.containers[0].name`) where `small` has a value that `big` does
 * not have, equal: empty when every value set in `small` is set, the same, in `big`.
 */
export function changedPaths(small: unknown, big: unknown, path = ''): string[] {
  if (small === undefined) return [];
  if (small === null || typeof small !== 'object') return Object.is(small, big) ? [] : [path || '(root)'];
  if (big === null || typeof big !== 'object' || Array.isArray(small) !== Array.isArray(big)) return [path || '(root)'];
  if (Array.isArray(small)) {
    const b = big as unknown[];
    if (small.length !== b.length) return [path];
    return small.flatMap((item, i) => changedPaths(item, b[i], `${path}[${i}]`));
  }
  return Object.entries(small as Record<string, unknown>).flatMap(([k, v]) => changedPaths(v, (big as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
}
