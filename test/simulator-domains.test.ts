/**
 * ccsevents domains, forks and recording in the simulator, over real sockets: each event of a
 * call is duplicated to every domain whose subscriber takes part; the called party's domain
 * sees only what happens after routing; a fork's domain that did not answer sees only its own
 * fork; a recorded call reports connection_start_record and connection_set_record_info; the
 * customer's keys arrive as call_dtmf on the customer's leg.
 */
import assert from 'node:assert/strict';
import { SimClient, startSim, type Frame } from './simulator.test';
import type { Simulator } from '../src/simulator/simulator';
import type { Scenario } from '../src/simulator/api';

const A = 'a.cc.local';
const B = 'b.cc.local';
const CUSTOMER = '48500100201';

const scenario: Scenario = {
  recording: true,
  agents: {
    '1001': { domain: A, answerAfterMs: 200 },
    '1002': { domain: B, answerAfterMs: 400 },
    '1003': { domain: B, answerAfterMs: 5000 },
  },
};

/** A client subscribed to every ccsevent of one domain (or of all, with 'any'). */
async function domainClient(url: string, objects: 'any' | string[]): Promise<SimClient> {
  const c = await SimClient.login(url);
  const r = await c.subscribe('ccs', ['ccsevents.*'], 3600, objects);
  assert.equal(r.code, 0, r.message);
  return c;
}

/** An event without its domain: what two domains' copies have in common. */
const key = (e: Frame): string => {
  const { domain: _domain, ...rest } = e.data;
  void _domain;
  return `${e.name} ${JSON.stringify(rest)}`;
};

function count(list: Frame[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of list) out.set(key(e), (out.get(key(e)) ?? 0) + 1);
  return out;
}

describe('simulator: ccsevents domains and forks', function () {
  this.timeout(15000);
  let sim: Simulator;
  let url: string;
  const clients: SimClient[] = [];
  const track = (c: SimClient): SimClient => {
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    ({ sim, url } = await startSim({ scenario }));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  it('sends an event of a call joining two domains once to each domain subscriber', async () => {
    const a = track(await domainClient(url, [A]));
    const b = track(await domainClient(url, [B]));
    const both = track(await domainClient(url, 'any'));
    const op = track(await SimClient.login(url));
    const call = await op.req('previewObCall', '1001', { customerNumber: CUSTOMER });
    await op.event('previewObCallBridge', (e) => e.reqId === call.reqId);
    const consult = await op.req('startAtxfer', '1001', { targetType: 1, target: '1002' });
    assert.equal(consult.code, 0);
    await op.event('atxferLink', (e) => e.reqId === consult.reqId);
    const done = await op.req('completeAtxfer', '1001');
    await op.event('completeAtxferResult', (e) => e.reqId === done.reqId);
    assert.ok(sim.customerHangup('1002'));
    for (const c of [a, b, both]) await c.event('seance_delete');

    const evA = a.events('ccs');
    const evB = b.events('ccs');
    assert.ok(evA.every((e) => e.data.domain === A));
    assert.ok(evB.every((e) => e.data.domain === B));
    // Domain B joined with the consulted agent's leg: every event it saw, A saw too, and each
    // subscriber got it exactly as often as the call produced it (no doubled copies).
    const joined = evA.findIndex((e) => key(e) === key(evB[0]));
    assert.ok(joined > 0, 'A saw the call before B joined');
    const inA = count(evA.slice(joined));
    const inB = count(evB);
    assert.ok(inB.size > 5, 'B saw the rest of the call');
    for (const [k, n] of inB) assert.equal(inA.get(k), n, `${k}: as often in A as in B`);
    for (const name of ['connection_create', 'seance_set_next_number', 'seance_delete']) {
      assert.ok(
        evB.some((e) => e.name === name),
        `B saw ${name}`,
      );
    }
    // A subscriber of every domain receives one copy per domain that takes part.
    const evBoth = both.events('ccs');
    const del = evBoth.filter((e) => e.name === 'seance_delete');
    assert.deepEqual(del.map((e) => e.data.domain).sort(), [A, B]);
    const all = count(evBoth.slice(evBoth.findIndex((e) => key(e) === key(evB[0]))));
    for (const [k, n] of inB) assert.equal(all.get(k), 2 * n, `${k}: once per domain`);
  });

  it('shows the called party domain only the events after routing', async () => {
    const b = track(await domainClient(url, [B]));
    const home = track(await domainClient(url, ['demo.cc.local']));
    assert.ok(sim.inboundCall(CUSTOMER, '1002'), 'routed to agent 1002 of domain B');
    await b.event('call_set_state', (e) => e.data.state === 'talking');
    assert.ok(sim.customerHangup('1002'));
    await b.event('seance_delete');

    const evB = b.events('ccs');
    const first = evB[0];
    assert.equal(first.name, 'call_create', 'the first event B sees is its agent leg');
    assert.equal(first.data.info.agent, '1002');
    const agentLeg = first.data.call_id;
    const evHome = home.events('ccs');
    const customerLeg = evHome.find((e) => e.name === 'call_create')!.data.call_id;
    assert.notEqual(customerLeg, agentLeg);
    // What happened before routing (the seance, the customer's leg answered) stayed home.
    assert.ok(evHome.some((e) => e.name === 'seance_create'));
    assert.ok(!evB.some((e) => e.name === 'seance_create'), 'no seance_create in B');
    assert.ok(
      !evB.some((e) => e.name === 'call_create' && e.data.call_id === customerLeg),
      'no customer call_create in B',
    );
    const routedAt = evHome.findIndex(
      (e) => e.name === 'call_create' && e.data.call_id === agentLeg,
    );
    assert.deepEqual(
      evB.map(key),
      evHome.slice(routedAt).map(key),
      'from routing on, B sees what the home domain sees',
    );
  });

  it('shows a fork domain that did not answer only its own fork', async () => {
    const a = track(await domainClient(url, [A]));
    const b = track(await domainClient(url, [B]));
    const agents = track(await SimClient.login(url));
    await agents.subscribe('agents', ['agent.agentStatus', 'agent.ringing']);
    assert.ok(sim.forkedCall(CUSTOMER, ['1001', '1003']), 'rings 1001 (A) and 1003 (B)');
    await a.event('call_set_state', (e) => e.data.state === 'talking');
    await b.event('call_delete');
    assert.ok(sim.customerHangup('1001'));
    await a.event('seance_delete');

    const evB = b.events('ccs');
    const fork = evB[0].data.call_id;
    assert.equal(evB[0].name, 'call_create');
    assert.equal(evB[0].data.info.agent, '1003');
    assert.ok(
      evB.every((e) => e.data.call_id === fork),
      `B saw only its fork: ${evB.map((e) => e.name).join(', ')}`,
    );
    assert.deepEqual(
      evB.map((e) => (e.name === 'call_set_state' ? `${e.name}:${e.data.state}` : e.name)),
      [
        'call_create',
        'call_attach_to_seance',
        'call_set_state:ringing',
        'call_set_state:canceled',
        'call_delete',
      ],
    );
    // The answering fork's domain saw the whole call from its fork on.
    const evA = a.events('ccs');
    for (const name of ['connection_create', 'connection_link_call', 'seance_delete']) {
      assert.ok(
        evA.some((e) => e.name === name),
        `A saw ${name}`,
      );
    }
    assert.ok(!evA.some((e) => e.data.call_id === fork), 'A never saw the other fork');
    // Both agents rang; the one that did not answer went back to idle.
    const statuses = agents.events('agent').filter((e) => e.agent === '1003');
    assert.deepEqual(
      statuses.map((e) => (e.name === 'agentStatus' ? e.data.state : e.name)),
      ['ringing', 'ringing', 'idle'],
    );
    assert.equal(statuses[2].data.reason, 'answeredElsewhere');
  });

  it('records a connected call: connection_start_record, then connection_set_record_info with the code', async () => {
    const a = track(await domainClient(url, [A]));
    const op = track(await SimClient.login(url));
    const call = await op.req('previewObCall', '1001', { customerNumber: CUSTOMER });
    const bridge = await op.event('previewObCallBridge', (e) => e.reqId === call.reqId);
    const conn = bridge.data.ids.connection_id;
    assert.ok(sim.customerDtmf('1001', '42#'), 'the customer presses 4, 2, #');
    await a.event('call_dtmf', (e) => e.data.digit === '#');
    assert.equal((await op.req('sipUnlink', '1001')).code, 0);
    await a.event('seance_delete');

    const ev = a.events('ccs');
    const names = ev.map((e) => e.name);
    const start = ev.find((e) => e.name === 'connection_start_record')!;
    const info = ev.find((e) => e.name === 'connection_set_record_info')!;
    assert.ok(start && info, names.join(', '));
    assert.equal(start.data.connection_id, conn);
    assert.equal(info.data.connection_id, conn);
    assert.ok(names.indexOf('connection_create') < names.indexOf('connection_start_record'));
    assert.ok(
      names.indexOf('connection_set_record_info') < names.indexOf('connection_delete'),
      'the record info comes before the connection goes',
    );
    assert.equal(typeof info.data.info.record_code, 'string');
    assert.ok(info.data.info.record_code.length > 0);
    assert.ok(info.data.info.duration_ms >= 0);
    // Customer DTMF: call_dtmf on the customer's leg, in order.
    const customerLeg = bridge.data.ids.customer_call_id;
    const dtmf = ev.filter((e) => e.name === 'call_dtmf');
    assert.deepEqual(
      dtmf.map((e) => [e.data.call_id, e.data.digit]),
      [
        [customerLeg, '4'],
        [customerLeg, '2'],
        [customerLeg, '#'],
      ],
    );
    assert.equal(sim.customerDtmf('1001', '1'), false, 'no call any more');
  });
});
