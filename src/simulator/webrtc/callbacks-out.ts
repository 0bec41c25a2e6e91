/**
 * Callbacks as the vendor sends them: one HTTP POST of a JSON body per event, to the URL the
 * resource names (participant callbackUrl, call answerUrl / disconnectUrl / redirectUrl, ...).
 * Deliveries to one URL are chained so a receiver sees them in order. The answer's text is
 * returned (voice callbacks are answered with BXML). Failures are counted, never thrown.
 */
import { shownUrl } from '../webhooks';

export interface CallbackAnswer {
  status: number;
  text: string;
}

export interface CallbackAuth {
  /** Sent as `Authorization: Bearer <token>` on every callback (the palette's ingress token). */
  bearer?: string;
  /** Sent as Basic auth (the Voice API's callback username / password). */
  basic?: { username: string; password: string };
}

export class CallbackSender {
  sent = 0;
  failures = 0;
  private readonly chains = new Map<string, Promise<unknown>>();
  private disposed = false;

  constructor(
    private readonly timeoutMs = 5000,
    private readonly logger?: { warn(msg: string): void },
  ) {}

  post(
    url: string,
    body: Record<string, unknown>,
    auth: CallbackAuth = {},
  ): Promise<CallbackAnswer | undefined> {
    if (this.disposed) return Promise.resolve(undefined);
    const prev = this.chains.get(url) ?? Promise.resolve();
    const next = prev.then(() => this.send(url, body, auth));
    this.chains.set(url, next);
    void next.then(() => {
      if (this.chains.get(url) === next) this.chains.delete(url);
    });
    return next;
  }

  async drain(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  dispose(): void {
    this.disposed = true;
  }

  private async send(
    url: string,
    body: Record<string, unknown>,
    auth: CallbackAuth,
  ): Promise<CallbackAnswer | undefined> {
    if (this.disposed) return undefined;
    let shown = url;
    try {
      shown = shownUrl(new URL(url));
    } catch {
      /* shown as given */
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
    else if (auth.basic) {
      headers.authorization =
        'Basic ' + Buffer.from(`${auth.basic.username}:${auth.basic.password}`).toString('base64');
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: ctrl.signal,
      });
      const text = await res.text();
      if (res.status >= 400) {
        this.failures++;
        this.logger?.warn(`callback ${shown}: HTTP ${res.status}`);
      } else this.sent++;
      return { status: res.status, text };
    } catch (err) {
      this.failures++;
      this.logger?.warn(`callback ${shown}: ${(err as Error)?.message ?? String(err)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
