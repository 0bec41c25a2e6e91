/**
 * The vendor's REST resources over plain `fetch` (the WebRTC API and the Voice API).
 *
 * Why not the vendor's Node SDKs: in Node the WebRTC API has its own client package
 * (`@bandwidth/webrtc`), apart from the Voice SDK (`bandwidth-sdk`), for a product off sale since
 * 2023-05-05; two generated SDKs and their dependency trees for about a dozen REST calls would
 * outweigh this file. The same client speaks to the embedded simulator, so every request below
 * is exercised by the tests; against the live vendor it is built from the documentation and
 * unverified.
 *
 * The one table of vendor paths is ROUTES; a credential never appears in an error or a log.
 */
import {
  WebrtcHttpError,
  type CreateCallRequest,
  type ModifyCallRequest,
  type Participant,
  type ParticipantCreated,
  type PublishPermission,
  type Session,
  type Subscriptions,
  type VoiceCall,
  type WebrtcBackend,
} from './api';

export interface RestClientOptions {
  accountId: string;
  username: string;
  password: string;
  /** WebRTC API base, e.g. https://api.webrtc.bandwidth.com/v1 */
  webrtcBaseUrl: string;
  /** Voice API base, e.g. https://voice.bandwidth.com/api/v2 */
  voiceBaseUrl: string;
  /** Per-request timeout (ms). Default 15 000. */
  timeoutMs?: number;
  /** For tests: another fetch. */
  fetch?: typeof fetch;
}

const e = encodeURIComponent;

/** Vendor path of each resource, relative to its API's base URL. */
export const ROUTES = {
  sessions: (a: string) => `/accounts/${e(a)}/sessions`,
  session: (a: string, s: string) => `/accounts/${e(a)}/sessions/${e(s)}`,
  sessionParticipants: (a: string, s: string) => `/accounts/${e(a)}/sessions/${e(s)}/participants`,
  sessionParticipant: (a: string, s: string, p: string) =>
    `/accounts/${e(a)}/sessions/${e(s)}/participants/${e(p)}`,
  subscriptions: (a: string, s: string, p: string) =>
    `/accounts/${e(a)}/sessions/${e(s)}/participants/${e(p)}/subscriptions`,
  participants: (a: string) => `/accounts/${e(a)}/participants`,
  participant: (a: string, p: string) => `/accounts/${e(a)}/participants/${e(p)}`,
  calls: (a: string) => `/accounts/${e(a)}/calls`,
  call: (a: string, c: string) => `/accounts/${e(a)}/calls/${e(c)}`,
} as const;

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function errorText(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    for (const k of ['message', 'description', 'error']) {
      if (typeof b[k] === 'string' && b[k]) return b[k] as string;
    }
  }
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 200);
  return `HTTP ${status}`;
}

export class WebrtcRestClient implements WebrtcBackend {
  private readonly authHeader: string;
  private readonly webrtc: string;
  private readonly voice: string;
  private readonly doFetch: typeof fetch;

  constructor(private readonly opts: RestClientOptions) {
    if (!opts.accountId) throw new Error('account id is required');
    this.authHeader =
      'Basic ' + Buffer.from(`${opts.username}:${opts.password}`, 'utf8').toString('base64');
    this.webrtc = trimSlash(opts.webrtcBaseUrl);
    this.voice = trimSlash(opts.voiceBaseUrl);
    this.doFetch = opts.fetch ?? fetch;
    // Keep the credential out of util.inspect and JSON.stringify of this object.
    Object.defineProperty(this, 'authHeader', { enumerable: false });
    Object.defineProperty(this, 'opts', { enumerable: false });
  }

  private async request(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.opts.timeoutMs ?? 15_000);
    let res: Response;
    try {
      res = await this.doFetch(url, {
        method,
        headers: {
          authorization: this.authHeader,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctrl.signal,
      });
    } catch (err) {
      const aborted = ctrl.signal.aborted;
      throw new WebrtcHttpError(
        0,
        aborted
          ? `${method} ${new URL(url).pathname}: no answer in time`
          : `${method} ${new URL(url).pathname}: ${(err as Error)?.message ?? String(err)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = text;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep the text */
      }
    } else parsed = undefined;
    if (res.status >= 400) {
      throw new WebrtcHttpError(res.status, errorText(parsed, res.status), parsed);
    }
    return { status: res.status, body: parsed };
  }

  private w(path: string): string {
    return this.webrtc + path;
  }

  private v(path: string): string {
    return this.voice + path;
  }

  private get a(): string {
    return this.opts.accountId;
  }

  async createSession(body: { tag?: string }): Promise<Session> {
    return (await this.request('POST', this.w(ROUTES.sessions(this.a)), body)).body as Session;
  }

  async getSession(sessionId: string): Promise<Session> {
    return (await this.request('GET', this.w(ROUTES.session(this.a, sessionId)))).body as Session;
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.request('DELETE', this.w(ROUTES.session(this.a, sessionId)));
  }

  async listSessionParticipants(sessionId: string): Promise<Participant[]> {
    const r = await this.request('GET', this.w(ROUTES.sessionParticipants(this.a, sessionId)));
    return (Array.isArray(r.body) ? r.body : []) as Participant[];
  }

  async createParticipant(body: {
    callbackUrl?: string;
    publishPermissions?: PublishPermission[];
    tag?: string;
    deviceApiVersion?: string;
  }): Promise<ParticipantCreated> {
    return (await this.request('POST', this.w(ROUTES.participants(this.a)), body))
      .body as ParticipantCreated;
  }

  async getParticipant(participantId: string): Promise<Participant> {
    return (await this.request('GET', this.w(ROUTES.participant(this.a, participantId))))
      .body as Participant;
  }

  async deleteParticipant(participantId: string): Promise<void> {
    await this.request('DELETE', this.w(ROUTES.participant(this.a, participantId)));
  }

  async addParticipantToSession(
    sessionId: string,
    participantId: string,
    subscriptions?: Subscriptions,
  ): Promise<void> {
    await this.request(
      'PUT',
      this.w(ROUTES.sessionParticipant(this.a, sessionId, participantId)),
      subscriptions ?? {},
    );
  }

  async removeParticipantFromSession(sessionId: string, participantId: string): Promise<void> {
    await this.request(
      'DELETE',
      this.w(ROUTES.sessionParticipant(this.a, sessionId, participantId)),
    );
  }

  async getParticipantSubscriptions(
    sessionId: string,
    participantId: string,
  ): Promise<Subscriptions> {
    return (
      await this.request('GET', this.w(ROUTES.subscriptions(this.a, sessionId, participantId)))
    ).body as Subscriptions;
  }

  async updateParticipantSubscriptions(
    sessionId: string,
    participantId: string,
    subscriptions: Subscriptions,
  ): Promise<void> {
    await this.request(
      'PUT',
      this.w(ROUTES.subscriptions(this.a, sessionId, participantId)),
      subscriptions,
    );
  }

  async createCall(body: CreateCallRequest): Promise<VoiceCall> {
    return (await this.request('POST', this.v(ROUTES.calls(this.a)), body)).body as VoiceCall;
  }

  async getCall(callId: string): Promise<VoiceCall> {
    return (await this.request('GET', this.v(ROUTES.call(this.a, callId)))).body as VoiceCall;
  }

  async modifyCall(callId: string, body: ModifyCallRequest): Promise<void> {
    await this.request('POST', this.v(ROUTES.call(this.a, callId)), body);
  }
}
