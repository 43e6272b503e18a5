/**
 * Aggregated ClusterRoles (given code, beyond the katas): the bootstrap policy's `view`, `edit` and
 * `admin` made of the `system:aggregate-to-*` roles as upstream's are (kit/bootstrap-policy.ts), and
 * the controller manager's clusterrole-aggregation controller keeping them so
 * (solutions/controllers/clusterrole-aggregation.ts).
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { controllerOnCluster, faults } from './fixtures/controller-on-cluster.ts';
import { fc, test } from '../../test/support/prop.ts';
import { ClusterRoleAggregationController } from '@kube/controllers';
import { AGGREGATE_TO_LABEL, aggregateRules, BOOTSTRAP_CLUSTER_ROLES, type ClusterRole, type PolicyRule } from '@kube/kit';

const crontabRule = (verbs: string[]): PolicyRule => ({ apiGroups: ['stable.example.com'], resources: ['crontabs'], verbs });
const labelled = (name: string, into: string, rules: PolicyRule[]): ClusterRole => ({ metadata: { name, labels: { [`${AGGREGATE_TO_LABEL}${into}`]: 'true' } }, rules });

/** The controller on a cluster that holds the bootstrap roles. */
async function aggregating() {
  const parts = await controllerOnCluster((options) => new ClusterRoleAggregationController(options));
  const roles = parts.api.resource<ClusterRole>('clusterroles');
  for (const role of BOOTSTRAP_CLUSTER_ROLES) await roles.create(role);
  await parts.cluster.settle();
  const rulesOf = async (name: string) => (await roles.get(name)).rules ?? [];
  return { ...parts, roles, rulesOf };
}

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/clusterrole-aggregation.test.ts'), 240_000);
else describe('aggregated ClusterRoles', () => {
  it('stores view, edit and admin already aggregated, so that the controller has nothing to write', async () => {
    const { roles, cluster, errors, stop } = await aggregating();
    const before = (await roles.list()).items.map((role) => role.metadata.resourceVersion);
    await cluster.settle();
    expect((await roles.list()).items.map((role) => role.metadata.resourceVersion)).toEqual(before);
    const edit = (await roles.get('edit')) as ClusterRole;
    expect(edit.aggregationRule).toEqual({ clusterRoleSelectors: [{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }] });
    expect(edit.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' });
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  it('gives edit, and through it admin, the rules of a role labelled aggregate-to-edit, and takes them back when it goes', async () => {
    const { roles, cluster, rulesOf, errors, stop } = await aggregating();
    await roles.create(labelled('crontab-editor', 'edit', [crontabRule(['create', 'delete'])]));
    await cluster.settle();
    expect(await rulesOf('edit')).toContainEqual(crontabRule(['create', 'delete']));
    expect(await rulesOf('admin')).toContainEqual(crontabRule(['create', 'delete']));
    expect(await rulesOf('view')).not.toContainEqual(crontabRule(['create', 'delete']));
    await roles.delete('crontab-editor');
    await cluster.settle();
    expect(await rulesOf('edit')).not.toContainEqual(crontabRule(['create', 'delete']));
    expect(await rulesOf('admin')).not.toContainEqual(crontabRule(['create', 'delete']));
    expect(faults(errors)).toEqual([]);
    await stop();
  });

  const role = fc.record({ name: fc.constantFrom('a-role', 'b-role', 'c-role', 'd-role'), into: fc.constantFrom('view', 'edit', 'admin'), verbs: fc.subarray(['get', 'list', 'create', 'delete'], { minLength: 1 }) });

  test.prop([fc.uniqueArray(role, { selector: (r) => r.name, maxLength: 4 })], { numRuns: 20 })(
    'whatever labelled roles are added, in whatever order, each aggregated role ends as the union of what its selectors select, view within edit within admin',
    async (added) => {
      const { roles, cluster, rulesOf, errors, stop } = await aggregating();
      try {
        for (const { name, into, verbs } of added) await roles.create(labelled(name, into, [crontabRule(verbs)]));
        await cluster.settle();
        const stored = (await roles.list()).items;
        for (const name of ['view', 'edit', 'admin']) {
          const selected = stored.filter((other) => other.metadata.labels?.[`${AGGREGATE_TO_LABEL}${name}`] === 'true');
          expect(await rulesOf(name)).toEqual(aggregateRules(selected));
        }
        const has = (rules: PolicyRule[], rule: PolicyRule) => rules.some((r) => JSON.stringify(r) === JSON.stringify(rule));
        const [view, edit, admin] = [await rulesOf('view'), await rulesOf('edit'), await rulesOf('admin')];
        expect(view.every((rule) => has(edit, rule))).toBe(true);
        expect(edit.every((rule) => has(admin, rule))).toBe(true);
        expect(faults(errors)).toEqual([]);
      } finally {
        await stop();
      }
    },
  );
});
