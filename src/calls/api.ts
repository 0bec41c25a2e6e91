/**
 * Contract of the call sequences (implemented in ./sequences.ts): every call of one gateway as
 * a sequence diagram in the notation of the vendor documents (Mermaid `sequenceDiagram`).
 * Lanes are the agent, the platform, the customer and any consulted party; steps are the
 * operations with their responses and outcomes, and the agent, dialog and ccs events between
 * them, in arrival order. Fed by the editor's calls sidebar (nodes/lib/calls-feed.ts) from the
 * event hub and the operation nodes; no Node-RED here.
 */
import type { EventFamily } from '../protocol/catalogue';

export type LaneRole = 'agent' | 'platform' | 'customer' | 'party';

export interface Lane {
  /** `agent`, `platform`, `customer`, or `party:<agent or number>` for a consulted party. */
  id: string;
  role: LaneRole;
  label: string;
}

export type StepKind = 'request' | 'response' | 'event' | 'outcome';

export interface Step {
  /** Index of the step in its call (0, 1, 2, ...). */
  n: number;
  /** Time recorded (epoch ms). */
  ts: number;
  kind: StepKind;
  /** Lane ids; `from === to` draws a note over that lane. */
  from: string;
  to: string;
  /** Operation or event name. */
  name: string;
  /** Short text drawn on the arrow. */
  label: string;
  family?: EventFamily;
  /** Operation request id (request, response, outcome). */
  reqId?: string;
  /** A refused response, a failed outcome, a failure event. */
  failed?: boolean;
  /** The frame's data (event data, request parameters, response, outcome). */
  data?: unknown;
}

export interface CallView {
  /** Stable for the call's life within one gateway. */
  id: string;
  /** Who and whom, e.g. `1001 -> 48500100201`. */
  title: string;
  state: 'live' | 'ended';
  startedAt: number;
  endedAt?: number;
  /** Agents and numbers taking part (for filters). */
  agents: string[];
  numbers: string[];
  lanes: Lane[];
  steps: Step[];
  /** Steps not recorded because the call reached the step limit. */
  dropped: number;
}

/** What changed since the last drain: each changed call with its new steps only. */
export interface CallDelta extends Omit<CallView, 'steps'> {
  /** Index of the first step in `steps` (the call's earlier steps were sent before). */
  stepsFrom: number;
  steps: Step[];
}

export interface CallChanges {
  calls: CallDelta[];
  /** Calls forgotten (ended long enough ago, or evicted). */
  removed: string[];
}

export interface CallSequencesOptions {
  /** Ended calls kept (most recent first). Default 20. */
  keepEnded?: number;
  /** How long an ended call is kept (ms). Default 600 000. */
  endedTtlMs?: number;
  /** A live call with no step for this long is ended (ms). Default 900 000. */
  idleMs?: number;
  /** Live calls kept; the least recently active is ended beyond it. Default 500. */
  maxLive?: number;
  /** Steps recorded per call; later ones are counted in `dropped`. Default 400. */
  maxSteps?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** An operation as the operation node sends it. */
export interface OperationRequest {
  reqId: string;
  agent: string;
  op: string;
  params: Record<string, unknown>;
}

/** The response frame's fields that the diagram shows. */
export interface OperationResponse {
  op: string;
  code: number;
  errorCode?: string | null;
  message?: string;
  data?: Record<string, unknown> | null;
}

export interface OperationOutcome {
  outcome: string;
  reason?: string;
  message?: string;
  ids?: Record<string, string>;
}

export interface CallSequencesApi {
  request(req: OperationRequest): void;
  response(reqId: string, resp: OperationResponse): void;
  outcome(reqId: string, result: OperationOutcome): void;
  /** An event of any family; `agent` is the agent the gateway addressed it to, if any. */
  event(family: EventFamily, name: string, data: unknown, agent?: string): void;
  /** Every call kept, live first (most recent first), then ended. */
  calls(): CallView[];
  call(id: string): CallView | undefined;
  /** The changes since the previous drain (and forget them). */
  drain(): CallChanges;
  /** End idle calls and forget old ended ones. */
  sweep(): void;
  readonly size: number;
}
