import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { CCS_EVENTS, DIALOG_EVENTS } from '../src/protocol';
import { CallTracker, MAX_IDS, MAX_STATES, toPlainJson } from '../src/tracker/call-tracker';
import type { DialogIngestResult } from '../src/tracker/api';
import { Interner, LeafTable, ownCopy } from '../src/tracker/copy';
import { seedBodies } from './support/seeds';

const root = path.resolve(__dirname, '..', '..');
const seedText = fs.readFileSync(
  path.join(root, 'test', 'fixtures', 'seeds', '003_f315eb356672ae0f.txt'),
  'utf8',
);
/** Fresh copies of seed 003's eight bodies, in the seed's order. */
const seed = (): Record<string, unknown>[] => seedBodies(seedText);

const AGENT = 'c2b19c63-f17b-4726-b3a1-5b5046e887ef';
const CUSTOMER = 'bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('tracker: dialogs (seed 003)', () => {
  it('enriches state updates with their create, ties both dialogs, says who ended the call', () => {
    const tracker = new CallTracker();
    const r = seed().map((b) => tracker.ingestDialog(b));
    assert.equal(r.length, 8);
    assert.ok(r.every((x) => !x.duplicate && !x.ignored));

    // The customer's three updates carry everything its create said.
    for (const [i, state] of [
      [2, 'alerting'],
      [3, 'answered'],
      [4, 'talking'],
    ] as const) {
      const d = r[i].dialog;
      assert.equal(d.dialog_uuid, CUSTOMER);
      assert.equal(d.state, state);
      assert.equal(d.dialog_type, 'EXTERNAL');
      assert.equal(d.direction, 'INBOUND');
      assert.equal(d.business_direction, 'OUTBOUND');
      assert.equal(d.fields.peer_name, 'Konsultant Paweł');
      assert.equal(d.fields.peer_username, 'pkowalski');
      assert.equal(d.fields.self_target, '48xxxxxxxxx');
      assert.equal(d.caller_dialog_uuid, AGENT);
      assert.equal(d.created_at, '2020-08-25 16:24:47');
      assert.equal(d.call_key, AGENT);
      assert.equal(d.partial, undefined);
    }
    // The consultant's update carries its create: tenant user, project, names.
    const agent = r[5].dialog;
    assert.equal(agent.dialog_uuid, AGENT);
    assert.equal(agent.state, 'talking');
    assert.equal(agent.dialog_type, 'CONSULTANT');
    assert.equal(agent.fields.self_name, 'Konsultant Paweł');
    assert.deepEqual(agent.fields.project, { id: 1, name: 'Projekt Paweł' });
    assert.equal((agent.fields.tenant_user as Record<string, unknown>).username, 'pkowalski');
    assert.deepEqual(
      agent.states.map((s) => s.state),
      ['ringing', 'talking'],
    );

    // The call view has both dialogs, the consultant (first dialog) first, keyed by it.
    const call = r[5].call;
    assert.equal(call.key, AGENT);
    assert.deepEqual(
      call.dialogs.map((d) => d.dialog_uuid),
      [AGENT, CUSTOMER],
    );
    assert.equal(call.ended_by, undefined);

    // Close 1: the customer hung up (HANGUP on the EXTERNAL dialog).
    assert.equal(r[6].dialog.dialog_uuid, CUSTOMER);
    assert.equal(r[6].dialog.close_cause, 'HANGUP');
    assert.equal(r[6].dialog.closed_at, '2020-08-25 16:25:09');
    assert.deepEqual(r[6].call.ended_by, {
      dialog_uuid: CUSTOMER,
      dialog_type: 'EXTERNAL',
      side: 'customer',
      close_cause: 'HANGUP',
    });
    // The close keeps the create's fields and adds its own (variables, initial_target_type).
    assert.equal(r[6].dialog.fields.peer_name, 'Konsultant Paweł');
    assert.equal(r[6].dialog.fields.caller_contact_address, 'pkowalski');
    assert.equal(r[6].dialog.fields.initial_target_type, 'EXTERNAL_CALL');
    assert.deepEqual(r[6].dialog.fields.variables, {});

    // Close 2: the consultant's dialog was left (DIALOG_LEFT): still the customer ended it.
    assert.equal(r[7].dialog.dialog_uuid, AGENT);
    assert.equal(r[7].dialog.close_cause, 'DIALOG_LEFT');
    assert.equal(r[7].call.ended_by?.side, 'customer');
    assert.equal(r[7].call.ended_by?.dialog_uuid, CUSTOMER);
    assert.equal(r[7].call.dialogs.length, 2);

    const customer = tracker.getDialog(CUSTOMER)!;
    assert.deepEqual(
      customer.states.map((s) => s.state),
      ['ringing', 'alerting', 'answered', 'talking'],
    );
    assert.deepEqual(tracker.stats(), {
      dialogs: 2,
      calls: 0,
      connections: 0,
      seances: 0,
      evicted: 0,
      ignored: 0,
      dialogCalls: 1,
      duplicates: 0,
      links: 0,
    });
  });

  it('a DIALOG_LEFT close alone names the other side', () => {
    const tracker = new CallTracker();
    const [agentCreate, customerCreate, , , , , , agentClose] = seed();
    tracker.ingestDialog(agentCreate);
    tracker.ingestDialog(customerCreate);
    const r = tracker.ingestDialog(agentClose);
    assert.deepEqual(r.call.ended_by, {
      dialog_uuid: CUSTOMER,
      dialog_type: 'EXTERNAL',
      side: 'customer',
      close_cause: 'DIALOG_LEFT',
    });
    // A consultant who hangs up is the agent side.
    const t2 = new CallTracker();
    t2.ingestDialog(agentCreate);
    const hang = t2.ingestDialog({ ...agentClose, close_cause: 'HANGUP' });
    assert.equal(hang.call.ended_by?.side, 'agent');
  });

  it('handles updates and closes that arrive before their create, re-keying the call', () => {
    const tracker = new CallTracker();
    const b = seed();
    // The customer's update first: a partial dialog in a call of its own.
    const early = tracker.ingestDialog(b[2]);
    assert.equal(early.dialog.partial, true);
    assert.equal(early.dialog.state, 'alerting');
    assert.equal(early.dialog.dialog_type, undefined);
    assert.equal(early.call.key, CUSTOMER);
    // Its create arrives: enriched, re-keyed under the caller's uuid; the old key is gone.
    const created = tracker.ingestDialog(b[1]);
    assert.equal(created.dialog.partial, undefined);
    assert.equal(created.dialog.call_key, AGENT);
    assert.equal(created.dialog.dialog_type, 'EXTERNAL');
    // The create's state (same second as the update) sorts first; the update stays current.
    assert.equal(created.dialog.state, 'alerting');
    assert.deepEqual(
      created.dialog.states.map((s) => s.state),
      ['ringing', 'alerting'],
    );
    assert.equal(tracker.getDialogCall(CUSTOMER), undefined);
    // The caller's own create joins the call keyed by its uuid.
    const agent = tracker.ingestDialog(b[0]);
    assert.equal(agent.call.key, AGENT);
    assert.deepEqual(
      agent.call.dialogs.map((d) => d.dialog_uuid),
      [AGENT, CUSTOMER],
    );
  });

  it('a close before anything else still links and ends the call', () => {
    const tracker = new CallTracker();
    const b = seed();
    const close = tracker.ingestDialog(b[6]);
    assert.equal(close.dialog.partial, true);
    assert.equal(close.dialog.call_key, AGENT); // from the close's initial_application_info
    assert.equal(close.call.ended_by?.dialog_uuid, CUSTOMER);
    // dialog_type is not known yet; the close's initial_application_info.side (CONTACT) is.
    assert.equal(close.call.ended_by?.side, 'customer');
    const create = tracker.ingestDialog(b[1]);
    assert.equal(create.call.ended_by?.side, 'customer');
    assert.equal(create.dialog.close_cause, 'HANGUP');
    // The create's fields win over the close's (caller_contact_address is null in the close).
    assert.equal(create.dialog.fields.caller_contact_address, 'pkowalski');
  });

  it('gives the same final picture for the seed in any order', () => {
    const expected = new CallTracker();
    for (const b of seed()) expected.ingestDialog(b);
    const reversed = new CallTracker();
    for (const b of seed().reverse()) reversed.ingestDialog(b);
    for (const uuid of [AGENT, CUSTOMER]) {
      const a = expected.getDialog(uuid)!;
      const z = reversed.getDialog(uuid)!;
      assert.deepEqual(z.fields, a.fields);
      assert.equal(z.call_key, a.call_key);
      assert.equal(z.dialog_type, a.dialog_type);
      assert.equal(z.close_cause, a.close_cause);
      assert.deepEqual(
        z.states.map((s) => s.event_time),
        a.states.map((s) => s.event_time),
      );
    }
    assert.deepEqual(
      reversed.getDialogCall(AGENT)?.ended_by,
      expected.getDialogCall(AGENT)?.ended_by,
    );
  });

  it('flags duplicates and does not re-apply them', () => {
    const tracker = new CallTracker();
    const b = seed();
    for (const body of b) tracker.ingestDialog(body);
    const again = tracker.ingestDialog(seed()[3]);
    assert.equal(again.duplicate, true);
    assert.equal(again.dialog.states.length, 4);
    // A repeated update at an earlier time than the latest does not move the state back.
    assert.equal(again.dialog.state, 'talking');
    const closeAgain = tracker.ingestDialog(seed()[6]);
    assert.equal(closeAgain.duplicate, true);
    assert.equal(tracker.stats().duplicates, 2);
    // Same uuid, name and time but another state is a new event.
    const other = tracker.ingestDialog({
      ...b[3],
      state: 'talking',
      event_time: '2020-08-25 16:25:02',
    });
    assert.equal(other.duplicate, false);
  });

  it('records hold and meeting events', () => {
    const tracker = new CallTracker();
    const b = seed();
    tracker.ingestDialog(b[0]);
    const base = {
      event_type: 'user_dialog',
      event_time: '2020-08-25 16:25:03',
      dialog_uuid: AGENT,
    };
    assert.equal(tracker.ingestDialog({ ...base, event_name: 'dialog_hold' }).dialog.held, true);
    const m = tracker.ingestDialog({
      ...base,
      event_name: 'dialog_meeting_entered',
      meeting_uuid: 'm-1',
    });
    assert.equal(m.dialog.meeting_uuid, 'm-1');
    assert.equal(m.dialog.dialog_type, 'CONSULTANT');
    assert.equal(tracker.ingestDialog({ ...base, event_name: 'dialog_hold' }).duplicate, true);
    const m2 = { ...base, event_name: 'dialog_meeting_entered', meeting_uuid: 'm-1' };
    assert.equal(tracker.ingestDialog(m2).duplicate, true);
    assert.equal(tracker.stats().duplicates, 2);
  });

  it('returns plain JSON copies: mutating a snapshot does not touch the tracker', () => {
    const tracker = new CallTracker();
    const b = seed();
    const r = tracker.ingestDialog(b[1]);
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
    (r.dialog.fields.anonymous as Record<string, unknown>).display_name = 'changed';
    r.dialog.states.push({ state: 'x', event_time: 'y' });
    const again = tracker.getDialog(CUSTOMER)!;
    assert.equal((again.fields.anonymous as Record<string, unknown>).display_name, '48xxxxxxxxx');
    assert.equal(again.states.length, 1);
    // The tracker keeps its own copy: mutating the ingested body afterwards changes nothing.
    (
      (b[1].initial_application_info as Record<string, unknown>).data as Record<string, unknown>
    ).caller_number = 'x';
    b[1].peer_name = 'x';
    const info = tracker.getDialog(CUSTOMER)!.fields.initial_application_info as {
      data: Record<string, unknown>;
    };
    assert.equal(info.data.caller_number, '48xxxxxxxxx5');
    assert.equal(tracker.getDialog(CUSTOMER)!.fields.peer_name, 'Konsultant Paweł');
  });

  it('dialogs with equal small field values still hand out their own writable copies', () => {
    const tracker = new CallTracker();
    const mk = (uuid: string) => ({
      event_type: 'user_dialog',
      event_name: 'dialog_create',
      event_time: '2020-08-25 16:24:41',
      dialog_uuid: uuid,
      state: 'ringing',
      media: ['audio'],
      project: { id: 1, name: 'Projekt Paweł' },
      tenant_user: { id: 1, username: 'pkowalski' },
      variables: {},
    });
    const first = tracker.ingestDialog(mk('u1'));
    tracker.ingestDialog(mk('u2'));
    const a = tracker.getDialog('u1')!;
    const b = tracker.getDialog('u2')!;
    assert.deepEqual(a.fields, b.fields);
    assert.ok(!Object.isFrozen(a.fields.project) && !Object.isFrozen(a.fields.media));
    (a.fields.project as Record<string, unknown>).name = 'changed';
    (a.fields.media as string[]).push('video');
    (a.fields.variables as Record<string, unknown>).x = 1;
    const project = { id: 1, name: 'Projekt Paweł' };
    assert.deepEqual(tracker.getDialog('u1')!.fields.project, project);
    assert.deepEqual(tracker.getDialog('u1')!.fields.media, ['audio']);
    assert.deepEqual(tracker.getDialog('u2')!.fields.variables, {});
    assert.deepEqual(b.fields.project, project);
    assert.deepEqual(first.dialog.fields.project, project);
  });

  it('counts what it cannot attribute and never throws', () => {
    const tracker = new CallTracker();
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        ownKeys() {
          throw new Error('boom');
        },
      },
    );
    const inputs: unknown[] = [
      null,
      undefined,
      42,
      'text',
      [],
      {},
      { event_name: 'dialog_create' },
      { event_name: 'nope', dialog_uuid: 'x' },
      { event_name: 'dialog_create', dialog_uuid: Number.POSITIVE_INFINITY },
      hostile,
      {
        event_name: 'dialog_state_update',
        dialog_uuid: 'x',
        get state() {
          throw new Error('no');
        },
      },
    ];
    for (const [n, i] of inputs.entries()) {
      const r = tracker.ingestDialog(i as Record<string, unknown>);
      assert.ok(r.ignored, `input ${n}`);
      assert.equal(r.dialog.dialog_uuid, '');
    }
    assert.equal(tracker.stats().ignored, inputs.length);
    assert.equal(tracker.stats().dialogs, 0);
    // A create with wrong types for everything but the uuid is kept, typed fields dropped.
    const odd = tracker.ingestDialog({
      event_name: 'dialog_create',
      dialog_uuid: 'odd',
      state: 5,
      dialog_type: {},
      __proto__: { polluted: true },
      nested: { f: () => 1, n: NaN, big: 10n },
    } as unknown as Record<string, unknown>);
    assert.equal(odd.ignored, undefined);
    assert.equal(odd.dialog.state, undefined);
    assert.equal(odd.dialog.dialog_type, undefined);
    assert.deepEqual(odd.dialog.fields, { nested: { n: null, big: '10' } });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('tracker: who ended the call after a transfer', () => {
  const AGENT1 = 'a1a1a1a1-0000-4000-8000-000000000001';
  const CUST = 'c0c0c0c0-0000-4000-8000-000000000002';
  const AGENT2 = 'a2a2a2a2-0000-4000-8000-000000000003';
  const body = (name: string, uuid: string, time: string, extra: Record<string, unknown> = {}) => ({
    event_type: 'user_dialog',
    event_name: name,
    event_time: time,
    dialog_uuid: uuid,
    ...extra,
  });
  const creates = [
    body('dialog_create', AGENT1, '2020-08-25 16:24:41', {
      dialog_type: 'CONSULTANT',
      state: 'ringing',
    }),
    body('dialog_create', CUST, '2020-08-25 16:24:42', {
      dialog_type: 'EXTERNAL',
      state: 'ringing',
      initial_application_info: { data: { caller_dialog_uuid: AGENT1 } },
    }),
    body('dialog_create', AGENT2, '2020-08-25 16:24:50', {
      dialog_type: 'CONSULTANT',
      state: 'ringing',
      initial_application_info: { data: { caller_dialog_uuid: AGENT1 } },
    }),
  ];
  // Agent 1 completes the transfer (hangs up), then the customer hangs up on agent 2.
  const closes = [
    body('dialog_close', AGENT1, '2020-08-25 16:25:00', { close_cause: 'HANGUP' }),
    body('dialog_close', CUST, '2020-08-25 16:25:30', { close_cause: 'HANGUP' }),
    body('dialog_close', AGENT2, '2020-08-25 16:25:30', { close_cause: 'DIALOG_LEFT' }),
  ];

  it("the transferring agent's HANGUP does not end the call; the customer's does", () => {
    const tracker = new CallTracker();
    for (const b of creates) tracker.ingestDialog(b);
    const handover = tracker.ingestDialog(closes[0]);
    assert.equal(handover.closed_by, 'agent', 'agent 1 left, by its own hangup');
    assert.equal(handover.call.ended_by, undefined, 'the customer and agent 2 still talk');
    const customer = tracker.ingestDialog(closes[1]);
    assert.equal(customer.closed_by, 'customer');
    assert.deepEqual(customer.call.ended_by, {
      dialog_uuid: CUST,
      dialog_type: 'EXTERNAL',
      side: 'customer',
      close_cause: 'HANGUP',
    });
    const left = tracker.ingestDialog(closes[2]);
    assert.equal(left.closed_by, 'customer', "agent 2's dialog was left by the customer");
    assert.equal(left.call.ended_by?.dialog_uuid, CUST);
    assert.equal(left.call.dialogs.length, 3);
    // Other events carry no closed_by.
    assert.equal(
      tracker.ingestDialog(body('dialog_state_update', CUST, 'x', { state: 'y' })).closed_by,
      undefined,
    );
  });

  it('same picture when the two final closes arrive in the same second, in either order', () => {
    for (const order of [
      [0, 1, 2],
      [0, 2, 1],
      [2, 1, 0],
    ]) {
      const tracker = new CallTracker();
      for (const b of creates) tracker.ingestDialog(b);
      for (const i of order) tracker.ingestDialog(closes[i]);
      assert.equal(tracker.getDialogCall(AGENT1)?.ended_by?.side, 'customer', String(order));
      assert.equal(tracker.getDialogCall(AGENT1)?.ended_by?.dialog_uuid, CUST, String(order));
    }
  });

  it('the agent ending a two-party call is still the agent', () => {
    const tracker = new CallTracker();
    tracker.ingestDialog(creates[0]);
    tracker.ingestDialog(creates[1]);
    const hangup = tracker.ingestDialog(closes[0]);
    assert.equal(hangup.call.ended_by?.side, 'agent');
    const left = tracker.ingestDialog({ ...closes[1], close_cause: 'DIALOG_LEFT' });
    assert.equal(left.closed_by, 'agent');
  });
});

describe('tracker: agent events link dialogs, seances and agents', () => {
  const [agentCreate, customerCreate, , , customerTalking, agentTalking] = seed();
  const ids = {
    seance_id: 'se-1',
    call_id: 'c-agent',
    customer_call_id: 'c-cust',
    connection_id: 'k-1',
    dialog_uuid: AGENT,
    customer_dialog_uuid: CUSTOMER,
  };

  it('gives dialogs, their call view and the seance the linked ids', () => {
    const tracker = new CallTracker();
    // The operation's first event may come before any dialog event.
    const r = tracker.ingestAgent(
      'previewObCallResult',
      { result: 0, uniqueId: 'u-1', ids },
      '1001',
    );
    assert.deepEqual(r, { seance_id: 'se-1', agent: '1001', dialog_uuids: [AGENT, CUSTOMER] });
    tracker.ingestDialog(agentCreate);
    tracker.ingestDialog(customerCreate);
    const upd = tracker.ingestDialog(customerTalking);
    assert.equal(upd.dialog.seance_id, 'se-1');
    assert.equal(upd.dialog.ccs_call_id, 'c-cust');
    assert.equal(upd.dialog.agent, undefined, "the customer's dialog is nobody's agent dialog");
    assert.equal(upd.call.seance_id, 'se-1');
    assert.equal(upd.call.agent, '1001');
    assert.deepEqual(upd.call.agents, ['1001']);
    assert.equal(upd.call.uniqueId, 'u-1');
    assert.deepEqual(upd.call.ccs_call_ids, ['c-agent', 'c-cust']);
    const agent = tracker.ingestDialog(agentTalking).dialog;
    assert.equal(agent.agent, '1001');
    assert.equal(agent.ccs_call_id, 'c-agent');
    // The seance knows the dialogs; ccs events keep adding to the same seance.
    tracker.ingestCcs('call_attach_to_seance', {
      domain: 'd',
      call_id: 'c-cust',
      seance_id: 'se-1',
    });
    const se = tracker.getSeance('se-1')!;
    assert.deepEqual(se.dialog_uuids, [AGENT, CUSTOMER]);
    assert.equal(se.agent, '1001');
    assert.equal(se.uniqueId, 'u-1');
    assert.deepEqual(se.call_ids, ['c-cust']);
    // A consulted agent joins: its dialog and agent are added, the call's agent stays.
    tracker.ingestAgent(
      'agentStatus',
      { ids: { seance_id: 'se-1', dialog_uuid: 'd-2', call_id: 'c-2' } },
      '1002',
    );
    assert.deepEqual(tracker.getSeance('se-1')!.agents, ['1001', '1002']);
    assert.deepEqual(tracker.getSeance('se-1')!.dialog_uuids, [AGENT, CUSTOMER, 'd-2']);
    assert.equal(tracker.stats().links, 3);
  });

  it('ignores events without ids, never throws, and bounds and expires its links', () => {
    const c = clock();
    const tracker = new CallTracker({ maxEntries: 2, ttlMs: 1000, now: c.now });
    assert.equal(tracker.ingestAgent('agentStatus', { state: 'idle' }).ignored, 'no ids');
    assert.ok(tracker.ingestAgent('x', { ids: {} }).ignored);
    assert.ok(
      tracker.ingestAgent(7 as unknown as string, null as unknown as Record<string, unknown>)
        .ignored,
    );
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    assert.match(String(tracker.ingestAgent('x', { ids: hostile }).ignored), /boom/);
    for (const d of ['d1', 'd2', 'd3']) tracker.ingestAgent('x', { ids: { dialog_uuid: d } });
    assert.equal(tracker.stats().links, 2, 'oldest link evicted');
    c.advance(1000);
    tracker.sweep();
    assert.equal(tracker.stats().links, 0);
  });
});

describe('tracker: lazy results', () => {
  it('read before the next ingest, a lazy result equals the eager one', () => {
    const eager = new CallTracker();
    const lazy = new CallTracker();
    for (const b of seed()) {
      const e = eager.ingestDialog(b);
      const l = lazy.ingestDialog(b, { lazy: true });
      assert.deepEqual(JSON.parse(JSON.stringify(l)), JSON.parse(JSON.stringify(e)));
      assert.equal(l.closed_by, e.closed_by);
    }
  });

  it('take() gives the first taker the built snapshots and later takers their own copies', () => {
    const tracker = new CallTracker();
    const [a, b] = seed();
    tracker.ingestDialog(a);
    const r = tracker.ingestDialog(b, { lazy: true });
    const peek = r.dialog;
    const first = r.take!();
    assert.equal(first.dialog, peek, 'no second copy for the first taker');
    assert.ok(first.call.dialogs.includes(first.dialog));
    const second = r.take!();
    assert.notEqual(second.dialog, first.dialog);
    assert.notEqual(second.call, first.call);
    assert.deepEqual(second, first);
    assert.ok(second.call.dialogs.includes(second.dialog));
    // Mutating one taker's objects touches neither the other taker's nor the tracker.
    first.dialog.fields.peer_name = 'changed';
    first.dialog.states.length = 0;
    first.call.dialogs.length = 0;
    assert.equal(second.dialog.fields.peer_name, 'Konsultant Paweł');
    assert.equal(second.call.dialogs.length, 2);
    assert.equal(tracker.getDialog(CUSTOMER)!.fields.peer_name, 'Konsultant Paweł');
    assert.equal(tracker.getDialog(CUSTOMER)!.states.length, 1);

    const k = tracker.ingestCcs('call_create', { domain: 'd', call_id: 'c', seance_id: 's' }, 1, {
      lazy: true,
    });
    const c1 = k.take!('call') as { info: Record<string, unknown>; call_id: string };
    const c2 = k.take!('call') as { info: Record<string, unknown>; call_id: string };
    assert.notEqual(c1, c2);
    c1.info.x = 1;
    c1.call_id = 'changed';
    assert.deepEqual(c2.info, {});
    assert.equal(tracker.getCall('c')!.call_id, 'c');
    assert.equal(k.take!('connection'), undefined);
    assert.equal((k.take!('seance') as { seance_id: string }).seance_id, 's');
  });
});

describe('tracker: ccsevents (seed 004)', () => {
  const domain = 'demo.cc.local';

  it('links calls, connections and the seance with its transfer chain', () => {
    const tracker = new CallTracker();
    let ts = 1000;
    const ev = (name: string, data: Record<string, unknown>) =>
      tracker.ingestCcs(name, { domain, ...data }, (ts += 10));
    ev('seance_create', { seance_id: 'se-1', state: 'active', number: '48500100200' });
    ev('call_create', { call_id: 'c-1', seance_id: 'se-1', state: 'init', number: '1001' });
    ev('call_set_state', { call_id: 'c-1', state: 'talking' });
    ev('call_create', { call_id: 'c-2', state: 'init', number: '48500100200' });
    ev('call_attach_to_seance', { call_id: 'c-2', seance_id: 'se-1' });
    ev('connection_create', { connection_id: 'k-1', state: 'active' });
    ev('connection_attach_to_seance', { connection_id: 'k-1', seance_id: 'se-1' });
    ev('connection_link_call', { connection_id: 'k-1', call_id: 'c-1' });
    const linked = ev('connection_link_call', { connection_id: 'k-1', call_id: 'c-2' });
    ev('connection_link_call', { connection_id: 'k-1', call_id: 'c-2' }); // repeated link
    ev('connection_start_record', { connection_id: 'k-1' });
    const rec = ev('connection_set_record_info', {
      connection_id: 'k-1',
      info: { code: 'rec-77' },
    });
    ev('call_dtmf', { call_id: 'c-2', digit: '1' });
    ev('call_dtmf', { call_id: 'c-2', digit: '#' });
    ev('seance_set_next_number', { seance_id: 'se-1', number: '1002' });
    ev('seance_set_next_number', { seance_id: 'se-1', number: '1003' });
    ev('call_delete', { call_id: 'c-1' });

    assert.deepEqual(linked.connection?.call_ids, ['c-1', 'c-2']);
    assert.deepEqual(linked.call?.connection_ids, ['k-1']);
    assert.deepEqual(rec.connection?.recording, { started: true, info: { code: 'rec-77' } });

    const s = tracker.getSeance('se-1')!;
    assert.deepEqual(s.call_ids, ['c-1', 'c-2']);
    assert.deepEqual(s.connection_ids, ['k-1']);
    assert.deepEqual(s.numbers, ['1002', '1003']);
    assert.equal(s.number, '48500100200');
    assert.equal(s.domain, domain);

    const c1 = tracker.getCall('c-1')!;
    assert.equal(c1.deleted, true); // kept until the TTL so late readers see the end
    assert.deepEqual(
      c1.states.map((x) => x.state),
      ['init', 'talking'],
    );
    assert.deepEqual(
      c1.states.map((x) => x.ts),
      [1020, 1030],
    );
    assert.equal(c1.seance_id, 'se-1');
    const c2 = tracker.getCall('c-2')!;
    assert.equal(c2.dtmf, '1#');
    assert.equal(c2.seance_id, 'se-1');
    assert.deepEqual(c2.connection_ids, ['k-1']);
    assert.equal(tracker.getConnection('k-1')?.seance_id, 'se-1');
    assert.deepEqual(tracker.stats().calls, 2);
  });

  it('creates unknown objects, attributes failures and ignores what it cannot attribute', () => {
    const tracker = new CallTracker();
    const r = tracker.ingestCcs('connection_link_call', {
      domain,
      connection_id: 'k',
      call_id: 'c',
    });
    assert.ok(r.call && r.connection);
    const f = tracker.ingestCcs(
      'connection_failure',
      {
        domain,
        call_id: 'c-9',
        reason: 'busy',
        info: { sip: 486 },
      },
      5,
    );
    assert.deepEqual(f.call?.failed, { ts: 5, call_id: 'c-9', reason: 'busy', info: { sip: 486 } });
    const fc2 = tracker.ingestCcs(
      'connection_failure',
      { domain, connection_id: 'k', call_id: 'c' },
      6,
    );
    assert.equal(fc2.connection?.failed?.ts, 6);
    assert.equal(tracker.stats().ignored, 0);
    assert.deepEqual(tracker.ingestCcs('connection_failure', { domain }), {});
    assert.deepEqual(tracker.ingestCcs('call_explode', { domain, call_id: 'c' }), {});
    assert.deepEqual(tracker.ingestCcs('call_create', { domain }), {});
    assert.deepEqual(
      tracker.ingestCcs('call_create', null as unknown as Record<string, unknown>),
      {},
    );
    assert.deepEqual(tracker.ingestCcs(7 as unknown as string, {}), {});
    assert.equal(tracker.stats().ignored, 5);
  });
});

describe('tracker: bounds', () => {
  it('evicts entries untouched for the TTL (injected clock), on sweep and on read', () => {
    const c = clock();
    const tracker = new CallTracker({ ttlMs: 1000, now: c.now });
    const b = seed();
    tracker.ingestDialog(b[0]);
    tracker.ingestCcs('call_create', { domain: 'd', call_id: 'c-1' });
    c.advance(600);
    tracker.ingestDialog(b[1]);
    c.advance(500); // the consultant dialog and the ccs call are 1100 ms old, the customer 500
    assert.equal(tracker.sweep(), 2);
    assert.equal(tracker.getDialog(AGENT), undefined);
    assert.equal(tracker.getCall('c-1'), undefined);
    const customer = tracker.getDialog(CUSTOMER)!;
    assert.equal(customer.call_key, AGENT); // the call outlives its first dialog
    assert.deepEqual(
      tracker.getDialogCall(AGENT)?.dialogs.map((d) => d.dialog_uuid),
      [CUSTOMER],
    );
    c.advance(500);
    assert.equal(tracker.getDialog(CUSTOMER), undefined); // expired on read
    assert.equal(tracker.getDialogCall(AGENT), undefined);
    const s = tracker.stats();
    assert.equal(s.evicted, 3);
    assert.equal(s.dialogs, 0);
    assert.equal(s.dialogCalls, 0);
  });

  it('a touch renews the TTL', () => {
    const c = clock();
    const tracker = new CallTracker({ ttlMs: 1000, now: c.now });
    tracker.ingestCcs('seance_create', { domain: 'd', seance_id: 's' });
    c.advance(900);
    tracker.ingestCcs('seance_set_state', { domain: 'd', seance_id: 's', state: 'x' });
    c.advance(900);
    assert.equal(tracker.sweep(), 0);
    assert.equal(tracker.getSeance('s')?.state, 'x');
  });

  it('evicts the least recently touched entry first when maxEntries is reached', () => {
    const tracker = new CallTracker({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c'])
      tracker.ingestCcs('call_create', { domain: 'd', call_id: id });
    tracker.ingestCcs('call_update', { domain: 'd', call_id: 'a' }); // a is now the newest
    tracker.ingestCcs('call_create', { domain: 'd', call_id: 'd' });
    assert.equal(tracker.getCall('b'), undefined);
    assert.ok(tracker.getCall('a') && tracker.getCall('c') && tracker.getCall('d'));
    tracker.ingestCcs('call_create', { domain: 'd', call_id: 'e' });
    assert.equal(tracker.getCall('c'), undefined);
    assert.equal(tracker.stats().calls, 3);
    assert.equal(tracker.stats().evicted, 2);

    const dialogs = new CallTracker({ maxEntries: 2 });
    const mk = (uuid: string) => ({
      event_type: 'user_dialog',
      event_name: 'dialog_state_update',
      event_time: '2020-08-25 16:24:47',
      dialog_uuid: uuid,
      state: 'ringing',
    });
    dialogs.ingestDialog(mk('x'));
    dialogs.ingestDialog(mk('y'));
    dialogs.ingestDialog({ ...mk('x'), state: 'talking' });
    dialogs.ingestDialog(mk('z'));
    assert.equal(dialogs.getDialog('y'), undefined);
    assert.equal(dialogs.getDialog('x')?.state, 'talking');
    assert.equal(dialogs.stats().dialogs, 2);
    assert.equal(dialogs.stats().dialogCalls, 2);
  });

  it("a touch renews a dialog's TTL and makes it the last one evicted", () => {
    const c = clock();
    const tracker = new CallTracker({ ttlMs: 1000, maxEntries: 3, now: c.now });
    const mk = (uuid: string, state: string) => ({
      event_type: 'user_dialog',
      event_name: 'dialog_state_update',
      event_time: '2020-08-25 16:24:47',
      dialog_uuid: uuid,
      state,
    });
    tracker.ingestDialog(mk('a', 'ringing'));
    c.advance(100);
    tracker.ingestDialog(mk('b', 'ringing'));
    c.advance(100);
    tracker.ingestDialog(mk('c', 'ringing'));
    c.advance(700);
    tracker.ingestDialog(mk('b', 'talking')); // b, in the middle, is now the newest
    c.advance(150); // a is 1050 ms untouched, c 850, b 150
    assert.equal(tracker.sweep(), 1);
    assert.equal(tracker.getDialog('a'), undefined);
    tracker.ingestDialog(mk('d', 'ringing'));
    tracker.ingestDialog(mk('e', 'ringing')); // full: c, the least recently touched, goes
    assert.equal(tracker.getDialog('c'), undefined);
    assert.ok(tracker.getDialog('b') && tracker.getDialog('d') && tracker.getDialog('e'));
    c.advance(900); // b is 1050 ms untouched, d and e 900
    assert.equal(tracker.sweep(), 1);
    assert.equal(tracker.getDialog('b'), undefined);
    assert.equal(tracker.getDialog('d')?.state, 'ringing');
    const s = tracker.stats();
    assert.equal(s.dialogs, 2);
    assert.equal(s.evicted, 3);
  });

  it('bounds state histories and id lists', () => {
    const tracker = new CallTracker();
    for (let i = 0; i < 100; i++) {
      const sec = String(i % 60).padStart(2, '0');
      tracker.ingestDialog({
        event_type: 'user_dialog',
        event_name: 'dialog_state_update',
        event_time: `2020-08-25 16:${String(10 + Math.floor(i / 60))}:${sec}`,
        dialog_uuid: 'u',
        state: `s${i}`,
      });
      tracker.ingestCcs('call_set_state', { domain: 'd', call_id: 'c', state: `s${i}` });
      tracker.ingestCcs('connection_link_call', {
        domain: 'd',
        call_id: 'c',
        connection_id: `k${i}`,
      });
    }
    const d = tracker.getDialog('u')!;
    assert.equal(d.states.length, MAX_STATES);
    assert.equal(d.state, 's99');
    const c = tracker.getCall('c')!;
    assert.equal(c.states.length, MAX_STATES);
    assert.equal(c.connection_ids.length, MAX_IDS);
    assert.equal(c.connection_ids[MAX_IDS - 1], 'k99');
  });
});

describe('tracker: properties', () => {
  const uuids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const times = ['2020-08-25 16:24:41', '2020-08-25 16:24:47', '2020-08-25 16:25:01'];

  const dialogBody = fc.record(
    {
      event_type: fc.constant('user_dialog'),
      event_name: fc.constantFrom(...DIALOG_EVENTS, 'dialog_bogus'),
      event_time: fc.constantFrom(...times),
      dialog_uuid: fc.constantFrom(...uuids),
      state: fc.constantFrom('ringing', 'alerting', 'answered', 'talking'),
      dialog_type: fc.constantFrom('CONSULTANT', 'EXTERNAL'),
      close_cause: fc.constantFrom('HANGUP', 'DIALOG_LEFT'),
      meeting_uuid: fc.constantFrom('m1', 'm2'),
      initial_application_info: fc.record({
        data: fc.record({ caller_dialog_uuid: fc.constantFrom(...uuids) }),
      }),
    },
    { requiredKeys: ['event_name', 'dialog_uuid'] },
  );
  const ccsEvent = fc.record({
    name: fc.constantFrom(...CCS_EVENTS, 'call_bogus'),
    data: fc.record(
      {
        domain: fc.constant('d'),
        call_id: fc.constantFrom('c1', 'c2', 'c3', 'c4'),
        connection_id: fc.constantFrom('k1', 'k2', 'k3'),
        seance_id: fc.constantFrom('s1', 's2'),
        state: fc.constantFrom('init', 'talking', 'done'),
        number: fc.constantFrom('100', '200'),
        digit: fc.constantFrom('1', '#'),
        info: fc.dictionary(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ),
  });
  type Op =
    | { t: 'dialog'; body: unknown }
    | { t: 'ccs'; name: unknown; data: unknown }
    | { t: 'advance'; ms: number }
    | { t: 'sweep' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: dialogBody.map((body) => ({ t: 'dialog' as const, body })) },
    {
      weight: 4,
      arbitrary: ccsEvent.map((e) => ({ t: 'ccs' as const, name: e.name, data: e.data })),
    },
    { weight: 1, arbitrary: fc.anything().map((body) => ({ t: 'dialog' as const, body })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.anything(), fc.anything())
        .map(([name, data]) => ({ t: 'ccs' as const, name, data })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: 700 }).map((ms) => ({ t: 'advance' as const, ms })),
    },
    { weight: 1, arbitrary: fc.constant({ t: 'sweep' as const }) },
  );

  function checkInvariants(tracker: CallTracker, max: number): void {
    const s = tracker.stats();
    assert.ok(s.dialogs <= max && s.calls <= max && s.connections <= max && s.seances <= max);
    assert.ok((s.dialogCalls ?? 0) <= s.dialogs);
    for (const u of uuids) {
      const d = tracker.getDialog(u);
      if (!d) continue;
      assert.ok(d.states.length <= MAX_STATES);
      const call = tracker.getDialogCall(d.call_key);
      assert.ok(call, `call ${d.call_key} of ${u} resolves`);
      assert.ok(
        call.dialogs.some((x) => x.dialog_uuid === u),
        `call ${d.call_key} contains ${u}`,
      );
      assert.equal(new Set(call.dialogs.map((x) => x.dialog_uuid)).size, call.dialogs.length);
    }
    for (const id of ['c1', 'c2', 'c3', 'c4']) {
      const c = tracker.getCall(id);
      if (!c) continue;
      assert.equal(new Set(c.connection_ids).size, c.connection_ids.length);
      assert.ok(c.states.length <= MAX_STATES);
    }
    for (const id of ['k1', 'k2', 'k3']) {
      const k = tracker.getConnection(id);
      if (k) assert.equal(new Set(k.call_ids).size, k.call_ids.length);
    }
    for (const id of ['s1', 's2']) {
      const se = tracker.getSeance(id);
      if (!se) continue;
      assert.equal(new Set(se.call_ids).size, se.call_ids.length);
      assert.equal(new Set(se.connection_ids).size, se.connection_ids.length);
    }
  }

  it('random events, garbage, duplicates and time never crash it nor break its invariants', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 1, max: 5 }), (ops, max) => {
        const c = clock();
        const tracker = new CallTracker({ maxEntries: max, ttlMs: 1000, now: c.now });
        for (const o of ops) {
          if (o.t === 'dialog') {
            const r = tracker.ingestDialog(o.body as Record<string, unknown>);
            assert.doesNotThrow(() => JSON.stringify(r));
            if (!r.ignored)
              assert.ok(r.call.dialogs.some((d) => d.dialog_uuid === r.dialog.dialog_uuid));
          } else if (o.t === 'ccs') {
            const r = tracker.ingestCcs(o.name as string, o.data as Record<string, unknown>);
            assert.doesNotThrow(() => JSON.stringify(r));
          } else if (o.t === 'advance') c.advance(o.ms);
          else tracker.sweep();
          checkInvariants(tracker, max);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('seed 003 in any order, with repeats and losses, keeps one call and its ending', () => {
    const bodies = seed();
    const withDups = fc
      .array(fc.integer({ min: 0, max: 7 }), { maxLength: 6 })
      .chain((extra) =>
        fc.shuffledSubarray([...bodies.map((_, i) => i), ...extra], { minLength: 0 }),
      );
    fc.assert(
      fc.property(withDups, fc.boolean(), (order, complete) => {
        const picked = complete ? [...new Set([...order, 0, 1, 2, 3, 4, 5, 6, 7])] : order;
        const tracker = new CallTracker();
        const results: DialogIngestResult[] = [];
        const seenIdx = new Set<number>();
        for (const i of picked) {
          const r = tracker.ingestDialog(seedBodies(seedText)[i]);
          assert.equal(r.duplicate, seenIdx.has(i));
          seenIdx.add(i);
          results.push(r);
        }
        checkInvariants(tracker, 10_000);
        const has = (i: number) => seenIdx.has(i);
        // Both dialogs belong to the consultant's call as soon as the customer's link is known.
        if (has(1) || has(6)) {
          const customer = tracker.getDialog(CUSTOMER)!;
          assert.equal(customer.call_key, AGENT);
        }
        if (has(1) && has(6)) {
          assert.equal(tracker.getDialogCall(AGENT)?.ended_by?.side, 'customer');
        }
        if (seenIdx.size === 8) {
          const call = tracker.getDialogCall(AGENT)!;
          assert.deepEqual(
            call.dialogs.map((d) => d.dialog_uuid),
            [AGENT, CUSTOMER],
          );
          const customer = tracker.getDialog(CUSTOMER)!;
          assert.deepEqual(customer.states.map((s) => s.state).slice(0, 2), [
            'ringing',
            'alerting',
          ]);
          assert.equal(customer.states.length, 4);
          assert.equal(tracker.stats().dialogs, 2);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('own copies share equal small leaves, frozen, and nothing larger or hostile', () => {
    const leaves = new LeafTable();
    const intern = new Interner();
    const body = () => ({
      media: ['audio'],
      project: { id: 1, name: 'Projekt' },
      big: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9 },
      uuid: { id: 'bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d' },
      long: { ['k'.repeat(300)]: 1 },
      nested: { inner: { x: 1 } },
      zero: { z: -0 },
    });
    const a = ownCopy(body(), intern, leaves) as Record<string, Record<string, unknown>>;
    const b = ownCopy(body(), intern, leaves) as Record<string, Record<string, unknown>>;
    const copied: unknown = a; // (asserting on `a` itself would narrow its type)
    assert.deepEqual(copied, body());
    assert.ok(a.media === b.media && Object.isFrozen(a.media));
    assert.ok(a.project === b.project && Object.isFrozen(a.project));
    assert.ok(a.nested.inner === b.nested.inner);
    // Not leaves: nine members, a uuid (not interned), a key too long to keep, an object member.
    for (const k of ['big', 'uuid', 'long', 'nested']) {
      assert.ok(a[k] !== b[k] && !Object.isFrozen(a[k]), k);
    }
    assert.ok(Object.is(a.zero.z, -0) && a.zero !== b.zero);
    // Without a table nothing is shared.
    const c = ownCopy(body(), intern) as Record<string, unknown>;
    assert.ok(c.media !== a.media && !Object.isFrozen(c.media));
  });

  it('toPlainJson survives cycles and wide shared graphs', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    assert.deepEqual(toPlainJson(a), { x: 1, self: null });
    let g: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i++) g = { l: g, r: g };
    const out = JSON.stringify(toPlainJson(g));
    assert.ok(out.length < 2_000_000);
  });
});
