/**
 * Whose lane a step of a call belongs to: the call's agent, the platform, the customer or a
 * consulted party. An agent event's ids say whose dialogs and legs they are (`customer_*` ids
 * are the customer's, `target_*` the consulted party's); a dialog goes by its type, a ccs leg
 * by the role the simulator names or by the customer's number; seances and connections are
 * notes over the platform.
 */
import { AGENT, CUSTOMER, PLATFORM, isRec, str, type Call, type Rec } from './record';

/** The agent takes part in the call (the first agent is the call's agent, with its own lane). */
export function noteAgent(call: Call, agent: string): void {
  if (!call.agent) {
    call.agent = agent;
    call.lanes.set(AGENT, { id: AGENT, role: 'agent', label: `agent ${agent}` });
    call.headerChanged = true;
  }
  if (!call.agents.has(agent)) {
    call.agents.add(agent);
    call.headerChanged = true;
  }
}

export function addNumber(call: Call, n: string): void {
  if (call.numbers.has(n)) return;
  call.numbers.add(n);
  call.headerChanged = true;
}

export function agentLane(call: Call, agent: string): string {
  if (agent === call.agent) return AGENT;
  return partyLane(call, agent, `agent ${agent}`);
}

function partyLane(call: Call, who: string, label: string): string {
  const id = `party:${who}`;
  if (!call.lanes.has(id)) {
    call.lanes.set(id, { id, role: 'party', label });
    call.headerChanged = true;
  }
  return id;
}

function customerLane(call: Call): string {
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

function targetLane(call: Call, target?: string): string {
  const who = target ?? call.target ?? '?';
  const isAgent = call.agents.has(who) || /^\d{3,5}$/.test(who);
  return partyLane(call, who, isAgent ? `agent ${who}` : who);
}

/** The lane of the agent who sent a request (its response and outcome come back there). */
export function requestLane(call: Call, reqId: string): string {
  const req = call.steps.find((s) => s.kind === 'request' && s.reqId === reqId);
  return req?.from ?? AGENT;
}

/** What an agent event's ids say about whose dialogs and legs they are. */
export function learnLanes(call: Call, d: Rec, agentLaneId: string): void {
  const ids = isRec(d.ids) ? d.ids : {};
  const target = str(d.target);
  for (const [field, lane] of [
    ['dialog_uuid', agentLaneId],
    ['call_id', agentLaneId],
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
        ? customerLane(call)
        : lane === 'target'
          ? targetLane(call, target)
          : lane;
    call.laneOf.set(key, id);
  }
}

export function dialogLane(call: Call, d: Rec, keys: Map<string, string>): string {
  const uuid = str(d.dialog_uuid);
  const known = uuid ? call.laneOf.get(`d:${uuid}`) : undefined;
  if (known) return known;
  let lane: string;
  if (d.dialog_type === 'EXTERNAL') {
    const n = str(d.self_target);
    if (n) {
      call.customerNumber ??= n;
      addNumber(call, n);
    }
    lane = customerLane(call);
  } else if (d.dialog_type === 'CONSULTANT') {
    const taken = [...call.laneOf.values()].includes(AGENT) || keys.has('caller_dialog_uuid');
    lane = !taken ? AGENT : targetLane(call, str(d.self_name) ?? call.target);
    if (lane === AGENT && !call.lanes.has(AGENT)) {
      call.lanes.set(AGENT, { id: AGENT, role: 'agent', label: str(d.self_name) ?? 'agent' });
    }
  } else {
    return PLATFORM;
  }
  if (uuid) call.laneOf.set(`d:${uuid}`, lane);
  return lane;
}

/**
 * The lane of a ccs event; `setAgent` is told of an agent a leg names (the agent joins the
 * call).
 */
export function ccsLane(
  call: Call,
  name: string,
  d: Rec,
  setAgent: (call: Call, agent: string) => void,
): string {
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
    lane = customerLane(call);
  } else if (info.role === 'agent') {
    const a = str(info.agent);
    if (a) setAgent(call, a);
    lane = a ? agentLane(call, a) : AGENT;
  } else if (info.role === 'target') {
    lane = targetLane(call, str(info.agent) ?? number);
  }
  if (!lane) return PLATFORM;
  call.laneOf.set(`c:${leg}`, lane);
  return lane;
}
