/**
 * The event hub against the real gateway client and a protocol-speaking gateway on a real
 * socket (test/support/fake-gateway.ts): subscriptions follow the listeners, every event is
 * tracked once and reaches every listener with its snapshots, webhook bodies share the tracker.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GatewayClient } from '../src/client/gateway-client';
import { createEventHub } from '../src/hub/event-hub';
import { takeDialog } from '../src/hub/take';
import type { EventHubApi, TrackedEvent } from '../src/hub/api';
import type { DialogIngestResult } from '../src/tracker/api';
import type { Data } from '../src/protocol/types';
import { FakeGateway } from './support/fake-gateway';
import { readSeed, seedBodies } from './support/seeds';
import { until } from './support/wait';

function seed003(): Data[] {
  return seedBodies(readSeed('003'));
}

const CUSTOMER = 'bcfdaf62-87b7-4cd8-bd2e-b3d25a974b6d';
const CONSULTANT = 'c2b19c63-f17b-4726-b3a1-5b5046e887ef';

describe('event hub', () => {
  let gw: FakeGateway;
  let client: GatewayClient;
  let hub: EventHubApi | undefined;

  beforeEach(async () => {
    gw = new FakeGateway();
    await gw.listen();
    client = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      heartbeatMs: 0,
    });
    client.start();
    await client.whenConnected();
  });

  afterEach(async () => {
    await hub?.close();
    hub = undefined;
    await client.close();
    await gw.stop();
  });

  const subscribes = () => gw.frames('subscribe');

  it('subscribes a family on its first listener and unsubscribes when the last one leaves', async () => {
    hub = createEventHub(client, { sweepMs: 0 });
    assert.equal(subscribes().length, 0, 'no subscription without listeners');
    const off1 = hub.onEvent('dialog', () => undefined);
    const off2 = hub.onEvent('dialog', () => undefined);
    await gw.waitFor(() => subscribes().length >= 1, 3000, 'subscribe');
    const sub = subscribes()[0];
    assert.deepEqual(sub.events, ['dialog.*']);
    assert.ok(sub.expires > 0);
    off1();
    off1(); // idempotent
    // Give a wrongly sent unsubscribe time to arrive before asserting there is none.
    const offCcs = hub.onEvent('ccs', () => undefined);
    await gw.waitFor(() => subscribes().length >= 2, 3000, 'ccs subscribe');
    assert.deepEqual(
      subscribes().map((f) => [f.events.join(','), f.expires > 0]),
      [
        ['dialog.*', true],
        ['ccsevents.*', true],
      ],
    );
    off2();
    await gw.waitFor(() => subscribes().length >= 3, 3000, 'unsubscribe');
    const unsub = subscribes()[2];
    assert.equal(unsub.id, sub.id);
    assert.equal(unsub.expires, 0);
    offCcs();
    await gw.waitFor(() => subscribes().length >= 4, 3000, 'ccs unsubscribe');
    assert.equal(subscribes()[3].expires, 0);
  });

  it('tracks every gateway dialog event once and hands each listener the merged snapshots', async () => {
    hub = createEventHub(client, { sweepMs: 0 });
    const a: TrackedEvent[] = [];
    const b: TrackedEvent[] = [];
    // Snapshots are read in the listener (lazy: they show the tracker as of that moment).
    const seen: DialogIngestResult[] = [];
    hub.onEvent('dialog', (e) => {
      a.push(e);
      seen.push({ dialog: e.dialog!.dialog, call: e.dialog!.call, duplicate: e.dialog!.duplicate });
    });
    hub.onEvent('dialog', (e) => b.push(e));
    await gw.waitFor(() => subscribes().length === 1, 3000, 'subscribe');
    const bodies = seed003();
    for (const body of bodies) gw.emit(gw.session(), 'dialog', String(body.event_name), body);
    await until('eight events', () => a.length === 8 && b.length === 8);

    for (let i = 0; i < 8; i++) {
      assert.equal(a[i], b[i], 'both listeners get the same tracked event');
      assert.equal(a[i].source, 'gateway');
      assert.equal(a[i].family, 'dialog');
      assert.equal(a[i].name, bodies[i].event_name);
      assert.deepEqual(a[i].data, bodies[i]);
      assert.equal(a[i].frame?.seq, i + 1);
      assert.equal(a[i].dialog?.duplicate, false);
    }
    // The customer's 'alerting' update knows everything its create said.
    const alerting = seen[2].dialog;
    assert.equal(alerting.dialog_uuid, CUSTOMER);
    assert.equal(alerting.state, 'alerting');
    assert.equal(alerting.dialog_type, 'EXTERNAL');
    assert.equal(alerting.business_direction, 'OUTBOUND');
    assert.equal(alerting.fields.peer_name, 'Konsultant Paweł');
    assert.equal(alerting.caller_dialog_uuid, CONSULTANT);
    // The consultant's 'talking' update: a call of both parties.
    const talking = seen[5];
    assert.equal(talking.dialog.dialog_type, 'CONSULTANT');
    assert.deepEqual(talking.dialog.fields.project, { id: 1, name: 'Projekt Paweł' });
    assert.deepEqual(
      talking.call.dialogs.map((d) => d.dialog_uuid).sort(),
      [CONSULTANT, CUSTOMER].sort(),
    );
    // Ingested once despite two listeners.
    const stats = hub.tracker.stats();
    assert.equal(stats.dialogs, 2);
    assert.equal(stats.duplicates ?? 0, 0);
    assert.equal(hub.tracker.getDialog(CUSTOMER)?.close_cause, 'HANGUP');
  });

  it('dispatches ccs events with call / connection / seance snapshots, one subscription for all', async () => {
    hub = createEventHub(client, { sweepMs: 0 });
    const got: TrackedEvent[] = [];
    hub.onEvent('ccs', (e) => got.push(e));
    hub.onEvent('ccs', () => undefined);
    await gw.waitFor(() => subscribes().length === 1, 3000, 'subscribe');
    const s = gw.session();
    const domain = 'demo.cc.local';
    gw.emit(s, 'ccs', 'seance_create', { domain, seance_id: 'se-1' });
    gw.emit(s, 'ccs', 'call_create', { domain, call_id: 'c-1', state: 'init', number: '4850' });
    gw.emit(s, 'ccs', 'call_attach_to_seance', { domain, call_id: 'c-1', seance_id: 'se-1' });
    gw.emit(s, 'ccs', 'connection_create', { domain, connection_id: 'cn-1' });
    gw.emit(s, 'ccs', 'connection_link_call', { domain, connection_id: 'cn-1', call_id: 'c-1' });
    gw.emit(s, 'ccs', 'connection_start_record', { domain, connection_id: 'cn-1' });
    gw.emit(s, 'ccs', 'seance_set_next_number', { domain, seance_id: 'se-1', number: '8002' });
    await until('seven ccs events', () => got.length === 7);
    assert.deepEqual(
      got.map((e) => e.name),
      [
        'seance_create',
        'call_create',
        'call_attach_to_seance',
        'connection_create',
        'connection_link_call',
        'connection_start_record',
        'seance_set_next_number',
      ],
    );
    assert.equal(got[1].ccs?.call?.call_id, 'c-1');
    assert.equal(got[1].ccs?.call?.state, 'init');
    assert.deepEqual(got[4].ccs?.connection?.call_ids, ['c-1']);
    assert.equal(got[5].ccs?.connection?.recording?.started, true);
    assert.deepEqual(got[6].ccs?.seance?.numbers, ['8002']);
    assert.deepEqual(got[6].ccs?.seance?.call_ids, ['c-1']);
    assert.equal(subscribes().length, 1);
    assert.deepEqual(subscribes()[0].events, ['ccsevents.*']);
  });

  it('feeds agent events to the tracker without subscribing, and links them to dialogs', async () => {
    hub = createEventHub(client, { sweepMs: 0 });
    hub.onEvent('dialog', () => undefined);
    await gw.waitFor(() => subscribes().length === 1, 3000, 'dialog subscribe');
    const s = gw.session();
    const ids = { seance_id: 'se-7', call_id: 'c-7', dialog_uuid: CONSULTANT };
    // A process event goes to the requesting session, subscribed or not (reqId set).
    gw.emit(
      s,
      'agent',
      'previewObCallResult',
      { result: 0, uniqueId: 'u-7', ids },
      {
        reqId: 'r-1',
        agent: '1001',
      },
    );
    await until('the seance linked', () => hub!.tracker.getSeance('se-7') !== undefined);
    assert.deepEqual(hub.tracker.getSeance('se-7')?.dialog_uuids, [CONSULTANT]);
    assert.equal(hub.tracker.getSeance('se-7')?.agent, '1001');
    const seen: TrackedEvent[] = [];
    hub.onEvent('dialog', (e) => {
      seen.push(e);
      e.dialog!.take!();
    });
    gw.emit(s, 'dialog', 'dialog_create', seed003()[0]);
    await until('the dialog event', () => seen.length === 1);
    assert.equal(hub.tracker.getDialog(CONSULTANT)?.seance_id, 'se-7');
    assert.equal(hub.tracker.getDialog(CONSULTANT)?.agent, '1001');
    assert.deepEqual(
      subscribes().map((f) => f.events.join(',')),
      ['dialog.*'],
      'no agent subscription without agent listeners',
    );
    // Agent listeners subscribe to agent.* and get the event with what it linked.
    const agentEvents: TrackedEvent[] = [];
    hub.onEvent('agent', (e) => agentEvents.push(e));
    await gw.waitFor(() => subscribes().length === 2, 3000, 'agent subscribe');
    assert.deepEqual(subscribes()[1].events, ['agent.*']);
    gw.emit(
      s,
      'agent',
      'agentStatus',
      { state: 'talking', deviceStatus: 4, ids },
      { agent: '1001' },
    );
    await until('the agent event', () => agentEvents.length === 1);
    assert.equal(agentEvents[0].agent?.seance_id, 'se-7');
    assert.deepEqual(agentEvents[0].agent?.dialog_uuids, [CONSULTANT]);
  });

  it('keeps dispatching when a listener throws, and reports the error', async () => {
    const errors: unknown[] = [];
    hub = createEventHub(client, { sweepMs: 0, onError: (err) => errors.push(err) });
    const got: string[] = [];
    hub.onEvent('dialog', () => {
      throw new Error('listener bug');
    });
    hub.onEvent('dialog', (e) => got.push(e.name));
    await gw.waitFor(() => subscribes().length === 1, 3000, 'subscribe');
    const bodies = seed003();
    gw.emit(gw.session(), 'dialog', 'dialog_create', bodies[0]);
    gw.emit(gw.session(), 'dialog', 'dialog_create', bodies[1]);
    await until('two events', () => got.length === 2);
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /listener bug/);
  });

  it('a listener added after its client closed is kept for webhook bodies; the refused subscribe is reported, not thrown', async () => {
    const errors: unknown[] = [];
    await client.close();
    hub = createEventHub(client, { sweepMs: 0, onError: (err) => errors.push(err) });
    const got: string[] = [];
    const off = hub.onEvent('dialog', (e) => got.push(e.name));
    assert.equal(errors.length, 1);
    assert.match(String(errors[0]), /gateway client closed/);
    hub.ingestDialogBody(seed003()[0]);
    assert.deepEqual(got, ['dialog_create']);
    off();
    assert.equal((hub as ReturnType<typeof createEventHub>).listenerCount('dialog'), 0);
  });

  it('a listener removing itself during dispatch does not make others miss the event', async () => {
    hub = createEventHub(client, { sweepMs: 0 });
    const got: string[] = [];
    const off = hub.onEvent('dialog', () => {
      got.push('first');
      off();
    });
    hub.onEvent('dialog', () => got.push('second'));
    await gw.waitFor(() => subscribes().length === 1, 3000, 'subscribe');
    const bodies = seed003();
    gw.emit(gw.session(), 'dialog', 'dialog_create', bodies[0]);
    gw.emit(gw.session(), 'dialog', 'dialog_create', bodies[1]);
    await until('three deliveries', () => got.length === 3);
    assert.deepEqual(got, ['first', 'second', 'second']);
  });

  it('close() unsubscribes, drops listeners and ignores later listeners', async () => {
    const h = createEventHub(client, { sweepMs: 10 });
    const got: string[] = [];
    h.onEvent('ccs', (e) => got.push(e.name));
    await gw.waitFor(() => subscribes().length === 1, 3000, 'subscribe');
    await h.close();
    await gw.waitFor(() => subscribes().length === 2, 3000, 'unsubscribe');
    assert.equal(subscribes()[1].expires, 0);
    h.onEvent('ccs', (e) => got.push(e.name));
    gw.emit(gw.session(), 'ccs', 'call_create', { domain: 'd', call_id: 'c-9' });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, []);
    assert.equal(subscribes().length, 2, 'no subscription after close');
    await h.close(); // idempotent
  });
});

describe('event hub without a gateway (webhook only)', () => {
  it('tracks webhook bodies and dispatches them with source webhook', async () => {
    const hub = createEventHub(undefined, { sweepMs: 0 });
    const got: TrackedEvent[] = [];
    hub.onEvent('dialog', (e) => got.push(e));
    const bodies = seed003();
    const returned = bodies.map((b) => hub.ingestDialogBody(b));
    assert.equal(got.length, 8);
    assert.equal(returned[3], got[3]);
    assert.equal(got[3].source, 'webhook');
    assert.equal(got[3].frame, undefined);
    assert.equal(got[3].dialog?.dialog.fields.self_name, '48xxxxxxxxx');
    assert.equal(got[6].dialog?.dialog.close_cause, 'HANGUP');
    assert.equal(got[6].dialog?.call.ended_by?.side, 'customer');
    await hub.close();
    // After close a body is still tracked and returned, but nobody is called.
    hub.ingestDialogBody(bodies[0]);
    assert.equal(got.length, 8);
  });

  it('says which side ended the call on each dialog_close', async () => {
    const bodies = seed003();
    const inOrder = createEventHub(undefined, { sweepMs: 0 });
    const closes = bodies.map((b) => inOrder.ingestDialogBody(b)).filter((e) => e.closedBy);
    assert.deepEqual(
      closes.map((e) => [e.data.dialog_uuid, e.data.close_cause, e.closedBy]),
      [
        [CUSTOMER, 'HANGUP', 'customer'],
        [CONSULTANT, 'DIALOG_LEFT', 'customer'],
      ],
    );
    await inOrder.close();

    // Closes delivered in reverse order: the DIALOG_LEFT alone still points at the customer.
    const reversed = createEventHub(undefined, { sweepMs: 0 });
    for (const b of bodies.slice(0, 6)) reversed.ingestDialogBody(b);
    assert.equal(reversed.ingestDialogBody(bodies[7]).closedBy, 'customer');
    assert.equal(reversed.ingestDialogBody(bodies[6]).closedBy, 'customer');
    await reversed.close();

    // The agent hangs up: the customer's dialog is the one left.
    const agentEnds = createEventHub(undefined, { sweepMs: 0 });
    for (const b of bodies.slice(0, 6)) agentEnds.ingestDialogBody(b);
    const agentHangup = { ...bodies[7], close_cause: 'HANGUP' };
    const customerLeft = { ...bodies[6], close_cause: 'DIALOG_LEFT' };
    assert.equal(agentEnds.ingestDialogBody(agentHangup).closedBy, 'agent');
    assert.equal(agentEnds.ingestDialogBody(customerLeft).closedBy, 'agent');
    // Other events carry no closedBy.
    assert.equal(agentEnds.ingestDialogBody(bodies[2]).closedBy, undefined);
    await agentEnds.close();
  });

  it("gives every listener's message its own snapshots: mutating one corrupts nothing", async () => {
    const hub = createEventHub(undefined, { sweepMs: 0 });
    const msgs: { a: ReturnType<typeof takeDialog>; b: ReturnType<typeof takeDialog> }[] = [];
    let a: ReturnType<typeof takeDialog> = {};
    hub.onEvent('dialog', (e) => {
      a = takeDialog(e.dialog);
    });
    hub.onEvent('dialog', (e) => {
      const b = takeDialog(e.dialog);
      msgs.push({ a, b });
      // A flow mutating the first node's message (after the listeners ran).
      a.dialog!.fields.peer_name = 'mutated';
      a.dialog!.states.push({ state: 'bogus', event_time: 'x' });
      a.call!.dialogs.length = 0;
      a.call!.key = 'mutated';
    });
    const bodies = seed003();
    for (const body of bodies.slice(0, 6)) hub.ingestDialogBody(body);
    assert.equal(msgs.length, 6);
    for (const { a: first, b } of msgs) {
      assert.notEqual(b.dialog, first.dialog);
      assert.notEqual(b.call, first.call);
      assert.notEqual(b.dialog!.fields.peer_name, 'mutated');
      assert.ok(!b.dialog!.states.some((s) => s.state === 'bogus'));
      assert.ok(b.call!.dialogs.length >= 1 && b.call!.key !== 'mutated');
    }
    // The next event's snapshots are intact: the customer's talking update.
    const talking = msgs[4].b.dialog!;
    assert.equal(talking.fields.peer_name, 'Konsultant Paweł');
    assert.deepEqual(
      talking.states.map((s) => s.state),
      ['ringing', 'alerting', 'answered', 'talking'],
    );
    assert.equal(msgs[5].b.call!.dialogs.length, 2);
    assert.equal(hub.tracker.getDialog(CUSTOMER)?.fields.peer_name, 'Konsultant Paweł');
    await hub.close();
  });

  it('sweeps expired entries on its timer', async () => {
    let now = 1_000_000;
    const hub = createEventHub(undefined, { sweepMs: 5, ttlMs: 1000, now: () => now });
    try {
      for (const b of seed003().slice(0, 2)) hub.ingestDialogBody(b);
      assert.equal(hub.tracker.stats().dialogs, 2);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(hub.tracker.stats().dialogs, 2, 'nothing expired yet');
      now += 2000;
      await until('sweep', () => hub.tracker.stats().dialogs === 0);
      assert.ok(hub.tracker.stats().evicted >= 2);
    } finally {
      await hub.close();
    }
  });

  it('random orders, repeats and gaps of seed bodies never throw and reach every listener', () => {
    const bodies = seed003();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: bodies.length - 1 }), { maxLength: 30 }),
        (order) => {
          const hub = createEventHub(undefined, { sweepMs: 0 });
          let n = 0;
          hub.onEvent('dialog', () => n++);
          for (const i of order) {
            const e = hub.ingestDialogBody(bodies[i]);
            assert.equal(e.name, bodies[i].event_name);
            assert.ok(e.dialog, 'tracked');
          }
          assert.equal(n, order.length);
          void hub.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
