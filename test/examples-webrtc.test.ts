/**
 * The WebRTC family's examples, loaded as committed in node-red-node-test-helper against the
 * embedded WebRTC / Voice simulator over real sockets. Changed for the test only: the
 * simulator's speed, the callback base URL (the runtime's httpNode is served on a port of
 * its own here), the stories' waits and the example's own Node-RED URL.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  FLOWS,
  byName,
  collect,
  example,
  examplesHttpNode,
  forgetHttpNode,
  helper,
  load,
  press,
  until,
  type FlowNode,
  type Msg,
} from './support/examples';
import { Device } from './support/webrtc';

/** How long a wait of this file may take on a loaded machine. */
const WAIT_MS = 15_000;

describe('WebRTC examples', function () {
  this.timeout(30000);
  let server: http.Server;
  let base: string;

  before(async () => {
    server = http.createServer((req, res) => {
      const app = examplesHttpNode();
      if (app) app(req, res);
      else {
        res.statusCode = 503;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections?.();
    await new Promise<void>((r) => server.close(() => r()));
  });

  afterEach(async () => {
    await helper.unload();
    forgetHttpNode();
  });

  /** An example with its simulator sped up and its callbacks sent to this test's server. */
  const webrtcExample = (rel: string, speed = 20): FlowNode[] =>
    example(rel, undefined, { speed, callbackBaseUrl: base });

  it('has both stories and an example for each WebRTC node', () => {
    const rels = FLOWS.map((f) => f.rel);
    for (const rel of [
      'stories/webrtc-browser-joins-session.json',
      'stories/webrtc-pstn-caller-into-session.json',
      'nodes/cc-webrtc-session.json',
      'nodes/cc-webrtc-participant.json',
      'nodes/cc-webrtc-call.json',
      'nodes/cc-webrtc-call-control.json',
      'nodes/cc-webrtc-events.json',
    ]) {
      assert.ok(rels.includes(rel), `examples/${rel} is missing`);
    }
  });

  it('story "a browser joins a session": two participants join, see each other, leave; the flow logs their callbacks', async () => {
    const flow = webrtcExample('stories/webrtc-browser-joins-session.json');
    await load(flow);
    const room = collect(byName(flow, 'room', 'debug').id);
    await until('the room', () => room[0], WAIT_MS);
    const join = async (name: string) => {
      const res = await request(base).get(`/webrtc/join?name=${name}`).expect(302);
      const page = new URL(res.headers.location);
      assert.equal(page.pathname, '/webrtc/participant');
      const token = decodeURIComponent(page.hash.replace(/^#token=/, ''));
      const device = new Device(`ws://${page.host}/webrtc/signal`);
      const hello = await device.connect(token);
      assert.equal(hello.type, 'connected', JSON.stringify(hello));
      device.send({ type: 'publish', mediaTypes: ['AUDIO', 'VIDEO'] });
      return { device, id: hello.participantId as string };
    };
    const alice = await join('alice');
    const bob = await join('bob');
    // Each is subscribed to the session: each receives the other's stream.
    const aSees = await alice.device.next((f) => f.type === 'link' && f.role === 'subscriber');
    const bSees = await bob.device.next((f) => f.type === 'link' && f.role === 'subscriber');
    assert.equal(aSees.participantId, bob.id);
    assert.equal(aSees.tag, 'bob');
    assert.equal(bSees.participantId, alice.id);
    for (const p of [alice, bob]) {
      const r = await request(base).post(`/webrtc/leave?participantId=${p.id}`).expect(200);
      assert.deepEqual(r.body, { outcome: 'done' });
      p.device.send({ type: 'disconnect' });
    }
    const log = async () => (await request(base).get('/webrtc/events').expect(200)).body as Msg[];
    let events: Msg[] = [];
    await until(
      'six callbacks',
      () => {
        void log().then((l) => (events = l));
        return events.length >= 6;
      },
      WAIT_MS,
    );
    for (const p of [alice, bob]) {
      assert.deepEqual(
        events.filter((e) => e.participantId === p.id).map((e) => e.event),
        ['onConnect', 'onLeave', 'onDisconnect'],
      );
    }
    assert.equal(events.find((e) => e.participantId === alice.id)!.tag, 'alice');
    const unknown = await request(base).post('/webrtc/leave?participantId=nobody').expect(404);
    assert.deepEqual(unknown.body, { outcome: 'notFound' });
  });

  it('story "a PSTN caller dropped into a session": every step ends in its outcome, in order', async () => {
    const flow = webrtcExample('stories/webrtc-pstn-caller-into-session.json');
    Object.assign(byName(flow, 'in the session for 5 s', 'delay'), { timeout: '0.2' });
    await load(flow);
    const finished = collect(byName(flow, 'finished', 'debug').id);
    const failed = collect(byName(flow, 'failed', 'debug').id);
    const notReached = collect(byName(flow, 'busy or no answer', 'debug').id);
    const callbacks = collect(byName(flow, 'callbacks', 'debug').id);
    press(flow, 'call +15551230001');
    const done = await until(
      'the story to finish',
      () => finished[0] ?? failed[0] ?? notReached[0],
    );
    assert.equal(done.webrtc.operation, 'deleteSession', JSON.stringify(done.webrtc));
    assert.equal(done.webrtc.outcome, 'done');
    assert.match(done.webrtc.callId, /^c-/);
    await until(
      'the disconnect callback',
      () => callbacks.some((m) => m.topic === 'disconnect'),
      WAIT_MS,
    );
    const names = callbacks.map((m) => m.topic);
    const voice = names.filter((n) => !n.startsWith('on'));
    assert.deepEqual(voice, [
      'answer',
      'redirect',
      'transferAnswer',
      'transferComplete',
      'disconnect',
    ]);
    assert.deepEqual(
      names.filter((n) => n.startsWith('on')),
      ['onConnect', 'onLeave', 'onDisconnect'],
    );
    const connect = callbacks.find((m) => m.topic === 'onConnect')!;
    assert.equal(connect.payload.tag, 'pstn caller');
    assert.equal(callbacks.find((m) => m.topic === 'disconnect')!.payload.cause, 'hangup');
    assert.equal(failed.length, 0);
  });

  it('story "a PSTN caller ...": a busy number ends at the busy output', async () => {
    const flow = webrtcExample('stories/webrtc-pstn-caller-into-session.json');
    const dial = byName(flow, 'call +15551230001', 'inject');
    dial.payload = JSON.stringify({ to: '+15551230000', from: '+15550000000' });
    await load(flow);
    const notReached = collect(byName(flow, 'busy or no answer', 'debug').id);
    press(flow, 'call +15551230001');
    const msg = await until('busy', () => notReached[0], WAIT_MS);
    assert.equal(msg.webrtc.outcome, 'busy');
  });

  it('cc-webrtc-session example: create, get, delete, then get ends notFound', async () => {
    const flow = webrtcExample('nodes/cc-webrtc-session.json');
    await load(flow);
    const gone = collect(byName(flow, 'not found (deleted)', 'debug').id);
    const out = collect(byName(flow, 'session', 'debug').id);
    press(flow, 'create a session');
    const msg = await until('notFound', () => gone[0], WAIT_MS);
    assert.equal(msg.webrtc.outcome, 'notFound');
    assert.equal(out.length, 0, JSON.stringify(out.map((m) => m.webrtc)));
  });

  it('cc-webrtc-participant example: create, add, update subscriptions, remove, delete', async () => {
    const flow = webrtcExample('nodes/cc-webrtc-participant.json');
    await load(flow);
    const out = collect(byName(flow, 'participant', 'debug').id);
    press(flow, 'start');
    const msg = await until('the last step', () => out[0], WAIT_MS);
    assert.equal(msg.webrtc.operation, 'deleteParticipant');
    assert.equal(msg.webrtc.outcome, 'done', JSON.stringify(msg.webrtc));
  });

  it('cc-webrtc-call example: answered (then hung up), busy, no answer, failed', async () => {
    const flow = webrtcExample('nodes/cc-webrtc-call.json', 100);
    await load(flow);
    const out = collect(byName(flow, 'outcome', 'debug').id);
    for (const n of flow.filter((x) => x.type === 'inject')) helper.getNode(n.id).receive({});
    await until('five outcomes', () => out.length >= 5, WAIT_MS);
    const seen = out.map((m) => `${m.webrtc.operation}:${m.webrtc.outcome}`).sort();
    assert.deepEqual(seen, [
      'createCall:answered',
      'createCall:busy',
      'createCall:failed',
      'createCall:noAnswer',
      'hangupCall:done',
    ]);
  });

  it("cc-webrtc-call-control example: an answered call redirected to the flow's BXML, which hangs it up", async () => {
    const flow = webrtcExample('nodes/cc-webrtc-call-control.json');
    const redirect = byName(flow, 'redirect', 'cc-webrtc-call-control');
    redirect.params.redirectUrl.value = `${base}/webrtc/example/bxml`;
    flow.push({
      id: 'ev',
      type: 'cc-webrtc-events',
      account: flow.find((n) => n.type === 'cc-webrtc-account')!.id,
      events: 'disconnect',
      z: flow[0].id,
      wires: [['evOut']],
    });
    flow.push({ id: 'evOut', type: 'debug', active: false, z: flow[0].id, wires: [] });
    await load(flow);
    const out = collect(byName(flow, 'outcome', 'debug').id);
    const ends = collect('evOut');
    press(flow, 'call +15551230003');
    const msg = await until('the redirect', () => out[0], WAIT_MS);
    assert.equal(msg.webrtc.operation, 'redirectCall');
    assert.equal(msg.webrtc.outcome, 'done');
    const end = await until('the hang-up by the BXML', () => ends[0], WAIT_MS);
    assert.equal(end.payload.cause, 'hangup');
  });

  it('cc-webrtc-events example: answer, then disconnect', async () => {
    const flow = webrtcExample('nodes/cc-webrtc-events.json');
    Object.assign(byName(flow, '3 s', 'delay'), { timeout: '0.1' });
    await load(flow);
    const out = collect(byName(flow, 'callback', 'debug').id);
    press(flow, 'call +15551230001');
    await until('disconnect', () => out.some((m) => m.topic === 'disconnect'), WAIT_MS);
    assert.deepEqual(
      out.map((m) => m.topic),
      ['answer', 'disconnect'],
    );
    assert.equal(out[0].webrtc.kind, 'voice');
  });
});
