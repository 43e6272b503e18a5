/**
 * The events of the node lifecycle and taint eviction controllers, read from what they write, so
 * that `kubectl describe` shows what happened to a node that stopped answering and to its pods.
 * Given code: no kata asks for events; the cluster's controller manager wraps each controller's
 * client in one of these (a {@link ControllerDescriptor}'s `events`), as it wraps the ReplicaSet
 * controller's in {@link podEventsClient}.
 *
 * | the controller writes | the event (upstream) |
 * | --- | --- |
 * | a Node's status with Ready no longer True | Node: Normal `NodeNotReady` "Node node-1 status is now: NodeNotReady" (nodelifecycle's RecordNodeStatusChange) |
 * | a pod's status with Ready False | pod: Warning `NodeNotReady` "Node is not ready" (controller_utils.go MarkPodsNotReady) |
 * | the delete of a pod | pod: Normal `TaintManagerEviction` "Marking for deletion Pod default/web" (tainteviction's emitPodDeletionEvent) |
 * | (it reads) a Node it did not know | Node: Normal `RegisteredNode` "Node node-1 event: Registered Node node-1 in Controller" ({@link recordRegisteredNodes}) |
 *
 * @example
 * ```ts
 * const client = taintEvictionEventsClient(inner, recorder);
 * await client.pods('default').delete('web');   // the event first, then the delete
 * ```
 */
import { ForwardingClient, type ApiClient, type ResourceClient } from '@kube/apiserver';
import type { KubeObject, Node, Pod } from '@kube/kit';
import type { EventRecorder } from './event-recorder.ts';
import type { SharedIndexInformerApi } from './informer-api.ts';

/**
 * Records RegisteredNode on each Node the node lifecycle controller comes to know, as its
 * monitorNodeHealth does the first time it sees one (node_lifecycle_controller.go, through
 * RecordNodeEvent's "Node %s event: %s"). A restarted controller manager knows no node, so it
 * records every one again, as upstream's does.
 */
export function recordRegisteredNodes(nodes: SharedIndexInformerApi<Node>, recorder: EventRecorder): void {
  nodes.addEventHandler({
    onAdd: (node) => recorder.event(asKind(node, 'Node'), 'Normal', 'RegisteredNode', `Node ${node.metadata.name} event: Registered Node ${node.metadata.name} in Controller`),
  });
}

/** The node lifecycle controller's client, recording NodeNotReady on the Nodes and pods it marks. */
export function nodeLifecycleEventsClient(inner: ApiClient, recorder: EventRecorder): ApiClient {
  /** each Node's Ready as this controller last wrote it: the event is for a change */
  const lastReady = new Map<string, string>();
  return new ObservedClient(inner, {
    statusWritten: (resource, object) => {
      if (resource === 'nodes') {
        const ready = readyOf(object as Node) ?? 'Unknown';
        const before = lastReady.get(object.metadata.name ?? '');
        lastReady.set(object.metadata.name ?? '', ready);
        if (ready !== 'True' && before !== ready) recorder.event(asKind(object, 'Node'), 'Normal', 'NodeNotReady', `Node ${object.metadata.name} status is now: NodeNotReady`);
      } else if (resource === 'pods' && readyOf(object as Pod) === 'False') {
        recorder.event(asKind(object, 'Pod'), 'Warning', 'NodeNotReady', 'Node is not ready');
      }
    },
  });
}

/** The taint eviction controller's client, recording TaintManagerEviction on each pod it deletes. */
export function taintEvictionEventsClient(inner: ApiClient, recorder: EventRecorder): ApiClient {
  return new ObservedClient(inner, {
    deleting: (resource, pod) => {
      if (resource === 'pods') recorder.event(asKind(pod, 'Pod'), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
    },
  });
}

/** What an {@link ObservedClient} is told of. */
interface Observer {
  /** a status written, as the apiserver answered it */
  statusWritten?(resource: string, object: KubeObject): void;
  /** an object about to be deleted, as read just before */
  deleting?(resource: string, object: KubeObject): void;
}

/** A client that passes every call on, telling `observer` of status writes and deletes. */
class ObservedClient extends ForwardingClient {
  constructor(
    inner: ApiClient,
    private readonly observer: Observer,
  ) {
    super(inner);
  }

  override resource<T extends KubeObject>(resource: string, namespace?: string): ResourceClient<T> {
    const real = this.inner.resource<T>(resource, namespace);
    const { statusWritten, deleting } = this.observer;
    return {
      ...real,
      ...(statusWritten && {
        updateStatus: async (object: T) => {
          const written = await real.updateStatus(object);
          statusWritten(resource, written);
          return written;
        },
      }),
      ...(deleting && {
        delete: async (name, options) => {
          // The event names the pod with its uid, which only a read gives; gone already: the delete says so.
          const current = await real.get(name).catch(() => undefined);
          if (current) deleting(resource, current);
          return real.delete(name, options);
        },
      }),
    };
  }
}

/** The Ready condition's status of a Node or a pod, if it has one. */
function readyOf(object: Node | Pod): string | undefined {
  return object.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/** `object` with its kind and apiVersion (a list's items may lack them), as an event's subject. */
function asKind(object: KubeObject, kind: 'Node' | 'Pod'): KubeObject {
  return { ...object, kind, apiVersion: 'v1' };
}
