/**
 * Era / Incoplax callevents: a node (or a client) that asks for them subscribes
 * `callevents.*` through `subscribe`, and gets each callevent once as a `call`-family event
 * under the platform's own name (never forced into the 19 ccs names); the simulator's Era face
 * writes them from the model's call legs. On a platform without callevents the asking node says
 * so in its status and an error; a ccflow server refuses the class.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import WebSocket from 'ws';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent } from '../src/client/api';
import { EraDriver } from '../src/platforms/era/driver';
import { CALL_EVENTS_FROM_CCS, NOTIFICATION } from '../src/platforms/era/mapping';
import { platformFamilies } from '../src/platforms';
import { CCS_EVENTS } from '../src/protocol/catalogue';
import { validateEventData } from '../src/protocol/validate';
import { Simulator } from '../src/simulator/simulator';
import { until } from './support/wait';

/* eslint-disable @typescript-eslint/no-require-imports */
const helper = require('node-red-node-test-helper');
const gatewayModule = require('../nodes/cc-gateway');
const ccsModule = require('../nodes/cc-ccs-events');
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;
const TOKEN = 'tok-calls-1';
const CALL_NAMES = Object.values(CALL_EVENTS_FROM_CCS);

describe('Era / Incoplax callevents', function () {
  this.timeout(20000);
  let sim: Simulator;
  let clients: GatewayClient[] = [];

  beforeEach(async () => {
    sim = new Simulator({ speed: 50, seed: 5, validateEvents: true, eraTokens: [TOKEN] });
    await sim.start();
  });

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await sim.dispose();
  });

  function client(opts: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {}) {
    const c = new GatewayClient({
      url: sim.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      heartbeatMs: 0,
      ...opts,
    });
    clients.push(c);
    c.start();
    return c;
  }

  it('a plain client subscribing callevents.* gets a callevent per change of each call leg', async () => {
    const ws = new WebSocket(`${sim.url}/ws/token/v1/${TOKEN}`);
    const frames: [string, Record<string, any>][] = [];
    ws.on('message', (raw) => frames.push(JSON.parse(raw.toString())));
    await new Promise((r) => ws.once('open', r));
    const qid = crypto.randomUUID();
    ws.send(
      JSON.stringify([
        'subscribe',
        { qid, objects: 'any', events: ['callevents.*'], expires: 60, id: 'calls', exargs: {} },
      ]),
    );
    await until('subscribed', () => frames.some((f) => f[1].qid === qid));
    assert.equal(frames[0][0], 'subscribe_result');
    sim.inboundCall('48500100201', '1001');
    await until('answered', () => frames.length > 6);
    sim.customerHangup('1001');
    const notes = () => frames.filter((f) => f[0] === NOTIFICATION.methods[0]);
    await until(
      'legs ended',
      () => notes().filter((n) => n[1][NOTIFICATION.eventKeys[0]] === 'call_end').length >= 2,
    );
    ws.close();
    for (const n of notes()) {
      assert.equal(n[1][NOTIFICATION.classKeys[0]], 'callevents');
      assert.ok(CALL_NAMES.includes(n[1][NOTIFICATION.eventKeys[0]]));
      assert.equal(typeof n[1][NOTIFICATION.dataKeys[0]].call_id, 'string');
    }
  });

  it('the Era driver delivers callevents once as the call family, under their own names', async () => {
    const c = client({ driver: new EraDriver({ auth: 'token', token: TOKEN }) });
    const calls: GatewayEvent[] = [];
    const ccs: GatewayEvent[] = [];
    c.on('call', '*', (e) => calls.push(e));
    c.on('ccs', '*', (e) => ccs.push(e));
    c.subscribe({ id: 'a', events: ['callevents.*'] });
    c.subscribe({ id: 'b', events: ['callevents.*'] });
    await c.whenConnected();
    await until('subscribed', () => c.stats().framesIn >= 2);
    sim.inboundCall('48500100201', '1002');
    await until('answered', () => calls.some((e) => e.data.state === 'talking'));
    sim.customerHangup('1002');
    await until('ended', () => calls.filter((e) => e.name === 'call_end').length === 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ccs.length, 0, 'no ccs event was asked for');
    assert.ok(calls.every((e) => e.family === 'call' && CALL_NAMES.includes(e.name)));
    assert.ok(
      calls.every((e) => !CCS_EVENTS.includes(e.name)),
      'not forced into the ccs names',
    );
    const keys = calls.map((e) => `${e.name}|${JSON.stringify(e.data)}`);
    assert.equal(new Set(keys).size, keys.length, 'each callevent once (two subscriptions)');
    assert.equal(c.stats().invalidEvents, 0);
    assert.deepEqual(platformFamilies('era'), ['ccs', 'call']);
  });

  it('validates callevents by an open name pattern and an object', () => {
    assert.equal(validateEventData('call', 'call_start', { call_id: 'c1' }).ok, true);
    assert.equal(validateEventData('call', 'anything_the_platform_sends', {}).ok, true);
    assert.equal(validateEventData('call', 'bad name!', {}).ok, false);
    assert.equal(validateEventData('call', 'call_start', { call_id: 5 }).ok, false);
  });

  it('a ccflow server refuses the callevents class with a clear message', async () => {
    const c = client();
    const problems: string[] = [];
    c.onProblem((p) => problems.push(`${p.code} ${p.message}`));
    c.subscribe({ events: ['callevents.*'] });
    await c.whenConnected();
    await until('refused', () => problems.some((p) => p.startsWith('SUBSCRIBE_REFUSED')));
    assert.match(problems.join('\n'), /callevents are an Era \/ Incoplax event class/);
  });
});

describe('cc-ccs-events with callevents', function () {
  this.timeout(30000);

  afterEach(async () => {
    await helper.unload();
  });

  const flow = (platform: string | undefined) => [
    {
      id: 'gw',
      type: 'cc-gateway',
      mode: 'simulator',
      ...(platform ? { platform, eraAuth: 'token' } : {}),
      simSpeed: 20,
      heartbeat: 0,
    },
    {
      id: 'ccs',
      type: 'cc-ccs-events',
      z: 'tab1',
      gateway: 'gw',
      callEvents: true,
      wires: [['out']],
    },
    { id: 'catcher', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'out', type: 'helper', z: 'tab1' },
    { id: 'caught', type: 'helper', z: 'tab1' },
  ];

  function collect(id: string): Msg[] {
    const got: Msg[] = [];
    helper.getNode(id).on('input', (msg: Msg) => got.push(msg));
    return got;
  }

  it('on an Era gateway: ccsevents and callevents, each callevent as callevents.<name>', async () => {
    await helper.load([gatewayModule, ccsModule], flow('era'));
    const out = collect('out');
    const gw = helper.getNode('gw');
    await gw.client.whenConnected();
    await until('both subscriptions', () => gw.client.stats().framesIn >= 2);
    const sim = gw.embeddedSimulator;
    sim.inboundCall('48500100201', '1001');
    await until('talking', () =>
      out.some((m) => m.topic === 'callevents.call_state' && m.payload.state === 'talking'),
    );
    sim.customerHangup('1001');
    await until('ended', () => out.some((m) => m.topic === 'callevents.call_end'));
    const calls = out.filter((m) => m.topic.startsWith('callevents.'));
    assert.ok(calls.every((m) => CALL_NAMES.includes(m.topic.slice('callevents.'.length))));
    assert.ok(calls.every((m) => typeof m.payload.call_id === 'string'));
    assert.ok(
      out.some((m) => m.topic === 'call_create'),
      'the ccs events as before',
    );
  });

  it('on a ccflow gateway: the node does not start and its error says the platform has no callevents', async () => {
    await helper.load([gatewayModule, ccsModule], flow(undefined));
    const logged = () => JSON.stringify(helper.log().args);
    // (the test runtime logs message keys untranslated; locales/*/cc-ccs-events.json word it)
    await until('error logged', () => logged().includes('cc-ccs-events.errors.no-callevents'));
    assert.equal(helper.getNode('gw').client, undefined, 'the node never registered');
  });
});
