/* global require, describe, before, after, afterEach, it, fetch, document, setTimeout, RED, $ */
/* eslint-disable @typescript-eslint/no-require-imports */
// The helpdesk chat in a real browser (Debian's chromium, driven by playwright-core), with the
// same launch settings as the editor test: `scripts/start.js` on a free port, the helpdesk
// story (examples/stories/helpdesk-chat.json) deployed through the admin API, the visitor's
// chat page and the service representative's page (both served by the embedded chat
// simulator) played through the 20 steps of the vendor's helpdesk flow. The flow's callback
// log (GET /helpdesk/log) must show each callback with the right operation id, in order.
'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { root, startNodeRed, launchBrowser, screenshotPath, pkg } = require('./lib');

const CHAT_TYPES = Object.keys(pkg['node-red'].nodes).filter(
  (t) => t.startsWith('cc-chat-') && t !== 'cc-chat-app',
);

const STORY = path.join(root, 'examples', 'stories', 'helpdesk-chat.json');

async function until(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the helpdesk chat pages in chromium', function () {
  this.timeout(120000);
  let nr;
  let browser;
  let visitor;
  let rep;
  const pageErrors = [];

  before(async () => {
    nr = await startNodeRed();
    browser = await launchBrowser();
    // Deploy the story beside the demo flow, as an import and a deploy do.
    const flows = await (await fetch(`${nr.url}flows`)).json();
    const story = JSON.parse(fs.readFileSync(STORY, 'utf8'));
    const res = await fetch(`${nr.url}flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify([...flows, ...story]),
    });
    assert.ok(res.status === 200 || res.status === 204, await res.text());
    await until('the helpdesk entry point', async () => {
      const r = await fetch(`${nr.url}helpdesk`, { redirect: 'manual' });
      return r.status === 302;
    });
    for (const name of ['visitor', 'rep']) {
      const p = await browser.context.newPage();
      p.on('pageerror', (e) => pageErrors.push(`${name}: ${e.message}`));
      if (name === 'visitor') visitor = p;
      else rep = p;
    }
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed') {
      for (const [name, p] of [
        ['visitor', visitor],
        ['rep', rep],
      ]) {
        if (p) await p.screenshot({ path: screenshotPath(`failed-chat-${name}`) }).catch(() => {});
      }
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (nr) await nr.stop();
  });

  const text = (p, sel) => p.locator(sel).innerText();
  const state = (p) => p.evaluate(() => document.body.dataset.state || '');
  const messages = (p) => p.locator('#messages .msg').allInnerTexts();

  it("plays the seed's 20 steps; the flow gets each callback with its operation id, in order", async () => {
    // A person answers as Alice: her open page takes over from the scripted Alice.
    await rep.goto(`${nr.url}helpdesk/rep`);
    assert.match(rep.url(), /\/chat\/rep\.html\?uri=sip%3Aalice%40contoso\.com/);
    await rep.click('#online');
    await until('Alice online', async () => (await state(rep)) === 'online');

    // Steps 3-6: the flow hands out a token and the discover link; the page discovers, opens
    // a session with the token and invites the helpdesk.
    await visitor.goto(`${nr.url}helpdesk`);
    assert.match(visitor.url(), /\/chat\/visitor\.html\?token=[^&]+&discover=/);
    await visitor.fill('#name', 'Jane');
    await visitor.click('#start');
    // Steps 7-13: meeting, accept and bridge, bridged participant, the welcome message.
    await until('connected', async () => (await state(visitor)) === 'connected');
    await until('the welcome message', async () =>
      (await messages(visitor)).some((m) => m.includes('Welcome to Contoso!')),
    );
    // Steps 14-15: the invitation reaches Alice's page; she accepts and joins.
    await until(
      'the invitation on the representative page',
      async () => (await rep.locator('#invites .invite').count()) === 1,
    );
    assert.match(await text(rep, '#invites .invite'), /Chat with Jane/);
    await rep.click('#invites .invite .accept');
    await until('Alice in the chat', async () => (await state(rep)) === 'chatting');
    await until('Alice joined, at the visitor', async () =>
      (await messages(visitor)).some((m) => m.includes('Alice joined the chat.')),
    );
    // Step 16: Alice types; the visitor sees "is typing".
    await rep.fill('#text', 'Hello Jane, how can I help?');
    await until('is typing', async () => /Alice is typing/.test(await text(visitor, '#typing')));
    // Step 17: Alice's message.
    await rep.click('#send');
    await until("Alice's message at the visitor", async () =>
      (await messages(visitor)).some((m) => m.includes('Hello Jane, how can I help?')),
    );
    assert.equal(await text(visitor, '#typing'), '', 'the message clears "is typing"');
    // The visitor answers (typing shown on Alice's page).
    await visitor.fill('#text', 'My order 42 is late');
    await until('the visitor typing, at Alice', async () =>
      /Jane is typing/.test(await text(rep, '#typing')),
    );
    await visitor.click('#send');
    await until("the visitor's message at Alice", async () =>
      (await messages(rep)).some((m) => m.includes('My order 42 is late')),
    );
    // Steps 18-20: the visitor closes; the flow is told and terminates the meeting.
    await visitor.click('#close');
    await until('the chat closed, at the visitor', async () => (await state(visitor)) === 'ended');
    await until('the meeting ended, at Alice', async () => (await state(rep)) === 'ended');

    const log = await until('the callback log complete', async () => {
      const l = await (await fetch(`${nr.url}helpdesk/log`)).json();
      return l.filter((e) => e.topic === 'conversationDeleted').length === 2 ? l : undefined;
    });
    // Typing notifications may come more than once: consecutive repeats count once.
    const seq = [];
    for (const e of log) {
      if (e.topic.startsWith('participantInvitation ')) continue;
      const last = seq[seq.length - 1];
      if (last && last.topic === e.topic && last.operationId === e.operationId) continue;
      seq.push(e);
    }
    const ids = {};
    const named = seq.map((e) => {
      ids[e.operationId] ??= `op${Object.keys(ids).length}`;
      return `${e.topic}@${ids[e.operationId]}`;
    });
    assert.deepEqual(named, [
      'messagingInvitation@op0', // 7: the visitor's invitation, with the client's operation id
      'conversationAdded@op1', // 8: the ad-hoc meeting
      'meetingStarted@op1',
      'invitationAccepted@op2', // 9: accept and bridge
      'conversationBridgeAdded@op2', // 10
      'bridgedParticipantAdded@op3', // 11: messageFilterState Disabled
      'messageSending@op4', // 12-13: the welcome message
      'messageDelivered@op4',
      'participantInvited@op5', // 14-15: Alice invited, joins
      'participantJoined@op5',
      'participantTyping@op5', // 16
      'message@op5', // 17
      'participantTyping@op2', // the visitor, through the bridge
      'message@op2',
      'conversationDeleted@op2', // 18-19: the visitor closed the chat
      'participantLeft@op6', // 20: terminate
      'conversationDeleted@op6',
    ]);
    assert.match(seq[0].operationId, /^visitor-/, "the visitor page's own operation id");
    assert.equal(seq[11].text, 'Hello Jane, how can I help?');
    assert.equal(seq[13].text, 'My order 42 is late');
    assert.deepEqual(pageErrors, []);
  });

  it("opens each chat node's edit dialog: the chat app is required, parameters come from the chat catalogue", async () => {
    const editor = await browser.context.newPage();
    editor.on('pageerror', (e) => pageErrors.push(`editor: ${e.message}`));
    await editor.goto(nr.url);
    await editor.waitForSelector('.red-ui-palette-node[data-palette-type="cc-chat-send"]', {
      timeout: 60000,
    });
    // The story deployed above brought a chat app (a global config node).
    const app = await editor.evaluate(() => {
      let id;
      RED.nodes.eachConfig((n) => {
        if (n.type === 'cc-chat-app') id = id || n.id;
      });
      return id;
    });
    assert.ok(app, 'the story has a cc-chat-app');
    const flagged = (sel) =>
      editor.evaluate(
        (q) =>
          $(q).hasClass('input-error') ||
          $(q).closest('.red-ui-typedInput-container').hasClass('input-error'),
        sel,
      );
    for (const type of CHAT_TYPES) {
      const id = await editor.evaluate((t) => {
        // A new node, as the palette makes one: its own id, no chat app chosen yet.
        const nid = RED.nodes.id();
        RED.view.importNodes(
          [{ id: nid, type: t, x: 300, y: 600, z: RED.workspaces.active(), app: '' }],
          { touchImport: true },
        );
        return nid;
      }, type);
      await editor.evaluate((nid) => RED.editor.edit(RED.nodes.node(nid)), id);
      await editor.waitForSelector('#node-dialog-ok', { state: 'visible' });
      await editor.waitForTimeout(400);
      assert.ok(await flagged('#node-input-app'), `${type}: chat app unset`);
      await editor.selectOption('#node-input-app', app);
      await editor.waitForTimeout(150);
      assert.ok(!(await flagged('#node-input-app')), `${type}: chat app set`);
      if (type === 'cc-chat-send') {
        assert.equal(
          await editor.locator('#cc-chat-params input[data-param="message"]').count(),
          1,
        );
      }
      if (type === 'cc-chat-add-participant') {
        const params = await editor
          .locator('#cc-chat-params input[data-param]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-param')));
        assert.deepEqual(params, ['uri', 'displayName', 'messageFilterState']);
      }
      if (type !== 'cc-chat-events') {
        await editor.fill('#node-input-timeout', 'soon');
        await editor.locator('#node-input-timeout').dispatchEvent('change');
        await editor.waitForTimeout(150);
        assert.ok(await flagged('#node-input-timeout'), `${type}: bad timeout`);
        await editor.fill('#node-input-timeout', '30');
        await editor.locator('#node-input-timeout').dispatchEvent('change');
      }
      await editor.screenshot({ path: screenshotPath(`chat-edit-${type}`) });
      await editor.click('#node-dialog-ok');
      await editor.waitForSelector('#node-dialog-ok', { state: 'detached' });
      const state = await editor.evaluate((nid) => {
        const n = RED.nodes.node(nid);
        return { valid: n.valid, errors: n.validationErrors, app: n.app, params: n.params };
      }, id);
      assert.equal(state.app, app, `${type}: chat app saved`);
      assert.ok(state.valid, `${type}: invalid after a valid edit: ${state.errors}`);
      if (type === 'cc-chat-send') {
        assert.deepEqual(state.params, { message: { type: 'msg', value: 'payload.message' } });
      }
    }
    await editor.close();
    assert.deepEqual(pageErrors, []);
  });
});
