/**
 * cc-gateway: the config node every contact-center node uses. It owns one gateway connection
 * (or an embedded simulator and a connection to it), shared by all its users. The lifecycle is
 * in lib/gateway-connection.ts; this file is the Node-RED glue.
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { ConnectionStatus, GatewayClientApi, Logger, Notice } from '../src/client/api';
import type { EventHubApi } from '../src/hub/api';
import { catalogueJson } from '../src/protocol/catalogue';
import { platformsJson } from '../src/platforms';
import { CALLS_TOPIC, callsFeed } from './lib/calls-feed';
import { Handover } from '../src/lifecycle/handover';
import { GatewayConnection, type GatewaySettings } from './lib/gateway-connection';
import { onFlowsStoppedForGood } from './lib/redeploy';
import {
  applyTlsConfig,
  readGatewaySettings,
  verificationOff,
  type GatewayCredentials,
  type GatewayNodeConfig,
} from './lib/gateway-settings';
import type { GatewayConfigNode } from './lib/types';

type GatewayDef = NodeDef & GatewayNodeConfig;

/** Admin endpoint the editors read the operation catalogue from. */
const CATALOGUE_PATH = '/cc-contact-center/catalogue';
/** Admin endpoints of the editor's calls sidebar (changes then come on comms CALLS_TOPIC). */
const CALLS_PATH = '/cc-contact-center/calls';

/**
 * Connections of config nodes being redeployed, by node id: the replacing node takes its
 * predecessor's connection when the settings are the same (the session goes on), else it is
 * closed. One per process, like the nodes' ids.
 */
const connections = new Handover<GatewayConnection>({
  expire: (connection) => {
    connection.close().catch(() => undefined);
  },
});

/** The settings a connection was built from, as a digest (the password is in them). */
function fingerprint(settings: GatewaySettings): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('base64');
}

/**
 * This Node-RED's own HTTP address (where an embedded simulator sends Tinet pushes): the port
 * its server listens on when it already does (uiPort may be 0, "any free port"), else uiPort.
 */
function localHttpBase(RED: NodeAPI): string {
  const setting = (name: string): unknown => {
    try {
      return (RED.settings as unknown as Record<string, unknown>)[name];
    } catch {
      return undefined; // the runtime's settings object throws on unknown names
    }
  };
  const server = (RED as unknown as { server?: { address?: () => unknown } }).server;
  const addr = typeof server?.address === 'function' ? server.address() : null;
  const listening = addr && typeof addr === 'object' ? (addr as AddressInfo).port : undefined;
  const port = listening || Number(setting('uiPort')) || 1880;
  const root = setting('httpNodeRoot');
  const path = typeof root === 'string' ? root.replace(/\/+$/, '') : '';
  return `http://127.0.0.1:${port}${path}`;
}

export = function ccGateway(RED: NodeAPI): void {
  function GatewayNode(this: Node<GatewayCredentials>, config: GatewayDef): void {
    RED.nodes.createNode(this, config);
    setUp(this, config);
  }

  function setUp(node: Node<GatewayCredentials>, config: GatewayDef): void {
    const settings = applyTlsConfig(
      readGatewaySettings(config, node.credentials, localHttpBase(RED)),
      config.tls,
      config.tls ? RED.nodes.getNode(config.tls) : undefined,
    );
    if (verificationOff(settings)) {
      node.warn(
        'TLS certificate verification is off: the connection is encrypted but the server is not ' +
          'authenticated (anyone in between can pose as it); give the CA instead',
      );
    }
    if (settings.configError) node.error(`configuration: ${settings.configError}`);
    const logger: Logger = {
      debug: (m) => node.debug(m),
      info: (m) => node.log(m),
      warn: (m) => node.warn(m),
      error: (m) => node.error(m),
    };
    const print = fingerprint(settings);
    const kept = connections.take(node.id, print);
    const connection = kept ?? new GatewayConnection(settings, { logger });
    if (kept) {
      kept.setLogger(logger);
      kept.adopted();
      node.debug('connection kept across the deploy (settings unchanged)');
    }

    const api: Omit<GatewayConfigNode, keyof Node> = {
      get client(): GatewayClientApi | undefined {
        return connection.client;
      },
      get connectionStatus(): ConnectionStatus {
        return connection.status;
      },
      platform: settings.platform,
      hub: (): EventHubApi => connection.hub(),
      register: (
        user: Node,
        onStatus?: (status: ConnectionStatus) => void,
        onNotice?: (notice: Notice) => void,
      ) => connection.register(user, onStatus, onNotice),
      deregister: (user: Node, redeploy?: boolean) => connection.deregister(user, redeploy),
      report: (text: string, msg?: object) => connection.report(text, msg),
    };
    Object.defineProperties(node, Object.getOwnPropertyDescriptors(api));
    /** For tests and diagnostics: the embedded simulator while it runs. */
    Object.defineProperty(node, 'embeddedSimulator', { get: () => connection.embeddedSimulator });

    const self = node as unknown as GatewayConfigNode;
    callsFeed.addGateway(self);
    const tinet =
      settings.platform === 'tinet' && !settings.configError ? settings.tinet : undefined;
    // The push path (and the Tinet push parser with it) is loaded only for a gateway on Tinet.
    const closePush = tinet
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('./lib/tinet-push') as typeof import('./lib/tinet-push')).startTinetPush(
          RED,
          node,
          tinet.pushPath,
          tinet.pushToken,
          () => connection.client,
        )
      : undefined;

    node.on('close', (removed: boolean, done: () => void) => {
      closePush?.();
      callsFeed.removeGateway(self);
      if (!removed) {
        // A redeploy: the node of the same id that replaces this one takes the connection if
        // its settings are the same; otherwise (or if none comes) it is closed.
        connection.holdForHandover();
        connections.park(node.id, connection, print);
        done();
        return;
      }
      connection.close().then(done, (err: unknown) => {
        node.warn(`close: ${(err as Error).message}`);
        done();
      });
    });
  }

  // When the flows stop for good (not for a deploy), nothing is kept for a replacement.
  onFlowsStoppedForGood(RED, releaseConnections);

  RED.nodes.registerType<Node<GatewayCredentials>, GatewayDef, unknown, GatewayCredentials>(
    'cc-gateway',
    GatewayNode,
    {
      credentials: {
        username: { type: 'text' },
        password: { type: 'password' },
        token: { type: 'password' },
        tinetToken: { type: 'password' },
        tinetPushToken: { type: 'password' },
      },
    },
  );

  RED.httpAdmin.get(CATALOGUE_PATH, RED.auth.needsPermission('cc-gateway.read'), (_req, res) => {
    // The catalogue, and per platform which operations it carries (the dialogs mark the rest).
    res.json({ ...(catalogueJson() as object), platforms: platformsJson() });
  });

  // The calls sidebar: a GET gives every call kept and keeps the feed on for a while (the
  // sidebar repeats it while shown); changes are published on CALLS_TOPIC in between.
  callsFeed.setPublisher((topic, data, retain) => RED.comms.publish(topic, data, retain));
  const read = RED.auth.needsPermission('cc-gateway.read');
  RED.httpAdmin.get(CALLS_PATH, read, (_req, res) => {
    res.json({ topic: CALLS_TOPIC, ...callsFeed.watch() });
  });
  RED.httpAdmin.get(`${CALLS_PATH}/:gateway/:call/mermaid`, read, (req, res) => {
    const text = callsFeed.mermaid(String(req.params.gateway), String(req.params.call));
    if (text === undefined) res.status(404).type('text/plain').send('no such call\n');
    else res.type('text/plain').send(text);
  });
};

function releaseConnections(): void {
  connections.clear();
}
