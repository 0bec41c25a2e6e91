/**
 * Contract of the simulator ("virtual contact center", implemented in ./simulator.ts).
 * Used by the CLI, the gateway config node's embedded mode, tests and benchmarks.
 */

/**
 * How a customer number behaves when dialled. The same rules apply to an external number
 * consulted or transferred to (`targetType` 0); `whenJoined` only matters then: what happens
 * when the agent brings the customer to that party (threewayAtxfer, completeAtxfer):
 * `refuse` - the platform refuses (`threewayAtxferResult` / `completeAtxferResult` `result` != 0,
 * reason `threewayRefused` / `transferRefused`); `leave` - the party hangs up as the customer is
 * joined (`atxferThreewayUnlink`; for completeAtxfer `result` != 0, reason `targetGone`).
 */
export type CustomerBehaviour =
  | { kind: 'answer'; afterMs: number; hangupAfterMs?: number; whenJoined?: 'refuse' | 'leave' }
  | { kind: 'busy'; afterMs?: number }
  | { kind: 'noAnswer' }
  | { kind: 'reject'; afterMs?: number }
  | { kind: 'fail'; afterMs?: number };

export interface ScenarioRule {
  /** Regular expression source matched against the whole dialled number. */
  match: string;
  behaviour: CustomerBehaviour;
}

export interface Scenario {
  /** First matching rule wins; the documented default rules apply after these. */
  rules?: ScenarioRule[];
  /** Agents: id -> extension; default agents 1001..1010 with extensions 8001..8010. */
  agents?: Record<string, ScenarioAgent>;
  /**
   * What the inbound generator places: `direct` calls routed to one agent (default), `ivr`
   * calls through the IVR menu, `forked` calls ringing at two idle agents at once.
   */
  inboundMode?: 'direct' | 'ivr' | 'forked';
  /** Wrap-up time (simulated ms) after each call for agents that set none; default 0 (none). */
  wrapUpMs?: number;
  /** Record every connected call: connection_start_record, then connection_set_record_info. */
  recording?: boolean;
  /**
   * The IVR in front of the project (ivrCall): its menu and which choice routes where. A
   * customer's number decides the digit it presses (the last digit of the number, mod the
   * menu's size, unless `digits` says otherwise).
   */
  ivr?: {
    menu?: Record<string, { name: string; agents?: string[] }>;
    digits?: Record<string, string>;
  };
}

/** One agent of a scenario. */
export interface ScenarioAgent {
  extension?: string;
  name?: string;
  answerAfterMs?: number;
  answers?: boolean;
  /** The ccsevents domain the agent's subscriber belongs to (default: the simulator's domain). */
  domain?: string;
  /** Simulated ms of wrap-up after each call (agentStatus `wrap-up`, deviceStatus 5). */
  wrapUpMs?: number;
  /** false: the agent starts logged out (offline, deviceStatus 6). Default true. */
  loggedIn?: boolean;
  /** false: logged in without a bound endpoint (unbound, deviceStatus 0) until `login`. */
  bound?: boolean;
  /** false: never routed inbound calls unless named (an outbound agent). Default true. */
  inbound?: boolean;
}

/** The Tinet face (REST interface API + HTTP push), see docs/platforms/tinet.md. */
export interface TinetFaceOptions {
  /** The enterprise this simulator serves (default 7000000), and its interface token (default demo-token). */
  enterpriseId?: string;
  token?: string;
  /** Department ids (validateType 1) and their tokens. */
  departments?: Record<string, string>;
  /** API version in the path. Default v10. */
  version?: string;
  /** Push URLs (`enterprisePushAction` URLs); `?type=<N>` is added to each push. */
  pushUrls?: string[];
  /** POST bodies as form (default, Tinet's default) or JSON; GET puts the fields in the query. */
  pushFormat?: 'form' | 'json';
  pushMethod?: 'POST' | 'GET';
  /** Sent as header x-cc-token with each push (the receiving ingress's shared token). */
  pushToken?: string;
}

export interface SimulatorOptions {
  /** Listen port; 0 (default) lets the OS pick. */
  port?: number;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Time scale: 10 makes every delay ten times shorter. Default 1. */
  speed?: number;
  /** Accepted logins: tenant -> username -> password. Default { demo: { demo: 'demo' } }. */
  users?: Record<string, Record<string, string>>;
  scenario?: Scenario;
  /** URLs that receive dialog webhooks (seed 003 bodies), POSTed as the vendor does. */
  webhooks?: string[];
  /** Extra headers on webhook POSTs (e.g. a shared token); an HMAC secret signs the raw body. */
  webhookToken?: string;
  webhookHmacSecret?: string;
  /**
   * One login per user: a fresh (not resuming) login of a tenant user that is connected already
   * gets the older connection a `notice` kickout and its socket closed. Default false (many
   * gateways of one Node-RED may share the demo user).
   */
  singleLogin?: boolean;
  /** Inbound calls per minute routed to idle agents (0 = none). */
  inboundPerMinute?: number;
  /** Replay buffer size per session (events kept for resuming clients). Default 10 000. */
  replayBuffer?: number;
  /** Heartbeat interval announced to clients (ms). Default 15 000. */
  heartbeatMs?: number;
  /**
   * Era / Incoplax face: the integration tokens accepted on `/ws/token/v1/<token>`. Default
   * ['demo-token']. `/ws` takes the `users` above as HTTP Basic credentials.
   */
  eraTokens?: string[];
  /** ccsevents domain of the tenant. Default 'demo.cc.local'. */
  domain?: string;
  /** Deterministic ids and timings for tests. */
  seed?: number;
  /** Number of default agents (1001, 1002, ...) when the scenario lists none. Default 10. */
  agentCount?: number;
  /**
   * Load mode (benchmarks, demos): `calls` dedicated agents (L1, L2, ...) each keep one preview
   * call going: dial, bridge, talk `talkMs` (simulated, default 1 000), hang up, repeat.
   */
  load?: { calls: number; talkMs?: number };
  /** Tinet's wire: the REST API under /interface/<version>/ and HTTP pushes. */
  tinet?: TinetFaceOptions;
  /** Validate every emitted event against the schemas (tests; off on the lean send path). */
  validateEvents?: boolean;
  /** How long a session whose socket dropped is kept for resuming (ms). Default 300 000. */
  sessionTtlMs?: number;
  logger?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export interface SimulatorStats {
  sessions: number;
  activeCalls: number;
  eventsSent: number;
  requests: number;
  badFrames: number;
  webhooksSent: number;
  webhookFailures: number;
  /** Events that failed schema validation (only counted with validateEvents). */
  invalidEvents?: number;
}

export interface SimulatorApi {
  /** Start listening; resolves with the ws:// URL. */
  start(): Promise<{ url: string; port: number }>;
  /** Stop listening and close every socket; the model is kept so start() can resume it. */
  stop(): Promise<void>;
  readonly url: string;
  stats(): SimulatorStats;
  /** Route an inbound call from `customerNumber` to an idle, unpaused agent (or the given one, if it is idle and unpaused); undefined when none is. */
  inboundCall(customerNumber: string, agent?: string): { seanceId: string } | undefined;
  /**
   * An inbound call answered by the IVR: menu, the customer's DTMF choice (`digit`, else the
   * scenario's), routed to the project's next idle agent (round robin).
   */
  ivrCall(customerNumber: string, digit?: string): { seanceId: string } | undefined;
  /**
   * An inbound call ringing at several agents at once (a forked, parallel-ringing call); the
   * first to answer takes it, the others' forks are released.
   */
  forkedCall(customerNumber: string, agents: string[]): { seanceId: string } | undefined;
  /** The customer of `agent`'s call presses keys (call_dtmf on the customer's leg). */
  customerDtmf(agent: string, digits: string): boolean;
  /** The customer side hangs up the call the agent is on. */
  customerHangup(agent: string): boolean;
  /** Stop (as stop()) and forget everything: call timers, calls, sessions, webhook queues. */
  dispose(): Promise<void>;
  /** Resolves when every dialog webhook queued so far was delivered or failed. */
  drainWebhooks(): Promise<void>;
}
