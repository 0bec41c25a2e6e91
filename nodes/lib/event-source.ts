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
    if (event.source !== 'gateway' || !spec.accept(event)) return;
    const msg = spec.build(event, hub);
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
