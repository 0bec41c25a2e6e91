/**
 * cc-chat-app: the helpdesk chat application (config node). It owns the chat client, the
 * callback route on Node-RED's HTTP server (the palette's webhook ingress through
 * lib/webhook-node.ts: raw body, token or HMAC, size limit, duplicates dropped, here with the
 * chat callback schema) and, by default, an embedded chat simulator whose callbacks come back
 * to that route. Glue only: the logic is in src/chat and src/simulator/chat.
 *
 * Start-up: the chat client, the callback route and ingress and the embedded simulator are
 * loaded when a cc-chat-app node starts (the simulator only in embedded mode), not when
 * Node-RED loads the palette.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ChatCallback } from '../src/chat/api';
import { CHAT_EVENT_KINDS, CHAT_OPERATIONS } from '../src/chat/catalogue';
import type { ChatClient } from '../src/chat/client';
import type { ChatSimulator } from '../src/simulator/chat/server';
import type { IngressOptions, WebhookIngressApi } from '../src/webhook/api';
import type { ChatAppNode, ChatAppState } from './lib/chat-app';
import { EventStatus } from './lib/event-node';

const TYPE = 'cc-chat-app';

interface ChatAppDef extends NodeDef {
  mode?: 'embedded' | 'remote';
  discoveryUrl?: string;
  callbackPath?: string;
  /** How the server reaches this Node-RED; default http://127.0.0.1:<the port it listens on>. */
  callbackBase?: string;
  /** Callback authentication (remote servers): token, hmac, both or none. */
  auth?: string;
  speed?: number | string;
  maxKb?: number | string;
  scenario?: string;
}

interface ChatAppCredentials {
  secret?: string;
  callbackToken?: string;
  callbackHmacSecret?: string;
}

const CATALOGUE_PATH = '/cc-chat/catalogue';

/* Loaded when a node starts (see the header). */
function newChatClient(o: ConstructorParameters<typeof ChatClient>[0]): ChatClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../src/chat/client') as typeof import('../src/chat/client');
  return new mod.ChatClient(o);
}
function newCallbackIngress(o: IngressOptions): WebhookIngressApi {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { WebhookIngress } =
    require('../src/webhook/ingress') as typeof import('../src/webhook/ingress');
  const { validateCallback } =
    require('../src/chat/envelope') as typeof import('../src/chat/envelope');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new WebhookIngress({ ...o, validate: (b) => validateCallback(b) });
}
function newChatSimulator(o: ConstructorParameters<typeof ChatSimulator>[0]): ChatSimulator {
  const mod =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../src/simulator/chat/server') as typeof import('../src/simulator/chat/server');
  return new mod.ChatSimulator(o);
}

function num(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export = function register(RED: NodeAPI): void {
  const settings = RED.settings as unknown as { uiPort?: number; httpNodeRoot?: unknown };

  /** The port Node-RED listens on (once it does), else the configured uiPort. */
  function nodeRedBase(): Promise<string> {
    const server = (RED as unknown as { server?: import('node:http').Server }).server;
    const port = (): number | undefined => (server?.address() as AddressInfo | null)?.port;
    if (!server || port() !== undefined || typeof server.once !== 'function') {
      return Promise.resolve(`http://127.0.0.1:${port() ?? settings.uiPort ?? 1880}`);
    }
    return new Promise((resolve) =>
      server.once('listening', () => resolve(`http://127.0.0.1:${port() ?? 1880}`)),
    );
  }

  function ChatAppConfig(this: Node<ChatAppCredentials>, config: ChatAppDef): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node<ChatAppCredentials>, config: ChatAppDef): void {
    const creds = node.credentials ?? {};
    const embedded = (config.mode ?? 'embedded') === 'embedded';
    const path = `/${(config.callbackPath || '/chat/callbacks').trim().replace(/^\/+/, '')}`;
    const root = typeof settings.httpNodeRoot === 'string' ? settings.httpNodeRoot : '/';
    const routePath = `${root}/${path}`.replace(/\/{2,}/g, '/');
    const maxBytes = Math.round(num(config.maxKb, 256) * 1024);
    const client = newChatClient({
      discoveryUrl: embedded ? '' : (config.discoveryUrl ?? '').trim(),
      secret: creds.secret || undefined,
    });
    const states = new EventEmitter();
    states.setMaxListeners(0); // one listener per chat node using this app
    let state: ChatAppState = { state: 'idle' };
    const setState = (s: ChatAppState): void => {
      state = s;
      states.emit('state', s);
    };
    let callbackUrl = config.callbackBase
      ? `${config.callbackBase.replace(/\/+$/, '')}${routePath}`
      : `http://127.0.0.1:${settings.uiPort ?? 1880}${routePath}`;

    // Callbacks: embedded, a random token unless one is set (the simulator sends it); remote,
    // the authentication chosen in the editor.
    const token = creds.callbackToken || (embedded ? randomBytes(24).toString('hex') : undefined);
    const status = new EventStatus(RED, node, TYPE, 'listening');
    const { startWebhook } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('./lib/webhook-node') as typeof import('./lib/webhook-node');
    const closeRoute = startWebhook(RED, node, {
      type: TYPE,
      path,
      maxBytes,
      config: {
        auth: embedded ? 'token' : config.auth,
        token: (config as unknown as Record<string, unknown>).callbackToken,
        hmacSecret: (config as unknown as Record<string, unknown>).callbackHmacSecret,
      },
      credentials: { token, hmacSecret: creds.callbackHmacSecret },
      status,
      createIngress: newCallbackIngress,
      onEvent: (body) => client.handleCallback(body as unknown as ChatCallback),
    });

    let sim: ChatSimulator | undefined;
    const discover = (): void => {
      client.discover().then(
        () => setState({ state: 'ready' }),
        (err: Error) => setState({ state: 'failed', error: err.message }),
      );
    };
    if (embedded) {
      let scenario: unknown;
      try {
        scenario = config.scenario ? JSON.parse(config.scenario) : undefined;
      } catch (err) {
        node.error(`scenario: not JSON: ${(err as Error).message}`);
      }
      sim = newChatSimulator({
        speed: num(config.speed, 1),
        secret: creds.secret || undefined,
        callbackToken: token,
        callbackHmacSecret: creds.callbackHmacSecret || undefined,
        scenario: scenario as never,
        logger: {
          info: (m) => node.log(m),
          warn: (m) => node.warn(m),
          error: (m) => node.error(m),
        },
      });
      const started = sim;
      Promise.all([started.start(), config.callbackBase ? undefined : nodeRedBase()]).then(
        ([{ discoveryUrl, url }, base]) => {
          if (base) callbackUrl = `${base}${routePath}`;
          started.addCallbackUrl(callbackUrl);
          node.log(`embedded chat simulator on ${url} (visitor page ${url}/chat/visitor.html)`);
          client.setDiscoveryUrl(discoveryUrl);
          discover();
        },
        (err: Error) => setState({ state: 'failed', error: err.message }),
      );
    } else if (!config.discoveryUrl) {
      setState({ state: 'failed', error: 'no discovery URL' });
    } else discover();

    const api: Omit<ChatAppNode, keyof Node> = {
      chat: client,
      get appState() {
        return state;
      },
      watch(onState) {
        states.on('state', onState);
        onState(state);
        return () => states.off('state', onState);
      },
      get callbackUrl() {
        return callbackUrl;
      },
      get simulatorUrl() {
        return sim?.url || undefined;
      },
    };
    Object.defineProperties(node, Object.getOwnPropertyDescriptors(api));
    Object.defineProperty(node, 'embeddedSimulator', { get: () => sim });

    node.on('close', (_removed: boolean, done: () => void) => {
      closeRoute?.();
      status.close();
      client.close();
      states.removeAllListeners();
      if (!sim) return done();
      sim.stop().then(done, () => done());
    });
  }

  RED.nodes.registerType<Node<ChatAppCredentials>, ChatAppDef, unknown, ChatAppCredentials>(
    TYPE,
    ChatAppConfig,
    {
      credentials: {
        secret: { type: 'password' },
        callbackToken: { type: 'password' },
        callbackHmacSecret: { type: 'password' },
      },
    },
  );

  RED.httpAdmin.get(CATALOGUE_PATH, RED.auth.needsPermission('cc-chat-app.read'), (_req, res) => {
    res.json({ operations: CHAT_OPERATIONS, events: CHAT_EVENT_KINDS });
  });
};
