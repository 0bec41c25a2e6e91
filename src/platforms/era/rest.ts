/**
 * Era / Incoplax REST call control (`/uc/calls`) as the driver sends it: one JSON request per
 * call, on the WebSocket's host and port over http(s), authorised with the integration token (or
 * the user's login) as ./mapping.ts says. Never throws and never rejects. The token is never in
 * a result or a message: only the method and the path are shown.
 */
import type http from 'node:http';
import type { Data } from '../../protocol/types';
import { httpRequest, keepAliveAgent } from '../http-request';
import type { TlsOptions } from '../ws-socket';
import { REST, readResult, restBase, userAuthorization } from './mapping';

export interface EraRestOptions {
  /** The gateway URL (ws:// or wss://); the REST base is its host and port. */
  readonly url: string;
  readonly auth: 'token' | 'user';
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: TlsOptions;
  readonly timeoutMs?: number;
}

export type EraRestResult =
  | { ok: true; status: number; body: Data }
  | {
      ok: false;
      /** HTTP status of a refusal; 0 when no answer came. */
      status: number;
      /** `refused` (the platform said no), `timeout` or `disconnected` (no answer). */
      reason: 'refused' | 'timeout' | 'disconnected';
      /** The platform's own text when it sent one. */
      message: string;
      body?: Data;
    };

export class EraRest {
  readonly base: URL;
  private readonly agent: http.Agent;
  private readonly auth: string;

  constructor(private readonly o: EraRestOptions) {
    this.base = restBase(o.url);
    this.agent = keepAliveAgent(this.base, o.tls);
    this.auth =
      o.auth === 'user'
        ? userAuthorization(o.username ?? '', o.password ?? '')
        : REST.tokenValue(o.token ?? '');
  }

  /** One request: `path` under the base, an optional query and JSON body. */
  async request(
    method: string,
    path: string,
    body?: Data,
    query?: Record<string, string>,
  ): Promise<EraRestResult> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = {
      accept: 'application/json',
      [this.o.auth === 'user' ? 'authorization' : REST.tokenHeader]: this.auth,
    };
    if (text !== undefined) {
      headers['content-type'] = 'application/json; charset=utf-8';
      headers['content-length'] = Buffer.byteLength(text);
    }
    const a = await httpRequest({
      url,
      method,
      headers,
      body: text,
      agent: this.agent,
      timeoutMs: this.o.timeoutMs ?? REST.timeoutMs,
    });
    const what = `${method} ${url.pathname}`;
    if (!a.ok) {
      return {
        ok: false,
        status: 0,
        reason: a.code === 'timeout' ? 'timeout' : 'disconnected',
        message: `${what}: ${a.code === 'timeout' ? 'no answer' : a.message}`,
      };
    }
    return interpretAnswer(what, a.status, a.text);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Read an answer: 2xx with a JSON object whose `result` accepts (mapping.ts RESULT_OK). */
export function interpretAnswer(what: string, status: number, text: string): EraRestResult {
  let parsed: unknown;
  try {
    parsed = text === '' ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const body =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Data) : undefined;
  const r = body ? readResult(body) : undefined;
  if (status >= 200 && status < 300 && body && r?.ok) return { ok: true, status, body };
  const said = r && !r.ok ? r.message : body ? '' : 'the answer is not a JSON object';
  return {
    ok: false,
    status: status >= 200 && status < 300 ? 502 : status,
    reason: 'refused',
    message: `${what}: HTTP ${status}${said ? `: ${said}` : ''}`,
    body,
  };
}
