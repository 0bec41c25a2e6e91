/**
 * One call of the call sequences as it is stored: the id keys it goes by (uniqueId, seance,
 * call legs, connections, dialogs, meetings, request ids), its lanes and steps, what is known
 * of its parties, and the view handed out (./api.ts `CallView`).
 */
import type { CallView, Lane, Step } from './api';

/** Lane ids every call may have (a consulted party's lane is `party:<agent or number>`). */
export const PLATFORM = 'platform';
export const AGENT = 'agent';
export const CUSTOMER = 'customer';

export interface Call {
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

export type Rec = Record<string, unknown>;

export function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

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

/** The id keys an object carries (its own id fields and its `ids` object): key -> field. */
export function idKeys(data: unknown, out: Map<string, string> = new Map()): Map<string, string> {
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

/** A new, empty call (only the platform's lane). */
export function newCall(id: string, now: number): Call {
  return {
    id,
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
}

/** What is handed out of a call: lanes agent, platform, customer, parties; a copy of its steps. */
export function callView(c: Call, withSteps = true): CallView {
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
