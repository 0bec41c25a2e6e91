/**
 * Inbound calls, as the vendor's incoming-call page shows them: the customer's EXTERNAL dialog
 * is created `ringing` (initial_link_type CONTACT_EXTERNAL_LINK, its own uuid as
 * caller_dialog_uuid) and auto-answered by the application (`answered`) before any agent is
 * chosen; then the project rings one agent at a time (round robin): the consultant's dialog is
 * created directly `alerting`, the agent's phone rings (`ringing`), it answers or the customer
 * gives up after INBOUND_RING_TIMEOUT_MS.
 */
import { calledPartyInfo, inboundCallInfo, type NumberParty } from '../../dialogs';
import type { ModelCore } from '../model';
import { INBOUND_RING_TIMEOUT_MS, type Agent, type Leg, type Seance } from '../types';

/** The agents an inbound call may be routed to now (optionally among `among`). */
export function idleAgents(m: ModelCore, among?: readonly string[]): Agent[] {
  const out: Agent[] = [];
  for (const x of m.agents.values()) {
    if (x.load || x.paused || x.state !== 'idle' || x.seance || !x.loggedIn) continue;
    if (among && !among.includes(x.id)) continue;
    out.push(x);
  }
  return out;
}

/**
 * The next agent in round-robin order (outbound-only agents, scenario `inbound: false`, left
 * out), or the given one when it can take a call.
 */
export function pickAgent(
  m: ModelCore,
  agentId?: string,
  among?: readonly string[],
): Agent | undefined {
  const idle = idleAgents(m, among);
  if (agentId !== undefined) return idle.find((a) => a.id === agentId);
  const list = idle.filter((a) => a.inbound);
  return list.length > 0 ? list[m.nextInbound++ % list.length] : undefined;
}

/**
 * The customer calls the project number: the seance, the customer's leg and dialog, created
 * `ringing` and auto-answered by the application.
 */
export function answerCustomer(m: ModelCore, number: string, owner?: string): Seance {
  const s = m.newSeance('INBOUND', number, m.projectNumber);
  const customerParty: NumberParty = { kind: 'number', number };
  const projectParty: NumberParty = { kind: 'number', number: m.projectNumber };
  m.ccs(s, 'seance_create', { state: 'init', number, info: { direction: 'INBOUND' } }, owner);
  const cDialog = m.dialogRec(
    'EXTERNAL',
    'OUTBOUND',
    s,
    customerParty,
    projectParty,
    customerParty,
    projectParty,
    {},
    'CONTACT_EXTERNAL_LINK',
    'EXTERNAL_CALL',
  );
  cDialog.appInfo = inboundCallInfo(customerParty, m.projectNumber, cDialog.uuid);
  const customer = m.newLeg(s, 'customer', number, cDialog);
  s.customer = customer;
  m.openDialog(s, customer);
  customer.answered = true;
  m.dialogState(s, customer, 'answered');
  m.legState(s, customer, 'answered');
  return s;
}

/** The consultant's dialog of an inbound call: created directly `alerting`. */
function consultantLeg(m: ModelCore, s: Seance, a: Agent, role: Leg['role']): Leg {
  const customer = s.customer as Leg;
  const customerParty = customer.dialog.self;
  const aDialog = m.dialogRec(
    'CONSULTANT',
    'INBOUND',
    s,
    a.party,
    customerParty,
    customerParty,
    a.party,
    calledPartyInfo('EXTERNAL_INBOUND_CALL', 'USER', customer.dialog, a.party),
    null,
    'EXTERNAL_CALL',
  );
  aDialog.state = 'alerting';
  const leg = m.newLeg(s, role, a.extension, aDialog, a);
  m.openDialog(s, leg);
  m.legState(s, leg, 'ringing');
  m.agentEvent(a, 'ringing', { callType: 'inbound', customerNumber: s.customerNumber });
  m.setState(a, 'ringing');
  return leg;
}

/** Ring agent `a` for the answered customer of `s`. */
export function ringAgent(m: ModelCore, s: Seance, a: Agent): void {
  s.phase = 'agentRinging';
  const leg = consultantLeg(m, s, a, 'agent');
  s.party = leg;
  if (a.answers) m.later(s, 'agentAnswer', a.answerAfterMs, () => inboundAnswered(m, s));
  m.later(s, 'agentTimeout', INBOUND_RING_TIMEOUT_MS, () =>
    m.endSeance(s, s.customer, 'agentNoAnswer'),
  );
}

/** The customer hangs up on its own after `hangupAfterMs`, or as its number's rule says. */
export function customerLeaves(m: ModelCore, s: Seance, hangupAfterMs?: number): void {
  const customer = s.customer;
  if (!customer) return;
  const b = m.rules.resolve(s.customerNumber);
  const hang = hangupAfterMs ?? (b.kind === 'answer' ? b.hangupAfterMs : undefined);
  if (hang !== undefined) m.later(s, 'customerHangup', hang, () => m.legHangup(s, customer));
}

/** Route an inbound call to the given agent or the next idle, unpaused one. */
export function inboundCall(
  m: ModelCore,
  number: string,
  agentId?: string,
  hangupAfterMs?: number,
): Seance | undefined {
  const a = pickAgent(m, agentId);
  if (!a) {
    m.emit({
      family: 'ccs',
      name: 'connection_failure',
      data: { domain: m.domain, state: 'noagent', number, info: { reason: 'noIdleAgent' } },
    });
    return undefined;
  }
  const s = answerCustomer(m, number, a.id);
  ringAgent(m, s, a);
  customerLeaves(m, s, hangupAfterMs);
  return s;
}

export function inboundAnswered(m: ModelCore, s: Seance): void {
  const leg = s.party;
  const customer = s.customer;
  const a = leg?.agent;
  if (!leg || !a || !customer || s.phase !== 'agentRinging' || s.direction !== 'INBOUND') return;
  m.cancel(s, 'agentAnswer', 'agentTimeout');
  leg.answered = true;
  m.dialogState(s, leg, 'answered');
  m.legState(s, leg, 'answered');
  m.talk(s, customer, leg, [customer, leg]);
  m.setState(a, 'talking');
}

/** Forks of a parallel-ringing call: each agent's leg rings; the first to answer takes it. */
export function ringForks(m: ModelCore, s: Seance, agents: Agent[]): void {
  s.phase = 'agentRinging';
  s.forks = agents.map((a) => consultantLeg(m, s, a, 'fork'));
  for (const leg of s.forks) {
    const a = leg.agent as Agent;
    if (a.answers) m.later(s, `fork:${leg.id}`, a.answerAfterMs, () => forkAnswered(m, s, leg));
  }
  m.later(s, 'agentTimeout', INBOUND_RING_TIMEOUT_MS, () =>
    m.endSeance(s, s.customer, 'agentNoAnswer'),
  );
}

/** A fork that did not answer is released: its domain saw only this fork. */
export function dropFork(m: ModelCore, s: Seance, leg: Leg, cause: string): void {
  m.cancel(s, `fork:${leg.id}`);
  s.forks = (s.forks ?? []).filter((f) => f !== leg);
  m.closeDialog(s, leg, 'DIALOG_LEFT');
  m.legState(s, leg, 'canceled', { cause });
  m.dropLeg(s, leg, cause);
  const a = leg.agent;
  if (a && a.seance === s) m.release(a, s, cause);
}

/** The first fork to answer becomes the agent's leg; its domain joins the seance. */
export function forkAnswered(m: ModelCore, s: Seance, leg: Leg): void {
  if (s.phase !== 'agentRinging' || !s.forks?.includes(leg) || !s.customer) return;
  m.cancel(s, 'agentTimeout');
  for (const other of [...s.forks]) if (other !== leg) dropFork(m, s, other, 'answeredElsewhere');
  s.forks = [];
  m.joinDomain(s, leg.domain);
  leg.role = 'agent';
  s.party = leg;
  s.phase = 'agentRinging';
  inboundAnswered(m, s);
}

/** A ringing fork's agent rejects: that fork goes; with no fork left, the customer gives up. */
export function forkRejected(m: ModelCore, s: Seance, leg: Leg): void {
  dropFork(m, s, leg, 'rejected');
  if ((s.forks ?? []).length === 0) m.endSeance(s, s.customer, 'agentNoAnswer');
}

/**
 * An inbound call ringing at several agents at once: the given ones, or (with a count) that
 * many idle agents in round-robin order.
 */
export function forkedCall(
  m: ModelCore,
  number: string,
  agentIds: string[] | number,
  hangupAfterMs?: number,
): Seance | undefined {
  let agents: Agent[];
  if (typeof agentIds === 'number') {
    agents = [];
    for (let i = 0; i < agentIds; i++) {
      const a = pickAgent(m, undefined);
      if (!a || agents.includes(a)) break;
      agents.push(a);
    }
  } else {
    agents = agentIds.map((id) => pickAgent(m, id)).filter((a): a is Agent => a !== undefined);
  }
  if (agents.length === 0) return undefined;
  const s = answerCustomer(m, number);
  ringForks(m, s, agents);
  customerLeaves(m, s, hangupAfterMs);
  return s;
}
