/**
 * The WebSocket plumbing every WebSocket driver shares: dial with the TLS options, hand text
 * frames on (binary frames are refused: every wire here is UTF-8 JSON), report the end of the
 * socket once, send, close gracefully or abort. The wire's meaning stays in each driver.
 */
import type http from 'node:http';
import WebSocket from 'ws';
import type { LinkHandler } from './api';
import type { Agent } from 'node:http';
import { proxyFor } from './proxy';

/**
 * TLS for wss://: the CA to trust, a client certificate and key (with its passphrase), the
 * server name to verify (SNI), and whether to verify at all. Node-RED's tls-config node gives
 * these (cc-gateway reads it).
 */
export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized?: boolean;
}

export interface SocketOptions {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly tls?: TlsOptions;
  /** Extra HTTP headers of the upgrade request (e.g. an Authorization header). */
  readonly headers?: Record<string, string>;
  readonly handler: LinkHandler;
  readonly log: { debug(msg: string): void };
  readonly scrub: (text: string) => string;
  /** Socket open (before any frame). */
  readonly onOpen: () => void;
  /** One UTF-8 text frame. */
  readonly onText: (text: string) => void;
  /** A pong to a `ping()` (counts as a received frame for liveness). */
  readonly countPong?: boolean;
  /** HTTP statuses of the upgrade answer that mean refused credentials (no retry loop). */
  readonly refuseOn?: readonly number[];
}

const CLOSE_GRACE_MS = 500;
const noop = (): void => {};

/**
 * Frames read in one turn of the event loop before the socket pauses until the next turn.
 * A platform that sends faster than the flow takes its messages would otherwise have the whole
 * socket buffer (thousands of frames) read at once: every message built and queued in one
 * turn, all of them alive through the next garbage collections (promoted, expensive to
 * collect). Paused, the rest waits in the kernel's buffer (TCP flow control) and the flow
 * delivers what was read first.
 */
export const FRAMES_PER_TURN = 256;

export class WsSocket {
  private readonly ws: WebSocket;
  private ended = false;
  /** Frames read in this turn of the event loop (0: none since the last turn). */
  private burst = 0;
  private pausedForBurst = false;

  /** Throws when the URL cannot be dialled at all. */
  constructor(private readonly o: SocketOptions) {
    // `servername` (SNI and the name verified) goes through to tls.connect; ws's own option
    // type does not list it.
    const options: WebSocket.ClientOptions & { servername?: string } = {
      // HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as core Node-RED's websocket nodes read them.
      agent: agentFor(o),
      handshakeTimeout: o.connectTimeoutMs,
      perMessageDeflate: false,
      maxPayload: 8 * 1024 * 1024,
      ca: o.tls?.ca,
      cert: o.tls?.cert,
      key: o.tls?.key,
      passphrase: o.tls?.passphrase,
      servername: o.tls?.servername,
      rejectUnauthorized: o.tls?.rejectUnauthorized,
      headers: o.headers,
    };
    const ws = new WebSocket(o.url, options);
    this.ws = ws;
    const h = o.handler;
    ws.on('open', () => o.onOpen());
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      h.frameIn();
      if (++this.burst === 1) setImmediate(this.endTurn);
      else if (this.burst === FRAMES_PER_TURN) {
        this.pausedForBurst = true;
        ws.pause();
      }
      if (isBinary) {
        h.invalidFrame('BAD_FRAME', 'binary frame refused: frames are UTF-8 JSON text');
        return;
      }
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.from(data).toString('utf8');
      try {
        o.onText(text);
      } catch (err) {
        // A bug here must never reach the event loop; the frames after this one still flow.
        h.problem('INTERNAL', `error handling a frame: ${(err as Error).message}`);
      }
    });
    if (o.countPong) ws.on('pong', () => h.frameIn());
    const refuseOn = o.refuseOn;
    if (refuseOn) {
      ws.on('unexpected-response', (req: http.ClientRequest, res: http.IncomingMessage) => {
        const status = res.statusCode ?? 0;
        res.resume();
        req.destroy();
        if (this.ended) return;
        this.ended = true;
        if (refuseOn.includes(status)) {
          h.refused(`authentication refused: HTTP ${status}`);
        } else {
          h.lost(o.scrub(`unexpected server response: ${status}`));
        }
      });
    }
    ws.on('error', (err: Error) => {
      o.log.debug(`gateway: socket error: ${o.scrub(err.message)}`);
      this.lost(o.scrub(err.message));
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const why = reason.length > 0 ? `${code} ${reason.toString()}` : `${code}`;
      this.lost(o.scrub(`socket closed (${why})`));
    });
  }

  /** The turn's frames are handed on: read again. */
  private readonly endTurn = (): void => {
    this.burst = 0;
    if (!this.pausedForBurst) return;
    this.pausedForBurst = false;
    if (!this.ended) this.ws.resume();
  };

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Send one text frame; false when the socket is not open (nothing sent). */
  send(text: string): boolean {
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return false;
    this.o.handler.frameOut();
    ws.send(text, (err) => {
      if (err) this.o.log.debug(`gateway: send failed: ${this.o.scrub(err.message)}`);
    });
    return true;
  }

  /** A WebSocket-level ping (control frame). */
  ping(): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    try {
      this.ws.ping();
    } catch {
      /* closing */
    }
  }

  /** Abort at once; no callback follows. */
  terminate(): void {
    this.ended = true;
    const ws = this.ws;
    ws.removeAllListeners();
    ws.on('error', noop);
    try {
      ws.terminate();
    } catch {
      /* already closed */
    }
  }

  /** Close with 1000 and wait (at most a grace period) for the close; no callback follows. */
  close(): Promise<void> {
    this.ended = true;
    const ws = this.ws;
    ws.removeAllListeners();
    ws.on('error', noop);
    if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_GRACE_MS);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'client closed');
      } catch {
        ws.terminate();
      }
    });
  }

  private lost(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.o.handler.lost(why);
  }
}

/** Why a URL is not a WebSocket URL, or undefined when it is. */
export function wsUrlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url === '') return 'options.url is required';
  if (!/^wss?:\/\/[^/?#\s]+/i.test(url)) return 'options.url must be a ws:// or wss:// URL';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'options.url is not a valid URL';
  }
  if (parsed.hostname === '') return 'options.url names no host';
  return undefined;
}

/**
 * A CONNECT tunnel through the environment's proxy for this URL, or none (direct). The proxy
 * agent (https-proxy-agent and its dependencies) is loaded only when a proxy applies.
 */
function agentFor(o: SocketOptions): Agent | undefined {
  const proxy = proxyFor(o.url);
  if (!proxy) return undefined;
  o.log.debug(`connecting through the proxy ${o.scrub(proxy)}`);
  const createHttpsProxyAgent =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('https-proxy-agent') as typeof import('https-proxy-agent');
  return createHttpsProxyAgent(proxy) as unknown as Agent;
}
