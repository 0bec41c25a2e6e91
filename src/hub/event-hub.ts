/**
 * The event hub (contract in ./api.ts): one per gateway config node, or one per webhook node
 * that has no gateway. It subscribes to an event family on the gateway when the first listener
 * of that family arrives and unsubscribes when the last one leaves, feeds every event exactly
 * once into one call tracker, and hands each listener a TrackedEvent with the snapshots.
 *
 * Hot path (gateway frame -> listeners): one tracker call and one loop over a listener array
 * that is replaced, never mutated, when listeners come and go (so a listener removing itself
 * during dispatch is safe and the loop needs no copy). The tracker's results are lazy: no
 * snapshot is copied unless a listener reads or takes it, and then once per event (see take.ts).
 *
 * Agent events: operation process events reach the client without a subscription (they go to
 * the session that sent the request), so the hub listens to the agent family for its whole
 * lifetime and feeds every agent event's ids to the tracker, which links dialogs to seances and
 * agents. It subscribes to agent.* only while it has agent listeners.
 */
import type { GatewayClientApi, GatewayEvent, Subscription } from '../client/api';
import { FAMILY_CLASS, type EventFamily } from '../protocol/catalogue';
import type { Data } from '../protocol/types';
import { CallTracker } from '../tracker/call-tracker';
import type { CallTrackerApi, TrackerOptions } from '../tracker/api';
import { DEFAULT_HANDOVER_GRACE_MS } from '../lifecycle/handover';
import type {
  EventHubApi,
  ListenOptions,
  RemoveListener,
  TrackedEvent,
  TrackedListener,
} from './api';
import { ParkableSlot } from './parking';

export interface EventHubOptions extends TrackerOptions {
  /** How often expired tracker entries are swept (ms). Default 60 000; 0 turns the timer off. */
  sweepMs?: number;
  /** Subscription period asked of the gateway (s); the client renews it. Default 3600. */
  expires?: number;
  /** Told about listener exceptions and tracker failures (default: ignored). */
  onError?: (err: unknown, event?: TrackedEvent) => void;
  /** A tracker to use instead of a new one (tests, sharing). */
  tracker?: CallTrackerApi;
  /** How long a parked listener holds events for its replacement (ms). Default 30 000. */
  parkMs?: number;
}

export const DEFAULT_SWEEP_MS = 60_000;

interface FamilyState {
  listeners: TrackedListener[];
  /** Remover of the client listener, while the family has listeners. */
  off?: () => void;
  subscription?: Subscription;
}

const FAMILIES: readonly EventFamily[] = ['agent', 'dialog', 'ccs', 'call'];
const LAZY = Object.freeze({ lazy: true });

/** The hub's event for a gateway frame (one object literal: every event has the same shape). */
function fromGateway(family: EventFamily, frame: GatewayEvent): TrackedEvent {
  return { family, name: frame.name, data: frame.data, source: 'gateway', frame };
}

class EventHub implements EventHubApi {
  readonly tracker: CallTrackerApi;
  private readonly families: Record<EventFamily, FamilyState>;
  /** Remover of the hub-lifetime agent listener (feeds agent events to the tracker). */
  private offAgent: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Keyed (parkable) listeners by family and key. */
  private readonly slots = new Map<string, ParkableSlot>();

  constructor(
    private readonly client: GatewayClientApi | undefined,
    private readonly options: EventHubOptions,
  ) {
    this.tracker = options.tracker ?? new CallTracker(options);
    this.families = {
      agent: { listeners: [] },
      dialog: { listeners: [] },
      ccs: { listeners: [] },
      call: { listeners: [] },
    };
    if (client) this.offAgent = client.on('agent', '*', (frame) => this.onAgentFrame(frame));
    const sweepMs = options.sweepMs ?? DEFAULT_SWEEP_MS;
    if (sweepMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
      this.sweepTimer.unref();
    }
  }

  onEvent(
    family: EventFamily,
    listener: TrackedListener,
    options: ListenOptions = {},
  ): RemoveListener {
    const state = this.families[family];
    if (!state) throw new Error(`unknown event family: ${String(family)}`);
    if (this.closed) return () => undefined;
    const key = options.key;
    const taken = key === undefined ? undefined : this.slots.get(`${family}\u0000${key}`);
    if (key === undefined || (taken && !taken.removed && !taken.parked)) {
      // Unkeyed, or a second listener of a key already live: a plain listener.
      const remove = this.addListener(family, state, listener);
      return () => remove();
    }
    const slotKey = `${family}\u0000${key}`;
    let slot = this.slots.get(slotKey);
    if (slot && slot.parked) {
      slot.claim(listener); // the node replacing a parked one: its events wait for resume()
    } else {
      let remove: () => void = () => undefined;
      const created = new ParkableSlot(listener, `${family} listener ${key}`, {
        detach: () => {
          remove();
          if (this.slots.get(slotKey) === created) this.slots.delete(slotKey);
        },
        report: (err, event) => this.report(err, event),
      });
      remove = this.addListener(family, state, created.dispatch);
      this.slots.set(slotKey, created);
      slot = created;
    }
    const mine = slot;
    let done = false;
    return (o) => {
      if (done || mine.removed) return;
      done = true;
      if (o?.park && !this.closed)
        mine.park(this.options.parkMs ?? DEFAULT_HANDOVER_GRACE_MS, () => undefined);
      else mine.remove();
    };
  }

  resume(key: string): void {
    for (const [slotKey, slot] of this.slots) {
      if (slotKey.endsWith(`\u0000${key}`)) slot.resume();
    }
  }

  private addListener(
    family: EventFamily,
    state: FamilyState,
    listener: TrackedListener,
  ): () => void {
    state.listeners = [...state.listeners, listener];
    if (state.listeners.length === 1) this.startFamily(family, state);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const i = state.listeners.indexOf(listener);
      if (i < 0) return;
      state.listeners = state.listeners.filter((_, j) => j !== i);
      if (state.listeners.length === 0) this.stopFamily(state);
    };
  }

  ingestDialogBody(body: Data): TrackedEvent {
    const event: TrackedEvent = {
      family: 'dialog',
      name: String(body.event_name),
      data: body,
      source: 'webhook',
    };
    this.trackDialog(event);
    if (!this.closed) this.dispatch(this.families.dialog.listeners, event);
    return event;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.offAgent) this.offAgent();
    this.offAgent = undefined;
    for (const slot of [...this.slots.values()]) slot.remove();
    this.slots.clear();
    const pending: Promise<void>[] = [];
    for (const family of FAMILIES) {
      const state = this.families[family];
      state.listeners = [];
      const p = this.stopFamily(state);
      if (p) pending.push(p);
    }
    await Promise.all(pending);
  }

  /** Listener counts per family (for status and tests). */
  listenerCount(family: EventFamily): number {
    return this.families[family].listeners.length;
  }

  private startFamily(family: EventFamily, state: FamilyState): void {
    const client = this.client;
    if (!client) return;
    // Agent frames already arrive through the hub-lifetime listener; only subscribe.
    if (family !== 'agent') {
      const handler =
        family === 'dialog'
          ? (frame: GatewayEvent) => this.onDialogFrame(frame)
          : family === 'call'
            ? (frame: GatewayEvent) => this.onCallFrame(frame)
            : (frame: GatewayEvent) => this.onCcsFrame(frame);
      state.off = client.on(family, '*', handler);
    }
    try {
      state.subscription = client.subscribe({
        events: [`${FAMILY_CLASS[family]}.*`],
        objects: 'any',
        expires: this.options.expires ?? 3600,
      });
    } catch (err) {
      // A closed client refuses: the listener stays (webhook bodies still reach it), the
      // error is reported instead of thrown at whoever added the listener.
      this.report(err);
    }
  }

  private stopFamily(state: FamilyState): Promise<void> | undefined {
    const off = state.off;
    const sub = state.subscription;
    state.off = undefined;
    state.subscription = undefined;
    if (off) off();
    if (!sub) return undefined;
    // Unsubscribing needs the connection; a closed client must not make close() fail.
    return sub.unsubscribe().catch(() => undefined);
  }

  private onDialogFrame(frame: GatewayEvent): void {
    const event = fromGateway('dialog', frame);
    this.trackDialog(event);
    this.dispatch(this.families.dialog.listeners, event);
  }

  private trackDialog(event: TrackedEvent): void {
    try {
      const result = this.tracker.ingestDialog(event.data, LAZY);
      event.dialog = result;
      if (event.name === 'dialog_close' && !result.ignored) event.closedBy = result.closed_by;
    } catch (err) {
      this.report(err, event);
    }
  }

  private onCcsFrame(frame: GatewayEvent): void {
    const event = fromGateway('ccs', frame);
    try {
      event.ccs = this.tracker.ingestCcs(frame.name, frame.data, frame.ts, LAZY);
    } catch (err) {
      this.report(err, event);
    }
    this.dispatch(this.families.ccs.listeners, event);
  }

  /** Era / Incoplax callevents: dispatched as they come (the tracker keeps no call family). */
  private onCallFrame(frame: GatewayEvent): void {
    const event = fromGateway('call', frame);
    this.dispatch(this.families.call.listeners, event);
  }

  private onAgentFrame(frame: GatewayEvent): void {
    const event = fromGateway('agent', frame);
    try {
      const linked = this.tracker.ingestAgent?.(frame.name, frame.data, frame.agent);
      if (linked) event.agent = linked;
    } catch (err) {
      this.report(err, event);
    }
    const listeners = this.families.agent.listeners;
    if (listeners.length > 0) this.dispatch(listeners, event);
  }

  private dispatch(listeners: TrackedListener[], event: TrackedEvent): void {
    for (let i = 0; i < listeners.length; i++) {
      try {
        listeners[i](event);
      } catch (err) {
        this.report(err, event);
      }
    }
  }

  private sweep(): void {
    try {
      this.tracker.sweep();
    } catch (err) {
      this.report(err);
    }
  }

  private report(err: unknown, event?: TrackedEvent): void {
    const onError = this.options.onError;
    if (!onError) return;
    try {
      onError(err, event);
    } catch {
      // A failing error reporter must not break the event path.
    }
  }
}

/**
 * Create an event hub. `client` is undefined for a webhook-only hub: listeners then receive
 * only what ingestDialogBody dispatches.
 */
export function createEventHub(
  client: GatewayClientApi | undefined,
  options: EventHubOptions = {},
): EventHubApi & { listenerCount(family: EventFamily): number } {
  return new EventHub(client, options);
}
