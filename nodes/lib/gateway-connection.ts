/**
 * The lifecycle behind the cc-gateway config node, kept apart from the Node-RED glue: one
 * GatewayClient shared by every user node, opened when the first user registers and closed
 * (with the event hub and the embedded simulator) when the last one leaves or the config node
 * closes. A user leaving for a redeploy (it comes back) lets the connection linger a while
 * instead, and the config node hands the whole connection to its replacement when its settings
 * did not change (cc-gateway, src/lifecycle/handover.ts): the session goes on through a deploy.
 * Connection status is pushed to every user. No protocol logic here.
 */
import type {
  ConnectionStatus,
  GatewayClientApi,
  GatewayClientOptions,
  Logger,
  Notice,
} from '../../src/client/api';
import type { PlatformDriver } from '../../src/platforms/api';
import { createDriver } from '../../src/platforms';
import type { EventHubApi, TrackerOptions } from '../../src/hub/api';
import type { Scenario, SimulatorApi, SimulatorOptions } from '../../src/simulator/api';
import type { TlsOptions } from '../../src/platforms/ws-socket';

export interface GatewaySettings {
  mode: 'simulator' | 'remote';
  /** The platform's wire (src/platforms): our protocol, Era / Incoplax or Tinet. Default ccflow. */
  platform?: 'ccflow' | 'era' | 'tinet';
  /** Era / Incoplax authorisation (platform era): the token is a credential, never logged. */
  era?: { auth: 'token' | 'user'; token: string };
  tinet?: {
    /** Interface API base URL (remote mode). */
    baseUrl: string;
    version: string;
    validateType: 1 | 2;
    id: string;
    /** Never logged. */
    token: string;
    /** Node-RED HTTP path receiving the pushes. */
    pushPath: string;
    /** Never logged. */
    pushToken?: string;
    /** Simulator mode: where the embedded simulator pushes. */
    simPushUrl: string;
  };
  /** ws:// or wss:// URL (remote mode). */
  url: string;
  tenant: string;
  username: string;
  /** Never logged. */
  password: string;
  tls?: TlsOptions;
  heartbeatMs?: number;
  responseTimeoutMs?: number;
  reconnect?: { initialMs?: number; maxMs?: number };
  simulator?: { speed?: number; inboundPerMinute?: number; scenario?: Scenario };
  tracker: { ttlMs: number; maxEntries: number };
  /** A configuration error found while reading the settings: the connection never opens. */
  configError?: string;
}

type ClientFactory = (options: GatewayClientOptions) => GatewayClientApi;
type SimulatorFactory = (options: SimulatorOptions) => SimulatorApi;
type HubFactory = (
  client: GatewayClientApi | undefined,
  options?: TrackerOptions & { sweepMs?: number; onError?: (err: unknown) => void },
) => EventHubApi;

/* The core modules are loaded when first needed: the simulator only in simulator mode, the
 * event hub only when an event node asks for it. */
const defaultClient: ClientFactory = (options) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../src/client/gateway-client') as {
    GatewayClient: new (o: GatewayClientOptions) => GatewayClientApi;
  };
  return new mod.GatewayClient(options);
};
/** The Era / Incoplax driver of a gateway on that platform. */
function eraDriver(s: GatewaySettings): PlatformDriver {
  return createDriver('era', {
    auth: s.era?.auth ?? 'token',
    token: s.era?.token,
    username: s.username,
    password: s.password,
    tls: s.tls,
  });
}
const defaultSimulator: SimulatorFactory = (options) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../src/simulator/simulator') as {
    Simulator: new (o: SimulatorOptions) => SimulatorApi;
  };
  return new mod.Simulator(options);
};
const defaultHub: HubFactory = (client, options) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('../../src/hub/event-hub') as { createEventHub: HubFactory };
  return mod.createEventHub(client, options);
};

function tinetDriver(t: NonNullable<GatewaySettings['tinet']>): PlatformDriver {
  return createDriver('tinet', {
    validateType: t.validateType,
    id: t.id,
    token: t.token,
    version: t.version,
  });
}

export interface GatewayConnectionDeps {
  logger: Logger;
  createClient?: ClientFactory;
  createSimulator?: SimulatorFactory;
  createHub?: HubFactory;
}

const IDLE: ConnectionStatus = { state: 'idle', attempt: 0 };

interface UserCallbacks {
  onStatus?: (status: ConnectionStatus) => void;
  onNotice?: (notice: Notice) => void;
}

/** How long a connection whose users all left for a redeploy waits for them (ms). */
export const LINGER_MS = 30_000;

/** A user node as far as reporting goes. */
interface Reporter {
  error?: (err: unknown, msg?: object) => void;
}

export class GatewayConnection {
  private readonly users = new Map<object, UserCallbacks>();
  private current: GatewayClientApi | undefined;
  private simulator: SimulatorApi | undefined;
  private simulatorStarting: Promise<unknown> | undefined;
  private eventHub: EventHubApi | undefined;
  private statusOff: (() => void) | undefined;
  private noticeOff: (() => void) | undefined;
  private lastStatus: ConnectionStatus = IDLE;
  private lingerTimer: NodeJS.Timeout | undefined;
  /** Users that left for a redeploy and have not registered again. */
  private comingBack = 0;
  private logger: Logger;

  constructor(
    private readonly settings: GatewaySettings,
    private readonly deps: GatewayConnectionDeps,
  ) {
    this.logger = deps.logger;
  }

  /** The config node that replaced the one this connection was built for logs from now on. */
  setLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** Handed to a new config node: without users, it goes on lingering until one registers. */
  adopted(): void {
    if (this.users.size === 0 && this.current) this.linger();
  }

  /**
   * Say something nobody else can: through a user node's error (a Catch node in its flow sees
   * it), else the log.
   */
  report(text: string, msg?: object): void {
    for (const user of this.users.keys()) {
      const error = (user as Reporter).error;
      if (typeof error === 'function') {
        try {
          error.call(user, new Error(text), msg);
          return;
        } catch {
          // try the next user
        }
      }
    }
    this.logger.error(text);
  }

  get client(): GatewayClientApi | undefined {
    return this.current;
  }

  get status(): ConnectionStatus {
    return this.current ? this.lastStatus : IDLE;
  }

  /** The embedded simulator while it runs (simulator mode). */
  get embeddedSimulator(): SimulatorApi | undefined {
    return this.simulator;
  }

  get userCount(): number {
    return this.users.size;
  }

  register(
    user: object,
    onStatus?: (status: ConnectionStatus) => void,
    onNotice?: (notice: Notice) => void,
  ): GatewayClientApi {
    this.stopLinger();
    if (!this.users.has(user) && this.comingBack > 0) this.comingBack--;
    this.users.set(user, { onStatus, onNotice });
    const client = this.current ?? this.open();
    if (onStatus) safeCall(onStatus, this.lastStatus);
    return client;
  }

  /** `redeploy`: the user comes back (a redeploy): linger instead of closing at once. */
  async deregister(user: object, redeploy = false): Promise<void> {
    if (!this.users.delete(user)) return;
    if (redeploy) this.comingBack++;
    if (this.users.size > 0) return;
    // The last user left; if any of them is coming back (a deploy), wait for it.
    if (this.comingBack > 0 && this.current) this.linger();
    else await this.shutdown();
  }

  /** Stop lingering: the config node parks the connection (or closes it). */
  holdForHandover(): void {
    this.stopLinger();
  }

  private linger(): void {
    this.stopLinger();
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.comingBack = 0;
      if (this.users.size === 0) void this.shutdown();
    }, LINGER_MS);
    this.lingerTimer.unref();
  }

  private stopLinger(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
  }

  hub(): EventHubApi {
    if (!this.eventHub) {
      const client = this.current ?? this.open();
      this.eventHub = (this.deps.createHub ?? defaultHub)(client, {
        ttlMs: this.settings.tracker.ttlMs,
        maxEntries: this.settings.tracker.maxEntries,
        // Tracker failures: the hub keeps going, the log says so (listeners report their own).
        onError: (err) => this.logger.warn(`event hub: ${(err as Error)?.message ?? String(err)}`),
      });
    }
    return this.eventHub;
  }

  /** Close everything, whoever is still registered (config node closed / redeployed). */
  async close(): Promise<void> {
    this.stopLinger();
    this.comingBack = 0;
    this.users.clear();
    await this.shutdown();
  }

  private open(): GatewayClientApi {
    const s = this.settings;
    // Every core log line goes through the current config node (see setLogger).
    const logger: Logger = {
      debug: (m) => this.logger.debug(m),
      info: (m) => this.logger.info(m),
      warn: (m) => this.logger.warn(m),
      error: (m) => this.logger.error(m),
    };
    const tinet = s.platform === 'tinet' ? s.tinet : undefined;
    const options = (url: GatewayClientOptions['url']): GatewayClientOptions => ({
      url,
      driver: s.platform === 'era' ? eraDriver(s) : tinet ? tinetDriver(tinet) : undefined,
      tenant: s.tenant,
      username: s.username,
      password: s.password,
      tls: s.tls,
      heartbeatMs: s.heartbeatMs,
      responseTimeoutMs: s.responseTimeoutMs,
      reconnect: s.reconnect,
      logger,
      clientInfo: { name: 'node-red-contact-center' },
    });
    const createClient = this.deps.createClient ?? defaultClient;
    let url: GatewayClientOptions['url'];
    if (s.configError) {
      // The client reports it and ends every operation with it; nothing is dialled.
      const error = s.configError;
      url = () => Promise.reject(new Error(error));
    } else if (s.mode === 'remote') {
      url = tinet ? tinet.baseUrl : s.url;
    } else {
      const sim = (this.deps.createSimulator ?? defaultSimulator)({
        port: 0,
        host: '127.0.0.1',
        speed: s.simulator?.speed,
        inboundPerMinute: s.simulator?.inboundPerMinute,
        scenario: s.simulator?.scenario,
        users: { [s.tenant]: { [s.username]: s.password } },
        eraTokens: s.era?.token ? [s.era.token] : undefined,
        tinet: tinet && {
          enterpriseId: tinet.validateType === 2 ? tinet.id : undefined,
          departments: tinet.validateType === 1 ? { [tinet.id]: tinet.token } : undefined,
          token: tinet.token,
          version: tinet.version,
          pushUrls: [tinet.simPushUrl],
          pushToken: tinet.pushToken,
        },
        logger,
      });
      this.simulator = sim;
      // The client waits for the simulator's URL; a failed start ends the client with it.
      const started = sim.start().then(
        (r) => (tinet ? `http://127.0.0.1:${r.port}/interface/${tinet.version}` : r.url),
        (err: unknown) => {
          throw new Error(`embedded simulator failed to start: ${(err as Error).message}`);
        },
      );
      this.simulatorStarting = started;
      url = () => started;
    }
    const client = createClient(options(url));
    client.start();
    this.current = client;
    this.lastStatus = client.status;
    this.statusOff = client.onStatus((status) => {
      if (this.current !== client) return;
      this.lastStatus = status;
      for (const u of this.users.values()) if (u.onStatus) safeCall(u.onStatus, status);
    });
    this.noticeOff = client.onNotice((notice) => {
      if (this.current !== client) return;
      for (const u of this.users.values()) if (u.onNotice) safeCall(u.onNotice, notice);
    });
    return client;
  }

  private async shutdown(): Promise<void> {
    const client = this.current;
    const hub = this.eventHub;
    const sim = this.simulator;
    const starting = this.simulatorStarting;
    this.current = undefined;
    this.eventHub = undefined;
    this.simulator = undefined;
    this.simulatorStarting = undefined;
    this.statusOff?.();
    this.statusOff = undefined;
    this.noticeOff?.();
    this.noticeOff = undefined;
    this.lastStatus = IDLE;
    const problems: string[] = [];
    const step = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        problems.push(`${what}: ${(err as Error).message}`);
      }
    };
    if (hub) await step('event hub', () => hub.close());
    if (client) await step('client', () => client.close());
    if (starting) await starting.catch(() => undefined);
    // dispose(), not stop(): it also clears the simulator's call timers and sessions.
    if (sim) await step('simulator', () => sim.dispose());
    for (const p of problems) this.logger.warn(`closing: ${p}`);
  }
}

function safeCall<T>(fn: (value: T) => void, value: T): void {
  try {
    fn(value);
  } catch {
    // a user's status callback must not break the others
  }
}
