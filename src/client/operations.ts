/**
 * In-flight operations of one client, whatever the platform: request ids, the catalogue's
 * outcome rules, the response timeout and the overall timeout, events held back until the
 * response (a server breaking the response-first rule), and exactly one outcome per operation.
 * The wire is the driver's: this table only asks the link to send a request.
 */
import { FAILED, decideEnd, getOperation, type OperationSpec } from '../protocol/catalogue';
import { validateParams } from '../protocol/validate';
import type { Data, EventFrame, RespFrame } from '../protocol/types';
import type {
  OperationEvent,
  OperationHandle,
  OperationResult,
  StartOperationOptions,
} from './api';
import { PROBLEM_CODES } from './problems';

/** Events for an operation held back until its response arrives. */
const MAX_EARLY_EVENTS = 256;
/** Ended request ids remembered, so late events of an ended operation are not "unknown". */
const RECENT_REQIDS = 1024;

export interface PendingOp {
  readonly reqId: string;
  readonly op: string;
  readonly agent: string;
  readonly spec: OperationSpec;
  readonly params: Data;
  readonly startedAt: number;
  readonly options: StartOperationOptions;
  readonly events: OperationEvent[];
  readonly ids: Record<string, string>;
  readonly resolve: (r: OperationResult) => void;
  response?: RespFrame;
  /** Events that arrived before the response (a server breaking the response-first rule). */
  early: OperationEvent[] | null;
  /** Sent on the current link. Unsent operations wait for the next login. */
  sent: boolean;
  respTimer?: NodeJS.Timeout;
  overallTimer?: NodeJS.Timeout;
  ended: boolean;
}

export interface OperationTableDeps {
  readonly responseTimeoutMs: number;
  /** Hand the request to the current link. */
  readonly send: (p: PendingOp) => void;
  readonly problem: (code: string, message: string) => void;
  /** Counts a response or event for a request id nobody knows. */
  readonly unknown: () => void;
  readonly safeCall: (fn: () => void, what: string) => void;
}

/** Copy `uniqueId` and the string members of `ids` from a response's or event's data. */
function gatherIds(target: Record<string, string>, data: Data | null | undefined): void {
  if (!data) return;
  const u = data.uniqueId;
  if (typeof u === 'string' && u !== '') target.uniqueId = u;
  const ids = data.ids;
  if (ids !== null && typeof ids === 'object' && !Array.isArray(ids)) {
    for (const k in ids as Record<string, unknown>) {
      const v = (ids as Record<string, unknown>)[k];
      if (typeof v === 'string' && v !== '') target[k] = v;
    }
  }
}

/** What the client says about a new operation before it is tracked. */
export interface StartGate {
  /** Why the platform cannot carry it, or undefined when it can. */
  readonly unsupported: () => string | undefined;
  /** [reason, message] when the client cannot take operations (closed, refused), else undefined. */
  readonly unavailable: () => [string, string] | undefined;
  /** A link is ready: send at once. */
  readonly online: boolean;
}

const noop = (): void => {};

export class OperationTable {
  private readonly pending = new Map<string, PendingOp>();
  private readonly recentReqIds = new Set<string>();

  constructor(private readonly d: OperationTableDeps) {}

  get size(): number {
    return this.pending.size;
  }

  get(reqId: string): PendingOp | undefined {
    return this.pending.get(reqId);
  }

  /**
   * Start an operation: refused at once (unknown, unsupported by the platform, bad agent or
   * parameters, client unavailable) with nothing sent, or tracked until its one outcome.
   */
  start(
    reqId: string,
    agent: string,
    op: string,
    params: Data,
    options: StartOperationOptions,
    gate: StartGate,
  ): OperationHandle {
    const startedAt = Date.now();
    let resolveFn!: (r: OperationResult) => void;
    const done = new Promise<OperationResult>((resolve) => {
      resolveFn = resolve;
    });
    const immediate = (reason: string, message: string): OperationHandle => {
      resolveFn({
        op,
        reqId,
        agent,
        outcome: FAILED,
        reason,
        message,
        events: [],
        ids: {},
        startedAt,
        endedAt: Date.now(),
      });
      return { reqId, done, cancel: noop };
    };
    const spec = getOperation(op);
    if (!spec) return immediate('unknownOp', `unknown operation "${String(op)}"`);
    const unsupported = gate.unsupported();
    if (unsupported !== undefined) return immediate('unsupported', unsupported);
    if (typeof agent !== 'string' || agent === '' || agent.length > 128) {
      return immediate('badParams', 'agent must be a non-empty string of at most 128 characters');
    }
    const checked = validateParams(op, params ?? {});
    if (!checked.ok) return immediate('badParams', checked.message);
    const unavailable = gate.unavailable();
    if (unavailable) return immediate(unavailable[0], unavailable[1]);
    const p: PendingOp = {
      reqId,
      op,
      agent,
      spec,
      params: params ?? {},
      startedAt,
      options,
      events: [],
      ids: {},
      resolve: resolveFn,
      early: null,
      sent: false,
      ended: false,
    };
    this.add(p);
    if (gate.online) this.send(p);
    return {
      reqId,
      done,
      cancel: (reason: string) => this.end(p, FAILED, reason || 'cancelled'),
    };
  }

  /** Track a new operation; its overall timer starts now. */
  private add(p: PendingOp): void {
    this.pending.set(p.reqId, p);
    const overall = p.options.timeoutMs ?? p.spec.timeoutMs;
    if (overall > 0 && Number.isFinite(overall)) {
      p.overallTimer = setTimeout(
        () => this.end(p, FAILED, 'timeout', undefined, `no outcome within ${overall} ms`),
        overall,
      );
    }
  }

  /** Send the operations not sent yet (after a login). */
  sendUnsent(): void {
    for (const p of this.pending.values()) if (!p.sent) this.send(p);
  }

  send(p: PendingOp): void {
    p.sent = true;
    this.d.send(p);
    const ms = this.d.responseTimeoutMs;
    if (ms > 0) {
      p.respTimer = setTimeout(() => {
        p.respTimer = undefined;
        this.end(p, FAILED, 'timeout', undefined, `no response within ${ms} ms`);
      }, ms);
    }
  }

  /** End every operation (or only the sent ones) with the same reason. */
  endAll(reason: string, message: string, onlySent = false): void {
    for (const p of Array.from(this.pending.values())) {
      if (!onlySent || p.sent) this.end(p, FAILED, reason, undefined, message);
    }
  }

  clearRecent(): void {
    this.recentReqIds.clear();
  }

  /** An event carrying a request id. */
  onEvent(ev: EventFrame): void {
    const reqId = ev.reqId as string;
    const p = this.pending.get(reqId);
    if (p === undefined) {
      if (this.recentReqIds.has(reqId)) return; // a late event of an ended operation
      this.d.unknown();
      this.d.problem(
        PROBLEM_CODES.unknownReqId,
        `event ${ev.name} (seq ${ev.seq}) for unknown reqId "${reqId}"`,
      );
      return;
    }
    const oe: OperationEvent = { name: ev.name, ts: Date.now(), seq: ev.seq, data: ev.data };
    if (p.response === undefined) {
      // The server broke the response-first rule: hold the event until the response.
      if (p.early === null) p.early = [];
      if (p.early.length >= MAX_EARLY_EVENTS) {
        this.d.problem(
          PROBLEM_CODES.serverError,
          `too many events before the response of ${reqId}`,
        );
        return;
      }
      p.early.push(oe);
      return;
    }
    this.applyEvent(p, oe);
  }

  onResponse(f: RespFrame): void {
    const p = this.pending.get(f.reqId);
    if (p === undefined) {
      if (this.recentReqIds.has(f.reqId)) return; // e.g. the response after a timeout
      this.d.unknown();
      this.d.problem(PROBLEM_CODES.unknownReqId, `${f.op} for unknown reqId "${f.reqId}"`);
      return;
    }
    if (p.response !== undefined) {
      this.d.problem(PROBLEM_CODES.serverError, `second ${f.op} for ${f.reqId} ignored`);
      return;
    }
    if (f.op !== p.spec.response) {
      this.d.problem(
        PROBLEM_CODES.serverError,
        `response ${f.op} for ${f.reqId} does not match ${p.spec.response}`,
      );
    }
    if (p.respTimer) clearTimeout(p.respTimer);
    p.respTimer = undefined;
    p.response = f;
    gatherIds(p.ids, f.data);
    const cb = p.options.onResponse;
    if (cb) this.d.safeCall(() => cb(f), `onResponse of ${p.op} ${p.reqId}`);
    if (p.ended) return;
    if (f.code !== 0) {
      this.end(p, FAILED, 'refused', undefined, `${f.errorCode ?? f.code}: ${f.message}`);
      return;
    }
    if (p.spec.endsOnResponse !== undefined) {
      this.end(p, p.spec.endsOnResponse);
      return;
    }
    const early = p.early;
    p.early = null;
    if (early) {
      for (const oe of early) {
        if (p.ended) break;
        this.applyEvent(p, oe);
      }
    }
  }

  private applyEvent(p: PendingOp, oe: OperationEvent): void {
    p.events.push(oe);
    gatherIds(p.ids, oe.data);
    const cb = p.options.onEvent;
    if (cb) this.d.safeCall(() => cb(oe), `onEvent of ${p.op} ${p.reqId}`);
    if (p.ended) return; // the callback may have cancelled it
    const d = decideEnd(p.spec, oe.name, oe.data);
    if (!d) return;
    // A failure event may say why in words (`message`): the outcome's message.
    const said = d.outcome === FAILED ? oe.data.message : undefined;
    this.end(p, d.outcome, d.reason, oe, typeof said === 'string' ? said : undefined);
  }

  end(
    p: PendingOp,
    outcome: string,
    reason?: string,
    final?: OperationEvent,
    message?: string,
  ): void {
    if (p.ended) return;
    p.ended = true;
    if (p.respTimer) clearTimeout(p.respTimer);
    if (p.overallTimer) clearTimeout(p.overallTimer);
    p.respTimer = undefined;
    p.overallTimer = undefined;
    p.early = null;
    this.pending.delete(p.reqId);
    if (p.sent) {
      const recent = this.recentReqIds;
      recent.add(p.reqId);
      if (recent.size > RECENT_REQIDS) {
        const oldest = recent.values().next().value;
        if (oldest !== undefined) recent.delete(oldest);
      }
    }
    const result: OperationResult = {
      op: p.op,
      reqId: p.reqId,
      agent: p.agent,
      outcome,
      events: p.events,
      ids: p.ids,
      startedAt: p.startedAt,
      endedAt: Date.now(),
    };
    if (reason !== undefined) result.reason = reason;
    if (message !== undefined) result.message = message;
    if (p.response !== undefined) result.response = p.response;
    if (final !== undefined) result.final = final;
    p.resolve(result);
  }
}
