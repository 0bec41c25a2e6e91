/**
 * One factory for every operation node: it registers a Node-RED node type that runs one
 * catalogue operation per input message through the gateway config node's client and sends
 * the input message on, enriched, to the output of the outcome the client reports (one output
 * per catalogue outcome, in catalogue order, then an optional progress output).
 *
 * Outcomes, ids and timeouts are the client's business (OperationResult); this file maps them
 * to outputs, errors and status. No protocol logic and no state machine live here.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { OperationEvent, OperationHandle, OperationResult } from '../../src/client/api';
import {
  FAILED,
  OPERATIONS,
  getOperation,
  type OperationKind,
  type OperationSpec,
} from '../../src/protocol/catalogue';
import type { RespFrame } from '../../src/protocol/types';
import { OperationHandover, type HandedOperation } from '../../src/lifecycle/operation-handover';
import { observedStart } from './calls-feed';
import { onFlowsStoppedForGood, whenFlowsStarted } from './redeploy';
import { failurePayload, failureStatus, failureText } from './failure';
import { OperationStatus, type Translate } from './node-status';
import { checkRequest } from './operation-params';
import { TypedProperty, evaluateAll, type TypedValue } from './typed-input';
import type { GatewayConfigNode } from './types';

/** The editor properties of an operation node. */
export interface OperationNodeConfig extends NodeDef {
  gateway?: string;
  /** Call-control node: the catalogue operation chosen in the editor. */
  operation?: string;
  agent?: string;
  agentType?: string;
  /** Parameter name -> TypedInput; a parameter not listed reads `msg.payload.<name>`. */
  params?: Record<string, Partial<TypedValue>>;
  /** Seconds to an outcome; blank means the catalogue's timeout for the operation. */
  timeout?: string | number;
  /** Send every process event to the progress output (the last output). */
  progress?: boolean;
}

export interface OperationNodeOptions {
  /** The Node-RED node type, e.g. 'cc-preview-call'; also the i18n prefix. */
  type: string;
  /** The operation this type runs; absent when the editor chooses among `kinds`. */
  operation?: string;
  /** Kinds of catalogue operations the editor may choose (call-control node). */
  kinds?: readonly OperationKind[];
  /** Whether the progress output is on when the editor has not said. */
  progressDefault: boolean;
}

/** One process event as it appears in `msg.cc.events`. */
export interface CcEvent {
  name: string;
  ts: number;
  seq: number;
  data: Record<string, unknown>;
}

/** `msg.cc` on every message an operation node sends. */
export interface CcInfo {
  operation: string;
  reqId?: string;
  /** The outcome; absent on progress messages. */
  outcome?: string;
  reason?: string;
  agent?: string;
  /** uniqueId, seance_id, call_id, dialog_uuid, ... gathered from the response and events. */
  ids: Record<string, string>;
  /** The catalogue stage of the latest event (progress messages and outcomes). */
  stage?: string;
  /** The response frame's code / errorCode / message, when a response arrived. */
  code?: number;
  errorCode?: string | null;
  message?: string;
  /** On a parameter error: the field at fault. */
  field?: string;
  events: CcEvent[];
  startedAt?: number;
  endedAt?: number;
  /** The input message's payload (an outcome's `msg.payload` is the event data or the failure). */
  input?: unknown;
}

export type OperationNode = Node;

/** What a node needs to send an operation's outcome: kept with the operation across a deploy. */
interface OpContext {
  msg: NodeMessageInFlow;
  timeline: { response?: RespFrame };
}

interface Pending {
  handle: OperationHandle;
  context: OpContext;
  done: (err?: Error) => void;
}

/**
 * Operations of nodes being redeployed, by node id: the node that replaces one (same id) sends
 * their outcomes; those of a removed node are reported through the gateway's users.
 */
const handover = new OperationHandover<OpContext>();

function releaseOperations(): void {
  handover.releaseAll();
}

/** The operations a node of these options may run. */
export function operationsFor(options: OperationNodeOptions): OperationSpec[] {
  if (options.operation) {
    const spec = getOperation(options.operation);
    return spec ? [spec] : [];
  }
  const kinds = options.kinds ?? [];
  return OPERATIONS.filter((o) => kinds.includes(o.kind));
}

function toCcEvent(ev: OperationEvent): CcEvent {
  return { name: ev.name, ts: ev.ts, seq: ev.seq, data: ev.data };
}

/** Ids carried by a response or event (`uniqueId` and the `ids` object), for progress messages. */
function mergeIds(
  into: Record<string, string>,
  data: Record<string, unknown> | null | undefined,
): void {
  if (!data) return;
  if (typeof data.uniqueId === 'string') into.uniqueId = data.uniqueId;
  const ids = data.ids;
  if (ids && typeof ids === 'object') {
    for (const [k, v] of Object.entries(ids as Record<string, unknown>)) {
      if (typeof v === 'string') into[k] = v;
    }
  }
}

export function registerOperationNode(RED: NodeAPI, options: OperationNodeOptions): void {
  const { type } = options;
  const allowed = operationsFor(options);

  function OperationNodeCtor(this: Node, config: OperationNodeConfig): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node, config: OperationNodeConfig): void {
    const t: Translate = (key, subs) => RED._(`${type}.${key}`, subs);
    const status = new OperationStatus(node, t);

    // --- configuration, checked once ------------------------------------------------------
    let setupError: string | undefined;
    const opName = options.operation ?? config.operation ?? '';
    const spec = allowed.find((o) => o.name === opName);
    if (!spec) setupError = `unknown or unsupported operation "${opName}"`;
    const operation = spec?.name ?? opName;
    const progress = config.progress ?? options.progressDefault;
    // Without a usable operation, keep the outputs the editor drew for this node type.
    const outcomes = spec?.outcomes ?? allowed[0]?.outcomes ?? [FAILED];
    const outputCount = outcomes.length + (progress ? 1 : 0);
    const progressIndex = progress ? outcomes.length : -1;
    const failedIndex = outcomes.indexOf(FAILED);

    let timeoutMs: number | undefined;
    const timeoutText = String(config.timeout ?? '').trim();
    if (timeoutText !== '') {
      const s = Number(timeoutText);
      if (!Number.isFinite(s) || s <= 0)
        setupError ??= `timeout must be a positive number of seconds`;
      else timeoutMs = Math.max(1, Math.round(s * 1000));
    }

    const props: TypedProperty[] = [];
    const sources: Record<string, string> = {};
    const addProp = (label: string, prop: TypedValue): void => {
      try {
        const p = new TypedProperty(RED, node, label, prop);
        props.push(p);
        sources[label] = p.describe();
      } catch (err) {
        setupError ??= (err as Error).message;
      }
    };
    addProp('agent', {
      type: config.agentType || 'msg',
      value: config.agentType ? (config.agent ?? '') : config.agent || 'payload.agent',
    });
    for (const p of spec?.params ?? []) {
      const c = config.params?.[p.name];
      addProp(
        p.name,
        c && c.type
          ? { type: c.type, value: c.value ?? '' }
          : { type: 'msg', value: `payload.${p.name}` },
      );
    }

    const gateway = config.gateway
      ? (RED.nodes.getNode(config.gateway) as GatewayConfigNode | null)
      : null;
    if (!gateway) setupError ??= 'no gateway configured';
    if (setupError) node.error(setupError);

    const client =
      gateway && !setupError ? gateway.register(node, (st) => status.setConnection(st)) : undefined;
    if (!client) status.problem(gateway ? 'status.badConfig' : 'status.noGateway');
    // client.startOperation, recorded for the editor's calls sidebar while one watches.
    const start = gateway && client ? observedStart(gateway, client) : undefined;

    const pending = new Set<Pending>();
    let closed = false;

    // --- messages ---------------------------------------------------------------------------
    const output = (index: number, m: NodeMessage): (NodeMessage | null)[] => {
      const out: (NodeMessage | null)[] = new Array(outputCount).fill(null);
      out[index] = m;
      return out;
    };

    const fail = (
      msg: NodeMessageInFlow,
      send: (m: (NodeMessage | null)[]) => void,
      done: () => void,
      cc: CcInfo,
    ): void => {
      msg.topic = operation;
      msg.cc = { ...cc, input: msg.payload };
      msg.payload = failurePayload(cc);
      status.rejected(failureStatus(cc));
      send(output(failedIndex, msg));
      node.error(failureText(cc), msg);
      done();
    };

    const finish = (
      msg: NodeMessageInFlow,
      send: (m: (NodeMessage | null)[]) => void,
      result: OperationResult,
      timeline: { response?: RespFrame },
    ): void => {
      const response = result.response ?? timeline.response;
      const final = result.final;
      const message =
        (result as { message?: string }).message ??
        (response && response.code !== 0 ? response.message : undefined);
      const cc: CcInfo = {
        operation,
        reqId: result.reqId,
        outcome: result.outcome,
        reason: result.reason,
        agent: result.agent,
        ids: result.ids,
        stage: final ? spec?.stages[final.name] : undefined,
        code: response?.code,
        errorCode: response?.errorCode,
        message,
        events: result.events.map(toCcEvent),
        startedAt: result.startedAt,
        endedAt: result.endedAt,
      };
      const failed = result.outcome === FAILED || !outcomes.includes(result.outcome);
      cc.input = msg.payload;
      const data = final ? final.data : (response?.data ?? undefined);
      if (failed) msg.payload = failurePayload(cc, data);
      else if (data) msg.payload = data;
      msg.topic = final?.name ?? response?.op ?? operation;
      msg.cc = cc;
      status.ended(result.outcome, failed ? failureStatus(cc) : result.reason);
      send(output(failed ? failedIndex : outcomes.indexOf(result.outcome), msg));
      if (failed) node.error(failureText(cc), msg);
    };

    node.on('input', (msg, send, done) => {
      if (closed) {
        done();
        return;
      }
      const started = Date.now();
      const base = (reason: string, text: string, extra: Partial<CcInfo> = {}): CcInfo => ({
        operation,
        outcome: FAILED,
        reason,
        ids: {},
        message: text,
        events: [],
        startedAt: started,
        endedAt: Date.now(),
        ...extra,
      });
      if (!client || !spec || !start) {
        fail(msg, send, done, base('config', setupError ?? 'not configured'));
        return;
      }
      evaluateAll(props, msg, (err, values) => {
        if (err) {
          const field = /^(\w+):/.exec(err.message)?.[1];
          fail(msg, send, done, base('badParams', err.message, { errorCode: 'BAD_PARAMS', field }));
          return;
        }
        const checked = checkRequest(spec, values, sources);
        if (!checked.ok) {
          const agent = typeof values.agent === 'string' ? values.agent : undefined;
          fail(
            msg,
            send,
            done,
            base('badParams', checked.message, {
              errorCode: 'BAD_PARAMS',
              field: checked.field,
              agent,
            }),
          );
          return;
        }
        const events: CcEvent[] = [];
        const ids: Record<string, string> = {};
        const timeline: { response?: RespFrame } = {};
        const handle = start(checked.agent, spec.name, checked.params, {
          timeoutMs,
          onResponse: (resp) => {
            timeline.response = resp;
            mergeIds(ids, resp.data);
          },
          onEvent: (ev) => {
            if (closed) return;
            const stage = spec.stages[ev.name];
            status.progressed(stage);
            if (progressIndex < 0) return;
            events.push(toCcEvent(ev));
            mergeIds(ids, ev.data);
            const cc: CcInfo = {
              operation,
              reqId: handle.reqId,
              agent: checked.agent,
              ids: { ...ids },
              stage,
              code: timeline.response?.code,
              errorCode: timeline.response?.errorCode,
              events: events.slice(),
              startedAt: started,
            };
            // One deep clone: the progress message shares nothing with the input message nor
            // with the event history that the outcome message will carry.
            const m = RED.util.cloneMessage({ ...msg, payload: ev.data, topic: ev.name, cc });
            send(output(progressIndex, m));
          },
        });
        status.started('sent');
        track(handle, { msg, timeline }, send, done);
      });
    });

    /** Follow an operation to its outcome, sent on this node's outputs. */
    const track = (
      handle: OperationHandle,
      context: OpContext,
      send: (m: (NodeMessage | null)[]) => void,
      done: (err?: Error) => void,
    ): void => {
      const mine: Pending = { handle, context, done };
      pending.add(mine);
      handle.done.then(
        (result) => {
          if (!pending.delete(mine)) return; // closed: handed over or reported, not sent here
          try {
            finish(context.msg, send, result, context.timeline);
            done();
          } catch (e) {
            done(e as Error);
          }
        },
        (e: unknown) => {
          // The client promises never to reject; if it does, the operation still ends.
          if (!pending.delete(mine)) return;
          status.ended(FAILED, 'error');
          const now = Date.now();
          fail(context.msg, send, done, {
            operation,
            outcome: FAILED,
            reason: 'error',
            ids: {},
            message: (e as Error)?.message ?? String(e),
            events: [],
            startedAt: now,
            endedAt: now,
          });
        },
      );
    };

    // --- redeploy: the operations of the node this one replaces -----------------------------
    // Their outcomes are sent from here once the flow runs (the nodes wired to this one exist).
    let cancelAdoption: (() => void) | undefined;
    const adopted = handover.adopt(node.id);
    if (adopted.length > 0) {
      let ready = false;
      const waiting: (() => void)[] = [];
      const gated = (m: (NodeMessage | null)[]): void => {
        if (ready) node.send(m);
        else waiting.push(() => node.send(m));
      };
      for (const op of adopted) {
        status.started('sent');
        track(op.handle, op.context, gated, () => undefined);
      }
      cancelAdoption = whenFlowsStarted(RED, () => {
        ready = true;
        for (const f of waiting.splice(0)) f();
      });
    }

    /** Where the outcome of an operation whose node is gone is told. */
    const orphanSink = (op: HandedOperation<OpContext>, result: OperationResult): void => {
      const reason = result.reason ? ` (${result.reason})` : '';
      const text =
        `${operation} ${result.reqId} of node ${node.id}, removed or stopped while it ran, ended ` +
        `${result.outcome}${reason}: the outcome could not be sent to the flow`;
      const msg = {
        topic: operation,
        payload: op.context.msg.payload,
        cc: {
          operation,
          reqId: result.reqId,
          outcome: result.outcome,
          reason: result.reason,
          agent: result.agent,
          ids: result.ids,
          message: result.message,
          node: node.id,
        },
      };
      if (gateway) gateway.report(text, msg);
      else node.warn(text);
    };

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      cancelAdoption?.();
      const entries = [...pending];
      pending.clear();
      // The operations go on (a call may already be placed): a redeploy hands them to the node
      // that replaces this one; a removal reports their outcomes through the gateway's users.
      const ops = entries.map((e) => ({ handle: e.handle, context: e.context }));
      if (removed) handover.orphan(ops, orphanSink);
      else handover.park(node.id, ops, orphanSink);
      for (const e of entries) e.done();
      if (!gateway || !client) {
        done();
        return;
      }
      gateway.deregister(node, !removed).then(
        () => done(),
        (err: unknown) => {
          node.warn(`deregister: ${(err as Error).message}`);
          done();
        },
      );
    });
  }

  // When the flows stop for good (not for a deploy), parked operations are reported now.
  onFlowsStoppedForGood(RED, releaseOperations);
  RED.nodes.registerType(type, OperationNodeCtor);
}
