/**
 * The gateway client: the driver-agnostic connection manager behind every cc-gateway config
 * node. The platform's wire is a driver's (src/platforms, contract in ../platforms/api.ts);
 * without one given, the client speaks our own protocol through the `ccflow` driver.
 *
 * - connect and authenticate through the driver; refused credentials -> `authFailed`, no
 *   retry loop; reconnect with exponential backoff, jitter and a cap;
 * - liveness heartbeat and half-open detection (when the link can ping);
 * - events: on a `replay` platform the sequence is tracked (duplicates dropped, gaps
 *   counted); on a `resubscribe` platform every reconnect raises a `gap` notice;
 * - operations tracked by request id with the catalogue's outcome rules, a response timeout
 *   and an overall timeout; every operation ends exactly once; an operation the platform
 *   cannot carry ends `failed` / `unsupported` at once with nothing sent (./operations.ts);
 * - subscriptions with renewal at 80 % of `expires`, re-sent after every login
 *   (./subscriptions.ts);
 * - every event's data validated against its family's schema; bad frames counted and
 *   reported, never thrown; secrets scrubbed from every text (./scrub.ts).
 *
 * No Node-RED import here: the nodes use this through ./api.ts.
 */
import { FAILED, validateEventData } from '../protocol';
import type { EventFamily } from '../protocol';
import type { Data, EventFrame, RespFrame } from '../protocol/types';
import { CcflowDriver } from '../platforms/ccflow/driver';
import type {
  LinkError,
  LinkHandler,
  LinkSession,
  NoticeCode,
  PlatformDriver,
  PlatformLink,
} from '../platforms/api';
import type {
  ClientStats,
  ConnectionStatus,
  GatewayClientApi,
  GatewayClientOptions,
  EventListener,
  Logger,
  Notice,
  OperationHandle,
  StartOperationOptions,
  Subscription,
  SubscriptionSpec,
} from './api';
import { backoffDelay, resolveBackoff, type BackoffConfig } from './backoff';
import { Heartbeat } from './heartbeat';
import { CallbackSet, EventListeners } from './listeners';
import { OperationTable } from './operations';
import { PROBLEM_CODES, type Problem } from './problems';
import { ResumeState } from './resume';
import { makeScrubber } from './scrub';
import { SubscriptionTable } from './subscriptions';

export { PROBLEM_CODES, type Problem } from './problems';

const DEFAULTS = {
  heartbeatMs: 15_000,
  responseTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
} as const;

/** The fastest heartbeat a server may ask for (ms): announced intervals below are raised. */
export const MIN_ANNOUNCED_HEARTBEAT_MS = 500;

const noopLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GatewayClient implements GatewayClientApi {
  // Private fields (#): the options and the driver hold the password, and util.inspect of the
  // client must not show it.
  readonly #opts: GatewayClientOptions;
  readonly #driver: PlatformDriver;
  /** The platform URL, once known (at once for a string option, later for a resolver). */
  private url: string | undefined;
  /** Set when the client can never connect: why (scrubbed). */
  private failure: string | undefined;
  private readonly log: Logger;
  private readonly backoff: BackoffConfig;
  /** Configured ping interval (0: off). */
  private readonly heartbeatMs: number;
  private readonly heartbeat: Heartbeat;
  private readonly connectTimeoutMs: number;
  private readonly scrub: (text: string) => string;

  private st: ConnectionStatus = { state: 'idle', attempt: 0 };
  #link: PlatformLink | null = null;
  private loggedIn = false;
  /** Logged in at least once: a later login is a reconnect. */
  private everLoggedIn = false;
  /** When the last ready link was lost (for the gap notice of a `resubscribe` platform). */
  private lostAt = 0;
  private attempt = 0;
  private sessionId: string | undefined;
  /** Sequence numbers and gaps, per the driver's resume mode (./resume.ts). */
  private readonly resume: ResumeState;
  /** The server said the same user logged in elsewhere: wait the longest delay before retrying. */
  private kickedOut = false;
  private counter = 0;

  private reconnectTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;

  private readonly ops: OperationTable;
  private readonly subs: SubscriptionTable;
  private readonly listeners = new EventListeners();
  private readonly statusListeners = new CallbackSet<ConnectionStatus>();
  private readonly problemListeners = new CallbackSet<Problem>();
  private readonly noticeListeners = new CallbackSet<Notice>();
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
    this.#driver =
      options.driver ??
      new CcflowDriver({
        tenant: options.tenant,
        username: options.username,
        password: options.password,
        tls: options.tls,
        clientInfo: options.clientInfo,
      });
    if (typeof options.url === 'string') {
      const bad = this.#driver.checkUrl(options.url);
      if (bad) throw new TypeError(`GatewayClient: ${bad}`);
      this.url = options.url;
    }
    this.resume = new ResumeState(this.#driver.resume, this.counters);
    this.#opts = options;
    this.log = options.logger ?? noopLogger;
    this.backoff = resolveBackoff(options.reconnect);
    const hb = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.heartbeatMs = Number.isFinite(hb) && hb > 0 ? hb : 0;
    const hbt = options.heartbeatTimeoutMs;
    this.heartbeat = new Heartbeat(
      hbt !== undefined && Number.isFinite(hbt) && hbt > 0 ? hbt : undefined,
      {
        framesIn: () => this.counters.framesIn,
        ping: () => this.#link?.ping?.(),
        dead: (silentMs) => {
          const link = this.#link;
          if (!link) return;
          this.log.warn(`gateway: nothing received for ${silentMs} ms, reconnecting`);
          this.drop(link, `heartbeat lost (nothing received for ${silentMs} ms)`);
        },
      },
    );
    const responseTimeoutMs = options.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    const secrets = [...this.#driver.secrets];
    if (options.password) secrets.push(options.password);
    this.scrub = makeScrubber(secrets);
    const problem = (code: string, message: string): void => this.problem(code, message);
    const unknown = (): void => {
      this.counters.unknownResponses++;
    };
    this.ops = new OperationTable({
      responseTimeoutMs,
      send: (p) =>
        this.#link?.sendOperation({ reqId: p.reqId, op: p.op, agent: p.agent, params: p.params }),
      problem,
      unknown,
      safeCall: (fn, what) => this.safeCall(fn, what),
    });
    this.subs = new SubscriptionTable({
      responseTimeoutMs,
      nextId: () => ++this.counter,
      online: () => this.loggedIn,
      closed: () => this.st.state === 'closed',
      send: (request) => this.#link?.sendSubscribe(request),
      problem,
      unknown,
    });
  }

  // ------------------------------------------------------------------ public API

  get status(): ConnectionStatus {
    return this.st;
  }

  /** The platform this client speaks (`ccflow`, `era`, ...). */
  get platform(): string {
    return this.#driver.platform;
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
    const resolveUrl = this.#opts.url as () => Promise<string>;
    let pending: Promise<string>;
    try {
      pending = Promise.resolve(resolveUrl());
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (url) => {
        if (this.st.state === 'closed') return;
        const bad = this.#driver.checkUrl(url);
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
    return this.statusListeners.add(listener);
  }

  onProblem(listener: (problem: Problem) => void): () => void {
    return this.problemListeners.add(listener);
  }

  onNotice(listener: (notice: Notice) => void): () => void {
    return this.noticeListeners.add(listener);
  }

  on(family: EventFamily, name: string, listener: EventListener): () => void {
    return this.listeners.on(family, name, listener);
  }

  push(body: unknown): boolean {
    const link = this.#link;
    if (!link || !this.loggedIn || !link.push) return false;
    link.push(body);
    return true;
  }

  stats(): ClientStats {
    return { ...this.counters, lastSeq: this.resume.lastSeq, pending: this.ops.size };
  }

  startOperation(
    agent: string,
    op: string,
    params: Data,
    options: StartOperationOptions = {},
  ): OperationHandle {
    return this.ops.start(`r${++this.counter}`, agent, op, params, options, {
      unsupported: () => {
        const c = this.#driver.carries(op);
        return c.carried ? undefined : `${this.#driver.platform}: ${op} is not supported: ${c.why}`;
      },
      unavailable: () => {
        const state = this.st.state;
        if (state === 'closed') {
          return this.failure !== undefined
            ? ['disconnected', this.failure]
            : ['closed', 'gateway client closed'];
        }
        if (state === 'authFailed') {
          return ['disconnected', this.st.error ?? 'authentication refused'];
        }
        return undefined;
      },
      online: this.loggedIn,
    });
  }

  subscribe(spec: SubscriptionSpec): Subscription {
    if (this.st.state === 'closed') throw new Error('gateway client closed');
    return this.subs.subscribe(spec);
  }

  close(): Promise<void> {
    return this.shutdown('closed', 'gateway client closed');
  }

  /**
   * The client can never connect (its URL could not be had, or is not one the platform takes):
   * every pending operation ends once as failed/disconnected with the reason, later ones at once.
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
    this.heartbeat.stop();
    this.subs.clear();
    this.ops.endAll(opReason, message);
    this.setStatus({ state: 'closed', attempt: 0, sessionId: this.sessionId, error });
    this.rejectWaiters(new Error(message));
    const link = this.#link;
    this.#link = null;
    this.statusListeners.clear();
    this.problemListeners.clear();
    this.noticeListeners.clear();
    this.listeners.clear();
    this.ops.clearRecent();
    if (link) await link.close();
  }

  // ------------------------------------------------------------------ connection

  private dial(): void {
    this.clearTimer('reconnectTimer');
    if (this.attempt === 0) this.setStatus({ state: 'connecting', attempt: 0 });
    let link: PlatformLink | undefined;
    const handler = this.handlerFor(() => link);
    try {
      link = this.#driver.open({
        url: this.url as string,
        resume:
          this.sessionId !== undefined
            ? { sessionId: this.sessionId, lastSeq: this.resume.lastSeq }
            : undefined,
        connectTimeoutMs: this.connectTimeoutMs,
        handler,
        log: this.log,
        scrub: this.scrub,
      });
    } catch (err) {
      // Invalid URL and the like: retrying cannot help. One clear error, no retries.
      this.fail((err as Error)?.message ?? String(err));
      return;
    }
    this.#link = link;
    const opened = link;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.drop(opened, `no login answer within ${this.connectTimeoutMs} ms`);
    }, this.connectTimeoutMs);
  }

  /** The callbacks of one link; those of a link no longer current are ignored. */
  private handlerFor(linkOf: () => PlatformLink | undefined): LinkHandler {
    const current = (): boolean => linkOf() !== undefined && linkOf() === this.#link;
    const c = this.counters;
    return {
      opened: () => {
        if (current()) this.heartbeat.start(this.heartbeatMs);
      },
      ready: (s) => {
        if (current()) this.onReady(s);
      },
      refused: (m) => {
        if (current()) this.onRefused(m);
      },
      lost: (why) => {
        const link = linkOf();
        if (link && current()) this.drop(link, why);
      },
      frameIn: () => {
        c.framesIn++;
      },
      frameOut: () => {
        c.framesOut++;
      },
      invalidFrame: (code, message) => {
        if (!current()) return;
        c.invalidFrames++;
        this.problem(code, message);
      },
      event: (ev) => {
        if (current()) this.handleEvent(ev);
      },
      response: (r: RespFrame) => {
        if (current()) this.ops.onResponse(r);
      },
      subscribeAnswer: (a) => {
        if (current()) this.subs.onAnswer(a);
      },
      error: (e) => {
        if (current()) this.handleError(e);
      },
      notice: (code, message) => {
        if (current()) this.handleNotice(code, message);
      },
      problem: (code, message) => {
        if (current()) this.problem(code, message);
      },
    };
  }

  private onRefused(message: string): void {
    this.clearTimer('connectTimer');
    const why = this.scrub(message);
    this.log.error(`gateway: ${why}`);
    const link = this.#link;
    this.#link = null;
    this.heartbeat.stop();
    this.attempt = 0;
    this.ops.endAll('disconnected', why);
    this.subs.settleQids();
    this.setStatus({ state: 'authFailed', attempt: 0, error: why });
    this.rejectWaiters(new Error(why));
    if (link) void link.close();
  }

  private onReady(d: LinkSession): void {
    if (this.loggedIn) return;
    this.clearTimer('connectTimer');
    const reconnected = this.everLoggedIn;
    if (reconnected) this.counters.reconnects++;
    const lost = this.resume.login(d.resumed, reconnected);
    if (lost > 0) {
      // Whatever the old session held after lastSeq is gone.
      this.log.warn(`gateway: session not resumed, events after seq ${lost} may be lost`);
    }
    this.sessionId = d.sessionId;
    this.loggedIn = true;
    this.everLoggedIn = true;
    this.attempt = 0;
    // The platform announces the ping interval it expects: ping at least that often, but never
    // faster than the floor (a server announcing 1 ms must not drive a reconnect storm).
    const announced = d.heartbeatMs ?? 0;
    if (this.heartbeatMs > 0 && announced > 0) {
      const every = Math.max(announced, MIN_ANNOUNCED_HEARTBEAT_MS);
      if (announced < MIN_ANNOUNCED_HEARTBEAT_MS) {
        const text = `the server announced a heartbeat of ${announced} ms; pinging every ${MIN_ANNOUNCED_HEARTBEAT_MS} ms (the floor)`;
        this.log.warn(`gateway: ${text}`);
        this.problem(PROBLEM_CODES.serverError, text);
      }
      if (every < this.heartbeat.interval) this.heartbeat.start(every);
    }
    this.setStatus({ state: 'connected', attempt: 0, sessionId: d.sessionId });
    const session = d.sessionId !== undefined ? `, session ${d.sessionId}` : '';
    this.log.info(
      `gateway: logged in as ${d.who}${session}` +
        (reconnected ? (d.resumed ? ' (resumed)' : ' (new session)') : ''),
    );
    // Re-send every live subscription with its id (renew is idempotent), then queued work.
    this.subs.resend();
    this.ops.sendUnsent();
    const w = this.waiters;
    this.waiters = [];
    for (const x of w) x.resolve();
    if (lost < 0) {
      // No sequence numbers, no replay: what the platform sent while we were away is lost.
      const secs = Math.max(0, Math.round((Date.now() - this.lostAt) / 100) / 10);
      this.handleNotice(
        'gap',
        `${this.#driver.platform}: reconnected after ${secs} s; events sent while the connection was down cannot be replayed on this platform (subscriptions renewed)`,
      );
    }
  }

  /** The link is gone (error, close, timeout, half-open): clean up and schedule a reconnect. */
  private drop(link: PlatformLink, why: string): void {
    if (link !== this.#link) return;
    this.#link = null;
    link.terminate();
    const wasLoggedIn = this.loggedIn;
    this.loggedIn = false;
    if (wasLoggedIn) this.lostAt = Date.now();
    this.clearTimer('connectTimer');
    this.heartbeat.stop();
    this.subs.offline();
    this.ops.endAll('disconnected', `connection lost: ${why}`, true);
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

  // ------------------------------------------------------------------ receiving

  /** The hot path: sequence check, data validation, dispatch. */
  private handleEvent(ev: EventFrame): void {
    const c = this.counters;
    c.eventsIn++;
    if (!this.resume.accept(ev)) return;
    const seq = ev.seq;
    const v = validateEventData(ev.family, ev.name, ev.data);
    if (!v.ok) {
      c.invalidEvents++;
      this.problem(v.code, `event seq ${seq} ${ev.family}.${ev.name} dropped: ${v.message}`);
      return;
    }
    this.listeners.dispatch(ev, (err) =>
      this.problem(
        PROBLEM_CODES.listenerError,
        `listener for ${ev.family}.${ev.name} threw: ${(err as Error)?.message ?? String(err)}`,
      ),
    );
    if (ev.reqId !== undefined) this.ops.onEvent(ev);
  }

  private handleError(f: LinkError): void {
    const msg = `${f.code}: ${f.message}`;
    if (f.reqId) {
      const p = this.ops.get(f.reqId);
      if (p) {
        this.ops.end(p, FAILED, 'refused', undefined, msg);
        return;
      }
    }
    if (f.qid && this.subs.onError(f.qid, msg)) return;
    this.problem(PROBLEM_CODES.serverError, `server error ${this.scrub(msg)}`);
  }

  private handleNotice(code: NoticeCode, message: string): void {
    if (code === 'kickout') this.kickedOut = true;
    if (code === 'gap') this.resume.gapNotice();
    const text = this.scrub(message);
    this.log.warn(`gateway: notice ${code}: ${text}`);
    this.problem(PROBLEM_CODES.notice, `${code}: ${text}`);
    this.noticeListeners.emit({ code, message: text, ts: Date.now() }, (err) =>
      this.problem(PROBLEM_CODES.listenerError, `notice listener threw: ${(err as Error).message}`),
    );
  }

  // ------------------------------------------------------------------ helpers

  private setStatus(s: ConnectionStatus): void {
    if (s.error !== undefined) s.error = this.scrub(s.error);
    this.st = s;
    this.statusListeners.emit(s, (err) =>
      this.problem(PROBLEM_CODES.listenerError, `status listener threw: ${(err as Error).message}`),
    );
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
    // A failing problem listener has nowhere left to report to.
    this.problemListeners.emit(p);
  }

  private clearTimer(name: 'reconnectTimer' | 'connectTimer'): void {
    const t = this[name];
    if (t) clearTimeout(t);
    this[name] = undefined;
  }
}
