import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  OPERATIONS,
  decideEnd,
  getOperation,
  parseFrame,
  validateDialogBody,
  validateEventData,
  validateParams,
  EVENT_NAMES,
} from '../src/protocol';
import { seedBodies } from './support/seeds';

// Re-exported for test files that import it from here (test/tracker.test.ts).
export { seedBodies };

const root = path.resolve(__dirname, '..', '..');

describe('protocol: operation catalogue', () => {
  it('holds the four seed 000 operations with their responses and events in seed order', () => {
    const seed = fs.readFileSync(
      path.join(root, 'test', 'fixtures', 'seeds', '000_7bd5b2c1607bd8d1.txt'),
      'utf8',
    );
    const expected: Record<string, string[]> = {
      previewObCall: [
        'previewObCallResult',
        'previewObCallStart',
        'previewObCallRinging',
        'previewObCallBridge',
      ],
      startAtxfer: ['atxferStart', 'atxferLink', 'atxferEnded', 'atxferError'],
      threewayAtxfer: ['threewayAtxferResult', 'atxferThreewayUnlink'],
      completeAtxfer: ['completeAtxferResult'],
    };
    for (const [op, events] of Object.entries(expected)) {
      const spec = getOperation(op);
      assert.ok(spec, op);
      assert.equal(spec.response, `${op}Resp`);
      assert.deepEqual(spec.events, events);
      assert.ok(seed.includes(spec.response), `${spec.response} is in seed 000`);
      for (const e of events) assert.ok(seed.includes(e), `${e} is in seed 000`);
    }
  });

  it('gives every operation a failed outcome, last, and end rules only on its own events', () => {
    for (const op of OPERATIONS) {
      assert.equal(op.outcomes[op.outcomes.length - 1], 'failed', op.name);
      for (const rule of op.ends) {
        assert.ok(op.events.includes(rule.event), `${op.name}: ${rule.event}`);
        assert.ok(op.outcomes.includes(rule.outcome), `${op.name}: ${rule.outcome}`);
      }
      assert.ok(op.ends.length > 0 || op.endsOnResponse, `${op.name} can end`);
    }
  });

  it('decides outcomes from result fields', () => {
    const preview = getOperation('previewObCall')!;
    assert.equal(decideEnd(preview, 'previewObCallResult', { result: 0 }), undefined);
    assert.deepEqual(
      decideEnd(preview, 'previewObCallResult', { result: 3, reason: 'customerBusy' }),
      {
        outcome: 'failed',
        reason: 'customerBusy',
      },
    );
    assert.equal(decideEnd(preview, 'previewObCallBridge', { channel: 'x' })?.outcome, 'bridged');
    assert.equal(decideEnd(preview, 'previewObCallRinging', {}), undefined);
    const three = getOperation('threewayAtxfer')!;
    assert.equal(decideEnd(three, 'threewayAtxferResult', { result: 0 })?.outcome, 'joined');
    assert.equal(decideEnd(three, 'threewayAtxferResult', { result: 1 })?.outcome, 'failed');
  });

  it('lists the 19 ccsevents of seed 004 verbatim', () => {
    const seed = fs.readFileSync(
      path.join(root, 'test', 'fixtures', 'seeds', '004_b29a894c092963d1.txt'),
      'utf8',
    );
    assert.equal(EVENT_NAMES.ccs.length, 19);
    for (const e of EVENT_NAMES.ccs) assert.ok(seed.includes(e), e);
  });
});

describe('protocol: validation', () => {
  it('accepts a valid request and names the missing field of an invalid one', () => {
    const ok = parseFrame(
      JSON.stringify({ type: 'req', op: 'hold', reqId: '1', agent: '1001', params: {} }),
      'client',
    );
    assert.equal(ok.ok, true);
    const bad = parseFrame(
      JSON.stringify({ type: 'req', op: 'hold', reqId: '1', params: {} }),
      'client',
    );
    assert.deepEqual(bad, { ok: false, code: 'BAD_FRAME', message: 'frame.agent is required' });
  });

  it('refuses bad JSON, unknown frame types and oversized frames with distinct codes', () => {
    const j = parseFrame('{nope', 'server');
    assert.equal(j.ok, false);
    assert.equal(!j.ok && j.code, 'BAD_JSON');
    const t = parseFrame('{"type":"hello"}', 'server');
    assert.equal(!t.ok && t.code, 'BAD_FRAME');
    const big = parseFrame(`"${'x'.repeat(1024 * 1024 + 1)}"`, 'server');
    assert.equal(!big.ok && big.code, 'TOO_LARGE');
  });

  it('validates parameters from the catalogue', () => {
    assert.equal(validateParams('previewObCall', { customerNumber: '48500100200' }).ok, true);
    const r = validateParams('previewObCall', { customerNumber: 'abc' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /params\.customerNumber must match pattern/);
    const u = validateParams('nope', {});
    assert.equal(!u.ok && u.code, 'UNKNOWN_OP');
  });

  it('validates event data by family and name', () => {
    assert.equal(validateEventData('agent', 'previewObCallResult', { result: 0 }).ok, true);
    assert.equal(validateEventData('ccs', 'call_create', { domain: 'd', call_id: 'c' }).ok, true);
    const r = validateEventData('ccs', 'seance_set_next_number', { domain: 'd', seance_id: 's' });
    assert.equal(!r.ok && r.message, 'seance_set_next_number.number is required');
    const u = validateEventData('ccs', 'call_explode', { domain: 'd' });
    assert.equal(!u.ok && u.code, 'UNKNOWN_EVENT');
  });

  it('accepts every body of seed 003 verbatim', () => {
    const seed = fs.readFileSync(
      path.join(root, 'test', 'fixtures', 'seeds', '003_f315eb356672ae0f.txt'),
      'utf8',
    );
    const bodies = seedBodies(seed);
    assert.equal(bodies.length, 8);
    for (const b of bodies) {
      const r = validateDialogBody(b);
      assert.equal(r.ok, true, !r.ok ? r.message : '');
    }
  });
});
