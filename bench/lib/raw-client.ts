/**
 * Baselines in a child process: a raw `ws` client written from docs/protocol.md with nothing
 * but JSON.parse on each frame.
 *   ingest { url, expected, timeoutMs }            -> { count, ms, timedOut }
 *   roundtrip { url, n, warmup, ops, agent, params } -> { samplesUs, codes }
 *   cpu                                            -> process.cpuUsage() (user, system µs)
 */
import WebSocket from 'ws';
import { serveParent } from './util';

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(
        JSON.stringify({
          type: 'login',
          reqId: 'l1',
          tenant: 'demo',
          credentials: { username: 'demo', password: 'demo' },
          client: { name: 'bench-raw', version: '0' },
        }),
      );
      ws.once('message', (raw) => {
        const f = JSON.parse(raw.toString()) as { type: string; code: number };
        if (f.type === 'loginResp' && f.code === 0) resolve(ws);
        else reject(new Error(`login refused: ${raw.toString()}`));
      });
    });
  });
}

async function ingest(msg: Record<string, unknown>): Promise<unknown> {
  const expected = Number(msg.expected);
  const timeoutMs = Number(msg.timeoutMs ?? 60_000);
  const ws = await connect(String(msg.url));
  let count = 0;
  let first = 0;
  let last = 0;
  let seqSum = 0;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      ws.terminate();
      resolve({ count, ms: last - first, timedOut: count < expected, seqSum });
    };
    const timer = setTimeout(finish, timeoutMs);
    ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as { type: string; seq?: number };
      if (f.type !== 'event') return;
      const now = performance.now();
      if (count === 0) first = now;
      count++;
      seqSum += f.seq ?? 0;
      last = now;
      if (count >= expected) finish();
    });
    ws.send(
      JSON.stringify({
        type: 'subscribe',
        qid: 'q1',
        id: 'sub-raw',
        objects: 'any',
        events: ['ccsevents.*'],
        expires: 3600,
      }),
    );
  });
}

async function roundtrip(msg: Record<string, unknown>): Promise<unknown> {
  const ws = await connect(String(msg.url));
  const n = Number(msg.n);
  const warmup = Number(msg.warmup ?? 100);
  const samplesUs: number[] = [];
  const codes: Record<string, number> = {};
  const ops = (Array.isArray(msg.ops) ? msg.ops : [msg.op]).map(String);
  let waiter: ((f: { type: string; reqId?: string; code?: number }) => void) | undefined;
  ws.on('message', (raw) => {
    const f = JSON.parse(raw.toString()) as { type: string; reqId?: string; code?: number };
    if (f.type === 'resp' && waiter) waiter(f);
  });
  for (let i = 0; i < warmup + n; i++) {
    const reqId = `r${i}`;
    const t0 = performance.now();
    const resp = await new Promise<{ code?: number } | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5000);
      waiter = (f) => {
        if (f.reqId !== reqId) return;
        clearTimeout(timer);
        resolve(f);
      };
      ws.send(
        JSON.stringify({
          type: 'req',
          op: ops[i % ops.length],
          reqId,
          agent: msg.agent,
          params: msg.params ?? {},
        }),
      );
    });
    const us = (performance.now() - t0) * 1000;
    if (!resp) throw new Error(`raw round trip ${i} timed out`);
    codes[String(resp.code)] = (codes[String(resp.code)] ?? 0) + 1;
    if (i >= warmup) samplesUs.push(us);
  }
  ws.terminate();
  return { samplesUs, codes };
}

serveParent({ ingest, roundtrip, cpu: () => process.cpuUsage() });
