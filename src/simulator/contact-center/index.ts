/**
 * The contact-center model as the simulator host and its faces use it: the core (./model.ts)
 * with the call flows' phase rules, the operation table, inbound calls, the customer hanging up
 * and load mode.
 */
import { ModelCore } from './model';
import { operate, PHASE_RULES } from './operations';
import { customerDtmf, customerHangup } from './flows/control';
import { forkedCall, inboundCall } from './flows/inbound';
import { ivrCall } from './flows/ivr';
import { startLoad, stopLoad } from './flows/load';
import { previewObCall } from './flows/preview';
import { startAtxfer } from './flows/consult';
import type { Agent, Data, ModelOptions, OpResult, Origin, Seance } from './types';

export class Model extends ModelCore {
  constructor(opts: ModelOptions) {
    super(opts, PHASE_RULES);
  }

  /** Execute an operation (already validated) for agent `a`. */
  operate(a: Agent, op: string, params: Data, origin?: Origin): OpResult {
    return operate(this, a, op, params, origin);
  }

  previewObCall(a: Agent, params: Data, origin?: Origin): OpResult {
    return previewObCall(this, a, params, origin);
  }

  startAtxfer(
    a: Agent,
    params: Data,
    origin?: Origin,
    mode: 'consult' | 'blind' = 'consult',
  ): OpResult {
    return startAtxfer(this, a, params, origin, mode);
  }

  /** Route an inbound call to the given agent or the next idle, unpaused one. */
  inboundCall(number: string, agentId?: string, hangupAfterMs?: number): Seance | undefined {
    return inboundCall(this, number, agentId, hangupAfterMs);
  }

  /** An inbound call answered by the IVR, routed by the customer's menu choice. */
  ivrCall(number: string, digit?: string, hangupAfterMs?: number): Seance | undefined {
    return ivrCall(this, number, digit, hangupAfterMs);
  }

  /** An inbound call ringing at several agents at once (forks). */
  forkedCall(
    number: string,
    agents: string[] | number,
    hangupAfterMs?: number,
  ): Seance | undefined {
    return forkedCall(this, number, agents, hangupAfterMs);
  }

  /** The customer of `agentId`'s call presses keys. */
  customerDtmf(agentId: string, digits: string): boolean {
    return customerDtmf(this, agentId, digits);
  }

  /** The customer hangs up the call `agentId` is on (simulator API). */
  customerHangup(agentId: string): boolean {
    return customerHangup(this, agentId);
  }

  /** Load mode: `calls` dedicated agents each keep one preview call going. */
  startLoad(calls: number, talkMs: number): void {
    startLoad(this, calls, talkMs);
  }

  /** Stop the load generator: its agents finish their calls and stay idle. */
  stopLoad(): void {
    stopLoad(this);
  }
}

export { ModelCore, invalidState, refuse, type PhaseRule, type PhaseRules } from './model';
export { OPERATIONS, PHASE_RULES, operate, type OperationHandler } from './operations';
export * from './types';
