/**
 * The errors the store raises, in etcd's own words.
 *
 * Every error is an {@link EtcdError} with a {@link EtcdErrorCode}: callers branch on the code
 * (`error.code === 'EmptyKey'`), people read the message. Where etcd has a message for the
 * situation, the message is etcd's, word for word, so that what you see here is what you would see
 * from a real cluster (etcd's api/v3rpc/rpctypes/error.go and mvcc/kvstore.go).
 *
 * This file is given: later katas add their codes to {@link ETCD_ERRORS} (kata 02 adds
 * "mvcc: required revision has been compacted", and so on).
 *
 * @example
 * ```ts
 * throw new EtcdError('EmptyKey');             // "etcdserver: key is not provided"
 * throw new EtcdError('InvalidLimit', 'got -1'); // "limit must be ... (got -1)"
 * ```
 */

/** Each error code and its message. */
export const ETCD_ERRORS = {
  /** A put, get, range or delete without a key (etcd: rpctypes.ErrGRPCEmptyKey). */
  EmptyKey: 'etcdserver: key is not provided',
  /**
   * A range limit that is not a whole number >= 0. Real etcd treats a negative limit as "no
   * limit"; this store refuses it, because it is always a bug in the caller.
   */
  InvalidLimit: 'limit must be a whole number >= 0, where 0 means no limit',
} as const;

/** What went wrong, for code to branch on: a key of {@link ETCD_ERRORS}. */
export type EtcdErrorCode = keyof typeof ETCD_ERRORS;

/** An error raised by the store; its message is etcd's message for {@link EtcdError.code}. */
export class EtcdError extends Error {
  override readonly name = 'EtcdError';

  /**
   * @param code - what went wrong; the message is {@link ETCD_ERRORS}[code]
   * @param detail - optional particulars, appended in parentheses ("got -1")
   */
  constructor(
    readonly code: EtcdErrorCode,
    detail?: string,
  ) {
    super(detail === undefined ? ETCD_ERRORS[code] : `${ETCD_ERRORS[code]} (${detail})`);
  }
}
