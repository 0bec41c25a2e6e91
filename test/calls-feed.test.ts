/**
 * The runtime side of the calls sidebar (nodes/lib/calls-feed.ts) through the test helper and
 * the embedded simulator: the admin endpoint that an editor's sidebar reads, the operations and
 * events it records while watched, the Mermaid text, and nothing at all once no editor watches.
 */
import assert from 'node:assert/strict';
import { callsFeed } from '../nodes/lib/calls-feed';
import type { FeedCall } from '../nodes/lib/calls-feed';
import { helper, loadOps, type Rig } from './support/nodes-rig';

type HubWithCounts = { listenerCount(family: string): number };

describe('calls sidebar feed (runtime side)', function () {
  this.timeout(10000);
  let rig: Rig;

  afterEach(async () => {
    callsFeed.stop();
    await helper.unload();
  });

  const watch = async (): Promise<{ calls: FeedCall[]; gateways: { id: string }[] }> =>
    (await helper.request().get('/cc-contact-center/calls').expect(200)).body;

  it('records every call of a gateway while an editor watches, and serves it as Mermaid', async () => {
    rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }]);
    const first = await watch();
    assert.deepEqual(
      first.gateways.map((g) => g.id),
      ['gw'],
    );
    assert.equal(callsFeed.active, true);
    rig.send('p1', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'a' });
    const out = await rig.outcome('p1', 'a');
    assert.equal(out.output, 'bridged');
    const { calls } = await watch();
    const call = calls.find((c) => c.title === '1001 -> 48500100201');
    assert.ok(call, JSON.stringify(calls.map((c) => c.title)));
    assert.equal(call.gateway, 'gw');
    const kinds = call.steps.map((s) => s.kind);
    assert.equal(kinds[0], 'request');
    assert.ok(kinds.includes('response') && kinds.includes('outcome') && kinds.includes('event'));
    const names = new Set(call.steps.map((s) => s.name));
    for (const n of ['previewObCallBridge', 'dialog_create', 'call_create', 'seance_create']) {
      assert.ok(names.has(n), `${n} recorded`);
    }
    const res = await helper
      .request()
      .get(`/cc-contact-center/calls/gw/${call.id}/mermaid`)
      .expect(200)
      .expect('content-type', /text\/plain/);
    assert.match(res.text, /^sequenceDiagram\n/);
    assert.match(res.text, /Note over agent: previewObCall: bridged/);
    await helper.request().get('/cc-contact-center/calls/gw/nope/mermaid').expect(404);
  });

  it('records nothing and holds no listener when no editor watches', async () => {
    rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }]);
    await watch();
    const hub = rig.gateway().hub() as unknown as HubWithCounts;
    await rig.waitFor(() => hub.listenerCount('ccs') === 1, 2000, 'the feed listening');
    // The lease lapses (no sidebar renewed it): the feed lets go of everything.
    callsFeed.stop();
    assert.equal(callsFeed.active, false);
    for (const f of ['agent', 'dialog', 'ccs']) assert.equal(hub.listenerCount(f), 0, f);
    rig.send('p1', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'b' });
    assert.equal((await rig.outcome('p1', 'b')).output, 'bridged');
    assert.equal(callsFeed.mermaid('gw', 'call-1'), undefined);
    const again = await watch();
    assert.deepEqual(again.calls, [], 'calls of the unwatched time were not kept');
  });
});
