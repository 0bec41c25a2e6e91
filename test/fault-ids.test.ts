/**
 * Fault injection with a scripted gateway: responses for unknown request ids and events for
 * unknown operations or calls are counted and ignored, and the valid frames around them
 * still arrive.
 */
import { strict as assert } from 'node:assert';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent } from '../src/client/api';
import { createEventHub } from '../src/hub/event-hub';
import type { TrackedEvent } from '../src/hub/api';
import { FaultGateway } from './support/fault-gateway';
import { until } from './support/wait';

describe('fault injection: unknown request ids and unknown calls', function () {
  this.timeout(15_000);
  let gw: FaultGateway;
  let client: GatewayClient;

  beforeEach(async () => {
    gw = new FaultGateway();
    await gw.start();
    client = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      heartbeatMs: 0,
      reconnect: { initialMs: 20, maxMs: 100 },
    });
    client.start();
    await client.whenConnected();
  });

  afterEach(async () => {
    await client.close();
    await gw.close();
  });

  it('counts and ignores responses and operation events for unknown request ids', async () => {
    const problems: { code: string; message: string }[] = [];
    client.onProblem((p) => problems.push(p));
    const agentEvents: GatewayEvent[] = [];
    const ccs: number[] = [];
    client.on('agent', '*', (e) => agentEvents.push(e));
    client.on('ccs', '*', (e) => ccs.push(e.seq));
    client.subscribe({ id: 's1', events: ['ccsevents.*'] });

    gw.send(gw.ccsEvent('c-1'));
    for (let i = 0; i < 5; i++) {
      gw.send({
        type: 'resp',
        op: 'holdResp',
        reqId: `ghost-${i}`,
        code: 0,
        errorCode: null,
        message: 'ok',
        data: {},
      });
      gw.send({
        type: 'event',
        family: 'agent',
        name: 'previewObCallBridge',
        seq: ++gw.seq,
        ts: Date.now(),
        agent: '1001',
        reqId: `ghost-call-${i}`,
        data: { channel: 'SIP/1001-0001' },
      });
      gw.send(gw.ccsEvent('c-1'));
    }
    await until('valid events', () => ccs.length === 6);
    const stats = client.stats();
    assert.equal(stats.unknownResponses, 10);
    assert.equal(stats.pending, 0);
    assert.deepEqual(
      ccs,
      Array.from({ length: 6 }, (_, i) => [1, 3, 5, 7, 9, 11][i]),
      'valid events around the ghosts all delivered, in order',
    );
    // The ghosts were reported with a code and a message, and never reached a listener.
    const ghostProblems = problems.filter((p) => /ghost/.test(p.message));
    assert.equal(ghostProblems.length, 10);
    for (const p of ghostProblems) {
      assert.ok(p.code.length > 0 && p.message.length > 0);
    }
    // The client hands every valid agent event to generic agent listeners (a design choice of
    // the client); what matters here is that no operation was created or ended by a ghost.
    assert.ok(agentEvents.every((e) => String(e.reqId).startsWith('ghost-call-')));
    assert.equal(client.stats().pending, 0);
    // A real operation still works after the ghosts.
    const op = client.startOperation('1001', 'hold', {});
    await until('req sent', () => gw.received.some((f) => f.type === 'req'));
    const req = gw.received.find((f) => f.type === 'req') as { reqId: string };
    gw.send({
      type: 'resp',
      op: 'holdResp',
      reqId: req.reqId,
      code: 0,
      errorCode: null,
      message: 'ok',
      data: {},
    });
    const r = await op.done;
    assert.equal(r.outcome, 'done');
  });

  it('events for calls nobody knows reach the tracker without breaking it; known calls are unaffected', async () => {
    const hub = createEventHub(client, { sweepMs: 0 });
    const seen: TrackedEvent[] = [];
    hub.onEvent('ccs', (e) => seen.push(e));
    await until('subscribed', () => gw.received.some((f) => f.type === 'subscribe'));
    const subId = String((gw.received.find((f) => f.type === 'subscribe') as { id: string }).id);
    const ev = (name: string, data: Record<string, unknown>) => ({
      type: 'event',
      family: 'ccs',
      name,
      seq: ++gw.seq,
      ts: Date.now(),
      subIds: [subId],
      data: { domain: 'demo.cc.local', ...data },
    });
    gw.send(ev('call_create', { call_id: 'known', state: 'init' }));
    // Events about calls, connections and seances that were never created.
    gw.send(ev('call_delete', { call_id: 'never-1' }));
    gw.send(ev('connection_link_call', { connection_id: 'never-k', call_id: 'never-2' }));
    gw.send(ev('seance_set_next_number', { seance_id: 'never-s', number: '123' }));
    gw.send(ev('connection_failure', {}));
    gw.send(ev('call_set_state', { call_id: 'known', state: 'talking' }));
    await until('all six delivered', () => seen.length === 6);
    assert.deepEqual(
      seen.map((e) => e.name),
      [
        'call_create',
        'call_delete',
        'connection_link_call',
        'seance_set_next_number',
        'connection_failure',
        'call_set_state',
      ],
    );
    const known = hub.tracker.getCall('known');
    assert.ok(known);
    assert.equal(known.state, 'talking');
    assert.deepEqual(
      known.states.map((s) => s.state),
      ['init', 'talking'],
    );
    // A delete of an unknown call leaves no live entry behind; a failure naming nothing is ignored.
    const deleted = hub.tracker.getCall('never-1');
    assert.ok(deleted === undefined || deleted.deleted === true);
    assert.ok(hub.tracker.stats().ignored >= 1, 'connection_failure naming nothing was ignored');
    assert.equal(client.stats().invalidEvents, 0);
    await hub.close();
  });
});
