/**
 * Tinet HTTP push: reading one delivery (POST or GET, form or JSON) and turning it into agent
 * family events with the catalogue's names, following the table in ./mapping.ts. Pure core: no
 * HTTP server, no Node-RED. Authentication, size limit and duplicates are the webhook ingress's.
 */
import {
  AGENT_STATE_TO_DEVICE,
  CDR_STATUS,
  CDR_STATUS_OTHER,
  PREVIEW_CALL_TYPE,
  PUSH_TYPES,
  PUSH_TYPE_PARAM,
} from './mapping';

export type PushFields = Record<string, string>;

export interface PushDelivery {
  /** The query string of the request URL (with or without the leading `?`). */
  query?: string;
  contentType?: string;
  body?: Buffer | string;
}

export type ParsedPush =
  | { ok: true; type: number; name: string; fields: PushFields }
  | { ok: false; reason: 'bad_body' | 'unknown_type'; message: string };

/** One agent-family event made from a push. */
export interface TinetAgentEvent {
  name: string;
  agent: string;
  /** The request id of the operation this event belongs to, when it could be matched. */
  reqId?: string;
  data: Record<string, unknown>;
}

function flatten(o: Record<string, unknown>): PushFields {
  const out: PushFields = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

function fromForm(text: string): PushFields {
  const out: PushFields = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

/** Parse one delivery: query parameters, then the body (JSON object or form) on top. */
export function parsePush(d: PushDelivery): ParsedPush {
  const query = fromForm((d.query ?? '').replace(/^\?/, ''));
  const raw =
    d.body === undefined ? '' : Buffer.isBuffer(d.body) ? d.body.toString('utf8') : d.body;
  const text = raw.trim();
  let body: PushFields = {};
  const ct = (d.contentType ?? '').toLowerCase();
  if (text !== '') {
    const looksJson = text.startsWith('{');
    if (ct.includes('json') || (looksJson && !ct.includes('x-www-form-urlencoded'))) {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch (e) {
        return {
          ok: false,
          reason: 'bad_body',
          message: `body is not valid JSON: ${(e as Error).message}`,
        };
      }
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        return { ok: false, reason: 'bad_body', message: 'a JSON push body must be an object' };
      }
      body = flatten(v as Record<string, unknown>);
    } else {
      body = fromForm(text);
    }
  }
  const typeText = query[PUSH_TYPE_PARAM];
  delete query[PUSH_TYPE_PARAM];
  const fields: PushFields = { ...query, ...body };
  for (const k of ['token', 'access_token']) delete fields[k];
  const type = typeText !== undefined ? Number(typeText) : guessType(fields);
  if (type === undefined || !Number.isInteger(type) || !(type in PUSH_TYPES)) {
    return {
      ok: false,
      reason: 'unknown_type',
      message:
        typeText !== undefined
          ? `push type ${JSON.stringify(typeText.slice(0, 20))} is not 1..13`
          : `the push type could not be told from the fields; add ?${PUSH_TYPE_PARAM}=<1..13> to the push URL`,
    };
  }
  return { ok: true, type, name: PUSH_TYPES[type], fields };
}

/** The push type from the fields alone, when the URL does not say it. [I] */
export function guessType(f: PushFields): number | undefined {
  if ('loginStatus' in f || 'stateAction' in f) return 9;
  if ('cdr_status' in f) {
    const t = f.cdr_call_type;
    return t === '1' || t === '2' ? 7 : 8;
  }
  if ('cdr_record_duration' in f || 'cdr_unique_id' in f) return 12;
  if ('ringingTime' in f) return f.callType === '1' || f.callType === '2' ? 2 : 3;
  if ('requestUniqueId' in f) return 6;
  if ('bridgeTime' in f) return 5;
  return undefined;
}

interface Tracked {
  reqId: string;
  agent: string;
  bridged: boolean;
}

function deviceStatus(f: PushFields): number {
  if (f.loginStatus === '0') return 6;
  const d = Number(f.deviceStatus);
  if (f.deviceStatus !== undefined && Number.isInteger(d) && d >= 0 && d <= 6) return d;
  return AGENT_STATE_TO_DEVICE[(f.state ?? '').toLowerCase()] ?? 1;
}

/**
 * Turns parsed pushes into agent events, matching outbound ones to the preview calls the
 * driver placed (`expect`). Bounded: at most `maxTracked` calls are remembered.
 */
export class TinetPushMapper {
  private readonly byReq = new Map<string, Tracked>();
  private readonly byAgent = new Map<string, Tracked>();
  /** Pushes acknowledged but not emitted, by type name. */
  readonly notEmitted: Record<string, number> = {};

  constructor(private readonly maxTracked = 10_000) {}

  /** A preview call was placed for `agent` with request id `reqId`. */
  expect(agent: string, reqId: string): void {
    const t: Tracked = { reqId, agent, bridged: false };
    this.byReq.set(reqId, t);
    this.byAgent.set(agent, t);
    while (this.byReq.size > this.maxTracked) {
      const oldest = this.byReq.values().next().value as Tracked;
      this.forget(oldest);
    }
  }

  /** The operation ended elsewhere (response refused, timeout): stop matching pushes to it. */
  release(reqId: string): void {
    const t = this.byReq.get(reqId);
    if (t) this.forget(t);
  }

  private forget(t: Tracked): void {
    this.byReq.delete(t.reqId);
    if (this.byAgent.get(t.agent) === t) this.byAgent.delete(t.agent);
  }

  private match(agent: string, reqId: string | undefined): Tracked | undefined {
    if (reqId) {
      const t = this.byReq.get(reqId);
      if (t) return t;
    }
    return agent ? this.byAgent.get(agent) : undefined;
  }

  private skip(name: string): TinetAgentEvent[] {
    this.notEmitted[name] = (this.notEmitted[name] ?? 0) + 1;
    return [];
  }

  map(push: Extract<ParsedPush, { ok: true }>): TinetAgentEvent[] {
    const f = push.fields;
    const agent = f.cno ?? f.cdr_cno ?? f.cdr_callee_cno ?? '';
    const uniqueId = f.mainUniqueId ?? f.cdr_main_unique_id ?? f.uniqueId;
    const base: Record<string, unknown> = uniqueId ? { uniqueId } : {};
    const event = (name: string, data: Record<string, unknown>, t?: Tracked): TinetAgentEvent[] => {
      const e: TinetAgentEvent = {
        name,
        agent: t?.agent ?? agent,
        data: { ...base, ...data, tinet: f },
      };
      if (t) e.reqId = t.reqId;
      return e.agent === '' ? this.skip(push.name) : [e];
    };
    switch (push.type) {
      case 2:
      case 4:
        return event('ringing', {
          callType: push.type === 2 ? 'inbound' : 'webcall',
          customerNumber: f.customerNumber ?? '',
        });
      case 3: {
        const t = this.match(agent, f.requestUniqueId);
        return event(
          'previewObCallRinging',
          { state: 'ringing', customerNumber: f.customerNumber ?? '' },
          t,
        );
      }
      case 6: {
        const t = this.match(agent, f.requestUniqueId);
        if (t) t.bridged = true;
        return event(
          'previewObCallBridge',
          { channel: uniqueId ?? `tinet/${agent}`, customerNumber: f.customerNumber ?? '' },
          t,
        );
      }
      case 8: {
        const t = this.match(agent, f.cdr_request_unique_id);
        if (t) this.forget(t);
        const status = CDR_STATUS[f.cdr_status ?? ''];
        if (status === 'bridged' || t?.bridged) return this.skip(push.name);
        if (!t && f.cdr_call_type !== PREVIEW_CALL_TYPE) return this.skip(push.name);
        const r = status ?? CDR_STATUS_OTHER;
        return event(
          'previewObCallResult',
          { result: r.result, reason: r.reason, cdrStatus: f.cdr_status ?? '' },
          t,
        );
      }
      case 9:
        return event('agentStatus', {
          state: f.state ?? (f.loginStatus === '0' ? 'offline' : 'idle'),
          deviceStatus: deviceStatus(f),
        });
      default:
        return this.skip(push.name);
    }
  }
}
