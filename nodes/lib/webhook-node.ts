/**
 * Glue shared by webhook-mode nodes: decides the authentication (src/webhook/auth.ts), refuses
 * to open a webhook whose secret cannot be read, warns when it is open to anyone, honours
 * `httpNodeRoot: false`, registers the route (./webhook-route.ts) and answers each delivery
 * with the ingress's outcome. A failure after acceptance is a 500 with a code and a fixed
 * message; its detail goes to node.error (a Catch node sees it), never to the sender.
 *
 * Locale keys used, under `<type>.`: errors.no-path, errors.http-disabled, errors.bad-auth,
 * errors.secret-missing, errors.secret-in-flows, warnings.no-auth, warnings.replay-ignored,
 * label.token, label.hmacSecret.
 */
import type { Node, NodeAPI } from 'node-red';
import type { IngressOptions, WebhookIngressApi } from '../../src/webhook/api';
import { planWebhookAuth } from '../../src/webhook/auth';
import { errorBody, INTERNAL_MESSAGE } from '../../src/webhook/http';
import type { EventStatus } from './event-node';
import { addWebhookRoute, webhookRoutesEnabled, type WebhookHost } from './webhook-route';

export interface WebhookNodeOptions {
  /** The node type: the prefix of its locale keys. */
  type: string;
  /** The route path as configured. */
  path: string;
  maxBytes: number;
  /** The node's configuration (auth, replayWindowS; scanned for secrets left in it). */
  config: Record<string, unknown>;
  credentials: { token?: unknown; hmacSecret?: unknown } | undefined;
  status: Pick<EventStatus, 'setError'>;
  /** Vendor preset options for the ingress (src/webhook/presets.ts). */
  preset?: Partial<IngressOptions>;
  /** Also answer GET on the path (the fields in the query). */
  alsoGet?: boolean;
  createIngress(options: IngressOptions): WebhookIngressApi;
  /** An accepted, new delivery. A throw answers 500 and goes to node.error. */
  onEvent(event: Record<string, unknown>): void;
}

/**
 * Start the webhook. Returns its close function, or undefined when it did not start (the
 * reason was reported through node.error or node.warn and the status).
 */
export function startWebhook(
  RED: NodeAPI,
  node: Node,
  o: WebhookNodeOptions,
): (() => void) | undefined {
  const t = o.type;
  const stop = (text: string, asWarning = false): undefined => {
    o.status.setError(text);
    if (asWarning) node.warn(text);
    else node.error(text);
    return undefined;
  };
  const path = o.path.trim();
  if (!path) return stop(RED._(`${t}.errors.no-path`));
  if (!webhookRoutesEnabled(RED as unknown as WebhookHost)) {
    return stop(RED._(`${t}.errors.http-disabled`), true);
  }
  const plan = planWebhookAuth({
    mode: o.config.auth,
    credentials: o.credentials,
    config: o.config,
    replayWindowS: o.config.replayWindowS,
  });
  if (!plan.ok) {
    const field = plan.field ? RED._(`${t}.label.${plan.field}`) : '';
    return stop(
      RED._(`${t}.errors.${plan.code === 'bad-mode' ? 'bad-auth' : plan.code}`, { field }),
    );
  }
  if (plan.open) node.warn(RED._(`${t}.warnings.no-auth`, { path }));
  if (plan.replayIgnored) node.warn(RED._(`${t}.warnings.replay-ignored`));

  const ingress = o.createIngress({
    ...o.preset,
    maxBytes: o.maxBytes,
    token: plan.token,
    hmacSecret: plan.hmacSecret,
    replayWindowS: plan.replayWindowS,
  });
  const route = addWebhookRoute(
    RED as unknown as WebhookHost,
    path,
    o.maxBytes,
    (req, res, body) => {
      const outcome = ingress.handle({
        headers: req.headers,
        rawBody: body.rawBody,
        tooLarge: body.tooLarge,
        reserialized: body.reserialized,
        query: queryOf(req.originalUrl || req.url),
      });
      if (outcome.status === 200 && outcome.event) {
        try {
          o.onEvent(outcome.event);
        } catch (err) {
          // Not accepted after all: a 500 (the sender retries) and an error a Catch node sees.
          const message = (err as Error)?.message ?? String(err);
          node.error(new Error(`webhook: ${message}`), { payload: outcome.event });
          res.status(500).json(errorBody('INTERNAL', INTERNAL_MESSAGE));
          return;
        }
      } else if (outcome.status !== 200) {
        node.debug(`${outcome.status} ${outcome.body.error}: ${outcome.body.message}`);
      }
      res.status(outcome.status).json(outcome.body);
    },
    (err) => node.warn(`webhook ${path}: ${(err as Error)?.message ?? String(err)}`),
    o.alsoGet === true,
  );
  return () => route.close();
}

function queryOf(url: string | undefined): string {
  const q = (url ?? '').indexOf('?');
  return q >= 0 ? (url as string).slice(q + 1) : '';
}
