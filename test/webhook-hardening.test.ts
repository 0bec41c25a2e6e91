/**
 * Webhook ingress hardening, in the core (no Node-RED): the authentication plan (a secret that
 * cannot be read stops the webhook, no authentication is explicit), replay protection (a signed
 * timestamp inside a window) and safe error messages. The capped body reader is tested through
 * the Node-RED webhook route (test/nodes-webhook.test.ts).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { planWebhookAuth } from '../src/webhook/auth';
import { WebhookIngress } from '../src/webhook/ingress';
import { answerError } from '../src/webhook/http';
import { readSeed, seedRawBodies } from './support/seeds';

const JSON_CT = { 'content-type': 'application/json' };
const SECRET = 'hmac-7c1e-secret';
const raw = Buffer.from(seedRawBodies(readSeed('003'))[0]);

function signAt(ts: string, body: Buffer, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(`${ts}.`).update(body).digest('hex')}`;
}

describe('webhook auth plan', () => {
  it('a chosen secret that is not in the credentials stops the webhook', () => {
    assert.deepEqual(planWebhookAuth({ mode: 'token', credentials: {} }), {
      ok: false,
      code: 'secret-missing',
      field: 'token',
    });
    assert.deepEqual(planWebhookAuth({ mode: 'both', credentials: { token: 't' } }), {
      ok: false,
      code: 'secret-missing',
      field: 'hmacSecret',
    });
    assert.deepEqual(planWebhookAuth({ mode: 'sometimes' }), { ok: false, code: 'bad-mode' });
  });

  it('a secret left in the flows file (plain or under credentials) is named, not ignored', () => {
    for (const config of [{ token: 's3cret' }, { credentials: { token: 's3cret' } }]) {
      assert.deepEqual(planWebhookAuth({ mode: undefined, credentials: {}, config }), {
        ok: false,
        code: 'secret-in-flows',
        field: 'token',
      });
      assert.deepEqual(planWebhookAuth({ mode: 'token', credentials: undefined, config }), {
        ok: false,
        code: 'secret-in-flows',
        field: 'token',
      });
    }
    const hmac = planWebhookAuth({ mode: 'hmac', config: { hmacSecret: 'k' } });
    assert.deepEqual(hmac, { ok: false, code: 'secret-in-flows', field: 'hmacSecret' });
    // Read from the credentials as well: the readable copy is used.
    const both = planWebhookAuth({
      mode: 'token',
      credentials: { token: 'a' },
      config: { token: 'a' },
    });
    assert.equal(both.ok && both.token, 'a');
    // Inherited properties are not "left in the flows file".
    const proto = Object.create({ token: 'x' }) as Record<string, unknown>;
    assert.equal(planWebhookAuth({ config: proto }).ok, true);
  });

  it('no authentication: explicit "none", or a node saved before the choice with no secret; both flagged open', () => {
    const none = planWebhookAuth({ mode: 'none', credentials: { token: 'ignored' } });
    assert.equal(none.ok && none.open, true);
    assert.equal(none.ok && none.token, undefined);
    const legacy = planWebhookAuth({ credentials: {} });
    assert.equal(legacy.ok && legacy.open, true);
    assert.equal(legacy.ok && legacy.mode, 'none');
    const legacyTok = planWebhookAuth({ credentials: { token: 't', hmacSecret: 'h' } });
    assert.deepEqual(legacyTok, {
      ok: true,
      mode: 'both',
      token: 't',
      hmacSecret: 'h',
      replayWindowS: 0,
      open: false,
      replayIgnored: false,
    });
  });

  it('the replay window applies with an HMAC secret only, otherwise it is flagged ignored', () => {
    const on = planWebhookAuth({
      mode: 'hmac',
      credentials: { hmacSecret: 'h' },
      replayWindowS: '300',
    });
    assert.equal(on.ok && on.replayWindowS, 300);
    const off = planWebhookAuth({
      mode: 'token',
      credentials: { token: 't', hmacSecret: 'h' },
      replayWindowS: 300,
    });
    assert.equal(off.ok && off.replayWindowS, 0);
    assert.equal(off.ok && off.replayIgnored, true);
    assert.equal(off.ok && off.hmacSecret, undefined, 'mode token does not check the HMAC');
  });
});

describe('webhook replay protection', () => {
  const NOW = 1_760_000_000_000;
  const ingress = () =>
    new WebhookIngress({ hmacSecret: SECRET, replayWindowS: 300, now: () => NOW });
  const ts = (offsetS: number) => String(Math.floor(NOW / 1000) + offsetS);
  const post = (i: WebhookIngress, headers: Record<string, string>) =>
    i.handle({ headers: { ...JSON_CT, ...headers }, rawBody: raw });

  it('accepts a signature over "<timestamp>.<body>" within the window', () => {
    const i = ingress();
    const o = post(i, { 'x-cc-timestamp': ts(-299), 'x-cc-signature': signAt(ts(-299), raw) });
    assert.equal(o.status, 200, JSON.stringify(o.body));
    const ahead = post(i, { 'x-cc-timestamp': ts(120), 'x-cc-signature': signAt(ts(120), raw) });
    assert.equal(ahead.status, 200);
  });

  it('refuses a missing, malformed, stale or unsigned timestamp, each with its reason', () => {
    const i = ingress();
    const plain = `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`;
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'x-cc-signature': plain }, 'timestamp_missing', /x-cc-timestamp/],
      [
        { 'x-cc-timestamp': 'yesterday', 'x-cc-signature': plain },
        'timestamp_malformed',
        /unix seconds/,
      ],
      // The body's signature without the timestamp in it: a replayed old-style delivery.
      [{ 'x-cc-timestamp': ts(0), 'x-cc-signature': plain }, 'signature_invalid', /x-cc-timestamp/],
      // Someone moved the timestamp of a signed delivery forward.
      [
        { 'x-cc-timestamp': ts(5), 'x-cc-signature': signAt(ts(-400), raw) },
        'signature_invalid',
        /match/,
      ],
      [
        { 'x-cc-timestamp': ts(-301), 'x-cc-signature': signAt(ts(-301), raw) },
        'timestamp_stale',
        /300 s/,
      ],
    ];
    for (const [headers, reason, message] of cases) {
      const before = i.stats().rejected[reason] ?? 0;
      const o = post(i, headers);
      assert.equal(o.status, 401, reason);
      const body = o.body as { error: string; message: string };
      assert.equal(body.error, 'UNAUTHORIZED');
      assert.match(body.message, message, reason);
      assert.equal(i.stats().rejected[reason], before + 1, reason);
    }
    assert.equal(i.stats().accepted, 0);
  });
});

describe('webhook error answers carry a code and a safe message', () => {
  it('a hostile request object: 400 without what it threw', () => {
    const i = new WebhookIngress();
    const hostile = {
      get headers(): Record<string, string> {
        throw new Error('internal detail /etc/passwd');
      },
      rawBody: raw,
    };
    const o = i.handle(hostile);
    assert.equal(o.status, 400);
    assert.deepEqual(o.body, {
      ok: false,
      error: 'BAD_JSON',
      message: 'the request could not be read',
    });
  });

  it('an error on the way: 500 INTERNAL with a fixed message; a 4xx it carries stays a 4xx', async () => {
    const a = express();
    a.post(
      '/hook',
      (req: express.Request, _res: express.Response, next: express.NextFunction) => {
        const status = req.headers['x-status'];
        const err = Object.assign(new Error('db password=hunter2 at /srv/app.js:12'), {
          status: status ? Number(status) : undefined,
        });
        next(err);
      },
      (err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
        answerError(res, err),
    );
    const server = await listen(a);
    try {
      const internal = await send(server.port, { headers: JSON_CT, body: '{}' });
      assert.equal(internal.status, 500);
      const body = JSON.parse(internal.body);
      assert.equal(body.error, 'INTERNAL');
      assert.ok(!internal.body.includes('hunter2') && !internal.body.includes('/srv'));
      const refused = await send(server.port, {
        headers: { ...JSON_CT, 'x-status': '403' },
        body: '{}',
      });
      assert.equal(refused.status, 403);
      assert.equal(JSON.parse(refused.body).error, 'REFUSED');
      assert.ok(!refused.body.includes('hunter2'));
    } finally {
      await server.close();
    }
  });
});

interface Served {
  port: number;
  close(): Promise<void>;
}

async function listen(app: express.Express): Promise<Served> {
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function send(
  port: number,
  o: { headers: Record<string, string>; body: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { port, host: '127.0.0.1', method: 'POST', path: '/hook', headers: o.headers },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
