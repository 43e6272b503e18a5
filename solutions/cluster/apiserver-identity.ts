/**
 * kube-apiserver's identity Lease (the APIServerIdentity feature, on since v1.26): each apiserver
 * keeps a Lease `kube-system/apiserver-<hash of its host>` labelled
 * `apiserver.kubernetes.io/identity=kube-apiserver`, renewed every 10 s with a duration of an
 * hour, so that other parts of the control plane can tell which apiservers are alive
 * (pkg/controlplane/apiserver/server.go, with component-helpers' lease controller).
 * `kubectl get leases -n kube-system` lists it beside the scheduler's and the controller
 * manager's leader-election Leases.
 *
 * Given code: the control plane of kata 29 runs one over HTTPS, written straight to the registry
 * as upstream's apiserver writes it through its loopback client. Simplified: no garbage
 * collection of other apiservers' expired identity Leases (one apiserver here, whose name stays
 * the same across restarts: a restart takes its Lease over with a new holder).
 *
 * @example
 * ```ts
 * apiserverIdentity('control-plane');   // 'apiserver-' and 26 characters of lower-case base32
 * const lease = new IdentityLease({ registry, clock, random, hostname: 'control-plane' });
 * lease.start();   // written now, then every 10 s
 * lease.stop();
 * ```
 */
import { createHash } from 'node:crypto';
import { isStatusError, uuid, type Registry } from '@kube/apiserver';
import { microTime } from '@kube/controllers';
import { base32 } from '@kube/proxy';
import type { Clock, Lease, Random, Timer } from '@kube/kit';

/** The label that marks an identity Lease, and its value for kube-apiserver. */
export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';
export const KUBE_APISERVER = 'kube-apiserver';
/** Upstream's IdentityLeaseDurationSeconds and IdentityLeaseRenewIntervalPeriod. */
export const IDENTITY_LEASE_DURATION_SECONDS = 3600;
export const IDENTITY_LEASE_RENEW_MS = 10_000;

/**
 * The Lease's name: `apiserver-` and the first 16 bytes of the SHA-256 of the host name and
 * `kube-apiserver` (each behind its length in two bytes), in lower-case base32 without padding.
 */
export function apiserverIdentity(hostname: string): string {
  const prefixed = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const hash = createHash('sha256').update(Buffer.concat([prefixed(hostname), prefixed(KUBE_APISERVER)])).digest();
  return `apiserver-${base32(hash.subarray(0, 16)).replace(/=+$/, '').toLowerCase()}`;
}

/** How to build an {@link IdentityLease}. */
export interface IdentityLeaseOptions {
  registry: Registry;
  clock: Clock;
  /** draws the holder's uuid */
  random: Random;
  /** the apiserver's host: the Lease's name and its `kubernetes.io/hostname` label */
  hostname: string;
}

/** One apiserver's identity Lease, kept fresh while it runs. */
export class IdentityLease {
  /** the Lease's name */
  readonly name: string;
  /** who holds it: `<name>_<uuid>`, new at each start of the apiserver */
  readonly holder: string;
  private timer: Timer | undefined;

  constructor(private readonly options: IdentityLeaseOptions) {
    this.name = apiserverIdentity(options.hostname);
    this.holder = `${this.name}_${uuid(options.random)}`;
  }

  /** Writes the Lease now and every 10 s after. */
  start(): void {
    this.renew();
    this.timer = this.options.clock.setInterval(() => this.renew(), IDENTITY_LEASE_RENEW_MS);
  }

  stop(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Creates the Lease, or takes it over and renews it; a failed write waits for the next tick, as upstream's controller retries. */
  private renew(): void {
    const { registry, clock, hostname } = this.options;
    const spec = { holderIdentity: this.holder, leaseDurationSeconds: IDENTITY_LEASE_DURATION_SECONDS, renewTime: microTime(clock.now()) };
    try {
      const current = registry.get<Lease>('leases', 'kube-system', this.name);
      registry.update('leases', 'kube-system', { ...current, spec: { ...current.spec, ...spec } });
    } catch (error) {
      if (!isStatusError(error, 'NotFound')) return;
      try {
        registry.create<Lease>('leases', 'kube-system', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: 'kube-system', labels: { [IDENTITY_LABEL]: KUBE_APISERVER, 'kubernetes.io/hostname': hostname } },
          spec,
        });
      } catch {
        // another writer got there first: the next tick renews it
      }
    }
  }
}
