/**
 * The real kubectl (v1.32) against `npm run apiserver` as a user runs it: HTTPS with the CA it
 * made, bearer tokens and RBAC on, and the kubeconfig it wrote, unchanged. The commands users
 * reach for first: create (namespace, deployment, configmap from literals), diff, server-side apply and dry
 * runs, get all, auth can-i and whoami, describe pod with its events, explain.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@kube/kit';

const tsx = resolve('node_modules/.bin/tsx');
const dir = mkdtempSync(join(tmpdir(), 'kubekata-kubectl-'));
const config = join(dir, 'kubeconfig');
let server: ChildProcess | undefined;
let url = '';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl && process.env.CI === 'true') throw new Error('kubectl is not installed, and CI requires it (v1.32).');

/** kubectl with the written kubeconfig; `as` impersonates nobody: it picks the kubeconfig's user. */
function kubectl(args: string[], input?: string): { code: number; out: string; err: string } {
  const r = spawnSync('kubectl', ['--kubeconfig', config, ...args], { encoding: 'utf8', timeout: 60_000, input: input ?? '' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  if (!hasKubectl) return;
  writeFileSync(join(dir, 'tokens.csv'), 'admin-token,alice,1001,"devs"\nviewer-token,victor,1002,"viewers"\nroot-token,root,1003,"system:masters"\n');
  writeFileSync(
    join(dir, 'rbac.yaml'),
    [
      'kind: ClusterRole',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'metadata: {name: everything}',
      'rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}, {nonResourceURLs: ["*"], verbs: ["*"]}]',
      '---',
      'kind: ClusterRoleBinding',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'metadata: {name: devs-everything}',
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: everything}',
      'subjects: [{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}]',
      '',
    ].join('\n'),
  );
  server = spawn(tsx, ['--import', './tools/register.ts', 'tools/apiserver.ts', '--port', '0', '--data-dir', join(dir, 'data'), '--kubeconfig', config, '--token-file', join(dir, 'tokens.csv'), '--rbac', join(dir, 'rbac.yaml')], {
    env: { ...process.env, KATA_TARGET: 'solutions', FORCE_COLOR: '0' },
  });
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const seen = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const found = /on (https:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (found && output.includes('Ctrl-C')) resolve(found);
    };
    server!.stdout!.on('data', seen);
    server!.stderr!.on('data', seen);
    server!.on('exit', (code) => reject(new Error(`npm run apiserver exited with ${code}:\n${output}`)));
  });
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGINT');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('kubectl v1.32 against npm run apiserver (HTTPS, tokens, RBAC)', () => {
  it.runIf(hasKubectl)('creates a namespace, a deployment and a configmap from literals (kubectl sends protobuf for these)', () => {
    expect(url).toMatch(/^https:/);
    expect(kubectl(['create', 'namespace', 'shop']).out).toContain('namespace/shop created');
    expect(kubectl(['create', 'deployment', 'web', '--image=echo', '--replicas=2', '-n', 'shop']).out).toContain('deployment.apps/web created');
    expect(kubectl(['create', 'configmap', 'settings', '--from-literal=color=blue', '--from-literal=size=9', '-n', 'shop']).out).toContain('configmap/settings created');
    const cm = JSON.parse(kubectl(['get', 'configmap', 'settings', '-n', 'shop', '-o', 'json']).out) as { data: Record<string, string> };
    expect(cm.data).toEqual({ color: 'blue', size: '9' });
  });

  it.runIf(hasKubectl)("stores the pod kubectl run sends in protobuf as the same pod sent in JSON: volumes of each source, mounts, security contexts, host namespaces (kubectl's own encoder checks the field numbers)", () => {
    const spec = {
      shareProcessNamespace: true,
      automountServiceAccountToken: false,
      hostNetwork: true,
      hostPID: true,
      imagePullSecrets: [{ name: 'regcred' }],
      volumes: [
        { name: 'h', hostPath: { path: '/tmp', type: 'Directory' } },
        { name: 'e', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 's', secret: { secretName: 'tokens', items: [{ key: 't', path: 't.txt', mode: 256 }], defaultMode: 420, optional: true } },
        { name: 'c', configMap: { name: 'settings', optional: false, defaultMode: 292 } },
        { name: 'd', downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }], defaultMode: 420 } },
        { name: 'p', projected: { defaultMode: 420, sources: [{ secret: { name: 'tokens' } }, { configMap: { name: 'settings', items: [{ key: 'a', path: 'a' }] } }, { serviceAccountToken: { audience: 'vault', expirationSeconds: 3600, path: 'tok' } }] } },
        { name: 'claim', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
      ],
      containers: [
        {
          name: 'app',
          image: 'kubekata/sleeper',
          volumeMounts: [{ name: 'h', mountPath: '/h', readOnly: true, subPath: 'x', mountPropagation: 'HostToContainer' }, { name: 'e', mountPath: '/e' }],
          securityContext: { runAsUser: 1000, runAsNonRoot: true, privileged: false, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
        },
      ],
      restartPolicy: 'Never',
    };
    expect(kubectl(['run', 'viaproto', '-n', 'shop', '--image=kubekata/sleeper', '--restart=Never', `--overrides=${JSON.stringify({ spec })}`]).out).toContain('pod/viaproto created');
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'viajson', namespace: 'shop', labels: { run: 'viaproto' } }, spec };
    expect(kubectl(['create', '-f', '-'], JSON.stringify(pod)).out).toContain('pod/viajson created');
    const stored = (name: string) => (JSON.parse(kubectl(['get', 'pod', name, '-n', 'shop', '-o', 'json']).out) as Pod).spec;
    const viaProtobuf = stored('viaproto');
    expect(viaProtobuf).toEqual(stored('viajson'));
    expect(viaProtobuf).toMatchObject({ hostNetwork: true, volumes: expect.arrayContaining(spec.volumes), containers: [expect.objectContaining(spec.containers[0])] });
  });

  it.runIf(hasKubectl)('get cs answers as v1.32 does, under its deprecation warning: etcd-0 healthy, a component unhealthy while no one holds its Lease, healthy once someone does', () => {
    const before = kubectl(['get', 'componentstatuses']);
    expect(before.err).toContain('Warning: v1 ComponentStatus is deprecated in v1.19+');
    const rows = (out: string) => out.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));
    expect(rows(before.out)).toEqual([
      ['NAME', 'STATUS', 'MESSAGE', 'ERROR'],
      ['scheduler', 'Unhealthy', 'no Lease kube-system/kube-scheduler: kube-scheduler has never led'],
      ['controller-manager', 'Unhealthy', 'no Lease kube-system/kube-controller-manager: kube-controller-manager has never led'],
      ['etcd-0', 'Healthy', 'ok'],
    ]);
    kubectl(['create', 'namespace', 'kube-system']); // there already, or made here: the Lease goes in it
    // renewed, as far as the server can tell, within its 15 s (a renewal far ahead: no race with the clock)
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'kube-scheduler', namespace: 'kube-system' }, spec: { holderIdentity: 'cp_1', leaseDurationSeconds: 15, renewTime: '2999-01-01T00:00:00.000000Z' } };
    expect(kubectl(['create', '-f', '-'], JSON.stringify(lease)).code).toBe(0);
    expect(rows(kubectl(['get', 'cs', 'scheduler']).out)[1]).toEqual(['scheduler', 'Healthy', 'ok']);
    expect(JSON.parse(kubectl(['get', 'cs', 'etcd-0', '-o', 'json']).out)).toEqual({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    expect(kubectl(['get', 'cs', 'kubelet']).err).toContain('Error from server (InternalError): Internal error occurred: Component not found: kubelet');
    expect(kubectl(['delete', 'cs', 'etcd-0']).err).toContain('Error from server (MethodNotAllowed): the server does not allow this method on the requested resource');
    expect(kubectl(['api-resources', '--api-group=']).out).toMatch(/^componentstatuses\s+cs\s+v1\s+false\s+ComponentStatus$/m);
  });

  it.runIf(hasKubectl)('refuses a pod whose ServiceAccount does not exist, in upstream\'s words, and takes it once the account is made; default is taken on trust', () => {
    const run = (name: string, account?: string) =>
      kubectl(['run', name, '--image=echo', '-n', 'shop', ...(account ? [`--overrides={"spec":{"serviceAccountName":"${account}"}}`] : [])]);
    expect(run('bot', 'build-bot').err.trim()).toBe('Error from server (Forbidden): pods "bot" is forbidden: error looking up service account shop/build-bot: serviceaccount "build-bot" not found');
    const generated = kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'bot-', namespace: 'shop' }, spec: { serviceAccountName: 'build-bot', containers: [{ name: 'app', image: 'echo' }] } }));
    expect(generated.err, 'a generated name is not made yet when admission refuses: the error names the prefix').toContain('pods "bot-" is forbidden: error looking up service account shop/build-bot');
    expect(kubectl(['create', 'serviceaccount', 'build-bot', '-n', 'shop']).code).toBe(0);
    expect(run('bot', 'build-bot').out).toContain('pod/bot created');
    expect(run('plain').out, 'no controller manager made shop/default here: default is taken on trust').toContain('pod/plain created');
    expect(kubectl(['get', 'pod', 'plain', '-n', 'shop', '-o', 'jsonpath={.spec.serviceAccountName}']).out).toBe('default');
    expect(kubectl(['delete', 'pod', 'bot', 'plain', '-n', 'shop', '--wait=false']).code).toBe(0);
  });

  it.runIf(hasKubectl)('holds a pod with scheduling gates as v1.32 does: STATUS SchedulingGated, gates that may only be taken off, and a binding refused until they are', () => {
    const gated = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'batch', namespace: 'shop' }, spec: { schedulingGates: [{ name: 'example.com/quota' }, { name: 'example.com/review' }], containers: [{ name: 'app', image: 'echo' }] } };
    expect(kubectl(['create', '-f', '-'], JSON.stringify(gated)).out).toContain('pod/batch created');
    expect(kubectl(['get', 'pod', 'batch', '-n', 'shop', '--no-headers']).out).toMatch(/^batch\s+0\/1\s+SchedulingGated\s+0\s/);
    const condition = JSON.parse(kubectl(['get', 'pod', 'batch', '-n', 'shop', '-o', 'jsonpath={.status.conditions[0]}']).out) as object;
    // No time of its own, as upstream's strategy makes it: Go writes both times as null.
    expect(condition).toEqual({ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates', lastProbeTime: null, lastTransitionTime: null });
    const added = kubectl(['patch', 'pod', 'batch', '-n', 'shop', '--type=json', '-p', '[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"late"}}]']);
    expect(added.err).toContain(`The Pod "batch" is invalid: spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate 'late'`);
    const bind = () => kubectl(['create', '--raw', '/api/v1/namespaces/shop/pods/batch/binding', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'batch' }, target: { kind: 'Node', name: 'node-1' } }));
    expect(bind().err).toContain('Operation cannot be fulfilled on pods/binding "batch": pod batch has non-empty .spec.schedulingGates');
    const removeFirst = ['patch', 'pod', 'batch', '-n', 'shop', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates/0"}]'];
    expect(kubectl(removeFirst).out).toContain('pod/batch patched');
    expect(kubectl(removeFirst).out, 'then the last').toContain('pod/batch patched');
    expect(bind().code).toBe(0);
    const bound = JSON.parse(kubectl(['get', 'pod', 'batch', '-n', 'shop', '-o', 'json']).out) as { spec: { nodeName: string }; status: { conditions: { type: string; status: string }[] } };
    expect(bound.spec.nodeName).toBe('node-1');
    expect(bound.status.conditions.map((c) => [c.type, c.status])).toEqual([['PodScheduled', 'True']]);
    const pinned = { ...gated, metadata: { name: 'pinned', namespace: 'shop' }, spec: { ...gated.spec, nodeName: 'node-1' } };
    expect(kubectl(['create', '-f', '-'], JSON.stringify(pinned)).err).toContain('spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared');
    expect(kubectl(['delete', 'pod', 'batch', '-n', 'shop', '--wait=false']).code).toBe(0);
  });

  it.runIf(hasKubectl)('a server-side dry run answers as a create would and writes nothing; kubectl diff shows a change and makes none', () => {
    const dry = kubectl(['run', 'trial', '--image=echo', '-n', 'shop', '--dry-run=server']);
    expect(dry.out).toContain('pod/trial created (server dry run)');
    expect(kubectl(['get', 'pod', 'trial', '-n', 'shop']).err).toContain('NotFound');
    const before = JSON.parse(kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'json']).out) as { metadata: { resourceVersion: string }; spec: { replicas: number } };
    const changed = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 6, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'echo', image: 'echo' }] } } } };
    const diff = kubectl(['diff', '-f', '-'], JSON.stringify(changed));
    expect(diff.code).toBe(1); // 1: there are differences
    expect(diff.out).toMatch(/-\s+replicas: 2[\s\S]*\+\s+replicas: 6/);
    const after = JSON.parse(kubectl(['get', 'deployment', 'web', '-n', 'shop', '-o', 'json']).out) as typeof before;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.replicas).toBe(2);
  });

  it.runIf(hasKubectl)('kubectl apply --server-side creates and updates, is refused with the field another manager set and takes it with --force-conflicts; --show-managed-fields names who set what', () => {
    const manifest = (replicas: number, image: string) => JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa', namespace: 'shop' }, spec: { replicas, selector: { matchLabels: { app: 'ssa' } }, template: { metadata: { labels: { app: 'ssa' } }, spec: { containers: [{ name: 'echo', image }] } } } });
    expect(kubectl(['apply', '--server-side', '-f', '-'], manifest(2, 'echo')).out.trim()).toBe('deployment.apps/ssa serverside-applied');
    expect(kubectl(['scale', 'deployment', 'ssa', '-n', 'shop', '--replicas=4']).code).toBe(0);
    const refused = kubectl(['apply', '--server-side', '-f', '-'], manifest(2, 'echo:2'));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas\nPlease review the fields above--they currently have other managers.');
    expect(kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifest(2, 'echo:2')).code).toBe(0);
    const applied = JSON.parse(kubectl(['get', 'deployment', 'ssa', '-n', 'shop', '-o', 'json', '--show-managed-fields']).out) as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } }; metadata: { managedFields: { manager: string; operation: string }[] } };
    expect([applied.spec.replicas, applied.spec.template.spec.containers[0]!.image]).toEqual([2, 'echo:2']);
    expect(applied.metadata.managedFields.map((entry) => `${entry.manager} ${entry.operation}`)).toEqual(['kubectl Apply']);
    // Without the flag, kubectl hides them, as it does from a real cluster.
    expect(JSON.parse(kubectl(['get', 'deployment', 'ssa', '-n', 'shop', '-o', 'json']).out).metadata.managedFields).toBeUndefined();
    expect(kubectl(['delete', 'deployment', 'ssa', '-n', 'shop']).code).toBe(0);
  });

  it.runIf(hasKubectl)('answers as Go writes: a template\'s creationTimestamp: null and resources: {}, so a manifest from create --dry-run=client -o yaml, once applied, diffs clean', () => {
    const manifest = kubectl(['create', 'deployment', 'plain', '--image=echo', '-n', 'shop', '--dry-run=client', '-o', 'yaml']).out;
    expect(manifest).toContain('creationTimestamp: null');
    expect(kubectl(['apply', '-f', '-'], manifest).code).toBe(0);
    const yaml = kubectl(['get', 'deployment', 'plain', '-n', 'shop', '-o', 'yaml']).out;
    expect(yaml).toMatch(/template:\n\s+metadata:\n\s+creationTimestamp: null\n/);
    expect(yaml).toContain('resources: {}');
    const diff = kubectl(['diff', '-f', '-'], manifest);
    expect([diff.code, diff.out]).toEqual([0, '']);
    expect(kubectl(['create', 'service', 'clusterip', 'plain', '--tcp=80:8080', '-n', 'shop']).code).toBe(0);
    expect(JSON.parse(kubectl(['get', 'service', 'plain', '-n', 'shop', '-o', 'json']).out).status).toEqual({ loadBalancer: {} });
    expect(kubectl(['delete', 'deployment/plain', 'service/plain', '-n', 'shop']).code).toBe(0);
  });

  it.runIf(hasKubectl)('get all lists the namespace\'s workloads; auth can-i and whoami answer from the token and RBAC', () => {
    const all = kubectl(['get', 'all', '-n', 'shop']);
    expect(all.code).toBe(0);
    expect(all.out).toContain('deployment.apps/web');
    expect(kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'shop']).out.trim()).toBe('yes');
    const whoami = kubectl(['auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(whoami.out).status.userInfo).toMatchObject({ username: 'alice', groups: expect.arrayContaining(['devs']) });
    // victor has no binding: can-i says no (and exits 1)
    const victor = spawnSync('kubectl', ['--kubeconfig', config, '--token', 'viewer-token', 'auth', 'can-i', 'list', 'pods'], { encoding: 'utf8', timeout: 60_000 });
    expect(victor.stdout.trim(), victor.stderr).toBe('no');
  });

  it.runIf(hasKubectl)('describe pod shows the pod\'s events', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db', namespace: 'shop' }, spec: { containers: [{ name: 'db', image: 'sleeper' }] } };
    expect(kubectl(['apply', '-f', '-'], JSON.stringify(pod)).out).toContain('pod/db created');
    const uid = kubectl(['get', 'pod', 'db', '-n', 'shop', '-o', 'jsonpath={.metadata.uid}']).out;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'db.1', namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: 'db', namespace: 'shop', uid, apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'Successfully assigned shop/db to node-1',
      type: 'Normal',
      source: { component: 'default-scheduler' },
      count: 1,
    };
    expect(kubectl(['create', '-f', '-'], JSON.stringify(event)).code).toBe(0);
    const described = kubectl(['describe', 'pod', 'db', '-n', 'shop']);
    expect(described.out).toMatch(/Events:[\s\S]*Scheduled[\s\S]*Successfully assigned shop\/db to node-1/);
    const events = kubectl(['get', 'events', '-n', 'shop']);
    expect(events.out).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
  });

  it.runIf(hasKubectl)('a typo in a manifest is refused as kube-apiserver refuses it (kubectl sends fieldValidation=Strict), --validate=warn drops it with a warning, --validate=false drops it silently', () => {
    const manifest = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'echo', imagePullPolicy: 'IfNotPresent', imagePullPolicyy: 'Never' }] } });
    const strict = kubectl(['apply', '-f', '-'], manifest('typo'));
    expect(strict.code).toBe(1);
    expect(strict.err).toContain('Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolicyy"');
    expect(kubectl(['get', 'pod', 'typo', '-n', 'shop']).err).toContain('NotFound');
    const warned = kubectl(['apply', '--validate=warn', '-f', '-'], manifest('typo'));
    expect(warned.out).toContain('pod/typo created');
    expect(warned.err).toContain('Warning: unknown field "spec.containers[0].imagePullPolicyy"');
    const stored = JSON.parse(kubectl(['get', 'pod', 'typo', '-n', 'shop', '-o', 'jsonpath={.spec.containers[0]}']).out) as Record<string, string>;
    expect(stored).toMatchObject({ image: 'echo', imagePullPolicy: 'IfNotPresent', name: 'app' });
    expect(stored).not.toHaveProperty('imagePullPolicyy');
    const quiet = kubectl(['create', '--validate=false', '-f', '-'], manifest('quiet'));
    expect(quiet.out).toContain('pod/quiet created');
    expect(quiet.err).toBe('');
    const scaled = kubectl(['patch', 'deployment', 'web', '-n', 'shop', '--type=merge', '-p', '{"spec":{"replicaz":3}}']);
    expect(scaled.err).toContain('Warning: unknown field "spec.replicaz"');
  });

  it.runIf(hasKubectl)('create token: a ServiceAccount\'s token is that ServiceAccount to the server, RBAC decides what it may do, and it dies with its ServiceAccount', () => {
    expect(kubectl(['create', 'namespace', 'tokens']).code).toBe(0);
    expect(kubectl(['create', 'configmap', 'settings', '--from-literal=color=blue', '-n', 'tokens']).code).toBe(0);
    expect(kubectl(['create', 'serviceaccount', 'builder', '-n', 'tokens']).out).toContain('serviceaccount/builder created');
    const token = kubectl(['create', 'token', 'builder', '-n', 'tokens']).out.trim();
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const as = (...args: string[]) => spawnSync('kubectl', ['--kubeconfig', config, '--token', token, ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(as('auth', 'whoami', '-o', 'json').stdout).status.userInfo).toMatchObject({ username: 'system:serviceaccount:tokens:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:tokens', 'system:authenticated'] });
    // The token's own id (its jti claim) is the credential's, as v1.32 reports it; each token has its own.
    const { jti } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string };
    expect(jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(as('auth', 'whoami').stdout).toMatch(new RegExp(`\\nExtra: authentication\\.kubernetes\\.io/credential-id +\\[JTI=${jti}\\]\\n`));
    const another = kubectl(['create', 'token', 'builder', '-n', 'tokens']).out.trim();
    expect(JSON.parse(Buffer.from(another.split('.')[1]!, 'base64url').toString('utf8')).jti).not.toBe(jti);
    expect(as('get', 'pods', '-n', 'tokens').stderr).toContain('User "system:serviceaccount:tokens:builder" cannot list resource "pods" in API group "" in the namespace "tokens"');
    expect(kubectl(['create', 'rolebinding', 'builder-view', '--clusterrole=view', '--serviceaccount=tokens:builder', '-n', 'tokens']).code).toBe(0);
    expect(as('get', 'configmaps', '-n', 'tokens').stdout).toContain('settings');
    expect(kubectl(['create', 'token', 'builder', '-n', 'tokens', '--duration=5m']).err).toContain('spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    expect(kubectl(['create', 'token', 'nobody', '-n', 'tokens']).err).toContain('serviceaccounts "nobody" not found');
    expect(kubectl(['delete', 'serviceaccount', 'builder', '-n', 'tokens']).code).toBe(0);
    expect(as('get', 'configmaps', '-n', 'tokens').stderr).toContain('Unauthorized');
  });

  it.runIf(hasKubectl)('drain cordons the node and evicts its pods through pods/eviction, as against a real cluster; evicting takes create on pods/eviction', () => {
    expect(kubectl(['create', 'namespace', 'drain']).code).toBe(0);
    expect(kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'drained-node' } })).code).toBe(0);
    for (const name of ['p1', 'p2', 'p3']) {
      // No kubelet runs here to stop a pod's containers and delete it: with the default 30 s the
      // evicted pods would stay Terminating, and drain wait for them, as on a real cluster.
      const bound = name === 'p3' ? {} : { nodeName: 'drained-node', terminationGracePeriodSeconds: 0 };
      expect(kubectl(['run', name, '-n', 'drain', '--image=echo', `--overrides=${JSON.stringify({ spec: bound })}`]).code).toBe(0);
    }
    const drained = kubectl(['drain', 'drained-node', '--force', '--timeout=60s']);
    expect(drained.code, drained.err).toBe(0);
    expect(drained.err).toContain('Warning: deleting Pods that declare no controller: drain/p1, drain/p2');
    for (const line of ['node/drained-node cordoned', 'evicting pod drain/p1', 'evicting pod drain/p2', 'pod/p1 evicted', 'pod/p2 evicted', 'node/drained-node drained']) expect(drained.out).toContain(`${line}\n`);
    expect(kubectl(['get', 'pods', '-n', 'drain', '-o', 'name']).out).toBe('pod/p3\n');
    const evictP3 = join(dir, 'eviction.json');
    writeFileSync(evictP3, JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p3', namespace: 'drain' } }));
    const refused = spawnSync('kubectl', ['--kubeconfig', config, '--token', 'viewer-token', 'create', '--raw', '/api/v1/namespaces/drain/pods/p3/eviction', '-f', evictP3], { encoding: 'utf8', timeout: 60_000 });
    expect(refused.stderr).toContain('pods "p3" is forbidden: User "victor" cannot create resource "pods/eviction" in API group "" in the namespace "drain"');
    expect(kubectl(['create', '--raw', '/api/v1/namespaces/drain/pods/p3/eviction', '-f', evictP3]).out).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}\n'); // json.Encoder's newline after
    expect(kubectl(['create', '--raw', '/api/v1/namespaces/drain/pods/p3/eviction', '-f', evictP3]).err).toContain('pods "p3" not found');
  });

  it.runIf(hasKubectl)('delete leaves a pod bound to a node Terminating for its grace period, for its kubelet to stop; --force with --grace-period=0 removes it at once', () => {
    expect(kubectl(['create', 'namespace', 'grace']).code).toBe(0);
    expect(kubectl(['run', 'slow', '-n', 'grace', '--image=echo', `--overrides=${JSON.stringify({ spec: { nodeName: 'no-kubelet' } })}`]).code).toBe(0);
    expect(kubectl(['delete', 'pod', 'slow', '-n', 'grace', '--wait=false']).out).toBe('pod "slow" deleted\n');
    const marked = JSON.parse(kubectl(['get', 'pod', 'slow', '-n', 'grace', '-o', 'json']).out) as Pod;
    expect(marked.metadata).toMatchObject({ deletionGracePeriodSeconds: 30, deletionTimestamp: expect.any(String) });
    expect(kubectl(['get', 'pods', '-n', 'grace']).out).toMatch(/^slow\s+0\/1\s+Terminating\s+0\s+/m);
    const forced = kubectl(['delete', 'pod', 'slow', '-n', 'grace', '--grace-period=0', '--force']);
    expect(forced.err).toContain('Immediate deletion does not wait for confirmation that the running resource has been terminated');
    expect(forced.out).toBe('pod "slow" force deleted\n');
    expect(kubectl(['get', 'pods', '-n', 'grace', '-o', 'name']).out).toBe('');
  });

  it.runIf(hasKubectl)('get -o yaml shows what kube-apiserver fills in: the defaults, the default ServiceAccount, the QoS class; describe prints them', () => {
    const limits = JSON.stringify({ spec: { containers: [{ name: 'filled', image: 'echo', resources: { limits: { cpu: '1', memory: '64Mi' } } }] } });
    const run = kubectl(['run', 'filled', '--image=echo', '--restart=Never', `--overrides=${limits}`]);
    expect(run.code, run.err).toBe(0);
    const pod = JSON.parse(kubectl(['get', 'pod', 'filled', '-o', 'json']).out) as { spec: Record<string, unknown> & { containers: Record<string, unknown>[] }; status: Record<string, unknown> };
    expect(pod.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', enableServiceLinks: true, securityContext: {}, serviceAccountName: 'default', serviceAccount: 'default', restartPolicy: 'Never', schedulerName: 'default-scheduler', priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect(pod.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '1', memory: '64Mi' } } });
    expect(pod.status).toMatchObject({ phase: 'Pending', qosClass: 'Guaranteed' });
    const described = kubectl(['describe', 'pod', 'filled']).out;
    expect(described).toMatch(/Priority:\s+0\nService Account:\s+default/);
    expect(described).toMatch(/QoS Class:\s+Guaranteed/);
    // a class name that is a property of every JavaScript object is still no class
    const odd = kubectl(['run', 'odd', '--image=echo', `--overrides=${JSON.stringify({ spec: { priorityClassName: 'constructor' } })}`]);
    expect(odd.err.trim()).toBe('Error from server (Forbidden): pods "odd" is forbidden: no PriorityClass with name constructor was found');
  });

  it.runIf(hasKubectl)('serves PriorityClasses as v1.32 does: the two system classes, a class of your own that gives pods its value, no priority of a pod\'s own, one global default, a value that never changes', () => {
    const rows = (out: string) => out.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));
    const listed = rows(kubectl(['get', 'priorityclasses']).out);
    expect(listed[0]).toEqual(['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY']);
    expect(listed.slice(1).map((row) => [row[0], row[1], row[2], row[4]])).toEqual([
      ['system-cluster-critical', '2000000000', 'false', 'PreemptLowerPriority'],
      ['system-node-critical', '2000001000', 'false', 'PreemptLowerPriority'],
    ]);
    expect(kubectl(['describe', 'pc', 'system-node-critical']).out).toContain('Used for system critical pods that must not be moved from their current node.');
    const created = kubectl(['create', 'priorityclass', 'shop-front', '--value=1000', '--description=the shop front']);
    expect(created.out, created.err).toContain('priorityclass.scheduling.k8s.io/shop-front created');
    expect(kubectl(['create', 'namespace', 'prio']).code).toBe(0);
    const run = (name: string, spec: object) => kubectl(['run', name, '--image=echo', '-n', 'prio', `--overrides=${JSON.stringify({ spec })}`]);
    const front = run('front', { priorityClassName: 'shop-front' });
    expect(front.code, front.err).toBe(0);
    expect(JSON.parse(kubectl(['get', 'pod', 'front', '-n', 'prio', '-o', 'jsonpath={.spec}']).out)).toMatchObject({ priorityClassName: 'shop-front', priority: 1000, preemptionPolicy: 'PreemptLowerPriority' });
    expect(kubectl(['patch', 'pc', 'shop-front', '--type=merge', '-p', '{"description":"the front"}']).code).toBe(0);
    expect(JSON.parse(kubectl(['get', 'pc', 'shop-front', '-o', 'json']).out), 'generation 1 when made, and no more').toMatchObject({ metadata: { generation: 1 }, description: 'the front', preemptionPolicy: 'PreemptLowerPriority', value: 1000 });
    expect(run('sneaky', { priority: 5 }).err).toContain('pods "sneaky" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name');
    const batch = kubectl(['create', 'priorityclass', 'batch', '--value=10', '--global-default', '--preemption-policy=Never']);
    expect(batch.code, batch.err).toBe(0);
    const job = run('job', {});
    expect(job.code, `no class named: the global default; ${job.err}`).toBe(0);
    expect(JSON.parse(kubectl(['get', 'pod', 'job', '-n', 'prio', '-o', 'jsonpath={.spec}']).out)).toMatchObject({ priorityClassName: 'batch', priority: 10, preemptionPolicy: 'Never' });
    expect(kubectl(['create', 'priorityclass', 'second', '--value=20', '--global-default']).err).toContain('priorityclasses.scheduling.k8s.io "second" is forbidden: PriorityClass batch is marked as default. Only one default can exist');
    expect(kubectl(['patch', 'pc', 'shop-front', '--type=merge', '-p', '{"value":2000}']).err).toContain('value: Forbidden: may not be changed in an update.');
    expect(kubectl(['create', 'priorityclass', 'system-mine', '--value=1']).err).toContain("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class");
    expect(kubectl(['create', 'priorityclass', 'huge', '--value=1000000001']).err).toContain('value: Forbidden: maximum allowed value of a user defined priority is 1000000000');
    expect(kubectl(['delete', 'pod', 'front', 'job', '-n', 'prio', '--wait=false']).code).toBe(0);
    expect(kubectl(['delete', 'pc', 'system-node-critical']).err).toContain('Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
    expect(kubectl(['delete', 'pc', 'batch', 'shop-front']).code).toBe(0);
  });

  it.runIf(hasKubectl)('explain walks the served schemas: the kit\'s fields with upstream\'s descriptions, enums, required fields and a clear error for a field there is not', () => {
    const ports = kubectl(['explain', 'pod.spec.containers.ports']);
    expect(ports.out).toContain('FIELD: ports <[]ContainerPort>');
    expect(ports.out).toMatch(/containerPort\t<integer> -required-\n\s+Number of port to expose on the pod's IP address/);
    expect(ports.out).toMatch(/protocol\t<string>\n\s+enum: SCTP, TCP, UDP/);
    const strategy = kubectl(['explain', 'deployments.spec.strategy']);
    expect(strategy.out).toMatch(/^GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/);
    expect(strategy.out).toContain('rollingUpdate\t<RollingUpdateDeployment>');
    expect(kubectl(['explain', 'svc.spec.ports.targetPort']).out).toContain('FIELD: targetPort <IntOrString>');
    const missing = kubectl(['explain', 'pod.spec.colour']);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('error: field "colour" does not exist');
  });

  it.runIf(hasKubectl)('applies the List that get -o yaml writes, as kubectl validates a List against /openapi/v2 (it is named in no v3 document)', () => {
    expect(kubectl(['create', 'configmap', 'listed-a', '--from-literal=x=1', '-n', 'shop']).code).toBe(0);
    expect(kubectl(['create', 'configmap', 'listed-b', '--from-literal=y=2', '-n', 'shop']).code).toBe(0);
    const list = kubectl(['get', 'configmap', 'listed-a', 'listed-b', '-n', 'shop', '-o', 'yaml']).out;
    expect(list).toMatch(/^apiVersion: v1\nitems:/);
    expect(kubectl(['delete', 'configmap', 'listed-a', 'listed-b', '-n', 'shop']).code).toBe(0);
    const applied = kubectl(['apply', '-f', '-'], list);
    expect([applied.err, applied.out]).toEqual(['', 'configmap/listed-a created\nconfigmap/listed-b created\n']);
  });

  it.runIf(hasKubectl)('apply still computes its patch from kubectl\'s own types, which know the merge keys: a container taken out of the manifest goes, one set by another keeps what was set', () => {
    const manifest = (containers: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: pair, namespace: shop}\nspec:\n  selector: {matchLabels: {app: pair}}\n  template:\n    metadata: {labels: {app: pair}}\n    spec:\n      containers: ${containers}\n`;
    expect(kubectl(['apply', '-f', '-'], manifest('[{name: a, image: kubekata/echo}, {name: b, image: kubekata/sleeper}]')).code).toBe(0);
    expect(kubectl(['set', 'env', 'deployment/pair', '-c', 'a', 'COLOR=blue', '-n', 'shop']).code).toBe(0);
    const applied = kubectl(['apply', '-f', '-'], manifest('[{name: a, image: kubekata/logger}]'));
    expect([applied.err, applied.out]).toEqual(['', 'deployment.apps/pair configured\n']);
    const containers = JSON.parse(kubectl(['get', 'deployment', 'pair', '-n', 'shop', '-o', 'jsonpath={.spec.template.spec.containers}']).out) as { name: string; image: string; env?: unknown[] }[];
    expect(containers.map((c) => [c.name, c.image, c.env])).toEqual([['a', 'kubekata/logger', [{ name: 'COLOR', value: 'blue' }]]]);
  });

  it.runIf(hasKubectl)('checks a List\'s items on the client as a cluster\'s kubectl does: an unknown field and a value of the wrong type, each named', () => {
    const list = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: v1, kind: ConfigMap, metadata: {name: odd, namespace: shop}, colour: blue}',
      '- {apiVersion: v1, kind: Pod, metadata: {name: odd, namespace: shop}, spec: {containers: [{name: a, image: x, ports: [{containerPort: "80"}]}]}}',
      '',
    ].join('\n');
    const refused = kubectl(['apply', '-f', '-'], list);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('unknown field "colour" in io.k8s.api.core.v1.ConfigMap');
    expect(refused.err).toContain('invalid type for io.k8s.api.core.v1.ContainerPort.containerPort: got "string", expected "integer"');
    expect(kubectl(['get', 'configmap', 'odd', '-n', 'shop']).code).not.toBe(0);
  });

  it.runIf(hasKubectl)('says of a kind that does not exist that nothing matches it, and of an Eviction sent as an object that it is no resource', () => {
    const typo = kubectl(['apply', '-f', '-'], 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web, namespace: shop}\n');
    expect(typo.err).toBe('error: resource mapping not found for name: "web" namespace: "shop" from "STDIN": no matches for kind "Deploymnet" in version "apps/v1"\nensure CRDs are installed first\n');
    const eviction = kubectl(['create', '-f', '-'], '{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web","namespace":"shop"}}');
    expect(eviction.err).toContain('no matches for kind "Eviction" in version "policy/v1"');
    expect(kubectl(['explain', 'pods.spec.containers.ports', '--output=plaintext-openapiv2']).out).toMatch(/containerPort\t<integer> -required-/);
  });

  it.runIf(hasKubectl)('get --raw /version is written indented, as kube-apiserver\'s handler writes it, and kubectl version reads it', () => {
    expect(kubectl(['get', '--raw', '/version']).out).toMatch(/^\{\n  "major": "1",\n  "minor": "32",\n  "gitVersion": "v1\.32\.0-kubekata",\n[\s\S]*\n\}$/);
    expect(kubectl(['version']).out).toContain('Server Version: v1.32.0-kubekata');
  });

  it.runIf(hasKubectl)('get --raw reads the health checks one by one with ?verbose, and one check alone', () => {
    const ready = kubectl(['get', '--raw', '/readyz?verbose&exclude=etcd']);
    expect(ready.out).toMatch(/^\[\+\]ping ok\n[\s\S]*\[\+\]etcd excluded: ok\n[\s\S]*readyz check passed\n$/);
    expect(kubectl(['get', '--raw', '/livez?verbose']).out).toMatch(/\[\+\]log ok\n[\s\S]*livez check passed/);
    expect(kubectl(['get', '--raw', '/readyz/etcd']).out).toBe('ok');
    expect(kubectl(['get', '--raw', '/readyz']).out).toBe('ok');
    expect(kubectl(['get', '--raw', '/readyz/colour']).err).toContain('NotFound');
  });

  it.runIf(hasKubectl)('RBAC is stored: create role and rolebinding grant victor what they say, from the next request on, and auth can-i --list lists it; a roleRef cannot change', () => {
    const asVictor = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', config, '--token', 'viewer-token', ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(asVictor(['get', 'pods', '-n', 'shop']).stderr).toContain('User "victor" cannot list resource "pods" in API group "" in the namespace "shop"');
    expect(kubectl(['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 'shop']).out).toContain('role.rbac.authorization.k8s.io/pod-reader created');
    expect(kubectl(['create', 'rolebinding', 'victor-reads', '--role=pod-reader', '--user=victor', '-n', 'shop']).out).toContain('rolebinding.rbac.authorization.k8s.io/victor-reads created');
    expect(asVictor(['auth', 'can-i', 'list', 'pods', '-n', 'shop']).stdout.trim()).toBe('yes');
    expect(asVictor(['auth', 'can-i', 'list', 'pods', '-n', 'default']).stdout.trim()).toBe('no');
    expect(asVictor(['auth', 'can-i', 'delete', 'pods', '-n', 'shop']).stdout.trim()).toBe('no');
    expect(asVictor(['get', 'pods', '-n', 'shop']).status).toBe(0);
    // auth can-i --list: a SelfSubjectRulesReview, victor's rules in the namespace as kubectl tabulates them
    const list = asVictor(['auth', 'can-i', '--list', '-n', 'shop']).stdout;
    expect(list).toMatch(/Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    expect(list).toMatch(/\npods\s+\[\]\s+\[\]\s+\[get list\]/);
    expect(list).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    expect(list).toMatch(/\s+\[\/version\]\s+\[\]\s+\[get\]/);
    expect(asVictor(['auth', 'can-i', '--list', '-n', 'default']).stdout).not.toMatch(/\npods\s/);
    expect(kubectl(['get', 'rolebindings', '-n', 'shop', '-o', 'wide']).out).toMatch(/NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\nvictor-reads\s+Role\/pod-reader\s+\S+\s+victor/);
    // the bootstrap policy is there to read, as on a real cluster
    expect(kubectl(['get', 'clusterroles']).out).toMatch(/cluster-admin\s+\d{4}-\d\d-\d\dT/);
    const moved = kubectl(['patch', 'rolebinding', 'victor-reads', '-n', 'shop', '--type=merge', '-p', '{"roleRef":{"kind":"ClusterRole","name":"cluster-admin"}}']);
    expect(moved.err).toContain('roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"cluster-admin"}: cannot change roleRef');
    expect(kubectl(['delete', 'rolebinding', 'victor-reads', '-n', 'shop']).code).toBe(0);
    expect(asVictor(['auth', 'can-i', 'list', 'pods', '-n', 'shop']).stdout.trim()).toBe('no');
  });

  it.runIf(hasKubectl)('--as impersonates: alice may act as anyone (everything includes impersonate), victor may not, and a ServiceAccount gets its groups', () => {
    expect(kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'shop', '--as=victor']).out.trim()).toBe('no');
    expect(kubectl(['get', 'pods', '-n', 'shop', '--as=victor']).err).toContain('pods is forbidden: User "victor" cannot list resource "pods" in API group "" in the namespace "shop"');
    expect(kubectl(['auth', 'whoami', '--as=victor', '--as-group=devs', '-o', 'jsonpath={.status.userInfo.groups}']).out).toBe('["devs","system:authenticated"]');
    expect(kubectl(['create', 'rolebinding', 'builder-admin', '--clusterrole=everything', '--serviceaccount=shop:builder', '-n', 'shop']).code).toBe(0);
    expect(kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'shop', '--as=system:serviceaccount:shop:builder']).out.trim()).toBe('yes');
    expect(kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'default', '--as=system:serviceaccount:shop:builder']).out.trim()).toBe('no');
    const sa = kubectl(['auth', 'whoami', '--as=system:serviceaccount:shop:builder', '-o', 'jsonpath={.status.userInfo.groups}']);
    expect(sa.out).toBe('["system:serviceaccounts","system:serviceaccounts:shop","system:authenticated"]');
    const victor = spawnSync('kubectl', ['--kubeconfig', config, '--token', 'viewer-token', 'get', 'pods', '--as=alice'], { encoding: 'utf8', timeout: 60_000 });
    expect(victor.stderr).toContain('users "alice" is forbidden: User "victor" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  it.runIf(hasKubectl)('system:masters may do anything even once its binding is gone: kube-apiserver lets that group past RBAC', () => {
    expect(kubectl(['delete', 'clusterrolebinding', 'cluster-admin']).out).toContain('clusterrolebinding.rbac.authorization.k8s.io "cluster-admin" deleted');
    const root = spawnSync('kubectl', ['--kubeconfig', config, '--token', 'root-token', 'get', 'clusterroles', '-o', 'name'], { encoding: 'utf8', timeout: 60_000 });
    expect(root.stderr).toBe('');
    expect(root.stdout).toContain('clusterrole.rbac.authorization.k8s.io/cluster-admin');
  });

  it.runIf(hasKubectl)('the user-facing ClusterRoles are there to bind: view reads but for Secrets, edit writes too', () => {
    const asVictor = (args: string[]) => spawnSync('kubectl', ['--kubeconfig', config, '--token', 'viewer-token', ...args], { encoding: 'utf8', timeout: 60_000 }).stdout.trim();
    expect(kubectl(['create', 'rolebinding', 'victor-views', '--clusterrole=view', '--user=victor', '-n', 'shop']).code).toBe(0);
    expect([asVictor(['auth', 'can-i', 'list', 'deployments.apps', '-n', 'shop']), asVictor(['auth', 'can-i', 'get', 'secrets', '-n', 'shop']), asVictor(['auth', 'can-i', 'create', 'pods', '-n', 'shop'])]).toEqual(['yes', 'no', 'no']);
    expect(kubectl(['create', 'rolebinding', 'victor-edits', '--clusterrole=edit', '--user=victor', '-n', 'shop']).code).toBe(0);
    expect([asVictor(['auth', 'can-i', 'create', 'pods', '-n', 'shop']), asVictor(['auth', 'can-i', 'get', 'secrets', '-n', 'shop']), asVictor(['auth', 'can-i', 'create', 'rolebindings', '-n', 'shop'])]).toEqual(['yes', 'yes', 'no']);
    expect(kubectl(['get', 'clusterroles', 'admin', 'edit', 'view', '-o', 'name']).out.trim().split('\n')).toEqual(['clusterrole.rbac.authorization.k8s.io/admin', 'clusterrole.rbac.authorization.k8s.io/edit', 'clusterrole.rbac.authorization.k8s.io/view']);
  });

  it.runIf(hasKubectl)('answers a request target that is no URL with a 400 Status, as a client mistake, not a 500', async () => {
    const { connect } = await import('node:tls');
    const { hostname, port } = new URL(url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => socket.write('GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(answer).toContain('"reason":"BadRequest"');
    expect(answer).toContain('is not a URL');
  });

  it.runIf(hasKubectl)('pods/proxy and services/proxy send a request on to a pod and a Service\'s endpoint and its answer back, as kubectl proxy and get --raw use them, with upstream\'s errors', async () => {
    const { createServer } = await import('node:http');
    const { execFile } = await import('node:child_process');
    const run = (args: string[], input = ''): Promise<{ code: number; out: string; err: string }> =>
      new Promise((resolve) => {
        const child = execFile('kubectl', ['--kubeconfig', config, ...args], { timeout: 60_000 }, (error, out, err) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, out, err }));
        child.stdin!.end(input);
      });
    // A pod's server: it says what it was asked, and whether credentials reached it.
    const backend = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => response.end(JSON.stringify({ method: request.method, url: request.url, body, authorization: request.headers.authorization ?? null })));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.78.1', resolve));
    const port = (backend.address() as { port: number }).port;
    try {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'px', namespace: 'default' }, spec: { nodeName: 'nowhere', containers: [{ name: 'app', image: 'kubekata/echo', ports: [{ containerPort: port }] }] } };
      const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'sx', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, targetPort: port }] } };
      const endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'sx', namespace: 'default' }, subsets: [{ addresses: [{ ip: '127.0.78.1' }], ports: [{ name: 'http', port }] }] };
      for (const object of [pod, service, endpoints]) expect((await run(['create', '-f', '-'], JSON.stringify(object))).err).toBe('');
      const noAddress = await run(['get', '--raw', '/api/v1/namespaces/default/pods/px/proxy/']);
      expect(noAddress.err.trim()).toBe('Error from server (BadRequest): address not allowed');
      expect((await run(['patch', 'pod', 'px', '--subresource=status', '--type=merge', '-p', '{"status":{"podIP":"127.0.78.1"}}'])).code).toBe(0);
      const get = await run(['get', '--raw', '/api/v1/namespaces/default/pods/px/proxy/hello?x=1']);
      expect(JSON.parse(get.out)).toEqual({ method: 'GET', url: '/hello?x=1', body: '', authorization: null });
      const post = await run(['create', '--raw', `/api/v1/namespaces/default/pods/px:${port}/proxy/items`, '-f', '-'], '{"a":1}');
      expect(JSON.parse(post.out)).toMatchObject({ method: 'POST', url: '/items', body: '{"a":1}' });
      for (const id of ['sx:http', 'sx:80']) expect(JSON.parse((await run(['get', '--raw', `/api/v1/namespaces/default/services/${id}/proxy/a/b`])).out), id).toMatchObject({ url: '/a/b' });
      expect((await run(['get', '--raw', '/api/v1/namespaces/default/services/sx:81/proxy/'])).err.trim()).toBe('Error from server (ServiceUnavailable): no service port 81 found for service "sx"');
      expect((await run(['get', '--raw', '/api/v1/namespaces/default/services/sx/proxy/'])).err.trim()).toBe('Error from server (ServiceUnavailable): no endpoints available for service "sx"');
      await new Promise<void>((resolve) => backend.close(() => resolve()));
      const refused = await run(['get', '--raw', '/api/v1/namespaces/default/pods/px/proxy/']);
      expect(refused.err.trim()).toBe(`Error from server (ServiceUnavailable): error trying to reach service: dial tcp 127.0.78.1:${port}: connect: connection refused`);
      const denied = await run(['--token', 'viewer-token', 'get', '--raw', '/api/v1/namespaces/default/services/sx:http/proxy/']);
      expect(denied.err).toContain('cannot get resource "services/proxy" in API group "" in the namespace "default"');
    } finally {
      backend.close();
      await run(['delete', 'pod/px', 'service/sx', 'endpoints/sx', '--wait=false']);
    }
  });
});

