/**
 * The CRI container log format: what the runtime writes for each line a container prints, and
 * what `kubectl logs` reads back through the kubelet (kubelet `pkg/kubelet/kuberuntime/logs`).
 *
 * ```
 * 2026-01-01T00:00:00.25Z stdout F listening on 127.0.1.2:8080
 * 2026-01-01T00:00:01Z stderr P the first 16384 bytes of a very long line…
 * 2026-01-01T00:00:01Z stderr F …and the rest of it
 * ```
 *
 * One line of the file per line of output: `<timestamp> <stream> <tag> <content>`, the timestamp
 * in Go's RFC 3339 with nanoseconds (UTC, trailing zeros of the fraction dropped), the stream
 * `stdout` or `stderr`, the tag `F` for a full line or `P` for a part of one (a line longer
 * than the limit, or output that ended without a newline).
 */
import { NotImplemented, type Clock } from '@kube/kit';

/** Which output of the container a line came from. */
export type LogStream = 'stdout' | 'stderr';

/** `F`: a whole line; `P`: a part of a line that continues in the next `P` or `F` of the same stream. */
export type LogTag = 'F' | 'P';

/** containerd's default `max_container_log_line_size`: longer lines are cut into parts. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

/**
 * Formats epoch milliseconds as Go's `time.RFC3339Nano` in UTC: `2026-01-01T00:00:00.25Z`,
 * `2026-01-01T00:00:00Z` on a whole second (the fraction's trailing zeros are dropped, and the
 * dot with them).
 */
export function formatLogTimestamp(ms: number): string {
  // TODO(22): toISOString() gives 2026-01-01T00:00:00.250Z: drop the fraction's trailing zeros (and the dot when nothing is left).
  throw new NotImplemented('22', 'formatLogTimestamp');
}

/** One parsed line of a CRI log file. */
export interface CriLogLine {
  timestamp: string;
  stream: LogStream;
  tag: LogTag;
  content: string;
}

/**
 * Parses one line of a CRI log file (without its newline). Given code: the kubelet's log reader
 * (kata 25) and the tests use it. Throws an Error saying what is wrong with a malformed line.
 */
export function parseCriLogLine(line: string): CriLogLine {
  const match = /^(\S+) (stdout|stderr) (F|P) ([\s\S]*)$/.exec(line);
  if (!match) throw new Error(`not a CRI log line (want "<timestamp> <stdout|stderr> <F|P> <content>"): ${JSON.stringify(line.slice(0, 80))}`);
  return { timestamp: match[1]!, stream: match[2] as LogStream, tag: match[3] as LogTag, content: match[4]! };
}

/**
 * Turns a container's output into CRI log lines. Each stream is cut into lines at `\n`
 * separately (a line may arrive in many chunks, and the chunks of stdout and stderr interleave);
 * each line is stamped with the clock's time when its end arrived.
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const log = new CriLogWriter((l) => lines.push(l.toString()), clock);
 * log.write('stdout', 'hel');
 * log.write('stdout', 'lo\nwor');
 * log.end('stdout');
 * // lines = ['2026-01-01T00:00:00Z stdout F hello\n', '2026-01-01T00:00:00Z stdout P wor\n']
 * ```
 */
export class CriLogWriter {
  /**
   * @param sink - receives each log line as bytes, ending in `\n`, in order (a part cut at the
   *   limit may end inside a UTF-8 character: the bytes are written as they came, as containerd does)
   * @param clock - the time to stamp lines with
   * @param maxLineBytes - the longest content of one log line, in bytes; longer lines are cut into `P` parts
   */
  constructor(sink: (line: Buffer) => void, clock: Clock, maxLineBytes = MAX_LOG_LINE_BYTES) {
    // TODO(22): keep the sink, the clock and the limit (a RangeError unless it is a whole number > 0), and what each stream has written since its last newline.
    throw new NotImplemented('22', 'CriLogWriter.constructor');
  }

  /**
   * Takes a chunk of one stream's output: writes every line it completes (`F`, after any `P`
   * parts for a line longer than the limit), and a `P` part whenever what waits for its newline
   * grows past the limit.
   */
  write(stream: LogStream, chunk: Buffer | string): void {
    // TODO(22): append the chunk to the stream's pending bytes; write each complete line; then cut P parts while more than the limit is pending.
    throw new NotImplemented('22', 'CriLogWriter.write');
  }

  /** The stream is closed: what is left without a newline is written as a last `P` part. */
  end(stream: LogStream): void {
    // TODO(22): write the stream's pending bytes, if any, as P (cut at the limit too).
    throw new NotImplemented('22', 'CriLogWriter.end');
  }
}
