/**
 * A ccs event's `info` is copied into the tracker (flat infos on a fast path, anything else
 * through the generic bounded copy): the call snapshot shows the same plain-JSON values either
 * way, and the event's own object is never kept.
 */
import { strict as assert } from 'node:assert';
import { CallTracker, toPlainJson } from '../src/tracker/call-tracker';

describe('ccs event info copies', () => {
  const infos: [string, Record<string, unknown>][] = [
    ['flat', { n: 1, s: 'x', b: true, z: null }],
    ['non-finite numbers and dropped values', { f: NaN, g: Infinity, d: undefined, fn: () => 1 }],
    ['nested', { x: { y: 1 }, arr: [1, 2] }],
    ['a __proto__ key', JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Record<string, unknown>],
    ['a bigint', { big: BigInt(10) }],
    ['many keys', Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))],
    ['no prototype', Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 })],
  ];
  for (const [what, info] of infos) {
    it(`${what}: the snapshot holds its plain-JSON copy`, () => {
      const tracker = new CallTracker();
      tracker.ingestCcs('call_update', { call_id: 'c1', info });
      const call = tracker.getCall('c1');
      assert.ok(call);
      const expected = toPlainJson(info);
      assert.deepEqual(call.info, JSON.parse(JSON.stringify(expected)));
      if (typeof info.x === 'object' && info.x !== null) {
        (info.x as Record<string, unknown>).y = 99;
        assert.deepEqual(tracker.getCall('c1')!.info.x, { y: 1 }, 'a copy, not the object');
      }
    });
  }
});
