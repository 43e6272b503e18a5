/**
 * The final status of a terminated pod (given code, katas/kubelet/terminated-status.ts), case by
 * case after upstream's status manager `TerminatePod` and its tests: a container the kubelet never
 * saw end is reported as failed with 137, never as a success, and the phase is always terminal.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatus, Pod, PodStatus } from '@kube/kit';
import { fc, test } from '../../test/support/prop.ts';
import { CONTAINER_STATUS_UNKNOWN, terminatedPodStatus } from '../../katas/kubelet/terminated-status.ts';

const unknown = { terminated: { exitCode: 137, reason: CONTAINER_STATUS_UNKNOWN, message: 'The container could not be located when the pod was terminated' } };
const waiting = (name: string, lastExit?: number): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'i', imageID: '', state: { waiting: { reason: 'PodInitializing' } }, ...(lastExit !== undefined && { lastState: { terminated: { exitCode: lastExit } } }) });
const running = (name: string): ContainerStatus => ({ name, ready: true, restartCount: 0, image: 'i', imageID: 'i', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
const exited = (name: string, exitCode: number): ContainerStatus => ({ name, ready: false, restartCount: 0, image: 'i', imageID: 'i', state: { terminated: { exitCode } } });

/** A pod with these containers and init containers, whose API status is `status`. */
function podWith(containers: string[], initContainers: string[], status: PodStatus): Pod {
  return {
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
    spec: { containers: containers.map((name) => ({ name, image: 'i' })), ...(initContainers.length > 0 && { initContainers: initContainers.map((name) => ({ name, image: 'i' })) }) },
    status,
  };
}

describe('terminatedPodStatus, as upstream\'s TerminatePod', () => {
  it.each([
    {
      name: 'a pod deleted before its only container started ends Failed, the container terminated with 137 (ContainerStatusUnknown)',
      pod: podWith(['app'], [], { phase: 'Pending', containerStatuses: [waiting('app')] }),
      status: { phase: 'Pending', containerStatuses: [waiting('app')] } as PodStatus,
      phase: 'Failed',
      containers: [{ ...waiting('app'), state: unknown }],
      inits: undefined,
    },
    {
      name: 'a container that exited keeps its exit code, and a pod that already Succeeded stays Succeeded',
      pod: podWith(['app'], [], { phase: 'Succeeded' }),
      status: { phase: 'Succeeded', containerStatuses: [exited('app', 0)] } as PodStatus,
      phase: 'Succeeded',
      containers: [exited('app', 0)],
      inits: undefined,
    },
    {
      name: 'a running container the runtime still shows is terminated with 137 and the Running pod is Failed',
      pod: podWith(['app', 'side'], [], { phase: 'Running' }),
      status: { phase: 'Running', containerStatuses: [exited('app', 143), running('side')] } as PodStatus,
      phase: 'Failed',
      containers: [exited('app', 143), { ...running('side'), state: unknown }],
      inits: undefined,
    },
    {
      name: 'in a pod still initializing, the regular containers stay waiting: only the init containers up to the one that started are ended',
      pod: podWith(['app'], ['first', 'second', 'third'], { phase: 'Pending', initContainerStatuses: [exited('first', 0), running('second'), waiting('third')], containerStatuses: [waiting('app')] }),
      status: { phase: 'Pending', initContainerStatuses: [exited('first', 0), running('second'), waiting('third')], containerStatuses: [waiting('app')] } as PodStatus,
      phase: 'Failed',
      containers: [waiting('app')],
      inits: [exited('first', 0), { ...running('second'), state: unknown }, waiting('third')],
    },
    {
      name: 'when every init container is still waiting, the first is ended all the same',
      pod: podWith(['app'], ['first', 'second'], { phase: 'Pending', initContainerStatuses: [waiting('first'), waiting('second')], containerStatuses: [waiting('app')] }),
      status: { phase: 'Pending', initContainerStatuses: [waiting('first'), waiting('second')], containerStatuses: [waiting('app')] } as PodStatus,
      phase: 'Failed',
      containers: [waiting('app')],
      inits: [{ ...waiting('first'), state: unknown }, waiting('second')],
    },
    {
      name: 'a pod whose last init container exited 0 has initialized: its waiting regular containers are ended',
      pod: podWith(['app'], ['setup'], { phase: 'Pending', initContainerStatuses: [exited('setup', 0)], containerStatuses: [waiting('app')] }),
      status: { phase: 'Pending', initContainerStatuses: [exited('setup', 0)], containerStatuses: [waiting('app')] } as PodStatus,
      phase: 'Failed',
      containers: [{ ...waiting('app'), state: unknown }],
      inits: [exited('setup', 0)],
    },
    {
      name: 'a regular container waiting to restart after a run counts as the pod having initialized, and keeps its last state',
      pod: podWith(['app'], ['setup'], { phase: 'Running', initContainerStatuses: [waiting('setup')], containerStatuses: [waiting('app', 1)] }),
      status: { phase: 'Running', initContainerStatuses: [waiting('setup')], containerStatuses: [waiting('app', 1)] } as PodStatus,
      phase: 'Failed',
      containers: [{ ...waiting('app', 1), state: unknown }],
      inits: [{ ...waiting('setup'), state: unknown }],
    },
  ])('$name', ({ pod, status, phase, containers, inits }) => {
    const final = terminatedPodStatus(pod, status);
    expect(final.phase).toBe(phase);
    expect(final.containerStatuses).toEqual(containers);
    expect(final.initContainerStatuses).toEqual(inits);
  });

  it('changes nothing in the status it is given', () => {
    const status: PodStatus = { phase: 'Pending', containerStatuses: [waiting('app')] };
    const copy = structuredClone(status);
    terminatedPodStatus(podWith(['app'], [], status), status);
    expect(status).toEqual(copy);
  });

  const stateArb = fc.constantFrom<ContainerStatus>(waiting('c'), waiting('c', 0), waiting('c', 1), running('c'), exited('c', 0), exited('c', 1));
  test.prop([fc.array(stateArb, { minLength: 1, maxLength: 3 }), fc.array(stateArb, { maxLength: 3 }), fc.constantFrom<PodStatus['phase']>('Pending', 'Running', 'Succeeded', 'Failed')])(
    'whatever the containers\' states, the phase is terminal (a terminal one kept), no container is newly reported a success, and a container that exited keeps its exit',
    (regular, init, phase) => {
      const named = (list: ContainerStatus[], prefix: string) => list.map((s, i) => ({ ...s, name: `${prefix}${i}` }));
      const status: PodStatus = { phase: phase!, containerStatuses: named(regular, 'c'), ...(init.length > 0 && { initContainerStatuses: named(init, 'i') }) };
      const pod = podWith(named(regular, 'c').map((s) => s.name), named(init, 'i').map((s) => s.name), status);
      const final = terminatedPodStatus(pod, status);
      expect(final.phase === 'Succeeded' || final.phase === 'Failed').toBe(true);
      if (phase === 'Succeeded' || phase === 'Failed') expect(final.phase).toBe(phase);
      const before = [...(status.initContainerStatuses ?? []), ...status.containerStatuses!];
      const after = [...(final.initContainerStatuses ?? []), ...final.containerStatuses!];
      for (const [i, s] of after.entries()) {
        if (before[i]!.state?.terminated) expect(s.state, s.name).toEqual(before[i]!.state);
        else if (s.state?.terminated) expect(s.state.terminated.exitCode, `${s.name}: ended by the kubelet`).toBe(137);
      }
    },
  );
});
