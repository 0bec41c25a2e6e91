/**
 * The gateway client against the real simulator: both sides read the same protocol layer, this
 * checks they also agree on the wire (no invalid frame, no unknown response, catalogue outcomes).
 */
import assert from 'node:assert/strict';
import { GatewayClient } from '../src/client/gateway-client';
import { Simulator } from '../src/simulator';
import type { EventFamily } from '../src/protocol';

describe('gateway client with the simulator', function () {
  this.timeout(8000);
  let sim: Simulator;
  let client: GatewayClient;

  beforeEach(async () => {
    sim = new Simulator({ speed: 20, seed: 7, validateEvents: true });
    const { url } = await sim.start();
    client = new GatewayClient({ url, tenant: 'demo', username: 'demo', password: 'demo' });
    client.start();
    await client.whenConnected();
  });

  afterEach(async () => {
    await client.close();
    await sim.stop();
  });

  it('places a preview call to the bridge and receives all three event families cleanly', async () => {
    const problems: string[] = [];
    client.onProblem((p) => problems.push(`${p.code} ${p.message}`));
    client.subscribe({ id: 'all', events: ['agent.*', 'dialog.*', 'ccsevents.*'] });
    const seen: Record<Exclude<EventFamily, 'call'>, number> = { agent: 0, dialog: 0, ccs: 0 };
    for (const f of ['agent', 'dialog', 'ccs'] as const) client.on(f, '*', () => seen[f]++);
    const r = await client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(r.outcome, 'bridged', `${r.outcome} ${r.reason ?? ''} ${r.message ?? ''}`);
    assert.equal(r.final?.name, 'previewObCallBridge');
    assert.ok(r.ids.uniqueId && r.ids.seance_id && r.ids.call_id, JSON.stringify(r.ids));
    const hang = await client.startOperation('1001', 'sipUnlink', {}).done;
    assert.equal(hang.outcome, 'done');
    assert.ok(seen.agent > 0 && seen.dialog > 0 && seen.ccs > 0, JSON.stringify(seen));
    const st = client.stats();
    assert.deepEqual(
      [st.invalidFrames, st.invalidEvents, st.unknownResponses, st.duplicates, st.gaps],
      [0, 0, 0, 0, 0],
    );
    assert.deepEqual(problems, []);
  });

  it('a busy customer ends the preview call as failed with the seed reason', async () => {
    const r = await client.startOperation('1002', 'previewObCall', { customerNumber: '485001000' })
      .done;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'customerBusy');
    assert.equal(r.response?.code, 0);
  });
});
