/**
 * Operation input checked before the wire (src/protocol/params-guard.ts through validateParams):
 * bad payload shapes, prototype keys, non-JSON values and sizes are refused with one sentence
 * naming the field; through the client an oversized request ends failed / badParams at once with
 * nothing sent, and the simulator (the same protocol layer) refuses prototype keys too.
 */
import assert from 'node:assert/strict';
import { GatewayClient } from '../src/client/gateway-client';
import { getOperation, validateParams, type OperationSpec } from '../src/protocol';
import {
  DEFAULT_OBJECT_PARAM_BYTES,
  MAX_PARAMS_BYTES,
  MAX_PARAM_DEPTH,
  guardParams,
} from '../src/protocol/params-guard';
import { Simulator } from '../src/simulator';

const CALL = { customerNumber: '48500100201' };

function refused(params: unknown, op = 'previewObCall'): string {
  const r = validateParams(op, params);
  assert.equal(r.ok, false, `expected a refusal of ${String(params)}`);
  assert.equal(!r.ok && r.code, 'BAD_PARAMS');
  return r.ok ? '' : r.message;
}

describe('operation input: checked before the wire', () => {
  it('names what a payload that is not an object is', () => {
    assert.equal(refused(null), 'params must be an object, got null');
    assert.equal(refused([CALL]), 'params must be an object, got an array');
    assert.equal(refused('48500100201'), 'params must be an object, got a string');
    assert.equal(refused(42), 'params must be an object, got a number');
    assert.equal(refused(undefined), 'params must be an object, got undefined');
  });

  it('refuses __proto__, constructor and prototype keys at any depth, naming where', () => {
    const top = JSON.parse('{"customerNumber":"48500100201","__proto__":{"admin":true}}');
    assert.equal(refused(top), 'params: the key "__proto__" is not allowed');
    const nested = JSON.parse(
      '{"customerNumber":"48500100201","channelVariables":{"crm":{"__proto__":{"x":1}}}}',
    );
    assert.equal(
      refused(nested),
      'params.channelVariables.crm: the key "__proto__" is not allowed',
    );
    for (const key of ['constructor', 'prototype']) {
      const v = { ...CALL, channelVariables: { list: [{ [key]: 'x' }] } };
      assert.equal(refused(v), `params.channelVariables.list[0]: the key "${key}" is not allowed`);
    }
    // The object the guard saw is left as it was; nothing was polluted.
    assert.equal(({} as Record<string, unknown>).admin, undefined);
  });

  it('refuses values JSON cannot carry: cycles, functions, BigInts, NaN, very deep nesting', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(
      refused({ ...CALL, channelVariables: cyclic }),
      'params.channelVariables.self refers back to itself (a cycle): it cannot be sent',
    );
    assert.match(
      refused({ ...CALL, channelVariables: { f: () => 1 } }),
      /channelVariables\.f: a function/,
    );
    assert.match(
      refused({ ...CALL, channelVariables: { n: 10n } }),
      /channelVariables\.n: a bigint/,
    );
    assert.match(
      refused({ ...CALL, agentAnswerTimeout: NaN }),
      /agentAnswerTimeout must be a finite number/,
    );
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < MAX_PARAM_DEPTH + 2; i++) {
      const next: Record<string, unknown> = {};
      deep.d = next;
      deep = next;
    }
    assert.match(refused({ ...CALL, channelVariables: root }), /nested deeper than 32 levels/);
    // A shared (not cyclic) object is fine.
    const shared = { id: 1 };
    assert.equal(
      validateParams('previewObCall', { ...CALL, channelVariables: { a: shared, b: shared } }).ok,
      true,
    );
  });

  it('limits each parameter to its size from the catalogue, naming it', () => {
    const spec = getOperation('previewObCall')!;
    assert.equal(spec.params.find((p) => p.name === 'channelVariables')?.maxBytes, 64 * 1024);
    const big = { ...CALL, channelVariables: { note: 'x'.repeat(2 * 1024 * 1024) } };
    assert.match(
      refused(big),
      /^params\.channelVariables is \d+ bytes of JSON, more than the 65536 allowed$/,
    );
    const fits = { ...CALL, channelVariables: { note: 'x'.repeat(60 * 1024) } };
    assert.equal(validateParams('previewObCall', fits).ok, true);
    // Multi-byte characters count as the bytes they are on the wire.
    const wide = { ...CALL, channelVariables: { note: '\u0142'.repeat(40 * 1024) } };
    assert.match(refused(wide), /channelVariables is \d+ bytes/);
  });

  it('limits the whole request to what a frame can carry, naming the largest parameter', () => {
    const spec: OperationSpec = {
      ...getOperation('previewObCall')!,
      params: [
        { name: 'a', type: 'object', required: false, description: '', maxBytes: 10 * 1024 * 1024 },
        { name: 'b', type: 'object', required: false, description: '', maxBytes: 10 * 1024 * 1024 },
      ],
    };
    const half = { v: 'y'.repeat(MAX_PARAMS_BYTES / 2) };
    assert.match(
      guardParams(spec, { a: { v: 'small' }, b: half, c: half }) ?? '',
      /^params\.b makes the request \d+ bytes, more than the \d+ a frame can carry$/,
    );
    assert.equal(
      guardParams(spec, { a: { v: 'x'.repeat(DEFAULT_OBJECT_PARAM_BYTES * 2) } }),
      undefined,
    );
  });
});

describe('operation input: through the client and the simulator', function () {
  this.timeout(8000);
  let sim: Simulator;
  let client: GatewayClient;

  beforeEach(async () => {
    sim = new Simulator({ speed: 20, seed: 7 });
    const { url } = await sim.start();
    client = new GatewayClient({ url, tenant: 'demo', username: 'demo', password: 'demo' });
    client.start();
    await client.whenConnected();
  });

  afterEach(async () => {
    await client.close();
    await sim.stop();
  });

  it('a 2 MB channelVariables ends failed / badParams before the next timer tick, with nothing sent', async () => {
    const framesOut = client.stats().framesOut;
    const h = client.startOperation('1001', 'previewObCall', {
      ...CALL,
      channelVariables: { blob: 'z'.repeat(2 * 1024 * 1024) },
    });
    const first = await Promise.race([
      h.done,
      new Promise<'tick'>((r) => setTimeout(() => r('tick'), 0)),
    ]);
    assert.notEqual(first, 'tick', 'the outcome is there before any timer fires');
    const r = await h.done;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'badParams');
    assert.match(r.message ?? '', /channelVariables/);
    assert.equal(client.stats().framesOut, framesOut, 'nothing was sent');
    // The connection is untouched: the next call goes through.
    const ok = await client.startOperation('1001', 'previewObCall', CALL).done;
    assert.equal(ok.outcome, 'bridged');
  });

  it('a prototype key never reaches the wire; the client says which', async () => {
    const framesOut = client.stats().framesOut;
    const params = JSON.parse(
      '{"customerNumber":"48500100201","channelVariables":{"constructor":{"prototype":{}}}}',
    );
    const r = await client.startOperation('1001', 'previewObCall', params).done;
    assert.equal(r.reason, 'badParams');
    assert.equal(r.message, 'params.channelVariables: the key "constructor" is not allowed');
    assert.equal(client.stats().framesOut, framesOut);
  });
});
