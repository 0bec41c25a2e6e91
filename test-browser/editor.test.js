/* global require, describe, before, after, afterEach, it, process, RED, $, document, getComputedStyle */
/* eslint-disable @typescript-eslint/no-require-imports */
// The editor in a real browser (Debian's chromium, driven by playwright-core) against
// `scripts/start.js`, the code behind `npm start`: a fresh user directory, so the demo flow is
// deployed and the embedded simulator produces traffic. Screenshots go to test-results/; the
// one of the imported CRM story is copied to docs/images/editor.png for the README, except
// under CI (a CI run leaves the checkout as it found it); UPDATE_SCREENSHOT=1 / 0 forces it.
'use strict';
const assert = require('node:assert/strict');
const fs = require('fs');
const path = require('path');
const { root, startNodeRed, launchBrowser, screenshotPath, pkg } = require('./lib');

const TYPES = Object.keys(pkg['node-red'].nodes);
const MODULE = pkg.name;

describe('the editor in chromium', function () {
  this.timeout(120000);
  let nr;
  let browser;
  let page;
  const consoleErrors = [];

  before(async () => {
    nr = await startNodeRed();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`));
  });

  afterEach(async function () {
    if (this.currentTest.state === 'failed' && page && browser) {
      const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await page.screenshot({ path: screenshotPath(`failed-${name}`) }).catch(() => {});
    }
  });

  after(async () => {
    if (browser) await browser.close();
    if (nr) await nr.stop();
  });

  /** Count of the workspace's nodes of a type (all tabs). */
  const countOf = (type) =>
    page.evaluate((t) => {
      let c = 0;
      RED.nodes.eachNode((n) => {
        if (n.type === t) c++;
      });
      return c;
    }, type);

  /** Drag a palette entry onto the current tab, as a user does; returns the new node's id. */
  async function dragFromPalette(type, at) {
    const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
    await entry.scrollIntoViewIfNeeded();
    const box = await entry.boundingBox();
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    const before = await countOf(type);
    await page.mouse.move(box.x + 20, box.y + box.height / 2);
    await page.mouse.down();
    const steps = 20;
    for (let i = 1; i <= steps; i++) {
      await page.mouse.move(
        box.x + 20 + ((chart.x + at.x - box.x - 20) * i) / steps,
        box.y + box.height / 2 + ((chart.y + at.y - box.y - box.height / 2) * i) / steps,
      );
    }
    await page.mouse.up();
    assert.equal(await countOf(type), before + 1, `${type} was not added by drag and drop`);
    return page.evaluate(() => RED.view.selection().nodes[0].id);
  }

  const errorFields = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.red-ui-tray .input-error')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => e.id || e.className),
    );

  async function setField(selector, value) {
    await page.fill(selector, value);
    await page.locator(selector).dispatchEvent('change');
    await page.waitForTimeout(150);
  }

  it('loads the editor with no console errors', async () => {
    await page.goto(nr.url);
    await page.waitForSelector('.red-ui-palette-node[data-palette-type="cc-preview-call"]', {
      timeout: 30000,
    });
    await page.waitForSelector('.red-ui-flow-node', { timeout: 30000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: screenshotPath('01-editor-loaded') });
    assert.deepEqual(consoleErrors, []);
  });

  it('shows every node in the palette with its icon, and registers the config node', async () => {
    for (const type of TYPES) {
      const def = await page.evaluate((t) => {
        const d = RED.nodes.getType(t);
        return d && { category: d.category, icon: d.icon };
      }, type);
      assert.ok(def, `${type} is not registered in the editor`);
      if (def.category === 'config') continue;
      const entry = page.locator(`.red-ui-palette-node[data-palette-type="${type}"]`);
      await entry.scrollIntoViewIfNeeded();
      assert.ok(await entry.isVisible(), `${type} is not visible in the palette`);
      const icon = await entry
        .locator('.red-ui-palette-icon')
        .evaluate((e) => getComputedStyle(e).backgroundImage);
      const url = /url\("?([^")]+)"?\)/.exec(icon)?.[1];
      assert.ok(url && url.includes(`icons/${MODULE}/`), `${type}: icon ${icon} is not ours`);
      const res = await page.request.get(url);
      assert.equal(res.status(), 200, `${type}: icon ${url}`);
      assert.match(res.headers()['content-type'], /^image\//, `${type}: icon content type`);
      assert.ok((await res.body()).length > 100, `${type}: icon is empty`);
    }
    const palette = page.locator('#red-ui-palette');
    await palette.locator('.red-ui-palette-node[data-palette-type="cc-preview-call"]').hover();
    await page.screenshot({ path: screenshotPath('02-palette') });
  });

  it("opens each node's edit dialog and validates its fields", async () => {
    const gateway = await page.evaluate(() => {
      let id;
      RED.nodes.eachConfig((n) => {
        if (n.type === 'cc-gateway') id = id || n.id;
      });
      return id;
    });
    assert.ok(gateway, 'the demo flow has a cc-gateway');
    // Each node's config field (a defaults entry whose type is a config node type: `gateway`,
    // a chat family's `app`, a WebRTC family's `account`) and a config node to choose there: the
    // demo flow's cc-gateway, or one added to the workspace for the other families.
    const configs = {};
    for (const type of TYPES) {
      configs[type] = await page.evaluate(
        ({ t, gw }) => {
          const d = RED.nodes.getType(t);
          const field = Object.keys(d.defaults || {}).find((k) => {
            const ct = d.defaults[k].type;
            return ct && RED.nodes.getType(ct) && RED.nodes.getType(ct).category === 'config';
          });
          if (!field) return undefined;
          const ct = d.defaults[field].type;
          if (ct === 'cc-gateway') return { field, id: gw };
          let found;
          RED.nodes.eachConfig((n) => {
            if (n.type === ct) found = found || n.id;
          });
          if (!found) {
            const def = RED.nodes.getType(ct);
            const node = { id: RED.nodes.id(), type: ct, _def: def, users: [], z: '' };
            for (const [k, v] of Object.entries(def.defaults)) node[k] = v.value;
            node.name = 'browser test';
            RED.nodes.add(node);
            found = node.id;
          }
          return { field, id: found };
        },
        { t: type, gw: gateway },
      );
    }
    let x = 200;
    for (const type of TYPES) {
      const def = await page.evaluate((t) => RED.nodes.getType(t).category, type);
      if (def === 'config') continue;
      // The helpdesk chat nodes use a chat app, not a gateway: chat.test.js checks their dialogs.
      if (type.startsWith('cc-chat-')) continue;
      const id = await dragFromPalette(type, { x, y: 560 });
      x += 40;
      await page.dblclick(`[id="${id}"] .red-ui-flow-node`);
      await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
      await page.waitForTimeout(400);
      // A dragged node has no config node yet: the field is flagged.
      const { field, id: config } = configs[type];
      assert.ok((await errorFields()).includes(`node-input-${field}`), `${type}: ${field} unset`);
      await page.selectOption(`#node-input-${field}`, config);
      await page.waitForTimeout(150);
      assert.ok(!(await errorFields()).includes(`node-input-${field}`), `${type}: ${field} set`);

      if (await page.locator('#node-input-timeout').isVisible()) {
        // Operation nodes: a timeout that is not a positive number is refused.
        await setField('#node-input-timeout', 'soon');
        assert.ok((await errorFields()).includes('node-input-timeout'), `${type}: bad timeout`);
        await setField('#node-input-timeout', '30');
        assert.ok(!(await errorFields()).includes('node-input-timeout'), `${type}: timeout 30`);
      }
      if ((await page.locator('#node-input-agent').count()) > 0) {
        // The agent TypedInput: an empty msg property is refused.
        const agent = page.locator('#node-input-agent');
        await page.evaluate(() => $('#node-input-agent').typedInput('value', ''));
        await agent.dispatchEvent('change');
        await page.waitForTimeout(150);
        const flagged = await page.evaluate(
          () =>
            $('#node-input-agent').parent().find('.input-error').addBack('.input-error').length >
              0 ||
            $('#node-input-agent').closest('.red-ui-typedInput-container').hasClass('input-error'),
        );
        assert.ok(flagged, `${type}: empty agent`);
        await page.evaluate(() => $('#node-input-agent').typedInput('value', 'payload.agent'));
        await agent.dispatchEvent('change');
      }
      await page.screenshot({ path: screenshotPath(`03-edit-${type}`) });
      await page.click('#node-dialog-ok');
      await page.waitForSelector('#node-dialog-ok', { state: 'detached' });
      const state = await page.evaluate(
        ({ nid, f }) => {
          const n = RED.nodes.node(nid);
          return { valid: n.valid, errors: n.validationErrors, config: n[f] };
        },
        { nid: id, f: field },
      );
      assert.equal(state.config, config, `${type}: ${field} saved`);
      assert.ok(state.valid, `${type}: invalid after a valid edit: ${state.errors}`);

      if (type === 'cc-dialog-events') {
        // The path is checked against the source chosen in the open dialog: switching to
        // webhook flags an empty path at once, switching back clears it.
        await page.dblclick(`[id="${id}"] .red-ui-flow-node`);
        await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
        await page.waitForTimeout(300);
        const pathFlagged = () =>
          page.evaluate(() => $('#node-input-path').hasClass('input-error'));
        await page.selectOption('#node-input-source', 'webhook');
        await page.waitForTimeout(150);
        assert.ok(await pathFlagged(), `${type}: empty path flagged as soon as webhook is chosen`);
        await page.selectOption('#node-input-source', 'gateway');
        await page.waitForTimeout(150);
        assert.ok(!(await pathFlagged()), `${type}: no path needed from the gateway`);
        await page.click('#node-dialog-cancel');
        await page.waitForSelector('#node-dialog-ok', { state: 'detached' });

        // As a webhook the node needs a URL path.
        const edit = async (source, urlPath) => {
          await page.dblclick(`[id="${id}"] .red-ui-flow-node`);
          await page.waitForSelector('#node-dialog-ok', { state: 'visible' });
          await page.selectOption('#node-input-source', source);
          await setField('#node-input-path', urlPath);
          await page.click('#node-dialog-ok');
          await page.waitForSelector('#node-dialog-ok', { state: 'detached' });
          return page.evaluate((nid) => RED.nodes.node(nid).validationErrors || [], id);
        };
        assert.deepEqual(await edit('webhook', 'not a path'), ['path'], `${type}: bad path`);
        assert.deepEqual(await edit('webhook', '/cc/test-dialogs'), [], `${type}: good path`);
        // Its label comes from the locale (cc-dialog-events.nodeLabel.webhook).
        const label = await page.evaluate((nid) => RED.utils.getNodeLabel(RED.nodes.node(nid)), id);
        assert.equal(label, 'dialog webhook /cc/test-dialogs', `${type}: webhook label`);
      }
    }

    // The config node's own dialog: the simulator's call rate must be a number >= 0.
    await page.evaluate((id) => RED.editor.editConfig('', 'cc-gateway', id), gateway);
    await page.waitForSelector('#node-config-dialog-ok', { state: 'visible' });
    await page.locator('.red-ui-tray').getByText('Simulator', { exact: true }).click();
    await setField('#node-config-input-simInbound', '-3');
    assert.ok((await errorFields()).includes('node-config-input-simInbound'), 'gateway: rate');
    await setField('#node-config-input-simInbound', '6');
    assert.ok(!(await errorFields()).includes('node-config-input-simInbound'), 'gateway: 6');
    // The URL is checked against the mode chosen in the open dialog, not the saved one.
    await page.locator('.red-ui-tray').getByText('Connection', { exact: true }).click();
    const urlFlagged = () =>
      page.evaluate(() => $('#node-config-input-url').hasClass('input-error'));
    assert.ok(!(await urlFlagged()), 'gateway: no URL needed by the simulator');
    await page.selectOption('#node-config-input-mode', 'remote');
    await page.waitForTimeout(150);
    assert.ok(await urlFlagged(), 'gateway: empty URL flagged as soon as remote is chosen');
    await setField('#node-config-input-url', 'ws://127.0.0.1:9/cc');
    assert.ok(!(await urlFlagged()), 'gateway: ws:// URL accepted');
    await page.selectOption('#node-config-input-mode', 'simulator');
    await page.waitForTimeout(150);
    await page.screenshot({ path: screenshotPath('03-edit-cc-gateway') });
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-dialog-ok', { state: 'detached' });

    // Leave the workspace as it was deployed.
    await page.evaluate(() => {
      RED.actions.invoke('core:select-none');
    });
    const added = await page.evaluate(() => RED.nodes.dirty());
    assert.ok(added, 'the workspace has undeployed changes');
    await page.evaluate(() => {
      for (let i = 0; i < 50 && RED.nodes.dirty(); i++) RED.actions.invoke('core:undo');
    });
  });

  it('imports the CRM story through Import > Examples and deploys it', async () => {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    const dialog = page.locator('.ui-dialog:visible');
    await dialog.getByText('Examples', { exact: true }).first().click();
    const label = (text) =>
      dialog.locator('.red-ui-treeList-label').filter({ hasText: text }).first();
    await label(MODULE).click();
    await label('stories').click();
    await label('crm-lead-preview-call').click();
    await page.screenshot({ path: screenshotPath('04-import-examples') });
    await page.click('#red-ui-clipboard-dialog-ok');
    await page.waitForTimeout(800);
    const tab = await page.evaluate(() => {
      let id;
      RED.nodes.eachWorkspace((w) => {
        if (w.label === 'CRM lead -> preview call -> result') id = w.id;
      });
      if (id) RED.workspaces.show(id);
      return id;
    });
    assert.ok(tab, 'the story was imported as its own flow tab');
    const imported = await page.evaluate(
      (z) => RED.nodes.filterNodes({ z }).map((n) => n.type),
      tab,
    );
    assert.ok(imported.includes('cc-preview-call'), `imported: ${imported.join(', ')}`);
    assert.ok(imported.includes('http in'), 'the CRM is part of the flow');

    await page.click('#red-ui-header-button-deploy');
    await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 15000 });
    await page.waitForSelector('.red-ui-notification', { timeout: 5000 });
    const problems = await page.evaluate(
      (z) =>
        RED.nodes
          .filterNodes({ z })
          .filter((n) => !n.valid)
          .map((n) => n.type),
      tab,
    );
    assert.deepEqual(problems, [], 'invalid nodes after import');
  });

  it('shows the events of the simulator in the debug sidebar', async () => {
    await page.click('#red-ui-tab-debug-link-button');
    await page.waitForSelector('#red-ui-sidebar-content .red-ui-debug-content', {
      state: 'visible',
    });
    // The demo flow's event nodes (dialog, ccs, seance) feed debug nodes.
    const topics = await page.waitForFunction(
      () => {
        const text = [...document.querySelectorAll('.red-ui-debug-msg .red-ui-debug-msg-topic')]
          .map((e) => e.textContent)
          .join(' ');
        return /dialog_\w+/.test(text) &&
          /call_\w+|connection_\w+/.test(text) &&
          /seance_\w+/.test(text)
          ? text
          : false;
      },
      null,
      { timeout: 60000 },
    );
    assert.ok((await topics.jsonValue()).length > 0);

    // Only this flow's messages, then press the CRM story's buttons: one lead comes back
    // bridged with its call ids, the other (a busy number) failed with the reason.
    await page.evaluate(() => RED.actions.invoke('core:clear-debug-messages'));
    await page.click('#red-ui-sidebar-debug-filter');
    await page.locator('li:visible').filter({ hasText: 'current flow' }).last().click();
    await page.waitForFunction(() =>
      /current flow/.test(document.querySelector('#red-ui-sidebar-debug-filter').textContent),
    );
    const injectId = (name) =>
      page.evaluate((n) => {
        let id;
        RED.nodes.eachNode((node) => {
          if (node.type === 'inject' && node.name === n) id = node.id;
        });
        return id;
      }, name);
    for (const name of ['CRM button: lead L-1001', 'CRM button: lead L-1002 (busy)']) {
      const id = await injectId(name);
      assert.ok(id, `inject ${name}`);
      await page.click(`[id="${id}"] .red-ui-flow-node-button`);
    }
    const record = (status) =>
      page.waitForFunction(
        (st) =>
          [...document.querySelectorAll('.red-ui-debug-msg')].some(
            (e) => e.textContent.includes('CRM record') && e.textContent.includes(st),
          ),
        status,
        { timeout: 60000 },
      );
    await record('bridged');
    await record('failed');
    await page.waitForFunction(
      () => document.querySelectorAll('.red-ui-notification').length === 0,
      null,
      { timeout: 15000 },
    );
    await page.waitForTimeout(300);
    const shot = screenshotPath('05-crm-story-deployed');
    await page.screenshot({ path: shot });
    if (process.env.UPDATE_SCREENSHOT ? process.env.UPDATE_SCREENSHOT !== '0' : !process.env.CI) {
      const target = path.join(root, 'docs', 'images', 'editor.png');
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(shot, target);
    }
    assert.deepEqual(consoleErrors, [], 'console errors while working');
  });

  for (const [lang, locale] of [
    ['zh-CN', 'zh-CN'],
    ['pl', 'pl-PL'],
    ['ru', 'ru-RU'],
  ]) {
    it(`shows the palette labels and help panels in ${lang}`, async () => {
      const messages = JSON.parse(
        fs.readFileSync(path.join(root, 'locales', lang, 'cc-preview-call.json'), 'utf8'),
      )['cc-preview-call'];
      const help = fs.readFileSync(
        path.join(root, 'locales', lang, 'cc-preview-call.html'),
        'utf8',
      );
      const intro = /<p>([^<]+)<\/p>/.exec(help)[1].trim().slice(0, 30);
      const localized = await launchBrowser({ locale });
      try {
        const p = await localized.context.newPage();
        await p.goto(nr.url);
        const entry = p.locator('.red-ui-palette-node[data-palette-type="cc-preview-call"]');
        await entry.waitFor({ timeout: 30000 });
        const label = await entry.getAttribute('data-palette-label');
        assert.equal(label, messages.paletteLabel);
        await p.evaluate(() => RED.sidebar.help.show('cc-preview-call'));
        await p.waitForFunction(
          (text) =>
            [...document.querySelectorAll('.red-ui-help')].some((e) =>
              e.textContent.includes(text),
            ),
          intro,
          { timeout: 10000 },
        );
        await p.screenshot({ path: screenshotPath(`06-locale-${lang}`) });
      } finally {
        await localized.close();
      }
    });
  }

  it('stops on SIGINT (Ctrl-C) with exit code 0', async () => {
    await browser.close();
    browser = undefined;
    const code = await nr.stop();
    nr = undefined;
    assert.equal(code, 0);
  });
});
