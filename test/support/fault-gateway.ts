/**
 * A scripted gateway for fault and fuzz tests: a `ws` server on 127.0.0.1:0 that accepts the
 * login, answers subscribe / ping, records what the client sends and lets the test push any
 * text frame (valid or not) to the connected client.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

export class FaultGateway {
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  readonly received: Record<string, unknown>[] = [];
  /** Next seq for event frames built with event(). */
  seq = 0;
  url = '';

  async start(): Promise<string> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (ws) => this.accept(ws));
    this.wss = wss;
    this.url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    return this.url;
  }

  connections(): number {
    return this.sockets.size;
  }

  /** Send raw text to every connected client. */
  sendRaw(text: string): void {
    for (const ws of this.sockets) ws.send(text);
  }

  send(frame: Record<string, unknown>): void {
    this.sendRaw(JSON.stringify(frame));
  }

  /** A valid ccs event frame with the next seq. */
  ccsEvent(callId: string, state = 'talking'): Record<string, unknown> {
    return {
      type: 'event',
      family: 'ccs',
      name: 'call_set_state',
      seq: ++this.seq,
      ts: Date.now(),
      subIds: ['s1'],
      data: { domain: 'demo.cc.local', call_id: callId, state },
    };
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    const wss = this.wss;
    this.wss = undefined;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('error', () => this.sockets.delete(ws));
    ws.on('message', (raw) => {
      let f: Record<string, unknown>;
      try {
        f = JSON.parse(raw.toString()) as Record<string, unknown>;
      } catch {
        return;
      }
      this.received.push(f);
      if (f.type === 'login') {
        ws.send(
          JSON.stringify({
            type: 'loginResp',
            reqId: f.reqId,
            code: 0,
            errorCode: null,
            message: 'ok',
            data: { sessionId: 'fault-1', resumed: false, lastSeq: 0, heartbeatMs: 15000 },
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
      } else if (f.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', id: f.id, ts: Date.now() }));
      }
    });
  }
}
