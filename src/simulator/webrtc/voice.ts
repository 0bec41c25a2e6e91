/**
 * The Voice API side of the simulator: outbound PSTN calls whose callee behaves by the
 * palette's number rules (last digit: 0 busy, 9 no answer, 8 rejects, 7 fails, 6 answers and
 * hangs up 10 s later, any other answers and stays), answer / disconnect / redirect /
 * transferAnswer / transferComplete callbacks, a small BXML interpreter (Pause, Ring,
 * SpeakSentence, Hangup, Transfer to a SipUri carrying a participant token), and modifyCall
 * (`completed` hangs up, `redirectUrl` redirects).
 */
import { randomBytes } from 'node:crypto';
import type { NumberRules } from '../scenario';
import { Clock, type Timer } from '../scenario';
import type { CallbackAuth, CallbackSender } from './callbacks-out';
import { SimHttpError, type SimDevice, type WebrtcModel } from './model';

interface Verb {
  name: string;
  attrs: Record<string, string>;
  children: Verb[];
  text: string;
}

interface SimCall {
  callId: string;
  from: string;
  to: string;
  applicationId: string;
  answerUrl: string;
  disconnectUrl?: string;
  tag?: string;
  auth: CallbackAuth;
  state: 'initiated' | 'answered' | 'disconnected';
  startTime: string;
  answerTime?: string;
  endTime?: string;
  timers: Set<Timer>;
  /** Bumped whenever the running BXML is replaced; stale continuations stop. */
  gen: number;
  transfer?: { device: SimDevice; completeUrl?: string; ending?: 'hangup' | 'replaced' };
}

export interface VoiceOptions {
  clock: Clock;
  rules: NumberRules;
  accountId: string;
  sender: CallbackSender;
  model: WebrtcModel;
  /** Base URL calls are addressed by (callUrl). */
  baseUrl: () => string;
  /** Bearer token on voice callbacks sent without Basic credentials. */
  callbackToken?: string;
  maxCalls?: number;
}

const DEFAULT_CALL_TIMEOUT_S = 30;

/** Parse the few BXML verbs the simulator runs. Throws on what it cannot read. */
export function parseBxml(text: string): Verb[] {
  const src = text
    .replace(/<\?xml[^>]*\?>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
  let i = 0;
  const unescape = (s: string): string =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&');
  const parseElement = (): Verb => {
    const open = /^<([A-Za-z]+)((?:\s+[A-Za-z]+="[^"]*")*)\s*(\/?)>/.exec(src.slice(i));
    if (!open) throw new Error(`invalid BXML near ${JSON.stringify(src.slice(i, i + 30))}`);
    i += open[0].length;
    const attrs: Record<string, string> = {};
    for (const m of open[2].matchAll(/([A-Za-z]+)="([^"]*)"/g)) attrs[m[1]] = unescape(m[2]);
    const verb: Verb = { name: open[1], attrs, children: [], text: '' };
    if (open[3] === '/') return verb;
    for (;;) {
      const rest = src.slice(i);
      const close = new RegExp(`^\\s*</${open[1]}\\s*>`).exec(rest);
      if (close) {
        i += close[0].length;
        return verb;
      }
      const ws = /^\s+/.exec(rest);
      if (rest.startsWith('<') || (ws && rest.slice(ws[0].length).startsWith('<'))) {
        if (ws) i += ws[0].length;
        verb.children.push(parseElement());
        continue;
      }
      const t = /^[^<]+/.exec(rest);
      if (!t) throw new Error(`unterminated <${open[1]}>`);
      verb.text += unescape(t[0]);
      i += t[0].length;
    }
  };
  const root = parseElement();
  if (root.name !== 'Response') throw new Error('BXML root must be <Response>');
  return root.children;
}

export class VoiceModel {
  readonly calls = new Map<string, SimCall>();

  constructor(private readonly opts: VoiceOptions) {}

  get active(): number {
    let n = 0;
    for (const c of this.calls.values()) if (c.state !== 'disconnected') n++;
    return n;
  }

  createCall(body: Record<string, unknown>): Record<string, unknown> {
    for (const k of ['from', 'to', 'applicationId', 'answerUrl']) {
      if (typeof body[k] !== 'string' || !body[k]) throw new SimHttpError(400, `${k} is required`);
    }
    if (!/^\+?[0-9]{2,20}$/.test(body.to as string)) {
      throw new SimHttpError(400, 'to must be a phone number (digits, optionally a leading +)');
    }
    for (const k of ['answerUrl', 'disconnectUrl']) {
      if (body[k] === undefined) continue;
      try {
        const u = new URL(String(body[k]));
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      } catch {
        throw new SimHttpError(400, `${k} must be an http(s) URL`);
      }
    }
    const timeoutS =
      body.callTimeout === undefined ? DEFAULT_CALL_TIMEOUT_S : Number(body.callTimeout);
    if (!Number.isFinite(timeoutS) || timeoutS < 1 || timeoutS > 300) {
      throw new SimHttpError(400, 'callTimeout must be 1..300 seconds');
    }
    if (this.active >= (this.opts.maxCalls ?? 10_000))
      throw new SimHttpError(429, 'too many calls');
    this.forgetEnded();
    const call: SimCall = {
      callId: `c-${randomBytes(12).toString('hex')}`,
      from: body.from as string,
      to: body.to as string,
      applicationId: body.applicationId as string,
      answerUrl: body.answerUrl as string,
      disconnectUrl: body.disconnectUrl as string | undefined,
      tag: typeof body.tag === 'string' ? body.tag : undefined,
      auth:
        typeof body.username === 'string' && typeof body.password === 'string'
          ? { basic: { username: body.username, password: body.password } }
          : { bearer: this.opts.callbackToken },
      state: 'initiated',
      startTime: new Date().toISOString(),
      timers: new Set(),
      gen: 0,
    };
    this.calls.set(call.callId, call);
    const b = this.opts.rules.resolve(call.to.replace(/^\+/, ''));
    const timeoutMs = timeoutS * 1000;
    switch (b.kind) {
      case 'answer':
        if (b.afterMs >= timeoutMs) this.later(call, timeoutMs, () => this.end(call, 'timeout'));
        else
          this.later(call, b.afterMs, () => {
            this.answer(call);
            if (b.hangupAfterMs !== undefined) {
              this.later(call, b.hangupAfterMs, () => this.end(call, 'hangup'), true);
            }
          });
        break;
      case 'busy':
        this.later(call, b.afterMs ?? 1000, () => this.end(call, 'busy'));
        break;
      case 'noAnswer':
        this.later(call, timeoutMs, () => this.end(call, 'timeout'));
        break;
      case 'reject':
        this.later(call, b.afterMs ?? 3000, () => this.end(call, 'rejected'));
        break;
      case 'fail':
        this.later(call, b.afterMs ?? 500, () =>
          this.end(call, 'error', 'the network could not place the call'),
        );
        break;
    }
    return this.view(call);
  }

  getCall(callId: string): Record<string, unknown> {
    return this.view(this.call(callId));
  }

  modifyCall(callId: string, body: Record<string, unknown>): void {
    const call = this.call(callId);
    if (call.state === 'disconnected') throw new SimHttpError(404, `call ${callId} has ended`);
    if (body.state === 'completed') {
      this.end(call, call.state === 'initiated' ? 'cancel' : 'hangup');
      return;
    }
    if (body.state !== undefined && body.state !== 'active') {
      throw new SimHttpError(400, 'state must be active or completed');
    }
    if (typeof body.redirectUrl !== 'string' || !body.redirectUrl) {
      throw new SimHttpError(400, 'redirectUrl is required unless state is completed');
    }
    if (call.state !== 'answered') throw new SimHttpError(409, 'the call is not answered yet');
    if (typeof body.username === 'string' && typeof body.password === 'string') {
      call.auth = { basic: { username: body.username, password: body.password } };
    }
    call.gen++;
    this.leaveSession(call, 'replaced');
    void this.fetchBxml(call, body.redirectUrl, 'redirect');
  }

  private call(callId: string): SimCall {
    const c = this.calls.get(callId);
    if (!c) throw new SimHttpError(404, `call ${callId} not found`);
    return c;
  }

  private forgetEnded(): void {
    if (this.calls.size < 1000) return;
    for (const [k, c] of this.calls) if (c.state === 'disconnected') this.calls.delete(k);
  }

  private view(c: SimCall): Record<string, unknown> {
    return {
      callId: c.callId,
      accountId: this.opts.accountId,
      applicationId: c.applicationId,
      from: c.from,
      to: c.to,
      direction: 'outbound',
      state: c.state,
      callUrl: `${this.opts.baseUrl()}/accounts/${this.opts.accountId}/calls/${c.callId}`,
      startTime: c.startTime,
      ...(c.answerTime ? { answerTime: c.answerTime } : {}),
      ...(c.endTime ? { endTime: c.endTime } : {}),
      ...(c.tag !== undefined ? { tag: c.tag } : {}),
    };
  }

  private later(call: SimCall, ms: number, fn: () => void, anyGen = false): void {
    const gen = call.gen;
    const t = this.opts.clock.after(ms, () => {
      call.timers.delete(t);
      if (call.state === 'disconnected' || (!anyGen && call.gen !== gen)) return;
      fn();
    });
    call.timers.add(t);
  }

  private event(
    call: SimCall,
    eventType: string,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    const v = this.view(call);
    delete v.state;
    return { eventType, eventTime: new Date().toISOString(), ...v, ...extra };
  }

  private answer(call: SimCall): void {
    call.state = 'answered';
    call.answerTime = new Date().toISOString();
    void this.fetchBxml(call, call.answerUrl, 'answer');
  }

  /** POST a callback whose answer is BXML, then run it. */
  private async fetchBxml(
    call: SimCall,
    url: string,
    eventType: string,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    const gen = call.gen;
    const res = await this.opts.sender.post(url, this.event(call, eventType, extra), call.auth);
    if (call.state === 'disconnected' || call.gen !== gen) return;
    if (!res || res.status >= 400) {
      this.end(call, 'callback-error', `${eventType} callback failed`);
      return;
    }
    let verbs: Verb[];
    try {
      verbs = res.text.trim() === '' ? [] : parseBxml(res.text);
    } catch (err) {
      this.end(call, 'invalid-bxml', (err as Error).message);
      return;
    }
    this.run(call, verbs, 0, gen);
  }

  private run(call: SimCall, verbs: Verb[], index: number, gen: number): void {
    if (call.state === 'disconnected' || call.gen !== gen) return;
    const verb = verbs[index];
    if (!verb) {
      this.end(call, 'hangup'); // the BXML ran out: the vendor hangs up
      return;
    }
    const next = (): void => this.run(call, verbs, index + 1, gen);
    switch (verb.name) {
      case 'Pause':
      case 'Ring': {
        const s = Number(verb.attrs.duration ?? (verb.name === 'Ring' ? 5 : 1));
        this.later(call, Math.max(0, Number.isFinite(s) ? s : 1) * 1000, next);
        return;
      }
      case 'SpeakSentence':
      case 'PlayAudio':
        this.later(call, 1000, next);
        return;
      case 'Hangup':
        this.end(call, 'hangup');
        return;
      case 'Transfer':
        this.transfer(call, verb);
        return;
      default:
        this.end(call, 'invalid-bxml', `the simulator does not run <${verb.name}>`);
    }
  }

  private transfer(call: SimCall, verb: Verb): void {
    const sip = verb.children.find((c) => c.name === 'SipUri');
    const uui = sip?.attrs.uui ?? '';
    const m = /^(.*);encoding=jwt$/.exec(uui);
    const completeUrl = verb.attrs.transferCompleteUrl;
    const fail = (message: string): void => {
      if (completeUrl)
        void this.fetchBxml(call, completeUrl, 'transferComplete', {
          cause: 'error',
          errorMessage: message,
        });
      else this.end(call, 'error', message);
    };
    if (!sip || !m) {
      fail('Transfer needs a SipUri with uui="<token>;encoding=jwt"');
      return;
    }
    let device: SimDevice;
    try {
      device = this.opts.model.connectDevice(m[1], 'sip');
    } catch (err) {
      fail((err as Error).message);
      return;
    }
    const participant = this.opts.model.participants.get(device.participantId);
    if (!participant || participant.sessions.size === 0) {
      this.opts.model.disconnect(device, 'participant is in no session');
      fail('the participant is in no session');
      return;
    }
    call.transfer = { device, completeUrl };
    device.onGone = () => {
      const t = call.transfer;
      if (!t || t.device !== device) return;
      call.transfer = undefined;
      if (t.ending === 'hangup' || t.ending === 'replaced') return;
      // The WebRTC side ended the leg (removed from the session): the call comes back.
      if (t.completeUrl)
        void this.fetchBxml(call, t.completeUrl, 'transferComplete', { cause: 'hangup' });
      else this.end(call, 'hangup');
    };
    const answerUrl = sip.attrs.transferAnswerUrl;
    if (answerUrl) {
      void this.opts.sender.post(
        answerUrl,
        this.event(call, 'transferAnswer', { transferTo: sip.text.trim() }),
        call.auth,
      );
    }
  }

  /** The call leaves its WebRTC session (redirect, hang-up): the SIP device disconnects. */
  private leaveSession(call: SimCall, why: 'hangup' | 'replaced'): void {
    const t = call.transfer;
    if (!t) return;
    t.ending = why;
    call.transfer = undefined;
    this.opts.model.disconnect(t.device, why === 'hangup' ? 'call ended' : 'call redirected');
  }

  private end(call: SimCall, cause: string, errorMessage?: string): void {
    if (call.state === 'disconnected') return;
    this.leaveSession(call, 'hangup');
    call.state = 'disconnected';
    call.endTime = new Date().toISOString();
    for (const t of call.timers) this.opts.clock.cancel(t);
    call.timers.clear();
    if (call.disconnectUrl) {
      void this.opts.sender.post(
        call.disconnectUrl,
        this.event(call, 'disconnect', { cause, ...(errorMessage ? { errorMessage } : {}) }),
        call.auth,
      );
    }
  }

  dispose(): void {
    for (const c of this.calls.values()) {
      for (const t of c.timers) this.opts.clock.cancel(t);
      c.timers.clear();
    }
    this.calls.clear();
  }
}
