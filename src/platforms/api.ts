/**
 * The platform-driver contract: how the driver-agnostic connection manager (src/client) talks
 * to one vendor's real wire. The nodes, the event hub and the tracker never see a driver: they
 * speak catalogue operations (each ends with exactly one outcome) and the three event families
 * `agent`, `dialog` and `ccs`. A driver maps those onto its platform.
 *
 * Who owns what
 * - The client (connection manager) owns everything that is the same on every platform: the
 *   connection status (`connecting` / `connected` / `reconnecting` / `authFailed` / `closed`),
 *   reconnect with backoff and jitter, the connect timeout, the liveness heartbeat (when the
 *   link can ping), operations (request ids, the catalogue's outcome rules, response and
 *   overall timeouts, exactly one outcome each), subscriptions (ids, renewal before expiry,
 *   re-subscribing after every (re)connect, `expires: 0` to unsubscribe), listeners, the event
 *   data validation against the family schemas, statistics and the scrubbing of secrets from
 *   every text that leaves it.
 * - A driver owns its wire: how to reach and authenticate to the platform
 *   ({@link PlatformDriver.open}), how a catalogue operation is carried
 *   ({@link PlatformDriver.carries}, {@link PlatformLink.sendOperation}), how a subscription
 *   request is written ({@link PlatformLink.sendSubscribe}), and how what the platform sends
 *   becomes responses, subscription answers, events of the three families and notices
 *   (the {@link LinkHandler} callbacks).
 *
 * One link per connection attempt: the client calls `open()`; the link reports `opened()`
 * (transport up), then `ready()` (authenticated: operations and subscriptions may flow) or
 * `refused()` (credentials refused: no retry loop), and `lost()` whenever the transport goes.
 * Callbacks of a link the client has dropped are ignored, so a driver need not guard them.
 *
 * Operations: `carries(op)` is asked before anything is sent. An operation a platform cannot
 * carry ends at once as `failed` with reason `unsupported` and nothing reaches the wire; the
 * editor reads the same answer (see {@link carriageTable}) to mark it before deploy. A carried
 * operation is handed to `sendOperation` once the link is ready; the driver then reports a
 * `response` (an accepted or refused answer with the request id) and, for operations with
 * process events, events carrying the request id in `reqId`. The client applies the catalogue's
 * rules: the driver never decides an outcome.
 *
 * Resume: {@link PlatformDriver.resume} says what a reconnect means on the platform.
 * - `replay`: events carry a per-session `seq`; the link is opened with the last seq seen and
 *   the platform replays what was missed (`ready({resumed: true})`) or says it cannot
 *   (`resumed: false`, counted as a gap). Duplicates (seq already seen) are dropped.
 * - `resubscribe`: the wire has no sequence numbers and cannot replay. Events need no `seq`
 *   (the client numbers them locally), every reconnect re-subscribes at once and the client
 *   raises a `gap` notice for the outage: its status listeners and notice listeners hear of
 *   it, never silence.
 *
 * Two shapes fit this contract:
 * - A WebSocket platform (our ccflow protocol, Era / Incoplax): `open()` dials the socket,
 *   authenticates (a login frame, a URL token or an HTTP header), and maps frames both ways;
 *   `ping()` gives the client a liveness check.
 * - A REST + HTTP-push platform (e.g. Tinet): `open()` checks the credentials (or does nothing)
 *   and reports `ready()`; `sendOperation` makes one signed HTTP request and reports its answer
 *   as the `response` (a network failure is a refused response, or `lost()` when the platform
 *   is unreachable); `sendSubscribe` answers at once (or configures the push target) with
 *   `subscribeAnswer`; the link has no `ping`. Events arrive on an HTTP push path served by
 *   the Node-RED side (the webhook ingress): that side hands each verified body to
 *   {@link PlatformLink.push} of the current link, which maps it onto the families and reports
 *   it through `event()` like any wire event. A push that arrives while no link is ready is
 *   refused by the ingress (the platform retries it).
 */
import type { Logger } from '../client/api';
import type { EventFamily } from '../protocol/catalogue';
import type { Data, EventFrame, RespFrame } from '../protocol/types';

/** An event of one of the three families, as a driver reports it (the ccflow wire frame shape). */
export type PlatformEvent = EventFrame;

/** A catalogue operation to carry. `agent` addresses it; `params` passed the catalogue's checks. */
export interface OperationRequest {
  readonly reqId: string;
  readonly op: string;
  readonly agent: string;
  readonly params: Data;
}

/** A subscription request: create / renew (same `id`) or, with `expires: 0`, unsubscribe. */
export interface SubscribeRequest {
  /** Request id the answer must carry. */
  readonly qid: string;
  /** Subscription id: renewals and re-subscribes reuse it. */
  readonly id: string;
  /** Event patterns in the catalogue's classes: `ccsevents.*`, `dialog.*`, `agent.*`. */
  readonly events: readonly string[];
  readonly objects?: 'any' | readonly string[];
  /** Seconds; 0 unsubscribes. */
  readonly expires: number;
}

/** The platform's answer to a subscription request. `code` 0 accepts. */
export interface SubscribeAnswer {
  qid: string;
  id: string;
  code: number;
  errorCode: string | null;
  message: string;
  /** Period granted (s); 0 or absent: the one asked for. */
  expires: number;
}

/** What an authenticated link reports. */
export interface LinkSession {
  /** The platform's session id, when it has one (replay needs it). */
  sessionId?: string;
  /** The platform replayed what the client missed while away. */
  resumed: boolean;
  /** Ping interval the platform expects (ms), when it announces one. */
  heartbeatMs?: number;
  /** Who is connected, for the log ("user@tenant", "integration token"); never a secret. */
  who: string;
}

/** A wire error the platform reported, tied to an operation or a subscription when it says so. */
export interface LinkError {
  code: string;
  message: string;
  reqId?: string | null;
  qid?: string | null;
}

export type NoticeCode = 'kickout' | 'shutdown' | 'gap';

/** The client's side of one link: the driver reports through these. None of them throws. */
export interface LinkHandler {
  /** The transport is up (authentication may still be under way): liveness checks start. */
  opened(): void;
  /** Authenticated: operations and subscriptions may flow. */
  ready(session: LinkSession): void;
  /** Authentication refused (text without secrets): the client stops, no retry loop. */
  refused(message: string): void;
  /** The transport is gone: the client reconnects with backoff. */
  lost(why: string): void;
  /** One frame / push body received (statistics and liveness). */
  frameIn(): void;
  /** One frame written to the platform (statistics). */
  frameOut(): void;
  /** A frame that could not be read at all (not JSON, not the wire's shape): dropped, counted. */
  invalidFrame(code: string, message: string): void;
  event(event: PlatformEvent): void;
  response(response: RespFrame): void;
  subscribeAnswer(answer: SubscribeAnswer): void;
  error(error: LinkError): void;
  notice(code: NoticeCode, message: string): void;
  /** Anything else worth reporting (counted nowhere, logged at debug, told to problem listeners). */
  problem(code: string, message: string): void;
}

export interface OpenRequest {
  /** The platform's base URL (checked by {@link PlatformDriver.checkUrl}). */
  readonly url: string;
  /** After a drop, on a `replay` platform: where to resume. */
  readonly resume?: { readonly sessionId: string; readonly lastSeq: number };
  /** Time the transport may take to open (ms); the client also times the whole login. */
  readonly connectTimeoutMs: number;
  readonly handler: LinkHandler;
  readonly log: Logger;
  /** Removes secrets (passwords, tokens, URL credentials) from a text. */
  readonly scrub: (text: string) => string;
}

/** One connection attempt's link to the platform. */
export interface PlatformLink {
  /** Carry one operation (only called once `ready`, only for carried operations). */
  sendOperation(request: OperationRequest): void;
  sendSubscribe(request: SubscribeRequest): void;
  /** Send a liveness ping; absent when the platform has no way to (no heartbeat then). */
  ping?(): void;
  /** A body the platform pushed over HTTP (REST + push platforms only). */
  push?(body: unknown): void;
  /** Close gracefully (the client is closing). */
  close(): Promise<void>;
  /** Abort now (dropped link); no callback follows. */
  terminate(): void;
}

/** Whether a platform carries a catalogue operation, and if not, why (shown to users). */
export type Carriage =
  { readonly carried: true } | { readonly carried: false; readonly why: string };

export interface PlatformDriver {
  /** Platform id: `ccflow`, `era`, `tinet`, ... */
  readonly platform: string;
  readonly resume: 'replay' | 'resubscribe';
  /** Texts to scrub from every log line, status and error (passwords, tokens). */
  readonly secrets: readonly string[];
  /** Why a URL cannot be used on this platform, or undefined when it can. */
  checkUrl(url: unknown): string | undefined;
  carries(op: string): Carriage;
  /**
   * The event families the platform can deliver (absent: `agent`, `dialog` and `ccs`). A node
   * asking for a family its gateway's platform lacks says so instead of staying silent.
   */
  readonly families?: readonly EventFamily[];
  /** Open one link; may throw (bad URL and the like): the client retries with backoff. */
  open(request: OpenRequest): PlatformLink;
}

/** Map each catalogue operation to its carriage on a driver (for the editor and the docs). */
export function carriageTable(
  driver: Pick<PlatformDriver, 'carries'>,
  operations: readonly string[],
): Record<string, Carriage> {
  const out: Record<string, Carriage> = {};
  for (const op of operations) out[op] = driver.carries(op);
  return out;
}
