/**
 * Contract of the webhook ingress (implemented in ./ingress.ts): framework-free handling of a
 * dialog webhook delivery. The HTTP glue (Express on Node-RED's httpNode) passes the raw body.
 */
export interface IngressOptions {
  /** Largest accepted body in bytes. Default 256 KiB. */
  maxBytes?: number;
  /** Shared secret expected in the `x-cc-token` header (or `Authorization: Bearer`). */
  token?: string;
  /** HMAC-SHA256 secret: the `x-cc-signature` header must be `sha256=<hex of HMAC(raw body)>`. */
  hmacSecret?: string;
  /**
   * Replay protection (with hmacSecret only), in seconds; 0 or unset: off. When set, every
   * delivery carries `x-cc-timestamp: <unix seconds>` and the signature covers
   * `<timestamp>.<raw body>`; a timestamp further than this from the receiver's clock is refused.
   */
  replayWindowS?: number;
  /** The clock, in milliseconds (tests). Default Date.now. */
  now?: () => number;
  /** How many recent deliveries are remembered to drop repeats. Default 10 000. */
  dedupSize?: number;
  /**
   * The body check (422 with its message when it fails). Default: a dialog webhook body.
   * Other callback families (helpdesk chat callbacks) pass their own.
   */
  validate?: (body: unknown) => { ok: true; value: object } | { ok: false; message: string };
  /**
   * Accept a body whatever its content-type says (or when it has none), as long as it parses.
   * The Conpeek preset turns it on: the vendor's content type is not documented. A compressed
   * body is still refused (415).
   */
  anyContentType?: boolean;
  /**
   * Deliveries of another event class on the same URL: when this returns a class name for a
   * parsed body, the delivery is answered 200 (`ignored`), counted by class and not emitted,
   * so the vendor stops retrying it (e.g. a Conpeek `voice_campaign` event on a dialog URL).
   */
  acknowledge?: (body: unknown) => string | undefined;
  /**
   * Read the body instead of JSON.parse (a vendor that posts forms or sends GET queries, e.g.
   * Tinet pushes). Implies anyContentType; an empty body is the parser's to judge. Its failure
   * is a 400 with its message; `validate` then checks the value.
   */
  parse?: (
    raw: Buffer,
    req: IngressRequest,
  ) => { ok: true; value: unknown } | { ok: false; message: string };
  /**
   * The token may also come as this query parameter of the request URL (for senders that
   * cannot add headers). The request must then pass `query`.
   */
  tokenQueryParam?: string;
}

export interface IngressRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /**
   * True when the body was longer than the limit and was not (fully) read: rawBody holds at
   * most what was read before the limit was known to be passed. Refused with 413.
   */
  tooLarge?: boolean;
  /**
   * True when the exact bytes were gone (a body parser consumed the stream first) and rawBody
   * was re-serialised from the parsed body. Accepted only when no HMAC secret is configured:
   * a signature cannot be checked over bytes the sender did not sign (401 with that message).
   */
  reserialized?: boolean;
  /** The request URL's query string (with or without `?`): for `parse` and `tokenQueryParam`. */
  query?: string;
}

/** The `error` codes of refusals, by HTTP status. */
export type IngressErrorCode =
  'BAD_JSON' | 'UNAUTHORIZED' | 'TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'BAD_EVENT' | 'INTERNAL';

export type IngressOutcome =
  | {
      status: 200;
      /** `ignored`: the delivery's event class, acknowledged and not emitted (see acknowledge). */
      body: { ok: true; duplicate: boolean; ignored?: string };
      event?: Record<string, unknown>;
    }
  | {
      status: 400 | 401 | 413 | 415 | 422;
      body: { ok: false; error: IngressErrorCode; message: string };
    };

export interface IngressStats {
  accepted: number;
  duplicates: number;
  /**
   * Refusals by reason: too_large, content_type, content_encoding, token_missing,
   * token_invalid, signature_missing, signature_malformed, signature_invalid,
   * signature_unverifiable, timestamp_missing, timestamp_malformed, timestamp_stale,
   * bad_json, schema, bad_request.
   */
  rejected: Record<string, number>;
  /** Deliveries acknowledged and not emitted, by event class (see IngressOptions.acknowledge). */
  ignored: Record<string, number>;
}

export interface WebhookIngressApi {
  /** Validate one delivery. `event` is set (once per distinct delivery) when accepted and new. */
  handle(req: IngressRequest): IngressOutcome;
  stats(): IngressStats;
}
