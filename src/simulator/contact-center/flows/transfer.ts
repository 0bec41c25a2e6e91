/**
 * What the consult, blind-transfer, three-way and complete-transfer flows share: resolving a
 * target, what an external party does when joined, the target taking the customer over, and
 * going back to agent + customer when the consulted party is gone.
 */
import { ERROR_CODES } from '../../../protocol';
import { refuse, type ModelCore } from '../model';
import {
  EXTERNAL_TALK_MS,
  type Agent,
  type Data,
  type Leg,
  type OpResult,
  type Seance,
} from '../types';

const NUMBER_RE = /^\+?[0-9*#]{2,32}$/;

export function resolveTarget(
  m: ModelCore,
  a: Agent,
  params: Data,
): { ok: true; agent?: Agent; number: string } | { ok: false; result: OpResult } {
  const type = params.targetType as number;
  const target = params.target as string;
  if (type === 1 || type === 2) {
    const t =
      type === 1
        ? m.agents.get(target)
        : [...m.agents.values()].find((x) => x.extension === target);
    if (!t || t.load) {
      return {
        ok: false,
        result: refuse(
          ERROR_CODES.badParams,
          `params.target: no ${type === 1 ? 'agent' : 'extension'} "${target}"`,
        ),
      };
    }
    if (t === a) {
      return {
        ok: false,
        result: refuse(ERROR_CODES.badParams, 'params.target is the agent itself'),
      };
    }
    return { ok: true, agent: t, number: t.extension };
  }
  if (!NUMBER_RE.test(target)) {
    return {
      ok: false,
      result: refuse(ERROR_CODES.badParams, `params.target "${target}" is not a number`),
    };
  }
  return { ok: true, number: target };
}

/** What a consulted external party does when the customer is brought in (its number rule). */
export function joinRule(m: ModelCore, leg: Leg): 'refuse' | 'leave' | undefined {
  if (leg.agent) return undefined;
  const b = m.rules.resolve(leg.number);
  return b.kind === 'answer' ? b.whenJoined : undefined;
}

/** ccsevents: a refused join of the target's call into the customer's connection. */
export function joinFailure(m: ModelCore, s: Seance, reason: string): void {
  if (!s.target || !s.main) return;
  m.ccs(s, 'connection_failure', {
    connection_id: s.main.id,
    call_id: s.target.id,
    state: 'refused',
    info: { reason },
  });
}

/** The consulted party is gone: back to agent + customer. */
export function afterConsult(m: ModelCore, s: Seance, leg: Leg, reason: string): void {
  s.target = undefined;
  s.transfer = undefined;
  s.phase = 'talking';
  m.unhold(s);
  const a = s.party?.agent;
  if (a) m.setState(a, 'talking', reason);
  if (leg.agent && leg.agent.seance === s) m.release(leg.agent, s, reason);
}

/** The target leg becomes the party serving the customer (complete / blind transfer). */
export function takeOver(m: ModelCore, s: Seance, leg: Leg): void {
  m.ccs(s, 'seance_set_next_number', { number: leg.number });
  m.unhold(s);
  s.party = leg;
  s.target = undefined;
  s.transfer = undefined;
  s.threewayOrigin = undefined;
  s.meeting = undefined;
  s.completing = undefined;
  s.phase = 'talking';
  m.ccs(s, 'seance_update', {
    state: 'talking',
    info: { calls: [s.customer?.id, leg.id].filter(Boolean), number: leg.number },
  });
  if (leg.agent) {
    leg.agent.state = 'ringing'; // force an agentStatus with the new ids
    m.setState(leg.agent, 'talking', 'transferIn');
  } else {
    m.later(s, 'externalEnd', EXTERNAL_TALK_MS, () => m.legHangup(s, leg));
  }
}

/** The serving agent leaves; the customer stays with the target. */
export function handOver(m: ModelCore, s: Seance, reason: string): void {
  const old = s.party;
  const target = s.target;
  if (!old || !target) return;
  m.closeDialog(s, old, 'HANGUP');
  m.legState(s, old, 'hangup', { cause: 'HANGUP' });
  m.dropConnection(s, 'consult');
  if (s.main) {
    m.linkInto(s, s.main, target);
    s.main.legs = s.main.legs.filter((l) => l !== old);
  }
  m.dropLeg(s, old, 'HANGUP');
  const oldAgent = old.agent;
  takeOver(m, s, target);
  if (oldAgent && oldAgent.seance === s) m.release(oldAgent, s, reason);
}
