/**
 * 1,000 redeploys of a gateway config node and its users leave no extra sockets, timers or
 * listeners (half of them change a setting, so the connection is replaced; the others keep it). Node-RED's test helper runtime, flows replaced with setFlows('full') as the
 * editor's deploy does; the gateway is a real simulator behind a proxy that counts the open
 * connections. A second check does the same at the core level: 1,000 client + event hub
 * lifecycles.
 */
import { strict as assert } from 'node:assert';
import { GatewayClient } from '../src/client/gateway-client';
import { createEventHub } from '../src/hub/event-hub';
import { Simulator } from '../src/simulator/simulator';
import { FaultProxy } from './support/fault-proxy';
import { sleep, until } from './support/wait';
import { deployFlows } from './support/deploy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

/* eslint-disable @typescript-eslint/no-require-imports */
const MODULES = [
  require('../nodes/cc-gateway'),
  require('../nodes/cc-call-control'),
  require('../nodes/cc-ccs-events'),
  require('../nodes/cc-preview-call'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

function deploy(flow: object[], creds: object): Promise<void> {
  return deployFlows(helper, flow, creds);
}

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function processListeners(): number {
  return process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
}

const KINDS = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'];

/** Closed sockets and cleared timers leave the handle list asynchronously: wait (bounded). */
async function settled(before: Record<string, number>, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const grown = () => KINDS.some((k) => (resources()[k] ?? 0) > (before[k] ?? 0));
  while (grown() && Date.now() < end) await sleep(20);
}

function assertNoGrowth(before: Record<string, number>, after: Record<string, number>): void {
  for (const kind of KINDS) {
    assert.ok(
      (after[kind] ?? 0) <= (before[kind] ?? 0),
      `${kind}: ${before[kind] ?? 0} before, ${after[kind] ?? 0} after`,
    );
  }
}

describe('fault injection: 1,000 redeploys', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let proxy: FaultProxy;

  before(async () => {
    sim = new Simulator({ seed: 3 });
    const { port } = await sim.start();
    proxy = new FaultProxy(port);
    await proxy.start();
  });

  after(async () => {
    await helper.unload();
    await proxy.close();
    await sim.stop();
  });

  it('gateway config node + users redeployed 1,000 times: no socket, timer or listener left', async () => {
    const flow = (rev: number) => [
      { id: 'tab', type: 'tab', label: 'redeploy' },
      {
        id: 'gw',
        type: 'cc-gateway',
        mode: 'remote',
        url: proxy.url,
        tenant: 'demo',
        // Every other pair of deploys changes a setting: the connection is replaced then, and
        // kept (settings unchanged) in between.
        heartbeat: rev % 4 < 2 ? 1 : 2,
        responseTimeout: 5,
        reconnectInitial: 0.02,
        reconnectMax: 0.1,
        name: `rev ${rev}`,
      },
      { id: 'ctl', type: 'cc-call-control', z: 'tab', gateway: 'gw', operation: 'hold', wires: [] },
      { id: 'pv', type: 'cc-preview-call', z: 'tab', gateway: 'gw', wires: [] },
      { id: 'ev', type: 'cc-ccs-events', z: 'tab', gateway: 'gw', wires: [] },
    ];
    const creds = { gw: { username: 'demo', password: 'demo' } };
    await helper.load(MODULES, flow(0), creds);
    await until('first connection', () => proxy.open() === 1);
    await sleep(100);
    const before = resources();
    const listenersBefore = processListeners();

    const N = 1000;
    for (let i = 1; i <= N; i++) {
      await deploy(flow(i), creds);
      if (i % 100 === 0) {
        // Now and then let the connection come up fully (login + subscription) before the next.
        await until(`connection after redeploy ${i}`, () => proxy.open() === 1);
        const gw = helper.getNode('gw');
        await until('logged in', () => gw?.connectionStatus?.state === 'connected');
      }
    }
    await until('one connection at the end', () => proxy.open() === 1);
    await sleep(200);
    await settled(before);
    const after = resources();
    assertNoGrowth(before, after);
    assert.ok(processListeners() <= listenersBefore, 'process listeners grew');
    // One connection per settings change (every second deploy), none for the others.
    assert.ok(
      proxy.accepted >= N / 2 && proxy.accepted <= N / 2 + 2,
      `${proxy.accepted} connections were made`,
    );

    await helper.unload();
    await until('no connection after unload', () => proxy.open() === 0);
  });

  it('client + event hub opened and closed 1,000 times: no socket, timer or listener left', async () => {
    const warm = new GatewayClient({
      url: proxy.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
    });
    warm.start();
    await warm.whenConnected();
    await warm.close();
    await until('warm-up closed', () => proxy.open() === 0);
    const before = resources();
    const listenersBefore = processListeners();
    for (let i = 0; i < 1000; i++) {
      const c = new GatewayClient({
        url: proxy.url,
        tenant: 'demo',
        username: 'demo',
        password: 'demo',
        heartbeatMs: 1000,
      });
      const hub = createEventHub(c, { sweepMs: 1000 });
      const off = hub.onEvent('ccs', () => undefined);
      c.start();
      if (i % 10 === 0) await c.whenConnected();
      // an operation pending while closing: it must end (closed), exactly once
      const op = c.startOperation('1001', 'hold', {});
      if (i % 3 === 0) off();
      await hub.close();
      await c.close();
      const r = await op.done;
      assert.equal(r.outcome, 'failed');
    }
    await until('all connections closed', () => proxy.open() === 0);
    await sleep(100);
    await settled(before);
    assertNoGrowth(before, resources());
    assert.ok(processListeners() <= listenersBefore, 'process listeners grew');
  });
});
