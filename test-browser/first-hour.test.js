/* global require, describe, it, process, RED, document, console, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports */
// `npm start` as a new user runs it: a fresh user directory, the demo flow deployed, the editor
// opened in chromium. Prints (does not assert: the machine is shared) the time from `npm start`
// to listening and to the first message in the debug sidebar.
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { root, launchBrowser } = require('./lib');

describe('npm start, timed', function () {
  this.timeout(120000);

  it('prints the time from npm start to the first debug message', async () => {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-first-hour-'));
    const browser = await launchBrowser();
    const page = await browser.context.newPage();
    const t0 = Date.now();
    const child = spawn('npm', ['start', '--', '--port', '0', '--user-dir', userDir], {
      cwd: root,
      env: { ...process.env, PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let log = '';
    child.stdout.on('data', (c) => (log += c.toString()));
    child.stderr.on('data', (c) => (log += c.toString()));
    try {
      let url;
      while (!(url = /Node-RED editor: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log)?.[1])) {
        assert.ok(Date.now() - t0 < 90000, `npm start did not listen:\n${log}`);
        assert.equal(child.exitCode, null, `npm start exited:\n${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const listening = Date.now() - t0;
      await page.goto(url);
      await page.waitForFunction(
        () => {
          try {
            return RED.sidebar.containsTab('debug');
          } catch {
            return false; // the sidebar is not set up yet
          }
        },
        null,
        { timeout: 60000 },
      );
      await page.evaluate(() => RED.sidebar.show('debug'));
      await page.waitForFunction(() => document.querySelector('.red-ui-debug-msg'), null, {
        timeout: 60000,
      });
      const firstDebug = Date.now() - t0;
      console.log(
        `      npm start -> listening ${(listening / 1000).toFixed(1)} s, ` +
          `-> first debug message in the editor ${(firstDebug / 1000).toFixed(1)} s`,
      );
    } finally {
      await browser.close();
      try {
        process.kill(-child.pid, 'SIGINT');
      } catch {
        // already gone
      }
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      fs.rmSync(userDir, { recursive: true, force: true });
    }
  });
});
