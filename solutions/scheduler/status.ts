/**
 * The answer of a plugin: a {@link Status} with a code and the reasons behind it.
 *
 * The codes are kube-scheduler's (pkg/scheduler/framework/interface.go): a Filter plugin answers
 * `Success` when the pod may go to the node, `Unschedulable` when it may not *now* (another pod
 * could leave and make room), `UnschedulableAndUnresolvable` when it may not whatever happens to
 * other pods (the node lacks a label, is cordoned), and `Error` when the plugin itself failed.
 * `Skip`, from a PreFilter or a PreScore plugin, means "this plugin has nothing to say about this
 * pod": the framework then leaves out its Filter (or Score) for the whole cycle.
 *
 * The reasons are the phrases a user reads in `kubectl describe pod`, counted over nodes:
 * `"Insufficient cpu"`, `"node(s) were unschedulable"`.
 *
 * This file is given.
 *
 * @example
 * ```ts
 * Status.success().isSuccess();                                   // true
 * Status.unschedulable('Insufficient cpu', 'Insufficient memory'); // one node, two reasons
 * Status.unresolvable('node(s) were unschedulable').message();    // "node(s) were unschedulable"
 * Status.fromError(new Error('boom')).code;                       // 'Error'
 * ```
 */

/** What a plugin decided (kube-scheduler's framework.Code). */
export type Code = 'Success' | 'Error' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip';

/** The highest score a Score plugin may give a node, after normalization (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

/** The lowest score a Score plugin may give a node (framework.MinNodeScore). */
export const MIN_NODE_SCORE = 0;

/** Where in the scheduling cycle a plugin ran, for {@link Status.pluginError}'s message. */
export type ExtensionPoint = 'prefilter' | 'filter' | 'prescore' | 'score' | 'normalize';

const PLUGIN_ERROR_WORDS: Record<ExtensionPoint, (plugin: string, message: string) => string> = {
  prefilter: (plugin, message) => `running PreFilter plugin "${plugin}": ${message}`,
  filter: (plugin, message) => `running "${plugin}" filter plugin: ${message}`,
  prescore: (plugin, message) => `running PreScore plugin "${plugin}": ${message}`,
  score: (plugin, message) => `running Score plugins: plugin "${plugin}" failed with: ${message}`,
  normalize: (plugin, message) => `running Normalize on Score plugins: plugin "${plugin}" failed with: ${message}`,
};

/** A plugin's answer: a code, the reasons for it and, for `Error`, the error itself. */
export class Status {
  private static readonly SUCCESS = new Status('Success');
  private static readonly SKIP = new Status('Skip');

  /**
   * @param code - what was decided
   * @param reasons - why, in the words a user reads (`"Insufficient cpu"`); empty for Success
   * @param error - for `Error`: what was thrown
   * @param plugin - the plugin that answered (the framework fills it in)
   */
  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly error?: unknown,
    public plugin?: string,
  ) {}

  /** The one shared Success (a filter answers it for most nodes: no allocation per node). */
  static success(): Status {
    return Status.SUCCESS;
  }

  /** The one shared Skip. */
  static skip(): Status {
    return Status.SKIP;
  }

  /** Unschedulable: not now, but maybe after other pods leave. */
  static unschedulable(...reasons: string[]): Status {
    return new Status('Unschedulable', reasons);
  }

  /** UnschedulableAndUnresolvable: not on this node, whatever other pods do. */
  static unresolvable(...reasons: string[]): Status {
    return new Status('UnschedulableAndUnresolvable', reasons);
  }

  /** An Error status for something thrown; its reason is the error's message. */
  static fromError(error: unknown, plugin?: string): Status {
    const message = error instanceof Error ? error.message : String(error);
    return new Status('Error', [message], error, plugin);
  }

  /**
   * An Error status for a plugin that threw, or answered an error, at an extension point, in
   * kube-scheduler v1.32's words (pkg/scheduler/framework/runtime/framework.go), which differ by
   * extension point:
   *
   * | extension point | message |
   * | --- | --- |
   * | prefilter | `running PreFilter plugin "Name": boom` |
   * | filter | `running "Name" filter plugin: boom` |
   * | prescore | `running PreScore plugin "Name": boom` |
   * | score | `running Score plugins: plugin "Name" failed with: boom` |
   * | normalize | `running Normalize on Score plugins: plugin "Name" failed with: boom` |
   *
   * For a status the plugin returned, pass `status.asError()`: its message is the status's reasons.
   */
  static pluginError(error: unknown, plugin: string, extensionPoint: ExtensionPoint): Status {
    const message = error instanceof Error ? error.message : String(error);
    return new Status('Error', [PLUGIN_ERROR_WORDS[extensionPoint](plugin, message)], error, plugin);
  }

  /**
   * This Error status as something to throw: the original error when it is the starter's
   * NotImplemented (so that a test names the kata to write), else an Error with the status's
   * message whose `cause` is what the plugin threw.
   */
  asError(): Error {
    if (this.error instanceof Error && this.error.name === 'NotImplemented') return this.error;
    return new Error(this.message(), { cause: this.error });
  }

  /** True for Success. */
  isSuccess(): boolean {
    return this.code === 'Success';
  }

  /** True for Skip. */
  isSkip(): boolean {
    return this.code === 'Skip';
  }

  /** True for Unschedulable and UnschedulableAndUnresolvable: the node (or the pod) is turned away. */
  isRejected(): boolean {
    return this.code === 'Unschedulable' || this.code === 'UnschedulableAndUnresolvable';
  }

  /** The reasons joined with ", " (framework.Status.Message). */
  message(): string {
    return this.reasons.join(', ');
  }

  /** The same status, marked with the plugin that gave it (a shared Success stays shared). */
  withPlugin(plugin: string): Status {
    if (this.code === 'Success' || this.code === 'Skip') return this;
    return new Status(this.code, this.reasons, this.error, plugin);
  }

  /** `"Unschedulable: Insufficient cpu"`. */
  toString(): string {
    return this.reasons.length ? `${this.code}: ${this.message()}` : this.code;
  }
}
