/** What the client reports through `onProblem`, and the codes it uses itself. */
export type Problem = { code: string; message: string };

/** Codes the client itself reports through onProblem (besides the validation codes). */
export const PROBLEM_CODES = {
  listenerError: 'LISTENER_ERROR',
  unknownReqId: 'UNKNOWN_REQID',
  subscribeRefused: 'SUBSCRIBE_REFUSED',
  serverError: 'SERVER_ERROR',
  notice: 'NOTICE',
  internal: 'INTERNAL',
} as const;
