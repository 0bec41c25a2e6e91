/**
 * cc-seance-events: ccsevents seance_* events (seed 004) from the gateway, with the session
 * as the tracker knows it: its calls, connections, state history and transfer chain
 * (seance_set_next_number).
 */
import type { BatchConfig } from './lib/event-batch';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { CCS_EVENTS } from '../src/protocol/catalogue';
import type { TrackedEvent } from '../src/hub/api';
import { takeCcs, takeData } from '../src/hub/take';
import { ccsFilter, startGatewaySource, type CcsFilterConfig } from './lib/event-source';
import { seanceView } from './lib/event-seance';

const TYPE = 'cc-seance-events';

/** The events this node emits: seance_*, from the catalogue. */
const OWN_EVENTS = new Set(CCS_EVENTS.filter((n) => n.startsWith('seance_')));

interface SeanceEventsDef extends NodeDef, CcsFilterConfig, BatchConfig {
  gateway?: string;
}

export = function register(RED: NodeAPI): void {
  function SeanceEventsNode(this: Node, config: SeanceEventsDef): void {
    RED.nodes.createNode(this, config);
    startGatewaySource(RED, this, config.gateway, {
      type: TYPE,
      output: config,
      family: 'ccs',
      accept: ccsFilter(OWN_EVENTS, config),
      build: (event: TrackedEvent, hub): NodeMessage => {
        const id = event.data.seance_id;
        const snapshot =
          takeCcs(event.ccs, 'seance') ??
          (typeof id === 'string' ? hub.tracker.getSeance(id) : undefined);
        return {
          topic: event.name,
          payload: takeData(event),
          seance: snapshot ? seanceView(snapshot, hub.tracker) : undefined,
        };
      },
    });
  }

  RED.nodes.registerType('cc-seance-events', SeanceEventsNode);
};
