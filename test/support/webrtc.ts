/**
 * Test support for the WebRTC family: a simulator, an account on it, and a callback receiver
 * (a real HTTP server running the palette's webhook ingress) that records every callback.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { WebrtcAccount } from '../../src/webrtc/account';
import { createWebrtcIngress, deliver } from '../../src/webrtc/delivery';
import { WebrtcRestClient } from '../../src/webrtc/rest-client';
import { WebrtcSimulator, type WebrtcSimulatorOptions } from '../../src/simulator/webrtc';
import { until } from './wait';

export const CALLBACK_TOKEN = 'cb-secret-token';

export interface Rig {
  sim: WebrtcSimulator;
  account: WebrtcAccount;
  events: Record<string, unknown>[];
  server: http.Server;
  callbackUrl: string;
  close(): Promise<void>;
}

export async function startRig(options: WebrtcSimulatorOptions = {}): Promise<Rig> {
  const sim = new WebrtcSimulator({ speed: 100, callbackToken: CALLBACK_TOKEN, ...options });
  const urls = await sim.start();
  const ingress = createWebrtcIngress({ token: CALLBACK_TOKEN });
  const events: Record<string, unknown>[] = [];
  const holder: { account?: WebrtcAccount } = {};
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      const answer = deliver(ingress, holder.account, {
        headers: req.headers,
        rawBody: Buffer.concat(chunks),
        queryToken: query,
      });
      res.statusCode = answer.status;
      res.setHeader('content-type', answer.contentType);
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  const callbackUrl = `http://127.0.0.1:${port}/cb`;
  const account = new WebrtcAccount({
    backend: new WebrtcRestClient({
      accountId: sim.accountId,
      username: 'demo',
      password: 'demo',
      webrtcBaseUrl: urls.webrtcBaseUrl,
      voiceBaseUrl: urls.voiceBaseUrl,
    }),
    applicationId: 'app-1',
    voiceCallbackUrl: `${callbackUrl}/voice`,
    participantCallbackUrl: `${callbackUrl}/participant`,
  });
  holder.account = account;
  account.onEvent((ev) => events.push(ev.body as unknown as Record<string, unknown>));
  return {
    sim,
    account,
    events,
    server,
    callbackUrl,
    async close() {
      account.close();
      await sim.dispose();
      server.closeAllConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A signalling client as the participant page is, without media. */
export class Device {
  readonly frames: Record<string, any>[] = [];
  readonly ws: WebSocket;
  closed = false;

  constructor(signalUrl: string) {
    this.ws = new WebSocket(signalUrl);
    this.ws.on('message', (raw) => this.frames.push(JSON.parse(String(raw))));
    this.ws.on('close', () => (this.closed = true));
  }

  async open(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  async connect(token: string): Promise<Record<string, any>> {
    await this.open();
    this.send({ type: 'connect', token });
    return this.next((f) => f.type === 'connected' || f.type === 'error');
  }

  async next(
    pred: (f: Record<string, any>) => boolean,
    what = 'frame',
  ): Promise<Record<string, any>> {
    let found: Record<string, any> | undefined;
    await until(`a ${what}`, () => (found = this.frames.find(pred)) !== undefined);
    return found as Record<string, any>;
  }

  close(): void {
    this.ws.close();
  }
}
