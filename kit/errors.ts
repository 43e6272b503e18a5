/**
 * The error a starter throws where the learner has work to do.
 *
 * The CLI and the grader recognise it and report "kata 03 is not implemented yet: Store.txn"
 * instead of a stack trace.
 *
 * @example
 * ```ts
 * put(key: string, value: string): PutResult {
 *   // TODO(01): store the value under the key.
 *   throw new NotImplemented('01', 'MemoryStore.put');
 * }
 * ```
 */
export class NotImplemented extends Error {
  override readonly name = 'NotImplemented';

  /**
   * @param kata - the kata number, two digits ("03")
   * @param what - what is missing, usually `Class.method` ("Store.txn")
   */
  constructor(
    readonly kata: string,
    readonly what?: string,
  ) {
    super(`kata ${kata} is not implemented yet${what ? `: ${what}` : ''}`);
  }
}

/** True when `error` is a {@link NotImplemented} (also across module copies, by its name). */
export function isNotImplemented(error: unknown): error is NotImplemented {
  return error instanceof NotImplemented || (error instanceof Error && error.name === 'NotImplemented');
}
