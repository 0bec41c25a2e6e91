/**
 * `npm start` without a browser: scripts/start.js (what `npm start` runs after the build) on a
 * free port with a fresh user directory. The palette loads through package.json's node-red
 * section (icons, locales and examples resolve), the demo example is deployed, its embedded
 * simulator's events reach the debug sidebar's channel (/comms), and SIGTERM ends it cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const MODULE: string = pkg.name;
const TYPES = Object.keys(pkg['node-red'].nodes);
const DEMO = path.join(root, 'examples', 'stories', 'live-simulator-events.json');

describe('npm start (scripts/start.js)', function () {
  this.timeout(60000);
  let child: ChildProcess;
  let url = '';
  let log = '';
  let userDir = '';

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-start-'));
    child = spawn(
      process.execPath,
      [path.join(root, 'scripts', 'start.js'), '--port', '0', '--user-dir', userDir],
      { cwd: root, env: { ...process.env, PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (c) => (log += c));
    child.stderr!.on('data', (c) => (log += c));
    const end = Date.now() + 30000;
    while (!/Started flows/.test(log) || !/Node-RED editor: (\S+)/.test(log)) {
      if (child.exitCode !== null) assert.fail(`start.js exited ${child.exitCode}:\n${log}`);
      if (Date.now() > end) assert.fail(`start.js did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    url = /Node-RED editor: (\S+)/.exec(log)![1];
  });

  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  });

  const get = async (p: string, accept = 'application/json') => {
    const res = await fetch(new URL(p, url), { headers: { accept } });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: await res.text(),
    };
  };

  it('listens on 127.0.0.1 and prints the editor URL', async () => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const editor = await get('/', 'text/html');
    assert.equal(editor.status, 200);
    assert.match(editor.body, /Node-RED/);
  });

  it('deploys the demo example into the user directory on first start', async () => {
    const demo = JSON.parse(fs.readFileSync(DEMO, 'utf8'));
    const flows = JSON.parse((await get('/flows')).body);
    assert.deepEqual(flows, demo);
    assert.ok(fs.existsSync(path.join(userDir, 'flows.json')));
  });

  it('loads every node type of the package, enabled and without error', async () => {
    const nodes = JSON.parse((await get('/nodes')).body) as {
      module: string;
      types: string[];
      enabled: boolean;
      err?: string;
    }[];
    const ours = nodes.filter((n) => n.module === MODULE);
    assert.deepEqual(ours.flatMap((n) => n.types).sort(), [...TYPES].sort());
    for (const n of ours) {
      assert.equal(n.enabled, true);
      assert.equal(n.err, undefined, n.err);
    }
  });

  it("serves each node's icon and its messages in every locale", async () => {
    for (const type of TYPES) {
      const html = fs.readFileSync(path.join(root, 'nodes', `${type}.html`), 'utf8');
      const icon = /icon:\s*'([^']+)'/.exec(html)?.[1];
      if (icon) {
        const res = await get(`/icons/${MODULE}/${icon}`, 'image/*');
        assert.equal(res.status, 200, `${type} icon ${icon}`);
        assert.match(res.type, /^image\//);
      }
      for (const lang of ['en-US', 'zh-CN', 'pl', 'ru']) {
        const expected = JSON.parse(
          fs.readFileSync(path.join(root, 'locales', lang, `${type}.json`), 'utf8'),
        );
        const served = JSON.parse((await get(`/locales/${MODULE}/${type}?lng=${lang}`)).body);
        assert.deepEqual(served, expected, `${type} ${lang}`);
      }
    }
  });

  it('lists the examples under Import > Examples', async () => {
    const top = JSON.parse((await get(`/library/examples/flows/${MODULE}`)).body);
    assert.ok(JSON.stringify(top).includes('stories'), JSON.stringify(top));
    const story = JSON.parse(
      (await get(`/library/examples/flows/${MODULE}/stories/crm-lead-preview-call`)).body,
    );
    assert.ok(
      Array.isArray(story) && story.some((n: { type: string }) => n.type === 'cc-preview-call'),
    );
  });

  it("sends the simulator's dialog, ccs and seance events to the debug sidebar", async () => {
    const ws = new WebSocket(new URL('comms', url.replace(/^http/, 'ws')).href);
    const topics = new Set<string>();
    try {
      await new Promise<void>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ subscribe: 'debug' })));
        ws.on('message', (data) => {
          const parsed = JSON.parse(data.toString());
          for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
            if (m.topic === 'debug' && typeof m.data?.topic === 'string') topics.add(m.data.topic);
          }
          const all = [...topics].join(' ');
          if (/dialog_/.test(all) && /(call|connection)_/.test(all) && /seance_/.test(all)) {
            resolve();
          }
        });
        setTimeout(() => reject(new Error(`only ${[...topics].join(', ')}`)), 30000);
      });
    } finally {
      ws.close();
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 0, log);
    assert.match(log, /start: stopped/);
  });
});
