/**
 * One HTTP(S) request of a REST platform driver (Tinet's interface API, Era / Incoplax call
 * control): a keep-alive agent per driver link, a per-request timeout, a bounded answer body.
 * Never throws and never rejects: transport failures resolve to `{ok: false}` with a short code.
 * Nothing here logs; the caller decides what a message may show (no secret is ever put in one
 * here: the URL's query and credentials are not repeated).
 */
import http from 'node:http';
import https from 'node:https';
import type { TlsOptions } from './ws-socket';

/** The largest answer body kept (bytes); the rest is read and dropped. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export interface HttpRequestSpec {
  readonly url: URL;
  readonly method: string;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly body?: string;
  readonly agent: http.Agent;
  readonly timeoutMs: number;
}

export type HttpAnswer =
  | { ok: true; status: number; text: string }
  | { ok: false; code: 'timeout' | 'network'; message: string };

/** A keep-alive agent for a base URL (https with the TLS options, else http). */
export function keepAliveAgent(base: URL, tls?: TlsOptions): http.Agent {
  return base.protocol === 'https:'
    ? new https.Agent({ keepAlive: true, maxSockets: 16, ...(tls ?? {}) })
    : new http.Agent({ keepAlive: true, maxSockets: 16 });
}

/** Send one request; the answer's status and text, or why there is none. */
export function httpRequest(r: HttpRequestSpec): Promise<HttpAnswer> {
  const mod = r.url.protocol === 'https:' ? https : http;
  return new Promise<HttpAnswer>((resolve) => {
    let settled = false;
    const done = (a: HttpAnswer): void => {
      if (!settled) {
        settled = true;
        resolve(a);
      }
    };
    const network = (e: Error): void => done({ ok: false, code: 'network', message: e.message });
    try {
      const req = mod.request(
        r.url,
        { method: r.method, agent: r.agent, timeout: r.timeoutMs, headers: r.headers },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(c);
          });
          res.on('end', () =>
            done({
              ok: true,
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', network);
        },
      );
      req.on('timeout', () => {
        req.destroy();
        done({ ok: false, code: 'timeout', message: `no answer from ${r.url.pathname}` });
      });
      req.on('error', network);
      req.end(r.body);
    } catch (e) {
      network(e as Error);
    }
  });
}
