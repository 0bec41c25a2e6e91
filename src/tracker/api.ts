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
 */

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
}

export interface DialogCallView {
  key: string;
  dialogs: DialogSnapshot[];
  /** Set once a dialog of the call closed with HANGUP: which party ended it. */
  ended_by?: {
    dialog_uuid: string;
    dialog_type?: string;
    side: 'customer' | 'agent' | 'unknown';
    /**
     * The close it was derived from: HANGUP of the ending party's dialog, or (when no HANGUP is
     * known) DIALOG_LEFT of the other party's dialog. In the latter case `dialog_uuid` is the
     * other dialog of the call when one is known, else the dialog that was left.
     */
    close_cause?: string;
  };
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
}

export interface CcsCallSnapshot {
  call_id: string;
  domain?: string;
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
}

export interface CcsIngestResult {
  call?: CcsCallSnapshot;
  connection?: ConnectionSnapshot;
  seance?: SeanceSnapshot;
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
}

export interface CallTrackerApi {
  ingestDialog(body: Data): DialogIngestResult;
  ingestCcs(name: string, data: Data, ts?: number): CcsIngestResult;
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
