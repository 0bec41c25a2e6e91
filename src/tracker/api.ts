/**
 * Contract of the call tracker (implemented in ./call-tracker.ts): pure state, no I/O, no
 * Node-RED. It merges the three event families into snapshots, bounded by TTL and size.
 */
import type { Data } from '../protocol/types';

export interface TrackerOptions {
  /** Entries untouched for this long are evicted. Default 9 hours (seed 001's clean-up). */
  ttlMs?: number;
  /** At most this many entries per kind; the oldest is evicted first. Default 10 000. */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Retention: the tracker keeps its own compact copy of what it needs from a body (short
 * strings interned, ~1.5 KB per dialog of seed 003 at 100 000 dialogs), never the body itself:
 * callers may mutate a body after ingesting it. Everything the tracker returns is a fresh,
 * plain-JSON deep copy: safe to put on a Node-RED msg and to mutate.
 *
 * Lazy results (`{ lazy: true }`, what the event hub uses): the snapshots of a result are built
 * on first read, at most once each, from the tracker's state at that moment, so they must be read
 * before the tracker's next ingest (the hub's listeners run synchronously, so they are). A lazy
 * result read later shows the newer state. Reading `dialog` / `call` / ... is a peek (treat it
 * as read-only); `take()` hands the first taker the snapshots built for the event and every
 * later taker its own copy, so two messages never share an object.
 */
export interface IngestOptions {
  lazy?: boolean;
}

export type Side = 'customer' | 'agent' | 'unknown';

/** A dialog as known from all its events: the create's fields, updated by later events. */
export interface DialogSnapshot {
  dialog_uuid: string;
  state?: string;
  dialog_type?: string;
  direction?: string;
  business_direction?: string;
  /** The create's fields (self/peer names and targets, project, tenant_user, ...). */
  fields: Data;
  /** The dialog that placed this one (initial_application_info.data.caller_dialog_uuid). */
  caller_dialog_uuid?: string;
  /** Key of the call this dialog belongs to (the first dialog's uuid). */
  call_key: string;
  states: { state: string; event_time: string }[];
  created_at?: string;
  closed_at?: string;
  close_cause?: string;
  held?: boolean;
  meeting_uuid?: string;
  /** True until the dialog_create was seen (only updates / close arrived so far). */
  partial?: boolean;
  /** The ccs seance this dialog belongs to (from the `ids` of agent events). */
  seance_id?: string;
  /** The agent whose dialog this is (agent events' `ids.dialog_uuid`). */
  agent?: string;
  /** The ccs call (leg) of this dialog (agent events' `ids.call_id` / `customer_call_id`). */
  ccs_call_id?: string;
}

export interface DialogCallView {
  key: string;
  dialogs: DialogSnapshot[];
  /**
   * Which party ended the call, as the call stands: the latest HANGUP (event time, then arrival)
   * that left at most one other dialog open. A HANGUP after which two or more other dialogs
   * stayed open (the first agent handing the customer over in a completed transfer) did not end
   * the call. With no such HANGUP, a DIALOG_LEFT close names the other party.
   */
  ended_by?: {
    dialog_uuid: string;
    dialog_type?: string;
    side: Side;
    /**
     * The close it was derived from: HANGUP of the ending party's dialog, or (when no HANGUP
     * ended it) DIALOG_LEFT of the other party's dialog. In the latter case `dialog_uuid` is the
     * other dialog of the call when one is known, else the dialog that was left.
     */
    close_cause?: string;
  };
  /** Linked through agent events: the seance, its uniqueId, its agents and ccs legs. */
  seance_id?: string;
  uniqueId?: string;
  /** The agent of the call (the first agent linked to it: who placed or took it). */
  agent?: string;
  /** Every agent linked to the call, in the order they were linked (transfers add more). */
  agents?: string[];
  ccs_call_ids?: string[];
}

export interface DialogIngestResult {
  dialog: DialogSnapshot;
  call: DialogCallView;
  /** True when the same event (same uuid, name, time and state) was seen before. */
  duplicate: boolean;
  /**
   * Set when the body could not be attributed to a dialog (not an object, no dialog_uuid,
   * unknown event_name): nothing was stored, `dialog` and `call` are empty placeholders
   * (dialog_uuid and key ''), and the tracker counted it in `ignored`.
   */
  ignored?: string;
  /**
   * dialog_close only: which side ended the call, as this close tells it. HANGUP: this
   * dialog's party. DIALOG_LEFT: the party of the call's ended_by when another dialog's HANGUP
   * gave it, else the side opposite this dialog's.
   */
  closed_by?: Side;
  /**
   * Lazy results: the dialog and call snapshots for one message (see IngestOptions). The first
   * call returns the snapshots built for the event; each later call returns fresh copies.
   */
  take?(): { dialog: DialogSnapshot; call: DialogCallView };
}

export interface CcsCallSnapshot {
  call_id: string;
  domain?: string;
  /**
   * Every domain the object's events came to (seed 004: an event of a call is duplicated to
   * each domain whose subscriber takes part); a copy for another domain is not applied twice.
   */
  domains?: string[];
  state?: string;
  states: { state: string; ts: number }[];
  seance_id?: string;
  connection_ids: string[];
  info: Data;
  deleted?: boolean;
  /** The leg's number (`number` of call_create / call_update). */
  number?: string;
  /** DTMF digits detected on the leg (call_dtmf), in order, the last 64. */
  dtmf?: string;
  /** connection_failure naming this leg (without a connection). */
  failed?: Data;
}

export interface ConnectionSnapshot {
  connection_id: string;
  domain?: string;
  /**
   * Every domain the object's events came to (seed 004: an event of a call is duplicated to
   * each domain whose subscriber takes part); a copy for another domain is not applied twice.
   */
  domains?: string[];
  state?: string;
  call_ids: string[];
  seance_id?: string;
  recording?: { started: boolean; info?: Data };
  failed?: Data;
  info: Data;
  deleted?: boolean;
}

export interface SeanceSnapshot {
  seance_id: string;
  domain?: string;
  /**
   * Every domain the object's events came to (seed 004: an event of a call is duplicated to
   * each domain whose subscriber takes part); a copy for another domain is not applied twice.
   */
  domains?: string[];
  state?: string;
  states: { state: string; ts: number }[];
  call_ids: string[];
  connection_ids: string[];
  /** seance_set_next_number, in order: the transfer chain. */
  numbers: string[];
  info: Data;
  deleted?: boolean;
  /** `number` of seance_create / seance_update, when given. */
  number?: string;
  /** Linked through agent events: the dialogs of the seance's parties (seed 003 uuids). */
  dialog_uuids?: string[];
  /** The seance's agent (the first linked) and every agent linked, in order. */
  agent?: string;
  agents?: string[];
  /** The operation's uniqueId (seed 000). */
  uniqueId?: string;
}

export interface CcsIngestResult {
  call?: CcsCallSnapshot;
  connection?: ConnectionSnapshot;
  seance?: SeanceSnapshot;
  /** Lazy results: the snapshot for a message (see IngestOptions). */
  take?(
    part: 'call' | 'connection' | 'seance',
  ): CcsCallSnapshot | ConnectionSnapshot | SeanceSnapshot | undefined;
}

/** What an agent event linked (no snapshot copies: cheap). */
export interface AgentIngestResult {
  seance_id?: string;
  /** The dialogs the event named (the agent's, the customer's, a consult target's). */
  dialog_uuids: string[];
  agent?: string;
  /** Set when the event named nothing to link (no `ids`); not counted as ignored. */
  ignored?: string;
}

export interface TrackerStats {
  dialogs: number;
  calls: number;
  connections: number;
  seances: number;
  evicted: number;
  ignored: number;
  /** Dialog call views (groups of dialogs of one call). */
  dialogCalls?: number;
  /** Dialog events recognised as duplicates and not re-applied. */
  duplicates?: number;
  /** Dialogs linked to a seance / agent by agent events. */
  links?: number;
}

export interface CallTrackerApi {
  ingestDialog(body: Data, options?: IngestOptions): DialogIngestResult;
  ingestCcs(name: string, data: Data, ts?: number, options?: IngestOptions): CcsIngestResult;
  /**
   * An agent event (seed 000): its `ids` (seance_id, call_id, customer_call_id, connection_id,
   * dialog_uuid, customer_dialog_uuid) and uniqueId link the dialogs of a call with its seance
   * and agent. `agent` is the frame's agent. Optional so other implementations stay valid.
   */
  ingestAgent?(name: string, data: Data, agent?: string): AgentIngestResult;
  getDialog(uuid: string): DialogSnapshot | undefined;
  getDialogCall(key: string): DialogCallView | undefined;
  getCall(callId: string): CcsCallSnapshot | undefined;
  getConnection(id: string): ConnectionSnapshot | undefined;
  getSeance(id: string): SeanceSnapshot | undefined;
  /** Evict expired entries; called by a timer owned by the user of the tracker. */
  sweep(): number;
  stats(): TrackerStats;
  clear(): void;
}
