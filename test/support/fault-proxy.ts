/**
 * A TCP proxy on 127.0.0.1:0 that the fault tests control: it forwards to a target port and
 * can cut every connection (a killed gateway), black-hole the open ones while keeping them
 * open (a half-open socket: nothing arrives, nothing is refused), or delay what the server
 * sends (slow responses).
 */
import * as net from 'node:net';

interface Pair {
  client: net.Socket;
  server: net.Socket;
  blackholed: boolean;
}

export class FaultProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private delayMs = 0;
  /** Connections accepted since start. */
  accepted = 0;
  port = 0;

  constructor(private targetPort: number) {}

  async start(): Promise<number> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    this.server = server;
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  setTarget(port: number): void {
    this.targetPort = port;
  }

  /** Delay every chunk the server sends to the client by `ms` (0: none). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Connections currently open through the proxy. */
  open(): number {
    return this.pairs.size;
  }

  /** Cut every connection at once (both sides see a reset / close). */
  killAll(): void {
    for (const p of this.pairs) {
      p.client.destroy();
      p.server.destroy();
    }
    this.pairs.clear();
  }

  /** Stop forwarding on the open connections but keep them open: a half-open socket. */
  blackholeAll(): void {
    for (const p of this.pairs) p.blackholed = true;
  }

  async close(): Promise<void> {
    this.killAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    const server = net.connect(this.targetPort, '127.0.0.1');
    const pair: Pair = { client, server, blackholed: false };
    this.pairs.add(pair);
    const drop = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      server.destroy();
    };
    client.on('error', drop);
    server.on('error', drop);
    client.on('close', drop);
    server.on('close', drop);
    client.on('data', (chunk) => {
      if (!pair.blackholed) server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (pair.blackholed) return;
      const d = this.delayMs;
      if (d <= 0) client.write(chunk);
      else {
        // Keep order: each chunk waits the same delay after it arrived.
        setTimeout(() => {
          if (!pair.blackholed && !client.destroyed) client.write(chunk);
        }, d);
      }
    });
  }
}
