/**
 * A FakeClock whose timers overflow as Node's do: a timer asked to wait 2^31 ms or more (about
 * 24.8 days) fires after 1 ms instead (Node prints a TimeoutOverflowWarning and does exactly
 * that, and so does RealClock, which uses Node's timers). Still a FakeClock: no wall clock, time
 * moves only when a test advances it.
 *
 * @example
 * const clock = new NodeLikeClock();
 * clock.setTimeout(fire, 30 * 24 * 3600 * 1000); // fires at 1 ms, as on Node
 */
import { FakeClock, type Timer } from '@kube/kit';

/** The longest wait a Node timer keeps: 2^31 − 1 ms. */
const LONGEST_NODE_TIMER = 2 ** 31 - 1;

export class NodeLikeClock extends FakeClock {
  override setTimeout(fn: () => void, ms: number): Timer {
    return super.setTimeout(fn, ms > LONGEST_NODE_TIMER ? 1 : ms);
  }
}
