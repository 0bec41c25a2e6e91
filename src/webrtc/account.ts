/**
 * One WebRTC / Voice account as the nodes use it: runs catalogue operations against the REST
 * resources (WebrtcBackend) and turns the callbacks into outcomes and events.
 *
 * - REST operations end `done`, `notFound` (HTTP 404) or `failed`.
 * - createCall ends when the call's first callback arrives: `answer` -> answered; `disconnect`
 *   with cause `busy` -> busy, `timeout` -> noAnswer, any other cause -> failed.
 * - transferToWebRTC redirects the call to the account's voice callback URL and answers that
 *   `redirect` with the transfer BXML (the participant's token); it ends `done` on
 *   `transferAnswer` (the call is in the session) or `failed` when the leg ends first.
 * - Answered calls, and calls back from a session (`transferComplete`), are held (`<Pause>`)
 *   until the flow hangs them up or redirects them.
 * Every operation ends in exactly one outcome; timeouts included. Nothing here logs a token.
 */
import {
  WebrtcHttpError,
  type VoiceEvent,
  type WebrtcBackend,
  type WebrtcEvent,
  type Subscriptions,
} from './api';
import { holdBxml, transferBxml } from './bxml';
import { toWebrtcEvent } from './callbacks';
import { DONE, FAILED, NOT_FOUND, getWebrtcOperation } from './catalogue';
import { checkParams } from './params';

export interface WebrtcAccountOptions {
  backend: WebrtcBackend;
  /** The Voice application calls are created under. */
  applicationId: string;
  /** Where the vendor POSTs voice callbacks for calls this account creates. */
  voiceCallbackUrl: string | (() => string);
  /** Default callbackUrl of new participants. */
  participantCallbackUrl: string | (() => string);
  /** Basic-auth credentials the vendor sends back with voice callbacks. */
  callbackAuth?: { username: string; password: string };
  /** How many calls are remembered (oldest forgotten first). Default 10 000. */
  maxCalls?: number;
}

export interface WebrtcIds {
  sessionId?: string;
  participantId?: string;
  token?: string;
  callId?: string;
}

export interface WebrtcResult {
  operation: string;
  outcome: string;
  reason?: string;
  /** HTTP status of the REST answer, when one came. */
  status?: number;
  message?: string;
  field?: string;
  payload: unknown;
  ids: WebrtcIds;
  /** Callbacks that ended or accompanied the operation. */
  events: VoiceEvent[];
  startedAt: number;
  endedAt: number;
}

interface Waiter {
  accept(ev: VoiceEvent): { outcome: string; reason?: string } | undefined;
  finish(outcome: string, reason: string | undefined, ev?: VoiceEvent): void;
}

interface CallState {
  answered: boolean;
  transferToken?: string;
  waiters: Set<Waiter>;
  /** Callbacks seen before the call was known to this account (a fast answer). */
  early: VoiceEvent[];
}

type Listener = (event: WebrtcEvent) => void;

const CREATE_CALL_OUTCOME: Record<string, string> = { busy: 'busy', timeout: 'noAnswer' };

export class WebrtcAccount {
  private readonly calls = new Map<string, CallState>();
  private readonly listeners = new Set<Listener>();
  private closed = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly opts: WebrtcAccountOptions) {
    Object.defineProperty(this, 'opts', { enumerable: false });
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get participantCallbackUrl(): string {
    const u = this.opts.participantCallbackUrl;
    return typeof u === 'function' ? u() : u;
  }

  get voiceCallbackUrl(): string {
    const u = this.opts.voiceCallbackUrl;
    return typeof u === 'function' ? u() : u;
  }

  /** End every waiting operation (`failed`, reason `closed`) and forget the calls. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.calls.values()) {
      for (const w of [...c.waiters]) w.finish(FAILED, 'closed');
    }
    this.calls.clear();
    this.listeners.clear();
  }

  private call(callId: string): CallState {
    let c = this.calls.get(callId);
    if (!c) {
      c = { answered: false, waiters: new Set(), early: [] };
      this.calls.set(callId, c);
      const max = this.opts.maxCalls ?? 10_000;
      while (this.calls.size > max) {
        const oldest = this.calls.keys().next().value as string;
        const o = this.calls.get(oldest);
        if (o && o.waiters.size > 0) break; // never forget a call an operation waits on
        this.calls.delete(oldest);
      }
    }
    return c;
  }

  /**
   * A checked callback body (from the webhook ingress). Returns the BXML to answer a voice
   * callback with, when the call needs one.
   */
  handleCallback(body: Record<string, unknown>): { bxml?: string } {
    const event = toWebrtcEvent(body);
    let bxml: string | undefined;
    if (event.kind === 'voice') bxml = this.voice(event.body);
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        /* a listener's failure is its own */
      }
    }
    return bxml === undefined ? {} : { bxml };
  }

  private voice(ev: VoiceEvent): string | undefined {
    const c = this.call(ev.callId);
    let bxml: string | undefined;
    switch (ev.eventType) {
      case 'answer':
        c.answered = true;
        bxml = c.transferToken ? this.transfer(c) : holdBxml();
        break;
      case 'redirect':
        bxml = c.transferToken ? this.transfer(c) : holdBxml();
        break;
      case 'transferComplete':
        bxml = holdBxml();
        break;
      case 'disconnect':
        break;
      default:
        break;
    }
    if (c.waiters.size === 0) {
      if (c.early.length < 20) c.early.push(ev);
    } else {
      for (const w of [...c.waiters]) {
        const end = w.accept(ev);
        if (end) w.finish(end.outcome, end.reason, ev);
      }
    }
    if (ev.eventType === 'disconnect' && c.waiters.size === 0) {
      // Keep the early events a little while (createCall may not have its callId yet).
      const t = setTimeout(() => {
        this.timers.delete(t);
        const now = this.calls.get(ev.callId);
        if (now && now.waiters.size === 0) this.calls.delete(ev.callId);
      }, 60_000);
      t.unref?.();
      this.timers.add(t);
    }
    return bxml;
  }

  private transfer(c: CallState): string {
    const token = c.transferToken as string;
    c.transferToken = undefined;
    return transferBxml(token, {
      transferAnswerUrl: this.voiceCallbackUrl,
      transferCompleteUrl: this.voiceCallbackUrl,
    });
  }

  /** Run one catalogue operation. Never rejects. */
  async run(
    operation: string,
    values: Record<string, unknown>,
    options: { timeoutMs?: number } = {},
  ): Promise<WebrtcResult> {
    const startedAt = Date.now();
    const result = (outcome: string, rest: Partial<WebrtcResult> = {}): WebrtcResult => ({
      operation,
      outcome,
      payload: undefined,
      ids: {},
      events: [],
      startedAt,
      endedAt: Date.now(),
      ...rest,
    });
    const spec = getWebrtcOperation(operation);
    if (!spec)
      return result(FAILED, { reason: 'config', message: `unknown operation "${operation}"` });
    if (this.closed) return result(FAILED, { reason: 'closed', message: 'the account is closed' });
    const checked = checkParams(spec, values);
    if (!checked.ok) {
      return result(FAILED, {
        reason: 'badParams',
        field: checked.field,
        message: checked.message,
      });
    }
    const params = checked.params as Record<string, never>;
    const timeoutMs = options.timeoutMs ?? spec.timeoutS * 1000;
    const cleanup: (() => void)[] = [];
    try {
      return await this.withTimeout(timeoutMs, result, cleanup, async () => {
        const b = this.opts.backend;
        switch (operation) {
          case 'createSession': {
            const s = await b.createSession(params.tag ? { tag: params.tag } : {});
            return result(DONE, { payload: s, ids: { sessionId: s.id } });
          }
          case 'getSession': {
            const s = await b.getSession(params.sessionId);
            let participants: unknown[] | undefined;
            try {
              participants = await b.listSessionParticipants(params.sessionId);
            } catch {
              participants = undefined;
            }
            return result(DONE, {
              payload: participants ? { ...s, participants } : s,
              ids: { sessionId: s.id },
            });
          }
          case 'deleteSession':
            await b.deleteSession(params.sessionId);
            return result(DONE, { payload: {}, ids: { sessionId: params.sessionId } });
          case 'createParticipant': {
            const created = await b.createParticipant({
              callbackUrl: params.callbackUrl || this.participantCallbackUrl,
              publishPermissions: params.publishPermissions ?? ['AUDIO', 'VIDEO'],
              tag: params.tag,
              deviceApiVersion: 'V3',
            });
            return result(DONE, {
              payload: created,
              ids: { participantId: created.participant?.id, token: created.token },
            });
          }
          case 'getParticipant': {
            const p = await b.getParticipant(params.participantId);
            return result(DONE, { payload: p, ids: { participantId: p.id } });
          }
          case 'addParticipantToSession': {
            const subs: Subscriptions = params.subscriptions ?? { sessionId: params.sessionId };
            await b.addParticipantToSession(params.sessionId, params.participantId, subs);
            return result(DONE, {
              payload: {
                sessionId: params.sessionId,
                participantId: params.participantId,
                subscriptions: subs,
              },
              ids: { sessionId: params.sessionId, participantId: params.participantId },
            });
          }
          case 'updateParticipantSubscriptions': {
            await b.updateParticipantSubscriptions(
              params.sessionId,
              params.participantId,
              params.subscriptions,
            );
            return result(DONE, {
              payload: {
                sessionId: params.sessionId,
                participantId: params.participantId,
                subscriptions: params.subscriptions,
              },
              ids: { sessionId: params.sessionId, participantId: params.participantId },
            });
          }
          case 'removeParticipantFromSession':
            await b.removeParticipantFromSession(params.sessionId, params.participantId);
            return result(DONE, {
              payload: { sessionId: params.sessionId, participantId: params.participantId },
              ids: { sessionId: params.sessionId, participantId: params.participantId },
            });
          case 'deleteParticipant':
            await b.deleteParticipant(params.participantId);
            return result(DONE, { payload: {}, ids: { participantId: params.participantId } });
          case 'createCall':
            return await this.createCall(params, result, cleanup);
          case 'transferToWebRTC':
            return await this.transferToWebRTC(params, result, cleanup);
          case 'hangupCall':
            await b.modifyCall(params.callId, { state: 'completed' });
            return result(DONE, {
              payload: { callId: params.callId },
              ids: { callId: params.callId },
            });
          case 'redirectCall':
            await b.modifyCall(params.callId, {
              state: 'active',
              redirectUrl: params.redirectUrl,
              ...this.opts.callbackAuth,
            });
            return result(DONE, {
              payload: { callId: params.callId, redirectUrl: params.redirectUrl },
              ids: { callId: params.callId },
            });
          default:
            return result(FAILED, {
              reason: 'config',
              message: `unsupported operation ${operation}`,
            });
        }
      });
    } catch (err) {
      if (err instanceof WebrtcHttpError) {
        if (err.status === 404) {
          return result(NOT_FOUND, { reason: 'notFound', status: 404, message: err.message });
        }
        return result(FAILED, {
          reason: err.status === 0 ? 'network' : `http${err.status}`,
          status: err.status || undefined,
          message: err.message,
        });
      }
      return result(FAILED, { reason: 'error', message: (err as Error)?.message ?? String(err) });
    }
  }

  private withTimeout(
    ms: number,
    result: (outcome: string, rest?: Partial<WebrtcResult>) => WebrtcResult,
    cleanup: (() => void)[],
    fn: () => Promise<WebrtcResult>,
  ): Promise<WebrtcResult> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        for (const c of cleanup) c();
        resolve(result(FAILED, { reason: 'timeout', message: `no outcome within ${ms} ms` }));
      }, ms);
      this.timers.add(t);
      fn().then(
        (r) => {
          clearTimeout(t);
          this.timers.delete(t);
          resolve(r);
        },
        (err: unknown) => {
          clearTimeout(t);
          this.timers.delete(t);
          reject(err);
        },
      );
    });
  }

  /** Wait for the call's callbacks until `accept` ends the wait. */
  private waitFor(
    callId: string,
    accept: Waiter['accept'],
  ): {
    promise: Promise<{ outcome: string; reason?: string; ev?: VoiceEvent; events: VoiceEvent[] }>;
    cancel(): void;
  } {
    const c = this.call(callId);
    const events: VoiceEvent[] = [];
    let waiter!: Waiter;
    const promise = new Promise<{
      outcome: string;
      reason?: string;
      ev?: VoiceEvent;
      events: VoiceEvent[];
    }>((resolve) => {
      waiter = {
        accept: (ev) => {
          events.push(ev);
          return accept(ev);
        },
        finish: (outcome, reason, ev) => {
          c.waiters.delete(waiter);
          resolve({ outcome, reason, ev, events });
        },
      };
    });
    c.waiters.add(waiter);
    // Callbacks that came before the wait began.
    const early = c.early.splice(0);
    for (const ev of early) {
      if (!c.waiters.has(waiter)) break;
      const end = waiter.accept(ev);
      if (end) waiter.finish(end.outcome, end.reason, ev);
    }
    return { promise, cancel: () => waiter.finish(FAILED, 'timeout') };
  }

  private async createCall(
    params: Record<string, never>,
    result: (outcome: string, rest?: Partial<WebrtcResult>) => WebrtcResult,
    cleanup: (() => void)[],
  ): Promise<WebrtcResult> {
    const call = await this.opts.backend.createCall({
      from: params.from,
      to: params.to,
      applicationId: this.opts.applicationId,
      answerUrl: this.voiceCallbackUrl,
      disconnectUrl: this.voiceCallbackUrl,
      ...(params.callTimeout ? { callTimeout: params.callTimeout } : {}),
      ...(params.tag ? { tag: params.tag } : {}),
      ...this.opts.callbackAuth,
    });
    const w = this.waitFor(call.callId, (ev) => {
      if (ev.eventType === 'answer') return { outcome: 'answered' };
      if (ev.eventType === 'disconnect') {
        const cause = String(ev.cause ?? 'unknown');
        return { outcome: CREATE_CALL_OUTCOME[cause] ?? FAILED, reason: cause };
      }
      return undefined;
    });
    cleanup.push(w.cancel);
    const end = await w.promise;
    return result(end.outcome, {
      reason: end.outcome === 'answered' ? undefined : end.reason,
      message: end.outcome === FAILED ? (end.ev?.errorMessage as string | undefined) : undefined,
      payload: end.ev ?? call,
      ids: { callId: call.callId },
      events: end.events,
    });
  }

  private async transferToWebRTC(
    params: Record<string, never>,
    result: (outcome: string, rest?: Partial<WebrtcResult>) => WebrtcResult,
    cleanup: (() => void)[],
  ): Promise<WebrtcResult> {
    const callId: string = params.callId;
    const c = this.call(callId);
    c.early.length = 0;
    c.transferToken = params.token;
    const w = this.waitFor(callId, (ev) => {
      if (ev.eventType === 'transferAnswer') return { outcome: DONE };
      if (['transferComplete', 'transferDisconnect', 'disconnect'].includes(ev.eventType)) {
        return { outcome: FAILED, reason: String(ev.cause ?? ev.eventType) };
      }
      return undefined;
    });
    cleanup.push(w.cancel, () => {
      c.transferToken = undefined;
    });
    try {
      await this.opts.backend.modifyCall(callId, {
        state: 'active',
        redirectUrl: this.voiceCallbackUrl,
        ...this.opts.callbackAuth,
      });
    } catch (err) {
      c.transferToken = undefined;
      w.cancel();
      throw err;
    }
    const end = await w.promise;
    return result(end.outcome, {
      reason: end.reason,
      message: end.outcome === FAILED ? (end.ev?.errorMessage as string | undefined) : undefined,
      payload: end.ev ?? { callId },
      ids: { callId },
      events: end.events,
    });
  }
}
