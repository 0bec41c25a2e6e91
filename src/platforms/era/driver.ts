/**
 * The Era / Incoplax driver: the vendor's documented WebSocket API. One socket to
 * `/ws/token/v1/<token>` (an integration point's token) or `/ws` (a user's authorisation); no
 * login frame (the URL token or the upgrade's authorisation is the login: a 401 / 403 answer is
 * a refused login); frames `["method", {params}]`; subscriptions through `subscribe` with the
 * same `id` on renewal and `expires: 0` to unsubscribe; ccsevents notifications mapped onto the
 * ccs family, callevents (when a node asks for them) onto the call family under their own
 * names. No sequence numbers on this wire: resume = `resubscribe` (the client re-subscribes at
 * once after a reconnect and raises a `gap` notice). Liveness: WebSocket-level ping / pong.
 * Operations: REST call control `/uc/calls` on the same host and port (./operations.ts,
 * ./rest.ts); a preview call's progress is read from the ccsevents of a subscription the link
 * makes for itself, never delivered to the flow. Operations without a mapping end `failed` /
 * `unsupported` before anything is sent.
 *
 * Everything the public documents leave open is in ./mapping.ts, the one table.
 */
import crypto from 'node:crypto';
import { CCS_EVENTS, FAMILY_CLASS, OPEN_EVENT_NAME } from '../../protocol/catalogue';
import type { Data } from '../../protocol/types';
import type {
  Carriage,
  LinkHandler,
  OpenRequest,
  OperationRequest,
  PlatformDriver,
  PlatformLink,
  SubscribeRequest,
} from '../api';
import { EraOperations } from './operations';
import { EraRest } from './rest';
import { WsSocket, wsUrlProblem } from '../ws-socket';
import {
  ERA_CLASSES,
  ERA_PATHS,
  NOTIFICATION,
  OPERATIONS_CARRIED,
  RESULT_SUFFIX,
  UNSUPPORTED_WHY,
  ccsData,
  pick,
  readResult,
  subscribeFrame,
  userAuthorization,
} from './mapping';
import type { TlsOptions } from '../ws-socket';

export interface EraDriverOptions {
  /** `token`: `/ws/token/v1/<token>`; `user`: `/ws` with the user's authorisation. */
  auth: 'token' | 'user';
  /** The integration point's token (auth `token`). Never logged. */
  token?: string;
  username?: string;
  /** Never logged. */
  password?: string;
  tls?: TlsOptions;
}

const CCS_NAMES = new Set(CCS_EVENTS);
const CARRIED: Carriage = { carried: true };
/** Period (s) of the link's own operations subscription; renewed at 80 %. */
const OPS_EXPIRES_S = 3600;
/** Notifications remembered to deliver an event once when several subscriptions match it. */
const RECENT_NOTIFICATIONS = 256;

export class EraDriver implements PlatformDriver {
  readonly platform = 'era';
  readonly resume = 'resubscribe' as const;
  readonly families = ['ccs', 'call'] as const;
  readonly secrets: readonly string[];

  constructor(private readonly o: EraDriverOptions) {
    this.secrets = [o.token, o.password].filter((s): s is string => !!s);
  }

  checkUrl(url: unknown): string | undefined {
    const bad = wsUrlProblem(url);
    if (bad) return bad;
    if (this.o.auth === 'token' && !this.o.token) return 'the Era integration token is missing';
    return undefined;
  }

  carries(op: string): Carriage {
    return Object.prototype.hasOwnProperty.call(OPERATIONS_CARRIED, op)
      ? CARRIED
      : { carried: false, why: UNSUPPORTED_WHY };
  }

  /** The endpoint for a base URL: `<base>/ws/token/v1/<token>` or `<base>/ws`. */
  endpoint(base: string): string {
    const u = new URL(base);
    const path = u.pathname.replace(/\/+$/, '');
    if (!/\/ws(\/|$)/.test(path)) {
      u.pathname =
        path + (this.o.auth === 'token' ? ERA_PATHS.token(this.o.token ?? '') : ERA_PATHS.user);
    }
    return u.toString();
  }

  open(request: OpenRequest): PlatformLink {
    return new EraLink(this.o, this.endpoint(request.url), request);
  }
}

class EraLink implements PlatformLink {
  private readonly socket: WsSocket;
  private readonly h: LinkHandler;
  /** Wire qid (a UUID, as documented) -> the client's qid and subscription id. */
  private readonly qids = new Map<
    string,
    { qid: string; id: string; expires: number; ops?: boolean }
  >();
  private readonly ops: EraOperations;
  /**
   * The link's own subscription for operations (ccsevents of the calls they create), made at
   * the first tracked operation and renewed while the link lives; never delivered to the flow.
   */
  private opsSub?: {
    readonly id: string;
    ready: boolean;
    waiting: ((refused: string | undefined) => void)[];
    renew?: NodeJS.Timeout;
  };
  /** Fingerprint of a recent notification -> subscription ids that delivered it. */
  private readonly recent = new Map<string, Set<string>>();

  constructor(
    private readonly o: EraDriverOptions,
    url: string,
    req: OpenRequest,
  ) {
    this.h = req.handler;
    const headers =
      o.auth === 'user'
        ? { authorization: userAuthorization(o.username ?? '', o.password ?? '') }
        : undefined;
    this.socket = new WsSocket({
      url,
      connectTimeoutMs: req.connectTimeoutMs,
      tls: o.tls,
      headers,
      handler: req.handler,
      log: req.log,
      scrub: req.scrub,
      countPong: true,
      refuseOn: [401, 403],
      onOpen: () => this.onOpen(),
      onText: (text) => this.onText(text),
    });
    this.ops = new EraOperations({
      rest: new EraRest({ ...o, url }),
      h: this.h,
      scrub: req.scrub,
      events: () => this.opsEvents(),
    });
  }

  sendOperation(r: OperationRequest): void {
    this.ops.send(r);
  }

  /** The operations subscription is up (undefined) or was refused (the platform's text). */
  private opsEvents(): Promise<string | undefined> {
    if (this.opsSub?.ready) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      if (!this.opsSub) {
        this.opsSub = { id: `ops-${crypto.randomUUID()}`, ready: false, waiting: [] };
        this.sendOpsSubscribe();
      }
      this.opsSub.waiting.push(resolve);
    });
  }

  private sendOpsSubscribe(): void {
    const sub = this.opsSub;
    if (!sub) return;
    const wireQid = crypto.randomUUID();
    this.qids.set(wireQid, { qid: wireQid, id: sub.id, expires: OPS_EXPIRES_S, ops: true });
    this.socket.send(
      JSON.stringify(
        subscribeFrame({
          qid: wireQid,
          id: sub.id,
          events: [`${ERA_CLASSES.ccs}.*`],
          objects: 'any',
          expires: OPS_EXPIRES_S,
        }),
      ),
    );
  }

  private onOpsResult(ok: boolean, message: string, granted: number): void {
    const sub = this.opsSub;
    if (!sub) return;
    const waiting = sub.waiting;
    sub.waiting = [];
    if (ok) {
      sub.ready = true;
      clearTimeout(sub.renew);
      sub.renew = setTimeout(
        () => this.sendOpsSubscribe(),
        Math.max(1000, Math.floor(granted * 800)),
      );
      sub.renew.unref();
    } else {
      // Refused: the next tracked operation asks again.
      clearTimeout(sub.renew);
      this.opsSub = undefined;
      this.h.problem('SUBSCRIBE_REFUSED', `era: operations subscription refused: ${message}`);
    }
    for (const w of waiting) w(ok ? undefined : message);
  }

  sendSubscribe(r: SubscribeRequest): void {
    const ccs = `${FAMILY_CLASS.ccs}.`;
    const call = `${FAMILY_CLASS.call}.`;
    const other = r.events.filter((p) => !p.startsWith(ccs) && !p.startsWith(call));
    if (other.length > 0 && r.expires > 0) {
      // dialog and agent events do not exist on this platform: refused here, nothing sent.
      setImmediate(() =>
        this.h.subscribeAnswer({
          qid: r.qid,
          id: r.id,
          code: 400,
          errorCode: 'UNSUPPORTED',
          message: `era: no ${other.join(', ')} events on this platform (only ${ERA_CLASSES.ccs} and ${ERA_CLASSES.call})`,
          expires: 0,
        }),
      );
      return;
    }
    const wireQid = crypto.randomUUID();
    this.qids.set(wireQid, { qid: r.qid, id: r.id, expires: r.expires });
    this.socket.send(JSON.stringify(subscribeFrame({ ...r, qid: wireQid })));
  }

  ping(): void {
    this.socket.ping();
  }

  close(): Promise<void> {
    this.stopOps();
    return this.socket.close();
  }

  terminate(): void {
    this.stopOps();
    this.socket.terminate();
  }

  private stopOps(): void {
    this.ops.close();
    const sub = this.opsSub;
    if (!sub) return;
    clearTimeout(sub.renew);
    this.opsSub = undefined;
    for (const w of sub.waiting) w('the connection closed');
  }

  private onOpen(): void {
    this.h.opened();
    // No login frame on this wire: an open socket is an authorised one.
    this.h.ready({
      resumed: false,
      who:
        this.o.auth === 'token'
          ? 'an Era integration point (token)'
          : `Era user ${this.o.username ?? ''}`,
    });
  }

  private onText(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch (err) {
      this.h.invalidFrame('BAD_JSON', `invalid frame dropped: ${(err as Error).message}`);
      return;
    }
    if (
      !Array.isArray(frame) ||
      frame.length < 2 ||
      typeof frame[0] !== 'string' ||
      frame[1] === null ||
      typeof frame[1] !== 'object' ||
      Array.isArray(frame[1])
    ) {
      this.h.invalidFrame('BAD_FRAME', 'invalid frame dropped: not ["method", {params}]');
      return;
    }
    const method = frame[0];
    const params = frame[1] as Data;
    if (method.endsWith(RESULT_SUFFIX)) return this.onResult(method, params);
    if ((NOTIFICATION.methods as readonly string[]).includes(method)) {
      return this.onNotification(params);
    }
    this.h.problem('UNKNOWN_METHOD', `era: frame "${method}" ignored`);
  }

  private onResult(method: string, params: Data): void {
    const wireQid = typeof params.qid === 'string' ? params.qid : '';
    const q = this.qids.get(wireQid);
    if (!q) {
      this.h.problem('UNKNOWN_REQID', `era: ${method} for unknown qid "${wireQid}"`);
      return;
    }
    this.qids.delete(wireQid);
    const r = readResult(params);
    const granted = typeof params.expires === 'number' ? params.expires : q.expires;
    if (q.ops) return this.onOpsResult(r.ok, r.ok ? 'ok' : r.message, granted || q.expires);
    this.h.subscribeAnswer({
      qid: q.qid,
      id: q.id,
      code: r.ok ? 0 : 400,
      errorCode: r.ok ? null : 'REFUSED',
      message: r.ok ? 'ok' : r.message,
      expires: granted,
    });
  }

  private onNotification(params: Data): void {
    const subId = pick(params, NOTIFICATION.subscriptionKeys);
    let event = pick(params, NOTIFICATION.eventKeys);
    let cls = pick(params, NOTIFICATION.classKeys);
    const data = pick(params, NOTIFICATION.dataKeys);
    if (typeof event === 'string' && event.includes('.')) {
      const dot = event.indexOf('.');
      cls ??= event.slice(0, dot);
      event = event.slice(dot + 1);
    }
    if (typeof event !== 'string' || data === null || typeof data !== 'object') {
      this.h.invalidFrame('BAD_EVENT', 'invalid notification dropped: no event name or data');
      return;
    }
    const sub = typeof subId === 'string' ? subId : '';
    if (this.opsSub && sub === this.opsSub.id) {
      // The operations subscription: its notifications follow operations, never the flow.
      if ((cls === undefined || cls === ERA_CLASSES.ccs) && CCS_NAMES.has(event)) {
        this.ops.onCcs(event, ccsData(data as Data));
      }
      return;
    }
    // callevents: the platform's own names (not the 19 ccs ones), delivered as the call family.
    const family = cls === ERA_CLASSES.call ? 'call' : 'ccs';
    const known =
      family === 'call'
        ? OPEN_EVENT_NAME.test(event)
        : (cls === undefined || cls === ERA_CLASSES.ccs) && CCS_NAMES.has(event);
    if (!known) {
      this.h.problem('UNMAPPED_EVENT', `era: ${String(cls ?? '?')}.${event} is not mapped`);
      return;
    }
    if (this.duplicate(`${family}|${event}|${JSON.stringify(data)}`, sub)) return;
    this.h.event({
      type: 'event',
      family,
      name: event,
      seq: 0,
      ts: Date.now(),
      subIds: sub ? [sub] : undefined,
      data: ccsData(data as Data),
    });
  }

  /**
   * One notification per matching subscription: the same event named by another of our
   * subscriptions right after is a copy. The same subscription naming it again is a new event.
   */
  private duplicate(fingerprint: string, sub: string): boolean {
    const seen = this.recent.get(fingerprint);
    if (seen && !seen.has(sub)) {
      seen.add(sub);
      return true;
    }
    this.recent.delete(fingerprint);
    this.recent.set(fingerprint, new Set([sub]));
    if (this.recent.size > RECENT_NOTIFICATIONS) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    return false;
  }
}
