/**
 * Simulator benchmark: how much traffic the virtual contact center sustains on this machine.
 *
 * 1. baseline: a raw `ws` server pushing pre-serialised event-sized frames to one client that
 *    JSON.parses each (the most a ws socket carries here, in the same process);
 * 2. load mode: `load.calls` generated preview calls, one client subscribed to all three
 *    families: events/s delivered next to the baseline;
 * 3. driven: 220 agents driven by 4 plain ws clients (previewObCall, the customer hangs up,
 *    call again as soon as the agent is idle) and one subscriber to everything: concurrent
 *    calls and events/s delivered.
 *
 *   node -e "require('./dist/bench/simulator').run().then(r => console.table(r))"
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { Simulator } from '../src/simulator/simulator';
import type { BenchRow } from './types';

const MEASURE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function login(url: string): Promise<WebSocket> {
  const ws = await open(url);
  ws.send(
    JSON.stringify({
      type: 'login',
      reqId: 'l1',
      tenant: 'demo',
      credentials: { username: 'demo', password: 'demo' },
    }),
  );
  await new Promise<void>((resolve, reject) =>
    ws.once('message', (raw) => {
      const f = JSON.parse(raw.toString()) as { code: number };
      if (f.code === 0) resolve();
      else reject(new Error(`login refused: ${raw.toString()}`));
    }),
  );
  return ws;
}

/** Count event frames (JSON.parse each) between start() and stop(). */
function counter(ws: WebSocket) {
  let counting = false;
  let count = 0;
  ws.on('message', (raw) => {
    const f = JSON.parse(raw.toString()) as { type: string };
    if (counting && f.type === 'event') count++;
  });
  return {
    start() {
      count = 0;
      counting = true;
    },
    stop() {
      counting = false;
      return count;
    },
  };
}

/** Baseline: frames/s a raw ws server pushes to one parsing client. */
async function baseline(): Promise<number> {
  const frame = JSON.stringify({
    type: 'event',
    family: 'ccs',
    name: 'call_set_state',
    seq: 123456,
    ts: Date.now(),
    agent: '1001',
    subIds: ['all'],
    data: {
      domain: 'demo.cc.local',
      seance_id: 'se-0a1b-12345',
      call_id: 'c-0a1b-12346',
      state: 'talking',
      info: { cause: 'HANGUP' },
    },
  });
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  let stop = false;
  wss.on('connection', (ws) => {
    const pump = () => {
      while (!stop && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 1 << 20) {
        ws.send(frame);
      }
      if (!stop && ws.readyState === WebSocket.OPEN) setImmediate(pump);
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ws = await open(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  let count = 0;
  let counting = false;
  ws.on('message', (raw) => {
    JSON.parse(raw.toString());
    if (counting) count++;
  });
  await sleep(300);
  counting = true;
  const t0 = performance.now();
  await sleep(MEASURE_MS);
  counting = false;
  const rate = count / ((performance.now() - t0) / 1000);
  stop = true;
  ws.terminate();
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  return rate;
}

/** Load mode: events/s delivered to one client subscribed to everything. */
async function loadMode(calls: number): Promise<{ rate: number; active: number }> {
  const sim = new Simulator({ speed: 100, load: { calls, talkMs: 1000 } });
  const { url } = await sim.start();
  try {
    const ws = await login(url);
    const c = counter(ws);
    ws.send(
      JSON.stringify({
        type: 'subscribe',
        qid: 'q1',
        id: 'all',
        objects: 'any',
        events: ['agent.*', 'dialog.*', 'ccsevents.*'],
        expires: 600,
      }),
    );
    await sleep(500);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(sim.stats().activeCalls), 50);
    c.start();
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    const n = c.stop();
    clearInterval(sampler);
    const rate = n / ((performance.now() - t0) / 1000);
    ws.terminate();
    return { rate, active: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length) };
  } finally {
    await sim.dispose();
  }
}

/** Agents driven by plain clients; one more client subscribed to everything. */
async function driven(
  agents: number,
  drivers: number,
): Promise<{
  rate: number;
  minActive: number;
  p10Active: number;
  avgActive: number;
  ops: number;
  refused: number;
}> {
  const sim = new Simulator({
    speed: 10,
    agentCount: agents,
    scenario: {
      rules: [
        { match: '48700.*', behaviour: { kind: 'answer', afterMs: 1000, hangupAfterMs: 20_000 } },
      ],
    },
  });
  const { url } = await sim.start();
  const sockets: WebSocket[] = [];
  let ops = 0;
  let refused = 0;
  let running = true;
  try {
    const sub = await login(url);
    sockets.push(sub);
    const c = counter(sub);
    sub.send(
      JSON.stringify({
        type: 'subscribe',
        qid: 'q1',
        id: 'all',
        objects: 'any',
        events: ['agent.*', 'dialog.*', 'ccsevents.*'],
        expires: 600,
      }),
    );
    const ids = Array.from({ length: agents }, (_, i) => String(1001 + i));
    for (let d = 0; d < drivers; d++) {
      const mine = ids.filter((_, i) => i % drivers === d);
      const ws = await login(url);
      sockets.push(ws);
      let n = 0;
      const call = (agent: string) => {
        if (!running || ws.readyState !== WebSocket.OPEN) return;
        ops++;
        ws.send(
          JSON.stringify({
            type: 'req',
            op: 'previewObCall',
            reqId: `d${d}-${++n}`,
            agent,
            params: { customerNumber: `48700${String(n % 100000).padStart(6, '0')}` },
          }),
        );
      };
      ws.on('message', (raw) => {
        const f = JSON.parse(raw.toString()) as {
          type: string;
          name?: string;
          agent?: string;
          code?: number;
          data?: { state?: string };
        };
        if (f.type === 'resp' && f.code !== 0) refused++;
        // The customer hung up: the agent is idle again, call the next customer.
        if (f.type === 'event' && f.name === 'agentStatus' && f.data?.state === 'idle') {
          call(f.agent as string);
        }
      });
      ws.send(
        JSON.stringify({
          type: 'subscribe',
          qid: 'q1',
          id: 'status',
          objects: mine,
          events: ['agent.agentStatus'],
          expires: 600,
        }),
      );
      await sleep(20);
      // Spread the first calls over one call's length so the calls do not end in bursts.
      for (const a of mine) setTimeout(() => call(a), Math.random() * 2000);
    }
    await sleep(2500);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(sim.stats().activeCalls), 25);
    c.start();
    const t0 = performance.now();
    await sleep(MEASURE_MS);
    const n = c.stop();
    clearInterval(sampler);
    const rate = n / ((performance.now() - t0) / 1000);
    return {
      rate,
      minActive: Math.min(...samples),
      p10Active: [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 10)],
      avgActive: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length),
      ops,
      refused,
    };
  } finally {
    running = false;
    for (const s of sockets) s.terminate();
    await sim.dispose();
  }
}

const r0 = (v: number) => Math.round(v);

export async function run(): Promise<BenchRow[]> {
  const base = await baseline();
  const baseName = 'raw ws server -> 1 client, JSON.parse per frame';
  const load = await loadMode(500);
  const drive = await driven(220, 4);
  return [
    {
      name: 'simulator load mode: events/s to one subscriber (500 generated calls)',
      value: r0(load.rate),
      unit: 'events/s',
      baseline: baseName,
      baselineValue: r0(base),
      ratio: Math.round((load.rate / base) * 100) / 100,
      target: '>= 30,000 events/s',
      met: load.rate >= 30_000,
      note: `mean concurrent calls ${r0(load.active)}; each event serialised once, built per session with its seq`,
    },
    {
      name: 'simulator driven by 4 ws clients: concurrent calls (220 agents)',
      value: drive.p10Active,
      unit: 'calls (10th percentile of 25 ms samples)',
      target: '>= 200 concurrent calls',
      met: drive.p10Active >= 200,
      note: `mean ${r0(drive.avgActive)}, minimum ${drive.minActive} (a call ending and the next one starting can straddle a sample when the loop stalls); ${drive.ops} previewObCall requests, ${drive.refused} refused`,
    },
    {
      name: 'simulator driven by 4 ws clients: events/s to a subscriber of all families',
      value: r0(drive.rate),
      unit: 'events/s',
      baseline: baseName,
      baselineValue: r0(base),
      ratio: Math.round((drive.rate / base) * 100) / 100,
      target: '>= 2,000 events/s',
      met: drive.rate >= 2000,
    },
  ];
}

if (require.main === module) {
  void run().then((rows) => console.table(rows));
}
