/**
 * The errors the store raises, in etcd's own words.
 *
 * Every error is an {@link EtcdError} with a {@link EtcdErrorCode}: callers branch on the code
 * (`error.code === 'EmptyKey'`), people read the message. Where etcd has a message for the
 * situation, the message is etcd's, word for word, so that what you see here is what you would see
 * from a real cluster (etcd's api/v3rpc/rpctypes/error.go and mvcc/kvstore.go).
 *
 * This file is given, with every code of katas 01 to 06 already in it: you never edit it.
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
  /** A read, compaction or watch at a revision the store has not reached (etcd: mvcc.ErrFutureRev). */
  FutureRevision: 'mvcc: required revision is a future revision',
  /** A read or watch below the compacted revision, or a compaction at or below it (mvcc.ErrCompacted). */
  Compacted: 'mvcc: required revision has been compacted',
  /** A transaction with more compares, or more ops in a branch, than the limit, 128 (rpctypes.ErrGRPCTooManyOps). */
  TooManyOps: 'etcdserver: too many operations in txn request',
  /** A transaction branch that writes one key twice (rpctypes.ErrGRPCDuplicateKey). */
  DuplicateKey: 'etcdserver: duplicate key given in txn request',
  /** A compare whose value has the wrong type for its target (a number for value, a string for a revision), or whose target or result is unknown. */
  InvalidCompare: 'a compare on value needs a string; on version, createRevision or modRevision a whole number',
  /** A put or keep-alive naming a lease that does not exist (rpctypes.ErrGRPCLeaseNotFound). */
  LeaseNotFound: 'etcdserver: requested lease not found',
  /** A grant with an ID that is already taken (rpctypes.ErrGRPCLeaseExist). */
  LeaseExists: 'etcdserver: lease already exists',
  /** A grant with a TTL that is not a whole number of seconds > 0, or too large (rpctypes.ErrGRPCLeaseTTLTooLarge). */
  InvalidTTL: 'etcdserver: too large lease TTL',
  /** A watch of a range whose end is not after its key (mvcc.ErrEmptyWatcherRange). */
  EmptyWatcherRange: 'mvcc: watcher range is empty',
  /** The write-ahead log or a snapshot could not be read back: a record in the middle is damaged. */
  CorruptLog: 'wal: crc mismatch',
  /** The write-ahead log's directory cannot be created, read or written. */
  LogUnavailable: 'wal: cannot use the log directory',
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
