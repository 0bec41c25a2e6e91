/**
 * The virtual contact center: a real WebSocket server (on an HTTP server) speaking
 * docs/protocol.md over one model of agents, legs, dialogs, connections and seances.
 *
 * Send path: each event's data is serialised once; each session that gets it receives a frame
 * string built around that JSON with its own `seq`, kept in the session's replay buffer.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  ERROR_CODES,
  EVENT_NAMES,
  FAMILY_CLASS,
  MAX_FRAME_CHARS,
  getOperation,
  validateClientFrame,
  validateDialogBody,
  validateEventData,
  validateParams,
  type ClientFrame,
  type EventFamily,
  type LoginFrame,
  type ReqFrame,
  type SubscribeFrame,
} from '../protocol';
import type { SimulatorApi, SimulatorOptions, SimulatorStats } from './api';
import { Model, type Emission } from './model';
import { Clock, prng, type Timer } from './scenario';
import { WebhookSender } from './webhooks';

const CLASS_TO_FAMILY: Readonly<Record<string, EventFamily>> = Object.fromEntries(
  (Object.entries(FAMILY_CLASS) as [EventFamily, string][]).map(([f, c]) => [c, f]),
);

const RESP_CODE: Readonly<Record<string, number>> = {
  [ERROR_CODES.badParams]: 400,
  [ERROR_CODES.unknownOp]: 404,
  [ERROR_CODES.unknownAgent]: 404,
  [ERROR_CODES.invalidState]: 409,
};

/** A socket whose unsent data exceeds this is too slow: it is closed and may resume. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Load mode holds back new generated calls while a socket has this much unsent. */
const LOAD_BACKLOG_BYTES = 4 * 1024 * 1024;

/** Bounded replay buffer of one session's most recent event frames (seq is contiguous). */
class Ring {
  private readonly buf: string[];
  private start = 0;
  count = 0;

  constructor(readonly capacity: number) {
    this.buf = new Array<string>(capacity);
  }

  push(frame: string): void {
    if (this.capacity === 0) return;
    if (this.count < this.capacity) {
      this.buf[(this.start + this.count) % this.capacity] = frame;
      this.count++;
    } else {
      this.buf[this.start] = frame;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The last `n` frames, oldest first. */
  last(n: number): string[] {
    const out: string[] = [];
    for (let i = this.count - n; i < this.count; i++) {
      out.push(this.buf[(this.start + i) % this.capacity]);
    }
    return out;
  }
}

interface Subscription {
  id: string;
  families: Set<EventFamily>;
  names: Set<string>;
  objects: Set<string> | null;
  expiresAt: number;
}

class Session {
  seq = 0;
  ws: WebSocket | undefined;
  /** The TCP socket under `ws` (from the upgrade request), corked while a tick's frames go out. */
  socket: Socket | undefined;
  droppedAt = 0;
  readonly subs = new Map<string, Subscription>();
  readonly ring: Ring;

  constructor(
    readonly id: string,
    readonly tenant: string,
    readonly user: string,
    replay: number,
  ) {
    this.ring = new Ring(replay);
  }

  /** Lowest seq still in the replay buffer. */
  get oldest(): number {
    return this.seq - this.ring.count + 1;
  }
}

interface Conn {
  ws: WebSocket;
  /** The upgraded request's socket, which ws writes every frame to. */
  socket: Socket | undefined;
  session?: Session;
}

const noopLogger = { info: () => {}, warn: () => {}, error: () => {} };

export class Simulator implements SimulatorApi {
  readonly model: Model;
  readonly clock: Clock;
  private readonly opts: SimulatorOptions;
  private readonly users: Record<string, Record<string, string>>;
  private readonly logger: NonNullable<SimulatorOptions['logger']>;
  private readonly webhooks: WebhookSender;
  private readonly sessions = new Map<string, Session>();
  private readonly rng: () => number;
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private readonly conns = new Set<Conn>();
  private port: number;
  private currentUrl = '';
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private inboundTimer: Timer | undefined;
  private loadStarted = false;
  private readonly counters = { eventsSent: 0, requests: 0, badFrames: 0, invalidEvents: 0 };

  constructor(options: SimulatorOptions = {}) {
    this.opts = options;
    this.port = options.port ?? 0;
    this.users = options.users ?? { demo: { demo: 'demo' } };
    this.logger = options.logger ?? noopLogger;
    this.clock = new Clock(options.speed ?? 1);
    this.rng = prng(options.seed ?? crypto.randomInt(0, 2 ** 31));
    this.webhooks = new WebhookSender({
      urls: options.webhooks ?? [],
      token: options.webhookToken,
      hmacSecret: options.webhookHmacSecret,
      logger: this.logger,
    });
    this.model = new Model({
      clock: this.clock,
      scenario: options.scenario,
      domain: options.domain ?? 'demo.cc.local',
      agentCount: options.agentCount,
      rng: this.rng,
      sink: (e) => this.deliver(e),
      loadGate: () => this.keepingUp(),
    });
  }

  get url(): string {
    return this.currentUrl;
  }

  async start(): Promise<{ url: string; port: number }> {
    if (this.server) return { url: this.currentUrl, port: this.port };
    const host = this.opts.host ?? '127.0.0.1';
    const server = http.createServer((req, res) => this.http(req, res));
    const wss = new WebSocketServer({ server, maxPayload: 4 * MAX_FRAME_CHARS });
    wss.on('connection', (ws, req) => this.accept(ws, req));
    wss.on('error', (err) => this.logger.error(`ws server: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.wss = wss;
    this.port = (server.address() as AddressInfo).port;
    const shownHost = host.includes(':') ? `[${host}]` : host;
    this.currentUrl = `ws://${shownHost}:${this.port}`;
    this.sweepTimer = setInterval(() => this.sweep(), 10_000);
    this.sweepTimer.unref();
    this.scheduleInbound();
    if (this.opts.load && !this.loadStarted) {
      this.loadStarted = true;
      this.model.startLoad(this.opts.load.calls, this.opts.load.talkMs ?? 1000);
    }
    this.logger.info(`contact-center simulator listening on ${this.currentUrl}`);
    return { url: this.currentUrl, port: this.port };
  }

  /** Close every socket and the listener; the model and the sessions stay for a restart. */
  async stop(): Promise<void> {
    this.clock.cancel(this.inboundTimer);
    this.inboundTimer = undefined;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    const server = this.server;
    const wss = this.wss;
    this.server = undefined;
    this.wss = undefined;
    if (!server || !wss) return;
    const now = Date.now();
    for (const c of this.conns) {
      this.sendRaw(c.ws, { type: 'notice', code: 'shutdown', message: 'simulator stopping' });
      if (c.session && c.session.ws === c.ws) {
        c.session.ws = undefined;
        c.session.socket = undefined;
        c.session.droppedAt = now;
      }
      c.ws.close(1001, 'shutdown');
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const c of this.conns) c.ws.terminate();
      }, 1000);
      timer.unref();
      wss.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.conns.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stop and forget everything: timers, calls, sessions. */
  async dispose(): Promise<void> {
    this.model.stopLoad();
    await this.stop();
    this.clock.clear();
    this.sessions.clear();
    this.webhooks.close();
  }

  /** Resolves when every webhook queued so far was delivered or failed. */
  drainWebhooks(): Promise<void> {
    return this.webhooks.drain();
  }

  stats(): SimulatorStats {
    return {
      sessions: this.sessions.size,
      activeCalls: this.model.activeCalls,
      eventsSent: this.counters.eventsSent,
      requests: this.counters.requests,
      badFrames: this.counters.badFrames,
      webhooksSent: this.webhooks.sent,
      webhookFailures: this.webhooks.failures,
      invalidEvents: this.counters.invalidEvents,
    };
  }

  inboundCall(customerNumber: string, agent?: string): { seanceId: string } | undefined {
    const s = this.model.inboundCall(customerNumber, agent);
    return s ? { seanceId: s.id } : undefined;
  }

  customerHangup(agent: string): boolean {
    return this.model.customerHangup(agent);
  }

  // ------------------------------------------------------------------ HTTP

  private http(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method === 'GET' && (req.url === '/' || req.url === '/health')) {
      const body = JSON.stringify({
        name: 'ccflow contact-center simulator',
        url: this.currentUrl,
        agents: this.model.agentIds(),
        stats: this.stats(),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('connect with a WebSocket (see docs/protocol.md)\n');
  }

  // ------------------------------------------------------------------ sockets and frames

  private accept(ws: WebSocket, req: http.IncomingMessage): void {
    // ws upgrades and then writes to this very socket (handleUpgrade -> setSocket), so corking
    // it batches ws's frame writes without reaching into ws's private `_socket`.
    const conn: Conn = { ws, socket: req.socket as Socket | undefined };
    this.conns.add(conn);
    ws.on('message', (raw, isBinary) => this.onMessage(conn, raw, isBinary));
    ws.on('close', (code: number) => {
      this.conns.delete(conn);
      const s = conn.session;
      if (s && s.ws === ws) {
        s.ws = undefined;
        s.socket = undefined;
        s.droppedAt = Date.now();
        // A normal closure (1000) is the client saying goodbye: nobody will resume the session,
        // so it stops collecting replay frames now rather than for the whole session TTL.
        if (code === 1000) this.sessions.delete(s.id);
      }
    });
    ws.on('error', (err) => this.logger.warn(`socket error: ${err.message}`));
  }

  private sendRaw(ws: WebSocket, frame: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  private refuseFrame(conn: Conn, code: string, message: string, value?: unknown): void {
    this.counters.badFrames++;
    const frame: Record<string, unknown> = { type: 'error', code, message: message.slice(0, 4000) };
    if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      if (typeof v.reqId === 'string' && v.reqId.length <= 128) frame.reqId = v.reqId;
      if (typeof v.qid === 'string' && v.qid.length <= 128) frame.qid = v.qid;
    }
    this.sendRaw(conn.ws, frame);
    if (!conn.session) conn.ws.close(1008, code);
  }

  private onMessage(conn: Conn, raw: RawData, isBinary: boolean): void {
    const text = isBinary ? '' : raw.toString();
    if (isBinary)
      return this.refuseFrame(conn, ERROR_CODES.badFrame, 'binary frames are not accepted');
    if (text.length > MAX_FRAME_CHARS) {
      return this.refuseFrame(
        conn,
        ERROR_CODES.tooLarge,
        `frame of ${text.length} characters exceeds ${MAX_FRAME_CHARS}`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.refuseFrame(conn, ERROR_CODES.badJson, `not JSON: ${(err as Error).message}`);
    }
    const checked = validateClientFrame(value);
    if (!checked.ok) return this.refuseFrame(conn, checked.code, checked.message, value);
    const frame: ClientFrame = checked.value;
    if (!conn.session) {
      if (frame.type !== 'login') {
        return this.refuseFrame(
          conn,
          ERROR_CODES.notLoggedIn,
          'the first frame must be login',
          value,
        );
      }
      return this.login(conn, frame);
    }
    switch (frame.type) {
      case 'login':
        return this.refuseFrame(conn, ERROR_CODES.badFrame, 'already logged in', value);
      case 'req':
        return this.request(conn, conn.session, frame);
      case 'subscribe':
        return this.subscribe(conn, conn.session, frame);
      case 'ping':
        return this.sendRaw(conn.ws, { type: 'pong', id: frame.id, ts: Date.now() });
      case 'pong':
        return;
    }
  }

  private login(conn: Conn, f: LoginFrame): void {
    const { username, password } = f.credentials;
    const expected = this.users[f.tenant]?.[username];
    if (expected === undefined || expected !== password) {
      this.sendRaw(conn.ws, {
        type: 'loginResp',
        reqId: f.reqId,
        code: 401,
        errorCode: ERROR_CODES.authFailed,
        message: 'authentication refused',
        data: null,
      });
      conn.ws.close(1008, 'auth failed');
      return;
    }
    let session: Session | undefined;
    let replay: string[] = [];
    let gap = false;
    if (f.resume) {
      const old = this.sessions.get(f.resume.sessionId);
      const lastSeq = f.resume.lastSeq;
      if (old && old.tenant === f.tenant && old.user === username) {
        if (lastSeq <= old.seq && lastSeq >= old.oldest - 1) {
          session = old;
          replay = old.ring.last(old.seq - lastSeq);
          if (old.ws && old.ws !== conn.ws) old.ws.close(4000, 'session resumed elsewhere');
        } else {
          gap = true;
          this.sessions.delete(old.id);
        }
      }
    }
    const resumed = !!session;
    if (!session) {
      session = new Session(
        `s-${crypto.randomBytes(6).toString('hex')}`,
        f.tenant,
        username,
        this.opts.replayBuffer ?? 10_000,
      );
      this.sessions.set(session.id, session);
    }
    session.ws = conn.ws;
    session.socket = conn.socket;
    session.droppedAt = 0;
    conn.session = session;
    this.sendRaw(conn.ws, {
      type: 'loginResp',
      reqId: f.reqId,
      code: 0,
      errorCode: null,
      message: 'ok',
      data: {
        sessionId: session.id,
        resumed,
        lastSeq: resumed ? session.seq : 0,
        heartbeatMs: this.opts.heartbeatMs ?? 15_000,
        agents: this.model.agentIds(),
      },
    });
    if (gap) {
      this.sendRaw(conn.ws, {
        type: 'notice',
        code: 'gap',
        message: `session ${f.resume?.sessionId} can no longer be resumed from seq ${f.resume?.lastSeq}; events were lost`,
      });
    }
    for (const frame of replay) conn.ws.send(frame);
    this.counters.eventsSent += replay.length;
  }

  private request(conn: Conn, session: Session, f: ReqFrame): void {
    this.counters.requests++;
    const respond = (code: number, errorCode: string | null, message: string, data?: unknown) =>
      this.sendRaw(conn.ws, {
        type: 'resp',
        op: `${f.op}Resp`,
        reqId: f.reqId,
        code,
        errorCode,
        message,
        data: data ?? null,
      });
    const spec = getOperation(f.op);
    if (!spec) return respond(404, ERROR_CODES.unknownOp, `unknown operation "${f.op}"`);
    const params = validateParams(f.op, f.params);
    if (!params.ok) return respond(400, params.code, params.message);
    const agent = this.model.agents.get(f.agent);
    if (!agent || agent.load) {
      return respond(404, ERROR_CODES.unknownAgent, `unknown agent "${f.agent}"`);
    }
    const { result, flush } = this.model.run(() =>
      this.model.operate(agent, f.op, params.value, { session: session.id, reqId: f.reqId }),
    );
    if (result.ok) respond(0, null, 'ok', result.data);
    else respond(RESP_CODE[result.errorCode] ?? 500, result.errorCode, result.message);
    flush();
  }

  private subscribe(conn: Conn, session: Session, f: SubscribeFrame): void {
    const respond = (code: number, errorCode: string | null, message: string, expires: number) =>
      this.sendRaw(conn.ws, {
        type: 'subscribeResp',
        qid: f.qid,
        id: f.id,
        code,
        errorCode,
        message,
        expires,
      });
    if (f.expires === 0) {
      const had = session.subs.delete(f.id);
      return respond(0, null, had ? 'unsubscribed' : 'no such subscription', 0);
    }
    const families = new Set<EventFamily>();
    const names = new Set<string>();
    for (const p of f.events) {
      const dot = p.indexOf('.');
      const family = CLASS_TO_FAMILY[p.slice(0, dot)];
      const name = p.slice(dot + 1);
      if (!family) return respond(400, ERROR_CODES.badFrame, `unknown event class in "${p}"`, 0);
      if (name === '*') families.add(family);
      else if (EVENT_NAMES[family].includes(name)) names.add(`${family}.${name}`);
      else return respond(400, ERROR_CODES.unknownEvent, `unknown event "${p}"`, 0);
    }
    session.subs.set(f.id, {
      id: f.id,
      families,
      names,
      objects: !f.objects || f.objects === 'any' ? null : new Set(f.objects),
      expiresAt: Date.now() + f.expires * 1000,
    });
    respond(0, null, 'ok', f.expires);
  }

  // ------------------------------------------------------------------ events

  private checkEvent(e: Emission): void {
    const r =
      e.family === 'dialog'
        ? validateDialogBody(e.data)
        : validateEventData(e.family, e.name, e.data);
    if (!r.ok) {
      this.counters.invalidEvents++;
      this.logger.error(`invalid ${e.family} event ${e.name}: ${r.message}`);
    }
  }

  private deliver(e: Emission): void {
    if (e.family === 'dialog') this.webhooks.post(e.data);
    if (this.opts.validateEvents) this.checkEvent(e);
    if (this.sessions.size === 0) return;
    const ts = Date.now();
    let dataJson: string | undefined;
    let head: string | undefined;
    let tail: string | undefined;
    let key: string | undefined;
    for (const s of this.sessions.values()) {
      const isOrigin = e.origin !== undefined && e.origin.session === s.id;
      let subIds: string[] | undefined;
      if (s.subs.size > 0) {
        for (const sub of s.subs.values()) {
          if (sub.expiresAt <= ts) {
            s.subs.delete(sub.id);
            continue;
          }
          if (!sub.families.has(e.family) && !sub.names.has((key ??= `${e.family}.${e.name}`))) {
            continue;
          }
          if (
            sub.objects &&
            !(e.agent !== undefined && sub.objects.has(e.agent)) &&
            !(e.family === 'ccs' && sub.objects.has(e.data.domain as string))
          ) {
            continue;
          }
          (subIds ??= []).push(sub.id);
        }
      }
      if (!subIds && !isOrigin) continue;
      if (head === undefined) {
        dataJson = JSON.stringify(e.data);
        head = `{"type":"event","family":"${e.family}","name":"${e.name}","seq":`;
        tail = `,"ts":${ts}${e.agent !== undefined ? `,"agent":${JSON.stringify(e.agent)}` : ''}`;
      }
      let frame = `${head}${++s.seq}${tail}`;
      if (isOrigin) frame += `,"reqId":${JSON.stringify(e.origin!.reqId)}`;
      if (subIds) frame += `,"subIds":${JSON.stringify(subIds)}`;
      frame += `,"data":${dataJson}}`;
      s.ring.push(frame);
      const ws = s.ws;
      if (ws && ws.readyState === WebSocket.OPEN) {
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          this.logger.warn(`session ${s.id}: client too slow, closing (it may resume)`);
          ws.terminate();
          continue;
        }
        if (s.socket) this.cork(s.socket);
        ws.send(frame);
        this.counters.eventsSent++;
      }
    }
  }

  private readonly corked = new Set<Socket>();

  /**
   * Batch the frames sent to a socket in one tick into few writes: cork the TCP socket on the
   * first frame, uncork on the next tick (ws writes each frame separately). ws has no public
   * cork and `send(data, { fin: false })` would make fragments of one message, so the socket is
   * the upgrade request's (public `req.socket`, the one ws writes to). Cork calls nest, so ws's
   * own cork/uncork around a frame's two writes stays balanced inside ours.
   */
  private cork(socket: Socket): void {
    if (this.corked.has(socket)) return;
    this.corked.add(socket);
    socket.cork();
    if (this.corked.size === 1) {
      process.nextTick(() => {
        for (const s of this.corked) s.uncork();
        this.corked.clear();
      });
    }
  }

  /** True while no connected session has more than 4 MiB of unsent frames. */
  private keepingUp(): boolean {
    for (const s of this.sessions.values()) {
      if (s.ws && s.ws.bufferedAmount > LOAD_BACKLOG_BYTES) return false;
    }
    return true;
  }

  /** Forget sessions whose socket has been gone longer than the TTL; drop expired subscriptions. */
  private sweep(): void {
    const now = Date.now();
    const ttl = this.opts.sessionTtlMs ?? 300_000;
    for (const s of this.sessions.values()) {
      if (!s.ws && s.droppedAt > 0 && now - s.droppedAt > ttl) this.sessions.delete(s.id);
      for (const sub of s.subs.values()) if (sub.expiresAt <= now) s.subs.delete(sub.id);
    }
  }

  private scheduleInbound(): void {
    const rate = this.opts.inboundPerMinute ?? 0;
    if (!(rate > 0) || !this.server) return;
    // Exponential gaps around the mean: live-looking traffic at the requested rate.
    const mean = 60_000 / rate;
    const gap = -Math.log(1 - this.rng() * 0.999) * mean;
    this.inboundTimer = this.clock.after(gap, () => {
      const number = `48${String(500000000 + Math.floor(this.rng() * 99_999_999)).slice(0, 8)}${
        1 + Math.floor(this.rng() * 5)
      }`;
      const talk = 15_000 + Math.floor(this.rng() * 30_000);
      this.model.inboundCall(number, undefined, talk);
      this.scheduleInbound();
    });
  }
}
