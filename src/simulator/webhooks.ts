/**
 * Dialog webhooks as the vendor sends them (seed 003): one HTTP POST of the JSON body per
 * event and URL, `content-type: application/json`, optionally `x-cc-token` and
 * `x-cc-signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 *
 * Deliveries for one dialog and URL are chained, so a receiver sees each dialog's events in
 * order; different dialogs go out in parallel. Failures are counted and logged, never thrown.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

export interface WebhookOptions {
  urls: string[];
  token?: string;
  hmacSecret?: string;
  /** Per-request timeout (ms). Default 5 000. */
  timeoutMs?: number;
  /** Deliveries allowed in flight or queued before new ones are dropped (and counted). */
  maxPending?: number;
  logger?: { warn(msg: string): void };
}

/** A URL as logs may show it: no user info, no query (either may carry a credential). */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** One delivery: see WebhookSender.postRaw. */
export interface Delivery {
  raw: string;
  method?: 'POST' | 'GET';
  contentType?: string;
  query?: string;
  signature?: string;
}

export class WebhookSender {
  sent = 0;
  failures = 0;
  private pending = 0;
  private readonly chains = new Map<string, Promise<void>>();
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly urls: URL[];
  private lastWarn = 0;

  constructor(private readonly opts: WebhookOptions) {
    this.urls = opts.urls.map((u) => new URL(u));
    for (const u of this.urls) {
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new Error(`webhook URL must be http(s): ${shownUrl(u)}`);
      }
    }
  }

  get enabled(): boolean {
    return this.urls.length > 0;
  }

  /** Queue one dialog body for every URL (JSON, chained per dialog). */
  post(body: Record<string, unknown>): void {
    if (this.urls.length === 0) return;
    const raw = JSON.stringify(body);
    // One signature per body, whatever the number of URLs.
    const signature = this.opts.hmacSecret
      ? 'sha256=' + crypto.createHmac('sha256', this.opts.hmacSecret).update(raw).digest('hex')
      : undefined;
    this.postRaw(String(body.dialog_uuid), { raw, signature });
  }

  /**
   * Queue one delivery for every URL, chained after the earlier ones with the same `key` (so a
   * receiver sees them in order). POST with `contentType` (default JSON), or GET with `raw` as
   * the query string; `query` is appended to every URL (e.g. a vendor's push type).
   */
  postRaw(key: string, d: Delivery): void {
    for (const url of this.urls) {
      if (this.pending >= (this.opts.maxPending ?? 10_000)) {
        this.fail(url, 'too many pending deliveries, dropped');
        continue;
      }
      this.pending++;
      const chainKey = `${url.href} ${key}`;
      const prev = this.chains.get(chainKey) ?? Promise.resolve();
      const next = prev.then(() => this.send(url, d));
      this.chains.set(chainKey, next);
      void next.then(() => {
        this.pending--;
        if (this.chains.get(chainKey) === next) this.chains.delete(chainKey);
      });
    }
  }

  /** Resolves when everything queued so far has been delivered or has failed. */
  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private fail(url: URL, why: string): void {
    this.failures++;
    const now = Date.now();
    if (now - this.lastWarn > 5000) {
      this.lastWarn = now;
      this.opts.logger?.warn(`webhook ${shownUrl(url)}: ${why} (${this.failures} failures so far)`);
    }
  }

  private send(url: URL, d: Delivery): Promise<void> {
    const get = d.method === 'GET';
    const raw = get ? '' : d.raw;
    const headers: Record<string, string | number> = { 'user-agent': 'ccflow-sim' };
    if (!get) {
      headers['content-type'] = d.contentType ?? 'application/json';
      headers['content-length'] = Buffer.byteLength(raw);
    }
    if (this.opts.token) headers['x-cc-token'] = this.opts.token;
    if (d.signature !== undefined) headers['x-cc-signature'] = d.signature;
    const isHttps = url.protocol === 'https:';
    let target = url;
    const extra = [d.query, get ? d.raw : undefined].filter((q): q is string => !!q);
    if (extra.length > 0) {
      target = new URL(url.href);
      for (const q of extra) {
        for (const [k, v] of new URLSearchParams(q)) target.searchParams.append(k, v);
      }
    }
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (err?: string): void => {
        if (done) return;
        done = true;
        if (err) this.fail(url, err);
        else this.sent++;
        resolve();
      };
      try {
        const req = (isHttps ? https : http).request(
          target,
          {
            method: get ? 'GET' : 'POST',
            headers,
            agent: isHttps ? this.httpsAgent : this.httpAgent,
            timeout: this.opts.timeoutMs ?? 5000,
          },
          (res) => {
            res.resume();
            res.on('end', () =>
              finish(
                res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300
                  ? undefined
                  : `HTTP ${res.statusCode}`,
              ),
            );
            res.on('error', (e) => finish(e.message));
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', (e) => finish(e.message));
        req.end(raw);
      } catch (e) {
        finish((e as Error).message);
      }
    });
  }
}
