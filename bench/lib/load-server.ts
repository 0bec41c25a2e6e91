/**
 * A minimal protocol server for load: answers login, subscribe, ping and req per
 * docs/protocol.md, and when a client subscribes to ccsevents it replays `count` valid
 * pre-serialised ccs event frames as fast as the socket takes them (with backpressure).
 * Every frame passes the protocol's schemas, so the client's full path is exercised.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

const CCS_NAMES: { name: string; data: (i: number) => Record<string, unknown> }[] = [
  { name: 'call_set_state', data: (i) => ({ call_id: `c-${i % 1000}`, state: 'talking' }) },
  { name: 'call_update', data: (i) => ({ call_id: `c-${i % 1000}`, info: { n: i % 7 } }) },
  {
    name: 'connection_link_call',
    data: (i) => ({ connection_id: `k-${i % 500}`, call_id: `c-${i % 1000}` }),
  },
  { name: 'connection_update', data: (i) => ({ connection_id: `k-${i % 500}`, state: 'up' }) },
];

/** `count` ccs event frames (call_* and connection_*), seq 1..count, as JSON text. */
export function ccsFrames(count: number, subId: string, domain = 'demo.cc.local'): string[] {
  const out = new Array<string>(count);
  const ts = Date.now();
  for (let i = 0; i < count; i++) {
    const kind = CCS_NAMES[i % CCS_NAMES.length];
    out[i] = JSON.stringify({
      type: 'event',
      family: 'ccs',
      name: kind.name,
      seq: i + 1,
      ts: ts + i,
      subIds: [subId],
      data: { domain, ...kind.data(i) },
    });
  }
  return out;
}

export interface LoadServer {
  url: string;
  /** Sockets currently open. */
  connections(): number;
  /** Frames sent by the last blast and when it finished. */
  lastBlast(): { sent: number; ms: number } | undefined;
  close(): Promise<void>;
}

export interface LoadServerOptions {
  /** Events sent to each client subscribing to ccsevents (0: none). */
  events: number;
}

async function blast(ws: WebSocket, frames: string[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    if (ws.readyState !== ws.OPEN) break;
    ws.send(frames[i]);
    if (ws.bufferedAmount > 4 * 1024 * 1024) {
      while (ws.readyState === ws.OPEN && ws.bufferedAmount > 1024 * 1024) {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
  }
  return performance.now() - t0;
}

export async function startLoadServer(opts: LoadServerOptions): Promise<LoadServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let session = 0;
  let last: { sent: number; ms: number } | undefined;
  wss.on('connection', (ws) => {
    let loggedIn = false;
    let blasted = false;
    ws.on('message', (raw) => {
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(raw.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      if (f.type === 'login') {
        loggedIn = true;
        ws.send(
          JSON.stringify({
            type: 'loginResp',
            reqId: f.reqId,
            code: 0,
            errorCode: null,
            message: 'ok',
            data: {
              sessionId: `s-${++session}`,
              resumed: false,
              lastSeq: 0,
              heartbeatMs: 15000,
              agents: ['1001', '1002'],
            },
          }),
        );
        return;
      }
      if (!loggedIn) return;
      if (f.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', id: f.id, ts: Date.now() }));
      } else if (f.type === 'req') {
        ws.send(
          JSON.stringify({
            type: 'resp',
            op: `${String(f.op)}Resp`,
            reqId: f.reqId,
            code: 0,
            errorCode: null,
            message: 'ok',
            data: {},
          }),
        );
      } else if (f.type === 'subscribe') {
        ws.send(
          JSON.stringify({
            type: 'subscribeResp',
            qid: f.qid,
            id: f.id,
            code: 0,
            errorCode: null,
            message: 'ok',
            expires: f.expires,
          }),
        );
        const events = Array.isArray(f.events) ? (f.events as unknown[]) : [];
        if (
          !blasted &&
          opts.events > 0 &&
          Number(f.expires) > 0 &&
          events.includes('ccsevents.*')
        ) {
          blasted = true;
          const frames = ccsFrames(opts.events, String(f.id));
          void blast(ws, frames).then((ms) => {
            last = { sent: frames.length, ms };
          });
        }
      }
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    connections: () => wss.clients.size,
    lastBlast: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
