/**
 * The factory of the helpdesk chat operation nodes (cc-chat-token, cc-chat-meeting,
 * cc-chat-bridge, cc-chat-add-participant, cc-chat-send, cc-chat-invite, cc-chat-terminate):
 * one chat catalogue operation each, two outputs (its success outcome, failed). The input
 * message goes on enriched: msg.payload the data of what ended it, msg.chat the session,
 * operation id, outcome, reason and callback events. Glue only: the chat client runs it.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { getChatOperation } from '../../src/chat/catalogue';
import type { ChatAppNode } from './chat-app';
import { OperationStatus } from './node-status';
import { evaluateAll, TypedProperty, type TypedValue } from './typed-input';

/** Progress events the status shows (each has a stage text in the locales). */
const STAGES = new Set([
  'conversationAdded',
  'invitationAccepted',
  'messageSending',
  'participantInvited',
]);

interface ChatOperationDef extends NodeDef {
  app?: string;
  session?: string;
  sessionType?: string;
  operationId?: string;
  operationIdType?: string;
  params?: Record<string, TypedValue>;
  timeout?: number | string;
}

type ChatMsg = NodeMessage & { chat?: Record<string, unknown> };

/** Register node type TYPE running the chat catalogue operation `operation`. */
export function registerChatOperation(RED: NodeAPI, TYPE: string, operation: string): void {
  function ChatOperationNode(this: Node, config: ChatOperationDef): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node, config: ChatOperationDef): void {
    const t = (key: string, subs?: Record<string, string | number>): string =>
      RED._(`${TYPE}.${key}`, subs);
    const status = new OperationStatus(node, t);
    const spec = getChatOperation(operation);
    const app = config.app ? (RED.nodes.getNode(config.app) as ChatAppNode | null) : null;
    if (!spec) {
      status.problem('status.badConfig');
      node.error(`unknown chat operation ${operation}`);
      return;
    }
    if (!app || !app.chat) {
      status.problem('status.noApp');
      node.error(t('status.noApp'));
      return;
    }
    let props: TypedProperty[];
    try {
      props = spec.params.map(
        (p) =>
          new TypedProperty(
            RED,
            node,
            p.name,
            config.params?.[p.name] ?? { type: 'msg', value: `payload.${p.name}` },
          ),
      );
      if (spec.needsSession) {
        props.push(
          new TypedProperty(RED, node, 'session', {
            type: config.sessionType || 'msg',
            value: config.session ?? 'chat.session',
          }),
        );
      }
      if (config.operationId) {
        props.push(
          new TypedProperty(RED, node, 'operationId', {
            type: config.operationIdType || 'str',
            value: config.operationId,
          }),
        );
      }
    } catch (err) {
      status.problem('status.badConfig');
      node.error((err as Error).message);
      return;
    }
    const unwatch = app.watch((s) =>
      status.setConnection(
        s.state === 'ready'
          ? { state: 'connected', attempt: 0 }
          : s.state === 'failed'
            ? { state: 'closed', attempt: 0, error: s.error ?? 'failed' }
            : { state: 'connecting', attempt: 0 },
      ),
    );
    const timeoutS = Number(config.timeout);
    const timeoutMs = Number.isFinite(timeoutS) && timeoutS > 0 ? timeoutS * 1000 : undefined;

    node.on('input', (msg: ChatMsg, send, done) => {
      evaluateAll(props, msg, (err, values) => {
        if (err) {
          status.ended('failed', 'badInput');
          // The property's label (its parameter name) starts the message.
          const field = err.message.slice(0, Math.max(0, err.message.indexOf(':')));
          const out = {
            ...msg,
            chat: {
              ...(msg.chat ?? {}),
              operation: spec.name,
              outcome: 'failed',
              reason: 'badInput',
              field,
              message: err.message,
            },
          };
          send([null, out]);
          node.error(err, out);
          done();
          return;
        }
        const params: Record<string, unknown> = {};
        for (const p of spec.params) {
          const v = values[p.name];
          params[p.name] = typeof v === 'number' ? String(v) : v;
        }
        const session = values.session === undefined ? undefined : String(values.session);
        const operationId =
          values.operationId === undefined || values.operationId === ''
            ? undefined
            : String(values.operationId);
        status.started('sent');
        app.chat
          .run(spec.name, {
            session,
            params,
            operationId,
            timeoutMs,
            onProgress: (ev) => status.progressed(STAGES.has(ev.kind) ? ev.kind : undefined),
          })
          .then((o) => {
            status.ended(o.outcome, o.reason);
            msg.payload = o.data;
            msg.topic = spec.name;
            msg.chat = {
              ...(msg.chat ?? {}),
              session: o.session ?? msg.chat?.session,
              operation: o.operation,
              operationId: o.operationId,
              outcome: o.outcome,
              reason: o.reason,
              message: o.message,
              field: o.field,
              httpStatus: o.httpStatus,
              events: o.events.map((e) => ({
                kind: e.kind,
                rel: e.rel,
                type: e.type,
                status: e.status,
                href: e.href,
                at: e.at,
                data: e.data,
              })),
              startedAt: o.startedAt,
              endedAt: o.endedAt,
            };
            if (o.outcome === 'failed') {
              send([null, msg]);
              node.error(
                new Error(`${spec.name} failed: ${o.reason}${o.message ? `: ${o.message}` : ''}`),
                msg,
              );
              done();
            } else {
              send([msg, null]);
              done();
            }
          });
      });
    });
    node.on('close', () => unwatch());
  }
  RED.nodes.registerType(TYPE, ChatOperationNode);
}
