/**
 * networking.k8s.io/v1 (given code, beyond the katas: solutions/apiserver/networking-strategy.ts):
 * Ingresses, IngressClasses and NetworkPolicies stored and checked as v1.32's apiserver checks
 * them, the DefaultIngressClass admission plugin, the tables kubectl prints, and the protobuf
 * bodies `kubectl create ingress` sends (a rule's `http` is inline in JSON, nested on the wire).
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { Admission, ApiHandler, decodeProtobuf, DefaultIngressClass, encodeProtobuf, NamespaceDefaulting, Registry, toTable } from '@kube/apiserver';
import { MvccStore } from '@kube/etcd';
import { FakeClock, Random, type Ingress, type IngressClass, type NetworkPolicy, type Status } from '@kube/kit';

function bench() {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const registry = new Registry({ store: new MvccStore(), clock, random: new Random(9) });
  const admission = new Admission([new NamespaceDefaulting(), new DefaultIngressClass(() => registry.list<IngressClass>('ingressclasses', undefined).items)], []);
  const handler = new ApiHandler({ registry, clock, random: new Random(9), admission });
  const post = async (path: string, body: object) => {
    const reply = await handler.handle({ method: 'POST', url: `/apis/networking.k8s.io/v1/${path}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { code: reply.code, body: ('body' in reply ? reply.body : undefined) as any };
  };
  const message = async (path: string, body: object) => ((await post(path, body)).body as Status).message;
  return { clock, registry, post, message };
}

/** `kubectl create ingress web --rule=<host>/<path>=<service>:<port>`'s rule. */
const rule = (host: string, path: string, pathType: string, service: string, port: number | string) => ({
  ...(host && { host }),
  http: { paths: [{ path, pathType, backend: { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } } }] },
});

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/networking.test.ts'), 240_000);
else describe('networking.k8s.io/v1', () => {
  it('refuses an Ingress without rules or a default backend, a path without a type or not absolute, and a backend without a port, in upstream\'s words', async () => {
    const { message } = bench();
    const ingress = (spec: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web' }, spec });
    expect(await message('namespaces/default/ingresses', ingress({}))).toBe('Ingress.networking.k8s.io "web" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified');
    expect(await message('namespaces/default/ingresses', ingress({ rules: [{ http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] }))).toContain('spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified');
    expect(await message('namespaces/default/ingresses', ingress({ rules: [rule('shop.example', 'cart', 'Prefix', 'web', 80)] }))).toContain('spec.rules[0].http.paths[0].path: Invalid value: "cart": must be an absolute path');
    expect(await message('namespaces/default/ingresses', ingress({ rules: [{ http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'web' } } }] } }] }))).toContain('spec.rules[0].http.paths[0].backend: Required value: port name or number is required');
    expect(await message('namespaces/default/ingresses', ingress({ rules: [rule('10.0.0.1', '/', 'Prefix', 'web', 80)] }))).toContain('spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address');
    expect(await message('namespaces/default/ingresses', ingress({ rules: [rule('', '/', 'Regex', 'web', 80)] }))).toContain('spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"');
  });

  it('gives an Ingress that names no class the default IngressClass, keeps one that names its own, and prints both as kubectl get ingress does', async () => {
    const { post, clock } = bench();
    expect((await post('ingressclasses', { metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }, spec: { controller: 'k8s.io/ingress-nginx' } })).code).toBe(201);
    const plain = (await post('namespaces/default/ingresses', { metadata: { name: 'web' }, spec: { rules: [rule('shop.example', '/', 'Prefix', 'web', 80), rule('api.example', '/v1', 'Exact', 'api', 'http')], tls: [{ hosts: ['shop.example'], secretName: 'shop-tls' }] } })).body as Ingress;
    expect(plain.spec?.ingressClassName).toBe('nginx');
    const own = (await post('namespaces/default/ingresses', { metadata: { name: 'other' }, spec: { ingressClassName: 'traefik', defaultBackend: { service: { name: 'web', port: { number: 80 } } } } })).body as Ingress;
    expect(own.spec?.ingressClassName).toBe('traefik');
    await clock.advance(5_000);
    const table = toTable([plain, own], 'Ingress', clock.now()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    expect(table.rows.map((r) => r.cells)).toEqual([
      ['web', 'nginx', 'shop.example,api.example', '', '80, 443', '5s'],
      ['other', 'traefik', '*', '', '80', '5s'],
    ]);
  });

  it('defaults a NetworkPolicy\'s policy types and port protocols, prints its pod selector, and refuses a peer with an ipBlock and a selector', async () => {
    const { post, message, clock } = bench();
    const made = (await post('namespaces/default/networkpolicies', {
      metadata: { name: 'db' },
      spec: { podSelector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back', 'api'] }] }, ingress: [{ ports: [{ port: 5432 }] }], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }] },
    })).body as NetworkPolicy;
    expect(made.spec?.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(made.spec?.ingress?.[0]?.ports).toEqual([{ protocol: 'TCP', port: 5432 }]);
    expect((toTable([made], 'NetworkPolicy', clock.now()) as { rows: { cells: unknown[] }[] }).rows[0]!.cells.slice(0, 2)).toEqual(['db', 'app=db,tier in (api,back)']);
    expect(await message('namespaces/default/networkpolicies', { metadata: { name: 'bad' }, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] } })).toContain('spec.ingress[0].from[0]: Forbidden: may not specify more than 1 peer');
  });

  const host = fc.constantFrom('', 'shop.example', '*.example.org', 'a.b');
  const path = fc.constantFrom('/', '/cart', '/v1/items');
  const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom('http', 'grpc'));
  test.prop([fc.array(fc.tuple(host, path, fc.constantFrom('Exact', 'Prefix', 'ImplementationSpecific'), fc.constantFrom('web', 'api'), port), { minLength: 1, maxLength: 4 }), fc.option(fc.constantFrom('nginx', 'traefik'), { nil: undefined })], { numRuns: 60 })(
    'an Ingress sent as protobuf, as kubectl create ingress sends it, reads back as the same JSON, its rules\' http inline',
    (rules, className) => {
      const ingress = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'web', namespace: 'default' },
        spec: { ...(className && { ingressClassName: className }), rules: rules.map(([h, p, t, s, n]) => rule(h, p, t, s, n)) },
      };
      expect(decodeProtobuf(encodeProtobuf(ingress)!)).toEqual(ingress);
    },
  );

  test.prop([fc.array(fc.tuple(fc.constantFrom('default', 'nginx', 'haproxy'), fc.boolean(), fc.nat(100)), { maxLength: 4 })], { numRuns: 60 })(
    'the default class an Ingress gets is the newest of those marked default, and none when none is',
    async (classes) => {
      const { post, clock } = bench();
      const made: { name: string; isDefault: boolean; at: number }[] = [];
      for (const [name, isDefault, wait] of classes) {
        if (made.some((m) => m.name === name)) continue;
        await clock.advance(wait * 1000);
        await post('ingressclasses', { metadata: { name, ...(isDefault && { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } }) }, spec: { controller: `example.com/${name}` } });
        made.push({ name, isDefault, at: Math.floor(clock.now() / 1000) });
      }
      const got = ((await post('namespaces/default/ingresses', { metadata: { name: 'web' }, spec: { rules: [rule('', '/', 'Prefix', 'web', 80)] } })).body as Ingress).spec?.ingressClassName;
      const defaults = made.filter((m) => m.isDefault);
      if (defaults.length === 0) return void expect(got).toBeUndefined();
      const newest = Math.max(...defaults.map((d) => d.at));
      expect(defaults.filter((d) => d.at === newest).map((d) => d.name)).toContain(got);
    },
  );
});
