/**
 * A listener of the event hub that can be parked across a redeploy. A node stopping for a
 * redeploy parks its listener: the slot keeps its place (and so the family's subscription) and
 * buffers events, in order, for the node of the same id that replaces it. That node claims the
 * slot and, once its flow can take messages, resumes it: the buffered events come first, then
 * the live ones, none lost, none twice. A slot nobody claims within the grace period is removed
 * and what it held is reported (never dropped in silence).
 */
import type { TrackedEvent, TrackedListener } from './api';

/** Events a parked listener holds at most; more are counted and reported. */
export const MAX_PARKED_EVENTS = 10_000;

export interface SlotHooks {
  /** Remove the slot's dispatch function from the family's listeners. */
  detach(): void;
  /** A listener failure or a loss to report. */
  report(err: unknown, event?: TrackedEvent): void;
}

export class ParkableSlot {
  /** The function in the family's listener array; never changes while the slot lives. */
  readonly dispatch: TrackedListener;
  private target: TrackedListener | undefined;
  private buffer: TrackedEvent[] | null = null;
  private dropped = 0;
  private timer: NodeJS.Timeout | undefined;
  private gone = false;

  constructor(
    listener: TrackedListener,
    private readonly label: string,
    private readonly hooks: SlotHooks,
  ) {
    this.target = listener;
    this.dispatch = (event) => {
      const buffer = this.buffer;
      if (buffer === null) {
        this.target?.(event);
        return;
      }
      if (buffer.length < MAX_PARKED_EVENTS) buffer.push(event);
      else this.dropped++;
    };
  }

  get parked(): boolean {
    return this.buffer !== null && this.target === undefined;
  }

  get removed(): boolean {
    return this.gone;
  }

  /** Buffer from now on, for `graceMs`; then remove the slot and report what it held. */
  park(graceMs: number, onExpired: () => void): void {
    if (this.gone) return;
    this.target = undefined;
    if (this.buffer === null) this.buffer = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const held = (this.buffer?.length ?? 0) + this.dropped;
      this.remove();
      onExpired();
      if (held > 0) {
        this.hooks.report(
          new Error(`${held} event(s) for ${this.label} were not delivered: no node took them`),
        );
      }
    }, graceMs);
    this.timer.unref();
  }

  /** The replacing node's listener; events keep buffering until resume(). */
  claim(listener: TrackedListener): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.target = listener;
  }

  /** Deliver what was buffered, in order, then go live. */
  resume(): void {
    const buffer = this.buffer;
    if (buffer === null || this.target === undefined || this.gone) return;
    // Events arriving while the buffer is delivered are appended and delivered in this loop.
    for (let i = 0; i < buffer.length; i++) {
      const event = buffer[i];
      try {
        this.target(event);
      } catch (err) {
        this.hooks.report(err, event);
      }
    }
    this.buffer = null;
    if (this.dropped > 0) {
      this.hooks.report(
        new Error(
          `${this.dropped} event(s) for ${this.label} were dropped while it was redeployed (more than ${MAX_PARKED_EVENTS} held)`,
        ),
      );
      this.dropped = 0;
    }
  }

  remove(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = null;
    this.target = undefined;
    this.hooks.detach();
  }
}
