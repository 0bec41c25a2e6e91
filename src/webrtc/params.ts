/**
 * Operation parameters: checked and normalised once, before any request is sent. A bad value
 * ends the operation `failed` (reason `badParams`) with a message naming the field.
 */
import type { PublishPermission, Subscriptions } from './api';
import type { WebrtcOperationSpec } from './catalogue';

export type ParamCheck =
  { ok: true; params: Record<string, unknown> } | { ok: false; field: string; message: string };

const PERMISSIONS: readonly PublishPermission[] = ['AUDIO', 'VIDEO'];

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function checkSubscriptions(v: unknown): Subscriptions | string {
  const s = parseJson(v);
  if (!s || typeof s !== 'object' || Array.isArray(s)) {
    return 'must be an object {sessionId} or {participants: [{participantId}]}';
  }
  const o = s as Record<string, unknown>;
  const out: Subscriptions = {};
  if (o.sessionId !== undefined) {
    if (typeof o.sessionId !== 'string' || !o.sessionId) return 'sessionId must be a string';
    out.sessionId = o.sessionId;
  }
  if (o.participants !== undefined) {
    if (!Array.isArray(o.participants)) return 'participants must be an array';
    out.participants = [];
    for (const p of o.participants) {
      const id = typeof p === 'string' ? p : (p as Record<string, unknown>)?.participantId;
      if (typeof id !== 'string' || !id) return 'each participant needs a participantId';
      const aliases = (p as Record<string, unknown>)?.streamAliases;
      out.participants.push(
        Array.isArray(aliases)
          ? { participantId: id, streamAliases: aliases.map(String) }
          : { participantId: id },
      );
    }
  }
  return out;
}

function checkPermissions(v: unknown): PublishPermission[] | string {
  const parsed = parseJson(v);
  const list =
    typeof parsed === 'string'
      ? parsed
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : parsed;
  if (!Array.isArray(list)) return 'must be a list of AUDIO / VIDEO';
  const out: PublishPermission[] = [];
  for (const x of list) {
    const u = String(x).toUpperCase() as PublishPermission;
    if (!PERMISSIONS.includes(u)) return `unknown permission ${JSON.stringify(x)} (AUDIO, VIDEO)`;
    if (!out.includes(u)) out.push(u);
  }
  return out;
}

/** Values by parameter name (undefined / '' = not given). */
export function checkParams(
  spec: WebrtcOperationSpec,
  values: Record<string, unknown>,
): ParamCheck {
  const params: Record<string, unknown> = {};
  for (const p of spec.params) {
    const v = values[p.name];
    const missing = v === undefined || v === null || v === '';
    if (missing) {
      if (p.required) return { ok: false, field: p.name, message: `${p.name} is required` };
      continue;
    }
    switch (p.kind) {
      case 'string':
        if (typeof v !== 'string' && typeof v !== 'number') {
          return { ok: false, field: p.name, message: `${p.name} must be a string` };
        }
        params[p.name] = String(v);
        break;
      case 'number': {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) {
          return { ok: false, field: p.name, message: `${p.name} must be a positive number` };
        }
        params[p.name] = n;
        break;
      }
      case 'subscriptions': {
        const s = checkSubscriptions(v);
        if (typeof s === 'string') return { ok: false, field: p.name, message: `${p.name} ${s}` };
        params[p.name] = s;
        break;
      }
      case 'permissions': {
        const s = checkPermissions(v);
        if (typeof s === 'string') return { ok: false, field: p.name, message: `${p.name} ${s}` };
        params[p.name] = s;
        break;
      }
    }
  }
  return { ok: true, params };
}
