/**
 * The TTL controller (kube-controller-manager's `ttl`, pkg/controller/ttl/ttl_controller.go): every
 * Node carries the annotation `node.alpha.kubernetes.io/ttl`, the seconds a kubelet may keep the
 * Secrets and ConfigMaps it reads cached, set by the cluster's size so that a big cluster does not
 * flood the apiserver with reads. `kubectl describe node` shows it under Annotations.
 *
 * ```
 * nodes      ttl      (the steps overlap, so that a size at a boundary does not flap)
 * 0–100      0 s      a step up once the count goes past its top,
 * 90–500     15 s     a step down once it falls below its bottom
 * 450–1000   30 s
 * 900–2000   60 s
 * 1800–      300 s
 * ```
 *
 * A node added or updated whose annotation is not the desired value is written (every kubelet
 * heartbeat is an update, so a change of size reaches every node within one).
 *
 * Given code: no kata builds it; the cluster's controller manager runs it beside Part IV's.
 *
 * @example
 * ```ts
 * const ttl = new TTLController({ client, clock, factory });
 * factory.start();
 * ttl.run();
 * // kubectl describe node node-1  ->  Annotations: node.alpha.kubernetes.io/ttl: 0
 * ```
 */
import { isStatusError, type ApiClient } from '@kube/apiserver';
import type { Clock, Node } from '@kube/kit';
import type { SharedInformerFactory } from './factory.ts';
import type { SharedIndexInformer } from './informer.ts';
import { defaultControllerRateLimiter } from './rate-limiter.ts';
import { RateLimitingQueue, startWorkers } from './workqueue.ts';

/** The annotation (v1.ObjectTTLAnnotationKey). */
export const NODE_TTL_ANNOTATION = 'node.alpha.kubernetes.io/ttl';

/** Upstream's steps: the TTL for a cluster from `sizeMin` to `sizeMax` nodes. */
export const TTL_BOUNDARIES: readonly { sizeMin: number; sizeMax: number; ttlSeconds: number }[] = [
  { sizeMin: 0, sizeMax: 100, ttlSeconds: 0 },
  { sizeMin: 90, sizeMax: 500, ttlSeconds: 15 },
  { sizeMin: 450, sizeMax: 1000, ttlSeconds: 30 },
  { sizeMin: 900, sizeMax: 2000, ttlSeconds: 60 },
  { sizeMin: 1800, sizeMax: Number.MAX_SAFE_INTEGER, ttlSeconds: 300 },
];

/**
 * The step of {@link TTL_BOUNDARIES} a cluster of `count` nodes is in, coming from `step` as
 * upstream moves: up one once the count is past the step's top, down one once it is below the
 * step's bottom, else where it was (so 95 nodes read 0 s on the way up and 15 s on the way down).
 *
 * @example
 * ```ts
 * ttlStep(0, 101);  // 1: 15 s
 * ttlStep(1, 95);   // 1: still 15 s, 95 is within 90–500
 * ttlStep(1, 89);   // 0
 * ```
 */
export function ttlStep(step: number, count: number): number {
  if (count > TTL_BOUNDARIES[step]!.sizeMax) return step + 1;
  if (count < TTL_BOUNDARIES[step]!.sizeMin) return step - 1;
  return step;
}

/** What a {@link TTLController} needs. */
export interface TTLControllerOptions {
  client: ApiClient;
  clock: Clock;
  factory: SharedInformerFactory;
  onError?: (key: string, error: unknown) => void;
}

/** Keeps every Node's {@link NODE_TTL_ANNOTATION} at the TTL for the cluster's size. */
export class TTLController {
  readonly nodes: SharedIndexInformer<Node>;
  readonly queue: RateLimitingQueue<string>;
  private readonly client: ApiClient;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private workers: Promise<void>[] = [];
  /** how many nodes the informer has told of, and the step of {@link TTL_BOUNDARIES} that count is in */
  private nodeCount = 0;
  private step = 0;

  constructor(options: TTLControllerOptions) {
    this.client = options.client;
    this.onError = options.onError;
    this.queue = new RateLimitingQueue<string>(options.clock, defaultControllerRateLimiter(options.clock));
    this.nodes = options.factory.nodes();
    this.nodes.addEventHandler({
      onAdd: (node) => {
        this.step = ttlStep(this.step, ++this.nodeCount);
        this.queue.add(node.metadata.name!);
      },
      onUpdate: (_old, node) => this.queue.add(node.metadata.name!),
      // A node gone is not written; the others are, at their next update, if the step changed.
      onDelete: () => {
        this.step = ttlStep(this.step, --this.nodeCount);
      },
    });
  }

  /** The TTL every node should carry now, in seconds. */
  get desiredTTLSeconds(): number {
    return TTL_BOUNDARIES[this.step]!.ttlSeconds;
  }

  /** Starts `workers` workers (the factory must be started too); kube-controller-manager runs five. */
  run(workers = 1): void {
    this.workers.push(...startWorkers(workers, { queue: this.queue, sync: (key) => this.syncNode(key), onError: this.onError }));
  }

  /** Stops the workers (after their current sync). */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  /** One node: its annotation written when it is missing, not a number, or not the desired TTL. */
  async syncNode(name: string): Promise<void> {
    const node = this.nodes.indexer.getByKey(name);
    const desired = String(this.desiredTTLSeconds);
    if (node === undefined || node.metadata.annotations?.[NODE_TTL_ANNOTATION] === desired) return;
    // A copy: the cache's object is everyone's.
    const annotated = structuredClone(node);
    annotated.metadata.annotations = { ...annotated.metadata.annotations, [NODE_TTL_ANNOTATION]: desired };
    try {
      await this.client.nodes().update(annotated);
    } catch (error) {
      // gone: nothing to annotate; written meanwhile: that update brings the node back to the queue
      if (!isStatusError(error, 'NotFound') && !isStatusError(error, 'Conflict')) throw error;
    }
  }
}
