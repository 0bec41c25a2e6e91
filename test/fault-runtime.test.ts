/**
 * The fault suite against a real Node-RED runtime (its own process, the palette installed as a
 * user installs it, deploys through the admin API as the editor makes them; not the test
 * helper). Everything goes over HTTP, as in production:
 * - redeploys under load with preview calls in flight: every call is answered once;
 * - oversized and hostile operation input: failed / BAD_PARAMS at once, naming the field;
 * - webhooks: no authentication warned in the log, a secret left in the flows file stops the
 *   webhook (logged, no route), unauthenticated posts refused, a declared oversized body refused
 *   before it is sent;
 * - a gateway announcing absurd timings (1 ms heartbeat, 1 s subscriptions): one login, no
 *   ping or renew storm.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { FakeGateway } from './support/fake-gateway';
import { readSeed, repoRoot, seedRawBodies } from './support/seeds';
import { sleep, until } from './support/wait';

type Json = Record<string, any>;

interface Answer {
  status: number;
  text: string;
  json: Json;
}

function request(
  port: number,
  method: string,
  urlPath: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json: Json;
        try {
          json = JSON.parse(text);
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, text, json });
      });
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else req.end(body);
  });
}

const JSON_CT = { 'content-type': 'application/json' };

/** Records every outcome (by ?crm=) in global context and answers the HTTP request with it. */
const RECORD = `
const crm = msg.req && msg.req.query ? msg.req.query.crm : undefined;
const cc = msg.cc || {};
const entry = { crm, outcome: cc.outcome, reason: cc.reason, errorCode: cc.errorCode, field: cc.field, message: cc.message };
const all = global.get('results') || [];
all.push(entry);
global.set('results', all);
msg.payload = entry;
msg.statusCode = 200;
return msg;`;

const UNWRAP = `
if (msg.req && msg.req.query && msg.req.query.wrap) msg.payload = msg.payload.value;
return msg;`;

const RESULTS = `
msg.payload = { results: global.get('results') || [], caught: global.get('caught') || [] };
return msg;`;

const CAUGHT = `
const all = global.get('caught') || [];
all.push({ source: msg.error && msg.error.source ? msg.error.source.id : undefined, message: msg.error ? msg.error.message : '' });
global.set('caught', all);
return null;`;

const TLS_DIR = path.join(repoRoot, 'test', 'fixtures', 'tls');

function flows(fakeUrl: string, tlsUrl: string): Json[] {
  return [
    // wss:// trusted through Node-RED's own tls-config node (CA file).
    {
      id: 'tlscfg',
      type: 'tls-config',
      name: 'fixture CA',
      cert: '',
      key: '',
      ca: path.join(TLS_DIR, 'cert.pem'),
      verifyservercert: true,
    },
    {
      id: 'gw3',
      type: 'cc-gateway',
      mode: 'remote',
      url: tlsUrl,
      tenant: 'demo',
      tls: 'tlscfg',
      credentials: { username: 'demo', password: 'demo' },
    },
    { id: 'overTls', type: 'cc-ccs-events', z: 'tab', gateway: 'gw3', wires: [] },
    { id: 'tab', type: 'tab', label: 'fault suite' },
    { id: 'gw', type: 'cc-gateway', mode: 'simulator', tenant: 'demo', simSpeed: 2 },
    {
      id: 'gw2',
      type: 'cc-gateway',
      mode: 'remote',
      url: fakeUrl,
      tenant: 'demo',
      heartbeat: 15,
      credentials: { username: 'demo', password: 'demo' },
    },
    { id: 'in', type: 'http in', z: 'tab', url: '/call', method: 'post', wires: [['unwrap']] },
    // ?wrap=1: the payload is body.value (a body of null cannot pass Node-RED's JSON parser).
    { id: 'unwrap', type: 'function', z: 'tab', func: UNWRAP, outputs: 1, wires: [['call']] },
    {
      id: 'call',
      type: 'cc-preview-call',
      z: 'tab',
      gateway: 'gw',
      progress: false,
      wires: [['record'], ['record']],
    },
    { id: 'record', type: 'function', z: 'tab', func: RECORD, outputs: 1, wires: [['out']] },
    { id: 'out', type: 'http response', z: 'tab' },
    { id: 'resIn', type: 'http in', z: 'tab', url: '/results', method: 'get', wires: [['res']] },
    { id: 'res', type: 'function', z: 'tab', func: RESULTS, outputs: 1, wires: [['resOut']] },
    { id: 'resOut', type: 'http response', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'function', z: 'tab', func: CAUGHT, outputs: 1, wires: [] },
    // Webhooks: explicitly open; token-protected; a token left in the flows file.
    {
      id: 'hookOpen',
      type: 'cc-dialog-events',
      z: 'tab',
      source: 'webhook',
      path: '/hook-open',
      auth: 'none',
      wires: [],
    },
    {
      id: 'hookTok',
      type: 'cc-dialog-events',
      z: 'tab',
      source: 'webhook',
      path: '/hook-tok',
      auth: 'token',
      maxKb: 4,
      credentials: { token: 'w3bh00k-t0ken' },
      wires: [],
    },
    {
      id: 'hookFlows',
      type: 'cc-dialog-events',
      z: 'tab',
      source: 'webhook',
      path: '/hook-flows',
      auth: 'token',
      token: 'left-in-flows',
      wires: [],
    },
    // A user of the gateway with absurd timings (it opens the connection).
    { id: 'absurd', type: 'cc-ccs-events', z: 'tab', gateway: 'gw2', wires: [] },
  ];
}

describe('fault suite: a real Node-RED runtime', function () {
  this.timeout(60_000);
  let child: ChildProcess;
  let port = 0;
  let log = '';
  let fake: FakeGateway;
  let tlsFake: FakeGateway;

  /** A full deploy as the editor makes it; resolves once the new flows serve their routes. */
  async function deploy(): Promise<void> {
    const r = await request(
      port,
      'POST',
      '/admin/flows',
      JSON.stringify(flows(fake.url, tlsFake.url)),
      {
        ...JSON_CT,
        'Node-RED-Deployment-Type': 'full',
      },
    );
    assert.equal(r.status, 204, r.text);
    // The admin API answers before the new flows run: wait for their routes.
    const end = Date.now() + 20_000;
    while ((await request(port, 'GET', '/results')).status !== 200) {
      if (Date.now() > end) throw new Error(`the flows did not start:\n${log}`);
      await sleep(20);
    }
  }

  async function results(): Promise<{ results: Json[]; caught: Json[] }> {
    const r = await request(port, 'GET', '/results');
    assert.equal(r.status, 200, r.text);
    return r.json as { results: Json[]; caught: Json[] };
  }

  before(async () => {
    fake = new FakeGateway({ heartbeatMs: 1, grantExpires: 1 });
    await fake.listen(0);
    tlsFake = new FakeGateway({
      tls: {
        key: fs.readFileSync(path.join(TLS_DIR, 'key.pem')),
        cert: fs.readFileSync(path.join(TLS_DIR, 'cert.pem')),
      },
    });
    await tlsFake.listen(0);
    const script = path.join(repoRoot, 'dist', 'test', 'support', 'nr-process.js');
    child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    port = Number(
      (await until('the runtime to listen', () => /PORT (\d+)/.exec(log)?.[1], 30_000, 20)) ?? 0,
    );
    await deploy();
  });

  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await fake?.stop();
    await tlsFake?.stop();
  });

  it("wss:// through Node-RED's tls-config node (its CA file)", async () => {
    await until('a login over TLS', () => tlsFake.frames('login').length >= 1, 30_000, 20);
    assert.ok(!/verification is off/.test(log));
  });

  it('oversized and hostile operation input: failed / BAD_PARAMS at once, naming the field', async () => {
    const big = JSON.stringify({
      agent: '1001',
      customerNumber: '48500100201',
      channelVariables: { blob: 'x'.repeat(2 * 1024 * 1024) },
    });
    const r1 = await request(port, 'POST', '/call?crm=big', big, JSON_CT);
    assert.equal(r1.json.outcome, 'failed', r1.text);
    assert.equal(r1.json.errorCode, 'BAD_PARAMS');
    assert.equal(r1.json.field, 'channelVariables');
    const proto =
      '{"agent":"1001","customerNumber":"48500100201","channelVariables":{"__proto__":{"admin":true}}}';
    const r2 = await request(port, 'POST', '/call?crm=proto', proto, JSON_CT);
    assert.equal(r2.json.errorCode, 'BAD_PARAMS', r2.text);
    assert.match(r2.json.message, /__proto__/);
    for (const [crm, body] of [
      ['null', '{"value":null}'],
      ['array', '{"value":[1,2]}'],
      ['string', '{"value":"call 1001"}'],
    ]) {
      const r = await request(port, 'POST', `/call?crm=${crm}&wrap=1`, body, JSON_CT);
      assert.equal(r.json.errorCode, 'BAD_PARAMS', `${crm}: ${r.text}`);
      assert.equal(r.json.field, 'agent', crm);
      assert.ok(!/Cannot read properties/.test(r.json.message), r.json.message);
    }
    const { caught } = await results();
    assert.ok(
      caught.filter((c) => c.source === 'call').length >= 4,
      `each refusal reached Catch: ${JSON.stringify(caught)}`,
    );
  });

  it('redeploys under load with calls in flight: every call answered exactly once', async () => {
    const agents = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '1009', '1010'];
    const calls: Promise<Answer>[] = [];
    const crms: string[] = [];
    for (let i = 0; i < 10; i++) {
      for (let j = 0; j < 3; j++) {
        const crm = `load-${i}-${j}`;
        crms.push(crm);
        const body = JSON.stringify({
          agent: agents[(i * 3 + j) % 10],
          customerNumber: '48500100201',
        });
        calls.push(request(port, 'POST', `/call?crm=${crm}`, body, JSON_CT));
      }
      await sleep(60); // the calls are in: now redeploy while they run
      if (i % 2 === 1) await deploy();
    }
    const answers = await Promise.all(calls);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    await sleep(300);
    const { results: all } = await results();
    for (const crm of crms) {
      const mine = all.filter((r) => r.crm === crm);
      assert.equal(mine.length, 1, `${crm}: ${JSON.stringify(mine)}`);
    }
    assert.ok(
      all.some((r) => crms.includes(r.crm) && r.outcome === 'bridged'),
      'some calls were bridged across the deploys',
    );
  });

  it('webhooks: open warned, a secret in the flows file stops it, unauthenticated and oversized posts refused', async () => {
    assert.match(log, /webhook \/hook-open accepts posts from anyone/);
    assert.match(log, /Token is written in the flows file/);
    const body = seedRawBodies(readSeed('003'))[0];
    const open = await request(port, 'POST', '/hook-open', body, JSON_CT);
    assert.equal(open.status, 200, open.text);
    const flowsSecret = await request(port, 'POST', '/hook-flows', body, JSON_CT);
    assert.equal(flowsSecret.status, 404, 'a webhook whose secret cannot be read is not opened');
    const unauth = await request(port, 'POST', '/hook-tok', body, JSON_CT);
    assert.equal(unauth.status, 401);
    assert.equal(unauth.json.error, 'UNAUTHORIZED');
    const ok = await request(port, 'POST', '/hook-tok', body, {
      ...JSON_CT,
      'x-cc-token': 'w3bh00k-t0ken',
    });
    assert.equal(ok.status, 200, ok.text);
    // A declared 8 MiB body: answered before any of it is sent.
    const big = await new Promise<{ status: number; error: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/hook-tok',
          headers: {
            ...JSON_CT,
            'content-length': String(8 * 1024 * 1024),
            'x-cc-token': 'w3bh00k-t0ken',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, error: JSON.parse(text).error });
            req.destroy();
          });
        },
      );
      req.on('error', (err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
      });
      req.flushHeaders();
    });
    assert.deepEqual(big, { status: 413, error: 'TOO_LARGE' });
    assert.ok(
      !log.includes('w3bh00k-t0ken') && !log.includes('left-in-flows'),
      'a secret was logged',
    );
  });

  it('a gateway announcing absurd timings: one login, pings at the floor, no renew storm', async () => {
    await until(
      'logged in to the absurd gateway',
      () => fake.frames('login').length >= 1,
      10_000,
      20,
    );
    const t0 = Date.now();
    const pingsBefore = fake.frames('ping').length;
    const subscribesBefore = fake.frames('subscribe').length;
    await sleep(1500);
    const elapsed = Date.now() - t0;
    const pings = fake.frames('ping').length - pingsBefore;
    assert.equal(fake.frames('login').length, 1, 'reconnected');
    assert.ok(pings <= Math.ceil(elapsed / 500) + 1, `${pings} pings in ${elapsed} ms`);
    const subscribes = fake.frames('subscribe').length - subscribesBefore;
    // Granted 1 s: 80 % would renew every 0.8 s; held to the 5 s floor, at most one renewal here.
    assert.ok(subscribes <= 1, `${subscribes} subscribes in ${elapsed} ms`);
    assert.match(log, /heartbeat of 1 ms; pinging every 500 ms/);
  });
});
