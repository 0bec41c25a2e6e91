/**
 * The event nodes' status counts the events of the last minute (a figure a person can read at
 * any rate, not a per-second figure that reads 0 most of the time between calls).
 */
import assert from 'node:assert/strict';
import type { Node, NodeAPI } from 'node-red';
import { EventStatus } from '../nodes/lib/event-node';

describe('event node status: events in the last minute', () => {
  it('sums the last 60 refreshes and forgets older ones', () => {
    const texts: string[] = [];
    const RED = {
      _: (key: string, subs?: Record<string, string>) =>
        key === 't.status.events' ? `${subs?.connection} · ${subs?.rate}/min · ${subs?.name}` : key,
    } as unknown as NodeAPI;
    const node = { status: (s: { text: string }) => texts.push(s.text) } as unknown as Node;
    const status = new EventStatus(RED, node, 't', 'connected');
    const tick = () => (status as unknown as { tick(): void }).tick();
    try {
      status.setConnection({ state: 'connected', attempt: 0 });
      for (let i = 0; i < 5; i++) status.event('call_create');
      tick();
      assert.equal(texts[texts.length - 1], 't.status.connected · 5/min · call_create');
      // One event a second for the rest of the minute: 5 + 59.
      for (let i = 0; i < 59; i++) {
        status.event('call_set_state');
        tick();
      }
      assert.equal(texts[texts.length - 1], 't.status.connected · 64/min · call_set_state');
      tick(); // the first second (5 events) leaves the window
      assert.equal(texts[texts.length - 1], 't.status.connected · 59/min · call_set_state');
      for (let i = 0; i < 60; i++) tick();
      assert.equal(texts[texts.length - 1], 't.status.connected · 0/min · call_set_state');
    } finally {
      status.close();
    }
  });
});
