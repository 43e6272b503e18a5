/**
 * The given protobuf decoder (katas/apiserver/protobuf.ts) reads a DeleteOptions in whatever group
 * version it comes: `kubectl drain` on a cluster without the eviction API deletes each pod with a
 * protobuf `v1` DeleteOptions body, and "no kind DeleteOptions is registered for version v1" made
 * every drain fail.
 */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { decodeProtobuf } from '../../solutions/apiserver/protobuf.ts';

/** A body as kubectl writes it, field numbers from upstream's generated.proto (meta/v1 DeleteOptions, runtime.Unknown). */
function kubectlBody(apiVersion: string): Uint8Array {
  const preconditions = protobuf.Writer.create().uint32((1 << 3) | 2).string('4f6c-uid').finish();
  const options = protobuf.Writer.create()
    .uint32((1 << 3) | 0).int64(3) // gracePeriodSeconds
    .uint32((2 << 3) | 2).bytes(preconditions)
    .uint32((4 << 3) | 2).string('Foreground') // propagationPolicy
    .uint32((5 << 3) | 2).string('All') // dryRun
    .finish();
  const typeMeta = protobuf.Writer.create().uint32((1 << 3) | 2).string(apiVersion).uint32((2 << 3) | 2).string('DeleteOptions').finish();
  const unknown = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(typeMeta).uint32((2 << 3) | 2).bytes(options).finish();
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

describe('a protobuf DeleteOptions body', () => {
  for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
    it(`decodes in ${apiVersion}, as every group version registers meta's DeleteOptions`, () => {
      expect(decodeProtobuf(kubectlBody(apiVersion))).toEqual({
        kind: 'DeleteOptions',
        apiVersion,
        gracePeriodSeconds: 3,
        preconditions: { uid: '4f6c-uid' },
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      });
    });
  }
});
