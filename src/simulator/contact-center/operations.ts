/**
 * The operation table: which call flow executes each catalogue operation, and the phase rules
 * the flows give the model core. Imports the core and the flows (the core imports neither).
 */
import { ERROR_CODES } from '../../protocol';
import { refuse, type ModelCore, type PhaseRules } from './model';
import type { Agent, Data, OpResult, Origin } from './types';
import { COMPLETE_PHASES, completeAtxfer } from './flows/complete';
import { login, logout, setOffline, setOnline } from './flows/agent';
import { CONSULT_PHASES, cancelAtxfer, resumeAtxfer, startAtxfer } from './flows/consult';
import { hold, mute, pause, sendDtmf, sipLink, sipUnlink, unpause } from './flows/control';
import { previewObCall } from './flows/preview';
import { disconnect, monitor } from './flows/supervisor';
import { THREEWAY_PHASES, threewayAtxfer } from './flows/threeway';

/** Executes one (already validated) operation for agent `a`. */
export type OperationHandler = (m: ModelCore, a: Agent, params: Data, origin?: Origin) => OpResult;

export const OPERATIONS: ReadonlyMap<string, OperationHandler> = new Map<string, OperationHandler>([
  ['previewObCall', previewObCall],
  ['startAtxfer', (m, a, p, o) => startAtxfer(m, a, p, o, 'consult')],
  ['blxfer', (m, a, p, o) => startAtxfer(m, a, p, o, 'blind')],
  ['cancelAtxfer', (m, a, _p, o) => cancelAtxfer(m, a, o)],
  ['resumeAtxfer', (m, a, _p, o) => resumeAtxfer(m, a, o)],
  ['threewayAtxfer', (m, a, _p, o) => threewayAtxfer(m, a, o)],
  ['completeAtxfer', (m, a, _p, o) => completeAtxfer(m, a, o)],
  ['sipUnlink', (m, a) => sipUnlink(m, a)],
  ['sipLink', (m, a) => sipLink(m, a)],
  ['hold', (m, a) => hold(m, a, 'hold')],
  ['unhold', (m, a) => hold(m, a, 'unhold')],
  ['mute', (m, a, p) => mute(m, a, 'mute', p)],
  ['unmute', (m, a, p) => mute(m, a, 'unmute', p)],
  ['sendDtmf', (m, a, p) => sendDtmf(m, a, p)],
  ['pause', (m, a, p) => pause(m, a, p)],
  ['unpause', (m, a) => unpause(m, a)],
  ['login', (m, a, p) => login(m, a, p)],
  ['logout', (m, a) => logout(m, a)],
  ['spy', (m, a, p) => monitor(m, a, p, 'spy')],
  ['whisper', (m, a, p) => monitor(m, a, p, 'whisper')],
  ['barge', (m, a, p) => monitor(m, a, p, 'barge')],
  ['disconnect', (m, a, p) => disconnect(m, a, p)],
  ['setOnline', (m, a, p) => setOnline(m, a, p)],
  ['setOffline', (m, a, p) => setOffline(m, a, p)],
]);

/** What the flows' own phases mean when a party hangs up or the seance ends. */
export const PHASE_RULES: PhaseRules = {
  ...CONSULT_PHASES,
  ...THREEWAY_PHASES,
  ...COMPLETE_PHASES,
};

/** Execute an operation (already validated) for agent `a`. */
export function operate(
  m: ModelCore,
  a: Agent,
  op: string,
  params: Data,
  origin?: Origin,
): OpResult {
  const handler = OPERATIONS.get(op);
  if (!handler) return refuse(ERROR_CODES.unknownOp, `operation "${op}" is not supported`);
  return handler(m, a, params, origin);
}
