/**
 * Complete transfer (completeAtxfer): from a consult or a three-way call the customer is handed
 * over to the target; refused, or abandoned because a party hung up, the call goes on as it was.
 */
import { invalidState, type ModelCore, type PhaseRules } from '../model';
import {
  JOIN_RESULT,
  TRANSFER_MS,
  type Agent,
  type Leg,
  type OpResult,
  type Origin,
  type Seance,
} from '../types';
import { handOver, joinFailure, joinRule } from './transfer';

/**
 * Accepted at once; the platform hands the customer over within TRANSFER_MS, then
 * `completeAtxferResult` (0). Refused by the target's rule, or abandoned because a party hung
 * up meanwhile, it ends with `result` != 0 and a reason; the call goes on without the transfer.
 */
export function completeAtxfer(m: ModelCore, a: Agent, origin?: Origin): OpResult {
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
  const rule = joinRule(m, target);
  m.later(s, 'transfer', TRANSFER_MS, () => {
    if (rule === 'refuse') completeFailed(m, s, 'transferRefused');
    else if (rule === 'leave') m.legHangup(s, target);
    else transferred(m, s);
  });
  return { ok: true };
}

export function transferred(m: ModelCore, s: Seance): void {
  const c = s.completing;
  const a = s.party?.agent;
  if (s.phase !== 'transferring' || !c || !a) return;
  s.completing = undefined;
  m.agentEvent(a, 'completeAtxferResult', { result: 0 }, c.origin);
  handOver(m, s, 'transferred');
}

/** The transfer did not happen: result != 0, back to the consult / three-way it came from. */
function completeFailed(m: ModelCore, s: Seance, reason: string): void {
  const c = s.completing;
  if (s.phase !== 'transferring' || !c) return;
  m.cancel(s, 'transfer');
  s.completing = undefined;
  s.phase = c.from;
  const a = s.party?.agent;
  if (a) {
    m.agentEvent(a, 'completeAtxferResult', { result: JOIN_RESULT[reason], reason }, c.origin);
  }
  if (reason === 'transferRefused') joinFailure(m, s, reason);
}

/** The side of a hang-up while the platform is transferring. */
const abandonReason = (s: Seance, leg: Leg): string =>
  leg === s.target ? 'targetGone' : leg === s.party ? 'agentHangup' : 'customerHangup';

/**
 * While the platform is transferring: a hang-up abandons the transfer first (back to the phase
 * it came from), then is what it would have been there; the seance ending abandons it too.
 */
export const COMPLETE_PHASES: PhaseRules = {
  transferring: {
    hangup(m, s, leg) {
      completeFailed(m, s, abandonReason(s, leg));
      if (s.phase === 'transferring') return false;
      m.legHangup(s, leg);
      return true;
    },
    ending(m, s, hanger) {
      completeFailed(m, s, hanger?.role === 'customer' ? 'customerHangup' : 'agentHangup');
    },
  },
};
