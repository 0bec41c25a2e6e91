/**
 * Era / Incoplax operations: REST call control (`/uc/calls`) as src/platforms/era/mapping.ts
 * maps it. Fixtures of the table's requests and answers, the simulator's Era face answering a
 * plain HTTP client written from the table, and the driver end to end against the simulator
 * over real sockets (a preview call reaching its outcome from the ccsevents of its seance, a
 * refusal with the platform's text, a bad token, control of the agent's call, an operation the
 * table does not carry ending at once with nothing sent), and against a platform whose answer to
 * a preview call names no call and no seance.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent } from '../src/client/api';
import { EraDriver } from '../src/platforms/era/driver';
import {
  NO_IDS_REASON,
  OPERATIONS_CARRIED,
  REST,
  RESULT_SUFFIX,
  SUBSCRIBE_METHOD,
  restBase,
  restPath,
  USER_KEY,
} from '../src/platforms/era/mapping';
import { firstCallId } from '../src/platforms/era/operations';
import { EraRest, interpretAnswer } from '../src/platforms/era/rest';
import { OPERATIONS } from '../src/protocol/catalogue';
import { Simulator } from '../src/simulator/simulator';
import { until } from './support/wait';

const TOKEN = 'tok-ops-1';

describe('Era / Incoplax operations: the mapping table (fixtures)', function () {
  it('writes the preview call request from the catalogue parameters, and reads it back', () => {
    const call = OPERATIONS_CARRIED.previewObCall;
    assert.equal(call.method, 'POST');
    assert.equal(restPath(call), '/uc/calls');
    const params = {
      customerNumber: '48500100201',
      obClid: '48221000000',
      agentAnswerTimeout: 20,
      customerAnswerTimeout: 30,
      channelVariables: { crm: 'lead-7' },
    };
    const body = call.body!('1001', params);
    assert.deepEqual(body, {
      [USER_KEY]: '1001',
      to: '48500100201',
      caller_id: '48221000000',
      user_timeout: 20,
      to_timeout: 30,
      variables: { crm: 'lead-7' },
    });
    assert.deepEqual(call.fromBody(body), params, 'the simulator reads what the driver writes');
  });

  it('names the agent\u2019s call in the path of call control, and carries only catalogue operations', () => {
    const names = new Set(OPERATIONS.map((o) => o.name));
    for (const [op, call] of Object.entries(OPERATIONS_CARRIED)) {
      assert.ok(names.has(op), `${op} is a catalogue operation`);
      if (call.onCall) assert.match(restPath(call, 'c-1'), /^\/uc\/calls\/c-1(\/[a-z]+)?$/);
    }
    assert.equal(restPath(OPERATIONS_CARRIED.sipUnlink, 'c 1'), '/uc/calls/c%201');
    assert.equal(restPath(OPERATIONS_CARRIED.hold, 'c-1'), '/uc/calls/c-1/hold');
    assert.deepEqual(OPERATIONS_CARRIED.blxfer.body!('1001', { targetType: 0, target: '555' }), {
      to: '555',
      to_type: 0,
    });
    assert.equal(OPERATIONS_CARRIED.startAtxfer, undefined, 'consult is not mapped');
  });

  it('derives the REST base from the WebSocket URL (same host and port)', () => {
    assert.equal(restBase('ws://10.0.0.5:8080/ws/token/v1/x').href, 'http://10.0.0.5:8080/');
    assert.equal(restBase('wss://era.example.com/ws').href, 'https://era.example.com/');
  });

  it('reads answers: accepted, refused with the platform\u2019s text, not JSON', () => {
    const ok = interpretAnswer('POST /uc/calls', 201, '{"result":"ok","call_id":"c1"}');
    assert.deepEqual(ok, { ok: true, status: 201, body: { result: 'ok', call_id: 'c1' } });
    const no = interpretAnswer('POST /uc/calls', 409, '{"result":"error","reason":"agent busy"}');
    assert.equal(no.ok, false);
    assert.equal(!no.ok && no.status, 409);
    assert.match(!no.ok ? no.message : '', /HTTP 409: agent busy/);
    const bad = interpretAnswer('GET /uc/calls', 200, '<html>');
    assert.equal(!bad.ok && bad.status, 502);
    assert.match(!bad.ok ? bad.message : '', /not a JSON object/);
    assert.equal(firstCallId({ calls: [{ call_id: 'c-9', seance_id: 's' }] }), 'c-9');
    assert.equal(firstCallId({ calls: [] }), undefined);
  });
});

describe('Era / Incoplax operations: the simulator face over HTTP', function () {
  this.timeout(10000);
  let sim: Simulator;
  let base: string;

  beforeEach(async () => {
    sim = new Simulator({ speed: 50, seed: 3, validateEvents: true, eraTokens: [TOKEN] });
    base = (await sim.start()).url.replace(/^ws/, 'http');
  });

  afterEach(async () => {
    await sim.dispose();
  });

  const auth = { [REST.tokenHeader]: REST.tokenValue(TOKEN) };

  it('creates a call from a plain request, lists it, and refuses a wrong token (401)', async () => {
    const created = await fetch(`${base}/uc/calls`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ user: '1001', to: '48500100201' }),
    });
    assert.equal(created.status, 201);
    const body = (await created.json()) as Record<string, string>;
    assert.equal(body.result, 'ok');
    assert.ok(body.call_id && body.seance_id);
    const list = await fetch(`${base}/uc/calls?user=1001`, { headers: auth });
    assert.deepEqual(await list.json(), {
      result: 'ok',
      calls: [{ call_id: body.call_id, seance_id: body.seance_id }],
    });
    const denied = await fetch(`${base}/uc/calls?user=1001`, {
      headers: { [REST.tokenHeader]: REST.tokenValue('wrong') },
    });
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { result: string }).result, 'error');
    const unknown = await fetch(`${base}/uc/calls/nosuch/hold`, { method: 'POST', headers: auth });
    assert.equal(unknown.status, 404);
    const busy = await fetch(`${base}/uc/calls`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ user: '1001', to: '48500100201' }),
    });
    assert.equal(busy.status, 409);
    assert.match(
      ((await busy.json()) as { reason: string }).reason,
      /not possible while agent 1001/,
    );
  });
});

describe('Era / Incoplax operations: the driver against the simulator', function () {
  this.timeout(20000);
  let sim: Simulator;
  let clients: GatewayClient[] = [];
  const logs: string[] = [];

  function eraClient(token = TOKEN): GatewayClient {
    const log = (m: string): void => {
      logs.push(m);
    };
    const c = new GatewayClient({
      url: sim.url,
      driver: new EraDriver({ auth: 'token', token }),
      tenant: '',
      username: '',
      password: '',
      heartbeatMs: 0,
      reconnect: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
      logger: { debug: log, info: log, warn: log, error: log },
    });
    clients.push(c);
    c.start();
    return c;
  }

  beforeEach(async () => {
    logs.length = 0;
    sim = new Simulator({ speed: 50, seed: 11, validateEvents: true, eraTokens: [TOKEN] });
    await sim.start();
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await sim.dispose();
  });

  it('a preview call ends bridged: response first, then the process events from its ccsevents', async () => {
    const c = eraClient();
    const flowCcs: GatewayEvent[] = [];
    c.on('ccs', '*', (e) => flowCcs.push(e));
    await c.whenConnected();
    const order: string[] = [];
    const r = await c.startOperation(
      '1001',
      'previewObCall',
      { customerNumber: '48500100201', channelVariables: { crm: 'lead-1' } },
      {
        onResponse: (f) => order.push(`resp:${f.code}`),
        onEvent: (e) => order.push(e.name),
      },
    ).done;
    assert.equal(r.outcome, 'bridged', JSON.stringify(r));
    assert.equal(order[0], 'resp:0');
    assert.deepEqual(order.slice(1), [
      'previewObCallResult',
      'previewObCallStart',
      'previewObCallRinging',
      'previewObCallBridge',
    ]);
    assert.ok(r.ids.seance_id && r.ids.call_id, 'the seance and the agent\u2019s call');
    assert.equal(r.response?.data?.call_id, r.ids.call_id);
    assert.equal(flowCcs.length, 0, 'the operations subscription never reaches the flow');
    assert.equal(c.stats().invalidEvents, 0);
    // control of the agent's call: hold, unhold, DTMF, hang-up
    for (const op of ['hold', 'unhold']) {
      const x = await c.startOperation('1001', op, {}).done;
      assert.equal(x.outcome, 'done', `${op}: ${x.message}`);
    }
    const dtmf = await c.startOperation('1001', 'sendDtmf', { digits: '12#' }).done;
    assert.equal(dtmf.outcome, 'done');
    const hang = await c.startOperation('1001', 'sipUnlink', {}).done;
    assert.equal(hang.outcome, 'done');
    await until('the call over', () => sim.stats().activeCalls === 0);
    const none = await c.startOperation('1001', 'hold', {}).done;
    assert.equal(none.outcome, 'failed');
    assert.equal(none.reason, 'refused');
    assert.match(none.message ?? '', /NO_CALL: era: agent 1001 has no call/);
  });

  it('a blind transfer hands the customer to another agent, whose phone then rings', async () => {
    const c = eraClient();
    await c.whenConnected();
    const call = await c.startOperation('1004', 'previewObCall', { customerNumber: '48500100201' })
      .done;
    assert.equal(call.outcome, 'bridged');
    const xfer = await c.startOperation('1004', 'blxfer', { targetType: 1, target: '1005' }).done;
    assert.equal(xfer.outcome, 'done', xfer.message);
    // the target's call exists on the platform: a control request on it reaches the model,
    // which refuses DTMF while that agent's phone rings
    const dtmf = await c.startOperation('1005', 'sendDtmf', { digits: '1' }).done;
    assert.equal(dtmf.reason, 'refused');
    assert.match(dtmf.message ?? '', /sendDtmf is not possible while agent 1005 is ringing/);
  });

  it('a busy customer ends the preview call failed with the platform\u2019s reason', async () => {
    const c = eraClient();
    await c.whenConnected();
    const r = await c.startOperation('1002', 'previewObCall', { customerNumber: '48500100200' })
      .done;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'customerBusy');
    assert.equal(r.final?.name, 'previewObCallResult');
    assert.equal(r.final?.data.result, 1);
  });

  it('a refused operation ends failed / refused with the platform\u2019s text', async () => {
    const c = eraClient();
    await c.whenConnected();
    const first = c.startOperation('1003', 'previewObCall', { customerNumber: '48500100201' });
    const again = await c.startOperation('1003', 'previewObCall', {
      customerNumber: '48500100202',
    }).done;
    assert.equal(again.outcome, 'failed');
    assert.equal(again.reason, 'refused');
    assert.match(again.message ?? '', /REFUSED: era: POST \/uc\/calls: HTTP 409: .*agent 1003/);
    assert.equal((await first.done).outcome, 'bridged');
  });

  it('a bad token is refused: the socket (authFailed) and the REST API (401), never logged', async () => {
    const c = eraClient('bad-token-77');
    await assert.rejects(c.whenConnected(), /HTTP 401/);
    const r = await c.startOperation('1001', 'hold', {}).done;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'disconnected');
    const rest = new EraRest({ url: sim.url, auth: 'token', token: 'bad-token-77' });
    const res = await rest.request('GET', REST.callsPath, undefined, { user: '1001' });
    rest.close();
    assert.equal(res.ok, false);
    assert.equal(!res.ok && res.status, 401);
    assert.ok(!JSON.stringify(res).includes('bad-token-77'));
    assert.ok(!logs.some((l) => l.includes('bad-token-77')), 'the token is in no log line');
  });

  it('an operation the table does not carry ends failed / unsupported at once, nothing sent', async () => {
    const c = eraClient();
    await c.whenConnected();
    const sent = c.stats().framesOut;
    const requests = sim.stats().requests;
    for (const op of ['startAtxfer', 'pause']) {
      const params = op === 'startAtxfer' ? { targetType: 1, target: '1002' } : {};
      const r = await c.startOperation('1001', op, params).done;
      assert.equal(r.outcome, 'failed');
      assert.equal(r.reason, 'unsupported');
      assert.match(r.message ?? '', new RegExp(`era: ${op} is not supported`));
    }
    assert.equal(c.stats().framesOut, sent, 'nothing written');
    assert.equal(sim.stats().requests, requests, 'nothing reached the platform');
  });
});

describe('Era / Incoplax operations: an answer that names no call and no seance', function () {
  // Far below the preview call's own timeout (120 s): the outcome must not wait for it.
  this.timeout(10000);
  let server: http.Server;
  let wss: WebSocketServer;
  let client: GatewayClient | undefined;
  const posted: unknown[] = [];

  beforeEach(async () => {
    posted.length = 0;
    // A platform as documented: REST `/uc/calls` accepting the call without naming it, and the
    // WebSocket accepting subscriptions (no notifications ever come).
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'POST' && req.url === REST.callsPath) {
          posted.push(JSON.parse(body));
          res.writeHead(201).end(JSON.stringify({ result: 'ok', state: 'calling' }));
        } else res.writeHead(404).end(JSON.stringify({ result: 'error', reason: 'not found' }));
      });
    });
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws) =>
      ws.on('message', (raw) => {
        const [method, params] = JSON.parse(String(raw)) as [string, { qid: string }];
        if (method === SUBSCRIBE_METHOD) {
          ws.send(JSON.stringify([`${method}${RESULT_SUFFIX}`, { qid: params.qid, result: 'ok' }]));
        }
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('ends the preview call failed at once with the reason and a message naming what is missing', async () => {
    const { port } = server.address() as AddressInfo;
    client = new GatewayClient({
      url: `ws://127.0.0.1:${port}`,
      driver: new EraDriver({ auth: 'token', token: TOKEN }),
      tenant: '',
      username: '',
      password: '',
      heartbeatMs: 0,
      reconnect: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
    });
    client.start();
    await client.whenConnected();
    const r = await client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.deepEqual(posted, [{ [USER_KEY]: '1001', to: '48500100201' }], 'the call was asked for');
    assert.equal(r.response?.code, 0, 'the platform accepted it');
    assert.equal(r.outcome, 'failed', JSON.stringify(r));
    assert.equal(r.reason, NO_IDS_REASON);
    assert.equal(r.reason, 'noCallOrSeance');
    assert.equal(r.final?.name, 'previewObCallResult');
    assert.equal(r.final?.data.result, 5);
    assert.match(
      r.message ?? '',
      /^era: the answer to previewObCall \(POST \/uc\/calls\) named no call \(call_id \/ id\) and no seance \(seance_id \/ seanceid\).*agent 1001 \(the answer's keys: result, state\)$/,
    );
    assert.equal(client.stats().invalidEvents, 0);
  });
});
