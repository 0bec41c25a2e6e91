/**
 * Webhook source presets, one per vendor: a user picks the vendor, not a list of parsing
 * options. Each preset is a set of ingress options (./api.ts).
 *
 * - `conpeek`: Conpeek dialog webhooks (`user_dialog` events). The content type the vendor sends
 *   is not documented, so a body that parses as JSON is accepted whatever its content type;
 *   other Conpeek event classes posted to the same URL (e.g. `voice_campaign`) are answered 200,
 *   counted and not emitted, so the vendor stops retrying them.
 * - `strict`: JSON only (`content-type: application/json`), every body a dialog body (422
 *   otherwise): for senders you control.
 * - `tinetPush`: Tinet HTTP push (src/platforms/tinet/push.ts): POST form or JSON, or GET; the
 *   push type from `?type=<N>`; the token may come as `?token=` (Tinet cannot add headers).
 */
import type { ParsedPush } from '../platforms/tinet/push';
import type { IngressOptions, IngressRequest } from './api';

export const WEBHOOK_PRESETS = ['conpeek', 'strict'] as const;
export type DialogWebhookPreset = (typeof WEBHOOK_PRESETS)[number];

/** The class of a Conpeek delivery that is not a dialog event, or undefined for a dialog one. */
export function conpeekOtherClass(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const t = (body as Record<string, unknown>).event_type;
  return typeof t === 'string' && t !== 'user_dialog' ? t : undefined;
}

/** Ingress options of a dialog webhook preset (unknown names: Conpeek, the default). */
export function dialogPreset(name: unknown): Partial<IngressOptions> {
  if (name === 'strict') return {};
  return { anyContentType: true, acknowledge: conpeekOtherClass };
}

function headerOf(req: IngressRequest, name: string): string | undefined {
  const v = req.headers[name] ?? req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Ingress options for Tinet pushes: the accepted event is the ParsedPush. The Tinet push parser
 * is loaded with the first push (a dialog webhook never needs it).
 */
export const TINET_PUSH_PRESET: Partial<IngressOptions> = {
  parse: (raw, req) => {
    const { parsePush } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../platforms/tinet/push') as typeof import('../platforms/tinet/push');
    const p = parsePush({
      query: req.query,
      contentType: headerOf(req, 'content-type'),
      body: raw,
    });
    return p.ok ? { ok: true, value: p } : { ok: false, message: p.message };
  },
  validate: (v) => ({ ok: true, value: v as ParsedPush }),
  tokenQueryParam: 'token',
};
