/**
 * Preview outbound call (seed 000 previewObCall): the agent's phone rings first, then the
 * customer is dialled; the customer's number rule decides busy / no answer / reject / answer.
 * Process events previewObCallResult, previewObCallStart, previewObCallRinging,
 * previewObCallBridge go back to the caller's session.
 */
import { calledPartyInfo, webUserCallInfo, type AgentParty, type NumberParty } from '../../dialogs';
import { invalidState, type ModelCore } from '../model';
import {
  ALERT_AFTER_MS,
  PREVIEW_RESULT,
  type Agent,
  type Data,
  type Leg,
  type OpResult,
  type Origin,
  type Seance,
} from '../types';

export function previewObCall(m: ModelCore, a: Agent, params: Data, origin?: Origin): OpResult {
  if (a.state !== 'idle' || a.seance) return invalidState(a, 'previewObCall');
  const number = params.customerNumber as string;
  const obClid = (params.obClid as string | undefined) ?? m.projectNumber;
  const agentTimeoutMs = ((params.agentAnswerTimeout as number | undefined) ?? 30) * 1000;
  const customerTimeoutMs = ((params.customerAnswerTimeout as number | undefined) ?? 45) * 1000;
  const s = m.newSeance('OUTBOUND', number, obClid, a.domain);
  s.preview = { origin, customerTimeoutMs };
  const party: AgentParty = { ...a.party, outboundNumber: obClid };
  const customer: NumberParty = { kind: 'number', number };
  const info: Data = { direction: 'OUTBOUND' };
  if (params.channelVariables) info.channelVariables = params.channelVariables;
  m.ccs(s, 'seance_create', { state: 'init', number, info }, a.id);
  const dialog = m.dialogRec(
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
  const leg = m.newLeg(s, 'agent', a.extension, dialog, a);
  s.party = leg;
  m.agentEvent(a, 'previewObCallResult', { result: 0 }, origin);
  m.legState(s, leg, 'ringing');
  m.openDialog(s, leg);
  m.setState(a, 'pending');
  if (a.answers) m.later(s, 'agentAnswer', a.answerAfterMs, () => previewAgentAnswered(m, s));
  m.later(s, 'agentTimeout', agentTimeoutMs, () =>
    m.endSeance(s, leg, 'agentNoAnswer', {
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

export function previewAgentAnswered(m: ModelCore, s: Seance): void {
  const leg = s.party;
  const a = leg?.agent;
  if (!leg || !a || s.phase !== 'agentRinging' || !s.preview) return;
  m.cancel(s, 'agentAnswer', 'agentTimeout');
  leg.answered = true;
  m.legState(s, leg, 'answered');
  s.phase = 'dialing';
  const customerParty: NumberParty = { kind: 'number', number: s.customerNumber };
  const dialog = m.dialogRec(
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
  const customer = m.newLeg(s, 'customer', s.customerNumber, dialog);
  s.customer = customer;
  m.agentEvent(
    a,
    'previewObCallStart',
    { customerNumber: s.customerNumber, obClid: s.obClid },
    s.preview.origin,
  );
  m.openDialog(s, customer);
  m.setState(a, 'dialing');
  const b = m.rules.resolve(s.customerNumber);
  s.preview.behaviour = b;
  const fail = (reason: string, state: string, hanger: Leg) =>
    m.endSeance(s, hanger, reason, { result: PREVIEW_RESULT[reason], cause: reason, state });
  switch (b.kind) {
    case 'fail':
      m.later(s, 'customer', b.afterMs ?? 500, () => fail('failed', 'failed', customer));
      return;
    case 'busy':
      m.later(s, 'customer', b.afterMs ?? 1000, () => fail('customerBusy', 'busy', customer));
      return;
    default:
      break;
  }
  m.later(s, 'alert', ALERT_AFTER_MS, () => {
    s.phase = 'alerting';
    m.dialogState(s, customer, 'alerting');
    m.legState(s, customer, 'alerting');
    m.agentEvent(
      a,
      'previewObCallRinging',
      { state: 'ringing', customerNumber: s.customerNumber },
      s.preview?.origin,
    );
    m.setState(a, 'alerting');
    if (b.kind === 'answer') {
      m.later(s, 'customer', Math.max(0, b.afterMs - ALERT_AFTER_MS), () => previewBridge(m, s));
    } else if (b.kind === 'reject') {
      m.later(s, 'customer', Math.max(0, (b.afterMs ?? 3000) - ALERT_AFTER_MS), () =>
        fail('customerRejected', 'rejected', customer),
      );
    }
  });
  m.later(s, 'customerTimeout', s.preview.customerTimeoutMs, () =>
    fail('customerNoAnswer', 'noanswer', leg),
  );
}

function previewBridge(m: ModelCore, s: Seance): void {
  const leg = s.party;
  const customer = s.customer;
  const a = leg?.agent;
  if (!leg || !a || !customer || s.phase !== 'alerting') return;
  m.cancel(s, 'customer', 'customerTimeout', 'alert');
  customer.answered = true;
  m.dialogState(s, customer, 'answered');
  m.legState(s, customer, 'answered');
  m.talk(s, customer, leg, [leg, customer]);
  m.agentEvent(
    a,
    'previewObCallBridge',
    { channel: `SIP/${a.extension}-${leg.id}` },
    s.preview?.origin,
  );
  s.preview = undefined;
  m.setState(a, 'talking');
  const b = m.rules.resolve(s.customerNumber);
  if (b.kind === 'answer' && b.hangupAfterMs !== undefined) {
    m.later(s, 'customerHangup', b.hangupAfterMs, () => m.legHangup(s, customer));
  }
  if (a.load) m.later(s, 'loadHangup', m.load.talkMs, () => m.legHangup(s, leg));
}
