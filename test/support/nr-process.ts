/**
 * A real Node-RED runtime in its own process, for the fault suite (not the test helper): the
 * palette installed as a user installs it (a link in <userDir>/node_modules), the admin API on
 * /admin (deploys are made as the editor makes them), HTTP nodes on /, log lines on stdout.
 * Prints `PORT <n>` once the runtime is listening; SIGTERM stops it.
 *
 *   node dist/test/support/nr-process.js
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

async function main(): Promise<void> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fault-nr-'));
  const scope = path.join(userDir, 'node_modules', '@ccflow');
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(ROOT, path.join(scope, 'node-red-contact-center'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express');
  const app = express();
  const server = http.createServer(app);
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: '/admin',
    httpNodeRoot: '/',
    uiHost: '127.0.0.1',
    disableEditor: true,
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    editorTheme: { tours: false },
  });
  app.use('/admin', RED.httpAdmin);
  app.use('/', RED.httpNode);
  await RED.start();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
  const stop = (): void => {
    void Promise.resolve(RED.stop())
      .catch(() => undefined)
      .then(() => {
        fs.rmSync(userDir, { recursive: true, force: true });
        process.exit(0);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main().catch((err: unknown) => {
  process.stderr.write(`nr-process: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
