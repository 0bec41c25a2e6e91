/**
 * The shapes of the virtual contact center's state (agents, call legs, connections, seances),
 * what the model emits, and the timing constants every call flow shares. The model core
 * (./model.ts) holds the state; the call flows (./flows/) change it.
 */
import type { EventFamily } from '../../protocol';
import type { CustomerBehaviour, Scenario } from '../api';
import type { AgentParty, DialogRec, Direction, Project } from '../dialogs';
import type { Clock, Timer } from '../scenario';

export type Data = Record<string, unknown>;

/** Who asked for an operation: process events go back to this session with this reqId. */
export interface Origin {
  session: string;
  reqId: string;
}

export interface Emission {
  family: EventFamily;
  name: string;
  data: Data;
  /** The agent the event concerns (for `objects` filters and the frame's `agent`). */
  agent?: string;
  /** Set on operation process events only. */
  origin?: Origin;
}

export type OpResult =
  { ok: true; data?: Data } | { ok: false; errorCode: string; message: string };

/** previewObCallResult `result` codes: the catalogue's. */
export { PREVIEW_RESULT } from '../../protocol/catalogue';

/**
 * Agent-side states (vendors.md): the agentStatus `state` shows `paused` instead of `idle`
 * while the agent is paused.
 */
export type AgentState =
  | 'idle'
  | 'pending' // preview call: the agent's own phone rings
  | 'dialing' // preview call: the customer is being dialled
  | 'alerting' // preview call: the customer's phone rings
  | 'ringing' // inbound call or consult / transfer ringing at this agent
  | 'talking'
  | 'consulting'
  | 'consult-talking'
  | 'three-way'
  | 'wrap-up' // after a call, for the agent's wrap-up time
  | 'offline' // logged out
  | 'unbound'; // logged in without a bound endpoint

export const DEVICE_STATUS: Readonly<Record<AgentState, number>> = {
  unbound: 0,
  'wrap-up': 5,
  offline: 6,
  idle: 1,
  pending: 3,
  dialing: 2,
  alerting: 2,
  ringing: 3,
  talking: 4,
  consulting: 4,
  'consult-talking': 4,
  'three-way': 4,
};

export interface Agent {
  id: string;
  extension: string;
  party: AgentParty;
  answerAfterMs: number;
  answers: boolean;
  state: AgentState;
  paused: boolean;
  pauseType: number;
  /** Muted directions: `in` the agent does not hear the customer, `out` the customer the agent. */
  muted: { in: boolean; out: boolean };
  /** Reserved for the built-in load generator (never routed inbound calls). */
  load: boolean;
  /** Routed inbound calls (scenario `inbound: false`: an outbound-only agent). */
  inbound: boolean;
  seance?: Seance;
  leg?: Leg;
  /** The ccsevents domain of the agent's subscriber. */
  domain: string;
  /** Simulated ms of wrap-up after each call (0: back to idle at once). */
  wrapUpMs: number;
  /** Logged in (false after logout / setOffline: offline once its call, if any, ended). */
  loggedIn: boolean;
  /** The endpoint the agent answers on (login's bindTel); undefined while unbound. */
  bindTel?: string;
  /** The wrap-up timer, while in wrap-up. */
  wrapTimer?: Timer;
}

export interface Leg {
  id: string;
  role: 'agent' | 'customer' | 'target' | 'supervisor' | 'fork' | 'ivr';
  number: string;
  agent?: Agent;
  dialog: DialogRec;
  answered: boolean;
  alive: boolean;
  /** The ccsevents domain this leg's subscriber belongs to (the seance's for the customer). */
  domain: string;
  /** Supervisor legs: how the supervisor takes part. */
  mode?: 'spy' | 'whisper' | 'barge';
}

export interface Connection {
  id: string;
  legs: Leg[];
}

export type Phase =
  | 'agentRinging'
  | 'dialing'
  | 'alerting'
  | 'talking'
  | 'consultDialing'
  | 'consultTalking'
  | 'threewayJoining'
  | 'threeway'
  | 'transferring'
  | 'ended';

export interface Transfer {
  mode: 'consult' | 'blind';
  targetType: number;
  target: string;
  origin?: Origin;
  /** Who initiated the consult / transfer. */
  initiator: Leg;
}

export interface Seance {
  id: string;
  uniqueId: string;
  direction: Direction;
  customerNumber: string;
  obClid: string;
  phase: Phase;
  /** The customer's leg. */
  customer?: Leg;
  /** The leg serving the customer: normally an agent's, after a transfer the target's. */
  party?: Leg;
  /** The consulted / transferred-to leg while a transfer is in progress. */
  target?: Leg;
  main?: Connection;
  consult?: Connection;
  held: boolean;
  transfer?: Transfer;
  preview?: { origin?: Origin; customerTimeoutMs: number; behaviour?: CustomerBehaviour };
  threewayOrigin?: Origin;
  /** The meeting the three-way call joins (dialog_meeting_entered.meeting_uuid). */
  meeting?: string;
  /** completeAtxfer in progress: its origin and the phase to return to if it fails. */
  completing?: { origin?: Origin; from: 'consultTalking' | 'threeway' };
  timers: Map<string, Timer>;
  ended: boolean;
  /**
   * The ccsevents domains that take part (seed 004): every seance event is sent once to each.
   * A domain joins when routing reaches its subscriber, so it never sees earlier events.
   */
  domains: string[];
  /** Parallel-ringing forks not answered yet (each seen only by its own domain until then). */
  forks?: Leg[];
  /** Supervisors listening, whispering or barged in. */
  monitors?: Leg[];
  /** Simulated time the call started waiting in a queue (IVR calls with no agent free). */
  queuedAt?: number;
  /** The recording of the main connection (when the scenario records calls). */
  record?: { connection: string; startedAt: number };
}

export interface ModelOptions {
  clock: Clock;
  scenario?: Scenario;
  domain: string;
  /** Number agents call out with unless obClid is given. */
  projectNumber?: string;
  project?: Project;
  agentCount?: number;
  rng: () => number;
  sink: (e: Emission) => void;
  /** Load mode asks this before each generated call; false = clients are behind, wait. */
  loadGate?: () => boolean;
}

/** Simulated ms a consulted / transferred-to party rings before the attempt is given up. */
export const TARGET_RING_TIMEOUT_MS = 30_000;
/** Simulated ms an inbound call rings at an agent before the customer gives up. */
export const INBOUND_RING_TIMEOUT_MS = 20_000;
/** A call handed over to an external number (no agent left on it) ends after this long. */
export const EXTERNAL_TALK_MS = 60_000;
/** Simulated ms the platform takes to bridge the consulted party into a three-way call. */
export const THREEWAY_JOIN_MS = 300;
/** Simulated ms the platform takes to hand the customer over to the target (completeAtxfer). */
export const TRANSFER_MS = 300;
/** Simulated ms a dialled party takes to start ringing. */
export const ALERT_AFTER_MS = 100;

/**
 * `threewayAtxferResult` / `completeAtxferResult` codes (0 = done). The event also carries the
 * reason: `threewayRefused` / `transferRefused` (the target's rule refuses), `targetGone` (the
 * consulted party hung up while the platform was transferring), `customerHangup`,
 * `agentHangup` (the transfer was abandoned because that side hung up).
 */
export const JOIN_RESULT: Readonly<Record<string, number>> = {
  threewayRefused: 1,
  transferRefused: 1,
  targetGone: 2,
  customerHangup: 3,
  agentHangup: 4,
};
