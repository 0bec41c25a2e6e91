/**
 * Nothing lost across a redeploy (Node-RED's test helper runtime, deploys made as the editor
 * makes them: setFlows 'full'; the gateway is the embedded simulator):
 * - 50 full deploys under load, preview calls in flight: every call ends in exactly one outcome,
 *   sent by the node that replaced the one it was started on; the gateway session is the same
 *   from the first deploy to the last (no new login), and every ccs and dialog event the client
 *   received reaches the event nodes exactly once, in order, deploys or not;
 * - a node removed while its calls run: each outcome is reported once through node.error of
 *   another node of the gateway (a Catch node sees it);
 * - the gateway's settings changed while calls run: the session is replaced, and each call ends
 *   once, failed, on the node that replaced its own.
 */
import { strict as assert } from 'node:assert';
import type { GatewayEvent } from '../src/client/api';
import type { GatewayConfigNode } from '../nodes/lib/types';
import { sleep, until } from './support/wait';
import { deployFlows, testSink } from './support/deploy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

/** Messages received by test-sink nodes, whichever instance (they are recreated on deploy). */
const { module: sinkModule, sunk } = testSink();

/* eslint-disable @typescript-eslint/no-require-imports */
const MODULES = [
  require('../nodes/cc-gateway'),
  require('../nodes/cc-preview-call'),
  require('../nodes/cc-ccs-events'),
  require('../nodes/cc-dialog-events'),
  sinkModule,
];
/* eslint-enable @typescript-eslint/no-require-imports */

function deploy(flow: object[], creds: object): Promise<void> {
  return deployFlows(helper, flow, creds);
}

interface FlowOptions {
  withCaller?: boolean;
  heartbeat?: number;
}

function flow(o: FlowOptions = {}): object[] {
  const nodes: object[] = [
    { id: 'tab', type: 'tab', label: 'redeploy under load' },
    {
      id: 'gw',
      type: 'cc-gateway',
      mode: 'simulator',
      tenant: 'demo',
      simSpeed: 2,
      heartbeat: o.heartbeat ?? 5,
      responseTimeout: 5,
    },
    {
      id: 'ev',
      type: 'cc-ccs-events',
      z: 'tab',
      gateway: 'gw',
      wires: [['ev-out']],
    },
    {
      id: 'dl',
      type: 'cc-dialog-events',
      z: 'tab',
      source: 'gateway',
      gateway: 'gw',
      wires: [['dl-out']],
    },
    { id: 'ev-out', type: 'test-sink', z: 'tab' },
    { id: 'dl-out', type: 'test-sink', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'test-sink', z: 'tab' },
  ];
  if (o.withCaller !== false) {
    nodes.push(
      {
        id: 'call',
        type: 'cc-preview-call',
        z: 'tab',
        gateway: 'gw',
        progress: false,
        wires: [['bridged'], ['failed']],
      },
      { id: 'bridged', type: 'test-sink', z: 'tab' },
      { id: 'failed', type: 'test-sink', z: 'tab' },
    );
  }
  return nodes;
}

const CREDS = { gw: { username: 'demo', password: 'demo' } };
const AGENTS = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '1010'];
/** The last call of each agent (a new one is placed only when it has ended). */
const lastCall = new Map<string, string>();

/** Send a preview call into the current `call` node; returns its id (msg.crm). */
let nextCrm = 0;
function placeCall(agent = AGENTS[nextCrm % AGENTS.length]): string | undefined {
  const node = helper.getNode('call');
  if (!node) return undefined;
  const crm = `c${++nextCrm}`;
  lastCall.set(agent, crm);
  node.receive({ crm, payload: { agent, customerNumber: '48500100201' } });
  return crm;
}

/** An agent whose last call has ended. */
function freeAgent(): string | undefined {
  return AGENTS.find((a) => {
    const crm = lastCall.get(a);
    return crm === undefined || outcomesOf(crm).length > 0;
  });
}

function outcomesOf(crm: string): { node: string; msg: Msg }[] {
  return sunk.filter((s) => (s.node === 'bridged' || s.node === 'failed') && s.msg.crm === crm);
}

function gateway(): GatewayConfigNode {
  const gw = helper.getNode('gw') as GatewayConfigNode | null;
  assert.ok(gw, 'no gateway node');
  return gw;
}

describe('redeploy under load: nothing lost', function () {
  this.timeout(120_000);

  beforeEach(() => {
    sunk.length = 0;
    lastCall.clear();
  });

  afterEach(async () => {
    await helper.unload();
  });

  it('50 full deploys with preview calls in flight: one outcome each, the same session, every event once', async () => {
    await helper.load(MODULES, flow(), CREDS);
    const gw = gateway();
    const client = gw.client!;
    await client.whenConnected();
    await until('both families subscribed', () => client.stats().framesIn >= 3);
    await sleep(100);
    // What the client receives, to compare with what the event nodes send.
    const received: Record<'ccs' | 'dialog', string[]> = { ccs: [], dialog: [] };
    for (const family of ['ccs', 'dialog'] as const) {
      client.on(family, '*', (e: GatewayEvent) => {
        // cc-ccs-events emits the call_* and connection_* events (seance_* are another node's).
        if (family === 'dialog' || /^(call|connection)_/.test(e.name)) {
          received[family].push(JSON.stringify(e.data));
        }
      });
    }
    const logins = client.stats().framesOut;
    assert.ok(logins > 0);

    const sent: string[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        const agent = freeAgent();
        const crm = agent ? placeCall(agent) : undefined;
        if (crm) sent.push(crm);
        await sleep(10);
      }
    })();
    const deployedAt: number[] = [];
    for (let i = 0; i < 50; i++) {
      await sleep(20 + ((i * 37) % 60));
      deployedAt.push(Date.now());
      await deploy(flow(), CREDS);
      assert.equal(gateway().client, client, `deploy ${i + 1}: the session was replaced`);
    }
    loading = false;
    await load;

    // Every call placed ends, once, on the node of its id.
    await until(
      `outcomes of ${sent.length} calls`,
      () => sent.every((crm) => outcomesOf(crm).length > 0),
      60_000,
      20,
    );
    await sleep(300);
    for (const crm of sent) {
      const got = outcomesOf(crm);
      assert.equal(got.length, 1, `${crm}: ${got.length} outcomes`);
      assert.ok(['bridged', 'failed'].includes(got[0].msg.cc.outcome));
    }
    // Calls that were in flight while a deploy happened (started before it, ended after it).
    const spanning = sent.filter((crm) => {
      const cc = outcomesOf(crm)[0].msg.cc;
      return deployedAt.some((t) => cc.startedAt < t && cc.endedAt > t);
    }).length;
    assert.ok(spanning >= 10, `only ${spanning} calls were in flight across a deploy`);
    assert.ok(sent.length >= 20, `only ${sent.length} calls were placed`);
    const bridged = sent.filter((crm) => outcomesOf(crm)[0].node === 'bridged').length;
    assert.ok(bridged >= 5, `only ${bridged} of ${sent.length} calls were bridged`);

    // The same session throughout: no second login, no resume needed.
    assert.equal(gateway().client, client);
    assert.equal(client.status.state, 'connected');
    assert.equal(client.stats().reconnects ?? 0, 0);

    // Every event the client received reached its node exactly once, in order.
    await sleep(300);
    for (const [family, node] of [
      ['ccs', 'ev-out'],
      ['dialog', 'dl-out'],
    ] as const) {
      const delivered = sunk
        .filter((s) => s.node === node)
        .map((s) => JSON.stringify(s.msg.payload));
      assert.ok(received[family].length > 20, `${family}: only ${received[family].length} events`);
      assert.equal(delivered.length, received[family].length, `${family}: count`);
      assert.deepEqual(delivered, received[family], `${family}: order and content`);
    }
  });

  it('a node removed while its calls run: each outcome reported once through a Catch node', async () => {
    await helper.load(MODULES, flow(), CREDS);
    await gateway().client!.whenConnected();
    const sent = [placeCall()!, placeCall()!, placeCall()!];
    await sleep(30);
    await deploy(flow({ withCaller: false }), CREDS);
    const reports = () =>
      sunk.filter(
        (s) => s.node === 'caught' && /removed or stopped while it ran/.test(s.msg.error?.message),
      );
    await until('three reports', () => reports().length >= 3, 5_000, 20).catch((err) => {
      console.log(JSON.stringify(sunk.map((x) => [x.node, x.msg.error?.message ?? x.msg.topic])));
      console.log(
        helper
          .log()
          .getCalls()
          .map((c: any) => JSON.stringify(c.args[0]))
          .filter((t: string) => /error|warn/i.test(t))
          .slice(-20),
      );
      throw err;
    });
    await sleep(300);
    assert.equal(reports().length, 3);
    assert.deepEqual(
      reports()
        .map((r) => r.msg.cc.reqId)
        .sort(),
      [...new Set(reports().map((r) => r.msg.cc.reqId))].sort(),
      'one report per call',
    );
    for (const r of reports()) {
      assert.match(
        r.msg.error.message,
        /previewObCall \S+ of node call, .* ended (bridged|failed)/,
      );
      assert.equal(r.msg.cc.node, 'call');
    }
    for (const crm of sent)
      assert.equal(outcomesOf(crm).length, 0, 'no output from a removed node');
  });

  it('gateway settings changed while calls run: a new session, each call ends once, failed, on the new node', async () => {
    await helper.load(MODULES, flow(), CREDS);
    const first = gateway().client!;
    await first.whenConnected();
    const sent = [placeCall()!, placeCall()!];
    await sleep(20);
    await deploy(flow({ heartbeat: 6 }), CREDS);
    assert.notEqual(gateway().client, first, 'a changed gateway gets a new session');
    await until('both outcomes', () => sent.every((crm) => outcomesOf(crm).length > 0), 20_000, 20);
    await sleep(300);
    for (const crm of sent) {
      const got = outcomesOf(crm);
      assert.equal(got.length, 1, crm);
      // Ended by the closing session (unless the call was already over by then).
      assert.ok(got[0].node === 'failed' || got[0].msg.cc.outcome === 'bridged', crm);
    }
  });
});
