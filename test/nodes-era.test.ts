/**
 * The nodes on a cc-gateway configured for Era / Incoplax (embedded simulator in Era mode, real
 * socket): cc-ccs-events and cc-seance-events deliver every ccs event of a scenario exactly
 * once; a dropped connection re-subscribes and reports a gap (status and a Catch node); a
 * preview call over the platform's REST call control reaches its outcome with the input message
 * carried through, a refused one fails with the platform's text; an operation the platform
 * cannot carry ends failed / unsupported at once with nothing sent; the token never reaches a
 * log line.
 */
import assert from 'node:assert/strict';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent } from '../src/client/api';
import type { GatewayConfigNode } from '../nodes/lib/types';
import type { SimulatorApi } from '../src/simulator/api';
import { Simulator } from '../src/simulator/simulator';
import { until } from './support/wait';

/* eslint-disable @typescript-eslint/no-require-imports */
const helper = require('node-red-node-test-helper');
const gatewayModule = require('../nodes/cc-gateway');
const ccsModule = require('../nodes/cc-ccs-events');
const seanceModule = require('../nodes/cc-seance-events');
const previewModule = require('../nodes/cc-preview-call');
const consultModule = require('../nodes/cc-consult');
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => got.push(msg));
  return got;
}

const TOKEN = 'era-secret-token-42';

describe('nodes on an Era / Incoplax gateway (embedded simulator in Era mode)', function () {
  this.timeout(30000);
  let observer: GatewayClient | undefined;

  const flow = [
    {
      id: 'gw',
      type: 'cc-gateway',
      mode: 'simulator',
      platform: 'era',
      eraAuth: 'token',
      simSpeed: 20,
      heartbeat: 0,
      reconnectInitial: 0.02,
      reconnectMax: 0.1,
    },
    { id: 'ccs', type: 'cc-ccs-events', z: 'tab1', gateway: 'gw', wires: [['ccs-out']] },
    { id: 'seance', type: 'cc-seance-events', z: 'tab1', gateway: 'gw', wires: [['seance-out']] },
    {
      id: 'preview',
      z: 'tab1',
      type: 'cc-preview-call',
      gateway: 'gw',
      agent: '1001',
      agentType: 'str',
      params: { customerNumber: { type: 'str', value: '48500100201' } },
      outputs: 2,
      wires: [['bridged'], ['failed']],
    },
    {
      id: 'consult',
      z: 'tab1',
      type: 'cc-consult',
      gateway: 'gw',
      agent: '1001',
      agentType: 'str',
      params: { targetType: { type: 'num', value: '1' }, target: { type: 'str', value: '1002' } },
      outputs: 3,
      wires: [[], [], ['consult-failed']],
    },
    { id: 'catcher', type: 'catch', z: 'tab1', scope: null, uncaught: false, wires: [['caught']] },
    ...['ccs-out', 'seance-out', 'bridged', 'failed', 'consult-failed', 'caught'].map((id) => ({
      id,
      type: 'helper',
      z: 'tab1',
    })),
  ];

  async function load(): Promise<{ gw: GatewayConfigNode; sim: SimulatorApi }> {
    await helper.load(
      [gatewayModule, ccsModule, seanceModule, previewModule, consultModule],
      flow,
      {
        gw: { token: TOKEN },
      },
    );
    const gw = helper.getNode('gw') as GatewayConfigNode;
    await gw.client!.whenConnected();
    const sim = (gw as unknown as { embeddedSimulator: SimulatorApi }).embeddedSimulator;
    await until('ccs subscription answered', () => gw.client!.stats().framesIn >= 1);
    return { gw, sim };
  }

  /** A ccflow client on the same simulator: drives the scenario and records the reference. */
  async function drive(
    sim: SimulatorApi,
  ): Promise<{ client: GatewayClient; want: GatewayEvent[] }> {
    const client = new GatewayClient({
      url: sim.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
    });
    observer = client;
    const want: GatewayEvent[] = [];
    client.on('ccs', '*', (e) => want.push(e));
    client.subscribe({ events: ['ccsevents.*'] });
    client.start();
    await client.whenConnected();
    await until('observer subscribed', () => client.stats().framesIn >= 2);
    return { client, want };
  }

  afterEach(async () => {
    await observer?.close();
    observer = undefined;
    await helper.unload();
  });

  it('cc-ccs-events and cc-seance-events deliver every ccs event of a transfer scenario once', async () => {
    const { gw, sim } = await load();
    assert.equal(gw.client!.platform, 'era');
    const ccs = collect('ccs-out');
    const seance = collect('seance-out');
    const { client, want } = await drive(sim);
    const call = await client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(call.outcome, 'bridged');
    const consult = await client.startOperation('1001', 'startAtxfer', {
      targetType: 1,
      target: '1002',
    }).done;
    assert.equal(consult.outcome, 'linked');
    const done = await client.startOperation('1001', 'completeAtxfer', {}).done;
    assert.equal(done.outcome, 'transferred');
    assert.ok(sim.customerHangup('1002'));
    await until('scenario over', () => want.some((e) => e.name === 'seance_delete'));
    await until('every event at the nodes', () => ccs.length + seance.length >= want.length);
    await new Promise((r) => setTimeout(r, 100));
    const key = (name: string, d: Record<string, unknown>) =>
      [name, d.call_id, d.connection_id, d.seance_id, d.state, d.number].join('|');
    const atNodes = [...ccs, ...seance].map((m) => key(m.topic, m.payload)).sort();
    const reference = want.map((e) => key(e.name, e.data)).sort();
    assert.equal(atNodes.length, reference.length, 'each event once');
    assert.deepEqual(atNodes, reference);
    assert.ok(ccs.every((m) => /^(call|connection)_/.test(m.topic)));
    assert.ok(seance.every((m) => m.topic.startsWith('seance_')));
    assert.ok(
      seance.some((m) => m.topic === 'seance_set_next_number'),
      'the transfer chain',
    );
  });

  it('a dropped connection re-subscribes and reports a gap to the status and a Catch node', async () => {
    const { gw, sim } = await load();
    const caught = collect('caught');
    const ccs = collect('ccs-out');
    const statuses: Msg[] = [];
    const ccsNode = helper.getNode('ccs');
    const orig = ccsNode.status.bind(ccsNode);
    ccsNode.status = (s: Msg) => {
      statuses.push(s);
      return orig(s);
    };
    const requests = sim.stats().requests;
    await sim.stop();
    sim.inboundCall('48500100202', '1003'); // while nobody listens
    await sim.start();
    await until('gap at the Catch node', () => caught.some((m) => m.topic === 'gap'));
    const gap = caught.find((m) => m.topic === 'gap')!;
    assert.match(gap.error.message, /gap/);
    assert.match(gap.payload.message, /cannot be replayed/);
    assert.equal(gap.payload.code, 'gap');
    await until('gap status', () => statuses.some((s) => /gap/.test(String(s.text))));
    await until('re-subscribed', () => sim.stats().requests > requests);
    assert.ok(sim.customerHangup('1003'));
    await until('events after the gap', () => ccs.some((m) => m.topic === 'call_delete'));
    assert.equal(gw.client!.stats().gaps, 1);
    const logged = JSON.stringify(helper.log().args);
    assert.ok(!logged.includes(TOKEN), 'the token is in no log line');
  });

  it('a preview call over the REST call control ends bridged, the input message carried through', async () => {
    await load();
    const bridged = collect('bridged');
    const failed = collect('failed');
    helper.getNode('preview').receive({ payload: {}, crm: 'lead-7' });
    await until('bridged output', () => bridged.length === 1);
    assert.equal(failed.length, 0);
    assert.equal(bridged[0].crm, 'lead-7');
    assert.equal(bridged[0].cc.outcome, 'bridged');
    assert.ok(bridged[0].cc.ids.seance_id, 'the seance the platform named');
    // the agent is now on that call: a second preview call is refused with the platform's text
    helper.getNode('preview').receive({ payload: {}, crm: 'lead-8' });
    await until('failed output', () => failed.length === 1);
    assert.equal(failed[0].crm, 'lead-8');
    assert.equal(failed[0].cc.reason, 'refused');
    assert.match(failed[0].cc.message, /HTTP 409: .*not possible while agent 1001/);
  });

  it('a bad token is refused: the preview call ends failed without reaching the platform, the token never logged', async () => {
    const sim = new Simulator({ speed: 20, eraTokens: ['the-right-token'] });
    const { url } = await sim.start();
    try {
      await helper.load(
        [gatewayModule, previewModule],
        [
          {
            id: 'gw',
            type: 'cc-gateway',
            mode: 'remote',
            url,
            platform: 'era',
            eraAuth: 'token',
            heartbeat: 0,
            reconnectInitial: 0.02,
            reconnectMax: 0.1,
          },
          flow.find((n) => n.id === 'preview'),
          { id: 'bridged', type: 'helper', z: 'tab1' },
          { id: 'failed', type: 'helper', z: 'tab1' },
        ],
        { gw: { token: 'a-wrong-token-55' } },
      );
      const failed = collect('failed');
      const gw = helper.getNode('gw') as GatewayConfigNode;
      await until('refused', () => gw.connectionStatus.state === 'authFailed');
      helper.getNode('preview').receive({ payload: {}, crm: 'lead-x' });
      await until('failed output', () => failed.length === 1);
      assert.equal(failed[0].crm, 'lead-x');
      assert.equal(failed[0].cc.reason, 'disconnected');
      assert.match(failed[0].cc.message, /HTTP 401/);
      assert.equal(sim.stats().requests, 0, 'no request reached the platform');
      assert.ok(!JSON.stringify(helper.log().args).includes('a-wrong-token-55'));
    } finally {
      await helper.unload();
      await sim.dispose();
    }
  });

  it('an operation Era cannot carry ends failed / unsupported at once, with nothing sent', async () => {
    const { sim } = await load();
    const failed = collect('consult-failed');
    const requests = sim.stats().requests;
    helper.getNode('consult').receive({ payload: {}, crm: 'lead-9' });
    await until('failed output', () => failed.length === 1);
    assert.equal(failed[0].cc.reason, 'unsupported');
    assert.equal(failed[0].crm, 'lead-9');
    assert.equal(sim.stats().requests, requests, 'nothing reached the platform');
  });

  it('tells the editor which operations each platform carries', async () => {
    await load();
    const res = await helper.request().get('/cc-contact-center/catalogue').expect(200);
    const era = res.body.platforms.era;
    assert.equal(era.label, 'Era / Incoplax');
    assert.equal(era.operations.previewObCall.carried, true);
    assert.equal(era.operations.sipUnlink.carried, true);
    assert.equal(era.operations.startAtxfer.carried, false);
    assert.match(era.operations.startAtxfer.why, /uc\/calls/);
    assert.ok(
      Object.values(res.body.platforms.ccflow.operations).every(
        (c) => (c as { carried: boolean }).carried,
      ),
    );
  });
});
