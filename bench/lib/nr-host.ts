/**
 * A real embedded Node-RED runtime in a child process (never the test helper), driven by the
 * bench over IPC. Commands:
 *   start { palette }             -> { startMs (require -> first flows started), types, httpPort }
 *   deploy { flows }              -> {}
 *   waitSink { expected, timeoutMs } -> { count, firstMs, lastMs } (a batch counts its events)
 *   resetSink                     -> {}
 *   burst { sourceId, n }         -> {} (a bench-burst node starts sending n messages)
 *   roundtrip { sourceIds, n, warmup, payload } -> { samplesUs, outcomes }
 *   stats                         -> memory usage
 *   cpu                           -> process.cpuUsage() (user, system µs)
 * The palette is installed as a real module would be: a link to the repository in
 * <userDir>/node_modules, read through package.json's "node-red" section. The bench nodes
 * (bench-source, bench-sink, bench-burst: Node-RED's own source -> sink ceiling, bench-ws-min:
 * a minimal raw-ws node) are written to <userDir>/nodes.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ROOT, rmDir, serveParent, tmpDir } from './util';

const processStart = performance.now();

interface Hooks {
  sources: Record<string, (msg: Record<string, unknown>) => void>;
  /** bench-burst nodes: send `n` pre-built messages as fast as the runtime takes them. */
  bursts: Record<string, (n: number) => void>;
  onSink: (msg: Record<string, unknown>) => void;
  /** The `ws` client class, for bench-ws-min (the user directory cannot resolve `ws`). */
  WebSocket: unknown;
}

const BENCH_NODES_JS = `
module.exports = function (RED) {
  const hooks = globalThis.__ccBench;
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg) => hooks.onSink(msg));
  }
  RED.nodes.registerType('bench-sink', BenchSink);
  function BenchSource(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    hooks.sources[node.id] = (msg) => node.send(msg);
    node.on('close', () => { delete hooks.sources[node.id]; });
  }
  RED.nodes.registerType('bench-source', BenchSource);

  // Node-RED's own ceiling: pre-built messages straight to the sink, no I/O, no parsing.
  function BenchBurst(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    hooks.bursts[node.id] = (n) => {
      const msgs = [];
      for (let i = 0; i < n; i++) msgs.push({ payload: { i } });
      let i = 0;
      const step = () => {
        const end = Math.min(n, i + 500);
        for (; i < end; i++) node.send(msgs[i]);
        if (i < n) setImmediate(step);
      };
      step();
    };
    node.on('close', () => { delete hooks.bursts[node.id]; });
  }
  RED.nodes.registerType('bench-burst', BenchBurst);

  // The physical limit for one message per event: the same frames from a raw ws, JSON.parse,
  // one message each; no validation, no tracking, no status.
  function BenchWsMin(config) {
    RED.nodes.createNode(this, config);
    const node = this;
    const ws = new hooks.WebSocket(config.url, { perMessageDeflate: false });
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'login', reqId: 'l1', tenant: 'demo',
        credentials: { username: 'demo', password: 'demo' }, client: { name: 'bench-ws-min', version: '0' } }));
      ws.send(JSON.stringify({ type: 'subscribe', qid: 'q1', id: 'sub-min', objects: 'any',
        events: ['ccsevents.*'], expires: 3600 }));
    });
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      if (f.type === 'event') node.send({ topic: f.name, payload: f.data });
    });
    ws.on('error', (err) => node.error(err.message));
    node.on('close', () => ws.terminate());
  }
  RED.nodes.registerType('bench-ws-min', BenchWsMin);
};
`;
const BENCH_NODES_HTML = `
<script type="text/javascript">
RED.nodes.registerType('bench-sink', { category: 'common', defaults: { name: { value: '' } }, inputs: 1, outputs: 0 });
RED.nodes.registerType('bench-source', { category: 'common', defaults: { name: { value: '' } }, inputs: 0, outputs: 1 });
RED.nodes.registerType('bench-burst', { category: 'common', defaults: { name: { value: '' } }, inputs: 0, outputs: 1 });
RED.nodes.registerType('bench-ws-min', { category: 'common', defaults: { url: { value: '' } }, inputs: 0, outputs: 1 });
</script>
`;

let sinkCount = 0;
let sinkFirst = 0;
let sinkLast = 0;
let sinkWaiter: { expected: number; resolve: () => void } | undefined;
let rtWaiter: ((msg: Record<string, unknown>) => void) | undefined;

const hooks: Hooks = {
  sources: {},
  bursts: {},
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  WebSocket: require('ws'),
  onSink(msg) {
    const now = performance.now();
    if (rtWaiter) {
      const w = rtWaiter;
      rtWaiter = undefined;
      w(msg);
      return;
    }
    if (sinkCount === 0) sinkFirst = now;
    // A batch message (cc-*-events output "batches") counts the events it carries.
    const batch = msg.topic === 'batch' && Array.isArray(msg.payload) ? msg.payload.length : 0;
    sinkCount += batch > 0 ? batch : 1;
    sinkLast = now;
    if (sinkWaiter && sinkCount >= sinkWaiter.expected) {
      const w = sinkWaiter;
      sinkWaiter = undefined;
      w.resolve();
    }
  },
};
(globalThis as unknown as { __ccBench: Hooks }).__ccBench = hooks;

let RED: any;
let userDir = '';

async function start(msg: Record<string, unknown>): Promise<unknown> {
  const palette = msg.palette === true;
  userDir = tmpDir('cc-bench-nr-');
  fs.mkdirSync(path.join(userDir, 'nodes'));
  fs.writeFileSync(path.join(userDir, 'nodes', 'bench-nodes.js'), BENCH_NODES_JS);
  fs.writeFileSync(path.join(userDir, 'nodes', 'bench-nodes.html'), BENCH_NODES_HTML);
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  if (palette) {
    const scope = path.join(userDir, 'node_modules', '@ccflow');
    fs.mkdirSync(scope, { recursive: true });
    fs.symlinkSync(ROOT, path.join(scope, 'node-red-contact-center'), 'dir');
  }
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  RED = require('node-red');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const express = require('express');
  const app = express();
  const server = http.createServer(app);
  let flowsStarted = 0;
  // RED.start() can resolve before the first flows have started: wait for both.
  const firstStart = new Promise<void>((resolve) =>
    RED.events.once('flows:started', () => {
      flowsStarted = performance.now();
      resolve();
    }),
  );
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: '/',
    uiHost: '127.0.0.1',
    disableEditor: true,
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    telemetry: { enabled: false },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    logging: {
      console: {
        level: process.env.BENCH_DEBUG === '1' ? 'debug' : 'warn',
        metrics: false,
        audit: false,
      },
    },
    editorTheme: { tours: false },
  });
  app.use('/', RED.httpNode);
  await RED.start();
  await firstStart;
  const started = performance.now();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const types: string[] = RED.runtime?.nodes
    ? ((await RED.runtime.nodes.getNodeList({})) as { types: string[] }[]).flatMap((s) => s.types)
    : [];
  return {
    sinceProcessStartMs: started - processStart,
    startMs: started - t0,
    flowsStartedMs: flowsStarted - t0,
    types: types.filter((t) => t.startsWith('cc-') || t.startsWith('bench-')),
    httpPort: (server.address() as AddressInfo).port,
  };
}

async function deploy(msg: Record<string, unknown>): Promise<unknown> {
  // Credentials go beside the flow, by node id, as the editor's deploy sends them.
  const flows = (msg.flows as Record<string, unknown>[]).map((n) => ({ ...n }));
  const credentials: Record<string, unknown> = {};
  for (const n of flows) {
    if (n.credentials) credentials[String(n.id)] = n.credentials;
    delete n.credentials;
  }
  // setFlows resolves before the new flows start: wait for them.
  const started = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
  await RED.runtime.flows.setFlows({ flows: { flows, credentials }, deploymentType: 'full' });
  await started;
  return {};
}

function waitSink(msg: Record<string, unknown>): Promise<unknown> {
  const expected = Number(msg.expected);
  const timeoutMs = Number(msg.timeoutMs ?? 60_000);
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      clearInterval(idle);
      sinkWaiter = undefined;
      resolve({ count: sinkCount, ms: sinkLast - sinkFirst, timedOut: sinkCount < expected });
    };
    const timer = setTimeout(finish, timeoutMs);
    // Give up early when nothing arrives for idleMs (a broken flow must not stall the bench).
    const idleMs = Number(msg.idleMs ?? 10_000);
    let seen = -1;
    const idle = setInterval(() => {
      if (sinkCount === seen) {
        clearInterval(idle);
        finish();
      }
      seen = sinkCount;
    }, idleMs);
    idle.unref();
    if (sinkCount >= expected) finish();
    else sinkWaiter = { expected, resolve: finish };
  });
}

/** Start a bench-burst node sending `n` pre-built messages (then waitSink measures them). */
function burst(msg: Record<string, unknown>): unknown {
  const send = hooks.bursts[String(msg.sourceId)];
  if (!send) throw new Error('bench-burst not deployed');
  send(Number(msg.n));
  return {};
}

function resetSink(): unknown {
  sinkCount = 0;
  sinkFirst = 0;
  sinkLast = 0;
  return {};
}

async function roundtrip(msg: Record<string, unknown>): Promise<unknown> {
  // Sources are used in turn (e.g. pause, unpause: each accepted by the simulator).
  const ids = (Array.isArray(msg.sourceIds) ? msg.sourceIds : [msg.sourceId]).map(String);
  const sends = ids.map((id) => hooks.sources[id]);
  if (sends.some((s) => !s)) throw new Error('bench-source not deployed');
  const n = Number(msg.n);
  const warmup = Number(msg.warmup ?? 100);
  const timeoutMs = Number(msg.timeoutMs ?? 5000);
  const samplesUs: number[] = [];
  const topics: Record<string, number> = {};
  for (let i = 0; i < warmup + n; i++) {
    const t0 = performance.now();
    const out = await new Promise<Record<string, unknown> | undefined>((resolve) => {
      const timer = setTimeout(() => {
        rtWaiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      rtWaiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      sends[i % sends.length]({
        payload: JSON.parse(JSON.stringify(msg.payload ?? {})),
        _benchI: i,
      });
    });
    const us = (performance.now() - t0) * 1000;
    if (!out) throw new Error(`round trip ${i} got no output within ${timeoutMs} ms`);
    const cc = out.cc as { outcome?: string } | undefined;
    const key = `${String(out.topic ?? '')}/${String(cc?.outcome ?? '')}`;
    topics[key] = (topics[key] ?? 0) + 1;
    if (i >= warmup) samplesUs.push(us);
  }
  return { samplesUs, outcomes: topics };
}

/**
 * The calls sidebar open in one editor: the palette's calls feed (the same module instance
 * the runtime loaded) is watched, its lease renewed, and each batch it publishes serialised
 * as the comms link to one editor would.
 */
let watchTimer: NodeJS.Timeout | undefined;
const published = { batches: 0, bytes: 0 };
function watchCalls(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { callsFeed } = require(path.join(__dirname, '..', '..', 'nodes', 'lib', 'calls-feed'));
  callsFeed.setPublisher((_topic: string, data: unknown) => {
    published.batches++;
    published.bytes += JSON.stringify(data).length;
  });
  callsFeed.watch();
  if (!watchTimer) watchTimer = setInterval(() => callsFeed.watch(), 5000);
  return {};
}

async function stop(): Promise<unknown> {
  if (watchTimer) clearInterval(watchTimer);
  watchTimer = undefined;
  try {
    await RED?.stop();
  } catch {
    // ignore
  }
  rmDir(userDir);
  return {};
}

serveParent({
  start,
  deploy,
  waitSink,
  resetSink,
  burst,
  roundtrip,
  stop,
  watchCalls,
  published: () => published,
  stats: () => process.memoryUsage(),
  /** CPU time this process has used (µs): a figure less bent by other processes than rates. */
  cpu: () => process.cpuUsage(),
});
