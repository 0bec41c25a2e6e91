/**
 * cc-dialog-events: dialog events (seed 003) from the gateway subscription or from an HTTP
 * webhook path on Node-RED's HTTP server. Glue only: the hub tracks, the ingress validates.
 */
import type { BatchConfig } from './lib/event-batch';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { EventHubApi, TrackedEvent } from '../src/hub/api';
import type { EventHubOptions } from '../src/hub/event-hub';
import { takeData, takeDialog } from '../src/hub/take';
import type { IngressOptions, WebhookIngressApi } from '../src/webhook/api';
import { attachToGateway, EventStatus, filterSet, passes } from './lib/event-node';
import { startGatewaySource } from './lib/event-source';
import { DEFAULT_MAX_KB, projectOf } from './lib/event-dialog';

const TYPE = 'cc-dialog-events';

/** The ingress is loaded only by webhook-mode nodes. */
function createIngress(options: IngressOptions): WebhookIngressApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../src/webhook/ingress') as {
    WebhookIngress: new (o: IngressOptions) => WebhookIngressApi;
  };
  return new mod.WebhookIngress(options);
}

/** The hub and its tracker are loaded only by a webhook node without a gateway to share. */
function createOwnHub(options: EventHubOptions): EventHubApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../src/hub/event-hub') as {
    createEventHub: (client: undefined, o: EventHubOptions) => EventHubApi;
  };
  return mod.createEventHub(undefined, options);
}

interface DialogEventsDef extends NodeDef, BatchConfig {
  gateway?: string;
  source?: 'gateway' | 'webhook';
  path?: string;
  maxKb?: number | string;
  /** token, hmac, both or none (an explicit choice); unset on nodes saved before it existed. */
  auth?: string;
  /** The sender: `conpeek` (default, also for nodes saved before it existed) or `strict`. */
  preset?: string;
  /** Replay window in seconds (HMAC only); 0 or unset: off. */
  replayWindowS?: number | string;
  events?: string[] | string;
  dialogTypes?: string[] | string;
  states?: string[] | string;
  directions?: string[] | string;
  projects?: string[] | string;
}

interface DialogEventsCredentials {
  token?: string;
  hmacSecret?: string;
}

export = function register(RED: NodeAPI): void {
  function DialogEventsNode(this: Node<DialogEventsCredentials>, config: DialogEventsDef): void {
    RED.nodes.createNode(this, config);
    const names = filterSet(config.events);
    const types = filterSet(config.dialogTypes);
    const states = filterSet(config.states);
    const directions = filterSet(config.directions);
    const projects = filterSet(config.projects);

    const accept = (event: TrackedEvent): boolean => {
      if (names && !names.has(event.name)) return false;
      const data = event.data;
      const snap = event.dialog?.dialog;
      if (types && !passes(types, snap?.dialog_type ?? data.dialog_type)) return false;
      if (states && !passes(states, data.state ?? snap?.state)) return false;
      if (directions && !passes(directions, snap?.business_direction ?? data.business_direction)) {
        return false;
      }
      if (projects && !projectOf(snap, data, event.dialog?.call).some((p) => projects.has(p)))
        return false;
      return true;
    };

    const build = (event: TrackedEvent): NodeMessage => {
      // This message's own snapshots (copied at most once per event; more nodes, more copies).
      const { dialog, call } = takeDialog(event.dialog);
      const msg: NodeMessage = {
        topic: event.name,
        payload: takeData(event),
        dialog,
        call,
        source: event.source,
      };
      if (event.name === 'dialog_close') {
        msg.closedBy = event.closedBy;
        msg.closeCause = event.data.close_cause;
      }
      return msg;
    };

    if ((config.source ?? 'gateway') === 'gateway') {
      startGatewaySource(RED, this, config.gateway, {
        type: TYPE,
        output: config,
        family: 'dialog',
        accept,
        build,
      });
      return;
    }

    // Webhook mode.
    const status = new EventStatus(RED, this, TYPE, 'listening');
    const maxKb = Number(config.maxKb);
    const maxBytes = Math.round(
      (Number.isFinite(maxKb) && maxKb > 0 ? maxKb : DEFAULT_MAX_KB) * 1024,
    );
    let hub: EventHubApi | undefined;
    let detach: (removed: boolean) => Promise<void> = () => Promise.resolve();
    // The route glue and the presets are loaded only by webhook-mode nodes.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { startWebhook } = require('./lib/webhook-node') as typeof import('./lib/webhook-node');
    const { dialogPreset } =
      require('../src/webhook/presets') as typeof import('../src/webhook/presets');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const closeRoute = startWebhook(RED, this, {
      type: TYPE,
      path: config.path ?? '',
      maxBytes,
      config: config as unknown as Record<string, unknown>,
      credentials: this.credentials,
      status,
      preset: dialogPreset(config.preset),
      createIngress,
      onEvent: (body) => {
        const event = hub!.ingestDialogBody(body);
        if (accept(event)) {
          status.event(event.name);
          this.send(build(event));
        }
      },
    });
    if (closeRoute) {
      const shared = config.gateway
        ? attachToGateway(RED, this, config.gateway, undefined, status, undefined)
        : undefined;
      if (shared) {
        hub = shared.hub;
        detach = shared.detach;
      } else {
        const own = createOwnHub({
          onError: (err) => this.warn(`call tracker: ${(err as Error)?.message ?? String(err)}`),
        });
        hub = own;
        detach = () => own.close();
      }
    }

    this.on('close', (removed: boolean, done: () => void) => {
      closeRoute?.();
      status.close();
      detach(removed).then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType<
    Node<DialogEventsCredentials>,
    DialogEventsDef,
    unknown,
    DialogEventsCredentials
  >('cc-dialog-events', DialogEventsNode, {
    credentials: { token: { type: 'password' }, hmacSecret: { type: 'password' } },
  });
};
