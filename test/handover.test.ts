/**
 * The redeploy handovers in the core (src/lifecycle, src/hub/parking.ts), without Node-RED:
 * a parked value goes to the taker with the same fingerprint and expires otherwise; parked
 * operations go to the adopting node or, unclaimed, to the orphan sink once each; a parked hub
 * listener holds events for the one that claims it and delivers them in order on resume.
 */
import { strict as assert } from 'node:assert';
import type { OperationHandle, OperationResult } from '../src/client/api';
import type { GatewayEvent } from '../src/client/api';
import { createEventHub } from '../src/hub/event-hub';
import { Handover } from '../src/lifecycle/handover';
import { OperationHandover } from '../src/lifecycle/operation-handover';
import { MAX_PARKED_EVENTS } from '../src/hub/parking';
import { sleep, until } from './support/wait';

function op(reqId: string): { handle: OperationHandle; end(outcome: string): void } {
  let resolve!: (r: OperationResult) => void;
  const done = new Promise<OperationResult>((r) => (resolve = r));
  return {
    handle: { reqId, done, cancel: () => undefined },
    end: (outcome) =>
      resolve({
        op: 'previewObCall',
        reqId,
        agent: '1001',
        outcome,
        events: [],
        ids: {},
        startedAt: 0,
        endedAt: 1,
      }),
  };
}

describe('handover: values across a redeploy', () => {
  it('the same fingerprint takes the value; another one expires it', () => {
    const expired: string[] = [];
    const h = new Handover<string>({ expire: (v, _k, why) => expired.push(`${v}:${why}`) });
    h.park('gw', 'conn-1', 'a');
    assert.equal(h.take('gw', 'a'), 'conn-1');
    assert.equal(h.take('gw', 'a'), undefined, 'taken once');
    h.park('gw', 'conn-2', 'a');
    assert.equal(h.take('gw', 'b'), undefined);
    h.park('gw', 'conn-3', 'a');
    h.park('gw', 'conn-4', 'a');
    h.clear();
    assert.deepEqual(expired, ['conn-2:changed', 'conn-3:replaced', 'conn-4:cleared']);
  });

  it('a value nobody takes expires after the grace period', async () => {
    const expired: string[] = [];
    const h = new Handover<string>({
      graceMs: 20,
      expire: (v, _k, why) => expired.push(`${v}:${why}`),
    });
    h.park('gw', 'conn', 'a');
    await until('expiry', () => expired.length === 1, 2000);
    assert.deepEqual(expired, ['conn:timeout']);
    assert.equal(h.take('gw', 'a'), undefined);
  });

  it('operations: adopted by the node of the same id; unclaimed ones reported once each when they end', async () => {
    const orphans: string[] = [];
    const ops = new OperationHandover<{ crm: string }>(30);
    const a = op('r1');
    const b = op('r2');
    ops.park('node1', [{ handle: a.handle, context: { crm: 'A' } }], (o, r) =>
      orphans.push(`${o.context.crm}:${r.outcome}`),
    );
    const adopted = ops.adopt('node1');
    assert.deepEqual(
      adopted.map((x) => x.context.crm),
      ['A'],
    );
    assert.deepEqual(ops.adopt('node1'), []);
    ops.park('node2', [{ handle: b.handle, context: { crm: 'B' } }], (o, r) =>
      orphans.push(`${o.context.crm}:${r.outcome}`),
    );
    await sleep(60); // grace over: B is now an orphan, reported when it ends
    b.end('bridged');
    a.end('failed');
    await until('orphan report', () => orphans.length === 1, 2000);
    await sleep(20);
    assert.deepEqual(orphans, ['B:bridged']);
  });
});

describe('event hub: a listener parked across a redeploy', () => {
  function fakeClient() {
    const handlers: Record<string, ((e: GatewayEvent) => void)[]> = {};
    let seq = 0;
    const client = {
      on: (family: string, _name: string, fn: (e: GatewayEvent) => void) => {
        (handlers[family] ??= []).push(fn);
        return () => {
          handlers[family] = handlers[family].filter((f) => f !== fn);
        };
      },
      subscribe: () => ({ unsubscribe: () => Promise.resolve() }),
    };
    const emit = (n: number) => {
      for (let i = 0; i < n; i++) {
        seq++;
        const e = {
          family: 'ccs',
          name: 'call_set_state',
          seq,
          ts: seq,
          data: { call_id: `c${seq}` },
        };
        for (const fn of handlers.ccs ?? []) fn(e as unknown as GatewayEvent);
      }
    };
    return { client, emit };
  }

  it('holds the events for the claiming listener and delivers them, in order, on resume', async () => {
    const { client, emit } = fakeClient();
    const hub = createEventHub(client as never, { sweepMs: 0 });
    const got: string[] = [];
    const off = hub.onEvent('ccs', (e) => got.push(`old:${String(e.data.call_id)}`), { key: 'n1' });
    emit(2);
    off({ park: true });
    emit(3); // during the deploy
    hub.onEvent('ccs', (e) => got.push(`new:${String(e.data.call_id)}`), { key: 'n1' });
    emit(1); // after the new node started, before its flow runs
    assert.deepEqual(got, ['old:c1', 'old:c2']);
    hub.resume('n1');
    emit(1);
    assert.deepEqual(got, ['old:c1', 'old:c2', 'new:c3', 'new:c4', 'new:c5', 'new:c6', 'new:c7']);
    await hub.close();
  });

  it('reports what a parked listener held when nobody claims it, and what overflowed', async () => {
    const { client, emit } = fakeClient();
    const errors: string[] = [];
    const hub = createEventHub(client as never, {
      sweepMs: 0,
      parkMs: 30,
      onError: (err) => errors.push((err as Error).message),
    });
    const off = hub.onEvent('ccs', () => undefined, { key: 'gone' });
    off({ park: true });
    emit(4);
    await until('report', () => errors.length === 1, 2000);
    assert.match(errors[0], /4 event\(s\) for ccs listener gone were not delivered/);

    const off2 = hub.onEvent('ccs', () => undefined, { key: 'busy' });
    off2({ park: true });
    emit(MAX_PARKED_EVENTS + 3);
    const got: number[] = [];
    hub.onEvent('ccs', () => got.push(1), { key: 'busy' });
    hub.resume('busy');
    assert.equal(got.length, MAX_PARKED_EVENTS);
    assert.match(errors[1], /3 event\(s\) for ccs listener busy were dropped/);
    await hub.close();
  });
});
