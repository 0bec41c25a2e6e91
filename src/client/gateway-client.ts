/**
 * The gateway client: one WebSocket to a gateway (or the simulator) speaking docs/protocol.md.
 *
 * - login (with `resume` after a drop), refused login -> `authFailed`, no retry loop;
 * - application heartbeat and half-open detection;
 * - reconnect with exponential backoff, jitter and a cap; re-subscribe after every login;
 * - event sequence tracking: duplicates dropped, gaps counted;
 * - operations tracked by reqId with the catalogue's outcome rules, a response timeout and an
 *   overall timeout; every operation ends exactly once;
 * - subscriptions with automatic renewal at 80 % of `expires`;
 * - every received frame validated; bad frames counted and reported, never thrown.
 *
 * No Node-RED import here: the nodes use this through ./api.ts.
 */
import WebSocket from 'ws';
import {
  FAILED,
  decideEnd,
  getOperation,
  parseFrame,
  validateClientFrame,
  validateEventData,
  validateParams,
  type EventFamily,
  type OperationSpec,
} from '../protocol';
import type {
  ClientFrame,
  Data,
  ErrorFrame,
  EventFrame,
  LoginRespFrame,
  NoticeFrame,
  RespFrame,
  SubscribeFrame,
  SubscribeRespFrame,
} from '../protocol/types';
import type {
  ClientStats,
  ConnectionStatus,
  EventListener,
  GatewayClientApi,
  GatewayClientOptions,
  Logger,
  OperationEvent,
  OperationHandle,
  OperationResult,
  StartOperationOptions,
  Subscription,
  SubscriptionSpec,
} from './api';
import { backoffDelay, resolveBackoff, type BackoffConfig } from './backoff';

export type Problem = { code: string; message: string };

/** Codes the client itself reports through onProblem (besides the validation codes). */
export const PROBLEM_CODES = {
  listenerError: 'LISTENER_ERROR',
  unknownReqId: 'UNKNOWN_REQID',
  subscribeRefused: 'SUBSCRIBE_REFUSED',
  serverError: 'SERVER_ERROR',
  notice: 'NOTICE',
  internal: 'INTERNAL',
} as const;

const DEFAULTS = {
  heartbeatMs: 15_000,
  responseTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  expires: 3600,
  /** Events for an operation held back until its response arrives. */
  maxEarlyEvents: 256,
  /** Ended request ids remembered, so late events of an ended operation are not "unknown". */
  recentReqIds: 1024,
  closeGraceMs: 500,
} as const;

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const noop = (): void => {};

interface PendingOp {
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
  /** Sent on the current socket. Unsent operations wait for the next login. */
  sent: boolean;
  respTimer?: NodeJS.Timeout;
  overallTimer?: NodeJS.Timeout;
  ended: boolean;
}

interface SubState {
  readonly id: string;
  events: string[];
  objects?: 'any' | string[];
  expires: number;
  renewTimer?: NodeJS.Timeout;
  /** Sent to a server at least once: only then can unsubscribing concern the server. */
  sent?: boolean;
}

interface QidEntry {
  readonly sub: SubState | null;
  readonly id: string;
  readonly unsubscribe: boolean;
  readonly resolve?: () => void;
  timer?: NodeJS.Timeout;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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

export class GatewayClient implements GatewayClientApi {
  private readonly opts: GatewayClientOptions;
  /** The WebSocket URL, once known (at once for a string option, later for a resolver). */
  private url: string | undefined;
  /** Set when the client can never connect: why (scrubbed). */
  private failure: string | undefined;
  private readonly log: Logger;
  private readonly backoff: BackoffConfig;
  /** Configured ping interval (0: off) and half-open timeout; `undefined` timeout = 2.5 x. */
  private readonly heartbeatMs: number;
  private readonly heartbeatTimeoutOpt: number | undefined;
  /** In effect on the current socket: the configured interval, shortened to the server's. */
  private hbEveryMs = 0;
  private hbTimeoutMs = 0;
  private readonly responseTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly secretRe: RegExp | null;

  private st: ConnectionStatus = { state: 'idle', attempt: 0 };
  private ws: WebSocket | null = null;
  private loggedIn = false;
  private attempt = 0;
  private sessionId: string | undefined;
  private lastSeq = 0;
  /** A resume was refused (resumed: false); a following `gap` notice is the same loss. */
  private resumeLost = false;
  /** The server said the same user logged in elsewhere: wait the longest delay before retrying. */
  private kickedOut = false;
  private counter = 0;
  private pingId = 0;

  private reconnectTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private hbSeenFrames = 0;
  private hbLastChange = 0;
  private hbLastPing = 0;

  private readonly pending = new Map<string, PendingOp>();
  private readonly recentReqIds = new Set<string>();
  private readonly subs = new Map<string, SubState>();
  /** Unsubscribes requested while offline; sent after the next login. */
  private readonly unsubQueue = new Map<string, string[]>();
  private readonly qids = new Map<string, QidEntry>();
  private readonly listeners = new Map<EventFamily, Map<string, Set<EventListener>>>();
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();
  private readonly problemListeners = new Set<(p: Problem) => void>();
  private waiters: Waiter[] = [];

  private readonly counters = {
    framesIn: 0,
    framesOut: 0,
    eventsIn: 0,
    invalidFrames: 0,
    invalidEvents: 0,
    unknownResponses: 0,
    duplicates: 0,
    gaps: 0,
    reconnects: 0,
  };

  constructor(options: GatewayClientOptions) {
    if (!options || (typeof options.url !== 'function' && typeof options.url !== 'string')) {
      throw new TypeError('GatewayClient: options.url is required');
    }
    if (typeof options.url === 'string') {
      const bad = urlProblem(options.url);
      if (bad) throw new TypeError(`GatewayClient: ${bad}`);
      this.url = options.url;
    }
    this.opts = options;
    this.log = options.logger ?? noopLogger;
    this.backoff = resolveBackoff(options.reconnect);
    const hb = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.heartbeatMs = Number.isFinite(hb) && hb > 0 ? hb : 0;
    const hbt = options.heartbeatTimeoutMs;
    this.heartbeatTimeoutOpt =
      hbt !== undefined && Number.isFinite(hbt) && hbt > 0 ? hbt : undefined;
    this.responseTimeoutMs = options.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const pw = options.password ?? '';
    this.secretRe = pw.length >= 3 ? new RegExp(escapeRegExp(pw), 'g') : null;
  }

  // ------------------------------------------------------------------ public API

  get status(): ConnectionStatus {
    return this.st;
  }

  start(): void {
    if (this.st.state !== 'idle') return;
    if (this.url !== undefined) {
      this.dial();
      return;
    }
    // The URL is known later (an embedded simulator still starting): operations and
    // subscriptions queue as they do before any login, until it comes or fails.
    this.setStatus({ state: 'connecting', attempt: 0 });
    const resolveUrl = this.opts.url as () => Promise<string>;
    let pending: Promise<string>;
    try {
      pending = Promise.resolve(resolveUrl());
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (url) => {
        if (this.st.state === 'closed') return;
        const bad = urlProblem(url);
        if (bad) return this.fail(bad);
        this.url = url;
        this.dial();
      },
      (err: unknown) => this.fail((err as Error)?.message ?? String(err)),
    );
  }

  whenConnected(): Promise<void> {
    const s = this.st.state;
    if (s === 'connected') return Promise.resolve();
    if (s === 'closed') return Promise.reject(new Error(this.failure ?? 'gateway client closed'));
    if (s === 'authFailed')
      return Promise.reject(new Error(this.st.error ?? 'authentication refused'));
    return new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  onProblem(listener: (problem: Problem) => void): () => void {
    this.problemListeners.add(listener);
    return () => {
      this.problemListeners.delete(listener);
    };
  }

  on(family: EventFamily, name: string, listener: EventListener): () => void {
    let byName = this.listeners.get(family);
    if (!byName) {
      byName = new Map();
      this.listeners.set(family, byName);
    }
    let set = byName.get(name);
    if (!set) {
      set = new Set();
      byName.set(name, set);
    }
    set.add(listener);
    return () => {
      const m = this.listeners.get(family);
      const s = m?.get(name);
      if (!m || !s) return;
      s.delete(listener);
      if (s.size === 0) m.delete(name);
      if (m.size === 0) this.listeners.delete(family);
    };
  }

  stats(): ClientStats {
    return { ...this.counters, lastSeq: this.lastSeq, pending: this.pending.size };
  }

  startOperation(
    agent: string,
    op: string,
    params: Data,
    options: StartOperationOptions = {},
  ): OperationHandle {
    const reqId = `r${++this.counter}`;
    const startedAt = Date.now();
    let resolveFn!: (r: OperationResult) => void;
    const done = new Promise<OperationResult>((resolve) => {
      resolveFn = resolve;
    });
    const spec = getOperation(op);
    const immediate = (reason: string, message: string): OperationHandle => {
      const now = Date.now();
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
        endedAt: now,
      });
      return { reqId, done, cancel: noop };
    };
    if (!spec) return immediate('unknownOp', `unknown operation "${String(op)}"`);
    if (typeof agent !== 'string' || agent === '' || agent.length > 128) {
      return immediate('badParams', 'agent must be a non-empty string of at most 128 characters');
    }
    const checked = validateParams(op, params ?? {});
    if (!checked.ok) return immediate('badParams', checked.message);
    const state = this.st.state;
    if (state === 'closed') {
      return this.failure !== undefined
        ? immediate('disconnected', this.failure)
        : immediate('closed', 'gateway client closed');
    }
    if (state === 'authFailed') {
      return immediate('disconnected', this.st.error ?? 'authentication refused');
    }

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
    this.pending.set(reqId, p);
    const overall = options.timeoutMs ?? spec.timeoutMs;
    if (overall > 0 && Number.isFinite(overall)) {
      p.overallTimer = setTimeout(
        () => this.endOp(p, FAILED, 'timeout', undefined, `no outcome within ${overall} ms`),
        overall,
      );
    }
    if (this.loggedIn) this.sendOp(p);
    return {
      reqId,
      done,
      cancel: (reason: string) => this.endOp(p, FAILED, reason || 'cancelled'),
    };
  }

  subscribe(spec: SubscriptionSpec): Subscription {
    if (this.st.state === 'closed') throw new Error('gateway client closed');
    const id = spec.id ?? `sub-${++this.counter}`;
    const sub: SubState = {
      id,
      events: [...spec.events],
      objects:
        spec.objects === undefined ? undefined : spec.objects === 'any' ? 'any' : [...spec.objects],
      expires: spec.expires ?? DEFAULTS.expires,
    };
    // Refuse a spec the server would refuse, with the schema's message, before anything is sent.
    const check = validateClientFrame(this.subscribeFrame(sub, 'q-check', sub.expires));
    if (!check.ok) throw new TypeError(`invalid subscription: ${check.message}`);
    if (sub.expires === 0) throw new TypeError('invalid subscription: expires must be above 0');
    const old = this.subs.get(id);
    if (old?.renewTimer) clearTimeout(old.renewTimer);
    this.subs.set(id, sub);
    this.unsubQueue.delete(id);
    if (this.loggedIn) this.sendSubscribe(sub);
    return { id, unsubscribe: () => this.unsubscribe(id, sub) };
  }

  close(): Promise<void> {
    return this.shutdown('closed', 'gateway client closed');
  }

  /**
   * The client can never connect (its URL could not be had, or is not a WebSocket URL): every
   * pending operation ends once as failed/disconnected with the reason, later ones at once.
   */
  private fail(message: string): void {
    const m = this.scrub(message);
    this.log.error(`gateway: cannot connect: ${m}`);
    this.failure = m;
    void this.shutdown('disconnected', m, m);
  }

  private async shutdown(opReason: string, message: string, error?: string): Promise<void> {
    if (this.st.state === 'closed') return;
    this.loggedIn = false;
    this.clearTimer('reconnectTimer');
    this.clearTimer('connectTimer');
    this.stopHeartbeat();
    for (const sub of this.subs.values()) {
      if (sub.renewTimer) clearTimeout(sub.renewTimer);
      sub.renewTimer = undefined;
    }
    this.subs.clear();
    this.unsubQueue.clear();
    this.settleQids();
    for (const p of Array.from(this.pending.values())) {
      this.endOp(p, FAILED, opReason, undefined, message);
    }
    this.setStatus({ state: 'closed', attempt: 0, sessionId: this.sessionId, error });
    this.rejectWaiters(new Error(message));
    const ws = this.ws;
    this.ws = null;
    this.statusListeners.clear();
    this.problemListeners.clear();
    this.listeners.clear();
    this.recentReqIds.clear();
    if (ws) await this.closeSocket(ws);
  }

  // ------------------------------------------------------------------ connection

  private dial(): void {
    this.clearTimer('reconnectTimer');
    if (this.attempt === 0) this.setStatus({ state: 'connecting', attempt: 0 });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url as string, {
        handshakeTimeout: this.connectTimeoutMs,
        perMessageDeflate: false,
        maxPayload: 8 * 1024 * 1024,
        ca: this.opts.tls?.ca,
        rejectUnauthorized: this.opts.tls?.rejectUnauthorized,
      });
    } catch (err) {
      // Invalid URL and the like: retrying cannot help, but report it the same way.
      this.log.error(`gateway: cannot connect: ${this.scrub((err as Error).message)}`);
      this.scheduleReconnect(this.scrub((err as Error).message));
      return;
    }
    this.ws = ws;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.drop(ws, `no login answer within ${this.connectTimeoutMs} ms`);
    }, this.connectTimeoutMs);
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) =>
      this.onMessage(data, isBinary),
    );
    ws.on('error', (err: Error) => {
      this.log.debug(`gateway: socket error: ${this.scrub(err.message)}`);
      this.drop(ws, this.scrub(err.message));
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const why = reason.length > 0 ? `${code} ${reason.toString()}` : `${code}`;
      this.drop(ws, this.scrub(`socket closed (${why})`));
    });
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    const info = this.opts.clientInfo ?? {};
    const frame: ClientFrame = {
      type: 'login',
      reqId: `l${++this.counter}`,
      tenant: this.opts.tenant,
      credentials: { username: this.opts.username, password: this.opts.password },
      client: {
        name: info.name ?? 'node-red-contact-center',
        version: info.version ?? '0.1.0',
      },
    };
    if (this.sessionId !== undefined) {
      frame.resume = { sessionId: this.sessionId, lastSeq: this.lastSeq };
    }
    this.send(frame);
    this.startHeartbeat(this.heartbeatMs);
  }

  private onLoginResp(f: LoginRespFrame): void {
    if (this.loggedIn) {
      this.problem(PROBLEM_CODES.serverError, 'unexpected loginResp after login');
      return;
    }
    this.clearTimer('connectTimer');
    if (f.code !== 0 || !f.data) {
      const why = this.scrub(
        `authentication refused: ${f.errorCode ?? `code ${f.code}`}${f.message ? ` (${f.message})` : ''}`,
      );
      this.log.error(`gateway: ${why}`);
      const ws = this.ws;
      this.ws = null;
      this.stopHeartbeat();
      this.attempt = 0;
      for (const p of Array.from(this.pending.values())) {
        this.endOp(p, FAILED, 'disconnected', undefined, why);
      }
      this.settleQids();
      this.setStatus({ state: 'authFailed', attempt: 0, error: why });
      this.rejectWaiters(new Error(why));
      if (ws) void this.closeSocket(ws);
      return;
    }
    const d = f.data;
    const reconnected = this.sessionId !== undefined;
    if (reconnected) this.counters.reconnects++;
    if (!d.resumed) {
      if (reconnected && this.lastSeq > 0) {
        // Whatever the old session held after lastSeq is gone.
        this.counters.gaps++;
        this.resumeLost = true;
        this.log.warn(`gateway: session not resumed, events after seq ${this.lastSeq} may be lost`);
      }
      this.lastSeq = 0;
    }
    this.sessionId = d.sessionId;
    this.loggedIn = true;
    this.attempt = 0;
    // The server announces the ping interval it expects: ping at least that often.
    const announced = d.heartbeatMs;
    if (this.heartbeatMs > 0 && announced > 0 && announced < this.hbEveryMs) {
      this.startHeartbeat(announced);
    }
    this.setStatus({ state: 'connected', attempt: 0, sessionId: d.sessionId });
    this.log.info(
      `gateway: logged in as ${this.opts.username}@${this.opts.tenant}, session ${d.sessionId}` +
        (reconnected ? (d.resumed ? ' (resumed)' : ' (new session)') : ''),
    );
    // Re-send every live subscription with its id (renew is idempotent), then queued work.
    for (const [id, events] of this.unsubQueue) this.sendUnsubscribe(id, events);
    this.unsubQueue.clear();
    for (const sub of this.subs.values()) this.sendSubscribe(sub);
    for (const p of this.pending.values()) if (!p.sent) this.sendOp(p);
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.resolve();
  }

  /** The socket is gone (error, close, timeout, half-open): clean up and schedule a reconnect. */
  private drop(ws: WebSocket, why: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    ws.removeAllListeners();
    ws.on('error', noop);
    try {
      ws.terminate();
    } catch {
      /* already closed */
    }
    const wasLoggedIn = this.loggedIn;
    this.loggedIn = false;
    this.clearTimer('connectTimer');
    this.stopHeartbeat();
    for (const sub of this.subs.values()) {
      if (sub.renewTimer) clearTimeout(sub.renewTimer);
      sub.renewTimer = undefined;
    }
    this.settleQids();
    for (const p of Array.from(this.pending.values())) {
      if (p.sent) this.endOp(p, FAILED, 'disconnected', undefined, `connection lost: ${why}`);
    }
    if (wasLoggedIn) this.log.warn(`gateway: connection lost: ${why}`);
    this.scheduleReconnect(why);
  }

  private scheduleReconnect(why: string): void {
    const s = this.st.state;
    if (s === 'closed' || s === 'authFailed') return;
    this.attempt++;
    // After a kickout, reconnecting at once would kick the other login in turn, in a loop.
    const delay = this.kickedOut ? this.backoff.maxMs : backoffDelay(this.attempt, this.backoff);
    this.kickedOut = false;
    this.setStatus({
      state: 'reconnecting',
      attempt: this.attempt,
      nextDelayMs: delay,
      error: why,
      sessionId: this.sessionId,
    });
    this.log.debug(`gateway: reconnect attempt ${this.attempt} in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.dial();
    }, delay);
  }

  private closeSocket(ws: WebSocket): Promise<void> {
    ws.removeAllListeners();
    ws.on('error', noop);
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, DEFAULTS.closeGraceMs);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'client closed');
      } catch {
        ws.terminate();
      }
    });
  }

  // ------------------------------------------------------------------ heartbeat

  /**
   * Ping every `everyMs` on the current socket; nothing received for the configured timeout
   * (default 2.5 x `everyMs`) means half-open. Keeps the silence measured so far on a restart.
   */
  private startHeartbeat(everyMs: number): void {
    const restart = this.heartbeatTimer !== undefined;
    this.stopHeartbeat();
    if (everyMs <= 0) return;
    this.hbEveryMs = everyMs;
    this.hbTimeoutMs = this.heartbeatTimeoutOpt ?? Math.round(everyMs * 2.5);
    if (!restart) {
      const now = Date.now();
      this.hbSeenFrames = this.counters.framesIn;
      this.hbLastChange = now;
      this.hbLastPing = now;
    }
    const tick = Math.max(5, Math.min(everyMs, Math.floor(this.hbTimeoutMs / 3)));
    this.heartbeatTimer = setInterval(() => this.heartbeatTick(tick), tick);
  }

  private heartbeatTick(tick: number): void {
    const ws = this.ws;
    if (!ws) return;
    const now = Date.now();
    // Counting frames instead of stamping each one keeps Date.now() off the hot path.
    if (this.counters.framesIn !== this.hbSeenFrames) {
      this.hbSeenFrames = this.counters.framesIn;
      this.hbLastChange = now;
    } else if (now - this.hbLastChange >= this.hbTimeoutMs) {
      this.log.warn(`gateway: nothing received for ${now - this.hbLastChange} ms, reconnecting`);
      this.drop(ws, `heartbeat lost (nothing received for ${now - this.hbLastChange} ms)`);
      return;
    }
    if (now - this.hbLastPing >= this.hbEveryMs - tick / 2) {
      this.hbLastPing = now;
      this.send({ type: 'ping', id: ++this.pingId, ts: now });
    }
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  // ------------------------------------------------------------------ receiving

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    this.counters.framesIn++;
    if (isBinary) {
      this.counters.invalidFrames++;
      this.problem('BAD_FRAME', 'binary frame refused: frames are UTF-8 JSON text');
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.from(data).toString('utf8');
    try {
      this.handleText(text);
    } catch (err) {
      // A bug here must never reach the event loop; the frames after this one still flow.
      this.problem(PROBLEM_CODES.internal, `error handling a frame: ${(err as Error).message}`);
    }
  }

  private handleText(text: string): void {
    const r = parseFrame(text, 'server');
    if (!r.ok) {
      this.counters.invalidFrames++;
      this.problem(r.code, `invalid frame dropped: ${r.message}`);
      return;
    }
    const f = r.value;
    switch (f.type) {
      case 'event':
        this.handleEvent(f);
        return;
      case 'resp':
        this.handleResp(f);
        return;
      case 'loginResp':
        this.onLoginResp(f);
        return;
      case 'subscribeResp':
        this.handleSubscribeResp(f);
        return;
      case 'ping':
        this.send({ type: 'pong', id: f.id, ts: Date.now() });
        return;
      case 'pong':
        return;
      case 'error':
        this.handleError(f);
        return;
      case 'notice':
        this.handleNotice(f);
        return;
    }
  }

  /** The hot path: sequence check, data validation, dispatch. */
  private handleEvent(ev: EventFrame): void {
    const c = this.counters;
    c.eventsIn++;
    const seq = ev.seq;
    const last = this.lastSeq;
    if (seq <= last) {
      c.duplicates++;
      return;
    }
    if (seq !== last + 1) c.gaps++;
    if (this.resumeLost) this.resumeLost = false;
    this.lastSeq = seq;
    const v = validateEventData(ev.family, ev.name, ev.data);
    if (!v.ok) {
      c.invalidEvents++;
      this.problem(v.code, `event seq ${seq} ${ev.family}.${ev.name} dropped: ${v.message}`);
      return;
    }
    const byName = this.listeners.get(ev.family);
    if (byName !== undefined) {
      const named = byName.get(ev.name);
      if (named !== undefined) this.callListeners(named, ev);
      const any = byName.get('*');
      if (any !== undefined) this.callListeners(any, ev);
    }
    if (ev.reqId !== undefined) this.routeOpEvent(ev);
  }

  private callListeners(set: Set<EventListener>, ev: EventFrame): void {
    for (const l of set) {
      try {
        l(ev);
      } catch (err) {
        this.problem(
          PROBLEM_CODES.listenerError,
          `listener for ${ev.family}.${ev.name} threw: ${(err as Error)?.message ?? String(err)}`,
        );
      }
    }
  }

  private routeOpEvent(ev: EventFrame): void {
    const reqId = ev.reqId as string;
    const p = this.pending.get(reqId);
    if (p === undefined) {
      if (this.recentReqIds.has(reqId)) return; // a late event of an ended operation
      this.counters.unknownResponses++;
      this.problem(
        PROBLEM_CODES.unknownReqId,
        `event ${ev.name} (seq ${ev.seq}) for unknown reqId "${reqId}"`,
      );
      return;
    }
    const oe: OperationEvent = { name: ev.name, ts: Date.now(), seq: ev.seq, data: ev.data };
    if (p.response === undefined) {
      // The server broke the response-first rule: hold the event until the response.
      if (p.early === null) p.early = [];
      if (p.early.length >= DEFAULTS.maxEarlyEvents) {
        this.problem(PROBLEM_CODES.serverError, `too many events before the response of ${reqId}`);
        return;
      }
      p.early.push(oe);
      return;
    }
    this.applyOpEvent(p, oe);
  }

  private applyOpEvent(p: PendingOp, oe: OperationEvent): void {
    p.events.push(oe);
    gatherIds(p.ids, oe.data);
    const cb = p.options.onEvent;
    if (cb) this.safeCall(() => cb(oe), `onEvent of ${p.op} ${p.reqId}`);
    if (p.ended) return; // the callback may have cancelled it
    const d = decideEnd(p.spec, oe.name, oe.data);
    if (d) this.endOp(p, d.outcome, d.reason, oe);
  }

  private handleResp(f: RespFrame): void {
    const p = this.pending.get(f.reqId);
    if (p === undefined) {
      if (this.recentReqIds.has(f.reqId)) return; // e.g. the response after a timeout
      this.counters.unknownResponses++;
      this.problem(PROBLEM_CODES.unknownReqId, `${f.op} for unknown reqId "${f.reqId}"`);
      return;
    }
    if (p.response !== undefined) {
      this.problem(PROBLEM_CODES.serverError, `second ${f.op} for ${f.reqId} ignored`);
      return;
    }
    if (f.op !== p.spec.response) {
      this.problem(
        PROBLEM_CODES.serverError,
        `response ${f.op} for ${f.reqId} does not match ${p.spec.response}`,
      );
    }
    if (p.respTimer) clearTimeout(p.respTimer);
    p.respTimer = undefined;
    p.response = f;
    gatherIds(p.ids, f.data);
    const cb = p.options.onResponse;
    if (cb) this.safeCall(() => cb(f), `onResponse of ${p.op} ${p.reqId}`);
    if (p.ended) return;
    if (f.code !== 0) {
      this.endOp(p, FAILED, 'refused', undefined, `${f.errorCode ?? f.code}: ${f.message}`);
      return;
    }
    if (p.spec.endsOnResponse !== undefined) {
      this.endOp(p, p.spec.endsOnResponse);
      return;
    }
    const early = p.early;
    p.early = null;
    if (early) {
      for (const oe of early) {
        if (p.ended) break;
        this.applyOpEvent(p, oe);
      }
    }
  }

  private handleSubscribeResp(f: SubscribeRespFrame): void {
    const q = this.qids.get(f.qid);
    if (q === undefined) {
      this.counters.unknownResponses++;
      this.problem(PROBLEM_CODES.unknownReqId, `subscribeResp for unknown qid "${f.qid}"`);
      return;
    }
    this.qids.delete(f.qid);
    if (q.timer) clearTimeout(q.timer);
    if (q.unsubscribe) {
      if (f.code !== 0) {
        this.problem(PROBLEM_CODES.subscribeRefused, `unsubscribe ${q.id} refused: ${f.message}`);
      }
      q.resolve?.();
      return;
    }
    const sub = q.sub;
    if (!sub || this.subs.get(sub.id) !== sub) return; // unsubscribed or replaced meanwhile
    if (f.code !== 0) {
      if (sub.renewTimer) clearTimeout(sub.renewTimer);
      sub.renewTimer = undefined;
      this.problem(
        PROBLEM_CODES.subscribeRefused,
        `subscription ${sub.id} refused: ${f.errorCode ?? f.code} ${f.message}`,
      );
      return;
    }
    // The server may grant a different period: renew at 80 % of what it granted.
    this.armRenew(sub, f.expires > 0 ? f.expires : sub.expires);
  }

  private handleError(f: ErrorFrame): void {
    const msg = `${f.code}: ${f.message}`;
    if (f.reqId) {
      const p = this.pending.get(f.reqId);
      if (p) {
        this.endOp(p, FAILED, 'refused', undefined, msg);
        return;
      }
    }
    if (f.qid) {
      const q = this.qids.get(f.qid);
      if (q) {
        this.qids.delete(f.qid);
        if (q.timer) clearTimeout(q.timer);
        q.resolve?.();
        this.problem(PROBLEM_CODES.subscribeRefused, `subscription ${q.id}: ${msg}`);
        return;
      }
    }
    this.problem(PROBLEM_CODES.serverError, `server error ${this.scrub(msg)}`);
  }

  private handleNotice(f: NoticeFrame): void {
    if (f.code === 'kickout') this.kickedOut = true;
    if (f.code === 'gap') {
      if (this.resumeLost) this.resumeLost = false;
      else this.counters.gaps++;
    }
    this.log.warn(`gateway: notice ${f.code}: ${this.scrub(f.message)}`);
    this.problem(PROBLEM_CODES.notice, `${f.code}: ${this.scrub(f.message)}`);
  }

  // ------------------------------------------------------------------ operations

  private sendOp(p: PendingOp): void {
    p.sent = true;
    this.send({ type: 'req', op: p.op, reqId: p.reqId, agent: p.agent, params: p.params });
    if (this.responseTimeoutMs > 0) {
      p.respTimer = setTimeout(() => {
        p.respTimer = undefined;
        this.endOp(
          p,
          FAILED,
          'timeout',
          undefined,
          `no response within ${this.responseTimeoutMs} ms`,
        );
      }, this.responseTimeoutMs);
    }
  }

  private endOp(
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
      if (recent.size > DEFAULTS.recentReqIds) {
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

  // ------------------------------------------------------------------ subscriptions

  private subscribeFrame(sub: SubState, qid: string, expires: number): SubscribeFrame {
    const f: SubscribeFrame = { type: 'subscribe', qid, id: sub.id, events: sub.events, expires };
    if (sub.objects !== undefined) f.objects = sub.objects;
    return f;
  }

  private sendSubscribe(sub: SubState): void {
    const qid = `q${++this.counter}`;
    this.qids.set(qid, { sub, id: sub.id, unsubscribe: false });
    sub.sent = true;
    this.send(this.subscribeFrame(sub, qid, sub.expires));
    // Renew even when no answer comes; an answer re-arms with the granted period.
    this.armRenew(sub, sub.expires);
  }

  private armRenew(sub: SubState, expires: number): void {
    if (sub.renewTimer) clearTimeout(sub.renewTimer);
    sub.renewTimer = setTimeout(
      () => {
        sub.renewTimer = undefined;
        if (this.loggedIn && this.subs.get(sub.id) === sub) this.sendSubscribe(sub);
      },
      Math.max(10, Math.floor(expires * 1000 * 0.8)),
    );
  }

  private sendUnsubscribe(id: string, events: string[], resolve?: () => void): void {
    const qid = `q${++this.counter}`;
    const entry: QidEntry = { sub: null, id, unsubscribe: true, resolve };
    if (resolve) {
      entry.timer = setTimeout(
        () => {
          this.qids.delete(qid);
          resolve();
        },
        this.responseTimeoutMs > 0 ? this.responseTimeoutMs : DEFAULTS.responseTimeoutMs,
      );
    }
    this.qids.set(qid, entry);
    this.send({ type: 'subscribe', qid, id, events, expires: 0 });
  }

  private unsubscribe(id: string, sub: SubState): Promise<void> {
    if (this.subs.get(id) !== sub) return Promise.resolve();
    this.subs.delete(id);
    if (sub.renewTimer) clearTimeout(sub.renewTimer);
    sub.renewTimer = undefined;
    if (this.st.state === 'closed') return Promise.resolve();
    if (!this.loggedIn) {
      // A subscription never sent is unknown to every server: nothing to tell it.
      if (sub.sent) this.unsubQueue.set(id, sub.events);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.sendUnsubscribe(id, sub.events, resolve));
  }

  /** Forget outstanding subscribe requests (socket gone): their promises settle now. */
  private settleQids(): void {
    for (const q of this.qids.values()) {
      if (q.timer) clearTimeout(q.timer);
      q.resolve?.();
    }
    this.qids.clear();
  }

  // ------------------------------------------------------------------ helpers

  private send(frame: ClientFrame): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return;
    this.counters.framesOut++;
    ws.send(JSON.stringify(frame), (err) => {
      if (err) this.log.debug(`gateway: send failed: ${this.scrub(err.message)}`);
    });
  }

  private setStatus(s: ConnectionStatus): void {
    if (s.error !== undefined) s.error = this.scrub(s.error);
    this.st = s;
    for (const l of this.statusListeners) {
      try {
        l(s);
      } catch (err) {
        this.problem(
          PROBLEM_CODES.listenerError,
          `status listener threw: ${(err as Error).message}`,
        );
      }
    }
  }

  private rejectWaiters(err: Error): void {
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.reject(err);
  }

  private safeCall(fn: () => void, what: string): void {
    try {
      fn();
    } catch (err) {
      this.problem(
        PROBLEM_CODES.listenerError,
        `${what} threw: ${(err as Error)?.message ?? String(err)}`,
      );
    }
  }

  private problem(code: string, message: string): void {
    const p: Problem = { code, message: this.scrub(message) };
    this.log.debug(`gateway: ${p.code}: ${p.message}`);
    for (const l of this.problemListeners) {
      try {
        l(p);
      } catch {
        // A failing problem listener has nowhere left to report to.
      }
    }
  }

  /** Remove the password and URL credentials from any text leaving the client. */
  private scrub(text: string): string {
    let t = text.replace(/(wss?:\/\/)[^/@\s]*@/gi, '$1***@');
    if (this.secretRe) t = t.replace(this.secretRe, '***');
    return t;
  }

  private clearTimer(name: 'reconnectTimer' | 'connectTimer'): void {
    const t = this[name];
    if (t) clearTimeout(t);
    this[name] = undefined;
  }
}

/** Why a URL cannot be dialled, or undefined when it can. */
function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return 'options.url is required';
  if (!/^wss?:\/\/[^/?#\s]+/i.test(url)) return 'options.url must be a ws:// or wss:// URL';
  return undefined;
}
