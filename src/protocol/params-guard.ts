/**
 * The checks on operation parameters that a JSON Schema cannot make, run before the schema and
 * before anything reaches the wire:
 * - the parameters are one plain object (null, an array, a string... are named as such);
 * - no key `__proto__`, `constructor` or `prototype` at any depth (a request is never a way to
 *   reach an object's prototype, here or on the server);
 * - only JSON values: no cycles, functions, symbols or BigInts, at most MAX_PARAM_DEPTH levels;
 * - each parameter within its size (the catalogue's `maxBytes`, else a default by type), and the
 *   whole request within a frame (MAX_PARAMS_BYTES): the largest parameter is named.
 * Each failure is one sentence that starts with the path of the field (`params.x.y`).
 */
import type { OperationSpec, ParamSpec } from './catalogue';

/** Keys refused anywhere in a request's parameters. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);
/** Deepest nesting accepted in a parameter value. */
export const MAX_PARAM_DEPTH = 32;
/** Size of a parameter of type object when the catalogue gives none (bytes of its JSON). */
export const DEFAULT_OBJECT_PARAM_BYTES = 64 * 1024;
/** Size of a string parameter when the catalogue gives none (bytes of its JSON). */
export const DEFAULT_STRING_PARAM_BYTES = 8 * 1024;
/**
 * All parameters of one request together (bytes of their JSON): a frame is at most 1 MiB and
 * the envelope (operation, request id, agent) needs a little room.
 */
export const MAX_PARAMS_BYTES = 1024 * 1024 - 16 * 1024;

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** The byte limit of one parameter. */
export function paramMaxBytes(p: ParamSpec): number | undefined {
  if (p.maxBytes !== undefined) return p.maxBytes;
  if (p.type === 'object') return DEFAULT_OBJECT_PARAM_BYTES;
  if (p.type === 'string') return DEFAULT_STRING_PARAM_BYTES;
  return undefined;
}

/** The first problem of a value's shape: a forbidden key, a cycle, a non-JSON value, depth. */
function shapeProblem(value: unknown, path: string): string | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, at: string, depth: number): string | undefined => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return undefined;
      case 'number':
        return Number.isFinite(v) ? undefined : `${at} must be a finite number, got ${String(v)}`;
      case 'undefined':
        return undefined; // dropped by JSON, as for any object member
      case 'function':
      case 'symbol':
      case 'bigint':
        return `${at}: ${kindOf(v)} cannot be sent, only JSON values`;
    }
    if (v === null) return undefined;
    const o = v as object;
    if (seen.has(o)) return `${at} refers back to itself (a cycle): it cannot be sent`;
    if (depth >= MAX_PARAM_DEPTH) return `${at} is nested deeper than ${MAX_PARAM_DEPTH} levels`;
    seen.add(o);
    if (Array.isArray(o)) {
      for (let i = 0; i < o.length; i++) {
        const p = walk(o[i], `${at}[${i}]`, depth + 1);
        if (p) return p;
      }
    } else {
      for (const k of Object.keys(o)) {
        if (FORBIDDEN_KEYS.has(k)) return `${at}: the key "${k}" is not allowed`;
        const p = walk((o as Record<string, unknown>)[k], `${at}.${k}`, depth + 1);
        if (p) return p;
      }
    }
    seen.delete(o);
    return undefined;
  };
  return walk(value, path, 0);
}

function jsonBytes(v: unknown): number {
  const text = JSON.stringify(v);
  return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
}

/**
 * Check a request's parameters before the schema (see the file comment). Returns the message
 * of the first problem, or undefined when the parameters may go on to the schema.
 */
export function guardParams(spec: OperationSpec, params: unknown): string | undefined {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    return `params must be an object, got ${kindOf(params)}`;
  }
  for (const key of Object.keys(params)) {
    if (FORBIDDEN_KEYS.has(key)) return `params: the key "${key}" is not allowed`;
  }
  const shape = shapeProblem(params, 'params');
  if (shape) return shape;
  let total = 0;
  let largest = '';
  let largestBytes = -1;
  const specs = new Map(spec.params.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(params)) {
    const bytes = jsonBytes(value);
    const p = specs.get(name);
    const max = p ? paramMaxBytes(p) : undefined;
    if (max !== undefined && bytes > max) {
      return `params.${name} is ${bytes} bytes of JSON, more than the ${max} allowed`;
    }
    total += bytes + name.length + 4;
    if (bytes > largestBytes) {
      largest = name;
      largestBytes = bytes;
    }
  }
  if (total > MAX_PARAMS_BYTES) {
    return `params.${largest} makes the request ${total} bytes, more than the ${MAX_PARAMS_BYTES} a frame can carry`;
  }
  return undefined;
}
