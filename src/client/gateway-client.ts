/**
 * The gateway client: the driver-agnostic connection manager behind every cc-gateway config
 * node. The platform's wire is a driver's (src/platforms, contract in ../platforms/api.ts);
 * without one given, the client speaks our own protocol through the `ccflow` driver.
 *
 * - connect and authenticate through the driver; refused credentials -> `authFailed`, no
 *   retry loop; reconnect with exponential backoff, jitter and a cap; liveness heartbeat and
 *   half-open detection when the link can ping (./connection.ts);
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
import { FAILED, type EventFamily } from '../protocol/catalogue';
import { checkEventData } from '../protocol/validate';
import type { Data, EventFrame } from '../protocol/types';
import { CcflowDriver } from '../platforms/ccflow/driver';
import type { LinkError, NoticeCode, PlatformDriver } from '../platforms/api';
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
import { resolveBackoff } from './backoff';
import { Connection, type ClientCounters } from './connection';
import { CallbackSet, EventListeners } from './listeners';
import { OperationTable } from './operations';
import { PROBLEM_CODES, type Problem } from './problems';
import { ResumeState } from './resume';
import { makeScrubber } from './scrub';
import { SubscriptionTable } from './subscriptions';

export { PROBLEM_CODES, type Problem } from './problems';
export { MIN_ANNOUNCED_HEARTBEAT_MS } from './connection';

const DEFAULTS = {
  heartbeatMs: 15_000,
  responseTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
} as const;

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
  /** The link: dial, login, heartbeat, reconnect (./connection.ts). */
  readonly #conn: Connection;
  /** Set when the client can never connect: why (scrubbed). */
  private failure: string | undefined;
  private readonly log: Logger;
  private readonly scrub: (text: string) => string;

  private st: ConnectionStatus = { state: 'idle', attempt: 0 };
  /** Sequence numbers and gaps, per the driver's resume mode (./resume.ts). */
  private readonly resume: ResumeState;
  private counter = 0;

  private readonly ops: OperationTable;
  private readonly subs: SubscriptionTable;
  private readonly listeners = new EventListeners();
  private readonly statusListeners = new CallbackSet<ConnectionStatus>();
  private readonly problemListeners = new CallbackSet<Problem>();
  private readonly noticeListeners = new CallbackSet<Notice>();
  private waiters: Waiter[] = [];

  private readonly counters: ClientCounters = {
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
    let url: string | undefined;
    if (typeof options.url === 'string') {
      const bad = this.#driver.checkUrl(options.url);
      if (bad) throw new TypeError(`GatewayClient: ${bad}`);
      url = options.url;
    }
    this.resume = new ResumeState(this.#driver.resume, this.counters);
    this.#opts = options;
    this.log = options.logger ?? noopLogger;
    const hb = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    const hbt = options.heartbeatTimeoutMs;
    const responseTimeoutMs = options.responseTimeoutMs ?? DEFAULTS.responseTimeoutMs;
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
        this.#conn.link?.sendOperation({
          reqId: p.reqId,
          op: p.op,
          agent: p.agent,
          params: p.params,
        }),
      problem,
      unknown,
      safeCall: (fn, what) => this.safeCall(fn, what),
    });
    this.subs = new SubscriptionTable({
      responseTimeoutMs,
      nextId: () => ++this.counter,
      online: () => this.#conn.loggedIn,
      closed: () => this.st.state === 'closed',
      send: (request) => this.#conn.link?.sendSubscribe(request),
      problem,
      unknown,
    });
    const config = {
      heartbeatMs: Number.isFinite(hb) && hb > 0 ? hb : 0,
      heartbeatTimeoutMs: hbt !== undefined && Number.isFinite(hbt) && hbt > 0 ? hbt : undefined,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      backoff: resolveBackoff(options.reconnect),
    };
    this.#conn = new Connection(this.#driver, config, {
      log: this.log,
      scrub: this.scrub,
      counters: this.counters,
      resume: this.resume,
      ops: this.ops,
      subs: this.subs,
      state: () => this.st.state,
      setStatus: (s) => this.setStatus(s),
      problem,
      fail: (message) => this.fail(message),
      resolveWaiters: () => {
        const w = this.waiters;
        this.waiters = [];
        for (const x of w) x.resolve();
      },
      rejectWaiters: (err) => this.rejectWaiters(err),
      event: (ev) => this.handleEvent(ev),
      error: (e) => this.handleError(e),
      notice: (code, message) => this.handleNotice(code, message),
    });
    this.#conn.url = url;
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
    const conn = this.#conn;
    if (conn.url !== undefined) {
      conn.dial();
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
        conn.url = url;
        conn.dial();
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
    const link = this.#conn.link;
    if (!link || !this.#conn.loggedIn || !link.push) return false;
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
      online: this.#conn.loggedIn,
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
    const conn = this.#conn;
    conn.halt();
    this.subs.clear();
    this.ops.endAll(opReason, message);
    this.setStatus({ state: 'closed', attempt: 0, sessionId: conn.sessionId, error });
    this.rejectWaiters(new Error(message));
    const link = conn.release();
    this.statusListeners.clear();
    this.problemListeners.clear();
    this.noticeListeners.clear();
    this.listeners.clear();
    this.ops.clearRecent();
    if (link) await link.close();
  }

  // ------------------------------------------------------------------ receiving

  /** The hot path: sequence check, data validation, dispatch. */
  private handleEvent(ev: EventFrame): void {
    const c = this.counters;
    c.eventsIn++;
    if (!this.resume.accept(ev)) return;
    const bad = checkEventData(ev.family, ev.name, ev.data);
    if (bad !== undefined) {
      c.invalidEvents++;
      this.problem(bad.code, `event seq ${ev.seq} ${ev.family}.${ev.name} dropped: ${bad.message}`);
      return;
    }
    this.listeners.dispatch(ev, this.listenerThrew);
    if (ev.reqId !== undefined) this.ops.onEvent(ev);
  }

  private readonly listenerThrew = (err: unknown, ev: EventFrame): void =>
    this.problem(
      PROBLEM_CODES.listenerError,
      `listener for ${ev.family}.${ev.name} threw: ${(err as Error)?.message ?? String(err)}`,
    );

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
    if (code === 'kickout') this.#conn.kickout();
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
}
