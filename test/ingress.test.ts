import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import type { IngressOutcome } from '../src/webhook/api';
import { WebhookIngress } from '../src/webhook/ingress';
import { seedBodies } from './support/seeds';

const root = path.resolve(__dirname, '..', '..');
const bodies = seedBodies(
  fs.readFileSync(path.join(root, 'test', 'fixtures', 'seeds', '003_f315eb356672ae0f.txt'), 'utf8'),
);
/** The seed's first body, pretty-printed as a vendor would send it (exact bytes matter). */
const raw = Buffer.from(JSON.stringify(bodies[0], null, 4));
const JSON_CT = { 'content-type': 'application/json' };
const TOKEN = 'tok-3f9a-secret';
const SECRET = 'hmac-7c1e-secret';

function sign(body: Buffer | string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function refusal(o: IngressOutcome): { status: number; error: string; message: string } {
  assert.notEqual(o.status, 200, 'expected a refusal');
  const b = o.body as { error: string; message: string };
  return { status: o.status, error: b.error, message: b.message };
}

describe('ingress: handle()', () => {
  it('accepts a valid body once, then answers repeats as duplicates without an event', () => {
    const ingress = new WebhookIngress();
    const first = ingress.handle({ headers: JSON_CT, rawBody: raw });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { ok: true, duplicate: false });
    assert.deepEqual(first.status === 200 && first.event, bodies[0]);
    const again = ingress.handle({ headers: JSON_CT, rawBody: Buffer.from(raw) });
    assert.deepEqual(again, { status: 200, body: { ok: true, duplicate: true } });
    // The same event with other bytes (other whitespace) is another delivery.
    const other = ingress.handle({
      headers: JSON_CT,
      rawBody: Buffer.from(JSON.stringify(bodies[0])),
    });
    assert.equal(other.status === 200 && other.body.duplicate, false);
    assert.deepEqual(ingress.stats(), { accepted: 2, duplicates: 1, rejected: {}, ignored: {} });
  });

  it('remembers at most dedupSize deliveries, least recently seen forgotten first', () => {
    const ingress = new WebhookIngress({ dedupSize: 2 });
    const [a, b, c] = bodies.slice(0, 3).map((x) => Buffer.from(JSON.stringify(x)));
    const dup = (buf: Buffer) => {
      const o = ingress.handle({ headers: JSON_CT, rawBody: buf });
      assert.equal(o.status, 200);
      return o.status === 200 && o.body.duplicate;
    };
    assert.equal(dup(a), false);
    assert.equal(dup(b), false);
    assert.equal(dup(a), true); // a is now the most recent
    assert.equal(dup(c), false); // b forgotten
    assert.equal(dup(a), true);
    assert.equal(dup(b), false);
    const off = new WebhookIngress({ dedupSize: 0 });
    off.handle({ headers: JSON_CT, rawBody: a });
    const o = off.handle({ headers: JSON_CT, rawBody: a });
    assert.equal(o.status === 200 && o.body.duplicate, false);
  });

  it('413 above maxBytes', () => {
    const ingress = new WebhookIngress({ maxBytes: 100 });
    const r = refusal(ingress.handle({ headers: JSON_CT, rawBody: raw }));
    assert.deepEqual(r, {
      status: 413,
      error: 'TOO_LARGE',
      message: 'body is larger than 100 bytes',
    });
    assert.deepEqual(ingress.stats().rejected, { too_large: 1 });
  });

  it('415 unless the body is declared as uncompressed UTF-8 JSON', () => {
    const ingress = new WebhookIngress();
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /content-type is missing/],
      [{ 'content-type': 'text/plain' }, /must be application\/json, got "text\/plain"/],
      [{ 'content-type': 'application/json; charset=iso-8859-1' }, /charset "iso-8859-1"/],
      [{ ...JSON_CT, 'content-encoding': 'gzip' }, /content-encoding "gzip"/],
    ];
    for (const [headers, message] of cases) {
      const r = refusal(ingress.handle({ headers, rawBody: raw }));
      assert.equal(r.status, 415);
      assert.equal(r.error, 'UNSUPPORTED_MEDIA_TYPE');
      assert.match(r.message, message);
    }
    for (const ct of [
      'application/json; charset=UTF-8',
      'Application/JSON',
      'application/vnd.cc+json',
    ]) {
      const o = new WebhookIngress().handle({ headers: { 'Content-Type': ct }, rawBody: raw });
      assert.equal(o.status, 200, ct);
    }
    assert.deepEqual(ingress.stats().rejected, { content_type: 3, content_encoding: 1 });
  });

  it('400 for bytes that are not UTF-8 JSON', () => {
    const ingress = new WebhookIngress();
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('{"event_type": '), /^body is not valid JSON: /],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /^body is not valid UTF-8$/],
      [Buffer.alloc(0), /^body is empty$/],
    ];
    for (const [rawBody, message] of cases) {
      const r = refusal(ingress.handle({ headers: JSON_CT, rawBody }));
      assert.equal(r.status, 400);
      assert.equal(r.error, 'BAD_JSON');
      assert.match(r.message, message);
    }
    // A UTF-8 byte order mark is fine.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), raw]);
    assert.equal(ingress.handle({ headers: JSON_CT, rawBody: bom }).status, 200);
    assert.deepEqual(ingress.stats().rejected, { bad_json: 3 });
  });

  it('422 for schema errors, naming the field', () => {
    const ingress = new WebhookIngress();
    const update = bodies[2];
    const cases: [unknown, string][] = [
      [{ ...update, state: undefined }, 'body.state is required'],
      [
        { ...update, event_time: '2020-08-25T16:24:47' },
        'body.event_time must match pattern "^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$"',
      ],
      [{ ...update, event_name: 'dialog_exploded' }, 'body: event_name has an unknown value'],
      [{ ...bodies[6], close_cause: undefined }, 'body.close_cause is required'],
      [[update], 'body must be object'],
    ];
    for (const [body, message] of cases) {
      const r = refusal(
        ingress.handle({ headers: JSON_CT, rawBody: Buffer.from(JSON.stringify(body)) }),
      );
      assert.deepEqual(r, { status: 422, error: 'BAD_EVENT', message });
    }
    assert.deepEqual(ingress.stats(), {
      accepted: 0,
      duplicates: 0,
      rejected: { schema: 5 },
      ignored: {},
    });
  });

  it('401 for a missing or wrong token; x-cc-token and Authorization: Bearer both work', () => {
    const ingress = new WebhookIngress({ token: TOKEN });
    const h = (extra: Record<string, string | string[]>) => ({ ...JSON_CT, ...extra });
    assert.deepEqual(refusal(ingress.handle({ headers: h({}), rawBody: raw })), {
      status: 401,
      error: 'UNAUTHORIZED',
      message:
        'missing token: send it in the x-cc-token header or as Authorization: Bearer <token>',
    });
    const wrong = refusal(ingress.handle({ headers: h({ 'x-cc-token': 'nope' }), rawBody: raw }));
    assert.equal(wrong.message, 'invalid token');
    const prefix = refusal(
      ingress.handle({ headers: h({ 'x-cc-token': TOKEN.slice(0, -1) }), rawBody: raw }),
    );
    assert.equal(prefix.message, 'invalid token');
    const basic = refusal(
      ingress.handle({ headers: h({ authorization: `Basic ${TOKEN}` }), rawBody: raw }),
    );
    assert.match(basic.message, /^missing token/);
    const twice = refusal(
      ingress.handle({ headers: h({ 'x-cc-token': [TOKEN, TOKEN] }), rawBody: raw }),
    );
    assert.equal(twice.status, 401);
    assert.equal(ingress.handle({ headers: h({ 'x-cc-token': TOKEN }), rawBody: raw }).status, 200);
    const bearer = ingress.handle({
      headers: h({ Authorization: `bearer ${TOKEN}` }),
      rawBody: Buffer.from(JSON.stringify(bodies[1])),
    });
    assert.equal(bearer.status, 200);
    assert.deepEqual(ingress.stats().rejected, { token_missing: 2, token_invalid: 3 });
    // Authentication comes before anything about the body is looked at.
    const unauthBad = refusal(ingress.handle({ headers: {}, rawBody: Buffer.from('nope') }));
    assert.equal(unauthBad.status, 401);
  });

  it('401 for a missing, malformed or wrong HMAC signature over the raw bytes', () => {
    const ingress = new WebhookIngress({ hmacSecret: SECRET });
    const h = (sig?: string) => ({
      ...JSON_CT,
      ...(sig === undefined ? {} : { 'x-cc-signature': sig }),
    });
    const cases: [string | undefined, string][] = [
      [undefined, 'signature_missing'],
      ['sha1=abcdef', 'signature_malformed'],
      [sign(raw).slice(0, -2), 'signature_malformed'],
      [sign(raw, 'other-secret'), 'signature_invalid'],
      [sign(JSON.stringify(bodies[0])), 'signature_invalid'], // same JSON, other bytes
    ];
    for (const [sig, reason] of cases) {
      const before = ingress.stats().rejected[reason] ?? 0;
      const r = refusal(ingress.handle({ headers: h(sig), rawBody: raw }));
      assert.equal(r.status, 401, reason);
      assert.equal(r.error, 'UNAUTHORIZED');
      assert.equal(ingress.stats().rejected[reason], before + 1, reason);
    }
    assert.equal(ingress.handle({ headers: h(sign(raw)), rawBody: raw }).status, 200);
    assert.equal(
      ingress.handle({
        headers: h(sign(raw).toUpperCase().replace('SHA256', 'sha256')),
        rawBody: Buffer.from(raw),
      }).status,
      200,
    );
    // A body rebuilt from a parsed one cannot be verified, even with the right signature.
    const rebuilt = Buffer.from(JSON.stringify(bodies[1]));
    const r = refusal(
      ingress.handle({ headers: h(sign(rebuilt)), rawBody: rebuilt, reserialized: true }),
    );
    assert.equal(r.status, 401);
    assert.match(r.message, /re-serialised/);
    // Token and HMAC together: both are required.
    const both = new WebhookIngress({ token: TOKEN, hmacSecret: SECRET });
    assert.equal(both.handle({ headers: h(sign(raw)), rawBody: raw }).status, 401);
    assert.equal(
      both.handle({ headers: { ...h(sign(raw)), 'x-cc-token': TOKEN }, rawBody: raw }).status,
      200,
    );
  });

  it('never shows a secret in messages, stats or inspection', () => {
    const ingress = new WebhookIngress({ token: TOKEN, hmacSecret: SECRET });
    const outcomes = [
      ingress.handle({ headers: { ...JSON_CT, 'x-cc-token': 'wrong' }, rawBody: raw }),
      ingress.handle({ headers: { ...JSON_CT, 'x-cc-token': TOKEN }, rawBody: raw }),
      ingress.handle({
        headers: { ...JSON_CT, 'x-cc-token': TOKEN, 'x-cc-signature': sign(raw, 'x') },
        rawBody: raw,
      }),
    ];
    const text =
      JSON.stringify(outcomes) + JSON.stringify(ingress.stats()) + inspect(ingress, { depth: 5 });
    assert.ok(!text.includes(TOKEN));
    assert.ok(!text.includes(SECRET));
  });

  it('a re-serialised body is accepted when no HMAC is configured', () => {
    const ingress = new WebhookIngress({ token: TOKEN });
    const o = ingress.handle({
      headers: { ...JSON_CT, 'x-cc-token': TOKEN },
      rawBody: Buffer.from(JSON.stringify(bodies[3])),
      reserialized: true,
    });
    assert.equal(o.status, 200);
  });

  it('never throws on a hostile request object', () => {
    const ingress = new WebhookIngress({ token: TOKEN });
    const weird: unknown[] = [
      undefined,
      null,
      {},
      { headers: null, rawBody: 'x' },
      { headers: { 'content-type': 5 }, rawBody: 17 },
      {
        get headers(): never {
          throw new Error('boom');
        },
      },
    ];
    for (const w of weird) {
      const o = ingress.handle(w as never);
      assert.ok([400, 401].includes(o.status));
    }
  });
});
