/**
 * The tracker and ccsevents domains: an event of a call comes once per domain taking part; the
 * copies are one fact (applied once, their domains recorded), while the same event again for a
 * domain already seen is a new event.
 */
import assert from 'node:assert/strict';
import { CallTracker } from '../src/tracker/call-tracker';

describe('tracker: ccsevents copies for several domains', () => {
  it('applies the copies of an event once and records every domain', () => {
    const t = new CallTracker();
    let ts = 1000;
    const ev = (domain: string, name: string, data: Record<string, unknown>) =>
      t.ingestCcs(name, { domain, seance_id: 'se-1', ...data }, (ts += 1));
    ev('a', 'call_create', { call_id: 'c-1', state: 'init', number: '48500100201' });
    ev('a', 'call_set_state', { call_id: 'c-1', state: 'answered' });
    // Agent 1002 of domain b joins: from now on every event comes twice.
    ev('a', 'call_create', { call_id: 'c-2', state: 'init', number: '8002' });
    ev('b', 'call_create', { call_id: 'c-2', state: 'init', number: '8002' });
    for (const d of ['a', 'b']) ev(d, 'call_set_state', { call_id: 'c-1', state: 'talking' });
    for (const d of ['a', 'b']) ev(d, 'call_dtmf', { call_id: 'c-1', digit: '5' });
    // The customer presses 5 again: a new event, in both domains.
    for (const d of ['a', 'b']) ev(d, 'call_dtmf', { call_id: 'c-1', digit: '5' });
    for (const d of ['a', 'b']) ev(d, 'seance_set_next_number', { number: '8002' });

    const c1 = t.getCall('c-1')!;
    assert.deepEqual(
      c1.states.map((s) => s.state),
      ['init', 'answered', 'talking'],
      'each state once',
    );
    assert.equal(c1.dtmf, '55', 'a digit pressed twice counts twice, its copies once');
    assert.equal(c1.domain, 'a', 'the domain the call was first seen in');
    assert.deepEqual(c1.domains, ['a', 'b']);
    const c2 = t.getCall('c-2')!;
    assert.deepEqual(
      c2.states.map((s) => s.state),
      ['init'],
    );
    assert.deepEqual(c2.domains, ['a', 'b']);
    const s = t.getSeance('se-1')!;
    assert.deepEqual(s.numbers, ['8002'], 'the transfer chain holds the number once');
    assert.deepEqual(s.domains, ['a', 'b']);
  });

  it('a repeated event in one domain is applied again', () => {
    const t = new CallTracker();
    const ev = (name: string, data: Record<string, unknown>) =>
      t.ingestCcs(name, { domain: 'a', ...data }, 1);
    ev('call_dtmf', { call_id: 'c-1', digit: '1' });
    ev('call_dtmf', { call_id: 'c-1', digit: '1' });
    assert.equal(t.getCall('c-1')!.dtmf, '11');
  });
});
