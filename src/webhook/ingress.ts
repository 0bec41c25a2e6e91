/**
 * The webhook ingress: framework-free handling of one dialog webhook delivery (seed 003). See
 * ./api.ts for the contract and ./http.ts for reading a body off a request (capped).
 *
 * Checks, in this order (cheap and unauthenticated-safe first; nothing about the body is
 * revealed to a sender that is not authenticated):
 *   413 body larger than maxBytes            (reason too_large)
 *   401 token / HMAC-SHA256 signature         (token_*, signature_*)
 *   401 replay window, when configured        (timestamp_*)
 *   415 content-type not JSON, or encoded     (content_type, content_encoding; with
 *                                             anyContentType only the encoding is checked)
 *   400 not UTF-8 / not JSON                  (bad_json; or the `parse` option's failure)
 *   200 another event class (acknowledge)    (ignored: <class>, counted, no event)
 *   422 not a valid dialog body               (schema; the message names the field)
 *   200 duplicate delivery (same raw bytes)   (duplicate: true, no event)
 *   200 accepted                              (event: the parsed body)
 *
 * Secrets: the token is kept only as its SHA-256 digest and the HMAC secret as a KeyObject
 * (util.inspect shows neither); no message or stat ever contains a secret or a signature.
 * Comparisons are constant time (crypto.timingSafeEqual over fixed-length digests).
 */
import {
  createHash,
  createHmac,
  createSecretKey,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { validateDialogBody } from '../protocol/validate';
import type {
  IngressErrorCode,
  IngressOptions,
  IngressOutcome,
  IngressRequest,
  IngressStats,
  WebhookIngressApi,
} from './api';

import { DEFAULT_DEDUP_SIZE, DEFAULT_MAX_BYTES, positive } from './limits';

export { DEFAULT_DEDUP_SIZE, DEFAULT_MAX_BYTES };

type Refusal = Extract<IngressOutcome, { body: { ok: false } }>;
type RefusalStatus = Refusal['status'];

const ERROR_BY_STATUS: Record<RefusalStatus, IngressErrorCode> = {
  400: 'BAD_JSON',
  401: 'UNAUTHORIZED',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'BAD_EVENT',
};

const SIGNATURE_RE = /^sha256=([0-9a-fA-F]{64})$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** A header's single value; `multiple` when the header was sent more than once. */
function header(
  headers: IngressRequest['headers'],
  name: string,
): string | undefined | { multiple: true } {
  let v = headers[name];
  if (v === undefined) {
    for (const k of Object.keys(headers)) {
      if (k.toLowerCase() === name) {
        v = headers[k];
        break;
      }
    }
  }
  if (Array.isArray(v)) {
    if (v.length > 1) return { multiple: true };
    v = v[0];
  }
  return typeof v === 'string' ? v : undefined;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}...` : s);
}

export class WebhookIngress implements WebhookIngressApi {
  private readonly maxBytes: number;
  private readonly dedupSize: number;
  private readonly tokenDigest: Buffer | undefined;
  private readonly hmacKey: KeyObject | undefined;
  private readonly validate: NonNullable<IngressOptions['validate']>;
  private readonly replayWindowMs: number;
  private readonly now: () => number;
  /** Recent deliveries: base64 SHA-256 of the raw body, in least-recently-seen order. */
  private readonly recent = new Map<string, true>();
  private accepted = 0;
  private duplicates = 0;
  private readonly rejected: Record<string, number> = {};
  private readonly ignored: Record<string, number> = {};
  private readonly anyContentType: boolean;
  private readonly acknowledge: IngressOptions['acknowledge'];
  private readonly parse: IngressOptions['parse'];
  private readonly tokenQueryParam: string | undefined;

  constructor(options: IngressOptions = {}) {
    const o = typeof options === 'object' && options !== null ? options : {};
    this.maxBytes = positive(o.maxBytes, DEFAULT_MAX_BYTES);
    this.dedupSize =
      typeof o.dedupSize === 'number' && Number.isFinite(o.dedupSize) && o.dedupSize >= 0
        ? Math.floor(o.dedupSize)
        : DEFAULT_DEDUP_SIZE;
    this.tokenDigest = typeof o.token === 'string' && o.token !== '' ? sha256(o.token) : undefined;
    this.hmacKey =
      typeof o.hmacSecret === 'string' && o.hmacSecret !== ''
        ? createSecretKey(Buffer.from(o.hmacSecret, 'utf8'))
        : undefined;
    this.validate = typeof o.validate === 'function' ? o.validate : validateDialogBody;
    this.parse = typeof o.parse === 'function' ? o.parse : undefined;
    this.anyContentType = o.anyContentType === true || this.parse !== undefined;
    this.acknowledge = typeof o.acknowledge === 'function' ? o.acknowledge : undefined;
    this.tokenQueryParam =
      typeof o.tokenQueryParam === 'string' && o.tokenQueryParam !== ''
        ? o.tokenQueryParam
        : undefined;
    this.replayWindowMs = this.hmacKey ? positive(o.replayWindowS, 0) * 1000 : 0;
    this.now = typeof o.now === 'function' ? o.now : Date.now;
  }

  handle(req: IngressRequest): IngressOutcome {
    try {
      return this.process(req);
    } catch {
      // Only a hostile request object (throwing getters) gets here; what it threw stays inside.
      return this.refuse(400, 'bad_request', 'the request could not be read');
    }
  }

  stats(): IngressStats {
    return {
      accepted: this.accepted,
      duplicates: this.duplicates,
      rejected: { ...this.rejected },
      ignored: { ...this.ignored },
    };
  }

  private refuse(status: RefusalStatus, reason: string, message: string): Refusal {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    return { status, body: { ok: false, error: ERROR_BY_STATUS[status], message } };
  }

  private process(req: IngressRequest): IngressOutcome {
    const headers: IngressRequest['headers'] =
      req && typeof req.headers === 'object' && req.headers !== null ? req.headers : {};
    const raw = toBuffer(req?.rawBody);

    if (req?.tooLarge === true || raw.length > this.maxBytes) {
      return this.refuse(413, 'too_large', `body is larger than ${this.maxBytes} bytes`);
    }

    const query = typeof req?.query === 'string' ? req.query.replace(/^\?/, '') : '';
    const auth = this.authenticate(headers, raw, req?.reserialized === true, query);
    if (auth) return auth;

    const media = this.checkMedia(headers);
    if (media) return media;

    let body: unknown;
    if (this.parse) {
      const parsed = this.parse(raw, req);
      if (!parsed.ok) return this.refuse(400, 'bad_json', parsed.message);
      body = parsed.value;
    } else {
      let text: string;
      try {
        text = utf8.decode(raw);
      } catch {
        return this.refuse(400, 'bad_json', 'body is not valid UTF-8');
      }
      if (text.trim() === '') return this.refuse(400, 'bad_json', 'body is empty');
      try {
        body = JSON.parse(text);
      } catch (err) {
        return this.refuse(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
      }
    }

    const otherClass = this.acknowledge?.(body);
    if (otherClass !== undefined) {
      const name = otherClass.slice(0, 64);
      this.ignored[name] = (this.ignored[name] ?? 0) + 1;
      return { status: 200, body: { ok: true, duplicate: false, ignored: name } };
    }

    const valid = this.validate(body);
    if (!valid.ok) return this.refuse(422, 'schema', valid.message);

    if (this.dedupSize > 0) {
      // A GET delivery carries its fields in the query: it is part of what is repeated.
      const hash = createHash('sha256');
      if (this.parse && query !== '') hash.update(`${query}\n`);
      const key = hash.update(raw).digest('base64');
      if (this.recent.has(key)) {
        this.recent.delete(key); // re-insert: a repeated delivery stays remembered longest
        this.recent.set(key, true);
        this.duplicates++;
        return { status: 200, body: { ok: true, duplicate: true } };
      }
      this.recent.set(key, true);
      while (this.recent.size > this.dedupSize) {
        this.recent.delete(this.recent.keys().next().value as string);
      }
    }
    this.accepted++;
    return {
      status: 200,
      body: { ok: true, duplicate: false },
      event: valid.value as Record<string, unknown>,
    };
  }

  private authenticate(
    headers: IngressRequest['headers'],
    raw: Buffer,
    reserialized: boolean,
    query: string,
  ): Refusal | undefined {
    if (this.tokenDigest) {
      let given = header(headers, 'x-cc-token');
      if (given === undefined && this.tokenQueryParam && query !== '') {
        const all = new URLSearchParams(query).getAll(this.tokenQueryParam);
        given = all.length > 1 ? { multiple: true } : all[0];
      }
      if (given === undefined) {
        const authz = header(headers, 'authorization');
        if (typeof authz === 'object') given = authz;
        else if (authz !== undefined) {
          const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
          if (m) given = m[1];
        }
      }
      if (typeof given === 'object') {
        return this.refuse(401, 'token_invalid', 'the token header was sent more than once');
      }
      if (given === undefined || given === '') {
        return this.refuse(
          401,
          'token_missing',
          this.tokenQueryParam
            ? `missing token: send it in the x-cc-token header or as ?${this.tokenQueryParam}=<token> in the URL`
            : 'missing token: send it in the x-cc-token header or as Authorization: Bearer <token>',
        );
      }
      if (!timingSafeEqual(sha256(given), this.tokenDigest)) {
        return this.refuse(401, 'token_invalid', 'invalid token');
      }
    }
    if (this.hmacKey) {
      const sig = header(headers, 'x-cc-signature');
      if (sig === undefined || sig === '') {
        return this.refuse(
          401,
          'signature_missing',
          'missing x-cc-signature header: expected sha256=<hex HMAC-SHA256 of the raw body>',
        );
      }
      const m = typeof sig === 'string' ? SIGNATURE_RE.exec(sig.trim()) : null;
      if (!m) {
        return this.refuse(
          401,
          'signature_malformed',
          'malformed x-cc-signature header: expected sha256=<64 hex digits>, sent once',
        );
      }
      if (reserialized) {
        return this.refuse(
          401,
          'signature_unverifiable',
          'the raw body was consumed before the webhook route (a body parser ran first): ' +
            'the signature cannot be checked over a re-serialised body',
        );
      }
      let stamp: string | undefined;
      if (this.replayWindowMs > 0) {
        const ts = header(headers, 'x-cc-timestamp');
        if (ts === undefined || ts === '') {
          return this.refuse(
            401,
            'timestamp_missing',
            'missing x-cc-timestamp header: replay protection is on (unix seconds, signed with the body)',
          );
        }
        if (typeof ts === 'object' || !/^\d{1,12}$/.test(ts.trim())) {
          return this.refuse(
            401,
            'timestamp_malformed',
            'malformed x-cc-timestamp header: expected unix seconds, sent once',
          );
        }
        stamp = ts.trim();
      }
      const mac = createHmac('sha256', this.hmacKey);
      if (stamp !== undefined) mac.update(`${stamp}.`);
      const expected = mac.update(raw).digest();
      if (!timingSafeEqual(Buffer.from(m[1], 'hex'), expected)) {
        return this.refuse(
          401,
          'signature_invalid',
          stamp === undefined
            ? 'x-cc-signature does not match the body (HMAC-SHA256 over the raw bytes)'
            : 'x-cc-signature does not match (HMAC-SHA256 over "<x-cc-timestamp>.<raw body>")',
        );
      }
      if (stamp !== undefined) {
        const skew = Math.abs(this.now() - Number(stamp) * 1000);
        if (skew > this.replayWindowMs) {
          return this.refuse(
            401,
            'timestamp_stale',
            `x-cc-timestamp is more than ${this.replayWindowMs / 1000} s away from this server's clock (a replay, or a clock to set)`,
          );
        }
      }
    }
    return undefined;
  }

  private checkMedia(headers: IngressRequest['headers']): Refusal | undefined {
    if (this.anyContentType) return this.checkEncoding(headers);
    const ct = header(headers, 'content-type');
    if (typeof ct === 'object') {
      return this.refuse(415, 'content_type', 'content-type was sent more than once');
    }
    if (ct === undefined || ct.trim() === '') {
      return this.refuse(415, 'content_type', 'content-type is missing: send application/json');
    }
    const [type, ...params] = ct.split(';').map((p) => p.trim());
    const t = type.toLowerCase();
    if (t !== 'application/json' && !/^application\/[a-z0-9.+-]*\+json$/.test(t)) {
      return this.refuse(
        415,
        'content_type',
        `content-type must be application/json, got ${quote(ct)}`,
      );
    }
    for (const p of params) {
      const [k, v = ''] = p.split('=').map((x) => x.trim());
      if (k.toLowerCase() !== 'charset') continue;
      const cs = v.replace(/^"|"$/g, '').toLowerCase();
      if (cs !== 'utf-8' && cs !== 'utf8') {
        return this.refuse(415, 'content_type', `charset ${quote(v)} is not supported: send UTF-8`);
      }
    }
    return this.checkEncoding(headers);
  }

  private checkEncoding(headers: IngressRequest['headers']): Refusal | undefined {
    const enc = header(headers, 'content-encoding');
    if (enc !== undefined && (typeof enc === 'object' || enc.trim().toLowerCase() !== 'identity')) {
      return this.refuse(
        415,
        'content_encoding',
        `content-encoding ${typeof enc === 'string' ? quote(enc) : '(repeated)'} is not supported: send the body uncompressed`,
      );
    }
    return undefined;
  }
}

function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return Buffer.alloc(0);
}
