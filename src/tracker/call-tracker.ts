/**
 * The call tracker: merges dialog webhooks (seed 003) and ccsevents (seed 004) into snapshots.
 * Pure state: no I/O, no timers, no Node-RED. See ./api.ts for the contract.
 *
 * The parts: ./dialogs.ts (dialogs and their calls), ./ccs.ts (ccs calls, connections,
 * seances), agent-event links here, ./snapshots.ts (what is handed out, lazy or eager),
 * ./dialog-entry.ts and ./entries.ts (what is stored), and the generic ./copy.ts and
 * ./bounded-map.ts.
 *
 * Storage. Every kind (dialogs, ccs calls, connections, seances) is kept in touch order, so
 * the least recently touched entry is always first: the ccs kinds in Maps where a touched
 * entry is deleted and re-inserted, dialogs (the most numerous) in a Map that only sees adds and
 * drops plus a list linked through the entries. TTL expiry and maxEntries eviction therefore
 * both take from the front in O(1) per evicted entry. Dialogs of one call are grouped in uuid
 * lists keyed by the first dialog's uuid; a call exists exactly while it holds a dialog.
 *
 * Size (target <= 1 KiB per tracked dialog; ~0.8 KiB measured by the bench). A dialog entry
 * keeps the create's fields as its own compact copy: short strings (names, numbers, states,
 * times, enum values) are interned in a bounded table, so the thousands of dialogs of one
 * project share one copy of "OUTBOUND", the project name or "2020-08-25 16:25:01"; small leaf
 * values (`media`, `project`, `tenant_user`) are shared, frozen, the same way; the parsed body
 * itself is not retained. Arrays are kept at their exact length, the state history flat, times
 * as small integers (./dialog-entry.ts). Duplicates are recognised from what the entry already
 * holds (its states, close, hold and meeting), not from a separate list of seen events.
 * Snapshots handed out are fresh plain-JSON deep copies.
 *
 * Robustness. No public method throws: input is read into locals first (a throwing getter or
 * proxy aborts before any state changes), then applied; anything unusable is counted in
 * `ignored`.
 */
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
  TrackerOptions,
  TrackerStats,
} from './api';
import { expireFront, upsert } from './bounded-map';
import { readCcs, CcsStore } from './ccs';
import { Interner, LeafTable } from './copy';
import type { DialogEntry } from './dialog-entry';
import { readDialog, DialogStore, type DialogInput } from './dialogs';
import {
  DEFAULT_MAX_ENTRIES,
  DEFAULT_TTL_MS,
  NO_IDS,
  errorText,
  idOf,
  isObject,
  withId,
  type Counters,
  type DialogLink,
  type Limits,
} from './entries';
import {
  LazyDialogResult,
  callSnapshot,
  connectionSnapshot,
  dialogSnapshot,
  seanceSnapshot,
  type DialogViews,
} from './snapshots';

export { DEFAULT_MAX_ENTRIES, DEFAULT_TTL_MS, MAX_IDS, MAX_STATES } from './entries';
export { Interner, toPlainJson } from './copy';

export class CallTracker implements CallTrackerApi, DialogViews {
  private readonly limits: Limits;
  private readonly now: () => number;
  private readonly counts: Counters = { evicted: 0, ignored: 0, duplicates: 0 };
  private readonly dialogStore: DialogStore;
  private readonly ccs: CcsStore;
  /** Dialog uuid -> what agent events linked it to (seance, agent, ccs leg). */
  private readonly links = new Map<string, DialogLink>();
  private readonly intern = new Interner();
  /** Small leaf values of dialog fields, shared (./copy.ts). */
  private readonly leaves = new LeafTable();

  constructor(options: TrackerOptions = {}) {
    const o = isObject(options) ? options : {};
    this.limits = {
      ttlMs:
        typeof o.ttlMs === 'number' && o.ttlMs > 0 && Number.isFinite(o.ttlMs)
          ? o.ttlMs
          : DEFAULT_TTL_MS,
      maxEntries:
        typeof o.maxEntries === 'number' && o.maxEntries >= 1 && Number.isFinite(o.maxEntries)
          ? Math.floor(o.maxEntries)
          : DEFAULT_MAX_ENTRIES,
    };
    this.now = typeof o.now === 'function' ? (o.now as () => number) : Date.now;
    const clock = () => this.clock();
    this.ccs = new CcsStore(this.limits, this.counts, clock);
    this.dialogStore = new DialogStore(
      this.limits,
      this.counts,
      clock,
      this.links,
      this.ccs.seances,
    );
  }

  // -------------------------------------------------------------------------------------------
  // Dialogs

  ingestDialog(body: Data, options?: IngestOptions): DialogIngestResult {
    const lazy = options?.lazy === true;
    let input: DialogInput | string;
    try {
      input = readDialog(body, this.intern, this.leaves);
    } catch (err) {
      input = `unreadable body: ${errorText(err)}`;
    }
    if (typeof input === 'string') return this.ignoredDialog(input);
    try {
      const { entry, duplicate, closedBy } = this.dialogStore.apply(input);
      const result = new LazyDialogResult(this, entry, duplicate);
      if (closedBy !== undefined) result.closed_by = closedBy;
      return lazy ? result : result.toJSON();
    } catch (err) {
      // Not expected (input is plain locals by now); keep the promise never to throw.
      return this.ignoredDialog(`internal: ${errorText(err)}`);
    }
  }

  private ignoredDialog(reason: string): DialogIngestResult {
    this.counts.ignored++;
    return {
      dialog: { dialog_uuid: '', call_key: '', fields: {}, states: [] },
      call: { key: '', dialogs: [] },
      duplicate: false,
      ignored: reason,
    };
  }

  /** A fresh snapshot of a dialog entry, with what agent events linked to it. */
  snapshotOf(entry: DialogEntry): DialogSnapshot {
    return dialogSnapshot(entry, this.links.get(entry.uuid));
  }

  /** The call view of a dialog entry, reusing its snapshot when given. */
  viewOf(entry: DialogEntry, snap?: DialogSnapshot): DialogCallView {
    return this.dialogStore.callView(entry.callKey, entry, snap);
  }

  getDialog(uuid: string): DialogSnapshot | undefined {
    try {
      const entry = this.dialogStore.live(uuid);
      return entry ? this.snapshotOf(entry) : undefined;
    } catch {
      return undefined;
    }
  }

  getDialogCall(key: string): DialogCallView | undefined {
    try {
      const call = this.dialogStore.calls.get(key);
      if (!call) return undefined;
      for (const uuid of call) this.dialogStore.live(uuid); // lists are replaced, not mutated
      return this.dialogStore.calls.has(key) ? this.dialogStore.callView(key) : undefined;
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
        this.counts.ignored++;
        return {};
      }
      const result = this.ccs.apply(input, now);
      if (!result) return {};
      return options?.lazy === true ? result : result.toJSON();
    } catch {
      this.counts.ignored++;
      return {};
    }
  }

  getCall(callId: string): CcsCallSnapshot | undefined {
    const e = this.ccs.live(this.ccs.calls, callId);
    return e ? callSnapshot(e) : undefined;
  }

  getConnection(id: string): ConnectionSnapshot | undefined {
    const e = this.ccs.live(this.ccs.connections, id);
    return e ? connectionSnapshot(e) : undefined;
  }

  getSeance(id: string): SeanceSnapshot | undefined {
    const e = this.ccs.live(this.ccs.seances, id);
    return e ? seanceSnapshot(e) : undefined;
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
      expireFront(this.links, now, this.limits.ttlMs, () => this.counts.evicted++);
      this.ccs.seances.expireFront(now, this.limits.ttlMs, () => this.counts.evicted++);
      const agentId = who === undefined ? undefined : this.intern.of(who);
      const seance = seanceId ? this.ccs.upsertSeance(seanceId, now) : undefined;
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
          this.limits.maxEntries,
          () => this.counts.evicted++,
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

  // -------------------------------------------------------------------------------------------

  sweep(): number {
    const now = this.clock();
    return (
      this.dialogStore.expire(now) +
      this.ccs.expire(now) +
      expireFront(this.links, now, this.limits.ttlMs, () => this.counts.evicted++)
    );
  }

  stats(): TrackerStats {
    return {
      dialogs: this.dialogStore.dialogs.size,
      calls: this.ccs.calls.size,
      connections: this.ccs.connections.size,
      seances: this.ccs.seances.size,
      evicted: this.counts.evicted,
      ignored: this.counts.ignored,
      dialogCalls: this.dialogStore.calls.size,
      duplicates: this.counts.duplicates,
      links: this.links.size,
    };
  }

  clear(): void {
    this.dialogStore.clear();
    this.ccs.clear();
    this.links.clear();
    this.intern.clear();
    this.leaves.clear();
  }

  private clock(): number {
    if (this.now === Date.now) return Date.now(); // the default clock: nothing to guard
    try {
      const t = this.now();
      return typeof t === 'number' && Number.isFinite(t) ? t : Date.now();
    } catch {
      return Date.now();
    }
  }
}
