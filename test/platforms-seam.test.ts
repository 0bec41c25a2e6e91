/**
 * The platform-driver seam (src/platforms/api.ts): the client is driver-agnostic. A small
 * in-memory platform of the REST + HTTP-push shape (operations answered one request at a time,
 * events pushed in, no sequence numbers, no ping) drives it here.
 */
import assert from 'node:assert/strict';
import { GatewayClient } from '../src/client/gateway-client';
import type { GatewayEvent, Notice } from '../src/client/api';
import type {
  Carriage,
  LinkHandler,
  OpenRequest,
  OperationRequest,
  PlatformDriver,
  PlatformLink,
  SubscribeRequest,
} from '../src/platforms/api';
import { carriageTable } from '../src/platforms/api';
import { OPERATIONS } from '../src/protocol/catalogue';
import { until } from './support/wait';

/** A REST + push platform: carries hold and unhold only; events are pushed with `push()`. */
class PushPlatform implements PlatformDriver {
  readonly platform = 'push-test';
  readonly resume = 'resubscribe' as const;
  readonly secrets = ['s3cret-token'];
  readonly sent: Array<OperationRequest | SubscribeRequest> = [];
  links: PushLink[] = [];

  checkUrl(url: unknown): string | undefined {
    return typeof url === 'string' && url.startsWith('https://') ? undefined : 'not https';
  }

  carries(op: string): Carriage {
    return op === 'hold' || op === 'unhold'
      ? { carried: true }
      : { carried: false, why: 'the push-test REST API has no such call' };
  }

  open(request: OpenRequest): PlatformLink {
    const link = new PushLink(this, request.handler);
    this.links.push(link);
    setImmediate(() => {
      request.handler.opened();
      request.handler.ready({ resumed: false, who: 'test enterprise' });
    });
    return link;
  }

  get current(): PushLink {
    return this.links[this.links.length - 1];
  }
}

class PushLink implements PlatformLink {
  constructor(
    private readonly platform: PushPlatform,
    readonly h: LinkHandler,
  ) {}

  sendOperation(r: OperationRequest): void {
    this.platform.sent.push(r);
    this.h.frameOut();
    setImmediate(() =>
      this.h.response({
        type: 'resp',
        op: `${r.op}Resp`,
        reqId: r.reqId,
        code: 0,
        errorCode: null,
        message: 'ok',
      }),
    );
  }

  sendSubscribe(r: SubscribeRequest): void {
    this.platform.sent.push(r);
    setImmediate(() =>
      this.h.subscribeAnswer({
        qid: r.qid,
        id: r.id,
        code: 0,
        errorCode: null,
        message: 'ok',
        expires: r.expires,
      }),
    );
  }

  push(body: unknown): void {
    this.h.frameIn();
    const b = body as { name: string; data: Record<string, unknown> };
    this.h.event({
      type: 'event',
      family: 'ccs',
      name: b.name,
      seq: 0,
      ts: Date.now(),
      data: b.data,
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  terminate(): void {}
}

describe('platform-driver seam', function () {
  this.timeout(8000);
  let clients: GatewayClient[] = [];

  function client(driver: PushPlatform, heartbeatMs?: number): GatewayClient {
    const c = new GatewayClient({
      url: 'https://push.invalid/api',
      driver,
      tenant: '',
      username: '',
      password: '',
      reconnect: { initialMs: 10, maxMs: 50, factor: 2, jitter: 0 },
      ...(heartbeatMs ? { heartbeatMs } : {}),
    });
    clients.push(c);
    c.start();
    return c;
  }

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });

  it('an operation the platform cannot carry ends failed / unsupported at once, with nothing sent', async () => {
    const platform = new PushPlatform();
    const c = client(platform);
    await c.whenConnected();
    const h = c.startOperation('1001', 'previewObCall', { customerNumber: '5551234' });
    const r = await h.done;
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'unsupported');
    assert.match(r.message ?? '', /push-test: previewObCall is not supported/);
    assert.equal(platform.sent.length, 0, 'nothing reached the platform');
    assert.equal(c.stats().pending, 0);
    // a carried one goes through the same client
    const held = await c.startOperation('1001', 'hold', {}).done;
    assert.equal(held.outcome, 'done');
    assert.equal(platform.sent.length, 1);
    assert.deepEqual(carriageTable(platform, ['hold', 'consult']).hold, { carried: true });
    assert.equal(
      Object.values(
        carriageTable(
          platform,
          OPERATIONS.map((o) => o.name),
        ),
      ).filter((x) => x.carried).length,
      2,
    );
  });

  it('events without sequence numbers are numbered locally and reach listeners once', async () => {
    const platform = new PushPlatform();
    const c = client(platform);
    await c.whenConnected();
    const got: GatewayEvent[] = [];
    c.on('ccs', '*', (e) => got.push(e));
    platform.current.push({ name: 'call_create', data: { domain: 'd', call_id: 'c1' } });
    platform.current.push({ name: 'call_create', data: { domain: 'd', call_id: 'c2' } });
    platform.current.push({ name: 'call_create', data: { domain: 'd' } }); // invalid: no call_id
    assert.deepEqual(
      got.map((e) => [e.seq, e.data.call_id]),
      [
        [1, 'c1'],
        [2, 'c2'],
      ],
    );
    assert.equal(c.stats().invalidEvents, 1);
    assert.equal(c.stats().duplicates, 0);
  });

  it('after a lost link it re-subscribes at once with the same id and raises a gap notice', async () => {
    const platform = new PushPlatform();
    const c = client(platform);
    const notices: Notice[] = [];
    c.onNotice((n) => notices.push(n));
    const sub = c.subscribe({ id: 'ccs-1', events: ['ccsevents.*'], expires: 3600 });
    await c.whenConnected();
    await until('first subscribe', () => platform.sent.length === 1);
    assert.equal(notices.length, 0, 'no gap on the first connection');
    platform.current.h.lost('push platform unreachable (token s3cret-token)');
    assert.equal(c.status.state, 'reconnecting');
    assert.doesNotMatch(c.status.error ?? '', /s3cret-token/, 'secrets scrubbed from the status');
    await until('gap notice', () => notices.length === 1);
    const again = platform.sent[1] as SubscribeRequest;
    assert.equal(again.id, 'ccs-1');
    assert.deepEqual(again.events, ['ccsevents.*']);
    assert.equal(notices[0].code, 'gap');
    assert.match(notices[0].message, /cannot be replayed/);
    assert.equal(c.stats().gaps, 1);
    assert.equal(c.stats().reconnects, 1);
    await sub.unsubscribe();
    const last = platform.sent[2] as SubscribeRequest;
    assert.equal(last.expires, 0);
    assert.equal(last.id, 'ccs-1');
  });
  it('a link that cannot ping is not dropped for silence: an idle push platform stays connected', async () => {
    const platform = new PushPlatform();
    const c = client(platform, 20);
    await c.whenConnected();
    const h = c.startOperation('1001', 'hold', {});
    // Ten heartbeat timeouts of silence (2.5 x 20 ms each) with nothing received.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(c.status.state, 'connected');
    assert.equal(platform.links.length, 1, 'the link was not reopened');
    const r = await h.done;
    assert.notEqual(r.reason, 'disconnected', JSON.stringify(r));
  });
});
