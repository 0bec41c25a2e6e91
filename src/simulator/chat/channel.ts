/**
 * A UCWA event channel for a browser page (the visitor's chat client, a representative's page):
 * envelopes are numbered; `GET events?ack=N` returns every envelope from N on, or waits (long
 * poll) until one arrives. Bounded: the oldest envelopes are dropped past `max`.
 */
import type { ChatCallback } from '../../chat/api';

export interface ChannelPage {
  _links: { next: { href: string } };
  sender: ChatCallback['sender'];
}

export class EventChannel {
  private readonly items: { n: number; env: ChatCallback }[] = [];
  private next = 1;
  private waiters: (() => void)[] = [];
  closed = false;
  lastPoll = Date.now();

  constructor(
    readonly href: string,
    private readonly max = 500,
  ) {}

  push(env: ChatCallback): void {
    this.items.push({ n: this.next++, env });
    if (this.items.length > this.max) this.items.shift();
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Envelopes from ack on, merged into one page; waits up to waitMs when there are none. */
  async poll(ack: number, waitMs: number): Promise<ChannelPage> {
    this.lastPoll = Date.now();
    if (!this.items.some((i) => i.n >= ack) && !this.closed && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, waitMs);
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.waiters.push(done);
      });
    }
    this.lastPoll = Date.now();
    const fresh = this.items.filter((i) => i.n >= ack);
    const last = fresh.length ? fresh[fresh.length - 1].n : ack - 1;
    return {
      _links: { next: { href: `${this.href}?ack=${last + 1}` } },
      sender: fresh.flatMap((i) => i.env.sender),
    };
  }

  close(): void {
    this.closed = true;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
