/**
 * ccsevents (seed 004): calls (legs), connections and seances, each created when an event first
 * names it, linked by every id pair an event names, with state histories, DTMF, recording and
 * failures. Entries live in touch-ordered maps (./bounded-map.ts).
 */
import { CCS_EVENTS } from '../protocol/catalogue';
import type { Data } from '../protocol/types';
import { appended, TouchMap } from './bounded-map';
import { ownCopy, type Interner } from './copy';
import { LazyCcsResult } from './snapshots';
import {
  MAX_DTMF,
  MAX_IDS,
  idOf,
  isObject,
  mergeInfo,
  setState,
  withId,
  type CcsCallEntry,
  type ConnectionEntry,
  type Counters,
  type Limits,
  type SeanceEntry,
} from './entries';

/** Each ccs event name and the kind of object it is about (call_*, connection_*, seance_*). */
const KIND_OF = new Map(
  CCS_EVENTS.map((n) => [n, n.slice(0, n.indexOf('_')) as CcsInput['kind']] as const),
);

export interface CcsInput {
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

/** Extra fields of events that carry none (shared, never mutated: apply only copies it). */
const NO_EXTRA: Data = Object.freeze({}) as Data;

/** A string value cut to `max` characters and interned. */
function short(v: unknown, max: number, intern: Interner): string | undefined {
  if (typeof v !== 'string') return undefined;
  return intern.of(v.length > max ? v.slice(0, max) : v);
}

export function readCcs(
  name: unknown,
  data: unknown,
  ts: unknown,
  now: number,
  intern: Interner,
): CcsInput | undefined {
  const kind = typeof name === 'string' ? KIND_OF.get(name) : undefined;
  if (kind === undefined || !isObject(data)) return undefined;
  const info = isObject(data.info) ? ownCopy(data.info, intern) : undefined;
  const digit = data.digit;
  const input: CcsInput = {
    name: name as string,
    kind,
    ts: typeof ts === 'number' && Number.isFinite(ts) ? ts : now,
    domain: short(data.domain, 256, intern),
    callId: idOf(data.call_id),
    connId: idOf(data.connection_id),
    seanceId: idOf(data.seance_id),
    state: short(data.state, 64, intern),
    number: short(data.number, 64, intern),
    digit: typeof digit === 'string' ? digit.slice(0, 8) : undefined,
    info: isObject(info) ? info : undefined,
    extra: NO_EXTRA,
  };
  if (name === 'connection_failure' || name === 'connection_set_record_info') {
    // Whatever else the event says (reason, code, link code ...): primitives only, bounded.
    const extra: Data = {};
    let n = 0;
    for (const k of Object.keys(data)) {
      if (k === '__proto__' || k === 'domain' || k === 'info') continue;
      const v = data[k];
      if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) {
        extra[k] = typeof v === 'string' ? v.slice(0, 1024) : v;
        if (++n >= 16) break;
      }
    }
    input.extra = extra;
  }
  return input;
}

/** The same event as `b` for another domain: every field but the domain alike. */
function sameEvent(a: CcsInput, b: CcsInput): boolean {
  return (
    a.name === b.name &&
    a.callId === b.callId &&
    a.connId === b.connId &&
    a.seanceId === b.seanceId &&
    a.state === b.state &&
    a.digit === b.digit &&
    a.number === b.number
  );
}

/** Add a domain to an object's list (the same list when it is there). */
function addDomain(o: { domains?: string[] }, domain: string): void {
  const domains = o.domains;
  if (domains === undefined) o.domains = withId([], domain);
  else if (!domains.includes(domain)) o.domains = withId(domains, domain);
}

/** When the front (least recently touched) entry of a touch-ordered map expires. */
function frontDue(map: TouchMap<{ t: number }>, ttl: number): number {
  const t = map.frontT();
  return t === undefined ? Infinity : t + ttl;
}

export class CcsStore {
  readonly calls = new TouchMap<CcsCallEntry>();
  readonly connections = new TouchMap<ConnectionEntry>();
  readonly seances = new TouchMap<SeanceEntry>();
  /**
   * The last event applied and the domains its copies came for. A platform sends an event of a
   * call once per domain taking part, one copy after the other: a copy for a domain not seen
   * in this run is the same fact and only adds its domain. The same event again for a domain
   * already seen is a new event (a digit pressed twice).
   */
  private last: CcsInput | undefined;
  /** The domains the last event's copies came for (reused: no allocation per event). */
  private lastDomains: string[] = [];
  /**
   * No entry of the three maps expires before this time (epoch ms): the earliest touch time of
   * a front entry plus the TTL, or earlier. Every upsert lowers it to its own expiry when that
   * is sooner, so skipping the expiry scans until then evicts exactly what the scans would.
   */
  private due = -Infinity;

  constructor(
    private readonly limits: Limits,
    private readonly counts: Counters,
    private readonly clock: () => number,
  ) {}

  /**
   * Apply one event to the objects it names (made when unknown, touched when known). Returns
   * the result handed to listeners: the objects touched, their snapshots built when read.
   */
  apply(input: CcsInput, now: number): LazyCcsResult | undefined {
    if (now >= this.due) this.expire(now);

    const { name, kind, ts } = input;
    const primary =
      kind === 'call' ? input.callId : kind === 'connection' ? input.connId : input.seanceId;
    if (name === 'connection_failure' && !input.connId && !input.callId) {
      this.counts.ignored++; // a failure naming neither a connection nor a leg: nothing to attach to
      return undefined;
    }
    if (!primary && name !== 'connection_failure') {
      this.counts.ignored++;
      return undefined;
    }

    // The objects the event names, created when unknown, touched when known.
    const call = input.callId ? this.upsertCall(input.callId, now) : undefined;
    const conn = input.connId ? this.upsertConnection(input.connId, now) : undefined;
    const seance = input.seanceId ? this.upsertSeance(input.seanceId, now) : undefined;
    const own = kind === 'call' ? call : kind === 'connection' ? conn : seance;

    const domain = input.domain;
    if (domain !== undefined) {
      const last = this.last;
      const seen = this.lastDomains;
      const copy = last !== undefined && !seen.includes(domain) && sameEvent(last, input);
      if (call) addDomain(call, domain);
      if (conn) addDomain(conn, domain);
      if (seance) addDomain(seance, domain);
      if (copy) {
        seen.push(domain);
        return new LazyCcsResult(call, conn, seance);
      }
      this.last = input;
      if (seen.length === 1) seen[0] = domain;
      else this.lastDomains = [domain];
    } else this.last = undefined;

    if (own) {
      if (input.domain !== undefined) own.domain ??= input.domain;
      if (input.info) mergeInfo(own.info, input.info);
      if (input.state !== undefined) {
        if ('states' in own) setState(own, input.state, ts);
        else own.state = input.state;
      }
      if (name.endsWith('_delete')) own.deleted = true;
    }
    // Objects named alongside learn the domain when they have none.
    if (domain !== undefined) {
      if (call && call !== own && call.domain === undefined) call.domain = domain;
      if (conn && conn !== own && conn.domain === undefined) conn.domain = domain;
      if (seance && seance !== own && seance.domain === undefined) seance.domain = domain;
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

    return new LazyCcsResult(call, conn, seance);
  }

  private readonly evicted = (): void => {
    this.counts.evicted++;
  };

  upsertCall(id: string, now: number): CcsCallEntry {
    this.expiresAt(now);
    return (
      this.calls.touch(id, now) ??
      this.calls.insert(
        id,
        { call_id: id, states: [], connection_ids: [], info: {}, t: now },
        this.limits.maxEntries,
        this.evicted,
      )
    );
  }

  upsertConnection(id: string, now: number): ConnectionEntry {
    this.expiresAt(now);
    return (
      this.connections.touch(id, now) ??
      this.connections.insert(
        id,
        { connection_id: id, call_ids: [], info: {}, t: now },
        this.limits.maxEntries,
        this.evicted,
      )
    );
  }

  upsertSeance(id: string, now: number): SeanceEntry {
    this.expiresAt(now);
    return (
      this.seances.touch(id, now) ??
      this.seances.insert(
        id,
        {
          seance_id: id,
          states: [],
          call_ids: [],
          connection_ids: [],
          numbers: [],
          info: {},
          t: now,
        },
        this.limits.maxEntries,
        this.evicted,
      )
    );
  }

  /** The entry, unless it outlived the TTL (then it is evicted). */
  live<E extends { t: number }>(map: TouchMap<E>, id: string): E | undefined {
    const e = typeof id === 'string' ? map.get(id) : undefined;
    if (e && this.clock() - e.t >= this.limits.ttlMs) {
      map.delete(id);
      this.counts.evicted++;
      return undefined;
    }
    return e;
  }

  /** An entry touched at `now` expires at now + TTL: make the next expiry no later. */
  private expiresAt(now: number): void {
    const t = now + this.limits.ttlMs;
    if (t < this.due) this.due = t;
  }

  /** Evict the entries untouched for the TTL. */
  expire(now: number): number {
    const ttl = this.limits.ttlMs;
    const n =
      this.calls.expireFront(now, ttl, this.evicted) +
      this.connections.expireFront(now, ttl, this.evicted) +
      this.seances.expireFront(now, ttl, this.evicted);
    this.due = Math.min(
      frontDue(this.calls, ttl),
      frontDue(this.connections, ttl),
      frontDue(this.seances, ttl),
    );
    return n;
  }

  clear(): void {
    this.last = undefined;
    this.due = -Infinity;
    this.calls.clear();
    this.connections.clear();
    this.seances.clear();
  }
}
