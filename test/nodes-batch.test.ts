/**
 * Batch output of the event nodes (Node-RED's test helper runtime, the gateway the embedded
 * simulator over a real socket): one message per `batchSize` events or per `batchMs`, its
 * msg.payload the messages one-per-event mode sends, in order; nothing lost or sent twice when
 * the node is redeployed (its replacement sends what it held) or removed (it sends at once).
 */
import { strict as assert } from 'node:assert';
import type { GatewayEvent } from '../src/client/api';
import type { GatewayConfigNode } from '../nodes/lib/types';
import { batchOptions, DEFAULT_BATCH_MS, DEFAULT_BATCH_SIZE } from '../nodes/lib/event-batch';
import { nextMsgId } from '../nodes/lib/msg-id';
import { sleep, until } from './support/wait';
import { deployFlows, testSink } from './support/deploy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

type Msg = Record<string, any>;

/** Messages received by test-sink nodes, whichever instance (they are recreated on deploy). */
const { module: sinkModule, sunk } = testSink();

/* eslint-disable @typescript-eslint/no-require-imports */
const MODULES = [
  require('../nodes/cc-gateway'),
  require('../nodes/cc-ccs-events'),
  require('../nodes/cc-seance-events'),
  require('../nodes/cc-agent-events'),
  sinkModule,
];
/* eslint-enable @typescript-eslint/no-require-imports */

const CREDS = { gw: { username: 'demo', password: 'demo' } };

function deploy(flow: object[], type: 'full' | 'nodes' = 'full'): Promise<void> {
  return deployFlows(helper, flow, CREDS, type);
}

interface FlowOptions {
  batchSize?: number;
  batchMs?: number;
  /** The batch node's output setting (default batch). */
  output?: string;
  /** Leave the batch node out (it is removed by the deploy). */
  withoutBatch?: boolean;
}

function flow(o: FlowOptions = {}): object[] {
  const nodes: object[] = [
    { id: 'tab', type: 'tab', label: 'batch' },
    {
      id: 'gw',
      type: 'cc-gateway',
      mode: 'simulator',
      tenant: 'demo',
      simSpeed: 20,
      heartbeat: 0,
      responseTimeout: 5,
    },
    { id: 'each', type: 'cc-ccs-events', z: 'tab', gateway: 'gw', wires: [['each-out']] },
    { id: 'each-out', type: 'test-sink', z: 'tab' },
    { id: 'batch-out', type: 'test-sink', z: 'tab' },
  ];
  if (!o.withoutBatch) {
    nodes.push({
      id: 'inBatches',
      type: 'cc-ccs-events',
      z: 'tab',
      gateway: 'gw',
      output: o.output ?? 'batch',
      batchSize: o.batchSize ?? 5,
      batchMs: o.batchMs ?? 300,
      wires: [['batch-out']],
    });
  }
  return nodes;
}

function gateway(): GatewayConfigNode {
  const gw = helper.getNode('gw') as GatewayConfigNode | null;
  assert.ok(gw, 'no gateway node');
  return gw;
}

const of = (node: string): Msg[] => sunk.filter((s) => s.node === node).map((s) => s.msg);
/** The per-event messages inside the batches, in the order they were sent. */
const items = (): Msg[] => of('batch-out').flatMap((m) => m.payload as Msg[]);
/** What a flow sees of one event's message (not its _msgid). */
const view = (m: Msg) => ({ topic: m.topic, payload: m.payload, call: m.call, conn: m.connection });

async function connected(): Promise<ReturnType<GatewayConfigNode['hub']>> {
  const client = gateway().client!;
  await client.whenConnected();
  await until('subscribed', () => client.stats().framesIn >= 2, 5000);
  return gateway().hub();
}

async function previewCall(agent = '1001'): Promise<void> {
  const r = await gateway().client!.startOperation(agent, 'previewObCall', {
    customerNumber: '48500100201',
  }).done;
  assert.equal(r.outcome, 'bridged', JSON.stringify(r.reason));
}

describe('event nodes: batch output', function () {
  this.timeout(60_000);

  beforeEach(() => {
    sunk.length = 0;
  });

  afterEach(async () => {
    await helper.unload();
  });

  it("gives messages ids of Node-RED's form (16 hex digits), each once", () => {
    const ids = Array.from({ length: 10_000 }, () => nextMsgId());
    assert.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id)));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('reads its settings: per event by default, bounded size and interval', () => {
    assert.equal(batchOptions({}), undefined);
    assert.equal(batchOptions({ output: 'event', batchSize: 5 }), undefined);
    assert.deepEqual(batchOptions({ output: 'batch' }), {
      size: DEFAULT_BATCH_SIZE,
      ms: DEFAULT_BATCH_MS,
    });
    assert.deepEqual(batchOptions({ output: 'batch', batchSize: '7', batchMs: '' }), {
      size: 7,
      ms: DEFAULT_BATCH_MS,
    });
    assert.deepEqual(batchOptions({ output: 'batch', batchSize: 0, batchMs: 1e9 }), {
      size: 1,
      ms: 60_000,
    });
  });

  it('sends batches of batchSize, the rest after batchMs; the items are the per-event messages, in order', async () => {
    await helper.load(MODULES, flow({ batchSize: 5, batchMs: 300 }), CREDS);
    await connected();
    await previewCall();
    await until('per-event messages', () => of('each-out').length >= 6, 5000);
    const settled = async () => {
      let n = -1;
      while (n !== of('each-out').length) {
        n = of('each-out').length;
        await sleep(400);
      }
    };
    await settled();
    await until('every event in a batch', () => items().length === of('each-out').length, 5000);
    const batches = of('batch-out');
    for (const b of batches) {
      assert.equal(b.topic, 'batch');
      assert.ok(Array.isArray(b.payload));
      assert.equal(b.count, b.payload.length);
      assert.ok(b.payload.length >= 1 && b.payload.length <= 5, `${b.payload.length} items`);
    }
    assert.ok(batches.filter((b) => b.payload.length === 5).length >= 1, 'a batch sent when full');
    assert.deepEqual(items().map(view), of('each-out').map(view), 'same messages, same order');
    assert.ok(
      items().every((m) => m.call || m.connection),
      'with their snapshots',
    );
  });

  it('a batch that does not fill is sent batchMs after its first event', async () => {
    await helper.load(MODULES, flow({ batchSize: 10_000, batchMs: 200 }), CREDS);
    await connected();
    await previewCall();
    await until('a batch', () => of('batch-out').length >= 1, 5000);
    assert.ok(of('batch-out')[0].payload.length < 10_000);
    await until('per-event messages', () => of('each-out').length >= 6, 5000);
    await until('all in batches', () => items().length === of('each-out').length, 5000);
    assert.deepEqual(items().map(view), of('each-out').map(view));
  });

  it('20 full deploys with calls running: every event the client received is in exactly one batch, in order', async () => {
    await helper.load(MODULES, flow({ batchSize: 7, batchMs: 5000 }), CREDS);
    await connected();
    const client = gateway().client!;
    const received: string[] = [];
    client.on('ccs', '*', (e: GatewayEvent) => {
      if (/^(call|connection)_/.test(e.name)) received.push(JSON.stringify(e.data));
    });
    let loading = true;
    const load = (async () => {
      let i = 0;
      while (loading) {
        const agent = `100${(i++ % 5) + 1}`;
        await client
          .startOperation(agent, 'previewObCall', { customerNumber: '48500100201' })
          .done.catch(() => undefined);
      }
    })();
    for (let i = 0; i < 20; i++) {
      await sleep(30 + ((i * 37) % 50));
      await deploy(flow({ batchSize: 7, batchMs: 5000 }));
      assert.equal(gateway().client, client, `deploy ${i + 1}: the session was replaced`);
    }
    loading = false;
    await load;
    assert.ok(received.length > 30, `only ${received.length} events`);
    // The last batch is short: it goes after batchMs.
    await until(
      `${received.length} events in batches`,
      () => items().length >= received.length,
      10_000,
      20,
    );
    await sleep(200);
    const delivered = items().map((m) => JSON.stringify(m.payload));
    assert.equal(delivered.length, received.length, 'count');
    assert.deepEqual(delivered, received, 'order and content');
  });

  /**
   * A call's events held by a batch node that sends nothing for a minute (beside a per-event
   * node): how many per-event messages went out meanwhile.
   */
  async function holdingABatch(): Promise<number> {
    await helper.load(MODULES, flow({ batchSize: 10_000, batchMs: 60_000 }), CREDS);
    await connected();
    await previewCall();
    await until('per-event messages', () => of('each-out').length >= 6, 5000);
    await sleep(300);
    assert.equal(of('batch-out').length, 0, 'nothing sent yet');
    return of('each-out').length;
  }

  it('changed and redeployed ("modified nodes"): the replacement sends what the old node held', async () => {
    const before = await holdingABatch();
    await deploy(flow({ batchSize: 10_000, batchMs: 59_000 }), 'nodes');
    await until('the held batch', () => of('batch-out').length >= 1, 5000);
    // Events may go on after the deploy (the call continues): the batch is what came before.
    assert.ok(items().length >= before, `${items().length} of ${before} events`);
    assert.deepEqual(items().map(view), of('each-out').slice(0, items().length).map(view));
  });

  it('redeployed as one message per event: the replacement sends what the old node held, one by one, first', async () => {
    const before = await holdingABatch();
    await deploy(flow({ output: 'event' }), 'nodes');
    await until('the held messages', () => of('batch-out').length >= before, 5000);
    const got = of('batch-out');
    assert.ok(
      got.every((m) => m.topic !== 'batch'),
      'no batch message',
    );
    assert.deepEqual(got.map(view), of('each-out').slice(0, got.length).map(view));
  });

  it('removed: the node sends what it holds at once', async () => {
    const before = await holdingABatch();
    await deploy(flow({ withoutBatch: true }), 'nodes');
    await until('the last batch', () => of('batch-out').length >= 1, 5000);
    await sleep(300);
    assert.equal(of('batch-out').length, 1, 'one batch, sent at once; nothing after');
    assert.ok(items().length >= before, `${items().length} of ${before} events`);
    assert.deepEqual(items().map(view), of('each-out').slice(0, items().length).map(view));
  });

  it('cc-seance-events and cc-agent-events batch the same way: their per-event messages, in order', async () => {
    const pair = (type: string, key: string): object[] => [
      { id: `${key}Each`, type, z: 'tab', gateway: 'gw', wires: [[`${key}-each`]] },
      {
        id: `${key}Batches`,
        type,
        z: 'tab',
        gateway: 'gw',
        output: 'batch',
        batchSize: 3,
        batchMs: 200,
        wires: [[`${key}-batches`]],
      },
      { id: `${key}-each`, type: 'test-sink', z: 'tab' },
      { id: `${key}-batches`, type: 'test-sink', z: 'tab' },
    ];
    const nodes = [
      ...flow({ withoutBatch: true }),
      ...pair('cc-seance-events', 'seance'),
      ...pair('cc-agent-events', 'agent'),
    ];
    await helper.load(MODULES, nodes, CREDS);
    await connected();
    await previewCall();
    for (const key of ['seance', 'agent']) {
      await until(`${key} events`, () => of(`${key}-each`).length >= 2, 5000);
      await until(
        `${key} batches`,
        () => of(`${key}-batches`).flatMap((m) => m.payload).length >= of(`${key}-each`).length,
        5000,
      );
    }
    await sleep(300);
    for (const key of ['seance', 'agent']) {
      const batches = of(`${key}-batches`);
      assert.ok(batches.every((b) => b.topic === 'batch' && b.payload.length <= 3));
      const inBatches = batches.flatMap((m) => m.payload as Msg[]);
      const strip = (m: Msg) => ({ ...m, _msgid: undefined });
      assert.deepEqual(inBatches.map(strip), of(`${key}-each`).map(strip), key);
    }
  });
});
