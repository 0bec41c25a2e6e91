/**
 * The call sequences behind the editor's calls sidebar (src/calls): fed with what the real
 * simulator sends over a real socket, they group a call's operations and events into one
 * diagram with the right lanes and arrows, keep refused operations apart, publish deltas and
 * stay bounded.
 */
import assert from 'node:assert/strict';
import { GatewayClient } from '../src/client/gateway-client';
import type { CallView, Step } from '../src/calls/api';
import { toMermaid } from '../src/calls/labels';
import { CallSequences } from '../src/calls/sequences';
import { Simulator } from '../src/simulator';

const find = (v: CallView, pred: (s: Step) => boolean): Step => {
  const s = v.steps.find(pred);
  assert.ok(s, `no such step in ${v.steps.map((x) => x.label).join(' | ')}`);
  return s;
};

describe('calls: sequences from the simulator', function () {
  this.timeout(10000);
  let sim: Simulator;
  let client: GatewayClient;
  let model: CallSequences;

  async function run(agent: string, op: string, params: Record<string, unknown> = {}) {
    const h = client.startOperation(agent, op, params, {
      onResponse: (resp) => model.response(h.reqId, resp),
    });
    model.request({ reqId: h.reqId, agent, op, params });
    const r = await h.done;
    model.outcome(h.reqId, r);
    return r;
  }

  beforeEach(async () => {
    sim = new Simulator({ speed: 50, seed: 3 });
    const { url } = await sim.start();
    client = new GatewayClient({ url, tenant: 'demo', username: 'demo', password: 'demo' });
    client.start();
    await client.whenConnected();
    client.subscribe({ id: 'all', events: ['agent.*', 'dialog.*', 'ccsevents.*'] });
    model = new CallSequences();
    for (const f of ['agent', 'dialog', 'ccs'] as const) {
      client.on(f, '*', (e) => model.event(f, e.name, e.data, e.agent));
    }
  });

  afterEach(async () => {
    await client.close();
    await sim.dispose();
  });

  it('draws preview call -> consult -> three-way -> complete transfer as one call', async () => {
    assert.equal(
      (await run('1001', 'previewObCall', { customerNumber: '48500100201' })).outcome,
      'bridged',
    );
    assert.equal(
      (await run('1001', 'startAtxfer', { targetType: 1, target: '1002' })).outcome,
      'linked',
    );
    assert.equal((await run('1001', 'threewayAtxfer')).outcome, 'joined');
    assert.equal((await run('1001', 'completeAtxfer')).outcome, 'transferred');
    sim.customerHangup('1002');
    await new Promise((r) => setTimeout(r, 200));

    const calls = model.calls();
    assert.equal(calls.length, 1, calls.map((c) => c.title).join(', '));
    const v = calls[0];
    assert.equal(v.title, '1001 -> 48500100201');
    assert.equal(v.state, 'ended', 'seance_delete ends the call');
    assert.deepEqual(
      v.lanes.map((l) => [l.id, l.label]),
      [
        ['agent', 'agent 1001'],
        ['platform', 'platform'],
        ['customer', 'customer 48500100201'],
        ['party:1002', 'agent 1002'],
      ],
    );
    assert.deepEqual(v.agents.sort(), ['1001', '1002']);
    assert.ok(v.numbers.includes('48500100201'));
    // Each operation: request agent -> platform, then its response, then its outcome note.
    for (const [op, outcome] of [
      ['previewObCall', 'bridged'],
      ['startAtxfer', 'linked'],
      ['threewayAtxfer', 'joined'],
      ['completeAtxfer', 'transferred'],
    ]) {
      const req = find(v, (s) => s.kind === 'request' && s.name === op);
      const resp = find(v, (s) => s.kind === 'response' && s.reqId === req.reqId);
      const out = find(v, (s) => s.kind === 'outcome' && s.reqId === req.reqId);
      assert.deepEqual(
        [req.from, req.to, resp.from, resp.to, out.from, out.to],
        ['agent', 'platform', 'platform', 'agent', 'agent', 'agent'],
      );
      assert.ok(req.n < resp.n && resp.n < out.n, `${op}: request, response, outcome in order`);
      assert.equal(out.label, `${op}: ${outcome}`);
    }
    // The parties' dialogs and legs on their lanes.
    const lanesOf = (name: string) => [
      ...new Set(v.steps.filter((s) => s.name === name).map((s) => s.to)),
    ];
    assert.deepEqual(lanesOf('dialog_create').sort(), ['agent', 'customer', 'party:1002']);
    assert.deepEqual(lanesOf('seance_create'), ['platform']);
    assert.deepEqual(lanesOf('ringing'), ['party:1002'], 'the consulted agent is rung');
    // The transferring agent's own hang-up goes from the agent to the platform.
    const close = find(v, (s) => s.name === 'dialog_close' && s.from === 'agent');
    assert.equal(close.to, 'platform');
    assert.equal(close.label, 'dialog_close HANGUP');
    assert.deepEqual(
      v.steps.map((s) => s.n),
      v.steps.map((_, i) => i),
    );

    const text = toMermaid(v);
    assert.match(text, /^sequenceDiagram\n/);
    assert.match(text, /\n {2}participant party_1002 as agent 1002\n/);
    assert.match(text, /\n {2}agent->>platform: startAtxfer\(targetType=1, target=1002\)\n/);
    assert.match(text, /\n {2}platform-->>agent: startAtxferResp 0\n/);
    assert.match(text, /\n {2}Note over agent: completeAtxfer: transferred\n/);
    assert.match(text, /\n {2}platform->>customer: dialog_create ringing\n/);
    assert.doesNotMatch(text, /[;#]/);
  });

  it('keeps a refused operation apart, with its code and the vendor message', async () => {
    await run('1003', 'previewObCall', { customerNumber: '48500100201' });
    const r = await run('1003', 'previewObCall', { customerNumber: '48500100202' });
    assert.equal(r.reason, 'refused');
    const refused = model
      .calls()
      .find((c) => c.steps.some((s) => s.kind === 'response' && s.failed));
    assert.ok(refused);
    assert.equal(refused.state, 'ended');
    assert.deepEqual(
      refused.steps.map((s) => s.kind),
      ['request', 'response', 'outcome'],
    );
    assert.match(refused.steps[1].label, /^previewObCallResp refused \d+ \w+: /);
    assert.equal(refused.steps[2].label, 'previewObCall: failed (refused)');
    assert.equal(model.calls().filter((c) => c.state === 'live').length, 1);
  });

  it('publishes each change once: new steps only, the whole call after a merge', async () => {
    assert.deepEqual(model.drain(), { calls: [], removed: [] });
    await run('1004', 'previewObCall', { customerNumber: '48500100201' });
    const first = model.drain();
    assert.equal(first.calls.length, 1);
    const d = first.calls[0];
    assert.equal(d.stepsFrom, 0);
    assert.equal(d.steps.length, model.call(d.id)?.steps.length);
    assert.deepEqual(model.drain().calls, [], 'nothing new');
    await run('1004', 'sipUnlink');
    await new Promise((r) => setTimeout(r, 100));
    const second = model.drain().calls.find((c) => c.id === d.id);
    assert.ok(second);
    assert.equal(second.stepsFrom, d.steps.length);
    assert.equal(second.steps[0].n, d.steps.length);
    assert.equal(second.state, 'ended');
  });
});

describe('calls: grouping and bounds', () => {
  it('merges two calls that turn out to share an id, and renumbers the steps', () => {
    let now = 1000;
    const m = new CallSequences({ now: () => now });
    m.event('ccs', 'seance_create', { seance_id: 's1', number: '485' });
    now += 1;
    m.event('dialog', 'dialog_create', {
      dialog_uuid: 'd1',
      dialog_type: 'EXTERNAL',
      self_target: '485',
    });
    assert.equal(m.calls().length, 2);
    m.drain();
    now += 1;
    m.event(
      'agent',
      'previewObCallStart',
      { uniqueId: 'u1', ids: { seance_id: 's1', customer_dialog_uuid: 'd1' } },
      '1001',
    );
    const calls = m.calls();
    assert.equal(calls.length, 1);
    assert.deepEqual(
      calls[0].steps.map((s) => [s.n, s.name]),
      [
        [0, 'seance_create'],
        [1, 'dialog_create'],
        [2, 'previewObCallStart'],
      ],
    );
    const changes = m.drain();
    assert.equal(changes.removed.length, 1, 'the folded call is removed');
    assert.equal(changes.calls[0].stepsFrom, 0, 'the merged call is sent whole');
  });

  it('bounds steps per call, ended calls kept and their age; ends idle calls', () => {
    let now = 0;
    const m = new CallSequences({
      now: () => now,
      maxSteps: 5,
      keepEnded: 2,
      endedTtlMs: 100,
      idleMs: 1000,
    });
    for (let i = 0; i < 8; i++)
      m.event('ccs', 'call_set_state', { seance_id: 'a', call_id: 'c', state: `s${i}` });
    const a = m.calls()[0];
    assert.equal(a.steps.length, 5);
    assert.equal(a.dropped, 3);
    assert.match(toMermaid(a), /3 more steps not recorded/);
    for (const s of ['b', 'c', 'd']) m.event('ccs', 'seance_delete', { seance_id: s });
    assert.equal(m.calls().filter((c) => c.state === 'ended').length, 2, 'two ended calls kept');
    now = 50;
    m.sweep();
    assert.equal(m.calls().filter((c) => c.state === 'ended').length, 2);
    now = 200;
    m.sweep();
    assert.equal(m.calls().filter((c) => c.state === 'ended').length, 0, 'old ended calls go');
    now = 2000;
    m.sweep();
    assert.equal(m.size, 1);
    assert.equal(m.calls()[0].state, 'ended', 'an idle live call ends');
  });

  it('ends a call of an agent-events-only platform (Tinet) when its agent is free again', () => {
    const m = new CallSequences();
    m.request({
      reqId: 'r1',
      agent: '1001',
      op: 'previewObCall',
      params: { customerNumber: '485' },
    });
    m.response('r1', { op: 'previewObCallResp', code: 0, data: { uniqueId: 'u1' } });
    m.event('agent', 'agentStatus', { state: 'talking', uniqueId: 'u1' }, '1001');
    m.outcome('r1', { outcome: 'bridged', ids: { uniqueId: 'u1' } });
    m.request({ reqId: 'r2', agent: '1001', op: 'sipUnlink', params: {} });
    // Free again while the hang-up is pending: over only once its outcome is in.
    m.event('agent', 'agentStatus', { state: 'idle', uniqueId: 'u1' }, '1001');
    assert.equal(m.calls()[0].state, 'live');
    m.outcome('r2', { outcome: 'done' });
    assert.equal(m.calls().length, 1);
    assert.equal(m.calls()[0].state, 'ended');

    // A call with dialog or ccs events ends by those, not by the agent's status.
    m.request({
      reqId: 'r3',
      agent: '1002',
      op: 'previewObCall',
      params: { customerNumber: '486' },
    });
    m.response('r3', { op: 'previewObCallResp', code: 0, data: { uniqueId: 'u2' } });
    m.event('ccs', 'call_create', { seance_id: 's2', call_id: 'c2', ids: { uniqueId: 'u2' } });
    m.outcome('r3', { outcome: 'bridged', ids: { uniqueId: 'u2', seance_id: 's2' } });
    m.event('agent', 'agentStatus', { state: 'idle', uniqueId: 'u2' }, '1002');
    const second = m.calls().find((c) => c.agents.includes('1002'));
    assert.equal(second?.state, 'live');
  });

  it('ignores what it cannot attribute and never throws on odd data', () => {
    const m = new CallSequences();
    m.event('agent', 'agentStatus', { state: 'idle' }, '1001');
    m.event('dialog', 'dialog_create', null);
    m.event('ccs', 'call_create', 'garbage');
    m.response('unknown', { op: 'xResp', code: 0 });
    m.outcome('unknown', { outcome: 'failed' });
    m.request({ reqId: 'r1', agent: '1001', op: 'pause', params: {} });
    assert.equal(m.size, 0);
  });
});
