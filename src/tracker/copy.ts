/**
 * Generic bounded copies (no tracker knowledge): a plain-JSON deep copy that survives cycles,
 * getters and huge graphs; the same with short strings interned (a store's own compact copy);
 * a fast copy of data that went through those; and a compact merge of two flat objects.
 */
import type { Data } from '../protocol/types';

interface CloneState {
  budget: number;
  path: Set<object>;
  intern?: Interner;
  leaves?: LeafTable;
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

/** Leaves of at most this many members are shared (see LeafTable). */
const LEAF_MAX_MEMBERS = 8;
const LEAF_TABLE_SIZE = 4096;
/** Leaves longer than this as JSON are not shared (the table keeps its keys: bounded memory). */
const LEAF_MAX_JSON = 256;

/**
 * A bounded table of small leaf values: arrays and objects of at most LEAF_MAX_MEMBERS
 * members that are all numbers, booleans, nulls or strings short enough to be interned.
 * Equal leaves become one frozen value shared by every copy that holds one (the `media`,
 * `project` and `tenant_user` of thousands of dialogs: one object each). When full it starts
 * over (the values already shared stay shared).
 */
export class LeafTable {
  private readonly table = new Map<string, object>();
  get size(): number {
    return this.table.size;
  }
  /** The shared value equal to `leaf` (frozen): `leaf` itself the first time. */
  of<T extends object>(leaf: T): T {
    const key = JSON.stringify(leaf);
    if (key.length > LEAF_MAX_JSON) return leaf;
    const known = this.table.get(key);
    if (known !== undefined) return known as T;
    if (this.table.size >= LEAF_TABLE_SIZE) this.table.clear();
    Object.freeze(leaf);
    this.table.set(key, leaf);
    return leaf;
  }
  clear(): void {
    this.table.clear();
  }
}

/** A member a shared leaf may hold (a number -0 would come back as 0 from the table key). */
function leafMember(c: unknown): boolean {
  switch (typeof c) {
    case 'string':
      return c.length <= INTERN_MAX_LENGTH;
    case 'number':
      return !Object.is(c, -0);
    case 'boolean':
      return true;
    default:
      return c === null;
  }
}

const CLONE_MAX_DEPTH = 32;
const CLONE_MAX_NODES = 20_000;
/** Objects up to this many keys are built key by key (fast); larger ones by fromEntries. */
const SMALL_OBJECT = 12;

/** A primitive as the copies hold it (functions, symbols and undefined: undefined, dropped). */
function copyPrimitive(v: unknown, intern: Interner | undefined): unknown {
  switch (typeof v) {
    case 'string':
      return intern ? intern.of(v) : v;
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v.toString();
    default:
      return undefined; // functions, symbols, undefined: dropped as JSON.stringify does
  }
}

/**
 * The copy of a flat plain object (at most SMALL_OBJECT keys, no object member), the same as
 * cloneValue's without its cycle bookkeeping (no Set per copy: a ccs event's `info`, copied
 * per event); undefined when `v` is not flat.
 */
function flatCopy(v: object, intern: Interner | undefined): Record<string, unknown> | undefined {
  if (Object.getPrototypeOf(v) !== Object.prototype) return undefined;
  const keys = Object.keys(v);
  if (keys.length > SMALL_OBJECT) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null) return undefined;
    if (k === '__proto__') continue;
    const c = x === null ? null : copyPrimitive(x, intern);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

function cloneValue(v: unknown, st: CloneState, depth: number): unknown {
  if (typeof v !== 'object') return copyPrimitive(v, st.intern);
  if (v === null) return null;
  if (depth >= CLONE_MAX_DEPTH || st.budget <= 0 || st.path.has(v)) return null;
  st.budget--;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  st.path.add(v);
  let out: unknown;
  if (Array.isArray(v)) {
    // Sized up front: push() on an empty array reserves 17 slots (152 bytes for ['audio']).
    const arr: unknown[] = new Array(v.length);
    let leaf = st.leaves !== undefined && v.length <= LEAF_MAX_MEMBERS;
    let i = 0;
    for (; i < v.length && st.budget > 0; i++) {
      const c = cloneValue(v[i], st, depth + 1);
      arr[i] = c === undefined ? null : c;
      if (leaf && !leafMember(arr[i])) leaf = false;
    }
    if (i < arr.length) arr.length = i;
    out = leaf && st.leaves ? st.leaves.of(arr) : arr;
  } else {
    const keys = Object.keys(v);
    if (keys.length <= SMALL_OBJECT) {
      const obj: Record<string, unknown> = {};
      let leaf = st.leaves !== undefined && keys.length <= LEAF_MAX_MEMBERS;
      for (const k of keys) {
        if (k === '__proto__' || st.budget <= 0) continue;
        const c = cloneValue((v as Record<string, unknown>)[k], st, depth + 1);
        if (c !== undefined) obj[k] = c;
        if (leaf && c !== undefined && !leafMember(c)) leaf = false;
      }
      out = leaf && st.leaves ? st.leaves.of(obj) : obj;
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

/**
 * toPlainJson with short strings interned: a store's own compact copy of a value. With a leaf
 * table, small leaf values are shared and frozen: only for copies nothing ever writes into.
 * Without one, a flat object (the usual ccs `info`) takes the fast path of flatCopy.
 */
export function ownCopy(v: unknown, intern: Interner, leaves?: LeafTable): unknown {
  if (leaves === undefined && typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const flat = flatCopy(v, intern);
    if (flat !== undefined) return flat;
  }
  return cloneValue(v, { budget: CLONE_MAX_NODES, path: new Set(), intern, leaves }, 0);
}

/**
 * Deep copy of data the tracker built itself (plain JSON, acyclic, bounded: every stored value
 * went through ownCopy), for handing out. No checks needed, so it is several times faster than
 * toPlainJson; this is the per-event cost of handing snapshots out.
 */
export function cloneOwn(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(cloneOwn);
  const out: Record<string, unknown> = {};
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) out[k] = cloneOwn(src[k]);
  return out;
}

export function plainData(v: Data): Data {
  return cloneOwn(v) as Data;
}

/**
 * A new object with every field of `primary` and the fields of `secondary` it lacks. Always a
 * fresh object made by Object.fromEntries: adding keys one by one (to an existing object or
 * a new `{}`) switches V8 to its much larger dictionary representation beyond ~20 keys
 * (measured: +1.2 KB per dialog); fromEntries keeps the compact one.
 */
export function mergedFields(primary: Data, secondary: Data): Data {
  const skeys = Object.keys(secondary);
  if (skeys.length === 0) return primary;
  const entries = Object.entries(primary);
  for (const k of skeys) {
    if (!Object.prototype.hasOwnProperty.call(primary, k)) entries.push([k, secondary[k]]);
  }
  return Object.fromEntries(entries);
}
