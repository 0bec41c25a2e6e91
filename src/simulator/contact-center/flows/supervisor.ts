/**
 * Supervisor operations on another agent's call: listen unheard (spy), speak to the agent only
 * (whisper), join the conversation (barge), end it (disconnect). The supervisor's phone gets a
 * leg of its own, linked into the call's connection, with its own dialog; hanging up (sipUnlink)
 * or the call ending takes it out.
 */
import { calledPartyInfo } from '../../dialogs';
import { invalidState, refuse, type ModelCore } from '../model';
import type { Agent, Data, Leg, OpResult, Seance } from '../types';
import { ERROR_CODES } from '../../../protocol';
import { targetOf } from './agent';

/** The call of the agent a supervisor acts on, while it talks with a customer. */
function monitoredCall(
  m: ModelCore,
  supervisor: Agent,
  params: Data,
  op: string,
): { ok: true; s: Seance; agent: Agent } | { ok: false; result: OpResult } {
  const r = targetOf(m, supervisor, params);
  if (!r.ok) return r;
  const t = r.agent;
  const s = t.seance;
  if (!s || !s.main || s.phase === 'ended' || t.state === 'ringing' || t.state === 'pending') {
    return {
      ok: false,
      result: refuse(ERROR_CODES.invalidState, `${op}: agent ${t.id} is not on a connected call`),
    };
  }
  return { ok: true, s, agent: t };
}

/** spy / whisper / barge: the supervisor's leg joins the monitored call. */
export function monitor(
  m: ModelCore,
  supervisor: Agent,
  params: Data,
  mode: 'spy' | 'whisper' | 'barge',
): OpResult {
  if (supervisor.seance || supervisor.state !== 'idle' || !supervisor.loggedIn) {
    return invalidState(supervisor, mode);
  }
  const r = monitoredCall(m, supervisor, params, mode);
  if (!r.ok) return r.result;
  const { s, agent } = r;
  const agentLeg = agent.leg as Leg;
  const dialog = m.dialogRec(
    'CONSULTANT',
    'INBOUND',
    s,
    supervisor.party,
    agent.party,
    agent.party,
    supervisor.party,
    calledPartyInfo('SUPERVISOR_CALL', 'USER', agentLeg.dialog, supervisor.party),
    null,
    'USER_CALL',
  );
  const leg = m.newLeg(s, 'supervisor', supervisor.extension, dialog, supervisor);
  leg.mode = mode;
  leg.answered = true;
  (s.monitors ??= []).push(leg);
  m.openDialog(s, leg);
  m.ccs(s, 'call_update', { call_id: leg.id, info: { mode, monitored: agent.id } }, agent.id, leg);
  m.linkInto(s, s.main as NonNullable<Seance['main']>, leg);
  m.dialogState(s, leg, 'talking');
  m.legState(s, leg, 'talking', { mode });
  m.setState(supervisor, 'talking', mode);
  return { ok: true, data: { call_id: leg.id, monitored: agent.id, mode } };
}

/** The supervisor hangs up: only its own leg goes. */
export function supervisorLeaves(m: ModelCore, s: Seance, leg: Leg): void {
  s.monitors = (s.monitors ?? []).filter((l) => l !== leg);
  m.closeDialog(s, leg, 'HANGUP');
  m.legState(s, leg, 'hangup', { cause: 'HANGUP' });
  m.dropLeg(s, leg, 'HANGUP');
  const a = leg.agent;
  if (a && a.seance === s) m.release(a, s, 'supervisorHangup');
}

/** disconnect: the monitored agent's side hangs up, as if the agent had. */
export function disconnect(m: ModelCore, supervisor: Agent, params: Data): OpResult {
  const r = monitoredCall(m, supervisor, params, 'disconnect');
  if (!r.ok) return r.result;
  const leg = r.agent.leg as Leg;
  m.legHangup(r.s, leg);
  return { ok: true };
}
