/**
 * Faults injected into the store's file system, for the apiserver's crash tests
 * (tools/test/apiserver-crash.test.ts): `npm run apiserver` wraps kata 06's file system with them
 * when `KATA_WAL_FAULT` is set, so that a test can fill the disk or fail an fsync in a real
 * server process, where it cannot mount a small file system of its own.
 *
 * - `enospc-after:<bytes>`: writes fail with ENOSPC once the log has written that many bytes;
 * - `eio-fsync-after:<n>`: every fsync after the first n fails with EIO.
 *
 * @example
 * openDurableStore(dir, { fs: faultyWalFs('enospc-after:20000', nodeWalFs) });
 */
import type { WalFs } from '@kube/etcd';

/** The file system `base` with the fault that `spec` names; throws for a spec it does not know. */
export function faultyWalFs(spec: string, base: WalFs): WalFs {
  const match = /^(enospc-after|eio-fsync-after):(\d+)$/.exec(spec);
  if (!match) throw new Error(`KATA_WAL_FAULT=${spec} is not a fault: use enospc-after:<bytes> or eio-fsync-after:<fsyncs>.`);
  const limit = Number(match[2]);
  const failure = (code: string, what: string): Error => Object.assign(new Error(`${code}: ${what}`), { code });
  let written = 0;
  let syncs = 0;
  return {
    ...base,
    async open(path) {
      const file = await base.open(path);
      return {
        async write(bytes) {
          if (match[1] === 'enospc-after' && written + bytes.length > limit) throw failure('ENOSPC', 'no space left on device, write');
          written += bytes.length;
          await file.write(bytes);
        },
        async sync() {
          syncs++;
          if (match[1] === 'eio-fsync-after' && syncs > limit) throw failure('EIO', 'i/o error, fsync');
          await file.sync();
        },
        close: () => file.close(),
      };
    },
  };
}
