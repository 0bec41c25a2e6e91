/**
 * How a seance ends and what its agents do next: every dialog closed (HANGUP for the side that
 * hung up, DIALOG_LEFT for the others), the connections and legs deleted, the seance closed or
 * failed, and each agent released (wrap-up, offline or idle).
 */
import { finishRecord } from './recording';
import type { ModelCore, PhaseRules } from './model';
import type { Agent, Leg, Seance } from './types';

/**
 * Return an agent to idle after its part in a seance ended: through wrap-up when it has a
 * wrap-up time, straight to offline when it was set offline during the call.
 */
export function release(m: ModelCore, a: Agent, s: Seance, reason: string): void {
  const leg = a.leg;
  a.seance = undefined;
  a.leg = undefined;
  a.muted = { in: false, out: false };
  if (!a.loggedIn) {
    a.state = 'offline';
    m.status(a, reason, { s, leg });
    return;
  }
  if (a.wrapUpMs > 0 && !a.load) {
    a.state = 'wrap-up';
    m.status(a, reason, { s, leg });
    m.clock.cancel(a.wrapTimer);
    a.wrapTimer = m.clock.after(a.wrapUpMs, () => {
      a.wrapTimer = undefined;
      if (a.state === 'wrap-up' && !a.seance) m.setState(a, 'idle', 'wrapUpEnded');
    });
    return;
  }
  a.state = 'idle';
  m.status(a, reason, { s, leg });
  const next = m.load.next;
  if (a.load && next) m.clock.after(0, () => next(a));
}

/**
 * End the whole seance. `hanger` is the leg whose side hung up (its dialog closes with
 * HANGUP, every other open dialog with DIALOG_LEFT); `reason` goes to agentStatus.
 * `failure` marks a call that never connected (connection_failure, previewObCallResult).
 */
export function endSeance(
  m: ModelCore,
  rules: PhaseRules,
  s: Seance,
  hanger: Leg | undefined,
  reason: string,
  failure?: { result: number; cause: string; state: string },
): void {
  if (s.ended) return;
  rules[s.phase]?.ending?.(m, s, hanger);
  const controller = s.party?.agent ?? s.transfer?.initiator.agent;
  // Process events first, while the agent still holds its ids.
  if (failure && s.preview && s.party?.agent) {
    m.agentEvent(
      s.party.agent,
      'previewObCallResult',
      { result: failure.result, reason },
      s.preview.origin,
    );
  }
  if (s.transfer && (s.phase === 'consultDialing' || s.phase === 'consultTalking')) {
    const a = s.transfer.initiator.agent;
    if (a?.seance === s) {
      m.agentEvent(
        a,
        'atxferEnded',
        { target: s.transfer.target, hangupSide: hanger?.role ?? 'system', state: 'ended' },
        s.transfer.origin,
      );
    }
  }
  if ((s.phase === 'threeway' || s.phase === 'threewayJoining') && controller?.seance === s) {
    m.agentEvent(controller, 'atxferThreewayUnlink', { reason }, s.threewayOrigin);
  }
  s.phase = 'ended';
  const legs = [
    s.customer,
    s.party,
    s.target,
    s.transfer?.initiator,
    ...(s.forks ?? []),
    ...(s.monitors ?? []),
  ].filter((l, i, all): l is Leg => !!l && l.alive && all.indexOf(l) === i);
  if (hanger && hanger.alive) {
    m.closeDialog(s, hanger, 'HANGUP');
    m.legState(s, hanger, failure ? failure.state : 'hangup', { cause: 'HANGUP' });
  }
  for (const l of legs) if (l !== hanger) m.closeDialog(s, l, 'DIALOG_LEFT');
  if (failure) {
    m.ccs(s, 'connection_failure', {
      call_id: (s.customer ?? hanger ?? legs[0]).id,
      state: failure.state,
      info: { reason },
    });
  }
  finishRecord(m, s);
  m.dropConnection(s, 'consult');
  m.dropConnection(s, 'main');
  if (hanger) m.dropLeg(s, hanger, 'HANGUP');
  for (const l of legs) m.dropLeg(s, l, 'DIALOG_LEFT');
  m.ccs(s, 'seance_set_state', { state: failure ? 'failed' : 'closed', info: { reason } });
  m.ccs(s, 'seance_delete', {});
  for (const t of s.timers.values()) m.clock.cancel(t);
  s.timers.clear();
  s.ended = true;
  m.seances.delete(s.id);
  for (const l of legs) if (l.agent && l.agent.seance === s) release(m, l.agent, s, reason);
}
