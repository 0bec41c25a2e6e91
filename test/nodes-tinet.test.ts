/**
 * A preview call node on a cc-gateway set to platform Tinet, in Node-RED (test helper), against
 * the simulator's Tinet face (`ccflow-sim --platform tinet`, here started in-process): signed
 * REST calls out, the simulator's HTTP pushes back in on the gateway's push path (Node-RED's
 * httpNode, served on a loopback port), outcomes from the pushes alone.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import { Simulator } from '../src/simulator';
import { helper, Rig, TAB, outputNames } from './support/nodes-rig';

/* eslint-disable @typescript-eslint/no-require-imports */
const gatewayModule = require('../nodes/cc-gateway');
const previewModule = require('../nodes/cc-preview-call');
const controlModule = require('../nodes/cc-call-control');
/* eslint-enable @typescript-eslint/no-require-imports */

const WAIT_MS = 8000;

describe('Tinet gateway: preview call against the simulator in Tinet mode', function () {
  this.timeout(15000);
  let httpNode: express.Express | undefined;
  let server: http.Server;
  let pushUrl = '';
  let sim: Simulator | undefined;

  /** The server the runtime is said to listen on (RED.server), when a test sets one. */
  let listeningOn: http.Server | undefined;

  function gatewayWithHttp(RED: { httpNode: express.Express }): void {
    httpNode = RED.httpNode;
    gatewayModule(
      listeningOn
        ? new Proxy(RED, { get: (t, k) => (k === 'server' ? listeningOn : Reflect.get(t, k)) })
        : RED,
    );
  }

  before(async () => {
    server = http.createServer((req, res) => {
      if (httpNode) httpNode(req as any, res as any, () => res.writeHead(404).end());
      else res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    pushUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cc/tinet/push`;
  });

  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  afterEach(async () => {
    listeningOn = undefined;
    await helper.unload();
    await sim?.dispose();
    sim = undefined;
  });

  /** Preview call and call control nodes on a Tinet gateway; outputs collected by a Rig. */
  async function load(gateway: Record<string, unknown>, credentials: Record<string, string>) {
    const preview = outputNames('previewObCall', true);
    const pause = outputNames('pause', false);
    const blind = outputNames('blxfer', false);
    const flow: object[] = [
      { id: TAB, type: 'tab', label: 'tinet' },
      {
        id: 'gw',
        type: 'cc-gateway',
        name: 'tinet',
        platform: 'tinet',
        responseTimeout: 5,
        ...gateway,
      },
      {
        id: 'call',
        type: 'cc-preview-call',
        z: TAB,
        gateway: 'gw',
        wires: preview.map((_, i) => [`call-out${i}`]),
      },
      {
        id: 'ctlPause',
        type: 'cc-call-control',
        z: TAB,
        gateway: 'gw',
        operation: 'pause',
        wires: pause.map((_, i) => [`ctlPause-out${i}`]),
      },
      {
        id: 'ctlConsult',
        type: 'cc-call-control',
        z: TAB,
        gateway: 'gw',
        operation: 'blxfer',
        wires: blind.map((_, i) => [`ctlConsult-out${i}`]),
      },
      ...preview.map((_, i) => ({ id: `call-out${i}`, type: 'helper', z: TAB })),
      ...pause.map((_, i) => ({ id: `ctlPause-out${i}`, type: 'helper', z: TAB })),
      ...blind.map((_, i) => ({ id: `ctlConsult-out${i}`, type: 'helper', z: TAB })),
      { id: 'catcher', type: 'catch', z: TAB, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: TAB },
    ];
    await helper.load([gatewayWithHttp, previewModule, controlModule], flow, { gw: credentials });
    const rig = new Rig(['call', 'ctlPause', 'ctlConsult']);
    rig.attach({ call: preview, ctlPause: pause, ctlConsult: blind });
    return rig;
  }

  /** A standalone simulator speaking Tinet, as `ccflow-sim --platform tinet --push <url>`. */
  async function tinetSim(token = 'the-token'): Promise<string> {
    sim = new Simulator({
      speed: 20,
      tinet: { enterpriseId: '7000002', token, pushUrls: [pushUrl], pushToken: 'push-secret' },
    });
    const { port } = await sim.start();
    return `http://127.0.0.1:${port}/interface/v10`;
  }

  it('ends bridged for an answering number and failed with the reason for a busy one, from the pushes', async () => {
    const base = await tinetSim();
    const rig = await load(
      { mode: 'remote', tinetBaseUrl: base, tinetId: '7000002', tinetPushPath: '/cc/tinet/push' },
      { tinetToken: 'the-token', tinetPushToken: 'push-secret' },
    );
    rig.send('call', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'lead-1' });
    const ok = await rig.outcome('call', 'lead-1', WAIT_MS);
    assert.equal(ok.output, 'bridged', JSON.stringify(ok.msg.cc));
    assert.equal(ok.msg.topic, 'previewObCallBridge');
    assert.ok(
      ok.msg.cc.events.some((e: { name: string }) => e.name === 'previewObCallRinging'),
      JSON.stringify(ok.msg.cc.events),
    );
    assert.ok(rig.of('call', 'progress').length >= 1);

    rig.send('call', { payload: { agent: '1002', customerNumber: '485001000' }, crm: 'lead-2' });
    const busy = await rig.outcome('call', 'lead-2', WAIT_MS);
    assert.equal(busy.output, 'failed');
    assert.equal(busy.msg.cc.reason, 'customerBusy');
    assert.equal(busy.msg.topic, 'previewObCallResult');
    await rig.waitFor(() => rig.caught.length >= 1, WAIT_MS, 'the failure at the Catch node');
  });

  it('a wrong interface token: the simulator refuses the signature, the node ends failed / refused with the vendor message', async () => {
    const base = await tinetSim('the-token');
    const rig = await load(
      { mode: 'remote', tinetBaseUrl: base, tinetId: '7000002' },
      { tinetToken: 'a-wrong-token', tinetPushToken: 'push-secret' },
    );
    rig.send('call', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'lead-3' });
    const r = await rig.outcome('call', 'lead-3', WAIT_MS);
    assert.equal(r.output, 'failed');
    assert.equal(r.msg.cc.reason, 'refused');
    assert.equal(r.msg.cc.errorCode, '10003');
    assert.match(r.msg.cc.message, /权限验证失败/);
    assert.doesNotMatch(JSON.stringify(r.msg), /a-wrong-token/);
  });

  it('in simulator mode: pause is carried, blind transfer ends failed / unsupported, the push path refuses a wrong push token', async () => {
    const rig = await load(
      { mode: 'simulator', simSpeed: 20, tinetSimPushUrl: pushUrl },
      { tinetPushToken: 'push-secret' },
    );
    rig.send('call', { payload: { agent: '1003', customerNumber: '48500100201' }, crm: 'lead-4' });
    const ok = await rig.outcome('call', 'lead-4', WAIT_MS);
    assert.equal(ok.output, 'bridged', JSON.stringify(ok.msg.cc));
    rig.send('ctlPause', { payload: { agent: '1004', pauseType: 2 }, crm: 'p' });
    const p = await rig.outcome('ctlPause', 'p', WAIT_MS);
    assert.equal(p.output, 'done', JSON.stringify(p.msg.cc));
    rig.send('ctlConsult', { payload: { agent: '1003', targetType: 1, target: '1005' }, crm: 'c' });
    const c = await rig.outcome('ctlConsult', 'c', WAIT_MS);
    assert.equal(c.output, 'failed');
    assert.equal(c.msg.cc.reason, 'unsupported');
    const bad = await fetch(`${pushUrl}?type=9&token=nope`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cno=1001&loginStatus=1&state=idle',
    });
    assert.equal(bad.status, 401);
  });
  it('in simulator mode with no push URL set: the pushes go to the port Node-RED listens on, not to uiPort', async () => {
    // As `npm start --port 0` runs it: uiPort is 0 (any free port), the server listens on one.
    listeningOn = server;
    const rig = await load({ mode: 'simulator', simSpeed: 20 }, { tinetPushToken: 'push-secret' });
    rig.send('call', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'lead-5' });
    const ok = await rig.outcome('call', 'lead-5', WAIT_MS);
    assert.equal(ok.output, 'bridged', JSON.stringify(ok.msg.cc));
  });
});
