/**
 * Start-up: loading the palette (every node file Node-RED requires at start) compiles no
 * schema and loads no implementation an empty flow does not use: not the protocol validation
 * and ajv, the gateway client, the tracker or the hub; no simulator, platform driver, WebSocket
 * plumbing or proxy agent; not the calls sidebar's model, the chat client, the WebRTC account
 * core or the webhook ingress and routes. Each is loaded on first use and then works as before.
 * Checked in a fresh process through its module cache, not by timing.
 *
 * First use inside a running Node-RED (a gateway connecting, a chat application or a WebRTC
 * account starting its embedded simulator, a webhook route opening) is what the node tests
 * exercise (nodes-gateway, nodes-era, nodes-tinet, nodes-chat, nodes-webrtc, nodes-webhook,
 * proxy); here the cheap ones are checked in the fresh process: validation, the platforms
 * endpoint, the Tinet settings, the calls model, the proxy agent.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/**
 * What must not be loaded with the palette, as patterns of module paths (dist/...). Where a
 * folder keeps a light module loaded at start, the pattern leaves it out.
 */
const LAZY: Record<string, string> = {
  ajv: '/node_modules/ajv/',
  'validation and its schemas': '/src/protocol/(validate\\.js|params-guard\\.js|schemas/)',
  'gateway client': '/src/client/gateway-client',
  tracker: '/src/tracker/',
  hub: '/src/hub/event-hub',
  // Every simulator: the contact center, the embedded chat and WebRTC / Voice ones.
  simulators: '/src/simulator/',
  'ccflow driver': '/src/platforms/ccflow/',
  'Era driver': '/src/platforms/era/',
  // The Tinet URL check (url.js) reads a gateway's settings; the rest is the driver.
  'Tinet driver': '/src/platforms/tinet/(?!url\\.js)',
  'WebSocket plumbing': '/src/platforms/ws-socket',
  'proxy agent': '/node_modules/(https-proxy-agent|agent-base|debug)/',
  'calls model': '/src/calls/',
  // The chat catalogue stays (the editor's endpoint and the operation nodes read it).
  'chat client': '/src/chat/(?!catalogue\\.js)',
  // The WebRTC catalogue, its names and the vendor's URLs stay (endpoint, settings, nodes).
  'WebRTC core': '/src/webrtc/(?!(catalogue|api|vendor-urls)\\.js)',
  // The webhook ingress, its presets and HTTP helpers, and the nodes' route glue.
  'webhook routes': '/src/webhook/|/nodes/lib/(webhook-node|webhook-route|tinet-push)\\.js',
};

const PROGRAM = `
const net = require('net');
const path = require('path');
const dist = (p) => path.join(process.cwd(), 'dist', p);
const pkg = require(path.join(process.cwd(), 'package.json'));
const LAZY = JSON.parse(process.argv[1]);
for (const file of Object.values(pkg['node-red'].nodes)) require(path.join(process.cwd(), file));
const loaded = () => Object.keys(require.cache).map((k) => k.split(path.sep).join('/'));
const has = (part) => loaded().some((k) => new RegExp(part).test(k));
const out = { atStart: {} };
for (const [name, pattern] of Object.entries(LAZY)) out.atStart[name] = has(pattern);

// Validation: loaded with the first request an operation node checks, ajv with it.
const { checkRequest } = require(dist('nodes/lib/operation-params'));
const { getOperation } = require(dist('src/protocol/catalogue'));
const validationBeforeCheck = has(LAZY['validation and its schemas']);
const checked = checkRequest(getOperation('previewObCall'), { agent: '1001', customerNumber: 'abc' }, {});
const v = require(dist('src/protocol/validate'));
out.validation = {
  validationBeforeCheck,
  checked,
  loaded: has(LAZY['validation and its schemas']),
  good: v.validateParams('previewObCall', { customerNumber: '48500100201' }).ok,
  bad: v.validateParams('previewObCall', { customerNumber: 'abc' }),
  event: v.validateEventData('agent', 'agentStatus', { state: 'idle', deviceStatus: 1 }).ok,
  ajv: has(LAZY.ajv),
};

// A Tinet gateway's settings: checked without the driver.
const gs = require(dist('nodes/lib/gateway-settings'));
const tinet = gs.readGatewaySettings(
  { mode: 'remote', platform: 'tinet', tinetBaseUrl: 'ftp://cti.example.com', tinetId: '7' },
  { tinetToken: 'secret' },
);
out.tinetSettings = {
  error: tinet.configError,
  version: tinet.tinet.version,
  driver: has('/src/platforms/tinet/driver'),
};

// The platforms (the editor's catalogue endpoint): a label needs no driver, the rest loads them.
const platforms = require(dist('src/platforms'));
const label = platforms.platformLabel('era');
const driversAfterLabel = has(LAZY['Era driver']);
const json = platforms.platformsJson();
out.platforms = {
  label,
  driversAfterLabel,
  ids: Object.keys(json),
  eraFamilies: json.era.families,
  tinetFamilies: json.tinet.families,
  eraCarries: json.era.operations.previewObCall.carried,
  tinetCarriesConsult: json.tinet.operations.startAtxfer.carried,
  eraFamiliesCall: platforms.platformFamilies('era'),
  drivers: ['ccflow driver', 'Era driver', 'Tinet driver'].every((n) => has(LAZY[n])),
};

// The calls sidebar: its model on the first watch.
const { callsFeed } = require(dist('nodes/lib/calls-feed'));
// A connected gateway (the feed asks only for its hub's onEvent).
const hub = { onEvent: () => () => undefined };
callsFeed.addGateway({ id: 'g1', name: 'gateway one', client: {}, hub: () => hub });
const modelBeforeWatch = has(LAZY['calls model']);
const snapshot = callsFeed.watch();
callsFeed.stop();
out.calls = { modelBeforeWatch, snapshot, model: has(LAZY['calls model']) };

// The proxy agent: only when a proxy applies to the URL (a loopback listener stands for both).
const server = net.createServer((s) => s.destroy());
server.listen(0, '127.0.0.1', () => {
  const port = server.address().port;
  const { WsSocket } = require(dist('src/platforms/ws-socket'));
  const noop = () => undefined;
  const handler = new Proxy({}, { get: () => noop });
  const dial = () =>
    new WsSocket({
      url: 'ws://127.0.0.1:' + port + '/ws',
      connectTimeoutMs: 1000,
      handler,
      log: { debug: noop },
      scrub: (t) => t,
      onOpen: noop,
      onText: noop,
    }).terminate();
  dial();
  const direct = has(LAZY['proxy agent']);
  process.env.HTTP_PROXY = 'http://127.0.0.1:' + port;
  dial();
  out.proxy = { direct, proxied: has(LAZY['proxy agent']) };
  server.close();
  console.log(JSON.stringify(out));
});
`;

interface Result {
  atStart: Record<string, boolean>;
  validation: {
    validationBeforeCheck: boolean;
    checked: { ok: boolean; field?: string; message?: string };
    loaded: boolean;
    good: boolean;
    bad: { ok: boolean; message: string };
    event: boolean;
    ajv: boolean;
  };
  tinetSettings: { error?: string; version: string; driver: boolean };
  platforms: {
    label: string;
    driversAfterLabel: boolean;
    ids: string[];
    eraFamilies: string[];
    tinetFamilies: string[];
    eraCarries: boolean;
    tinetCarriesConsult: boolean;
    eraFamiliesCall: string[];
    drivers: boolean;
  };
  calls: {
    modelBeforeWatch: boolean;
    snapshot: { gateways: { id: string; name: string }[]; calls: unknown[] };
    model: boolean;
  };
  proxy: { direct: boolean; proxied: boolean };
}

describe('start-up: the palette loads without compiling schemas or loading implementations', function () {
  this.timeout(30_000);
  let r: Result;

  before(() => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'nodes')), 'built');
    // No proxy from this environment: the program sets one itself.
    const env = { ...process.env };
    for (const name of [
      'HTTP_PROXY',
      'http_proxy',
      'HTTPS_PROXY',
      'https_proxy',
      'NO_PROXY',
      'no_proxy',
    ]) {
      delete env[name];
    }
    r = JSON.parse(
      execFileSync(process.execPath, ['-e', PROGRAM, JSON.stringify(LAZY)], {
        cwd: root,
        encoding: 'utf8',
        env,
        timeout: 25_000,
      }),
    ) as Result;
  });

  it('loads none of the lazy modules with the palette', () => {
    const loaded = Object.keys(LAZY).filter((name) => r.atStart[name]);
    assert.deepEqual(
      loaded,
      [],
      `loading the palette loads ${loaded.join(', ')}: load them on first use (see the lazy ` +
        'validators in src/protocol/validate.ts and the drivers in nodes/lib/gateway-connection.ts)',
    );
  });

  it('validation loads with the first request checked, validators compile on first use', () => {
    assert.equal(r.validation.validationBeforeCheck, false);
    assert.equal(r.validation.checked.ok, false);
    assert.equal(r.validation.checked.field, 'customerNumber');
    assert.equal(r.validation.loaded, true);
    assert.equal(r.validation.ajv, true);
    assert.equal(r.validation.good, true);
    assert.equal(r.validation.bad.ok, false);
    assert.match(r.validation.bad.message, /customerNumber/);
    assert.equal(r.validation.event, true);
  });

  it("a Tinet gateway's settings are checked without its driver", () => {
    assert.match(r.tinetSettings.error ?? '', /must be http:\/\/ or https:\/\/, not ftp:/);
    assert.equal(r.tinetSettings.version, 'v10');
    assert.equal(r.tinetSettings.driver, false);
  });

  it('the platforms endpoint loads the drivers and answers as before', () => {
    const p = r.platforms;
    assert.equal(p.label, 'Era / Incoplax');
    assert.equal(p.driversAfterLabel, false, 'a label needs no driver');
    assert.deepEqual(p.ids, ['ccflow', 'era', 'tinet']);
    assert.deepEqual(p.eraFamilies, ['ccs', 'call']);
    assert.deepEqual(p.eraFamiliesCall, ['ccs', 'call']);
    assert.deepEqual(p.tinetFamilies, ['agent']);
    assert.equal(p.eraCarries, true);
    assert.equal(p.tinetCarriesConsult, false);
    assert.equal(p.drivers, true);
  });

  it('the calls model loads on the first watch', () => {
    assert.equal(r.calls.modelBeforeWatch, false);
    assert.deepEqual(r.calls.snapshot, {
      gateways: [{ id: 'g1', name: 'gateway one' }],
      calls: [],
    });
    assert.equal(r.calls.model, true);
  });

  it('the proxy agent loads only when a proxy applies to the URL', () => {
    assert.deepEqual(r.proxy, { direct: false, proxied: true });
  });
});
