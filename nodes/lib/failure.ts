/**
 * How an operation node tells a failure: a short "why" for its status (the reason, the
 * response's code and errorCode, the vendor's message), one readable line for node.error and
 * Catch nodes (no stack trace), and the failure as `msg.payload` of the failed output, over the
 * data of the event that ended the operation (so `msg.payload.result` and the ids stay).
 */

/** The fields of `msg.cc` a failure is told from. */
export interface FailureInfo {
  operation: string;
  reason?: string;
  code?: number;
  errorCode?: string | null;
  message?: string;
  field?: string;
}

const STATUS_MAX = 60;

function codes(f: FailureInfo): string {
  const parts: string[] = [];
  if (typeof f.code === 'number' && f.code !== 0) parts.push(String(f.code));
  if (f.errorCode) parts.push(f.errorCode);
  return parts.join(' ');
}

/** e.g. `refused 409 INVALID_STATE: previewObCall is not possible while…` (for the status). */
export function failureStatus(f: FailureInfo): string {
  const c = codes(f);
  let text = `${f.reason ?? 'failed'}${c ? ` ${c}` : ''}`;
  if (f.message && f.message !== f.reason) text += `: ${f.message}`;
  return text.length > STATUS_MAX ? `${text.slice(0, STATUS_MAX - 1)}…` : text;
}

/** e.g. `previewObCall failed: refused (409 INVALID_STATE): <the vendor's message>`. */
export function failureText(f: FailureInfo): string {
  const c = codes(f);
  let text = `${f.operation} failed: ${f.reason ?? 'failed'}${c ? ` (${c})` : ''}`;
  if (f.message && f.message !== f.reason) text += `: ${f.message}`;
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** `msg.payload` of a failed outcome. */
export function failurePayload(f: FailureInfo, data?: unknown): Record<string, unknown> {
  const base = data && typeof data === 'object' && !Array.isArray(data) ? data : {};
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  out.reason = f.reason ?? 'failed';
  if (f.code !== undefined) out.code = f.code;
  if (f.errorCode !== undefined) out.errorCode = f.errorCode;
  if (f.message !== undefined) out.message = f.message;
  if (f.field !== undefined) out.field = f.field;
  return out;
}
