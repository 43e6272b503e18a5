/**
 * A container's environment as the kubelet makes it (given code, katas/kubelet/container-environment.ts,
 * the same in both trees): envFrom, env with $(NAME) and valueFrom, the Service variables, and the
 * command and args expanded — upstream's makeEnvironmentVariables, checked against its rules.
 * It reads quantities with kata 07's parseQuantity, so it runs on the reference.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { containerEnvironment, ContainerConfigError, expand, serviceEnvironment, type EnvironmentSources } from '@kube/kubelet';
import type { ConfigMap, Container, Pod, Secret, Service } from '@kube/kit';

const service = (namespace: string, name: string, clusterIP: string, ports: NonNullable<Service['spec']>['ports'] = [{ port: 80 }]): Service => ({ metadata: { namespace, name }, spec: { clusterIP, ports } });
const KUBERNETES = service('default', 'kubernetes', '127.96.0.1', [{ name: 'https', port: 443 }]);

const pod = (container: Container, spec: Partial<NonNullable<Pod['spec']>> = {}): Pod => ({
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', labels: { app: 'web', tier: 'front' }, annotations: { note: 'say "hi"' } },
  spec: { nodeName: 'node-2', serviceAccountName: 'default', containers: [container], ...spec },
});

function sources(objects: { services?: Service[]; configMaps?: ConfigMap[]; secrets?: Secret[]; allocatable?: Record<string, string> } = {}): EnvironmentSources & { asked: string[] } {
  const asked: string[] = [];
  const find = <T extends ConfigMap | Secret>(kind: string, list: T[] | undefined) => async (namespace: string, name: string) => {
    asked.push(`${kind} ${namespace}/${name}`);
    return list?.find((o) => o.metadata.namespace === namespace && o.metadata.name === name);
  };
  return {
    podIP: '127.0.11.4',
    hostIP: '127.0.11.1',
    services: objects.services ?? [KUBERNETES],
    configMap: find('configmap', objects.configMaps),
    secret: find('secret', objects.secrets),
    ...(objects.allocatable && { allocatable: objects.allocatable }),
    asked,
  };
}

const settings: ConfigMap = { metadata: { namespace: 'shop', name: 'settings' }, data: { color: 'blue', size: 'L' } };
const password: Secret = { metadata: { namespace: 'shop', name: 'db' }, data: { password: Buffer.from('s3cret').toString('base64') } };

async function variables(container: Container, objects: Parameters<typeof sources>[0] = {}, spec: Partial<NonNullable<Pod['spec']>> = {}): Promise<Record<string, string>> {
  return Object.fromEntries((await containerEnvironment(pod(container, spec), container, sources(objects))).variables);
}

async function failure(container: Container, objects: Parameters<typeof sources>[0] = {}): Promise<string> {
  try {
    await containerEnvironment(pod(container), container, sources(objects));
  } catch (error) {
    expect(error).toBeInstanceOf(ContainerConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ContainerConfigError');
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/container-environment.test.ts'), 240_000);
else describe('a container\'s environment', () => {
  describe('the variables of the pod\'s own fields (fieldRef)', () => {
    it.each([
      ['metadata.name', 'web-1'],
      ['metadata.namespace', 'shop'],
      ['metadata.uid', 'u-1'],
      ["metadata.labels['tier']", 'front'],
      ["metadata.labels['missing']", ''],
      ["metadata.annotations['note']", 'say "hi"'],
      ['metadata.labels', 'app="web"\ntier="front"'],
      ['spec.nodeName', 'node-2'],
      ['spec.serviceAccountName', 'default'],
      ['status.podIP', '127.0.11.4'],
      ['status.hostIP', '127.0.11.1'],
    ])('A variable with fieldPath %s is %j.', async (fieldPath, expected) => {
      expect((await variables({ name: 'app', env: [{ name: 'V', valueFrom: { fieldRef: { fieldPath } } }] })).V).toBe(expected);
    });

    it('A fieldPath the kubelet does not know fails the container with upstream\'s message.', async () => {
      expect(await failure({ name: 'app', env: [{ name: 'V', valueFrom: { fieldRef: { fieldPath: 'spec.restartPolicy' } } }] })).toBe('unsupported fieldPath: spec.restartPolicy');
    });
  });

  describe('the variables of ConfigMaps and Secrets', () => {
    it('envFrom puts every key behind its prefix, a Secret\'s decoded, and env wins over envFrom where both name one.', async () => {
      const container: Container = {
        name: 'app',
        envFrom: [{ configMapRef: { name: 'settings' }, prefix: 'CFG_' }, { secretRef: { name: 'db' } }],
        env: [{ name: 'CFG_SIZE', value: 'XL' }],
      };
      expect(await variables(container, { configMaps: [settings], secrets: [password] })).toMatchObject({ CFG_color: 'blue', CFG_size: 'L', CFG_SIZE: 'XL', password: 's3cret' });
    });

    it('configMapKeyRef and secretKeyRef read one key, and each object is read once however often it is named.', async () => {
      const container: Container = {
        name: 'app',
        envFrom: [{ configMapRef: { name: 'settings' } }],
        env: [
          { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } },
          { name: 'SIZE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'size' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
        ],
      };
      const from = sources({ configMaps: [settings], secrets: [password] });
      const env = Object.fromEntries((await containerEnvironment(pod(container), container, from)).variables);
      expect([env.COLOR, env.SIZE, env.PASSWORD]).toEqual(['blue', 'L', 's3cret']);
      expect(from.asked).toEqual(['configmap shop/settings', 'secret shop/db']);
    });

    it.each<[string, Container, string]>([
      ['A missing ConfigMap of envFrom', { name: 'app', envFrom: [{ configMapRef: { name: 'nope' } }] }, 'configmap "nope" not found'],
      ['A missing Secret of envFrom', { name: 'app', envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
      ['A missing ConfigMap of a key reference', { name: 'app', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }, 'configmap "nope" not found'],
      ['A missing key of a ConfigMap', { name: 'app', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'settings', key: 'weight' } } }] }, "couldn't find key weight in ConfigMap shop/settings"],
      ['A missing key of a Secret', { name: 'app', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'user' } } }] }, "couldn't find key user in Secret shop/db"],
    ])('%s fails the container with upstream\'s message.', async (_, container, message) => {
      expect(await failure(container, { configMaps: [settings], secrets: [password] })).toBe(message);
    });

    it('An optional reference to a missing ConfigMap, Secret or key adds nothing, and the variable is left out.', async () => {
      const container: Container = {
        name: 'app',
        envFrom: [{ configMapRef: { name: 'nope', optional: true } }, { secretRef: { name: 'nope', optional: true } }],
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
          { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'weight', optional: true } } },
          { name: 'C', valueFrom: { secretKeyRef: { name: 'db', key: 'user', optional: true } } },
          { name: 'D', value: 'kept' },
        ],
      };
      const env = await variables(container, { configMaps: [settings], secrets: [password], services: [] });
      expect(env).toEqual({ D: 'kept' });
    });
  });

  describe('the variables of a container\'s resources (resourceFieldRef)', () => {
    const resources = { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1500m', memory: '128Mi' } };
    it.each([
      ['limits.cpu', undefined, '2'],
      ['requests.cpu', '1m', '250'],
      ['limits.memory', '1Mi', '128'],
      ['requests.memory', undefined, String(64 * 1024 * 1024)],
      ['limits.memory', '0', String(128 * 1024 * 1024)],
    ])('%s with divisor %s is %s: rounded up (a divisor of 0, as a stored pod shows one left out, counts as 1).', async (resource, divisor, expected) => {
      const container: Container = { name: 'app', resources, env: [{ name: 'R', valueFrom: { resourceFieldRef: { resource, ...(divisor && { divisor }) } } }] };
      expect((await variables(container)).R).toBe(expected);
    });

    it('A limit the container does not set is the node\'s allocatable; another container is named by containerName.', async () => {
      const container: Container = {
        name: 'app',
        env: [
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
          { name: 'SIDE', valueFrom: { resourceFieldRef: { containerName: 'side', resource: 'requests.memory', divisor: '1Mi' } } },
        ],
      };
      const side: Container = { name: 'side', resources: { requests: { memory: '32Mi' } } };
      const env = Object.fromEntries((await containerEnvironment(pod(container, { containers: [container, side] }), container, sources({ allocatable: { cpu: '4', memory: '8Gi' } }))).variables);
      expect([env.CPU, env.SIDE]).toEqual(['4', '32']);
    });
  });

  describe('the Service variables', () => {
    it('gives a pod the variables of its namespace\'s Services with a cluster IP and of default/kubernetes, in upstream\'s names', () => {
      const services = [
        KUBERNETES,
        service('shop', 'redis-primary', '127.96.0.11', [{ port: 6379 }, { name: 'metrics', port: 9121, protocol: 'TCP' }]),
        service('shop', 'headless', 'None'),
        service('other', 'elsewhere', '127.96.0.12'),
      ];
      expect(Object.fromEntries(serviceEnvironment(services, 'shop', true))).toEqual({
        KUBERNETES_SERVICE_HOST: '127.96.0.1',
        KUBERNETES_SERVICE_PORT: '443',
        KUBERNETES_SERVICE_PORT_HTTPS: '443',
        KUBERNETES_PORT: 'tcp://127.96.0.1:443',
        KUBERNETES_PORT_443_TCP: 'tcp://127.96.0.1:443',
        KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
        KUBERNETES_PORT_443_TCP_PORT: '443',
        KUBERNETES_PORT_443_TCP_ADDR: '127.96.0.1',
        REDIS_PRIMARY_SERVICE_HOST: '127.96.0.11',
        REDIS_PRIMARY_SERVICE_PORT: '6379',
        REDIS_PRIMARY_SERVICE_PORT_METRICS: '9121',
        REDIS_PRIMARY_PORT: 'tcp://127.96.0.11:6379',
        REDIS_PRIMARY_PORT_6379_TCP: 'tcp://127.96.0.11:6379',
        REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
        REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
        REDIS_PRIMARY_PORT_6379_TCP_ADDR: '127.96.0.11',
        REDIS_PRIMARY_PORT_9121_TCP: 'tcp://127.96.0.11:9121',
        REDIS_PRIMARY_PORT_9121_TCP_PROTO: 'tcp',
        REDIS_PRIMARY_PORT_9121_TCP_PORT: '9121',
        REDIS_PRIMARY_PORT_9121_TCP_ADDR: '127.96.0.11',
      });
    });

    it('gives only the kubernetes Service\'s variables to a pod with enableServiceLinks false, and lets declared variables win over Service variables', async () => {
      const services = [KUBERNETES, service('shop', 'cache', '127.96.0.20')];
      expect([...serviceEnvironment(services, 'shop', false).keys()].every((name) => name.startsWith('KUBERNETES_'))).toBe(true);
      const env = await variables({ name: 'app', env: [{ name: 'CACHE_SERVICE_HOST', value: 'mine' }] }, { services });
      expect([env.CACHE_SERVICE_HOST, env.CACHE_SERVICE_PORT]).toEqual(['mine', '80']);
      const unlinked = await variables({ name: 'app' }, { services }, { enableServiceLinks: false });
      expect([unlinked.KUBERNETES_SERVICE_HOST, unlinked.CACHE_SERVICE_HOST]).toEqual(['127.96.0.1', undefined]);
    });

    it('lets a kubernetes Service of the pod\'s own namespace stand in for default/kubernetes', () => {
      const own = service('shop', 'kubernetes', '127.96.0.99', [{ port: 8443 }]);
      expect(serviceEnvironment([KUBERNETES, own], 'shop', true).get('KUBERNETES_SERVICE_HOST')).toBe('127.96.0.99');
      expect(serviceEnvironment([own, KUBERNETES], 'shop', true).get('KUBERNETES_SERVICE_HOST')).toBe('127.96.0.99');
    });
  });

  describe('$(NAME) in values, commands and args', () => {
    it.each([
      ['$(A)', '1'],
      ['$(A)-$(B)', '1-2'],
      ['$$(A)', '$(A)'],
      ['$(UNKNOWN)', '$(UNKNOWN)'],
      ['$(A', '$(A'],
      ['cost: $5', 'cost: $5'],
      ['ends in $', 'ends in $'],
      ['$$$(A)', '$1'],
      ['$()', '$()'],
    ])('%j expands to %j.', (input, expected) => {
      expect(expand(input, new Map([['A', '1'], ['B', '2']]))).toBe(expected);
    });

    it('expands a value with the variables declared before it, envFrom\'s and the Service variables, but not those after it', async () => {
      const container: Container = {
        name: 'app',
        envFrom: [{ configMapRef: { name: 'settings' } }],
        env: [
          { name: 'FIRST', value: '$(color) at $(KUBERNETES_SERVICE_HOST), then $(LATER)' },
          { name: 'LATER', value: 'later' },
          { name: 'SECOND', value: '$(FIRST)!' },
        ],
        command: ['echo', '$(SECOND)'],
        args: ['$(size)', '$$(size)'],
      };
      const env = await containerEnvironment(pod(container), container, sources({ configMaps: [settings] }));
      expect([env.variables.get('FIRST'), env.variables.get('SECOND')]).toEqual(['blue at 127.96.0.1, then $(LATER)', 'blue at 127.96.0.1, then $(LATER)!']);
      expect([env.command, env.args]).toEqual([['echo', 'blue at 127.96.0.1, then $(LATER)!'], ['L', '$(size)']]);
    });

    test.prop([fc.string({ unit: fc.constantFrom('a', '$', '(', ')', 'X', ' ') })])('a text with every $ doubled expands back to itself (escaping is exact)', (text) => {
      expect(expand(text.replaceAll('$', () => '$$'), new Map([['X', 'value']]))).toBe(text);
    });

    test.prop([fc.dictionary(fc.stringMatching(/^[A-Z_]{1,6}$/), fc.string({ maxLength: 8 }).filter((v) => !v.includes('$')), { minKeys: 1 }), fc.string({ maxLength: 6 }).filter((t) => !t.includes('$'))])(
      'a known name expands to its value, wherever it stands in a text without other references',
      (values, around) => {
        const map = new Map(Object.entries(values));
        for (const [name, value] of map) expect(expand(`${around}$(${name})${around}`, map)).toBe(`${around}${value}${around}`);
      },
    );

    test.prop([fc.uniqueArray(fc.record({ namespace: fc.constantFrom('default', 'shop', 'other'), name: fc.constantFrom('kubernetes', 'web', 'cache-2', 'db'), ip: fc.constantFrom('127.96.0.5', 'None', '') }), { selector: (s) => `${s.namespace}/${s.name}` }), fc.boolean()])(
      'every Service variable of a pod comes from a Service it may see, and says that Service\'s address',
      (specs, links) => {
        const services = specs.map((s) => service(s.namespace, s.name, s.ip));
        const env = serviceEnvironment(services, 'shop', links);
        for (const [name, value] of env) {
          if (!name.endsWith('_SERVICE_HOST')) continue;
          const prefix = name.slice(0, -'_SERVICE_HOST'.length);
          const from = services.filter((s) => s.metadata.name!.replaceAll('-', '_').toUpperCase() === prefix && s.spec!.clusterIP === value);
          expect(from.some((s) => (s.metadata.namespace === 'shop' && links) || (s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes'))).toBe(true);
          expect(value).not.toBe('None');
        }
      },
    );
  });
});
