/**
 * Call and agent control: answering (sipLink) and hanging up (sipUnlink) the agent's phone, hold,
 * mute, DTMF, pause; and the customer hanging up (simulator API).
 */
import { ERROR_CODES } from '../../../protocol';
import { invalidState, refuse, type ModelCore } from '../model';
import { PREVIEW_RESULT, type Agent, type Data, type OpResult } from '../types';
import { targetAnswered, targetFailed } from './consult';
import { forkAnswered, forkRejected, inboundAnswered } from './inbound';
import { supervisorLeaves } from './supervisor';
import { previewAgentAnswered } from './preview';

function inCall(a: Agent): boolean {
  return (
    !!a.seance &&
    (a.state === 'talking' ||
      a.state === 'consulting' ||
      a.state === 'consult-talking' ||
      a.state === 'three-way')
  );
}

export function sipUnlink(m: ModelCore, a: Agent): OpResult {
  const s = a.seance;
  const leg = a.leg;
  if (!s || !leg || a.state === 'idle') return invalidState(a, 'sipUnlink');
  if (s.forks?.includes(leg)) {
    forkRejected(m, s, leg);
  } else if (s.monitors?.includes(leg)) {
    supervisorLeaves(m, s, leg);
  } else if (leg === s.party) {
    if (s.phase === 'agentRinging' && s.direction === 'INBOUND') {
      m.endSeance(s, leg, 'agentRejected');
    } else if (s.phase === 'agentRinging' || s.phase === 'dialing' || s.phase === 'alerting') {
      m.endSeance(s, leg, 'canceled', {
        result: PREVIEW_RESULT.canceled,
        cause: 'canceled',
        state: 'canceled',
      });
    } else m.legHangup(s, leg);
  } else if (leg === s.target) {
    if (!leg.answered) targetFailed(m, s, 'rejected');
    else m.legHangup(s, leg);
  } else return invalidState(a, 'sipUnlink');
  return { ok: true };
}

/** The customer hangs up the call `agentId` is on (simulator API). */
export function customerHangup(m: ModelCore, agentId: string): boolean {
  const a = m.agents.get(agentId);
  const s = a?.seance;
  const c = s?.customer;
  if (!s || !c || !c.alive) return false;
  if (s.phase === 'dialing' || s.phase === 'alerting') {
    m.endSeance(s, c, 'customerRejected', {
      result: PREVIEW_RESULT.customerRejected,
      cause: 'customerRejected',
      state: 'rejected',
    });
  } else if (s.phase === 'agentRinging') {
    m.endSeance(s, c, 'customerAbandoned');
  } else m.legHangup(s, c);
  return true;
}

/** The agent answers its ringing phone: its own preview leg, an inbound call, a consult. */
export function sipLink(m: ModelCore, a: Agent): OpResult {
  const s = a.seance;
  if (!s || (a.state !== 'pending' && a.state !== 'ringing')) return invalidState(a, 'sipLink');
  if (a.leg && s.forks?.includes(a.leg)) forkAnswered(m, s, a.leg);
  else if (a.leg === s.party && s.direction === 'INBOUND') inboundAnswered(m, s);
  else if (a.leg === s.party) previewAgentAnswered(m, s);
  else if (a.leg === s.target) targetAnswered(m, s);
  return { ok: true };
}

export function hold(m: ModelCore, a: Agent, op: 'hold' | 'unhold'): OpResult {
  const s = a.seance;
  if (!s || a.leg !== s.party || s.phase !== 'talking' || a.state !== 'talking') {
    return invalidState(a, op);
  }
  if (op === 'hold') {
    if (s.held) return refuse(ERROR_CODES.invalidState, `the call of ${a.id} is already on hold`);
    m.hold(s);
  } else {
    if (!s.held) return refuse(ERROR_CODES.invalidState, `the call of ${a.id} is not on hold`);
    m.unhold(s);
  }
  return { ok: true };
}

/**
 * Mute or unmute one direction of the agent's call (`in`: the agent does not hear the
 * customer, `out`: the customer does not hear the agent) or both (`all`, the default).
 */
export function mute(m: ModelCore, a: Agent, op: 'mute' | 'unmute', params: Data = {}): OpResult {
  const s = a.seance;
  if (!s || !a.leg || !inCall(a)) return invalidState(a, op);
  const direction = (params.direction as 'in' | 'out' | 'all' | undefined) ?? 'all';
  const dirs: ('in' | 'out')[] = direction === 'all' ? ['in', 'out'] : [direction];
  const want = op === 'mute';
  if (dirs.every((d) => a.muted[d] === want)) {
    return refuse(
      ERROR_CODES.invalidState,
      `agent ${a.id} is ${want ? 'already muted' : 'not muted'} (${direction})`,
    );
  }
  for (const d of dirs) a.muted[d] = want;
  m.ccs(
    s,
    'call_update',
    { call_id: a.leg.id, info: { muted: a.muted.in || a.muted.out, mute: { ...a.muted } } },
    a.id,
  );
  return { ok: true };
}

/** The customer of `agentId`'s call presses keys: call_dtmf on the customer's leg. */
export function customerDtmf(m: ModelCore, agentId: string, digits: string): boolean {
  const a = m.agents.get(agentId);
  const s = a?.seance;
  const c = s?.customer;
  if (!s || !c || !c.alive || !/^[0-9*#A-D]{1,32}$/.test(digits)) return false;
  for (const digit of digits) m.ccs(s, 'call_dtmf', { call_id: c.id, digit }, agentId, c);
  return true;
}

export function sendDtmf(m: ModelCore, a: Agent, params: Data): OpResult {
  const s = a.seance;
  if (!s || !a.leg || !inCall(a)) return invalidState(a, 'sendDtmf');
  for (const digit of params.digits as string) {
    m.ccs(s, 'call_dtmf', { call_id: a.leg.id, digit }, a.id);
  }
  return { ok: true };
}

export function pause(m: ModelCore, a: Agent, params: Data): OpResult {
  if (!a.loggedIn || a.state === 'offline' || a.state === 'unbound')
    return invalidState(a, 'pause');
  if (a.paused) return refuse(ERROR_CODES.invalidState, `agent ${a.id} is already paused`);
  a.paused = true;
  a.pauseType = (params.pauseType as number | undefined) ?? 1;
  m.status(a, `pause:${a.pauseType}`);
  return { ok: true };
}

export function unpause(m: ModelCore, a: Agent): OpResult {
  if (!a.loggedIn || a.state === 'offline' || a.state === 'unbound') {
    return invalidState(a, 'unpause');
  }
  if (!a.paused) return refuse(ERROR_CODES.invalidState, `agent ${a.id} is not paused`);
  a.paused = false;
  m.status(a, 'unpause');
  return { ok: true };
}
