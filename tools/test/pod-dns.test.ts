/**
 * A pod's DNS settings (given code beyond the katas): the apiserver's rules for `dnsPolicy` and
 * `dnsConfig` (katas/apiserver/dns-validation.ts, upstream's validateDNSPolicy and
 * validatePodDNSConfig), what the kubelet makes of them (katas/proxy/pod-dns.ts, upstream's
 * GetPodDNS, around kata 28's podDnsConfig), and the stub resolver's search path
 * (kit/images/resolver.mjs).
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { testStore } from '../../test/support/apiserver/store.ts';
import { Registry, validateDnsOf, validatePodDns } from '@kube/apiserver';
import { FakeClock, Random, type DNSPolicy, type KubeObject, type Pod, type PodDNSConfig } from '@kube/kit';
import { parseResolvConf, podDnsConfigFor, podDnsTypeOf, type NodeDnsSettings, type PodDnsWarning } from '@kube/proxy';
import { candidates } from '../../kit/images/resolver.mjs';

const lines = (errors: { field: string; message: string }[]) => errors.map((e) => `${e.field}: ${e.message}`);

/** A pod in `shop` with this policy and config, on the host's network when `hostNetwork`. */
function pod(dnsPolicy?: DNSPolicy, dnsConfig?: PodDNSConfig, hostNetwork = false): Pod {
  return {
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-web' },
    spec: { containers: [{ name: 'web', image: 'kubekata/echo' }], ...(dnsPolicy && { dnsPolicy }), ...(dnsConfig && { dnsConfig }), ...(hostNetwork && { hostNetwork }) },
  };
}

const CLUSTER_DNS = '127.96.0.10:10053';
const HOST = parseResolvConf('nameserver 10.0.0.2\nnameserver 10.0.0.3\nsearch corp.example\noptions ndots:1 rotate\n');
const NODE: NodeDnsSettings = { clusterDns: CLUSTER_DNS, host: HOST };
const CLUSTER_SEARCH = ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

if (!onReference) it("passes on the reference (check 7 runs the tools' tests on the starters)", async () => expectPassOnReference('tools/test/pod-dns.test.ts'), 240_000);
else {
  describe("a pod's dnsPolicy and dnsConfig, as the apiserver checks them", () => {
    const cases: [string, Partial<Pod['spec']>, string[]][] = [
      ['Every policy upstream knows is valid.', { dnsPolicy: 'ClusterFirstWithHostNet' }, []],
      ['A policy upstream does not know is unsupported, and the message lists the four sorted.', { dnsPolicy: 'Cluster' as DNSPolicy }, ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"']],
      ['None without a dnsConfig is refused.', { dnsPolicy: 'None' }, ['spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']],
      ['None with a dnsConfig but no nameserver is refused at nameservers.', { dnsPolicy: 'None', dnsConfig: { searches: ['corp.example'] } }, ['spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None']],
      ['None with one nameserver is enough.', { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } }, []],
      ['A dnsConfig beside another policy needs no nameserver.', { dnsPolicy: 'ClusterFirst', dnsConfig: { options: [{ name: 'ndots', value: '2' }] } }, []],
      ['Four nameservers are one too many, the list shown as Go prints it.', { dnsConfig: { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3', '1.1.1.4'] } }, ['spec.dnsConfig.nameservers: Invalid value: []string{"1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4"}: must not have more than 3 nameservers']],
      ['A nameserver must be an IP, not a name; IPv6 is fine, and so are leading zeros, as Go reads them.', { dnsConfig: { nameservers: ['dns.local', '2001:db8::53', '010.0.0.255'] } }, ['spec.dnsConfig.nameservers[0]: Invalid value: "dns.local": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
      ['An octet above 255 is no IP, with leading zeros or without.', { dnsConfig: { nameservers: ['1.2.3.256', '01.2.3.4'] } }, ['spec.dnsConfig.nameservers[0]: Invalid value: "1.2.3.256": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
      ['A search domain with a trailing dot is fine; one in capitals is no DNS-1123 subdomain.', { dnsConfig: { searches: ['corp.example.', 'Corp'] } }, [
        "spec.dnsConfig.searches[1]: Invalid value: \"Corp\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ]],
      ['An option must have a name.', { dnsConfig: { options: [{ name: 'rotate' }, { value: '2' }] } }, ['spec.dnsConfig.options[1]: Required value: must not be empty']],
    ];
    it.each(cases)('%s', (_, spec, expected) => {
      expect(lines(validatePodDns({ containers: [], ...spec }, 'spec'))).toEqual(expected);
    });

    it('refuses 33 search domains, and 2049 characters of them counting the spaces, but takes 32 and 2048', () => {
      const many = Array.from({ length: 33 }, (_, i) => `d${i}.example`);
      expect(validatePodDns({ containers: [], dnsConfig: { searches: many.slice(0, 32) } }, 'spec')).toEqual([]);
      expect(lines(validatePodDns({ containers: [], dnsConfig: { searches: many } }, 'spec'))).toEqual([`spec.dnsConfig.searches: Invalid value: []string{${many.map((s) => `"${s}"`).join(', ')}}: must not have more than 32 search paths`]);
      // fifteen domains of 127 characters, the spaces, and a last one of 128 make 2048
      const full = `${'a'.repeat(63)}.${'b'.repeat(63)}`;
      const withLast = (last: string) => [...Array.from({ length: 15 }, () => full), last];
      const atLimit = withLast(`${'a'.repeat(63)}.${'b'.repeat(62)}.c`);
      expect(atLimit.join(' ')).toHaveLength(2048);
      expect(validatePodDns({ containers: [], dnsConfig: { searches: atLimit } }, 'spec')).toEqual([]);
      const over = withLast(`${'a'.repeat(63)}.${'b'.repeat(62)}.cd`);
      expect(lines(validatePodDns({ containers: [], dnsConfig: { searches: over } }, 'spec'))).toEqual([
        `spec.dnsConfig.searches: Invalid value: []string{${over.map((s) => `"${s}"`).join(', ')}}: must not have more than 2048 characters (including spaces) in the search list`,
      ]);
    });

    it('checks a template at its own path', () => {
      const deployment = { metadata: { name: 'web' }, spec: { template: { spec: { containers: [], dnsPolicy: 'None' } } } } as KubeObject;
      expect(lines(validateDnsOf(deployment, true))).toEqual(['spec.template.spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None']);
    });
  });

  describe('the apiserver', () => {
    it("refuses a Pod, a Deployment and a CronJob with a bad policy in upstream's words, and keeps none of them", () => {
      const { store, watchable } = testStore();
      const registry = new Registry({ store, watchable, clock: new FakeClock(Date.UTC(2026, 0, 1)), random: new Random(7) });
      registry.create('namespaces', undefined, { metadata: { name: 'shop' } });
      const spec = { containers: [{ name: 'web', image: 'kubekata/echo' }], dnsPolicy: 'None' };
      const refused = (resource: string, object: object, message: string) =>
        expect(() => registry.create(resource, 'shop', object as KubeObject)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 422, message }) }));
      refused('pods', { metadata: { name: 'web' }, spec }, 'Pod "web" is invalid: spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None');
      const template = { metadata: { labels: { app: 'web' } }, spec: { ...spec, dnsPolicy: 'Host' } };
      refused(
        'deployments',
        { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template } },
        'Deployment.apps "web" is invalid: spec.template.spec.dnsPolicy: Unsupported value: "Host": supported values: "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"',
      );
      refused(
        'cronjobs',
        { metadata: { name: 'nightly' }, spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { ...spec, restartPolicy: 'Never', dnsConfig: { nameservers: ['dns'] } } } } } } },
        'CronJob.batch "nightly" is invalid: spec.jobTemplate.spec.template.spec.dnsConfig.nameservers[0]: Invalid value: "dns": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      );
      for (const resource of ['pods', 'deployments', 'cronjobs']) expect(registry.list(resource, 'shop').items).toEqual([]);
      const made = registry.create('pods', 'shop', { metadata: { name: 'web' }, spec: { ...spec, dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] } } } as KubeObject) as Pod;
      expect(made.spec?.dnsConfig).toEqual({ nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }] });
    });
  });

  describe("the kubelet's settings for a pod (GetPodDNS)", () => {
    const config = (nameservers: string[], searches: string[], options: string[]) => ({ nameservers, searches, options });
    const cases: [string, Pod, NodeDnsSettings, ReturnType<typeof config>][] = [
      ['A pod with no policy is ClusterFirst: the cluster DNS, its search path and then the node\'s, ndots:5.', pod(), NODE, config([CLUSTER_DNS], [...CLUSTER_SEARCH, 'corp.example'], ['ndots:5'])],
      ["A ClusterFirst pod on the host's network gets the node's settings, as Default.", pod('ClusterFirst', undefined, true), NODE, config(['10.0.0.2', '10.0.0.3'], ['corp.example'], ['ndots:1', 'rotate'])],
      ["ClusterFirstWithHostNet gets the cluster's even on the host's network.", pod('ClusterFirstWithHostNet', undefined, true), NODE, config([CLUSTER_DNS], [...CLUSTER_SEARCH, 'corp.example'], ['ndots:5'])],
      ["Default gets the node's resolv.conf.", pod('Default'), NODE, config(['10.0.0.2', '10.0.0.3'], ['corp.example'], ['ndots:1', 'rotate'])],
      ["None gets the pod's dnsConfig and nothing else.", pod('None', { nameservers: ['1.1.1.1'], options: [{ name: 'edns0' }] }), NODE, config(['1.1.1.1'], [], ['edns0'])],
      [
        "A dnsConfig is appended without repeats, and its option replaces the policy's of the same name where it stood.",
        pod('ClusterFirst', { nameservers: [CLUSTER_DNS, '1.1.1.1'], searches: ['cluster.local', 'extra.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] }),
        NODE,
        config([CLUSTER_DNS, '1.1.1.1'], [...CLUSTER_SEARCH, 'corp.example', 'extra.example'], ['ndots:2', 'edns0']),
      ],
      ['With no cluster DNS known, a ClusterFirst pod falls back to the node\'s settings.', pod(), { host: HOST }, config(['10.0.0.2', '10.0.0.3'], ['corp.example'], ['ndots:1', 'rotate'])],
      ['A node with no resolv.conf gives Default pods the local resolver and the root as search path.', pod('Default'), { clusterDns: CLUSTER_DNS }, config(['127.0.0.1'], ['.'], [])],
      ['A node with no resolv.conf adds no search domain to the cluster\'s.', pod(), { clusterDns: CLUSTER_DNS }, config([CLUSTER_DNS], CLUSTER_SEARCH, ['ndots:5'])],
      [
        "Past three nameservers, the rest are cut off the end (ClusterFirstWithHostNet's one and the pod's three).",
        pod('ClusterFirstWithHostNet', { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3'] }),
        NODE,
        config([CLUSTER_DNS, '1.1.1.1', '1.1.1.2'], [...CLUSTER_SEARCH, 'corp.example'], ['ndots:5']),
      ],
    ];
    it.each(cases)('%s', (_, p, settings, expected) => expect(podDnsConfigFor(p, settings)).toEqual(expected));

    it("cuts the search path to what a resolver reads: 32 domains, none over 253 characters, 2048 characters in all", () => {
      const many = Array.from({ length: 40 }, (_, i) => `d${i}.example`);
      const cut = podDnsConfigFor(pod(), { clusterDns: CLUSTER_DNS, host: { nameservers: [], searches: many, options: [] } });
      expect(cut.searches).toEqual([...CLUSTER_SEARCH, ...many.slice(0, 29)]);
      const tooLong = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(64)}`;
      expect(podDnsConfigFor(pod('Default'), { host: { nameservers: ['10.0.0.2'], searches: ['x.example', tooLong, 'y.example'], options: [] } }).searches).toEqual(['x.example', 'y.example']);
      // sixteen of 127 characters and the spaces between make 2047; a seventeenth does not fit, and
      // what does not fit is cut off the end
      const long = Array.from({ length: 17 }, (_, i) => `${String(i).padStart(2, '0')}${'a'.repeat(61)}.${'b'.repeat(63)}`);
      const fitted = podDnsConfigFor(pod('Default'), { host: { nameservers: ['10.0.0.2'], searches: long, options: [] } }).searches;
      expect(fitted).toEqual(long.slice(0, 16));
      expect(fitted.join(' ')).toHaveLength(2047);
    });

    it('reads a resolv.conf as the kubelet does: comments skipped, the last search line, a trailing dot dropped, `.` left out, a later option replacing one of its name', () => {
      const text = '# written by DHCP\n; and this too\nnameserver 10.0.0.2\nnameserver\nsearch old.example\nsearch corp.example. . lab.example\noptions ndots:2 rotate\noptions ndots:3\ndomain ignored.example\n';
      expect(parseResolvConf(text)).toEqual({ nameservers: ['10.0.0.2'], searches: ['corp.example', 'lab.example'], options: ['ndots:3', 'rotate'] });
      expect(parseResolvConf('')).toEqual({ nameservers: [], searches: [], options: [] });
    });

    const domain = fc.constantFrom('a.example', 'b.example', 'cluster.local', 'corp.example', 'svc.cluster.local');
    const address = fc.constantFrom('1.1.1.1', '1.1.1.2', '10.0.0.2', CLUSTER_DNS);
    const option = fc.record({ name: fc.constantFrom('ndots', 'edns0', 'rotate', 'timeout'), value: fc.option(fc.constantFrom('1', '2'), { nil: undefined }) });
    const dnsConfig = fc.record({ nameservers: fc.array(address, { maxLength: 3 }), searches: fc.array(domain, { maxLength: 4 }), options: fc.array(option, { maxLength: 3 }) });
    const policy = fc.constantFrom<DNSPolicy>('ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None');

    describe('what the kubelet warns of as it forms them', () => {
      const warningsOf = (p: Pod, settings: NodeDnsSettings) => {
        const warnings: PodDnsWarning[] = [];
        podDnsConfigFor(p, settings, (warning) => warnings.push(warning));
        return warnings;
      };
      const cases: [string, Pod, NodeDnsSettings, PodDnsWarning[]][] = [
        ['Settings within the limits are warned of by nothing.', pod('ClusterFirst', { nameservers: ['1.1.1.1', '1.1.1.2'] }), NODE, []],
        [
          "A ClusterFirst pod's three nameservers after the cluster DNS: the fourth is cut, with the line applied.",
          pod('ClusterFirst', { nameservers: ['1.1.1.1', '1.1.1.2', '1.1.1.3'] }),
          NODE,
          [{ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${CLUSTER_DNS} 1.1.1.1 1.1.1.2` }],
        ],
        [
          "A node's resolv.conf with 33 search domains gives a Default pod the first 32, with the search line applied.",
          pod('Default'),
          { host: { nameservers: ['10.0.0.2'], searches: Array.from({ length: 33 }, (_, i) => `d${i}.example`), options: [] } },
          [{ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${Array.from({ length: 32 }, (_, i) => `d${i}.example`).join(' ')}` }],
        ],
        [
          'A search domain over 253 characters is dropped, and warned of.',
          pod('Default'),
          { host: { nameservers: ['10.0.0.2'], searches: ['x.example', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(64)}`], options: [] } },
          [{ reason: 'DNSConfigForming', message: 'Search Line limits were exceeded, some search paths have been omitted, the applied search line is: x.example' }],
        ],
        [
          'With no cluster DNS known, a ClusterFirst pod is warned of on the pod (named as the kubelet names it) and on the node.',
          pod(),
          { host: HOST },
          [
            {
              reason: 'MissingClusterDNS',
              message: 'pod: "web_shop(uid-web)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
              nodeMessage: 'kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.',
            },
          ],
        ],
        ['A Default pod on a node with no cluster DNS is not missing it.', pod('Default'), { host: HOST }, []],
      ];
      it.each(cases)('%s', (_, p, settings, expected) => expect(warningsOf(p, settings)).toEqual(expected));

      test.prop([policy, fc.boolean(), fc.record({ nameservers: fc.array(address, { maxLength: 3 }), searches: fc.array(domain, { maxLength: 4 }) }), fc.boolean()])(
        'a cut is warned of exactly when something was left out, and names the line that is applied',
        (dnsPolicy, hostNetwork, extra, clusterDnsKnown) => {
          const p = pod(dnsPolicy, extra, hostNetwork);
          const settings: NodeDnsSettings = { ...(clusterDnsKnown && { clusterDns: CLUSTER_DNS }), host: { ...HOST, nameservers: ['10.0.0.2', '10.0.0.3', '10.0.0.4'] } };
          const got = podDnsConfigFor(p, settings);
          const forming = warningsOf(p, settings).filter((w) => w.reason === 'DNSConfigForming');
          // the same pod with room for every nameserver: what would have been there
          const uncut = new Set([...(podDnsTypeOf(p) === 'none' ? [] : podDnsTypeOf(p) === 'cluster' && clusterDnsKnown ? [CLUSTER_DNS] : settings.host!.nameservers), ...extra.nameservers]);
          const nameserverWarning = forming.find((w) => w.message.startsWith('Nameserver limits'));
          expect(nameserverWarning !== undefined).toBe(uncut.size > got.nameservers.length);
          if (nameserverWarning) expect(nameserverWarning.message.endsWith(`line is: ${got.nameservers.join(' ')}`)).toBe(true);
          expect(forming.some((w) => w.message.startsWith('Search Line'))).toBe(false);
        },
      );
    });

    test.prop([policy, fc.boolean(), dnsConfig])("every setting of the pod's dnsConfig is there once, within the limits, whatever the policy", (dnsPolicy, hostNetwork, extra) => {
      const got = podDnsConfigFor(pod(dnsPolicy, extra, hostNetwork), NODE);
      for (const list of [got.nameservers, got.searches, got.options.map((o) => o.split(':')[0])]) expect(new Set(list).size).toBe(list.length);
      expect(got.nameservers.length).toBeLessThanOrEqual(3);
      if (got.nameservers.length < 3) for (const nameserver of extra.nameservers) expect(got.nameservers).toContain(nameserver);
      for (const search of extra.searches) expect(got.searches).toContain(search);
      // the pod's last option of a name wins
      for (const { name, value } of extra.options.slice().reverse().filter((o, i, all) => all.findIndex((p) => p.name === o.name) === i)) expect(got.options).toContain(value ? `${name}:${value}` : name);
    });

    test.prop([dnsConfig, fc.boolean()])(
      "ClusterFirstWithHostNet is ClusterFirst off the host's network, and ClusterFirst on it is Default (metamorphic)",
      (extra, hostNetwork) => {
        expect(podDnsConfigFor(pod('ClusterFirstWithHostNet', extra, hostNetwork), NODE)).toEqual(podDnsConfigFor(pod('ClusterFirst', extra, false), NODE));
        expect(podDnsConfigFor(pod('ClusterFirst', extra, true), NODE)).toEqual(podDnsConfigFor(pod('Default', extra, hostNetwork), NODE));
      },
    );
  });
}

describe("the stub resolver's search path", () => {
  it.each<[string, string, string[], number, string[]]>([
    ['A short name is tried in each domain, then as it is.', 'web', ['shop.svc.cluster.local', 'cluster.local'], 5, ['web.shop.svc.cluster.local', 'web.cluster.local', 'web']],
    ['The root `.` as a domain is the name as it is, tried once.', 'example.com', ['.'], 1, ['example.com']],
    ['The root among other domains is tried where it stands, and not again at the end.', 'web', ['.', 'corp.example'], 5, ['web', 'web.corp.example']],
  ])('%s', (_, name, search, ndots, expected) => expect(candidates(name, search, ndots)).toEqual(expected));
});
