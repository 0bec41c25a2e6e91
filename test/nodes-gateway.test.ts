/**
 * The cc-gateway config node through node-red-node-test-helper, against the embedded simulator
 * (and, for refused logins and drops, a protocol-speaking gateway) over real sockets.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { OPERATIONS } from '../src/protocol/catalogue';
import { GatewayConnection } from '../nodes/lib/gateway-connection';
import { readGatewaySettings } from '../nodes/lib/gateway-settings';
import type { SimulatorApi } from '../src/simulator/api';
import { FakeGateway } from './support/fake-gateway';
import { repoRoot } from './support/seeds';
import { delay, helper, liveResources, loadOps, type Msg, type Rig } from './support/nodes-rig';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Status texts (i18n keys in the test helper) a node has shown so far. */
function statuses(rig: Rig, id: string): string[] {
  const node = rig.node(id) as unknown as {
    status: { getCalls(): { thisValue: unknown; args: [{ text?: string }] }[] };
  };
  return node.status
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]?.text ?? '');
}

function refused(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      ws.terminate();
      resolve(false);
    });
    ws.on('error', () => resolve(true));
  });
}

/** Everything the runtime logged, and every node.error / warn argument, as text. */
function loggedText(): string {
  const parts: string[] = [];
  for (const c of helper.log().getCalls()) parts.push(JSON.stringify(c.args));
  return parts.join('\n');
}

describe('cc-gateway config node', function () {
  this.timeout(20_000);
  let fake: FakeGateway | undefined;

  afterEach(async () => {
    await helper.unload();
    if (fake) await fake.stop();
    fake = undefined;
  });

  it('starts its embedded simulator, connects once and pushes the status to every user', async () => {
    const rig = await loadOps([
      { id: 'p1', type: 'cc-preview-call' },
      { id: 'x1', type: 'cc-consult' },
      { id: 'c1', type: 'cc-call-control', operation: 'hold' },
    ]);
    const gw = rig.gateway();
    await rig.waitFor(() => gw.connectionStatus.state === 'connected', 5000, 'connected');
    await rig.waitFor(
      () =>
        statuses(rig, 'p1').includes('cc-preview-call.status.connected') &&
        statuses(rig, 'x1').includes('cc-consult.status.connected') &&
        statuses(rig, 'c1').includes('cc-call-control.status.connected'),
      3000,
      'connected status on every user',
    );
    assert.equal(rig.stats().sessions, 1, 'one connection shared by three users');
    assert.ok(gw.client, 'client exposed');
    assert.equal(gw.client?.status.state, 'connected');
  });

  it('serves the operation catalogue to the editor', async () => {
    await loadOps([{ id: 'p1', type: 'cc-preview-call' }]);
    const res = await helper.request().get('/cc-contact-center/catalogue').expect(200);
    const names = (res.body.operations as { name: string }[]).map((o) => o.name);
    assert.deepEqual(
      names,
      OPERATIONS.map((o) => o.name),
    );
    assert.ok(res.body.events.agent.includes('previewObCallBridge'));
  });

  it('opens on the first register, stays for the others and closes with the last deregister', async () => {
    const conn = new GatewayConnection(
      readGatewaySettings({ mode: 'simulator', simSpeed: 100 }, {}),
      { logger: silent },
    );
    assert.equal(conn.client, undefined);
    const a = {};
    const b = {};
    const seen: string[] = [];
    const client = conn.register(a, (s) => seen.push(`a:${s.state}`));
    await client.whenConnected();
    const sim = conn.embeddedSimulator as SimulatorApi;
    const url = sim.url;
    assert.equal(
      conn.register(b, (s) => seen.push(`b:${s.state}`)),
      client,
      'one client',
    );
    assert.ok(seen.includes('a:connected'));
    assert.ok(seen.includes('b:connected'), 'a late user gets the current status at once');
    await conn.deregister(a);
    assert.equal(conn.client, client, 'still open for b');
    assert.equal(client.status.state, 'connected');
    await conn.deregister(b);
    assert.equal(conn.client, undefined);
    assert.equal(conn.embeddedSimulator, undefined);
    assert.equal(client.status.state, 'closed');
    assert.equal(sim.stats().sessions, 0);
    assert.ok(await refused(url), 'simulator no longer listens');
    await conn.deregister(b); // idempotent
    // and it opens again for a new user
    const again = conn.register(a);
    await again.whenConnected();
    assert.notEqual(again, client);
    await conn.close();
    assert.equal(again.status.state, 'closed');
  });

  it('leaves no socket, server or timer behind across many deploys and redeploys', async () => {
    // warm up once so lazily created module-level resources are not counted
    let rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }]);
    await rig.waitFor(() => rig.gateway().connectionStatus.state === 'connected');
    await helper.unload();
    await delay(50);
    const before = liveResources();
    const sims: SimulatorApi[] = [];
    for (let i = 0; i < 25; i++) {
      rig = await loadOps([
        { id: 'p1', type: 'cc-preview-call' },
        { id: 'c1', type: 'cc-call-control', operation: 'hold' },
      ]);
      await rig.waitFor(() => rig.gateway().connectionStatus.state === 'connected');
      const sim = rig.simulator();
      sims.push(sim);
      if (i % 2 === 0) {
        // an operation in flight while redeploying: a customer that never answers
        rig.send('p1', { payload: { agent: '1001', customerNumber: '48500100209' }, crm: `r${i}` });
        await rig.waitFor(() => rig.of('p1', 'progress').length > 0, 3000, 'progress');
      }
      await helper.unload();
      assert.equal(rig.of('p1').filter((r) => r.output !== 'progress').length, 0);
    }
    await delay(100);
    // Closed sockets and cleared timers leave the handle list asynchronously: wait (bounded).
    const kinds = ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'];
    const grown = () => kinds.some((k) => (liveResources()[k] ?? 0) > (before[k] ?? 0));
    for (const end = Date.now() + 2000; grown() && Date.now() < end;) await delay(20);
    const after = liveResources();
    for (const kind of kinds) {
      assert.ok(
        (after[kind] ?? 0) <= (before[kind] ?? 0),
        `${kind}: ${before[kind] ?? 0} before, ${after[kind] ?? 0} after 25 deploys`,
      );
    }
    for (const sim of sims) {
      assert.equal(sim.stats().sessions, 0);
      assert.ok(await refused(sim.url), `simulator at ${sim.url} still listens`);
    }
  });

  it('reports a refused login to its users and never logs the credentials', async () => {
    const secret = 'Wr0ng-Secret-42';
    // a sloppy gateway that even echoes the password in its refusal
    fake = new FakeGateway({
      users: { alice: 'right' },
      refuseMessage: (l) => `bad password ${l.credentials.password}`,
    });
    await fake.listen();
    const rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { mode: 'remote', url: fake.url, reconnectInitial: 0.05, reconnectMax: 0.1 },
      credentials: { username: 'alice', password: secret },
    });
    const gw = rig.gateway();
    await rig.waitFor(() => gw.connectionStatus.state === 'authFailed', 5000, 'authFailed');
    await rig.waitFor(() => statuses(rig, 'p1').includes('cc-preview-call.status.authFailed'));
    await delay(300);
    assert.equal(fake.frames('login').length, 1, 'no login retried in a loop');
    rig.send('p1', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'a1' });
    const out = await rig.outcome('p1', 'a1');
    assert.equal(out.output, 'failed');
    assert.equal(out.msg.cc.reason, 'disconnected');
    assert.equal(fake.frames('req').length, 0, 'nothing sent');
    const text = loggedText() + JSON.stringify(rig.caught) + JSON.stringify(out.msg);
    assert.ok(!text.includes(secret), 'the password appears in a log or message');
  });

  it('never logs the credentials of a working connection either', async () => {
    const secret = 'Sim-Secret-77';
    const rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { tenant: 'acme' },
      credentials: { username: 'bob', password: secret },
    });
    const gw = rig.gateway();
    await rig.waitFor(() => gw.connectionStatus.state === 'connected', 5000, 'connected');
    rig.send('p1', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'b1' });
    const out = await rig.outcome('p1', 'b1');
    assert.equal(out.output, 'bridged');
    assert.ok(!loggedText().includes(secret));
    assert.ok(!JSON.stringify(out.msg).includes(secret));
  });

  it('shows reconnecting with the attempt count, then connected again', async () => {
    fake = new FakeGateway();
    const port = await fake.listen();
    const rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { mode: 'remote', url: fake.url, reconnectInitial: 0.05, reconnectMax: 0.2 },
      credentials: { username: 'demo', password: 'demo' },
    });
    const gw = rig.gateway();
    await rig.waitFor(() => gw.connectionStatus.state === 'connected', 5000, 'connected');
    await fake.stop();
    await rig.waitFor(
      () => gw.connectionStatus.state === 'reconnecting' && gw.connectionStatus.attempt >= 2,
      5000,
      'reconnecting, attempt 2',
    );
    assert.ok(statuses(rig, 'p1').includes('cc-preview-call.status.reconnecting'));
    await fake.listen(port);
    await rig.waitFor(() => gw.connectionStatus.state === 'connected', 5000, 'connected again');
    const all = statuses(rig, 'p1');
    assert.equal(all[all.length - 1], 'cc-preview-call.status.connected');
  });

  it('connects to a wss:// gateway with the CA from the editor, and refuses it without', async () => {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'tls');
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    fake = new FakeGateway({ tls: { key: fs.readFileSync(path.join(dir, 'key.pem')), cert } });
    await fake.listen();
    const remote = { mode: 'remote', url: fake.url, reconnectInitial: 0.05, reconnectMax: 0.1 };
    const withCa = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { ...remote, ca: cert },
      credentials: { username: 'demo', password: 'demo' },
    });
    await withCa.waitFor(
      () => withCa.gateway().connectionStatus.state === 'connected',
      5000,
      'connected over TLS',
    );
    await helper.unload();
    const logins = fake.frames('login').length;
    const withoutCa = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: remote,
      credentials: { username: 'demo', password: 'demo' },
    });
    const gw = withoutCa.gateway();
    await withoutCa.waitFor(() => gw.connectionStatus.state === 'reconnecting', 5000, 'refused');
    assert.match(gw.connectionStatus.error ?? '', /self[- ]signed|certificate/i);
    assert.equal(fake.frames('login').length, logins, 'no login without trusting the certificate');
  });

  it('takes TLS from a tls-config node (CA, server name), and warns when verification is off', async () => {
    const dir = path.join(repoRoot, 'test', 'fixtures', 'tls');
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    fake = new FakeGateway({ tls: { key: fs.readFileSync(path.join(dir, 'key.pem')), cert } });
    await fake.listen();
    const remote = { mode: 'remote', url: fake.url, reconnectInitial: 0.05, reconnectMax: 0.1 };
    const tlsNode = (extra: Msg) => ({ id: 'tlscfg', type: 'tls-config', name: 'tls', ...extra });
    // The test helper cannot load core's tls-config (it registers node settings the helper
    // lacks): a stand-in of the same type with core's addTLSOptions contract (CA from a file,
    // server name, verifyservercert). fault-runtime.test.ts has no such limit.
    const tlsModule = (RED: any): void => {
      function TLSConfig(this: any, n: Msg): void {
        RED.nodes.createNode(this, n);
        this.ca = n.ca ? fs.readFileSync(n.ca) : undefined;
        this.servername = n.servername;
        this.verifyservercert = n.verifyservercert;
      }
      TLSConfig.prototype.addTLSOptions = function (this: any, opts: Msg): Msg {
        if (this.ca) opts.ca = this.ca;
        if (this.servername) opts.servername = this.servername;
        opts.rejectUnauthorized = this.verifyservercert;
        return opts;
      };
      RED.nodes.registerType('tls-config', TLSConfig);
    };
    const viaNode = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { ...remote, tls: 'tlscfg' },
      credentials: { username: 'demo', password: 'demo' },
      extraFlow: [tlsNode({ ca: path.join(dir, 'cert.pem'), verifyservercert: true })],
      extraModules: [tlsModule],
    });
    await viaNode.waitFor(
      () => viaNode.gateway().connectionStatus.state === 'connected',
      5000,
      'connected with the tls-config CA',
    );
    assert.ok(!/verification is off/.test(loggedText()));
    await helper.unload();

    const off = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { ...remote, tls: 'tlscfg' },
      credentials: { username: 'demo', password: 'demo' },
      extraFlow: [tlsNode({ verifyservercert: false })],
      extraModules: [tlsModule],
    });
    await off.waitFor(
      () => off.gateway().connectionStatus.state === 'connected',
      5000,
      'connected',
    );
    assert.match(loggedText(), /TLS certificate verification is off/);
    await helper.unload();

    const missing = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { ...remote, tls: 'no-such-node' },
      credentials: { username: 'demo', password: 'demo' },
    });
    assert.equal(missing.gateway().connectionStatus.state, 'closed');
    assert.match(loggedText(), /TLS configuration node is missing/);
  });

  it('reports a configuration error and connects nowhere', async () => {
    const rig = await loadOps([{ id: 'p1', type: 'cc-preview-call' }], {
      gateway: { mode: 'remote', url: 'http://not-a-websocket' },
      credentials: { username: 'demo', password: 'demo' },
    });
    assert.equal(rig.gateway().connectionStatus.state, 'closed');
    assert.ok(statuses(rig, 'p1').includes('cc-preview-call.status.error'));
    rig.send('p1', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'c1' });
    const out = await rig.outcome('p1', 'c1');
    assert.equal(out.output, 'failed');
    assert.equal(out.msg.cc.reason, 'disconnected');
    assert.match(String(out.msg.cc.message ?? loggedText()), /url must start with ws/);
    await rig.waitFor(() => rig.caught.some((m: Msg) => m.crm === 'c1'), 2000, 'Catch node');
  });
});
