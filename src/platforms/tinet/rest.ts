/**
 * Tinet interface API client: one signed, form-encoded POST per call (see ./mapping.ts). Never
 * throws and never rejects: every call resolves to a result, transport errors included. The
 * token never appears in a result, a message or a log line (only the path is shown).
 */
import type http from 'node:http';
import { httpRequest, keepAliveAgent } from '../http-request';
import { ERROR_CODES, REST } from './mapping';
import { authParams, type TinetAccount } from './sign';

export interface TinetRestOptions extends TinetAccount {
  /**
   * Base URL of the interface API, e.g. `https://api-2.cticloud.cn/interface/v10`, or with
   * `{region}` / `{version}` placeholders filled from `region` and `version`.
   */
  baseUrl?: string;
  region?: string;
  /** API version, default v10. */
  version?: string;
  /** Per request (ms). Default 10 000. */
  timeoutMs?: number;
  /** Clock for the timestamp (tests). */
  now?: () => number;
}

export type RestResult =
  | { ok: true; status: number; body: Record<string, unknown> }
  | {
      ok: false;
      /** Vendor error code (`result`), or `http_<status>`, `timeout`, `network`, `bad_response`. */
      code: string;
      /** The vendor's own message when it sent one. */
      message: string;
      /** A short reason for the operation's outcome: refused, timeout, disconnected, ... */
      reason: string;
      status?: number;
      body?: Record<string, unknown>;
    };

/** The base URL from the options: explicit, or the public pattern with region and version. */
export function baseUrlOf(o: Pick<TinetRestOptions, 'baseUrl' | 'region' | 'version'>): string {
  const pattern = o.baseUrl && o.baseUrl.trim() !== '' ? o.baseUrl.trim() : REST.baseUrlPattern;
  return pattern
    .replace('{region}', o.region ?? '1')
    .replace('{version}', o.version && o.version !== '' ? o.version : REST.defaultVersion)
    .replace(/\/+$/, '');
}

/** Read a response body as the vendor's result. */
export function interpret(status: number, text: string): RestResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      code: status >= 200 && status < 300 ? 'bad_response' : `http_${status}`,
      message: `HTTP ${status}: the answer is not a JSON object`,
      reason: status === 401 || status === 403 ? 'refused' : 'platformError',
      status,
    };
  }
  const b = body as Record<string, unknown>;
  const result = b[REST.resultField];
  const code = result === undefined || result === null ? undefined : String(result);
  const vendorMessage =
    typeof b[REST.messageField] === 'string' ? (b[REST.messageField] as string) : '';
  if (code === '0' && status >= 200 && status < 300) return { ok: true, status, body: b };
  const known = code !== undefined ? ERROR_CODES[code] : undefined;
  return {
    ok: false,
    code: code ?? `http_${status}`,
    message: vendorMessage || known?.message || `HTTP ${status}`,
    reason: known?.reason ?? 'refused',
    status,
    body: b,
  };
}

export class TinetRest {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: TinetRestOptions) {
    this.base = new URL(baseUrlOf(opts));
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new Error(`Tinet base URL must be http(s): ${this.base.protocol}`);
    }
    this.agent = keepAliveAgent(this.base);
  }

  /** The base URL, for status text (holds no secret). */
  get baseUrl(): string {
    return `${this.base.protocol}//${this.base.host}${this.base.pathname}`;
  }

  /** POST `path` with the call's parameters and the signature, form-encoded. */
  async call(path: string, params: Readonly<Record<string, string>>): Promise<RestResult> {
    const form = new URLSearchParams({
      ...params,
      ...authParams(this.opts, (this.opts.now ?? Date.now)()),
    }).toString();
    const a = await httpRequest({
      url: new URL(this.base.pathname.replace(/\/+$/, '') + path, this.base),
      method: 'POST',
      agent: this.agent,
      timeoutMs: this.opts.timeoutMs ?? 10_000,
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': Buffer.byteLength(form),
        accept: 'application/json',
      },
      body: form,
    });
    if (a.ok) return interpret(a.status, a.text);
    return a.code === 'timeout'
      ? { ok: false, code: 'timeout', message: `no answer from ${path}`, reason: 'timeout' }
      : { ok: false, code: 'network', message: a.message, reason: 'disconnected' };
  }

  close(): void {
    this.agent.destroy();
  }
}
