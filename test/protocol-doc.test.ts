/**
 * docs/protocol.md read the way a client author reads it: every promise the doc makes about
 * frames (required fields, the subscription period, notices, the frame size limit, parameters)
 * is checked against the schemas and the catalogue, and against the simulator over a real
 * socket. A drift between the doc and the code fails here.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  HARD_FRAME_BYTES,
  MAX_FRAME_BYTES,
  OPERATIONS,
  frameOverLimit,
  parseFrame,
} from '../src/protocol';
import { SimClient, startSim } from './simulator.test';
import type { Simulator } from '../src/simulator/simulator';

const root = path.resolve(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(root, 'docs', 'protocol.md'), 'utf8');
const frames = JSON.parse(
  fs.readFileSync(path.join(root, 'src', 'protocol', 'schemas', 'frames.json'), 'utf8'),
) as { $defs: Record<string, { required?: string[]; properties?: Record<string, any> }> };

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

/** The frame definitions of the schema, by their `type` constant. */
function frameDefs(): Map<string, { required: string[]; optional: string[] }> {
  const out = new Map<string, { required: string[]; optional: string[] }>();
  for (const def of Object.values(frames.$defs)) {
    const type = def.properties?.type?.const as string | undefined;
    if (!type) continue;
    const required = def.required ?? [];
    const optional = Object.keys(def.properties ?? {}).filter((p) => !required.includes(p));
    out.set(type, { required, optional });
  }
  return out;
}

describe('protocol doc: what a client written from docs/protocol.md alone relies on', () => {
  it('states the required and optional fields of every frame as the schema has them', () => {
    const rows = table('### Frame fields');
    const defs = frameDefs();
    assert.deepEqual(
      rows.map((r) => ticked(r[0])[0]).sort(),
      [...defs.keys()].sort(),
      'one row per frame type',
    );
    for (const r of rows) {
      const type = ticked(r[0])[0];
      const def = defs.get(type)!;
      assert.deepEqual(ticked(r[1]), def.required, `${type}: required fields`);
      assert.deepEqual(ticked(r[2]), def.optional, `${type}: optional fields`);
    }
    // The two the doc spells out in words.
    assert.ok(defs.get('req')!.required.includes('params'));
    assert.match(doc, /"params": \{\}/);
    assert.deepEqual(defs.get('ping')!.required, ['type', 'id', 'ts']);
  });

  it('states the range of expires the schema accepts', () => {
    const expires = frames.$defs.subscribe.properties!.expires;
    const m = /`expires` is a whole number of seconds from (\d+) to (\d+)/.exec(doc);
    assert.ok(m, 'the doc states the range');
    assert.equal(Number(m[1]), expires.minimum);
    assert.equal(Number(m[2]), expires.maximum);
  });

  it('documents every notice code and no other, with the fields of the schema', () => {
    const codes = table('## Notices').map((r) => ticked(r[0])[0]);
    assert.deepEqual(codes.sort(), [...frames.$defs.notice.properties!.code.enum].sort());
    assert.deepEqual(Object.keys(frames.$defs.notice.properties!), ['type', 'code', 'message']);
    assert.match(doc, /The fields are `type`, `code` and `message`/);
  });

  it('gives every operation parameter of the catalogue in the parameter table, and no other', () => {
    const rows = table('Parameters (derived from the catalogue').map((r) => ({
      ops: ticked(r[0]),
      text: r[1],
    }));
    for (const op of OPERATIONS) {
      if (op.params.length === 0) continue;
      const row = rows.find((r) => r.ops.includes(op.name));
      assert.ok(row, `${op.name} has a parameter row`);
      const named = new Set(ticked(row.text));
      for (const p of op.params) assert.ok(named.has(p.name), `${op.name}: ${p.name}`);
      for (const p of op.params) {
        for (const v of p.enum ?? []) {
          if (typeof v === 'string') assert.ok(named.has(v), `${op.name}.${p.name}: ${v}`);
        }
      }
    }
  });

  it('counts the frame limit in UTF-8 bytes, as the doc says', () => {
    assert.match(doc, /more than 1 MiB \(1 048 576\s+bytes\)/);
    assert.match(doc, /more than 4 MiB\s+is not read at all/);
    assert.equal(MAX_FRAME_BYTES, 1_048_576);
    assert.equal(HARD_FRAME_BYTES, 4 * 1_048_576);
    // 400 000 three-byte characters: well under a million characters, over 1 MiB of bytes.
    const wide = `"${'€'.repeat(400_000)}"`;
    assert.ok(wide.length < MAX_FRAME_BYTES);
    const r = parseFrame(wide, 'server');
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'TOO_LARGE');
    assert.match(!r.ok ? r.message : '', /1200002 bytes exceeds 1048576/);
    // Exactly 1 MiB of bytes passes the size check (and then fails as a frame: not an object).
    const full = `"${'x'.repeat(MAX_FRAME_BYTES - 2)}"`;
    assert.equal(frameOverLimit(full), undefined);
    assert.equal(frameOverLimit(`${full} `), MAX_FRAME_BYTES + 1);
  });
});

describe('protocol doc: the simulator keeps the promises over a real socket', function () {
  this.timeout(15000);
  let sim: Simulator;
  let url: string;
  const clients: SimClient[] = [];

  beforeEach(async () => {
    ({ sim, url } = await startSim());
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.dispose();
  });

  const login = async () => {
    const c = await SimClient.login(url);
    clients.push(c);
    return c;
  };

  it('answers a subscribe with an unknown class by subscribeResp 400 BAD_FRAME, an unknown event by UNKNOWN_EVENT', async () => {
    const c = await login();
    const unknownClass = await c.subscribe('s1', ['callevents.*']);
    assert.equal(unknownClass.type, 'subscribeResp');
    assert.equal(unknownClass.code, 400);
    assert.equal(unknownClass.errorCode, 'BAD_FRAME');
    const unknownEvent = await c.subscribe('s2', ['ccsevents.call_teleport']);
    assert.equal(unknownEvent.code, 400);
    assert.equal(unknownEvent.errorCode, 'UNKNOWN_EVENT');
    // Nothing was subscribed: no error frame either.
    assert.equal(c.frames.filter((f) => f.type === 'error').length, 0);
  });

  it('refuses an expires over the documented maximum with error BAD_FRAME echoing the qid', async () => {
    const c = await login();
    c.send({ type: 'subscribe', qid: 'q-big', id: 's', events: ['agent.*'], expires: 86401 });
    const e = await c.wait((f) => f.type === 'error');
    assert.equal(e.code, 'BAD_FRAME');
    assert.equal(e.qid, 'q-big');
    const ok = await c.subscribe('s', ['agent.*'], 86400);
    assert.equal(ok.code, 0);
    assert.equal(ok.expires, 86400);
  });

  it('refuses a req without params and a ping without ts, and keeps the connection', async () => {
    const c = await login();
    c.send({ type: 'req', op: 'hold', reqId: 'r-np', agent: '1001' });
    const e1 = await c.wait((f) => f.type === 'error' && f.reqId === 'r-np');
    assert.equal(e1.code, 'BAD_FRAME');
    assert.match(e1.message, /params is required/);
    c.send({ type: 'ping', id: 3 });
    const e2 = await c.wait((f) => f.type === 'error' && /ts is required/.test(f.message));
    assert.equal(e2.code, 'BAD_FRAME');
    c.send({ type: 'ping', id: 4, ts: Date.now() });
    const pong = await c.wait((f) => f.type === 'pong');
    assert.equal(pong.id, 4);
  });

  it('refuses a frame over 1 MiB of bytes (under a million characters) with TOO_LARGE and stays open', async () => {
    const c = await login();
    c.send(`{"type":"ping","id":1,"ts":1,"pad":"${'€'.repeat(400_000)}"}`);
    const e = await c.wait((f) => f.type === 'error');
    assert.equal(e.code, 'TOO_LARGE');
    assert.match(e.message, /bytes exceeds 1048576/);
    c.send({ type: 'ping', id: 9, ts: Date.now() });
    assert.equal((await c.wait((f) => f.type === 'pong')).id, 9);
    assert.equal(c.closed, false);
  });

  it('closes the socket with 1009 on a frame over 4 MiB, as documented', async () => {
    const c = await login();
    c.send(`"${'x'.repeat(HARD_FRAME_BYTES + 16)}"`);
    assert.equal(await c.whenClosed, 1009);
  });
});
