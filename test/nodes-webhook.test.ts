/**
 * cc-dialog-events in webhook mode, hardened, in the Node-RED test helper: a secret that cannot
 * be read stops the webhook with an error (no route), no authentication is logged as a warning,
 * `httpNodeMiddleware` runs before the route (function or array) as for core `http in` and a
 * JSON body parser there leaves the signed bytes to the webhook, `httpNodeRoot: false` adds no
 * route, an oversized body is refused before it is sent (declared) or as soon as it passes the
 * limit (chunked), errors on the way answer with a code and a safe message, and replay
 * protection works.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { readSeed, seedRawBodies } from './support/seeds';
import { until } from './support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dialogModule = require('../nodes/cc-dialog-events');

helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

const raw = seedRawBodies(readSeed('003'));

function logged(level: number, pattern: RegExp): Msg[] {
  return helper
    .log()
    .getCalls()
    .map((c: { args: Msg[] }) => c.args[0])
    .filter((e: Msg) => e && e.level === level && pattern.test(String(e.msg)));
}
const WARN = 30;
const ERROR = 20;

function routes(httpNode: express.Express): string[] {
  return ((httpNode as any)._router?.stack ?? [])
    .filter((l: Msg) => l.route)
    .map((l: Msg) => l.route.path as string);
}

interface Answer {
  status: number;
  body: Msg;
  text: string;
  connection?: string;
}

/**
 * POST `body` and resolve with the answer. A body given as chunks (or none) is sent chunked and
 * never finished: the answer must come while the sender is still sending.
 */
function post(
  port: number,
  path: string,
  body: string | Buffer[] | undefined,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: Msg;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = {};
          }
          resolve({
            status: res.statusCode ?? 0,
            body: parsed,
            text,
            connection: res.headers.connection,
          });
          req.destroy();
        });
      },
    );
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    if (typeof body === 'string') {
      req.end(body);
    } else {
      req.flushHeaders();
      for (const chunk of body ?? []) req.write(chunk);
    }
  });
}

describe('cc-dialog-events webhook hardening', function () {
  let httpNode: express.Express;
  let server: http.Server | undefined;
  let port = 0;

  function withHttp(RED: { httpNode: express.Express }): void {
    httpNode = RED.httpNode;
    dialogModule(RED);
  }

  async function load(flow: Msg[], credentials: Msg = {}, settings: Msg = {}): Promise<void> {
    helper.settings(settings);
    await helper.load(withHttp, flow, credentials);
    server = http.createServer(httpNode);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  }

  afterEach(async () => {
    await helper.unload();
    helper.settings({});
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
    }
    server = undefined;
  });

  const hook = (id: string, extra: Msg) => ({
    id,
    type: 'cc-dialog-events',
    source: 'webhook',
    wires: [[`${id}-out`]],
    ...extra,
  });
  const out = (id: string) => ({ id: `${id}-out`, type: 'helper' });

  it('a token left in the flows file stops the webhook with an error naming it; nothing is opened', async () => {
    await load([
      hook('flowsTok', { path: '/cc/flows', auth: 'token', token: 's3cret' }),
      hook('legacy', { path: '/cc/legacy', hmacSecret: 'k3y' }),
      hook('noCred', { path: '/cc/nocred', auth: 'hmac' }),
      out('flowsTok'),
      out('legacy'),
      out('noCred'),
    ]);
    // (The test helper logs message keys; the real runtime's text is checked in the fault suite.)
    const errors = logged(ERROR, /errors\.secret-/);
    assert.equal(errors.length, 3, JSON.stringify(errors));
    assert.match(errors.find((e) => e.id === 'flowsTok')!.msg, /secret-in-flows/);
    assert.match(errors.find((e) => e.id === 'legacy')!.msg, /secret-in-flows/);
    assert.match(errors.find((e) => e.id === 'noCred')!.msg, /secret-missing/);
    for (const e of errors) assert.ok(!String(e.msg).includes('s3cret'));
    assert.deepEqual(routes(httpNode), [], 'no route was added');
    for (const path of ['/cc/flows', '/cc/legacy', '/cc/nocred']) {
      assert.equal((await post(port, path, raw[0])).status, 404, path);
    }
  });

  it('no authentication is logged as a warning at start, chosen or inherited from an older node', async () => {
    await load(
      [
        hook('open', { path: '/cc/open', auth: 'none' }),
        hook('old', { path: '/cc/old' }),
        hook('tok', { path: '/cc/tok', auth: 'token' }),
        out('open'),
        out('old'),
        out('tok'),
      ],
      { tok: { token: 't0ken' } },
    );
    const warned = logged(WARN, /warnings\.no-auth/);
    assert.deepEqual(warned.map((w) => w.id).sort(), ['old', 'open']);
    assert.equal((await post(port, '/cc/open', raw[0])).status, 200);
    assert.equal((await post(port, '/cc/tok', raw[0])).status, 401);
    assert.equal((await post(port, '/cc/tok', raw[0], { 'x-cc-token': 't0ken' })).status, 200);
  });

  it('runs httpNodeMiddleware before the route, as core http in does (function and array)', async () => {
    const seen: string[] = [];
    const gate: express.RequestHandler = (req, res, next) => {
      seen.push(`${req.method} ${req.path} read=${req.readableEnded}`);
      if (req.headers['x-proxy-auth'] !== 'yes') {
        res.status(407).json({ ok: false, error: 'PROXY' });
        return;
      }
      next();
    };
    await load(
      [hook('mw', { path: '/cc/mw', auth: 'none' }), out('mw')],
      {},
      { httpNodeMiddleware: [gate] },
    );
    const got: Msg[] = [];
    helper.getNode('mw-out').on('input', (m: Msg) => got.push(m));
    const refused = await post(port, '/cc/mw', raw[0]);
    assert.equal(refused.status, 407);
    assert.equal(refused.body.error, 'PROXY');
    const passed = await post(port, '/cc/mw', raw[0], { 'x-proxy-auth': 'yes' });
    assert.equal(passed.status, 200, passed.text);
    assert.deepEqual(seen, ['POST /cc/mw read=false', 'POST /cc/mw read=false']);
    await helper.unload();

    // A single function, and an error raised by it: 500 with a code and a fixed message.
    await load(
      [hook('mw2', { path: '/cc/mw2', auth: 'none' }), out('mw2')],
      {},
      {
        httpNodeMiddleware: (_req: unknown, _res: unknown, next: (e?: unknown) => void) =>
          next(new Error('ldap://admin:pw@10.0.0.1 unreachable')),
      },
    );
    const failed = await post(port, '/cc/mw2', raw[0]);
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error, 'INTERNAL');
    assert.ok(!failed.text.includes('ldap') && !failed.text.includes('pw@'), failed.text);
    assert.equal(logged(WARN, /unreachable/).length, 1, 'the detail goes to the log');
  });

  it('adds no route when httpNodeRoot is false, and says so', async () => {
    await load(
      [hook('off', { path: '/cc/off', auth: 'none' }), out('off')],
      {},
      { httpNodeRoot: false },
    );
    assert.deepEqual(routes(httpNode), []);
    assert.equal(logged(WARN, /errors\.http-disabled/).length, 1);
    assert.equal(logged(WARN, /warnings\.no-auth/).length, 0, 'nothing was opened');
  });

  it('refuses a declared oversized body before it is sent, and closes the connection', async () => {
    await load([hook('small', { path: '/cc/small', auth: 'none', maxKb: 1 }), out('small')]);
    const r = await post(port, '/cc/small', undefined, {
      'content-length': String(8 * 1024 * 1024),
    });
    assert.equal(r.status, 413);
    assert.equal(r.body.error, 'TOO_LARGE');
    assert.equal(r.connection, 'close');
  });

  it('cuts a chunked body at the limit and answers 413 while the sender is still sending; nothing is emitted', async () => {
    await load([hook('chunked', { path: '/cc/chunked', auth: 'none', maxKb: 1 }), out('chunked')]);
    const got: Msg[] = [];
    helper.getNode('chunked-out').on('input', (m: Msg) => got.push(m));
    const r = await post(
      port,
      '/cc/chunked',
      Array.from({ length: 10 }, () => Buffer.alloc(200, 0x20)),
    );
    assert.equal(r.status, 413, r.text);
    assert.deepEqual(r.body, {
      ok: false,
      error: 'TOO_LARGE',
      message: 'body is larger than 1024 bytes',
    });
    assert.equal(r.connection, 'close');
    // The route goes on: a body within the limit is read whole and emitted, alone.
    assert.ok(Buffer.byteLength(raw[2]) <= 1024);
    const ok = await post(port, '/cc/chunked', raw[2]);
    assert.equal(ok.status, 200, ok.text);
    await until('the small body', () => got.length === 1);
    assert.deepEqual(got[0].payload, JSON.parse(raw[2]));
    assert.equal(got.length, 1);
  });

  it('a JSON body parser in httpNodeMiddleware leaves the body to the webhook: an HMAC over the sent bytes verifies', async () => {
    const parsed: unknown[] = [];
    const json = express.json();
    const parser: express.RequestHandler = (req, res, next) =>
      json(req, res, (err?: unknown) => {
        parsed.push(req.body);
        next(err);
      });
    await load(
      [hook('hp', { path: '/cc/hp', auth: 'hmac' }), out('hp')],
      { hp: { hmacSecret: 'k3y' } },
      { httpNodeMiddleware: parser },
    );
    const got: Msg[] = [];
    helper.getNode('hp-out').on('input', (m: Msg) => got.push(m));
    const sig = 'sha256=' + crypto.createHmac('sha256', 'k3y').update(raw[0]).digest('hex');
    const r = await post(port, '/cc/hp', raw[0], { 'x-cc-signature': sig });
    assert.equal(r.status, 200, r.text);
    assert.equal(parsed.length, 1, 'the parser ran');
    assert.ok(!parsed[0] || Object.keys(parsed[0] as object).length === 0, 'and parsed nothing');
    await until('the signed body', () => got.length === 1);
    assert.deepEqual(got[0].payload, JSON.parse(raw[0]));
  });

  it('a middleware that reads the stream itself: the route answers from what it left (no hang)', async () => {
    // Not a body parser (no `_body` mark): it reads the request to its end and parses it.
    const reader = (
      req: NodeJS.ReadableStream & { body?: unknown },
      _res: unknown,
      next: (e?: unknown) => void,
    ): void => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        req.body = JSON.parse(text) as unknown;
        next();
      });
    };
    await load([hook('rd', { path: '/cc/rd' }), out('rd')], {}, { httpNodeMiddleware: reader });
    const got: Msg[] = [];
    helper.getNode('rd-out').on('input', (m: Msg) => got.push(m));
    const r = await post(port, '/cc/rd', raw[0]);
    assert.equal(r.status, 200, r.text);
    await until('the event', () => got.length === 1);
    assert.deepEqual(got[0].payload, JSON.parse(raw[0]));
  });

  it('with a replay window, accepts a fresh signed timestamp and refuses a stale one', async () => {
    await load([hook('rp', { path: '/cc/rp', auth: 'hmac', replayWindowS: 60 }), out('rp')], {
      rp: { hmacSecret: 'k3y' },
    });
    const sign = (ts: string, body: string) =>
      'sha256=' + crypto.createHmac('sha256', 'k3y').update(`${ts}.${body}`).digest('hex');
    const now = String(Math.floor(Date.now() / 1000));
    const fresh = await post(port, '/cc/rp', raw[0], {
      'x-cc-timestamp': now,
      'x-cc-signature': sign(now, raw[0]),
    });
    assert.equal(fresh.status, 200, fresh.text);
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const stale = await post(port, '/cc/rp', raw[1], {
      'x-cc-timestamp': old,
      'x-cc-signature': sign(old, raw[1]),
    });
    assert.equal(stale.status, 401);
    assert.match(stale.body.message, /x-cc-timestamp/);
  });
});
