/**
 * The ccflow face: our own gateway protocol (docs/protocol.md) over WebSocket. Login with
 * resume, req -> resp then the operation's process events, subscribe / renew / unsubscribe, ping,
 * and event frames with a per-session `seq` kept in a replay buffer for resuming clients.
 *
 * Send path: each event's data is serialised once; each session that gets it receives a frame
 * string built around that JSON with its own `seq`, kept in the session's replay buffer.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket, type RawData } from 'ws';
import {
  ERROR_CODES,
  EVENT_NAMES,
  FAMILY_CLASS,
  MAX_FRAME_BYTES,
  getOperation,
  validateClientFrame,
  validateParams,
  type ClientFrame,
  type EventFamily,
  type LoginFrame,
  type ReqFrame,
  type SubscribeFrame,
} from '../../../protocol';
import type { Emission } from '../types';
import type { Face, FaceHost, FaceStats } from './face';
import { loginAccepted } from '../../logins';

/** The event classes of this protocol (callevents are Era / Incoplax's, not ours). */
const CLASS_TO_FAMILY: Readonly<Record<string, EventFamily>> = Object.fromEntries(
  (Object.entries(FAMILY_CLASS) as [EventFamily, string][])
    .filter(([f]) => f !== 'call')
    .map(([f, c]) => [c, f]),
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

export class CcflowFace implements Face {
  readonly name = 'ccflow';
  private readonly sessions = new Map<string, Session>();
  private readonly conns = new Set<Conn>();
  private readonly users: Record<string, Record<string, string>>;
  private readonly counters = { eventsSent: 0, requests: 0, badFrames: 0 };

  constructor(private readonly host: FaceHost) {
    this.users = host.options.users ?? { demo: { demo: 'demo' } };
  }

  /** ccflow takes every WebSocket connection no other face took, on any path. */
  accepts(): boolean {
    return true;
  }

  stats(): FaceStats {
    return {
      sessions: this.sessions.size,
      eventsSent: this.counters.eventsSent,
      requests: this.counters.requests,
      badFrames: this.counters.badFrames,
    };
  }

  /** Tell every client the simulator stops and close its socket; sessions stay for a resume. */
  stopping(now: number): void {
    for (const c of this.conns) {
      this.sendRaw(c.ws, { type: 'notice', code: 'shutdown', message: 'simulator stopping' });
      if (c.session && c.session.ws === c.ws) {
        c.session.ws = undefined;
        c.session.socket = undefined;
        c.session.droppedAt = now;
      }
      c.ws.close(1001, 'shutdown');
    }
  }

  clear(): void {
    this.sessions.clear();
  }

  connect(ws: WebSocket, req: http.IncomingMessage): void {
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
    ws.on('error', (err) => this.host.logger.warn(`socket error: ${err.message}`));
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
    if (isBinary)
      return this.refuseFrame(conn, ERROR_CODES.badFrame, 'binary frames are not accepted');
    // The limit is in bytes of the UTF-8 frame (docs/protocol.md), decided before decoding.
    const bytes = Array.isArray(raw)
      ? raw.reduce((n, b) => n + b.length, 0)
      : raw instanceof ArrayBuffer
        ? raw.byteLength
        : raw.length;
    if (bytes > MAX_FRAME_BYTES) {
      return this.refuseFrame(
        conn,
        ERROR_CODES.tooLarge,
        `frame of ${bytes} bytes exceeds ${MAX_FRAME_BYTES}`,
      );
    }
    const text = raw.toString();
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

  /**
   * One login per user (option singleLogin): the user's other connected sessions are told
   * (`notice` kickout), closed and forgotten, so they cannot be resumed.
   */
  private kickOut(tenant: string, user: string): void {
    for (const old of [...this.sessions.values()]) {
      if (old.tenant !== tenant || old.user !== user || !old.ws) continue;
      this.sendRaw(old.ws, {
        type: 'notice',
        code: 'kickout',
        message: 'the same user logged in on another connection',
      });
      old.ws.close(4001, 'kickout');
      this.sessions.delete(old.id);
    }
  }

  private login(conn: Conn, f: LoginFrame): void {
    const { username, password } = f.credentials;
    if (!loginAccepted(this.users, f.tenant, username, password)) {
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
    if (!session && this.host.options.singleLogin) this.kickOut(f.tenant, username);
    if (!session) {
      session = new Session(
        `s-${crypto.randomBytes(6).toString('hex')}`,
        f.tenant,
        username,
        this.host.options.replayBuffer ?? 10_000,
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
        heartbeatMs: this.host.options.heartbeatMs ?? 15_000,
        agents: this.host.model.agentIds(),
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
    const agent = this.host.model.agents.get(f.agent);
    if (!agent || agent.load) {
      return respond(404, ERROR_CODES.unknownAgent, `unknown agent "${f.agent}"`);
    }
    const { result, flush } = this.host.model.run(() =>
      this.host.model.operate(agent, f.op, params.value, { session: session.id, reqId: f.reqId }),
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
      if (p.slice(0, dot) === FAMILY_CLASS.call) {
        // An unknown class of this protocol (BAD_FRAME, as protocol.md says), named clearly.
        return respond(
          400,
          ERROR_CODES.badFrame,
          `${FAMILY_CLASS.call} are an Era / Incoplax event class: this protocol has none`,
          0,
        );
      }
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
  deliver(e: Emission): void {
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
          this.host.logger.warn(`session ${s.id}: client too slow, closing (it may resume)`);
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
  keepingUp(): boolean {
    for (const s of this.sessions.values()) {
      if (s.ws && s.ws.bufferedAmount > LOAD_BACKLOG_BYTES) return false;
    }
    return true;
  }

  /** Forget sessions whose socket has been gone longer than the TTL; drop expired subscriptions. */
  sweep(now: number): void {
    const ttl = this.host.options.sessionTtlMs ?? 300_000;
    for (const s of this.sessions.values()) {
      if (!s.ws && s.droppedAt > 0 && now - s.droppedAt > ttl) this.sessions.delete(s.id);
      for (const sub of s.subs.values()) if (sub.expiresAt <= now) s.subs.delete(sub.id);
    }
  }
}
