/**
 * Consult (startAtxfer) and blind transfer (blxfer): the customer is held, the target is
 * dialled; answered, the consult connection links agent and target (consult) or the target
 * takes the customer over (blind). Also cancelAtxfer, resumeAtxfer, and what a hang-up means while the
 * target rings or talks.
 */
import { calledPartyInfo, type Party } from '../../dialogs';
import { invalidState, type ModelCore, type PhaseRules } from '../model';
import {
  ALERT_AFTER_MS,
  TARGET_RING_TIMEOUT_MS,
  type Agent,
  type Data,
  type OpResult,
  type Origin,
  type Seance,
} from '../types';
import { afterConsult, resolveTarget, takeOver } from './transfer';

export function startAtxfer(
  m: ModelCore,
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
  const r = resolveTarget(m, a, params);
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
  m.hold(s);
  const targetParty: Party = r.agent ? r.agent.party : { kind: 'number', number: r.number };
  const dialog = m.dialogRec(
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
  const targetAgent = r.agent && r.agent.state === 'idle' && !r.agent.seance ? r.agent : undefined;
  const leg = m.newLeg(s, 'target', r.number, dialog, targetAgent);
  s.target = leg;
  s.phase = 'consultDialing';
  if (mode === 'consult') {
    m.agentEvent(
      a,
      'atxferStart',
      { target: s.transfer.target, hangupSide: null, state: 'dialing' },
      origin,
    );
    m.setState(a, 'consulting');
  } else {
    // Blind transfer: the agent leaves at once, the customer waits for the target.
    m.closeDialog(s, initiator, 'HANGUP');
    m.legState(s, initiator, 'hangup', { cause: 'HANGUP' });
    m.dropLeg(s, initiator, 'HANGUP');
    s.party = undefined;
    m.release(a, s, 'transferred');
  }
  m.openDialog(s, leg);
  m.legState(s, leg, 'ringing');
  m.later(s, 'targetTimeout', TARGET_RING_TIMEOUT_MS, () => targetFailed(m, s, 'noAnswer'));
  if (r.agent) {
    if (!targetAgent) {
      m.later(s, 'target', 200, () => targetFailed(m, s, 'busy'));
      return {
        ok: true,
        data: { uniqueId: s.uniqueId, ids: { seance_id: s.id, call_id: leg.id } },
      };
    }
    m.agentEvent(targetAgent, 'ringing', {
      callType: mode === 'consult' ? 'consult' : 'transfer',
      customerNumber: s.customerNumber,
    });
    m.setState(targetAgent, 'ringing');
    if (targetAgent.answers) {
      m.later(s, 'target', targetAgent.answerAfterMs, () => targetAnswered(m, s));
    }
  } else {
    const b = m.rules.resolve(r.number);
    if (b.kind === 'fail') {
      m.later(s, 'target', b.afterMs ?? 500, () => targetFailed(m, s, 'failed'));
    } else if (b.kind === 'busy') {
      m.later(s, 'target', b.afterMs ?? 1000, () => targetFailed(m, s, 'busy'));
    } else {
      m.later(s, 'alert', ALERT_AFTER_MS, () => {
        m.dialogState(s, leg, 'alerting');
        m.legState(s, leg, 'alerting');
        if (b.kind === 'answer') {
          m.later(s, 'target', Math.max(0, b.afterMs - ALERT_AFTER_MS), () => targetAnswered(m, s));
        } else if (b.kind === 'reject') {
          m.later(s, 'target', Math.max(0, (b.afterMs ?? 3000) - ALERT_AFTER_MS), () =>
            targetFailed(m, s, 'rejected'),
          );
        }
      });
    }
  }
  return { ok: true, data: { uniqueId: s.uniqueId, ids: { seance_id: s.id, call_id: leg.id } } };
}

export function targetAnswered(m: ModelCore, s: Seance): void {
  const leg = s.target;
  const t = s.transfer;
  if (!leg || !t || s.phase !== 'consultDialing' || leg.answered) return;
  m.cancel(s, 'target', 'targetTimeout', 'alert');
  leg.answered = true;
  m.dialogState(s, leg, 'answered');
  m.legState(s, leg, 'answered');
  const b = leg.agent ? undefined : m.rules.resolve(leg.number);
  if (t.mode === 'consult') {
    const a = t.initiator.agent;
    m.connect(s, [t.initiator, leg], 'consult');
    m.dialogState(s, leg, 'talking');
    m.legState(s, leg, 'talking');
    s.phase = 'consultTalking';
    if (a) {
      m.agentEvent(
        a,
        'atxferLink',
        { target: t.target, hangupSide: null, state: 'talking' },
        t.origin,
      );
      m.setState(a, 'consult-talking');
    }
    if (leg.agent) m.setState(leg.agent, 'talking');
    if (b?.kind === 'answer' && b.hangupAfterMs !== undefined) {
      m.later(s, 'targetHangup', b.hangupAfterMs, () => m.legHangup(s, leg));
    }
  } else {
    if (s.main) m.linkInto(s, s.main, leg);
    m.dialogState(s, leg, 'talking');
    m.legState(s, leg, 'talking');
    takeOver(m, s, leg);
  }
}

export function targetFailed(m: ModelCore, s: Seance, state: string): void {
  const leg = s.target;
  const t = s.transfer;
  if (!leg || !t || s.phase !== 'consultDialing') return;
  m.cancel(s, 'target', 'targetTimeout', 'alert');
  if (t.mode === 'blind') {
    m.endSeance(
      s,
      state === 'noAnswer' ? s.customer : leg,
      `transfer${state[0].toUpperCase()}${state.slice(1)}`,
    );
    return;
  }
  const a = t.initiator.agent;
  if (a)
    m.agentEvent(
      a,
      'atxferError',
      { target: t.target, hangupSide: state === 'noAnswer' ? 'agent' : 'target', state },
      t.origin,
    );
  m.closeDialog(s, leg, state === 'noAnswer' ? 'DIALOG_LEFT' : 'HANGUP');
  m.legState(s, leg, state);
  m.ccs(s, 'connection_failure', { call_id: leg.id, state, info: { reason: state } });
  m.dropLeg(s, leg, state === 'noAnswer' ? 'DIALOG_LEFT' : 'HANGUP');
  afterConsult(m, s, leg, state);
}

/** The consult ended after or before the link (cancel or the target hung up). */
function consultEnded(
  m: ModelCore,
  s: Seance,
  side: 'agent' | 'target',
  state: string,
  origin?: Origin,
): void {
  const leg = s.target;
  const t = s.transfer;
  if (!leg || !t) return;
  m.cancel(s, 'target', 'targetTimeout', 'alert', 'targetHangup');
  const a = t.initiator.agent;
  if (a) {
    m.agentEvent(a, 'atxferEnded', { target: t.target, hangupSide: side, state }, origin);
    // A consult cancelled before the link also ends the startAtxfer operation.
    if (!leg.answered && t.origin && origin !== t.origin) {
      m.agentEvent(a, 'atxferEnded', { target: t.target, hangupSide: side, state }, t.origin);
    }
  }
  m.closeDialog(s, leg, side === 'target' ? 'HANGUP' : 'DIALOG_LEFT');
  m.legState(s, leg, 'hangup', { cause: side === 'target' ? 'HANGUP' : 'DIALOG_LEFT' });
  m.dropConnection(s, 'consult');
  m.dropLeg(s, leg, side === 'target' ? 'HANGUP' : 'DIALOG_LEFT');
  afterConsult(m, s, leg, side === 'target' ? 'targetHangup' : 'consultCanceled');
}

export function cancelAtxfer(m: ModelCore, a: Agent, origin?: Origin): OpResult {
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
  consultEnded(m, s, 'agent', 'canceled', origin);
  return { ok: true };
}

/**
 * Back to the customer from a connected consult (resumeAtxfer): the consulted party is released
 * and the customer taken off hold, as a cancel; only once the consult is linked.
 */
export function resumeAtxfer(m: ModelCore, a: Agent, origin?: Origin): OpResult {
  const s = a.seance;
  if (
    !s ||
    a.leg !== s.party ||
    !s.transfer ||
    s.transfer.mode !== 'consult' ||
    s.phase !== 'consultTalking'
  ) {
    return invalidState(a, 'resumeAtxfer');
  }
  consultEnded(m, s, 'agent', 'resumed', origin);
  return { ok: true };
}

/** A hang-up while the target rings or talks with the agent. */
export const CONSULT_PHASES: PhaseRules = {
  consultDialing: {
    hangup(m, s, leg) {
      if (leg !== s.target) return false;
      targetFailed(m, s, 'rejected');
      return true;
    },
  },
  consultTalking: {
    hangup(m, s, leg) {
      if (leg !== s.target) return false;
      consultEnded(m, s, 'target', 'ended', s.transfer?.origin);
      return true;
    },
  },
};
