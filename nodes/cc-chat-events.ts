/**
 * cc-chat-events: the helpdesk chat's callbacks as messages (messaging invitation, conversation
 * bridge added, participant joined, typing, message, message delivered / failed, conversation
 * deleted, ...), each with the operation id it belongs to. The callbacks arrive on the chat
 * application's HTTP callback path (cc-chat-app); this node filters and shapes them.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { ChatEvent } from '../src/chat/api';
import type { ChatAppNode } from './lib/chat-app';
import { EventStatus, filterSet } from './lib/event-node';

const TYPE = 'cc-chat-events';

interface ChatEventsDef extends NodeDef {
  app?: string;
  kinds?: string[] | string;
}

export = function register(RED: NodeAPI): void {
  function ChatEventsNode(this: Node, config: ChatEventsDef): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node, config: ChatEventsDef): void {
    const app = config.app ? (RED.nodes.getNode(config.app) as ChatAppNode | null) : null;
    if (!app || !app.chat) {
      node.status({ fill: 'red', shape: 'ring', text: RED._(`${TYPE}.errors.noApp`) });
      node.error(RED._(`${TYPE}.errors.noApp`));
      return;
    }
    const kinds = filterSet(config.kinds);
    const status = new EventStatus(RED, node, TYPE, 'connecting');
    const unwatch = app.watch((s) =>
      s.state === 'failed'
        ? status.setError(s.error ?? 'failed')
        : status.setConnection({
            state: s.state === 'ready' ? 'connected' : 'connecting',
            attempt: 0,
          }),
    );
    const onEvent = (ev: ChatEvent): void => {
      if (kinds && !kinds.has(ev.kind)) return;
      const chat: Record<string, unknown> = {
        session: ev.session,
        operationId: ev.operationId,
        event: {
          kind: ev.kind,
          rel: ev.rel,
          type: ev.type,
          status: ev.status,
          href: ev.href,
          reason: ev.reason,
          sender: ev.sender,
        },
        links: ev.links,
      };
      if (ev.session !== undefined) chat.conversation = app.chat.session(ev.session);
      const msg: NodeMessage = { topic: ev.kind, payload: structuredClone(ev.data) };
      (msg as NodeMessage & { chat: unknown }).chat = chat;
      node.send(msg);
    };
    app.chat.on('event', onEvent);
    node.on('close', () => {
      unwatch();
      status.close();
      app.chat.off('event', onEvent);
    });
  }
  RED.nodes.registerType(TYPE, ChatEventsNode);
};
