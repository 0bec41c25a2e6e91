/**
 * How a webhook authenticates its senders, decided once at start from the node's settings.
 *
 * - `token`, `hmac`, `both`: the named secrets must be readable from Node-RED's credentials;
 *   one that is not (never entered, or written into the flows file where Node-RED does not read
 *   secrets) stops the webhook with a clear error instead of opening it to anyone.
 * - `none`: an explicit choice to accept posts from anyone; the node warns at start.
 * - unset (a node saved before the choice existed): whatever secrets are readable; none at all
 *   opens the webhook as before, with the same warning. A secret found in the flows file but
 *   not in the credentials still stops the webhook.
 * Framework-free: the node turns the codes into localised text.
 */

export const WEBHOOK_AUTH_MODES = ['token', 'hmac', 'both', 'none'] as const;
export type WebhookAuthMode = (typeof WEBHOOK_AUTH_MODES)[number];

/** The secret fields, as named in the credentials (and, by mistake, in a flows file). */
export type WebhookSecretField = 'token' | 'hmacSecret';

export interface WebhookAuthInput {
  /** The editor's choice; undefined for nodes saved before the choice existed. */
  mode?: unknown;
  /** The node's credentials, as Node-RED read them from the credentials file. */
  credentials?: Partial<Record<WebhookSecretField, unknown>> | null;
  /** The node's configuration as read from the flows file (to find secrets left there). */
  config?: Record<string, unknown> | null;
  /** Replay window in seconds asked for in the settings (0 / unset: off). */
  replayWindowS?: unknown;
}

export type WebhookAuthPlan =
  | {
      ok: true;
      mode: WebhookAuthMode;
      token?: string;
      hmacSecret?: string;
      /** Seconds; 0 when off. */
      replayWindowS: number;
      /** Anyone can post: warn at start. */
      open: boolean;
      /** A replay window was asked for without an HMAC secret to carry it: warn. */
      replayIgnored: boolean;
    }
  | {
      ok: false;
      /**
       * bad-mode: not one of WEBHOOK_AUTH_MODES; secret-missing: a secret the mode needs is not
       * in the credentials; secret-in-flows: it is in the flows file, where it is not read.
       */
      code: 'bad-mode' | 'secret-missing' | 'secret-in-flows';
      field?: WebhookSecretField;
    };

function readable(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/** A secret written into the node's flows-file configuration (plain or under `credentials`). */
function leftInFlows(config: WebhookAuthInput['config'], field: WebhookSecretField): boolean {
  if (!config || typeof config !== 'object') return false;
  if (readable(Object.hasOwn(config, field) ? config[field] : undefined)) return true;
  const c = Object.hasOwn(config, 'credentials') ? config.credentials : undefined;
  return (
    typeof c === 'object' &&
    c !== null &&
    Object.hasOwn(c, field) &&
    readable((c as Record<string, unknown>)[field])
  );
}

export function planWebhookAuth(input: WebhookAuthInput): WebhookAuthPlan {
  const creds = input.credentials ?? {};
  const token = readable(creds.token) ? creds.token : undefined;
  const hmacSecret = readable(creds.hmacSecret) ? creds.hmacSecret : undefined;
  const w = Number(input.replayWindowS);
  const window = Number.isFinite(w) && w > 0 ? Math.floor(w) : 0;
  const asked = input.mode === undefined || input.mode === '' ? undefined : input.mode;
  if (asked !== undefined && !(WEBHOOK_AUTH_MODES as readonly unknown[]).includes(asked)) {
    return { ok: false, code: 'bad-mode' };
  }
  const mode = asked as WebhookAuthMode | undefined;
  const needed: WebhookSecretField[] =
    mode === 'token'
      ? ['token']
      : mode === 'hmac'
        ? ['hmacSecret']
        : mode === 'both'
          ? ['token', 'hmacSecret']
          : [];
  const have: Record<WebhookSecretField, string | undefined> = { token, hmacSecret };
  // A secret in the flows file is never read: say so, whatever the mode asked for.
  for (const field of ['token', 'hmacSecret'] as const) {
    if (!have[field] && leftInFlows(input.config, field) && mode !== 'none') {
      return { ok: false, code: 'secret-in-flows', field };
    }
  }
  for (const field of needed) {
    if (!have[field]) return { ok: false, code: 'secret-missing', field };
  }
  if (mode === 'none') {
    return { ok: true, mode, replayWindowS: 0, open: true, replayIgnored: window > 0 };
  }
  const useToken = mode === undefined ? token : needed.includes('token') ? token : undefined;
  const useHmac =
    mode === undefined ? hmacSecret : needed.includes('hmacSecret') ? hmacSecret : undefined;
  const effective: WebhookAuthMode =
    mode ?? (useToken && useHmac ? 'both' : useHmac ? 'hmac' : useToken ? 'token' : 'none');
  return {
    ok: true,
    mode: effective,
    ...(useToken ? { token: useToken } : {}),
    ...(useHmac ? { hmacSecret: useHmac } : {}),
    replayWindowS: useHmac ? window : 0,
    open: !useToken && !useHmac,
    replayIgnored: window > 0 && !useHmac,
  };
}
