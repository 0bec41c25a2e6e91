/**
 * The agent roster of the virtual contact center: the agents a scenario configures (or the
 * default count), each with its party record, extension, answer behaviour and starting state.
 */
import { DEFAULT_AGENT_ANSWER_MS, DEFAULT_AGENT_COUNT } from '../scenario';
import type { ModelCore } from './model';
import type { Agent, ModelOptions } from './types';

/** Add one agent (idle, logged in, bound to its extension) to the model. */
export function addAgent(
  m: ModelCore,
  id: string,
  extension: string,
  name?: string,
  answerAfterMs?: number,
  answers?: boolean,
  load = false,
): Agent {
  const displayName = name ?? `Agent ${id}`;
  const [first, ...rest] = displayName.split(' ');
  const agent: Agent = {
    id,
    extension,
    party: {
      kind: 'agent',
      id,
      userId: m.agents.size + 1,
      username: `agent${id}`,
      firstname: first,
      surname: rest.join(' ') || id,
      displayName,
      outboundNumber: m.projectNumber,
    },
    answerAfterMs: answerAfterMs ?? DEFAULT_AGENT_ANSWER_MS,
    answers: answers ?? true,
    state: 'idle',
    paused: false,
    pauseType: 0,
    muted: { in: false, out: false },
    load,
    domain: m.domain,
    wrapUpMs: load ? 0 : (m.scenario?.wrapUpMs ?? 0),
    loggedIn: true,
    bindTel: extension,
    inbound: !load,
  };
  m.agents.set(id, agent);
  return agent;
}

/** The agents a new model starts with: the scenario's, else `agentCount` numbered ones. */
export function seedAgents(m: ModelCore, opts: ModelOptions): void {
  const configured = opts.scenario?.agents;
  if (configured && Object.keys(configured).length > 0) {
    let i = 0;
    for (const [id, a] of Object.entries(configured)) {
      i++;
      const agent = addAgent(
        m,
        id,
        a.extension ?? String(8000 + i),
        a.name,
        a.answerAfterMs,
        a.answers,
      );
      if (a.domain !== undefined) agent.domain = a.domain;
      if (a.wrapUpMs !== undefined) agent.wrapUpMs = a.wrapUpMs;
      if (a.loggedIn === false) {
        agent.loggedIn = false;
        agent.bindTel = undefined;
        agent.state = 'offline';
      } else if (a.bound === false) {
        agent.bindTel = undefined;
        agent.state = 'unbound';
      }
      if (a.inbound === false) agent.inbound = false;
    }
  } else {
    const count = opts.agentCount ?? DEFAULT_AGENT_COUNT;
    for (let i = 1; i <= count; i++) {
      const ext = i < 1000 ? String(8000 + i) : String(80000 + i);
      addAgent(m, String(1000 + i), ext);
    }
  }
}
