/**
 * Conpeek readiness: the dialog events webhook with the Conpeek preset (the default) takes the
 * vendor's bodies whatever their content type and acknowledges other Conpeek event classes
 * without emitting them; the strict preset keeps refusing both.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { WebhookIngress } from '../src/webhook/ingress';
import { dialogPreset } from '../src/webhook/presets';
import { readSeed, seedRawBodies } from './support/seeds';
import { until } from './support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dialogModule = require('../nodes/cc-dialog-events');

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

/** A voice campaign event, another Conpeek event class that may reach the same URL. */
const VOICE_CAMPAIGN = JSON.stringify({
  event_type: 'voice_campaign',
  event_name: 'campaign_contact_update',
  event_time: '2020-08-25 16:30:00',
  campaign_id: 12,
  contact_id: 345,
  state: 'finished',
});

/** POST raw bytes with exactly the given headers (no content type unless given). */
function post(
  base: string,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${path}`,
      { method: 'POST', headers: { 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('Conpeek webhooks (dialog events, Conpeek preset)', function () {
  this.timeout(10000);
  let httpNode: express.Express;
  let server: http.Server | undefined;
  let base = '';

  function withHttp(RED: { httpNode: express.Express }): void {
    httpNode = RED.httpNode;
    dialogModule(RED);
  }

  beforeEach(async () => {
    await helper.load(
      withHttp,
      [
        {
          id: 'hookConpeek',
          type: 'cc-dialog-events',
          source: 'webhook',
          path: '/cc/conpeek',
          auth: 'token',
          wires: [['out']],
        },
        {
          id: 'hookStrict',
          type: 'cc-dialog-events',
          source: 'webhook',
          path: '/cc/strict',
          auth: 'token',
          preset: 'strict',
          wires: [['outStrict']],
        },
        { id: 'out', type: 'helper' },
        { id: 'outStrict', type: 'helper' },
      ],
      {
        hookConpeek: { token: 'conpeek-static-header' },
        hookStrict: { token: 'conpeek-static-header' },
      },
    );
    server = http.createServer(httpNode);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  it('the eight Conpeek bodies posted with no content type and a voice_campaign body all get 2xx; the eight are emitted, the other is not', async () => {
    const out: Msg[] = [];
    helper.getNode('out').on('input', (m: Msg) => out.push(m));
    const token = { 'x-cc-token': 'conpeek-static-header' };
    const raw = seedRawBodies(readSeed('003'));
    assert.equal(raw.length, 8);
    for (const body of raw) {
      const res = await post(base, '/cc/conpeek', body, token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, { ok: true, duplicate: false });
    }
    const other = await post(base, '/cc/conpeek', VOICE_CAMPAIGN, token);
    assert.equal(other.status, 200, JSON.stringify(other.body));
    assert.deepEqual(other.body, { ok: true, duplicate: false, ignored: 'voice_campaign' });
    await until('eight messages', () => out.length === 8);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(out.length, 8);
    assert.deepEqual(
      out.map((m) => m.topic),
      raw.map((b) => JSON.parse(b).event_name),
    );
    assert.ok(out.every((m) => m.payload.event_type === 'user_dialog'));
    // The token is still required.
    const anonymous = await post(base, '/cc/conpeek', raw[0]);
    assert.equal(anonymous.status, 401);
  });

  it('the strict preset refuses a body without content type (415) and another class (422)', async () => {
    const token = { 'x-cc-token': 'conpeek-static-header' };
    const raw = seedRawBodies(readSeed('003'));
    assert.equal((await post(base, '/cc/strict', raw[0], token)).status, 415);
    const other = await post(base, '/cc/strict', VOICE_CAMPAIGN, {
      ...token,
      'content-type': 'application/json',
    });
    assert.equal(other.status, 422);
  });

  it('the ingress counts the acknowledged classes and still refuses what is not JSON or compressed', () => {
    const ingress = new WebhookIngress(dialogPreset('conpeek'));
    const raw = seedRawBodies(readSeed('003'));
    const r1 = ingress.handle({
      headers: { 'content-type': 'text/plain' },
      rawBody: Buffer.from(raw[0]),
    });
    assert.equal(r1.status, 200);
    assert.ok(r1.status === 200 && r1.event);
    const r2 = ingress.handle({ headers: {}, rawBody: Buffer.from(VOICE_CAMPAIGN) });
    assert.equal(r2.status, 200);
    assert.equal(r2.status === 200 && r2.event, undefined);
    ingress.handle({ headers: {}, rawBody: Buffer.from(VOICE_CAMPAIGN.replace('12', '13')) });
    assert.deepEqual(ingress.stats().ignored, { voice_campaign: 2 });
    assert.equal(ingress.stats().accepted, 1);
    assert.equal(ingress.handle({ headers: {}, rawBody: Buffer.from('event_type=x') }).status, 400);
    assert.equal(
      ingress.handle({ headers: { 'content-encoding': 'gzip' }, rawBody: Buffer.from(raw[1]) })
        .status,
      415,
    );
  });
});
