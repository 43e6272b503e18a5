/**
 * Reading a container's log back (kata 25), as `kubectl logs` shows it: the kubelet reads the CRI
 * log file the runtime wrote ([kata 22](kata:runtime/22)) and gives the container's output
 * again, the last lines only with `tailLines`, each line after its time with `timestamps`.
 * Upstream: `pkg/kubelet/kuberuntime/logs/logs.go` (ReadLogs, the log writer with its
 * timestamp prefix), `pkg/util/tail/tail.go` (FindTailLineStartIndex).
 *
 * @example
 * ```ts
 * const file = '2026-01-01T00:00:00Z stdout F hello\n2026-01-01T00:00:01Z stderr P wor\n2026-01-01T00:00:01Z stderr F ld\n';
 * readContainerLog(file);                        // 'hello\nworld\n'
 * readContainerLog(file, { tailLines: 2 });      // 'world\n' (the last two lines of the file)
 * readContainerLog(file, { timestamps: true });  // '2026-01-01T00:00:00.000000000Z hello\n2026-01-01T00:00:01.000000000Z world\n'
 * ```
 */
import { NotImplemented } from '@kube/kit';
import { parseCriLogLine } from '@kube/runtime';

/**
 * A log line's time as the kubelet writes it before the line (`timestamps`): Go's
 * RFC3339NanoFixed, nine digits of fraction always, where the file has RFC3339Nano's, whose
 * trailing zeros are dropped. Given code.
 *
 * @example
 * ```ts
 * kubeletLogTimestamp('2026-01-01T00:00:01.5Z');  // '2026-01-01T00:00:01.500000000Z'
 * kubeletLogTimestamp('2026-01-01T00:00:00Z');    // '2026-01-01T00:00:00.000000000Z'
 * ```
 */
export function kubeletLogTimestamp(timestamp: string): string {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(timestamp);
  if (!match) throw new Error(`not an RFC 3339 time in UTC (want 2026-01-01T00:00:00.25Z): ${JSON.stringify(timestamp)}`);
  return `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z`;
}

/** What `kubectl logs` asks for (PodLogOptions), the part that shapes the text. */
export interface LogReadOptions {
  /** only the last N lines of the file; undefined or negative: all */
  tailLines?: number;
  /** put each line's time ({@link kubeletLogTimestamp}) and a space before it */
  timestamps?: boolean;
}

/** Where a read left off, so that a follower can go on with the next lines. */
export interface LogReadState {
  /** the last content written was a part (`P`): the next line continues it, without a timestamp */
  inPartial: boolean;
}

/**
 * The container's output from the text of its CRI log file (whole lines, each ending in `\n`):
 * - `tailLines` N keeps the file's last N lines (a negative N, or none: all of them);
 * - each `F` line gives its content and a newline; a `P` line its content alone, so that the
 *   next line continues it;
 * - with `timestamps`, a line's timestamp as the kubelet writes it ({@link kubeletLogTimestamp})
 *   and a space come before it — only where a line of output starts, not before the rest of a
 *   line cut into parts.
 * A malformed line throws (parseCriLogLine's error). `state` carries on from an earlier read
 * (kubectl logs -f): where it ended inside a line, the first line here continues it.
 */
export function readContainerLog(text: string, options: LogReadOptions = {}, state: LogReadState = { inPartial: false }): string {
  // TODO(25): split into lines (drop the empty one after the last newline); keep the last tailLines (0: none, negative: all);
  // TODO(25): parse each (parseCriLogLine); its kubeletLogTimestamp and a space first when asked and not inside a line (state.inPartial);
  // TODO(25): then the content, a newline after an F; note in state whether it ended inside a line.
  throw new NotImplemented('25', 'readContainerLog');
}
