/* global require, describe, before, after, afterEach, it, window, fetch, URL, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports */
// The WebRTC family in a real browser: `scripts/start.js` (the code behind `npm start`) with the
// story "a browser joins a session" deployed through the admin API; two participant pages in
// Debian's chromium (fake camera and microphone) join the one session, each shows the other's
// media (peer to peer over loopback, the embedded simulator relaying the negotiation), leave
// and disconnect; the flow's callback node logged onConnect, then onLeave and onDisconnect, for
// each. Same launch settings as editor.test.js, plus the media flags.
'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { root, startNodeRed, launchBrowser, screenshotPath } = require('./lib');

const STORY = path.join(root, 'examples', 'stories', 'webrtc-browser-joins-session.json');
const MEDIA_FLAGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // Host candidates on 127.0.0.1, so the pages connect on loopback whatever the machine has.
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

describe('the WebRTC story in chromium', function () {
  this.timeout(120000);
  let nr;
  let browser;
  const pages = [];
  const pageErrors = [];

  before(async () => {
    nr = await startNodeRed();
    browser = await launchBrowser({ args: MEDIA_FLAGS });
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed') {
      for (const [i, p] of pages.entries()) {
        await p.screenshot({ path: screenshotPath(`failed-webrtc-${i}`) }).catch(() => {});
      }
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (nr) await nr.stop();
  });

  /** The admin API of the running Node-RED. */
  async function api(method, url, body) {
    const res = await fetch(new URL(url, nr.url), {
      method,
      headers: { 'content-type': 'application/json', 'node-red-api-version': 'v2' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  const events = () => api('GET', 'webrtc/events');

  async function until(what, fn, timeoutMs = 30000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('deploys the story next to the demo flow', async () => {
    const current = await api('GET', 'flows');
    const story = JSON.parse(fs.readFileSync(STORY, 'utf8'));
    await api('POST', 'flows', { flows: [...current.flows, ...story], rev: current.rev });
    // The room (a session) is created at deploy: /webrtc/join answers with a redirect then.
    await until('the room', async () => {
      const res = await fetch(new URL('webrtc/join?name=probe', nr.url), { redirect: 'manual' });
      return res.status === 302;
    });
  });

  it('two participant pages in one session each receive the media of the other', async () => {
    for (const name of ['alice', 'bob']) {
      const page = await browser.context.newPage();
      page.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
      pages.push(page);
      await page.goto(new URL(`webrtc/join?name=${name}`, nr.url).href);
      assert.match(page.url(), /\/webrtc\/participant#token=/);
      await page.waitForFunction(
        () => window.participant && window.participant.state === 'connected',
      );
    }
    const ids = [];
    for (const page of pages) ids.push(await page.evaluate(() => window.participant.participantId));
    for (const [i, page] of pages.entries()) {
      // A remote stream whose video has frames: media flows from the other page.
      const seen = await page.waitForFunction(
        () => {
          const s = Object.values(window.participant.streams).find((x) => x.videoWidth > 0);
          return s && { participantId: s.participantId, width: s.videoWidth };
        },
        null,
        { timeout: 30000 },
      );
      const stream = await seen.jsonValue();
      assert.equal(stream.participantId, ids[1 - i], 'the stream is the other page');
      assert.ok(stream.width > 0);
    }
    await pages[0].screenshot({ path: screenshotPath('webrtc-two-participants') });
    assert.deepEqual(pageErrors, []);
  });

  it('removed from the session and disconnected: the flow saw onConnect, then onLeave and onDisconnect, for each', async () => {
    const ids = [];
    for (const page of pages) ids.push(await page.evaluate(() => window.participant.participantId));
    for (const [i, page] of pages.entries()) {
      await api('POST', `webrtc/leave?participantId=${encodeURIComponent(ids[i])}`);
      // Removed: the page no longer receives the other's stream.
      await page.waitForFunction(() => Object.keys(window.participant.streams).length === 0);
      await page.click('#disconnect');
      await page.waitForFunction(() => window.participant.state === 'disconnected');
    }
    const log = await until('the callbacks of both pages', async () => {
      const l = await events();
      const done = ids.every((id) => l.filter((e) => e.participantId === id).length >= 3);
      return done && l;
    });
    for (const id of ids) {
      assert.deepEqual(
        log.filter((e) => e.participantId === id).map((e) => e.event),
        ['onConnect', 'onLeave', 'onDisconnect'],
        `participant ${id}`,
      );
    }
  });
});
