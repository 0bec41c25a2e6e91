/**
 * Fault injection against the real simulator over loopback, through a TCP proxy the test
 * controls: the gateway killed and restarted under load, a half-open socket, slow responses.
 * Bounded in time; no speed assertions.
 */
import { strict as assert } from 'node:assert';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent, OperationResult } from '../src/client/api';
import { getOperation } from '../src/protocol/catalogue';
import { Simulator } from '../src/simulator/simulator';
import { FaultProxy } from './support/fault-proxy';
import { sleep, until } from './support/wait';

function client(url: string, extra: Partial<ConstructorParameters<typeof GatewayClient>[0]> = {}) {
  return new GatewayClient({
    url,
    tenant: 'demo',
    username: 'demo',
    password: 'demo',
    heartbeatMs: 0,
    responseTimeoutMs: 2000,
    connectTimeoutMs: 2000,
    reconnect: { initialMs: 20, maxMs: 150, jitter: 0.1 },
    ...extra,
  });
}

describe('fault injection (simulator behind a controlled proxy)', function () {
  this.timeout(30_000);

  let sim: Simulator;
  let proxy: FaultProxy;

  beforeEach(async () => {
    sim = new Simulator({ seed: 11, speed: 20, load: { calls: 20, talkMs: 200 } });
    const { port } = await sim.start();
    proxy = new FaultProxy(port);
    await proxy.start();
  });

  afterEach(async () => {
    await proxy.close();
    await sim.stop();
  });

  it('gateway killed and restarted repeatedly under load: no crash, one outcome per operation, every event exactly once', async () => {
    const c = client(proxy.url);
    const seqs: number[] = [];
    const onEvent = (e: GatewayEvent) => seqs.push(e.seq);
    c.on('ccs', '*', onEvent);
    c.on('dialog', '*', onEvent);
    c.start();
    await c.whenConnected();
    c.subscribe({ events: ['ccsevents.*', 'dialog.*'] });
    await until('first events', () => seqs.length > 20);

    // Operations in flight the whole time: pause / unpause on ten agents.
    const results: OperationResult[] = [];
    const outcomesSeen = new Map<string, number>();
    let started = 0;
    let stop = false;
    const opLoops = Array.from({ length: 10 }, async (_, i) => {
      const agent = String(1001 + i);
      let op = 'pause';
      while (!stop) {
        started++;
        const h = c.startOperation(agent, op, {}, { timeoutMs: 3000 });
        const r = await h.done;
        outcomesSeen.set(h.reqId, (outcomesSeen.get(h.reqId) ?? 0) + 1);
        results.push(r);
        // Refused means the agent already is in that state (the response was lost in a kill).
        if (r.outcome === 'done' || r.reason === 'refused')
          op = op === 'pause' ? 'unpause' : 'pause';
        await sleep(5);
      }
    });

    const kills = 8;
    for (let k = 0; k < kills; k++) {
      await sleep(150);
      await sim.stop();
      proxy.killAll();
      await sleep(30);
      await sim.start();
      const before = seqs.length;
      await until(`events after restart ${k + 1}`, () => seqs.length > before + 5, 8000);
    }
    stop = true;
    await Promise.all(opLoops);

    // Every operation ended exactly once, with an outcome of the catalogue.
    assert.equal(results.length, started);
    for (const [reqId, n] of outcomesSeen) assert.equal(n, 1, `${reqId} ended ${n} times`);
    for (const r of results) {
      const spec = getOperation(r.op);
      assert.ok(spec?.outcomes.includes(r.outcome), `${r.op}: unexpected outcome ${r.outcome}`);
      if (r.outcome === 'failed') assert.ok(r.reason, 'a failed operation says why');
    }
    assert.ok(
      results.some((r) => r.outcome === 'done'),
      'some operations succeeded',
    );
    if (process.env.FAULT_DEBUG)
      console.log(
        seqs.length,
        JSON.stringify(c.stats()),
        JSON.stringify(
          results.reduce<Record<string, number>>(
            (m, r) => (
              (m[`${r.outcome}/${r.reason ?? ''}`] =
                (m[`${r.outcome}/${r.reason ?? ''}`] ?? 0) + 1),
              m
            ),
            {},
          ),
        ),
      );

    // Events: strictly increasing, no duplicate, no hole (the session resumed every time).
    const stats = c.stats();
    assert.ok(stats.reconnects >= kills, `reconnects ${stats.reconnects}`);
    assert.equal(stats.gaps, 0, 'the replay buffer covered every restart');
    for (let i = 1; i < seqs.length; i++) {
      assert.equal(seqs[i], seqs[i - 1] + 1, `seq ${seqs[i - 1]} followed by ${seqs[i]}`);
    }
    await c.close();
  });

  it('half-open socket (the server stops answering) is detected by the heartbeat and the client reconnects', async () => {
    const c = client(proxy.url, { heartbeatMs: 100, heartbeatTimeoutMs: 300 });
    const states: string[] = [];
    c.onStatus((s) => states.push(s.state));
    c.start();
    await c.whenConnected();
    const acceptedBefore = proxy.accepted;
    proxy.blackholeAll(); // sockets stay open, nothing flows
    await until('reconnect after half-open', () => proxy.accepted > acceptedBefore, 5000);
    await until('connected again', () => c.status.state === 'connected', 5000);
    assert.ok(states.includes('reconnecting'), `states: ${states.join(',')}`);
    assert.ok(c.stats().reconnects >= 1);
    // The new connection works: an operation round trip succeeds.
    const r = await c.startOperation('1001', 'pause', {}).done;
    assert.equal(r.outcome, 'done');
    await c.close();
  });

  it('slow responses end in timeouts, once, and the late responses are ignored', async () => {
    const c = client(proxy.url, { responseTimeoutMs: 150 });
    c.start();
    await c.whenConnected();
    proxy.setDelay(600);
    const handles = Array.from({ length: 5 }, (_, i) =>
      c.startOperation(String(1001 + i), 'pause', {}),
    );
    const ends = new Map<string, number>();
    const results = await Promise.all(
      handles.map(async (h) => {
        const r = await h.done;
        ends.set(h.reqId, (ends.get(h.reqId) ?? 0) + 1);
        return r;
      }),
    );
    for (const r of results) {
      assert.equal(r.outcome, 'failed');
      assert.equal(r.reason, 'timeout');
    }
    // Let the late responses arrive: they change nothing.
    await sleep(900);
    for (const n of ends.values()) assert.equal(n, 1);
    proxy.setDelay(0);
    const ok = await c.startOperation('1006', 'pause', {}).done;
    assert.equal(ok.outcome, 'done');
    await c.close();
  });
});
