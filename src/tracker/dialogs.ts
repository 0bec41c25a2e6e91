/**
 * Dialogs (seed 003 webhook bodies): each body read once into locals, applied to the dialog's
 * entry, and the dialogs of one call grouped in call entries keyed by the first dialog's uuid (a
 * call entry exists exactly while it holds at least one dialog). Who ended a call is derived
 * here. Entries live in touch-ordered maps (./bounded-map.ts).
 */
import { DIALOG_EVENTS } from '../protocol/catalogue';
import type { Data } from '../protocol/types';
import type { DialogCallView, DialogSnapshot, Side } from './api';
import { TouchList } from './bounded-map';
import { ownCopy, mergedFields, type Interner, type LeafTable } from './copy';
import { DialogEntry, opposite, sideOfEntry } from './dialog-entry';
import {
  EMPTY,
  idOf,
  isObject,
  str,
  type Counters,
  type DialogLink,
  type Limits,
  type SeanceEntry,
} from './entries';
import { dialogSnapshot } from './snapshots';

const DIALOG_NAMES = new Set(DIALOG_EVENTS);
/** Shared empty uuid list (never mutated: lists are replaced). */
const NO_UUIDS: readonly string[] = Object.freeze([]);

/** Body keys that live at the snapshot's top level (or are per-event), not in `fields`. */
const HOISTED = new Set([
  'event_type',
  'event_name',
  'event_time',
  'dialog_uuid',
  'state',
  'dialog_type',
  'direction',
  'business_direction',
  'close_cause',
  'meeting_uuid',
  '__proto__',
]);

/** What a dialog body says, read once up front (so a throwing getter changes nothing). */
export interface DialogInput {
  name: string;
  uuid: string;
  time: string;
  state?: string;
  closeCause?: string;
  dialogType?: string;
  direction?: string;
  businessDirection?: string;
  caller?: string;
  meetingUuid?: string;
  held?: boolean;
  /** The body's fields (create, close), already copied and interned. */
  fields: Data;
}

function readCaller(body: Record<string, unknown>): string | undefined {
  const info = body.initial_application_info;
  if (isObject(info) && isObject(info.data)) {
    const c = idOf(info.data.caller_dialog_uuid);
    if (c) return c;
  }
  return idOf(body.caller_dialog_uuid) ?? idOf(body.peer_dialog_uuid);
}

/**
 * Read a dialog body into locals. The fields' strings are interned and their small leaf values
 * (`media`, `project`, `tenant_user`...) shared through `leaves`: a dialog's fields are only
 * ever replaced, never written into.
 */
export function readDialog(
  body: unknown,
  intern: Interner,
  leaves?: LeafTable,
): DialogInput | string {
  if (!isObject(body)) return 'body is not an object';
  const name = body.event_name;
  if (typeof name !== 'string' || !DIALOG_NAMES.has(name)) {
    return `unknown event_name ${JSON.stringify(String(name)).slice(0, 80)}`;
  }
  const uuid = idOf(body.dialog_uuid);
  if (!uuid) return 'dialog_uuid is missing or invalid';
  const short = (v: unknown): string | undefined => {
    const s = str(v);
    return s === undefined ? undefined : intern.of(s);
  };
  const input: DialogInput = { name, uuid, time: short(body.event_time) ?? '', fields: EMPTY };
  input.state = short(body.state);
  input.dialogType = short(body.dialog_type);
  input.direction = short(body.direction);
  input.businessDirection = short(body.business_direction);
  input.caller = readCaller(body);
  switch (name) {
    case 'dialog_close':
      input.closeCause = short(body.close_cause);
      break;
    case 'dialog_hold':
      // Seed 003 documents dialog_hold only for putting on hold; an explicit false releases.
      input.held = !(body.hold === false || body.held === false);
      break;
    case 'dialog_meeting_entered':
      input.meetingUuid = idOf(body.meeting_uuid);
      break;
  }
  if (name === 'dialog_create' || name === 'dialog_close') {
    const entries: [string, unknown][] = [];
    for (const k of Object.keys(body)) {
      if (HOISTED.has(k)) continue;
      const v = ownCopy(body[k], intern, leaves);
      if (v !== undefined) entries.push([k, v]);
    }
    input.fields = Object.fromEntries(entries);
  }
  return input;
}

/** True when the entry already holds what this event says (a repeated delivery). */
function alreadyApplied(entry: DialogEntry, input: DialogInput): boolean {
  const { time } = input;
  switch (input.name) {
    case 'dialog_create':
      return (
        entry.hasCreate &&
        entry.createdAt === time &&
        (input.state === undefined || entry.hasState(input.state, time, true))
      );
    case 'dialog_state_update':
      return input.state !== undefined && entry.hasState(input.state, time, false);
    case 'dialog_close':
      return entry.closedAt === time && entry.closeCause === input.closeCause;
    case 'dialog_hold':
      return entry.heldAt === time && entry.held === input.held;
    case 'dialog_meeting_entered':
      return entry.meetingAt === time && entry.meetingUuid === input.meetingUuid;
  }
  return false;
}

/** True when `d` was still open after `h` closed (event time, then arrival order). */
function openAfter(d: DialogEntry, h: DialogEntry): boolean {
  if (d.closedAt === undefined) return true;
  const a = d.closedAt;
  const b = h.closedAt ?? '';
  return a > b || (a === b && d.closeSeq > h.closeSeq);
}

/** `a` closed after `b` (event time, then arrival). */
function closedLater(a: DialogEntry, b: DialogEntry): boolean {
  const ta = a.closedAt ?? '';
  const tb = b.closedAt ?? '';
  return ta > tb || (ta === tb && a.closeSeq > b.closeSeq);
}

/**
 * Which party ended the call (see DialogCallView.ended_by): the latest HANGUP that left at
 * most one other dialog open. A HANGUP with two or more dialogs still talking after it (the
 * first agent handing over in a completed transfer) is not the end of the call.
 */
function endedBy(entries: DialogEntry[]): DialogCallView['ended_by'] {
  let hangup: DialogEntry | undefined;
  for (const h of entries) {
    if (h.closeCause !== 'HANGUP') continue;
    let open = 0;
    for (const d of entries) if (d !== h && openAfter(d, h)) open++;
    if (open >= 2) continue; // a handover: the others carried on
    if (!hangup || closedLater(h, hangup)) hangup = h;
  }
  if (hangup) {
    const out: NonNullable<DialogCallView['ended_by']> = {
      dialog_uuid: hangup.uuid,
      side: sideOfEntry(hangup),
      close_cause: 'HANGUP',
    };
    if (hangup.dialogType !== undefined) out.dialog_type = hangup.dialogType;
    return out;
  }
  let left: DialogEntry | undefined;
  for (const d of entries) {
    if (d.closeCause === 'DIALOG_LEFT' && (!left || closedLater(left, d))) left = d;
  }
  if (!left) return undefined;
  // DIALOG_LEFT: the other party left. Prefer a dialog of the other type that was not left.
  const candidates = entries.filter((d) => d !== left && d.closeCause !== 'DIALOG_LEFT');
  const other =
    candidates.find(
      (d) =>
        left.dialogType !== undefined &&
        d.dialogType !== undefined &&
        d.dialogType !== left.dialogType,
    ) ?? candidates[0];
  const leftSide = sideOfEntry(left);
  const side = leftSide !== 'unknown' ? opposite(leftSide) : sideOfEntry(other);
  const out: NonNullable<DialogCallView['ended_by']> = {
    dialog_uuid: other ? other.uuid : left.uuid,
    side,
    close_cause: 'DIALOG_LEFT',
  };
  if (other?.dialogType !== undefined) out.dialog_type = other.dialogType;
  return out;
}

/**
 * Dialogs by uuid, and the dialogs of each call (uuid lists, replaced on change, never
 * mutated) by call key. Touch order is a TouchList through the entries themselves (no node
 * object per dialog, unlike the ccs store's TouchMap): a touch moves an entry to the newest end
 * in O(1), and TTL expiry and size eviction take from the oldest end, O(1) per evicted entry.
 * The map itself only sees adds and drops.
 */
export class DialogStore {
  readonly dialogs = new Map<string, DialogEntry>();
  readonly calls = new Map<string, readonly string[]>();
  private closeCounter = 0;
  /** The clock's value when the store was made: entry times are relative to it. */
  private readonly epoch: number;
  /** Touch order, through the entries themselves. */
  private readonly order = new TouchList<DialogEntry>();

  constructor(
    private readonly limits: Limits,
    private readonly counts: Counters,
    private readonly clock: () => number,
    /** Dialog uuid -> what agent events linked it to (owned by the tracker). */
    private readonly links: ReadonlyMap<string, DialogLink>,
    /** The ccs seances (owned by the ccs store): a call view shows its seance's agents. */
    private readonly seances: ReadonlyMap<string, SeanceEntry>,
  ) {
    this.epoch = clock();
  }

  /** Apply one event to its dialog (made when unknown); a repeated delivery changes nothing. */
  apply(input: DialogInput): {
    entry: DialogEntry;
    duplicate: boolean;
    closedBy?: Side;
  } {
    const now = this.clock() - this.epoch;
    this.expireRel(now);
    let entry = this.dialogs.get(input.uuid);
    if (entry && alreadyApplied(entry, input)) {
      this.counts.duplicates++;
      const closedBy = input.name === 'dialog_close' ? this.closedBy(entry) : undefined;
      return { entry, duplicate: true, closedBy };
    }
    // The caller's own uuid string when it is tracked (one copy of each uuid kept).
    const caller =
      input.caller !== undefined && input.caller !== input.uuid
        ? (this.dialogs.get(input.caller)?.uuid ?? input.caller)
        : undefined;
    if (!entry) entry = this.newDialog(input.uuid, now, caller);
    else this.touch(entry, now);

    switch (input.name) {
      case 'dialog_create':
        entry.hasCreate = true;
        entry.createdAt = input.time || entry.createdAt;
        if (input.dialogType !== undefined) entry.dialogType = input.dialogType;
        if (input.direction !== undefined) entry.direction = input.direction;
        if (input.businessDirection !== undefined) {
          entry.businessDirection = input.businessDirection;
        }
        // The create's fields win over whatever a close that came first said.
        entry.fields = mergedFields(input.fields, entry.fields);
        if (input.state !== undefined) entry.addState(input.state, input.time, true);
        break;
      case 'dialog_state_update':
        if (input.state !== undefined) entry.addState(input.state, input.time, false);
        break;
      case 'dialog_close':
        entry.closedAt = input.time;
        entry.closeSeq = ++this.closeCounter;
        if (input.closeCause !== undefined) entry.closeCause = input.closeCause;
        entry.dialogType ??= input.dialogType;
        entry.direction ??= input.direction;
        entry.businessDirection ??= input.businessDirection;
        // A close repeats much of the create and adds variables etc.: fill, never override.
        entry.fields = mergedFields(entry.fields, input.fields);
        break;
      case 'dialog_hold':
        entry.hold(input.held, input.time);
        break;
      case 'dialog_meeting_entered':
        entry.meeting(input.meetingUuid, input.time);
        break;
    }

    if (caller !== undefined) {
      const fromCreate = input.name === 'dialog_create';
      if (entry.caller === undefined || (fromCreate && !entry.callerFromCreate)) {
        entry.caller = caller;
        entry.callerFromCreate = fromCreate;
      }
      this.joinCall(entry, entry.caller);
    }
    const closedBy = input.name === 'dialog_close' ? this.closedBy(entry) : undefined;
    return { entry, duplicate: false, closedBy };
  }

  /** The dialog entries of a call, by creation time (the first dialog first). */
  private callEntries(key: string): DialogEntry[] {
    const call = this.calls.get(key);
    const entries: DialogEntry[] = [];
    if (!call) return entries;
    for (const uuid of call) {
      const d = this.dialogs.get(uuid);
      if (d) entries.push(d);
    }
    entries.sort((a, b) => {
      const ta = a.createdAt ?? a.firstStateTime ?? '\uffff';
      const tb = b.createdAt ?? b.firstStateTime ?? '\uffff';
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    });
    return entries;
  }

  /** Which side ended the call, as the close of `entry` tells it (see DialogIngestResult). */
  private closedBy(entry: DialogEntry): Side {
    const own = sideOfEntry(entry);
    if (entry.closeCause === 'HANGUP') return own;
    const ended = endedBy(this.callEntries(entry.callKey));
    if (entry.closeCause === 'DIALOG_LEFT') {
      if (ended && ended.close_cause === 'HANGUP' && ended.dialog_uuid !== entry.uuid) {
        return ended.side;
      }
      return opposite(own);
    }
    return ended?.side ?? 'unknown';
  }

  /**
   * A new entry at the back, in its own call, or straight in its caller's when it names one
   * and no call is keyed by its own uuid yet (saving a call made only to be merged).
   */
  private newDialog(uuid: string, now: number, caller: string | undefined): DialogEntry {
    while (this.dialogs.size >= this.limits.maxEntries && this.order.head) {
      this.dropDialog(this.order.head);
    }
    const entry = new DialogEntry(uuid, now);
    this.dialogs.set(uuid, entry);
    this.order.append(entry);
    // A call may already be keyed by this uuid: a later dialog named this one its caller.
    let key = uuid;
    if (caller !== undefined && !this.calls.has(uuid)) {
      key = this.dialogs.get(caller)?.callKey ?? caller;
      entry.callKey = key;
    }
    this.calls.set(key, (this.calls.get(key) ?? NO_UUIDS).concat([uuid]));
    return entry;
  }

  /** The entry is the most recently touched now. */
  private touch(entry: DialogEntry, now: number): void {
    entry.t = now;
    this.order.toBack(entry);
  }

  /** Move the entry's whole call into the caller's call (re-keying it). */
  private joinCall(entry: DialogEntry, caller: string): void {
    const callerEntry = this.dialogs.get(caller);
    const targetKey = callerEntry ? callerEntry.callKey : caller;
    const fromKey = entry.callKey;
    if (targetKey === fromKey) return;
    const from = this.calls.get(fromKey);
    const into = this.calls.get(targetKey) ?? NO_UUIDS;
    if (from) {
      for (const uuid of from) {
        const d = this.dialogs.get(uuid);
        if (d) d.callKey = targetKey;
      }
      this.calls.delete(fromKey);
      this.calls.set(targetKey, into.concat(from));
    } else {
      entry.callKey = targetKey;
      this.calls.set(targetKey, into.concat([entry.uuid]));
    }
  }

  private dropDialog(entry: DialogEntry): void {
    this.dialogs.delete(entry.uuid);
    this.order.unlink(entry);
    const call = this.calls.get(entry.callKey);
    if (call) {
      const rest = call.includes(entry.uuid) ? call.filter((u) => u !== entry.uuid) : call;
      if (rest.length === 0) this.calls.delete(entry.callKey);
      else if (rest !== call) this.calls.set(entry.callKey, rest);
    }
    this.counts.evicted++;
  }

  /** Evict the dialogs untouched for the TTL (`now` on the tracker's clock). */
  expire(now: number): number {
    return this.expireRel(now - this.epoch);
  }

  private expireRel(now: number): number {
    const ttl = this.limits.ttlMs;
    let n = 0;
    for (let e = this.order.head; e !== undefined && now - e.t >= ttl; e = this.order.head) {
      this.dropDialog(e);
      n++;
    }
    return n;
  }

  /** The dialog, unless it outlived the TTL (then it is evicted). */
  live(uuid: string): DialogEntry | undefined {
    const entry = this.dialogs.get(uuid);
    if (entry && this.clock() - this.epoch - entry.t >= this.limits.ttlMs) {
      this.dropDialog(entry);
      return undefined;
    }
    return entry;
  }

  /** The call view under `key`, with the current dialog's snapshot reused when given. */
  callView(key: string, current?: DialogEntry, currentSnap?: DialogSnapshot): DialogCallView {
    const view: DialogCallView = { key, dialogs: [] };
    if (!this.calls.has(key)) return view;
    const entries = this.callEntries(key);
    let seance: string | undefined;
    let agents: string[] | undefined;
    let legs: string[] | undefined;
    view.dialogs = entries.map((d) => {
      const link = this.links.get(d.uuid);
      if (link) {
        seance ??= link.seance;
        if (link.agent !== undefined && !agents?.includes(link.agent)) {
          (agents ??= []).push(link.agent);
        }
        if (link.callId !== undefined && !legs?.includes(link.callId)) {
          (legs ??= []).push(link.callId);
        }
      }
      return d === current && currentSnap ? currentSnap : dialogSnapshot(d, link);
    });
    const ended = endedBy(entries);
    if (ended) view.ended_by = ended;
    if (seance !== undefined) {
      view.seance_id = seance;
      const se = this.seances.get(seance);
      if (se?.uniqueId !== undefined) view.uniqueId = se.uniqueId;
      // The seance's own agent list is in link order (who placed or took the call first).
      if (se?.agents) {
        const all = se.agents.slice();
        for (const a of agents ?? []) if (!all.includes(a)) all.push(a);
        agents = all;
      }
    }
    if (agents && agents.length > 0) {
      view.agent = agents[0];
      view.agents = agents;
    }
    if (legs) view.ccs_call_ids = legs;
    return view;
  }

  clear(): void {
    this.dialogs.clear();
    this.calls.clear();
    this.order.clear();
  }
}
