/* global require, describe, before, after, afterEach, it, RED, $ */
/* eslint-disable @typescript-eslint/no-require-imports */
// Tinet in the editor: a cc-gateway set to Tinet shows its REST and push fields (the tokens typed
// as passwords) instead of the WebSocket URL and login, and a consult node on it says, before
// deploy, that Tinet cannot carry the operation.
'use strict';
const assert = require('node:assert/strict');
const { openEditor, screenshotPath } = require('./lib');

describe('Tinet in the editor (chromium)', function () {
  this.timeout(120000);
  let nr;
  let browser;
  let page;

  before(async () => {
    ({ nr, browser, page } = await openEditor('cc-consult'));
    await page.evaluate(() => {
      const tab = RED.workspaces.active();
      RED.view.importNodes(
        [
          {
            id: 'tinet-gw-test',
            type: 'cc-gateway',
            name: 'tinet test',
            mode: 'remote',
            platform: 'tinet',
            tinetBaseUrl: 'https://api-2.cticloud.cn/interface/v10',
            tinetId: '7000002',
            tenant: 'demo',
          },
          {
            id: 'tinet-consult-test',
            type: 'cc-consult',
            z: tab,
            gateway: 'tinet-gw-test',
            x: 300,
            y: 680,
            wires: [[], [], [], []],
          },
        ],
        { generateIds: false },
      );
    });
    // Imported nodes follow the mouse until dropped.
    await page.mouse.click(700, 700);
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: screenshotPath(`failed-tinet-${name}`) }).catch(() => {});
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (nr) await nr.stop();
  });

  it('the gateway dialog shows the Tinet fields only for the Tinet platform', async () => {
    await page.evaluate(() => RED.editor.editConfig('', 'cc-gateway', 'tinet-gw-test'));
    await page.waitForSelector('#node-config-input-platform', { state: 'visible' });
    assert.equal(await page.inputValue('#node-config-input-platform'), 'tinet');
    for (const id of ['tinetBaseUrl', 'tinetId', 'tinetToken', 'tinetPushPath', 'tinetPushToken']) {
      assert.ok(await page.locator(`#node-config-input-${id}`).isVisible(), `${id} shown`);
    }
    for (const id of ['tinetToken', 'tinetPushToken']) {
      assert.equal(await page.getAttribute(`#node-config-input-${id}`, 'type'), 'password');
    }
    assert.ok(!(await page.locator('#node-config-input-url').isVisible()), 'ws URL hidden');
    assert.ok(!(await page.locator('#node-config-input-username').isVisible()), 'login hidden');
    await page.selectOption('#node-config-input-platform', 'ccflow');
    await page.waitForTimeout(150);
    assert.ok(await page.locator('#node-config-input-url').isVisible(), 'ws URL shown for ccflow');
    assert.equal(await page.evaluate(() => $('.cc-gateway-tinet:visible').length), 0);
    await page.click('#node-config-dialog-cancel');
  });

  it('a consult node on a Tinet gateway says the platform cannot carry its operation', async () => {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('tinet-consult-test')));
    await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
    const note = page.locator('#cc-consult-unsupported');
    await note.waitFor({ state: 'visible', timeout: 10000 });
    const text = await note.textContent();
    assert.match(text, /Tinet/);
    assert.match(text, /startAtxfer/);
    await page.click('#node-dialog-cancel');
  });
});
