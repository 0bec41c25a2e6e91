/**
 * The gateway side of an event-source node: attach to the config node's hub for a family,
 * filter, build the message, count it in the status, send it. Used by cc-ccs-events and
 * cc-seance-events, and by cc-dialog-events in gateway mode.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { EventFamily } from '../../src/protocol/catalogue';
import type { EventHubApi, TrackedEvent } from '../../src/hub/api';
import { attachToGateway, EventStatus } from './event-node';

export interface GatewaySourceSpec {
  type: string;
  family: EventFamily;
  /** Decide whether the node emits this event (names, filters). */
  accept(event: TrackedEvent): boolean;
  /** Build the message for an accepted event; undefined drops it. */
  build(event: TrackedEvent, hub: EventHubApi): NodeMessage | undefined;
}

/** Event data already put on a message by some node. */
const taken = new WeakSet<object>();

/**
 * The event's data for one message (`msg.payload`): the first node to take it gets the object
 * itself, every other node listening to the same gateway a copy of its own, so that a flow
 * mutating its msg.payload never changes another node's message.
 */
export function takeData(event: TrackedEvent): TrackedEvent['data'] {
  const data = event.data;
  if (!taken.has(data)) {
    taken.add(data);
    return data;
  }
  return structuredClone(data);
}

/**
 * Wire a node to the gateway's hub. Returns false (after reporting) when no usable gateway
 * config node is selected.
 */
export function startGatewaySource(
  RED: NodeAPI,
  node: Node,
  gatewayId: string | undefined,
  spec: GatewaySourceSpec,
): boolean {
  const status = new EventStatus(RED, node, spec.type, 'idle');
  if (!gatewayId) {
    status.setError(RED._(`${spec.type}.errors.no-gateway`));
    node.error(RED._(`${spec.type}.errors.no-gateway`));
    node.on('close', () => status.close());
    return false;
  }
  const attached = attachToGateway(RED, node, gatewayId, spec.family, status, (hub) => (event) => {
    if (event.source !== 'gateway') return;
    let msg: NodeMessage | undefined;
    try {
      if (!spec.accept(event)) return;
      msg = spec.build(event, hub);
    } catch (err) {
      // The hub would only swallow it: raise it here, where a Catch node sees it.
      node.error(new Error(`${event.name}: ${(err as Error)?.message ?? String(err)}`), {
        topic: event.name,
        payload: takeData(event),
      });
      return;
    }
    if (!msg) return;
    status.event(event.name);
    node.send(msg);
  });
  if (!attached) {
    status.setError(RED._(`${spec.type}.errors.no-gateway`));
    node.error(RED._(`${spec.type}.errors.no-gateway`));
    node.on('close', () => status.close());
    return false;
  }
  node.on('close', (_removed: boolean, done: () => void) => {
    status.close();
    attached.detach().then(
      () => done(),
      () => done(),
    );
  });
  return true;
}
