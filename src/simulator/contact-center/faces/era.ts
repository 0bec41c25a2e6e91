/**
 * The Era / Incoplax face: the vendor's documented WebSocket API over the same model the ccflow
 * face serves. Connections on `/ws/token/v1/<token>` (an integration point's token) or `/ws`
 * (a user's authorisation, HTTP Basic here); frames `["method", {params}]`; `subscribe` with
 * `qid`, `objects`, `events`, `expires`, `id`, `exargs`, answered `["subscribe_result", {qid,
 * result, ...}]`, renewed with the same `id`, `expires: 0` unsubscribes; one notification per
 * matching subscription for every ccs event of the model, and a callevent for every change of
 * a call leg to the subscriptions that ask for `callevents`. No sequence numbers, no replay.
 *
 * What the public documents leave open (the notification's method and keys, the data's field
 * names, the shape of `result`) is written from src/platforms/era/mapping.ts, the one table the
 * driver reads too.
 */
import type http from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { CCS_EVENTS, MAX_FRAME_CHARS } from '../../../protocol';
import {
  CALL_EVENTS_FROM_CCS,
  CALL_EVENT_FIELDS,
  ERA_CLASSES,
  ERA_PATHS,
  REST,
  RESULT_SUFFIX,
  SUBSCRIBE_METHOD,
  notificationFrame,
} from '../../../platforms/era/mapping';
import type { Emission } from '../types';
import type { Face, FaceHost, FaceStats } from './face';
import { EraRestApi } from './era-rest';
import { loginAcceptedInAnyTenant } from '../../logins';

/** The integration token the simulator accepts when none is configured. */
export const DEFAULT_ERA_TOKEN = 'demo-token';

const TOKEN_PREFIX = `${ERA_PATHS.token('')}`;
const CCS_NAMES = new Set(CCS_EVENTS);
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const LOAD_BACKLOG_BYTES = 4 * 1024 * 1024;

interface EraSub {
  id: string;
  /** Every ccs event (`ccsevents.*`), or the named ones. */
  all: boolean;
  names: Set<string>;
  /** Every callevent (`callevents.*`), or the named ones. */
  callAll: boolean;
  callNames: Set<string>;
  /** Domains the subscription is limited to (`objects`), null for `any`. */
  objects: Set<string> | null;
  expiresAt: number;
}

interface EraConn {
  ws: WebSocket;
  subs: Map<string, EraSub>;
}

/** A callevent's data from the ccs event of its leg (the fields mapping.ts lists). */
function callEventData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of CALL_EVENT_FIELDS) if (data[k] !== undefined) out[k] = data[k];
  return out;
}

function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export class EraFace implements Face {
  readonly name = 'era';
  private readonly conns = new Set<EraConn>();
  private readonly tokens: Set<string>;
  private readonly counters = { eventsSent: 0, requests: 0, badFrames: 0 };
  private readonly rest: EraRestApi;

  constructor(private readonly host: FaceHost) {
    this.tokens = new Set(host.options.eraTokens ?? [DEFAULT_ERA_TOKEN]);
    this.rest = new EraRestApi(host, {
      authorised: (req) => this.restAuthorised(req),
      count: (refused) => {
        this.counters.requests++;
        if (refused) this.counters.badFrames++;
      },
    });
  }

  /** REST call control (`/uc/calls`, ./era-rest.ts). */
  http(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    return this.rest.http(req, res);
  }

  /** A REST request's credentials: the token header (mapping.ts REST) or a user's Basic login. */
  private restAuthorised(req: http.IncomingMessage): boolean {
    const given = req.headers[REST.tokenHeader];
    for (const t of this.tokens) if (given === REST.tokenValue(t)) return true;
    return this.userAuthorised(req.headers.authorization);
  }

  /** HTTP Basic credentials of a known user. */
  private userAuthorised(auth: string | undefined): boolean {
    const m = /^Basic\s+(\S+)$/i.exec(auth ?? '');
    if (!m) return false;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    const users = this.host.options.users ?? { demo: { demo: 'demo' } };
    return loginAcceptedInAnyTenant(users, user, rest.join(':'));
  }

  accepts(req: http.IncomingMessage): boolean {
    const p = pathOf(req);
    return p === ERA_PATHS.user || p.startsWith(TOKEN_PREFIX);
  }

  /** 401 for a wrong token or user, before the upgrade (as an installation answers). */
  verify(req: http.IncomingMessage): number | undefined {
    const p = pathOf(req);
    if (p.startsWith(TOKEN_PREFIX)) {
      try {
        return this.tokens.has(decodeURIComponent(p.slice(TOKEN_PREFIX.length))) ? undefined : 401;
      } catch {
        return 401;
      }
    }
    return this.userAuthorised(req.headers.authorization) ? undefined : 401;
  }

  connect(ws: WebSocket): void {
    const conn: EraConn = { ws, subs: new Map() };
    this.conns.add(conn);
    ws.on('message', (raw, isBinary) => this.onMessage(conn, raw, isBinary));
    ws.on('close', () => this.conns.delete(conn));
    ws.on('error', (err) => this.host.logger.warn(`era socket error: ${err.message}`));
  }

  private send(conn: EraConn, frame: [string, object]): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  private bad(conn: EraConn, reason: string): void {
    this.counters.badFrames++;
    this.send(conn, ['error', { result: 'error', reason }]);
  }

  private onMessage(conn: EraConn, raw: RawData, isBinary: boolean): void {
    if (isBinary) return this.bad(conn, 'binary frames are not accepted');
    const text = raw.toString();
    if (text.length > MAX_FRAME_CHARS) return this.bad(conn, 'frame too large');
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return this.bad(conn, 'not JSON');
    }
    if (
      !Array.isArray(frame) ||
      typeof frame[0] !== 'string' ||
      frame[1] === null ||
      typeof frame[1] !== 'object' ||
      Array.isArray(frame[1])
    ) {
      return this.bad(conn, 'a frame is ["method", {params}]');
    }
    const method = frame[0];
    const params = frame[1] as Record<string, unknown>;
    this.counters.requests++;
    const reply = (body: Record<string, unknown>): void =>
      this.send(conn, [`${method}${RESULT_SUFFIX}`, { qid: params.qid ?? null, ...body }]);
    if (typeof params.qid !== 'string' || params.qid === '') {
      return reply({ result: 'error', reason: 'qid is required' });
    }
    if (method !== SUBSCRIBE_METHOD) {
      return reply({ result: 'error', reason: `unknown method "${method}"` });
    }
    const refused = this.subscribe(conn, params);
    if (refused) return reply({ result: 'error', reason: refused });
    reply({ result: 'ok', id: params.id, expires: params.expires });
  }

  /** Apply a subscribe request; the reason when it is refused. */
  private subscribe(conn: EraConn, p: Record<string, unknown>): string | undefined {
    const { id, events, expires, objects } = p;
    if (typeof id !== 'string' || id === '' || id.length > 256) return 'id is required';
    if (typeof expires !== 'number' || !Number.isInteger(expires) || expires < 0) {
      return 'expires must be an integer >= 0';
    }
    if (expires === 0) {
      conn.subs.delete(id);
      return undefined;
    }
    if (!Array.isArray(events) || events.length === 0) return 'events must be a non-empty array';
    let all = false;
    const names = new Set<string>();
    let callAll = false;
    const callNames = new Set<string>();
    for (const e of events) {
      if (typeof e !== 'string') return 'events must be strings';
      const dot = e.indexOf('.');
      const cls = dot < 0 ? e : e.slice(0, dot);
      const name = dot < 0 ? '*' : e.slice(dot + 1);
      if (cls === ERA_CLASSES.call) {
        if (name === '*') callAll = true;
        else callNames.add(name);
        continue;
      }
      if (cls !== ERA_CLASSES.ccs) return `unknown event class "${cls}"`;
      if (name === '*') all = true;
      else if (CCS_NAMES.has(name)) names.add(name);
      else return `unknown event "${e}"`;
    }
    let domains: Set<string> | null = null;
    if (objects !== undefined && objects !== 'any') {
      if (!Array.isArray(objects) || objects.some((o) => typeof o !== 'string')) {
        return 'objects must be "any" or a list of domains';
      }
      domains = new Set(objects as string[]);
    }
    conn.subs.set(id, {
      id,
      all,
      names,
      callAll,
      callNames,
      objects: domains,
      expiresAt: Date.now() + expires * 1000,
    });
    return undefined;
  }

  deliver(e: Emission): void {
    if (e.family !== 'ccs' || this.conns.size === 0) return;
    const now = Date.now();
    const callName = CALL_EVENTS_FROM_CCS[e.name];
    let callData: Record<string, unknown> | undefined;
    for (const conn of this.conns) {
      for (const sub of conn.subs.values()) {
        if (sub.expiresAt <= now) {
          conn.subs.delete(sub.id);
          continue;
        }
        if (sub.objects && !sub.objects.has(e.data.domain as string)) continue;
        const ccs = sub.all || sub.names.has(e.name);
        const call = callName !== undefined && (sub.callAll || sub.callNames.has(callName));
        if (!ccs && !call) continue;
        const ws = conn.ws;
        if (ws.readyState !== WebSocket.OPEN) continue;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          this.host.logger.warn('era client too slow, closing');
          ws.terminate();
          break;
        }
        if (ccs) {
          ws.send(JSON.stringify(notificationFrame(sub.id, ERA_CLASSES.ccs, e.name, e.data)));
          this.counters.eventsSent++;
        }
        if (call) {
          callData ??= callEventData(e.data);
          ws.send(JSON.stringify(notificationFrame(sub.id, ERA_CLASSES.call, callName, callData)));
          this.counters.eventsSent++;
        }
      }
    }
  }

  keepingUp(): boolean {
    for (const c of this.conns) if (c.ws.bufferedAmount > LOAD_BACKLOG_BYTES) return false;
    return true;
  }

  sweep(now: number): void {
    for (const c of this.conns) {
      for (const sub of c.subs.values()) if (sub.expiresAt <= now) c.subs.delete(sub.id);
    }
  }

  stopping(): void {
    for (const c of this.conns) c.ws.close(1001, 'shutdown');
  }

  clear(): void {
    this.conns.clear();
  }

  stats(): FaceStats {
    return { sessions: this.conns.size, ...this.counters };
  }
}
