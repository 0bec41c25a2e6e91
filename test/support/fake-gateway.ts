/**
 * A small scriptable gateway speaking docs/protocol.md over a real `ws` server on 127.0.0.1,
 * for the client's tests: login (with refusal and resume), a bounded replay buffer per session,
 * responses and events, subscriptions, ping/pong. Its sessions live in a `FakeState` that can
 * outlive the server, so a test can kill the server and start it again on the same port.
 *
 * Every client frame is validated with the protocol schemas; invalid ones are recorded so tests
 * can assert the client never sends one.
 */
import { WebSocketServer, WebSocket } from 'ws';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FAMILY_CLASS, parseFrame, type EventFamily } from '../../src/protocol';
import type {
  ClientFrame,
  Data,
  EventFrame,
  LoginFrame,
  ReqFrame,
  ServerFrame,
  SubscribeFrame,
} from '../../src/protocol/types';

export interface FakeSession {
  readonly id: string;
  seq: number;
  /** Most recent events, oldest first, bounded by `bufferSize`. */
  buffer: EventFrame[];
  readonly subs: Map<string, SubscribeFrame>;
  conn: FakeConn | null;
}

/** Sessions, kept across server restarts when the same state is passed in. */
export class FakeState {
  readonly sessions = new Map<string, FakeSession>();
  /** Distinct per state, so a server that lost its state never reuses a session id. */
  readonly prefix = Math.random().toString(36).slice(2, 8);
  nextSession = 1;
}

export interface FakeGatewayOptions {
  users?: Record<string, string>;
  tenant?: string;
  heartbeatMs?: number;
  bufferSize?: number;
  /** Replay this many already-delivered events too on resume (a sloppy server). */
  replayOverlap?: number;
  /** Message of a refused login (a test may make it echo the password). */
  refuseMessage?: (login: LoginFrame) => string;
  state?: FakeState;
  /** Serve wss:// with this key and certificate. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Grant this subscription period (s) whatever was asked (a server shortening it). */
  grantExpires?: number;
}

export type ReqHandler = (req: ReqFrame, conn: FakeConn, gw: FakeGateway) => void;

export class FakeConn {
  session: FakeSession | null = null;
  /** When set, nothing is sent on this connection any more (a half-open socket). */
  silent = false;
  constructor(
    readonly ws: WebSocket,
    readonly gw: FakeGateway,
  ) {}

  send(frame: ServerFrame): void {
    this.sendRaw(JSON.stringify(frame));
  }

  sendRaw(text: string): void {
    if (this.silent || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(text);
  }

  /** Answer a request (code 0 unless told otherwise). */
  resp(req: ReqFrame, code = 0, data: Data | null = {}, errorCode: string | null = null): void {
    this.send({
      type: 'resp',
      op: `${req.op}Resp`,
      reqId: req.reqId,
      code,
      errorCode: code === 0 ? null : (errorCode ?? 'INVALID_STATE'),
      message: code === 0 ? 'ok' : 'refused',
      data,
    });
  }
}

function matches(sub: SubscribeFrame, family: EventFamily, name: string): boolean {
  const cls = FAMILY_CLASS[family];
  for (const p of sub.events) {
    if (p === `${cls}.*` || p === `${cls}.${name}`) return true;
  }
  return false;
}

export class FakeGateway {
  readonly state: FakeState;
  readonly received: ClientFrame[] = [];
  readonly invalidFromClient: string[] = [];
  readonly conns = new Set<FakeConn>();
  onReq: ReqHandler = (req, conn) => conn.resp(req);
  answerSubscribe = true;
  port = 0;
  private wss: WebSocketServer | null = null;
  private tlsServer: https.Server | null = null;
  private readonly waiters = new Set<() => void>();
  private readonly users: Record<string, string>;

  constructor(readonly options: FakeGatewayOptions = {}) {
    this.state = options.state ?? new FakeState();
    this.users = options.users ?? { demo: 'demo' };
  }

  get url(): string {
    return `${this.options.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}`;
  }

  listen(port = 0): Promise<number> {
    if (this.options.tls) return this.listenTls(port, this.options.tls);
    return new Promise((resolve, reject) => {
      const wss = new WebSocketServer({ host: '127.0.0.1', port });
      wss.once('error', reject);
      wss.once('listening', () => {
        wss.off('error', reject);
        this.wss = wss;
        this.port = (wss.address() as AddressInfo).port;
        resolve(this.port);
      });
      wss.on('connection', (ws) => this.onConnection(ws));
    });
  }

  private listenTls(port: number, tls: { key: string | Buffer; cert: string | Buffer }) {
    return new Promise<number>((resolve, reject) => {
      const server = https.createServer(tls);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const wss = new WebSocketServer({ server });
        wss.on('connection', (ws) => this.onConnection(ws));
        this.wss = wss;
        this.tlsServer = server;
        this.port = (server.address() as AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  /** Kill the server: every socket terminated, port released; sessions stay in `state`. */
  stop(): Promise<void> {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    for (const s of this.state.sessions.values()) s.conn = null;
    const wss = this.wss;
    const server = this.tlsServer;
    this.wss = null;
    this.tlsServer = null;
    if (!wss) return Promise.resolve();
    return new Promise<void>((resolve) => wss.close(() => resolve())).then(() =>
      server ? new Promise<void>((resolve) => server.close(() => resolve())) : undefined,
    );
  }

  /** Terminate the connections but keep listening. */
  dropClients(): void {
    for (const c of this.conns) c.ws.terminate();
  }

  /** The single session (most tests have one client). */
  session(): FakeSession {
    const all = Array.from(this.state.sessions.values());
    const live = all.filter((s) => s.conn !== null);
    const s = live.length > 0 ? live[live.length - 1] : all[all.length - 1];
    if (!s) throw new Error('no session yet');
    return s;
  }

  /**
   * Emit an event to a session: it gets the next seq and enters the replay buffer, and is sent
   * when the session has a connection. Events without a reqId go only to subscribed sessions.
   */
  emit(
    session: FakeSession,
    family: EventFamily,
    name: string,
    data: Data,
    extra: { reqId?: string; agent?: string } = {},
  ): EventFrame | undefined {
    const subIds: string[] = [];
    for (const sub of session.subs.values()) if (matches(sub, family, name)) subIds.push(sub.id);
    if (extra.reqId === undefined && subIds.length === 0) return undefined;
    const ev: EventFrame = {
      type: 'event',
      family,
      name,
      seq: ++session.seq,
      ts: Date.now(),
      data,
    };
    if (extra.agent !== undefined) ev.agent = extra.agent;
    if (extra.reqId !== undefined) ev.reqId = extra.reqId;
    if (subIds.length > 0) ev.subIds = subIds;
    session.buffer.push(ev);
    const max = this.options.bufferSize ?? 10_000;
    if (session.buffer.length > max) session.buffer.splice(0, session.buffer.length - max);
    session.conn?.send(ev);
    return ev;
  }

  /** Frames received of one type. */
  frames<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.received.filter((f) => f.type === type) as Extract<ClientFrame, { type: T }>[];
  }

  /** Resolve when `pred` holds (checked now and after every received frame). */
  waitFor(pred: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`fake gateway: timed out waiting for ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  private onConnection(ws: WebSocket): void {
    const conn = new FakeConn(ws, this);
    this.conns.add(conn);
    ws.on('close', () => {
      this.conns.delete(conn);
      if (conn.session && conn.session.conn === conn) conn.session.conn = null;
    });
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      const r = parseFrame(text, 'client');
      if (!r.ok) {
        this.invalidFromClient.push(`${r.message}: ${text}`);
        conn.send({ type: 'error', code: r.code, message: r.message });
        return;
      }
      const f = r.value;
      this.received.push(f);
      this.handle(conn, f);
      for (const w of Array.from(this.waiters)) w();
    });
  }

  private handle(conn: FakeConn, f: ClientFrame): void {
    if (conn.session === null && f.type !== 'login') {
      conn.send({ type: 'error', code: 'NOT_LOGGED_IN', message: 'login first' });
      conn.ws.close();
      return;
    }
    switch (f.type) {
      case 'login':
        this.login(conn, f);
        return;
      case 'req':
        this.onReq(f, conn, this);
        return;
      case 'subscribe': {
        const s = conn.session as FakeSession;
        if (f.expires === 0) s.subs.delete(f.id);
        else s.subs.set(f.id, f);
        if (this.answerSubscribe) {
          conn.send({
            type: 'subscribeResp',
            qid: f.qid,
            id: f.id,
            code: 0,
            errorCode: null,
            message: 'ok',
            expires: this.options.grantExpires ?? f.expires,
          });
        }
        return;
      }
      case 'ping':
        conn.send({ type: 'pong', id: f.id, ts: Date.now() });
        return;
      case 'pong':
        return;
    }
  }

  private login(conn: FakeConn, f: LoginFrame): void {
    const tenant = this.options.tenant ?? 'demo';
    const ok = f.tenant === tenant && this.users[f.credentials.username] === f.credentials.password;
    if (!ok) {
      conn.send({
        type: 'loginResp',
        reqId: f.reqId,
        code: 401,
        errorCode: 'AUTH_FAILED',
        message: this.options.refuseMessage?.(f) ?? 'authentication failed',
      });
      conn.ws.close();
      return;
    }
    const st = this.state;
    const old = f.resume ? st.sessions.get(f.resume.sessionId) : undefined;
    const lastSeq = f.resume?.lastSeq ?? 0;
    const covers =
      old !== undefined &&
      (old.seq <= lastSeq || (old.buffer.length > 0 && old.buffer[0].seq <= lastSeq + 1));
    let session: FakeSession;
    if (old && covers) {
      session = old;
      if (session.conn && session.conn !== conn) session.conn.ws.terminate();
    } else {
      session = {
        id: `s-${st.prefix}-${st.nextSession++}`,
        seq: 0,
        buffer: [],
        subs: new Map(),
        conn: null,
      };
      st.sessions.set(session.id, session);
    }
    session.conn = conn;
    conn.session = session;
    const resumed = session === old;
    conn.send({
      type: 'loginResp',
      reqId: f.reqId,
      code: 0,
      errorCode: null,
      message: 'ok',
      data: {
        sessionId: session.id,
        resumed,
        lastSeq: session.seq,
        heartbeatMs: this.options.heartbeatMs ?? 15_000,
      },
    });
    if (old && !resumed) {
      conn.send({ type: 'notice', code: 'gap', message: `events after ${lastSeq} are lost` });
    }
    if (resumed) {
      const from = lastSeq - (this.options.replayOverlap ?? 0);
      for (const ev of session.buffer) if (ev.seq > from) conn.send(ev);
    }
  }
}
