/**
 * The WebSocket layer every WebSocket driver shares reads a bounded number of frames per turn
 * of the event loop: a platform that sends faster than the flow takes its messages leaves the
 * rest in the kernel's buffer, instead of having thousands of frames read, built into messages
 * and queued at once. No frame is lost or reordered.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LinkHandler } from '../src/platforms/api';
import { FRAMES_PER_TURN, WsSocket } from '../src/platforms/ws-socket';
import { until } from './support/wait';

const FRAMES = 6000;
/** About 200 bytes a frame, like a ccs event. */
const PAD = 'x'.repeat(160);

function handler(): LinkHandler {
  const noop = (): void => undefined;
  return {
    opened: noop,
    ready: noop,
    refused: noop,
    lost: noop,
    frameIn: noop,
    frameOut: noop,
    invalidFrame: noop,
    event: noop,
    response: noop,
    subscribeAnswer: noop,
    error: noop,
    notice: noop,
    problem: noop,
  };
}

describe('WebSocket layer: frames read per turn of the event loop', function () {
  this.timeout(20000);
  let wss: WebSocketServer;
  let socket: WsSocket | undefined;

  beforeEach(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
  });

  afterEach(async () => {
    await socket?.close();
    socket = undefined;
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  it('a burst already waiting in the socket is read in turns of a bounded size, all of it, in order', async () => {
    const sent = new Promise<void>((resolve) => {
      wss.on('connection', (ws: WebSocket) => {
        let n = 0;
        for (let i = 0; i < FRAMES; i++) {
          ws.send(JSON.stringify({ i, pad: PAD }), () => {
            if (++n === FRAMES) resolve();
          });
        }
      });
    });
    const got: number[] = [];
    /** Frames received in each turn of the event loop. */
    const turns: number[] = [];
    let inTurn = 0;
    let blockedOnce = false;
    socket = new WsSocket({
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      connectTimeoutMs: 5000,
      handler: handler(),
      log: { debug: () => undefined },
      scrub: (t) => t,
      onOpen: () => undefined,
      onText: (text) => {
        if (!blockedOnce) {
          // Hold the loop until the server has written everything: the whole burst then
          // waits in the socket, as when a platform outpaces a busy flow.
          blockedOnce = true;
          const t = Date.now();
          while (Date.now() - t < 400) {
            /* busy: the flow is slow */
          }
        }
        got.push((JSON.parse(text) as { i: number }).i);
        if (inTurn++ === 0) {
          setImmediate(() => {
            turns.push(inTurn);
            inTurn = 0;
          });
        }
      },
    });
    await sent;
    await until('every frame', () => got.length === FRAMES, 10000);
    await until('the last turn', () => inTurn === 0);
    assert.deepEqual(
      got,
      Array.from({ length: FRAMES }, (_, i) => i),
      'every frame, in order',
    );
    // A turn reads at most FRAMES_PER_TURN frames, plus the rest of the 64 KiB read it was in
    // and the one read the socket stream buffers after a pause (about 360 frames of this size
    // each). Unpaced, the first turn after the busy one reads everything the kernel holds
    // (thousands).
    const chunk = Math.ceil(65536 / (PAD.length + 20));
    const most = Math.max(...turns);
    assert.ok(
      most <= FRAMES_PER_TURN + 2 * chunk,
      `a turn read ${most} frames (turns: ${turns.slice(0, 12).join(', ')}...)`,
    );
    assert.ok(turns.length >= FRAMES / (FRAMES_PER_TURN + 2 * chunk), `${turns.length} turns`);
  });
});
