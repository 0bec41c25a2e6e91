/**
 * The Tinet driver against the simulator's Tinet face, over real sockets: signed REST calls to
 * `/interface/v10/...`, HTTP pushes back to a receiver that parses them and hands them to the
 * client, as the Node-RED push path does. Outcomes come from the pushes alone.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayClient } from '../src/client/gateway-client';
import { TinetDriver } from '../src/platforms/tinet/driver';
import { parsePush } from '../src/platforms/tinet/push';
import { sign } from '../src/platforms/tinet/sign';
import { Simulator } from '../src/simulator';
import { parseCli } from '../src/simulator/cli';
import type { TinetFaceOptions } from '../src/simulator/api';
import { until } from './support/wait';

interface Rig {
  sim: Simulator;
  client: GatewayClient;
  receiver: http.Server;
  pushes: { method: string; type: string; contentType: string }[];
  base: string;
}

async function rig(face: TinetFaceOptions = {}, token = 'demo-token'): Promise<Rig> {
  const held: { client?: GatewayClient } = {};
  const pushes: Rig['pushes'] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      pushes.push({
        method: req.method ?? '',
        type: url.searchParams.get('type') ?? '',
        contentType: String(req.headers['content-type'] ?? ''),
      });
      const p = parsePush({
        query: url.search,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      const taken = p.ok && held.client !== undefined && held.client.push(p);
      res.writeHead(taken ? 200 : p.ok ? 503 : 400).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const pushUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cc/tinet/push`;
  const sim = new Simulator({ speed: 20, seed: 11, tinet: { pushUrls: [pushUrl], ...face } });
  const { port } = await sim.start();
  const base = `http://127.0.0.1:${port}/interface/v10`;
  const client = new GatewayClient({
    url: base,
    driver: new TinetDriver({ id: '7000000', token }),
    tenant: '',
    username: '',
    password: '',
  });
  held.client = client;
  client.start();
  await client.whenConnected();
  return { sim, client, receiver, pushes, base };
}

async function close(r: Rig): Promise<void> {
  await r.client.close();
  await r.sim.dispose();
  await new Promise<void>((res) => r.receiver.close(() => res()));
}

describe('Tinet driver with the simulator (REST + HTTP push)', function () {
  this.timeout(10000);
  let r: Rig | undefined;

  afterEach(async () => {
    if (r) await close(r);
    r = undefined;
  });

  it('a preview call ends bridged for an answering number, from the pushes', async () => {
    r = await rig();
    const statuses: unknown[] = [];
    r.client.on('agent', 'agentStatus', (e) => statuses.push(e.data.state));
    const names: string[] = [];
    const res = await r.client.startOperation(
      '1001',
      'previewObCall',
      {
        customerNumber: '48500100201',
      },
      { onEvent: (e) => names.push(e.name) },
    ).done;
    assert.equal(res.outcome, 'bridged', `${res.outcome} ${res.reason ?? ''} ${res.message ?? ''}`);
    assert.equal(res.final?.name, 'previewObCallBridge');
    assert.deepEqual(names, ['previewObCallRinging', 'previewObCallBridge']);
    assert.equal(res.response?.code, 0);
    await until('agentStatus talking', () => statuses.includes('talking'));
    assert.ok(r.pushes.some((p) => p.type === '3'));
    assert.ok(r.pushes.every((p) => p.method === 'POST' && p.contentType.includes('form')));
    const st = r.client.stats();
    assert.equal(st.invalidEvents, 0);
    assert.equal(st.invalidFrames, 0);
  });

  it('a busy number ends failed with the reason, from the outbound hang-up push', async () => {
    r = await rig({ pushFormat: 'json' });
    const res = await r.client.startOperation('1002', 'previewObCall', {
      customerNumber: '485001000',
    }).done;
    assert.equal(res.outcome, 'failed');
    assert.equal(res.reason, 'customerBusy');
    assert.equal(res.final?.name, 'previewObCallResult');
    assert.equal(res.final?.data.result, 1);
    assert.ok(r.pushes.some((p) => p.type === '8' && p.contentType.includes('json')));
  });

  it('pushes sent as GET work the same', async () => {
    r = await rig({ pushMethod: 'GET' });
    const res = await r.client.startOperation(
      '1003',
      'previewObCall',
      { customerNumber: '485001009' },
      {
        timeoutMs: 8000,
      },
    ).done;
    // 9: no answer; the customer answer timeout (45 s simulated) ends it.
    assert.equal(res.outcome, 'failed');
    assert.equal(res.reason, 'customerNoAnswer');
    assert.ok(r.pushes.every((p) => p.method === 'GET'));
  });

  it('a wrong token is refused by the simulator: the operation ends failed / refused with the vendor message', async () => {
    r = await rig({}, 'not-the-token');
    const res = await r.client.startOperation('1001', 'previewObCall', {
      customerNumber: '48500100201',
    }).done;
    assert.equal(res.outcome, 'failed');
    assert.equal(res.reason, 'refused');
    assert.equal(res.response?.errorCode, '10003');
    assert.match(res.message ?? res.response?.message ?? '', /权限验证失败/);
    assert.doesNotMatch(JSON.stringify(res), /not-the-token/);
  });

  it('the face refuses a stale timestamp and an unknown agent with the vendor codes', async () => {
    r = await rig();
    const post = async (path: string, form: Record<string, string>) => {
      const res = await fetch(`${r!.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      return (await res.json()) as { result: string; description: string };
    };
    const old = Math.floor(Date.now() / 1000) - 3600;
    const stale = await post('/previewOutcall', {
      validateType: '2',
      enterpriseId: '7000000',
      timestamp: String(old),
      sign: sign('7000000', old, 'demo-token'),
      cno: '1001',
      tel: '48500100201',
    });
    assert.equal(stale.result, '10003');
    assert.match(stale.description, /timestamp expired/);
    const now = Math.floor(Date.now() / 1000);
    const auth = {
      validateType: '2',
      enterpriseId: '7000000',
      timestamp: String(now),
      sign: sign('7000000', now, 'demo-token'),
    };
    const nobody = await post('/agent/unpause', { ...auth, cno: '9999' });
    assert.equal(nobody.result, '20012');
    const badTel = await post('/previewOutcall', { ...auth, cno: '1001', tel: 'abc' });
    assert.equal(badTel.result, '20000');
  });

  it('pause / unpause are carried; consult is unsupported and nothing is sent', async () => {
    r = await rig();
    const p = await r.client.startOperation('1004', 'pause', { pauseType: 2 }).done;
    assert.equal(p.outcome, 'done', `${p.reason} ${p.message}`);
    const again = await r.client.startOperation('1004', 'pause', {}).done;
    assert.equal(again.outcome, 'failed');
    assert.equal(again.response?.errorCode, '20017');
    const u = await r.client.startOperation('1004', 'unpause', {}).done;
    assert.equal(u.outcome, 'done');
    const before = r.sim.stats().requests;
    const c = await r.client.startOperation('1004', 'startAtxfer', {
      targetType: 1,
      target: '1002',
    }).done;
    assert.equal(c.outcome, 'failed');
    assert.equal(c.reason, 'unsupported');
    assert.equal(r.sim.stats().requests, before);
  });
});

describe('ccflow-sim --platform tinet', () => {
  it('reads the Tinet options and refuses bad ones', () => {
    const p = parseCli([
      '--platform',
      'tinet',
      '--tinet-enterprise',
      '7000002',
      '--push',
      'http://127.0.0.1:1880/cc/tinet/push',
      '--push-format',
      'json',
      '--push-method',
      'post',
    ]);
    assert.equal(p.platform, 'tinet');
    assert.equal(p.options.tinet?.enterpriseId, '7000002');
    assert.deepEqual(p.options.tinet?.pushUrls, ['http://127.0.0.1:1880/cc/tinet/push']);
    assert.equal(p.options.tinet?.pushFormat, 'json');
    assert.equal(p.options.tinet?.pushMethod, 'POST');
    assert.equal(parseCli([]).platform, 'ccflow');
    assert.throws(() => parseCli(['--platform', 'era5']), /--platform must be/);
    assert.throws(() => parseCli(['--push-format', 'xml']), /--push-format must be/);
  });
});
