/**
 * The given field manager (solutions/apiserver/field-manager.ts): server-side apply and the
 * managedFields every write keeps, case by case as sigs.k8s.io/structured-merge-diff and
 * k8s.io/apiserver's fieldmanager decide them, then as properties. Kata 10's tests drive it
 * through the handler; tools/test/apiserver-kubectl.test.ts through `kubectl apply --server-side`.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { applyConfiguration, fieldsOf, fieldsV1Of, isStatusError, pathString, recordUpdate, type ApplyOptions } from '@kube/apiserver';
import type { Deployment, KubeObject } from '@kube/kit';

const TIME = '2026-12-07T01:00:00Z';
const by = (manager: string, more: Partial<ApplyOptions> = {}): ApplyOptions => ({ manager, apiVersion: 'apps/v1', time: TIME, force: false, ...more });

/** A Deployment as a user writes it: labels, replicas, containers (by name) with an image and args. */
function config(spec: { labels?: Record<string, string>; replicas?: number; containers?: { name: string; image?: string; args?: string[] }[] }): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', ...(spec.labels && { labels: spec.labels }) },
    spec: {
      ...(spec.replicas !== undefined && { replicas: spec.replicas }),
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: (spec.containers ?? []) as never } },
    },
  } as Deployment;
}

/** `manager operation: .path, .path` for each entry: what --show-managed-fields says, shortly. */
function owners(object: KubeObject): string[] {
  return (object.metadata.managedFields ?? []).map((entry) => `${entry.manager} ${entry.operation}: ${fieldsOf(entry.fieldsV1).map(pathString).join(', ')}`);
}

/** The message of the 409 `apply` throws, or 'applied'. */
function outcome(apply: () => unknown): string {
  try {
    apply();
    return 'applied';
  } catch (error) {
    if (isStatusError(error, 'Conflict')) return error.message;
    throw error;
  }
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/field-manager.test.ts'), 240_000);
else describe('the field manager: server-side apply and managedFields', () => {
  it.each([
    ['a field is .name, a list item by key [name="app"], a value of a set [="x"]', ['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image'], '.spec.containers[name="app"].image'],
    ['a key of two fields names both, in order', ['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'], '.spec.ports[port=80,protocol="TCP"]'],
    ['a value of a set is written [=value]', ['f:metadata', 'f:finalizers', 'v:"kubernetes"'], '.metadata.finalizers[="kubernetes"]'],
  ] as const)('writes a path as a conflict names it: %s', (_name, path, written) => {
    expect(pathString(path)).toBe(written);
  });

  it('writes a set as managedFields does: {} for a field, "." beside the fields under a member', () => {
    const tree = fieldsV1Of([['f:data', 'f:a'], ['f:data'], ['f:spec', 'f:replicas']]);
    expect(tree).toEqual({ 'f:data': { 'f:a': {}, '.': {} }, 'f:spec': { 'f:replicas': {} } });
    expect(fieldsOf(tree).map(pathString).sort()).toEqual(['.data', '.data.a', '.spec.replicas']);
  });

  it('keys a container port by containerPort and protocol, filling in TCP, and owns a selector whole (it is atomic)', () => {
    const applied = applyConfiguration(undefined, config({ containers: [{ name: 'app', ports: [{ containerPort: 80 }] } as never] }), by('kubectl'));
    expect(owners(applied)).toEqual([
      'kubectl Apply: .spec.selector, .spec.template.metadata.labels.app, .spec.template.spec.containers[name="app"], .spec.template.spec.containers[name="app"].name, .spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"], .spec.template.spec.containers[name="app"].ports[containerPort=80,protocol="TCP"].containerPort',
    ]);
  });

  it('lets two managers own the same field when they set the same value, and removes it only when the last of them lets it go', () => {
    const first = applyConfiguration(undefined, config({ labels: { tier: 'front' } }), by('kubectl'));
    const both = applyConfiguration(first, config({ labels: { tier: 'front' } }), by('helm'));
    expect(outcome(() => both)).toBe('applied');
    const kubectlLetGo = applyConfiguration(both, config({}), by('kubectl'));
    expect(kubectlLetGo.metadata.labels).toEqual({ tier: 'front' });
    const helmLetGo = applyConfiguration(kubectlLetGo, config({}), by('helm'));
    expect(helmLetGo.metadata.labels).toBeUndefined(); // the map it emptied goes too, as a typed object drops it
  });

  it('keeps a map the manager owned as a whole when the config still sets a field in it (kubectl writes such sets when it hands client-side fields over)', () => {
    const applied = applyConfiguration(undefined, config({ labels: { app: 'web' } }), by('kubectl'));
    const handedOver = { ...applied, metadata: { ...applied.metadata, managedFields: [{ ...applied.metadata.managedFields![0]!, fieldsV1: fieldsV1Of([['f:metadata', 'f:labels'], ['f:metadata', 'f:labels', 'f:app']]) }] } };
    expect(applyConfiguration(handedOver, config({ labels: { app: 'web' } }), by('kubectl')).metadata.labels).toEqual({ app: 'web' });
    expect(applyConfiguration(handedOver, config({}), by('kubectl')).metadata.labels).toBeUndefined();
  });

  it('names an Apply manager without a version and an Update manager with its version and subresource', () => {
    const applied = applyConfiguration(undefined, config({ replicas: 2, labels: { tier: 'front' } }), by('helm'));
    const scaled = recordUpdate(applied, { ...applied, spec: { ...applied.spec!, replicas: 5 } }, { manager: 'kubectl', apiVersion: 'apps/v1', time: TIME, subresource: 'scale' });
    expect(outcome(() => applyConfiguration(scaled, config({ replicas: 3, labels: { tier: 'back' } }), by('kubectl')))).toBe(
      'Apply failed with 2 conflicts: conflicts with "helm":\n- .metadata.labels.tier\nconflicts with "kubectl" with subresource "scale" using apps/v1:\n- .spec.replicas',
    );
  });

  it("lets kubectl's first server-side apply take what its client-side apply set, as long as the object still has those values", () => {
    const lastApplied = JSON.stringify(config({ replicas: 2 }));
    const clientSide = recordUpdate<Deployment>(undefined, { ...config({ replicas: 2 }), metadata: { name: 'web', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } } }, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', time: TIME });
    const upgraded = applyConfiguration(clientSide, config({ replicas: 4 }), by('kubectl'));
    expect(upgraded.spec).toMatchObject({ replicas: 4 });
    expect(JSON.parse(upgraded.metadata.annotations!['kubectl.kubernetes.io/last-applied-configuration']!).spec.replicas).toBe(4);
    // Another manager gets no such pass, nor kubectl once someone else changed the value.
    expect(outcome(() => applyConfiguration(clientSide, config({ replicas: 4 }), by('argocd')))).toContain('conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    const edited = recordUpdate(clientSide, { ...clientSide, spec: { ...clientSide.spec!, replicas: 7 } }, { manager: 'kubectl-edit', apiVersion: 'apps/v1', time: TIME });
    expect(outcome(() => applyConfiguration(edited, config({ replicas: 4 }), by('kubectl')))).toContain('conflict with "kubectl-edit" using apps/v1: .spec.replicas');
  });

  it('gives an object no write recorded to before-first-apply, so that the first apply to change one of its values conflicts', () => {
    const unrecorded: Deployment = config({ replicas: 2, labels: { tier: 'front' } });
    expect(outcome(() => applyConfiguration(unrecorded, config({ replicas: 5, labels: { tier: 'front' } }), by('kubectl')))).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
    const forced = applyConfiguration(unrecorded, config({ replicas: 5, labels: { tier: 'front' } }), by('kubectl', { force: true }));
    expect(owners(forced).map((line) => line.slice(0, line.indexOf(':')))).toEqual(['before-first-apply Update', 'kubectl Apply']);
    expect(owners(forced)[0]).not.toContain('.spec.replicas');
  });

  it('takes managedFields a client sends in place of the stored ones, and refuses them in an applied config', () => {
    const applied = applyConfiguration(undefined, config({ replicas: 2 }), by('kubectl'));
    const reset = recordUpdate(applied, { ...applied, metadata: { ...applied.metadata, managedFields: [{ manager: 'mine', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }] } }, { manager: 'x', apiVersion: 'apps/v1', time: TIME });
    expect(owners(reset)).toEqual(['mine Update: .spec.replicas']);
    expect(() => applyConfiguration(applied, { ...config({}), metadata: { name: 'web', managedFields: [] } }, by('kubectl'))).toThrow('metadata.managedFields must be nil');
  });

  // ---------------------------------------------------------------------------------------------
  // Properties

  const name = fc.constantFrom('app', 'log', 'proxy');
  const container = fc.record({ name, image: fc.constantFrom('x:1', 'x:2'), args: fc.array(fc.constantFrom('-v', '-q'), { maxLength: 2 }) }, { requiredKeys: ['name'] });
  const configs = fc
    .record(
      {
        labels: fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('1', '2'), { maxKeys: 3 }),
        replicas: fc.integer({ min: 1, max: 3 }),
        containers: fc.uniqueArray(container, { selector: (c) => c.name, maxLength: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((spec) => config({ ...spec, labels: spec.labels && Object.keys(spec.labels).length > 0 ? spec.labels : undefined }));

  /** The object with its containers in name order and without managedFields: what two applies must agree on. */
  function content(object: KubeObject): unknown {
    const copy = structuredClone(object) as Deployment;
    delete copy.metadata.managedFields;
    copy.spec?.template.spec?.containers.sort((a, b) => a.name.localeCompare(b.name));
    return copy;
  }

  test.prop([configs, configs])('an object one manager alone applied is what its last config says, whatever it applied before', (before, last) => {
    const twice = applyConfiguration(applyConfiguration(undefined, before, by('kubectl')), last, by('kubectl'));
    const once = applyConfiguration(undefined, last, by('kubectl'));
    expect(content(twice)).toEqual(content(once));
    expect(owners(twice)).toEqual(owners(once));
  });

  test.prop([configs, configs, fc.boolean()])(
    "a second manager's apply is refused exactly when it would change a value the first set, naming each such field; forced, it leaves every field it set as it said",
    (first, second, force) => {
      const live = applyConfiguration(undefined, first, by('kubectl'));
      const mine = leavesOf(first);
      const changed = [...leavesOf(second)].filter(([written, { value }]) => mine.has(written) && JSON.stringify(mine.get(written)!.value) !== JSON.stringify(value)).map(([written]) => written);
      const result = outcome(() => applyConfiguration(live, second, by('helm', { force })));
      if (changed.length > 0 && !force) {
        expect(result).toMatch(/^Apply failed with \d+ conflicts?: /);
        expect(result.split('\n').length + (changed.length === 1 ? 0 : -1)).toBe(changed.length);
        for (const written of changed) expect(result).toContain(written);
        return;
      }
      expect(result).toBe('applied');
      const applied = applyConfiguration(live, second, by('helm', { force }));
      for (const [written, { path, value }] of leavesOf(second)) expect(valueAt(applied, path), written).toEqual(value);
    },
  );

  test.prop([configs, configs])('an update makes each value it changed its manager\'s alone, and leaves no one owning a field the object no longer has', (first, second) => {
    const live = applyConfiguration(undefined, first, by('kubectl'));
    const updated = recordUpdate(live, { ...second, metadata: { ...second.metadata } }, { manager: 'kubectl-edit', apiVersion: 'apps/v1', time: TIME });
    const ownersOf = new Map<string, string[]>();
    for (const entry of updated.metadata.managedFields ?? []) {
      for (const path of fieldsOf(entry.fieldsV1)) ownersOf.set(pathString(path), [...(ownersOf.get(pathString(path)) ?? []), entry.manager!]);
    }
    const before = leavesOf(first);
    for (const [written, { value }] of leavesOf(second)) {
      if (JSON.stringify(before.get(written)?.value) !== JSON.stringify(value)) expect(ownersOf.get(written), written).toEqual(['kubectl-edit']);
    }
    const fields = new Set(fieldsOf(recordUpdate(undefined, second, { manager: 'probe', apiVersion: 'apps/v1', time: TIME }).metadata.managedFields?.[0]?.fieldsV1).map(pathString));
    for (const written of ownersOf.keys()) expect(fields.has(written), written).toBe(true);
  });
});

/** The values a config sets (not the list items that hold them), by their path as a conflict writes it. */
function leavesOf(object: KubeObject): Map<string, { path: readonly string[]; value: unknown }> {
  const paths = fieldsOf(applyConfiguration(undefined, object, by('probe')).metadata.managedFields?.[0]?.fieldsV1).filter((path) => !path.at(-1)!.startsWith('k:'));
  return new Map(paths.map((path) => [pathString(path), { path, value: valueAt(object, path) }]));
}

/** The value at `path` (as {@link fieldsOf} gives it) in `object`, or undefined. */
function valueAt(object: unknown, path: readonly string[]): unknown {
  let value: unknown = object;
  for (const element of path) {
    if (value === undefined || value === null) return undefined;
    if (element.startsWith('f:')) value = (value as Record<string, unknown>)[element.slice(2)];
    else if (element.startsWith('k:')) {
      const key = JSON.parse(element.slice(2)) as Record<string, unknown>;
      value = (value as Record<string, unknown>[]).find((item) => Object.entries(key).every(([field, v]) => item[field] === v));
    } else return undefined;
  }
  return value;
}
