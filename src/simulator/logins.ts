/**
 * The simulator's accepted logins (tenant -> username -> password), looked up through own
 * properties only: a tenant "constructor" or a user "name" must not reach Object.prototype
 * (tenant `constructor`, user `name`, password `Object` would otherwise log in).
 */
import { timingSafeEqual, createHash } from 'node:crypto';

export type Logins = Record<string, Record<string, string>>;

function own(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && Object.hasOwn(o, key)
    ? (o as Record<string, unknown>)[key]
    : undefined;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** True when `tenant` has the user `username` with exactly this password. */
export function loginAccepted(
  logins: Logins,
  tenant: unknown,
  username: unknown,
  password: unknown,
): boolean {
  if (typeof tenant !== 'string' || typeof username !== 'string' || typeof password !== 'string') {
    return false;
  }
  const expected = own(own(logins, tenant), username);
  if (typeof expected !== 'string') return false;
  return timingSafeEqual(digest(expected), digest(password));
}

/** True when any tenant has the user `username` with exactly this password. */
export function loginAcceptedInAnyTenant(
  logins: Logins,
  username: unknown,
  password: unknown,
): boolean {
  return Object.keys(logins).some((tenant) => loginAccepted(logins, tenant, username, password));
}
