/* global require, describe, before, after, afterEach, it, process, RED, document, window */
/* eslint-disable @typescript-eslint/no-require-imports */
// The "calls" sidebar in a real browser against `scripts/start.js` (the code behind
// `npm start`, demo flow deployed): a story imported and deployed next to the demo, its button
// clicked, and the sidebar drawing the call as it happens: preview call -> consult -> three-way
// -> complete transfer, with responses, outcomes and the dialog / ccs events between them.
// (Every example's buttons clicked twice, each call drawn: examples.test.js.)
// The sidebar's screenshot is copied to docs/images/calls-sidebar.png for the README (not
// under CI; UPDATE_SCREENSHOT=1 / 0 forces it).
'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { root, openCallsEditor, screenshotPath } = require('./lib');

const example = (name) =>
  JSON.parse(fs.readFileSync(path.join(root, 'examples', `${name}.json`), 'utf8'));

describe('the calls sidebar in chromium', function () {
  this.timeout(120000);
  let nr;
  let browser;
  let page;
  let consoleErrors = [];

  before(async () => {
    ({ nr, browser, page, consoleErrors } = await openCallsEditor());
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: screenshotPath(`failed-sidebar-${name}`) }).catch(() => {});
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (nr) await nr.stop();
  });

  /** Import a flow (fresh ids, so it never collides with what runs) and deploy it. */
  async function importAndDeploy(flow) {
    const tab = await page.evaluate((nodes) => {
      const before = new Set();
      RED.nodes.eachWorkspace((w) => before.add(w.id));
      RED.view.importNodes(nodes, { generateIds: true, addFlow: true });
      let id;
      RED.nodes.eachWorkspace((w) => {
        if (!before.has(w.id)) id = w.id;
      });
      RED.workspaces.show(id);
      return id;
    }, flow);
    assert.ok(tab, 'the flow was imported on its own tab');
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 15000 });
    return tab;
  }

  /** Click the button of the inject named `name` on tab `z`. */
  async function press(z, name) {
    const id = await page.evaluate(
      ({ z, name }) =>
        RED.nodes.filterNodes({ z, type: 'inject' }).find((n) => n.name === name)?.id,
      { z, name },
    );
    assert.ok(id, `inject "${name}"`);
    await page.evaluate((z) => RED.workspaces.show(z), z);
    await page.click(`[id="${id}"] .red-ui-flow-node-button`);
  }

  /** The calls the sidebar shows: title, state and the names of the steps drawn. */
  const drawn = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.cc-calls-call')].map((c) => ({
        key: c.getAttribute('data-call'),
        title: c.querySelector('.cc-calls-title').textContent,
        state: c.getAttribute('data-state'),
        steps: [...c.querySelectorAll('.cc-calls-step')].map((s) => s.getAttribute('data-name')),
        labels: [...c.querySelectorAll('.cc-calls-step title')].map((s) => s.textContent),
        lanes: [...c.querySelectorAll('.cc-calls-lane-label')].map((s) => s.textContent),
      })),
    );

  it('draws a preview call -> consult -> three-way -> complete transfer as it happens', async () => {
    await page.evaluate(() => RED.sidebar.show('cc-calls'));
    await page.waitForSelector('.cc-calls-list', { state: 'visible' });
    const tab = await importAndDeploy(example('stories/consult-threeway-complete-transfer'));
    await page.waitForTimeout(1000);
    await press(tab, 'agent 1001 calls 48500100201');

    // Watch the drawing grow: the consult must be on screen before the transfer is.
    const seen = [];
    let call;
    const until = Date.now() + 60000;
    while (Date.now() < until) {
      call = (await drawn()).find(
        (c) => c.title.startsWith('1001 ->') && c.steps.includes('previewObCall'),
      );
      if (call) {
        const stage = ['completeAtxfer', 'threewayAtxfer', 'startAtxfer', 'previewObCall'].find(
          (op) => call.steps.includes(op),
        );
        if (seen[seen.length - 1] !== stage) seen.push(stage);
        if (call.labels.some((l) => l === 'completeAtxfer: transferred')) break;
      }
      await page.waitForTimeout(100);
    }
    assert.ok(call, 'the call is drawn');
    assert.ok(
      call.labels.includes('completeAtxfer: transferred'),
      `no transfer outcome: ${call.labels.join(' | ')}`,
    );
    assert.deepEqual(
      seen.filter((s) => s !== 'previewObCall'),
      ['startAtxfer', 'threewayAtxfer', 'completeAtxfer'],
      `stages seen: ${seen.join(', ')}`,
    );
    // Lanes in the vendor documents' manner, and every kind of step between them.
    assert.deepEqual(call.lanes, ['agent 1001', 'platform', 'customer 48500100201', 'agent 1002']);
    assert.ok(
      call.labels[0].startsWith('previewObCall(customerNumber=48500100201'),
      call.labels[0],
    );
    for (const label of [
      'previewObCallResp 0',
      'previewObCall: bridged',
      'startAtxfer: linked',
      'threewayAtxfer: joined',
    ]) {
      assert.ok(call.labels.includes(label), `${label} missing: ${call.labels.join(' | ')}`);
    }
    for (const name of ['dialog_create', 'call_create', 'seance_create', 'previewObCallBridge']) {
      assert.ok(call.steps.includes(name), `${name} missing`);
    }
    // A wider sidebar showing this call only, for the picture.
    const sep = await page.locator('#red-ui-sidebar-separator').boundingBox();
    await page.mouse.move(sep.x + sep.width / 2, sep.y + 200);
    await page.mouse.down();
    await page.mouse.move(sep.x - 260, sep.y + 200, { steps: 10 });
    await page.mouse.up();
    await page.fill('.cc-calls-filter', '1001 48500100201');
    await page.waitForTimeout(600);
    const shot = screenshotPath('sidebar-01-transfer');
    await page.locator('#red-ui-sidebar').screenshot({ path: shot });
    if (process.env.UPDATE_SCREENSHOT ? process.env.UPDATE_SCREENSHOT !== '0' : !process.env.CI) {
      fs.copyFileSync(shot, path.join(root, 'docs', 'images', 'calls-sidebar.png'));
    }

    // Click an event: its data shows.
    const box = page.locator(`.cc-calls-call[data-call="${call.key}"]`);
    await box.locator('.cc-calls-step[data-name="previewObCallBridge"] .cc-calls-hit').click();
    const data = await page.locator('.cc-calls-detail .cc-calls-data').textContent();
    assert.match(data, /"channel"/);
    assert.match(data, /"uniqueId"/);

    // Copy as Mermaid: the text of the whole call.
    await box.locator('.cc-calls-copy').click();
    await page.waitForSelector('.cc-calls-mermaid');
    const mermaid = await page.locator('.cc-calls-mermaid').inputValue();
    assert.match(mermaid, /^sequenceDiagram\n/);
    assert.match(mermaid, /participant agent as agent 1001/);
    assert.match(mermaid, /agent->>platform: completeAtxfer\(\)/);
    assert.match(mermaid, /Note over agent: completeAtxfer: transferred/);

    // Filters: by agent, by number, by gateway name.
    const titles = async (q) => {
      await page.fill('.cc-calls-filter', q);
      await page.waitForTimeout(400);
      return (await drawn()).map((c) => c.title);
    };
    assert.ok((await titles('1002')).includes(call.title), 'filter by the consulted agent');
    assert.ok((await titles('48500100201')).includes(call.title), 'filter by number');
    assert.deepEqual(await titles('no-such-thing'), []);
    await titles('');
    assert.deepEqual(consoleErrors, []);
  });

  /** The gateway id of the operation nodes on tab `z`. */
  const gatewayOf = (z) =>
    page.evaluate((z) => RED.nodes.filterNodes({ z }).find((n) => n.gateway)?.gateway, z);

  /** The calls a gateway has in the sidebar's data (all of them, drawn or not). */
  const callsOf = (gw) =>
    page.evaluate(
      (gw) =>
        Object.values(window.CCCallsSidebar.calls())
          .filter((c) => c.gateway === gw)
          .map((c) => ({
            state: c.state,
            agents: c.agents,
            labels: c.steps.map((s) => s.label),
          })),
      gw,
    );

  const refusedIn = (calls) =>
    calls.flatMap((c) => c.labels.filter((l) => /refused/.test(l))).join(' | ');

  const showCalls = async () => {
    await page.evaluate(() => RED.sidebar.show('cc-calls'));
    await page.waitForSelector('.cc-calls-list', { state: 'visible' });
  };

  it("shows why an operation was refused on the node's status", async () => {
    const tab = await importAndDeploy(example('nodes/cc-preview-call'));
    await page.waitForTimeout(1000);
    const preview = await page.evaluate(
      (z) => RED.nodes.filterNodes({ z, type: 'cc-preview-call' })[0].id,
      tab,
    );
    const label = page.locator(`[id="${preview}"] .red-ui-flow-node-status-label`);
    // Again while the first call talks (before its hang-up step): the agent is busy.
    await press(tab, 'agent 1001 calls 48500100201');
    await page.waitForFunction(
      (id) =>
        /bridged/.test(
          document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent || '',
        ),
      preview,
      { timeout: 20000 },
    );
    await press(tab, 'agent 1001 calls 48500100201');
    await page.waitForFunction(
      (id) =>
        /refused/.test(
          document.querySelector(`[id="${id}"] .red-ui-flow-node-status-label`)?.textContent || '',
        ),
      preview,
      { timeout: 20000 },
    );
    const text = await label.textContent();
    assert.match(text, /^failed: refused \d+ INVALID_STATE: /, text);
    await page.screenshot({ path: screenshotPath('sidebar-02-refused-status') });
  });

  it('runs the demo and an imported copy of its story side by side', async () => {
    await showCalls();
    // As a user does: Import > Examples > stories > live-simulator-events, while the demo runs.
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    const dialog = page.locator('.ui-dialog:visible');
    await dialog.getByText('Examples', { exact: true }).first().click();
    const label = (text) =>
      dialog.locator('.red-ui-treeList-label').filter({ hasText: text }).first();
    await label('@ccflow/node-red-contact-center').click();
    await label('stories').click();
    await label('live-simulator-events').click();
    await page.click('#red-ui-clipboard-dialog-ok');
    // The nodes exist already: Node-RED offers to import a copy.
    await page.locator('.red-ui-notification button', { hasText: 'Import copy' }).click();
    await page.waitForTimeout(800);
    const demoTabs = await page.evaluate(() => {
      const out = [];
      RED.nodes.eachWorkspace((w) => {
        if (w.label.startsWith('Live simulator events')) out.push(w.id);
      });
      return out;
    });
    assert.equal(demoTabs.length, 2, `tabs: ${demoTabs.join(', ')}`);
    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 15000 });
    const started = Date.now();
    // Both flows place their own preview call 3 s after the deploy, on different agents.
    const gws = [...new Set(await Promise.all(demoTabs.map(gatewayOf)))];
    let calls = [];
    while (Date.now() - started < 40000) {
      calls = (await Promise.all(gws.map(callsOf))).flat();
      const bridged = calls.filter((c) => c.labels.includes('previewObCall: bridged'));
      if (bridged.length >= 2) break;
      await page.waitForTimeout(250);
    }
    assert.equal(refusedIn(calls), '', 'nothing refused');
    const bridged = calls.filter((c) => c.labels.includes('previewObCall: bridged'));
    assert.ok(
      bridged.length >= 2,
      `bridged: ${JSON.stringify(calls.map((c) => c.labels.slice(-1)))}`,
    );
    // And the copy's own button works beside the demo.
    await press(demoTabs[1], 'agent 1010 calls 48500100201');
    const until = Date.now() + 30000;
    while (Date.now() < until) {
      calls = (await Promise.all(gws.map(callsOf))).flat();
      if (
        calls.some((c) => c.agents.includes('1010') && c.labels.includes('previewObCall: bridged'))
      )
        break;
      await page.waitForTimeout(250);
    }
    assert.equal(refusedIn(calls), '', 'nothing refused');
    assert.ok(
      calls.some((c) => c.agents.includes('1010') && c.labels.includes('previewObCall: bridged')),
    );
    assert.deepEqual(consoleErrors, []);
  });
});
