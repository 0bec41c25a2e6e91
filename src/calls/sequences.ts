/**
 * Call sequences (contract in ./api.ts): groups operations and events of one gateway into calls
 * by the ids they carry (uniqueId, seance, call legs, connections, dialogs, meetings, request
 * ids; two calls that turn out to share an id become one), and gives each step its lanes:
 *
 * - an operation goes from the agent who runs it to the platform; its response comes back
 *   dashed; its outcome is a note over that agent;
 * - an agent event goes from the platform to the agent it is addressed to (the call's agent,
 *   or a consulted agent's lane);
 * - a dialog or ccs event goes from the platform to the party whose dialog or leg it is (by the
 *   ids the agent events name: `customer_*` ids are the customer's, `target_*` the consulted
 *   party's), or is a note over the platform (seances, connections); a dialog closed by its own
 *   party's hang-up (`close_cause` HANGUP) goes from that party to the platform.
 *
 * Bounded: live calls, steps per call, ended calls kept and their age.
 */
import { getOperation, type EventFamily } from '../protocol/catalogue';
import type {
  CallChanges,
  CallDelta,
  CallSequencesApi,
  CallSequencesOptions,
  CallView,
  Lane,
  OperationOutcome,
  OperationRequest,
  OperationResponse,
  Step,
} from './api';
import { stepLabel } from './labels';

/** Agent states after a call (the agent family's `agentStatus.state`). */
const AGENT_FREE = new Set(['idle', 'wrap-up', 'paused', 'offline']);

const DEFAULTS = {
  keepEnded: 20,
  endedTtlMs: 600_000,
  idleMs: 900_000,
  maxLive: 500,
  maxSteps: 400,
};

/** Id fields and the key prefix each is grouped by. */
const ID_KINDS: Record<string, string> = {
  uniqueId: 'u',
  seance_id: 's',
  call_id: 'c',
  customer_call_id: 'c',
  target_call_id: 'c',
  connection_id: 'n',
  dialog_uuid: 'd',
  customer_dialog_uuid: 'd',
  target_dialog_uuid: 'd',
  caller_dialog_uuid: 'd',
  meeting_uuid: 'm',
};

const PLATFORM = 'platform';
const AGENT = 'agent';
const CUSTOMER = 'customer';

interface Call {
  id: string;
  keys: Set<string>;
  agent?: string;
  /** Consulted party (agent id or number), from the consult request. */
  target?: string;
  customerNumber?: string;
  lanes: Map<string, Lane>;
  /** id key -> lane id (dialogs and legs of known parties). */
  laneOf: Map<string, string>;
  steps: Step[];
  dropped: number;
  sent: number;
  startedAt: number;
  lastAt: number;
  endedAt?: number;
  agents: Set<string>;
  numbers: Set<string>;
  /** Open dialogs (uuid) and whether any was seen. */
  openDialogs: Set<string>;
  sawDialog: boolean;
  /** The call's agent's last status was one after a call (idle, wrap-up, paused, offline). */
  agentFree?: boolean;
  /** Request ids in flight. */
  pending: Set<string>;
  headerChanged: boolean;
}

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** The id keys an object carries (its own id fields and its `ids` object). */
function idKeys(data: unknown, out: Map<string, string> = new Map()): Map<string, string> {
  if (!isRec(data)) return out;
  for (const [field, kind] of Object.entries(ID_KINDS)) {
    const v = str(data[field]);
    if (v) out.set(`${kind}:${v}`, field);
  }
  if (isRec(data.ids)) idKeys(data.ids, out);
  const app = data.initial_application_info;
  if (isRec(app) && isRec(app.data)) {
    const caller = str(app.data.caller_dialog_uuid);
    if (caller) out.set(`d:${caller}`, 'caller_dialog_uuid');
  }
  return out;
}

export class CallSequences implements CallSequencesApi {
  private readonly opts: Required<Omit<CallSequencesOptions, 'now'>>;
  private readonly now: () => number;
  /** id key -> call. */
  private readonly byKey = new Map<string, Call>();
  /** Live calls by id, in order of last activity (oldest first). */
  private readonly live = new Map<string, Call>();
  /** Ended calls by id, oldest first. */
  private readonly ended = new Map<string, Call>();
  /** Agent -> the live call the agent is on (operations without ids go there). */
  private readonly current = new Map<string, Call>();
  private readonly dirty = new Set<Call>();
  private removed: string[] = [];
  private nextId = 1;

  constructor(options: CallSequencesOptions = {}) {
    this.opts = {
      keepEnded: options.keepEnded ?? DEFAULTS.keepEnded,
      endedTtlMs: options.endedTtlMs ?? DEFAULTS.endedTtlMs,
      idleMs: options.idleMs ?? DEFAULTS.idleMs,
      maxLive: options.maxLive ?? DEFAULTS.maxLive,
      maxSteps: options.maxSteps ?? DEFAULTS.maxSteps,
    };
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.live.size + this.ended.size;
  }

  request(req: OperationRequest): void {
    const spec = getOperation(req.op);
    if (!spec || spec.kind === 'agentControl') return;
    const keys = new Map([[`r:${req.reqId}`, 'reqId']]);
    let call: Call | undefined;
    // Only a preview call starts a call; the other operations act on the agent's current one.
    if (req.op !== 'previewObCall') call = this.current.get(req.agent);
    call = this.join(keys, call);
    this.setAgent(call, req.agent);
    const lane = this.agentLane(call, req.agent);
    if (req.op === 'previewObCall') {
      const number = str(req.params.customerNumber);
      if (number) {
        call.customerNumber ??= number;
        this.addNumber(call, number);
      }
    }
    if (req.op === 'startAtxfer' || req.op === 'blxfer') {
      const target = str(req.params.target);
      if (target) {
        call.target = target;
        if (req.params.targetType === 1 || req.params.targetType === '1') call.agents.add(target);
        else this.addNumber(call, target);
      }
    }
    call.pending.add(req.reqId);
    this.add(call, {
      kind: 'request',
      from: lane,
      to: PLATFORM,
      name: req.op,
      reqId: req.reqId,
      data: req.params,
    });
  }

  response(reqId: string, resp: OperationResponse): void {
    const call = this.byKey.get(`r:${reqId}`);
    if (!call) return;
    const keys = idKeys(resp.data);
    const joined = this.join(keys, call);
    const lane = this.requestLane(joined, reqId);
    this.add(joined, {
      kind: 'response',
      from: PLATFORM,
      to: lane,
      name: resp.op,
      reqId,
      failed: resp.code !== 0,
      data: resp,
    });
  }

  outcome(reqId: string, result: OperationOutcome): void {
    const call = this.byKey.get(`r:${reqId}`);
    if (!call) return;
    const joined = result.ids ? this.join(idKeys({ ids: result.ids }), call) : call;
    const lane = this.requestLane(joined, reqId);
    const request = joined.steps.find((s) => s.kind === 'request' && s.reqId === reqId);
    this.add(joined, {
      kind: 'outcome',
      from: lane,
      to: lane,
      name: request?.name ?? 'operation',
      reqId,
      failed: result.outcome === 'failed',
      data: result,
    });
    joined.pending.delete(reqId);
    // A call made of operations only (a refused preview call, a failed one before any event,
    // an operation on no call the sidebar knows): over once nothing is pending.
    const onlyOps = joined.steps.every((s) => s.kind !== 'event');
    if (onlyOps && joined.pending.size === 0) this.end(joined);
    else if (this.agentOnlyOver(joined)) this.end(joined);
    else if (request?.name === 'previewObCall' && result.outcome === 'failed' && !joined.sawDialog)
      this.end(joined);
  }

  event(family: EventFamily, name: string, data: unknown, agent?: string): void {
    const keys = idKeys(data);
    if (keys.size === 0) return; // nothing to attach it to (agent status without a call)
    // An agent idle again with no call ids beyond its own is not worth a new call.
    let call = this.findCall(keys);
    if (!call && family === 'agent' && name === 'agentStatus') return;
    call = this.join(keys, call);
    const d = isRec(data) ? data : {};
    let from = PLATFORM;
    let to = PLATFORM;
    if (family === 'agent') {
      if (agent) {
        this.setAgent(call, agent);
        to = this.agentLane(call, agent);
        this.learnLanes(call, d, to);
      }
    } else if (family === 'dialog') {
      to = this.dialogLane(call, d, keys);
      const uuid = str(d.dialog_uuid);
      if (uuid) {
        call.sawDialog = true;
        if (name === 'dialog_close') call.openDialogs.delete(uuid);
        else call.openDialogs.add(uuid);
      }
      if (name === 'dialog_close' && d.close_cause === 'HANGUP') [from, to] = [to, PLATFORM];
    } else {
      to = this.ccsLane(call, name, d);
    }
    this.add(call, {
      kind: 'event',
      from,
      to,
      name,
      family,
      failed:
        name === 'connection_failure' ||
        (isRec(d) && typeof d.result === 'number' && d.result !== 0),
      data,
    });
    if (name === 'seance_delete') this.end(call);
    else if (family === 'agent' && name === 'agentStatus' && agent && agent === call.agent) {
      call.agentFree = AGENT_FREE.has(str(d.state) ?? '');
      if (this.agentOnlyOver(call)) this.end(call);
    } else if (family === 'dialog' && name === 'dialog_close' && call.openDialogs.size === 0) {
      // Every dialog seen is closed: the call is over unless a seance is still open.
      if (![...call.keys].some((k) => k.startsWith('s:'))) this.end(call);
    }
  }

  /**
   * A platform that sends the agent family only (Tinet's pushes: no dialog or ccs events to
   * close a call) tells the end of a call by its agent's status: the call is over once its
   * agent is idle, in wrap-up, paused or offline again and none of its operations is pending.
   */
  private agentOnlyOver(call: Call): boolean {
    if (!call.agentFree || call.pending.size > 0) return false;
    return call.steps.every((s) => s.kind !== 'event' || s.family === 'agent');
  }

  calls(): CallView[] {
    const live = [...this.live.values()].reverse();
    const ended = [...this.ended.values()].reverse();
    return [...live, ...ended].map((c) => this.view(c));
  }

  call(id: string): CallView | undefined {
    const c = this.live.get(id) ?? this.ended.get(id);
    return c ? this.view(c) : undefined;
  }

  drain(): CallChanges {
    const calls: CallDelta[] = [];
    for (const c of this.dirty) {
      if (!this.live.has(c.id) && !this.ended.has(c.id)) continue;
      const head = this.view(c, false);
      calls.push({ ...head, stepsFrom: c.sent, steps: c.steps.slice(c.sent) });
      c.sent = c.steps.length;
      c.headerChanged = false;
    }
    this.dirty.clear();
    const removed = this.removed;
    this.removed = [];
    return { calls, removed };
  }

  sweep(): void {
    const now = this.now();
    for (const c of [...this.live.values()]) {
      if (now - c.lastAt >= this.opts.idleMs) this.end(c);
      else break; // ordered by last activity
    }
    for (const c of [...this.ended.values()]) {
      if (now - (c.endedAt ?? now) >= this.opts.endedTtlMs) this.forget(c);
    }
  }

  // --- grouping -----------------------------------------------------------------------------

  private findCall(keys: Map<string, string>): Call | undefined {
    for (const k of keys.keys()) {
      const c = this.byKey.get(k);
      if (c) return c;
    }
    return undefined;
  }

  /** The call of these keys (merging the calls they name), or `into`, or a new call. */
  private join(keys: Map<string, string>, into?: Call): Call {
    let call = into;
    for (const k of keys.keys()) {
      const other = this.byKey.get(k);
      if (!other || other === call) continue;
      call = call ? this.merge(call, other) : other;
    }
    if (!call) call = this.create();
    for (const k of keys.keys()) {
      if (this.byKey.get(k) === call) continue;
      this.byKey.set(k, call);
      call.keys.add(k);
    }
    return call;
  }

  private create(): Call {
    const now = this.now();
    const call: Call = {
      id: `call-${this.nextId++}`,
      keys: new Set(),
      lanes: new Map([[PLATFORM, { id: PLATFORM, role: 'platform', label: 'platform' }]]),
      laneOf: new Map(),
      steps: [],
      dropped: 0,
      sent: 0,
      startedAt: now,
      lastAt: now,
      agents: new Set(),
      numbers: new Set(),
      openDialogs: new Set(),
      sawDialog: false,
      pending: new Set(),
      headerChanged: true,
    };
    this.live.set(call.id, call);
    while (this.live.size > this.opts.maxLive) {
      const oldest = this.live.values().next().value as Call;
      this.end(oldest);
    }
    return call;
  }

  /** Fold the younger call into the older one (steps in time order). */
  private merge(a: Call, b: Call): Call {
    const [keep, gone] = a.startedAt <= b.startedAt ? [a, b] : [b, a];
    for (const k of gone.keys) {
      this.byKey.set(k, keep);
      keep.keys.add(k);
    }
    keep.agent ??= gone.agent;
    keep.target ??= gone.target;
    keep.customerNumber ??= gone.customerNumber;
    for (const [id, lane] of gone.lanes) if (!keep.lanes.has(id)) keep.lanes.set(id, lane);
    for (const [k, l] of gone.laneOf) if (!keep.laneOf.has(k)) keep.laneOf.set(k, l);
    for (const x of gone.agents) keep.agents.add(x);
    for (const x of gone.numbers) keep.numbers.add(x);
    for (const x of gone.openDialogs) keep.openDialogs.add(x);
    for (const x of gone.pending) keep.pending.add(x);
    keep.sawDialog ||= gone.sawDialog;
    const steps = [...keep.steps, ...gone.steps].sort((x, y) => x.ts - y.ts);
    keep.steps = steps.slice(0, this.opts.maxSteps).map((s, n) => ({ ...s, n }));
    keep.dropped += gone.dropped + Math.max(0, steps.length - this.opts.maxSteps);
    keep.sent = 0; // renumbered: the sidebar gets the whole call again
    keep.lastAt = Math.max(keep.lastAt, gone.lastAt);
    keep.headerChanged = true;
    for (const [agent, c] of this.current) if (c === gone) this.current.set(agent, keep);
    this.live.delete(gone.id);
    this.ended.delete(gone.id);
    this.dirty.delete(gone);
    this.removed.push(gone.id);
    if (keep.endedAt !== undefined && gone.endedAt === undefined) {
      // New life in an ended call (a late event of the same ids): live again.
      this.ended.delete(keep.id);
      keep.endedAt = undefined;
      this.live.set(keep.id, keep);
    }
    this.dirty.add(keep);
    return keep;
  }

  private add(call: Call, step: Omit<Step, 'n' | 'ts' | 'label'>): void {
    const now = this.now();
    call.lastAt = now;
    if (call.endedAt === undefined) {
      // keep the live map ordered by activity
      this.live.delete(call.id);
      this.live.set(call.id, call);
    }
    this.dirty.add(call);
    if (call.steps.length >= this.opts.maxSteps) {
      call.dropped++;
      call.headerChanged = true;
      return;
    }
    const full = { ...step, n: call.steps.length, ts: now } as Step;
    full.label = stepLabel(full);
    call.steps.push(full);
  }

  private end(call: Call): void {
    if (call.endedAt !== undefined) return;
    call.endedAt = this.now();
    call.headerChanged = true;
    this.dirty.add(call);
    this.live.delete(call.id);
    this.ended.set(call.id, call);
    for (const [agent, c] of this.current) if (c === call) this.current.delete(agent);
    while (this.ended.size > this.opts.keepEnded) {
      this.forget(this.ended.values().next().value as Call);
    }
  }

  private forget(call: Call): void {
    this.ended.delete(call.id);
    this.live.delete(call.id);
    for (const k of call.keys) if (this.byKey.get(k) === call) this.byKey.delete(k);
    for (const [agent, c] of this.current) if (c === call) this.current.delete(agent);
    this.dirty.delete(call);
    this.removed.push(call.id);
  }

  // --- lanes --------------------------------------------------------------------------------

  private setAgent(call: Call, agent: string): void {
    if (!call.agent) {
      call.agent = agent;
      call.lanes.set(AGENT, { id: AGENT, role: 'agent', label: `agent ${agent}` });
      call.headerChanged = true;
    }
    if (!call.agents.has(agent)) {
      call.agents.add(agent);
      call.headerChanged = true;
    }
    // Every agent of a live call acts on it (a consulted agent hanging up, for one).
    if (call.endedAt === undefined) this.current.set(agent, call);
  }

  private agentLane(call: Call, agent: string): string {
    if (agent === call.agent) return AGENT;
    return this.partyLane(call, agent, `agent ${agent}`);
  }

  private partyLane(call: Call, who: string, label: string): string {
    const id = `party:${who}`;
    if (!call.lanes.has(id)) {
      call.lanes.set(id, { id, role: 'party', label });
      call.headerChanged = true;
    }
    return id;
  }

  private customerLane(call: Call): string {
    if (!call.lanes.has(CUSTOMER)) {
      const n = call.customerNumber;
      call.lanes.set(CUSTOMER, {
        id: CUSTOMER,
        role: 'customer',
        label: n ? `customer ${n}` : 'customer',
      });
      call.headerChanged = true;
    }
    return CUSTOMER;
  }

  private targetLane(call: Call, target?: string): string {
    const who = target ?? call.target ?? '?';
    const isAgent = call.agents.has(who) || /^\d{3,5}$/.test(who);
    return this.partyLane(call, who, isAgent ? `agent ${who}` : who);
  }

  private requestLane(call: Call, reqId: string): string {
    const req = call.steps.find((s) => s.kind === 'request' && s.reqId === reqId);
    return req?.from ?? AGENT;
  }

  /** What an agent event's ids say about whose dialogs and legs they are. */
  private learnLanes(call: Call, d: Rec, agentLane: string): void {
    const ids = isRec(d.ids) ? d.ids : {};
    const target = str(d.target);
    for (const [field, lane] of [
      ['dialog_uuid', agentLane],
      ['call_id', agentLane],
      ['customer_dialog_uuid', 'customer'],
      ['customer_call_id', 'customer'],
      ['target_dialog_uuid', 'target'],
      ['target_call_id', 'target'],
    ] as const) {
      const v = str(ids[field]);
      if (!v) continue;
      const key = `${field.endsWith('uuid') ? 'd' : 'c'}:${v}`;
      if (call.laneOf.has(key)) continue;
      const id =
        lane === 'customer'
          ? this.customerLane(call)
          : lane === 'target'
            ? this.targetLane(call, target)
            : lane;
      call.laneOf.set(key, id);
    }
  }

  private dialogLane(call: Call, d: Rec, keys: Map<string, string>): string {
    const uuid = str(d.dialog_uuid);
    const known = uuid ? call.laneOf.get(`d:${uuid}`) : undefined;
    if (known) return known;
    let lane: string;
    if (d.dialog_type === 'EXTERNAL') {
      const n = str(d.self_target);
      if (n) {
        call.customerNumber ??= n;
        this.addNumber(call, n);
      }
      lane = this.customerLane(call);
    } else if (d.dialog_type === 'CONSULTANT') {
      const taken = [...call.laneOf.values()].includes(AGENT) || keys.has('caller_dialog_uuid');
      lane = !taken ? AGENT : this.targetLane(call, str(d.self_name) ?? call.target);
      if (lane === AGENT && !call.lanes.has(AGENT)) {
        call.lanes.set(AGENT, { id: AGENT, role: 'agent', label: str(d.self_name) ?? 'agent' });
      }
    } else {
      return PLATFORM;
    }
    if (uuid) call.laneOf.set(`d:${uuid}`, lane);
    return lane;
  }

  private ccsLane(call: Call, name: string, d: Rec): string {
    const leg = str(d.call_id);
    if (!leg || name.startsWith('seance_')) return PLATFORM;
    if (name.startsWith('connection_') && name !== 'connection_link_call') return PLATFORM;
    const known = call.laneOf.get(`c:${leg}`);
    if (known) return known;
    // The simulator says whose leg it is (`info.role`); other platforms fall back on numbers.
    const info = isRec(d.info) ? d.info : {};
    const number = str(d.number);
    let lane: string | undefined;
    if (info.role === 'customer' || (number && number === call.customerNumber)) {
      lane = this.customerLane(call);
    } else if (info.role === 'agent') {
      const a = str(info.agent);
      if (a) this.setAgent(call, a);
      lane = a ? this.agentLane(call, a) : AGENT;
    } else if (info.role === 'target') {
      lane = this.targetLane(call, str(info.agent) ?? number);
    }
    if (!lane) return PLATFORM;
    call.laneOf.set(`c:${leg}`, lane);
    return lane;
  }

  private addNumber(call: Call, n: string): void {
    if (call.numbers.has(n)) return;
    call.numbers.add(n);
    call.headerChanged = true;
  }

  // --- views --------------------------------------------------------------------------------

  private view(c: Call, withSteps = true): CallView {
    const order = (l: Lane): number =>
      l.role === 'agent' ? 0 : l.role === 'platform' ? 1 : l.role === 'customer' ? 2 : 3;
    const lanes = [...c.lanes.values()].sort((a, b) => order(a) - order(b));
    const whom = c.customerNumber ?? [...c.numbers][0] ?? '?';
    return {
      id: c.id,
      title: `${c.agent ?? '?'} -> ${whom}`,
      state: c.endedAt === undefined ? 'live' : 'ended',
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      agents: [...c.agents],
      numbers: [...c.numbers],
      lanes,
      steps: withSteps ? c.steps.slice() : [],
      dropped: c.dropped,
    };
  }
}
