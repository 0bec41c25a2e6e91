/**
 * Era / Incoplax: the simulator's Era face as a plain `ws` client written from the vendor's
 * documents sees it, fixtures from the documented request / reply bodies, and the Era driver
 * end to end against the simulator (subscriptions, renewal, exactly-once delivery, the gap after
 * a dropped connection, unsupported operations, refused tokens, secrets kept out of logs).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent, Notice } from '../src/client/api';
import { EraDriver } from '../src/platforms/era/driver';
import { NOTIFICATION, subscribeFrame } from '../src/platforms/era/mapping';
import { CCS_EVENTS } from '../src/protocol/catalogue';
import { Simulator } from '../src/simulator/simulator';
import { repoRoot } from './support/seeds';
import { until } from './support/wait';

type Frame = [string, Record<string, any>];

/** A client written from the documents: array frames in, array frames out. */
class DocClient {
  readonly frames: Frame[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => this.frames.push(JSON.parse(raw.toString()) as Frame));
  }

  static async open(url: string, headers?: Record<string, string>): Promise<DocClient> {
    const ws = new WebSocket(url, { headers });
    const c = new DocClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return c;
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  async wait(pred: (f: Frame) => boolean, what: string): Promise<Frame> {
    await until(what, () => this.frames.some(pred));
    return this.frames.find(pred) as Frame;
  }

  notifications(): Frame[] {
    return this.frames.filter((f) => !f[0].endsWith('_result'));
  }

  close(): void {
    this.ws.close();
  }
}

/** The documented subscription request (vendor documentation, "subscr" capability). */
function documentedSubscribe(id: string, expires = 3600): [string, Record<string, unknown>] {
  return [
    'subscribe',
    {
      qid: crypto.randomUUID(),
      objects: 'any',
      events: ['ccsevents.*'],
      expires,
      id,
      exargs: {},
    },
  ];
}

const ccsName = (f: Frame): string => {
  const p = f[1];
  const e = String(NOTIFICATION.eventKeys.map((k) => p[k]).find((v) => v !== undefined));
  return e.includes('.') ? e.slice(e.indexOf('.') + 1) : e;
};

describe('Era / Incoplax: ccflow-sim --platform era', function () {
  this.timeout(20000);

  it('answers a documented subscribe with subscribe_result and the same qid, then streams ccsevents as arrays', async () => {
    const cli = path.join(repoRoot, 'dist', 'src', 'simulator', 'cli.js');
    const child = spawn(process.execPath, [
      cli,
      '--platform',
      'era',
      '--port',
      '0',
      '--speed',
      '50',
      '--inbound',
      '240',
      '--quiet',
    ]);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /^(ws:\/\/127\.0\.0\.1:\d+\/ws\/token\/v1\/demo-token)\n/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const c = await DocClient.open(url);
      const req = documentedSubscribe('crm-ccs');
      c.send(req);
      const reply = await c.wait((f) => f[0] === 'subscribe_result', 'subscribe_result');
      assert.equal(reply[1].qid, req[1].qid);
      assert.equal(reply[1].result, 'ok');
      await until('ccsevents notifications', () => c.notifications().length >= 5);
      for (const n of c.notifications()) {
        assert.ok(Array.isArray(n) && n.length === 2, 'a notification is ["method", {params}]');
        assert.ok(CCS_EVENTS.includes(ccsName(n)), `a ccs event name: ${ccsName(n)}`);
        assert.ok(
          NOTIFICATION.subscriptionKeys.some((k) => n[1][k] === 'crm-ccs'),
          'names the subscription',
        );
      }
      c.close();
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});

describe('Era / Incoplax: the simulator face against the documented bodies', function () {
  this.timeout(10000);
  let sim: Simulator;
  let base: string;

  beforeEach(async () => {
    sim = new Simulator({ speed: 50, seed: 4, validateEvents: true, eraTokens: ['tok-1'] });
    base = (await sim.start()).url;
  });

  afterEach(async () => {
    await sim.dispose();
  });

  it('the driver writes exactly the documented subscribe request', () => {
    const [method, params] = subscribeFrame({
      qid: 'q',
      id: 's',
      events: ['ccsevents.*'],
      expires: 3600,
    });
    assert.equal(method, 'subscribe');
    assert.deepEqual(Object.keys(params).sort(), [
      'events',
      'exargs',
      'expires',
      'id',
      'objects',
      'qid',
    ]);
    assert.equal(params.objects, 'any');
  });

  it('one notification per matching subscription; renewal keeps the id; expires 0 unsubscribes', async () => {
    const c = await DocClient.open(`${base}/ws/token/v1/tok-1`);
    const a = documentedSubscribe('sub-a');
    const b = documentedSubscribe('sub-b');
    c.send(a);
    c.send(b);
    await c.wait((f) => f[1].qid === b[1].qid, 'second reply');
    const renew = documentedSubscribe('sub-a', 3000); // renewal: same id
    c.send(renew);
    await c.wait((f) => f[1].qid === renew[1].qid, 'renewal reply');
    sim.inboundCall('48500100201', '1001');
    await until('notifications', () => c.notifications().length >= 4);
    const firstName = ccsName(c.notifications()[0]);
    const bySub = (id: string) =>
      c.notifications().filter((n) => NOTIFICATION.subscriptionKeys.some((k) => n[1][k] === id));
    await until('both subscriptions', () => bySub('sub-a').length === bySub('sub-b').length);
    assert.equal(ccsName(bySub('sub-a')[0]), firstName);
    const unsub = documentedSubscribe('sub-a', 0);
    c.send(unsub);
    await c.wait((f) => f[1].qid === unsub[1].qid, 'unsubscribe reply');
    const before = bySub('sub-a').length;
    sim.customerHangup('1001');
    await until('hang-up events', () => bySub('sub-b').some((n) => ccsName(n) === 'seance_delete'));
    assert.equal(bySub('sub-a').length, before, 'nothing more for the unsubscribed id');
    c.close();
  });

  it('refuses a wrong token at the upgrade (401) and answers bad requests with *_result errors', async () => {
    await assert.rejects(DocClient.open(`${base}/ws/token/v1/wrong`), /401/);
    await assert.rejects(DocClient.open(`${base}/ws`), /401/);
    const user = await DocClient.open(`${base}/ws`, {
      authorization: `Basic ${Buffer.from('demo:demo').toString('base64')}`,
    });
    user.send(['subscribe', { qid: 'x1', id: 's', events: ['nosuch.*'], expires: 60 }]);
    user.send(['dial', { qid: 'x2' }]);
    user.send({ not: 'an array' });
    const r1 = await user.wait((f) => f[1].qid === 'x1', 'x1');
    assert.equal(r1[0], 'subscribe_result');
    assert.equal(r1[1].result, 'error');
    const r2 = await user.wait((f) => f[1].qid === 'x2', 'x2');
    assert.equal(r2[0], 'dial_result');
    assert.equal(r2[1].result, 'error');
    await user.wait((f) => f[0] === 'error', 'error frame');
    user.close();
  });
});

describe('Era / Incoplax driver against the simulator', function () {
  this.timeout(15000);
  let sim: Simulator;
  let clients: GatewayClient[] = [];
  const logs: string[] = [];

  function eraClient(
    url: string,
    token = 'tok-secret-1',
    driver = new EraDriver({ auth: 'token', token }),
  ): GatewayClient {
    const log = (m: string): void => {
      logs.push(m);
    };
    const c = new GatewayClient({
      url,
      driver,
      tenant: '',
      username: '',
      password: '',
      heartbeatMs: 200,
      reconnect: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
      logger: { debug: log, info: log, warn: log, error: log },
    });
    clients.push(c);
    c.start();
    return c;
  }

  beforeEach(async () => {
    logs.length = 0;
    sim = new Simulator({ speed: 50, seed: 7, validateEvents: true, eraTokens: ['tok-secret-1'] });
    await sim.start();
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await sim.dispose();
  });

  it('delivers every ccs event of a call once, with two subscriptions matching', async () => {
    const c = eraClient(sim.url);
    const got: GatewayEvent[] = [];
    c.on('ccs', '*', (e) => got.push(e));
    c.subscribe({ id: 'one', events: ['ccsevents.*'] });
    c.subscribe({ id: 'two', events: ['ccsevents.*'] });
    await c.whenConnected();
    // a ccflow observer of the same model sees the reference list
    const ref = new GatewayClient({
      url: sim.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
    });
    clients.push(ref);
    const want: GatewayEvent[] = [];
    ref.on('ccs', '*', (e) => want.push(e));
    ref.subscribe({ events: ['ccsevents.*'] });
    ref.start();
    await ref.whenConnected();
    await until('subscribed', () => c.stats().framesIn >= 2 && ref.stats().framesIn >= 2);
    sim.inboundCall('48500100201', '1001');
    await until('answered', () => want.some((e) => e.name === 'connection_create'));
    sim.customerHangup('1001');
    await until('reference complete', () => want.some((e) => e.name === 'seance_delete'));
    await until('era events', () => got.length >= want.length);
    await new Promise((r) => setTimeout(r, 50));
    const sorted = (d: Record<string, unknown>) =>
      JSON.stringify(Object.fromEntries(Object.entries(d).sort(([a], [b]) => a.localeCompare(b))));
    const key = (e: GatewayEvent) => `${e.name} ${sorted(e.data)}`;
    assert.deepEqual(got.map(key), want.map(key), 'the same events, each once, in order');
    assert.deepEqual(
      got.map((e) => e.seq),
      got.map((_e, i) => i + 1),
      'numbered locally',
    );
    assert.equal(c.stats().invalidEvents, 0);
  });

  it('a dropped connection re-subscribes at once and reports a gap', async () => {
    const c = eraClient(sim.url);
    const notices: Notice[] = [];
    const states: string[] = [];
    c.onNotice((n) => notices.push(n));
    c.onStatus((s) => states.push(s.state));
    const got: GatewayEvent[] = [];
    c.on('ccs', '*', (e) => got.push(e));
    c.subscribe({ id: 'ccs-sub', events: ['ccsevents.*'] });
    await c.whenConnected();
    await until('subscribed', () => sim.stats().requests >= 1);
    await sim.stop(); // the platform goes away: sockets dropped
    sim.inboundCall('48500100202', '1002'); // events nobody receives
    await sim.start();
    await until('gap notice', () => notices.length === 1);
    assert.equal(notices[0].code, 'gap');
    assert.match(notices[0].message, /cannot be replayed/);
    assert.ok(states.includes('reconnecting'));
    assert.equal(c.status.state, 'connected');
    assert.equal(c.stats().gaps, 1);
    await until('re-subscribed', () => sim.stats().requests >= 2);
    sim.customerHangup('1002');
    await until('events after the gap', () => got.some((e) => e.name === 'seance_delete'));
    assert.ok(!logs.some((l) => l.includes('tok-secret-1')), 'the token is in no log line');
    assert.ok(logs.some((l) => l.includes('/ws/token/v1/***') || l.includes('notice gap')));
  });

  it('an operation the platform cannot carry ends failed / unsupported at once, nothing sent', async () => {
    const c = eraClient(sim.url);
    await c.whenConnected();
    const sent = c.stats().framesOut;
    const requests = sim.stats().requests;
    const r = await c.startOperation('1001', 'startAtxfer', { targetType: 1, target: '1002' }).done;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'unsupported');
    assert.match(r.message ?? '', /era: startAtxfer is not supported/);
    assert.equal(r.endedAt - r.startedAt < 1000, true);
    assert.equal(c.stats().framesOut, sent, 'no frame written');
    assert.equal(sim.stats().requests, requests, 'nothing reached the platform');
    assert.equal(c.stats().pending, 0);
  });

  it('a refused token ends authFailed without a retry loop, the token scrubbed', async () => {
    const c = eraClient(sim.url, 'wrong-token-9');
    await assert.rejects(c.whenConnected(), /authentication refused: HTTP 401/);
    assert.equal(c.status.state, 'authFailed');
    assert.ok(!logs.some((l) => l.includes('wrong-token-9')));
    const r = await c.startOperation('1001', 'hold', {}).done;
    assert.equal(r.reason, 'disconnected', 'a carried operation on a refused login');
    assert.ok(!logs.some((l) => l.includes('wrong-token-9')));
  });

  it('refuses agent and dialog subscriptions locally (not on this platform)', async () => {
    const c = eraClient(sim.url);
    const problems: string[] = [];
    c.onProblem((p) => problems.push(`${p.code} ${p.message}`));
    c.subscribe({ events: ['dialog.*'] });
    await c.whenConnected();
    await until('refusal', () => problems.some((p) => p.startsWith('SUBSCRIBE_REFUSED')));
    assert.match(problems.join('\n'), /no dialog\.\* events on this platform/);
    assert.equal(sim.stats().requests, 0);
  });

  it('renews a subscription with the same id before it expires, events still delivered once', async () => {
    const c = eraClient(sim.url);
    const got: GatewayEvent[] = [];
    c.on('ccs', '*', (e) => got.push(e));
    c.subscribe({ id: 'short', events: ['ccsevents.*'], expires: 1 });
    await c.whenConnected();
    // renewed at 80 % of the period: three requests within ~2 s, all for the same id
    await until('two renewals', () => sim.stats().requests >= 3, 5000);
    sim.inboundCall('48500100201', '1001');
    await until('the call answered', () => got.some((e) => e.name === 'connection_create'));
    const creates = got.filter((e) => e.name === 'seance_create');
    assert.equal(creates.length, 1, 'one subscription on the platform: each event once');
    assert.equal(c.stats().invalidEvents, 0);
  });

  it('connects to /ws with a user login (HTTP Basic) and refuses a wrong one', async () => {
    const ok = eraClient(
      sim.url,
      undefined,
      new EraDriver({ auth: 'user', username: 'demo', password: 'demo' }),
    );
    await ok.whenConnected();
    const bad = eraClient(
      sim.url,
      undefined,
      new EraDriver({ auth: 'user', username: 'demo', password: 'wrong-pass-77' }),
    );
    await assert.rejects(bad.whenConnected(), /authentication refused: HTTP 401/);
    assert.ok(!logs.some((l) => l.includes('wrong-pass-77')), 'the password is in no log line');
  });
});
