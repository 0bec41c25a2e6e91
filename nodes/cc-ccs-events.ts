/**
 * cc-ccs-events: ccsevents call_* and connection_* events (seed 004) from the gateway, with
 * the call / connection snapshots the tracker keeps (state history, linked legs, recording).
 * With `callEvents` on, also the platform's callevents (Era / Incoplax only: a gateway whose
 * platform has none makes the node say so in its status and an error), each as
 * `msg.topic` `callevents.<name>` with the platform's data as `msg.payload`.
 */
import type { BatchConfig } from './lib/event-batch';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { CCS_EVENTS, FAMILY_CLASS } from '../src/protocol/catalogue';
import type { TrackedEvent } from '../src/hub/api';
import { takeCcs, takeData } from '../src/hub/take';
import { platformFamilies, platformLabel } from '../src/platforms';
import { passes, filterSet } from './lib/event-node';
import { ccsFilter, startGatewaySource, type CcsFilterConfig } from './lib/event-source';

const TYPE = 'cc-ccs-events';

/** The events this node emits: call_* and connection_*, from the catalogue. */
const OWN_EVENTS = new Set(
  CCS_EVENTS.filter((n) => n.startsWith('call_') || n.startsWith('connection_')),
);

interface CcsEventsDef extends NodeDef, CcsFilterConfig, BatchConfig {
  gateway?: string;
  /** Also the platform's callevents (Era / Incoplax). */
  callEvents?: boolean;
}

export = function register(RED: NodeAPI): void {
  function CcsEventsNode(this: Node, config: CcsEventsDef): void {
    RED.nodes.createNode(this, config);
    const ccsAccept = ccsFilter(OWN_EVENTS, config);
    const domains = filterSet(config.domains);
    const callEvents = config.callEvents === true;
    startGatewaySource(RED, this, config.gateway, {
      type: TYPE,
      output: config,
      family: 'ccs',
      also: callEvents ? ['call'] : undefined,
      refuse: (gateway) =>
        callEvents && !platformFamilies(gateway.platform).includes('call')
          ? RED._(`${TYPE}.errors.no-callevents`, { platform: platformLabel(gateway.platform) })
          : undefined,
      accept: (event) =>
        event.family === 'call' ? passes(domains, event.data.domain) : ccsAccept(event),
      build: (event: TrackedEvent, hub): NodeMessage => {
        if (event.family === 'call') {
          return { topic: `${FAMILY_CLASS.call}.${event.name}`, payload: takeData(event) };
        }
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
