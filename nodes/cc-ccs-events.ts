/**
 * cc-ccs-events: ccsevents call_* and connection_* events (seed 004) from the gateway, with
 * the call / connection snapshots the tracker keeps (state history, linked legs, recording).
 */
import type { BatchConfig } from './lib/event-batch';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { CCS_EVENTS } from '../src/protocol/catalogue';
import type { TrackedEvent } from '../src/hub/api';
import { takeCcs, takeData } from '../src/hub/take';
import { ccsFilter, startGatewaySource, type CcsFilterConfig } from './lib/event-source';

const TYPE = 'cc-ccs-events';

/** The events this node emits: call_* and connection_*, from the catalogue. */
const OWN_EVENTS = new Set(
  CCS_EVENTS.filter((n) => n.startsWith('call_') || n.startsWith('connection_')),
);

interface CcsEventsDef extends NodeDef, CcsFilterConfig, BatchConfig {
  gateway?: string;
}

export = function register(RED: NodeAPI): void {
  function CcsEventsNode(this: Node, config: CcsEventsDef): void {
    RED.nodes.createNode(this, config);
    startGatewaySource(RED, this, config.gateway, {
      type: TYPE,
      output: config,
      family: 'ccs',
      accept: ccsFilter(OWN_EVENTS, config),
      build: (event: TrackedEvent, hub): NodeMessage => {
        const ccs = event.ccs;
        const msg: NodeMessage = { topic: event.name, payload: takeData(event) };
        const callId = event.data.call_id;
        const connectionId = event.data.connection_id;
        msg.call =
          takeCcs(ccs, 'call') ??
          (typeof callId === 'string' ? hub.tracker.getCall(callId) : undefined);
        msg.connection =
          takeCcs(ccs, 'connection') ??
          (typeof connectionId === 'string' ? hub.tracker.getConnection(connectionId) : undefined);
        return msg;
      },
    });
  }

  RED.nodes.registerType('cc-ccs-events', CcsEventsNode);
};
