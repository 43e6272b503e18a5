/**
 * The given protobuf schema (katas/apiserver/proto-schema.ts) carries a container's environment
 * whole: `envFrom`, and `valueFrom` with its four sources, whose ConfigMap or Secret name Go
 * embeds (`LocalObjectReference`, inline). Before, a protobuf client's pod lost them on the way in.
 */
import { describe, expect, it } from 'vitest';
import { decodeProtobuf, encodeProtobuf } from '../../solutions/apiserver/protobuf.ts';
import type { Pod } from '@kube/kit';

describe('a pod with env sources, through protobuf', () => {
  it('comes back as it went: envFrom with prefixes, valueFrom fieldRef, resourceFieldRef, configMapKeyRef and secretKeyRef, optional kept', () => {
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'env', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'kubekata/echo',
            envFrom: [{ prefix: 'CM_', configMapRef: { name: 'settings', optional: true } }, { secretRef: { name: 'tokens' } }],
            env: [
              { name: 'PLAIN', value: 'x' },
              { name: 'NODE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } } },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode', optional: false } } },
              { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'tokens', key: 'api' } } },
            ],
          },
        ],
      },
    };
    expect(decodeProtobuf(encodeProtobuf(pod)!)).toEqual(pod);
  });
});
