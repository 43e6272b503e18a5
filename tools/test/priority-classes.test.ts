/**
 * The given PriorityClass rules (solutions/apiserver/priority-classes.ts) and the Priority
 * admission plugin that reads the classes (admission.ts's PriorityDefaulting), case by case as
 * v1.32's pkg/apis/scheduling/validation and plugin/pkg/admission/priority decide them.
 * tools/test/apiserver-kubectl.test.ts drives the same through kubectl.
 */
import { describe, expect, it } from 'vitest';
import { expectPassOnReference, onReference } from './fixtures/on-reference.ts';
import { fc, test } from '../../test/support/prop.ts';
import { PriorityDefaulting, SYSTEM_PRIORITY_CLASSES, validatePriorityClass, validatePriorityClassUpdate, type AdmissionRequest } from '@kube/apiserver';
import type { Pod, PriorityClass } from '@kube/kit';

const priorityClass = (name: string, value: number, more: Partial<PriorityClass> = {}): PriorityClass => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...more });
const pod = (spec: Partial<Pod['spec']> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'echo' }], ...spec } });
const creating = (object: Pod | PriorityClass, resource = 'pods'): AdmissionRequest =>
  ({ attributes: { resource, subresource: '', namespace: resource === 'pods' ? 'shop' : '', name: '', verb: 'create' }, operation: 'CREATE', object }) as unknown as AdmissionRequest;
const messages = (object: PriorityClass) => validatePriorityClass(object).map((e) => `${e.field}: ${e.message}`);

if (!onReference) it('passes on the reference (check 7 runs the tools\' tests on the starters)', async () => expectPassOnReference('tools/test/priority-classes.test.ts'), 240_000);
else describe('PriorityClasses and the Priority admission plugin', () => {
  it.each([
    ['a class of your own within the ceiling is valid', priorityClass('high', 1_000_000_000), []],
    ['a system class as the apiserver makes it is valid', { ...SYSTEM_PRIORITY_CLASSES[0]! }, []],
    ['a system class with another value is refused, naming the value it must have', priorityClass('system-node-critical', 5), ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000"]],
    ['a system class made the global default is refused', priorityClass('system-cluster-critical', 2_000_000_000, { globalDefault: true }), ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false"]],
    ['a value above 1000000000 is refused', priorityClass('huge', 1_000_000_001), ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']],
    ['a preemption policy that does not exist is refused with the ones that do', priorityClass('odd', 1, { preemptionPolicy: 'Sometimes' as never }), ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"']],
  ] as const)('%s', (_name, object, expected) => {
    expect(messages(object as PriorityClass)).toEqual(expected);
  });

  it('refuses an update of the value or of the preemption policy, and takes one of the description', () => {
    const stored = priorityClass('high', 1000, { preemptionPolicy: 'PreemptLowerPriority' });
    const update = (change: Partial<PriorityClass>) => validatePriorityClassUpdate({ ...stored, ...change }, stored).map((e) => `${e.field}: ${e.message}`);
    expect(update({ value: 2000 })).toEqual(['value: Forbidden: may not be changed in an update.']);
    expect(update({ preemptionPolicy: 'Never' })).toEqual(['preemptionPolicy: Invalid value: "Never": field is immutable']);
    expect(update({ description: 'for the shop front' })).toEqual([]);
  });

  it('keeps, on an update of a pod that leaves them out, the priority and preemption policy it was made with', async () => {
    const plugin = new PriorityDefaulting(() => []);
    const old = pod({ priority: 1000, preemptionPolicy: 'Never' });
    const next = pod();
    await plugin.admit({ ...creating(next), operation: 'UPDATE', oldObject: old } as AdmissionRequest);
    expect([next.spec!.priority, next.spec!.preemptionPolicy]).toEqual([1000, 'Never']);
  });

  it('lets a class change to the global default when it already is one, and lets a class that is not a default be made beside one', async () => {
    const plugin = new PriorityDefaulting(() => [priorityClass('batch', 10, { globalDefault: true })]);
    await expect(plugin.validate({ ...creating(priorityClass('batch', 10, { globalDefault: true }), 'priorityclasses'), operation: 'UPDATE' } as AdmissionRequest)).resolves.toBeUndefined();
    await expect(plugin.validate(creating(priorityClass('other', 20), 'priorityclasses'))).resolves.toBeUndefined();
    await expect(plugin.validate(creating(priorityClass('other', 20, { globalDefault: true }), 'priorityclasses'))).rejects.toThrow('priorityclasses.scheduling.k8s.io "other" is forbidden: PriorityClass batch is marked as default. Only one default can exist');
  });

  const classes = fc.uniqueArray(fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.integer({ min: -5, max: 5 }), globalDefault: fc.boolean() }), { selector: (c) => c.name, maxLength: 4 });

  test.prop([classes, fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: undefined })])('gives a pod the value of the class it names, else of the lowest global default, else 0; refuses a class not there', async (list, named) => {
    const stored = list.map((c) => priorityClass(c.name, c.value, { globalDefault: c.globalDefault, preemptionPolicy: 'PreemptLowerPriority' }));
    const made = pod(named ? { priorityClassName: named } : {});
    const admitting = new PriorityDefaulting(() => stored).admit(creating(made));
    const defaults = stored.filter((c) => c.globalDefault).sort((x, y) => x.value - y.value);
    const expected = named ? stored.find((c) => c.metadata.name === named) : defaults[0];
    if (named && !expected) return void (await expect(admitting).rejects.toThrow(`no PriorityClass with name ${named} was found`));
    await admitting;
    expect(made.spec!.priority).toBe(expected?.value ?? 0);
    expect(made.spec!.priorityClassName).toBe(expected?.metadata.name);
  });

  test.prop([fc.integer({ min: -10, max: 10 }), fc.integer({ min: -10, max: 10 })])('refuses a pod that sets a priority of its own exactly when it is not its class\'s', async (value, own) => {
    const made = pod({ priorityClassName: 'mine', priority: own });
    const admitting = new PriorityDefaulting(() => [priorityClass('mine', value, { preemptionPolicy: 'PreemptLowerPriority' })]).admit(creating(made));
    if (own === value) await expect(admitting).resolves.toBeUndefined();
    else await expect(admitting).rejects.toThrow(`the integer value of priority (${own}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`);
  });
});
