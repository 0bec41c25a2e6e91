/**
 * The gateway client's link to the platform (./gateway-client.ts): dial through the driver,
 * log in within the connect timeout, keep the link alive (heartbeat, half-open detection), and
 * when it is lost drop it and redial with exponential backoff (after a kickout, the longest
 * delay). Refused credentials end in `authFailed` with no retry loop.
 *
 * What arrives on the current link is handed to the client through a ConnectionHost; the
 * callbacks of a link no longer current are ignored. No Node-RED import here.
 */
import type { EventFrame, RespFrame } from '../protocol/types';
import type {
  LinkError,
  LinkHandler,
  LinkSession,
  NoticeCode,
  PlatformDriver,
  PlatformLink,
} from '../platforms/api';
import type { ClientStats, ConnectionState, ConnectionStatus, Logger } from './api';
import { backoffDelay, type BackoffConfig } from './backoff';
import { Heartbeat } from './heartbeat';
import type { OperationTable } from './operations';
import { PROBLEM_CODES } from './problems';
import type { ResumeState } from './resume';
import type { SubscriptionTable } from './subscriptions';

/** The fastest heartbeat a server may ask for (ms): announced intervals below are raised. */
export const MIN_ANNOUNCED_HEARTBEAT_MS = 500;

/** The client's counters (reported by its `stats()`). */
export type ClientCounters = Pick<
  ClientStats,
  | 'framesIn'
  | 'framesOut'
  | 'eventsIn'
  | 'invalidFrames'
  | 'invalidEvents'
  | 'unknownResponses'
  | 'duplicates'
  | 'gaps'
  | 'reconnects'
>;

/** What the connection needs from the client it serves. */
export interface ConnectionHost {
  readonly log: Logger;
  readonly scrub: (text: string) => string;
  readonly counters: ClientCounters;
  readonly resume: ResumeState;
  readonly ops: OperationTable;
  readonly subs: SubscriptionTable;
  /** The client's state (`closed` and `authFailed` stop reconnecting). */
  state(): ConnectionState;
  setStatus(s: ConnectionStatus): void;
  problem(code: string, message: string): void;
  /** The client can never connect (e.g. an invalid URL): end everything, no retries. */
  fail(message: string): void;
  /** Logged in: whoever waits for it goes on. */
  resolveWaiters(): void;
  rejectWaiters(err: Error): void;
  event(ev: EventFrame): void;
  error(e: LinkError): void;
  notice(code: NoticeCode, message: string): void;
}

export interface ConnectionConfig {
  /** Configured ping interval (0: off). */
  readonly heartbeatMs: number;
  /** Configured half-open timeout, undefined = 2.5 x the interval. */
  readonly heartbeatTimeoutMs: number | undefined;
  readonly connectTimeoutMs: number;
  readonly backoff: BackoffConfig;
}

export class Connection {
  // Private fields (#): the driver and the link hold the password, and util.inspect of the
  // client must not show it.
  readonly #driver: PlatformDriver;
  #link: PlatformLink | null = null;
  /** The platform URL, once known (at once for a string option, later for a resolver). */
  url: string | undefined;
  private readonly heartbeat: Heartbeat;
  private isLoggedIn = false;
  /** Logged in at least once: a later login is a reconnect. */
  private everLoggedIn = false;
  /** When the last ready link was lost (for the gap notice of a `resubscribe` platform). */
  private lostAt = 0;
  private attempt = 0;
  private session: string | undefined;
  /** The server said the same user logged in elsewhere: wait the longest delay before retrying. */
  private kickedOut = false;
  private reconnectTimer?: NodeJS.Timeout;
  private connectTimer?: NodeJS.Timeout;

  constructor(
    driver: PlatformDriver,
    private readonly cfg: ConnectionConfig,
    private readonly host: ConnectionHost,
  ) {
    this.#driver = driver;
    this.heartbeat = new Heartbeat(cfg.heartbeatTimeoutMs, {
      framesIn: () => host.counters.framesIn,
      ping: () => this.#link?.ping?.(),
      dead: (silentMs) => {
        const link = this.#link;
        if (!link) return;
        host.log.warn(`gateway: nothing received for ${silentMs} ms, reconnecting`);
        this.drop(link, `heartbeat lost (nothing received for ${silentMs} ms)`);
      },
    });
  }

  /** The current link (null while there is none). */
  get link(): PlatformLink | null {
    return this.#link;
  }

  get loggedIn(): boolean {
    return this.isLoggedIn;
  }

  get sessionId(): string | undefined {
    return this.session;
  }

  /** A kickout notice: the next reconnect waits the longest delay. */
  kickout(): void {
    this.kickedOut = true;
  }

  /** Closing: no more login, timers or heartbeat (the link itself is taken by `release`). */
  halt(): void {
    this.isLoggedIn = false;
    this.clearTimer('reconnectTimer');
    this.clearTimer('connectTimer');
    this.heartbeat.stop();
  }

  /** Take the link away (to close it). */
  release(): PlatformLink | null {
    const link = this.#link;
    this.#link = null;
    return link;
  }

  dial(): void {
    const host = this.host;
    this.clearTimer('reconnectTimer');
    if (this.attempt === 0) host.setStatus({ state: 'connecting', attempt: 0 });
    let link: PlatformLink | undefined;
    const handler = this.handlerFor(() => link);
    try {
      link = this.#driver.open({
        url: this.url as string,
        resume:
          this.session !== undefined
            ? { sessionId: this.session, lastSeq: host.resume.lastSeq }
            : undefined,
        connectTimeoutMs: this.cfg.connectTimeoutMs,
        handler,
        log: host.log,
        scrub: host.scrub,
      });
    } catch (err) {
      // Invalid URL and the like: retrying cannot help. One clear error, no retries.
      host.fail((err as Error)?.message ?? String(err));
      return;
    }
    this.#link = link;
    const opened = link;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      this.drop(opened, `no login answer within ${this.cfg.connectTimeoutMs} ms`);
    }, this.cfg.connectTimeoutMs);
  }

  /** The callbacks of one link; those of a link no longer current are ignored. */
  private handlerFor(linkOf: () => PlatformLink | undefined): LinkHandler {
    const current = (): boolean => linkOf() !== undefined && linkOf() === this.#link;
    const host = this.host;
    const c = host.counters;
    return {
      opened: () => {
        // A link that cannot ping (a REST + push platform) has no liveness check: silence
        // there is an idle platform, not a dead link.
        if (current()) this.heartbeat.start(linkOf()?.ping ? this.cfg.heartbeatMs : 0);
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
        host.problem(code, message);
      },
      event: (ev) => {
        if (current()) host.event(ev);
      },
      response: (r: RespFrame) => {
        if (current()) host.ops.onResponse(r);
      },
      subscribeAnswer: (a) => {
        if (current()) host.subs.onAnswer(a);
      },
      error: (e) => {
        if (current()) host.error(e);
      },
      notice: (code, message) => {
        if (current()) host.notice(code, message);
      },
      problem: (code, message) => {
        if (current()) host.problem(code, message);
      },
    };
  }

  private onRefused(message: string): void {
    const host = this.host;
    this.clearTimer('connectTimer');
    const why = host.scrub(message);
    host.log.error(`gateway: ${why}`);
    const link = this.#link;
    this.#link = null;
    this.heartbeat.stop();
    this.attempt = 0;
    host.ops.endAll('disconnected', why);
    host.subs.settleQids();
    host.setStatus({ state: 'authFailed', attempt: 0, error: why });
    host.rejectWaiters(new Error(why));
    if (link) void link.close();
  }

  private onReady(d: LinkSession): void {
    if (this.isLoggedIn) return;
    const host = this.host;
    this.clearTimer('connectTimer');
    const reconnected = this.everLoggedIn;
    if (reconnected) host.counters.reconnects++;
    const lost = host.resume.login(d.resumed, reconnected);
    if (lost > 0) {
      // Whatever the old session held after lastSeq is gone.
      host.log.warn(`gateway: session not resumed, events after seq ${lost} may be lost`);
    }
    this.session = d.sessionId;
    this.isLoggedIn = true;
    this.everLoggedIn = true;
    this.attempt = 0;
    // The platform announces the ping interval it expects: ping at least that often, but never
    // faster than the floor (a server announcing 1 ms must not drive a reconnect storm).
    const announced = d.heartbeatMs ?? 0;
    if (this.cfg.heartbeatMs > 0 && announced > 0) {
      const every = Math.max(announced, MIN_ANNOUNCED_HEARTBEAT_MS);
      if (announced < MIN_ANNOUNCED_HEARTBEAT_MS) {
        const text = `the server announced a heartbeat of ${announced} ms; pinging every ${MIN_ANNOUNCED_HEARTBEAT_MS} ms (the floor)`;
        host.log.warn(`gateway: ${text}`);
        host.problem(PROBLEM_CODES.serverError, text);
      }
      if (every < this.heartbeat.interval) this.heartbeat.start(every);
    }
    host.setStatus({ state: 'connected', attempt: 0, sessionId: d.sessionId });
    const session = d.sessionId !== undefined ? `, session ${d.sessionId}` : '';
    host.log.info(
      `gateway: logged in as ${d.who}${session}` +
        (reconnected ? (d.resumed ? ' (resumed)' : ' (new session)') : ''),
    );
    // Re-send every live subscription with its id (renew is idempotent), then queued work.
    host.subs.resend();
    host.ops.sendUnsent();
    host.resolveWaiters();
    if (lost < 0) {
      // No sequence numbers, no replay: what the platform sent while we were away is lost.
      const secs = Math.max(0, Math.round((Date.now() - this.lostAt) / 100) / 10);
      host.notice(
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
    const wasLoggedIn = this.isLoggedIn;
    this.isLoggedIn = false;
    if (wasLoggedIn) this.lostAt = Date.now();
    this.clearTimer('connectTimer');
    this.heartbeat.stop();
    this.host.subs.offline();
    this.host.ops.endAll('disconnected', `connection lost: ${why}`, true);
    if (wasLoggedIn) this.host.log.warn(`gateway: connection lost: ${why}`);
    this.scheduleReconnect(why);
  }

  private scheduleReconnect(why: string): void {
    const host = this.host;
    const s = host.state();
    if (s === 'closed' || s === 'authFailed') return;
    this.attempt++;
    // After a kickout, reconnecting at once would kick the other login in turn, in a loop.
    const delay = this.kickedOut
      ? this.cfg.backoff.maxMs
      : backoffDelay(this.attempt, this.cfg.backoff);
    this.kickedOut = false;
    host.setStatus({
      state: 'reconnecting',
      attempt: this.attempt,
      nextDelayMs: delay,
      error: why,
      sessionId: this.session,
    });
    host.log.debug(`gateway: reconnect attempt ${this.attempt} in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.dial();
    }, delay);
  }

  private clearTimer(name: 'reconnectTimer' | 'connectTimer'): void {
    const t = this[name];
    if (t) clearTimeout(t);
    this[name] = undefined;
  }
}
