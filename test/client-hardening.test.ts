/**
 * Gateway client hardening against a fake gateway on 127.0.0.1: floors on what a server
 * announces (a heartbeat of 1 ms, a subscription period far shorter than asked), an invalid URL
 * ends the client with one clear error instead of retries, the password never shows in
 * util.inspect of the client, and a secret in the URL's query string never reaches a log line,
 * a status or an error.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { GatewayClient, MIN_ANNOUNCED_HEARTBEAT_MS } from '../src/client/gateway-client';
import type { ConnectionStatus, Logger } from '../src/client/api';
import { FakeGateway } from './support/fake-gateway';
import { sleep, until } from './support/wait';

const PASSWORD = 'pa55-w0rd-7f3a';

describe('gateway client hardening', function () {
  this.timeout(10_000);
  let gw: FakeGateway | undefined;
  let client: GatewayClient | undefined;

  afterEach(async () => {
    await client?.close();
    await gw?.stop();
    client = undefined;
    gw = undefined;
  });

  async function start(
    options: ConstructorParameters<typeof FakeGateway>[0],
    over: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {},
  ): Promise<GatewayClient> {
    gw = new FakeGateway({ users: { demo: PASSWORD }, ...options });
    await gw.listen(0);
    client = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: PASSWORD,
      heartbeatMs: 15_000,
      ...over,
    });
    client.start();
    await client.whenConnected();
    return client;
  }

  it('a server announcing a 1 ms heartbeat gets pings at the floor, and no reconnect storm', async () => {
    const c = await start({ heartbeatMs: 1 });
    const problems: string[] = [];
    c.onProblem((p) => problems.push(p.message));
    const t0 = Date.now();
    await sleep(1200);
    const pings = gw!.frames('ping').length;
    const limit = Math.ceil((Date.now() - t0) / MIN_ANNOUNCED_HEARTBEAT_MS) + 1;
    assert.ok(pings <= limit, `${pings} pings in ${Date.now() - t0} ms`);
    assert.equal(c.stats().reconnects, 0);
    assert.equal(c.status.state, 'connected');
    assert.equal(gw!.frames('login').length, 1);
  });

  it('says so when the announced heartbeat is under the floor', async () => {
    const problems: string[] = [];
    gw = new FakeGateway({ users: { demo: PASSWORD }, heartbeatMs: 1 });
    await gw.listen(0);
    client = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: PASSWORD,
    });
    client.onProblem((p) => problems.push(p.message));
    client.start();
    await client.whenConnected();
    assert.ok(
      problems.some((m) => /heartbeat of 1 ms; pinging every 500 ms/.test(m)),
      problems.join('\n'),
    );
  });

  it('a server granting a far shorter subscription period than asked is held to the floor', async () => {
    const c = await start({ grantExpires: 1 });
    c.subscribe({ id: 's', events: ['dialog.*'], expires: 3600 });
    await gw!.waitFor(() => gw!.frames('subscribe').length === 1, 2000, 'the subscribe');
    await sleep(1500); // 80 % of the granted 1 s would have renewed twice by now
    assert.equal(gw!.frames('subscribe').length, 1, 'renewed before the floor');
  });

  it('an invalid URL from a resolver ends the client with one clear error, no retries', async () => {
    const seen: ConnectionStatus[] = [];
    client = new GatewayClient({
      url: async () => 'ws://[::1',
      tenant: 'demo',
      username: 'demo',
      password: PASSWORD,
      reconnect: { initialMs: 5, maxMs: 10 },
    });
    client.onStatus((s) => seen.push({ ...s }));
    const op = client.startOperation('1001', 'hold', {});
    client.start();
    const r = await op.done;
    assert.equal(r.outcome, 'failed');
    assert.match(r.message ?? '', /not a valid URL/);
    await sleep(100);
    assert.equal(client.status.state, 'closed');
    assert.equal(
      seen.filter((s) => s.state === 'reconnecting').length,
      0,
      JSON.stringify(seen.map((s) => s.state)),
    );
    assert.throws(
      () => new GatewayClient({ url: 'ws://[::1', tenant: 'demo', username: 'u', password: 'p' }),
      /not a valid URL/,
    );
    assert.throws(
      () => new GatewayClient({ url: 'http://host', tenant: 'demo', username: 'u', password: 'p' }),
      /ws:\/\/ or wss:\/\//,
    );
  });

  it('the password is not in util.inspect of the client, at any depth', async () => {
    const c = await start({});
    const text = inspect(c, { depth: Infinity, showHidden: true });
    assert.ok(!text.includes(PASSWORD), 'the password shows in util.inspect');
    assert.ok(!JSON.stringify(c.status).includes(PASSWORD));
  });

  it('a token in the URL query string is in no log line, status or error', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m) => lines.push(m),
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    };
    const seen: ConnectionStatus[] = [];
    const secret = 'qs-s3cr3t-token';
    // Nothing listens there: every attempt fails, with the URL in the error text.
    client = new GatewayClient({
      url: `ws://127.0.0.1:1/ws?token=${secret}`,
      tenant: 'demo',
      username: 'demo',
      password: PASSWORD,
      logger,
      reconnect: { initialMs: 5, maxMs: 20 },
    });
    client.onStatus((s) => seen.push({ ...s }));
    const problems: string[] = [];
    client.onProblem((p) => problems.push(p.message));
    const op = client.startOperation('1001', 'hold', {}, { timeoutMs: 300 });
    client.start();
    await until(
      'a few attempts',
      () => seen.filter((s) => s.state === 'reconnecting').length >= 2,
      5000,
    );
    const r = await op.done;
    const all = [...lines, ...problems, JSON.stringify(seen), JSON.stringify(r)].join('\n');
    assert.ok(!all.includes(secret), 'the token leaked');
    assert.ok(!all.includes(PASSWORD), 'the password leaked');
  });
});
