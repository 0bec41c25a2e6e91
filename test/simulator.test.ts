/**
 * Simulator: the wire protocol (docs/protocol.md) as seen by a plain `ws` client written from
 * the document alone: login, sessions, subscriptions, resume / replay, error frames.
 * Call flows are in simulator-flows.test.ts; both use the SimClient below.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import WebSocket from 'ws';
import { validateDialogBody, validateEventData, validateServerFrame } from '../src/protocol';
import { Simulator } from '../src/simulator/simulator';
import type { SimulatorOptions } from '../src/simulator/api';
import { DEFAULT_RULES, NumberRules, loadScenarioFile } from '../src/simulator/scenario';
import { parseCli } from '../src/simulator/cli';
import { WebhookSender } from '../src/simulator/webhooks';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import { repoRoot } from './support/seeds';

export type Frame = Record<string, any>;

/** A minimal protocol client: collects every frame, validates it, and waits for matches. */
export class SimClient {
  readonly frames: Frame[] = [];
  readonly invalid: string[] = [];
  closed = false;
  closeCode = 0;
  /** Resolves when the socket has closed. */
  readonly whenClosed: Promise<number>;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private n = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.onFrame(raw.toString()));
    this.whenClosed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closed = true;
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static async open(url: string): Promise<SimClient> {
    const ws = new WebSocket(url);
    const c = new SimClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  /** Open, log in (optionally resuming) and return the client with its loginResp. */
  static async login(
    url: string,
    resume?: { sessionId: string; lastSeq: number },
  ): Promise<SimClient & { loginResp: Frame }> {
    const c = (await SimClient.open(url)) as SimClient & { loginResp: Frame };
    c.send({
      type: 'login',
      reqId: 'login-1',
      tenant: 'demo',
      credentials: { username: 'demo', password: 'demo' },
      ...(resume ? { resume } : {}),
    });
    c.loginResp = await c.wait((f) => f.type === 'loginResp');
    assert.equal(c.loginResp.code, 0, c.loginResp.message);
    return c;
  }

  private onFrame(text: string): void {
    let f: Frame;
    try {
      f = JSON.parse(text);
    } catch {
      this.invalid.push(`not JSON: ${text.slice(0, 80)}`);
      return;
    }
    const v = validateServerFrame(f);
    if (!v.ok) this.invalid.push(`frame: ${v.message}`);
    if (f.type === 'event') {
      const r =
        f.family === 'dialog'
          ? validateDialogBody(f.data)
          : validateEventData(f.family, f.name, f.data);
      if (!r.ok) this.invalid.push(`${f.family}.${f.name}: ${r.message}`);
    }
    this.frames.push(f);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(f)) return true;
      w.resolve(f);
      return false;
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or still to come) matching `pred`. */
  wait(pred: (f: Frame) => boolean, timeoutMs = 3000, what = 'frame'): Promise<Frame> {
    const hit = this.frames.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const done = (f: Frame): void => {
        clearTimeout(timer);
        resolve(f);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }

  event(name: string, extra: (f: Frame) => boolean = () => true, timeoutMs = 3000) {
    return this.wait((f) => f.type === 'event' && f.name === name && extra(f), timeoutMs, name);
  }

  events(family?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && (!family || f.family === family));
  }

  async req(op: string, agent: string, params: Record<string, unknown> = {}): Promise<Frame> {
    const reqId = `r${++this.n}`;
    this.send({ type: 'req', op, reqId, agent, params });
    return this.wait((f) => f.type === 'resp' && f.reqId === reqId, 3000, `${op}Resp`);
  }

  async subscribe(
    id: string,
    events: string[],
    expires = 3600,
    objects: 'any' | string[] = 'any',
  ): Promise<Frame> {
    const qid = `q${++this.n}`;
    this.send({ type: 'subscribe', qid, id, objects, events, expires });
    return this.wait((f) => f.type === 'subscribeResp' && f.qid === qid, 3000, 'subscribeResp');
  }

  subscribeAll(): Promise<Frame> {
    return this.subscribe('all', ['agent.*', 'dialog.*', 'ccsevents.*']);
  }

  /** Index of the frame in arrival order. */
  indexOf(f: Frame): number {
    return this.frames.indexOf(f);
  }

  close(): void {
    this.ws.close();
  }

  assertValid(): void {
    assert.deepEqual(this.invalid, [], 'every frame and event passes the schemas');
  }
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a fast simulator that validates its own events too. */
export async function startSim(
  extra: SimulatorOptions = {},
): Promise<{ sim: Simulator; url: string }> {
  const sim = new Simulator({ speed: 100, seed: 7, validateEvents: true, ...extra });
  const { url } = await sim.start();
  return { sim, url };
}

describe('simulator: login and sessions', () => {
  let sim: Simulator;
  let url: string;
  const clients: SimClient[] = [];
  const track = <T extends SimClient>(c: T): T => {
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    ({ sim, url } = await startSim());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  it('accepts valid credentials and lists the agents', async () => {
    const c = track(await SimClient.login(url));
    assert.equal(c.loginResp.data.resumed, false);
    assert.equal(c.loginResp.data.lastSeq, 0);
    assert.match(c.loginResp.data.sessionId, /^s-/);
    assert.deepEqual(c.loginResp.data.agents.slice(0, 2), ['1001', '1002']);
    assert.equal(c.loginResp.data.agents.length, 10);
    c.assertValid();
  });

  it('refuses wrong credentials with AUTH_FAILED and closes', async () => {
    const c = track(await SimClient.open(url));
    c.send({
      type: 'login',
      reqId: 'l1',
      tenant: 'demo',
      credentials: { username: 'demo', password: 'wrong' },
    });
    const r = await c.wait((f) => f.type === 'loginResp');
    assert.notEqual(r.code, 0);
    assert.equal(r.errorCode, 'AUTH_FAILED');
    await c.whenClosed;
    assert.equal(c.closed, true);
  });

  it('answers a frame before login with NOT_LOGGED_IN and closes', async () => {
    const c = track(await SimClient.open(url));
    c.send({ type: 'req', op: 'hold', reqId: 'r1', agent: '1001', params: {} });
    const e = await c.wait((f) => f.type === 'error');
    assert.equal(e.code, 'NOT_LOGGED_IN');
    assert.equal(e.reqId, 'r1');
    await c.whenClosed;
  });

  it('answers bad frames with error frames and keeps the connection open', async () => {
    const c = track(await SimClient.login(url));
    c.send('{not json');
    const j = await c.wait((f) => f.type === 'error' && f.code === 'BAD_JSON');
    assert.match(j.message, /not JSON/);
    c.send({ type: 'req', op: 'hold', reqId: 'r9', params: {} });
    const b = await c.wait((f) => f.type === 'error' && f.code === 'BAD_FRAME');
    assert.equal(b.message, 'frame.agent is required');
    assert.equal(b.reqId, 'r9');
    c.send({ type: 'hello' });
    await c.wait((f) => f.type === 'error' && f.code === 'BAD_FRAME' && f !== b);
    c.send(JSON.stringify({ type: 'ping', id: 1, ts: 0, pad: 'x'.repeat(1024 * 1024 + 10) }));
    const t = await c.wait((f) => f.type === 'error' && f.code === 'TOO_LARGE');
    assert.match(t.message, /exceeds/);
    c.send({ type: 'ping', id: 42, ts: Date.now() });
    const p = await c.wait((f) => f.type === 'pong');
    assert.equal(p.id, 42);
    assert.equal(c.closed, false);
    assert.equal(sim.stats().badFrames, 4);
    c.assertValid();
  });

  it('refuses unknown operations, bad parameters and unknown agents in the response', async () => {
    const c = track(await SimClient.login(url));
    const u = await c.req('explode', '1001');
    assert.equal(u.op, 'explodeResp');
    assert.equal(u.errorCode, 'UNKNOWN_OP');
    const p = await c.req('previewObCall', '1001', { customerNumber: 'abc' });
    assert.equal(p.errorCode, 'BAD_PARAMS');
    assert.match(p.message, /customerNumber/);
    const x = await c.req('previewObCall', '1001', { customerNumber: '4850', extra: 1 });
    assert.equal(x.errorCode, 'BAD_PARAMS');
    const a = await c.req('hold', '9999');
    assert.equal(a.errorCode, 'UNKNOWN_AGENT');
    const s = await c.req('threewayAtxfer', '1001');
    assert.equal(s.errorCode, 'INVALID_STATE');
    assert.notEqual(s.code, 0);
    assert.equal(c.events().length, 0, 'a refused operation has no events');
    c.assertValid();
  });
});

describe('simulator: subscriptions', () => {
  let sim: Simulator;
  let url: string;
  let c: SimClient;

  beforeEach(async () => {
    ({ sim, url } = await startSim());
    c = await SimClient.login(url);
  });
  afterEach(async () => {
    c.close();
    await sim.dispose();
  });

  it('delivers only the families and names subscribed, each event once with its subIds', async () => {
    const r = await c.subscribe('ccs', ['ccsevents.*']);
    assert.equal(r.code, 0);
    assert.equal(r.expires, 3600);
    assert.equal(r.id, 'ccs');
    await c.subscribe('calls', ['ccsevents.call_create', 'dialog.dialog_close']);
    const other = await SimClient.login(url);
    try {
      const resp = await other.req('previewObCall', '1001', { customerNumber: '48500100201' });
      assert.equal(resp.code, 0);
      await other.event('previewObCallBridge');
      sim.customerHangup('1001');
      await c.event('seance_delete');
      await c.event('dialog_close');
      const families = new Set(c.events().map((e) => e.family));
      assert.deepEqual([...families].sort(), ['ccs', 'dialog']);
      const creates = c.events().filter((e) => e.name === 'call_create');
      assert.equal(creates.length, 2);
      for (const e of creates) assert.deepEqual(e.subIds.sort(), ['calls', 'ccs']);
      const seqs = c.events().map((e) => e.seq);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
        'seq counts up from 1 without gaps',
      );
      assert.ok(!c.events().some((e) => e.reqId), 'other sessions do not see reqIds');
      assert.ok(!other.events().some((e) => e.family !== 'agent'), 'requester got its own only');
    } finally {
      other.close();
    }
    c.assertValid();
  });

  it('filters by objects (agent ids) and refuses unknown event names', async () => {
    await c.subscribe('one', ['agent.agentStatus'], 60, ['1002']);
    const bad = await c.subscribe('bad', ['ccsevents.call_explode']);
    assert.notEqual(bad.code, 0);
    assert.equal(bad.errorCode, 'UNKNOWN_EVENT');
    await c.req('pause', '1001');
    await c.req('pause', '1002');
    await c.event('agentStatus');
    await delay(30);
    const st = c.events().filter((e) => e.name === 'agentStatus');
    assert.equal(st.length, 1);
    assert.equal(st[0].agent, '1002');
    assert.equal(st[0].data.state, 'paused');
    assert.equal(st[0].reqId, undefined, 'agentStatus is not a process event');
  });

  it('renews with the same id, unsubscribes with expires 0, and lets a subscription expire', async () => {
    await c.subscribe('st', ['agent.agentStatus'], 1);
    await c.subscribe('st', ['agent.agentStatus'], 1); // renewal replaces, not duplicates
    await c.req('pause', '1001');
    const first = await c.event('agentStatus');
    assert.deepEqual(first.subIds, ['st']);
    const un = await c.subscribe('st', ['agent.agentStatus'], 0);
    assert.equal(un.code, 0);
    assert.equal(un.expires, 0);
    await c.req('unpause', '1001');
    await delay(30);
    assert.equal(c.events().length, 1, 'nothing after unsubscribe');
    await c.subscribe('short', ['agent.*'], 1);
    await delay(1100);
    await c.req('pause', '1001');
    await delay(50);
    assert.equal(c.events().length, 1, 'nothing after expiry');
    c.assertValid();
  });
});

describe('simulator: resume and replay', () => {
  it('resumes a session after a drop and replays the events missed, in order', async () => {
    const { sim, url } = await startSim();
    try {
      const a = await SimClient.login(url);
      await a.subscribeAll();
      await a.req('pause', '1003');
      const seen = await a.event('agentStatus');
      const lastSeq = seen.seq;
      a.close();
      await delay(30);
      // Events keep coming while the client is away.
      const b = await SimClient.login(url);
      await b.req('previewObCall', '1001', { customerNumber: '48500100201' });
      await b.event('previewObCallBridge');
      b.close();
      const r = await SimClient.login(url, { sessionId: a.loginResp.data.sessionId, lastSeq });
      assert.equal(r.loginResp.data.resumed, true);
      assert.equal(r.loginResp.data.sessionId, a.loginResp.data.sessionId);
      const until = r.loginResp.data.lastSeq;
      assert.ok(until > lastSeq + 10, `missed events: ${until - lastSeq}`);
      await r.wait((f) => f.type === 'event' && f.seq === until);
      const replayed = r.events().map((e) => e.seq);
      assert.deepEqual(
        replayed.slice(0, until - lastSeq),
        Array.from({ length: until - lastSeq }, (_, i) => lastSeq + 1 + i),
      );
      // The subscription survived the drop: new events still come.
      await r.req('unpause', '1003');
      const next = await r.event('agentStatus', (e) => e.seq > until);
      assert.equal(next.seq, until + 1);
      r.assertValid();
      r.close();
    } finally {
      await sim.dispose();
    }
  });

  it('forgets a session its client closed normally (1000), keeps one that dropped', async () => {
    const { sim, url } = await startSim();
    try {
      const gone = await SimClient.login(url);
      const dropped = await SimClient.login(url);
      assert.equal(sim.stats().sessions, 2);
      gone.ws.close(1000, 'done');
      dropped.ws.terminate();
      await Promise.all([gone.whenClosed, dropped.whenClosed]);
      await delay(20);
      assert.equal(sim.stats().sessions, 1);
      const r = await SimClient.login(url, {
        sessionId: gone.loginResp.data.sessionId,
        lastSeq: 0,
      });
      assert.equal(r.loginResp.data.resumed, false);
      const d = await SimClient.login(url, {
        sessionId: dropped.loginResp.data.sessionId,
        lastSeq: 0,
      });
      assert.equal(d.loginResp.data.resumed, true);
      r.close();
      d.close();
    } finally {
      await sim.dispose();
    }
  });

  it('survives stop() and start() on the same port: clients resume', async () => {
    const { sim, url } = await startSim();
    try {
      const a = await SimClient.login(url);
      await a.subscribeAll();
      await a.req('pause', '1004');
      const seen = await a.event('agentStatus');
      await sim.stop();
      // The close reaches the client asynchronously: wait for it (bounded), then check.
      await Promise.race([a.whenClosed, delay(3000)]);
      assert.equal(a.closed, true);
      assert.ok(a.frames.some((f) => f.type === 'notice' && f.code === 'shutdown'));
      const again = await sim.start();
      assert.equal(again.url, url);
      sim.inboundCall('48500100301', '1005');
      const r = await SimClient.login(url, {
        sessionId: a.loginResp.data.sessionId,
        lastSeq: seen.seq,
      });
      assert.equal(r.loginResp.data.resumed, true);
      await r.event('ringing');
      r.assertValid();
      r.close();
    } finally {
      await sim.dispose();
    }
  });

  it('starts a new session with a gap notice when the replay buffer no longer reaches', async () => {
    const { sim, url } = await startSim({ replayBuffer: 5 });
    try {
      const a = await SimClient.login(url);
      await a.subscribeAll();
      await a.req('previewObCall', '1001', { customerNumber: '48500100201' });
      await a.event('previewObCallBridge');
      a.close();
      await delay(20);
      const r = await SimClient.login(url, { sessionId: a.loginResp.data.sessionId, lastSeq: 1 });
      assert.equal(r.loginResp.data.resumed, false);
      assert.notEqual(r.loginResp.data.sessionId, a.loginResp.data.sessionId);
      const gap = await r.wait((f) => f.type === 'notice');
      assert.equal(gap.code, 'gap');
      assert.ok(r.indexOf(gap) > r.indexOf(r.loginResp));
      // An unknown session is simply a new one, without a gap notice.
      const u = await SimClient.login(url, { sessionId: 's-unknown', lastSeq: 3 });
      assert.equal(u.loginResp.data.resumed, false);
      await delay(30);
      assert.ok(!u.frames.some((f) => f.type === 'notice'));
      r.close();
      u.close();
    } finally {
      await sim.dispose();
    }
  });
});

describe('simulator: webhook sender', () => {
  it('never logs the user info or query of a webhook URL', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    const warnings: string[] = [];
    const sender = new WebhookSender({
      urls: [`http://hookuser:hookpass@127.0.0.1:${port}/cc/dialog?token=qtoken`],
      logger: { warn: (m) => warnings.push(m) },
    });
    sender.post({ dialog_uuid: 'd-1', event_name: 'dialog_create' });
    await sender.drain();
    sender.close();
    assert.equal(sender.failures, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`webhook http://127\\.0\\.0\\.1:${port}/cc/dialog: `));
    assert.doesNotMatch(warnings[0], /hookuser|hookpass|qtoken/);
    assert.throws(
      () => new WebhookSender({ urls: ['ftp://u:ftppass@127.0.0.1/x?k=ftpkey'] }),
      (err: Error) => /must be http/.test(err.message) && !/ftppass|ftpkey/.test(err.message),
    );
  });
});

describe('simulator: scenarios and CLI', () => {
  it('applies the documented default number rules by last digit', () => {
    const rules = new NumberRules();
    assert.equal(rules.resolve('48500100200').kind, 'busy');
    assert.equal(rules.resolve('48500100209').kind, 'noAnswer');
    assert.equal(rules.resolve('48500100208').kind, 'reject');
    assert.equal(rules.resolve('48500100207').kind, 'fail');
    assert.deepEqual(rules.resolve('48500100206'), {
      kind: 'answer',
      afterMs: 2000,
      hangupAfterMs: 10_000,
    });
    assert.deepEqual(rules.resolve('48500100205'), {
      kind: 'answer',
      afterMs: 2000,
      whenJoined: 'leave',
    });
    assert.deepEqual(rules.resolve('48500100204'), {
      kind: 'answer',
      afterMs: 2000,
      whenJoined: 'refuse',
    });
    assert.deepEqual(rules.resolve('48500100201'), { kind: 'answer', afterMs: 2000 });
    assert.equal(DEFAULT_RULES.length, 8);
  });

  it('loads the example scenario file, whose rules come before the defaults', () => {
    const s = loadScenarioFile(path.join(repoRoot, 'docs', 'scenarios', 'demo-scenario.json'));
    const rules = new NumberRules(s);
    assert.ok((s.rules ?? []).length > 0);
    // The file's first rule (48111.*) wins over the default rule for a trailing 0 (busy).
    assert.deepEqual(rules.resolve('48111000000'), s.rules![0].behaviour);
    assert.equal(rules.resolve('48111000000').kind, 'answer');
    assert.equal(rules.resolve('48500000000').kind, 'busy');
    assert.ok(Object.keys(s.agents ?? {}).length > 0);
  });

  it('refuses a bad scenario with a precise message', () => {
    const bad = path.join(repoRoot, 'package.json');
    assert.throws(() => loadScenarioFile(bad), /invalid scenario/);
  });

  it('runs as the ccflow-sim command: prints its URL, serves logins, stops on SIGTERM', async function () {
    // Two node processes start and stop here: allow for a loaded machine.
    this.timeout(30000);
    const cli = path.join(repoRoot, 'dist', 'src', 'simulator', 'cli.js');
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: ccflow-sim/);
    const bad = spawnSync(process.execPath, [cli, '--nope'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /ccflow-sim: .*nope/);

    const child = spawn(process.execPath, [cli, '--port', '0', '--speed', '50', '--quiet']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /^(ws:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const c = await SimClient.login(url);
      c.send({
        type: 'req',
        op: 'previewObCall',
        reqId: 'r1',
        agent: '1001',
        params: { customerNumber: '48500100201' },
      });
      const resp = await c.wait((f) => f.type === 'resp' && f.reqId === 'r1');
      assert.equal(resp.code, 0);
      await c.wait((f) => f.type === 'event' && f.name === 'previewObCallBridge');
      c.close();
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });

  it('parses the command line', () => {
    const p = parseCli([
      '--port',
      '9000',
      '--speed',
      '10',
      '--webhook',
      'http://127.0.0.1:1/a',
      '--webhook',
      'http://127.0.0.1:1/b',
      '--inbound',
      '6',
      '--tenant',
      't',
      '--user',
      'u',
      '--password',
      'p',
    ]);
    assert.equal(p.options.port, 9000);
    assert.equal(p.options.speed, 10);
    assert.deepEqual(p.options.webhooks, ['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b']);
    assert.equal(p.options.inboundPerMinute, 6);
    assert.deepEqual(p.options.users, { t: { u: 'p' } });
    assert.equal(parseCli(['--help']).help, true);
    assert.throws(() => parseCli(['--speed', '0']), /speed/);
    assert.throws(() => parseCli(['--nope']));
  });
});
