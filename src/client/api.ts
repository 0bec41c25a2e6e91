/**
 * Contract of the gateway client (implemented in ./gateway-client.ts), the driver-agnostic
 * connection manager; each platform's wire is a driver (../platforms/api.ts). Node files and
 * the simulator's tests program against these types only.
 */
import type { EventFamily } from '../protocol/catalogue';
import type { Data, EventFrame, RespFrame } from '../protocol/types';
import type { NoticeCode, PlatformDriver } from '../platforms/api';
import type { TlsOptions } from '../platforms/ws-socket';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface ReconnectOptions {
  /** First delay after a drop (ms). Default 500. */
  initialMs?: number;
  /** Cap of the delay (ms). Default 30 000. */
  maxMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /** Random spread, 0..1, applied as +/- fraction of the delay. Default 0.2. */
  jitter?: number;
}

export interface GatewayClientOptions {
  /**
   * ws:// or wss:// URL, or a function giving it later (e.g. once an embedded simulator
   * listens). Until it resolves the client is `connecting` and operations queue; if it rejects
   * or gives no WebSocket URL, the client ends `closed` with that error and operations fail
   * with reason `disconnected`.
   */
  url: string | (() => Promise<string>);
  /**
   * The platform's wire (src/platforms). Absent: our own protocol (the `ccflow` driver, built
   * from tenant, username, password, tls and clientInfo below).
   */
  driver?: PlatformDriver;
  tenant: string;
  username: string;
  /** Never logged, never put in an error message. */
  password: string;
  tls?: TlsOptions;
  /**
   * App-level ping interval (ms). Default 15 000; shortened to the `heartbeatMs` the server
   * announces at login when that is smaller; 0 turns the heartbeat off.
   */
  heartbeatMs?: number;
  /** No frame at all for this long (ms) means the socket is half-open. Default 2.5 x the interval. */
  heartbeatTimeoutMs?: number;
  /** Time to wait for an operation's response frame (ms). Default 10 000. */
  responseTimeoutMs?: number;
  /** Time to wait for the socket to open and login to be answered (ms). Default 10 000. */
  connectTimeoutMs?: number;
  reconnect?: ReconnectOptions;
  logger?: Logger;
  /** Client name and version sent at login. */
  clientInfo?: { name?: string; version?: string };
}

export type ConnectionState =
  'idle' | 'connecting' | 'connected' | 'reconnecting' | 'authFailed' | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Reconnect attempt number (1-based) while reconnecting, else 0. */
  attempt: number;
  /** Delay before the next attempt while reconnecting (ms). */
  nextDelayMs?: number;
  /** Last error, without secrets. */
  error?: string;
  sessionId?: string;
}

/**
 * Something the platform (or the client) announces about the connection: `gap` (events may
 * have been lost: a resume refused, or a platform that cannot replay after a reconnect),
 * `kickout` (the same user logged in elsewhere), `shutdown` (the server is going down).
 */
export interface Notice {
  code: NoticeCode;
  /** Text without secrets. */
  message: string;
  /** When it was raised (epoch ms). */
  ts: number;
}

/** One received event, as handed to listeners. */
export type GatewayEvent = EventFrame;

export type EventListener = (event: GatewayEvent) => void;

export interface OperationEvent {
  name: string;
  /** Time received (epoch ms). */
  ts: number;
  seq: number;
  data: Data;
}

export interface OperationResult {
  op: string;
  reqId: string;
  agent: string;
  /** One of the catalogue's outcomes for the operation (`failed` included). */
  outcome: string;
  /**
   * Why it failed or ended: 'refused', 'timeout', 'disconnected', 'closed', 'badParams',
   * 'unsupported' (the platform cannot carry the operation; nothing was sent), or the event's reason.
   */
  reason?: string;
  /**
   * Human-readable detail when the client ended it (bad parameter, timeout, server error), or
   * the `message` of the failure event that ended it.
   */
  message?: string;
  /** The response frame, when one arrived. */
  response?: RespFrame;
  /** Process events so far, in arrival order. */
  events: OperationEvent[];
  /** The event that ended the operation, if an event did. */
  final?: OperationEvent;
  /** Ids gathered from the response and events: uniqueId, seance_id, call_id, dialog_uuid, ... */
  ids: Record<string, string>;
  startedAt: number;
  endedAt: number;
}

export interface StartOperationOptions {
  /** Overall time to an outcome (ms); default the catalogue's timeoutMs for the operation. */
  timeoutMs?: number;
  /** Called for every process event of this operation, before the outcome. Never throws into the client. */
  onEvent?: (event: OperationEvent) => void;
  /** Called once when the response frame arrives (accepted or refused). */
  onResponse?: (resp: RespFrame) => void;
}

export interface OperationHandle {
  reqId: string;
  /** Resolves (never rejects) with exactly one result. */
  done: Promise<OperationResult>;
  /** End the operation now as `failed` with the given reason (e.g. 'closed'). No-op once ended. */
  cancel(reason: string): void;
}

export interface SubscriptionSpec {
  /** Subscription id; generated when absent. Renewals and re-subscribes reuse it. */
  id?: string;
  /** Event patterns, e.g. ['ccsevents.*', 'dialog.dialog_close', 'agent.*']. */
  events: string[];
  objects?: 'any' | string[];
  /** Seconds; renewed automatically before expiry. Default 3600. */
  expires?: number;
}

export interface Subscription {
  id: string;
  /** Sends expires: 0 and stops renewing. */
  unsubscribe(): Promise<void>;
}

export interface ClientStats {
  framesIn: number;
  framesOut: number;
  eventsIn: number;
  /** Frames that failed JSON parsing or schema validation (whole frame dropped). */
  invalidFrames: number;
  /** Events whose data failed the event schema or whose name is unknown. */
  invalidEvents: number;
  /** Responses / events for request ids the client does not know. */
  unknownResponses: number;
  /** Events dropped because their seq was already seen. */
  duplicates: number;
  /** Sequence gaps the server could not replay. */
  gaps: number;
  reconnects: number;
  lastSeq: number;
  pending: number;
}

export interface GatewayClientApi {
  readonly status: ConnectionStatus;
  /** Open the connection (idempotent). */
  start(): void;
  /** Close for good: pending operations end as failed/closed, timers and sockets released. */
  close(): Promise<void>;
  /** Resolves when connected and logged in; rejects if closed or authentication is refused. */
  whenConnected(): Promise<void>;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  startOperation(
    agent: string,
    op: string,
    params: Data,
    options?: StartOperationOptions,
  ): OperationHandle;
  subscribe(spec: SubscriptionSpec): Subscription;
  /** Listen to events by family and name ('*' for every name). Returns the remover. */
  on(family: EventFamily, name: string, listener: EventListener): () => void;
  /** Listen to invalid frames / events (for counting and reporting). Returns the remover. */
  onProblem(listener: (problem: { code: string; message: string }) => void): () => void;
  /** Listen to notices (`gap`, `kickout`, `shutdown`). Returns the remover. */
  onNotice(listener: (notice: Notice) => void): () => void;
  /** The platform this client speaks: `ccflow`, `era`, ... */
  readonly platform: string;
  /**
   * A body the platform pushed over HTTP (REST + push platforms, e.g. Tinet), received and
   * checked by the Node-RED side: handed to the ready link, which maps it onto the families.
   * False when no link is ready or the platform takes no pushes (the receiver then answers so
   * the platform retries).
   */
  push(body: unknown): boolean;
  stats(): ClientStats;
}
