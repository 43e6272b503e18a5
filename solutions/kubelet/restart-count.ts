/**
 * A container's restart count read back from its log folder (kuberuntime_container.go
 * calcRestartCountByLogDir). Each run of a container logs to `<attempt>.log` in
 * `<logRoot>/<namespace>_<name>_<uid>/<container>/`, and the files stay when the runtime forgets
 * its containers — a node that rebooted, a runtime whose state was lost. With no run of the
 * container in the runtime, the kubelet starts the next one after the highest attempt logged
 * there, so that `RESTARTS` does not fall back to 0 and the new run does not write over `0.log`.
 *
 * @example
 * ```ts
 * // /var/log/pods/default_web_<uid>/app/ holds 0.log, 1.log, 2.log.20260101-000000 (rotated)
 * restartCountFromLogs('/var/log/pods/default_web_<uid>/app');   // 3
 * restartCountFromLogs('/nowhere');                               // 0: no folder is no run
 * ```
 */
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { Pod } from '@kube/kit';

/** A run's log file: its attempt, then `.log`, then what log rotation added (upstream's regexp). */
const RUN_LOG = /^(\d+)\.log(\..*)?$/;

/** The folder a container's runs log to under `logRoot` (BuildContainerLogsDirectory). */
export function containerLogDirectory(logRoot: string, pod: Pod, containerName: string): string {
  const { namespace, name, uid } = pod.metadata;
  return join(logRoot, `${namespace ?? 'default'}_${name}_${uid}`, containerName);
}

/** One more than the highest attempt that has a log file in `directory`; 0 when none has (or there is no folder). */
export function restartCountFromLogs(directory: string): number {
  let entries: Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return 0; // no folder: the container never ran here
  }
  let count = 0;
  for (const entry of entries) {
    const attempt = entry.isFile() ? RUN_LOG.exec(entry.name)?.[1] : undefined;
    if (attempt !== undefined) count = Math.max(count, Number(attempt) + 1);
  }
  return count;
}
