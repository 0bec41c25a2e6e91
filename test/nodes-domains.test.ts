/**
 * The ccs event nodes' domain filter on a simulator with two domains (cc-gateway in embedded
 * mode, real socket): each node receives its domain's copy of the call's events, the called
 * domain only from routing on; a node without a filter receives both copies, and the tracker
 * applied them once.
 */
import assert from 'node:assert/strict';
import type { GatewayConfigNode } from '../nodes/lib/types';
import type { SimulatorApi } from '../src/simulator/api';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
/* eslint-disable @typescript-eslint/no-require-imports */
const gatewayModule = require('../nodes/cc-gateway');
const ccsModule = require('../nodes/cc-ccs-events');
const seanceModule = require('../nodes/cc-seance-events');
/* eslint-enable @typescript-eslint/no-require-imports */

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

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

const A = 'a.cc.local';
const B = 'b.cc.local';

describe('ccs event nodes: the domain filter with two domains', function () {
  this.timeout(20000);

  afterEach(async () => {
    await helper.unload();
  });

  it('gives each domain node its copy, the called domain from routing on', async () => {
    const scenario = { agents: { '1001': { domain: A }, '1002': { domain: B } } };
    const nodes = [
      { id: 'a', type: 'cc-ccs-events', gateway: 'gw', domains: A, wires: [['a-out']] },
      { id: 'b', type: 'cc-ccs-events', gateway: 'gw', domains: [B], wires: [['b-out']] },
      { id: 'all', type: 'cc-ccs-events', gateway: 'gw', wires: [['all-out']] },
      { id: 'sb', type: 'cc-seance-events', gateway: 'gw', domains: B, wires: [['sb-out']] },
    ];
    const flow = [
      {
        id: 'gw',
        type: 'cc-gateway',
        mode: 'simulator',
        simSpeed: 20,
        heartbeat: 0,
        simScenario: JSON.stringify(scenario),
      },
      ...nodes,
      ...nodes.map((n) => ({ id: `${n.id}-out`, type: 'helper' })),
    ];
    await helper.load([gatewayModule, ccsModule, seanceModule], flow, {
      gw: { username: 'demo', password: 'demo' },
    });
    const got: Record<string, Msg[]> = {};
    for (const n of nodes) {
      got[n.id] = [];
      helper.getNode(`${n.id}-out`).on('input', (m: Msg) => got[n.id].push(m));
    }
    const gw = helper.getNode('gw') as GatewayConfigNode & { embeddedSimulator: SimulatorApi };
    const client = gw.client!;
    await client.whenConnected();
    await until(() => client.stats().framesIn >= 2, 'subscribed');

    const call = await client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(call.outcome, 'bridged');
    const consult = await client.startOperation('1001', 'startAtxfer', {
      targetType: 1,
      target: '1002',
    }).done;
    assert.equal(consult.outcome, 'linked');
    assert.ok(gw.embeddedSimulator.customerHangup('1001'));
    await until(() => got.sb.some((m) => m.topic === 'seance_delete'), 'B saw the seance end');
    await until(() => got.a.some((m) => m.topic === 'call_delete'), 'A saw the legs go');

    assert.ok(got.a.every((m) => m.payload.domain === A));
    assert.ok(got.b.every((m) => m.payload.domain === B));
    const first = got.b[0];
    assert.equal(first.topic, 'call_create');
    assert.equal(first.payload.info.agent, '1002', 'B starts with its agent leg');
    const aCreates = got.a.filter((m) => m.topic === 'call_create').length;
    assert.equal(aCreates, 3, 'agent, customer and consulted legs in A');
    assert.equal(got.b.filter((m) => m.topic === 'call_create').length, 1);
    // The unfiltered node sees both copies of what B sees; the tracker applied them once.
    const bNames = got.b.length;
    assert.equal(got.all.length, got.a.length + bNames);
    const target = first.payload.call_id;
    const last = [...got.all].reverse().find((m) => m.payload.call_id === target)!;
    assert.deepEqual(last.call.domains, [A, B]);
    const states = last.call.states.map((s: Msg) => s.state);
    assert.equal(new Set(states).size, states.length, `no state applied twice: ${states}`);
    assert.ok(got.sb.every((m) => m.payload.domain === B));
    assert.ok(!got.sb.some((m) => m.topic === 'seance_create'), 'no pre-routing seance event');
  });
});
