/**
 * The snapshots the tracker hands out, built from its entries as fresh plain-JSON copies, and
 * the ingest results that build them on first read (lazy) or at once (toJSON, the eager form).
 */
import type {
  CcsCallSnapshot,
  CcsIngestResult,
  ConnectionSnapshot,
  DialogCallView,
  DialogIngestResult,
  DialogSnapshot,
  SeanceSnapshot,
  Side,
} from './api';
import { cloneOwn, plainData } from './copy';
import type { CcsCallEntry, ConnectionEntry, DialogLink, SeanceEntry } from './entries';
import type { DialogEntry } from './dialog-entry';

export function dialogSnapshot(e: DialogEntry, link: DialogLink | undefined): DialogSnapshot {
  const s: DialogSnapshot = {
    dialog_uuid: e.uuid,
    call_key: e.callKey,
    fields: plainData(e.fields),
    states: e.statesOut(),
  };
  const last = e.lastState;
  if (last !== undefined) s.state = last;
  if (e.dialogType !== undefined) s.dialog_type = e.dialogType;
  if (e.direction !== undefined) s.direction = e.direction;
  if (e.businessDirection !== undefined) s.business_direction = e.businessDirection;
  if (e.caller !== undefined) s.caller_dialog_uuid = e.caller;
  if (e.createdAt !== undefined) s.created_at = e.createdAt;
  if (e.closedAt !== undefined) s.closed_at = e.closedAt;
  if (e.closeCause !== undefined) s.close_cause = e.closeCause;
  if (e.held !== undefined) s.held = e.held;
  if (e.meetingUuid !== undefined) s.meeting_uuid = e.meetingUuid;
  if (!e.hasCreate) s.partial = true;
  if (link) {
    if (link.seance !== undefined) s.seance_id = link.seance;
    if (link.agent !== undefined) s.agent = link.agent;
    if (link.callId !== undefined) s.ccs_call_id = link.callId;
  }
  return s;
}

export function callSnapshot(e: CcsCallEntry): CcsCallSnapshot {
  const s: CcsCallSnapshot = {
    call_id: e.call_id,
    states: e.states.map((x) => ({ state: x.state, ts: x.ts })),
    connection_ids: e.connection_ids.slice(),
    info: plainData(e.info),
  };
  if (e.domain !== undefined) s.domain = e.domain;
  if (e.domains !== undefined) s.domains = e.domains.slice();
  if (e.state !== undefined) s.state = e.state;
  if (e.seance_id !== undefined) s.seance_id = e.seance_id;
  if (e.number !== undefined) s.number = e.number;
  if (e.dtmf !== undefined) s.dtmf = e.dtmf;
  if (e.failed !== undefined) s.failed = plainData(e.failed);
  if (e.deleted) s.deleted = true;
  return s;
}

export function connectionSnapshot(e: ConnectionEntry): ConnectionSnapshot {
  const s: ConnectionSnapshot = {
    connection_id: e.connection_id,
    call_ids: e.call_ids.slice(),
    info: plainData(e.info),
  };
  if (e.domain !== undefined) s.domain = e.domain;
  if (e.domains !== undefined) s.domains = e.domains.slice();
  if (e.state !== undefined) s.state = e.state;
  if (e.seance_id !== undefined) s.seance_id = e.seance_id;
  if (e.recording !== undefined) {
    s.recording = { started: e.recording.started };
    if (e.recording.info !== undefined) s.recording.info = plainData(e.recording.info);
  }
  if (e.failed !== undefined) s.failed = plainData(e.failed);
  if (e.deleted) s.deleted = true;
  return s;
}

export function seanceSnapshot(e: SeanceEntry): SeanceSnapshot {
  const s: SeanceSnapshot = {
    seance_id: e.seance_id,
    states: e.states.map((x) => ({ state: x.state, ts: x.ts })),
    call_ids: e.call_ids.slice(),
    connection_ids: e.connection_ids.slice(),
    numbers: e.numbers.slice(),
    info: plainData(e.info),
  };
  if (e.domain !== undefined) s.domain = e.domain;
  if (e.domains !== undefined) s.domains = e.domains.slice();
  if (e.state !== undefined) s.state = e.state;
  if (e.number !== undefined) s.number = e.number;
  if (e.deleted) s.deleted = true;
  if (e.dialog_uuids && e.dialog_uuids.length > 0) s.dialog_uuids = e.dialog_uuids.slice();
  if (e.agent !== undefined) s.agent = e.agent;
  if (e.agents && e.agents.length > 0) s.agents = e.agents.slice();
  if (e.uniqueId !== undefined) s.uniqueId = e.uniqueId;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Results: snapshots built on first read (lazy) or at once (toJSON, the eager results).

/** What a lazy dialog result asks the tracker for. */
export interface DialogViews {
  snapshotOf(entry: DialogEntry): DialogSnapshot;
  viewOf(entry: DialogEntry, snap?: DialogSnapshot): DialogCallView;
}

/** Fresh copies of a dialog result's snapshots, the current dialog shared with its call view. */
function copyPair(
  dialog: DialogSnapshot,
  call: DialogCallView,
): { dialog: DialogSnapshot; call: DialogCallView } {
  const c = cloneOwn(call) as DialogCallView;
  const d =
    c.dialogs.find((x) => x.dialog_uuid === dialog.dialog_uuid) ??
    (cloneOwn(dialog) as DialogSnapshot);
  return { dialog: d, call: c };
}

export class LazyDialogResult implements DialogIngestResult {
  closed_by?: Side;
  private d: DialogSnapshot | undefined;
  private c: DialogCallView | undefined;
  private taken = false;

  constructor(
    private readonly tracker: DialogViews,
    private readonly entry: DialogEntry,
    readonly duplicate: boolean,
  ) {}

  get dialog(): DialogSnapshot {
    return (this.d ??= this.tracker.snapshotOf(this.entry));
  }

  get call(): DialogCallView {
    return (this.c ??= this.tracker.viewOf(this.entry, this.dialog));
  }

  take(): { dialog: DialogSnapshot; call: DialogCallView } {
    const dialog = this.dialog;
    const call = this.call;
    if (!this.taken) {
      this.taken = true;
      return { dialog, call };
    }
    return copyPair(dialog, call);
  }

  /** The eager, plain form (and what JSON.stringify shows). */
  toJSON(): DialogIngestResult {
    const out: DialogIngestResult = {
      dialog: this.dialog,
      call: this.call,
      duplicate: this.duplicate,
    };
    if (this.closed_by !== undefined) out.closed_by = this.closed_by;
    return out;
  }
}

type CcsPart = 'call' | 'connection' | 'seance';

export class LazyCcsResult implements CcsIngestResult {
  private c: CcsCallSnapshot | undefined;
  private k: ConnectionSnapshot | undefined;
  private s: SeanceSnapshot | undefined;
  /** The parts already taken, one bit each (call 1, connection 2, seance 4). */
  private taken = 0;

  constructor(
    private readonly callEntry: CcsCallEntry | undefined,
    private readonly connEntry: ConnectionEntry | undefined,
    private readonly seanceEntry: SeanceEntry | undefined,
  ) {}

  get call(): CcsCallSnapshot | undefined {
    return this.callEntry ? (this.c ??= callSnapshot(this.callEntry)) : undefined;
  }

  get connection(): ConnectionSnapshot | undefined {
    return this.connEntry ? (this.k ??= connectionSnapshot(this.connEntry)) : undefined;
  }

  get seance(): SeanceSnapshot | undefined {
    return this.seanceEntry ? (this.s ??= seanceSnapshot(this.seanceEntry)) : undefined;
  }

  take(part: CcsPart): CcsCallSnapshot | ConnectionSnapshot | SeanceSnapshot | undefined {
    const snap =
      part === 'call' ? this.call : part === 'connection' ? this.connection : this.seance;
    const bit = part === 'call' ? 1 : part === 'connection' ? 2 : 4;
    if (snap === undefined || (this.taken & bit) === 0) {
      this.taken |= bit;
      return snap;
    }
    return cloneOwn(snap) as CcsCallSnapshot | ConnectionSnapshot | SeanceSnapshot;
  }

  toJSON(): CcsIngestResult {
    const out: CcsIngestResult = {};
    if (this.callEntry) out.call = this.call;
    if (this.connEntry) out.connection = this.connection;
    if (this.seanceEntry) out.seance = this.seance;
    return out;
  }
}
