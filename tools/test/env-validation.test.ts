/**
 * The rules of a container's env and envFrom (given code, katas/apiserver/env-validation.ts, the
 * same in both trees), in upstream's words: validateEnv, validateEnvVarValueFrom, ValidateEnvFrom.
 */
import { describe, expect, it } from 'vitest';
import { fc, test } from '../../test/support/prop.ts';
import { defaultEnvironmentOf, validateEnvironmentOf, validatePodEnvironment } from '@kube/apiserver';
import type { Container, EnvFromSource, EnvVar } from '@kube/kit';

const lines = (errors: { field: string; message: string }[]) => errors.map((e) => `${e.field}: ${e.message}`);
const withEnv = (env: EnvVar[], envFrom: EnvFromSource[] = []): Container[] => [{ name: 'app', image: 'kubekata/echo', env, envFrom }];

describe('a container\'s env and envFrom', () => {
  it.each<[string, EnvVar, string[]]>([
    ['A plain value is valid.', { name: 'A', value: '1' }, []],
    ['A variable without a name is refused.', { name: '', value: '1' }, ['spec.containers[0].env[0].name: Required value']],
    ['A field of the pod an env may read is valid.', { name: 'A', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }, []],
    ['One label of the pod is valid.', { name: 'A', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }, []],
    [
      'A pod field only volumes may read is an unsupported value.',
      { name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.restartPolicy' } } },
      ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.restartPolicy": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'],
    ],
    ['A path that is no pod field cannot be converted.', { name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.colour' } } }, ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.colour": error converting fieldPath: field label not supported: spec.colour']],
    ['A value and a valueFrom together are refused.', { name: 'A', value: '1', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty']],
    ['A valueFrom with no source is refused.', { name: 'A', valueFrom: {} }, ['spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`']],
    [
      'A valueFrom with two sources is refused.',
      { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' }, configMapKeyRef: { name: 'cfg', key: 'k' } } },
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time'],
    ],
    ['A key reference without its key is refused.', { name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: '' } } }, ['spec.containers[0].env[0].valueFrom.secretKeyRef.key: Required value']],
    [
      'A resource a container does not have is an unsupported value.',
      { name: 'A', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } },
      ['spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.gpu": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"'],
    ],
  ])('%s', (_, variable, expected) => {
    expect(lines(validatePodEnvironment({ containers: withEnv([variable]) }, 'spec'))).toEqual(expected);
  });

  it('refuses an envFrom with no source or two, and names the init container or the template it is in', () => {
    expect(lines(validatePodEnvironment({ containers: withEnv([], [{ prefix: 'X_' }]) }, 'spec'))).toEqual(['spec.containers[0].envFrom[0]: Invalid value: "": must specify one of: `configMapRef` or `secretRef`']);
    expect(lines(validatePodEnvironment({ containers: [], initContainers: withEnv([], [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }]) }, 'spec'))).toEqual([
      'spec.initContainers[0].envFrom[0]: Invalid value: "": may not have more than one field specified at a time',
    ]);
    const deployment = { metadata: { name: 'web' }, spec: { template: { spec: { containers: withEnv([{ name: '' }]) } } } };
    expect(lines(validateEnvironmentOf(deployment, true))).toEqual(['spec.template.spec.containers[0].env[0].name: Required value']);
  });

  it('defaults a fieldRef\'s apiVersion to v1 and a resourceFieldRef\'s divisor to "0", in a pod and in a template, and keeps what was given', () => {
    const env = (): EnvVar[] => [
      { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'B', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
    ];
    const pod = { metadata: { name: 'p' }, spec: { containers: withEnv(env()) } };
    defaultEnvironmentOf(pod, false);
    const deployment = { metadata: { name: 'd' }, spec: { template: { spec: { initContainers: withEnv(env()), containers: [] } } } };
    defaultEnvironmentOf(deployment, true);
    for (const sources of [pod.spec.containers[0]!.env!, deployment.spec.template.spec.initContainers[0]!.env!].map((e) => e.map((v) => v.valueFrom))) {
      expect(sources).toEqual([{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }, { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } }, { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } }]);
    }
  });

  test.prop([fc.array(fc.record({ name: fc.stringMatching(/^[A-Z_]{1,8}$/), value: fc.string({ maxLength: 10 }) }), { maxLength: 6 })])('any list of named plain values is valid', (env) => {
    expect(validatePodEnvironment({ containers: withEnv(env) }, 'spec')).toEqual([]);
  });

  test.prop([fc.constantFrom<keyof NonNullable<EnvVar['valueFrom']>>('fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'), fc.string({ minLength: 1, maxLength: 5 })])(
    'a valid source beside a value is always refused at valueFrom, with the one message about value',
    (kind, value) => {
      const sources = { fieldRef: { fieldPath: 'metadata.name' }, resourceFieldRef: { resource: 'limits.cpu' }, configMapKeyRef: { name: 'cfg', key: 'k' }, secretKeyRef: { name: 'db', key: 'k' } };
      const errors = validatePodEnvironment({ containers: withEnv([{ name: 'A', value, valueFrom: { [kind]: sources[kind] } }]) }, 'spec');
      expect(lines(errors)).toEqual(['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty']);
    },
  );
});
