/**
 * Property-based fuzzing (fast-check) of what crosses the boundaries:
 *  - frames into the gateway client (and its event hub and tracker): malformed JSON, wrong
 *    types, huge strings, deep nesting, unknown events, interleaved with valid events;
 *  - webhook bodies into the ingress, interleaved with valid seed-003 bodies.
 * Never a crash; every bad input gets a clear error (a code and a message); every valid input
 * around it is delivered.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { GatewayClient } from '../src/client/gateway-client';
import { createEventHub } from '../src/hub/event-hub';
import type { EventHubApi } from '../src/hub/api';
import { WebhookIngress } from '../src/webhook/ingress';
import { FaultGateway } from './support/fault-gateway';
import { until } from './support/wait';

/** Nested objects {a:{a:...}} `depth` deep, as JSON text (built without recursion). */
function deepObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

type Item =
  | { kind: 'valid' }
  | { kind: 'validDeep'; depth: number }
  | { kind: 'bad'; text: (seq: () => number) => string; what: string };

const eventFrame = (seq: number, over: Record<string, unknown> = {}) => ({
  type: 'event',
  family: 'ccs',
  name: 'call_set_state',
  seq,
  ts: 1766400000000,
  subIds: ['s1'],
  data: { domain: 'demo.cc.local', call_id: `c-${seq % 7}`, state: 'talking' },
  ...over,
});

const badFrames: fc.Arbitrary<Item> = fc.oneof(
  // Malformed JSON.
  fc
    .string({ maxLength: 200 })
    .map((s) => ({ kind: 'bad', what: 'malformed JSON', text: () => `{${s}` }) as Item),
  fc
    .constantFrom('', ' ', '{', '[1,', '{"type":"event"', 'null x', '\u0000', '}{')
    .map((s) => ({ kind: 'bad', what: 'malformed JSON', text: () => s }) as Item),
  // Any JSON value that is not a frame (no "type").
  fc
    .jsonValue({ maxDepth: 4 })
    .filter((v) => !(v !== null && typeof v === 'object' && !Array.isArray(v) && 'type' in v))
    .map((v) => ({ kind: 'bad', what: 'not a frame', text: () => JSON.stringify(v) }) as Item),
  // Wrong types in an event frame.
  fc
    .constantFrom<[string, (seq: number) => Record<string, unknown>]>(
      ['seq as string', (s) => eventFrame(s, { seq: String(s) })],
      ['data as array', (s) => eventFrame(s, { data: [1, 2] })],
      ['data as string', (s) => eventFrame(s, { data: 'x' })],
      ['unknown family', (s) => eventFrame(s, { family: 'weird' })],
      ['name as number', (s) => eventFrame(s, { name: 42 })],
      ['type missing', (s) => ({ ...eventFrame(s), type: undefined })],
      ['type unknown', (s) => eventFrame(s, { type: 'teleport' })],
      [
        'call_id as number',
        (s) => eventFrame(s, { data: { domain: 'demo.cc.local', call_id: 5, state: 'x' } }),
      ],
      ['domain missing', (s) => eventFrame(s, { data: { call_id: 'c-1', state: 'x' } })],
      ['resp without reqId', () => ({ type: 'resp', op: 'holdResp', code: 0 })],
    )
    .map(
      ([what, make]) => ({ kind: 'bad', what, text: (seq) => JSON.stringify(make(seq())) }) as Item,
    ),
  // Unknown events (well-formed frames).
  fc
    .constantFrom('call_teleport', 'seance_explode', '__proto__', 'constructor', 'x'.repeat(300))
    .map(
      (name) =>
        ({
          kind: 'bad',
          what: 'unknown event',
          text: (seq) => JSON.stringify(eventFrame(seq(), { name })),
        }) as Item,
    ),
  // Huge strings: over the 1 MiB frame limit.
  fc.integer({ min: 1, max: 3 }).map(
    (k) =>
      ({
        kind: 'bad',
        what: 'huge frame',
        text: (seq) =>
          JSON.stringify(
            eventFrame(seq(), {
              data: { domain: 'demo.cc.local', call_id: 'c-1', state: 'x'.repeat(k * 400_000) },
            }),
          ),
      }) as Item,
  ),
  // Deep nesting as the whole frame.
  fc
    .integer({ min: 1000, max: 20000 })
    .map(
      (d) =>
        ({ kind: 'bad', what: 'deep array', text: () => '['.repeat(d) + ']'.repeat(d) }) as Item,
    ),
);

const items: fc.Arbitrary<Item[]> = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<Item>({ kind: 'valid' }) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 10, max: 5000 })
        .map((depth) => ({ kind: 'validDeep', depth }) as Item),
    },
    { weight: 3, arbitrary: badFrames },
  ),
  { minLength: 1, maxLength: 25 },
);

describe('fuzz: frames into the gateway client', function () {
  this.timeout(60_000);
  let gw: FaultGateway;
  let client: GatewayClient;
  let hub: EventHubApi;
  const delivered: number[] = [];
  const problems: { code: string; message: string }[] = [];
  const hubErrors: unknown[] = [];

  before(async () => {
    gw = new FaultGateway();
    await gw.start();
    client = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      heartbeatMs: 0,
      reconnect: { initialMs: 20, maxMs: 100 },
    });
    client.onProblem((p) => problems.push(p));
    hub = createEventHub(client, { sweepMs: 0, onError: (e) => hubErrors.push(e) });
    hub.onEvent('ccs', (e) => delivered.push(e.frame?.seq ?? -1));
    client.start();
    await client.whenConnected();
    await until('subscribed', () => gw.received.some((f) => f.type === 'subscribe'));
  });

  after(async () => {
    await hub.close();
    await client.close();
    await gw.close();
  });

  it('never crashes, reports every bad frame with a code and a message, delivers every valid one', async () => {
    await fc.assert(
      fc.asyncProperty(items, async (list) => {
        const expected: number[] = [];
        const problemsBefore = problems.length;
        let bad = 0;
        for (const it of list) {
          if (it.kind === 'valid') {
            const f = gw.ccsEvent(`c-${gw.seq % 5}`);
            expected.push(f.seq as number);
            gw.send(f);
          } else if (it.kind === 'validDeep') {
            const seq = ++gw.seq;
            expected.push(seq);
            const text = JSON.stringify(eventFrame(seq)).replace(
              '"state":"talking"',
              `"state":"talking","info":{"deep":${deepObject(it.depth)}}`,
            );
            gw.sendRaw(text);
          } else {
            bad++;
            gw.sendRaw(it.text(() => ++gw.seq));
          }
        }
        // A sentinel after the batch: when it is in, everything before it was handled.
        const sentinel = gw.ccsEvent('c-sentinel');
        expected.push(sentinel.seq as number);
        gw.send(sentinel);
        await until('sentinel', () => delivered.includes(sentinel.seq as number), 10_000);
        const got = delivered.splice(0, delivered.length);
        assert.deepEqual(got, expected, 'valid frames delivered once each, in order');
        const fresh = problems.slice(problemsBefore);
        assert.equal(
          fresh.length,
          bad,
          `one problem per bad frame: ${JSON.stringify(fresh.map((p) => p.code))}`,
        );
        for (const p of fresh) {
          assert.ok(typeof p.code === 'string' && /^[A-Z_]+$/.test(p.code), `code ${p.code}`);
          assert.ok(typeof p.message === 'string' && p.message.length > 0);
          assert.ok(p.message.length < 2000, 'the message stays readable (no echoed megabytes)');
        }
        assert.equal(client.status.state, 'connected', 'the connection survived');
      }),
      { numRuns: 60 },
    );
    assert.equal(hubErrors.length, 0, `hub errors: ${hubErrors.map(String).join('; ')}`);
  });
});

// ---------------------------------------------------------------------------------------------

function validBody(i: number): Record<string, unknown> {
  return {
    event_type: 'user_dialog',
    event_name: 'dialog_state_update',
    event_time: '2020-08-25 16:24:47',
    dialog_uuid: `bcfdaf62-87b7-4cd8-bd2e-${i.toString(16).padStart(12, '0')}`,
    state: 'alerting',
  };
}

/** Bad bodies, built lazily so a failure report names them without printing megabytes. */
const badBodies: fc.Arbitrary<{ raw: () => Buffer; what: string }> = fc.oneof(
  fc
    .uint8Array({ maxLength: 300 })
    .map((b) => ({ raw: () => Buffer.from(b), what: 'random bytes' })),
  fc
    .string({ maxLength: 300 })
    .map((s) => ({ raw: () => Buffer.from(`{${s}`), what: 'malformed JSON' })),
  fc
    .jsonValue({ maxDepth: 5 })
    .map((v) => ({ raw: () => Buffer.from(JSON.stringify(v)), what: 'any JSON' })),
  fc
    .record({
      event_type: fc.oneof(fc.constant('user_dialog'), fc.string(), fc.integer()),
      event_name: fc.oneof(
        fc.constantFrom('dialog_create', 'dialog_state_update', 'dialog_close', 'dialog_teleport'),
        fc.integer(),
      ),
      event_time: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      dialog_uuid: fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null)),
      state: fc.oneof(fc.string(), fc.integer(), fc.array(fc.string())),
    })
    .map((v) => ({ raw: () => Buffer.from(JSON.stringify(v)), what: 'wrong types' })),
  fc.integer({ min: 300_000, max: 600_000 }).map((n) => ({
    raw: () => Buffer.from(JSON.stringify({ ...validBody(0), state: 'x'.repeat(n) })),
    what: 'huge',
  })),
  fc.integer({ min: 1000, max: 50_000 }).map((d) => ({
    raw: () => Buffer.from('['.repeat(d) + ']'.repeat(d)),
    what: 'deep nesting',
  })),
  fc.integer({ min: 1000, max: 20_000 }).map((d) => ({
    raw: () =>
      Buffer.from(
        JSON.stringify(validBody(0)).replace(
          '"state":"alerting"',
          `"state":"alerting","x":${deepObject(d)}`,
        ),
      ),
    what: 'deep nesting inside a body',
  })),
);

describe('fuzz: webhook bodies into the ingress', function () {
  this.timeout(60_000);

  it('never throws; bad bodies get a 4xx with a code and a message; valid ones around them are accepted once', () => {
    const ingress = new WebhookIngress({});
    const hub = createEventHub(undefined, { sweepMs: 0 });
    let n = 0;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(null), badBodies), { minLength: 1, maxLength: 20 }),
        (list) => {
          for (const item of list) {
            if (item === null) {
              const body = validBody(++n);
              const out = ingress.handle({
                headers: { 'content-type': 'application/json' },
                rawBody: Buffer.from(JSON.stringify(body)),
              });
              assert.equal(out.status, 200, JSON.stringify(out.body));
              assert.ok(out.status === 200 && out.event && out.body.duplicate === false);
              const tracked = hub.ingestDialogBody(out.event);
              assert.equal(tracked.dialog?.dialog.dialog_uuid, body.dialog_uuid);
              continue;
            }
            let out;
            try {
              out = ingress.handle({
                headers: { 'content-type': 'application/json' },
                rawBody: item.raw(),
              });
            } catch (err) {
              assert.fail(`${item.what}: handle threw ${(err as Error).message}`);
            }
            if (out.status === 200) {
              // Accidentally valid (e.g. a random but schema-valid body): tracked without a throw.
              if (out.event) hub.ingestDialogBody(out.event);
              continue;
            }
            assert.ok([400, 413, 415, 422].includes(out.status), `${item.what}: ${out.status}`);
            assert.equal(out.body.ok, false);
            assert.ok(/^[A-Za-z_]+$/.test(out.body.error), `${item.what}: error ${out.body.error}`);
            assert.ok(out.body.message.length > 0 && out.body.message.length < 2000);
          }
        },
      ),
      { numRuns: 60 },
    );
    // The repeat of a valid delivery is accepted but reported as a duplicate.
    const again = ingress.handle({
      headers: { 'content-type': 'application/json' },
      rawBody: Buffer.from(JSON.stringify(validBody(1))),
    });
    assert.equal(again.status, 200);
    assert.ok(again.status === 200 && again.body.duplicate === true && !again.event);
    void hub.close();
  });
});
