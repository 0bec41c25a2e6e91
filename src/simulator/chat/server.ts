/**
 * The chat simulator's HTTP face: the application's API (Bearer secret), the anonymous chat
 * client's UCWA session (Bearer token), the representative page's API, and the two pages.
 * Runs on its own loopback port, or mounted on another server through handle().
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ChatSimulatorOptions, ChatSimulatorStats } from './api';
import * as app from './application';
import { err, type Reply } from './application';
import { REP_PAGE, VISITOR_PAGE } from './pages';
import { openRepPage, repAnswer, repLeave, repMessage, repTyping } from './reps';
import * as anon from './visitor';
import { APP, COMM, ChatWorld } from './world';

const MAX_BODY = 64 * 1024;

function bearer(req: http.IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m ? m[1] : undefined;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () =>
      resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', () => resolve(undefined));
  });
}

function json(text: string): Record<string, unknown> | undefined {
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export class ChatSimulator {
  readonly world: ChatWorld;
  private server: http.Server | undefined;
  private base = '';
  private readonly secretDigest: Buffer | undefined;

  constructor(private readonly opts: ChatSimulatorOptions = {}) {
    this.world = new ChatWorld(opts);
    this.secretDigest = opts.secret ? digest(opts.secret) : undefined;
  }

  /** Listen on host:port (127.0.0.1:0 by default). */
  async start(): Promise<{ url: string; port: number; discoveryUrl: string }> {
    if (!this.server) {
      const server = http.createServer((req, res) => {
        if (!this.handle(req, res))
          this.send(res, { status: 404, body: { code: 'NotFound', message: 'no such resource' } });
      });
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
      });
    }
    const addr = this.server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    this.base = `http://${host}:${addr.port}`;
    return {
      url: this.base,
      port: addr.port,
      discoveryUrl: `${this.base}/platformservice/discover`,
    };
  }

  get url(): string {
    return this.base;
  }

  get discoveryUrl(): string {
    return `${this.base}/platformservice/discover`;
  }

  addCallbackUrl(url: string): void {
    this.world.addCallbackUrl(url);
  }

  removeCallbackUrl(url: string): void {
    this.world.removeCallbackUrl(url);
  }

  /** Resolves when every callback queued so far was delivered or failed. */
  drainCallbacks(): Promise<void> {
    return this.world.drain();
  }

  stats(): ChatSimulatorStats {
    const cb = this.world.callbackStats();
    return {
      tokens: this.world.tokens.size,
      visitors: this.world.visitors.size,
      conversations: this.world.conversations.size,
      callbacksSent: cb.sent,
      callbackFailures: cb.failures,
      requests: this.world.stats.requests,
      badRequests: this.world.stats.badRequests,
    };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.world.dispose();
    if (!s) return;
    s.closeAllConnections?.();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Handle a request when its path is the chat simulator's; false otherwise. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (!(
      path.startsWith('/platformservice/') ||
      path.startsWith('/ucwa/') ||
      path.startsWith('/chat/')
    )) {
      return false;
    }
    this.world.stats.requests++;
    this.route(req, url, path)
      .then((reply) => this.send(res, reply))
      .catch((e: Error) => this.send(res, err(500, 'ServiceFailure', 'Internal', e.message)));
    return true;
  }

  private send(res: http.ServerResponse, reply: Reply & { html?: string }): void {
    if (res.headersSent) return;
    if (reply.status >= 400) this.world.stats.badRequests++;
    res.setHeader('cache-control', 'no-store');
    if (reply.html !== undefined) {
      res.writeHead(reply.status, { 'content-type': 'text/html; charset=utf-8' });
      res.end(reply.html);
      return;
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status);
      res.end();
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(reply.body));
  }

  private authorised(req: http.IncomingMessage): boolean {
    if (!this.secretDigest) return true;
    const given = bearer(req);
    return given !== undefined && timingSafeEqual(digest(given), this.secretDigest);
  }

  private async route(
    req: http.IncomingMessage,
    url: URL,
    path: string,
  ): Promise<Reply & { html?: string }> {
    const method = req.method ?? 'GET';
    const w = this.world;
    if (method === 'GET' && path === '/chat/visitor.html')
      return { status: 200, html: VISITOR_PAGE };
    if (method === 'GET' && path === '/chat/rep.html') return { status: 200, html: REP_PAGE };
    if (method === 'GET' && path === '/platformservice/discover') return app.discovery();
    if (method === 'GET' && path === '/platformservice/anonymous/discover')
      return anon.anonDiscover();

    let text = '';
    if (method === 'POST' || method === 'PUT') {
      const t = await readBody(req);
      if (t === undefined)
        return err(413, 'RequestTooLarge', 'TooLarge', `body over ${MAX_BODY} bytes`);
      text = t;
    }
    const isJson = /json/i.test(String(req.headers['content-type'] ?? ''));
    const body = isJson ? json(text) : {};
    if (body === undefined)
      return err(400, 'BadRequest', 'BadJson', 'the body is not a JSON object');
    const opId = url.searchParams.get('operationId') ?? '';

    // The application's API.
    if (path.startsWith('/platformservice/')) {
      if (!this.authorised(req))
        return err(401, 'Unauthorized', 'InvalidSecret', 'missing or wrong application secret');
      if (method === 'GET' && path === APP) return app.application();
      if (method === 'POST' && path === `${APP}/anonApplicationTokens`)
        return app.anonToken(w, body);
      if (method === 'POST' && path === `${COMM}/startAdhocMeeting`)
        return app.startAdhocMeeting(w, undefined, body);
      let m =
        /^(.*\/messagingInvitations\/[^/]+)\/(startAdhocMeeting|acceptAndBridge|inviteUserToMeeting)$/.exec(
          path,
        );
      if (m && m[1].startsWith(COMM) && method === 'POST') {
        if (m[2] === 'startAdhocMeeting') return app.startAdhocMeeting(w, m[1], body);
        if (m[2] === 'acceptAndBridge') return app.acceptAndBridge(w, m[1], body);
        return app.inviteUserToMeeting(w, m[1], body);
      }
      m = new RegExp(
        `^${COMM}/conversations/([^/]+)(/bridge/(bridgedParticipants|messages))?$`,
      ).exec(path);
      if (m) {
        if (method === 'POST' && m[3] === 'bridgedParticipants')
          return app.addBridgedParticipant(w, m[1], body);
        if (method === 'POST' && m[3] === 'messages') {
          const message = isJson ? String(body.message ?? '') : text;
          return app.sendMessage(w, m[1], opId, message);
        }
        if (method === 'DELETE' && !m[2]) return app.terminate(w, m[1], opId);
      }
      return err(404, 'NotFound', 'NoSuchResource', `no ${method} ${path}`);
    }

    // The anonymous chat client.
    if (path.startsWith('/ucwa/')) {
      if (method === 'POST' && path === anon.ANON) return anon.createSession(w, bearer(req), body);
      const m = new RegExp(`^${anon.ANON}/([^/]+)(/.*)?$`).exec(path);
      const visitor = m ? w.visitors.get(m[1]) : undefined;
      const token = bearer(req) ?? url.searchParams.get('token') ?? '';
      if (!m || !visitor) return err(404, 'NotFound', 'NoSuchSession', 'no such session');
      if (!timingSafeEqual(digest(token), digest(visitor.token))) {
        return err(401, 'Unauthorized', 'InvalidToken', 'wrong token for this session');
      }
      const rest = m[2] ?? '';
      if (method === 'GET' && rest === '/events') {
        const ack = Math.max(1, Number(url.searchParams.get('ack')) || 1);
        const wait = Math.min(30_000, Math.max(0, Number(url.searchParams.get('wait') ?? 20_000)));
        return { status: 200, body: { ...(await visitor.channel.poll(ack, wait)) } };
      }
      if (method === 'POST' && rest === '/communication/messagingInvitations')
        return anon.inviteHelpdesk(w, visitor, body);
      const c = /^\/communication\/conversations\/([^/]+)(\/messaging\/(messages|typing))?$/.exec(
        rest,
      );
      const conv = c ? anon.visitorConversation(visitor, c[1]) : undefined;
      if (!c || !conv) return err(404, 'NotFound', 'NoSuchConversation', 'no such conversation');
      if (method === 'DELETE' && !c[2]) return anon.visitorCloses(w, conv);
      if (method === 'POST' && c[3] === 'typing') return anon.visitorSays(w, conv, undefined);
      if (method === 'POST' && c[3] === 'messages')
        return anon.visitorSays(w, conv, isJson ? String(body.message ?? '') : text);
      return err(404, 'NotFound', 'NoSuchResource', `no ${method} ${path}`);
    }

    // The representative page.
    if (method === 'POST' && path === '/chat/reps') {
      const uri = typeof body.uri === 'string' ? body.uri : '';
      if (!/^sip:[^@\s]+@[^@\s]+$/.test(uri))
        return err(400, 'BadRequest', 'InvalidUri', 'uri must be a sip: address');
      const page = openRepPage(
        w,
        uri,
        typeof body.name === 'string' ? body.name.slice(0, 100) : undefined,
      );
      return {
        status: 201,
        body: {
          uri,
          name: page.name,
          _links: { self: { href: page.href }, events: { href: `${page.href}/events?ack=1` } },
        },
      };
    }
    const r = /^\/chat\/reps\/([^/]+)(\/.*)?$/.exec(path);
    const page = r ? w.repPages.get(decodeURIComponent(r[1])) : undefined;
    if (!r || !page)
      return err(404, 'NotFound', 'NoSuchPage', 'open the representative page first');
    const rest = r[2] ?? '';
    if (method === 'GET' && rest === '/events') {
      const ack = Math.max(1, Number(url.searchParams.get('ack')) || 1);
      const wait = Math.min(30_000, Math.max(0, Number(url.searchParams.get('wait') ?? 20_000)));
      return { status: 200, body: { ...(await page.channel.poll(ack, wait)) } };
    }
    const inv = /^\/invitations\/([^/]+)\/(accept|decline)$/.exec(rest);
    if (inv && method === 'POST') {
      return repAnswer(w, page, inv[1], inv[2] === 'accept')
        ? { status: 204 }
        : err(404, 'NotFound', 'NoSuchInvitation', 'no such invitation');
    }
    const cm = /^\/conversations\/([^/]+)(\/(messages|typing))?$/.exec(rest);
    const meeting = cm ? w.conversations.get(cm[1]) : undefined;
    if (!cm || !meeting || !meeting.participants?.has(page.uri)) {
      return err(404, 'NotFound', 'NotInMeeting', 'not in this meeting');
    }
    if (method === 'POST' && cm[3] === 'typing') {
      repTyping(w, meeting, page.uri);
      return { status: 204 };
    }
    if (method === 'POST' && cm[3] === 'messages') {
      const message = (isJson ? String(body.message ?? '') : text).slice(0, 10_000);
      if (message.trim() === '')
        return err(400, 'BadRequest', 'EmptyMessage', 'the message is empty');
      repMessage(w, meeting, page.uri, message);
      return { status: 204 };
    }
    if (method === 'DELETE' && !cm[2])
      return repLeave(w, meeting, page.uri)
        ? { status: 204 }
        : err(404, 'NotFound', 'NotInMeeting', 'not in this meeting');
    return err(404, 'NotFound', 'NoSuchResource', `no ${method} ${path}`);
  }
}
