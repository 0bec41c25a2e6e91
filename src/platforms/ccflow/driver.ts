/**
 * The `ccflow` driver: our own gateway protocol (docs/protocol.md), spoken by the simulator and
 * by any server that implements that document. One WebSocket; a `login` frame (tenant and
 * credentials, with `resume` after a drop); every received frame validated against the JSON
 * Schemas; events carry a per-session `seq` the server can replay from (resume = `replay`);
 * application-level ping / pong; every catalogue operation is carried as a `req` frame.
 */
import { getOperation } from '../../protocol/catalogue';
import { parseFrame } from '../../protocol/validate';
import type { ClientFrame, LoginFrame, LoginRespFrame } from '../../protocol/types';
import type {
  Carriage,
  LinkHandler,
  OpenRequest,
  OperationRequest,
  PlatformDriver,
  PlatformLink,
  SubscribeRequest,
} from '../api';
import { WsSocket, wsUrlProblem } from '../ws-socket';
import type { TlsOptions } from '../ws-socket';

export interface CcflowDriverOptions {
  tenant: string;
  username: string;
  /** Never logged, never put in an error message. */
  password: string;
  tls?: TlsOptions;
  /** Client name and version sent at login. */
  clientInfo?: { name?: string; version?: string };
}

const CARRIED: Carriage = { carried: true };

export class CcflowDriver implements PlatformDriver {
  readonly platform = 'ccflow';
  readonly resume = 'replay' as const;
  readonly families = ['agent', 'dialog', 'ccs'] as const;
  readonly secrets: readonly string[];

  constructor(private readonly o: CcflowDriverOptions) {
    this.secrets = o.password ? [o.password] : [];
  }

  checkUrl(url: unknown): string | undefined {
    return wsUrlProblem(url);
  }

  carries(op: string): Carriage {
    return getOperation(op)
      ? CARRIED
      : { carried: false, why: `unknown operation "${String(op)}"` };
  }

  open(request: OpenRequest): PlatformLink {
    return new CcflowLink(this.o, request);
  }
}

let loginCounter = 0;

class CcflowLink implements PlatformLink {
  private readonly socket: WsSocket;
  private readonly h: LinkHandler;
  private loggedIn = false;

  constructor(
    private readonly o: CcflowDriverOptions,
    private readonly req: OpenRequest,
  ) {
    this.h = req.handler;
    this.socket = new WsSocket({
      url: req.url,
      connectTimeoutMs: req.connectTimeoutMs,
      tls: o.tls,
      handler: req.handler,
      log: req.log,
      scrub: req.scrub,
      onOpen: () => this.onOpen(),
      onText: (text) => this.onText(text),
    });
  }

  sendOperation(r: OperationRequest): void {
    this.send({ type: 'req', op: r.op, reqId: r.reqId, agent: r.agent, params: r.params });
  }

  sendSubscribe(r: SubscribeRequest): void {
    const f: ClientFrame = {
      type: 'subscribe',
      qid: r.qid,
      id: r.id,
      events: r.events as string[],
      expires: r.expires,
    };
    if (r.objects !== undefined) f.objects = r.objects as 'any' | string[];
    this.send(f);
  }

  private pingId = 0;

  ping(): void {
    this.send({ type: 'ping', id: ++this.pingId, ts: Date.now() });
  }

  close(): Promise<void> {
    return this.socket.close();
  }

  terminate(): void {
    this.socket.terminate();
  }

  private send(frame: ClientFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  private onOpen(): void {
    const info = this.o.clientInfo ?? {};
    const frame: LoginFrame = {
      type: 'login',
      reqId: `l${++loginCounter}`,
      tenant: this.o.tenant,
      credentials: { username: this.o.username, password: this.o.password },
      client: {
        name: info.name ?? 'node-red-contact-center',
        version: info.version ?? '0.1.0',
      },
    };
    if (this.req.resume !== undefined) {
      frame.resume = { sessionId: this.req.resume.sessionId, lastSeq: this.req.resume.lastSeq };
    }
    this.send(frame);
    this.h.opened();
  }

  private onText(text: string): void {
    const h = this.h;
    const r = parseFrame(text, 'server');
    if (!r.ok) {
      h.invalidFrame(r.code, `invalid frame dropped: ${r.message}`);
      return;
    }
    const f = r.value;
    switch (f.type) {
      case 'event':
        h.event(f);
        return;
      case 'resp':
        h.response(f);
        return;
      case 'loginResp':
        this.onLoginResp(f);
        return;
      case 'subscribeResp':
        h.subscribeAnswer(f);
        return;
      case 'ping':
        this.send({ type: 'pong', id: f.id, ts: Date.now() });
        return;
      case 'pong':
        return;
      case 'error':
        h.error(f);
        return;
      case 'notice':
        h.notice(f.code, f.message);
        return;
    }
  }

  private onLoginResp(f: LoginRespFrame): void {
    if (this.loggedIn) {
      this.h.problem('SERVER_ERROR', 'unexpected loginResp after login');
      return;
    }
    if (f.code !== 0 || !f.data) {
      this.h.refused(
        `authentication refused: ${f.errorCode ?? `code ${f.code}`}${f.message ? ` (${f.message})` : ''}`,
      );
      return;
    }
    this.loggedIn = true;
    const d = f.data;
    this.h.ready({
      sessionId: d.sessionId,
      resumed: d.resumed,
      heartbeatMs: d.heartbeatMs,
      who: `${this.o.username}@${this.o.tenant}`,
    });
  }
}
