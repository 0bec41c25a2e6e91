/**
 * cc-webrtc-account: the config node of the WebRTC sessions + PSTN bridging family. It owns
 * one WebrtcAccount (src/webrtc) talking to the vendor's REST API or to an embedded WebRTC /
 * Voice simulator, and the account's two callback routes on Node-RED's HTTP server
 * (`<path>/voice`, `<path>/participant`) behind the palette's webhook ingress. Glue only.
 *
 * Start-up: the account core (src/webrtc: account, REST client, callback delivery) and the
 * callback routes are loaded when a cc-webrtc-account node starts, the embedded simulator
 * only in simulator mode; not when Node-RED loads the palette.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { WebrtcBackend, WebrtcEvent } from '../src/webrtc/api';
import { webrtcCatalogueJson } from '../src/webrtc/catalogue';
import type { WebrtcSimulator } from '../src/simulator/webrtc/server';
import type { WebhookRoute } from './lib/webhook-route';
import {
  readWebrtcSettings,
  type WebrtcAccountConfig,
  type WebrtcAccountCredentials,
} from './lib/webrtc-account-settings';
import type { WebrtcAccountNode } from './lib/webrtc-types';

type AccountDef = NodeDef & WebrtcAccountConfig;

const CATALOGUE_PATH = '/cc-webrtc/catalogue';
/** The username the vendor is asked to send back with voice callbacks (the token is the password). */
const CALLBACK_USER = 'cc-webrtc';

export = function ccWebrtcAccount(RED: NodeAPI): void {
  function AccountNode(this: Node<WebrtcAccountCredentials>, config: AccountDef): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node<WebrtcAccountCredentials>, config: AccountDef): void {
    const s = readWebrtcSettings(node.id, config, node.credentials);
    if (s.configError) node.error(`configuration: ${s.configError}`);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { WebrtcAccount } =
      require('../src/webrtc/account') as typeof import('../src/webrtc/account');
    const { deferredBackend } =
      require('../src/webrtc/deferred') as typeof import('../src/webrtc/deferred');
    const { createWebrtcIngress, deliver } =
      require('../src/webrtc/delivery') as typeof import('../src/webrtc/delivery');
    const { WebrtcRestClient } =
      require('../src/webrtc/rest-client') as typeof import('../src/webrtc/rest-client');
    const { addWebhookRoute } =
      require('./lib/webhook-route') as typeof import('./lib/webhook-route');
    /* eslint-enable @typescript-eslint/no-require-imports */

    // The embedded simulator signs its callbacks with a token of its own unless one is set.
    const callbackToken =
      s.callbackToken || (s.mode === 'simulator' ? randomBytes(18).toString('base64url') : '');
    const setting = (name: string): unknown => {
      try {
        return (RED.settings as unknown as Record<string, unknown>)[name];
      } catch {
        return undefined; // the runtime's settings object throws on unknown names
      }
    };
    const root = setting('httpNodeRoot');
    const nodeRoot = (typeof root === 'string' ? root : '/').replace(/\/+$/, '');
    const base = (): string => {
      if (s.callbackBaseUrl) return s.callbackBaseUrl;
      const addr = (RED.server?.address?.() ?? null) as AddressInfo | string | null;
      const port = addr && typeof addr === 'object' ? addr.port : Number(setting('uiPort')) || 1880;
      return `http://127.0.0.1:${port}`;
    };
    const voiceUrl = (): string => `${base()}${nodeRoot}${s.callbackPath}/voice`;
    const participantUrl = (): string => {
      const url = `${base()}${nodeRoot}${s.callbackPath}/participant`;
      // The vendor sends participant callbacks without credentials: the token rides in the URL.
      return s.mode === 'vendor' && callbackToken
        ? `${url}?token=${encodeURIComponent(callbackToken)}`
        : url;
    };

    let simulator: WebrtcSimulator | undefined;
    let backend: Promise<WebrtcBackend>;
    if (s.configError) {
      backend = Promise.reject(new Error(`configuration: ${s.configError}`));
    } else if (s.mode === 'simulator') {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { WebrtcSimulator: Sim } = require('../src/simulator/webrtc/server') as {
        WebrtcSimulator: typeof WebrtcSimulator;
      };
      const password = randomBytes(18).toString('base64url');
      simulator = new Sim({
        speed: s.speed,
        username: 'node-red',
        password,
        callbackToken,
        logger: {
          info: (m) => node.log(m),
          warn: (m) => node.warn(m),
          error: (m) => node.error(m),
        },
      });
      const sim = simulator;
      backend = sim.start().then(
        (urls) =>
          new WebrtcRestClient({
            accountId: sim.accountId,
            username: 'node-red',
            password,
            webrtcBaseUrl: urls.webrtcBaseUrl,
            voiceBaseUrl: urls.voiceBaseUrl,
          }),
      );
    } else {
      backend = Promise.resolve(
        new WebrtcRestClient({
          accountId: s.accountId,
          username: s.username,
          password: s.password,
          webrtcBaseUrl: s.webrtcBaseUrl,
          voiceBaseUrl: s.voiceBaseUrl,
        }),
      );
    }
    backend.catch((err: unknown) => node.error(`start: ${(err as Error)?.message ?? err}`));

    const account = new WebrtcAccount({
      backend: deferredBackend(backend),
      applicationId: s.applicationId || 'simulator',
      voiceCallbackUrl: voiceUrl,
      participantCallbackUrl: participantUrl,
      callbackAuth: callbackToken
        ? { username: CALLBACK_USER, password: callbackToken }
        : undefined,
    });

    const ingress = createWebrtcIngress({
      maxBytes: s.maxBytes,
      token: callbackToken || undefined,
    });
    const routes: WebhookRoute[] = [];
    const onRouteError = (err: unknown): void =>
      node.warn(`callback route: ${(err as Error)?.message ?? String(err)}`);
    try {
      for (const leaf of ['voice', 'participant']) {
        routes.push(
          addWebhookRoute(
            RED,
            `${s.callbackPath}/${leaf}`,
            s.maxBytes,
            (req, res, body) => {
              const q = req.query?.token;
              const answer = deliver(ingress, account, {
                headers: req.headers,
                rawBody: body.rawBody,
                reserialized: body.reserialized,
                queryToken: typeof q === 'string' ? q : undefined,
              });
              if (answer.status !== 200) {
                node.debug(`callback refused: ${answer.status} ${answer.body}`);
              }
              res.status(answer.status).type(answer.contentType).send(answer.body);
            },
            onRouteError,
          ),
        );
      }
    } catch (err) {
      // httpNodeRoot: false turns HTTP node routes off: operations run, callbacks cannot come.
      node.error(`callbacks: ${(err as Error)?.message ?? String(err)}`);
    }

    const api: Omit<WebrtcAccountNode, keyof Node> = {
      account,
      ready: () => backend.then(() => undefined),
      onEvent: (listener: (event: WebrtcEvent) => void) => account.onEvent(listener),
      get pageUrl() {
        return simulator?.started?.pageUrl;
      },
    };
    Object.defineProperties(node, Object.getOwnPropertyDescriptors(api));
    /** For tests and diagnostics: the embedded simulator. */
    Object.defineProperty(node, 'embeddedSimulator', { get: () => simulator });
    Object.defineProperty(node, 'ingressStats', { get: () => ingress.stats() });

    node.on('close', (_removed: boolean, done: () => void) => {
      for (const r of routes) r.close();
      account.close();
      (simulator ? simulator.dispose() : Promise.resolve()).then(
        () => done(),
        () => done(),
      );
    });
  }

  RED.nodes.registerType<
    Node<WebrtcAccountCredentials>,
    AccountDef,
    unknown,
    WebrtcAccountCredentials
  >('cc-webrtc-account', AccountNode, {
    credentials: {
      username: { type: 'text' },
      password: { type: 'password' },
      callbackToken: { type: 'password' },
    },
  });

  RED.httpAdmin.get(
    CATALOGUE_PATH,
    RED.auth.needsPermission('cc-webrtc-account.read'),
    (_req, res) => {
      res.json(webrtcCatalogueJson());
    },
  );
};
