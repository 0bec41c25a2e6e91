/**
 * Proxy support as core Node-RED's websocket nodes have it: HTTPS_PROXY / HTTP_PROXY with
 * NO_PROXY exceptions, and a real CONNECT tunnel on 127.0.0.1 carrying the gateway session.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { GatewayClient } from '../src/client/gateway-client';
import { proxyFor } from '../src/platforms/proxy';
import { FakeGateway } from './support/fake-gateway';

describe('proxy', function () {
  this.timeout(10_000);

  it('chooses the proxy by scheme and honours NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://p:3128', HTTP_PROXY: 'http://plain:8080' };
    assert.equal(proxyFor('wss://gw.example.com/ws', env), 'http://p:3128');
    assert.equal(proxyFor('ws://gw.example.com/ws', env), 'http://plain:8080');
    assert.equal(proxyFor('ws://gw.example.com/ws', { https_proxy: 'http://p:1' }), undefined);
    assert.equal(
      proxyFor('wss://gw.example.com', { http_proxy: 'http://lower:1' }),
      'http://lower:1',
    );
    for (const noProxy of [
      '*',
      'gw.example.com',
      '.example.com',
      'example.com',
      'example.com:443',
      'other, example.com',
    ]) {
      assert.equal(
        proxyFor('wss://gw.example.com/ws', { ...env, NO_PROXY: noProxy }),
        undefined,
        noProxy,
      );
    }
    for (const noProxy of ['example.org', 'example.com:8443', 'ample.com']) {
      assert.equal(
        proxyFor('wss://gw.example.com/ws', { ...env, no_proxy: noProxy }),
        'http://p:3128',
        noProxy,
      );
    }
    assert.equal(proxyFor('not a url', env), undefined);
    assert.equal(proxyFor('wss://gw.example.com', {}), undefined);
  });

  it('tunnels the gateway session through an HTTP CONNECT proxy from HTTP_PROXY', async () => {
    const gw = new FakeGateway();
    const gwPort = await gw.listen(0);
    const connects: string[] = [];
    const proxy = http.createServer((_req, res) => res.writeHead(405).end());
    proxy.on('connect', (req, socket, head) => {
      connects.push(String(req.url));
      const [host, port] = String(req.url).split(':');
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const saved = ['HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'].map(
      (k) => [k, process.env[k]] as const,
    );
    process.env.HTTP_PROXY = proxyUrl;
    delete process.env.http_proxy;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const client = new GatewayClient({
      url: gw.url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      heartbeatMs: 0,
    });
    try {
      client.start();
      await client.whenConnected();
    } finally {
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await client.close();
      await gw.stop();
      proxy.closeAllConnections?.();
      await new Promise((r) => proxy.close(r));
    }
    assert.deepEqual(connects, [`127.0.0.1:${gwPort}`]);
  });
});
