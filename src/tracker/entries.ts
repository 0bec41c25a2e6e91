/**
 * What the call tracker stores: its limits, the internal entries of dialogs, dialog calls, ccs
 * calls, connections, seances and agent-event links, and the small readers and merge steps
 * they share. No storage logic here: ./dialogs.ts, ./ccs.ts and ./call-tracker.ts hold it.
 */
import type { Data } from '../protocol/types';
import type { CcsCallSnapshot, ConnectionSnapshot, SeanceSnapshot } from './api';
import { appended } from './bounded-map';

/** Default TTL: 9 hours, the clean-up period of seed 001's sessions. */
export const DEFAULT_TTL_MS = 9 * 60 * 60 * 1000;
export const DEFAULT_MAX_ENTRIES = 10_000;
/** State histories keep the most recent this many states. */
export const MAX_STATES = 32;
/** Id lists (a call's connections, a seance's calls, its transfer chain) keep at most this many. */
export const MAX_IDS = 64;
const MAX_ID_LENGTH = 256;
const MAX_INFO_KEYS = 64;
export const MAX_DTMF = 64;

/** Shared empty fields of events that carry none (never mutated: fields are replaced). */
export const EMPTY: Data = Object.freeze({}) as Data;
/** Shared empty id list (never mutated: lists are replaced). */
export const NO_IDS: string[] = Object.freeze([]) as unknown as string[];

/** The tracker's bounds and the counters every store adds to. */
export interface Limits {
  readonly ttlMs: number;
  readonly maxEntries: number;
}
export interface Counters {
  evicted: number;
  ignored: number;
  duplicates: number;
}

// ---------------------------------------------------------------------------------------------
// Readers

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** An object id: a non-empty string (or finite number) of bounded length. */
export function idOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) return undefined;
  return v;
}

export function errorText(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'unknown error';
  }
}

// ---------------------------------------------------------------------------------------------
// Internal entries

export type CcsCallEntry = CcsCallSnapshot & { t: number };
export type ConnectionEntry = ConnectionSnapshot & { t: number };
export type SeanceEntry = SeanceSnapshot & { t: number };

/**
 * What agent events said about one dialog (kept apart from the dialog entry: they may come
 * before the dialog's first event). The seance id string is the seance entry's own, shared.
 */
export interface DialogLink {
  t: number;
  seance?: string;
  agent?: string;
  callId?: string;
}

// ---------------------------------------------------------------------------------------------
// Merge steps

/** The list with the id appended unless present (the same array when present). */
export function withId(arr: string[], id: string): string[] {
  return arr.includes(id) ? arr : appended(arr, id, MAX_IDS);
}

/** Copy an info object's keys into `into`, without re-pointing prototypes, bounded. */
export function mergeInfo(into: Data, info: Record<string, unknown>): void {
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

export function setState(
  o: { state?: string; states: { state: string; ts: number }[] },
  state: string,
  ts: number,
): void {
  if (o.state !== state) o.states = appended(o.states, { state, ts }, MAX_STATES);
  o.state = state;
}
