/**
 * The WebRTC family's core (REST client + account) against the WebRTC / Voice simulator over
 * real sockets, callbacks through the palette's webhook ingress.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { validateWebrtcCallback } from '../src/webrtc/callbacks';
import { parseBxml } from '../src/simulator/webrtc';
import { transferBxml } from '../src/webrtc/bxml';
import { WebrtcRestClient } from '../src/webrtc/rest-client';
import { WebrtcAccount } from '../src/webrtc/account';
import { Device, startRig, type Rig } from './support/webrtc';
import { until } from './support/wait';

const names = (events: Record<string, unknown>[], pid?: string): string[] =>
  events
    .filter((e) => pid === undefined || e.participantId === pid)
    .map((e) => String(e.event ?? e.eventType));

describe('WebRTC family: core against the simulator', function () {
  this.timeout(20000);
  let rig: Rig;
  afterEach(async () => {
    if (rig) await rig.close();
  });

  it('sessions: create with a tag, get, delete; a missing session is notFound', async () => {
    rig = await startRig();
    const created = await rig.account.run('createSession', { tag: 'room-1' });
    assert.equal(created.outcome, 'done');
    const sessionId = created.ids.sessionId as string;
    assert.deepEqual(created.payload, { id: sessionId, tag: 'room-1' });
    const got = await rig.account.run('getSession', { sessionId });
    assert.equal(got.outcome, 'done');
    assert.deepEqual((got.payload as { participants: unknown[] }).participants, []);
    assert.equal((await rig.account.run('deleteSession', { sessionId })).outcome, 'done');
    const gone = await rig.account.run('getSession', { sessionId });
    assert.equal(gone.outcome, 'notFound');
    assert.equal(gone.status, 404);
  });

  it('participants: create (id + signed token), add with subscriptions, update, remove, delete', async () => {
    rig = await startRig();
    const s = (await rig.account.run('createSession', {})).ids.sessionId as string;
    const a = await rig.account.run('createParticipant', {
      tag: 'agent',
      publishPermissions: 'audio,video',
    });
    assert.equal(a.outcome, 'done');
    const pa = a.ids.participantId as string;
    assert.ok(rig.sim.model.checkToken(a.ids.token).ok, 'the token checks');
    assert.equal((a.payload as any).participant.callbackUrl, `${rig.callbackUrl}/participant`);
    assert.deepEqual((a.payload as any).participant.publishPermissions, ['AUDIO', 'VIDEO']);
    const b = await rig.account.run('createParticipant', { tag: 'customer' });
    const pb = b.ids.participantId as string;
    assert.equal(
      (await rig.account.run('addParticipantToSession', { sessionId: s, participantId: pa }))
        .outcome,
      'done',
    );
    assert.deepEqual(rig.sim.model.getSubscriptions(s, pa), { sessionId: s });
    const add = await rig.account.run('addParticipantToSession', {
      sessionId: s,
      participantId: pb,
      subscriptions: { participants: [{ participantId: pa }] },
    });
    assert.equal(add.outcome, 'done');
    const upd = await rig.account.run('updateParticipantSubscriptions', {
      sessionId: s,
      participantId: pb,
      subscriptions: '{"participants":[]}',
    });
    assert.equal(upd.outcome, 'done');
    assert.deepEqual(rig.sim.model.getSubscriptions(s, pb), { participants: [] });
    const got = await rig.account.run('getParticipant', { participantId: pa });
    assert.deepEqual((got.payload as any).sessions, [s]);
    assert.equal(
      (await rig.account.run('removeParticipantFromSession', { sessionId: s, participantId: pa }))
        .outcome,
      'done',
    );
    const again = await rig.account.run('removeParticipantFromSession', {
      sessionId: s,
      participantId: pa,
    });
    assert.equal(again.outcome, 'notFound');
    assert.equal(
      (await rig.account.run('deleteParticipant', { participantId: pb })).outcome,
      'done',
    );
    assert.equal(
      (await rig.account.run('getParticipant', { participantId: pb })).outcome,
      'notFound',
    );
    await rig.sim.drainCallbacks();
    assert.deepEqual(names(rig.events, pa), ['onLeave']);
    assert.deepEqual(names(rig.events, pb), ['onLeave']);
  });

  it('bad parameters fail before any request, naming the field', async () => {
    rig = await startRig();
    const before = rig.sim.requests;
    const r = await rig.account.run('addParticipantToSession', { sessionId: 's' });
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'badParams');
    assert.equal(r.field, 'participantId');
    const p = await rig.account.run('createParticipant', { publishPermissions: ['SCREEN'] });
    assert.equal(p.field, 'publishPermissions');
    const c = await rig.account.run('updateParticipantSubscriptions', {
      sessionId: 's',
      participantId: 'p',
      subscriptions: 7,
    });
    assert.equal(c.field, 'subscriptions');
    assert.equal(rig.sim.requests, before);
  });

  it('wrong credentials: failed with HTTP 401, and the password appears nowhere', async () => {
    rig = await startRig();
    const urls = rig.sim.started!;
    const account = new WebrtcAccount({
      backend: new WebrtcRestClient({
        accountId: rig.sim.accountId,
        username: 'demo',
        password: 'not-the-password',
        webrtcBaseUrl: urls.webrtcBaseUrl,
        voiceBaseUrl: urls.voiceBaseUrl,
      }),
      applicationId: 'a',
      voiceCallbackUrl: 'http://127.0.0.1:1/v',
      participantCallbackUrl: 'http://127.0.0.1:1/p',
    });
    const r = await account.run('createSession', {});
    assert.equal(r.outcome, 'failed');
    assert.equal(r.reason, 'http401');
    assert.ok(!JSON.stringify(r).includes('not-the-password'));
    assert.ok(!inspect(account, { depth: 5 }).includes('not-the-password'));
  });

  it('PSTN calls end by the last digit: answered, busy, noAnswer, failed (rejected, error)', async () => {
    rig = await startRig({ speed: 200 });
    const run = (to: string) =>
      rig.account.run('createCall', { to, from: '+15550000000', callTimeout: 30 });
    const [ok, busy, none, rejected, failed] = await Promise.all([
      run('+15551230001'),
      run('+15551230000'),
      run('+15551230009'),
      run('+15551230008'),
      run('+15551230007'),
    ]);
    assert.equal(ok.outcome, 'answered');
    assert.equal((ok.payload as any).eventType, 'answer');
    assert.match(ok.ids.callId as string, /^c-/);
    assert.deepEqual([busy.outcome, busy.reason], ['busy', 'busy']);
    assert.deepEqual([none.outcome, none.reason], ['noAnswer', 'timeout']);
    assert.deepEqual([rejected.outcome, rejected.reason], ['failed', 'rejected']);
    assert.deepEqual([failed.outcome, failed.reason], ['failed', 'error']);
    // The answered call is held, not hung up, until the flow decides.
    assert.equal(rig.sim.voice.getCall(ok.ids.callId as string).state, 'answered');
    assert.equal((await rig.account.run('hangupCall', { callId: ok.ids.callId })).outcome, 'done');
    await until('disconnect', () =>
      rig.events.some((e) => e.eventType === 'disconnect' && e.callId === ok.ids.callId),
    );
    assert.equal(
      (await rig.account.run('hangupCall', { callId: ok.ids.callId })).outcome,
      'notFound',
    );
  });

  it('a PSTN caller transferred into a session, removed, still on the line, hung up, session deleted', async () => {
    rig = await startRig({ speed: 100 });
    const call = await rig.account.run('createCall', { to: '+15551230001', from: '+15550000000' });
    assert.equal(call.outcome, 'answered');
    const callId = call.ids.callId as string;
    const sessionId = (await rig.account.run('createSession', { tag: 'pstn' })).ids
      .sessionId as string;
    const p = await rig.account.run('createParticipant', {
      tag: 'caller',
      publishPermissions: ['AUDIO'],
    });
    const participantId = p.ids.participantId as string;
    await rig.account.run('addParticipantToSession', { sessionId, participantId });
    const t = await rig.account.run('transferToWebRTC', { callId, token: p.ids.token });
    assert.equal(t.outcome, 'done', JSON.stringify(t));
    assert.equal((t.payload as any).eventType, 'transferAnswer');
    await until('onConnect', () => names(rig.events, participantId).includes('onConnect'));
    const connect = rig.events.find((e) => e.event === 'onConnect')!;
    assert.equal(connect.tag, 'caller');
    assert.equal(typeof connect.deviceId, 'string');
    assert.equal(
      (await rig.account.run('removeParticipantFromSession', { sessionId, participantId })).outcome,
      'done',
    );
    await until(
      'transferComplete and onDisconnect',
      () =>
        rig.events.some((e) => e.eventType === 'transferComplete') &&
        names(rig.events, participantId).includes('onDisconnect'),
    );
    assert.deepEqual(names(rig.events, participantId), ['onConnect', 'onLeave', 'onDisconnect']);
    assert.equal(rig.sim.voice.getCall(callId).state, 'answered', 'the PSTN call is still active');
    assert.equal((await rig.account.run('hangupCall', { callId })).outcome, 'done');
    assert.equal((await rig.account.run('deleteSession', { sessionId })).outcome, 'done');
    await until('disconnect', () => rig.events.some((e) => e.eventType === 'disconnect'));
    const voice = rig.events.filter((e) => e.eventType).map((e) => e.eventType);
    assert.deepEqual(voice, [
      'answer',
      'redirect',
      'transferAnswer',
      'transferComplete',
      'disconnect',
    ]);
    for (const e of rig.events) assert.ok(validateWebrtcCallback(e).ok, JSON.stringify(e));
  });

  it('a transfer with a forged token fails; the call goes on held', async () => {
    rig = await startRig({ speed: 100 });
    const call = await rig.account.run('createCall', { to: '+15551230001', from: '+15550000000' });
    const t = await rig.account.run('transferToWebRTC', {
      callId: call.ids.callId,
      token: 'a.b.c',
    });
    assert.equal(t.outcome, 'failed');
    assert.equal(rig.sim.voice.getCall(call.ids.callId as string).state, 'answered');
  });

  it('the 9-hour clean-up deletes a session left alone; its participants get onLeave and onDisconnect', async () => {
    rig = await startRig({ speed: 200_000 }); // 9 h in 162 ms
    const sessionId = (await rig.account.run('createSession', { tag: 'forgotten' })).ids
      .sessionId as string;
    const p = await rig.account.run('createParticipant', { tag: 'browser' });
    const participantId = p.ids.participantId as string;
    await rig.account.run('addParticipantToSession', { sessionId, participantId });
    const device = new Device(rig.sim.started!.signalUrl);
    const hello = await device.connect(p.ids.token as string);
    assert.equal(hello.type, 'connected', JSON.stringify(hello));
    await until('the clean-up', () => rig.events.some((e) => e.event === 'onDisconnect'));
    assert.deepEqual(names(rig.events, participantId), ['onConnect', 'onLeave', 'onDisconnect']);
    assert.equal((await rig.account.run('getSession', { sessionId })).outcome, 'notFound');
    await until('the device closed', () => device.closed);
    assert.ok(device.frames.some((f) => f.type === 'disconnected'));
  });

  it('tokens: a forged or expired token is refused by the signalling server', async () => {
    rig = await startRig({ speed: 100_000, tokenTtlMs: 3600_000 }); // 1 h in 36 ms
    const p = await rig.account.run('createParticipant', {});
    const token = p.ids.token as string;
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const d1 = new Device(rig.sim.started!.signalUrl);
    assert.equal((await d1.connect(forged)).code, 'UNAUTHORIZED');
    await new Promise((r) => setTimeout(r, 100));
    const d2 = new Device(rig.sim.started!.signalUrl);
    const refused = await d2.connect(token);
    assert.equal(refused.code, 'UNAUTHORIZED');
    assert.match(refused.message, /TOKEN_EXPIRED/);
  });

  it('signalling: subscribed devices get media links, subscription changes unlink them', async () => {
    rig = await startRig();
    const sessionId = (await rig.account.run('createSession', {})).ids.sessionId as string;
    const mk = async (tag: string) => {
      const p = await rig.account.run('createParticipant', { tag });
      await rig.account.run('addParticipantToSession', {
        sessionId,
        participantId: p.ids.participantId,
      });
      const d = new Device(rig.sim.started!.signalUrl);
      await d.connect(p.ids.token as string);
      d.send({ type: 'publish', mediaTypes: ['AUDIO', 'VIDEO'] });
      return { d, id: p.ids.participantId as string };
    };
    const a = await mk('a');
    const b = await mk('b');
    const linkA = await a.d.next((f) => f.type === 'link' && f.role === 'subscriber', 'link');
    const linkB = await b.d.next((f) => f.type === 'link' && f.role === 'subscriber', 'link');
    assert.equal(linkA.participantId, b.id);
    assert.equal(linkB.participantId, a.id);
    // A negotiation message from the publisher reaches the subscriber.
    b.d.send({ type: 'signal', linkId: linkA.linkId, data: { sdp: { type: 'offer', sdp: 'x' } } });
    const relayed = await a.d.next(
      (f) => f.type === 'signal' && f.linkId === linkA.linkId,
      'relay',
    );
    assert.deepEqual(relayed.data, { sdp: { type: 'offer', sdp: 'x' } });
    await rig.account.run('updateParticipantSubscriptions', {
      sessionId,
      participantId: a.id,
      subscriptions: { participants: [] },
    });
    await a.d.next((f) => f.type === 'unlink' && f.linkId === linkA.linkId, 'unlink');
    assert.equal(rig.sim.model.linkCount, 1);
    a.d.send({ type: 'disconnect' });
    await until('onDisconnect', () => names(rig.events, a.id).includes('onDisconnect'));
    b.d.close();
    await until('socket close', () => names(rig.events, b.id).includes('onDisconnect'));
  });

  it("BXML: the transfer answer is the vendor's SipUri with the token as uui;encoding=jwt", () => {
    const xml = transferBxml('tok.en.x<&', { transferAnswerUrl: 'http://h/a?x=1&y=2' });
    const [t] = parseBxml(xml);
    assert.equal(t.name, 'Transfer');
    assert.equal(t.children[0].name, 'SipUri');
    assert.equal(t.children[0].attrs.uui, 'tok.en.x<&;encoding=jwt');
    assert.equal(t.children[0].attrs.transferAnswerUrl, 'http://h/a?x=1&y=2');
    assert.equal(t.children[0].text, 'sip:sipx.webrtc.bandwidth.com:5060');
  });
});
