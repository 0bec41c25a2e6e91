/**
 * cc-agent-events: the agent family's events (agentStatus, inbound ringing, queueStatus and the
 * operations' process events) from the gateway, filtered by agent and event name, with the
 * call they belong to as the tracker knows it: who is calling, the agent's and the customer's
 * dialogs, the seance (src/hub/agent-view.ts).
 */
import type { BatchConfig } from './lib/event-batch';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { AGENT_EVENT_NAMES, DEVICE_STATUS } from '../src/protocol/catalogue';
import type { TrackedEvent } from '../src/hub/api';
import { takeData } from '../src/hub/take';
import { agentEventView } from '../src/hub/agent-view';
import { filterSet } from './lib/event-node';
import { startGatewaySource } from './lib/event-source';

const TYPE = 'cc-agent-events';
const OWN_EVENTS = new Set(AGENT_EVENT_NAMES);

interface AgentEventsDef extends NodeDef, BatchConfig {
  gateway?: string;
  events?: string[] | string;
  agents?: string[] | string;
  /** Track dialog and ccs events too, so messages carry the dialogs and the seance. */
  enrich?: boolean;
}

export = function register(RED: NodeAPI): void {
  function AgentEventsNode(this: Node, config: AgentEventsDef): void {
    RED.nodes.createNode(this, config);
    const names = filterSet(config.events);
    const agents = filterSet(config.agents);
    const enrich = config.enrich !== false;
    startGatewaySource(RED, this, config.gateway, {
      type: TYPE,
      output: config,
      family: 'agent',
      tracks: enrich ? ['dialog', 'ccs'] : [],
      accept: (event: TrackedEvent) =>
        OWN_EVENTS.has(event.name) &&
        (!names || names.has(event.name)) &&
        (!agents || (event.frame?.agent !== undefined && agents.has(event.frame.agent))),
      build: (event: TrackedEvent, hub): NodeMessage => {
        const payload = takeData(event);
        const view = agentEventView(hub.tracker, event.data, event.frame?.agent);
        const msg: NodeMessage & Record<string, unknown> = {
          topic: event.name,
          payload,
          agent: view.agent,
        };
        if (event.name === 'agentStatus' && typeof event.data.deviceStatus === 'number') {
          msg.deviceStatus = DEVICE_STATUS[event.data.deviceStatus];
        }
        if (view.caller) msg.caller = view.caller;
        if (view.dialog) msg.dialog = view.dialog;
        if (view.customerDialog) msg.customerDialog = view.customerDialog;
        if (view.seance) msg.seance = view.seance;
        return msg;
      },
    });
  }

  RED.nodes.registerType(TYPE, AgentEventsNode);
};
