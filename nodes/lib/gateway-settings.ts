/**
 * Turns the cc-gateway editor configuration (strings from the form) into GatewaySettings, with
 * defaults and precise configuration errors. Credentials are passed through, never printed.
 */
import { randomBytes } from 'node:crypto';
import { tinetUrlProblem } from '../../src/platforms/tinet/url';
import type { Scenario } from '../../src/simulator/api';
import type { GatewaySettings } from './gateway-connection';

/** The cc-gateway node's editor properties (all optional: old flows may lack some). */
export interface GatewayNodeConfig {
  mode?: string;
  /** The wire: `ccflow` (our protocol, the default), `era` (Era / Incoplax) or `tinet` (Tinet REST + HTTP push). */
  platform?: string;
  /** Era / Incoplax: `token` (an integration point's token) or `user` (a user's login on /ws). */
  eraAuth?: string;
  /** Tinet interface API base URL, e.g. https://api-2.cticloud.cn/interface/v10. */
  tinetBaseUrl?: string;
  tinetVersion?: string;
  /** 2 enterprise id (default), 1 department id. */
  tinetValidateType?: string | number;
  /** The enterprise (or department) id. */
  tinetId?: string;
  /** Node-RED HTTP path Tinet's pushes are configured to reach. */
  tinetPushPath?: string;
  /** Simulator mode: where the embedded simulator sends its pushes (default: this Node-RED). */
  tinetSimPushUrl?: string;
  url?: string;
  tenant?: string;
  ca?: string;
  verifyCert?: boolean;
  /** Id of a Node-RED tls-config node (client certificate and key, CA, server name, verify). */
  tls?: string;
  /** Seconds. */
  heartbeat?: string | number;
  /** Seconds. */
  responseTimeout?: string | number;
  /** Seconds. */
  reconnectInitial?: string | number;
  /** Seconds. */
  reconnectMax?: string | number;
  simSpeed?: string | number;
  simInbound?: string | number;
  simScenario?: string;
  /** Hours. */
  trackerTtl?: string | number;
  trackerMax?: string | number;
}

export interface GatewayCredentials {
  username?: string;
  password?: string;
  /** Era / Incoplax integration token. Never logged. */
  token?: string;
  /** Tinet interface token (sign = md5(id + timestamp + token)). */
  tinetToken?: string;
  /** Shared token Tinet's pushes must carry (`?token=` in the push URL, or x-cc-token). */
  tinetPushToken?: string;
}

export const TINET_PUSH_PATH = '/cc/tinet/push';
/** The embedded simulator's enterprise and token (simulator mode without credentials). */
export const TINET_SIM = { id: '7000000', token: 'demo-token' } as const;

export const GATEWAY_DEFAULTS = {
  tenant: 'demo',
  username: 'demo',
  password: 'demo',
  /** The integration token the embedded simulator's Era face accepts by default. */
  eraToken: 'demo-token',
  heartbeatS: 15,
  responseTimeoutS: 10,
  reconnectInitialS: 0.5,
  reconnectMaxS: 30,
  simSpeed: 1,
  trackerTtlH: 9,
  trackerMax: 10_000,
} as const;

/** A number from an editor field; blank means the default. Returns an error text when bad. */
function num(
  raw: string | number | undefined,
  field: string,
  def: number | undefined,
  min: number,
  errors: string[],
): number | undefined {
  if (raw === undefined || raw === null || String(raw).trim() === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    errors.push(`${field} must be a number >= ${min}`);
    return def;
  }
  return n;
}

/**
 * Tinet settings (platform `tinet`). `localBase` is this Node-RED's own HTTP address
 * (http://127.0.0.1:<port><httpNodeRoot>), where the embedded simulator sends its pushes.
 */
function readTinet(
  config: GatewayNodeConfig,
  credentials: GatewayCredentials | undefined,
  mode: 'simulator' | 'remote',
  localBase: string,
  errors: string[],
): NonNullable<GatewaySettings['tinet']> {
  // Tinet's mapping table is loaded only for a gateway on Tinet.
  const { REST } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../src/platforms/tinet/mapping') as typeof import('../../src/platforms/tinet/mapping');
  const baseUrl = (config.tinetBaseUrl ?? '').trim();
  const version = (config.tinetVersion ?? '').trim() || REST.defaultVersion;
  if (!/^v\d{1,3}$/.test(version)) errors.push('Tinet API version must look like v10');
  const validateType = String(config.tinetValidateType ?? '2') === '1' ? 1 : 2;
  let id = (config.tinetId ?? '').trim();
  let token = credentials?.tinetToken ?? '';
  if (mode === 'remote') {
    const bad = tinetUrlProblem(baseUrl);
    if (bad) errors.push(bad);
    if (!id) errors.push('the Tinet enterprise (or department) id is required');
    if (!token) errors.push('the Tinet interface token is required');
  } else {
    id ||= TINET_SIM.id;
    token ||= TINET_SIM.token;
  }
  let pushPath = (config.tinetPushPath ?? '').trim() || TINET_PUSH_PATH;
  if (!pushPath.startsWith('/')) pushPath = `/${pushPath}`;
  if (!/^\/[\w\-./~]*$/.test(pushPath))
    errors.push('the Tinet push path has characters a URL path cannot');
  const simPushUrl =
    (config.tinetSimPushUrl ?? '').trim() || `${localBase.replace(/\/+$/, '')}${pushPath}`;
  return {
    baseUrl,
    version,
    validateType,
    id,
    token,
    pushPath,
    // Simulator mode without a push token: a random one the embedded simulator sends, so the
    // push path is never open to anyone.
    pushToken:
      credentials?.tinetPushToken ||
      (mode === 'simulator' ? randomBytes(16).toString('hex') : undefined),
    simPushUrl,
  };
}

export function readGatewaySettings(
  config: GatewayNodeConfig,
  credentials: GatewayCredentials | undefined,
  localBase = 'http://127.0.0.1:1880',
): GatewaySettings {
  const errors: string[] = [];
  const mode = config.mode === 'remote' ? 'remote' : 'simulator';
  const platform =
    config.platform === 'era' ? 'era' : config.platform === 'tinet' ? 'tinet' : 'ccflow';
  const eraAuth = config.eraAuth === 'user' ? 'user' : 'token';
  const url = (config.url ?? '').trim();
  if (platform !== 'tinet' && mode === 'remote' && !/^wss?:\/\/[^\s/]+/i.test(url)) {
    errors.push('url must start with ws:// or wss:// and name a host');
  }
  const tinet =
    platform === 'tinet' ? readTinet(config, credentials, mode, localBase, errors) : undefined;
  const username = credentials?.username || (mode === 'simulator' ? GATEWAY_DEFAULTS.username : '');
  const password = credentials?.password || (mode === 'simulator' ? GATEWAY_DEFAULTS.password : '');
  const token = credentials?.token || (mode === 'simulator' ? GATEWAY_DEFAULTS.eraToken : '');
  if (
    mode === 'remote' &&
    platform !== 'tinet' &&
    !username &&
    !(platform === 'era' && eraAuth === 'token')
  ) {
    errors.push('username is required');
  }
  if (mode === 'remote' && platform === 'era' && eraAuth === 'token' && !token) {
    errors.push('the Era integration token is required');
  }
  const tenant = (config.tenant ?? '').trim() || GATEWAY_DEFAULTS.tenant;

  const heartbeatS = num(config.heartbeat, 'heartbeat', GATEWAY_DEFAULTS.heartbeatS, 0, errors);
  const responseS = num(
    config.responseTimeout,
    'response timeout',
    GATEWAY_DEFAULTS.responseTimeoutS,
    0.001,
    errors,
  );
  const initialS = num(
    config.reconnectInitial,
    'reconnect initial delay',
    GATEWAY_DEFAULTS.reconnectInitialS,
    0.001,
    errors,
  );
  const maxS = num(
    config.reconnectMax,
    'reconnect max delay',
    GATEWAY_DEFAULTS.reconnectMaxS,
    0.001,
    errors,
  );
  const speed = num(config.simSpeed, 'simulator speed', GATEWAY_DEFAULTS.simSpeed, 0.001, errors);
  const inbound = num(config.simInbound, 'inbound calls per minute', 0, 0, errors);
  const ttlH = num(config.trackerTtl, 'tracker TTL', GATEWAY_DEFAULTS.trackerTtlH, 0.001, errors);
  const maxEntries = num(
    config.trackerMax,
    'tracker max entries',
    GATEWAY_DEFAULTS.trackerMax,
    1,
    errors,
  );

  let scenario: Scenario | undefined;
  const scenarioText = (config.simScenario ?? '').trim();
  if (mode === 'simulator' && scenarioText) {
    try {
      const parsed: unknown = JSON.parse(scenarioText);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        errors.push('scenario must be a JSON object');
      } else {
        scenario = parsed as Scenario;
      }
    } catch (err) {
      errors.push(`scenario is not valid JSON: ${(err as Error).message}`);
    }
  }

  const ms = (s: number | undefined): number | undefined =>
    s === undefined ? undefined : Math.round(s * 1000);
  const ca = (config.ca ?? '').trim();
  return {
    mode,
    platform,
    era: platform === 'era' ? { auth: eraAuth, token } : undefined,
    tinet,
    url,
    tenant,
    username,
    password,
    tls:
      mode === 'remote'
        ? { ca: ca || undefined, rejectUnauthorized: config.verifyCert !== false }
        : undefined,
    heartbeatMs: ms(heartbeatS),
    responseTimeoutMs: ms(responseS),
    reconnect: { initialMs: ms(initialS), maxMs: ms(maxS) },
    simulator: mode === 'simulator' ? { speed, inboundPerMinute: inbound, scenario } : undefined,
    tracker: {
      ttlMs: Math.round((ttlH ?? GATEWAY_DEFAULTS.trackerTtlH) * 3_600_000),
      maxEntries: Math.round(maxEntries ?? GATEWAY_DEFAULTS.trackerMax),
    },
    configError: errors.length ? errors.join('; ') : undefined,
  };
}

/** What a tls-config node offers (core node 05-tls.js). */
export interface TlsConfigNode {
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Apply a tls-config node to remote settings: its CA, client certificate and key (passphrase),
 * server name and verification replace the gateway's own CA / verify fields (the gateway's CA is
 * kept when the tls-config node gives none). A selected node that is missing is a
 * configuration error: the connection is not opened without the TLS the user asked for.
 */
export function applyTlsConfig(
  settings: GatewaySettings,
  tlsId: string | undefined,
  tlsNode: unknown,
): GatewaySettings {
  if (settings.mode !== 'remote' || !tlsId) return settings;
  const node = tlsNode as Partial<TlsConfigNode> | null | undefined;
  if (!node || typeof node.addTLSOptions !== 'function') {
    const error = 'the selected TLS configuration node is missing';
    return {
      ...settings,
      configError: settings.configError ? `${settings.configError}; ${error}` : error,
    };
  }
  const o = node.addTLSOptions({});
  const pick = (k: string): string | Buffer | undefined => {
    const v = o[k];
    return typeof v === 'string' || Buffer.isBuffer(v) ? v : undefined;
  };
  const passphrase = typeof o.passphrase === 'string' ? o.passphrase : undefined;
  const servername = typeof o.servername === 'string' && o.servername ? o.servername : undefined;
  return {
    ...settings,
    tls: {
      ca: pick('ca') ?? settings.tls?.ca,
      cert: pick('cert'),
      key: pick('key'),
      passphrase,
      servername,
      rejectUnauthorized: o.rejectUnauthorized !== false,
    },
  };
}

/** True when a wss:// connection will not verify the server's certificate. */
export function verificationOff(settings: GatewaySettings): boolean {
  return (
    settings.mode === 'remote' &&
    /^wss:/i.test(settings.url) &&
    settings.tls?.rejectUnauthorized === false
  );
}
