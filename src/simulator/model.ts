/**
 * The one model of the virtual contact center: agents, call legs (seed 004 "calls"), one dialog
 * per party (seed 003), connections and seances. Every change is projected into the three event
 * families with consistent ids:
 *
 * - agent events (seed 000) carry `uniqueId` and `ids` {seance_id, call_id, customer_call_id,
 *   connection_id, dialog_uuid, customer_dialog_uuid};
 * - dialog events are the webhook bodies of seed 003;
 * - ccsevents (seed 004) carry `domain` and call_id / connection_id / seance_id.
 *
 * The model knows nothing about sockets: it hands every event to a sink. While an operation is
 * being executed the events are queued, so the server can send the response first (seed 000's
 * rule) and then flush them.
 */
import type { EventFamily } from '../protocol';
import { ERROR_CODES } from '../protocol';
import type { CustomerBehaviour, Scenario } from './api';
import {
  calledPartyInfo,
  dialogCloseBody,
  dialogCreateBody,
  dialogHoldBody,
  dialogMeetingBody,
  dialogStateBody,
  eventTime,
  inboundCallInfo,
  webUserCallInfo,
  type AgentParty,
  type DialogRec,
  type Direction,
  type NumberParty,
  type Party,
  type Project,
} from './dialogs';
import {
  Clock,
  DEFAULT_AGENT_ANSWER_MS,
  DEFAULT_AGENT_COUNT,
  NumberRules,
  type Timer,
} from './scenario';

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

/** previewObCallResult `result` codes (0 = proceeding / ok). */
export const PREVIEW_RESULT: Readonly<Record<string, number>> = {
  customerBusy: 1,
  customerNoAnswer: 2,
  customerRejected: 3,
  agentNoAnswer: 4,
  failed: 5,
  canceled: 6,
};

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
  | 'three-way';

const DEVICE_STATUS: Readonly<Record<AgentState, number>> = {
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
  muted: boolean;
  /** Reserved for the built-in load generator (never routed inbound calls). */
  load: boolean;
  seance?: Seance;
  leg?: Leg;
}

export interface Leg {
  id: string;
  role: 'agent' | 'customer' | 'target';
  number: string;
  agent?: Agent;
  dialog: DialogRec;
  answered: boolean;
  alive: boolean;
}

export interface Connection {
  id: string;
  legs: Leg[];
}

type Phase =
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

interface Transfer {
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
const ALERT_AFTER_MS = 100;

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

const NUMBER_RE = /^\+?[0-9*#]{2,32}$/;

const refuse = (errorCode: string, message: string): OpResult => ({
  ok: false,
  errorCode,
  message,
});
const invalidState = (a: Agent, op: string): OpResult =>
  refuse(ERROR_CODES.invalidState, `${op} is not possible while agent ${a.id} is ${a.state}`);

export class Model {
  readonly agents = new Map<string, Agent>();
  readonly seances = new Map<string, Seance>();
  readonly domain: string;
  readonly project: Project;
  readonly projectNumber: string;
  readonly rules: NumberRules;
  private readonly clock: Clock;
  private readonly rng: () => number;
  private readonly sink: (e: Emission) => void;
  private readonly loadGate: () => boolean;
  private queue: Emission[] | null = null;
  private readonly tag: string;
  private n = 0;
  private rr = 0;
  private loadTalkMs = 0;
  callsStarted = 0;

  constructor(opts: ModelOptions) {
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.sink = opts.sink;
    this.loadGate = opts.loadGate ?? (() => true);
    this.domain = opts.domain;
    this.project = opts.project ?? { id: 1, name: 'Demo project' };
    this.projectNumber = opts.projectNumber ?? '48221000000';
    this.rules = new NumberRules(opts.scenario);
    this.tag = Math.floor(this.rng() * 0xffff)
      .toString(16)
      .padStart(4, '0');
    const configured = opts.scenario?.agents;
    if (configured && Object.keys(configured).length > 0) {
      let i = 0;
      for (const [id, a] of Object.entries(configured)) {
        i++;
        this.addAgent(id, a.extension ?? String(8000 + i), a.name, a.answerAfterMs, a.answers);
      }
    } else {
      const count = opts.agentCount ?? DEFAULT_AGENT_COUNT;
      for (let i = 1; i <= count; i++) {
        const ext = i < 1000 ? String(8000 + i) : String(80000 + i);
        this.addAgent(String(1000 + i), ext);
      }
    }
  }

  addAgent(
    id: string,
    extension: string,
    name?: string,
    answerAfterMs?: number,
    answers?: boolean,
    load = false,
  ): Agent {
    const displayName = name ?? `Agent ${id}`;
    const [first, ...rest] = displayName.split(' ');
    const agent: Agent = {
      id,
      extension,
      party: {
        kind: 'agent',
        id,
        userId: this.agents.size + 1,
        username: `agent${id}`,
        firstname: first,
        surname: rest.join(' ') || id,
        displayName,
        outboundNumber: this.projectNumber,
      },
      answerAfterMs: answerAfterMs ?? DEFAULT_AGENT_ANSWER_MS,
      answers: answers ?? true,
      state: 'idle',
      paused: false,
      pauseType: 0,
      muted: false,
      load,
    };
    this.agents.set(id, agent);
    return agent;
  }

  /** Agents a client may address (load-generator agents excluded). */
  agentIds(): string[] {
    const out: string[] = [];
    for (const a of this.agents.values()) if (!a.load) out.push(a.id);
    return out;
  }

  get activeCalls(): number {
    return this.seances.size;
  }

  // ---------------------------------------------------------------- ids and emission

  private id(prefix: string): string {
    return `${prefix}-${this.tag}-${++this.n}`;
  }

  private uuid(): string {
    const h = (): string =>
      Math.floor(this.rng() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    const a = h() + h() + h() + h();
    return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-${'89ab'[parseInt(a[16], 16) & 3]}${a.slice(17, 20)}-${a.slice(20, 32)}`;
  }

  private emit(e: Emission): void {
    if (this.queue) this.queue.push(e);
    else this.sink(e);
  }

  /** Run an operation with its events held back; the caller sends the response, then flushes. */
  run(fn: () => OpResult): { result: OpResult; flush: () => void } {
    const outer = this.queue;
    const queue: Emission[] = [];
    this.queue = queue;
    let result: OpResult;
    try {
      result = fn();
    } finally {
      this.queue = outer;
    }
    return {
      result,
      flush: () => {
        for (const e of queue) this.emit(e);
      },
    };
  }

  private ids(s: Seance, leg: Leg | undefined): Data {
    const ids: Record<string, string> = { seance_id: s.id };
    if (leg) {
      ids.call_id = leg.id;
      ids.dialog_uuid = leg.dialog.uuid;
    }
    if (s.customer) {
      ids.customer_call_id = s.customer.id;
      ids.customer_dialog_uuid = s.customer.dialog.uuid;
    }
    const conn = leg && s.consult?.legs.includes(leg) && leg.role === 'target' ? s.consult : s.main;
    if (conn) ids.connection_id = conn.id;
    if (s.target && s.target !== leg) {
      ids.target_call_id = s.target.id;
      ids.target_dialog_uuid = s.target.dialog.uuid;
    }
    return ids;
  }

  private agentEvent(a: Agent, name: string, data: Data, origin?: Origin): void {
    const s = a.seance;
    const full: Data = s ? { ...data, uniqueId: s.uniqueId, ids: this.ids(s, a.leg) } : data;
    this.emit({ family: 'agent', name, data: full, agent: a.id, origin });
  }

  private status(a: Agent, reason?: string, ended?: { s: Seance; leg?: Leg }): void {
    const data: Data = {
      state: a.paused && a.state === 'idle' ? 'paused' : a.state,
      deviceStatus: DEVICE_STATUS[a.state],
    };
    if (reason) data.reason = reason;
    if (ended) {
      data.uniqueId = ended.s.uniqueId;
      data.ids = this.ids(ended.s, ended.leg);
      this.emit({ family: 'agent', name: 'agentStatus', data, agent: a.id });
    } else this.agentEvent(a, 'agentStatus', data);
  }

  private setState(a: Agent, state: AgentState, reason?: string): void {
    if (a.state === state) return;
    a.state = state;
    this.status(a, reason);
  }

  private ownerId(s: Seance): string | undefined {
    return s.party?.agent?.id ?? s.transfer?.initiator.agent?.id;
  }

  private ccs(s: Seance, name: string, data: Data, agent = this.ownerId(s)): void {
    this.emit({
      family: 'ccs',
      name,
      data: { domain: this.domain, seance_id: s.id, ...data },
      agent,
    });
  }

  private dialog(body: Data, agent: string | undefined): void {
    this.emit({ family: 'dialog', name: body.event_name as string, data: body, agent });
  }

  private dialogAgent(s: Seance, leg: Leg): string | undefined {
    return leg.agent?.id ?? this.ownerId(s);
  }

  private openDialog(s: Seance, leg: Leg): void {
    this.dialog(dialogCreateBody(leg.dialog, this.project, eventTime()), this.dialogAgent(s, leg));
  }

  private dialogState(s: Seance, leg: Leg, state: string): void {
    leg.dialog.state = state;
    this.dialog(dialogStateBody(leg.dialog, eventTime()), this.dialogAgent(s, leg));
  }

  private closeDialog(s: Seance, leg: Leg, cause: 'HANGUP' | 'DIALOG_LEFT'): void {
    if (leg.dialog.closed) return;
    leg.dialog.closed = true;
    this.dialog(
      dialogCloseBody(leg.dialog, this.project, cause, eventTime()),
      this.dialogAgent(s, leg),
    );
  }

  private legState(s: Seance, leg: Leg, state: string, info?: Data): void {
    this.ccs(
      s,
      'call_set_state',
      info ? { call_id: leg.id, state, info } : { call_id: leg.id, state },
    );
  }

  private later(s: Seance, key: string, ms: number, fn: () => void): void {
    this.clock.cancel(s.timers.get(key));
    const t = this.clock.after(ms, () => {
      s.timers.delete(key);
      if (!s.ended) fn();
    });
    s.timers.set(key, t);
  }

  private cancel(s: Seance, ...keys: string[]): void {
    for (const k of keys) {
      this.clock.cancel(s.timers.get(k));
      s.timers.delete(k);
    }
  }

  // ---------------------------------------------------------------- building blocks

  private newSeance(direction: Direction, customerNumber: string, obClid: string): Seance {
    const s: Seance = {
      id: this.id('se'),
      uniqueId: this.id('u'),
      direction,
      customerNumber,
      obClid,
      phase: 'agentRinging',
      held: false,
      timers: new Map(),
      ended: false,
    };
    this.seances.set(s.id, s);
    this.callsStarted++;
    return s;
  }

  private newLeg(
    s: Seance,
    role: Leg['role'],
    number: string,
    dialog: DialogRec,
    agent?: Agent,
  ): Leg {
    const leg: Leg = {
      id: this.id('c'),
      role,
      number,
      agent,
      dialog,
      answered: false,
      alive: true,
    };
    if (agent) {
      agent.seance = s;
      agent.leg = leg;
    }
    const info: Data = { role };
    if (agent) info.agent = agent.id;
    this.ccs(s, 'call_create', { call_id: leg.id, state: 'init', number, info });
    this.ccs(s, 'call_attach_to_seance', { call_id: leg.id });
    return leg;
  }

  private dialogRec(
    type: DialogRec['type'],
    direction: Direction,
    s: Seance,
    self: Party,
    peer: Party,
    caller: Party,
    callee: Party,
    appInfo: Data,
    initialLinkType: string | null,
    initialTargetType: string,
  ): DialogRec {
    return {
      uuid: this.uuid(),
      type,
      direction,
      businessDirection: s.direction,
      self,
      peer,
      caller,
      callee,
      appInfo,
      initialLinkType,
      initialTargetType,
      state: 'ringing',
      closed: false,
    };
  }

  private connect(s: Seance, legs: Leg[], kind: 'main' | 'consult'): Connection {
    const conn: Connection = { id: this.id('cn'), legs: [...legs] };
    if (kind === 'main') s.main = conn;
    else s.consult = conn;
    this.ccs(s, 'connection_create', { connection_id: conn.id, state: 'active', info: { kind } });
    this.ccs(s, 'connection_attach_to_seance', { connection_id: conn.id });
    for (const l of legs)
      this.ccs(s, 'connection_link_call', { connection_id: conn.id, call_id: l.id });
    return conn;
  }

  private linkInto(s: Seance, conn: Connection, leg: Leg): void {
    if (conn.legs.includes(leg)) return;
    conn.legs.push(leg);
    this.ccs(s, 'connection_link_call', { connection_id: conn.id, call_id: leg.id });
  }

  private dropConnection(s: Seance, kind: 'main' | 'consult'): void {
    const conn = kind === 'main' ? s.main : s.consult;
    if (!conn) return;
    this.ccs(s, 'connection_delete', { connection_id: conn.id });
    if (kind === 'main') s.main = undefined;
    else s.consult = undefined;
  }

  private dropLeg(s: Seance, leg: Leg, cause: string): void {
    if (!leg.alive) return;
    leg.alive = false;
    this.ccs(s, 'call_delete', { call_id: leg.id, state: 'deleted', info: { cause } });
  }

  /** Return an agent to idle after its part in a seance ended. */
  private release(a: Agent, s: Seance, reason: string): void {
    const leg = a.leg;
    a.seance = undefined;
    a.leg = undefined;
    a.muted = false;
    a.state = 'idle';
    this.status(a, reason, { s, leg });
    if (a.load) this.clock.after(0, () => this.loadNext(a));
  }

  private unhold(s: Seance): void {
    if (!s.held) return;
    s.held = false;
    const holder = s.party;
    if (holder && holder.alive) this.dialogState(s, holder, 'talking');
    if (s.customer?.alive) this.legState(s, s.customer, 'talking');
  }

  /**
   * End the whole seance. `hanger` is the leg whose side hung up (its dialog closes with
   * HANGUP, every other open dialog with DIALOG_LEFT); `reason` goes to agentStatus.
   * `failure` marks a call that never connected (connection_failure, previewObCallResult).
   */
  private endSeance(
    s: Seance,
    hanger: Leg | undefined,
    reason: string,
    failure?: { result: number; cause: string; state: string },
  ): void {
    if (s.ended) return;
    if (s.phase === 'transferring') {
      this.completeFailed(s, hanger?.role === 'customer' ? 'customerHangup' : 'agentHangup');
    }
    const controller = s.party?.agent ?? s.transfer?.initiator.agent;
    // Process events first, while the agent still holds its ids.
    if (failure && s.preview && s.party?.agent) {
      this.agentEvent(
        s.party.agent,
        'previewObCallResult',
        { result: failure.result, reason },
        s.preview.origin,
      );
    }
    if (s.transfer && (s.phase === 'consultDialing' || s.phase === 'consultTalking')) {
      const a = s.transfer.initiator.agent;
      if (a?.seance === s) {
        this.agentEvent(
          a,
          'atxferEnded',
          { target: s.transfer.target, hangupSide: hanger?.role ?? 'system', state: 'ended' },
          s.transfer.origin,
        );
      }
    }
    if ((s.phase === 'threeway' || s.phase === 'threewayJoining') && controller?.seance === s) {
      this.agentEvent(controller, 'atxferThreewayUnlink', { reason }, s.threewayOrigin);
    }
    s.phase = 'ended';
    const legs = [s.customer, s.party, s.target, s.transfer?.initiator].filter(
      (l, i, all): l is Leg => !!l && l.alive && all.indexOf(l) === i,
    );
    if (hanger && hanger.alive) {
      this.closeDialog(s, hanger, 'HANGUP');
      this.legState(s, hanger, failure ? failure.state : 'hangup', { cause: 'HANGUP' });
    }
    for (const l of legs) if (l !== hanger) this.closeDialog(s, l, 'DIALOG_LEFT');
    if (failure) {
      this.ccs(s, 'connection_failure', {
        call_id: (s.customer ?? hanger ?? legs[0]).id,
        state: failure.state,
        info: { reason },
      });
    }
    this.dropConnection(s, 'consult');
    this.dropConnection(s, 'main');
    if (hanger) this.dropLeg(s, hanger, 'HANGUP');
    for (const l of legs) this.dropLeg(s, l, 'DIALOG_LEFT');
    this.ccs(s, 'seance_set_state', { state: failure ? 'failed' : 'closed', info: { reason } });
    this.ccs(s, 'seance_delete', {});
    for (const t of s.timers.values()) this.clock.cancel(t);
    s.timers.clear();
    s.ended = true;
    this.seances.delete(s.id);
    for (const l of legs) if (l.agent && l.agent.seance === s) this.release(l.agent, s, reason);
  }

  // ---------------------------------------------------------------- preview outbound call

  previewObCall(a: Agent, params: Data, origin?: Origin): OpResult {
    if (a.state !== 'idle' || a.seance) return invalidState(a, 'previewObCall');
    const number = params.customerNumber as string;
    const obClid = (params.obClid as string | undefined) ?? this.projectNumber;
    const agentTimeoutMs = ((params.agentAnswerTimeout as number | undefined) ?? 30) * 1000;
    const customerTimeoutMs = ((params.customerAnswerTimeout as number | undefined) ?? 45) * 1000;
    const s = this.newSeance('OUTBOUND', number, obClid);
    s.preview = { origin, customerTimeoutMs };
    const party: AgentParty = { ...a.party, outboundNumber: obClid };
    const customer: NumberParty = { kind: 'number', number };
    const info: Data = { direction: 'OUTBOUND' };
    if (params.channelVariables) info.channelVariables = params.channelVariables;
    this.ccs(s, 'seance_create', { state: 'init', number, info }, a.id);
    const dialog = this.dialogRec(
      'CONSULTANT',
      'OUTBOUND',
      s,
      party,
      customer,
      party,
      customer,
      webUserCallInfo(party, customer),
      'WEB',
      'EXTERNAL_CALL',
    );
    const leg = this.newLeg(s, 'agent', a.extension, dialog, a);
    s.party = leg;
    this.agentEvent(a, 'previewObCallResult', { result: 0 }, origin);
    this.legState(s, leg, 'ringing');
    this.openDialog(s, leg);
    this.setState(a, 'pending');
    if (a.answers)
      this.later(s, 'agentAnswer', a.answerAfterMs, () => this.previewAgentAnswered(s));
    this.later(s, 'agentTimeout', agentTimeoutMs, () =>
      this.endSeance(s, leg, 'agentNoAnswer', {
        result: PREVIEW_RESULT.agentNoAnswer,
        cause: 'agentNoAnswer',
        state: 'noanswer',
      }),
    );
    return {
      ok: true,
      data: {
        uniqueId: s.uniqueId,
        ids: { seance_id: s.id, call_id: leg.id, dialog_uuid: dialog.uuid },
      },
    };
  }

  private previewAgentAnswered(s: Seance): void {
    const leg = s.party;
    const a = leg?.agent;
    if (!leg || !a || s.phase !== 'agentRinging' || !s.preview) return;
    this.cancel(s, 'agentAnswer', 'agentTimeout');
    leg.answered = true;
    this.legState(s, leg, 'answered');
    s.phase = 'dialing';
    const customerParty: NumberParty = { kind: 'number', number: s.customerNumber };
    const dialog = this.dialogRec(
      'EXTERNAL',
      'INBOUND',
      s,
      customerParty,
      leg.dialog.self,
      leg.dialog.self,
      customerParty,
      calledPartyInfo('EXTERNAL_OUTBOUND_CALL', 'CONTACT', leg.dialog, customerParty),
      null,
      'EXTERNAL_CALL',
    );
    const customer = this.newLeg(s, 'customer', s.customerNumber, dialog);
    s.customer = customer;
    this.agentEvent(
      a,
      'previewObCallStart',
      { customerNumber: s.customerNumber, obClid: s.obClid },
      s.preview.origin,
    );
    this.openDialog(s, customer);
    this.setState(a, 'dialing');
    const b = this.rules.resolve(s.customerNumber);
    s.preview.behaviour = b;
    const fail = (reason: string, state: string, hanger: Leg) =>
      this.endSeance(s, hanger, reason, { result: PREVIEW_RESULT[reason], cause: reason, state });
    switch (b.kind) {
      case 'fail':
        this.later(s, 'customer', b.afterMs ?? 500, () => fail('failed', 'failed', customer));
        return;
      case 'busy':
        this.later(s, 'customer', b.afterMs ?? 1000, () => fail('customerBusy', 'busy', customer));
        return;
      default:
        break;
    }
    this.later(s, 'alert', ALERT_AFTER_MS, () => {
      s.phase = 'alerting';
      this.dialogState(s, customer, 'alerting');
      this.legState(s, customer, 'alerting');
      this.agentEvent(
        a,
        'previewObCallRinging',
        { state: 'ringing', customerNumber: s.customerNumber },
        s.preview?.origin,
      );
      this.setState(a, 'alerting');
      if (b.kind === 'answer') {
        this.later(s, 'customer', Math.max(0, b.afterMs - ALERT_AFTER_MS), () =>
          this.previewBridge(s),
        );
      } else if (b.kind === 'reject') {
        this.later(s, 'customer', Math.max(0, (b.afterMs ?? 3000) - ALERT_AFTER_MS), () =>
          fail('customerRejected', 'rejected', customer),
        );
      }
    });
    this.later(s, 'customerTimeout', s.preview.customerTimeoutMs, () =>
      fail('customerNoAnswer', 'noanswer', leg),
    );
  }

  /**
   * The customer and the agent's leg talk: one main connection (legs linked in the order the
   * call was set up), then talking on both dialogs (customer first, as seed 003 shows), both
   * legs and the seance.
   */
  private talk(s: Seance, customer: Leg, leg: Leg, linkOrder: [Leg, Leg]): void {
    this.connect(s, linkOrder, 'main');
    this.dialogState(s, customer, 'talking');
    this.dialogState(s, leg, 'talking');
    this.legState(s, customer, 'talking');
    this.legState(s, leg, 'talking');
    this.ccs(s, 'seance_set_state', { state: 'talking' });
    s.phase = 'talking';
  }

  private previewBridge(s: Seance): void {
    const leg = s.party;
    const customer = s.customer;
    const a = leg?.agent;
    if (!leg || !a || !customer || s.phase !== 'alerting') return;
    this.cancel(s, 'customer', 'customerTimeout', 'alert');
    customer.answered = true;
    this.dialogState(s, customer, 'answered');
    this.legState(s, customer, 'answered');
    this.talk(s, customer, leg, [leg, customer]);
    this.agentEvent(
      a,
      'previewObCallBridge',
      { channel: `SIP/${a.extension}-${leg.id}` },
      s.preview?.origin,
    );
    s.preview = undefined;
    this.setState(a, 'talking');
    const b = this.rules.resolve(s.customerNumber);
    if (b.kind === 'answer' && b.hangupAfterMs !== undefined) {
      this.later(s, 'customerHangup', b.hangupAfterMs, () => this.legHangup(s, customer));
    }
    if (a.load) this.later(s, 'loadHangup', this.loadTalkMs, () => this.legHangup(s, leg));
  }

  // ---------------------------------------------------------------- inbound calls

  /** Route an inbound call to the given agent or the next idle, unpaused one. */
  inboundCall(number: string, agentId?: string, hangupAfterMs?: number): Seance | undefined {
    let a: Agent | undefined;
    if (agentId !== undefined) {
      a = this.agents.get(agentId);
      if (!a || a.load || a.paused || a.state !== 'idle' || a.seance) a = undefined;
    } else {
      const list = [...this.agents.values()].filter(
        (x) => !x.load && !x.paused && x.state === 'idle' && !x.seance,
      );
      if (list.length > 0) a = list[this.rr++ % list.length];
    }
    if (!a) {
      this.emit({
        family: 'ccs',
        name: 'connection_failure',
        data: { domain: this.domain, state: 'noagent', number, info: { reason: 'noIdleAgent' } },
      });
      return undefined;
    }
    const s = this.newSeance('INBOUND', number, this.projectNumber);
    const customerParty: NumberParty = { kind: 'number', number };
    this.ccs(s, 'seance_create', { state: 'init', number, info: { direction: 'INBOUND' } }, a.id);
    const cDialog = this.dialogRec(
      'EXTERNAL',
      'OUTBOUND',
      s,
      customerParty,
      a.party,
      customerParty,
      a.party,
      inboundCallInfo(customerParty, this.projectNumber),
      null,
      'EXTERNAL_CALL',
    );
    const customer = this.newLeg(s, 'customer', number, cDialog);
    customer.answered = true;
    s.customer = customer;
    const aDialog = this.dialogRec(
      'CONSULTANT',
      'INBOUND',
      s,
      a.party,
      customerParty,
      customerParty,
      a.party,
      calledPartyInfo('EXTERNAL_INBOUND_CALL', 'USER', cDialog, a.party),
      null,
      'EXTERNAL_CALL',
    );
    const leg = this.newLeg(s, 'agent', a.extension, aDialog, a);
    s.party = leg;
    this.openDialog(s, customer);
    this.openDialog(s, leg);
    this.legState(s, leg, 'ringing');
    this.agentEvent(a, 'ringing', { callType: 'inbound', customerNumber: number });
    this.setState(a, 'ringing');
    if (a.answers) this.later(s, 'agentAnswer', a.answerAfterMs, () => this.inboundAnswered(s));
    this.later(s, 'agentTimeout', INBOUND_RING_TIMEOUT_MS, () =>
      this.endSeance(s, customer, 'agentNoAnswer'),
    );
    const b = this.rules.resolve(number);
    const hang = hangupAfterMs ?? (b.kind === 'answer' ? b.hangupAfterMs : undefined);
    if (hang !== undefined)
      this.later(s, 'customerHangup', hang, () => this.legHangup(s, customer));
    return s;
  }

  private inboundAnswered(s: Seance): void {
    const leg = s.party;
    const customer = s.customer;
    const a = leg?.agent;
    if (!leg || !a || !customer || s.phase !== 'agentRinging' || s.direction !== 'INBOUND') return;
    this.cancel(s, 'agentAnswer', 'agentTimeout');
    leg.answered = true;
    this.dialogState(s, leg, 'answered');
    this.legState(s, leg, 'answered');
    this.talk(s, customer, leg, [customer, leg]);
    this.setState(a, 'talking');
  }

  // ---------------------------------------------------------------- hang-ups

  /** A party of an established call hangs up. */
  private legHangup(s: Seance, leg: Leg): void {
    if (s.ended || !leg.alive) return;
    if (s.phase === 'transferring') {
      // The transfer is abandoned first; then the hang-up is what it would have been.
      const why =
        leg === s.target ? 'targetGone' : leg === s.party ? 'agentHangup' : 'customerHangup';
      this.completeFailed(s, why);
    }
    switch (s.phase) {
      case 'consultTalking':
        if (leg === s.target) return this.consultEnded(s, 'target', 'ended', s.transfer?.origin);
        return this.endSeance(s, leg, `${leg.role}Hangup`);
      case 'consultDialing':
        if (leg === s.target) return this.targetFailed(s, 'rejected');
        return this.endSeance(s, leg, `${leg.role}Hangup`);
      case 'threewayJoining':
      case 'threeway':
        if (leg === s.target) return this.threewayTargetLeaves(s);
        if (leg === s.party) return this.threewayAgentLeaves(s);
        return this.endSeance(s, leg, 'customerHangup');
      default:
        return this.endSeance(
          s,
          leg,
          leg.role === 'customer' ? 'customerHangup' : `${leg.role}Hangup`,
        );
    }
  }

  private sipUnlink(a: Agent): OpResult {
    const s = a.seance;
    const leg = a.leg;
    if (!s || !leg || a.state === 'idle') return invalidState(a, 'sipUnlink');
    if (leg === s.party) {
      if (s.phase === 'agentRinging' && s.direction === 'INBOUND') {
        this.endSeance(s, leg, 'agentRejected');
      } else if (s.phase === 'agentRinging' || s.phase === 'dialing' || s.phase === 'alerting') {
        this.endSeance(s, leg, 'canceled', {
          result: PREVIEW_RESULT.canceled,
          cause: 'canceled',
          state: 'canceled',
        });
      } else this.legHangup(s, leg);
    } else if (leg === s.target) {
      if (!leg.answered) this.targetFailed(s, 'rejected');
      else this.legHangup(s, leg);
    } else return invalidState(a, 'sipUnlink');
    return { ok: true };
  }

  /** The customer hangs up the call `agentId` is on (simulator API). */
  customerHangup(agentId: string): boolean {
    const a = this.agents.get(agentId);
    const s = a?.seance;
    const c = s?.customer;
    if (!s || !c || !c.alive) return false;
    if (s.phase === 'dialing' || s.phase === 'alerting') {
      this.endSeance(s, c, 'customerRejected', {
        result: PREVIEW_RESULT.customerRejected,
        cause: 'customerRejected',
        state: 'rejected',
      });
    } else if (s.phase === 'agentRinging') {
      this.endSeance(s, c, 'customerAbandoned');
    } else this.legHangup(s, c);
    return true;
  }

  // ---------------------------------------------------------------- consult / transfers

  private resolveTarget(
    a: Agent,
    params: Data,
  ): { ok: true; agent?: Agent; number: string } | { ok: false; result: OpResult } {
    const type = params.targetType as number;
    const target = params.target as string;
    if (type === 1 || type === 2) {
      const t =
        type === 1
          ? this.agents.get(target)
          : [...this.agents.values()].find((x) => x.extension === target);
      if (!t || t.load) {
        return {
          ok: false,
          result: refuse(
            ERROR_CODES.badParams,
            `params.target: no ${type === 1 ? 'agent' : 'extension'} "${target}"`,
          ),
        };
      }
      if (t === a) {
        return {
          ok: false,
          result: refuse(ERROR_CODES.badParams, 'params.target is the agent itself'),
        };
      }
      return { ok: true, agent: t, number: t.extension };
    }
    if (!NUMBER_RE.test(target)) {
      return {
        ok: false,
        result: refuse(ERROR_CODES.badParams, `params.target "${target}" is not a number`),
      };
    }
    return { ok: true, number: target };
  }

  private hold(s: Seance): void {
    if (s.held || !s.party || !s.customer) return;
    s.held = true;
    this.dialog(dialogHoldBody(s.party.dialog, eventTime()), this.dialogAgent(s, s.party));
    this.legState(s, s.customer, 'hold');
  }

  startAtxfer(
    a: Agent,
    params: Data,
    origin?: Origin,
    mode: 'consult' | 'blind' = 'consult',
  ): OpResult {
    const s = a.seance;
    const op = mode === 'consult' ? 'startAtxfer' : 'blxfer';
    if (!s || a.leg !== s.party || s.phase !== 'talking' || a.state !== 'talking') {
      return invalidState(a, op);
    }
    const r = this.resolveTarget(a, params);
    if (!r.ok) return r.result;
    const initiator = s.party;
    if (!initiator) return invalidState(a, op);
    s.transfer = {
      mode,
      targetType: params.targetType as number,
      target: params.target as string,
      origin,
      initiator,
    };
    this.hold(s);
    const targetParty: Party = r.agent ? r.agent.party : { kind: 'number', number: r.number };
    const dialog = this.dialogRec(
      r.agent ? 'CONSULTANT' : 'EXTERNAL',
      'INBOUND',
      s,
      targetParty,
      initiator.dialog.self,
      initiator.dialog.self,
      targetParty,
      calledPartyInfo(
        mode === 'consult' ? 'CONSULT_CALL' : 'TRANSFER_CALL',
        r.agent ? 'USER' : 'CONTACT',
        initiator.dialog,
        targetParty,
      ),
      null,
      r.agent ? 'USER_CALL' : 'EXTERNAL_CALL',
    );
    // A busy target agent is not bound to the seance: its own call goes on.
    const targetAgent =
      r.agent && r.agent.state === 'idle' && !r.agent.seance ? r.agent : undefined;
    const leg = this.newLeg(s, 'target', r.number, dialog, targetAgent);
    s.target = leg;
    s.phase = 'consultDialing';
    if (mode === 'consult') {
      this.agentEvent(
        a,
        'atxferStart',
        { target: s.transfer.target, hangupSide: null, state: 'dialing' },
        origin,
      );
      this.setState(a, 'consulting');
    } else {
      // Blind transfer: the agent leaves at once, the customer waits for the target.
      this.closeDialog(s, initiator, 'HANGUP');
      this.legState(s, initiator, 'hangup', { cause: 'HANGUP' });
      this.dropLeg(s, initiator, 'HANGUP');
      s.party = undefined;
      this.release(a, s, 'transferred');
    }
    this.openDialog(s, leg);
    this.legState(s, leg, 'ringing');
    this.later(s, 'targetTimeout', TARGET_RING_TIMEOUT_MS, () => this.targetFailed(s, 'noAnswer'));
    if (r.agent) {
      if (!targetAgent) {
        this.later(s, 'target', 200, () => this.targetFailed(s, 'busy'));
        return {
          ok: true,
          data: { uniqueId: s.uniqueId, ids: { seance_id: s.id, call_id: leg.id } },
        };
      }
      this.agentEvent(targetAgent, 'ringing', {
        callType: mode === 'consult' ? 'consult' : 'transfer',
        customerNumber: s.customerNumber,
      });
      this.setState(targetAgent, 'ringing');
      if (targetAgent.answers) {
        this.later(s, 'target', targetAgent.answerAfterMs, () => this.targetAnswered(s));
      }
    } else {
      const b = this.rules.resolve(r.number);
      if (b.kind === 'fail') {
        this.later(s, 'target', b.afterMs ?? 500, () => this.targetFailed(s, 'failed'));
      } else if (b.kind === 'busy') {
        this.later(s, 'target', b.afterMs ?? 1000, () => this.targetFailed(s, 'busy'));
      } else {
        this.later(s, 'alert', ALERT_AFTER_MS, () => {
          this.dialogState(s, leg, 'alerting');
          this.legState(s, leg, 'alerting');
          if (b.kind === 'answer') {
            this.later(s, 'target', Math.max(0, b.afterMs - ALERT_AFTER_MS), () =>
              this.targetAnswered(s),
            );
          } else if (b.kind === 'reject') {
            this.later(s, 'target', Math.max(0, (b.afterMs ?? 3000) - ALERT_AFTER_MS), () =>
              this.targetFailed(s, 'rejected'),
            );
          }
        });
      }
    }
    return { ok: true, data: { uniqueId: s.uniqueId, ids: { seance_id: s.id, call_id: leg.id } } };
  }

  private targetAnswered(s: Seance): void {
    const leg = s.target;
    const t = s.transfer;
    if (!leg || !t || s.phase !== 'consultDialing' || leg.answered) return;
    this.cancel(s, 'target', 'targetTimeout', 'alert');
    leg.answered = true;
    this.dialogState(s, leg, 'answered');
    this.legState(s, leg, 'answered');
    const b = leg.agent ? undefined : this.rules.resolve(leg.number);
    if (t.mode === 'consult') {
      const a = t.initiator.agent;
      this.connect(s, [t.initiator, leg], 'consult');
      this.dialogState(s, leg, 'talking');
      this.legState(s, leg, 'talking');
      s.phase = 'consultTalking';
      if (a) {
        this.agentEvent(
          a,
          'atxferLink',
          { target: t.target, hangupSide: null, state: 'talking' },
          t.origin,
        );
        this.setState(a, 'consult-talking');
      }
      if (leg.agent) this.setState(leg.agent, 'talking');
      if (b?.kind === 'answer' && b.hangupAfterMs !== undefined) {
        this.later(s, 'targetHangup', b.hangupAfterMs, () => this.legHangup(s, leg));
      }
    } else {
      if (s.main) this.linkInto(s, s.main, leg);
      this.dialogState(s, leg, 'talking');
      this.legState(s, leg, 'talking');
      this.takeOver(s, leg);
    }
  }

  /** The target leg becomes the party serving the customer (complete / blind transfer). */
  private takeOver(s: Seance, leg: Leg): void {
    this.ccs(s, 'seance_set_next_number', { number: leg.number });
    this.unhold(s);
    s.party = leg;
    s.target = undefined;
    s.transfer = undefined;
    s.threewayOrigin = undefined;
    s.meeting = undefined;
    s.completing = undefined;
    s.phase = 'talking';
    this.ccs(s, 'seance_update', {
      state: 'talking',
      info: { calls: [s.customer?.id, leg.id].filter(Boolean), number: leg.number },
    });
    if (leg.agent) {
      leg.agent.state = 'ringing'; // force an agentStatus with the new ids
      this.setState(leg.agent, 'talking', 'transferIn');
    } else {
      this.later(s, 'externalEnd', EXTERNAL_TALK_MS, () => this.legHangup(s, leg));
    }
  }

  private targetFailed(s: Seance, state: string): void {
    const leg = s.target;
    const t = s.transfer;
    if (!leg || !t || s.phase !== 'consultDialing') return;
    this.cancel(s, 'target', 'targetTimeout', 'alert');
    if (t.mode === 'blind') {
      this.endSeance(
        s,
        state === 'noAnswer' ? s.customer : leg,
        `transfer${state[0].toUpperCase()}${state.slice(1)}`,
      );
      return;
    }
    const a = t.initiator.agent;
    if (a)
      this.agentEvent(
        a,
        'atxferError',
        { target: t.target, hangupSide: state === 'noAnswer' ? 'agent' : 'target', state },
        t.origin,
      );
    this.closeDialog(s, leg, state === 'noAnswer' ? 'DIALOG_LEFT' : 'HANGUP');
    this.legState(s, leg, state);
    this.ccs(s, 'connection_failure', { call_id: leg.id, state, info: { reason: state } });
    this.dropLeg(s, leg, state === 'noAnswer' ? 'DIALOG_LEFT' : 'HANGUP');
    this.afterConsult(s, leg, state);
  }

  /** The consulted party is gone: back to agent + customer. */
  private afterConsult(s: Seance, leg: Leg, reason: string): void {
    s.target = undefined;
    s.transfer = undefined;
    s.phase = 'talking';
    this.unhold(s);
    const a = s.party?.agent;
    if (a) this.setState(a, 'talking', reason);
    if (leg.agent && leg.agent.seance === s) this.release(leg.agent, s, reason);
  }

  /** The consult ended after or before the link (cancel or the target hung up). */
  private consultEnded(s: Seance, side: 'agent' | 'target', state: string, origin?: Origin): void {
    const leg = s.target;
    const t = s.transfer;
    if (!leg || !t) return;
    this.cancel(s, 'target', 'targetTimeout', 'alert', 'targetHangup');
    const a = t.initiator.agent;
    if (a) {
      this.agentEvent(a, 'atxferEnded', { target: t.target, hangupSide: side, state }, origin);
      // A consult cancelled before the link also ends the startAtxfer operation.
      if (!leg.answered && t.origin && origin !== t.origin) {
        this.agentEvent(a, 'atxferEnded', { target: t.target, hangupSide: side, state }, t.origin);
      }
    }
    this.closeDialog(s, leg, side === 'target' ? 'HANGUP' : 'DIALOG_LEFT');
    this.legState(s, leg, 'hangup', { cause: side === 'target' ? 'HANGUP' : 'DIALOG_LEFT' });
    this.dropConnection(s, 'consult');
    this.dropLeg(s, leg, side === 'target' ? 'HANGUP' : 'DIALOG_LEFT');
    this.afterConsult(s, leg, side === 'target' ? 'targetHangup' : 'consultCanceled');
  }

  private cancelAtxfer(a: Agent, origin?: Origin): OpResult {
    const s = a.seance;
    if (
      !s ||
      a.leg !== s.party ||
      !s.transfer ||
      s.transfer.mode !== 'consult' ||
      (s.phase !== 'consultDialing' && s.phase !== 'consultTalking')
    ) {
      return invalidState(a, 'cancelAtxfer');
    }
    this.consultEnded(s, 'agent', 'canceled', origin);
    return { ok: true };
  }

  /** What a consulted external party does when the customer is brought in (its number rule). */
  private joinRule(leg: Leg): 'refuse' | 'leave' | undefined {
    if (leg.agent) return undefined;
    const b = this.rules.resolve(leg.number);
    return b.kind === 'answer' ? b.whenJoined : undefined;
  }

  /**
   * Accepted at once; the platform then bridges the consulted party into the customer's
   * connection, which takes THREEWAY_JOIN_MS. Only then does `threewayAtxferResult` (0) come.
   * A target whose rule refuses conferences gets `result` != 0; a party that hangs up before
   * the join is done ends it with `atxferThreewayUnlink` instead.
   */
  private threewayAtxfer(a: Agent, origin?: Origin): OpResult {
    const s = a.seance;
    if (!s || a.leg !== s.party || s.phase !== 'consultTalking' || !s.target || !s.main) {
      return invalidState(a, 'threewayAtxfer');
    }
    const target = s.target;
    s.phase = 'threewayJoining';
    s.threewayOrigin = origin;
    s.meeting = this.uuid();
    const rule = this.joinRule(target);
    this.later(s, 'join', THREEWAY_JOIN_MS, () => {
      if (rule === 'refuse') this.threewayRefused(s);
      else if (rule === 'leave') this.legHangup(s, target);
      else this.threewayJoined(s);
    });
    return { ok: true, data: { meeting_uuid: s.meeting } };
  }

  private threewayJoined(s: Seance): void {
    const target = s.target;
    const a = s.party?.agent;
    if (s.phase !== 'threewayJoining' || !target || !s.main || !a) return;
    const meeting = s.meeting ?? this.uuid();
    this.linkInto(s, s.main, target);
    this.dropConnection(s, 'consult');
    this.ccs(s, 'connection_update', {
      connection_id: s.main.id,
      state: 'conference',
      info: { calls: s.main.legs.filter((l) => l.alive).map((l) => l.id) },
    });
    this.unhold(s);
    for (const l of [s.customer, s.party, target]) {
      if (l?.alive) {
        this.dialog(dialogMeetingBody(l.dialog, meeting, eventTime()), this.dialogAgent(s, l));
      }
    }
    s.phase = 'threeway';
    this.agentEvent(a, 'threewayAtxferResult', { result: 0 }, s.threewayOrigin);
    this.setState(a, 'three-way');
  }

  /** The platform refuses to conference the target: the consult goes on as it was. */
  private threewayRefused(s: Seance): void {
    const a = s.party?.agent;
    const reason = 'threewayRefused';
    s.phase = 'consultTalking';
    if (a) {
      this.agentEvent(
        a,
        'threewayAtxferResult',
        { result: JOIN_RESULT[reason], reason },
        s.threewayOrigin,
      );
    }
    s.threewayOrigin = undefined;
    s.meeting = undefined;
    this.joinFailure(s, reason);
  }

  /** ccsevents: a refused join of the target's call into the customer's connection. */
  private joinFailure(s: Seance, reason: string): void {
    if (!s.target || !s.main) return;
    this.ccs(s, 'connection_failure', {
      connection_id: s.main.id,
      call_id: s.target.id,
      state: 'refused',
      info: { reason },
    });
  }

  /** The consulted party hangs up during the three-way or while it is being joined. */
  private threewayTargetLeaves(s: Seance): void {
    const leg = s.target;
    const a = s.party?.agent;
    if (!leg) return;
    this.cancel(s, 'targetHangup', 'join');
    if (a) this.agentEvent(a, 'atxferThreewayUnlink', { reason: 'targetHangup' }, s.threewayOrigin);
    this.closeDialog(s, leg, 'HANGUP');
    this.legState(s, leg, 'hangup', { cause: 'HANGUP' });
    this.dropConnection(s, 'consult');
    if (s.main) s.main.legs = s.main.legs.filter((l) => l !== leg);
    this.dropLeg(s, leg, 'HANGUP');
    s.threewayOrigin = undefined;
    s.meeting = undefined;
    this.afterConsult(s, leg, 'targetHangup');
  }

  private threewayAgentLeaves(s: Seance): void {
    const a = s.party?.agent;
    this.cancel(s, 'join');
    if (a) this.agentEvent(a, 'atxferThreewayUnlink', { reason: 'agentHangup' }, s.threewayOrigin);
    this.handOver(s, 'agentLeft');
  }

  /** The serving agent leaves; the customer stays with the target. */
  private handOver(s: Seance, reason: string): void {
    const old = s.party;
    const target = s.target;
    if (!old || !target) return;
    this.closeDialog(s, old, 'HANGUP');
    this.legState(s, old, 'hangup', { cause: 'HANGUP' });
    this.dropConnection(s, 'consult');
    if (s.main) {
      this.linkInto(s, s.main, target);
      s.main.legs = s.main.legs.filter((l) => l !== old);
    }
    this.dropLeg(s, old, 'HANGUP');
    const oldAgent = old.agent;
    this.takeOver(s, target);
    if (oldAgent && oldAgent.seance === s) this.release(oldAgent, s, reason);
  }

  /**
   * Accepted at once; the platform hands the customer over within TRANSFER_MS, then
   * `completeAtxferResult` (0). Refused by the target's rule, or abandoned because a party hung
   * up meanwhile, it ends with `result` != 0 and a reason; the call goes on without the transfer.
   */
  private completeAtxfer(a: Agent, origin?: Origin): OpResult {
    const s = a.seance;
    if (
      !s ||
      a.leg !== s.party ||
      (s.phase !== 'consultTalking' && s.phase !== 'threeway') ||
      !s.target
    ) {
      return invalidState(a, 'completeAtxfer');
    }
    const target = s.target;
    s.completing = { origin, from: s.phase };
    s.phase = 'transferring';
    const rule = this.joinRule(target);
    this.later(s, 'transfer', TRANSFER_MS, () => {
      if (rule === 'refuse') this.completeFailed(s, 'transferRefused');
      else if (rule === 'leave') this.legHangup(s, target);
      else this.transferred(s);
    });
    return { ok: true };
  }

  private transferred(s: Seance): void {
    const c = s.completing;
    const a = s.party?.agent;
    if (s.phase !== 'transferring' || !c || !a) return;
    s.completing = undefined;
    this.agentEvent(a, 'completeAtxferResult', { result: 0 }, c.origin);
    this.handOver(s, 'transferred');
  }

  /** The transfer did not happen: result != 0, back to the consult / three-way it came from. */
  private completeFailed(s: Seance, reason: string): void {
    const c = s.completing;
    if (s.phase !== 'transferring' || !c) return;
    this.cancel(s, 'transfer');
    s.completing = undefined;
    s.phase = c.from;
    const a = s.party?.agent;
    if (a) {
      this.agentEvent(a, 'completeAtxferResult', { result: JOIN_RESULT[reason], reason }, c.origin);
    }
    if (reason === 'transferRefused') this.joinFailure(s, reason);
  }

  // ---------------------------------------------------------------- call and agent control

  private inCall(a: Agent): boolean {
    return (
      !!a.seance &&
      (a.state === 'talking' ||
        a.state === 'consulting' ||
        a.state === 'consult-talking' ||
        a.state === 'three-way')
    );
  }

  /** Execute an operation (already validated) for agent `a`. */
  operate(a: Agent, op: string, params: Data, origin?: Origin): OpResult {
    switch (op) {
      case 'previewObCall':
        return this.previewObCall(a, params, origin);
      case 'startAtxfer':
        return this.startAtxfer(a, params, origin, 'consult');
      case 'blxfer':
        return this.startAtxfer(a, params, origin, 'blind');
      case 'cancelAtxfer':
        return this.cancelAtxfer(a, origin);
      case 'threewayAtxfer':
        return this.threewayAtxfer(a, origin);
      case 'completeAtxfer':
        return this.completeAtxfer(a, origin);
      case 'sipUnlink':
        return this.sipUnlink(a);
      case 'sipLink': {
        const s = a.seance;
        if (!s || (a.state !== 'pending' && a.state !== 'ringing')) return invalidState(a, op);
        if (a.leg === s.party && s.direction === 'INBOUND') this.inboundAnswered(s);
        else if (a.leg === s.party) this.previewAgentAnswered(s);
        else if (a.leg === s.target) this.targetAnswered(s);
        return { ok: true };
      }
      case 'hold':
      case 'unhold': {
        const s = a.seance;
        if (!s || a.leg !== s.party || s.phase !== 'talking' || a.state !== 'talking') {
          return invalidState(a, op);
        }
        if (op === 'hold') {
          if (s.held)
            return refuse(ERROR_CODES.invalidState, `the call of ${a.id} is already on hold`);
          this.hold(s);
        } else {
          if (!s.held)
            return refuse(ERROR_CODES.invalidState, `the call of ${a.id} is not on hold`);
          this.unhold(s);
        }
        return { ok: true };
      }
      case 'mute':
      case 'unmute': {
        const s = a.seance;
        if (!s || !a.leg || !this.inCall(a)) return invalidState(a, op);
        if ((op === 'mute') === a.muted) {
          return refuse(
            ERROR_CODES.invalidState,
            `agent ${a.id} is ${a.muted ? 'already' : 'not'} muted`,
          );
        }
        a.muted = op === 'mute';
        this.ccs(s, 'call_update', { call_id: a.leg.id, info: { muted: a.muted } }, a.id);
        return { ok: true };
      }
      case 'sendDtmf': {
        const s = a.seance;
        if (!s || !a.leg || !this.inCall(a)) return invalidState(a, op);
        for (const digit of params.digits as string) {
          this.ccs(s, 'call_dtmf', { call_id: a.leg.id, digit }, a.id);
        }
        return { ok: true };
      }
      case 'pause': {
        if (a.paused) return refuse(ERROR_CODES.invalidState, `agent ${a.id} is already paused`);
        a.paused = true;
        a.pauseType = (params.pauseType as number | undefined) ?? 1;
        this.status(a, `pause:${a.pauseType}`);
        return { ok: true };
      }
      case 'unpause': {
        if (!a.paused) return refuse(ERROR_CODES.invalidState, `agent ${a.id} is not paused`);
        a.paused = false;
        this.status(a, 'unpause');
        return { ok: true };
      }
      default:
        return refuse(ERROR_CODES.unknownOp, `operation "${op}" is not supported`);
    }
  }

  // ---------------------------------------------------------------- load generator

  private loadNumbers: string[] = [];

  /**
   * Load mode: `calls` dedicated agents each keep one preview call going (dial, bridge, talk
   * `talkMs`, hang up, again). Their events go to subscribers like any other.
   */
  startLoad(calls: number, talkMs: number): void {
    this.loadTalkMs = talkMs;
    this.loadNumbers = ['48600100201', '48600100202', '48600100203', '48600100204', '48600100205'];
    for (let i = 1; i <= calls; i++) {
      const a = this.addAgent(`L${i}`, String(900000 + i), `Load ${i}`, 0, true, true);
      this.clock.after(Math.floor(this.rng() * 100), () => this.loadNext(a));
    }
  }

  private loadNext(a: Agent): void {
    if (!a.load || a.state !== 'idle' || a.seance || this.loadTalkMs < 0) return;
    if (!this.loadGate()) {
      // Subscribers are behind: try again in 10 real ms instead of piling up frames.
      this.clock.after(10 * this.clock.speed, () => this.loadNext(a));
      return;
    }
    const number = this.loadNumbers[this.n % this.loadNumbers.length];
    this.previewObCall(a, { customerNumber: number });
  }

  /** Stop the load generator: its agents finish their calls and stay idle. */
  stopLoad(): void {
    this.loadTalkMs = -1;
  }
}
