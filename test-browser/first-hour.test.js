/* global require, describe, it, process, RED, document, console, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports */
// `npm start` as a new user runs it: a fresh user directory, the demo flow deployed, the editor
// opened in chromium. Prints (does not assert: the machine is shared) the time from `npm start`
// to listening and to the first message in the debug sidebar, and when the build and the flows'
// start ended. On a fresh clone `npm install` has built the product (its `prepare` script), so
// `npm start` compiles only what changed since; without that build the compile (several seconds
// on 2 cores) shows in "built". The demo's first call is placed 3 s after the flows start: a
// debug message published before the editor connected is not shown (Node-RED keeps none), and
// the editor takes a second or two to load, so an earlier call would often be missed.
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
    // When each phase ended (ms after npm start): the build, Node-RED's start, the flows.
    const marks = {};
    const mark = (name, re) => {
      if (marks[name] === undefined && re.test(log)) marks[name] = Date.now() - t0;
    };
    const onData = (c) => {
      log += c.toString();
      mark('built', /Welcome to Node-RED/);
      mark('flows', /Started flows/);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
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
      const sec = (ms) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));
      console.log(
        `      npm start -> built ${sec(marks.built)} s, flows started ${sec(marks.flows)} s, ` +
          `listening ${sec(listening)} s, ` +
          `-> first debug message in the editor ${sec(firstDebug)} s`,
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
