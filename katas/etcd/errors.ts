/**
 * The errors of the store, with etcd's own messages, so that a client (and later the apiserver)
 * can tell what went wrong by its code.
 *
 * @example
 * ```ts
 * throw new EtcdError('InvalidArgument', ErrorMessages.emptyKey);
 * // EtcdError: etcdserver: key is not provided
 * ```
 */
export class EtcdError extends Error {
  override readonly name = 'EtcdError';

  /**
   * @param code - the gRPC status code etcd answers with ("InvalidArgument", "OutOfRange", ...)
   * @param message - etcd's message, from {@link ErrorMessages} where etcd has one
   */
  constructor(
    readonly code: 'InvalidArgument' | 'OutOfRange' | 'NotFound' | 'FailedPrecondition' | 'DataLoss',
    message: string,
  ) {
    super(message);
  }
}

/** etcd's messages, word for word (etcdserver/api/v3rpc/rpctypes/error.go, mvcc/kvstore.go). */
export const ErrorMessages = {
  /** a put, get, range or delete without a key */
  emptyKey: 'etcdserver: key is not provided',
  /** a range with a negative or fractional limit (etcd's limit is an int64 and has no message for this: ours) */
  negativeLimit: 'etcdserver: limit must be a whole number >= 0',
} as const;
