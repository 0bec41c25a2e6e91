/**
 * From evaluated editor properties to an operation request: the agent and the parameters the
 * catalogue declares, with forgiving conversions (a number typed in a form arrives as a
 * string) and precise errors that name the field and where its value came from. The final
 * check is the protocol's own parameter schema, so nothing invalid reaches the gateway.
 */
import type { OperationSpec, ParamSpec } from '../../src/protocol/catalogue';
import type * as Validate from '../../src/protocol/validate';

/** The protocol's validation (and its schemas), loaded with the first request checked. */
let validation: typeof Validate | undefined;
function validateParams(op: string, params: unknown): ReturnType<typeof Validate.validateParams> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  validation ??= require('../../src/protocol/validate') as typeof Validate;
  return validation.validateParams(op, params);
}

export type Checked =
  | { ok: true; agent: string; params: Record<string, unknown> }
  | { ok: false; field: string; message: string };

const AGENT_PATTERN = /^\S{1,128}$/;

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}

/** Convert a value to the parameter's type, or say why not. */
function convert(
  p: ParamSpec,
  v: unknown,
): { ok: true; value: unknown } | { ok: false; why: string } {
  switch (p.type) {
    case 'integer':
      if (typeof v === 'number' && Number.isInteger(v)) return { ok: true, value: v };
      if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return { ok: true, value: Number(v) };
      return { ok: false, why: 'must be an integer' };
    case 'string':
      if (typeof v === 'string') return { ok: true, value: v.trim() };
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
      return { ok: false, why: 'must be a string' };
    case 'boolean':
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (v === 'true' || v === 'false') return { ok: true, value: v === 'true' };
      return { ok: false, why: 'must be true or false' };
    case 'object':
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { ok: true, value: v };
      return { ok: false, why: 'must be an object' };
    default:
      return { ok: true, value: v };
  }
}

/**
 * @param values evaluated values by name (`agent` and each parameter name)
 * @param sources where each value came from (`msg.payload.agent`), for messages
 */
export function checkRequest(
  spec: OperationSpec,
  values: Record<string, unknown>,
  sources: Record<string, string>,
): Checked {
  const from = (name: string): string => (sources[name] ? ` (from ${sources[name]})` : '');
  const rawAgent = values.agent;
  if (blank(rawAgent)) {
    return { ok: false, field: 'agent', message: `agent is required${from('agent')}` };
  }
  const agent = typeof rawAgent === 'number' ? String(rawAgent) : rawAgent;
  if (typeof agent !== 'string' || !AGENT_PATTERN.test(agent)) {
    return {
      ok: false,
      field: 'agent',
      message: `agent must be an agent id without spaces, got ${show(rawAgent)}${from('agent')}`,
    };
  }
  const params: Record<string, unknown> = {};
  for (const p of spec.params) {
    const raw = values[p.name];
    if (blank(raw)) {
      if (p.default !== undefined) params[p.name] = p.default;
      else if (p.required) {
        return { ok: false, field: p.name, message: `${p.name} is required${from(p.name)}` };
      }
      continue;
    }
    const c = convert(p, raw);
    if (!c.ok) {
      return {
        ok: false,
        field: p.name,
        message: `${p.name} ${c.why}, got ${show(raw)}${from(p.name)}`,
      };
    }
    params[p.name] = c.value;
  }
  const checked = validateParams(spec.name, params);
  if (!checked.ok) {
    const m = /^params\.(\w+)/.exec(checked.message);
    const field = m ? m[1] : 'params';
    const text = checked.message.replace(/^params\./, '');
    return {
      ok: false,
      field,
      message: m ? `${text}, got ${show(params[field])}${from(field)}` : text,
    };
  }
  return { ok: true, agent, params };
}
