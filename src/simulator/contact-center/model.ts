/**
 * The model core of the virtual contact center: agents, call legs (seed 004 "calls"), one dialog
 * per party (seed 003), connections and seances, and the building blocks every call flow uses.
 * Every change is projected into the three event families with consistent ids:
 *
 * - agent events (seed 000) carry `uniqueId` and `ids` {seance_id, call_id, customer_call_id,
 *   connection_id, dialog_uuid, customer_dialog_uuid};
 * - dialog events are the webhook bodies of seed 003;
 * - ccsevents (seed 004) carry `domain` and call_id / connection_id / seance_id.
 *
 * The model knows nothing about sockets: it hands every event to a sink. While an operation is
 * being executed the events are queued, so the server can send the response first (seed 000's
 * rule) and then flush them.
 *
 * The agent roster (./roster.ts) and the end of a seance (./ending.ts) are functions over this
 * core in their own files. The call flows live in ./flows/ as functions over this core; the core
 * never imports them. What a flow's own phases mean when a party hangs up or the seance ends
 * comes in as `PhaseRules` (assembled with the operation table in ./operations.ts).
 */
import { ERROR_CODES } from '../../protocol';
import {
  dialogCloseBody,
  dialogCreateBody,
  dialogHoldBody,
  dialogStateBody,
  eventTime,
  type DialogRec,
  type Direction,
  type Party,
  type Project,
} from '../dialogs';
import { endSeance, release } from './ending';
import { startRecord } from './recording';
import { addAgent, seedAgents } from './roster';
import { Clock, NumberRules } from '../scenario';
import {
  DEVICE_STATUS,
  type Agent,
  type AgentState,
  type Connection,
  type Data,
  type Emission,
  type Leg,
  type ModelOptions,
  type OpResult,
  type Origin,
  type Phase,
  type Seance,
} from './types';

export const refuse = (errorCode: string, message: string): OpResult => ({
  ok: false,
  errorCode,
  message,
});
export const invalidState = (a: Agent, op: string): OpResult =>
  refuse(ERROR_CODES.invalidState, `${op} is not possible while agent ${a.id} is ${a.state}`);

/** What a call flow's own phase means to the core. */
export interface PhaseRule {
  /** A party hangs up while the seance is in this phase; false = the default (end the seance). */
  hangup?(m: ModelCore, s: Seance, leg: Leg): boolean;
  /** The seance is being ended in this phase: called first, before anything is torn down. */
  ending?(m: ModelCore, s: Seance, hanger: Leg | undefined): void;
}
export type PhaseRules = Readonly<Partial<Record<Phase, PhaseRule>>>;

export class ModelCore {
  readonly agents = new Map<string, Agent>();
  readonly seances = new Map<string, Seance>();
  readonly domain: string;
  readonly project: Project;
  readonly projectNumber: string;
  readonly rules: NumberRules;
  readonly clock: Clock;
  readonly rng: () => number;
  /** Load mode asks this before each generated call; false = clients are behind, wait. */
  readonly loadGate: () => boolean;
  /** Load mode (./flows/load.ts): simulated talk time (< 0 = stopped), numbers, next call. */
  readonly load: { talkMs: number; numbers: string[]; next?: (a: Agent) => void } = {
    talkMs: 0,
    numbers: [],
  };
  /** Round-robin position of inbound routing. */
  nextInbound = 0;
  /** Every connected call is recorded (scenario `recording`). */
  readonly recording: boolean;
  /** The scenario (IVR menu, ...), for the flows. */
  readonly scenario: ModelOptions['scenario'];
  callsStarted = 0;
  private readonly sink: (e: Emission) => void;
  readonly phaseRules: PhaseRules;
  private queue: Emission[] | null = null;
  private readonly tag: string;
  private n = 0;

  constructor(opts: ModelOptions, phaseRules: PhaseRules = {}) {
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.sink = opts.sink;
    this.loadGate = opts.loadGate ?? (() => true);
    this.phaseRules = phaseRules;
    this.domain = opts.domain;
    this.project = opts.project ?? { id: 1, name: 'Demo project' };
    this.projectNumber = opts.projectNumber ?? '48221000000';
    this.rules = new NumberRules(opts.scenario);
    this.scenario = opts.scenario;
    this.recording = opts.scenario?.recording === true;
    this.tag = Math.floor(this.rng() * 0xffff)
      .toString(16)
      .padStart(4, '0');
    seedAgents(this, opts);
  }

  addAgent(
    id: string,
    extension: string,
    name?: string,
    answerAfterMs?: number,
    answers?: boolean,
    load = false,
  ): Agent {
    return addAgent(this, id, extension, name, answerAfterMs, answers, load);
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

  /** How many ids were issued so far. */
  get issued(): number {
    return this.n;
  }

  id(prefix: string): string {
    return `${prefix}-${this.tag}-${++this.n}`;
  }

  uuid(): string {
    const h = (): string =>
      Math.floor(this.rng() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    const a = h() + h() + h() + h();
    return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-${'89ab'[parseInt(a[16], 16) & 3]}${a.slice(17, 20)}-${a.slice(20, 32)}`;
  }

  emit(e: Emission): void {
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

  ids(s: Seance, leg: Leg | undefined): Data {
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

  agentEvent(a: Agent, name: string, data: Data, origin?: Origin): void {
    const s = a.seance;
    const full: Data = s ? { ...data, uniqueId: s.uniqueId, ids: this.ids(s, a.leg) } : data;
    this.emit({ family: 'agent', name, data: full, agent: a.id, origin });
  }

  status(a: Agent, reason?: string, ended?: { s: Seance; leg?: Leg }): void {
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

  setState(a: Agent, state: AgentState, reason?: string): void {
    if (a.state === state) return;
    a.state = state;
    this.status(a, reason);
  }

  ownerId(s: Seance): string | undefined {
    return s.party?.agent?.id ?? s.transfer?.initiator.agent?.id;
  }

  /**
   * A ccsevent of the seance, sent once to every domain taking part (seed 004: events are
   * duplicated to each domain whose subscriber is in the call). `leg`: the event concerns that
   * leg, so the leg's own domain receives it too, even before it takes part (a fork ringing).
   */
  ccs(s: Seance, name: string, data: Data, agent = this.ownerId(s), leg?: Leg): void {
    const domains = s.domains;
    const extra = leg && !domains.includes(leg.domain) ? leg.domain : undefined;
    for (const domain of domains) {
      this.emit({ family: 'ccs', name, data: { domain, seance_id: s.id, ...data }, agent });
    }
    if (extra !== undefined) {
      this.emit({ family: 'ccs', name, data: { domain: extra, seance_id: s.id, ...data }, agent });
    }
  }

  /** A domain starts taking part in the seance: it sees the seance's events from now on. */
  joinDomain(s: Seance, domain: string): void {
    if (!s.domains.includes(domain)) s.domains.push(domain);
  }

  dialog(body: Data, agent: string | undefined): void {
    this.emit({ family: 'dialog', name: body.event_name as string, data: body, agent });
  }

  dialogAgent(s: Seance, leg: Leg): string | undefined {
    return leg.agent?.id ?? this.ownerId(s);
  }

  openDialog(s: Seance, leg: Leg): void {
    this.dialog(dialogCreateBody(leg.dialog, this.project, eventTime()), this.dialogAgent(s, leg));
  }

  dialogState(s: Seance, leg: Leg, state: string): void {
    leg.dialog.state = state;
    this.dialog(dialogStateBody(leg.dialog, eventTime()), this.dialogAgent(s, leg));
  }

  closeDialog(s: Seance, leg: Leg, cause: 'HANGUP' | 'DIALOG_LEFT'): void {
    if (leg.dialog.closed) return;
    leg.dialog.closed = true;
    this.dialog(
      dialogCloseBody(leg.dialog, this.project, cause, eventTime()),
      this.dialogAgent(s, leg),
    );
  }

  legState(s: Seance, leg: Leg, state: string, info?: Data): void {
    this.ccs(
      s,
      'call_set_state',
      info ? { call_id: leg.id, state, info } : { call_id: leg.id, state },
      this.ownerId(s),
      leg,
    );
  }

  later(s: Seance, key: string, ms: number, fn: () => void): void {
    this.clock.cancel(s.timers.get(key));
    const t = this.clock.after(ms, () => {
      s.timers.delete(key);
      if (!s.ended) fn();
    });
    s.timers.set(key, t);
  }

  cancel(s: Seance, ...keys: string[]): void {
    for (const k of keys) {
      this.clock.cancel(s.timers.get(k));
      s.timers.delete(k);
    }
  }

  // ---------------------------------------------------------------- building blocks

  /** A new seance; `domain` is where it starts (the caller's side), default the tenant's. */
  newSeance(
    direction: Direction,
    customerNumber: string,
    obClid: string,
    domain: string = this.domain,
  ): Seance {
    const s: Seance = {
      domains: [domain],
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

  /**
   * A new leg. An agent's leg brings the agent's domain into the seance (routing reached it),
   * except a fork's: a fork's domain only sees its own fork until it answers.
   */
  newLeg(s: Seance, role: Leg['role'], number: string, dialog: DialogRec, agent?: Agent): Leg {
    const leg: Leg = {
      id: this.id('c'),
      role,
      number,
      agent,
      dialog,
      answered: false,
      alive: true,
      domain: agent?.domain ?? s.domains[0],
    };
    if (role !== 'fork') this.joinDomain(s, leg.domain);
    if (agent) {
      agent.seance = s;
      agent.leg = leg;
    }
    const info: Data = { role };
    if (agent) info.agent = agent.id;
    const owner = this.ownerId(s) ?? agent?.id;
    this.ccs(s, 'call_create', { call_id: leg.id, state: 'init', number, info }, owner, leg);
    this.ccs(s, 'call_attach_to_seance', { call_id: leg.id }, owner, leg);
    return leg;
  }

  dialogRec(
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

  connect(s: Seance, legs: Leg[], kind: 'main' | 'consult'): Connection {
    const conn: Connection = { id: this.id('cn'), legs: [...legs] };
    if (kind === 'main') s.main = conn;
    else s.consult = conn;
    this.ccs(s, 'connection_create', { connection_id: conn.id, state: 'active', info: { kind } });
    this.ccs(s, 'connection_attach_to_seance', { connection_id: conn.id });
    for (const l of legs)
      this.ccs(s, 'connection_link_call', { connection_id: conn.id, call_id: l.id });
    return conn;
  }

  linkInto(s: Seance, conn: Connection, leg: Leg): void {
    if (conn.legs.includes(leg)) return;
    conn.legs.push(leg);
    this.ccs(s, 'connection_link_call', { connection_id: conn.id, call_id: leg.id });
  }

  dropConnection(s: Seance, kind: 'main' | 'consult'): void {
    const conn = kind === 'main' ? s.main : s.consult;
    if (!conn) return;
    this.ccs(s, 'connection_delete', { connection_id: conn.id });
    if (kind === 'main') s.main = undefined;
    else s.consult = undefined;
  }

  dropLeg(s: Seance, leg: Leg, cause: string): void {
    if (!leg.alive) return;
    leg.alive = false;
    this.ccs(
      s,
      'call_delete',
      { call_id: leg.id, state: 'deleted', info: { cause } },
      this.ownerId(s),
      leg,
    );
  }

  /**
   * Return an agent to idle after its part in a seance ended: through wrap-up when it has a
   * wrap-up time, straight to offline when it was set offline during the call (./ending.ts).
   */
  release(a: Agent, s: Seance, reason: string): void {
    release(this, a, s, reason);
  }

  unhold(s: Seance): void {
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
   * The teardown itself is in ./ending.ts.
   */
  endSeance(
    s: Seance,
    hanger: Leg | undefined,
    reason: string,
    failure?: { result: number; cause: string; state: string },
  ): void {
    endSeance(this, this.phaseRules, s, hanger, reason, failure);
  }

  hold(s: Seance): void {
    if (s.held || !s.party || !s.customer) return;
    s.held = true;
    this.dialog(dialogHoldBody(s.party.dialog, eventTime()), this.dialogAgent(s, s.party));
    this.legState(s, s.customer, 'hold');
  }

  /**
   * The customer and the agent's leg talk: one main connection (legs linked in the order the
   * call was set up), then talking on both dialogs (customer first, as seed 003 shows), both
   * legs and the seance.
   */
  talk(s: Seance, customer: Leg, leg: Leg, linkOrder: [Leg, Leg]): void {
    const main = this.connect(s, linkOrder, 'main');
    startRecord(this, s, main);
    this.dialogState(s, customer, 'talking');
    this.dialogState(s, leg, 'talking');
    this.legState(s, customer, 'talking');
    this.legState(s, leg, 'talking');
    this.ccs(s, 'seance_set_state', { state: 'talking' });
    s.phase = 'talking';
  }

  // ---------------------------------------------------------------- hang-ups

  /** A party of an established call hangs up: the phase's rule, else the seance ends. */
  legHangup(s: Seance, leg: Leg): void {
    if (s.ended || !leg.alive) return;
    const rule = this.phaseRules[s.phase]?.hangup;
    if (rule && rule(this, s, leg)) return;
    this.endSeance(s, leg, `${leg.role}Hangup`);
  }
}
