/**
 * The packed package works for a program that does not use Node-RED: `npm pack` the tree,
 * unpack the tarball into a temporary node_modules (its declared dependencies linked, nothing
 * else reachable), and `require` it from a separate `node -e` process: the documented exports
 * are there and work (a simulator from the package serves a preview call to a gateway client
 * from the package; the tracker merges an event).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const NAME = '@ccflow/node-red-contact-center';

/** The runtime exports README's "Using the core without Node-RED" section documents. */
const DOCUMENTED = [
  'CallTracker',
  'CcflowDriver',
  'DEFAULT_RULES',
  'EVENT_NAMES',
  'EraDriver',
  'GatewayClient',
  'NumberRules',
  'OPERATIONS',
  'PROBLEM_CODES',
  'Simulator',
  'WebhookIngress',
  'carriageTable',
  'getOperation',
  'loadScenarioFile',
  'toPlainJson',
  'validateEventData',
  'validateParams',
  'validateScenario',
];

const PROGRAM = `
const cc = require(${JSON.stringify(NAME)});
(async () => {
  const sim = new cc.Simulator({ port: 0, speed: 100, seed: 7 });
  const { url } = await sim.start();
  const client = new cc.GatewayClient({ url, tenant: 'demo', username: 'demo', password: 'demo', heartbeatMs: 0 });
  client.start();
  await client.whenConnected();
  const call = await client.startOperation('1001', 'previewObCall', { customerNumber: '48500100201' }).done;
  await client.close();
  await sim.dispose();
  const tracker = new cc.CallTracker();
  const ccs = tracker.ingestCcs('call_create', { domain: 'd', call_id: 'c-1', state: 'init' });
  console.log(JSON.stringify({
    exports: Object.keys(cc).sort(),
    outcome: call.outcome,
    tracked: ccs.call && ccs.call.call_id,
    operations: cc.OPERATIONS.length,
  }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

describe('package: require() of the packed package without Node-RED', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-pack-'));
  });

  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('package.json main and types point at files the tarball holds, and require() works', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const out = execFileSync(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', dir],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const packed = JSON.parse(out)[0] as { filename: string; files: { path: string }[] };
    const files = new Set(packed.files.map((f) => f.path));
    assert.ok(files.has(pkg.main), `the tarball holds main (${pkg.main})`);
    assert.ok(files.has(pkg.types), `the tarball holds types (${pkg.types})`);

    // Unpack as node_modules/<name>; link only the declared dependencies beside it.
    const modules = path.join(dir, 'node_modules');
    const scope = path.join(modules, NAME.split('/')[0]);
    fs.mkdirSync(scope, { recursive: true });
    execFileSync('tar', ['-xzf', path.join(dir, path.basename(packed.filename)), '-C', scope]);
    fs.renameSync(path.join(scope, 'package'), path.join(modules, NAME));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      fs.symlinkSync(path.join(root, 'node_modules', dep), path.join(modules, dep), 'dir');
    }

    const result = JSON.parse(
      execFileSync(process.execPath, ['-e', PROGRAM], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, NODE_PATH: '' },
      }),
    ) as { exports: string[]; outcome: string; tracked: string; operations: number };
    for (const name of DOCUMENTED) assert.ok(result.exports.includes(name), `exports ${name}`);
    assert.equal(result.outcome, 'bridged');
    assert.equal(result.tracked, 'c-1');
    assert.ok(result.operations > 0);
  });
});
