/**
 * cc-webrtc-events: the callbacks the WebRTC account's ingress accepted: participant
 * callbacks (onConnect, onLeave, onDisconnect) and voice callbacks (answer, disconnect,
 * redirect, transferAnswer, transferComplete, ...), filtered by name. Glue only.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { WebrtcEvent } from '../src/webrtc/api';
import { filterSet } from './lib/event-node';
import type { WebrtcAccountNode } from './lib/webrtc-types';

interface EventsDef extends NodeDef {
  account?: string;
  events?: string[] | string;
}

export = function (RED: NodeAPI): void {
  function WebrtcEventsNode(this: Node, config: EventsDef): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node, config: EventsDef): void {
    const names = filterSet(config.events);
    const accountNode = config.account
      ? (RED.nodes.getNode(config.account) as WebrtcAccountNode | null)
      : null;
    if (!accountNode) {
      node.error(RED._('cc-webrtc-events.errors.no-account'));
      node.status({ fill: 'red', shape: 'ring', text: RED._('cc-webrtc-events.status.noAccount') });
      return;
    }
    let count = 0;
    node.status({ fill: 'grey', shape: 'ring', text: RED._('cc-webrtc-events.status.listening') });
    const off = accountNode.onEvent((event: WebrtcEvent) => {
      if (names && !names.has(event.name)) return;
      const body = event.body as unknown as Record<string, unknown>;
      count++;
      node.status({
        fill: 'green',
        shape: 'dot',
        text: RED._('cc-webrtc-events.status.event', { name: event.name, count }),
      });
      node.send({
        topic: event.name,
        payload: RED.util.cloneMessage(body),
        webrtc: {
          kind: event.kind,
          event: event.name,
          participantId: body.participantId,
          deviceId: body.deviceId,
          tag: body.tag,
          callId: body.callId,
          cause: body.cause,
        },
      });
    });
    node.on('close', () => off());
  }
  RED.nodes.registerType('cc-webrtc-events', WebrtcEventsNode);
};
