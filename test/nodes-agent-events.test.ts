/**
 * cc-agent-events in the Node-RED test helper, through a cc-gateway in embedded-simulator mode
 * (real socket): agentStatus through a whole inbound call, the inbound ringing with the caller,
 * the dialogs and the seance the tracker knows, and the agent and event filters.
 */
import assert from 'node:assert/strict';
import type { GatewayConfigNode } from '../nodes/lib/types';
import type { SimulatorApi } from '../src/simulator/api';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
/* eslint-disable @typescript-eslint/no-require-imports */
const gatewayModule = require('../nodes/cc-gateway');
const agentModule = require('../nodes/cc-agent-events');
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

function collect(id: string): Msg[] {
  const got: Msg[] = [];
  helper.getNode(id).on('input', (msg: Msg) => got.push(msg));
  return got;
}

function until(pred: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const t = setInterval(() => {
      if (pred()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() - start > timeoutMs) {
        clearInterval(t);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

describe('cc-agent-events through the gateway (embedded simulator)', function () {
  this.timeout(20000);

  const node = (id: string, extra: Msg) => ({
    id,
    type: 'cc-agent-events',
    gateway: 'gw',
    wires: [[`${id}-out`]],
    ...extra,
  });

  /** Load the nodes; wait for `subscriptions` subscribe answers (login answer excluded). */
  async function load(gatewayExtra: Msg, nodes: Msg[], subscriptions = 3) {
    const flow = [
      {
        id: 'gw',
        type: 'cc-gateway',
        mode: 'simulator',
        simSpeed: 20,
        heartbeat: 0,
        ...gatewayExtra,
      },
      ...nodes,
      ...nodes.map((n) => ({ id: `${n.id}-out`, type: 'helper' })),
    ];
    await helper.load([gatewayModule, agentModule], flow, {
      gw: { username: 'demo', password: 'demo' },
    });
    const got: Record<string, Msg[]> = {};
    for (const n of nodes) got[n.id] = collect(`${n.id}-out`);
    const gw = helper.getNode('gw') as GatewayConfigNode & { embeddedSimulator: SimulatorApi };
    const client = gw.client!;
    await client.whenConnected();
    // agent (and, with the call context, dialog and ccs) subscriptions answered.
    await until(() => client.stats().framesIn >= subscriptions + 1, 'subscriptions answered');
    return { got, sim: gw.embeddedSimulator, client };
  }

  afterEach(async () => {
    await helper.unload();
  });

  it('delivers the inbound ringing with the caller, the dialogs and the seance, and agentStatus through the call', async () => {
    const { got, sim } = await load({ simScenario: JSON.stringify({ wrapUpMs: 2000 }) }, [
      node('all', {}),
      node('a1001', { agents: '1001' }),
      node('a1002', { agents: ['1002'] }),
      node('ring', { events: ['ringing'] }),
    ]);
    assert.ok(sim.inboundCall('48500100201', '1001'), 'the call is routed to 1001');
    await until(
      () => got.all.some((m) => m.topic === 'agentStatus' && m.payload.state === 'talking'),
      'agent 1001 talking',
    );
    assert.ok(sim.customerHangup('1001'));
    await until(
      () => got.all.some((m) => m.topic === 'agentStatus' && m.payload.reason === 'wrapUpEnded'),
      'agent 1001 back to idle after wrap-up',
    );

    const ringing = got.ring;
    assert.equal(ringing.length, 1, 'one ringing');
    const r = ringing[0];
    assert.equal(r.topic, 'ringing');
    assert.equal(r.agent, '1001');
    assert.equal(r.payload.callType, 'inbound');
    assert.equal(r.payload.customerNumber, '48500100201');
    // Screen pop: who is calling, from the customer's dialog the tracker merged.
    assert.equal(r.caller.number, '48500100201');
    assert.equal(r.caller.dialog_uuid, r.payload.ids.customer_dialog_uuid);
    assert.equal(r.caller.business_direction, 'INBOUND');
    assert.equal(r.customerDialog.dialog_uuid, r.payload.ids.customer_dialog_uuid);
    assert.equal(r.customerDialog.dialog_type, 'EXTERNAL');
    assert.equal(r.dialog.dialog_uuid, r.payload.ids.dialog_uuid);
    assert.equal(r.dialog.dialog_type, 'CONSULTANT');
    assert.equal(r.seance.seance_id, r.payload.ids.seance_id);
    assert.ok(r.seance.call_ids.length >= 2, 'the seance knows the customer and the agent legs');

    // agentStatus: ringing, talking, wrap-up, idle, each with its device status word.
    const status = got.a1001.filter((m) => m.topic === 'agentStatus');
    assert.deepEqual(
      status.map((m) => [m.payload.state, m.payload.deviceStatus, m.deviceStatus]),
      [
        ['ringing', 3, 'ringing'],
        ['talking', 4, 'talking'],
        ['wrap-up', 5, 'wrap-up'],
        ['idle', 1, 'idle'],
      ],
    );
    // Wrap-up names the call it follows: the caller and the seance come with it.
    const wrap = status[2];
    assert.equal(wrap.payload.reason, 'customerHangup');
    assert.equal(wrap.caller.number, '48500100201');
    assert.equal(wrap.seance.seance_id, r.seance.seance_id);
    for (const m of got.a1001) assert.equal(m.agent, '1001');
    assert.equal(got.a1002.length, 0, 'the agent filter holds back the other agents');
    assert.ok(got.all.length >= got.a1001.length);
  });

  it('without the call context subscribes to the agent events alone and still names the caller', async () => {
    const { got, sim, client } = await load(
      {},
      [node('bare', { events: 'ringing', enrich: false })],
      1,
    );
    assert.ok(sim.inboundCall('48500100202', '1002'));
    await until(() => got.bare.length === 1, 'ringing');
    const m = got.bare[0];
    assert.equal(m.agent, '1002');
    assert.equal(m.caller.number, '48500100202', 'the number is in the event itself');
    assert.equal(m.customerDialog, undefined, 'no dialog events were tracked');
    // The seance is known from the agent events' ids only: no legs, since ccs was not tracked.
    assert.equal(m.seance.seance_id, m.payload.ids.seance_id);
    assert.deepEqual(m.seance.call_ids, [], 'no ccs events were tracked');
    assert.equal(client.stats().eventsIn, got.bare.length + 1, 'ringing and agentStatus only');
  });
});
