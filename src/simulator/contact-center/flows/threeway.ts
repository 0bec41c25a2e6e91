/**
 * Three-way call (threewayAtxfer): the consulted party is bridged into the customer's
 * connection; the parties leaving it afterwards.
 */
import { dialogMeetingBody, eventTime } from '../../dialogs';
import { invalidState, type ModelCore, type PhaseRules } from '../model';
import {
  JOIN_RESULT,
  THREEWAY_JOIN_MS,
  type Agent,
  type Leg,
  type OpResult,
  type Origin,
  type Seance,
} from '../types';
import { afterConsult, handOver, joinFailure, joinRule } from './transfer';

/**
 * Accepted at once; the platform then bridges the consulted party into the customer's
 * connection, which takes THREEWAY_JOIN_MS. Only then does `threewayAtxferResult` (0) come.
 * A target whose rule refuses conferences gets `result` != 0; a party that hangs up before
 * the join is done ends it with `atxferThreewayUnlink` instead.
 */
export function threewayAtxfer(m: ModelCore, a: Agent, origin?: Origin): OpResult {
  const s = a.seance;
  if (!s || a.leg !== s.party || s.phase !== 'consultTalking' || !s.target || !s.main) {
    return invalidState(a, 'threewayAtxfer');
  }
  const target = s.target;
  s.phase = 'threewayJoining';
  s.threewayOrigin = origin;
  s.meeting = m.uuid();
  const rule = joinRule(m, target);
  m.later(s, 'join', THREEWAY_JOIN_MS, () => {
    if (rule === 'refuse') threewayRefused(m, s);
    else if (rule === 'leave') m.legHangup(s, target);
    else threewayJoined(m, s);
  });
  return { ok: true, data: { meeting_uuid: s.meeting } };
}

function threewayJoined(m: ModelCore, s: Seance): void {
  const target = s.target;
  const a = s.party?.agent;
  if (s.phase !== 'threewayJoining' || !target || !s.main || !a) return;
  const meeting = s.meeting ?? m.uuid();
  m.linkInto(s, s.main, target);
  m.dropConnection(s, 'consult');
  m.ccs(s, 'connection_update', {
    connection_id: s.main.id,
    state: 'conference',
    info: { calls: s.main.legs.filter((l) => l.alive).map((l) => l.id) },
  });
  m.unhold(s);
  for (const l of [s.customer, s.party, target]) {
    if (l?.alive) {
      m.dialog(dialogMeetingBody(l.dialog, meeting, eventTime()), m.dialogAgent(s, l));
    }
  }
  s.phase = 'threeway';
  m.agentEvent(a, 'threewayAtxferResult', { result: 0 }, s.threewayOrigin);
  m.setState(a, 'three-way');
}

/** The platform refuses to conference the target: the consult goes on as it was. */
export function threewayRefused(m: ModelCore, s: Seance): void {
  const a = s.party?.agent;
  const reason = 'threewayRefused';
  s.phase = 'consultTalking';
  if (a) {
    m.agentEvent(
      a,
      'threewayAtxferResult',
      { result: JOIN_RESULT[reason], reason },
      s.threewayOrigin,
    );
  }
  s.threewayOrigin = undefined;
  s.meeting = undefined;
  joinFailure(m, s, reason);
}

/** The consulted party hangs up during the three-way or while it is being joined. */
function threewayTargetLeaves(m: ModelCore, s: Seance): void {
  const leg = s.target;
  const a = s.party?.agent;
  if (!leg) return;
  m.cancel(s, 'targetHangup', 'join');
  if (a) m.agentEvent(a, 'atxferThreewayUnlink', { reason: 'targetHangup' }, s.threewayOrigin);
  m.closeDialog(s, leg, 'HANGUP');
  m.legState(s, leg, 'hangup', { cause: 'HANGUP' });
  m.dropConnection(s, 'consult');
  if (s.main) s.main.legs = s.main.legs.filter((l) => l !== leg);
  m.dropLeg(s, leg, 'HANGUP');
  s.threewayOrigin = undefined;
  s.meeting = undefined;
  afterConsult(m, s, leg, 'targetHangup');
}

function threewayAgentLeaves(m: ModelCore, s: Seance): void {
  const a = s.party?.agent;
  m.cancel(s, 'join');
  if (a) m.agentEvent(a, 'atxferThreewayUnlink', { reason: 'agentHangup' }, s.threewayOrigin);
  handOver(m, s, 'agentLeft');
}

/** A hang-up while the target is being joined or during the three-way call. */
const threewayHangup = (m: ModelCore, s: Seance, leg: Leg): boolean => {
  if (leg === s.target) threewayTargetLeaves(m, s);
  else if (leg === s.party) threewayAgentLeaves(m, s);
  else m.endSeance(s, leg, 'customerHangup');
  return true;
};

export const THREEWAY_PHASES: PhaseRules = {
  threewayJoining: { hangup: threewayHangup },
  threeway: { hangup: threewayHangup },
};
