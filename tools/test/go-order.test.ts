/**
 * Answers in the order kube-apiserver writes them (given code: apiserver/go-order.ts): a built-in
 * kind as its Go struct declares its fields, maps sorted, a custom resource sorted at every level,
 * managedFields' fieldsV1 as structured-merge-diff writes it; YAML as sigs.k8s.io/yaml writes it.
 * The stored objects are not changed, only what goes over the wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { ApiServer, asGoYaml, customResourceType, decodeProtobuf, encodeProtobuf, HttpClient, inGoOrder, Registry, serveResourceType, stopServingResourceType } from '@kube/apiserver';
import { FakeClock, Random, type ConfigMap, type CustomResourceDefinition } from '@kube/kit';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The keys of `value` and of every object in it, depth first, as JSON.stringify writes them. */
function keyOrder(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : v));
}

/** `value` with the keys of every object it holds in reverse order (lists keep theirs). */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reversed(item)]));
}

const crontabs: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/go-order.test.ts'), 240_000);
else {
  describe('JSON in the order Go writes it', () => {
    it.each([
      [
        'a ConfigMap written in any order comes back kind, apiVersion, metadata in ObjectMeta\'s order, then its data with the keys sorted',
        { data: { b: '2', a: '1' }, metadata: { labels: { z: '1', a: '2' }, creationTimestamp: 't', resourceVersion: '7', uid: 'u', namespace: 'default', name: 'c1' }, apiVersion: 'v1', kind: 'ConfigMap' },
        '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c1","namespace":"default","uid":"u","resourceVersion":"7","creationTimestamp":"t","labels":{"a":"2","z":"1"}},"data":{"a":"1","b":"2"}}',
      ],
      [
        'a Pod\'s spec follows PodSpec\'s declaration, and a probe\'s handler (inline in Go) stands before its timings',
        { apiVersion: 'v1', kind: 'Pod', status: { phase: 'Running' }, spec: { nodeName: 'node-1', dnsPolicy: 'ClusterFirst', containers: [{ livenessProbe: { periodSeconds: 5, httpGet: { port: 8080, path: '/' } }, image: 'nginx', name: 'web' }], volumes: [] }, metadata: { name: 'web' } },
        '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web"},"spec":{"volumes":[],"containers":[{"name":"web","image":"nginx","livenessProbe":{"httpGet":{"path":"/","port":8080},"periodSeconds":5}}],"dnsPolicy":"ClusterFirst","nodeName":"node-1"},"status":{"phase":"Running"}}',
      ],
      [
        'an owner reference is apiVersion, kind, name, uid, controller, blockOwnerDeletion, as OwnerReference declares them',
        { kind: 'Pod', apiVersion: 'v1', metadata: { ownerReferences: [{ blockOwnerDeletion: true, controller: true, uid: 'u', name: 'rs', kind: 'ReplicaSet', apiVersion: 'apps/v1' }], name: 'p' } },
        '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u","controller":true,"blockOwnerDeletion":true}]}}',
      ],
      [
        'a list of a built-in kind: its items, which carry no kind, each in the kind\'s order',
        { items: [{ spec: { ports: [{ port: 80, name: 'http' }], selector: { b: '1', a: '1' } }, metadata: { uid: 'u', name: 's' } }], metadata: { resourceVersion: '9' }, apiVersion: 'v1', kind: 'ServiceList' },
        '{"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[{"metadata":{"name":"s","uid":"u"},"spec":{"ports":[{"name":"http","port":80}],"selector":{"a":"1","b":"1"}}}]}',
      ],
      [
        'a watch event is its type, then its object',
        { object: { metadata: { uid: 'u', name: 'c' }, apiVersion: 'v1', kind: 'ConfigMap' }, type: 'ADDED' },
        '{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c","uid":"u"}}}',
      ],
      [
        'an EndpointSlice\'s endpoint names its pod (targetRef) before its node, as discovery/v1\'s Endpoint declares them',
        { ports: [{ port: 8080, protocol: 'TCP', name: '' }], endpoints: [{ nodeName: 'node-1', targetRef: { uid: 'u', name: 'p', namespace: 'default', kind: 'Pod' }, conditions: { terminating: false, ready: true }, addresses: ['127.0.10.2'] }], addressType: 'IPv4', metadata: { name: 's' }, apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
        '{"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1","metadata":{"name":"s"},"addressType":"IPv4","endpoints":[{"addresses":["127.0.10.2"],"conditions":{"ready":true,"terminating":false},"targetRef":{"kind":"Pod","namespace":"default","name":"p","uid":"u"},"nodeName":"node-1"}],"ports":[{"name":"","protocol":"TCP","port":8080}]}',
      ],
      [
        'a kind the schema has no message for (a RuntimeClass) gets kind, apiVersion and ObjectMeta\'s order, and keeps the rest as it was',
        { scheduling: {}, handler: 'runsc', metadata: { uid: 'u', name: 'gvisor' }, apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass' },
        '{"kind":"RuntimeClass","apiVersion":"node.k8s.io/v1","metadata":{"name":"gvisor","uid":"u"},"scheduling":{},"handler":"runsc"}',
      ],
      [
        'a field the schema does not have keeps its place after those it has',
        { kind: 'ConfigMap', apiVersion: 'v1', later: 1, data: { a: '1' }, metadata: { name: 'c' } },
        '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"c"},"data":{"a":"1"},"later":1}',
      ],
      [
        'a Status is kind, apiVersion, metadata, status, message, reason, details, code',
        { code: 404, details: { kind: 'pods', name: 'x' }, reason: 'NotFound', message: 'pods "x" not found', status: 'Failure', metadata: {}, apiVersion: 'v1', kind: 'Status' },
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}',
      ],
      ['what has no kind (/version, a discovery document) is answered as it is', { minor: '32', major: '1' }, '{"minor":"32","major":"1"}'],
    ])('%s', (_name, body, json) => {
      expect(JSON.stringify(inGoOrder(body))).toBe(json);
    });

    it('writes fieldsV1 as structured-merge-diff does: "." first, then fields by name, list items by key (a port by its number), by value, by index', () => {
      const fieldsV1 = { 'i:10': {}, 'i:9': {}, 'v:"b"': {}, 'v:"a"': {}, 'k:{"port":8080}': {}, 'k:{"port":80}': {}, 'f:b': {}, 'f:a': { 'f:y': {}, '.': {}, 'f:x': {} }, '.': {} };
      const pod = inGoOrder({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', managedFields: [{ fieldsV1, fieldsType: 'FieldsV1', time: 't', apiVersion: 'v1', operation: 'Update', manager: 'kubectl' }] } });
      expect(JSON.stringify(pod)).toBe(
        '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"t","fieldsType":"FieldsV1","fieldsV1":' +
          '{".":{},"f:a":{".":{},"f:x":{},"f:y":{}},"f:b":{},"k:{\\"port\\":80}":{},"k:{\\"port\\":8080}":{},"v:\\"a\\"":{},"v:\\"b\\"":{},"i:9":{},"i:10":{}}}]}}',
      );
    });

    it('writes a custom resource as the map it is to the apiserver: every level sorted, apiVersion before kind', () => {
      expect(serveResourceType(customResourceType(crontabs))).toBe(true);
      cleanups.push(() => stopServingResourceType('crontabs'));
      const crontab = { kind: 'CronTab', apiVersion: 'stable.example.com/v1', metadata: { uid: 'u', name: 'c' }, spec: { image: 'x', cronSpec: '* * * * */5' } };
      expect(JSON.stringify(inGoOrder(crontab))).toBe('{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"c","uid":"u"},"spec":{"cronSpec":"* * * * */5","image":"x"}}');
      const list = { kind: 'CronTabList', apiVersion: 'stable.example.com/v1', metadata: { resourceVersion: '3' }, items: [crontab] };
      expect(Object.keys(inGoOrder(list) as object)).toEqual(['apiVersion', 'items', 'kind', 'metadata']);
    });

    it('puts each Table row\'s object in its kind\'s order, and leaves the rows\' cells alone', () => {
      const table = { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '1' }, columnDefinitions: [], rows: [{ cells: ['b', 'a'], object: { metadata: { uid: 'u', name: 'p' }, apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata' } }] };
      expect(JSON.stringify(inGoOrder(table))).toBe('{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"1"},"columnDefinitions":[],"rows":[{"cells":["b","a"],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"p","uid":"u"}}}]}');
    });

    const labels = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/), fc.string({ maxLength: 4 }), { maxKeys: 4 });
    /** Pods of the fields the schema knows, and with `unknown`, one it does not (kept where it was). */
    const podsOf = (unknown: boolean) => fc.record(
      {
        apiVersion: fc.constant('v1'),
        kind: fc.constant('Pod'),
        metadata: fc.record({ name: fc.constant('p'), namespace: fc.constant('default'), uid: fc.uuid(), labels, annotations: labels, finalizers: fc.array(fc.constantFrom('a/b', 'c/d'), { maxLength: 2 }) }, { requiredKeys: ['name'] }),
        spec: fc.record(
          {
            containers: fc.array(fc.record({ name: fc.constantFrom('a', 'b'), image: fc.constant('nginx'), args: fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }), env: fc.array(fc.record({ name: fc.constant('X'), value: fc.string({ maxLength: 3 }) }), { maxLength: 2 }) }, { requiredKeys: ['name'] }), { maxLength: 2 }),
            nodeSelector: labels,
            nodeName: fc.constantFrom('node-1', 'node-2'),
            hostNetwork: fc.boolean(),
            ...(unknown ? { unknownToTheSchema: fc.jsonValue({ maxDepth: 2 }) } : {}),
          },
          { requiredKeys: ['containers'] },
        ),
        status: fc.record({ phase: fc.constantFrom('Pending', 'Running'), podIP: fc.ipV4(), conditions: fc.array(fc.record({ type: fc.constant('Ready'), status: fc.constant('True'), lastProbeTime: fc.constant(null) }), { maxLength: 1 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] },
    );

    test.prop([fc.oneof(podsOf(true), fc.record({ type: fc.constantFrom('ADDED', 'MODIFIED'), object: podsOf(true) }))])('changes no value, only the order of keys: what a client reads is what was stored', (body) => {
      const before = structuredClone(body);
      expect(inGoOrder(body)).toEqual(body);
      expect(body).toEqual(before);
    });

    test.prop([podsOf(false)])('answers the same bytes however the object was written: the keys\' order in the store does not show', (pod) => {
      expect(keyOrder(inGoOrder(reversed(pod)))).toBe(keyOrder(inGoOrder(pod)));
    });
  });

  describe('YAML as sigs.k8s.io/yaml writes it', () => {
    it('sorts every level, puts list items at their key\'s indentation, quotes what YAML 1.1 would read as something else, writes "." plain', () => {
      const body = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c1', creationTimestamp: '2026-12-08T01:17:55Z', managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } }] }, data: { a: '1', b: 'yes', c: 'on', d: 'plain' } };
      expect(asGoYaml(body)).toBe(
        [
          'apiVersion: v1',
          'data:',
          '  a: "1"',
          '  b: "yes"',
          '  c: "on"',
          '  d: plain',
          'kind: ConfigMap',
          'metadata:',
          '  creationTimestamp: "2026-12-08T01:17:55Z"',
          '  managedFields:',
          '  - fieldsV1:',
          '      f:data:',
          '        .: {}',
          '        f:a: {}',
          '    manager: kubectl',
          '  name: c1',
          '',
        ].join('\n'),
      );
    });

    it('folds a long plain value as go-yaml does: at the first space past column 80, the rest two columns in from the key', () => {
      const description = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';
      expect(asGoYaml({ metadata: { annotations: { 'kubernetes.io/description': description } } })).toBe(
        [
          'metadata:',
          '  annotations:',
          '    kubernetes.io/description: Contains a CA bundle that can be used to verify the',
          '      kube-apiserver when using internal endpoints such as the internal service IP',
          '      or kubernetes.default.svc. No other usage is guaranteed across distributions',
          '      of Kubernetes clusters.',
          '',
        ].join('\n'),
      );
      // A word that ends at column 80 exactly is not past it: the break comes at the next space.
      expect(asGoYaml({ a: `${'x'.repeat(77)} y z` })).toBe(`a: ${'x'.repeat(77)} y\n  z\n`);
    });

    const values = fc.dictionary(
      // A key of "." alone is written plain as go-yaml writes it, which the yaml package's YAML 1.1 reads as a float (Go's, as a string).
      fc.stringMatching(/^[a-zA-Z.][a-zA-Z0-9._/:-]{0,12}$/).filter((key) => key !== '.'),
      fc.oneof(fc.string({ maxLength: 120 }), fc.stringMatching(/^([a-z]{1,9} ){5,30}[a-z]{1,9}$/), fc.constantFrom('1', 'yes', 'on', '2026-12-08T01:17:55Z', '.', '0x1F', 'null', '~', ''), fc.integer(), fc.boolean(), fc.constant(null)),
      { maxKeys: 6 },
    );

    test.prop([fc.record({ metadata: fc.record({ name: fc.constant('x'), annotations: values, finalizers: fc.array(fc.string({ maxLength: 90 }), { maxLength: 2 }) }), data: values })])('reads back as the object it was written from, whatever the strings and however long', (body) => {
      expect(parse(asGoYaml(body), { version: '1.1' })).toEqual(body);
    });
  });

  describe('over HTTP and protobuf', () => {
    /** A server on `host` with the default namespace, stopped after the test; its clock at 2026-12-08. */
    const serverOn = async (host: string) => {
      const { store, watchable } = testStore();
      const clock = new FakeClock(Date.UTC(2026, 11, 8));
      const registry = new Registry({ store, watchable, clock, random: new Random(3) });
      registry.create('namespaces', undefined, { metadata: { name: 'default' } });
      const server = new ApiServer({ registry, clock, host });
      await server.start();
      cleanups.push(() => server.stop());
      return server;
    };

    it('answers a GET, a list and a watch in Go\'s order, and YAML sorted, whatever order the object was created in', async () => {
      const server = await serverOn('127.0.62.1');
      const watch = await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=1`);
      const body = JSON.stringify({ data: { b: '2', a: '1' }, metadata: { labels: { z: '1', a: '2' }, name: 'c1' }, kind: 'ConfigMap', apiVersion: 'v1' });
      const created = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(created.status).toBe(201);
      const expected = /^\{"kind":"ConfigMap","apiVersion":"v1","metadata":\{"name":"c1","namespace":"default","uid":"[^"]+","resourceVersion":"\d+","creationTimestamp":"2026-12-08T00:00:00Z","labels":\{"a":"2","z":"1"\},"managedFields":\[\{"manager":"[^"]*","operation":"Update","apiVersion":"v1","time":"2026-12-08T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":\{"f:data":\{".":\{\},"f:a":\{\},"f:b":\{\}\},"f:metadata":\{"f:labels":\{".":\{\},"f:a":\{\},"f:z":\{\}\}\}\}\}\]\},"data":\{"a":"1","b":"2"\}\}\n$/;
      expect(await created.text()).toMatch(expected);
      expect(await (await fetch(`${server.url}/api/v1/namespaces/default/configmaps/c1`)).text()).toMatch(expected);
      const list = await (await fetch(`${server.url}/api/v1/namespaces/default/configmaps`)).text();
      expect(list).toMatch(/^\{"kind":"ConfigMapList","apiVersion":"v1","metadata":\{"resourceVersion":"\d+"\},"items":\[\{"metadata":\{"name":"c1","namespace":"default","uid":/);
      const reader = watch.body!.getReader();
      let line = '';
      while (!line.includes('\n')) line += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      expect(line.split('\n')[0]).toMatch(/^\{"type":"ADDED","object":\{"kind":"ConfigMap","apiVersion":"v1","metadata":\{"name":"c1","namespace":"default","uid":/);
      const yaml = await (await fetch(`${server.url}/api/v1/namespaces/default/configmaps/c1`, { headers: { accept: 'application/yaml' } })).text();
      expect(yaml).toMatch(/^apiVersion: v1\ndata:\n {2}a: "1"\n {2}b: "2"\nkind: ConfigMap\nmetadata:\n {2}creationTimestamp: "2026-12-08T00:00:00Z"\n {2}labels:\n/);
    });

    it('indents for ?pretty=true and for curl, wget and browsers, as upstream does, and ends a compact answer with a newline as json.Encoder does', async () => {
      const server = await serverOn('127.0.62.2');
      const get = async (query: string, agent: string) => (await fetch(`${server.url}/api/v1/namespaces/default${query}`, { headers: { 'user-agent': agent } })).text();
      const indented = '{\n  "kind": "Namespace",\n  "apiVersion": "v1",\n  "metadata": {\n    "name": "default",';
      expect(await get('', 'curl/8.5.0')).toMatch(new RegExp(`^${indented.replace(/[{}]/g, '\\$&')}[^]*\\}$`));
      expect(await get('', 'Wget/1.21')).toMatch(/^\{\n {2}"kind"/);
      expect(await get('', 'Mozilla/5.0 (X11; Linux x86_64)')).toMatch(/^\{\n {2}"kind"/);
      expect(await get('?pretty=true', 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9')).toMatch(/^\{\n {2}"kind"/);
      expect(await get('?pretty=1', 'node')).toMatch(/^\{\n {2}"kind"/);
      for (const [query, agent] of [['?pretty=false', 'curl/8.5.0'], ['?pretty=yes', 'curl/8.5.0'], ['', 'kubectl/v1.32.0 (linux/amd64) kubernetes/70d3cc9'], ['', 'node']]) {
        expect(await get(query!, agent!)).toMatch(/^\{"kind":"Namespace","apiVersion":"v1","metadata":\{"name":"default",[^\n]*\}\n$/);
      }
    });

    it("gives the workbook's own HttpClient the stored order, which its components may compare as JSON, and a GET or a watch of anyone else Go's", async () => {
      const server = await serverOn('127.0.62.3');
      const body = JSON.stringify({ data: { b: '2', a: '1' }, metadata: { name: 'c1' }, kind: 'ConfigMap', apiVersion: 'v1' });
      await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const stored = { 'kubekata-key-order': 'stored' };
      const keysOf = async (headers: Record<string, string>) => Object.keys(((await (await fetch(`${server.url}/api/v1/namespaces/default/configmaps/c1`, { headers })).json()) as { data: object }).data);
      expect(await keysOf(stored)).toEqual(['b', 'a']);
      expect(await keysOf({})).toEqual(['a', 'b']);
      const firstLine = async (headers: Record<string, string>) => {
        const reader = (await fetch(`${server.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0`, { headers })).body!.getReader();
        let text = '';
        while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
        await reader.cancel();
        return Object.keys((JSON.parse(text.split('\n')[0]!) as { object: { data: object } }).object.data);
      };
      // the same event, its line made once per order
      expect(await firstLine(stored)).toEqual(['b', 'a']);
      expect(await firstLine({})).toEqual(['a', 'b']);
      expect(await firstLine(stored)).toEqual(['b', 'a']);
      // and the workbook's client asks for it
      const read = await new HttpClient(server.url).resource<ConfigMap>('configmaps', 'default').get('c1');
      expect(Object.keys(read.data!)).toEqual(['b', 'a']);
    });

    it('carries managedFields through protobuf, as Go does (fieldsV1 as its JSON bytes)', () => {
      const configMap = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c1', managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: '2026-12-08T01:17:55Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } }] }, data: { a: '1' } };
      expect(decodeProtobuf(encodeProtobuf(configMap)!)).toEqual(configMap);
    });
  });
}
