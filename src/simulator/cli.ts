#!/usr/bin/env node
/**
 * ccflow-sim: run the virtual contact center from a shell.
 *
 *   ccflow-sim --port 8080 --speed 1 --webhook http://127.0.0.1:1880/cc/dialog --inbound 6
 */
import { parseArgs } from 'node:util';
import type { SimulatorOptions } from './api';
import { ERA_PATHS, REST } from '../platforms/era/mapping';
import { DEFAULT_ERA_TOKEN } from './contact-center/faces/era';
import { loadScenarioFile } from './scenario';
import { Simulator } from './simulator';
import { TINET_DEFAULTS, tinetBasePath } from './contact-center/faces/tinet';

export const USAGE = `ccflow-sim: a virtual contact center speaking the ccflow gateway protocol and the
Era / Incoplax WebSocket API and Tinet's REST API + HTTP push (simulated from the vendors' public documents)

Usage: ccflow-sim [options]

  --port N           listen port (default 0: the OS picks one)
  --host ADDR        listen address (default 127.0.0.1)
  --speed X          time scale: 10 = ten times faster (default 1)
  --webhook URL      POST dialog webhooks (Conpeek user_dialog bodies) to URL; repeatable
  --webhook-token T  send header x-cc-token: T with every webhook
  --webhook-secret S sign webhooks: x-cc-signature: sha256=<HMAC-SHA256 of the body>
  --scenario FILE    number rules and agents (JSON, see docs/simulator.md)
  --inbound N        inbound calls per (simulated) minute, routed to idle agents
  --agents N         number of default agents 1001.. (default 10)
  --load N           load mode: N concurrent generated preview calls
  --load-talk MS     talk time of a load-mode call (simulated ms, default 1000)
  --tenant T         accepted tenant (default demo)
  --user U           accepted username (default demo)
  --password P       accepted password (default demo)
  --domain D         ccsevents domain (default demo.cc.local)
  --platform P       wire to announce: ccflow (default), era or tinet; all are always served:
                     ccflow on any path, Era / Incoplax on /ws/token/v1/<token> and /ws,
                     Tinet's REST interface API on /interface/v10/
  --era-token T      integration token accepted on /ws/token/v1/<token> (default demo-token)
  --tinet-enterprise ID  enterprise id the Tinet REST API accepts (default 7000000)
  --tinet-token T    its interface token (default demo-token)
  --push URL         send Tinet HTTP pushes to URL (?type=<N> added); repeatable
  --push-format F    form (default) or json
  --push-method M    POST (default) or GET
  --push-token T     send header x-cc-token: T with every push
  --seed N           deterministic ids and traffic
  --quiet            log only warnings and errors
  --help             this text

Secrets can come from the environment instead of the command line (where other users of the
machine can read them): CCFLOW_SIM_PASSWORD, CCFLOW_SIM_WEBHOOK_TOKEN, CCFLOW_SIM_WEBHOOK_SECRET,
CCFLOW_SIM_ERA_TOKEN; an option given on the command line wins. Printed URLs never show user
info, a query string or a token that is not the default one.

Default number rules (last digit of the dialled number): 0 busy, 9 no answer, 8 rejects,
7 fails, 6 answers and hangs up after 10 s, anything else answers after 2 s and stays.`;

function num(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
}

/** Environment variables read for the secrets (an option on the command line wins). */
export const SECRET_ENV = {
  password: 'CCFLOW_SIM_PASSWORD',
  'webhook-token': 'CCFLOW_SIM_WEBHOOK_TOKEN',
  'webhook-secret': 'CCFLOW_SIM_WEBHOOK_SECRET',
  'era-token': 'CCFLOW_SIM_ERA_TOKEN',
} as const;

/** A URL as printed: no user info, no query, no fragment. */
export function printableUrl(text: string): string {
  try {
    const u = new URL(text);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Parse the command line into simulator options (throws on bad input). */
export function parseCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): {
  help: boolean;
  quiet: boolean;
  platform: 'ccflow' | 'era' | 'tinet';
  options: SimulatorOptions;
} {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      speed: { type: 'string' },
      webhook: { type: 'string', multiple: true },
      'webhook-token': { type: 'string' },
      'webhook-secret': { type: 'string' },
      scenario: { type: 'string' },
      inbound: { type: 'string' },
      agents: { type: 'string' },
      load: { type: 'string' },
      'load-talk': { type: 'string' },
      tenant: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      domain: { type: 'string' },
      platform: { type: 'string' },
      'era-token': { type: 'string' },
      'tinet-enterprise': { type: 'string' },
      'tinet-token': { type: 'string' },
      push: { type: 'string', multiple: true },
      'push-format': { type: 'string' },
      'push-method': { type: 'string' },
      'push-token': { type: 'string' },
      seed: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const secret = (name: keyof typeof SECRET_ENV): string | undefined => {
    const v = values[name] ?? env[SECRET_ENV[name]];
    return v === '' ? undefined : v;
  };
  const speed = num('speed', values.speed);
  if (speed !== undefined && speed <= 0) throw new Error('--speed must be > 0');
  const load = num('load', values.load, 1);
  const platform = values.platform ?? 'ccflow';
  if (platform !== 'ccflow' && platform !== 'era' && platform !== 'tinet') {
    throw new Error('--platform must be ccflow, era or tinet');
  }
  const pushFormat = values['push-format'];
  if (pushFormat !== undefined && pushFormat !== 'form' && pushFormat !== 'json') {
    throw new Error('--push-format must be form or json');
  }
  const pushMethod = values['push-method']?.toUpperCase();
  if (pushMethod !== undefined && pushMethod !== 'POST' && pushMethod !== 'GET') {
    throw new Error('--push-method must be POST or GET');
  }
  const eraToken = secret('era-token');
  if (eraToken !== undefined && !/^[A-Za-z0-9._~-]{1,256}$/.test(eraToken)) {
    throw new Error(
      `--era-token (or ${SECRET_ENV['era-token']}) must be 1-256 letters, digits or ._~-`,
    );
  }
  const options: SimulatorOptions = {
    port: num('port', values.port),
    host: values.host,
    speed,
    webhooks: values.webhook ?? [],
    webhookToken: secret('webhook-token'),
    webhookHmacSecret: secret('webhook-secret'),
    scenario: values.scenario ? loadScenarioFile(values.scenario) : undefined,
    inboundPerMinute: num('inbound', values.inbound),
    agentCount: num('agents', values.agents, 1),
    load: load ? { calls: load, talkMs: num('load-talk', values['load-talk']) } : undefined,
    users: {
      [values.tenant ?? 'demo']: { [values.user ?? 'demo']: secret('password') ?? 'demo' },
    },
    domain: values.domain,
    eraTokens: eraToken !== undefined ? [eraToken] : undefined,
    seed: num('seed', values.seed),
    tinet: {
      enterpriseId: values['tinet-enterprise'],
      token: values['tinet-token'],
      pushUrls: values.push ?? [],
      pushFormat,
      pushMethod,
      pushToken: values['push-token'],
    },
  };
  return { help: !!values.help, quiet: !!values.quiet, platform, options };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`ccflow-sim: ${(err as Error).message}\n\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const log = (level: string) => (msg: string) =>
    process.stderr.write(`${new Date().toISOString()} ${level} ${msg}\n`);
  const sim = new Simulator({
    ...parsed.options,
    logger: {
      info: parsed.quiet ? () => {} : log('info'),
      warn: log('warn'),
      error: log('error'),
    },
  });
  const { url, port } = await sim.start();
  const o = parsed.options;
  const [tenant, users] = Object.entries(o.users ?? {})[0];
  if (parsed.platform === 'era') {
    const token = (o.eraTokens ?? [DEFAULT_ERA_TOKEN])[0];
    // A token of your own is a secret: shown as <token>; the demo token is printed as is.
    const shown = token === DEFAULT_ERA_TOKEN ? token : '<token>';
    process.stdout.write(
      `${url}${ERA_PATHS.token(shown)}\n` +
        `  Era / Incoplax WebSocket API: frames ["method", {params}], subscribe to ccsevents.* ` +
        `(and callevents.*); also ${url}${ERA_PATHS.user} with HTTP Basic user ${Object.keys(users)[0]}\n` +
        `  REST call control: ${url.replace(/^ws/, 'http')}${REST.callsPath} ` +
        `(${REST.tokenHeader}: ${REST.tokenValue(shown)})\n` +
        `  agents ${sim.model.agentIds().join(', ')}; speed x${o.speed ?? 1}; inbound ${o.inboundPerMinute ?? 0}/min\n`,
    );
  } else if (parsed.platform === 'tinet') {
    const t = o.tinet ?? {};
    const host = (o.host ?? '127.0.0.1').includes(':') ? `[${o.host}]` : (o.host ?? '127.0.0.1');
    process.stdout.write(
      `http://${host}:${port}${tinetBasePath()}\n` +
        `  Tinet interface API: validateType 2, enterpriseId ${t.enterpriseId ?? TINET_DEFAULTS.enterpriseId}, token ${t.token ? '(given)' : TINET_DEFAULTS.token}; agents (cno) ${sim.model.agentIds().join(', ')}\n` +
        `  speed x${o.speed ?? 1}; pushes ${(t.pushUrls ?? []).join(' ') || 'none'}\n`,
    );
  } else {
    process.stdout.write(
      `${url}\n` +
        `  login: tenant ${tenant}, user ${Object.keys(users)[0]}; agents ${sim.model.agentIds().join(', ')}\n` +
        `  speed x${o.speed ?? 1}; inbound ${o.inboundPerMinute ?? 0}/min; webhooks ${(o.webhooks ?? []).map(printableUrl).join(' ') || 'none'}\n`,
    );
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void sim.dispose().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (require.main === module) void main();
