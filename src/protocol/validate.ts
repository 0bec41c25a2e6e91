/**
 * Validation of everything that crosses a boundary: wire frames, event data, webhook bodies
 * and operation parameters. The schemas are the JSON files in ./schemas; parameter schemas are
 * built from the operation catalogue, so a parameter is described once.
 *
 * No function here throws on bad input: each returns a result with a precise message.
 */
import type { default as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import framesSchema from './schemas/frames.json';
import dialogSchema from './schemas/dialog-event.json';
import ccsSchema from './schemas/ccs-event.json';
import agentSchema from './schemas/agent-event.json';
import callSchema from './schemas/call-event.json';
import {
  OPEN_EVENT_NAME,
  getOperation,
  type EventFamily,
  type OperationSpec,
  type ParamSpec,
} from './catalogue';
import { guardParams } from './params-guard';
import type { ClientFrame, ServerFrame } from './types';
import { ERROR_CODES } from './types';

export type Valid<T> = { ok: true; value: T };
export type Invalid = { ok: false; code: string; message: string };
export type Result<T> = Valid<T> | Invalid;

/** Frames larger than this many bytes (UTF-8) are refused before parsing: `error` TOO_LARGE. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Frames larger than this are not read: the WebSocket layer closes the socket (code 1009). */
export const HARD_FRAME_BYTES = 4 * MAX_FRAME_BYTES;
/** @deprecated the limit is in bytes: MAX_FRAME_BYTES. */
export const MAX_FRAME_CHARS = MAX_FRAME_BYTES;

/**
 * The UTF-8 size of a frame when it is over `limit`, else undefined. A string of n UTF-16 units
 * takes n to 3n bytes, so most frames are decided without counting.
 */
export function frameOverLimit(text: string, limit = MAX_FRAME_BYTES): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  if (text.length > limit) return Buffer.byteLength(text, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}

/*
 * Start-up: nothing is compiled when this module loads (Node-RED loads the palette at start;
 * compiling every schema then cost hundreds of ms). ajv itself is loaded, and each validator
 * compiled, the first time it is used; after that a validator is one memoised lookup.
 */
let ajvInstance: AjvClass | undefined;

function ajv(): AjvClass {
  if (ajvInstance) return ajvInstance;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = (require('ajv') as { default: typeof AjvClass }).default;
  const a = new Ajv({
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    discriminator: true,
    allErrors: false,
  });
  // `byEvent` maps event names to $defs in the event schemas: an annotation, not a rule.
  a.addKeyword({ keyword: 'byEvent', schemaType: 'object' });
  a.addSchema(framesSchema);
  a.addSchema(dialogSchema);
  a.addSchema(ccsSchema);
  a.addSchema(agentSchema);
  a.addSchema(callSchema);
  ajvInstance = a;
  return a;
}

function compileRef(ref: string): ValidateFunction {
  const fn = ajv().getSchema(ref);
  if (!fn) throw new Error(`schema ${ref} is missing`);
  return fn;
}

/** A validator compiled on its first call, then kept. */
function lazy(compile: () => ValidateFunction): () => ValidateFunction {
  let fn: ValidateFunction | undefined;
  return () => (fn ??= compile());
}

const clientFrameFn = lazy(() => compileRef(`${framesSchema.$id}#/$defs/clientFrame`));
const serverFrameFn = lazy(() => compileRef(`${framesSchema.$id}#/$defs/serverFrame`));
const dialogBodyFn = lazy(() => compileRef(`${dialogSchema.$id}#/$defs/body`));

/** Event name -> the schema reference of its data, per family (plain data: nothing compiled). */
function byEventRefs(schema: {
  $id: string;
  byEvent: Record<string, string>;
}): Map<string, string> {
  return new Map(
    Object.entries(schema.byEvent).map(([name, def]) => [name, `${schema.$id}#/$defs/${def}`]),
  );
}

const eventDataRefs: Record<Exclude<EventFamily, 'call'>, Map<string, string>> = {
  agent: byEventRefs(agentSchema),
  ccs: byEventRefs(ccsSchema),
  dialog: new Map(
    (dialogSchema.$defs.body.oneOf as { $ref: string }[]).map((r) => [
      r.$ref.split('/').pop() as string,
      `${dialogSchema.$id}${r.$ref}`,
    ]),
  ),
};
/** callevents: any name matching OPEN_EVENT_NAME, one schema for every name's data. */
const CALL_DATA_REF = `${callSchema.$id}#/$defs/data`;
const eventDataFns = new Map<string, ValidateFunction>();

/** Render ajv's first error as one precise sentence naming the field. */
export function describeErrors(errors: ErrorObject[] | null | undefined, root = ''): string {
  if (!errors || errors.length === 0) return 'invalid';
  const e = errors[0];
  const at = `${root}${e.instancePath.replace(/\//g, '.')}` || '(root)';
  const where = at.startsWith('.') ? at.slice(1) : at;
  switch (e.keyword) {
    case 'required':
      return `${where === '(root)' ? '' : where + '.'}${String(e.params.missingProperty)} is required`.replace(
        /^\./,
        '',
      );
    case 'additionalProperties':
      return `${where}: unknown property "${String(e.params.additionalProperty)}"`;
    case 'discriminator':
      return `${where}: ${e.params.tag} ${e.params.error === 'mapping' ? 'has an unknown value' : 'must be a string'}`;
    case 'enum':
      return `${where} must be one of ${JSON.stringify(e.params.allowedValues)}`;
    case 'const':
      return `${where} must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return `${where} ${e.message ?? 'is invalid'}`;
  }
}

function run<T>(fn: ValidateFunction, value: unknown, code: string, root: string): Result<T> {
  if (fn(value)) return { ok: true, value: value as T };
  return { ok: false, code, message: describeErrors(fn.errors, root) };
}

/** Parse and validate a text frame. `from` says which side sent it. */
export function parseFrame(text: string, from: 'server'): Result<ServerFrame>;
export function parseFrame(text: string, from: 'client'): Result<ClientFrame>;
export function parseFrame(
  text: string,
  from: 'server' | 'client',
): Result<ServerFrame | ClientFrame> {
  const bytes = frameOverLimit(text);
  if (bytes !== undefined) {
    return {
      ok: false,
      code: ERROR_CODES.tooLarge,
      message: `frame of ${bytes} bytes exceeds ${MAX_FRAME_BYTES}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: ERROR_CODES.badJson, message: `not JSON: ${(err as Error).message}` };
  }
  return from === 'server' ? validateServerFrame(value) : validateClientFrame(value);
}

export function validateServerFrame(value: unknown): Result<ServerFrame> {
  return run<ServerFrame>(serverFrameFn(), value, ERROR_CODES.badFrame, 'frame');
}

export function validateClientFrame(value: unknown): Result<ClientFrame> {
  return run<ClientFrame>(clientFrameFn(), value, ERROR_CODES.badFrame, 'frame');
}

/**
 * Check an event's data against its family and name: undefined when valid (the hot path
 * allocates nothing), else why not. Unknown names are refused.
 */
export function checkEventData(
  family: EventFamily,
  name: string,
  data: unknown,
): Invalid | undefined {
  const ref =
    family === 'call'
      ? OPEN_EVENT_NAME.test(name)
        ? CALL_DATA_REF
        : undefined
      : eventDataRefs[family]?.get(name);
  if (ref === undefined) {
    return {
      ok: false,
      code: ERROR_CODES.unknownEvent,
      message: `unknown ${family} event "${name}"`,
    };
  }
  let fn = eventDataFns.get(ref);
  if (!fn) {
    fn = compileRef(ref);
    eventDataFns.set(ref, fn);
  }
  if (fn(data)) return undefined;
  return { ok: false, code: ERROR_CODES.badEvent, message: describeErrors(fn.errors, name) };
}

/** Validate an event's data against its family and name. Unknown names are refused. */
export function validateEventData(
  family: EventFamily,
  name: string,
  data: unknown,
): Result<Record<string, unknown>> {
  return checkEventData(family, name, data) ?? { ok: true, value: data as Record<string, unknown> };
}

/** Validate a dialog webhook body (seed 003). */
export function validateDialogBody(body: unknown): Result<Record<string, unknown>> {
  return run(dialogBodyFn(), body, ERROR_CODES.badEvent, 'body');
}

function paramSchema(p: ParamSpec): Record<string, unknown> {
  const s: Record<string, unknown> = { type: p.type };
  if (p.enum) s.enum = p.enum;
  if (p.minimum !== undefined) s.minimum = p.minimum;
  if (p.maximum !== undefined) s.maximum = p.maximum;
  if (p.pattern !== undefined) s.pattern = p.pattern;
  if (p.maxLength !== undefined) s.maxLength = p.maxLength;
  return s;
}

/** The JSON Schema of an operation's parameters, derived from the catalogue. */
export function paramsSchema(op: OperationSpec): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: op.params.filter((p) => p.required).map((p) => p.name),
    properties: Object.fromEntries(op.params.map((p) => [p.name, paramSchema(p)])),
  };
}

const paramsFns = new Map<string, ValidateFunction>();

/**
 * Check an operation's parameters before they are sent: first what a schema cannot say (an
 * object, no prototype keys, JSON values only, sizes: ./params-guard.ts), then the schema.
 */
export function validateParams(op: string, params: unknown): Result<Record<string, unknown>> {
  const spec = getOperation(op);
  if (!spec) {
    return { ok: false, code: ERROR_CODES.unknownOp, message: `unknown operation "${op}"` };
  }
  const problem = guardParams(spec, params);
  if (problem) return { ok: false, code: ERROR_CODES.badParams, message: problem };
  let fn = paramsFns.get(op);
  if (!fn) {
    fn = ajv().compile(paramsSchema(spec));
    paramsFns.set(op, fn);
  }
  return run(fn, params, ERROR_CODES.badParams, 'params');
}
