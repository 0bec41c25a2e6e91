/**
 * The callbacks this family receives, as JSON Schemas (ajv): participant callbacks
 * (`onConnect`, `onLeave`, `onDisconnect` with `event`, `timestamp`, `participantId`,
 * `deviceId`, `tag`) and Voice API callbacks (`eventType`, `callId`, ...). The webhook ingress
 * checks bodies with validateWebrtcCallback; the simulator's tests check what it sends.
 */
import { lazyValidator } from '../protocol/lazy-schema';
import { PARTICIPANT_EVENTS, type WebrtcEvent } from './api';

export const participantEventSchema = {
  $id: 'webrtc-participant-event',
  type: 'object',
  required: ['event', 'timestamp', 'participantId'],
  properties: {
    event: { enum: [...PARTICIPANT_EVENTS] },
    timestamp: { type: 'string', minLength: 1, maxLength: 64 },
    participantId: { type: 'string', minLength: 1, maxLength: 256 },
    deviceId: { type: 'string', maxLength: 256 },
    tag: { type: 'string', maxLength: 4096 },
  },
};

export const voiceEventSchema = {
  $id: 'webrtc-voice-event',
  type: 'object',
  required: ['eventType', 'callId'],
  properties: {
    eventType: { type: 'string', minLength: 1, maxLength: 64 },
    callId: { type: 'string', minLength: 1, maxLength: 256 },
    eventTime: { type: 'string', maxLength: 64 },
    from: { type: 'string', maxLength: 64 },
    to: { type: 'string', maxLength: 64 },
    cause: { type: 'string', maxLength: 64 },
    tag: { type: 'string', maxLength: 4096 },
  },
};

/** Compiled on first use: loading the palette at Node-RED's start compiles no schema. */
const participantFn = lazyValidator(participantEventSchema, { allErrors: false, strict: false });
const voiceFn = lazyValidator(voiceEventSchema, { allErrors: false, strict: false });

export type CallbackCheck =
  { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

function fail(fn: {
  errors?: { instancePath?: string; message?: string }[] | null;
}): CallbackCheck {
  const err = fn.errors?.[0];
  return { ok: false, message: `body${err?.instancePath ?? ''} ${err?.message ?? 'is invalid'}` };
}

/** A participant callback or a voice callback, or why neither. */
export function validateWebrtcCallback(body: unknown): CallbackCheck {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object' };
  }
  const b = body as Record<string, unknown>;
  if ('event' in b) return participantFn()(b) ? { ok: true, value: b } : fail(participantFn());
  if ('eventType' in b) return voiceFn()(b) ? { ok: true, value: b } : fail(voiceFn());
  return { ok: false, message: 'body has neither "event" (participant) nor "eventType" (voice)' };
}

/** A checked body as a family event. */
export function toWebrtcEvent(body: Record<string, unknown>): WebrtcEvent {
  if (typeof body.event === 'string') {
    return { kind: 'participant', name: body.event, body } as unknown as WebrtcEvent;
  }
  return { kind: 'voice', name: String(body.eventType), body } as unknown as WebrtcEvent;
}
