/**
 * Contract of the WebRTC sessions + PSTN bridging family (the vendor's WebRTC API and Voice
 * API, Bandwidth): the REST resources, the callbacks, and what the family's core offers the
 * nodes. No Node-RED import here or anywhere under src/webrtc.
 */

/** `{sessionId}` subscribes to everyone in the session; `participants` to the listed ones. */
export interface Subscriptions {
  sessionId?: string;
  participants?: { participantId: string; streamAliases?: string[] }[];
}

export interface Session {
  id: string;
  tag?: string;
}

export type PublishPermission = 'AUDIO' | 'VIDEO';

export interface Participant {
  id: string;
  callbackUrl?: string;
  publishPermissions: PublishPermission[];
  sessions: string[];
  subscriptions?: Subscriptions;
  tag?: string;
  deviceApiVersion?: string;
}

/** createParticipant's answer: the participant and the JWT its device connects with. */
export interface ParticipantCreated {
  participant: Participant;
  token: string;
}

/** The Voice API's call resource as createCall and getCall answer it (a subset). */
export interface VoiceCall {
  callId: string;
  accountId?: string;
  applicationId?: string;
  from?: string;
  to?: string;
  direction?: string;
  state?: string;
  callUrl?: string;
  tag?: string;
  [k: string]: unknown;
}

export interface CreateCallRequest {
  from: string;
  to: string;
  applicationId: string;
  answerUrl: string;
  disconnectUrl?: string;
  /** Seconds the call may ring before it ends with cause `timeout`. */
  callTimeout?: number;
  tag?: string;
  /** Basic-auth credentials the vendor sends with its callbacks. */
  username?: string;
  password?: string;
}

/** modifyCall: `completed` hangs up; `active` with a redirectUrl redirects. */
export interface ModifyCallRequest {
  state?: 'active' | 'completed';
  redirectUrl?: string;
  username?: string;
  password?: string;
  tag?: string;
}

/** The REST resources, one method each (rest-client.ts speaks them over fetch). */
export interface WebrtcBackend {
  createSession(body: { tag?: string }): Promise<Session>;
  getSession(sessionId: string): Promise<Session>;
  deleteSession(sessionId: string): Promise<void>;
  listSessionParticipants(sessionId: string): Promise<Participant[]>;
  createParticipant(body: {
    callbackUrl?: string;
    publishPermissions?: PublishPermission[];
    tag?: string;
    deviceApiVersion?: string;
  }): Promise<ParticipantCreated>;
  getParticipant(participantId: string): Promise<Participant>;
  deleteParticipant(participantId: string): Promise<void>;
  addParticipantToSession(
    sessionId: string,
    participantId: string,
    subscriptions?: Subscriptions,
  ): Promise<void>;
  removeParticipantFromSession(sessionId: string, participantId: string): Promise<void>;
  getParticipantSubscriptions(sessionId: string, participantId: string): Promise<Subscriptions>;
  updateParticipantSubscriptions(
    sessionId: string,
    participantId: string,
    subscriptions: Subscriptions,
  ): Promise<void>;
  createCall(body: CreateCallRequest): Promise<VoiceCall>;
  getCall(callId: string): Promise<VoiceCall>;
  modifyCall(callId: string, body: ModifyCallRequest): Promise<void>;
}

/** A REST error: the HTTP status and the vendor's message (never a credential). */
export class WebrtcHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'WebrtcHttpError';
  }
}

/** Participant callbacks, as the vendor POSTs them to the participant's callbackUrl. */
export const PARTICIPANT_EVENTS = ['onConnect', 'onLeave', 'onDisconnect'] as const;
export type ParticipantEventName = (typeof PARTICIPANT_EVENTS)[number];

export interface ParticipantEvent {
  event: ParticipantEventName;
  timestamp: string;
  participantId: string;
  deviceId?: string;
  tag?: string;
}

/** Voice callbacks the family reads (the vendor sends others too; they pass through). */
export const VOICE_EVENTS = [
  'answer',
  'disconnect',
  'redirect',
  'transferAnswer',
  'transferComplete',
  'transferDisconnect',
] as const;

export interface VoiceEvent {
  eventType: string;
  eventTime?: string;
  callId: string;
  accountId?: string;
  applicationId?: string;
  from?: string;
  to?: string;
  direction?: string;
  tag?: string;
  cause?: string;
  errorMessage?: string;
  [k: string]: unknown;
}

/** One callback as the family's event listeners receive it. */
export type WebrtcEvent =
  | { kind: 'participant'; name: ParticipantEventName; body: ParticipantEvent }
  | { kind: 'voice'; name: string; body: VoiceEvent };
