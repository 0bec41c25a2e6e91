/**
 * Era / Incoplax operations on one link: each carried catalogue operation becomes REST call
 * control (`/uc/calls`, ./rest.ts) as the table in ./mapping.ts says, and its answer becomes the
 * operation's response. A tracked operation (a preview call) then follows the ccsevents of the
 * seance its answer named (delivered by the link's own operations subscription) and reports the
 * catalogue's process events with its request id, as PREVIEW_RULES maps them; the client's
 * catalogue rules decide the outcome, exactly once. An answer that names no seance and no call
 * ends it `failed` at once (NO_IDS_REASON): nothing could tell its ccsevents apart.
 *
 * The answer travels over HTTP and the notifications over the WebSocket, so notifications may
 * arrive before the answer that names their seance: while a call is being created they are held
 * (bounded) and replayed once the answer is in, after the response.
 */
import type { Data, RespFrame } from '../../protocol/types';
import type { LinkHandler, OperationRequest } from '../api';
import {
  FAILURE_RESULTS,
  NO_IDS_REASON,
  OPERATIONS_CARRIED,
  PREVIEW_RULES,
  REST,
  pickString,
  restPath,
  type EraRestCall,
} from './mapping';
import type { EraRest, EraRestResult } from './rest';

/** Notifications held while a call is being created. */
const MAX_HELD = 512;
/** Operations followed at once (the oldest is forgotten beyond this). */
const MAX_TRACKED = 1024;

interface Tracked {
  readonly reqId: string;
  readonly agent: string;
  readonly seance: string | undefined;
  /** The call (leg) the answer named: the agent's. */
  readonly call: string | undefined;
  readonly customerNumber: string;
  /** Legs of the seance seen so far. */
  readonly calls: Set<string>;
  readonly emitted: Set<string>;
}

export interface EraOperationsDeps {
  readonly rest: EraRest;
  readonly h: LinkHandler;
  readonly scrub: (text: string) => string;
  /** Make sure the link's operations subscription is up: undefined, or why it was refused. */
  readonly events: () => Promise<string | undefined>;
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;

/** The first call id in a `GET /uc/calls?user=` answer. */
export function firstCallId(body: Data): string | undefined {
  for (const k of REST.listKeys) {
    const list = body[k];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (c && typeof c === 'object') {
        const id = pickString(c as Data, REST.callIdKeys);
        if (id) return id;
      }
    }
  }
  return undefined;
}

export class EraOperations {
  private readonly bySeance = new Map<string, Tracked>();
  private readonly byCall = new Map<string, Tracked>();
  private creating = 0;
  private held: { event: string; data: Data }[] = [];
  private closed = false;

  constructor(private readonly d: EraOperationsDeps) {}

  send(r: OperationRequest): void {
    const call = OPERATIONS_CARRIED[r.op];
    if (call) void this.carry(r, call);
  }

  close(): void {
    this.closed = true;
    this.d.rest.close();
    this.bySeance.clear();
    this.byCall.clear();
    this.held = [];
  }

  private resp(r: OperationRequest, f: Omit<RespFrame, 'type' | 'op' | 'reqId'>): void {
    if (this.closed) return;
    this.d.h.response({ type: 'resp', op: `${r.op}Resp`, reqId: r.reqId, ...f });
  }

  private refuse(r: OperationRequest, res: Extract<EraRestResult, { ok: false }>): void {
    this.resp(r, {
      code: res.status || 503,
      errorCode: res.reason === 'refused' ? 'REFUSED' : res.reason.toUpperCase(),
      message: this.d.scrub(`era: ${res.message}`),
      data: res.body ?? null,
    });
  }

  private async rest(method: string, path: string, body?: Data, query?: Record<string, string>) {
    this.d.h.frameOut();
    const res = await this.d.rest.request(method, path, body, query);
    if (!this.closed && (res.ok || res.status > 0)) this.d.h.frameIn();
    return res;
  }

  private async carry(r: OperationRequest, call: EraRestCall): Promise<void> {
    if (call.tracked) {
      const refused = await this.d.events();
      if (this.closed) return;
      if (refused !== undefined) {
        this.resp(r, {
          code: 403,
          errorCode: 'SUBSCRIBE_REFUSED',
          message: this.d.scrub(
            `era: the call events this operation needs were refused: ${refused}`,
          ),
          data: null,
        });
        return;
      }
    }
    let callId: string | undefined;
    if (call.onCall) {
      const list = await this.rest('GET', REST.callsPath, undefined, { [REST.userQuery]: r.agent });
      if (this.closed) return;
      if (!list.ok) return this.refuse(r, list);
      callId = firstCallId(list.body);
      if (callId === undefined) {
        this.resp(r, {
          code: 404,
          errorCode: 'NO_CALL',
          message: `era: agent ${r.agent} has no call`,
          data: null,
        });
        return;
      }
    }
    if (call.tracked) this.creating++;
    try {
      const res = await this.rest(
        call.method,
        restPath(call, callId),
        call.body?.(r.agent, r.params),
      );
      if (this.closed) return;
      if (!res.ok) return this.refuse(r, res);
      const seance = pickString(res.body, REST.seanceIdKeys);
      const own = pickString(res.body, REST.callIdKeys) ?? callId;
      const ids: Record<string, string> = {};
      if (seance) ids.seance_id = seance;
      if (own) ids.call_id = own;
      this.resp(r, { code: 0, errorCode: null, message: 'ok', data: { ...res.body, ids } });
      if (call.tracked) this.track(r, seance, own, res.body);
    } finally {
      if (call.tracked && --this.creating === 0) this.held = [];
    }
  }

  /** Follow a created call; replay what arrived before its answer. */
  private track(
    r: OperationRequest,
    seance: string | undefined,
    call: string | undefined,
    answer: Data,
  ): void {
    if (!seance && !call) return this.untraceable(r, answer);
    const t: Tracked = {
      reqId: r.reqId,
      agent: r.agent,
      seance,
      call,
      customerNumber: String(r.params.customerNumber ?? ''),
      calls: new Set(call ? [call] : []),
      emitted: new Set(),
    };
    if (seance) this.bySeance.set(seance, t);
    if (call) this.byCall.set(call, t);
    if (this.bySeance.size > MAX_TRACKED) {
      const oldest = this.bySeance.values().next().value;
      if (oldest) this.untrack(oldest);
    }
    for (const n of this.held) if (this.find(n.data) === t) this.apply(t, n.event, n.data);
  }

  /**
   * The platform accepted the request but its answer named no call and no seance: no ccsevent
   * can be told to be this operation's, so it ends `failed` at once (mapping.ts NO_IDS_REASON)
   * instead of waiting for its timeout. The platform may still be placing the call.
   */
  private untraceable(r: OperationRequest, answer: Data): void {
    const keys = Object.keys(answer)
      .slice(0, 8)
      .map((k) => (k.length > 40 ? `${k.slice(0, 39)}…` : k));
    const message = this.d.scrub(
      `era: the answer to ${r.op} (${OPERATIONS_CARRIED[r.op]?.method ?? 'POST'} ` +
        `${REST.callsPath}) named no call (${REST.callIdKeys.join(' / ')}) and no seance ` +
        `(${REST.seanceIdKeys.join(' / ')}), so its progress cannot be followed; the ` +
        `platform may still be calling agent ${r.agent} (the answer's keys: ` +
        `${keys.length > 0 ? keys.join(', ') : 'none'})`,
    );
    this.report(r.agent, r.reqId, 'previewObCallResult', {
      result: FAILURE_RESULTS.failed,
      reason: NO_IDS_REASON,
      message,
    });
  }

  private untrack(t: Tracked): void {
    if (t.seance) this.bySeance.delete(t.seance);
    for (const c of t.calls) this.byCall.delete(c);
  }

  private find(data: Data): Tracked | undefined {
    const seance = str(data.seance_id);
    const call = str(data.call_id);
    return (
      (seance !== undefined ? this.bySeance.get(seance) : undefined) ??
      (call !== undefined ? this.byCall.get(call) : undefined)
    );
  }

  /** A ccs notification of the operations subscription (data in our field names). */
  onCcs(event: string, data: Data): void {
    if (this.closed) return;
    const t = this.find(data);
    if (t) this.apply(t, event, data);
    else if (this.creating > 0) {
      this.held.push({ event, data });
      if (this.held.length > MAX_HELD) this.held.shift();
    }
  }

  private apply(t: Tracked, event: string, data: Data): void {
    const callId = str(data.call_id);
    if (
      callId !== undefined &&
      !t.calls.has(callId) &&
      (!t.seance || data.seance_id === t.seance)
    ) {
      t.calls.add(callId);
      this.byCall.set(callId, t);
    }
    for (const rule of PREVIEW_RULES) {
      if (rule.ccs !== event) continue;
      if (rule.leg === 'own' && callId !== t.call) continue;
      if (rule.leg === 'other' && (callId === undefined || callId === t.call)) continue;
      if (rule.states && !rule.states.includes(String(data.state))) continue;
      this.emit(t, rule.emit, data);
      return;
    }
  }

  private emit(t: Tracked, what: (typeof PREVIEW_RULES)[number]['emit'], data: Data): void {
    if (t.emitted.has(what)) return;
    t.emitted.add(what);
    let name: string;
    let fields: Data;
    let ends = false;
    switch (what) {
      case 'previewObCallResult':
        [name, fields] = [what, { result: 0 }];
        break;
      case 'previewObCallStart':
        [name, fields] = [what, { customerNumber: str(data.number) ?? t.customerNumber }];
        break;
      case 'previewObCallRinging':
        [name, fields] = [what, { state: 'ringing', customerNumber: t.customerNumber }];
        break;
      case 'previewObCallBridge':
        [name, fields, ends] = [what, { channel: t.call ?? t.seance ?? '' }, true];
        break;
      case 'failure': {
        const info = data.info as Data | undefined;
        const reason = str(info?.reason) ?? 'failed';
        [name, fields, ends] = [
          'previewObCallResult',
          { result: FAILURE_RESULTS[reason] ?? FAILURE_RESULTS.failed, reason },
          true,
        ];
        break;
      }
      default:
        [name, fields, ends] = [
          'previewObCallResult',
          { result: FAILURE_RESULTS.failed, reason: 'ended' },
          true,
        ];
    }
    if (ends) this.untrack(t);
    const ids: Record<string, string> = {};
    if (t.seance) ids.seance_id = t.seance;
    if (t.call) ids.call_id = t.call;
    this.report(t.agent, t.reqId, name, fields, ids);
  }

  /** A process event of an operation, in the agent family, with its request id. */
  private report(
    agent: string,
    reqId: string,
    name: string,
    fields: Data,
    ids: Record<string, string> = {},
  ): void {
    if (this.closed) return;
    this.d.h.event({
      type: 'event',
      family: 'agent',
      name,
      seq: 0,
      ts: Date.now(),
      agent,
      reqId,
      data: { ...fields, ids },
    });
  }
}
