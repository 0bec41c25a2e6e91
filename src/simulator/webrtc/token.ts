/**
 * Participant tokens: JWTs (HS256) signed with the simulator's own secret, carrying the
 * participant id (`sub`), the account (`acc`), issue and expiry times (`iat`, `exp`, seconds,
 * on the simulator's scaled clock). The signalling server accepts a token only when the
 * signature checks, it has not expired and its participant still exists.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface TokenClaims {
  sub: string;
  acc: string;
  iat: number;
  exp: number;
}

export type TokenCheck =
  | { ok: true; claims: TokenClaims }
  | { ok: false; code: 'TOKEN_MALFORMED' | 'TOKEN_SIGNATURE' | 'TOKEN_EXPIRED'; message: string };

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export class TokenSigner {
  private readonly secret: Buffer;

  constructor(secret?: string) {
    this.secret = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    Object.defineProperty(this, 'secret', { enumerable: false });
  }

  sign(claims: TokenClaims): string {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.secret).update(`${head}.${body}`).digest();
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** `nowS`: the current time in seconds on the simulator's clock. */
  verify(token: unknown, nowS: number): TokenCheck {
    if (typeof token !== 'string' || token.length > 4096) {
      return { ok: false, code: 'TOKEN_MALFORMED', message: 'token is not a JWT' };
    }
    const parts = token.split('.');
    if (parts.length !== 3)
      return { ok: false, code: 'TOKEN_MALFORMED', message: 'token is not a JWT' };
    const expected = createHmac('sha256', this.secret).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, code: 'TOKEN_SIGNATURE', message: 'token signature does not check' };
    }
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return { ok: false, code: 'TOKEN_MALFORMED', message: 'token claims are not JSON' };
    }
    if (typeof claims.sub !== 'string' || typeof claims.exp !== 'number') {
      return { ok: false, code: 'TOKEN_MALFORMED', message: 'token claims lack sub / exp' };
    }
    if (claims.exp <= nowS)
      return { ok: false, code: 'TOKEN_EXPIRED', message: 'token has expired' };
    return { ok: true, claims };
  }
}
