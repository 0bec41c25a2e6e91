import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { GatewayClient } from '../src/client/gateway-client';
import { backoffDelay, resolveBackoff } from '../src/client/backoff';
import type {
  ConnectionStatus,
  GatewayClientOptions,
  GatewayEvent,
  OperationResult,
} from '../src/client/api';
import type { ReqFrame } from '../src/protocol/types';
import { FakeGateway, FakeState } from './support/fake-gateway';
import { repoRoot } from './support/seeds';
import { sleep, until } from './support/wait';

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('gateway client', function () {
  this.timeout(8000);
  let gw: FakeGateway;
  let clients: GatewayClient[] = [];

  function client(over: Partial<GatewayClientOptions> = {}): GatewayClient {
    const c = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      heartbeatMs: 100,
      responseTimeoutMs: 1000,
      connectTimeoutMs: 1000,
      reconnect: { initialMs: 20, maxMs: 200, factor: 2, jitter: 0 },
      ...over,
    });
    clients.push(c);
    return c;
  }

  async function connected(over: Partial<GatewayClientOptions> = {}): Promise<GatewayClient> {
    const c = client(over);
    c.start();
    await c.whenConnected();
    return c;
  }

  beforeEach(async () => {
    gw = new FakeGateway();
    await gw.listen(0);
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await gw.stop();
    assert.deepEqual(gw.invalidFromClient, [], 'the client sent only schema-valid frames');
  });

  describe('backoff', () => {
    it('grows by the factor, is capped, and jitter stays within +/- the fraction', () => {
      const cfg = resolveBackoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
      assert.deepEqual(
        [1, 2, 3, 4, 5, 6, 50, 5000].map((a) => backoffDelay(a, cfg)),
        [100, 200, 400, 800, 1000, 1000, 1000, 1000],
      );
      const j = resolveBackoff({ initialMs: 100, maxMs: 1000, jitter: 0.2 });
      assert.equal(
        backoffDelay(1, j, () => 0),
        80,
      );
      assert.equal(
        backoffDelay(1, j, () => 0.999999),
        120,
      );
      assert.equal(
        backoffDelay(10, j, () => 0.999999),
        1000,
        'never above the cap',
      );
      assert.equal(
        backoffDelay(10, j, () => 0),
        800,
      );
      const d = resolveBackoff({});
      assert.deepEqual(d, { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 });
    });
  });

  describe('login', () => {
    it('logs in, reports connected with the session and sends client info', async () => {
      const seen: ConnectionStatus[] = [];
      const c = client({ clientInfo: { name: 'test', version: '9' } });
      c.onStatus((s) => seen.push(s));
      assert.equal(c.status.state, 'idle');
      c.start();
      c.start(); // idempotent
      await c.whenConnected();
      assert.equal(c.status.state, 'connected');
      assert.equal(c.status.sessionId, gw.session().id);
      assert.deepEqual(
        seen.map((s) => s.state),
        ['connecting', 'connected'],
      );
      const logins = gw.frames('login');
      assert.equal(logins.length, 1);
      assert.equal(logins[0].tenant, 'demo');
      assert.equal(logins[0].resume, undefined);
      assert.deepEqual(logins[0].client, { name: 'test', version: '9' });
    });

    it('a refused login ends in authFailed without retrying, and never leaks the password', async () => {
      const secret = 'Sup3r-Secret-pw';
      await gw.stop();
      gw = new FakeGateway({ refuseMessage: (l) => `bad password ${l.credentials.password}` });
      await gw.listen(0);
      const lines: string[] = [];
      const log = (m: string): void => {
        lines.push(m);
      };
      const c = client({
        password: secret,
        url: `ws://demo:${secret}@127.0.0.1:${gw.port}`,
        logger: { debug: log, info: log, warn: log, error: log },
      });
      const statuses: ConnectionStatus[] = [];
      c.onStatus((s) => statuses.push(s));
      c.start();
      await assert.rejects(c.whenConnected(), (err: Error) => {
        assert.match(err.message, /authentication refused: AUTH_FAILED/);
        assert.ok(!err.message.includes(secret));
        return true;
      });
      assert.equal(c.status.state, 'authFailed');
      await sleep(250); // several backoff periods: a retry loop would log in again
      assert.equal(gw.frames('login').length, 1, 'no retry loop');
      assert.equal(c.status.state, 'authFailed');
      await assert.rejects(c.whenConnected(), /authentication refused/);
      const op = await c.startOperation('1001', 'hold', {}).done;
      assert.equal(op.outcome, 'failed');
      assert.ok(!JSON.stringify(op).includes(secret));
      assert.ok(lines.length > 0, 'something was logged');
      for (const text of [...lines, ...statuses.map((s) => JSON.stringify(s))]) {
        assert.ok(!text.includes(secret), `password leaked in: ${text}`);
      }
      assert.equal(gw.frames('login')[0].credentials.password, secret, 'the server got it');
    });
  });

  describe('operations', () => {
    it('matches responses that arrive out of order', async () => {
      const held: ReqFrame[] = [];
      gw.onReq = (req, conn) => {
        held.push(req);
        if (held.length === 3) {
          for (const r of held.slice().reverse()) {
            conn.resp(r, 0, { uniqueId: `u-${(r.params as { digits: string }).digits}` });
          }
        }
      };
      const c = await connected();
      const ops = ['1', '2', '3'].map((d) => c.startOperation('1001', 'sendDtmf', { digits: d }));
      const results = await Promise.all(ops.map((o) => o.done));
      results.forEach((r, i) => {
        assert.equal(r.outcome, 'done');
        assert.equal(r.reqId, ops[i].reqId);
        assert.equal(r.response?.reqId, ops[i].reqId);
        assert.equal(r.ids.uniqueId, `u-${i + 1}`);
      });
      assert.equal(c.stats().pending, 0);
    });

    it('a refused response ends as failed/refused and keeps code, errorCode and message', async () => {
      gw.onReq = (req, conn) => conn.resp(req, 3, null, 'UNKNOWN_AGENT');
      const c = await connected();
      const r = await c.startOperation('9999', 'previewObCall', { customerNumber: '48500100200' })
        .done;
      assert.equal(r.outcome, 'failed');
      assert.equal(r.reason, 'refused');
      assert.equal(r.response?.code, 3);
      assert.equal(r.response?.errorCode, 'UNKNOWN_AGENT');
      assert.equal(r.response?.message, 'refused');
    });

    it('invalid parameters and unknown operations fail without sending anything', async () => {
      const c = await connected();
      const bad = await c.startOperation('1001', 'previewObCall', {}).done;
      assert.equal(bad.outcome, 'failed');
      assert.equal(bad.reason, 'badParams');
      assert.match(bad.message ?? '', /customerNumber is required/);
      const extra = await c.startOperation('1001', 'hold', { foo: 1 }).done;
      assert.equal(extra.reason, 'badParams');
      assert.match(extra.message ?? '', /unknown property "foo"/);
      const unknown = await c.startOperation('1001', 'teleport', {}).done;
      assert.equal(unknown.outcome, 'failed');
      assert.equal(unknown.reason, 'unknownOp');
      const noAgent = await c.startOperation('', 'hold', {}).done;
      assert.equal(noAgent.reason, 'badParams');
      // A valid operation after them: the server receives only that one.
      const ok = await c.startOperation('1001', 'hold', {}).done;
      assert.equal(ok.outcome, 'done');
      assert.deepEqual(
        gw.frames('req').map((f) => f.op),
        ['hold'],
      );
      assert.equal(c.stats().pending, 0);
    });

    it('times out without a response (response timeout)', async () => {
      gw.onReq = () => {};
      const c = await connected({ responseTimeoutMs: 60 });
      const r = await c.startOperation('1001', 'hold', {}).done;
      assert.equal(r.outcome, 'failed');
      assert.equal(r.reason, 'timeout');
      assert.equal(r.response, undefined);
      assert.match(r.message ?? '', /no response within 60 ms/);
      assert.equal(c.stats().pending, 0);
    });

    it('times out when the outcome does not come (overall timeout), keeping the response', async () => {
      gw.onReq = (req, conn) => conn.resp(req, 0, { uniqueId: 'u-1' });
      const c = await connected();
      const started = Date.now();
      const r = await c.startOperation(
        '1001',
        'previewObCall',
        { customerNumber: '48500100200' },
        { timeoutMs: 80 },
      ).done;
      assert.equal(r.outcome, 'failed');
      assert.equal(r.reason, 'timeout');
      assert.equal(r.response?.code, 0);
      assert.equal(r.ids.uniqueId, 'u-1');
      assert.ok(r.endedAt - started >= 70);
    });

    it('processes events that arrive before their response after it, in order', async () => {
      const ids = { seance_id: 'se-1', call_id: 'c-1', dialog_uuid: 'd-1' };
      gw.onReq = (req, conn) => {
        const s = gw.session();
        const x = { reqId: req.reqId, agent: req.agent };
        gw.emit(s, 'agent', 'previewObCallResult', { result: 0, uniqueId: 'u-9' }, x);
        gw.emit(s, 'agent', 'previewObCallStart', { customerNumber: '485', ids }, x);
        gw.emit(s, 'agent', 'previewObCallRinging', { state: 'ringing', customerNumber: '4' }, x);
        gw.emit(s, 'agent', 'previewObCallBridge', { channel: 'SIP/1' }, x);
        conn.resp(req, 0, { uniqueId: 'u-9', ids: { customer_call_id: 'c-2' } });
      };
      const c = await connected();
      const order: string[] = [];
      const r = await c.startOperation(
        '1001',
        'previewObCall',
        { customerNumber: '48500100200' },
        {
          onResponse: (resp) => order.push(resp.op),
          onEvent: (e) => order.push(e.name),
        },
      ).done;
      assert.equal(r.outcome, 'bridged');
      assert.deepEqual(order, [
        'previewObCallResp',
        'previewObCallResult',
        'previewObCallStart',
        'previewObCallRinging',
        'previewObCallBridge',
      ]);
      assert.deepEqual(
        r.events.map((e) => e.seq),
        [1, 2, 3, 4],
      );
      assert.equal(r.final?.name, 'previewObCallBridge');
      assert.deepEqual(r.ids, { uniqueId: 'u-9', customer_call_id: 'c-2', ...ids });
    });

    it('ends with the catalogue outcome: failed with the event reason, linked for a consult', async () => {
      gw.onReq = (req, conn) => {
        conn.resp(req);
        const x = { reqId: req.reqId, agent: req.agent };
        const s = gw.session();
        if (req.op === 'previewObCall') {
          gw.emit(s, 'agent', 'previewObCallResult', { result: 0 }, x);
          gw.emit(s, 'agent', 'previewObCallStart', { customerNumber: '48' }, x);
          gw.emit(s, 'agent', 'previewObCallResult', { result: 1, reason: 'customerBusy' }, x);
        } else {
          gw.emit(s, 'agent', 'atxferStart', { target: '1002' }, x);
          gw.emit(s, 'agent', 'atxferLink', { target: '1002' }, x);
          gw.emit(s, 'agent', 'atxferEnded', { hangupSide: 'target' }, x); // late: after the end
        }
      };
      const c = await connected();
      const f = await c.startOperation('1001', 'previewObCall', { customerNumber: '48' }).done;
      assert.equal(f.outcome, 'failed');
      assert.equal(f.reason, 'customerBusy');
      assert.equal(f.events.length, 3);
      const late: GatewayEvent[] = [];
      c.on('agent', 'atxferEnded', (e) => late.push(e));
      const l = await c.startOperation('1001', 'startAtxfer', { targetType: 1, target: '1002' })
        .done;
      assert.equal(l.outcome, 'linked');
      await until('late event to family listeners', () => late.length === 1);
      assert.equal(c.stats().unknownResponses, 0, 'a late event of an ended op is not unknown');
    });

    it('ends every in-flight operation once as disconnected when the socket drops', async () => {
      gw.onReq = () => {};
      const c = await connected();
      const ops = [
        c.startOperation('1001', 'hold', {}),
        c.startOperation('1002', 'previewObCall', { customerNumber: '48500' }),
        c.startOperation('1003', 'completeAtxfer', {}),
      ];
      await gw.waitFor(() => gw.frames('req').length === 3, 2000, 'three requests');
      const before = timeouts();
      gw.dropClients();
      const results = await Promise.all(ops.map((o) => o.done));
      for (const r of results) {
        assert.equal(r.outcome, 'failed');
        assert.equal(r.reason, 'disconnected');
      }
      ops[0].cancel('closed'); // no-op once ended
      assert.equal((await ops[0].done).reason, 'disconnected');
      assert.equal(c.stats().pending, 0);
      assert.ok(timeouts() < before, 'operation timers were cleared');
      await until('reconnected', () => c.status.state === 'connected');
      assert.equal(c.stats().reconnects, 1);
    });

    it('queues operations started before login and sends them once logged in', async () => {
      const c = client();
      const h = c.startOperation('1001', 'unhold', {});
      c.start();
      const r = await h.done;
      assert.equal(r.outcome, 'done');
    });
  });

  describe('connection', () => {
    it('reconnects with exponential backoff whose attempts grow and whose delay is capped', async () => {
      const c = await connected();
      const port = gw.port;
      const seen: ConnectionStatus[] = [];
      c.onStatus((s) => seen.push(s));
      await gw.stop();
      await until(
        'six reconnect attempts',
        () => seen.filter((s) => s.state === 'reconnecting').length >= 6,
      );
      const rec = seen.filter((s) => s.state === 'reconnecting');
      assert.deepEqual(
        rec.slice(0, 6).map((s) => [s.attempt, s.nextDelayMs]),
        [
          [1, 20],
          [2, 40],
          [3, 80],
          [4, 160],
          [5, 200],
          [6, 200],
        ],
      );
      assert.ok(rec.every((s) => typeof s.error === 'string'));
      await gw.listen(port);
      await until('reconnected', () => c.status.state === 'connected');
      assert.equal(c.status.attempt, 0);
      assert.equal(c.stats().reconnects, 1);
      const logins = gw.frames('login');
      assert.deepEqual(logins[logins.length - 1].resume, {
        sessionId: c.status.sessionId,
        lastSeq: 0,
      });
    });

    it('pings, answers server pings, and detects a silent (half-open) server', async () => {
      const c = await connected({ heartbeatMs: 40, heartbeatTimeoutMs: 150 });
      await gw.waitFor(() => gw.frames('ping').length >= 2, 2000, 'two pings');
      const conn = Array.from(gw.conns)[0];
      conn.send({ type: 'ping', id: 77, ts: Date.now() });
      await gw.waitFor(() => gw.frames('pong').some((p) => p.id === 77), 2000, 'pong 77');
      const seen: ConnectionStatus[] = [];
      c.onStatus((s) => seen.push(s));
      conn.silent = true; // the server still reads but nothing reaches the client any more
      await until('half-open detected', () => seen.some((s) => s.state === 'reconnecting'));
      assert.match(seen.find((s) => s.state === 'reconnecting')?.error ?? '', /heartbeat lost/);
      await until('reconnected', () => c.status.state === 'connected');
      const logins = gw.frames('login');
      assert.equal(logins.length, 2);
      assert.equal(logins[1].resume?.sessionId, c.status.sessionId);
    });

    it('follows a shorter heartbeatMs announced at login: pings that often and detects silence by it', async () => {
      await gw.stop();
      gw = new FakeGateway({ heartbeatMs: 600 });
      await gw.listen(0);
      const c = await connected({ heartbeatMs: 60_000 });
      await gw.waitFor(() => gw.frames('ping').length >= 2, 4000, 'pings at the announced pace');
      const seen: ConnectionStatus[] = [];
      c.onStatus((s) => seen.push(s));
      Array.from(gw.conns)[0].silent = true;
      await until('half-open detected', () => seen.some((s) => s.state === 'reconnecting'));
      assert.match(seen.find((s) => s.state === 'reconnecting')?.error ?? '', /heartbeat lost/);
    });

    it('keeps the heartbeat off when configured 0, whatever the server announces', async () => {
      await gw.stop();
      gw = new FakeGateway({ heartbeatMs: 10 });
      await gw.listen(0);
      await connected({ heartbeatMs: 0 });
      await sleep(100);
      assert.equal(gw.frames('ping').length, 0);
    });

    it('after a kickout notice waits the longest delay before reconnecting', async () => {
      const c = await connected();
      const seen: ConnectionStatus[] = [];
      c.onStatus((s) => seen.push(s));
      const problems: string[] = [];
      c.onProblem((p) => problems.push(`${p.code} ${p.message}`));
      const conn = Array.from(gw.conns)[0];
      conn.send({ type: 'notice', code: 'kickout', message: 'logged in elsewhere' });
      conn.ws.close();
      await until('reconnecting', () => seen.some((s) => s.state === 'reconnecting'));
      assert.equal(seen[0].attempt, 1);
      assert.equal(seen[0].nextDelayMs, 200, 'the cap, not the first delay');
      assert.deepEqual(problems, ['NOTICE kickout: logged in elsewhere']);
      await until('reconnected', () => c.status.state === 'connected');
    });

    it('refuses a URL that is not ws:// or wss://', () => {
      const o = { tenant: 't', username: 'u', password: 'p' };
      assert.throws(() => new GatewayClient({ ...o, url: 'http://x' }), /ws:\/\/ or wss:\/\//);
      assert.throws(() => new GatewayClient({ ...o, url: '' }), /url is required/);
    });

    it('wss://: trusts a given CA, refuses an unknown certificate, and can skip verification', async () => {
      const dir = path.join(repoRoot, 'test', 'fixtures', 'tls');
      const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
      const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
      await gw.stop();
      gw = new FakeGateway({ tls: { key, cert } });
      await gw.listen(0);
      assert.match(gw.url, /^wss:\/\/127\.0\.0\.1:/);

      const trusted = await connected({ tls: { ca: cert } });
      assert.equal(trusted.status.state, 'connected');
      assert.equal((await trusted.startOperation('1001', 'hold', {}).done).outcome, 'done');

      const strict = client(); // verification on, no CA: the self-signed certificate is refused
      strict.start();
      await until('refused certificate', () => strict.status.state === 'reconnecting');
      assert.match(strict.status.error ?? '', /self[- ]signed|certificate/i);
      assert.equal(gw.frames('login').length, 1, 'only the trusted client logged in');

      const lax = await connected({ tls: { rejectUnauthorized: false } });
      assert.equal(lax.status.state, 'connected');
      assert.equal(gw.frames('login').length, 2);
    });

    it('waits for a URL given later: operations queue, then are sent once it comes', async () => {
      let give!: (url: string) => void;
      const c = client({ url: () => new Promise<string>((r) => (give = r)) });
      c.start();
      assert.equal(c.status.state, 'connecting');
      const op = c.startOperation('1001', 'hold', {});
      await sleep(30);
      assert.equal(gw.received.length, 0, 'nothing dialled before the URL');
      give(gw.url);
      const r = await op.done;
      assert.equal(r.outcome, 'done');
      assert.equal(gw.frames('req').length, 1);
    });

    it('ends as failed/disconnected, once per operation, when the later URL fails or is not ws://', async () => {
      for (const url of [
        () => Promise.reject(new Error('simulator failed to start: EADDRINUSE')),
        () => Promise.resolve('http://not-a-websocket'),
      ]) {
        const statuses: string[] = [];
        const c = client({ url });
        c.onStatus((st) => statuses.push(`${st.state}:${st.error ?? ''}`));
        const queued = c.startOperation('1001', 'hold', {});
        c.start();
        const first = await queued.done;
        assert.equal(first.outcome, 'failed');
        assert.equal(first.reason, 'disconnected');
        const why = first.message ?? '';
        assert.match(why, /EADDRINUSE|ws:\/\/ or wss:\/\//);
        assert.equal(c.status.state, 'closed');
        assert.equal(statuses[statuses.length - 1], `closed:${why}`);
        await assert.rejects(c.whenConnected(), (e: Error) => e.message === why);
        const later = await c.startOperation('1001', 'hold', {}).done;
        assert.deepEqual([later.reason, later.message], ['disconnected', why]);
      }
      assert.equal(gw.received.length, 0, 'nothing was dialled');
    });

    it('close() while the later URL is pending ends operations as closed and dials nothing', async () => {
      let give!: (url: string) => void;
      const c = client({ url: () => new Promise<string>((r) => (give = r)) });
      c.start();
      const op = c.startOperation('1001', 'hold', {});
      await c.close();
      assert.equal((await op.done).reason, 'closed');
      give(gw.url);
      await sleep(30);
      assert.equal(gw.conns.size, 0, 'no socket opened after close');
    });

    it('close() ends pending operations as closed and leaves no timer or socket behind', async () => {
      await sleep(20);
      const baseTimeouts = timeouts();
      const baseSockets = process
        .getActiveResourcesInfo()
        .filter((r) => r === 'TCPSocketWrap').length;
      gw.onReq = () => {};
      const c = await connected();
      c.subscribe({ events: ['ccsevents.*'], expires: 60 });
      const ops = [
        c.startOperation('1001', 'previewObCall', { customerNumber: '485' }),
        c.startOperation('1001', 'hold', {}),
      ];
      const p = c.whenConnected();
      await p;
      await c.close();
      const results: OperationResult[] = await Promise.all(ops.map((o) => o.done));
      assert.deepEqual(
        results.map((r) => [r.outcome, r.reason]),
        [
          ['failed', 'closed'],
          ['failed', 'closed'],
        ],
      );
      assert.equal(c.status.state, 'closed');
      await assert.rejects(c.whenConnected(), /closed/);
      assert.equal((await c.startOperation('1001', 'hold', {}).done).reason, 'closed');
      await c.close(); // idempotent
      assert.equal(timeouts(), baseTimeouts, 'no client timer left');
      await until(
        'sockets released',
        () =>
          process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length <=
          baseSockets,
      );
    });
  });

  describe('events', () => {
    it('dispatches by family and name with a wildcard, and removes listeners', async () => {
      const c = await connected();
      c.subscribe({ id: 'all', events: ['ccsevents.*', 'dialog.*'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      const got: string[] = [];
      const offCreate = c.on('ccs', 'call_create', (e) => got.push(`create:${e.seq}`));
      c.on('ccs', '*', (e) => got.push(`ccs*:${e.name}`));
      c.on('dialog', 'dialog_close', (e) => got.push(`dialog:${e.seq}`));
      const s = gw.session();
      gw.emit(s, 'ccs', 'call_create', { domain: 'd', call_id: 'c-1' });
      gw.emit(s, 'ccs', 'call_delete', { domain: 'd', call_id: 'c-1' });
      await until('two events', () => c.stats().lastSeq === 2);
      offCreate();
      gw.emit(s, 'ccs', 'call_create', { domain: 'd', call_id: 'c-2' });
      await until('third event', () => c.stats().lastSeq === 3);
      assert.deepEqual(got, [
        'create:1',
        'ccs*:call_create',
        'ccs*:call_delete',
        'ccs*:call_create',
      ]);
    });

    it('a throwing listener is reported and does not stop the others', async () => {
      const c = await connected();
      c.subscribe({ events: ['ccsevents.call_create'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      const problems: string[] = [];
      c.onProblem((p) => problems.push(`${p.code} ${p.message}`));
      const got: number[] = [];
      c.on('ccs', 'call_create', () => {
        throw new Error('boom');
      });
      c.on('ccs', 'call_create', (e) => got.push(e.seq));
      gw.emit(gw.session(), 'ccs', 'call_create', { domain: 'd', call_id: 'c-1' });
      gw.emit(gw.session(), 'ccs', 'call_create', { domain: 'd', call_id: 'c-2' });
      await until('both events', () => got.length === 2);
      assert.equal(problems.length, 2);
      assert.match(problems[0], /^LISTENER_ERROR .*call_create.*boom/);
    });

    it('counts malformed frames and bad events while delivering the valid frames around them', async () => {
      const c = await connected();
      c.subscribe({ events: ['ccsevents.*'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      const problems: { code: string; message: string }[] = [];
      c.onProblem((p) => problems.push(p));
      const got: number[] = [];
      c.on('ccs', '*', (e) => got.push(e.seq));
      const s = gw.session();
      const conn = s.conn!;
      const ev = (name: string, data: object): string => {
        s.seq++;
        return JSON.stringify({ type: 'event', family: 'ccs', name, seq: s.seq, ts: 1, data });
      };
      gw.emit(s, 'ccs', 'call_create', { domain: 'd', call_id: 'c-1' }); // 1
      conn.sendRaw('{not json');
      conn.sendRaw(JSON.stringify({ type: 'event', family: 'ccs', name: 'call_create', ts: 1 }));
      conn.sendRaw(JSON.stringify({ type: 'bogus' }));
      conn.sendRaw(ev('call_explode', { domain: 'd' })); // 2, unknown event
      conn.sendRaw(ev('call_create', { domain: 'd' })); // 3, call_id missing
      gw.emit(s, 'ccs', 'call_delete', { domain: 'd', call_id: 'c-1' }); // 4
      conn.send({
        type: 'resp',
        op: 'holdResp',
        reqId: 'r-nobody',
        code: 0,
        errorCode: null,
        message: 'ok',
      });
      gw.emit(s, 'agent', 'atxferEnded', {}, { reqId: 'r-ghost' }); // 5, unknown reqId
      gw.emit(s, 'ccs', 'call_update', { domain: 'd', call_id: 'c-1' }); // 6
      await until('all frames', () => c.stats().lastSeq === 6);
      assert.deepEqual(got, [1, 4, 6]);
      const st = c.stats();
      assert.equal(st.invalidFrames, 3);
      assert.equal(st.invalidEvents, 2);
      assert.equal(st.unknownResponses, 2);
      assert.equal(st.gaps, 0);
      assert.deepEqual(
        problems.map((p) => p.code),
        [
          'BAD_JSON',
          'BAD_FRAME',
          'BAD_FRAME',
          'UNKNOWN_EVENT',
          'BAD_EVENT',
          'UNKNOWN_REQID',
          'UNKNOWN_REQID',
        ],
      );
      assert.match(problems[1].message, /frame\.seq is required/);
      assert.match(problems[4].message, /seq 3 ccs\.call_create.*call_id is required/);
      assert.equal(c.status.state, 'connected');
    });

    it('renews a subscription at 80 % of expires with the same id and stops after unsubscribe', async () => {
      const c = await connected();
      const t0 = Date.now();
      const sub = c.subscribe({ id: 'sub-r', events: ['dialog.*'], objects: ['1001'], expires: 1 });
      await gw.waitFor(() => gw.frames('subscribe').length === 2, 3000, 'a renewal');
      const elapsed = Date.now() - t0;
      assert.ok(elapsed >= 700, `renewed after ${elapsed} ms`);
      const [a, b] = gw.frames('subscribe');
      assert.equal(a.id, 'sub-r');
      assert.equal(b.id, 'sub-r');
      assert.notEqual(a.qid, b.qid);
      assert.deepEqual(b.objects, ['1001']);
      await sub.unsubscribe();
      const frames = gw.frames('subscribe');
      assert.equal(frames.length, 3);
      assert.equal(frames[2].expires, 0);
      assert.equal(frames[2].id, 'sub-r');
      assert.equal(gw.session().subs.size, 0);
      await sleep(900);
      assert.equal(gw.frames('subscribe').length, 3, 'no renewal after unsubscribe');
      assert.throws(() => c.subscribe({ events: ['nope'] }), /invalid subscription: .*pattern/);
    });

    it('sends an unsubscribe made while offline after the next login, only for subscriptions the server saw', async () => {
      await gw.stop();
      gw = new FakeGateway({ state: new FakeState() });
      const port = await gw.listen(0);
      const c = await connected();
      const seen = c.subscribe({ id: 'sub-seen', events: ['ccsevents.*'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      await gw.stop();
      await until('reconnecting', () => c.status.state === 'reconnecting');
      await seen.unsubscribe();
      for (let i = 0; i < 5; i++) await c.subscribe({ events: ['dialog.*'] }).unsubscribe();
      const kept = c.subscribe({ id: 'sub-kept', events: ['agent.*'] });
      await gw.listen(port);
      await until('reconnected', () => c.status.state === 'connected');
      await gw.waitFor(() => gw.frames('subscribe').length >= 3, 2000, 'after login');
      await sleep(50);
      const after = gw.frames('subscribe').slice(1);
      assert.deepEqual(
        after.map((f) => [f.id, f.expires]),
        [
          ['sub-seen', 0],
          ['sub-kept', 3600],
        ],
      );
      assert.deepEqual([...gw.session().subs.keys()], ['sub-kept']);
      assert.equal(kept.id, 'sub-kept');
    });

    it('resumes after a drop: replayed duplicates dropped and counted, nothing lost', async () => {
      await gw.stop();
      gw = new FakeGateway({ replayOverlap: 3 });
      await gw.listen(0);
      const c = await connected();
      c.subscribe({ id: 'sub-a', events: ['agent.*'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      const got: number[] = [];
      c.on('agent', 'agentStatus', (e) => got.push(e.seq));
      const s = gw.session();
      const status = { state: 'idle', deviceStatus: 1 };
      for (let i = 0; i < 5; i++) gw.emit(s, 'agent', 'agentStatus', status);
      await until('first five', () => got.length === 5);
      gw.dropClients();
      for (let i = 0; i < 5; i++) gw.emit(s, 'agent', 'agentStatus', status); // while down
      await until('replayed five', () => got.length === 10);
      assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const st = c.stats();
      assert.equal(st.duplicates, 3);
      assert.equal(st.gaps, 0);
      assert.equal(gw.frames('login')[1].resume?.lastSeq, 5);
      // The replayed events can overtake the re-subscribe frame on its way to the server.
      await gw.waitFor(() => gw.frames('subscribe').length >= 2, 2000, 're-subscribe');
      assert.equal(gw.frames('subscribe').length, 2, 're-subscribed after the reconnect');
    });

    it('after resumed:false resets its sequence, re-subscribes and counts the gap', async () => {
      const c = await connected();
      c.subscribe({ id: 'sub-c', events: ['ccsevents.*'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      const got: number[] = [];
      c.on('ccs', '*', (e) => got.push(e.seq));
      for (let i = 0; i < 4; i++) {
        gw.emit(gw.session(), 'ccs', 'call_create', { domain: 'd', call_id: `c-${i}` });
      }
      await until('four events', () => got.length === 4);
      const oldSession = c.status.sessionId;
      const port = gw.port;
      await gw.stop();
      gw = new FakeGateway(); // a restarted server that lost every session
      await gw.listen(port);
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 3000, 're-subscribe');
      assert.equal(gw.frames('login')[0].resume?.sessionId, oldSession);
      assert.notEqual(c.status.sessionId, oldSession);
      assert.equal(c.stats().lastSeq, 0);
      gw.emit(gw.session(), 'ccs', 'call_create', { domain: 'd', call_id: 'c-new' });
      await until('event of the new session', () => got.length === 5);
      assert.deepEqual(got, [1, 2, 3, 4, 1]);
      assert.equal(c.stats().gaps, 1);
      assert.equal(c.stats().duplicates, 0);
    });

    it('server killed mid-stream and restarted on the same port: every seq exactly once', async () => {
      const state = new FakeState();
      // The server also replays a few events the client already has: they must be dropped.
      const options = { state, replayOverlap: 20 };
      await gw.stop();
      gw = new FakeGateway(options);
      const port = await gw.listen(0);
      const c = await connected({ heartbeatMs: 50 });
      c.subscribe({ id: 'sub-stream', events: ['ccsevents.call_create'] });
      await gw.waitFor(() => gw.frames('subscribe').length === 1, 2000, 'subscribe');
      const seqs: number[] = [];
      c.on('ccs', 'call_create', (e) => seqs.push(e.seq));
      const session = gw.session();
      const TOTAL = 3000;
      let receivedAtKill = -1;
      for (let i = 1; i <= TOTAL; i++) {
        const ev = gw.emit(session, 'ccs', 'call_create', { domain: 'd', call_id: `c-${i}` });
        assert.equal(ev?.seq, i);
        if (i === 1000) {
          // Events 951..1000 were sent in this same turn: the client cannot have them all.
          receivedAtKill = seqs.length;
          await gw.stop(); // kill: sockets terminated, port released, session kept
        }
        if (i === 2000) {
          gw = new FakeGateway(options);
          await gw.listen(port);
        }
        if (i % 50 === 0) await tick();
      }
      await until('every event', () => seqs.length >= TOTAL, 5000);
      await sleep(50);
      assert.ok(receivedAtKill < 1000, 'the kill happened in the middle of the stream');
      assert.equal(seqs.length, TOTAL);
      for (let i = 0; i < TOTAL; i++) assert.equal(seqs[i], i + 1, `event ${i + 1}`);
      const st = c.stats();
      assert.equal(st.gaps, 0);
      assert.equal(st.lastSeq, TOTAL);
      assert.ok(st.duplicates >= 1, 'the overlapping replay was deduplicated');
      assert.ok(st.reconnects >= 1);
      // The restarted server saw a resume login and the subscription re-sent with its id.
      assert.equal(gw.frames('login')[0].resume?.sessionId, session.id);
      assert.equal(gw.frames('subscribe')[0].id, 'sub-stream');
    });
  });
});
