/**
 * The webhook ingress: framework-free handling of one dialog webhook delivery (seed 003), plus
 * two small Express-compatible helpers for Node-RED's httpNode. See ./api.ts for the contract.
 *
 * Checks, in this order (cheap and unauthenticated-safe first; nothing about the body is
 * revealed to a sender that is not authenticated):
 *   413 body larger than maxBytes            (reason too_large)
 *   401 token / HMAC-SHA256 signature         (token_*, signature_*)
 *   415 content-type not JSON, or encoded     (content_type, content_encoding)
 *   400 not UTF-8 / not JSON                  (bad_json)
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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateDialogBody } from '../protocol/validate';
import type {
  IngressOptions,
  IngressOutcome,
  IngressRequest,
  IngressStats,
  WebhookIngressApi,
} from './api';

export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_DEDUP_SIZE = 10_000;

type Refusal = Extract<IngressOutcome, { body: { ok: false } }>;
type RefusalStatus = Refusal['status'];

const ERROR_BY_STATUS: Record<RefusalStatus, string> = {
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

function positive(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
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
  /** Recent deliveries: base64 SHA-256 of the raw body, in least-recently-seen order. */
  private readonly recent = new Map<string, true>();
  private accepted = 0;
  private duplicates = 0;
  private readonly rejected: Record<string, number> = {};

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
  }

  handle(req: IngressRequest): IngressOutcome {
    try {
      return this.process(req);
    } catch (err) {
      // Only a hostile request object (throwing getters) gets here.
      return this.refuse(400, 'bad_request', `unreadable request: ${(err as Error)?.message}`);
    }
  }

  stats(): IngressStats {
    return { accepted: this.accepted, duplicates: this.duplicates, rejected: { ...this.rejected } };
  }

  private refuse(status: RefusalStatus, reason: string, message: string): Refusal {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    return { status, body: { ok: false, error: ERROR_BY_STATUS[status], message } };
  }

  private process(req: IngressRequest): IngressOutcome {
    const headers: IngressRequest['headers'] =
      req && typeof req.headers === 'object' && req.headers !== null ? req.headers : {};
    const raw = toBuffer(req?.rawBody);

    if (raw.length > this.maxBytes) {
      return this.refuse(413, 'too_large', `body is larger than ${this.maxBytes} bytes`);
    }

    const auth = this.authenticate(headers, raw, req?.reserialized === true);
    if (auth) return auth;

    const media = this.checkMedia(headers);
    if (media) return media;

    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      return this.refuse(400, 'bad_json', 'body is not valid UTF-8');
    }
    if (text.trim() === '') return this.refuse(400, 'bad_json', 'body is empty');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      return this.refuse(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
    }

    const valid = this.validate(body);
    if (!valid.ok) return this.refuse(422, 'schema', valid.message);

    if (this.dedupSize > 0) {
      const key = createHash('sha256').update(raw).digest('base64');
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
  ): Refusal | undefined {
    if (this.tokenDigest) {
      let given = header(headers, 'x-cc-token');
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
          'missing token: send it in the x-cc-token header or as Authorization: Bearer <token>',
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
      const expected = createHmac('sha256', this.hmacKey).update(raw).digest();
      if (!timingSafeEqual(Buffer.from(m[1], 'hex'), expected)) {
        return this.refuse(
          401,
          'signature_invalid',
          'x-cc-signature does not match the body (HMAC-SHA256 over the raw bytes)',
        );
      }
    }
    return undefined;
  }

  private checkMedia(headers: IngressRequest['headers']): Refusal | undefined {
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

// ---------------------------------------------------------------------------------------------
// Express-compatible helpers (no express import: plain node:http types)

/** A request after rawBodyMiddleware: `rawBody` holds the bytes. */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
  /** rawBody was rebuilt from an already parsed `body` (see rawBodyMiddleware). */
  rawBodyReserialized?: boolean;
  /** Set by body parsers (Express). */
  body?: unknown;
  /** body-parser's "already parsed" mark; set here too so later parsers leave the body alone. */
  _body?: boolean;
}

type Next = (err?: unknown) => void;

function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (close) res.setHeader('connection', 'close');
  res.end(JSON.stringify(body));
}

/**
 * Middleware that reads the request stream itself into `req.rawBody` (a Buffer), refusing
 * bodies over maxBytes with 413 (early when content-length says so; the rest of the upload is
 * drained and dropped, never buffered).
 *
 * Node-RED: the admin app's JSON body parser can consume a body before httpNode routes when
 * both roots are "/". Mount this at the top of the root app's stack for the webhook path (as
 * core `http in` does for "skip body parsing") to keep the exact bytes. When the stream was
 * already consumed anyway, the middleware falls back to what the parser left: a Buffer body is
 * taken as is; a string or parsed object is re-serialised and `req.rawBodyReserialized` is set.
 * WebhookIngress accepts a re-serialised body only when no HMAC secret is configured (an HMAC
 * cannot be checked over bytes the sender did not sign); with a token only, it works.
 */
export function rawBodyMiddleware(
  maxBytes: number = DEFAULT_MAX_BYTES,
): (req: RawBodyRequest, res: ServerResponse, next: Next) => void {
  const limit = positive(maxBytes, DEFAULT_MAX_BYTES);
  const tooLarge = { ok: false, error: 'TOO_LARGE', message: `body is larger than ${limit} bytes` };
  return (req, res, next) => {
    if (Buffer.isBuffer(req.rawBody)) return next();
    if (req._body || req.readableEnded) {
      const body = req.body;
      if (Buffer.isBuffer(body)) {
        req.rawBody = body;
      } else {
        let text: string | undefined;
        try {
          text = typeof body === 'string' ? body : JSON.stringify(body); // BigInt, cycles throw
        } catch {
          text = undefined;
        }
        req.rawBody = Buffer.from(text ?? '', 'utf8');
        req.rawBodyReserialized = true;
      }
      if (req.rawBody.length > limit) return sendJson(res, 413, tooLarge);
      return next();
    }

    const declared = Number(req.headers['content-length']);
    let refused = false;
    const refuse = (): void => {
      refused = true;
      sendJson(res, 413, tooLarge, true);
      // Drain what is still coming (so the client reads the answer), without keeping it;
      // cut the connection if the sender keeps going far beyond the limit.
      let drained = 0;
      req.on('data', (c: Buffer) => {
        drained += c.length;
        if (drained > limit * 4 + 1024 * 1024) req.destroy();
      });
      req.resume();
    };
    if (Number.isFinite(declared) && declared > limit) return refuse();

    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.removeListener('data', onData);
        chunks.length = 0;
        refuse();
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (refused) return;
      req.rawBody = Buffer.concat(chunks, size);
      req._body = true;
      next();
    });
    req.once('error', (err) => {
      if (!refused) next(err);
    });
  };
}

/**
 * An Express-compatible handler for a route after rawBodyMiddleware: runs the ingress, answers
 * with the outcome's status and JSON body, then hands an accepted event to `onEvent` (errors
 * thrown there go to `onError`, the delivery has been acknowledged already).
 */
export function webhookHandler(
  ingress: WebhookIngressApi,
  onEvent: (event: Record<string, unknown>) => void,
  onError?: (err: unknown) => void,
): (req: RawBodyRequest, res: ServerResponse) => void {
  return (req, res) => {
    const outcome = ingress.handle({
      headers: req.headers,
      rawBody: req.rawBody ?? Buffer.alloc(0),
      reserialized: req.rawBodyReserialized === true,
    });
    sendJson(res, outcome.status, outcome.body);
    if (outcome.status === 200 && outcome.event) {
      try {
        onEvent(outcome.event);
      } catch (err) {
        onError?.(err);
      }
    }
  };
}
