/**
 * The simulator's inbound and IVR calls against the vendor's documented dialog bodies: the
 * field sets are those of the vendor's incoming-call page (test/fixtures/vendor) and of the
 * seed's CONSULTANT dialog_create; dialog_meeting_entered carries dialog_type; event_time is
 * UTC.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SimClient, startSim, type Frame } from './simulator.test';
import { readSeed, repoRoot, seedBodies } from './support/seeds';
import type { Simulator } from '../src/simulator/simulator';

type Body = Record<string, any>;

const vendor = JSON.parse(
  fs.readFileSync(
    path.join(repoRoot, 'test', 'fixtures', 'vendor', 'conpeek-incoming-call.json'),
    'utf8',
  ),
) as { customerCreate: Body; customerAnswered: Body; consultantCreateStart: Body };
/** The seed's first body: a CONSULTANT dialog_create, the vendor's field set for agents. */
const consultantCreate = seedBodies(readSeed('003'))[0];

const CUSTOMER = '48500100201';
const PROJECT = '48221000000';

const keysOf = (o: Body): string[] => Object.keys(o);

/** The dialog bodies of one call, in order of arrival. */
const dialogs = (c: SimClient): Body[] => c.events('dialog').map((e: Frame) => e.data);

function utcNow(): string {
  return new Date().toISOString().slice(0, 19).replace('T', ' ');
}

describe('simulator: inbound and IVR dialogs as the vendor documents them', function () {
  this.timeout(15000);
  let sim: Simulator;
  let c: SimClient;

  beforeEach(async () => {
    let url: string;
    ({ sim, url } = await startSim({
      scenario: {
        ivr: {
          menu: {
            '1': { name: 'sales', agents: ['1001'] },
            '2': { name: 'support', agents: ['1002'] },
          },
        },
      },
    }));
    c = await SimClient.login(url);
    assert.equal((await c.subscribeAll()).code, 0);
  });
  afterEach(async () => {
    c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  /** The checks both flows share: the customer's dialog auto-answered, the agent's alerting. */
  function checkInboundBodies(
    bodies: Body[],
    agent: string,
    number = CUSTOMER,
  ): { customer: Body; consultant: Body } {
    const [customer, answered] = bodies;
    // The customer's dialog: exactly the vendor's field set, in the vendor's order.
    assert.deepEqual(keysOf(customer), keysOf(vendor.customerCreate));
    const v = vendor.customerCreate;
    for (const k of [
      'event_type',
      'event_name',
      'direction',
      'business_direction',
      'state',
      'dialog_type',
      'initial_link_type',
    ]) {
      assert.equal(customer[k], v[k], k);
    }
    assert.deepEqual(customer.media, v.media);
    assert.equal(customer.self_target, number);
    assert.equal(customer.self_name, number);
    assert.equal(customer.peer_target, PROJECT, 'the peer is the project number');
    for (const k of keysOf(v).filter((k) => v[k] === null)) assert.equal(customer[k], null, k);
    assert.equal(customer.caller_contact_address, number);
    assert.equal(customer.callee_contact_address, PROJECT);
    const info = customer.initial_application_info;
    assert.deepEqual(keysOf(info), keysOf(v.initial_application_info));
    assert.equal(info.type, 'EXTERNAL_INBOUND_CALL');
    assert.equal(info.side, 'CONTACT');
    assert.deepEqual(keysOf(info.data), keysOf(v.initial_application_info.data));
    assert.equal(info.data.caller_dialog_uuid, customer.dialog_uuid, 'its own uuid');
    assert.deepEqual(customer.anonymous, { display_name: number });
    // Auto-answered before any agent is chosen.
    assert.deepEqual(keysOf(answered), keysOf(vendor.customerAnswered));
    assert.equal(answered.dialog_uuid, customer.dialog_uuid);
    assert.equal(answered.state, 'answered');
    // The consultant's dialog is created directly alerting.
    const consultant = bodies.find(
      (b) => b.event_name === 'dialog_create' && b.dialog_type === 'CONSULTANT',
    )!;
    assert.ok(bodies.indexOf(consultant) > 1, 'after the customer was answered');
    assert.deepEqual(keysOf(consultant), keysOf(consultantCreate));
    const s = vendor.consultantCreateStart;
    for (const k of keysOf(s).filter((k) => k !== 'event_time'))
      assert.equal(consultant[k], s[k], k);
    assert.equal(consultant.tenant_user.username, `agent${agent}`);
    assert.equal(consultant.initial_application_info.data.caller_dialog_uuid, customer.dialog_uuid);
    return { customer, consultant };
  }

  it('inbound: the customer auto-answered first, the consultant alerting, then both talking', async () => {
    assert.ok(sim.inboundCall(CUSTOMER, '1001'));
    await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'talking');
    const bodies = dialogs(c);
    const { customer, consultant } = checkInboundBodies(bodies, '1001');
    const states = bodies
      .filter((b) => b.event_name === 'dialog_state_update')
      .map((b) => [b.dialog_uuid === customer.dialog_uuid ? 'customer' : 'consultant', b.state]);
    assert.deepEqual(states, [
      ['customer', 'answered'],
      ['consultant', 'answered'],
      ['customer', 'talking'],
      ['consultant', 'talking'],
    ]);
    assert.notEqual(consultant.dialog_uuid, customer.dialog_uuid);
    // event_time is UTC.
    const t = Date.parse(`${customer.event_time.replace(' ', 'T')}Z`);
    assert.ok(
      Math.abs(t - Date.parse(`${utcNow().replace(' ', 'T')}Z`)) < 5000,
      customer.event_time,
    );
  });

  it('IVR: menu, the customer DTMF, routed to the chosen project', async () => {
    assert.ok(sim.ivrCall('48500100202', '2'));
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'talking');
    const bodies = dialogs(c);
    checkInboundBodies(bodies, '1002', '48500100202');
    const ccs = c.events('ccs');
    const customerLeg = ccs.find((e) => e.name === 'call_create')!.data.call_id;
    const ivr = ccs.find((e) => e.name === 'seance_set_state' && e.data.state === 'ivr')!;
    assert.deepEqual(ivr.data.info.menu, { '1': 'sales', '2': 'support' });
    const dtmf = ccs.filter((e) => e.name === 'call_dtmf');
    assert.deepEqual(
      dtmf.map((e) => [e.data.call_id, e.data.digit]),
      [[customerLeg, '2']],
    );
    const routed = ccs.find((e) => e.name === 'seance_update')!;
    assert.deepEqual(routed.data.info, { project: 'support', digit: '2' });
    const next = ccs.find((e) => e.name === 'seance_set_next_number')!;
    assert.equal(next.data.number, '8002');
    assert.ok(ccs.indexOf(dtmf[0]) < ccs.indexOf(next), 'routed after the choice');
    const ringing = c.events('agent').filter((e) => e.name === 'ringing');
    assert.deepEqual(
      ringing.map((e) => e.agent),
      ['1002'],
    );
  });

  it('dialog_meeting_entered names the dialog_type of each party of a three-way call', async () => {
    const r = await c.req('previewObCall', '1001', { customerNumber: CUSTOMER });
    await c.event('previewObCallBridge', (e) => e.reqId === r.reqId);
    const consult = await c.req('startAtxfer', '1001', { targetType: 1, target: '1002' });
    await c.event('atxferLink', (e) => e.reqId === consult.reqId);
    const tw = await c.req('threewayAtxfer', '1001');
    await c.event('threewayAtxferResult', (e) => e.reqId === tw.reqId);
    const meetings = dialogs(c).filter((b) => b.event_name === 'dialog_meeting_entered');
    assert.equal(meetings.length, 3);
    assert.deepEqual(meetings.map((b) => b.dialog_type).sort(), [
      'CONSULTANT',
      'CONSULTANT',
      'EXTERNAL',
    ]);
    for (const b of meetings) assert.equal(b.meeting_uuid, tw.data.meeting_uuid);
  });
});
