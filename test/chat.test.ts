/**
 * The helpdesk chat family's core against its simulator over real sockets: the seed's 20-step
 * flow (discovery to terminate) with callbacks received through the webhook ingress, each
 * carrying the operation id it belongs to, in order; then each operation's failures.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatClient } from '../src/chat/client';
import { validateCallback } from '../src/chat/envelope';
import type { ChatCallback, ChatEvent } from '../src/chat/api';
import { ChatSimulator } from '../src/simulator/chat';
import type { ChatScenario } from '../src/simulator/chat/api';
import { DEFAULT_MAX_BYTES, WebhookIngress } from '../src/webhook/ingress';
import { answerError, readCappedBody, sendJson } from '../src/webhook/http';
import { TestRep, TestVisitor } from './support/chat-visitor';
import { until } from './support/wait';

/** How long a wait of this file may take on a loaded machine. */
const WAIT_MS = 8000;

interface Rig {
  sim: ChatSimulator;
  client: ChatClient;
  events: ChatEvent[];
  receiver: http.Server;
  ingress: WebhookIngress;
  close(): Promise<void>;
}

/**
 * The program's callback endpoint: a plain node:http server reading each body with the capped
 * reader, answering with the ingress's outcome and handing an accepted callback on.
 */
function callbackReceiver(
  ingress: WebhookIngress,
  onCallback: (body: Record<string, unknown>) => void,
): http.Server {
  return http.createServer((req, res) => {
    readCappedBody(req, DEFAULT_MAX_BYTES, (err, body) => {
      if (err || !body) return answerError(res, err);
      const outcome = ingress.handle({
        headers: req.headers,
        rawBody: body.rawBody,
        tooLarge: body.tooLarge,
      });
      sendJson(res, outcome.status, outcome.body, body.tooLarge);
      if (outcome.status === 200 && outcome.event) onCallback(outcome.event);
    });
  });
}

async function rig(scenario?: ChatScenario): Promise<Rig> {
  const events: ChatEvent[] = [];
  const ingress = new WebhookIngress({
    token: 'cb-token',
    validate: (b) => validateCallback(b),
  });
  const holder: { client?: ChatClient } = {};
  const receiver = callbackReceiver(ingress, (body) => {
    holder.client?.handleCallback(body as unknown as ChatCallback);
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  const sim = new ChatSimulator({
    speed: 20,
    secret: 'app-secret',
    callbackUrls: [`http://127.0.0.1:${port}/chat/callbacks`],
    callbackToken: 'cb-token',
    scenario,
  });
  const { discoveryUrl } = await sim.start();
  const client = new ChatClient({ discoveryUrl, secret: 'app-secret' });
  holder.client = client;
  client.on('event', (e: ChatEvent) => events.push(e));
  return {
    sim,
    client,
    events,
    receiver,
    ingress,
    async close() {
      client.close();
      await sim.stop();
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    },
  };
}

/** Steps 3-7: a token, the visitor connects and invites; returns the session id. */
async function visitorArrives(
  r: Rig,
  name = 'Jane',
  opId = 'visitor-op-1',
): Promise<{ v: TestVisitor; session: string }> {
  const tok = await r.client.run('anonApplicationTokens', { params: { AllowedOrigins: '*' } });
  assert.equal(tok.outcome, 'issued', tok.message);
  const v = new TestVisitor(String(tok.data.discoverUrl), String(tok.data.token), name);
  assert.equal(await v.connect(), 201);
  assert.equal(await v.invite(opId), 201);
  await until(
    'the invitation callback',
    () => r.events.some((e) => e.kind === 'messagingInvitation'),
    WAIT_MS,
  );
  const inv = r.events.find((e) => e.kind === 'messagingInvitation') as ChatEvent;
  return { v, session: inv.session as string };
}

describe('helpdesk chat: client and simulator', function () {
  this.timeout(20_000);
  let r: Rig;
  const visitors: TestVisitor[] = [];
  afterEach(async () => {
    for (const v of visitors.splice(0)) v.stop();
    await r?.close();
  });

  it("plays the seed's 20 steps, every callback carrying its operation id, in order", async () => {
    r = await rig();
    // 1-2: discovery and capabilities.
    const links = await r.client.discover();
    assert.ok(links['ms:rtc:saas:anonApplicationTokens']);
    // 3-7
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    const inv = r.events[0];
    assert.equal(inv.kind, 'messagingInvitation');
    assert.equal(inv.operationId, 'visitor-op-1');
    for (const rel of [
      'ms:rtc:saas:startAdhocMeeting',
      'ms:rtc:saas:acceptAndBridge',
      'ms:rtc:saas:inviteUserToMeeting',
    ]) {
      assert.ok(inv.links[rel], rel);
    }
    assert.equal(inv.data.to, 'sip:helpdesk@contoso.com');
    // 8
    const meeting = await r.client.run('startAdhocMeeting', { session, operationId: 'op-meeting' });
    assert.equal(meeting.outcome, 'started', meeting.message);
    // 9-10
    const bridge = await r.client.run('acceptAndBridge', { session, operationId: 'op-bridge' });
    assert.equal(bridge.outcome, 'bridged', bridge.message);
    assert.ok(r.client.session(session)?.links['ms:rtc:saas:bridgedParticipants']);
    // 11
    const added = await r.client.run('bridgedParticipants', {
      session,
      operationId: 'op-bp',
      params: {
        uri: 'sip:alice@contoso.com',
        displayName: 'Alice',
        messageFilterState: 'Disabled',
      },
    });
    assert.equal(added.outcome, 'added', added.message);
    assert.equal(added.data.messageFilterState, 'Disabled');
    // 12-13
    const sent = await r.client.run('sendMessage', {
      session,
      operationId: 'op-welcome',
      params: { message: 'Welcome to Contoso!' },
    });
    assert.equal(sent.outcome, 'delivered', sent.message);
    await until(
      'the welcome on the event channel',
      () => v.events.some((e) => e.rel === 'message' && e.embedded.text === 'Welcome to Contoso!'),
      WAIT_MS,
    );
    // 14-17
    const invited = await r.client.run('inviteUserToMeeting', {
      session,
      operationId: 'op-invite',
      params: { to: 'sip:alice@contoso.com' },
    });
    assert.equal(invited.outcome, 'joined', invited.message);
    await until(
      'is typing at the visitor',
      () => v.events.some((e) => e.rel === 'typingParticipants'),
      WAIT_MS,
    );
    await until(
      "Alice's message at the visitor",
      () => v.events.some((e) => e.rel === 'message' && e.embedded.participant?.name === 'Alice'),
      WAIT_MS,
    );
    await until(
      "Alice's message callback",
      () => r.events.some((e) => e.kind === 'message' && e.operationId === 'op-invite'),
      WAIT_MS,
    );
    // The visitor answers; Alice answers back (scripted).
    assert.equal(await v.typing(), 204);
    assert.equal(await v.say('My order 42 is late'), 204);
    await until(
      "Alice's reply",
      () =>
        r.events.filter((e) => e.kind === 'message' && e.operationId === 'op-invite').length >= 2,
      WAIT_MS,
    );
    // 18-19
    assert.equal(await v.close(), 204);
    await until(
      'conversation deleted',
      () => r.events.some((e) => e.kind === 'conversationDeleted'),
      WAIT_MS,
    );
    // 20
    const term = await r.client.run('terminate', { session, operationId: 'op-terminate' });
    assert.equal(term.outcome, 'terminated', term.message);

    const seq = r.events.map((e) => `${e.kind}@${e.operationId}`);
    const expected = [
      'messagingInvitation@visitor-op-1',
      'conversationAdded@op-meeting',
      'meetingStarted@op-meeting',
      'invitationAccepted@op-bridge',
      'conversationBridgeAdded@op-bridge',
      'bridgedParticipantAdded@op-bp',
      'messageSending@op-welcome',
      'messageDelivered@op-welcome',
      'participantInvited@op-invite',
      'participantInvitationCompleted',
      'participantJoined@op-invite',
      'participantTyping@op-invite',
      'message@op-invite',
      'participantTyping@op-bridge',
      'message@op-bridge',
      'participantTyping@op-invite',
      'message@op-invite',
      'conversationDeleted@op-bridge',
      'participantLeft@op-terminate',
      'conversationDeleted@op-terminate',
    ];
    const got = seq.map((s) =>
      s.startsWith('participantInvitation completed') ? 'participantInvitationCompleted' : s,
    );
    assert.deepEqual(got, expected);
    const s = r.client.session(session);
    assert.equal(s?.state, 'ended');
    assert.deepEqual(
      s?.transcript.map((l) => `${l.name}: ${l.text}`),
      [
        'Helpdesk: Welcome to Contoso!',
        'Alice: Hello, this is Alice from the helpdesk. How can I help?',
        'Jane: My order 42 is late',
        'Alice: Thanks, let me check that for you.',
      ],
    );
    assert.deepEqual(r.ingress.stats().rejected, {});
  });

  it('refuses the bridge for a visitor the scenario names: acceptAndBridge ends failed', async () => {
    r = await rig({ refuseBridge: '^Mallory' });
    const { v, session } = await visitorArrives(r, 'Mallory');
    visitors.push(v);
    assert.equal((await r.client.run('startAdhocMeeting', { session })).outcome, 'started');
    const b = await r.client.run('acceptAndBridge', { session });
    assert.equal(b.outcome, 'failed');
    assert.equal(b.reason, 'BridgeRefused');
    await until(
      'the visitor told',
      () => v.events.some((e) => e.rel === 'conversation' && e.type === 'deleted'),
      WAIT_MS,
    );
  });

  it('a message that cannot be delivered ends sendMessage failed', async () => {
    r = await rig({ undeliverable: 'UNDELIVERABLE' });
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    await r.client.run('startAdhocMeeting', { session });
    assert.equal((await r.client.run('acceptAndBridge', { session })).outcome, 'bridged');
    const m = await r.client.run('sendMessage', {
      session,
      params: { message: 'this is UNDELIVERABLE' },
    });
    assert.equal(m.outcome, 'failed');
    assert.equal(m.reason, 'Undeliverable');
    assert.ok(m.events.some((e) => e.kind === 'messageSending'));
  });

  it('a visitor who leaves mid-operation ends acceptAndBridge and sendMessage failed (visitorLeft)', async () => {
    r = await rig({ delays: { bridge: 600_000 } });
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    await r.client.run('startAdhocMeeting', { session });
    const pending = r.client.run('acceptAndBridge', { session });
    assert.equal(await v.close(), 204);
    const b = await pending;
    assert.equal(b.outcome, 'failed');
    assert.equal(b.reason, 'visitorLeft');
    // After the visitor left, a message is refused at once (HTTP 404/410).
    const m = await r.client.run('sendMessage', { session, params: { message: 'hello?' } });
    assert.equal(m.outcome, 'failed');
  });

  it('the visitor leaving while a message is in flight ends it failed (visitorLeft)', async () => {
    r = await rig({ delays: { message: 600_000 } });
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    await r.client.run('startAdhocMeeting', { session });
    await r.client.run('acceptAndBridge', { session });
    const pending = r.client.run('sendMessage', { session, params: { message: 'one moment' } });
    await until(
      'message started',
      () => r.events.some((e) => e.kind === 'messageSending'),
      WAIT_MS,
    );
    await v.close();
    const m = await pending;
    assert.equal(m.outcome, 'failed');
    assert.equal(m.reason, 'visitorLeft');
  });

  it('inviteUserToMeeting: a declining, an unknown and a person-driven representative', async () => {
    r = await rig();
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    await r.client.run('startAdhocMeeting', { session });
    await r.client.run('acceptAndBridge', { session });
    const bob = await r.client.run('inviteUserToMeeting', {
      session,
      params: { to: 'sip:bob@contoso.com' },
    });
    assert.deepEqual([bob.outcome, bob.reason], ['failed', 'InvitationDeclined']);
    const who = await r.client.run('inviteUserToMeeting', {
      session,
      params: { to: 'sip:nobody@contoso.com' },
    });
    assert.deepEqual([who.outcome, who.reason], ['failed', 'UserNotFound']);
    const carol = new TestRep(r.sim.url, 'sip:carol@contoso.com', 'Carol');
    await carol.online();
    const pending = r.client.run('inviteUserToMeeting', {
      session,
      operationId: 'op-carol',
      params: { to: 'sip:carol@contoso.com' },
    });
    await until(
      'the invitation on the page',
      () => carol.events.some((e) => e.rel === 'participantInvitation'),
      WAIT_MS,
    );
    const meetingId = await carol.answer(true);
    assert.equal((await pending).outcome, 'joined');
    assert.equal(await carol.typing(meetingId), 204);
    assert.equal(await carol.say(meetingId, 'Carol here'), 204);
    await until(
      "Carol's message at the visitor",
      () => v.events.some((e) => e.rel === 'message' && e.embedded.text === 'Carol here'),
      WAIT_MS,
    );
    await until(
      'the callback',
      () => r.events.some((e) => e.kind === 'message' && e.operationId === 'op-carol'),
      WAIT_MS,
    );
    await v.say('thanks Carol');
    await until(
      'the visitor at Carol',
      () => carol.events.some((e) => e.rel === 'message' && e.embedded.text === 'thanks Carol'),
      WAIT_MS,
    );
    carol.stop();
  });

  it('messageFilterState Enabled keeps a bridged participant and the visitor apart', async () => {
    r = await rig();
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    await r.client.run('startAdhocMeeting', { session });
    await r.client.run('acceptAndBridge', { session });
    await r.client.run('bridgedParticipants', {
      session,
      params: { uri: 'sip:carol@contoso.com', messageFilterState: 'Enabled' },
    });
    const carol = new TestRep(r.sim.url, 'sip:carol@contoso.com', 'Carol');
    await carol.online();
    const pending = r.client.run('inviteUserToMeeting', {
      session,
      operationId: 'op-carol',
      params: { to: 'sip:carol@contoso.com' },
    });
    await until(
      'the invitation',
      () => carol.events.some((e) => e.rel === 'participantInvitation'),
      WAIT_MS,
    );
    const meetingId = await carol.answer(true);
    assert.equal((await pending).outcome, 'joined');
    await carol.say(meetingId, 'internal note');
    await until(
      'the application sees it',
      () => r.events.some((e) => e.kind === 'message' && e.operationId === 'op-carol'),
      WAIT_MS,
    );
    await v.say('anyone?');
    await until(
      'the application sees the visitor',
      () => r.events.some((e) => e.kind === 'message' && e.data.text === 'anyone?'),
      WAIT_MS,
    );
    await r.sim.drainCallbacks();
    assert.ok(!v.events.some((e) => e.rel === 'message' && e.embedded.text === 'internal note'));
    assert.ok(!carol.events.some((e) => e.rel === 'message' && e.embedded.text === 'anyone?'));
    carol.stop();
  });

  it('bad input ends an operation failed naming the field, nothing sent', async () => {
    r = await rig();
    const { v, session } = await visitorArrives(r);
    visitors.push(v);
    const before = r.sim.stats().requests;
    const a = await r.client.run('bridgedParticipants', { session, params: { uri: '' } });
    assert.deepEqual([a.outcome, a.reason, a.field], ['failed', 'badInput', 'uri']);
    const b = await r.client.run('startAdhocMeeting', {
      session,
      params: { accessLevel: 'Nobody' },
    });
    assert.deepEqual([b.outcome, b.field], ['failed', 'accessLevel']);
    const c = await r.client.run('sendMessage', { session: 'nope', params: { message: 'x' } });
    assert.deepEqual([c.outcome, c.field], ['failed', 'session']);
    const d = await r.client.run('terminate', { session });
    assert.deepEqual([d.outcome, d.reason], ['failed', 'noLink']);
    assert.equal(r.sim.stats().requests, before);
  });

  it('a wrong application secret is refused; an unreachable server fails the operation', async () => {
    r = await rig();
    const bad = new ChatClient({ discoveryUrl: r.sim.discoveryUrl, secret: 'wrong' });
    const o = await bad.run('anonApplicationTokens');
    assert.deepEqual([o.outcome, o.reason], ['failed', 'unreachable']);
    assert.match(o.message ?? '', /secret/);
    assert.doesNotMatch(o.message ?? '', /wrong/);
    bad.close();
    const gone = new ChatClient({
      discoveryUrl: 'http://127.0.0.1:9/platformservice/discover',
      requestTimeoutMs: 2000,
    });
    const g = await gone.run('anonApplicationTokens');
    assert.deepEqual([g.outcome, g.reason], ['failed', 'unreachable']);
    gone.close();
  });

  it('the callback ingress refuses a body that is not a chat callback, and a missing token', async () => {
    r = await rig();
    const port = (r.receiver.address() as AddressInfo).port;
    const post = (body: string, token?: string): Promise<number> =>
      fetch(`http://127.0.0.1:${port}/chat/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { 'x-cc-token': token } : {}) },
        body,
      }).then((res) => res.status);
    assert.equal(await post('{"sender":[{"rel":"x"}]}', 'cb-token'), 422);
    assert.equal(await post('{"sender":[]}'), 401);
    assert.equal(r.ingress.stats().rejected.schema, 1);
  });
});
