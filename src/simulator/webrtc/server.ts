/**
 * The WebRTC + Voice simulator as a server: the vendor's REST resources (Basic auth, the
 * account id in the path), the participant page and the signalling WebSocket the page
 * connects to. Start it alone, or embedded in the WebRTC account config node.
 *
 *   <base>/webrtc/v1/accounts/<account>/...       WebRTC API (sessions, participants)
 *   <base>/voice/api/v2/accounts/<account>/calls  Voice API (createCall, getCall, modifyCall)
 *   <base>/webrtc/participant                     the participant page (token in #token=...)
 *   <base>/webrtc/signal                          signalling WebSocket
 *   <base>/webrtc/health                          counters
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual, createHash } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Scenario } from '../api';
import { Clock, NumberRules } from '../scenario';
import { CallbackSender } from './callbacks-out';
import { SimHttpError, WebrtcModel, type SimDevice } from './model';
import { PARTICIPANT_PAGE, PARTICIPANT_SCRIPT } from './page';
import { VoiceModel } from './voice';

export interface WebrtcSimulatorOptions {
  port?: number;
  host?: string;
  /** Time scale, as the contact-center simulator's: 10 makes every delay ten times shorter. */
  speed?: number;
  accountId?: string;
  /** The accepted REST credentials (Basic auth). Default demo / demo. */
  username?: string;
  password?: string;
  /** Number rules (the contact-center simulator's scenario rules apply to PSTN legs too). */
  scenario?: Scenario;
  /** Bearer token sent with callbacks (the palette's webhook ingress token). */
  callbackToken?: string;
  /** Session lifetime before the clean-up, simulated ms. Default 9 hours. */
  sessionTtlMs?: number;
  /** Token lifetime, simulated ms. Default 12 hours. */
  tokenTtlMs?: number;
  logger?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export interface WebrtcSimulatorUrls {
  url: string;
  port: number;
  webrtcBaseUrl: string;
  voiceBaseUrl: string;
  pageUrl: string;
  signalUrl: string;
}

const MAX_BODY = 64 * 1024;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export class WebrtcSimulator {
  readonly clock: Clock;
  readonly sender: CallbackSender;
  readonly model: WebrtcModel;
  readonly voice: VoiceModel;
  readonly accountId: string;
  private server?: http.Server;
  private wss?: WebSocketServer;
  private urls?: WebrtcSimulatorUrls;
  private readonly credential: Buffer;
  requests = 0;

  constructor(private readonly opts: WebrtcSimulatorOptions = {}) {
    this.clock = new Clock(opts.speed ?? 1);
    this.accountId = opts.accountId ?? '9900000';
    this.credential = digest(`${opts.username ?? 'demo'}:${opts.password ?? 'demo'}`);
    Object.defineProperty(this, 'credential', { enumerable: false });
    this.sender = new CallbackSender(5000, opts.logger);
    this.model = new WebrtcModel({
      clock: this.clock,
      accountId: this.accountId,
      sender: this.sender,
      callbackToken: opts.callbackToken,
      sessionTtlMs: opts.sessionTtlMs,
      tokenTtlMs: opts.tokenTtlMs,
    });
    this.voice = new VoiceModel({
      clock: this.clock,
      rules: new NumberRules(opts.scenario),
      accountId: this.accountId,
      sender: this.sender,
      model: this.model,
      baseUrl: () => this.urls?.voiceBaseUrl ?? '',
      callbackToken: opts.callbackToken,
    });
  }

  get started(): WebrtcSimulatorUrls | undefined {
    return this.urls;
  }

  async start(): Promise<WebrtcSimulatorUrls> {
    if (this.urls) return this.urls;
    const server = http.createServer((req, res) => this.onRequest(req, res));
    const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').split('?')[0] !== '/webrtc/signal') {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    this.server = server;
    this.wss = wss;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${host}:${addr.port}`;
    this.urls = {
      url,
      port: addr.port,
      webrtcBaseUrl: `${url}/webrtc/v1`,
      voiceBaseUrl: `${url}/voice/api/v2`,
      pageUrl: `${url}/webrtc/participant`,
      signalUrl: `ws://${host}:${addr.port}/webrtc/signal`,
    };
    return this.urls;
  }

  /** Stop listening, close every socket and forget everything. */
  async dispose(): Promise<void> {
    this.clock.clear();
    this.model.dispose();
    this.voice.dispose();
    this.sender.dispose();
    for (const ws of this.wss?.clients ?? []) ws.terminate();
    this.wss?.close();
    const server = this.server;
    this.server = undefined;
    this.urls = undefined;
    if (server) {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Resolves when every callback queued so far was delivered or failed. */
  drainCallbacks(): Promise<void> {
    return this.sender.drain();
  }

  stats(): Record<string, number> {
    return {
      sessions: this.model.sessions.size,
      participants: this.model.participants.size,
      links: this.model.linkCount,
      activeCalls: this.voice.active,
      requests: this.requests,
      callbacksSent: this.sender.sent,
      callbackFailures: this.sender.failures,
    };
  }

  // --- HTTP ------------------------------------------------------------------------------

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const send = (status: number, body?: unknown, type = 'application/json'): void => {
      if (res.headersSent) return;
      res.statusCode = status;
      if (body === undefined) {
        res.end();
        return;
      }
      res.setHeader('content-type', `${type}; charset=utf-8`);
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/webrtc/participant') {
      res.setHeader('cache-control', 'no-store');
      send(200, PARTICIPANT_PAGE, 'text/html');
      return;
    }
    if (req.method === 'GET' && path === '/webrtc/participant.js') {
      send(200, PARTICIPANT_SCRIPT, 'text/javascript');
      return;
    }
    if (req.method === 'GET' && path === '/webrtc/health') {
      send(200, { ok: true, ...this.stats() });
      return;
    }
    const api = /^\/(webrtc\/v1|voice\/api\/v2)\/accounts\/([^/]+)(\/.*)?$/.exec(path);
    if (!api) {
      send(404, { type: 'not-found', message: 'no such resource' });
      return;
    }
    if (!this.authorised(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Basic realm="simulator"');
      send(401, { type: 'unauthorized', message: 'Basic credentials required' });
      return;
    }
    if (decodeURIComponent(api[2]) !== this.accountId) {
      send(403, { type: 'forbidden', message: 'not your account' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) {
        send(413, { type: 'too-large', message: `body over ${MAX_BODY} bytes` });
        return;
      }
      let body: unknown;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          send(400, { type: 'validation', message: 'body is not JSON' });
          return;
        }
      }
      try {
        const parts = (api[3] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
        const out =
          api[1] === 'webrtc/v1'
            ? this.webrtcRoute(req.method ?? 'GET', parts, body)
            : this.voiceRoute(req.method ?? 'GET', parts, body);
        send(out.status, out.body);
      } catch (err) {
        if (err instanceof SimHttpError) {
          send(err.status, {
            type: err.status === 404 ? 'not-found' : 'validation',
            message: err.message,
          });
        } else {
          this.opts.logger?.error(`webrtc simulator: ${(err as Error).message}`);
          send(500, { type: 'internal', message: 'internal error' });
        }
      }
    });
  }

  private authorised(header: string | undefined): boolean {
    const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (!m) return false;
    const given = digest(Buffer.from(m[1], 'base64').toString('utf8'));
    return timingSafeEqual(given, this.credential);
  }

  private webrtcRoute(
    method: string,
    parts: string[],
    body: unknown,
  ): { status: number; body?: unknown } {
    const m = this.model;
    const obj = (body ?? {}) as Record<string, unknown>;
    if (typeof obj !== 'object' || Array.isArray(obj))
      throw new SimHttpError(400, 'body must be an object');
    const [kind, a, sub, b, leaf] = parts;
    if (kind === 'sessions') {
      if (!a && method === 'POST') return { status: 200, body: m.createSession(obj) };
      if (a && !sub && method === 'GET') return { status: 200, body: m.getSession(a) };
      if (a && !sub && method === 'DELETE') return (m.deleteSession(a), { status: 204 });
      if (a && sub === 'participants' && !b && method === 'GET') {
        return { status: 200, body: m.listSessionParticipants(a) };
      }
      if (a && sub === 'participants' && b && !leaf) {
        if (method === 'PUT') return (m.addParticipantToSession(a, b, body), { status: 204 });
        if (method === 'DELETE') return (m.removeParticipantFromSession(a, b), { status: 204 });
      }
      if (a && sub === 'participants' && b && leaf === 'subscriptions') {
        if (method === 'GET') return { status: 200, body: m.getSubscriptions(a, b) };
        if (method === 'PUT') return (m.updateSubscriptions(a, b, body), { status: 204 });
      }
    }
    if (kind === 'participants') {
      if (!a && method === 'POST') return { status: 200, body: m.createParticipant(obj) };
      if (a && !sub && method === 'GET') return { status: 200, body: m.getParticipant(a) };
      if (a && !sub && method === 'DELETE') return (m.deleteParticipant(a), { status: 204 });
    }
    throw new SimHttpError(405, `${method} is not supported here`);
  }

  private voiceRoute(
    method: string,
    parts: string[],
    body: unknown,
  ): { status: number; body?: unknown } {
    const obj = (body ?? {}) as Record<string, unknown>;
    if (typeof obj !== 'object' || Array.isArray(obj))
      throw new SimHttpError(400, 'body must be an object');
    const [kind, callId, sub] = parts;
    if (kind === 'calls' && !callId && method === 'POST') {
      return { status: 201, body: this.voice.createCall(obj) };
    }
    if (kind === 'calls' && callId && !sub && method === 'GET') {
      return { status: 200, body: this.voice.getCall(callId) };
    }
    if (kind === 'calls' && callId && !sub && method === 'POST') {
      return (this.voice.modifyCall(callId, obj), { status: 200 });
    }
    throw new SimHttpError(405, `${method} is not supported here`);
  }

  // --- signalling ------------------------------------------------------------------------

  private onSocket(ws: WebSocket): void {
    let device: SimDevice | undefined;
    const send = (frame: Record<string, unknown>): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const hello = setTimeout(() => ws.close(4001, 'no connect frame'), 10_000);
    hello.unref();
    ws.on('message', (raw) => {
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(String(raw)) as Record<string, unknown>;
        if (!frame || typeof frame !== 'object') throw new Error('not an object');
      } catch {
        send({ type: 'error', code: 'BAD_FRAME', message: 'frames are JSON objects' });
        return;
      }
      try {
        if (frame.type === 'connect') {
          if (device) throw new SimHttpError(409, 'already connected');
          clearTimeout(hello);
          device = this.model.connectDevice(frame.token, 'browser', {
            send,
            close: (code, reason) => ws.close(code, reason),
          });
          send({ type: 'connected', participantId: device.participantId, deviceId: device.id });
          return;
        }
        if (!device) throw new SimHttpError(401, 'send connect with a token first');
        if (frame.type === 'publish') {
          send({ type: 'published', ...this.model.publish(device, frame.mediaTypes) });
        } else if (frame.type === 'unpublish') {
          this.model.unpublish(device);
        } else if (frame.type === 'signal') {
          this.model.relay(device, frame.linkId, frame.data);
        } else if (frame.type === 'disconnect') {
          const d = device;
          device = undefined;
          this.model.disconnect(d, 'disconnected by the device');
        } else {
          send({
            type: 'error',
            code: 'BAD_FRAME',
            message: `unknown frame type ${String(frame.type)}`,
          });
        }
      } catch (err) {
        const status = err instanceof SimHttpError ? err.status : 500;
        const code =
          status === 401
            ? 'UNAUTHORIZED'
            : status === 404
              ? 'NOT_FOUND'
              : status === 403
                ? 'FORBIDDEN'
                : 'ERROR';
        send({ type: 'error', code, message: (err as Error).message });
        if (frame.type === 'connect') ws.close(4003, code);
      }
    });
    ws.on('close', () => {
      clearTimeout(hello);
      if (device) this.model.disconnect(device, 'socket closed');
      device = undefined;
    });
    ws.on('error', () => ws.terminate());
  }
}
