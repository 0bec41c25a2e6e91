/**
 * The gateway side of an event-source node: attach to the config node's hub for a family,
 * filter, build the message, count it in the status, send it. Used by cc-ccs-events,
 * cc-seance-events and cc-agent-events, and by cc-dialog-events in gateway mode.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import type { EventFamily } from '../../src/protocol/catalogue';
import type { EventHubApi, TrackedEvent } from '../../src/hub/api';
import { takeData } from '../../src/hub/take';
import {
  EventBatcher,
  batchOptions,
  holdBatch,
  releaseHeldBatches,
  takeHeldBatch,
  type BatchConfig,
} from './event-batch';
import { attachToGateway, EventStatus, filterSet, passes } from './event-node';
import { nextMsgId } from './msg-id';
import { onFlowsStoppedForGood, whenFlowsStarted } from './redeploy';
import type { GatewayConfigNode } from './types';

export interface GatewaySourceSpec {
  type: string;
  family: EventFamily;
  /** Decide whether the node emits this event (names, filters). */
  accept(event: TrackedEvent): boolean;
  /** Build the message for an accepted event; undefined drops it. */
  build(event: TrackedEvent, hub: EventHubApi): NodeMessage | undefined;
  /**
   * Other families the node needs tracked (not emitted): the hub subscribes to them while the
   * node runs, so the tracker knows the dialogs and seances the node's messages refer to.
   */
  tracks?: readonly EventFamily[];
  /** The node's output settings: one message per event (default) or batches (./event-batch.ts). */
  output?: BatchConfig;
  /** Other families whose events the node also emits (through the same accept / build). */
  also?: readonly EventFamily[];
  /**
   * Why the node cannot run on this gateway (e.g. a family its platform lacks): the status and
   * an error say so, and the node stays detached. Undefined: it can.
   */
  refuse?(gateway: GatewayConfigNode): string | undefined;
}

/** The filter fields of the ccsevents nodes (cc-ccs-events, cc-seance-events). */
export interface CcsFilterConfig {
  events?: string[] | string;
  domains?: string[] | string;
}

/**
 * Accept a ccs event when it is one of the node's own events, among the chosen names (all when
 * none is chosen) and from one of the chosen domains (any when none is chosen).
 */
export function ccsFilter(
  own: ReadonlySet<string>,
  config: CcsFilterConfig,
): (event: TrackedEvent) => boolean {
  const names = filterSet(config.events);
  const domains = filterSet(config.domains);
  return (event) =>
    own.has(event.name) && (!names || names.has(event.name)) && passes(domains, event.data.domain);
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
  const gateway = RED.nodes.getNode(gatewayId) as unknown as GatewayConfigNode | null;
  const refused = gateway ? spec.refuse?.(gateway) : undefined;
  if (refused !== undefined) {
    status.setError(refused);
    node.error(refused);
    node.on('close', () => status.close());
    return false;
  }
  const batch = batchOptions(spec.output);
  const batcher = batch ? new EventBatcher((m) => node.send(m), batch) : undefined;
  // What a node of this id left unsent when it stopped goes first, once this node's flow runs
  // (registered before the hub's resume, which replays the events held across the redeploy).
  let handed = takeHeldBatch(node.id);
  if (handed && batcher) {
    batcher.prefill(handed);
    handed = undefined;
  }
  const cancelHanded =
    handed || batcher?.size
      ? whenFlowsStarted(RED, () => {
          const items = handed;
          handed = undefined;
          if (items) for (const m of items) node.send(m);
          batcher?.flush();
        })
      : undefined;
  onFlowsStoppedForGood(RED, releaseHeldBatches);
  /** At close: nothing held is lost (see ./event-batch.ts). */
  const release = (removed: boolean): void => {
    cancelHanded?.();
    // Stopped before its flow ran: what it was handed goes on to the next node of its id.
    if (handed) holdBatch(node.id, handed, (t) => node.warn(t));
    handed = undefined;
    if (!batcher) return;
    // Removed: send what is held now. Redeployed or stopped: the replacement sends it.
    if (removed) batcher.flush();
    else holdBatch(node.id, batcher.take(), (t) => node.warn(t));
  };
  const handler = (hub: EventHubApi) => (event: TrackedEvent) => {
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
    if (batcher) batcher.add(msg);
    else {
      msg._msgid = nextMsgId();
      node.send(msg);
    }
  };
  const attached = attachToGateway(RED, node, gatewayId, spec.family, status, handler);
  if (!attached) {
    status.setError(RED._(`${spec.type}.errors.no-gateway`));
    node.error(RED._(`${spec.type}.errors.no-gateway`));
    node.on('close', (removed: boolean, done: () => void) => {
      status.close();
      release(removed);
      done();
    });
    return false;
  }
  const offTracked = (spec.tracks ?? []).map((family) =>
    attached.hub.onEvent(family, () => undefined),
  );
  const offAlso = (spec.also ?? []).map((family) =>
    attached.hub.onEvent(family, handler(attached.hub), { key: node.id }),
  );
  node.on('close', (removed: boolean, done: () => void) => {
    for (const off of offTracked) off();
    for (const off of offAlso) off({ park: !removed });
    status.close();
    release(removed);
    attached.detach(removed).then(
      () => done(),
      () => done(),
    );
  });
  return true;
}
