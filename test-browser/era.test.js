/* global require, describe, before, after, afterEach, it, RED, $ */
/* eslint-disable @typescript-eslint/no-require-imports */
// The platform select in a real browser: a cc-gateway set to Era / Incoplax shows its
// authorisation and token fields, and an operation node using it says, before deploy, that the
// platform cannot carry its operation (consult); switched to a ccflow gateway, the warning goes;
// a preview call, which Era carries over its REST call control, has no warning; a ccs events
// node asking for callevents is warned on a gateway whose platform has none.
'use strict';
const assert = require('node:assert/strict');
const { openEditor, screenshotPath } = require('./lib');

describe('platforms in the editor (chromium)', function () {
  this.timeout(120000);
  let nr;
  let browser;
  let page;

  before(async () => {
    ({ nr, browser, page } = await openEditor('cc-preview-call'));
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: screenshotPath(`failed-era-${name}`) }).catch(() => {});
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (nr) await nr.stop();
  });

  it('an operation node on an Era gateway says the platform cannot carry its operation', async () => {
    const ids = await page.evaluate(() => {
      let ccflow;
      RED.nodes.eachConfig((n) => {
        if (n.type === 'cc-gateway') ccflow = ccflow || n.id;
      });
      const tab = RED.workspaces.active();
      RED.view.importNodes(
        [
          {
            id: 'era-gw-test',
            type: 'cc-gateway',
            name: 'era test',
            mode: 'simulator',
            platform: 'era',
            eraAuth: 'token',
            tenant: 'demo',
          },
          {
            id: 'era-consult-test',
            type: 'cc-consult',
            z: tab,
            gateway: 'era-gw-test',
            x: 300,
            y: 620,
            wires: [[], [], []],
          },
          {
            id: 'era-preview-test',
            type: 'cc-preview-call',
            z: tab,
            gateway: 'era-gw-test',
            x: 300,
            y: 680,
            wires: [[], []],
          },
        ],
        { generateIds: false },
      );
      return { ccflow };
    });
    assert.ok(ids.ccflow, 'the demo flow has a ccflow gateway');
    // Imported nodes follow the mouse until dropped: drop them, then open the dialog.
    await page.mouse.click(700, 650);
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('era-consult-test')));
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    const note = page.locator('#cc-consult-unsupported');
    await note.waitFor({ state: 'visible', timeout: 10000 });
    const text = await note.textContent();
    assert.match(text, /Era \/ Incoplax/);
    assert.match(text, /startAtxfer/);
    assert.match(text, /unsupported/);
    await page.screenshot({ path: screenshotPath('era-unsupported-operation') });
    await page.selectOption('#node-input-gateway', ids.ccflow);
    await note.waitFor({ state: 'hidden', timeout: 5000 });
    await page.click('#node-dialog-cancel');
    // the preview call is carried on Era (REST call control): no note
    await page.waitForFunction(() => $('#node-input-gateway').length === 0);
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('era-preview-test')));
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    await page.waitForTimeout(300);
    assert.equal(await page.locator('#cc-preview-call-unsupported:visible').count(), 0);
    await page.click('#node-dialog-cancel');
  });

  it('a ccs events node with callevents ticked says so on a gateway whose platform has none', async () => {
    const ccflow = await page.evaluate(() => {
      let id;
      RED.nodes.eachConfig((n) => {
        if (n.type === 'cc-gateway' && n.platform !== 'era') id = id || n.id;
      });
      RED.view.importNodes(
        [
          {
            id: 'era-calls-test',
            type: 'cc-ccs-events',
            z: RED.workspaces.active(),
            gateway: 'era-gw-test',
            callEvents: true,
            x: 300,
            y: 740,
            wires: [[]],
          },
        ],
        { generateIds: false },
      );
      return id;
    });
    await page.mouse.click(700, 760);
    // The previous test's tray must be gone: Node-RED looks the gateway field up by its id.
    await page.waitForFunction(() => $('#node-input-gateway').length === 0);
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('era-calls-test')));
    await page.waitForSelector('select#node-input-gateway', { timeout: 15000 });
    const note = page.locator('#cc-ccs-events-no-callevents');
    await page.waitForTimeout(300);
    assert.equal(await note.isVisible(), false, 'an Era gateway has callevents');
    await page.selectOption('#node-input-gateway', ccflow);
    await note.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await note.textContent(), /ccflow gateway/);
    await page.click('#node-dialog-cancel');
  });

  it('the gateway dialog shows the Era fields only for the Era platform', async () => {
    await page.evaluate(() => RED.editor.editConfig('', 'cc-gateway', 'era-gw-test'));
    await page.waitForSelector('#node-config-input-platform', { state: 'visible' });
    assert.equal(await page.inputValue('#node-config-input-platform'), 'era');
    assert.ok(await page.locator('#node-config-input-token').isVisible(), 'token field shown');
    assert.equal(
      await page.getAttribute('#node-config-input-token', 'type'),
      'password',
      'the token is typed as a password',
    );
    await page.selectOption('#node-config-input-platform', 'ccflow');
    await page.waitForTimeout(150);
    assert.ok(!(await page.locator('#node-config-input-token').isVisible()), 'token hidden');
    const visibleEra = await page.evaluate(() => $('.cc-gateway-era:visible').length);
    assert.equal(visibleEra, 0);
    await page.click('#node-config-dialog-cancel');
  });
});
