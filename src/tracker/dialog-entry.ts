/**
 * What the tracker stores for one dialog (seed 003), laid out small: it is kept for every
 * dialog for up to the TTL (9 hours by default), so at 100,000 dialogs each word counts.
 *
 * - times of the store's clock are kept relative to the store's epoch (small integers: V8
 *   keeps them inside the object instead of a separate 16-byte number box each);
 * - the touch order is a list through the entries themselves (two links), not a delete and
 *   re-insert in the store's map per event (whose deleted slots doubled the map's table);
 * - the state history is one flat array, three slots a state (state, event_time, whether a
 *   create announced it) instead of an object a state; the strings are interned;
 * - hold and meeting, rare, live in a small object made on first use;
 * - two booleans share one bit field.
 */
import type { Data } from '../protocol/types';
import type { Side } from './api';
import type { Linked } from './bounded-map';
import { EMPTY, MAX_STATES, isObject } from './entries';

/** Bits of DialogEntry.flags. */
const HAS_CREATE = 1;
const CALLER_FROM_CREATE = 2;

/** Slots a state takes in DialogEntry.states: state, event_time, create. */
const STATE_SLOTS = 3;

/** Shared empty history (never mutated: histories are replaced). */
const NO_STATES: (string | boolean)[] = Object.freeze([]) as unknown as (string | boolean)[];

/** Hold and meeting: the rare parts of a dialog. */
interface DialogExtra {
  held: boolean | undefined;
  heldAt: string | undefined;
  meetingUuid: string | undefined;
  meetingAt: string | undefined;
}

export class DialogEntry implements Linked<DialogEntry> {
  callKey: string;
  /** Last touch, relative to the store's epoch. */
  t: number;
  /** Neighbours in the store's touch order (a TouchList, ./bounded-map.ts): older, newer. */
  prev: DialogEntry | undefined = undefined;
  next: DialogEntry | undefined = undefined;
  private flags = 0;
  dialogType: string | undefined = undefined;
  direction: string | undefined = undefined;
  businessDirection: string | undefined = undefined;
  caller: string | undefined = undefined;
  createdAt: string | undefined = undefined;
  closedAt: string | undefined = undefined;
  closeCause: string | undefined = undefined;
  /** Arrival order of the close (orders closes of the same second). */
  closeSeq = 0;
  private extra: DialogExtra | undefined = undefined;
  fields: Data = EMPTY;
  /** [state, event_time, create, state, event_time, create, ...] in event-time order. */
  private history: (string | boolean)[] = NO_STATES;

  constructor(
    readonly uuid: string,
    t: number,
  ) {
    this.callKey = uuid;
    this.t = t;
  }

  get hasCreate(): boolean {
    return (this.flags & HAS_CREATE) !== 0;
  }
  set hasCreate(v: boolean) {
    this.flags = v ? this.flags | HAS_CREATE : this.flags & ~HAS_CREATE;
  }

  get callerFromCreate(): boolean {
    return (this.flags & CALLER_FROM_CREATE) !== 0;
  }
  set callerFromCreate(v: boolean) {
    this.flags = v ? this.flags | CALLER_FROM_CREATE : this.flags & ~CALLER_FROM_CREATE;
  }

  get held(): boolean | undefined {
    return this.extra?.held;
  }
  get heldAt(): string | undefined {
    return this.extra?.heldAt;
  }
  get meetingUuid(): string | undefined {
    return this.extra?.meetingUuid;
  }
  get meetingAt(): string | undefined {
    return this.extra?.meetingAt;
  }

  hold(held: boolean | undefined, at: string): void {
    const x = this.extras();
    x.held = held;
    x.heldAt = at;
  }

  meeting(uuid: string | undefined, at: string): void {
    const x = this.extras();
    if (uuid !== undefined) x.meetingUuid = uuid;
    x.meetingAt = at;
  }

  private extras(): DialogExtra {
    return (this.extra ??= {
      held: undefined,
      heldAt: undefined,
      meetingUuid: undefined,
      meetingAt: undefined,
    });
  }

  /** How many states the history holds. */
  get stateCount(): number {
    return this.history.length / STATE_SLOTS;
  }

  /** The latest state (in event-time order), if any. */
  get lastState(): string | undefined {
    const h = this.history;
    return h.length === 0 ? undefined : (h[h.length - STATE_SLOTS] as string);
  }

  /** The event time of the earliest state, if any. */
  get firstStateTime(): string | undefined {
    return this.history.length === 0 ? undefined : (this.history[1] as string);
  }

  /** The history as the snapshot shows it (fresh objects). */
  statesOut(): { state: string; event_time: string }[] {
    const h = this.history;
    const out: { state: string; event_time: string }[] = [];
    for (let i = 0; i < h.length; i += STATE_SLOTS) {
      out.push({ state: h[i] as string, event_time: h[i + 1] as string });
    }
    return out;
  }

  /** True when the history holds this state at this time, from a create or from an update. */
  hasState(state: string, time: string, create: boolean): boolean {
    const h = this.history;
    for (let i = 0; i < h.length; i += STATE_SLOTS) {
      if (h[i] === state && h[i + 1] === time && h[i + 2] === create) return true;
    }
    return false;
  }

  /**
   * Insert a state in event-time order (a create's state before updates of the same second);
   * the most recent MAX_STATES are kept. The array is replaced, at its exact length.
   */
  addState(state: string, time: string, create: boolean): void {
    const h = this.history;
    let i = h.length;
    while (i > 0) {
      const prevTime = h[i - 2] as string;
      if (prevTime > time || (prevTime === time && create && h[i - 1] === false)) {
        i -= STATE_SLOTS;
      } else break;
    }
    const next = h.slice(0, i).concat([state, time, create], h.slice(i));
    const max = MAX_STATES * STATE_SLOTS;
    this.history = next.length > max ? next.slice(next.length - max) : next;
  }
}

/**
 * The party a dialog stands for: EXTERNAL is the customer, CONSULTANT an agent; for a dialog
 * whose create was missed, seed 003's initial_application_info.side (CONTACT / USER).
 */
export function sideOfEntry(e: DialogEntry | undefined): Side {
  if (!e) return 'unknown';
  if (e.dialogType === 'EXTERNAL') return 'customer';
  if (e.dialogType === 'CONSULTANT') return 'agent';
  const info = e.fields.initial_application_info;
  if (isObject(info)) {
    if (info.side === 'CONTACT') return 'customer';
    if (info.side === 'USER') return 'agent';
  }
  return 'unknown';
}

export function opposite(side: Side): Side {
  return side === 'customer' ? 'agent' : side === 'agent' ? 'customer' : 'unknown';
}
