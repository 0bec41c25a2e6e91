/**
 * Tinet interface API request signing (see REST in ./mapping.ts): `sign` = lowercase hex
 * md5(id + timestamp + token), where the id is the enterprise id (validateType 2) or the
 * department id (validateType 1) and the timestamp is in UNIX seconds. Used by the REST client
 * to sign and by the simulator's Tinet face to check, so both read one rule.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AUTH_ERROR, ERROR_CODES, REST } from './mapping';

export interface TinetAccount {
  /** 2: enterprise id (default), 1: department id. */
  validateType?: 1 | 2;
  /** Enterprise id (validateType 2) or department id (validateType 1). */
  id: string;
  /** The interface token. Never logged, never in an error. */
  token: string;
}

export function sign(id: string, timestamp: number | string, token: string): string {
  return createHash('md5').update(`${id}${timestamp}${token}`, 'utf8').digest('hex');
}

/** The four authentication parameters of one request. */
export function authParams(
  account: TinetAccount,
  nowMs: number = Date.now(),
): Record<string, string> {
  const validateType = account.validateType ?? REST.validateTypes.enterprise;
  const timestamp = Math.floor(nowMs / 1000);
  const idName = validateType === REST.validateTypes.department ? 'departmentId' : 'enterpriseId';
  return {
    validateType: String(validateType),
    [idName]: account.id,
    timestamp: String(timestamp),
    sign: sign(account.id, timestamp, account.token),
  };
}

export type VerifyResult =
  { ok: true; validateType: 1 | 2; id: string } | { ok: false; code: string; message: string };

/**
 * Check a request's authentication parameters as the vendor does: the id is known, the
 * timestamp is within the window, the sign matches. `tokenFor` gives the token of an id.
 */
export function verify(
  params: Readonly<Record<string, string | undefined>>,
  tokenFor: (validateType: 1 | 2, id: string) => string | undefined,
  nowMs: number = Date.now(),
  windowS: number = REST.timestampWindowS,
): VerifyResult {
  const refuse = (detail: string): VerifyResult => ({
    ok: false,
    code: AUTH_ERROR,
    message: `${ERROR_CODES[AUTH_ERROR].message}: ${detail}`,
  });
  const vt = params.validateType === '1' ? 1 : params.validateType === '2' ? 2 : undefined;
  if (vt === undefined) return refuse('validateType must be 1 or 2');
  const id = vt === 1 ? params.departmentId : params.enterpriseId;
  if (!id) return refuse(vt === 1 ? 'departmentId is missing' : 'enterpriseId is missing');
  const ts = params.timestamp;
  if (!ts || !/^\d{1,12}$/.test(ts)) return refuse('timestamp is missing or not a number');
  if (Math.abs(Number(ts) - nowMs / 1000) > windowS) return refuse('timestamp expired');
  const token = tokenFor(vt, id);
  const given = params.sign ?? '';
  if (token === undefined) return refuse('unknown id');
  const expected = Buffer.from(sign(id, ts, token), 'utf8');
  const got = Buffer.from(given.toLowerCase(), 'utf8');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    return refuse('sign does not match');
  }
  return { ok: true, validateType: vt, id };
}
