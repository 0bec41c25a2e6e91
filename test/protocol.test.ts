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
  ERROR_CODES,
} from '../src/protocol';
import { seedBodies } from './support/seeds';

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

  it('has an event data schema for exactly the event names of each family', () => {
    const schemas = path.join(root, 'src', 'protocol', 'schemas');
    const byEvent = (file: string): string[] =>
      Object.keys(JSON.parse(fs.readFileSync(path.join(schemas, file), 'utf8')).byEvent).sort();
    assert.deepEqual(byEvent('agent-event.json'), [...EVENT_NAMES.agent].sort());
    assert.deepEqual(byEvent('ccs-event.json'), [...EVENT_NAMES.ccs].sort());
    for (const family of ['agent', 'dialog', 'ccs'] as const) {
      for (const name of EVENT_NAMES[family]) {
        const r = validateEventData(family, name, {});
        assert.notEqual(!r.ok && r.code, 'UNKNOWN_EVENT', `${family}.${name} has a schema`);
      }
    }
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

describe('protocol: docs/protocol.md matches the schemas and the catalogue', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'protocol.md'), 'utf8');
  const frames = JSON.parse(
    fs.readFileSync(path.join(root, 'src', 'protocol', 'schemas', 'frames.json'), 'utf8'),
  ) as { $defs: Record<string, { oneOf?: { $ref: string }[]; properties?: Record<string, any> }> };

  /** Rows of the markdown table that follows `heading`: arrays of trimmed cells. */
  function table(heading: string): string[][] {
    const at = doc.indexOf(heading);
    assert.ok(at >= 0, `docs/protocol.md has "${heading}"`);
    const lines = doc.slice(at).split('\n');
    const start = lines.findIndex((l) => l.startsWith('|'));
    const rows: string[][] = [];
    for (const l of lines.slice(start + 2)) {
      if (!l.startsWith('|')) break;
      rows.push(
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    }
    return rows;
  }
  const ticked = (cell: string): string[] => Array.from(cell.matchAll(/`([^`]+)`/g), (m) => m[1]);

  it('lists in the frame table exactly the frame types of the schema', () => {
    const typeOf = (ref: string): string => {
      const def = frames.$defs[ref.split('/').pop() as string];
      return def.properties?.type.const as string;
    };
    const schemaTypes = new Set(
      ['clientFrame', 'serverFrame'].flatMap((k) =>
        frames.$defs[k].oneOf!.map((r) => typeOf(r.$ref)),
      ),
    );
    const docTypes = new Set(table('## Frames at a glance').flatMap((r) => ticked(r[0])));
    assert.deepEqual([...docTypes].sort(), [...schemaTypes].sort());
  });

  it('names every notice code and every error code', () => {
    for (const code of frames.$defs.notice.properties!.code.enum as string[]) {
      assert.ok(doc.includes(`\`${code}\``), `notice ${code}`);
    }
    for (const code of Object.values(ERROR_CODES)) {
      assert.ok(doc.includes(`\`${code}\``), `error code ${code}`);
    }
  });

  it('gives every catalogue operation a row with its response, process events and outcomes', () => {
    const rows = table('| operation ').map((r) => ({
      ops: ticked(r[0]),
      response: ticked(r[1]),
      events: ticked(r[2]),
      outcomes: r[3],
    }));
    for (const op of OPERATIONS) {
      const row = rows.find((r) => r.ops.includes(op.name));
      assert.ok(row, `${op.name} has a row`);
      assert.ok(
        row.response.includes(op.response) || row.response.includes('<op>Resp'),
        `${op.name}: ${op.response}`,
      );
      assert.deepEqual(row.events, [...op.events], `${op.name}: process events in seed order`);
      // Outcomes an event or the response decides; `failed` by refusal or timeout is said once below the table.
      const outcomes = new Set(op.ends.map((r) => r.outcome));
      if (op.endsOnResponse) outcomes.add(op.endsOnResponse);
      for (const o of outcomes)
        assert.match(row.outcomes, new RegExp(`\\b${o}\\b`), `${op.name}: ${o}`);
    }
    const documented = rows.flatMap((r) => r.ops);
    for (const name of documented) assert.ok(getOperation(name), `${name} is in the catalogue`);
  });
});
