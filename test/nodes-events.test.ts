/**
 * The event-source nodes in the Node-RED test helper:
 * - cc-dialog-events as a webhook on RED.httpNode, fed seed 003's bodies verbatim, with its
 *   4xx answers, authentication, size limit, duplicate deliveries and route removal;
 * - cc-dialog-events, cc-ccs-events and cc-seance-events through a cc-gateway config node in
 *   embedded-simulator mode (real socket), one node per filter.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import type { GatewayConfigNode } from '../nodes/lib/types';
import { EventStatus, STATUS_INTERVAL_MS } from '../nodes/lib/event-node';
import { startGatewaySource } from '../nodes/lib/event-source';
import { readSeed, seedRawBodies } from './support/seeds';
import type { TrackedEvent, TrackedListener } from '../src/hub/api';
import { until } from './support/wait';

/** How long a wait of this file may take on a loaded machine. */
const WAIT_MS = 8000;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const gatewayModule = require('../nodes/cc-gateway');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dialogModule = require('../nodes/cc-dialog-events');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ccsModule = require('../nodes/cc-ccs-events');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const seanceModule = require('../nodes/cc-seance-events');

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

function seed003Raw(): string[] {
  const bodies = seedRawBodies(readSeed('003'));
  assert.equal(bodies.length, 8);
  return bodies;
}

const CUSTOMER = 'bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d';
const CONSULTANT = 'c2b19c63-f17b-4726-b3a1-5b5046e887ef';

/** Collects the messages a helper node receives. */
function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => got.push(msg));
  return got;
}

const settle = (ms = 50) => new Promise((r) => setTimeout(r, ms));

/** Serve an express app on 127.0.0.1 (an OS-picked port) for supertest. */
async function serve(app: express.Express): Promise<{ base: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('cc-dialog-events webhook', function () {
  let httpNode: express.Express;
  let server: { base: string; close(): Promise<void> } | undefined;

  let root: express.Express | undefined;
  let mountUnderParser = false;
  let parsedOutside = false;

  /**
   * The node module, recording the runtime's httpNode on the way. With mountUnderParser,
   * httpNode is mounted (before any node starts, as in a real runtime) under a root app whose
   * JSON body parser runs first, like Node-RED's admin app when both roots are "/".
   */
  function dialogWithHttp(RED: { httpNode: express.Express }): void {
    httpNode = RED.httpNode;
    root = undefined;
    if (mountUnderParser) {
      root = express();
      root.use(express.json({ limit: '5mb' }));
      root.use(httpNode);
    } else if (parsedOutside) {
      // A parser in an app httpNode is not mounted in (no parent link): the capture cannot
      // sit above it, so the route gets an already-parsed body and re-serialises it.
      root = express();
      root.use(express.json({ limit: '5mb' }));
      root.use((req, res, next) => httpNode(req, res, next));
    }
    dialogModule(RED);
  }

  const flow = (extra: Msg[] = []) => [
    {
      id: 'plain',
      type: 'cc-dialog-events',
      source: 'webhook',
      path: '/cc/dialogs',
      wires: [['out']],
    },
    {
      id: 'tok',
      type: 'cc-dialog-events',
      source: 'webhook',
      path: '/cc/token',
      wires: [['outTok']],
    },
    {
      id: 'mac',
      type: 'cc-dialog-events',
      source: 'webhook',
      path: '/cc/hmac',
      wires: [['outMac']],
    },
    {
      id: 'small',
      type: 'cc-dialog-events',
      source: 'webhook',
      path: '/cc/small',
      maxKb: 1,
      wires: [['outSmall']],
    },
    {
      id: 'closes',
      type: 'cc-dialog-events',
      source: 'webhook',
      path: '/cc/closes',
      events: ['dialog_close'],
      wires: [['outCloses']],
    },
    { id: 'out', type: 'helper' },
    { id: 'outTok', type: 'helper' },
    { id: 'outMac', type: 'helper' },
    { id: 'outSmall', type: 'helper' },
    { id: 'outCloses', type: 'helper' },
    ...extra,
  ];
  const credentials = { tok: { token: 's3cret' }, mac: { hmacSecret: 'k3y' } };

  async function load(underParser = false, outside = false): Promise<void> {
    mountUnderParser = underParser;
    parsedOutside = outside;
    await helper.load(dialogWithHttp, flow(), credentials);
    server = await serve(root ?? httpNode);
  }

  afterEach(async () => {
    await helper.unload();
    await server?.close();
    server = undefined;
  });

  const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    let r = request(server!.base).post(url).set('content-type', 'application/json');
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    return r.send(body);
  };

  it("gives eight messages for seed 003's eight bodies, posted verbatim in order", async () => {
    await load();
    const out = collect('out');
    const raw = seed003Raw();
    for (const body of raw) {
      const res = await post('/cc/dialogs', body);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { ok: true, duplicate: false });
    }
    await until('eight messages', () => out.length === 8, WAIT_MS);
    assert.deepEqual(
      out.map((m) => m.topic),
      raw.map((b) => JSON.parse(b).event_name),
    );
    out.forEach((m, i) => {
      assert.deepEqual(m.payload, JSON.parse(raw[i]), `payload ${i} is the body`);
      assert.equal(m.source, 'webhook');
    });

    // The state updates carry the fields of their create events.
    for (const i of [2, 3, 4]) {
      const d = out[i].dialog;
      assert.equal(d.dialog_uuid, CUSTOMER);
      assert.equal(d.state, out[i].payload.state);
      assert.equal(d.dialog_type, 'EXTERNAL');
      assert.equal(d.direction, 'INBOUND');
      assert.equal(d.business_direction, 'OUTBOUND');
      assert.equal(d.fields.peer_name, 'Konsultant Paweł');
      assert.equal(d.fields.peer_username, 'pkowalski');
      assert.equal(d.fields.self_target, '48xxxxxxxxx');
      assert.equal(d.caller_dialog_uuid, CONSULTANT);
    }
    const consultant = out[5].dialog;
    assert.equal(consultant.dialog_uuid, CONSULTANT);
    assert.equal(consultant.state, 'talking');
    assert.equal(consultant.dialog_type, 'CONSULTANT');
    assert.equal(consultant.fields.self_name, 'Konsultant Paweł');
    assert.deepEqual(consultant.fields.project, { id: 1, name: 'Projekt Paweł' });
    // msg.call: the dialogs of both parties of the call.
    assert.deepEqual(
      out[5].call.dialogs.map((d: Msg) => d.dialog_uuid).sort(),
      [CONSULTANT, CUSTOMER].sort(),
    );
    assert.equal(out[5].call.key, out[2].call.key);

    // The two closes: the customer hung up, the consultant's dialog was left.
    assert.equal(out[6].topic, 'dialog_close');
    assert.equal(out[6].dialog.dialog_uuid, CUSTOMER);
    assert.equal(out[6].closeCause, 'HANGUP');
    assert.equal(out[6].closedBy, 'customer');
    assert.equal(out[7].dialog.dialog_uuid, CONSULTANT);
    assert.equal(out[7].closeCause, 'DIALOG_LEFT');
    assert.equal(out[7].closedBy, 'customer');
    assert.equal(out[7].dialog.dialog_type, 'CONSULTANT');
    for (const i of [0, 1, 2, 3, 4, 5]) assert.equal(out[i].closedBy, undefined);
  });

  it('emits a repeated delivery once', async () => {
    await load();
    const out = collect('out');
    const raw = seed003Raw();
    const first = await post('/cc/dialogs', raw[0]);
    assert.deepEqual(first.body, { ok: true, duplicate: false });
    const again = await post('/cc/dialogs', raw[0]);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, { ok: true, duplicate: true });
    const next = await post('/cc/dialogs', raw[1]);
    assert.deepEqual(next.body, { ok: true, duplicate: false });
    await until('two messages', () => out.length === 2, WAIT_MS);
    await settle();
    assert.deepEqual(
      out.map((m) => m.payload.dialog_uuid),
      [CONSULTANT, CUSTOMER],
    );
  });

  it('answers 400 to bad JSON and emits nothing', async () => {
    await load();
    const out = collect('out');
    const res = await post('/cc/dialogs', '{"event_type": "user_dialog",');
    assert.equal(res.status, 400);
    assert.equal(res.body.ok, false);
    assert.match(res.body.message, /json/i);
    await settle();
    assert.equal(out.length, 0);
  });

  it('answers 422 to a body that is not a dialog event and emits nothing', async () => {
    await load();
    const out = collect('out');
    const bad = JSON.stringify({
      event_type: 'user_dialog',
      event_name: 'dialog_state_update',
      event_time: '2020-08-25 16:24:47',
      state: 'talking',
    });
    const res = await post('/cc/dialogs', bad);
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.ok, false);
    assert.match(res.body.message, /dialog_uuid/);
    const unknown = JSON.stringify({
      event_type: 'user_dialog',
      event_name: 'dialog_exploded',
      dialog_uuid: 'x',
    });
    const res2 = await post('/cc/dialogs', unknown);
    assert.equal(res2.status, 422, res2.text);
    await settle();
    assert.equal(out.length, 0);
  });

  it('requires the shared token when one is set', async () => {
    await load();
    const out = collect('outTok');
    const raw = seed003Raw();
    const none = await post('/cc/token', raw[0]);
    assert.equal(none.status, 401);
    assert.equal(none.body.ok, false);
    assert.match(none.body.message, /token/i);
    const wrong = await post('/cc/token', raw[0], { 'x-cc-token': 'guess' });
    assert.equal(wrong.status, 401);
    assert.ok(!JSON.stringify(wrong.body).includes('s3cret'), 'the secret is never echoed');
    await settle();
    assert.equal(out.length, 0);
    const ok = await post('/cc/token', raw[0], { 'x-cc-token': 's3cret' });
    assert.equal(ok.status, 200, ok.text);
    const bearer = await post('/cc/token', raw[1], { authorization: 'Bearer s3cret' });
    assert.equal(bearer.status, 200, bearer.text);
    await until('two messages', () => out.length === 2, WAIT_MS);
  });

  it('requires a valid HMAC-SHA256 signature of the raw body when a secret is set', async () => {
    await load();
    const out = collect('outMac');
    const raw = seed003Raw()[0];
    const sign = (body: string, key: string) =>
      'sha256=' + crypto.createHmac('sha256', key).update(body).digest('hex');
    const missing = await post('/cc/hmac', raw);
    assert.equal(missing.status, 401);
    const wrongKey = await post('/cc/hmac', raw, { 'x-cc-signature': sign(raw, 'other') });
    assert.equal(wrongKey.status, 401);
    assert.match(wrongKey.body.message, /signature/i);
    // The same JSON re-serialized is not the signed body.
    const reserialized = JSON.stringify(JSON.parse(raw));
    const wrongBody = await post('/cc/hmac', reserialized, { 'x-cc-signature': sign(raw, 'k3y') });
    assert.equal(wrongBody.status, 401);
    await settle();
    assert.equal(out.length, 0);
    const ok = await post('/cc/hmac', raw, { 'x-cc-signature': sign(raw, 'k3y') });
    assert.equal(ok.status, 200, ok.text);
    await until('one message', () => out.length === 1, WAIT_MS);
    assert.equal(out[0].topic, 'dialog_create');
  });

  it('keeps the raw body even when a JSON body parser runs first (Node-RED admin on "/")', async () => {
    // As in a real runtime with httpAdminRoot and httpNodeRoot both "/": a JSON parser on the
    // root app ahead of httpNode. The capture must sit above it or the HMAC cannot match.
    await load(true);
    const out = collect('outMac');
    const raw = seed003Raw()[1];
    const sig = 'sha256=' + crypto.createHmac('sha256', 'k3y').update(raw).digest('hex');
    const ok = await post('/cc/hmac', raw, { 'x-cc-signature': sig });
    assert.equal(ok.status, 200, ok.text);
    await until('one message', () => out.length === 1, WAIT_MS);
    assert.equal(out[0].payload.dialog_uuid, CUSTOMER);
  });

  it('says the signature cannot be checked when the body was parsed before the route', async () => {
    await load(false, true);
    const out = collect('outMac');
    const plain = collect('out');
    const withToken = collect('outTok');
    const raw = seed003Raw()[1];
    const sig = 'sha256=' + crypto.createHmac('sha256', 'k3y').update(raw).digest('hex');
    const res = await post('/cc/hmac', raw, { 'x-cc-signature': sig });
    assert.equal(res.status, 401, res.text);
    assert.match(res.body.message, /consumed before the webhook route/);
    // Without a secret the re-serialised body is still accepted, with or without a token.
    const ok = await post('/cc/dialogs', raw);
    assert.equal(ok.status, 200, ok.text);
    await until('the unsigned body', () => plain.length === 1, WAIT_MS);
    assert.equal(plain[0].payload.dialog_uuid, CUSTOMER);
    const tok = await post('/cc/token', raw, { authorization: 'Bearer s3cret' });
    assert.equal(tok.status, 200, tok.text);
    await until('the body with a token', () => withToken.length === 1, WAIT_MS);
    assert.deepEqual(withToken[0].payload, JSON.parse(raw));
    await settle();
    assert.equal(out.length, 0);
  });

  it('answers 413 to a body above the size limit and emits nothing', async () => {
    await load();
    const out = collect('outSmall');
    const raw = seed003Raw()[0]; // about 1.6 KiB, the limit is 1 KiB
    assert.ok(Buffer.byteLength(raw) > 1024);
    const res = await post('/cc/small', raw);
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.ok, false);
    assert.match(res.body.message, /1024|large|limit/i);
    const small = await post('/cc/small', seed003Raw()[2]);
    assert.equal(small.status, 200, small.text);
    await until('the small body', () => out.length === 1, WAIT_MS);
    assert.equal(out[0].topic, 'dialog_state_update');
  });

  it('filters by event name', async () => {
    await load();
    const out = collect('outCloses');
    for (const body of seed003Raw()) assert.equal((await post('/cc/closes', body)).status, 200);
    await until('two closes', () => out.length === 2, WAIT_MS);
    await settle();
    assert.deepEqual(
      out.map((m) => [m.topic, m.closedBy]),
      [
        ['dialog_close', 'customer'],
        ['dialog_close', 'customer'],
      ],
    );
  });

  it('removes its route when the node is closed', async () => {
    await load();
    const raw = seed003Raw()[0];
    assert.equal((await post('/cc/dialogs', raw)).status, 200);
    const routes = () =>
      ((httpNode as any)._router.stack as { route?: { path: string } }[])
        .filter((l) => l.route)
        .map((l) => l.route!.path);
    assert.ok(routes().includes('/cc/dialogs'));
    await helper.unload();
    assert.deepEqual(routes(), [], 'no route left');
    const res = await post('/cc/dialogs', raw);
    assert.equal(res.status, 404);
  });
});

describe('event nodes through the gateway (embedded simulator)', function () {
  this.timeout(20000);

  const gateway = { id: 'gw', type: 'cc-gateway', mode: 'simulator', simSpeed: 20, heartbeat: 0 };
  const dialog = (id: string, extra: Msg) => ({
    id,
    type: 'cc-dialog-events',
    source: 'gateway',
    gateway: 'gw',
    wires: [[`${id}-out`]],
    ...extra,
  });
  const ccs = (id: string, type: string, extra: Msg) => ({
    id,
    type,
    gateway: 'gw',
    wires: [[`${id}-out`]],
    ...extra,
  });
  const nodes = [
    dialog('dAll', {}),
    dialog('dClose', { events: ['dialog_close'] }),
    dialog('dExternal', { dialogTypes: ['EXTERNAL'] }),
    dialog('dTalking', { states: ['talking'] }),
    dialog('dInbound', { directions: ['INBOUND'] }),
    dialog('dOutbound', { directions: 'OUTBOUND' }),
    dialog('dProject', { projects: 'Demo project' }),
    dialog('dOtherProject', { projects: 'Somebody else, 999' }),
    ccs('cAll', 'cc-ccs-events', {}),
    ccs('cConn', 'cc-ccs-events', { events: ['connection_create', 'connection_link_call'] }),
    ccs('cDomain', 'cc-ccs-events', { domains: 'demo.cc.local' }),
    ccs('cOtherDomain', 'cc-ccs-events', { domains: 'elsewhere.local' }),
    ccs('sAll', 'cc-seance-events', {}),
    ccs('sNext', 'cc-seance-events', { events: 'seance_set_next_number' }),
  ];
  const flow = [gateway, ...nodes, ...nodes.map((n) => ({ id: `${n.id}-out`, type: 'helper' }))];

  afterEach(async () => {
    await helper.unload();
  });

  it('emits each family with snapshots, and every filter lets through exactly its events', async () => {
    await helper.load([gatewayModule, dialogModule, ccsModule, seanceModule], flow, {
      gw: { username: 'demo', password: 'demo' },
    });
    const got: Record<string, Msg[]> = {};
    for (const n of nodes) got[n.id] = collect(`${n.id}-out`);
    const gw = helper.getNode('gw') as GatewayConfigNode;
    const client = gw.client!;
    await client.whenConnected();
    // The nodes subscribe when they start; wait until the hub has both families on the wire.
    await until('subscriptions answered', () => client.stats().framesIn >= 3, WAIT_MS);

    const call = await client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(call.outcome, 'bridged', JSON.stringify(call.reason));
    const consult = await client.startOperation('1001', 'startAtxfer', {
      targetType: 1,
      target: '1002',
    }).done;
    assert.equal(consult.outcome, 'linked', JSON.stringify(consult.reason));
    const complete = await client.startOperation('1001', 'completeAtxfer', {}).done;
    assert.equal(complete.outcome, 'transferred', JSON.stringify(complete.reason));
    const sim = (gw as unknown as { embeddedSimulator: { customerHangup(a: string): boolean } })
      .embeddedSimulator;
    assert.ok(sim.customerHangup('1002'), 'customer hangs up on the agent it was handed to');
    await until('seance_delete', () => got.sAll.some((m) => m.topic === 'seance_delete'), WAIT_MS);
    await until(
      'three dialog closes',
      () => got.dAll.filter((m) => m.topic === 'dialog_close').length >= 3,
      WAIT_MS,
    );
    await settle(100);

    // --- dialog family ---
    const all = got.dAll;
    const topics = new Set(all.map((m) => m.topic));
    for (const t of ['dialog_create', 'dialog_state_update', 'dialog_close'])
      assert.ok(topics.has(t), t);
    for (const m of all) {
      assert.equal(m.source, 'gateway');
      assert.equal(m.payload.event_type, 'user_dialog');
      assert.equal(m.topic, m.payload.event_name);
      assert.equal(m.dialog.dialog_uuid, m.payload.dialog_uuid);
      assert.ok(m.call.dialogs.some((d: Msg) => d.dialog_uuid === m.payload.dialog_uuid));
    }
    // A state update knows the create's fields.
    const update = all.find((m) => m.topic === 'dialog_state_update')!;
    assert.equal(update.payload.dialog_type, undefined, 'the body has no dialog_type');
    assert.ok(update.dialog.dialog_type, 'the snapshot has it');
    assert.ok(Object.keys(update.dialog.fields).length > 3);
    // Closes: the customer hung up; the agents' dialogs were left.
    const closes = all.filter((m) => m.topic === 'dialog_close');
    const customerClose = closes.find(
      (m) => m.dialog.dialog_type === 'EXTERNAL' && m.closeCause === 'HANGUP',
    );
    assert.ok(customerClose, 'the customer dialog closed with HANGUP');
    assert.equal(customerClose.closedBy, 'customer');
    // Agent 1001 left when completing the transfer (its own HANGUP); the rest of the call was
    // ended by the customer, including the DIALOG_LEFT of the agent it was handed to.
    assert.deepEqual(
      closes.map((m) => [m.dialog.dialog_type, m.closeCause, m.closedBy]),
      [
        ['CONSULTANT', 'HANGUP', 'agent'],
        ['EXTERNAL', 'HANGUP', 'customer'],
        ['CONSULTANT', 'DIALOG_LEFT', 'customer'],
      ],
    );
    assert.equal(closes[0].payload.tenant_user.username, 'agent1001');
    // The call view ties every party; agent 1001's handover did not end the call, the
    // customer's HANGUP did.
    assert.equal(closes[0].call.ended_by, undefined, 'the call went on after the handover');
    assert.equal(closes[1].call.ended_by.side, 'customer');
    assert.equal(closes[1].call.ended_by.dialog_uuid, customerClose.dialog.dialog_uuid);
    const last = closes[closes.length - 1];
    assert.ok(last.call.dialogs.length >= 3, 'agent, customer and consulted agent');
    assert.equal(last.call.ended_by.side, 'customer');
    assert.equal(last.call.ended_by.close_cause, 'HANGUP');
    assert.equal(last.call.agent, '1001', 'the agent who placed the call');

    assert.deepEqual(
      got.dClose.map((m) => m.payload),
      closes.map((m) => m.payload),
    );
    assert.deepEqual(
      got.dExternal.map((m) => m.payload),
      all.filter((m) => m.dialog.dialog_type === 'EXTERNAL').map((m) => m.payload),
    );
    assert.ok(got.dExternal.length > 0 && got.dExternal.length < all.length);
    assert.deepEqual(
      got.dTalking.map((m) => m.payload),
      all.filter((m) => (m.payload.state ?? m.dialog.state) === 'talking').map((m) => m.payload),
    );
    assert.ok(got.dTalking.length > 0 && got.dTalking.length < all.length);
    assert.equal(got.dInbound.length, 0, 'a preview call is business-outbound');
    assert.equal(got.dOutbound.length, all.length);
    assert.equal(got.dProject.length, all.length);
    assert.equal(got.dOtherProject.length, 0);

    // --- ccs family ---
    const cAll = got.cAll;
    assert.ok(cAll.length > 0);
    for (const m of cAll) {
      assert.match(m.topic, /^(call|connection)_/);
      assert.equal(m.payload.domain, 'demo.cc.local');
      if (m.topic.startsWith('call_')) assert.equal(m.call.call_id, m.payload.call_id);
      if (m.topic.startsWith('connection_') && m.payload.connection_id) {
        assert.equal(m.connection.connection_id, m.payload.connection_id);
      }
    }
    const setState = cAll.find((m) => m.topic === 'call_set_state')!;
    assert.ok(setState.call.states.length >= 1, 'state history');
    const link = cAll.find((m) => m.topic === 'connection_link_call')!;
    assert.ok(link.connection.call_ids.includes(link.payload.call_id), 'linked legs');
    assert.deepEqual(
      got.cConn.map((m) => m.topic),
      cAll
        .map((m) => m.topic)
        .filter((t) => t === 'connection_create' || t === 'connection_link_call'),
    );
    assert.ok(got.cConn.length > 0);
    assert.equal(got.cDomain.length, cAll.length);
    assert.equal(got.cOtherDomain.length, 0);

    // --- seances ---
    const sAll = got.sAll;
    assert.ok(sAll.every((m) => m.topic.startsWith('seance_')));
    assert.equal(sAll[0].topic, 'seance_create');
    assert.deepEqual(
      got.sNext.map((m) => m.topic),
      ['seance_set_next_number'],
    );
    const next = got.sNext[0];
    assert.equal(
      next.payload.number,
      next.seance.transferChain[next.seance.transferChain.length - 1],
    );
    const final = sAll[sAll.length - 1].seance;
    assert.equal(final.seance_id, sAll[0].payload.seance_id);
    assert.ok(final.call_ids.length >= 3, 'agent, customer and consulted legs');
    assert.equal(final.calls.length > 0, true);
    assert.ok(final.transferChain.includes(next.payload.number));
  });

  it("links a preview call's dialog, ccs and operation events; a flow mutating msg.dialog / msg.call corrupts nothing", async () => {
    const linkNodes = [
      dialog('dA', {}),
      dialog('dB', {}),
      ccs('cA', 'cc-ccs-events', {}),
      ccs('sA', 'cc-seance-events', {}),
    ];
    await helper.load(
      [gatewayModule, dialogModule, ccsModule, seanceModule],
      [gateway, ...linkNodes, ...linkNodes.map((n) => ({ id: `${n.id}-out`, type: 'helper' }))],
      { gw: { username: 'demo', password: 'demo' } },
    );
    // dA's downstream flow mutates every message it gets, after keeping a copy of it.
    const before: Msg[] = [];
    const dA: Msg[] = [];
    helper.getNode('dA-out').on('input', (msg: Msg) => {
      dA.push(msg);
      before.push(
        JSON.parse(JSON.stringify({ dialog: msg.dialog, call: msg.call, payload: msg.payload })),
      );
      msg.payload.mutated = true;
      msg.dialog.fields.self_name = 'mutated';
      msg.dialog.states.push({ state: 'bogus', event_time: 'x' });
      msg.dialog.seance_id = 'mutated';
      msg.call.dialogs.length = 0;
      msg.call.agent = 'mutated';
    });
    const dB = collect('dB-out');
    const cA = collect('cA-out');
    const sA = collect('sA-out');
    const gw = helper.getNode('gw') as GatewayConfigNode;
    const client = gw.client!;
    await client.whenConnected();
    await until('subscriptions answered', () => client.stats().framesIn >= 3, WAIT_MS);

    const op = await client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(op.outcome, 'bridged', JSON.stringify(op.reason));
    const sim = (gw as unknown as { embeddedSimulator: { customerHangup(a: string): boolean } })
      .embeddedSimulator;
    assert.ok(sim.customerHangup('1001'));
    await until('seance_delete', () => sA.some((m) => m.topic === 'seance_delete'), WAIT_MS);
    await until(
      'two closes',
      () => dB.filter((m) => m.topic === 'dialog_close').length >= 2,
      WAIT_MS,
    );
    await settle(100);

    // Operation events: the seance of the call.
    const seanceId = op.ids.seance_id;
    assert.ok(seanceId, JSON.stringify(op.ids));
    // ccs and seance views: the same seance.
    assert.ok(cA.some((m) => m.call?.seance_id === seanceId));
    const final = sA[sA.length - 1].seance;
    assert.equal(final.seance_id, seanceId);
    assert.equal(final.agent, '1001');
    // Dialog view: once the operation's first event is in, every dialog event names the seance
    // and the agent, and the seance lists every dialog.
    const linked = dB.filter((m) => m.dialog.seance_id === seanceId);
    assert.ok(linked.length >= dB.length - 2, `${linked.length} of ${dB.length} linked`);
    assert.ok(linked.some((m) => m.topic === 'dialog_close'));
    for (const m of linked) {
      assert.equal(m.call.seance_id, seanceId);
      assert.equal(m.call.agent, '1001');
      assert.ok(m.call.ccs_call_ids.every((id: string) => final.call_ids.includes(id)));
    }
    const agentDialog = dB.find((m) => m.dialog.dialog_type === 'CONSULTANT' && m.dialog.agent);
    assert.equal(agentDialog?.dialog.agent, '1001');
    assert.equal(agentDialog?.dialog.dialog_uuid, op.ids.dialog_uuid);
    const uuids = new Set(dB.map((m) => m.dialog.dialog_uuid));
    assert.deepEqual([...uuids].sort(), [...final.dialog_uuids].sort());

    // The mutated messages of dA: dB got the same events untouched, and each of dA's later
    // messages was intact when it arrived.
    assert.equal(dA.length, dB.length);
    assert.deepEqual(
      dB.map((m) => ({ dialog: m.dialog, call: m.call, payload: m.payload })),
      before,
    );
    // Each node's msg.payload is its own object (the first node gets the event's, others a copy).
    for (let i = 0; i < dA.length; i++) assert.notEqual(dA[i].payload, dB[i].payload);
    for (const m of before) {
      assert.notEqual(m.dialog.fields.self_name, 'mutated');
      assert.ok(!m.dialog.states.some((x: Msg) => x.state === 'bogus'));
      assert.ok(m.call.dialogs.length >= 1);
      assert.notEqual(m.call.agent, 'mutated');
    }
    const closes = dB.filter((m) => m.topic === 'dialog_close');
    assert.equal(closes[closes.length - 1].call.ended_by.side, 'customer');
    assert.notEqual(closes[0].dialog.seance_id, 'mutated');
  });

  it('shows the connection and the event rate in the node status', async () => {
    await helper.load(
      [gatewayModule, dialogModule],
      [gateway, dialog('dAll', {}), { id: 'dAll-out', type: 'helper' }],
      {
        gw: { username: 'demo', password: 'demo' },
      },
    );
    const node = helper.getNode('dAll');
    const statuses: Msg[] = [];
    node.on('call:status', (call: { args: Msg[] }) => statuses.push(call.args[0]));
    const gw = helper.getNode('gw') as GatewayConfigNode;
    await gw.client!.whenConnected();
    const done = await gw.client!.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(done.outcome, 'bridged');
    await until(
      'a status with the event rate',
      () => statuses.some((s) => /status\.events/.test(String(s.text))),
      4000,
    );
    assert.ok(
      statuses.some((s) => s.fill === 'green'),
      'connected shown',
    );
  });

  it('reports a missing gateway in the status instead of crashing', async () => {
    await helper.load(
      [gatewayModule, ccsModule],
      [{ id: 'c', type: 'cc-ccs-events', gateway: '', wires: [[]] }],
    );
    const node = helper.getNode('c');
    await until('an error', () => node.error.called, WAIT_MS);
    assert.match(String(node.error.firstCall.args[0]), /no-gateway/);
  });
});

describe('event-node glue (status, failures)', function () {
  /** A stand-in for RED and a node: RED._ shows the key and its substitutions. */
  function fakes() {
    const statuses: Msg[] = [];
    const errors: { err: unknown; msg?: Msg }[] = [];
    const sent: Msg[] = [];
    const closers: ((removed: boolean, done: () => void) => void)[] = [];
    const node = {
      status: (s: Msg) => statuses.push(s),
      error: (err: unknown, msg?: Msg) => errors.push({ err, msg }),
      send: (m: Msg) => sent.push(m),
      on: (_: string, fn: (removed: boolean, done: () => void) => void) => closers.push(fn),
    };
    let listener: TrackedListener | undefined;
    const gateway = {
      hub: () => ({
        tracker: {},
        onEvent: (_family: string, l: TrackedListener) => {
          listener = l;
          return () => (listener = undefined);
        },
      }),
      register: () => undefined,
      deregister: async () => undefined,
      connectionStatus: { state: 'connected', attempt: 0 },
    };
    const RED = {
      _: (key: string, subs?: Record<string, string>) =>
        subs ? `${key} ${JSON.stringify(subs)}` : key,
      nodes: { getNode: () => gateway },
    };
    const close = () => Promise.all(closers.map((fn) => new Promise<void>((r) => fn(false, r))));
    return { RED, node, statuses, errors, sent, close, emit: (e: TrackedEvent) => listener!(e) };
  }

  it('counts a burst of events without a status per event: at most one refresh a second', async () => {
    const f = fakes();
    const status = new EventStatus(f.RED as any, f.node as any, 'cc-ccs-events', 'connected');
    try {
      const start = f.statuses.length;
      for (let i = 0; i < 10000; i++) status.event('call_update');
      assert.equal(f.statuses.length, start, 'no status per event');
      await settle(STATUS_INTERVAL_MS + 150);
      assert.equal(f.statuses.length, start + 1, 'one refresh after the interval');
      const text = String(f.statuses[f.statuses.length - 1].text);
      assert.match(text, /^cc-ccs-events\.status\.events /);
      assert.match(text, /"name":"call_update"/);
    } finally {
      status.close();
    }
  });

  it('shows a connection error through an i18n key', () => {
    const f = fakes();
    const status = new EventStatus(f.RED as any, f.node as any, 'cc-seance-events', 'idle');
    try {
      status.setConnection({ state: 'reconnecting', attempt: 2, error: 'ECONNREFUSED' });
      const text = String(f.statuses[f.statuses.length - 1].text);
      assert.match(text, /^cc-seance-events\.status\.withError /);
      assert.match(text, /"error":"ECONNREFUSED"/);
    } finally {
      status.close();
    }
  });

  it('raises a failure to build a message on the node, with the event, for a Catch node', async () => {
    const f = fakes();
    const ok = startGatewaySource(f.RED as any, f.node as any, 'gw', {
      type: 'cc-ccs-events',
      family: 'ccs',
      accept: () => true,
      build: (event) => {
        if (event.name === 'call_bad') throw new Error('snapshot exploded');
        return { topic: event.name, payload: event.data };
      },
    });
    assert.ok(ok);
    const event = (name: string): TrackedEvent => ({
      family: 'ccs',
      name,
      data: { call_id: 'c1' },
      source: 'gateway',
    });
    assert.doesNotThrow(() => f.emit(event('call_bad')));
    f.emit(event('call_create'));
    assert.equal(f.errors.length, 1);
    assert.match(String((f.errors[0].err as Error).message), /call_bad: snapshot exploded/);
    assert.equal(f.errors[0].msg?.topic, 'call_bad');
    assert.deepEqual(f.errors[0].msg?.payload, { call_id: 'c1' });
    assert.deepEqual(
      f.sent.map((m) => m.topic),
      ['call_create'],
    );
    await f.close();
  });
});
