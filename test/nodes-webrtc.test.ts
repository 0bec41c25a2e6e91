/**
 * The WebRTC family's nodes in node-red-node-test-helper, against the embedded simulator (and a
 * separately started simulator playing the vendor) over real sockets: outcomes on their
 * outputs, the input message carried through, bad input, the vendor mode's settings, and the
 * callback routes' ingress rules (token, content type, duplicates).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { WebrtcSimulator } from '../src/simulator/webrtc';
import { until } from './support/wait';

/* eslint-disable @typescript-eslint/no-require-imports */
const helper = require('node-red-node-test-helper');
const MODULES = [
  'cc-webrtc-account',
  'cc-webrtc-session',
  'cc-webrtc-participant',
  'cc-webrtc-call',
  'cc-webrtc-call-control',
  'cc-webrtc-events',
].map((t) => require(`../nodes/${t}`));
const catchModule = require('@node-red/nodes/core/common/25-catch.js');
/* eslint-enable @typescript-eslint/no-require-imports */
helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;
const WAIT_MS = 10_000;

describe('WebRTC nodes', function () {
  this.timeout(20000);
  let httpNode: http.RequestListener | undefined;
  let server: http.Server;
  let base: string;
  const recordHttpNode = (RED: { httpNode: http.RequestListener }): void => {
    httpNode = RED.httpNode;
  };

  before(async () => {
    server = http.createServer((req, res) => {
      if (httpNode) httpNode(req, res);
      else res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
  });
  afterEach(async () => {
    await helper.unload();
    httpNode = undefined;
  });

  const account = (extra: Msg = {}): Msg => ({
    id: 'acc',
    type: 'cc-webrtc-account',
    mode: 'simulator',
    speed: 50,
    callbackBaseUrl: base,
    callbackPath: '/cb',
    ...extra,
  });
  const opNode = (id: string, type: string, operation: string, extra: Msg = {}): Msg => ({
    id,
    type,
    z: 't',
    account: 'acc',
    operation,
    params: {},
    wires: [['out'], ['out'], ['out'], ['out']].slice(0, type === 'cc-webrtc-call' ? 4 : 3),
    ...extra,
  });
  const collect = (id: string): Msg[] => {
    const got: Msg[] = [];
    helper.getNode(id).on('input', (m: Msg) => got.push(m));
    return got;
  };
  async function load(flow: Msg[], credentials: Msg = {}): Promise<void> {
    await helper.load(
      [recordHttpNode, ...MODULES, catchModule],
      [{ id: 't', type: 'tab' }, ...flow],
      credentials,
    );
  }

  it('chains session and participant nodes through msg.webrtc, keeping the input message', async () => {
    await load([
      account(),
      opNode('s', 'cc-webrtc-session', 'createSession', { wires: [['p'], ['out'], ['out']] }),
      opNode('p', 'cc-webrtc-participant', 'createParticipant', {
        params: { tag: { type: 'str', value: 'agent 7' } },
        wires: [['a'], ['out'], ['out']],
      }),
      opNode('a', 'cc-webrtc-participant', 'addParticipantToSession', {
        wires: [['done'], ['out'], ['out']],
      }),
      { id: 'done', type: 'helper', z: 't' },
      { id: 'out', type: 'helper', z: 't' },
    ]);
    const done = collect('done');
    const other = collect('out');
    helper.getNode('s').receive({ payload: { tag: 'room' }, crm: { lead: 42 } });
    const msg = await until('the participant added', () => done[0] ?? other[0], WAIT_MS);
    assert.equal(msg.webrtc.operation, 'addParticipantToSession', JSON.stringify(msg.webrtc));
    assert.equal(msg.webrtc.outcome, 'done');
    assert.deepEqual(msg.crm, { lead: 42 });
    assert.equal(typeof msg.webrtc.sessionId, 'string');
    assert.equal(typeof msg.webrtc.participantId, 'string');
    assert.match(msg.webrtc.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(msg.webrtc.pageUrl, /\/webrtc\/participant#token=/);
    assert.deepEqual(msg.payload.subscriptions, { sessionId: msg.webrtc.sessionId });
    const sim = helper.getNode('acc').embeddedSimulator as WebrtcSimulator;
    const p = sim.model.getParticipant(msg.webrtc.participantId);
    assert.equal(p.tag, 'agent 7');
    assert.equal(p.callbackUrl, `${base}/cb/participant`);
  });

  it('a missing parameter ends failed (badParams, the field named) with an error a Catch node sees; nothing is sent', async () => {
    await load([
      account(),
      opNode('r', 'cc-webrtc-participant', 'removeParticipantFromSession', {
        wires: [['out'], ['out'], ['failed']],
      }),
      { id: 'c', type: 'catch', z: 't', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'failed', type: 'helper', z: 't' },
      { id: 'out', type: 'helper', z: 't' },
      { id: 'caught', type: 'helper', z: 't' },
    ]);
    const failed = collect('failed');
    const caught = collect('caught');
    await helper.getNode('acc').ready();
    const sim = helper.getNode('acc').embeddedSimulator as WebrtcSimulator;
    const before = sim.requests;
    helper.getNode('r').receive({ payload: { sessionId: 's-1' } });
    const msg = await until('failed', () => failed[0], WAIT_MS);
    assert.equal(msg.webrtc.reason, 'badParams');
    assert.equal(msg.webrtc.field, 'participantId');
    await until('the Catch node', () => caught[0], WAIT_MS);
    assert.match(caught[0].error.message, /participantId is required/);
    assert.equal(sim.requests, before);
  });

  it('an unknown session ends notFound', async () => {
    await load([
      account(),
      opNode('g', 'cc-webrtc-session', 'getSession', { wires: [['out'], ['nf'], ['out']] }),
      { id: 'nf', type: 'helper', z: 't' },
      { id: 'out', type: 'helper', z: 't' },
    ]);
    const nf = collect('nf');
    helper.getNode('g').receive({ payload: { sessionId: 'no-such-session' } });
    const msg = await until('notFound', () => nf[0], WAIT_MS);
    assert.equal(msg.webrtc.status, 404);
  });

  it('a call that outlasts the node timeout ends failed (timeout)', async () => {
    await load([
      account({ speed: 1 }),
      opNode('c', 'cc-webrtc-call', 'createCall', {
        timeout: '0.3',
        wires: [['out'], ['out'], ['out'], ['failed']],
      }),
      { id: 'failed', type: 'helper', z: 't' },
      { id: 'out', type: 'helper', z: 't' },
    ]);
    const failed = collect('failed');
    helper.getNode('c').receive({ payload: { to: '+15551230009', from: '+15550000000' } });
    const msg = await until('timeout', () => failed[0], WAIT_MS);
    assert.equal(msg.webrtc.reason, 'timeout');
  });

  it('a redeploy ends a pending call operation without a message and stops the embedded simulator', async () => {
    await load([
      account({ speed: 1 }),
      opNode('c', 'cc-webrtc-call', 'createCall', { wires: [['out'], ['out'], ['out'], ['out']] }),
      { id: 'out', type: 'helper', z: 't' },
    ]);
    const out = collect('out');
    const acc = helper.getNode('acc');
    await acc.ready();
    const sim = acc.embeddedSimulator as WebrtcSimulator;
    helper.getNode('c').receive({ payload: { to: '+15551230009', from: '+15550000000' } });
    await until('the call ringing', () => sim.voice.active === 1, WAIT_MS);
    const started = Date.now();
    await helper.unload();
    assert.ok(Date.now() - started < 5000, 'the close did not wait for the 30 s ring');
    assert.equal(out.length, 0);
    assert.equal(sim.started, undefined, 'the simulator stopped listening');
    assert.equal(sim.clock.pending, 0, 'no simulator timer left');
  });

  it('vendor mode: the REST API at the configured base URLs with the credentials', async () => {
    const vendor = new WebrtcSimulator({
      username: 'api-user',
      password: 'api-secret',
      accountId: '5551234',
    });
    const urls = await vendor.start();
    try {
      await load(
        [
          account({
            mode: 'vendor',
            accountId: '5551234',
            applicationId: 'app-1',
            webrtcBaseUrl: urls.webrtcBaseUrl,
            voiceBaseUrl: urls.voiceBaseUrl,
          }),
          opNode('s', 'cc-webrtc-session', 'createSession', {
            wires: [['done'], ['done'], ['done']],
          }),
          { id: 'done', type: 'helper', z: 't' },
        ],
        { acc: { username: 'api-user', password: 'api-secret' } },
      );
      const done = collect('done');
      helper.getNode('s').receive({ payload: { tag: 'live' } });
      const msg = await until('created', () => done[0], WAIT_MS);
      assert.equal(msg.webrtc.outcome, 'done', JSON.stringify(msg.webrtc));
      assert.equal(vendor.model.sessions.size, 1);
      assert.equal(msg.webrtc.pageUrl, undefined);
    } finally {
      await vendor.dispose();
    }
  });

  it('vendor mode without an account id: every operation ends failed (config), nothing is sent', async () => {
    await load([
      account({
        mode: 'vendor',
        webrtcBaseUrl: 'http://127.0.0.1:1/v1',
        voiceBaseUrl: 'http://127.0.0.1:1/v2',
      }),
      opNode('s', 'cc-webrtc-session', 'createSession', { wires: [['out'], ['out'], ['failed']] }),
      { id: 'failed', type: 'helper', z: 't' },
      { id: 'out', type: 'helper', z: 't' },
    ]);
    const failed = collect('failed');
    helper.getNode('s').receive({ payload: {} });
    const msg = await until('failed', () => failed[0], WAIT_MS);
    assert.match(msg.webrtc.message, /account id is required/);
  });

  it('an operation node without an account ends failed (config)', async () => {
    await load([
      {
        ...opNode('s', 'cc-webrtc-session', 'createSession'),
        account: '',
        wires: [['out'], ['out'], ['failed']],
      },
      { id: 'failed', type: 'helper', z: 't' },
      { id: 'out', type: 'helper', z: 't' },
    ]);
    const failed = collect('failed');
    helper.getNode('s').receive({ payload: {} });
    const msg = await until('failed', () => failed[0], WAIT_MS);
    assert.equal(msg.webrtc.reason, 'config');
  });

  it('callback routes: a wrong token, a wrong content type and a repeated delivery are refused or dropped', async () => {
    await load(
      [
        account(),
        {
          id: 'ev',
          type: 'cc-webrtc-events',
          z: 't',
          account: 'acc',
          events: 'onConnect',
          wires: [['got']],
        },
        { id: 'got', type: 'helper', z: 't' },
      ],
      { acc: { callbackToken: 'cb-token' } },
    );
    const got = collect('got');
    const body = JSON.stringify({
      event: 'onConnect',
      timestamp: '2026-12-01T06:00:00Z',
      participantId: 'p-1',
      deviceId: 'd-1',
      tag: 'x',
    });
    await request(base)
      .post('/cb/participant')
      .set('content-type', 'application/json')
      .send(body)
      .expect(401);
    await request(base)
      .post('/cb/participant?token=wrong')
      .set('content-type', 'application/json')
      .send(body)
      .expect(401);
    await request(base)
      .post('/cb/participant?token=cb-token')
      .set('content-type', 'text/plain')
      .send(body)
      .expect(415);
    await request(base)
      .post('/cb/participant')
      .set('authorization', 'Bearer cb-token')
      .set('content-type', 'application/json')
      .send('{"event":"onSomething","participantId":"p"}')
      .expect(422);
    for (let i = 0; i < 2; i++) {
      await request(base)
        .post('/cb/participant?token=cb-token')
        .set('content-type', 'application/json')
        .send(body)
        .expect(200);
    }
    // Voice callbacks: Basic auth with the token as password; answered with BXML.
    const answer = await request(base)
      .post('/cb/voice')
      .auth('cc-webrtc', 'cb-token')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ eventType: 'answer', callId: 'c-1' }))
      .expect(200);
    assert.match(answer.text, /<Response><Pause duration="\d+"\/><\/Response>/);
    await until('the event', () => got[0], WAIT_MS);
    assert.equal(got.length, 1, 'the repeated delivery was dropped');
    assert.equal(got[0].topic, 'onConnect');
    assert.deepEqual(got[0].webrtc.participantId, 'p-1');
    const stats = helper.getNode('acc').ingressStats;
    assert.equal(stats.duplicates, 1);
    assert.equal(stats.rejected.token_missing, 1);
    assert.equal(stats.rejected.token_invalid, 1);
  });
});
