/**
 * Shared glue of the event-source nodes (cc-dialog-events, cc-ccs-events, cc-seance-events):
 * attaching to the gateway config node's hub, list filters, and a status that shows the
 * connection, events in the last minute and the last event name, refreshed at most once a second.
 */
import type { Node, NodeAPI } from 'node-red';
import type { ConnectionState, ConnectionStatus, Notice } from '../../src/client/api';
import type { EventFamily } from '../../src/protocol/catalogue';
import type { EventHubApi, TrackedListener } from '../../src/hub/api';
import { whenFlowsStarted } from './redeploy';
import type { GatewayConfigNode } from './types';

/** How often the status is refreshed (ms); it shows the events of the last 60 refreshes. */
export const STATUS_INTERVAL_MS = 1000;
/** How long a gap notice stays in the status (ms). */
export const GAP_SHOWN_MS = 30_000;

/**
 * A filter list from the editor: an array (multi-select) or a comma/newline separated string.
 * Returns undefined when the list is empty (no filtering).
 */
export function filterSet(value: unknown): Set<string> | undefined {
  let items: unknown[] = [];
  if (Array.isArray(value)) items = value;
  else if (typeof value === 'string') items = value.split(/[,\n]/);
  const set = new Set<string>();
  for (const item of items) {
    if (item === null || item === undefined) continue;
    const s = String(item).trim();
    if (s) set.add(s);
  }
  return set.size > 0 ? set : undefined;
}

/** True when no filter is set or the value is in it. */
export function passes(filter: Set<string> | undefined, value: unknown): boolean {
  if (!filter) return true;
  if (value === undefined || value === null) return false;
  return filter.has(String(value));
}

type Fill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';

const CONNECTION_FILL: Record<ConnectionState, Fill> = {
  idle: 'grey',
  connecting: 'yellow',
  connected: 'green',
  reconnecting: 'yellow',
  authFailed: 'red',
  closed: 'grey',
};

/**
 * Node status for an event source: "<connection> · <n>/min · <last event>" (events in the last
 * minute, a figure a person can read at any rate). Counting an event
 * is one increment; the text is rebuilt by a once-a-second timer and only sent when it changed.
 */
export class EventStatus {
  private count = 0;
  private lastName = '';
  private connection: ConnectionState | 'listening' | 'error';
  private errorText = '';
  /** A gap notice shown until this time (epoch ms). */
  private gapText = '';
  private gapUntil = 0;
  private shown = '';
  private timer: NodeJS.Timeout | undefined;
  /** Events counted in each of the last 60 ticks (a ring), and their sum. */
  private readonly window = new Array<number>(60).fill(0);
  private slot = 0;
  /** Events in the last minute (what the status shows: readable at any rate). */
  private rate = 0;

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    readonly type: string,
    initial: ConnectionState | 'listening',
  ) {
    this.connection = initial;
    this.timer = setInterval(() => this.tick(), STATUS_INTERVAL_MS);
    this.timer.unref();
    this.render(0);
  }

  /** Count one emitted event (hot path). */
  event(name: string): void {
    this.count++;
    this.lastName = name;
  }

  setConnection(status: ConnectionStatus): void {
    this.connection = status.state;
    this.errorText = status.error ?? '';
    this.render(this.rate);
  }

  /** Events may have been lost (a platform that cannot replay, a refused resume): say so. */
  setGap(text: string): void {
    this.gapText = text;
    this.gapUntil = Date.now() + GAP_SHOWN_MS;
    this.render(this.rate);
  }

  setError(text: string): void {
    this.connection = 'error';
    this.errorText = text;
    this.render(0);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.slot = (this.slot + 1) % this.window.length;
    this.rate += this.count - this.window[this.slot];
    this.window[this.slot] = this.count;
    this.count = 0;
    if (this.gapText && Date.now() >= this.gapUntil) this.gapText = '';
    this.render(this.rate);
  }

  private render(rate: number): void {
    const RED = this.RED;
    const state = this.connection;
    const fill: Fill =
      state === 'listening' ? 'blue' : state === 'error' ? 'red' : CONNECTION_FILL[state];
    const conn = RED._(`${this.type}.status.${state}`);
    let text = conn;
    if (this.lastName) {
      text = RED._(`${this.type}.status.events`, {
        connection: conn,
        rate: String(rate),
        name: this.lastName,
      });
    }
    if (this.errorText && state !== 'connected' && state !== 'listening') {
      text = RED._(`${this.type}.status.withError`, { connection: conn, error: this.errorText });
    }
    let shownFill = fill;
    if (this.gapText && state === 'connected') {
      text = RED._(`${this.type}.status.gap`, { connection: conn });
      shownFill = 'yellow';
    }
    const key = `${shownFill}|${text}`;
    if (key === this.shown) return;
    this.shown = key;
    this.node.status({
      fill: shownFill,
      shape: state === 'connected' || state === 'listening' ? 'dot' : 'ring',
      text,
    });
  }
}

/**
 * Attach a node to the gateway config node's hub for one family: registers the node with the
 * config node (which opens the connection), forwards connection states to the status and
 * listens to the hub. Returns the hub and a detach function for the node's close handler.
 */
export function attachToGateway(
  RED: NodeAPI,
  node: Node,
  gatewayId: string,
  family: EventFamily | undefined,
  status: EventStatus,
  listen: ((hub: EventHubApi) => TrackedListener) | undefined,
): { hub: EventHubApi; detach: (removed?: boolean) => Promise<void> } | undefined {
  const gateway = RED.nodes.getNode(gatewayId) as unknown as GatewayConfigNode | null;
  if (!gateway || typeof gateway.hub !== 'function') return undefined;
  gateway.register(
    node,
    (s) => status.setConnection(s),
    (notice: Notice) => {
      if (notice.code !== 'gap') return;
      // Never silent: the status says so, and a Catch node gets a message about it.
      status.setGap(notice.message);
      node.error(RED._(`${status.type}.errors.gap`, { message: notice.message }), {
        topic: 'gap',
        payload: { code: notice.code, message: notice.message, ts: notice.ts },
      });
    },
  );
  status.setConnection(gateway.connectionStatus);
  const hub = gateway.hub();
  // Keyed by the node id: across a redeploy the events go to the node that replaces this one,
  // held until its flow runs (see src/hub/parking.ts).
  const off = family && listen ? hub.onEvent(family, listen(hub), { key: node.id }) : undefined;
  const cancelResume = off ? whenFlowsStarted(RED, () => hub.resume(node.id)) : undefined;
  return {
    hub,
    detach: async (removed = true) => {
      cancelResume?.();
      if (off) off({ park: !removed });
      await gateway.deregister(node, !removed);
    },
  };
}
