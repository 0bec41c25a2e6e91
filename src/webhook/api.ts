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
  /** How many recent deliveries are remembered to drop repeats. Default 10 000. */
  dedupSize?: number;
}

export interface IngressRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export type IngressOutcome =
  | { status: 200; body: { ok: true; duplicate: boolean }; event?: Record<string, unknown> }
  | { status: 400 | 401 | 413 | 415 | 422; body: { ok: false; error: string; message: string } };

export interface IngressStats {
  accepted: number;
  duplicates: number;
  rejected: Record<string, number>;
}

export interface WebhookIngressApi {
  /** Validate one delivery. `event` is set (once per distinct delivery) when accepted and new. */
  handle(req: IngressRequest): IngressOutcome;
  stats(): IngressStats;
}
