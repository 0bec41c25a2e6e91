/**
 * Start-up: loading the palette (every node file Node-RED requires at start) compiles no
 * schema and loads neither ajv nor the tracker; validation compiles on first use and then
 * works as before. Checked in a fresh process through its module cache, not by timing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

const PROGRAM = `
const path = require('path');
const pkg = require(path.join(process.cwd(), 'package.json'));
for (const file of Object.values(pkg['node-red'].nodes)) require(path.join(process.cwd(), file));
const loaded = () => Object.keys(require.cache);
const has = (part) => loaded().some((k) => k.includes(part));
const atStart = { ajv: has('/node_modules/ajv/'), tracker: has('/src/tracker/'), hub: has('/src/hub/event-hub') };
const v = require(path.join(process.cwd(), 'dist/src/protocol/validate'));
const good = v.validateParams('previewObCall', { customerNumber: '48500100201' }).ok;
const bad = v.validateParams('previewObCall', { customerNumber: 'abc' });
const event = v.validateEventData('agent', 'agentStatus', { state: 'idle', deviceStatus: 1 }).ok;
console.log(JSON.stringify({ atStart, afterUse: has('/node_modules/ajv/'), good, bad, event }));
`;

describe('start-up: the palette loads without compiling schemas', function () {
  this.timeout(30_000);

  it('no ajv, tracker or hub at load; validators compile on first use', () => {
    assert.ok(fs.existsSync(path.join(root, 'dist', 'nodes')), 'built');
    const r = JSON.parse(
      execFileSync(process.execPath, ['-e', PROGRAM], { cwd: root, encoding: 'utf8' }),
    );
    assert.deepEqual(
      r.atStart,
      { ajv: false, tracker: false, hub: false },
      'a node file loads ajv, the tracker or the hub at start: load them on first use ' +
        '(see the lazy validators in src/protocol/validate.ts)',
    );
    assert.equal(r.afterUse, true);
    assert.equal(r.good, true);
    assert.equal(r.bad.ok, false);
    assert.match(r.bad.message, /customerNumber/);
    assert.equal(r.event, true);
  });
});
