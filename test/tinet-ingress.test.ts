/**
 * Tinet pushes through the webhook ingress (the Tinet preset): the same rules as the dialog
 * webhook (token, size limit, duplicates dropped), with a form, JSON or GET body, the push type
 * and the token in the query.
 */
import assert from 'node:assert/strict';
import { WebhookIngress } from '../src/webhook/ingress';
import { TINET_PUSH_PRESET } from '../src/webhook/presets';

const STATUS = 'cno=1001&loginStatus=1&deviceStatus=1&state=idle';

function ingress(): WebhookIngress {
  return new WebhookIngress({ ...TINET_PUSH_PRESET, token: 'push-secret', maxBytes: 1024 });
}

describe('Tinet pushes through the webhook ingress', () => {
  it('accepts a form POST with ?type and ?token, and drops its repeat', () => {
    const i = ingress();
    const req = {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      rawBody: Buffer.from(STATUS),
      query: 'type=9&token=push-secret',
    };
    const first = i.handle(req);
    assert.equal(first.status, 200);
    assert.ok(first.status === 200 && first.event);
    assert.equal((first.status === 200 && first.event?.type) || 0, 9);
    const again = i.handle(req);
    assert.deepEqual(again.body, { ok: true, duplicate: true });
    assert.deepEqual(i.stats().rejected, {});
  });

  it('a GET push (fields in the query) is told apart from another GET by its query', () => {
    const i = ingress();
    const a = i.handle({
      headers: {},
      rawBody: Buffer.alloc(0),
      query: `type=9&token=push-secret&${STATUS}`,
    });
    const b = i.handle({
      headers: {},
      rawBody: Buffer.alloc(0),
      query: `type=9&token=push-secret&${STATUS.replace('idle', 'talking')}`,
    });
    assert.equal(a.status === 200 && a.body.duplicate, false);
    assert.equal(b.status === 200 && b.body.duplicate, false);
    assert.equal(i.stats().accepted, 2);
  });

  it('refuses a missing or wrong token (401), a body over the limit (413), an unreadable push (400)', () => {
    const i = ingress();
    assert.equal(
      i.handle({ headers: {}, rawBody: Buffer.from(STATUS), query: 'type=9' }).status,
      401,
    );
    assert.equal(
      i.handle({ headers: {}, rawBody: Buffer.from(STATUS), query: 'type=9&token=nope' }).status,
      401,
    );
    assert.equal(
      i.handle({
        headers: { 'x-cc-token': 'push-secret' },
        rawBody: Buffer.from(STATUS),
        query: 'type=9',
      }).status,
      200,
    );
    assert.equal(
      i.handle({ headers: {}, rawBody: Buffer.alloc(2048, 'a'), query: 'type=9&token=push-secret' })
        .status,
      413,
    );
    const bad = i.handle({
      headers: { 'content-type': 'application/json' },
      rawBody: Buffer.from('{"cno":'),
      query: 'type=9&token=push-secret',
    });
    assert.equal(bad.status, 400);
    const unknown = i.handle({
      headers: {},
      rawBody: Buffer.from('foo=bar'),
      query: 'token=push-secret',
    });
    assert.equal(unknown.status, 400);
    assert.match(unknown.status === 400 ? unknown.body.message : '', /type/);
    assert.doesNotMatch(JSON.stringify(i.stats()), /push-secret/);
  });
});
