/* global require, module, process, __dirname, setTimeout, clearTimeout, setInterval, clearInterval, window, RED */
/* eslint-disable @typescript-eslint/no-require-imports */
// Shared by the browser tests: start `scripts/start.js` (the same code as `npm start`) on a
// free port with a throwaway user directory, and launch Debian's chromium with playwright-core.
'use strict';
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const resultsDir = path.join(root, 'test-results');

/** Starts Node-RED via scripts/start.js; resolves when flows run, with its URL and a stop(). */
function startNodeRed({ userDir, timeoutMs = 60000 } = {}) {
  const dir = userDir || fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-browser-'));
  const child = spawn(process.execPath, ['scripts/start.js', '--port', '0', '--user-dir', dir], {
    cwd: root,
    env: { ...process.env, PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const onData = (chunk) => {
    log += chunk.toString();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Node-RED did not start within ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited with ${code} before it started:\n${log}`));
    });
    const poll = setInterval(() => {
      const url = /Node-RED editor: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log);
      if (url && /Started flows/.test(log)) {
        clearInterval(poll);
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          url: url[1],
          userDir: dir,
          log: () => log,
          /** SIGINT, as Ctrl-C does; resolves with the exit code. */
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
              child.once('exit', (code) => {
                clearTimeout(kill);
                done(code);
              });
              child.kill('SIGINT');
            }),
        });
      }
    }, 100);
  });
}

/** Debian's chromium binary: CHROMIUM_PATH, then `command -v chromium`, then /usr/bin/chromium. */
function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return '/usr/bin/chromium';
  }
}

/**
 * A persistent context in a fresh profile, with the flags this closed network needs (and
 * `args`, more flags for one test).
 */
async function launchBrowser({ locale, args = [] } = {}) {
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ccflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    viewport: { width: 1600, height: 900 },
    deviceScaleFactor: 1,
    ...(locale ? { locale } : {}),
    args: [
      ...(locale ? [`--lang=${locale}`] : []),
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

function screenshotPath(name) {
  fs.mkdirSync(resultsDir, { recursive: true });
  return path.join(resultsDir, `${name}.png`);
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

/**
 * Node-RED with the palette, chromium, and the editor open on its first tab once the palette
 * shows `paletteType` and the flow is drawn. Returns { nr, browser, page }.
 */
async function openEditor(paletteType) {
  const nr = await startNodeRed();
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(nr.url);
  await page.waitForSelector(`.red-ui-palette-node[data-palette-type="${paletteType}"]`, {
    timeout: 30000,
  });
  await page.waitForSelector('.red-ui-flow-node', { timeout: 30000 });
  return { nr, browser, page };
}

/**
 * Node-RED (`scripts/start.js`, demo flow running), chromium and a page on the editor with the
 * calls sidebar set up; `consoleErrors` collects the page's console errors and uncaught errors.
 */
async function openCallsEditor() {
  const nr = await startNodeRed();
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`page: ${e.message}`));
  await page.goto(nr.url);
  await page.waitForSelector('.red-ui-flow-node', { timeout: 30000 });
  await page.waitForFunction(() => {
    try {
      return window.CCCallsSidebar && RED.sidebar.containsTab('cc-calls');
    } catch {
      return false; // the sidebar is not set up yet
    }
  });
  return { nr, browser, page, consoleErrors };
}

module.exports = {
  root,
  startNodeRed,
  launchBrowser,
  openEditor,
  openCallsEditor,
  screenshotPath,
  pkg,
  chromiumPath,
};
