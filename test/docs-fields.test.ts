/**
 * The README and the help panels name the fields of `msg.cc` and of a failure's `msg.payload`:
 * these tests read the names from the documents and compare them with what the operation nodes
 * really send (against the embedded simulator), so the docs cannot drift from the code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './support/seeds';
import { helper, loadOps, type Msg } from './support/nodes-rig';

/** Names in `code` marks of a text, nested ones (inside parentheses) left out. */
function topLevelNames(text: string): string[] {
  let depth = 0;
  let flat = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) flat += ch;
  }
  return [...flat.matchAll(/`(\w+)`/g)].map((m) => m[1]);
}

/** Names inside the parentheses that follow `name`. */
function nestedNames(text: string, name: string): string[] {
  const i = text.indexOf(`\`${name}\` (`);
  assert.ok(i >= 0, `${name} (...) not documented`);
  const end = text.indexOf(')', i);
  return [...text.slice(i, end).matchAll(/`(\w+)`/g)].map((m) => m[1]).slice(1);
}

function readmeRow(property: string, on: string): string {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${property}\``) && l.includes(on));
  assert.ok(row, `README row for ${property} on ${on}`);
  return row.split('|')[3];
}

function helpCc(type: string): string {
  const html = fs.readFileSync(path.join(repoRoot, 'locales', 'en-US', `${type}.html`), 'utf8');
  const m = /<dt>cc <span[^>]*>object<\/span><\/dt>\s*<dd>([\s\S]*?)<\/dd>/.exec(html);
  assert.ok(m, `${type} help documents msg.cc`);
  return m[1].replace(/<code>(\w+)<\/code>/g, '`$1`').replace(/\s+/g, ' ');
}

describe('docs name the fields the nodes send', function () {
  this.timeout(15_000);
  const sent: { bridged?: Msg; refused?: Msg; badParams?: Msg } = {};

  before(async () => {
    const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
    rig.send('p', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'ok' });
    rig.send('p', { payload: { agent: '9999', customerNumber: '48500100201' }, crm: 'no' });
    rig.send('p', { payload: { agent: '1002' }, crm: 'bad' });
    sent.bridged = (await rig.outcome('p', 'ok')).msg;
    sent.refused = (await rig.outcome('p', 'no')).msg;
    sent.badParams = (await rig.outcome('p', 'bad')).msg;
    await helper.unload();
  });

  const ccKeys = (): Set<string> =>
    new Set(
      [sent.bridged, sent.refused, sent.badParams].flatMap((m) =>
        Object.entries(m?.cc ?? {})
          .filter(([, v]) => v !== undefined)
          .map(([k]) => k),
      ),
    );

  const check = (where: string, text: string) => {
    const documented = new Set(topLevelNames(text));
    const keys = ccKeys();
    for (const k of keys)
      assert.ok(documented.has(k), `${where}: msg.cc.${k} is sent, not documented`);
    for (const d of documented)
      assert.ok(keys.has(d), `${where}: msg.cc.${d} is documented, never sent`);
    const eventKeys = Object.keys(sent.bridged?.cc.events[0] ?? {}).sort();
    assert.deepEqual(
      nestedNames(text, 'events').sort(),
      eventKeys,
      `${where}: msg.cc.events fields`,
    );
  };

  it('README: msg.cc and the events in it', () => {
    check('README', readmeRow('msg.cc', 'operation outputs'));
  });

  for (const type of [
    'cc-preview-call',
    'cc-consult',
    'cc-threeway',
    'cc-complete-transfer',
    'cc-call-control',
  ]) {
    it(`${type} help: msg.cc and the events in it`, () => check(type, helpCc(type)));
  }

  it("README: a failure's msg.payload fields", () => {
    const row = readmeRow('msg.payload', 'operation outputs');
    const tail = row.slice(row.indexOf('the failure'));
    const documented = new Set([...tail.matchAll(/`(\w+)`/g)].map((m) => m[1]));
    for (const m of [sent.refused, sent.badParams]) {
      for (const k of ['reason', 'code', 'errorCode', 'message', 'field']) {
        if (k in (m?.payload ?? {})) assert.ok(documented.has(k), `payload.${k} not documented`);
      }
      for (const [k, v] of Object.entries(m?.cc ?? {})) {
        if (['code', 'errorCode', 'message', 'field', 'reason'].includes(k) && v !== undefined) {
          assert.equal(m?.payload[k], v, `payload.${k} equals msg.cc.${k}`);
        }
      }
    }
    assert.match(row, /`msg\.cc\.input`/, 'the input payload is documented');
    assert.deepEqual(sent.badParams?.cc.input, { agent: '1002' });
  });
});
