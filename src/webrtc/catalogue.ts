/**
 * The family's one operation catalogue: each operation's name (the vendor's call names, as the
 * call flows use them), the node that runs it, its parameters and its outcomes. Read by the
 * core (account.ts), the nodes, their editors (through an admin endpoint) and the docs.
 */
import { PARTICIPANT_EVENTS, VOICE_EVENTS } from './api';

export type WebrtcNodeKind = 'session' | 'participant' | 'call' | 'callControl';

export type ParamKind = 'string' | 'number' | 'subscriptions' | 'permissions';

export interface WebrtcParam {
  name: string;
  kind: ParamKind;
  required: boolean;
}

export interface WebrtcOperationSpec {
  name: string;
  node: WebrtcNodeKind;
  params: WebrtcParam[];
  /** Seconds to an outcome when the node does not say. */
  timeoutS: number;
}

export const DONE = 'done';
export const NOT_FOUND = 'notFound';
export const FAILED = 'failed';

/** Outputs of each node kind, in order. Every operation of the kind ends in one of them. */
export const OUTCOMES: Record<WebrtcNodeKind, readonly string[]> = {
  session: [DONE, NOT_FOUND, FAILED],
  participant: [DONE, NOT_FOUND, FAILED],
  call: ['answered', 'busy', 'noAnswer', FAILED],
  callControl: [DONE, NOT_FOUND, FAILED],
};

const p = (name: string, kind: ParamKind = 'string', required = true): WebrtcParam => ({
  name,
  kind,
  required,
});

export const WEBRTC_OPERATIONS: readonly WebrtcOperationSpec[] = [
  { name: 'createSession', node: 'session', params: [p('tag', 'string', false)], timeoutS: 15 },
  { name: 'getSession', node: 'session', params: [p('sessionId')], timeoutS: 15 },
  { name: 'deleteSession', node: 'session', params: [p('sessionId')], timeoutS: 15 },
  {
    name: 'createParticipant',
    node: 'participant',
    params: [
      p('callbackUrl', 'string', false),
      p('tag', 'string', false),
      p('publishPermissions', 'permissions', false),
    ],
    timeoutS: 15,
  },
  { name: 'getParticipant', node: 'participant', params: [p('participantId')], timeoutS: 15 },
  {
    name: 'addParticipantToSession',
    node: 'participant',
    params: [p('sessionId'), p('participantId'), p('subscriptions', 'subscriptions', false)],
    timeoutS: 15,
  },
  {
    name: 'updateParticipantSubscriptions',
    node: 'participant',
    params: [p('sessionId'), p('participantId'), p('subscriptions', 'subscriptions')],
    timeoutS: 15,
  },
  {
    name: 'removeParticipantFromSession',
    node: 'participant',
    params: [p('sessionId'), p('participantId')],
    timeoutS: 15,
  },
  { name: 'deleteParticipant', node: 'participant', params: [p('participantId')], timeoutS: 15 },
  {
    name: 'createCall',
    node: 'call',
    params: [p('to'), p('from'), p('callTimeout', 'number', false), p('tag', 'string', false)],
    timeoutS: 120,
  },
  {
    name: 'transferToWebRTC',
    node: 'callControl',
    params: [p('callId'), p('token')],
    timeoutS: 30,
  },
  { name: 'hangupCall', node: 'callControl', params: [p('callId')], timeoutS: 15 },
  {
    name: 'redirectCall',
    node: 'callControl',
    params: [p('callId'), p('redirectUrl')],
    timeoutS: 15,
  },
];

export function getWebrtcOperation(name: string): WebrtcOperationSpec | undefined {
  return WEBRTC_OPERATIONS.find((o) => o.name === name);
}

export function operationsOf(node: WebrtcNodeKind): WebrtcOperationSpec[] {
  return WEBRTC_OPERATIONS.filter((o) => o.node === node);
}

/** The catalogue as the editors read it. */
export function webrtcCatalogueJson(): {
  operations: readonly WebrtcOperationSpec[];
  outcomes: Record<WebrtcNodeKind, readonly string[]>;
  events: { participant: readonly string[]; voice: readonly string[] };
} {
  return {
    operations: WEBRTC_OPERATIONS,
    outcomes: OUTCOMES,
    events: { participant: PARTICIPANT_EVENTS, voice: VOICE_EVENTS },
  };
}
