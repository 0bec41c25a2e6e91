/**
 * The call tracker: merges dialog webhooks (seed 003) and ccsevents (seed 004) into snapshots.
 * Pure state: no I/O, no timers, no Node-RED. See ./api.ts for the contract.
 *
 * Storage. Every kind (dialogs, ccs calls, connections, seances) lives in a Map kept in
 * touch order: a touched entry is deleted and re-inserted, so the first entry is always the
 * least recently touched one. TTL expiry and maxEntries eviction therefore both pop from the
 * front in O(1) per evicted entry. Dialogs of one call are grouped in call entries keyed by
 * the first dialog's uuid; a call entry exists exactly while it holds at least one dialog.
 *
 * Size (target <= 2 KiB per tracked dialog). A dialog entry keeps the create's fields as its
 * own compact copy: short strings (names, numbers, states, times, enum values) are interned in
 * a bounded table, so the thousands of dialogs of one project share one copy of "OUTBOUND",
 * the project name or "2020-08-25 16:25:01", and the parsed body itself is not retained.
 * Arrays are kept at their exact length. Duplicates are recognised from what the entry already
 * holds (its states, close, hold and meeting), not from a separate list of seen events.
 * Snapshots handed out are fresh plain-JSON deep copies.
 *
 * Robustness. No public method throws: input is read into locals first (a throwing getter or
 * proxy aborts before any state changes), then applied; anything unusable is counted in
 * `ignored`.
 */
import { CCS_EVENTS, DIALOG_EVENTS } from '../protocol/catalogue';
import type { Data } from '../protocol/types';
import type {
  AgentIngestResult,
  CallTrackerApi,
  CcsCallSnapshot,
  CcsIngestResult,
  ConnectionSnapshot,
  DialogCallView,
  DialogIngestResult,
  DialogSnapshot,
  IngestOptions,
  SeanceSnapshot,
  Side,
  TrackerOptions,
  TrackerStats,
} from './api';

/** Default TTL: 9 hours, the clean-up period of seed 001's sessions. */
export const DEFAULT_TTL_MS = 9 * 60 * 60 * 1000;
export const DEFAULT_MAX_ENTRIES = 10_000;
/** State histories keep the most recent this many states. */
export const MAX_STATES = 32;
/** Id lists (a call's connections, a seance's calls, its transfer chain) keep at most this many. */
export const MAX_IDS = 64;
const MAX_ID_LENGTH = 256;
const MAX_INFO_KEYS = 64;
const MAX_DTMF = 64;

const DIALOG_NAMES = new Set(DIALOG_EVENTS);
/** Shared empty fields of events that carry none (never mutated: fields are replaced). */
const EMPTY: Data = Object.freeze({}) as Data;
const CCS_NAMES = new Set(CCS_EVENTS);

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

// ---------------------------------------------------------------------------------------------
// Small helpers

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** An object id: a non-empty string (or finite number) of bounded length. */
function idOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) return undefined;
  return v;
}

interface CloneState {
  budget: number;
  path: Set<object>;
  intern?: Interner;
}

/** Strings up to this length are interned (uuids, 36 characters, are not). */
const INTERN_MAX_LENGTH = 34;
const INTERN_TABLE_SIZE = 20_000;

/**
 * A bounded string intern table: equal short strings become one string. When full it starts
 * over (the strings already shared stay shared; the table only speeds up finding them).
 */
export class Interner {
  private readonly table = new Map<string, string>();
  get size(): number {
    return this.table.size;
  }
  of(s: string): string {
    if (s.length > INTERN_MAX_LENGTH) return s;
    const known = this.table.get(s);
    if (known !== undefined) return known;
    if (this.table.size >= INTERN_TABLE_SIZE) this.table.clear();
    this.table.set(s, s);
    return s;
  }
  clear(): void {
    this.table.clear();
  }
}

const CLONE_MAX_DEPTH = 32;
const CLONE_MAX_NODES = 20_000;
/** Objects up to this many keys are built key by key (fast); larger ones by fromEntries. */
const SMALL_OBJECT = 12;

function cloneValue(v: unknown, st: CloneState, depth: number): unknown {
  switch (typeof v) {
    case 'string':
      return st.intern ? st.intern.of(v) : v;
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return undefined; // functions, symbols, undefined: dropped as JSON.stringify does
  }
  if (v === null) return null;
  if (depth >= CLONE_MAX_DEPTH || st.budget <= 0 || st.path.has(v)) return null;
  st.budget--;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  st.path.add(v);
  let out: unknown;
  if (Array.isArray(v)) {
    const arr: unknown[] = [];
    for (let i = 0; i < v.length && st.budget > 0; i++) {
      const c = cloneValue(v[i], st, depth + 1);
      arr.push(c === undefined ? null : c);
    }
    out = arr;
  } else {
    const keys = Object.keys(v);
    if (keys.length <= SMALL_OBJECT) {
      const obj: Record<string, unknown> = {};
      for (const k of keys) {
        if (k === '__proto__' || st.budget <= 0) continue;
        const c = cloneValue((v as Record<string, unknown>)[k], st, depth + 1);
        if (c !== undefined) obj[k] = c;
      }
      out = obj;
    } else {
      // Many keys: Object.fromEntries keeps the object compact (see mergedFields).
      const entries: [string, unknown][] = [];
      for (const k of keys) {
        if (k === '__proto__' || st.budget <= 0) continue;
        const c = cloneValue((v as Record<string, unknown>)[k], st, depth + 1);
        if (c !== undefined) entries.push([k, c]);
      }
      out = Object.fromEntries(entries);
    }
  }
  st.path.delete(v);
  return out;
}

/**
 * A plain-JSON deep copy: no functions, no cycles (a repeated ancestor becomes null), no
 * non-finite numbers, bounded depth and size. Never throws on ordinary objects.
 */
export function toPlainJson<T>(v: T): T {
  return cloneValue(v, { budget: CLONE_MAX_NODES, path: new Set() }, 0) as T;
}

/** toPlainJson with short strings interned: the tracker's own compact copy of a value. */
function ownCopy(v: unknown, intern: Interner): unknown {
  return cloneValue(v, { budget: CLONE_MAX_NODES, path: new Set(), intern }, 0);
}

/**
 * Deep copy of data the tracker built itself (plain JSON, acyclic, bounded: every stored value
 * went through ownCopy), for handing out. No checks needed, so it is several times faster than
 * toPlainJson; this is the per-event cost of the snapshots.
 */
function cloneOwn(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneOwn);
  const out: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) out[k] = cloneOwn(src[k]);
  return out;
}

function plainData(v: Data): Data {
  return cloneOwn(v) as Data;
}

/** The array with the item appended, at most `max` long (a new array of exact length). */
function appended<T>(arr: readonly T[], item: T, max: number): T[] {
  const next = arr.concat([item]);
  return next.length > max ? next.slice(next.length - max) : next;
}

/** The list with the id appended unless present (the same array when present). */
function withId(arr: string[], id: string): string[] {
  return arr.includes(id) ? arr : appended(arr, id, MAX_IDS);
}

/** Copy an info object's keys into `into`, without re-pointing prototypes, bounded. */
function mergeInfo(into: Data, info: Record<string, unknown>): void {
  let count = Object.keys(into).length;
  for (const k of Object.keys(info)) {
    if (k === '__proto__') continue;
    if (!(k in into)) {
      if (count >= MAX_INFO_KEYS) continue;
      count++;
    }
    into[k] = info[k];
  }
}

/**
 * The party a dialog stands for: EXTERNAL is the customer, CONSULTANT an agent; for a dialog
 * whose create was missed, seed 003's initial_application_info.side (CONTACT / USER).
 */
function sideOfEntry(e: DialogEntry | undefined): Side {
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

function opposite(side: Side): Side {
  return side === 'customer' ? 'agent' : side === 'agent' ? 'customer' : 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Internal entries

interface StateEntry {
  state: string;
  event_time: string;
  /** The state a dialog_create announced: sorts before updates of the same second. */
  create: boolean;
}

class DialogEntry {
  callKey: string;
  t: number;
  hasCreate = false;
  dialogType: string | undefined = undefined;
  direction: string | undefined = undefined;
  businessDirection: string | undefined = undefined;
  caller: string | undefined = undefined;
  callerFromCreate = false;
  createdAt: string | undefined = undefined;
  closedAt: string | undefined = undefined;
  closeCause: string | undefined = undefined;
  held: boolean | undefined = undefined;
  heldAt: string | undefined = undefined;
  meetingUuid: string | undefined = undefined;
  meetingAt: string | undefined = undefined;
  fields: Data = EMPTY;
  states: StateEntry[] = [];
  /** Arrival order of the close (orders closes of the same second). */
  closeSeq = 0;

  constructor(
    readonly uuid: string,
    t: number,
  ) {
    this.callKey = uuid;
    this.t = t;
  }
}

class CallEntry {
  dialogs: string[] = [];
  constructor(readonly key: string) {}
}

type CcsCallEntry = CcsCallSnapshot & { t: number };
type ConnectionEntry = ConnectionSnapshot & { t: number };
type SeanceEntry = SeanceSnapshot & { t: number };

/**
 * What agent events said about one dialog (kept apart from the dialog entry: they may come
 * before the dialog's first event). The seance id string is the seance entry's own, shared.
 */
interface DialogLink {
  t: number;
  seance?: string;
  agent?: string;
  callId?: string;
}

/** Shared empty id list (never mutated: lists are replaced). */
const NO_IDS: string[] = Object.freeze([]) as unknown as string[];

/** What a dialog body says, read once up front (so a throwing getter changes nothing). */
interface DialogInput {
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

interface CcsInput {
  name: string;
  kind: 'call' | 'connection' | 'seance';
  ts: number;
  domain?: string;
  callId?: string;
  connId?: string;
  seanceId?: string;
  state?: string;
  number?: string;
  digit?: string;
  info?: Record<string, unknown>;
  extra: Data;
}

function readCaller(body: Record<string, unknown>): string | undefined {
  const info = body.initial_application_info;
  if (isObject(info) && isObject(info.data)) {
    const c = idOf(info.data.caller_dialog_uuid);
    if (c) return c;
  }
  return idOf(body.caller_dialog_uuid) ?? idOf(body.peer_dialog_uuid);
}

function readDialog(body: unknown, intern: Interner): DialogInput | string {
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
      const v = ownCopy(body[k], intern);
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
        (input.state === undefined ||
          entry.states.some((s) => s.create && s.state === input.state && s.event_time === time))
      );
    case 'dialog_state_update':
      return (
        input.state !== undefined &&
        entry.states.some((s) => !s.create && s.state === input.state && s.event_time === time)
      );
    case 'dialog_close':
      return entry.closedAt === time && entry.closeCause === input.closeCause;
    case 'dialog_hold':
      return entry.heldAt === time && entry.held === input.held;
    case 'dialog_meeting_entered':
      return entry.meetingAt === time && entry.meetingUuid === input.meetingUuid;
  }
  return false;
}

function readCcs(
  name: unknown,
  data: unknown,
  ts: unknown,
  now: number,
  intern: Interner,
): CcsInput | undefined {
  if (typeof name !== 'string' || !CCS_NAMES.has(name) || !isObject(data)) return undefined;
  const kind = name.slice(0, name.indexOf('_')) as CcsInput['kind'];
  const short = (v: unknown, max: number): string | undefined => {
    const s = str(v);
    return s === undefined ? undefined : intern.of(s.slice(0, max));
  };
  const info = isObject(data.info) ? ownCopy(data.info, intern) : undefined;
  const input: CcsInput = {
    name,
    kind,
    ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : now,
    domain: short(data.domain, 256),
    callId: idOf(data.call_id),
    connId: idOf(data.connection_id),
    seanceId: idOf(data.seance_id),
    state: short(data.state, 64),
    number: short(data.number, 64),
    digit: str(data.digit)?.slice(0, 8),
    info: isObject(info) ? info : undefined,
    extra: {},
  };
  if (name === 'connection_failure' || name === 'connection_set_record_info') {
    // Whatever else the event says (reason, code, link code ...): primitives only, bounded.
    let n = 0;
    for (const k of Object.keys(data)) {
      if (k === '__proto__' || k === 'domain' || k === 'info') continue;
      const v = data[k];
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) {
        input.extra[k] = typeof v === 'string' ? v.slice(0, 1024) : v;
        if (++n >= 16) break;
      }
    }
  }
  return input;
}

// ---------------------------------------------------------------------------------------------

export class CallTracker implements CallTrackerApi {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  private readonly dialogs = new Map<string, DialogEntry>();
  private readonly dialogCalls = new Map<string, CallEntry>();
  private readonly ccsCalls = new Map<string, CcsCallEntry>();
  private readonly connections = new Map<string, ConnectionEntry>();
  private readonly seances = new Map<string, SeanceEntry>();
  /** Dialog uuid -> what agent events linked it to (seance, agent, ccs leg). */
  private readonly links = new Map<string, DialogLink>();
  private readonly intern = new Interner();

  private evicted = 0;
  private ignored = 0;
  private duplicates = 0;
  private closeCounter = 0;

  constructor(options: TrackerOptions = {}) {
    const o = isObject(options) ? options : {};
    this.ttlMs =
      typeof o.ttlMs === 'number' && o.ttlMs > 0 && Number.isFinite(o.ttlMs)
        ? o.ttlMs
        : DEFAULT_TTL_MS;
    this.maxEntries =
      typeof o.maxEntries === 'number' && o.maxEntries >= 1 && Number.isFinite(o.maxEntries)
        ? Math.floor(o.maxEntries)
        : DEFAULT_MAX_ENTRIES;
    this.now = typeof o.now === 'function' ? (o.now as () => number) : Date.now;
  }

  // -------------------------------------------------------------------------------------------
  // Dialogs

  ingestDialog(body: Data, options?: IngestOptions): DialogIngestResult {
    const lazy = options?.lazy === true;
    let input: DialogInput | string;
    try {
      input = readDialog(body, this.intern);
    } catch (err) {
      input = `unreadable body: ${errorText(err)}`;
    }
    if (typeof input === 'string') return this.ignoredDialog(input);
    try {
      const { entry, duplicate, closedBy } = this.applyDialog(input);
      const result = new LazyDialogResult(this, entry, duplicate);
      if (closedBy !== undefined) result.closed_by = closedBy;
      return lazy ? result : result.toJSON();
    } catch (err) {
      // Not expected (input is plain locals by now); keep the promise never to throw.
      return this.ignoredDialog(`internal: ${errorText(err)}`);
    }
  }

  private ignoredDialog(reason: string): DialogIngestResult {
    this.ignored++;
    return {
      dialog: { dialog_uuid: '', call_key: '', fields: {}, states: [] },
      call: { key: '', dialogs: [] },
      duplicate: false,
      ignored: reason,
    };
  }

  private applyDialog(input: DialogInput): {
    entry: DialogEntry;
    duplicate: boolean;
    closedBy?: Side;
  } {
    const now = this.clock();
    this.expireDialogs(now);
    let entry = this.dialogs.get(input.uuid);
    if (entry && alreadyApplied(entry, input)) {
      this.duplicates++;
      const closedBy = input.name === 'dialog_close' ? this.closedBy(entry) : undefined;
      return { entry, duplicate: true, closedBy };
    }
    if (!entry) entry = this.newDialog(input.uuid, now);
    else this.touchDialog(entry, now);

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
        if (input.state !== undefined) addState(entry, input.state, input.time, true);
        break;
      case 'dialog_state_update':
        if (input.state !== undefined) addState(entry, input.state, input.time, false);
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
        entry.held = input.held;
        entry.heldAt = input.time;
        break;
      case 'dialog_meeting_entered':
        if (input.meetingUuid !== undefined) entry.meetingUuid = input.meetingUuid;
        entry.meetingAt = input.time;
        break;
    }

    if (input.caller !== undefined && input.caller !== entry.uuid) {
      const fromCreate = input.name === 'dialog_create';
      if (entry.caller === undefined || (fromCreate && !entry.callerFromCreate)) {
        entry.caller = input.caller;
        entry.callerFromCreate = fromCreate;
      }
      this.joinCall(entry, entry.caller);
    }
    const closedBy = input.name === 'dialog_close' ? this.closedBy(entry) : undefined;
    return { entry, duplicate: false, closedBy };
  }

  /** The dialog entries of a call, by creation time (the first dialog first). */
  private callEntries(key: string): DialogEntry[] {
    const call = this.dialogCalls.get(key);
    const entries: DialogEntry[] = [];
    if (!call) return entries;
    for (const uuid of call.dialogs) {
      const d = this.dialogs.get(uuid);
      if (d) entries.push(d);
    }
    entries.sort((a, b) => {
      const ta = a.createdAt ?? a.states[0]?.event_time ?? '\uffff';
      const tb = b.createdAt ?? b.states[0]?.event_time ?? '\uffff';
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

  private newDialog(uuid: string, now: number): DialogEntry {
    while (this.dialogs.size >= this.maxEntries) {
      const oldest = this.dialogs.values().next().value as DialogEntry;
      this.dropDialog(oldest);
    }
    const entry = new DialogEntry(uuid, now);
    this.dialogs.set(uuid, entry);
    // A call may already be keyed by this uuid: a later dialog named this one its caller.
    let call = this.dialogCalls.get(uuid);
    if (!call) {
      call = new CallEntry(uuid);
      this.dialogCalls.set(uuid, call);
    }
    call.dialogs = call.dialogs.concat([uuid]);
    return entry;
  }

  private touchDialog(entry: DialogEntry, now: number): void {
    entry.t = now;
    this.dialogs.delete(entry.uuid);
    this.dialogs.set(entry.uuid, entry);
  }

  /** Move the entry's whole call into the caller's call (re-keying it). */
  private joinCall(entry: DialogEntry, caller: string): void {
    const callerEntry = this.dialogs.get(caller);
    const targetKey = callerEntry ? callerEntry.callKey : caller;
    if (targetKey === entry.callKey) return;
    const from = this.dialogCalls.get(entry.callKey);
    let into = this.dialogCalls.get(targetKey);
    if (!into) {
      into = new CallEntry(targetKey);
      this.dialogCalls.set(targetKey, into);
    }
    if (from) {
      for (const uuid of from.dialogs) {
        const d = this.dialogs.get(uuid);
        if (d) d.callKey = targetKey;
      }
      into.dialogs = into.dialogs.concat(from.dialogs);
      this.dialogCalls.delete(from.key);
    } else {
      entry.callKey = targetKey;
      into.dialogs = into.dialogs.concat([entry.uuid]);
    }
  }

  private dropDialog(entry: DialogEntry): void {
    this.dialogs.delete(entry.uuid);
    const call = this.dialogCalls.get(entry.callKey);
    if (call) {
      if (call.dialogs.includes(entry.uuid)) {
        call.dialogs = call.dialogs.filter((u) => u !== entry.uuid);
      }
      if (call.dialogs.length === 0) this.dialogCalls.delete(call.key);
    }
    this.evicted++;
  }

  private expireDialogs(now: number): number {
    let n = 0;
    for (const entry of this.dialogs.values()) {
      if (now - entry.t < this.ttlMs) break;
      this.dropDialog(entry);
      n++;
    }
    return n;
  }

  private liveDialog(uuid: string): DialogEntry | undefined {
    const entry = this.dialogs.get(uuid);
    if (entry && this.clock() - entry.t >= this.ttlMs) {
      this.dropDialog(entry);
      return undefined;
    }
    return entry;
  }

  /** @internal A fresh snapshot of a dialog entry, with what agent events linked to it. */
  snapshotOf(entry: DialogEntry): DialogSnapshot {
    return dialogSnapshot(entry, this.links.get(entry.uuid));
  }

  /** @internal The call view of a dialog entry, reusing its snapshot when given. */
  viewOf(entry: DialogEntry, snap?: DialogSnapshot): DialogCallView {
    return this.callView(entry.callKey, entry, snap);
  }

  private callView(
    key: string,
    current?: DialogEntry,
    currentSnap?: DialogSnapshot,
  ): DialogCallView {
    const view: DialogCallView = { key, dialogs: [] };
    if (!this.dialogCalls.has(key)) return view;
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

  getDialog(uuid: string): DialogSnapshot | undefined {
    try {
      const entry = this.liveDialog(uuid);
      return entry ? this.snapshotOf(entry) : undefined;
    } catch {
      return undefined;
    }
  }

  getDialogCall(key: string): DialogCallView | undefined {
    try {
      const call = this.dialogCalls.get(key);
      if (!call) return undefined;
      for (const uuid of [...call.dialogs]) this.liveDialog(uuid);
      return this.dialogCalls.has(key) ? this.callView(key) : undefined;
    } catch {
      return undefined;
    }
  }

  // -------------------------------------------------------------------------------------------
  // ccsevents

  ingestCcs(name: string, data: Data, ts?: number, options?: IngestOptions): CcsIngestResult {
    try {
      const now = this.clock();
      const input = readCcs(name, data, ts, now, this.intern);
      if (!input) {
        this.ignored++;
        return {};
      }
      const touched = this.applyCcs(input, now);
      if (!touched) return {};
      const result = new LazyCcsResult(touched.call, touched.conn, touched.seance);
      return options?.lazy === true ? result : result.toJSON();
    } catch {
      this.ignored++;
      return {};
    }
  }

  private applyCcs(
    input: CcsInput,
    now: number,
  ): { call?: CcsCallEntry; conn?: ConnectionEntry; seance?: SeanceEntry } | undefined {
    expireFront(this.ccsCalls, now, this.ttlMs, () => this.evicted++);
    expireFront(this.connections, now, this.ttlMs, () => this.evicted++);
    expireFront(this.seances, now, this.ttlMs, () => this.evicted++);

    const { name, kind, ts } = input;
    const primary =
      kind === 'call' ? input.callId : kind === 'connection' ? input.connId : input.seanceId;
    if (name === 'connection_failure' && !input.connId && !input.callId) {
      this.ignored++; // a failure naming neither a connection nor a leg: nothing to attach to
      return undefined;
    }
    if (!primary && name !== 'connection_failure') {
      this.ignored++;
      return undefined;
    }

    // The objects the event names, created when unknown, touched when known.
    const call = input.callId ? this.upsertCall(input.callId, now) : undefined;
    const conn = input.connId ? this.upsertConnection(input.connId, now) : undefined;
    const seance = input.seanceId ? this.upsertSeance(input.seanceId, now) : undefined;
    const own = kind === 'call' ? call : kind === 'connection' ? conn : seance;

    if (own) {
      if (input.domain !== undefined) own.domain = input.domain;
      if (input.info) mergeInfo(own.info, input.info);
      if (input.state !== undefined) {
        if ('states' in own) setState(own, input.state, ts);
        else own.state = input.state;
      }
      if (name.endsWith('_delete')) own.deleted = true;
    }
    // Objects named alongside learn the domain when they have none.
    for (const o of [call, conn, seance]) {
      if (o && o !== own && o.domain === undefined && input.domain !== undefined) {
        o.domain = input.domain;
      }
    }

    // Every id pair an event names is a link.
    if (call && seance) {
      call.seance_id = seance.seance_id;
      seance.call_ids = withId(seance.call_ids, call.call_id);
    }
    if (conn && seance) {
      conn.seance_id = seance.seance_id;
      seance.connection_ids = withId(seance.connection_ids, conn.connection_id);
    }
    if (call && conn) {
      call.connection_ids = withId(call.connection_ids, conn.connection_id);
      conn.call_ids = withId(conn.call_ids, call.call_id);
    }

    switch (name) {
      case 'call_create':
      case 'call_update':
        if (call && input.number !== undefined) call.number = input.number;
        break;
      case 'call_dtmf':
        if (call && input.digit !== undefined) {
          call.dtmf = ((call.dtmf ?? '') + input.digit).slice(-MAX_DTMF);
        }
        break;
      case 'connection_start_record':
        if (conn) conn.recording = { ...conn.recording, started: true };
        break;
      case 'connection_set_record_info':
        if (conn) {
          const info: Data = { ...input.extra };
          delete info.connection_id;
          if (input.info) mergeInfo(info, input.info);
          conn.recording = { started: true, info };
        }
        break;
      case 'connection_failure': {
        const failed: Data = { ts, ...input.extra };
        if (input.info) failed.info = input.info;
        if (conn) conn.failed = failed;
        else if (call) call.failed = failed;
        break;
      }
      case 'seance_create':
      case 'seance_update':
        if (seance && input.number !== undefined) seance.number = input.number;
        break;
      case 'seance_set_next_number':
        if (seance && input.number !== undefined) {
          seance.numbers = appended(seance.numbers, input.number, MAX_IDS);
        }
        break;
    }

    return { call, conn, seance };
  }

  // -------------------------------------------------------------------------------------------
  // Agent events (seed 000): their ids tie the dialogs of a call to its seance and agent.

  ingestAgent(name: string, data: Data, agent?: string): AgentIngestResult {
    try {
      const ids = isObject(data) && isObject(data.ids) ? data.ids : undefined;
      if (typeof name !== 'string' || !ids) return { dialog_uuids: [], ignored: 'no ids' };
      // Read everything first (a throwing getter changes nothing).
      const seanceId = idOf(ids.seance_id);
      const uniqueId = idOf(data.uniqueId);
      const who = idOf(agent) ?? idOf(data.agent);
      const parties: [string | undefined, string | undefined, boolean][] = [
        [idOf(ids.dialog_uuid), idOf(ids.call_id), true],
        [idOf(ids.customer_dialog_uuid), idOf(ids.customer_call_id), false],
        [idOf(ids.target_dialog_uuid), idOf(ids.target_call_id), false],
      ];
      const now = this.clock();
      expireFront(this.links, now, this.ttlMs, () => this.evicted++);
      expireFront(this.seances, now, this.ttlMs, () => this.evicted++);
      const agentId = who === undefined ? undefined : this.intern.of(who);
      const seance = seanceId ? this.upsertSeance(seanceId, now) : undefined;
      if (seance) {
        if (uniqueId !== undefined && seance.uniqueId === undefined) seance.uniqueId = uniqueId;
        if (agentId !== undefined) {
          seance.agents = withId(seance.agents ?? NO_IDS, agentId);
          seance.agent ??= agentId;
        }
      }
      const result: AgentIngestResult = { dialog_uuids: [] };
      if (seance) result.seance_id = seance.seance_id;
      if (agentId !== undefined) result.agent = agentId;
      for (const [uuid, callId, own] of parties) {
        if (!uuid) continue;
        result.dialog_uuids.push(uuid);
        const link = upsert(
          this.links,
          uuid,
          now,
          this.maxEntries,
          () => this.evicted++,
          (): DialogLink => ({ t: now }),
        );
        if (seance) {
          link.seance = seance.seance_id;
          seance.dialog_uuids = withId(seance.dialog_uuids ?? NO_IDS, uuid);
        }
        if (callId !== undefined) link.callId = callId;
        if (own && agentId !== undefined) link.agent = agentId;
      }
      if (!seance && result.dialog_uuids.length === 0) result.ignored = 'no ids to link';
      return result;
    } catch (err) {
      return { dialog_uuids: [], ignored: `unreadable event: ${errorText(err)}` };
    }
  }

  private upsertCall(id: string, now: number): CcsCallEntry {
    return upsert(
      this.ccsCalls,
      id,
      now,
      this.maxEntries,
      () => this.evicted++,
      () => ({
        call_id: id,
        states: [],
        connection_ids: [],
        info: {},
        t: now,
      }),
    );
  }

  private upsertConnection(id: string, now: number): ConnectionEntry {
    return upsert(
      this.connections,
      id,
      now,
      this.maxEntries,
      () => this.evicted++,
      () => ({
        connection_id: id,
        call_ids: [],
        info: {},
        t: now,
      }),
    );
  }

  private upsertSeance(id: string, now: number): SeanceEntry {
    return upsert(
      this.seances,
      id,
      now,
      this.maxEntries,
      () => this.evicted++,
      () => ({
        seance_id: id,
        states: [],
        call_ids: [],
        connection_ids: [],
        numbers: [],
        info: {},
        t: now,
      }),
    );
  }

  getCall(callId: string): CcsCallSnapshot | undefined {
    const e = this.live(this.ccsCalls, callId);
    return e ? callSnapshot(e) : undefined;
  }

  getConnection(id: string): ConnectionSnapshot | undefined {
    const e = this.live(this.connections, id);
    return e ? connectionSnapshot(e) : undefined;
  }

  getSeance(id: string): SeanceSnapshot | undefined {
    const e = this.live(this.seances, id);
    return e ? seanceSnapshot(e) : undefined;
  }

  private live<E extends { t: number }>(map: Map<string, E>, id: string): E | undefined {
    const e = typeof id === 'string' ? map.get(id) : undefined;
    if (e && this.clock() - e.t >= this.ttlMs) {
      map.delete(id);
      this.evicted++;
      return undefined;
    }
    return e;
  }

  // -------------------------------------------------------------------------------------------

  sweep(): number {
    const now = this.clock();
    const count = () => this.evicted++;
    return (
      this.expireDialogs(now) +
      expireFront(this.ccsCalls, now, this.ttlMs, count) +
      expireFront(this.connections, now, this.ttlMs, count) +
      expireFront(this.seances, now, this.ttlMs, count) +
      expireFront(this.links, now, this.ttlMs, count)
    );
  }

  stats(): TrackerStats {
    return {
      dialogs: this.dialogs.size,
      calls: this.ccsCalls.size,
      connections: this.connections.size,
      seances: this.seances.size,
      evicted: this.evicted,
      ignored: this.ignored,
      dialogCalls: this.dialogCalls.size,
      duplicates: this.duplicates,
      links: this.links.size,
    };
  }

  clear(): void {
    this.dialogs.clear();
    this.dialogCalls.clear();
    this.ccsCalls.clear();
    this.connections.clear();
    this.seances.clear();
    this.links.clear();
    this.intern.clear();
  }

  private clock(): number {
    try {
      const t = this.now();
      return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
    } catch {
      return Date.now();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Entry helpers

function errorText(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unknown error';
  }
}

/**
 * A new object with every field of `primary` and the fields of `secondary` it lacks. Always a
 * fresh object made by Object.fromEntries: adding keys one by one (to an existing object or
 * a new `{}`) switches V8 to its much larger dictionary representation beyond ~20 keys
 * (measured: +1.2 KB per dialog); fromEntries keeps the compact one.
 */
function mergedFields(primary: Data, secondary: Data): Data {
  const skeys = Object.keys(secondary);
  if (skeys.length === 0) return primary;
  const entries = Object.entries(primary);
  for (const k of skeys) {
    if (!Object.prototype.hasOwnProperty.call(primary, k)) entries.push([k, secondary[k]]);
  }
  return Object.fromEntries(entries);
}

/** Insert a state in event-time order (a create's state before updates of the same second). */
function addState(entry: DialogEntry, state: string, time: string, create: boolean): void {
  const states = entry.states;
  let i = states.length;
  while (i > 0) {
    const prev = states[i - 1];
    if (prev.event_time > time || (prev.event_time === time && create && !prev.create)) i--;
    else break;
  }
  const next = states.slice(0, i).concat([{ state, event_time: time, create }], states.slice(i));
  entry.states = next.length > MAX_STATES ? next.slice(next.length - MAX_STATES) : next;
}

function setState(
  o: { state?: string; states: { state: string; ts: number }[] },
  state: string,
  ts: number,
): void {
  if (o.state !== state) o.states = appended(o.states, { state, ts }, MAX_STATES);
  o.state = state;
}

function upsert<E extends { t: number }>(
  map: Map<string, E>,
  id: string,
  now: number,
  max: number,
  onEvict: () => void,
  make: () => E,
): E {
  let e = map.get(id);
  if (e) {
    map.delete(id);
  } else {
    while (map.size >= max) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
      onEvict();
    }
    e = make();
  }
  e.t = now;
  map.set(id, e);
  return e;
}

function expireFront<E extends { t: number }>(
  map: Map<string, E>,
  now: number,
  ttl: number,
  onEvict: () => void,
): number {
  let n = 0;
  for (const [id, e] of map) {
    if (now - e.t < ttl) break;
    map.delete(id);
    onEvict();
    n++;
  }
  return n;
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

function dialogSnapshot(e: DialogEntry, link: DialogLink | undefined): DialogSnapshot {
  const s: DialogSnapshot = {
    dialog_uuid: e.uuid,
    call_key: e.callKey,
    fields: plainData(e.fields),
    states: e.states.map((x) => ({ state: x.state, event_time: x.event_time })),
  };
  const last = e.states[e.states.length - 1];
  if (last) s.state = last.state;
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

function callSnapshot(e: CcsCallEntry): CcsCallSnapshot {
  const s: CcsCallSnapshot = {
    call_id: e.call_id,
    states: e.states.map((x) => ({ state: x.state, ts: x.ts })),
    connection_ids: [...e.connection_ids],
    info: plainData(e.info),
  };
  if (e.domain !== undefined) s.domain = e.domain;
  if (e.state !== undefined) s.state = e.state;
  if (e.seance_id !== undefined) s.seance_id = e.seance_id;
  if (e.number !== undefined) s.number = e.number;
  if (e.dtmf !== undefined) s.dtmf = e.dtmf;
  if (e.failed !== undefined) s.failed = plainData(e.failed);
  if (e.deleted) s.deleted = true;
  return s;
}

function connectionSnapshot(e: ConnectionEntry): ConnectionSnapshot {
  const s: ConnectionSnapshot = {
    connection_id: e.connection_id,
    call_ids: [...e.call_ids],
    info: plainData(e.info),
  };
  if (e.domain !== undefined) s.domain = e.domain;
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

function seanceSnapshot(e: SeanceEntry): SeanceSnapshot {
  const s: SeanceSnapshot = {
    seance_id: e.seance_id,
    states: e.states.map((x) => ({ state: x.state, ts: x.ts })),
    call_ids: [...e.call_ids],
    connection_ids: [...e.connection_ids],
    numbers: [...e.numbers],
    info: plainData(e.info),
  };
  if (e.domain !== undefined) s.domain = e.domain;
  if (e.state !== undefined) s.state = e.state;
  if (e.number !== undefined) s.number = e.number;
  if (e.deleted) s.deleted = true;
  if (e.dialog_uuids && e.dialog_uuids.length > 0) s.dialog_uuids = [...e.dialog_uuids];
  if (e.agent !== undefined) s.agent = e.agent;
  if (e.agents && e.agents.length > 0) s.agents = [...e.agents];
  if (e.uniqueId !== undefined) s.uniqueId = e.uniqueId;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Results: snapshots built on first read (lazy) or at once (toJSON, the eager results).

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

class LazyDialogResult implements DialogIngestResult {
  closed_by?: Side;
  private d: DialogSnapshot | undefined;
  private c: DialogCallView | undefined;
  private taken = false;

  constructor(
    private readonly tracker: CallTracker,
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

class LazyCcsResult implements CcsIngestResult {
  private c: CcsCallSnapshot | undefined;
  private k: ConnectionSnapshot | undefined;
  private s: SeanceSnapshot | undefined;
  private taken: Partial<Record<CcsPart, boolean>> = {};

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
    if (snap === undefined || !this.taken[part]) {
      this.taken[part] = true;
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
