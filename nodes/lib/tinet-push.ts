/**
 * The Tinet push path of a cc-gateway set to platform Tinet: a route on Node-RED's HTTP server
 * (POST form or JSON, or GET) with the webhook ingress rules (raw body, token, size limit,
 * duplicates dropped; src/webhook, Tinet preset), each accepted push handed to the gateway
 * client, whose Tinet link maps it onto the agent family. Glue only.
 */
import type { Node, NodeAPI } from 'node-red';
import type { GatewayClientApi } from '../../src/client/api';
import type { IngressOptions, WebhookIngressApi } from '../../src/webhook/api';
import { DEFAULT_MAX_BYTES } from '../../src/webhook/limits';
import { TINET_PUSH_PRESET } from '../../src/webhook/presets';
import { startWebhook } from './webhook-node';

function createIngress(options: IngressOptions): WebhookIngressApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../src/webhook/ingress') as {
    WebhookIngress: new (o: IngressOptions) => WebhookIngressApi;
  };
  return new mod.WebhookIngress(options);
}

/**
 * Open the push path. `token` (never logged) is what pushes must carry (`?token=` or
 * x-cc-token); without one the path is open to anyone and the node warns. Returns the close
 * function, or undefined when the path could not open (reported through node.error / warn).
 */
export function startTinetPush(
  RED: NodeAPI,
  node: Node,
  path: string,
  token: string | undefined,
  client: () => GatewayClientApi | undefined,
): (() => void) | undefined {
  return startWebhook(RED, node, {
    type: 'cc-gateway.tinetPush',
    path,
    maxBytes: DEFAULT_MAX_BYTES,
    config: { auth: token ? 'token' : 'none' },
    credentials: { token },
    status: { setError: () => undefined },
    preset: TINET_PUSH_PRESET,
    alsoGet: true,
    createIngress,
    onEvent: (push) => {
      if (!client()?.push(push)) {
        // Answered 500: Tinet retries (up to 3 times) while the connection comes up.
        throw new Error(
          'no Tinet connection is ready for this push (nothing uses the gateway yet)',
        );
      }
    },
  });
}
