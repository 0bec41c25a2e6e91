/**
 * The agent's own session with the platform: login on a bound endpoint (ready or paused),
 * logout (offline), and what a supervisor may do to it (set online / offline). States and
 * device statuses as the vendor's agentStatus has them: 0 unbound, 1 idle, 5 wrap-up, 6 offline.
 */
import { ERROR_CODES } from '../../../protocol';
import { invalidState, refuse, type ModelCore } from '../model';
import type { Agent, Data, OpResult } from '../types';

/** Log in on `bindTel`; `initialStatus` paused leaves the agent paused. */
export function login(m: ModelCore, a: Agent, params: Data): OpResult {
  if (a.seance) return invalidState(a, 'login');
  a.bindTel = params.bindTel as string;
  a.loggedIn = true;
  a.paused = params.initialStatus === 'paused';
  if (a.paused) a.pauseType = 1;
  m.clock.cancel(a.wrapTimer);
  a.wrapTimer = undefined;
  a.state = 'idle';
  m.status(a, 'login');
  return { ok: true, data: { bindTel: a.bindTel, bindType: params.bindType ?? 2 } };
}

/** Log out: offline at once, or when the call in progress ends. */
export function logout(m: ModelCore, a: Agent): OpResult {
  if (!a.loggedIn) return refuse(ERROR_CODES.invalidState, `agent ${a.id} is not logged in`);
  a.loggedIn = false;
  a.paused = false;
  if (!a.seance) {
    m.clock.cancel(a.wrapTimer);
    a.wrapTimer = undefined;
    a.state = 'offline';
    m.status(a, 'logout');
  }
  return { ok: true };
}

/** The agent a supervisor acts on (`targetAgent`), which must be another, real agent. */
export function targetOf(
  m: ModelCore,
  supervisor: Agent,
  params: Data,
): { ok: true; agent: Agent } | { ok: false; result: OpResult } {
  const id = params.targetAgent as string;
  const t = m.agents.get(id);
  if (!t || t.load) {
    return {
      ok: false,
      result: refuse(ERROR_CODES.badParams, `params.targetAgent: no agent "${id}"`),
    };
  }
  if (t === supervisor) {
    return {
      ok: false,
      result: refuse(
        ERROR_CODES.badParams,
        'params.targetAgent: a supervisor acts on another agent',
      ),
    };
  }
  return { ok: true, agent: t };
}

/** Supervisor: make another agent available (logged in on its endpoint, not paused). */
export function setOnline(m: ModelCore, supervisor: Agent, params: Data): OpResult {
  const r = targetOf(m, supervisor, params);
  if (!r.ok) return r.result;
  const t = r.agent;
  if (t.loggedIn && t.bindTel !== undefined && !t.paused) {
    return refuse(ERROR_CODES.invalidState, `agent ${t.id} is online already`);
  }
  t.loggedIn = true;
  t.bindTel ??= t.extension;
  t.paused = false;
  if (!t.seance && (t.state === 'offline' || t.state === 'unbound' || t.state === 'idle')) {
    t.state = 'idle';
  }
  m.status(t, `setOnline:${supervisor.id}`);
  return { ok: true };
}

/** Supervisor: take another agent offline (after its call, when it is on one). */
export function setOffline(m: ModelCore, supervisor: Agent, params: Data): OpResult {
  const r = targetOf(m, supervisor, params);
  if (!r.ok) return r.result;
  const t = r.agent;
  if (!t.loggedIn) return refuse(ERROR_CODES.invalidState, `agent ${t.id} is offline already`);
  t.loggedIn = false;
  t.paused = false;
  if (!t.seance) {
    m.clock.cancel(t.wrapTimer);
    t.wrapTimer = undefined;
    t.state = 'offline';
    m.status(t, `setOffline:${supervisor.id}`);
  }
  return { ok: true };
}
