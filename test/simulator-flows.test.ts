/**
 * Simulator call flows, pinned to the seeds: seed 000's operation + event order, seed 003's
 * dialog webhook bodies, seed 004's ccsevents, and one call told the same way by all three.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getOperation } from '../src/protocol';
import type { Simulator } from '../src/simulator/simulator';
import { SimClient, delay, startSim, type Frame } from './simulator.test';
import { readSeed, seedBodies } from './support/seeds';

const CUSTOMER = '48500100201'; // default rule: answers after 2 s and stays
const PREVIEW_EVENTS = getOperation('previewObCall')!.events;

async function setup(extra = {}): Promise<{ sim: Simulator; c: SimClient }> {
  const { sim, url } = await startSim(extra);
  const c = await SimClient.login(url);
  await c.subscribeAll();
  return { sim, c };
}

/** Place a preview call and wait for the bridge; returns the response and the bridge. */
async function bridged(c: SimClient, agent = '1001', number = CUSTOMER) {
  const resp = await c.req('previewObCall', agent, { customerNumber: number });
  assert.equal(resp.code, 0, resp.message);
  const bridge = await c.event('previewObCallBridge', (e) => e.reqId === resp.reqId);
  return { resp, bridge };
}

const processEvents = (c: SimClient, reqId: string): Frame[] =>
  c.events('agent').filter((e) => e.reqId === reqId);

describe('simulator: preview outbound call (seed 000)', () => {
  let sim: Simulator;
  let c: SimClient;
  beforeEach(async () => ({ sim, c } = await setup()));
  afterEach(async () => {
    c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  it('answers first, then Result(0), Start, Ringing, Bridge in the seed order', async () => {
    const { resp, bridge } = await bridged(c);
    assert.equal(resp.op, 'previewObCallResp');
    assert.equal(resp.code, 0);
    assert.equal(resp.errorCode, null);
    const evs = processEvents(c, resp.reqId);
    assert.deepEqual(
      evs.map((e) => e.name),
      PREVIEW_EVENTS,
    );
    assert.ok(c.indexOf(resp) < c.indexOf(evs[0]), 'the response comes before every event');
    assert.equal(evs[0].data.result, 0);
    assert.equal(evs[1].data.customerNumber, CUSTOMER);
    assert.equal(evs[2].data.customerNumber, CUSTOMER);
    assert.match(bridge.data.channel, /^SIP\/8001-/);
    for (const e of evs) {
      assert.equal(e.agent, '1001');
      assert.equal(e.data.uniqueId, resp.data.uniqueId);
      assert.equal(e.data.ids.seance_id, resp.data.ids.seance_id);
      assert.equal(e.data.ids.call_id, resp.data.ids.call_id);
    }
    const ids = bridge.data.ids;
    for (const k of [
      'seance_id',
      'call_id',
      'customer_call_id',
      'connection_id',
      'dialog_uuid',
      'customer_dialog_uuid',
    ]) {
      assert.equal(typeof ids[k], 'string', k);
    }
    const talking = await c.event('agentStatus', (e) => e.data.state === 'talking');
    assert.equal(talking.data.deviceStatus, 4);
    c.assertValid();
  });

  it('dials the agent first, then the customer', async () => {
    const { resp } = await bridged(c);
    const creates = c.events('ccs').filter((e) => e.name === 'call_create');
    assert.deepEqual(
      creates.map((e) => e.data.info.role),
      ['agent', 'customer'],
    );
    const answered = c
      .events('ccs')
      .find((e) => e.name === 'call_set_state' && e.data.state === 'answered');
    assert.equal(answered?.data.call_id, resp.data.ids.call_id, 'the agent answers first');
    const start = await c.event('previewObCallStart');
    assert.ok(c.indexOf(answered!) < c.indexOf(start));
  });

  const failures: [string, string, Record<string, unknown>, string[]][] = [
    ['busy', '48500100200', {}, ['previewObCallResult', 'previewObCallStart']],
    ['noAnswer', '48500100209', { customerAnswerTimeout: 2 }, PREVIEW_EVENTS.slice(0, 3)],
    ['rejected', '48500100208', {}, PREVIEW_EVENTS.slice(0, 3)],
    ['failed', '48500100207', {}, ['previewObCallResult', 'previewObCallStart']],
  ];
  const reasons: Record<string, string> = {
    busy: 'customerBusy',
    noAnswer: 'customerNoAnswer',
    rejected: 'customerRejected',
    failed: 'failed',
  };
  for (const [label, number, extra, before] of failures) {
    it(`ends a ${label} customer with previewObCallResult result != 0, reason ${reasons[label]}`, async () => {
      const resp = await c.req('previewObCall', '1001', { customerNumber: number, ...extra });
      assert.equal(resp.code, 0);
      const end = await c.event(
        'previewObCallResult',
        (e) => e.reqId === resp.reqId && e.data.result !== 0,
      );
      assert.equal(end.data.reason, reasons[label]);
      const evs = processEvents(c, resp.reqId);
      assert.deepEqual(
        evs.map((e) => e.name),
        [...before, 'previewObCallResult'],
      );
      assert.ok(!evs.some((e) => e.name === 'previewObCallBridge'));
      const idle = await c.event('agentStatus', (e) => e.data.state === 'idle');
      assert.equal(idle.data.reason, reasons[label]);
      const failure = await c.event('connection_failure');
      assert.equal(failure.data.seance_id, resp.data.ids.seance_id);
      await c.event('seance_delete');
      assert.equal(sim.stats().activeCalls, 0);
      // The agent can call again.
      await bridged(c);
      c.assertValid();
    });
  }

  it('ends with agentNoAnswer when the agent does not pick up', async () => {
    await sim.dispose();
    ({ sim, c } = await setup({ scenario: { agents: { 1001: { answers: false } } } }));
    const resp = await c.req('previewObCall', '1001', {
      customerNumber: CUSTOMER,
      agentAnswerTimeout: 1,
    });
    const end = await c.event('previewObCallResult', (e) => e.data.result !== 0);
    assert.equal(end.data.reason, 'agentNoAnswer');
    assert.deepEqual(
      processEvents(c, resp.reqId).map((e) => e.name),
      ['previewObCallResult', 'previewObCallResult'],
    );
    assert.ok(
      !c.events('ccs').some((e) => e.name === 'call_create' && e.data.info.role === 'customer'),
    );
  });

  it('lets the agent answer with sipLink and cancel with sipUnlink', async () => {
    await sim.dispose();
    ({ sim, c } = await setup({ scenario: { agents: { 1001: { answers: false } } } }));
    const resp = await c.req('previewObCall', '1001', { customerNumber: CUSTOMER });
    const link = await c.req('sipLink', '1001');
    assert.equal(link.code, 0);
    await c.event('previewObCallBridge', (e) => e.reqId === resp.reqId);
    assert.equal((await c.req('sipLink', '1001')).errorCode, 'INVALID_STATE');
    const r2 = await c.req('sipUnlink', '1001');
    assert.equal(r2.code, 0);
    await c.event('agentStatus', (e) => e.data.state === 'idle');
    // Cancel while the customer rings.
    const resp2 = await c.req('previewObCall', '1001', { customerNumber: '48500100209' });
    await c.req('sipLink', '1001');
    await c.event('previewObCallRinging', (e) => e.reqId === resp2.reqId);
    await c.req('sipUnlink', '1001');
    const end = await c.event(
      'previewObCallResult',
      (e) => e.reqId === resp2.reqId && e.data.result !== 0,
    );
    assert.equal(end.data.reason, 'canceled');
    c.assertValid();
  });

  it('refuses a second preview call on a busy agent with INVALID_STATE', async () => {
    await bridged(c);
    const again = await c.req('previewObCall', '1001', { customerNumber: CUSTOMER });
    assert.equal(again.errorCode, 'INVALID_STATE');
    assert.equal(processEvents(c, again.reqId).length, 0);
  });
});

describe('simulator: consult, three-way, complete transfer (seed 000)', () => {
  let sim: Simulator;
  let c: SimClient;
  beforeEach(async () => ({ sim, c } = await setup()));
  afterEach(async () => {
    c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  async function consulted(target = '1002', targetType = 1) {
    const call = await bridged(c);
    const resp = await c.req('startAtxfer', '1001', { targetType, target });
    assert.equal(resp.code, 0, resp.message);
    const link = await c.event('atxferLink', (e) => e.reqId === resp.reqId);
    return { call, resp, link };
  }

  it('consults an agent: response, atxferStart, atxferLink; the customer is held', async () => {
    const { resp, link, call } = await consulted();
    const evs = processEvents(c, resp.reqId);
    assert.deepEqual(
      evs.map((e) => e.name),
      ['atxferStart', 'atxferLink'],
    );
    assert.ok(c.indexOf(resp) < c.indexOf(evs[0]));
    assert.equal(link.data.target, '1002');
    const hold = c.events('dialog').find((e) => e.name === 'dialog_hold');
    assert.equal(hold?.data.dialog_uuid, call.bridge.data.ids.dialog_uuid, 'the holding party');
    const held = c
      .events('ccs')
      .find((e) => e.name === 'call_set_state' && e.data.state === 'hold');
    assert.equal(held?.data.call_id, call.bridge.data.ids.customer_call_id);
    const ring = await c.event('ringing', (e) => e.agent === '1002');
    assert.equal(ring.data.callType, 'consult');
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'talking');
    await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'consult-talking');
    c.assertValid();
  });

  it('joins a three-way call, then completes the transfer: the customer stays with the target', async () => {
    const { call } = await consulted();
    const three = await c.req('threewayAtxfer', '1001');
    assert.equal(three.code, 0);
    const joined = await c.event('threewayAtxferResult', (e) => e.reqId === three.reqId);
    assert.equal(joined.data.result, 0);
    assert.ok(c.indexOf(three) < c.indexOf(joined));
    const meetings = c.events('dialog').filter((e) => e.name === 'dialog_meeting_entered');
    assert.equal(meetings.length, 3);
    assert.equal(new Set(meetings.map((m) => m.data.meeting_uuid)).size, 1);
    const done = await c.req('completeAtxfer', '1001');
    assert.equal(done.code, 0);
    const result = await c.event('completeAtxferResult', (e) => e.reqId === done.reqId);
    assert.equal(result.data.result, 0);
    assert.ok(c.indexOf(done) < c.indexOf(result));
    const next = await c.event('seance_set_next_number');
    assert.equal(next.data.number, '8002');
    assert.equal(next.data.seance_id, call.resp.data.ids.seance_id);
    const left = await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'idle');
    assert.equal(left.data.reason, 'transferred');
    const agentClose = c
      .events('dialog')
      .find(
        (e) => e.name === 'dialog_close' && e.data.dialog_uuid === call.bridge.data.ids.dialog_uuid,
      );
    assert.equal(agentClose?.data.close_cause, 'HANGUP');
    assert.ok(
      !c
        .events('dialog')
        .some(
          (e) =>
            e.name === 'dialog_close' &&
            e.data.dialog_uuid === call.bridge.data.ids.customer_dialog_uuid,
        ),
      'the customer dialog stays open',
    );
    // The target now serves the customer and can hang up; the customer side closes DIALOG_LEFT.
    const took = await c.event(
      'agentStatus',
      (e) => e.agent === '1002' && e.data.reason === 'transferIn',
    );
    assert.equal(took.data.ids.customer_call_id, call.bridge.data.ids.customer_call_id);
    assert.equal(sim.customerHangup('1002'), true);
    const custClose = await c.event(
      'dialog_close',
      (e) => e.data.dialog_uuid === call.bridge.data.ids.customer_dialog_uuid,
    );
    assert.equal(custClose.data.close_cause, 'HANGUP');
    await c.event('seance_delete');
    const idle2 = await c.event(
      'agentStatus',
      (e) => e.agent === '1002' && e.data.state === 'idle',
    );
    assert.equal(idle2.data.reason, 'customerHangup');
    c.assertValid();
  });

  it('completes a transfer straight from the consult', async () => {
    await consulted();
    const done = await c.req('completeAtxfer', '1001');
    assert.equal(
      (await c.event('completeAtxferResult', (e) => e.reqId === done.reqId)).data.result,
      0,
    );
    await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'idle');
  });

  it('reports atxferError when the target is busy or fails, and the agent is back with the customer', async () => {
    await bridged(c);
    const busy = await c.req('startAtxfer', '1001', { targetType: 0, target: '48600000000' });
    const err = await c.event('atxferError', (e) => e.reqId === busy.reqId);
    assert.equal(err.data.state, 'busy');
    await c.event(
      'agentStatus',
      (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'busy',
    );
    const unheld = c
      .events('ccs')
      .filter((e) => e.name === 'call_set_state' && e.data.state === 'talking');
    assert.ok(unheld.length >= 3, 'the customer is taken off hold');
    const fail = await c.req('startAtxfer', '1001', { targetType: 0, target: '48600000007' });
    assert.equal(
      (await c.event('atxferError', (e) => e.reqId === fail.reqId)).data.state,
      'failed',
    );
    // A busy target agent.
    await bridged(c, '1003');
    const ag = await c.req('startAtxfer', '1001', { targetType: 1, target: '1003' });
    assert.equal((await c.event('atxferError', (e) => e.reqId === ag.reqId)).data.state, 'busy');
    const unknown = await c.req('startAtxfer', '1001', { targetType: 1, target: '7777' });
    assert.equal(unknown.errorCode, 'BAD_PARAMS');
    c.assertValid();
  });

  it('ends the consult with atxferEnded on cancelAtxfer and when the target hangs up', async () => {
    await consulted();
    const cancel = await c.req('cancelAtxfer', '1001');
    assert.equal(cancel.code, 0);
    const ended = await c.event('atxferEnded', (e) => e.reqId === cancel.reqId);
    assert.equal(ended.data.hangupSide, 'agent');
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'idle');
    // Consult again, the target hangs up.
    const again = await c.req('startAtxfer', '1001', { targetType: 2, target: '8002' });
    await c.event('atxferLink', (e) => e.reqId === again.reqId);
    const bye = await c.req('sipUnlink', '1002');
    assert.equal(bye.code, 0);
    const ended2 = await c.event('atxferEnded', (e) => e.reqId === again.reqId);
    assert.equal(ended2.data.hangupSide, 'target');
    await c.event(
      'agentStatus',
      (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'targetHangup',
    );
    assert.equal((await c.req('cancelAtxfer', '1001')).errorCode, 'INVALID_STATE');
    c.assertValid();
  });

  it('sends atxferThreewayUnlink when a party leaves the three-way call', async () => {
    await consulted();
    const three = await c.req('threewayAtxfer', '1001');
    await c.event('threewayAtxferResult', (e) => e.reqId === three.reqId);
    await c.req('sipUnlink', '1002');
    const unlink = await c.event('atxferThreewayUnlink', (e) => e.reqId === three.reqId);
    assert.equal(unlink.data.reason, 'targetHangup');
    await c.event(
      'agentStatus',
      (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'targetHangup',
    );
    assert.equal((await c.req('completeAtxfer', '1001')).errorCode, 'INVALID_STATE');
  });

  it('refuses transfer operations in the wrong state with INVALID_STATE', async () => {
    for (const op of [
      'startAtxfer',
      'threewayAtxfer',
      'completeAtxfer',
      'cancelAtxfer',
      'hold',
      'sipUnlink',
    ]) {
      const params = op === 'startAtxfer' ? { targetType: 1, target: '1002' } : {};
      const r = await c.req(op, '1001', params);
      assert.equal(r.errorCode, 'INVALID_STATE', op);
    }
    await bridged(c);
    assert.equal((await c.req('threewayAtxfer', '1001')).errorCode, 'INVALID_STATE');
    assert.equal((await c.req('completeAtxfer', '1001')).errorCode, 'INVALID_STATE');
  });

  it('blind-transfers (blxfer): the agent leaves at once, the target takes the customer', async () => {
    await bridged(c);
    const r = await c.req('blxfer', '1001', { targetType: 1, target: '1004' });
    assert.equal(r.code, 0);
    await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'idle');
    await c.event('agentStatus', (e) => e.agent === '1004' && e.data.state === 'talking');
    assert.equal((await c.event('seance_set_next_number')).data.number, '8004');
  });
});

describe('simulator: call control, inbound calls', () => {
  let sim: Simulator;
  let c: SimClient;
  beforeEach(async () => ({ sim, c } = await setup()));
  afterEach(async () => {
    c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  it('holds and unholds, mutes, sends DTMF, pauses', async () => {
    const { bridge } = await bridged(c);
    assert.equal((await c.req('hold', '1001')).code, 0);
    const hold = await c.event('dialog_hold');
    assert.equal(hold.data.dialog_uuid, bridge.data.ids.dialog_uuid);
    assert.equal((await c.req('hold', '1001')).errorCode, 'INVALID_STATE');
    assert.equal((await c.req('unhold', '1001')).code, 0);
    assert.equal((await c.req('mute', '1001')).code, 0);
    assert.equal((await c.req('mute', '1001')).errorCode, 'INVALID_STATE');
    const upd = await c.event('call_update');
    assert.deepEqual(upd.data.info, { muted: true, mute: { in: true, out: true } });
    // One direction at a time: unmute what the customer hears, the agent stays deaf to it.
    assert.equal((await c.req('unmute', '1001', { direction: 'out' })).code, 0);
    const half = await c.event('call_update', (e) => e.data.info.mute.out === false);
    assert.deepEqual(half.data.info, { muted: true, mute: { in: true, out: false } });
    assert.equal((await c.req('unmute', '1001', { direction: 'out' })).errorCode, 'INVALID_STATE');
    assert.equal((await c.req('mute', '1001', { direction: 'up' })).errorCode, 'BAD_PARAMS');
    assert.equal((await c.req('unmute', '1001')).code, 0);
    assert.equal((await c.req('sendDtmf', '1001', { digits: '12#' })).code, 0);
    await c.event('call_dtmf', (e) => e.data.digit === '#');
    const digits = c.events('ccs').filter((e) => e.name === 'call_dtmf');
    assert.deepEqual(
      digits.map((e) => e.data.digit),
      ['1', '2', '#'],
    );
    assert.ok(digits.every((e) => e.data.call_id === bridge.data.ids.call_id));
    assert.equal((await c.req('sendDtmf', '1002', { digits: '1' })).errorCode, 'INVALID_STATE');
    assert.equal((await c.req('pause', '1002', { pauseType: 3 })).code, 0);
    const p = await c.event('agentStatus', (e) => e.agent === '1002');
    assert.equal(p.data.state, 'paused');
    assert.equal((await c.req('pause', '1002')).errorCode, 'INVALID_STATE');
    assert.equal((await c.req('unpause', '1002')).code, 0);
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'idle');
    c.assertValid();
  });

  it('routes an inbound call to an idle, unpaused agent: ringing, dialogs, ccsevents', async () => {
    await c.req('pause', '1001');
    const r = sim.inboundCall('48500100301');
    assert.ok(r);
    const ring = await c.event('ringing');
    assert.equal(ring.agent, '1002');
    assert.equal(ring.data.callType, 'inbound');
    assert.equal(ring.data.customerNumber, '48500100301');
    assert.equal(ring.data.ids.seance_id, r.seanceId);
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'talking');
    const creates = c.events('dialog').filter((e) => e.name === 'dialog_create');
    const ext = creates.find((e) => e.data.dialog_type === 'EXTERNAL')!;
    const agentDlg = creates.find((e) => e.data.dialog_type === 'CONSULTANT')!;
    assert.equal(ext.data.direction, 'OUTBOUND');
    assert.equal(ext.data.business_direction, 'INBOUND');
    assert.equal(agentDlg.data.direction, 'INBOUND');
    assert.equal(
      agentDlg.data.initial_application_info.data.caller_dialog_uuid,
      ext.data.dialog_uuid,
    );
    assert.equal((await c.req('sipUnlink', '1002')).code, 0);
    const closes = await Promise.all([
      c.event('dialog_close', (e) => e.data.dialog_uuid === agentDlg.data.dialog_uuid),
      c.event('dialog_close', (e) => e.data.dialog_uuid === ext.data.dialog_uuid),
    ]);
    assert.deepEqual(
      closes.map((e) => e.data.close_cause),
      ['HANGUP', 'DIALOG_LEFT'],
    );
    assert.equal(sim.inboundCall('48500100301', '1001'), undefined, 'a paused agent is skipped');
    c.assertValid();
  });

  it('generates inbound traffic with inboundPerMinute', async () => {
    await sim.dispose();
    ({ sim, c } = await setup({ inboundPerMinute: 600, speed: 100 }));
    await c.event('ringing', () => true, 3000);
    await c.event('agentStatus', (e) => e.data.state === 'talking', 3000);
  });
});

describe('simulator: dialog webhooks and the three views (seeds 003, 004)', () => {
  let sim: Simulator;
  let c: SimClient;
  let server: http.Server;
  let received: { headers: http.IncomingHttpHeaders; raw: string; body: Record<string, any> }[];
  let hookUrl: string;

  beforeEach(async () => {
    received = [];
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({ headers: req.headers, raw, body: JSON.parse(raw) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    ({ sim, c } = await setup({
      webhooks: [hookUrl, 'http://127.0.0.1:1/unreachable'],
      webhookToken: 'tok',
      webhookHmacSecret: 'sekret',
    }));
  });
  afterEach(async () => {
    c.close();
    await sim.dispose();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const keys = (o: Record<string, unknown>) => Object.keys(o).sort();

  it('posts the 8 bodies of seed 003 for one outbound call the customer hangs up, same keys and order', async () => {
    const seed = seedBodies(readSeed('003'));
    assert.equal(seed.length, 8);
    const { bridge } = await bridged(c);
    sim.customerHangup('1001');
    await c.event('seance_delete');
    await sim.drainWebhooks();
    // The socket carries the dialog events in model order; the webhooks per dialog in that order.
    const bodies = c.events('dialog').map((e) => e.data);
    assert.equal(bodies.length, 8);
    assert.equal(received.length, 8);
    for (const uuid of new Set(bodies.map((b) => b.dialog_uuid))) {
      assert.deepEqual(
        received.map((r) => r.body).filter((b) => b.dialog_uuid === uuid),
        bodies.filter((b) => b.dialog_uuid === uuid),
        `webhooks of dialog ${uuid} in order`,
      );
    }
    const agentUuid = bridge.data.ids.dialog_uuid;
    const custUuid = bridge.data.ids.customer_dialog_uuid;
    // Map the seed's uuids to ours: body 1 is the agent's dialog, body 2 the customer's.
    const role = (uuid: unknown, agent: unknown, cust: unknown) =>
      uuid === agent ? 'agent' : uuid === cust ? 'customer' : 'other';
    for (let i = 0; i < 8; i++) {
      const s = seed[i];
      const b = bodies[i];
      assert.equal(b.event_name, s.event_name, `body ${i + 1}`);
      assert.deepEqual(keys(b), keys(s), `keys of body ${i + 1} (${String(s.event_name)})`);
      assert.equal(
        role(b.dialog_uuid, agentUuid, custUuid),
        role(s.dialog_uuid, seed[0].dialog_uuid, seed[1].dialog_uuid),
        `party of body ${i + 1}`,
      );
      for (const k of ['direction', 'business_direction', 'dialog_type', 'state', 'close_cause']) {
        if (k in s) assert.equal(b[k], s[k], `body ${i + 1}.${k}`);
      }
      for (const k of ['initial_application_info', 'tenant_user', 'anonymous', 'project']) {
        const sv = s[k] as Record<string, unknown> | undefined;
        if (sv && typeof sv === 'object')
          assert.deepEqual(keys(b[k]), keys(sv), `body ${i + 1}.${k}`);
      }
      assert.match(b.event_time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    assert.equal(bodies[1].initial_application_info.data.caller_dialog_uuid, agentUuid);
    assert.deepEqual(
      keys(bodies[1].initial_application_info.data),
      keys((seed[1].initial_application_info as any).data),
    );
    // Headers: JSON, the token, and an HMAC of the raw body.
    for (const r of received) {
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['x-cc-token'], 'tok');
      const mac = crypto.createHmac('sha256', 'sekret').update(r.raw).digest('hex');
      assert.equal(r.headers['x-cc-signature'], `sha256=${mac}`);
    }
    const st = sim.stats();
    assert.equal(st.webhooksSent, 8);
    assert.equal(st.webhookFailures, 8, 'the unreachable URL is counted, not fatal');
  });

  it('closes with HANGUP on the side that hung up and DIALOG_LEFT on the other', async () => {
    const { bridge } = await bridged(c);
    await c.req('sipUnlink', '1001');
    await c.event('seance_delete');
    await sim.drainWebhooks();
    const closes = received.filter((r) => r.body.event_name === 'dialog_close').map((r) => r.body);
    assert.deepEqual(
      closes.map((b) => [b.dialog_uuid, b.close_cause]),
      [
        [bridge.data.ids.dialog_uuid, 'HANGUP'],
        [bridge.data.ids.customer_dialog_uuid, 'DIALOG_LEFT'],
      ],
    );
  });

  it('keeps ccsevents ids consistent across calls, connections and seances', async () => {
    const { bridge } = await bridged(c);
    sim.customerHangup('1001');
    await c.event('seance_delete');
    const ccs = c.events('ccs').map((e) => ({ name: e.name as string, d: e.data }));
    assert.ok(ccs.every((e) => e.d.domain === 'demo.cc.local'));
    const seance = bridge.data.ids.seance_id;
    assert.ok(ccs.every((e) => e.d.seance_id === seance));
    assert.equal(ccs[0].name, 'seance_create');
    assert.equal(ccs[ccs.length - 1].name, 'seance_delete');
    const created = ccs.filter((e) => e.name === 'call_create').map((e) => e.d.call_id);
    const attached = ccs.filter((e) => e.name === 'call_attach_to_seance').map((e) => e.d.call_id);
    const deleted = ccs.filter((e) => e.name === 'call_delete').map((e) => e.d.call_id);
    assert.deepEqual(created, [bridge.data.ids.call_id, bridge.data.ids.customer_call_id]);
    assert.deepEqual(attached, created);
    assert.deepEqual([...deleted].sort(), [...created].sort());
    const conns = ccs.filter((e) => e.name === 'connection_create').map((e) => e.d.connection_id);
    assert.deepEqual(conns, [bridge.data.ids.connection_id]);
    const linked = ccs.filter((e) => e.name === 'connection_link_call');
    assert.deepEqual(linked.map((e) => e.d.call_id).sort(), [...created].sort());
    assert.ok(linked.every((e) => e.d.connection_id === conns[0]));
    assert.ok(
      ccs.some((e) => e.name === 'connection_attach_to_seance' && e.d.connection_id === conns[0]),
    );
    assert.ok(ccs.some((e) => e.name === 'connection_delete' && e.d.connection_id === conns[0]));
    // Every call event refers to a created call; nothing after its deletion.
    for (const [i, e] of ccs.entries()) {
      if (e.d.call_id !== undefined) assert.ok(created.includes(e.d.call_id), e.name);
      if (e.name === 'call_delete') {
        assert.ok(
          !ccs.slice(i + 1).some((x) => x.d.call_id === e.d.call_id && x.name.startsWith('call_')),
        );
      }
    }
  });

  it('tells one call the same way in all three families: parties, end, cause', async () => {
    const { resp, bridge } = await bridged(c);
    sim.customerHangup('1001');
    await c.event('seance_delete');
    const idle = await c.event('agentStatus', (e) => e.data.state === 'idle');
    const ids = bridge.data.ids;
    // Parties: agent and customer dialogs, legs and numbers.
    const creates = c.events('dialog').filter((e) => e.name === 'dialog_create');
    assert.deepEqual(
      creates.map((e) => e.data.dialog_uuid),
      [ids.dialog_uuid, ids.customer_dialog_uuid],
    );
    assert.equal(creates[1].data.self_target, CUSTOMER);
    const custLeg = c
      .events('ccs')
      .find((e) => e.name === 'call_create' && e.data.call_id === ids.customer_call_id);
    assert.equal(custLeg?.data.number, CUSTOMER);
    assert.equal((processEvents(c, resp.reqId)[1].data as any).customerNumber, CUSTOMER);
    // End and cause: the customer hung up.
    assert.equal(idle.data.reason, 'customerHangup');
    assert.equal(idle.data.ids.seance_id, ids.seance_id);
    const closeCust = c
      .events('dialog')
      .find((e) => e.name === 'dialog_close' && e.data.dialog_uuid === ids.customer_dialog_uuid);
    const closeAgent = c
      .events('dialog')
      .find((e) => e.name === 'dialog_close' && e.data.dialog_uuid === ids.dialog_uuid);
    assert.equal(closeCust?.data.close_cause, 'HANGUP');
    assert.equal(closeAgent?.data.close_cause, 'DIALOG_LEFT');
    const delCust = c
      .events('ccs')
      .find((e) => e.name === 'call_delete' && e.data.call_id === ids.customer_call_id);
    const delAgent = c
      .events('ccs')
      .find((e) => e.name === 'call_delete' && e.data.call_id === ids.call_id);
    assert.equal(delCust?.data.info.cause, 'HANGUP');
    assert.equal(delAgent?.data.info.cause, 'DIALOG_LEFT');
    const state = c
      .events('ccs')
      .find((e) => e.name === 'seance_set_state' && e.data.state === 'closed');
    assert.equal(state?.data.info.reason, 'customerHangup');
    // All three families ended after the bridge, and nothing follows the end.
    const last = c.events().slice(-1)[0];
    assert.equal(last.name, 'agentStatus');
    c.assertValid();
  });
});

describe('simulator: load', () => {
  it('keeps many concurrent calls going in load mode and reaches a subscriber', async () => {
    const { sim, url } = await startSim({ load: { calls: 50, talkMs: 2000 }, speed: 100 });
    const c = await SimClient.login(url);
    try {
      await c.subscribe('ccs', ['ccsevents.*']);
      // Wait for the conditions (bounded), never for a fixed time: a loaded machine is slower.
      let peak = 0;
      const deadline = Date.now() + 8000;
      const cycled = () => c.events().some((e) => e.name === 'seance_delete');
      while (Date.now() < deadline && !(peak >= 40 && c.events().length > 500 && cycled())) {
        peak = Math.max(peak, sim.stats().activeCalls);
        await delay(20);
      }
      assert.ok(peak >= 40, `peak active calls ${peak}`);
      const n = c.events().length;
      assert.ok(n > 500, `events received: ${n}`);
      assert.ok(cycled(), 'calls cycle');
      c.assertValid();
      assert.equal(sim.stats().invalidEvents, 0);
    } finally {
      c.close();
      await sim.dispose();
    }
  });
});

describe('simulator: consult cancelled before the link', () => {
  it('ends both startAtxfer and cancelAtxfer with atxferEnded, and keeps channel variables', async () => {
    const { sim, c } = await setup({
      scenario: { agents: { 1001: {}, 1002: { answers: false } } },
    });
    try {
      const call = await c.req('previewObCall', '1001', {
        customerNumber: CUSTOMER,
        channelVariables: { crmId: 'L-42' },
      });
      await c.event('previewObCallBridge', (e) => e.reqId === call.reqId);
      const created = await c.event('seance_create');
      assert.deepEqual(created.data.info.channelVariables, { crmId: 'L-42' });
      const start = await c.req('startAtxfer', '1001', { targetType: 1, target: '1002' });
      await c.event('ringing', (e) => e.agent === '1002');
      const cancel = await c.req('cancelAtxfer', '1001');
      assert.equal(cancel.code, 0);
      const a = await c.event('atxferEnded', (e) => e.reqId === cancel.reqId);
      const b = await c.event('atxferEnded', (e) => e.reqId === start.reqId);
      assert.equal(a.data.state, 'canceled');
      assert.equal(b.data.hangupSide, 'agent');
      assert.ok(!c.events().some((e) => e.name === 'atxferLink'));
      await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'idle');
      await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'talking');
      c.assertValid();
      assert.equal(sim.stats().invalidEvents, 0);
    } finally {
      c.close();
      await sim.dispose();
    }
  });
});

describe('simulator: consult, three-way and transfer outcomes from the target rules', () => {
  let sim: Simulator;
  let c: SimClient;
  afterEach(async () => {
    c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  /** A bridged call of 1001, then a linked consult of `target` (external unless targetType). */
  async function linked(target: string, targetType = 0) {
    const call = await bridged(c);
    const consult = await c.req('startAtxfer', '1001', { targetType, target });
    assert.equal(consult.code, 0, consult.message);
    const link = await c.event('atxferLink', (e) => e.reqId === consult.reqId);
    return { call, consult, link };
  }

  const closeOf = (uuid: string) =>
    c.events('dialog').find((e) => e.name === 'dialog_close' && e.data.dialog_uuid === uuid);
  const ccsOf = (name: string, pred: (d: Frame['data']) => boolean = () => true) =>
    c.events('ccs').filter((e) => e.name === name && pred(e.data));

  it('consult: a target that does not answer or rejects ends in atxferError (state noAnswer / rejected)', async () => {
    ({ sim, c } = await setup());
    await bridged(c);
    for (const [target, state, side, cause] of [
      ['48600000009', 'noAnswer', 'agent', 'DIALOG_LEFT'],
      ['48600000008', 'rejected', 'target', 'HANGUP'],
    ]) {
      const r = await c.req('startAtxfer', '1001', { targetType: 0, target });
      assert.equal(r.code, 0);
      const err = await c.event('atxferError', (e) => e.reqId === r.reqId, 5000);
      assert.equal(err.data.state, state);
      assert.equal(err.data.hangupSide, side);
      assert.deepEqual(
        processEvents(c, r.reqId).map((e) => e.name),
        ['atxferStart', 'atxferError'],
      );
      assert.ok(c.indexOf(r) < c.indexOf(processEvents(c, r.reqId)[0]));
      const targetCall =
        err.data.ids.target_call_id ?? processEvents(c, r.reqId)[0].data.ids.target_call_id;
      assert.equal(
        closeOf(processEvents(c, r.reqId)[0].data.ids.target_dialog_uuid)?.data.close_cause,
        cause,
      );
      assert.equal(
        ccsOf('call_delete', (d) => d.call_id === targetCall)[0]?.data.info.cause,
        cause,
      );
      assert.equal(
        ccsOf('connection_failure', (d) => d.call_id === targetCall)[0]?.data.state,
        state,
      );
      await c.event(
        'agentStatus',
        (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === state,
      );
    }
    c.assertValid();
  });

  it('consult: a target that answers and hangs up later sends atxferEnded (hangupSide target) after the link', async () => {
    ({ sim, c } = await setup());
    const { consult } = await linked('48600000006');
    const ended = await c.event('atxferEnded', (e) => e.reqId === consult.reqId, 5000);
    assert.equal(ended.data.hangupSide, 'target');
    assert.deepEqual(
      processEvents(c, consult.reqId).map((e) => e.name),
      ['atxferStart', 'atxferLink', 'atxferEnded'],
    );
    await c.event(
      'agentStatus',
      (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'targetHangup',
    );
    c.assertValid();
  });

  it('consult: the customer hanging up while the target rings ends it with atxferEnded (hangupSide customer)', async () => {
    ({ sim, c } = await setup());
    const { bridge } = await bridged(c);
    const r = await c.req('startAtxfer', '1001', { targetType: 0, target: '48600000009' });
    const start = await c.event('atxferStart', (e) => e.reqId === r.reqId);
    assert.equal(sim.customerHangup('1001'), true);
    const ended = await c.event('atxferEnded', (e) => e.reqId === r.reqId);
    assert.equal(ended.data.hangupSide, 'customer');
    assert.ok(!processEvents(c, r.reqId).some((e) => e.name === 'atxferLink'));
    await c.event('seance_delete');
    // dialogs: the customer hung up, the agent and the ringing target were left
    assert.equal(closeOf(bridge.data.ids.customer_dialog_uuid)?.data.close_cause, 'HANGUP');
    assert.equal(closeOf(bridge.data.ids.dialog_uuid)?.data.close_cause, 'DIALOG_LEFT');
    assert.equal(closeOf(start.data.ids.target_dialog_uuid)?.data.close_cause, 'DIALOG_LEFT');
    const state = ccsOf('seance_set_state', (d) => d.state === 'closed')[0];
    assert.equal(state?.data.info.reason, 'customerHangup');
    assert.equal(sim.stats().activeCalls, 0);
    c.assertValid();
  });

  it('three-way and complete transfer refused by the target rule: result != 0, the consult goes on', async () => {
    ({ sim, c } = await setup());
    const { consult, link, call } = await linked('48600000004');
    const three = await c.req('threewayAtxfer', '1001');
    assert.equal(three.code, 0, 'accepted; the platform refuses later');
    const res = await c.event('threewayAtxferResult', (e) => e.reqId === three.reqId);
    assert.ok(c.indexOf(three) < c.indexOf(res));
    assert.equal(res.data.result, 1);
    assert.equal(res.data.reason, 'threewayRefused');
    assert.ok(!c.events('dialog').some((e) => e.name === 'dialog_meeting_entered'));
    const failure = ccsOf('connection_failure', (d) => d.call_id === link.data.ids.target_call_id);
    assert.equal(failure.length, 1);
    assert.equal(failure[0].data.info.reason, 'threewayRefused');
    assert.equal(failure[0].data.connection_id, call.bridge.data.ids.connection_id);
    const done = await c.req('completeAtxfer', '1001');
    assert.equal(done.code, 0);
    const cres = await c.event('completeAtxferResult', (e) => e.reqId === done.reqId);
    assert.equal(cres.data.result, 1);
    assert.equal(cres.data.reason, 'transferRefused');
    assert.ok(!c.events('ccs').some((e) => e.name === 'seance_set_next_number'));
    assert.ok(!closeOf(call.bridge.data.ids.dialog_uuid), "the agent's dialog stays open");
    assert.ok(
      !c.events('agent').some((e) => e.agent === '1001' && e.data.state === 'idle'),
      'the agent stays on the call',
    );
    // Still consulting: the agent can cancel and gets the customer back.
    const cancel = await c.req('cancelAtxfer', '1001');
    assert.equal(cancel.code, 0);
    await c.event('atxferEnded', (e) => e.reqId === cancel.reqId);
    assert.deepEqual(
      processEvents(c, consult.reqId).map((e) => e.name),
      ['atxferStart', 'atxferLink'],
    );
    await c.event(
      'agentStatus',
      (e) =>
        e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'consultCanceled',
    );
    c.assertValid();
  });

  it('three-way: a target that hangs up as it is joined ends it with atxferThreewayUnlink, no result', async () => {
    ({ sim, c } = await setup());
    const { link, call } = await linked('48600000005');
    const three = await c.req('threewayAtxfer', '1001');
    assert.equal(three.code, 0);
    const unlink = await c.event('atxferThreewayUnlink', (e) => e.reqId === three.reqId);
    assert.ok(c.indexOf(three) < c.indexOf(unlink));
    assert.equal(unlink.data.reason, 'targetHangup');
    assert.deepEqual(
      processEvents(c, three.reqId).map((e) => e.name),
      ['atxferThreewayUnlink'],
    );
    const ids = link.data.ids;
    assert.equal(closeOf(ids.target_dialog_uuid)?.data.close_cause, 'HANGUP');
    assert.equal(
      ccsOf('call_delete', (d) => d.call_id === ids.target_call_id)[0]?.data.info.cause,
      'HANGUP',
    );
    assert.ok(ccsOf('connection_delete').length >= 1, 'the consult connection is gone');
    assert.ok(!c.events('dialog').some((e) => e.name === 'dialog_meeting_entered'));
    await c.event(
      'agentStatus',
      (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'targetHangup',
    );
    assert.ok(!closeOf(call.bridge.data.ids.customer_dialog_uuid), 'the customer stays');
    assert.equal((await c.req('completeAtxfer', '1001')).errorCode, 'INVALID_STATE');
    // The agent and the customer go on talking; the agent can hold the customer.
    assert.equal((await c.req('hold', '1001')).code, 0);
    c.assertValid();
  });

  it('complete transfer: a target that hangs up during the hand-over gives result != 0 (targetGone)', async () => {
    ({ sim, c } = await setup());
    const { consult, call } = await linked('48600000005');
    const done = await c.req('completeAtxfer', '1001');
    assert.equal(done.code, 0);
    const res = await c.event('completeAtxferResult', (e) => e.reqId === done.reqId);
    assert.equal(res.data.result, 2);
    assert.equal(res.data.reason, 'targetGone');
    // Then the consult ends as it does when the target hangs up.
    const ended = await c.event('atxferEnded', (e) => e.reqId === consult.reqId);
    assert.equal(ended.data.hangupSide, 'target');
    assert.ok(c.indexOf(res) < c.indexOf(ended));
    await c.event(
      'agentStatus',
      (e) => e.agent === '1001' && e.data.state === 'talking' && e.data.reason === 'targetHangup',
    );
    assert.ok(!c.events('ccs').some((e) => e.name === 'seance_set_next_number'));
    assert.ok(!closeOf(call.bridge.data.ids.dialog_uuid), 'the agent keeps the customer');
    c.assertValid();
  });

  it('party leaving while the platform is still joining / transferring (slower clock)', async () => {
    ({ sim, c } = await setup({ speed: 10 }));
    // The consulted agent hangs up right after the three-way request: unlink, no result.
    const { consult } = await linked('1002', 1);
    // Both requests on the wire at once: the hang-up reaches the simulator within the join
    // time (30 ms here) even when a loaded machine delays the response's round trip.
    const [three, hangup] = await Promise.all([
      c.req('threewayAtxfer', '1001'),
      c.req('sipUnlink', '1002'),
    ]);
    assert.equal(three.code, 0);
    assert.equal(hangup.code, 0);
    const unlink = await c.event('atxferThreewayUnlink', (e) => e.reqId === three.reqId);
    assert.equal(unlink.data.reason, 'targetHangup');
    await delay(60); // past the join time at speed 10
    assert.deepEqual(
      processEvents(c, three.reqId).map((e) => e.name),
      ['atxferThreewayUnlink'],
    );
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'idle');
    assert.ok(!processEvents(c, consult.reqId).some((e) => e.name === 'atxferEnded'));
    // The customer hangs up during a hand-over: result != 0 (customerHangup), the call ends.
    const again = await c.req('startAtxfer', '1001', { targetType: 1, target: '1003' });
    await c.event('atxferLink', (e) => e.reqId === again.reqId);
    // Hang up as soon as the simulator (in this process) has taken the request, not after the
    // response's round trip: the hand-over lasts only 30 ms here.
    const before = sim.stats().requests;
    const pending = c.req('completeAtxfer', '1001');
    const deadline = Date.now() + 5000;
    while (sim.stats().requests === before && Date.now() < deadline) {
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(sim.customerHangup('1001'), true);
    const done = await pending;
    assert.equal(done.code, 0);
    const res = await c.event('completeAtxferResult', (e) => e.reqId === done.reqId);
    assert.equal(res.data.result, 3);
    assert.equal(res.data.reason, 'customerHangup');
    await c.event('seance_delete');
    for (const agent of ['1001', '1003']) {
      const idle = await c.event(
        'agentStatus',
        (e) => e.agent === agent && e.data.state === 'idle' && e.data.reason === 'customerHangup',
      );
      assert.ok(c.indexOf(res) < c.indexOf(idle));
    }
    assert.ok(!c.events('ccs').some((e) => e.name === 'seance_set_next_number'));
    assert.equal(sim.stats().activeCalls, 0);
    c.assertValid();
  });
});
