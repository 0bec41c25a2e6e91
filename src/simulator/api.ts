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
  agents?: Record<
    string,
    { extension?: string; name?: string; answerAfterMs?: number; answers?: boolean }
  >;
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
  /** Inbound calls per minute routed to idle agents (0 = none). */
  inboundPerMinute?: number;
  /** Replay buffer size per session (events kept for resuming clients). Default 10 000. */
  replayBuffer?: number;
  /** Heartbeat interval announced to clients (ms). Default 15 000. */
  heartbeatMs?: number;
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
  /** The customer side hangs up the call the agent is on. */
  customerHangup(agent: string): boolean;
  /** Stop (as stop()) and forget everything: call timers, calls, sessions, webhook queues. */
  dispose(): Promise<void>;
  /** Resolves when every dialog webhook queued so far was delivered or failed. */
  drainWebhooks(): Promise<void>;
}
