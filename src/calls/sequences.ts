/**
 * Call sequences (contract in ./api.ts): groups operations and events of one gateway into calls
 * by the ids they carry (uniqueId, seance, call legs, connections, dialogs, meetings, request
 * ids; two calls that turn out to share an id become one), and gives each step its lanes:
 *
 * - an operation goes from the agent who runs it to the platform; its response comes back
 *   dashed; its outcome is a note over that agent;
 * - an agent event goes from the platform to the agent it is addressed to (the call's agent,
 *   or a consulted agent's lane);
 * - a dialog or ccs event goes from the platform to the party whose dialog or leg it is, or is
 *   a note over the platform (seances, connections); a dialog closed by its own party's hang-up
 *   (`close_cause` HANGUP) goes from that party to the platform.
 *
 * This file is the model: what each operation and event does to its call and when a call is
 * over. The rooms around it: ./record.ts (a call as stored, its id keys, its view), ./lanes.ts
 * (whose lane a step is), ./merge.ts (two calls that are one), ./store.ts (where calls are
 * found, and the bounds: live calls, steps per call, ended calls kept and their age).
 */
import { getOperation, type EventFamily } from '../protocol/catalogue';
import type {
  CallChanges,
  CallSequencesApi,
  CallSequencesOptions,
  CallView,
  OperationOutcome,
  OperationRequest,
  OperationResponse,
} from './api';
import {
  addNumber,
  agentLane,
  ccsLane,
  dialogLane,
  learnLanes,
  noteAgent,
  requestLane,
} from './lanes';
import { PLATFORM, idKeys, isRec, str, type Call } from './record';
import { CallStore } from './store';

/** Agent states after a call (the agent family's `agentStatus.state`). */
const AGENT_FREE = new Set(['idle', 'wrap-up', 'paused', 'offline']);

const DEFAULTS = {
  keepEnded: 20,
  endedTtlMs: 600_000,
  idleMs: 900_000,
  maxLive: 500,
  maxSteps: 400,
};

export class CallSequences implements CallSequencesApi {
  private readonly store: CallStore;
  private readonly setAgent = (call: Call, agent: string): void => {
    noteAgent(call, agent);
    // Every agent of a live call acts on it (a consulted agent hanging up, for one).
    this.store.setCurrent(agent, call);
  };

  constructor(options: CallSequencesOptions = {}) {
    this.store = new CallStore(
      {
        keepEnded: options.keepEnded ?? DEFAULTS.keepEnded,
        endedTtlMs: options.endedTtlMs ?? DEFAULTS.endedTtlMs,
        idleMs: options.idleMs ?? DEFAULTS.idleMs,
        maxLive: options.maxLive ?? DEFAULTS.maxLive,
        maxSteps: options.maxSteps ?? DEFAULTS.maxSteps,
      },
      options.now ?? Date.now,
    );
  }

  get size(): number {
    return this.store.size;
  }

  request(req: OperationRequest): void {
    const spec = getOperation(req.op);
    if (!spec || spec.kind === 'agentControl') return;
    const keys = new Map([[`r:${req.reqId}`, 'reqId']]);
    let call: Call | undefined;
    // Only a preview call starts a call; the other operations act on the agent's current one.
    if (req.op !== 'previewObCall') call = this.store.currentOf(req.agent);
    call = this.store.join(keys, call);
    this.setAgent(call, req.agent);
    const lane = agentLane(call, req.agent);
    if (req.op === 'previewObCall') {
      const number = str(req.params.customerNumber);
      if (number) {
        call.customerNumber ??= number;
        addNumber(call, number);
      }
    }
    if (req.op === 'startAtxfer' || req.op === 'blxfer') {
      const target = str(req.params.target);
      if (target) {
        call.target = target;
        if (req.params.targetType === 1 || req.params.targetType === '1') call.agents.add(target);
        else addNumber(call, target);
      }
    }
    call.pending.add(req.reqId);
    this.store.add(call, {
      kind: 'request',
      from: lane,
      to: PLATFORM,
      name: req.op,
      reqId: req.reqId,
      data: req.params,
    });
  }

  response(reqId: string, resp: OperationResponse): void {
    const call = this.store.byId(`r:${reqId}`);
    if (!call) return;
    const keys = idKeys(resp.data);
    const joined = this.store.join(keys, call);
    const lane = requestLane(joined, reqId);
    this.store.add(joined, {
      kind: 'response',
      from: PLATFORM,
      to: lane,
      name: resp.op,
      reqId,
      failed: resp.code !== 0,
      data: resp,
    });
  }

  outcome(reqId: string, result: OperationOutcome): void {
    const call = this.store.byId(`r:${reqId}`);
    if (!call) return;
    const joined = result.ids ? this.store.join(idKeys({ ids: result.ids }), call) : call;
    const lane = requestLane(joined, reqId);
    const request = joined.steps.find((s) => s.kind === 'request' && s.reqId === reqId);
    this.store.add(joined, {
      kind: 'outcome',
      from: lane,
      to: lane,
      name: request?.name ?? 'operation',
      reqId,
      failed: result.outcome === 'failed',
      data: result,
    });
    joined.pending.delete(reqId);
    // A call made of operations only (a refused preview call, a failed one before any event,
    // an operation on no call the sidebar knows): over once nothing is pending.
    const onlyOps = joined.steps.every((s) => s.kind !== 'event');
    if (onlyOps && joined.pending.size === 0) this.store.end(joined);
    else if (this.agentOnlyOver(joined)) this.store.end(joined);
    else if (request?.name === 'previewObCall' && result.outcome === 'failed' && !joined.sawDialog)
      this.store.end(joined);
  }

  event(family: EventFamily, name: string, data: unknown, agent?: string): void {
    const keys = idKeys(data);
    if (keys.size === 0) return; // nothing to attach it to (agent status without a call)
    // An agent idle again with no call ids beyond its own is not worth a new call.
    let call = this.store.find(keys);
    if (!call && family === 'agent' && name === 'agentStatus') return;
    call = this.store.join(keys, call);
    const d = isRec(data) ? data : {};
    let from = PLATFORM;
    let to = PLATFORM;
    if (family === 'agent') {
      if (agent) {
        this.setAgent(call, agent);
        to = agentLane(call, agent);
        learnLanes(call, d, to);
      }
    } else if (family === 'dialog') {
      to = dialogLane(call, d, keys);
      const uuid = str(d.dialog_uuid);
      if (uuid) {
        call.sawDialog = true;
        if (name === 'dialog_close') call.openDialogs.delete(uuid);
        else call.openDialogs.add(uuid);
      }
      if (name === 'dialog_close' && d.close_cause === 'HANGUP') [from, to] = [to, PLATFORM];
    } else {
      to = ccsLane(call, name, d, this.setAgent);
    }
    this.store.add(call, {
      kind: 'event',
      from,
      to,
      name,
      family,
      failed:
        name === 'connection_failure' ||
        (isRec(d) && typeof d.result === 'number' && d.result !== 0),
      data,
    });
    if (name === 'seance_delete') this.store.end(call);
    else if (family === 'agent' && name === 'agentStatus' && agent && agent === call.agent) {
      call.agentFree = AGENT_FREE.has(str(d.state) ?? '');
      if (this.agentOnlyOver(call)) this.store.end(call);
    } else if (family === 'dialog' && name === 'dialog_close' && call.openDialogs.size === 0) {
      // Every dialog seen is closed: the call is over unless a seance is still open.
      if (![...call.keys].some((k) => k.startsWith('s:'))) this.store.end(call);
    }
  }

  /**
   * A platform that sends the agent family only (Tinet's pushes: no dialog or ccs events to
   * close a call) tells the end of a call by its agent's status: the call is over once its
   * agent is idle, in wrap-up, paused or offline again and none of its operations is pending.
   */
  private agentOnlyOver(call: Call): boolean {
    if (!call.agentFree || call.pending.size > 0) return false;
    return call.steps.every((s) => s.kind !== 'event' || s.family === 'agent');
  }

  calls(): CallView[] {
    return this.store.views();
  }

  call(id: string): CallView | undefined {
    return this.store.view(id);
  }

  drain(): CallChanges {
    return this.store.drain();
  }

  sweep(): void {
    this.store.sweep();
  }
}
