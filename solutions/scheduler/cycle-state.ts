import type { NodeInfo } from './node-info.ts';

/**
 * The scratch space of one scheduling cycle (kube-scheduler's framework.CycleState).
 *
 * A plugin's PreFilter computes, once per pod, what its Filter needs for every node, and leaves it
 * here under its own key; Filter reads it back. A new CycleState is made for every pod, so nothing
 * leaks from one pod's cycle into the next one's.
 *
 * This file is given.
 *
 * @example
 * ```ts
 * const state = new CycleState();
 * state.write('PreFilterNodeResourcesFit', { cpu: 500 });
 * state.read<{ cpu: number }>('PreFilterNodeResourcesFit'); // { cpu: 500 }
 * state.read('nothing here');                               // throws: a plugin's PreFilter did not run
 * ```
 */
export class CycleState {
  /**
   * @param allNodes - every node of the snapshot, for the plugins whose PreScore needs more
   *   than the feasible nodes (PodTopologySpread counts pods on all of them)
   */
  constructor(readonly allNodes: readonly NodeInfo[] = []) {}

  private readonly data = new Map<string, unknown>();
  /** The plugins whose PreFilter answered Skip: the framework does not run their Filter for this pod. */
  readonly skipFilterPlugins = new Set<string>();
  /** The plugins whose PreScore answered Skip: the framework does not run their Score for this pod. */
  readonly skipScorePlugins = new Set<string>();

  /** Stores `value` under `key` (by convention "PreFilter" + the plugin's name). */
  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /**
   * The value stored under `key`.
   *
   * @throws Error `reading "key" from cycleState: not found` when nothing was written there
   *   (kube-scheduler's wording): a Filter that runs without its PreFilter is a bug.
   */
  read<T>(key: string): T {
    if (!this.data.has(key)) throw new Error(`reading "${key}" from cycleState: not found`);
    return this.data.get(key) as T;
  }

  /** True when something was written under `key`. */
  has(key: string): boolean {
    return this.data.has(key);
  }
}
