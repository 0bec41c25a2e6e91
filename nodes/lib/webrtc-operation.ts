/**
 * One factory for the WebRTC family's operation nodes (session, participant, PSTN call, call
 * control): each input message runs the catalogue operation chosen in the editor through the
 * account config node, and is sent on, enriched, to the output of its outcome (one output per
 * outcome of the node's kind, src/webrtc/catalogue.ts). Parameters are TypedInput fields; a
 * parameter left unset reads `msg.payload.<name>`, then `msg.webrtc.<name>` (the ids the
 * family's nodes put there), so nodes chain without wiring any field.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { WebrtcResult } from '../../src/webrtc/account';
import { FAILED, OUTCOMES, operationsOf, type WebrtcNodeKind } from '../../src/webrtc/catalogue';
import { OperationStatus, type Translate } from './node-status';
import { TypedProperty, evaluateAll, type TypedValue } from './typed-input';
import type { WebrtcAccountNode } from './webrtc-types';

export interface WebrtcOperationConfig extends NodeDef {
  account?: string;
  operation?: string;
  params?: Record<string, Partial<TypedValue>>;
  timeout?: string | number;
}

/** `msg.webrtc` on every message the family's operation nodes send. */
export interface WebrtcMsgInfo {
  operation: string;
  outcome: string;
  reason?: string;
  status?: number;
  message?: string;
  field?: string;
  sessionId?: string;
  participantId?: string;
  token?: string;
  callId?: string;
  /** Embedded simulator: the participant page with this participant's token. */
  pageUrl?: string;
  events: unknown[];
  startedAt: number;
  endedAt: number;
}

function pick(msg: NodeMessage, name: string): unknown {
  const payload = (msg as { payload?: unknown }).payload;
  if (payload && typeof payload === 'object' && name in (payload as object)) {
    const v = (payload as Record<string, unknown>)[name];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  const w = (msg as { webrtc?: unknown }).webrtc;
  if (w && typeof w === 'object') return (w as Record<string, unknown>)[name];
  return undefined;
}

export function registerWebrtcOperationNode(
  RED: NodeAPI,
  options: { type: string; kind: WebrtcNodeKind; defaultOperation: string },
): void {
  const { type, kind } = options;
  const outcomes = OUTCOMES[kind];
  const allowed = operationsOf(kind);

  function WebrtcOperationNode(this: Node, config: WebrtcOperationConfig): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node, config: WebrtcOperationConfig): void {
    const t: Translate = (key, subs) => RED._(`${type}.${key}`, subs);
    const status = new OperationStatus(node, t);

    let setupError: string | undefined;
    const spec = allowed.find((o) => o.name === (config.operation || options.defaultOperation));
    if (!spec) setupError = `unknown operation "${config.operation}"`;
    let timeoutMs: number | undefined;
    const timeoutText = String(config.timeout ?? '').trim();
    if (timeoutText !== '') {
      const sec = Number(timeoutText);
      if (!Number.isFinite(sec) || sec <= 0)
        setupError ??= 'timeout must be a positive number of seconds';
      else timeoutMs = Math.max(1, Math.round(sec * 1000));
    }
    const props: TypedProperty[] = [];
    for (const p of spec?.params ?? []) {
      const c = config.params?.[p.name];
      if (!c || !c.type || (c.type === 'msg' && !c.value)) continue; // the default lookup
      try {
        props.push(new TypedProperty(RED, node, p.name, { type: c.type, value: c.value ?? '' }));
      } catch (err) {
        setupError ??= (err as Error).message;
      }
    }
    const accountNode = config.account
      ? (RED.nodes.getNode(config.account) as WebrtcAccountNode | null)
      : null;
    if (!accountNode) setupError ??= 'no WebRTC account configured';
    if (setupError) {
      node.error(setupError);
      status.problem(accountNode ? 'status.badConfig' : 'status.noAccount');
    } else {
      status.setConnection({ state: 'connecting', attempt: 0 });
      accountNode!.ready().then(
        () => status.setConnection({ state: 'connected', attempt: 0 }),
        (err: unknown) =>
          status.setConnection({ state: 'closed', attempt: 0, error: (err as Error)?.message }),
      );
    }

    let closed = false;
    const failedIndex = outcomes.indexOf(FAILED);

    const emit = (
      msg: NodeMessageInFlow,
      send: (m: (NodeMessage | null)[]) => void,
      r: WebrtcResult,
    ): void => {
      const prev = (msg as { webrtc?: Record<string, unknown> }).webrtc;
      const info: WebrtcMsgInfo = {
        ...(prev && typeof prev === 'object' ? prev : {}),
        ...r.ids,
        operation: r.operation,
        outcome: r.outcome,
        reason: r.reason,
        status: r.status,
        message: r.message,
        field: r.field,
        events: r.events,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
      };
      const page = accountNode?.pageUrl;
      if (page && r.operation === 'createParticipant' && r.ids.token) {
        info.pageUrl = `${page}#token=${encodeURIComponent(r.ids.token)}`;
      }
      msg.webrtc = info;
      msg.topic = r.operation;
      if (r.payload !== undefined) msg.payload = r.payload;
      const out: (NodeMessage | null)[] = outcomes.map(() => null);
      let i = outcomes.indexOf(r.outcome);
      if (i < 0) i = failedIndex;
      out[i] = msg;
      send(out);
      if (r.outcome === FAILED) {
        node.error(
          new Error(
            `${r.operation} failed (${r.reason ?? 'failed'})${r.message ? `: ${r.message}` : ''}`,
          ),
          msg,
        );
      }
    };

    node.on('input', (msg, send, done) => {
      if (closed) return done();
      const started = Date.now();
      const fail = (reason: string, message: string, field?: string): void => {
        emit(msg, send, {
          operation: spec?.name ?? String(config.operation),
          outcome: FAILED,
          reason,
          message,
          field,
          payload: undefined,
          ids: {},
          events: [],
          startedAt: started,
          endedAt: Date.now(),
        });
        done();
      };
      if (setupError || !spec || !accountNode)
        return fail('config', setupError ?? 'not configured');
      evaluateAll(props, msg, (err, values) => {
        if (err) return fail('badParams', err.message, /^(\w+):/.exec(err.message)?.[1]);
        for (const p of spec.params) {
          if (!(p.name in values)) values[p.name] = pick(msg, p.name);
        }
        status.started('sent');
        accountNode.account.run(spec.name, values, { timeoutMs }).then(
          (r) => {
            if (closed) return done();
            status.ended(r.outcome, r.reason);
            try {
              emit(msg, send, r);
              done();
            } catch (e) {
              done(e as Error);
            }
          },
          (e: unknown) => {
            status.ended(FAILED, 'error');
            fail('error', (e as Error)?.message ?? String(e));
          },
        );
      });
    });

    node.on('close', () => {
      closed = true;
    });
  }

  RED.nodes.registerType(type, WebrtcOperationNode);
}
