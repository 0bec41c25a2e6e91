/**
 * The virtual contact center's host: one HTTP server with a WebSocket server on it, one model of
 * agents, legs, dialogs, connections and seances (./contact-center/), and the faces that speak
 * each vendor's wire over that model (./contact-center/faces/: ccflow, docs/protocol.md, on any
 * path; Era / Incoplax on /ws and /ws/token/v1/<token>). The
 * host routes each WebSocket connection and HTTP request to its face, hands every model event to
 * the faces, POSTs dialog webhooks, schedules inbound traffic and load mode.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { HARD_FRAME_BYTES, validateDialogBody, validateEventData } from '../protocol';
import type { SimulatorApi, SimulatorOptions, SimulatorStats } from './api';
import { Model, type Emission } from './contact-center';
import { createFaces, type Face } from './contact-center/faces';
import { Clock, prng, type Timer } from './scenario';
import { WebhookSender } from './webhooks';

const noopLogger = { info: () => {}, warn: () => {}, error: () => {} };

export class Simulator implements SimulatorApi {
  readonly model: Model;
  readonly clock: Clock;
  private readonly opts: SimulatorOptions;
  private readonly logger: NonNullable<SimulatorOptions['logger']>;
  private readonly webhooks: WebhookSender;
  private readonly faces: Face[];
  private readonly rng: () => number;
  private server: http.Server | undefined;
  private wss: WebSocketServer | undefined;
  private port: number;
  private currentUrl = '';
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private inboundTimer: Timer | undefined;
  private loadStarted = false;
  private invalidEvents = 0;

  constructor(options: SimulatorOptions = {}) {
    this.opts = options;
    this.port = options.port ?? 0;
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
    this.faces = createFaces({ model: this.model, options, logger: this.logger });
  }

  get url(): string {
    return this.currentUrl;
  }

  async start(): Promise<{ url: string; port: number }> {
    if (this.server) return { url: this.currentUrl, port: this.port };
    const host = this.opts.host ?? '127.0.0.1';
    const server = http.createServer((req, res) => this.http(req, res));
    const wss = new WebSocketServer({
      server,
      maxPayload: HARD_FRAME_BYTES,
      // A face may refuse the upgrade itself (Era: 401 for a wrong token), as a platform does.
      verifyClient: (info, done) => {
        const status = this.faces.find((f) => f.accepts(info.req))?.verify?.(info.req);
        if (status === undefined) done(true);
        else done(false, status, http.STATUS_CODES[status]);
      },
    });
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
    for (const face of this.faces) face.stopping(now);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, 1000);
      timer.unref();
      wss.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stop and forget everything: timers, calls, sessions. */
  async dispose(): Promise<void> {
    this.model.stopLoad();
    await this.stop();
    this.clock.clear();
    for (const face of this.faces) face.clear();
    this.webhooks.close();
  }

  /** Resolves when every webhook queued so far was delivered or failed. */
  drainWebhooks(): Promise<void> {
    return this.webhooks.drain();
  }

  stats(): SimulatorStats {
    const sum = { sessions: 0, eventsSent: 0, requests: 0, badFrames: 0 };
    for (const face of this.faces) {
      const s = face.stats();
      sum.sessions += s.sessions;
      sum.eventsSent += s.eventsSent;
      sum.requests += s.requests;
      sum.badFrames += s.badFrames;
    }
    return {
      sessions: sum.sessions,
      activeCalls: this.model.activeCalls,
      eventsSent: sum.eventsSent,
      requests: sum.requests,
      badFrames: sum.badFrames,
      webhooksSent: this.webhooks.sent,
      webhookFailures: this.webhooks.failures,
      invalidEvents: this.invalidEvents,
    };
  }

  inboundCall(customerNumber: string, agent?: string): { seanceId: string } | undefined {
    const s = this.model.inboundCall(customerNumber, agent);
    return s ? { seanceId: s.id } : undefined;
  }

  ivrCall(customerNumber: string, digit?: string): { seanceId: string } | undefined {
    const s = this.model.ivrCall(customerNumber, digit);
    return s ? { seanceId: s.id } : undefined;
  }

  forkedCall(customerNumber: string, agents: string[]): { seanceId: string } | undefined {
    const s = this.model.forkedCall(customerNumber, agents);
    return s ? { seanceId: s.id } : undefined;
  }

  customerDtmf(agent: string, digits: string): boolean {
    return this.model.customerDtmf(agent, digits);
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
    for (const face of this.faces) if (face.http?.(req, res)) return;
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('connect with a WebSocket (see docs/protocol.md)\n');
  }

  // ------------------------------------------------------------------ faces

  /** A WebSocket connection goes to the first face that recognises it. */
  private accept(ws: WebSocket, req: http.IncomingMessage): void {
    const face = this.faces.find((f) => f.accepts(req));
    if (face) face.connect(ws, req);
    else ws.close(1008, 'no protocol on this path');
  }

  // ------------------------------------------------------------------ events

  private checkEvent(e: Emission): void {
    const r =
      e.family === 'dialog'
        ? validateDialogBody(e.data)
        : validateEventData(e.family, e.name, e.data);
    if (!r.ok) {
      this.invalidEvents++;
      this.logger.error(`invalid ${e.family} event ${e.name}: ${r.message}`);
    }
  }

  private deliver(e: Emission): void {
    if (e.family === 'dialog') this.webhooks.post(e.data);
    if (this.opts.validateEvents) this.checkEvent(e);
    for (const face of this.faces) face.deliver(e);
  }

  /** True while every face's clients keep up (load mode holds back new calls otherwise). */
  private keepingUp(): boolean {
    for (const face of this.faces) if (!face.keepingUp()) return false;
    return true;
  }

  private sweep(): void {
    const now = Date.now();
    for (const face of this.faces) face.sweep(now);
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
      const mode = this.opts.scenario?.inboundMode ?? 'direct';
      if (mode === 'ivr') this.model.ivrCall(number, undefined, talk);
      else if (mode === 'forked') this.model.forkedCall(number, 2, talk);
      else this.model.inboundCall(number, undefined, talk);
      this.scheduleInbound();
    });
  }
}
