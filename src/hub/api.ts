/**
 * Contract of the event hub (implemented in ./event-hub.ts): one per gateway config node. It
 * subscribes to an event family on the gateway when the first listener of that family
 * arrives, feeds every event once into the call tracker, and hands listeners the event with
 * its snapshots. Webhook deliveries of dialog events enter through ingestDialogBody, so both
 * sources share one tracker.
 */
import type { EventFamily } from '../protocol/catalogue';
import type { Data, EventFrame } from '../protocol/types';
import type {
  AgentIngestResult,
  CallTrackerApi,
  CcsIngestResult,
  DialogIngestResult,
} from '../tracker/api';

export interface TrackedEvent {
  family: EventFamily;
  name: string;
  /** The event's data: for the dialog family, the webhook body exactly as the vendor sends it. */
  data: Data;
  source: 'gateway' | 'webhook';
  /** The gateway frame, when the event came through the gateway. */
  frame?: EventFrame;
  /**
   * Dialog family: the merged dialog and the dialogs of its call. Lazy: reading `dialog` /
   * `call` builds them (once per event; treat them as read-only); a listener that puts them on
   * a message uses takeDialog() (./take.ts), which gives every message its own objects. Read
   * them in the listener: after the next event they show the newer state.
   */
  dialog?: DialogIngestResult;
  /** ccs family: the call / connection / seance snapshots the event touched (lazy, as above). */
  ccs?: CcsIngestResult;
  /** agent family: what the event's ids linked (seance, dialogs, agent). */
  agent?: AgentIngestResult;
  /**
   * dialog_close only: which side ended the call, as the tracker tells it (closed_by: HANGUP:
   * this dialog's party; DIALOG_LEFT: the party whose HANGUP ended the call, else the other).
   */
  closedBy?: 'customer' | 'agent' | 'unknown';
  /** Set by takeData() (./take.ts) once `data` is on a message: later takers get copies. */
  dataTaken?: boolean;
}

export type TrackedListener = (event: TrackedEvent) => void;

export interface ListenOptions {
  /**
   * The listener's owner (a node id): a keyed listener can be parked across a redeploy and
   * claimed by the next listener of the same family and key (see ./parking.ts).
   */
  key?: string;
}

/**
 * Removes a listener. With `park` (a keyed listener whose node is redeployed), its events are
 * held for the listener that claims the same key, instead of being lost.
 */
export type RemoveListener = (options?: { park?: boolean }) => void;

export interface EventHubApi {
  readonly tracker: CallTrackerApi;
  /** Start receiving a family (subscribing on the gateway if needed). Returns the remover. */
  onEvent(family: EventFamily, listener: TrackedListener, options?: ListenOptions): RemoveListener;
  /**
   * The listeners of `key` that claimed parked slots get the held events, in order, then live
   * ones. Call it once the new node can send messages (its flow has started).
   */
  resume(key: string): void;
  /** A dialog webhook body accepted by the ingress: tracked and dispatched like a gateway event. */
  ingestDialogBody(body: Data): TrackedEvent;
  /** Stop: unsubscribe, clear timers. */
  close(): Promise<void>;
}

/**
 * The factory ./event-hub.ts exports. `client` is undefined for a webhook-only hub.
 *   export function createEventHub(client: GatewayClientApi | undefined,
 *                                  options?: TrackerOptions & { sweepMs?: number }): EventHubApi
 */
export type { TrackerOptions } from '../tracker/api';
