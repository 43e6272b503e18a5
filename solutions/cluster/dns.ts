/**
 * Cluster DNS (kata 28) as the cluster runs it: the server answering from the informers' caches
 * of Services, EndpointSlices and Namespaces. Given code. CoreDNS runs as pods behind the Service
 * `kube-system/kube-dns`; here the server listens on that Service's address itself (the userspace
 * proxy of kata 27 carries TCP only, and DNS is mostly UDP), at port 10053 by default because port
 * 53 needs root.
 *
 * @example
 * ```ts
 * const dns = new ClusterDns({ client, clock, tracer });
 * const { host, port } = await dns.start();   // dig @127.96.0.10 -p 10053 kubernetes.default.svc.cluster.local
 * await dns.stop();
 * ```
 */
import type { ApiClient } from '@kube/apiserver';
import { SharedInformerFactory } from '@kube/controllers';
import type { Clock } from '@kube/kit';
import { answerQuestion, DEFAULT_DNS_ADDRESS, DnsServer, InformerDnsView } from '@kube/proxy';
import type { Tracer } from './cluster-api.ts';

/** How to build a {@link ClusterDns}. */
export interface ClusterDnsOptions {
  client: ApiClient;
  clock: Clock;
  tracer: Tracer;
  /** default {@link DEFAULT_DNS_ADDRESS}: 127.96.0.10:10053; port 0 takes a free one */
  host?: string;
  port?: number;
}

/** The informers and the server. */
export class ClusterDns {
  private factory: SharedInformerFactory | undefined;
  private server: DnsServer | undefined;

  constructor(private readonly options: ClusterDnsOptions) {}

  /** Starts the informers, waits for their first lists, then listens; resolves to the address. */
  async start(): Promise<{ host: string; port: number }> {
    const { client, clock, tracer } = this.options;
    return tracer.step('coredns', 'start', async () => {
      this.factory = new SharedInformerFactory({ client, clock, onError: (resource, error) => tracer.log('coredns', `${resource}: ${(error as Error).message}`) });
      const view = new InformerDnsView(this.factory, clock);
      this.factory.start();
      await view.whenSynced();
      this.server = new DnsServer({
        answer: (question) => answerQuestion(question, view),
        host: this.options.host ?? DEFAULT_DNS_ADDRESS.host,
        port: this.options.port ?? DEFAULT_DNS_ADDRESS.port,
        onError: (error) => tracer.log('coredns', (error as Error).message),
      });
      return this.server.start();
    });
  }

  /** Stops listening, then the informers. */
  async stop(): Promise<void> {
    await this.options.tracer.step('coredns', 'stop', async () => {
      await this.server?.stop();
      await this.factory?.shutdown();
    });
  }
}
