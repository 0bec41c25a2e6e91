/**
 * One callback delivery through the palette's webhook ingress (size limit, authentication,
 * JSON, duplicates dropped) into a WebrtcAccount, and the HTTP answer to give: BXML for a
 * voice callback that needs it, else the ingress's JSON.
 *
 * The vendor authenticates voice callbacks with Basic auth (the username / password given on
 * createCall and modifyCall); the ingress expects the shared token, so a Basic password is
 * read as the token. Participant callbacks carry no credentials at the vendor: their URL
 * holds the token as `?token=` (the simulator sends a Bearer header instead).
 */
import { WebhookIngress } from '../webhook/ingress';
import type { IngressRequest, WebhookIngressApi } from '../webhook/api';
import type { WebrtcAccount } from './account';
import { validateWebrtcCallback } from './callbacks';

export interface DeliveryAnswer {
  status: number;
  contentType: string;
  body: string;
}

export function createWebrtcIngress(options: {
  maxBytes?: number;
  token?: string;
}): WebhookIngressApi {
  return new WebhookIngress({
    maxBytes: options.maxBytes,
    token: options.token,
    validate: validateWebrtcCallback,
  });
}

/** Headers with a Basic password or a `?token=` query turned into the ingress's token header. */
export function tokenHeaders(
  headers: IngressRequest['headers'],
  query?: string | null,
): IngressRequest['headers'] {
  const out = { ...headers };
  const authz = typeof out.authorization === 'string' ? out.authorization : undefined;
  const basic = authz ? /^Basic\s+(\S+)\s*$/i.exec(authz) : null;
  if (basic && out['x-cc-token'] === undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    out['x-cc-token'] = colon >= 0 ? decoded.slice(colon + 1) : decoded;
    delete out.authorization;
  } else if (query && out['x-cc-token'] === undefined && !authz) {
    out['x-cc-token'] = query;
  }
  return out;
}

export function deliver(
  ingress: WebhookIngressApi,
  account: WebrtcAccount | undefined,
  req: IngressRequest & { queryToken?: string | null },
): DeliveryAnswer {
  const outcome = ingress.handle({
    headers: tokenHeaders(req.headers, req.queryToken),
    rawBody: req.rawBody,
    reserialized: req.reserialized,
  });
  if (outcome.status === 200 && outcome.event && account) {
    const { bxml } = account.handleCallback(outcome.event);
    if (bxml) return { status: 200, contentType: 'application/xml; charset=utf-8', body: bxml };
  }
  return {
    status: outcome.status,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(outcome.body),
  };
}
