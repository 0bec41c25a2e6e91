/**
 * IVR calls, as the vendor's flow pages summarise them: the customer calls the project number
 * and is auto-answered by the IVR (the customer's dialog as for any inbound call), hears the
 * menu, chooses by DTMF (call_dtmf on the customer's leg), and is routed to the chosen
 * project's agents one at a time (round robin). With no agent free the call waits in the
 * project's queue (queueStatus) until one is, or the customer gives up.
 */
import type { ModelCore } from '../model';
import type { Agent, Leg, Seance } from '../types';
import { answerCustomer, customerLeaves, idleAgents, pickAgent, ringAgent } from './inbound';

/** Simulated ms the menu plays before the customer presses a key. */
export const IVR_MENU_MS = 1500;
/** Simulated ms a queued customer waits before giving up. */
export const QUEUE_GIVE_UP_MS = 60_000;
/** How often a queued call looks for a free agent (simulated ms). */
const QUEUE_POLL_MS = 500;

/** The default menu: 1 sales (agents 1001-1005), 2 support (the others). */
function menu(m: ModelCore): Record<string, { name: string; agents?: string[] }> {
  const configured = m.scenario?.ivr?.menu;
  if (configured && Object.keys(configured).length > 0) return configured;
  const ids = m.agentIds();
  const half = Math.max(1, Math.ceil(ids.length / 2));
  return {
    '1': { name: 'sales', agents: ids.slice(0, half) },
    '2': { name: 'support', agents: ids.slice(half) },
  };
}

/** The key the customer presses: given, from the scenario, else the number's last digit. */
function choice(m: ModelCore, number: string, keys: string[], digit?: string): string {
  if (digit !== undefined) return digit;
  const configured = m.scenario?.ivr?.digits?.[number];
  if (configured !== undefined) return configured;
  const last = Number(number.slice(-1));
  return keys[(Number.isFinite(last) ? last : 0) % keys.length];
}

/** Waiting calls per queue (the project chosen in the menu). */
const waiting = new WeakMap<ModelCore, Map<string, Seance[]>>();

function queueOf(m: ModelCore, name: string): Seance[] {
  let byName = waiting.get(m);
  if (!byName) waiting.set(m, (byName = new Map()));
  const q = (byName.get(name) ?? []).filter((x) => !x.ended);
  byName.set(name, q);
  return q;
}

function queueStatus(m: ModelCore, name: string, agents: readonly string[] | undefined): void {
  const q = queueOf(m, name);
  const oldest = q[0]?.queuedAt;
  m.emit({
    family: 'agent',
    name: 'queueStatus',
    data: {
      queue: name,
      queueName: `${m.project.name}: ${name}`,
      waiting: q.length,
      available: idleAgents(m, agents).length,
      longestWaitMs: oldest === undefined ? 0 : Math.max(0, Math.round(m.clock.now() - oldest)),
    },
  });
}

/** An IVR call (see the file's comment). */
export function ivrCall(
  m: ModelCore,
  number: string,
  digit?: string,
  hangupAfterMs?: number,
): Seance | undefined {
  const options = menu(m);
  const keys = Object.keys(options);
  if (keys.length === 0) return undefined;
  const s = answerCustomer(m, number);
  const customer = s.customer as Leg;
  const ivrDialog = m.dialogRec(
    'EXTERNAL',
    'INBOUND',
    s,
    { kind: 'number', number: m.projectNumber },
    customer.dialog.self,
    customer.dialog.self,
    { kind: 'number', number: m.projectNumber },
    {},
    null,
    'IVR',
  );
  // The IVR is not a user: it has no dialog of its own (none is created, none closed).
  ivrDialog.closed = true;
  const ivr = m.newLeg(s, 'ivr', m.projectNumber, ivrDialog);
  // While the menu plays, the IVR is the party serving the customer.
  s.party = ivr;
  m.connect(s, [customer, ivr], 'main');
  m.ccs(s, 'seance_set_state', {
    state: 'ivr',
    info: { menu: Object.fromEntries(keys.map((k) => [k, options[k].name])) },
  });
  const key = choice(m, number, keys, digit);
  customerLeaves(m, s, hangupAfterMs);
  m.later(s, 'ivrMenu', IVR_MENU_MS, () => {
    m.ccs(s, 'call_dtmf', { call_id: customer.id, digit: key }, undefined, customer);
    const option = options[key];
    // The IVR is done with the customer: its leg and connection go, the project takes over.
    m.dropConnection(s, 'main');
    m.dropLeg(s, ivr, 'routed');
    s.party = undefined;
    if (!option) {
      m.endSeance(s, undefined, 'ivrNoChoice');
      return;
    }
    m.ccs(s, 'seance_update', { info: { project: option.name, digit: key } });
    route(m, s, option.name, option.agents);
  });
  return s;
}

/** Route to the project's next free agent, or queue the call. */
function route(m: ModelCore, s: Seance, name: string, agents: readonly string[] | undefined): void {
  const a: Agent | undefined = pickAgent(m, undefined, agents);
  if (a) {
    m.ccs(s, 'seance_set_next_number', { number: a.extension });
    ringAgent(m, s, a);
    return;
  }
  s.queuedAt = m.clock.now();
  queueOf(m, name).push(s);
  m.ccs(s, 'seance_set_state', { state: 'queued', info: { queue: name } });
  queueStatus(m, name, agents);
  const leave = (): void => {
    const q = queueOf(m, name);
    const i = q.indexOf(s);
    if (i >= 0) q.splice(i, 1);
    s.queuedAt = undefined;
    queueStatus(m, name, agents);
  };
  const poll = (): void => {
    const next = pickAgent(m, undefined, agents);
    if (!next) {
      m.later(s, 'queuePoll', QUEUE_POLL_MS, poll);
      return;
    }
    m.cancel(s, 'queueGiveUp');
    leave();
    m.ccs(s, 'seance_set_next_number', { number: next.extension });
    ringAgent(m, s, next);
  };
  m.later(s, 'queuePoll', QUEUE_POLL_MS, poll);
  m.later(s, 'queueGiveUp', QUEUE_GIVE_UP_MS, () => {
    m.cancel(s, 'queuePoll');
    leave();
    m.endSeance(s, s.customer, 'customerAbandoned');
  });
}
