/**
 * The phase table of shared/REFERENCE.md (pkg/kubelet/kubelet_pods.go getPhase), written as a
 * table for kata 23's property: every container is put in one class first, then the first row
 * that matches decides. Deliberately not shaped like a solution's counting loop.
 */
import type { ContainerStatus, PodPhase, PodSpec } from '@kube/kit';

/** What one container's status says, in the table's words. */
export type Kind = 'absent' | 'waiting-never-ran' | 'waiting-after-run' | 'running' | 'exited-0' | 'exited-failed';

/** One container's status as a class; `lastCode` is the exit code of the run before (for waiting-after-run). */
export function kindOf(status: ContainerStatus | undefined): { kind: Kind; lastCode?: number } {
  if (!status) return { kind: 'absent' };
  if (status.state?.running) return { kind: 'running' };
  if (status.state?.terminated) return { kind: status.state.terminated.exitCode === 0 ? 'exited-0' : 'exited-failed' };
  if (status.lastState?.terminated) return { kind: 'waiting-after-run', lastCode: status.lastState.terminated.exitCode };
  return { kind: 'waiting-never-ran' };
}

/** The phase the table gives. */
export function expectedPhase(spec: PodSpec, statuses: ContainerStatus[], terminal: boolean): PodPhase {
  const find = (name: string) => statuses.find((s) => s.name === name);
  const inits = (spec.initContainers ?? []).map((c) => kindOf(find(c.name)));
  const regular = spec.containers.map((c) => kindOf(find(c.name)));
  const policy = spec.restartPolicy ?? 'Always';

  const initFailed = inits.some((k) => k.kind === 'exited-failed' || (k.kind === 'waiting-after-run' && k.lastCode !== 0));
  const initPending = inits.some((k) => k.kind === 'absent' || k.kind === 'running' || k.kind === 'waiting-never-ran');
  const regularStarted = regular.some((k) => k.kind === 'running' || k.kind === 'exited-0' || k.kind === 'exited-failed');

  const rows: [boolean, () => PodPhase][] = [
    [initFailed && policy === 'Never', () => 'Failed'],
    [(initPending && !regularStarted) || regular.some((k) => k.kind === 'waiting-never-ran'), () => 'Pending'],
    [regular.some((k) => k.kind === 'running') && !regular.some((k) => k.kind === 'absent'), () => 'Running'],
    [
      regular.every((k) => k.kind === 'exited-0' || k.kind === 'exited-failed' || k.kind === 'waiting-after-run'),
      () => {
        const allSucceeded = regular.every((k) => k.kind === 'exited-0');
        if (terminal) return allSucceeded ? 'Succeeded' : 'Failed';
        if (policy === 'Always') return 'Running';
        if (allSucceeded) return 'Succeeded';
        return policy === 'Never' ? 'Failed' : 'Running';
      },
    ],
  ];
  for (const [when, phase] of rows) if (when) return phase();
  return 'Pending';
}
