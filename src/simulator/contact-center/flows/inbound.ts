/**
 * Inbound calls: routed to the given agent or the next idle, unpaused one (round robin); the
 * agent's phone rings (`ringing`), it answers or the customer gives up after
 * INBOUND_RING_TIMEOUT_MS.
 */
import { calledPartyInfo, inboundCallInfo, type NumberParty } from '../../dialogs';
import type { ModelCore } from '../model';
import { INBOUND_RING_TIMEOUT_MS, type Agent, type Seance } from '../types';

/** Route an inbound call to the given agent or the next idle, unpaused one. */
export function inboundCall(
  m: ModelCore,
  number: string,
  agentId?: string,
  hangupAfterMs?: number,
): Seance | undefined {
  let a: Agent | undefined;
  if (agentId !== undefined) {
    a = m.agents.get(agentId);
    if (!a || a.load || a.paused || a.state !== 'idle' || a.seance) a = undefined;
  } else {
    const list = [...m.agents.values()].filter(
      (x) => !x.load && !x.paused && x.state === 'idle' && !x.seance,
    );
    if (list.length > 0) a = list[m.nextInbound++ % list.length];
  }
  if (!a) {
    m.emit({
      family: 'ccs',
      name: 'connection_failure',
      data: { domain: m.domain, state: 'noagent', number, info: { reason: 'noIdleAgent' } },
    });
    return undefined;
  }
  const s = m.newSeance('INBOUND', number, m.projectNumber);
  const customerParty: NumberParty = { kind: 'number', number };
  m.ccs(s, 'seance_create', { state: 'init', number, info: { direction: 'INBOUND' } }, a.id);
  const cDialog = m.dialogRec(
    'EXTERNAL',
    'OUTBOUND',
    s,
    customerParty,
    a.party,
    customerParty,
    a.party,
    inboundCallInfo(customerParty, m.projectNumber),
    null,
    'EXTERNAL_CALL',
  );
  const customer = m.newLeg(s, 'customer', number, cDialog);
  customer.answered = true;
  s.customer = customer;
  const aDialog = m.dialogRec(
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
  const leg = m.newLeg(s, 'agent', a.extension, aDialog, a);
  s.party = leg;
  m.openDialog(s, customer);
  m.openDialog(s, leg);
  m.legState(s, leg, 'ringing');
  m.agentEvent(a, 'ringing', { callType: 'inbound', customerNumber: number });
  m.setState(a, 'ringing');
  if (a.answers) m.later(s, 'agentAnswer', a.answerAfterMs, () => inboundAnswered(m, s));
  m.later(s, 'agentTimeout', INBOUND_RING_TIMEOUT_MS, () =>
    m.endSeance(s, customer, 'agentNoAnswer'),
  );
  const b = m.rules.resolve(number);
  const hang = hangupAfterMs ?? (b.kind === 'answer' ? b.hangupAfterMs : undefined);
  if (hang !== undefined) m.later(s, 'customerHangup', hang, () => m.legHangup(s, customer));
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
