#!/usr/bin/env node
// `npm start`: Node-RED 4.1 (the devDependency) embedded in this process, on 127.0.0.1, with
// this checkout's palette loaded through package.json's node-red section (settings.nodesDir is
// the project root, so icons, locales and examples resolve as they do for an installed
// package), a user directory inside the project (.node-red-user/, git-ignored) and a demo flow
// deployed on first start: a cc-gateway in embedded-simulator mode with inbound traffic, whose
// events show in the debug sidebar within seconds.
//
//   node scripts/start.js [--port 1880] [--user-dir DIR] [--reset]
//
// PORT in the environment sets the port too (the flag wins). --reset writes the demo flow
// again over whatever the user directory holds. Ctrl-C (SIGINT) or SIGTERM stops the flows
// and the server, then exits.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const root = path.resolve(__dirname, '..');
const DEMO_FLOW = path.join(root, 'examples', 'stories', 'live-simulator-events.json');

function usage(message) {
  if (message) console.error(`start: ${message}`);
  console.error('usage: node scripts/start.js [--port N] [--user-dir DIR] [--reset]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: process.env.PORT,
    userDir: path.join(root, '.node-red-user'),
    reset: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--port' || flag === '-p') opts.port = value();
    else if (flag === '--user-dir' || flag === '-u') opts.userDir = path.resolve(value());
    else if (flag === '--reset') opts.reset = true;
    else if (flag === '--help' || flag === '-h') usage();
    else usage(`unknown argument ${arg}`);
  }
  const port = opts.port === undefined || opts.port === '' ? 1880 : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`bad port ${opts.port}`);
  opts.port = port;
  return opts;
}

function prepareUserDir(opts) {
  fs.mkdirSync(opts.userDir, { recursive: true });
  const flowFile = path.join(opts.userDir, 'flows.json');
  if (opts.reset || !fs.existsSync(flowFile)) {
    if (!fs.existsSync(DEMO_FLOW)) {
      throw new Error(`demo flow ${path.relative(root, DEMO_FLOW)} is missing`);
    }
    // Validate before copying: a broken demo must fail here, not in the editor.
    const flow = JSON.parse(fs.readFileSync(DEMO_FLOW, 'utf8'));
    if (!Array.isArray(flow)) throw new Error('demo flow is not a flow array');
    fs.writeFileSync(flowFile, JSON.stringify(flow, null, 2) + '\n');
    // Credentials of the previous flow (encrypted with the old ids) no longer apply.
    fs.rmSync(path.join(opts.userDir, 'flows_cred.json'), { force: true });
    console.log(`start: deployed the demo flow ${path.relative(root, DEMO_FLOW)}`);
  }
  return flowFile;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(root, 'dist', 'nodes'))) {
    console.error('start: dist/nodes is missing; run `npm run build` first (npm start does).');
    process.exit(1);
  }
  const flowFile = prepareUserDir(opts);
  const RED = require('node-red');

  const settings = {
    uiHost: '127.0.0.1',
    uiPort: opts.port,
    userDir: opts.userDir,
    // Absolute paths: a relative flowFile is resolved from the cwd, not from userDir.
    flowFile,
    nodesDir: [root],
    // A fixed key so that the demo's credentials survive restarts without a warning.
    credentialSecret: 'ccflow-local-demo',
    httpAdminRoot: '/',
    httpNodeRoot: '/',
    flowFilePretty: true,
    functionExternalModules: false,
    externalModules: { palette: { allowInstall: false } },
    // No consent dialog, no update check: this is a local demo on a closed network.
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: {
      tours: false,
      projects: { enabled: false },
      page: { title: 'Node-RED: contact-center palette' },
      header: { title: 'Node-RED: contact-center palette' },
    },
    logging: { console: { level: process.env.LOG_LEVEL || 'info', metrics: false, audit: false } },
  };

  // One server for the editor (httpAdmin) and for flows' HTTP endpoints (httpNode, where
  // http in nodes, the webhook path of cc-dialog-events and the Tinet push path live), both
  // mounted on one root app as Node-RED's own launcher does: a webhook route marks its requests
  // at the top of that root app, before the editor's body parsers would read (and re-encode)
  // the raw body that token, HMAC and form-push parsing need.
  const express = require(require.resolve('express', { paths: [require.resolve('node-red')] }));
  const app = express();
  const server = http.createServer(app);

  let stopping = false;
  function stop(signal) {
    if (stopping) {
      console.log(`start: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    console.log(`start: ${signal}, stopping Node-RED...`);
    const force = setTimeout(() => {
      console.error('start: Node-RED did not stop within 10 s, exiting');
      process.exit(1);
    }, 10000);
    force.unref();
    Promise.resolve()
      .then(() => RED.stop())
      .then(
        () => new Promise((resolve) => server.close(() => resolve())),
        (err) => console.error(`start: ${err && err.message}`),
      )
      .then(() => {
        if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
        console.log('start: stopped');
        process.exit(0);
      });
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  server.on('error', (err) => {
    if (err.code === 'EADDRINUSE') {
      console.error(`start: port ${opts.port} is in use; try PORT=1881 npm start`);
    } else {
      console.error(`start: ${err.message}`);
    }
    process.exit(1);
  });

  RED.init(server, settings);
  app.use(settings.httpAdminRoot, RED.httpAdmin);
  app.use(settings.httpNodeRoot, RED.httpNode);
  app.use((req, res) => {
    res.statusCode = 404;
    res.end('Not found\n');
  });
  server.listen(opts.port, '127.0.0.1', () => {
    const port = server.address().port;
    RED.start().then(
      () => {
        console.log('');
        console.log(`start: Node-RED editor: http://127.0.0.1:${port}/`);
        console.log(`start: user directory ${opts.userDir}`);
        console.log('start: open the debug sidebar (Ctrl-G D) to see the simulator events;');
        console.log('start: press Ctrl-C to stop.');
      },
      (err) => {
        console.error(`start: Node-RED failed to start: ${err && err.stack}`);
        process.exit(1);
      },
    );
  });
}

main();
