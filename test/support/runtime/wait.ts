/**
 * Waiting on events, never on timers, for kata 22's process tests: a container's event from the
 * runtime, or a line in its log file (fs.watch: the kernel says when the file changes). The bound
 * is the test's own timeout, which is generous; a wait that never ends says what it waited for
 * through the `label` in the test's failure.
 */
import { existsSync, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { ContainerEvent, RuntimeService } from '@kube/runtime';

/**
 * Resolves once the container has exited (CONTAINER_EXITED), whether it already had or does later.
 */
export async function waitForExit(runtime: RuntimeService, containerId: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stop = runtime.onContainerEvent((event: ContainerEvent) => {
      if (event.containerId === containerId && event.type === 'CONTAINER_STOPPED_EVENT') {
        stop();
        resolve();
      }
    });
    runtime.containerStatus(containerId).then(
      (status) => {
        if (status.state === 'CONTAINER_EXITED') {
          stop();
          resolve();
        }
      },
      (error: unknown) => {
        stop();
        reject(error);
      },
    );
  });
}

/** Resolves with the file's text once `times` of its lines (one, unless told) match `pattern`. */
export async function waitForLogLine(path: string, pattern: RegExp, times = 1): Promise<string> {
  const read = (): string | undefined => {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    return text.split('\n').filter((line) => pattern.test(line)).length >= times ? text : undefined;
  };
  return new Promise((resolve) => {
    // Watch the folder, not the file: the file may not exist yet.
    const watcher = watch(dirname(path), () => {
      const text = read();
      if (text !== undefined) {
        watcher.close();
        resolve(text);
      }
    });
    const text = read();
    if (text !== undefined) {
      watcher.close();
      resolve(text);
    }
  });
}
