/**
 * What a call threw, to assert on its type, code and message. A starter throws too (it throws
 * NotImplemented), so a test must never check only that something was thrown.
 *
 * @example
 * ```ts
 * expect(thrownBy(() => store.put('', 'v'))).toMatchObject({ name: 'EtcdError', code: 'EmptyKey' });
 * ```
 */
import { isNotImplemented } from '@kube/kit';

/**
 * The value `call` throws; if it returns instead, a failure naming what it returned.
 *
 * A NotImplemented is thrown on, not returned: no test expects one, and failing with "kata 07 is
 * not implemented yet" tells a learner (and the grader's "not started") more than "expected
 * undefined to match object".
 */
export function thrownBy(call: () => unknown): unknown {
  let returned: unknown;
  try {
    returned = call();
  } catch (error) {
    if (isNotImplemented(error)) throw error;
    return error;
  }
  throw new Error(`expected an error to be thrown, but the call returned ${JSON.stringify(returned) ?? String(returned)}`);
}
