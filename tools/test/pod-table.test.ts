/**
 * The given table printer (katas/apiserver/table.ts, the same in solutions/): what `kubectl get
 * pods` shows in READY, STATUS and RESTARTS, case by case as upstream's printPod
 * (pkg/printers/internalversion/printers.go, v1.32), and ages as apimachinery's HumanDuration.
 */
import { describe, expect, it } from 'vitest';
import { humanDuration, toTable } from '../../solutions/apiserver/table.ts';
import * as starterTable from '../../katas/apiserver/table.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

type Row = { cells: (string | number)[] };
function row(pod: object): { ready: string; status: string; restarts: string; gates: string } {
  const table = toTable([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: ago(60) }, ...pod } as never], 'Pod', NOW) as { rows: Row[] };
  const [, ready, status, restarts, , , , , gates] = table.rows[0]!.cells;
  return { ready: String(ready), status: String(status), restarts: String(restarts), gates: String(gates) };
}
const oneContainer = { containers: [{ name: 'app', image: 'kubekata/echo' }] };
const running = { running: { startedAt: ago(50) } };

describe('kubectl get pods: READY, STATUS and RESTARTS', () => {
  const cases: { name: string; pod: object; ready: string; status: string; restarts?: string }[] = [
    { name: 'a pod not yet scheduled shows its phase, Pending', pod: { spec: oneContainer, status: { phase: 'Pending' } }, ready: '0/1', status: 'Pending' },
    {
      name: 'a pod whose image cannot be pulled shows the waiting reason, ImagePullBackOff, not Pending',
      pod: { spec: oneContainer, status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } },
      ready: '0/1',
      status: 'ImagePullBackOff',
    },
    {
      name: 'a pod whose container crashes over and over shows CrashLoopBackOff and its restarts with how long ago the last one stopped',
      pod: {
        spec: oneContainer,
        status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(20) } } }] },
      },
      ready: '0/1',
      status: 'CrashLoopBackOff',
      restarts: '3 (20s ago)',
    },
    {
      name: 'a running and ready container counts as ready and the pod shows Running',
      pod: { spec: oneContainer, status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] } },
      ready: '1/1',
      status: 'Running',
      restarts: '0',
    },
    {
      name: 'a container that exited without a reason shows its exit code',
      pod: { spec: oneContainer, status: { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] } },
      ready: '0/1',
      status: 'ExitCode:3',
    },
    {
      name: 'a container killed by a signal without a reason shows the signal',
      pod: { spec: oneContainer, status: { phase: 'Failed', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] } },
      ready: '0/1',
      status: 'Signal:9',
    },
    {
      name: 'a pod whose one container completed while the other still runs shows Running, not Completed',
      pod: {
        spec: { containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [
            { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
            { name: 'b', ready: true, restartCount: 0, state: running },
          ],
        },
      },
      ready: '1/2',
      status: 'Running',
    },
    {
      name: 'a pod still running its first init container shows Init:0/2',
      pod: {
        spec: { ...oneContainer, initContainers: [{ name: 'i1' }, { name: 'i2' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', ready: false, restartCount: 0, state: running }, { name: 'i2', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] },
      },
      ready: '0/1',
      status: 'Init:0/2',
    },
    {
      name: 'a pod whose init container crashes shows Init:CrashLoopBackOff',
      pod: { spec: { ...oneContainer, initContainers: [{ name: 'i1' }] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] } },
      ready: '0/1',
      status: 'Init:CrashLoopBackOff',
      restarts: '2',
    },
    {
      name: 'a pod being deleted shows Terminating',
      pod: { metadata: { name: 'p', creationTimestamp: ago(60), deletionTimestamp: ago(1) }, spec: oneContainer, status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] } },
      ready: '1/1',
      status: 'Terminating',
    },
    {
      name: 'a pod being deleted from a lost node shows Unknown',
      pod: { metadata: { name: 'p', creationTimestamp: ago(60), deletionTimestamp: ago(1) }, spec: oneContainer, status: { phase: 'Running', reason: 'NodeLost' } },
      ready: '0/1',
      status: 'Unknown',
    },
    {
      name: 'a finished pod being deleted keeps showing how it finished',
      pod: { metadata: { name: 'p', creationTimestamp: ago(60), deletionTimestamp: ago(1) }, spec: oneContainer, status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } },
      ready: '0/1',
      status: 'Completed',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const shown = row(c.pod);
      expect({ ready: shown.ready, status: shown.status }).toEqual({ ready: c.ready, status: c.status });
      if (c.restarts !== undefined) expect(shown.restarts).toBe(c.restarts);
    });
  }

  it('shows how many readiness gates are met with -o wide, and <none> without gates', () => {
    expect(row({ spec: oneContainer, status: { phase: 'Pending' } }).gates).toBe('<none>');
    expect(row({ spec: { ...oneContainer, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/db' }] }, status: { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }] } }).gates).toBe('1/2');
  });
});

describe('ages as kubectl prints them (HumanDuration)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [-1000, '0s'],
    [-5000, '<invalid>'],
    [119_000, '119s'],
    [330_000, '5m30s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [200 * 60_000, '3h20m'],
    [20 * 3_600_000, '20h'],
    [76 * 3_600_000, '3d4h'],
    [30 * 86_400_000, '30d'],
    [(2 * 365 + 100) * 86_400_000, '2y100d'],
    [9 * 365 * 86_400_000, '9y'],
  ];
  for (const [ms, shown] of cases) it(`prints ${ms} ms as ${shown}`, () => expect(humanDuration(ms)).toBe(shown));

  it('is the same given code in the starter and the solution', () => {
    for (const [ms] of cases) expect(starterTable.humanDuration(ms)).toBe(humanDuration(ms));
  });
});

describe('kubectl get nodes -o wide: printNode', () => {
  const node = (status: object, spec: object = {}) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', creationTimestamp: ago(60), labels: { 'node-role.kubernetes.io/control-plane': '' } }, spec, status });
  const columnsAndRow = (n: object) => {
    const table = toTable([n as never], 'Node', NOW) as { columnDefinitions: { name: string; priority: number }[]; rows: Row[] };
    return { columns: table.columnDefinitions.map((c) => `${c.name}${c.priority ? ' (wide)' : ''}`), cells: table.rows[0]!.cells };
  };

  it("has upstream's columns, the wide ones last: INTERNAL-IP, EXTERNAL-IP, OS-IMAGE, KERNEL-VERSION, CONTAINER-RUNTIME", () => {
    expect(columnsAndRow(node({})).columns).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP (wide)', 'External-IP (wide)', 'OS-Image (wide)', 'Kernel-Version (wide)', 'Container-Runtime (wide)']);
  });

  it('prints a node that says everything as it says it, and a cordoned one as Ready,SchedulingDisabled', () => {
    const full = node(
      {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'ExternalIP', address: '203.0.113.7' }, { type: 'Hostname', address: 'node-1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'containerd://1.7.13' },
      },
      { unschedulable: true },
    );
    expect(columnsAndRow(full).cells).toEqual(['node-1', 'Ready,SchedulingDisabled', 'control-plane', '60s', 'v1.32.0', '10.0.0.5', '203.0.113.7', 'Debian GNU/Linux 12 (bookworm)', '6.1.0-18-amd64', 'containerd://1.7.13']);
  });

  it('lists the roles from node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted, each once, none empty', () => {
    const labelled = { ...node({}), metadata: { name: 'node-1', creationTimestamp: ago(60), labels: { 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'edge', 'node-role.kubernetes.io/control-plane': 'yes', 'node-role.kubernetes.io/': '', 'node-role.kubernetes.io/edge': '' } } };
    expect(columnsAndRow(labelled).cells[2]).toBe('control-plane,edge,worker');
    expect(columnsAndRow({ ...node({}), metadata: { name: 'node-1', creationTimestamp: ago(60) } }).cells[2]).toBe('<none>');
  });

  it('prints a missing address as <none>, an empty system fact as <unknown>, and a node with no Ready condition yet as Unknown', () => {
    expect(columnsAndRow(node({ nodeInfo: { kubeletVersion: 'v1.32.0', osImage: '', kernelVersion: '', containerRuntimeVersion: '' } })).cells).toEqual(['node-1', 'Unknown', 'control-plane', '60s', 'v1.32.0', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>']);
  });
});
