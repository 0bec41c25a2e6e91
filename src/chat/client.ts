/**
 * The chat client: discovery, the application's capabilities, and the chat operations, each
 * ending in exactly one outcome. Requests go over HTTP to the links the server handed out;
 * outcomes arrive as callbacks (fed in with handleCallback) carrying the operation id the
 * request passed, or as the HTTP refusal, or as a timeout. No Node-RED import.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ChatCallback, ChatClientOptions, ChatEvent, ChatOutcome, ChatSession } from './api';
import { getChatOperation, REL, type ChatOperationSpec } from './catalogue';
import { flattenCallback, linksOf } from './envelope';
import { SessionStore } from './sessions';

export interface RunRequest {
  /** The chat session (the visitor's invitation href), for every operation but tokens. */
  session?: string;
  params?: Record<string, unknown>;
  /** The operation id to pass (a fresh UUID when absent). */
  operationId?: string;
  timeoutMs?: number;
  /** Each callback event of this operation that does not end it. */
  onProgress?: (event: ChatEvent) => void;
}

interface Pending {
  spec: ChatOperationSpec;
  outcome: Omit<ChatOutcome, 'outcome' | 'endedAt'>;
  timer: NodeJS.Timeout;
  resolve: (o: ChatOutcome) => void;
  onProgress?: (event: ChatEvent) => void;
  done: boolean;
}

type Fail = { reason: string; message: string; field?: string; httpStatus?: number };

/** Events: `event` (ChatEvent, every callback event, in order). */
export class ChatClient extends EventEmitter {
  readonly sessions: SessionStore;
  private readonly pending = new Map<string, Pending>();
  private appLinks: Record<string, string> | undefined;
  private discovering: Promise<Record<string, string>> | undefined;
  private base: string | undefined;
  private closed = false;

  constructor(private readonly opts: ChatClientOptions) {
    super();
    this.base = opts.discoveryUrl || undefined;
    this.sessions = new SessionStore(opts.maxSessions, opts.endedTtlMs);
  }

  /** The discovery URL, when it becomes known later (an embedded simulator starting). */
  setDiscoveryUrl(url: string): void {
    this.base = url;
    this.appLinks = undefined;
    this.discovering = undefined;
  }

  get discoveryUrl(): string | undefined {
    return this.base;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Steps 1-2: discovery, then the application resource and its capability links. */
  async discover(): Promise<Record<string, string>> {
    if (this.appLinks) return this.appLinks;
    this.discovering ??= (async () => {
      if (!this.base) throw new Error('no discovery URL yet');
      const disco = await this.http('GET', this.base);
      if (disco.status !== 200) throw new Error(`discovery answered HTTP ${disco.status}`);
      const appsHref = linksOf(disco.body)[REL.applications];
      if (!appsHref) throw new Error(`discovery has no ${REL.applications} link`);
      const app = await this.http('GET', this.resolve(appsHref));
      if (app.status === 401 || app.status === 403) {
        throw new Error(`the application was refused (HTTP ${app.status}): check the secret`);
      }
      if (app.status !== 200) throw new Error(`application resource answered HTTP ${app.status}`);
      this.appLinks = linksOf(app.body);
      return this.appLinks;
    })();
    try {
      return await this.discovering;
    } catch (err) {
      this.discovering = undefined;
      throw err;
    }
  }

  /** A copy of a session. */
  session(id: string): ChatSession | undefined {
    return this.sessions.snapshot(id);
  }

  /** Feed one validated callback; returns its events (each with its session, when known). */
  handleCallback(cb: ChatCallback): ChatEvent[] {
    const events = flattenCallback(cb);
    for (const ev of events) {
      this.sessions.apply(ev);
      this.emit('event', ev);
      const p = ev.operationId !== undefined ? this.pending.get(ev.operationId) : undefined;
      if (!p || p.done) continue;
      p.outcome.events.push(ev);
      const rule = p.spec.ends.find((r) => r.kind === ev.kind);
      if (rule) {
        p.outcome.data = ev.data;
        if (rule.outcome === 'failed') {
          this.finish(p, 'failed', {
            reason: rule.reason ?? ev.reason?.subcode ?? ev.reason?.code ?? 'failed',
            message: ev.reason?.message ?? `${ev.kind}`,
          });
        } else this.finish(p, rule.outcome);
      } else p.onProgress?.(ev);
    }
    return events;
  }

  /** Run one catalogue operation; never rejects. */
  run(name: string, req: RunRequest = {}): Promise<ChatOutcome> {
    const spec = getChatOperation(name);
    const operationId =
      typeof req.operationId === 'string' && req.operationId !== ''
        ? req.operationId
        : randomUUID();
    const startedAt = Date.now();
    return new Promise<ChatOutcome>((resolve) => {
      const base: Pending['outcome'] = {
        operation: name,
        operationId,
        data: {},
        events: [],
        session: req.session,
        startedAt,
      };
      if (!spec) {
        resolve({
          ...base,
          outcome: 'failed',
          reason: 'badInput',
          message: `unknown operation ${name}`,
          endedAt: Date.now(),
        });
        return;
      }
      const timeoutMs = positive(req.timeoutMs) ?? positive(this.opts.timeoutMs) ?? spec.timeoutMs;
      const p: Pending = {
        spec,
        outcome: base,
        resolve,
        onProgress: req.onProgress,
        done: false,
        timer: setTimeout(
          () =>
            this.finish(p, 'failed', {
              reason: 'timeout',
              message: `no outcome within ${timeoutMs} ms`,
            }),
          timeoutMs,
        ),
      };
      if (this.closed)
        return this.finish(p, 'failed', {
          reason: 'closed',
          message: 'the chat application is closed',
        });
      if (this.pending.has(operationId)) {
        return this.finish(p, 'failed', {
          reason: 'badInput',
          field: 'operationId',
          message: `operation id ${operationId} is already in flight`,
        });
      }
      this.pending.set(operationId, p);
      this.start(p, spec, req).catch((err: Error) =>
        this.finish(p, 'failed', { reason: 'unreachable', message: err.message }),
      );
    });
  }

  private async start(p: Pending, spec: ChatOperationSpec, req: RunRequest): Promise<void> {
    const params = req.params ?? {};
    const bad = checkParams(spec, params);
    if (bad) return this.finish(p, 'failed', bad);
    let session: ChatSession | undefined;
    if (spec.needsSession) {
      session = req.session !== undefined ? this.sessions.get(req.session) : undefined;
      if (!session) {
        return this.finish(p, 'failed', {
          reason: 'badInput',
          field: 'session',
          message: req.session
            ? `unknown chat session ${req.session}`
            : 'no chat session given (msg.chat.session)',
        });
      }
      this.sessions.bindOperation(p.outcome.operationId, session.id);
    }
    const links = await this.discover();
    const href =
      spec.link === 'meetingConversation'
        ? session?.meetingConversation
        : (session?.links[spec.link] ?? links[spec.link]);
    if (!href) {
      return this.finish(p, 'failed', {
        reason: 'noLink',
        message:
          spec.link === 'meetingConversation'
            ? 'the session has no meeting conversation: start the ad-hoc meeting first'
            : `no ${spec.link} link known for this session yet`,
      });
    }
    const operationId = p.outcome.operationId;
    let url = this.resolve(href);
    let body: string | undefined;
    let contentType: string | undefined;
    if (spec.body === 'json') {
      const json: Record<string, unknown> = { ...cleanParams(spec, params), operationId };
      if (spec.name === 'acceptAndBridge') {
        if (!session?.onlineMeetingUri) {
          return this.finish(p, 'failed', {
            reason: 'noLink',
            message: 'the session has no meeting: start the ad-hoc meeting first',
          });
        }
        json.onlineMeetingUri = session.onlineMeetingUri;
      }
      if (spec.name === 'inviteUserToMeeting' && session?.onlineMeetingUri) {
        json.onlineMeetingUri = session.onlineMeetingUri;
      }
      body = JSON.stringify(json);
      contentType = 'application/json';
    } else {
      url = withQuery(url, 'operationId', operationId);
      if (spec.body === 'text') {
        body = String(params.message);
        contentType = 'text/plain; charset=UTF-8';
      }
    }
    const res = await this.http(spec.method, url, body, contentType);
    if (p.done) return;
    p.outcome.httpStatus = res.status;
    if (res.status < 200 || res.status > 299) {
      const b = res.body;
      p.outcome.data = b;
      return this.finish(p, 'failed', {
        reason:
          typeof b.subcode === 'string'
            ? b.subcode
            : typeof b.code === 'string'
              ? b.code
              : 'refused',
        message: typeof b.message === 'string' ? b.message : `HTTP ${res.status}`,
        httpStatus: res.status,
      });
    }
    if (Object.keys(res.body).length > 0 || spec.endsOnResponse) p.outcome.data = res.body;
    const discoverHref = linksOf(res.body)[REL.discover];
    // The link the chat client needs, absolute, so a flow can hand it out as it is.
    if (discoverHref) p.outcome.data = { ...res.body, discoverUrl: this.resolve(discoverHref) };
    if (spec.endsOnResponse) this.finish(p, spec.endsOnResponse);
  }

  private finish(p: Pending, outcome: string, fail?: Fail): void {
    if (p.done) return;
    p.done = true;
    clearTimeout(p.timer);
    if (this.pending.get(p.outcome.operationId) === p) this.pending.delete(p.outcome.operationId);
    const o: ChatOutcome = { ...p.outcome, outcome, endedAt: Date.now() };
    if (fail) {
      o.reason = fail.reason;
      o.message = fail.message;
      if (fail.field) o.field = fail.field;
      if (fail.httpStatus) o.httpStatus = fail.httpStatus;
    }
    p.resolve(o);
  }

  private resolve(href: string): string {
    return new URL(href, this.base).toString();
  }

  private async http(
    method: string,
    url: string,
    body?: string,
    contentType?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.opts.secret) headers.authorization = `Bearer ${this.opts.secret}`;
    if (contentType) headers['content-type'] = contentType;
    const res = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 10_000),
    });
    const text = await res.text();
    let parsed: unknown = {};
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = { text: text.slice(0, 500) };
      }
    }
    const obj = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    return { status: res.status, body: obj as Record<string, unknown> };
  }

  /** End every operation in flight (`closed`) and forget the sessions. */
  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) {
      this.finish(p, 'failed', { reason: 'closed', message: 'the chat application was closed' });
    }
    this.sessions.clear();
    this.removeAllListeners();
  }
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

function withQuery(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

/** The declared parameters only, defaults filled in. */
function cleanParams(
  spec: ChatOperationSpec,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const ps of spec.params) {
    const v = params[ps.name];
    if (v !== undefined && v !== '') out[ps.name] = v;
    else if (ps.default !== undefined) out[ps.name] = ps.default;
  }
  return out;
}

/** The first parameter problem, or undefined. */
export function checkParams(
  spec: ChatOperationSpec,
  params: Record<string, unknown>,
): Fail | undefined {
  for (const ps of spec.params) {
    const v = params[ps.name];
    if (v === undefined || v === null || v === '') {
      if (ps.required)
        return {
          reason: 'badInput',
          field: ps.name,
          message: `${ps.name} is required: ${ps.description}`,
        };
      continue;
    }
    if (typeof v !== 'string')
      return { reason: 'badInput', field: ps.name, message: `${ps.name} must be a string` };
    if (ps.maxLength !== undefined && v.length > ps.maxLength) {
      return {
        reason: 'badInput',
        field: ps.name,
        message: `${ps.name} is longer than ${ps.maxLength} characters`,
      };
    }
    if (ps.enum && !ps.enum.includes(v)) {
      return {
        reason: 'badInput',
        field: ps.name,
        message: `${ps.name} must be one of ${ps.enum.join(', ')}`,
      };
    }
  }
  return undefined;
}
