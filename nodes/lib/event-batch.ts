/**
 * Batch output of the event-source nodes: instead of one message per event, one message per
 * `batchSize` events or `batchMs` after the first event of a batch, whichever comes first, with
 * msg.payload the array of the messages one-per-event mode would have sent (each with its
 * topic, payload and the node's snapshots), in arrival order. For flows that write events to
 * a database: one send and one write per batch.
 *
 * Nothing is lost or sent twice at a close: a node removed from the flows sends what it holds
 * at once; a node redeployed (or stopped) hands what it holds to the node of the same id that
 * replaces it, which sends it as one batch as soon as its flow runs, before any later event.
 * What no node takes within the handover's grace period is reported as a warning.
 */
import type { NodeMessage } from 'node-red';
import { Handover } from '../../src/lifecycle/handover';
import { nextMsgId } from './msg-id';

/** What the editor stores (all optional: an older flow has none of them). */
export interface BatchConfig {
  /** "event" (default): one message per event; "batch": one message per batch. */
  output?: string;
  batchSize?: number | string;
  batchMs?: number | string;
}

export const DEFAULT_BATCH_SIZE = 100;
export const MAX_BATCH_SIZE = 10_000;
export const DEFAULT_BATCH_MS = 1000;
export const MAX_BATCH_MS = 60_000;
/** msg.topic of a batch message. */
export const BATCH_TOPIC = 'batch';

export interface BatchOptions {
  size: number;
  ms: number;
}

function bounded(value: unknown, fallback: number, min: number, max: number): number {
  const n = Number(value);
  if (value === '' || value === null || value === undefined || !Number.isFinite(n)) return fallback;
  return Math.min(max, Math.max(min, Math.round(n)));
}

/** The batch options of a node's configuration; undefined for one message per event. */
export function batchOptions(config: BatchConfig | undefined): BatchOptions | undefined {
  if (config?.output !== 'batch') return undefined;
  return {
    size: bounded(config.batchSize, DEFAULT_BATCH_SIZE, 1, MAX_BATCH_SIZE),
    ms: bounded(config.batchMs, DEFAULT_BATCH_MS, 1, MAX_BATCH_MS),
  };
}

/** The message of one batch. */
export function batchMessage(items: NodeMessage[]): NodeMessage {
  return {
    _msgid: nextMsgId(),
    topic: BATCH_TOPIC,
    payload: items,
    count: items.length,
  } as NodeMessage;
}

export class EventBatcher {
  private items: NodeMessage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushNow = (): void => this.flush();

  constructor(
    private readonly send: (msg: NodeMessage) => void,
    private readonly options: BatchOptions,
  ) {}

  /** Messages held for the next batch. */
  get size(): number {
    return this.items.length;
  }

  /** Add one event's message (hot path: one push, a timer only for a batch's first event). */
  add(msg: NodeMessage): void {
    const items = this.items;
    items.push(msg);
    if (items.length >= this.options.size) this.flush();
    else if (this.timer === undefined) this.timer = setTimeout(this.flushNow, this.options.ms);
  }

  /** Hold messages ahead of any added later (no timer: the caller flushes them). */
  prefill(items: NodeMessage[]): void {
    this.items = items.concat(this.items);
  }

  /** Send what is held as one batch (nothing when empty). */
  flush(): void {
    this.stopTimer();
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    this.send(batchMessage(items));
  }

  /** Stop and hand out what is held (for the node replacing this one). */
  take(): NodeMessage[] {
    this.stopTimer();
    const items = this.items;
    this.items = [];
    return items;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

interface Held {
  items: NodeMessage[];
  warn(text: string): void;
}

/** Batches of stopped nodes, by node id, waiting for the node that replaces each. */
const held = new Handover<Held>({
  expire: (h, key) =>
    h.warn(
      `${h.items.length} event message(s) of a batch of node ${key} were not sent: no node of that id was started again`,
    ),
});

/** Keep a stopped node's unsent messages for its replacement (nothing when empty). */
export function holdBatch(
  nodeId: string,
  items: NodeMessage[],
  warn: (text: string) => void,
): void {
  if (items.length > 0) held.park(nodeId, { items, warn });
}

/** The messages a stopped node of this id left unsent, taken (once). */
export function takeHeldBatch(nodeId: string): NodeMessage[] | undefined {
  return held.take(nodeId)?.items;
}

/** Report and forget every held batch (the flows stopped for good). */
export function releaseHeldBatches(): void {
  held.clear();
}
