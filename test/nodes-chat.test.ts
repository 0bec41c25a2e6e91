/**
 * The helpdesk chat nodes through node-red-node-test-helper against the embedded chat
 * simulator over real sockets: callbacks come back to the app node's HTTP callback path
 * (served from the runtime's httpNode on a loopback port), each operation node ends in its
 * outcome, failures included (a bridge refused, a message that cannot be delivered, a visitor
 * who leaves mid-operation, bad input).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatSimulator } from '../src/simulator/chat/server';
import type { ChatScenario } from '../src/simulator/chat/api';
import { TestVisitor } from './support/chat-visitor';
import { until } from './support/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper');
helper.init(require.resolve('node-red'));

/* eslint-disable @typescript-eslint/no-require-imports */
const appModule = require('../nodes/cc-chat-app');
const MODULES = [
  require('../nodes/cc-chat-events'),
  require('../nodes/cc-chat-token'),
  require('../nodes/cc-chat-meeting'),
  require('../nodes/cc-chat-bridge'),
  require('../nodes/cc-chat-add-participant'),
  require('../nodes/cc-chat-send'),
  require('../nodes/cc-chat-invite'),
  require('../nodes/cc-chat-terminate'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

type Msg = Record<string, any>;
type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const str = (value: string) => ({ type: 'str', value });

describe('helpdesk chat nodes', function () {
  this.timeout(20_000);
  let httpNode: Handler | undefined;
  let server: http.Server;
  let base = '';
  const visitors: TestVisitor[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      if (httpNode) httpNode(req, res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  afterEach(async () => {
    for (const v of visitors.splice(0)) v.stop();
    await helper.unload();
  });

  function appWithHttp(RED: { httpNode: Handler }): void {
    httpNode = RED.httpNode;
    appModule(RED);
  }

  const appNode = (scenario?: ChatScenario): Msg => ({
    id: 'app',
    type: 'cc-chat-app',
    mode: 'embedded',
    callbackPath: '/chat/callbacks',
    callbackBase: base,
    speed: 20,
    scenario: scenario ? JSON.stringify(scenario) : '',
  });

  /** The story's nodes: invitation -> meeting -> bridge -> add -> welcome -> invite. */
  function storyFlow(scenario?: ChatScenario, extra: Msg[] = []): Msg[] {
    const out = (id: string, ok: string, bad = 'failed') => ({
      wires: [[ok], [bad]],
      app: 'app',
      id,
    });
    return [
      appNode(scenario),
      { id: 'events', type: 'cc-chat-events', app: 'app', kinds: [], wires: [['all']] },
      {
        id: 'inv',
        type: 'cc-chat-events',
        app: 'app',
        kinds: ['messagingInvitation'],
        wires: [['meeting']],
      },
      {
        ...out('meeting', 'bridge'),
        type: 'cc-chat-meeting',
        params: { subject: str('Helpdesk') },
        operationId: 'op-meeting',
      },
      { ...out('bridge', 'add'), type: 'cc-chat-bridge', operationId: 'op-bridge' },
      {
        ...out('add', 'welcome'),
        type: 'cc-chat-add-participant',
        params: {
          uri: str('sip:alice@contoso.com'),
          displayName: str('Alice'),
          messageFilterState: str('Disabled'),
        },
        operationId: 'op-add',
      },
      {
        ...out('welcome', 'invite'),
        type: 'cc-chat-send',
        params: { message: str('Welcome to Contoso!') },
        operationId: 'op-welcome',
      },
      {
        ...out('invite', 'joined'),
        type: 'cc-chat-invite',
        params: { to: str('sip:alice@contoso.com') },
        operationId: 'op-invite',
      },
      {
        id: 'term',
        type: 'cc-chat-terminate',
        app: 'app',
        operationId: 'op-terminate',
        wires: [['terminated'], ['failed']],
      },
      { id: 'catcher', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      ...['all', 'joined', 'terminated', 'failed', 'caught'].map((id) => ({ id, type: 'helper' })),
      ...extra,
    ];
  }

  function collect(id: string): Msg[] {
    const got: Msg[] = [];
    helper.getNode(id).on('input', (m: Msg) => got.push(m));
    return got;
  }

  async function load(flow: Msg[], creds: Record<string, unknown> = {}): Promise<ChatSimulator> {
    await helper.load(
      [appWithHttp, ...MODULES],
      [
        { id: 'tab1', type: 'tab', label: 'chat' },
        ...flow.map((n) => (n.type === 'cc-chat-app' ? n : { z: 'tab1', ...n })),
      ],
      creds,
    );
    const app = helper.getNode('app');
    await until('the chat app discovered', () => app.appState.state === 'ready');
    return app.embeddedSimulator as ChatSimulator;
  }

  /** A visitor with a token from the token node's outcome. */
  async function visitor(name = 'Jane'): Promise<TestVisitor> {
    const issued = collect('issued');
    helper.getNode('tok').receive({ payload: {} });
    await until('the token', () => issued.length === 1);
    const v = new TestVisitor(issued[0].payload.discoverUrl, issued[0].payload.token, name);
    visitors.push(v);
    assert.equal(await v.connect(), 201);
    return v;
  }
  const tokenNode = [
    { id: 'tok', type: 'cc-chat-token', app: 'app', params: {}, wires: [['issued'], ['failed']] },
    { id: 'issued', type: 'helper' },
  ];

  it('plays the helpdesk story: each node ends in its outcome, each callback with its operation id, in order', async () => {
    await load(storyFlow(undefined, tokenNode));
    const all = collect('all');
    const joined = collect('joined');
    const terminated = collect('terminated');
    const v = await visitor();
    assert.equal(await v.invite('visitor-op'), 201);
    await until('the representative joined', () => joined.length === 1);
    const j = joined[0];
    assert.equal(j.chat.outcome, 'joined');
    assert.equal(j.chat.operationId, 'op-invite');
    assert.equal(j.topic, 'inviteUserToMeeting');
    await until("Alice's greeting", () =>
      v.events.some((e) => e.rel === 'message' && e.embedded.participant?.name === 'Alice'),
    );
    assert.ok(
      v.events.some((e) => e.rel === 'message' && e.embedded.text === 'Welcome to Contoso!'),
    );
    assert.ok(v.events.some((e) => e.rel === 'typingParticipants'));
    await v.say('Where is my order?');
    await until(
      "Alice's reply",
      () =>
        all.filter((m) => m.topic === 'message' && m.chat.operationId === 'op-invite').length === 2,
    );
    await v.close();
    await until('conversation deleted', () => all.some((m) => m.topic === 'conversationDeleted'));
    const deleted = all.find((m) => m.topic === 'conversationDeleted') as Msg;
    assert.equal(deleted.chat.conversation.state, 'ended');
    assert.equal(deleted.chat.conversation.transcript.length, 4);
    helper.getNode('term').receive(structuredClone(deleted));
    await until('terminated', () => terminated.length === 1);
    assert.equal(terminated[0].chat.operationId, 'op-terminate');
    await until(
      'the meeting deleted',
      () => all.filter((m) => m.topic === 'conversationDeleted').length === 2,
    );
    assert.deepEqual(
      all
        .map((m) => `${m.topic}@${m.chat.operationId}`)
        .filter((s) => !s.startsWith('participantInvitation completed')),
      [
        'messagingInvitation@visitor-op',
        'conversationAdded@op-meeting',
        'meetingStarted@op-meeting',
        'invitationAccepted@op-bridge',
        'conversationBridgeAdded@op-bridge',
        'bridgedParticipantAdded@op-add',
        'messageSending@op-welcome',
        'messageDelivered@op-welcome',
        'participantInvited@op-invite',
        'participantJoined@op-invite',
        'participantTyping@op-invite',
        'message@op-invite',
        'message@op-bridge',
        'participantTyping@op-invite',
        'message@op-invite',
        'conversationDeleted@op-bridge',
        'participantLeft@op-terminate',
        'conversationDeleted@op-terminate',
      ],
    );
    assert.equal(collect('failed').length, 0);
  });

  it('a refused bridge comes out of the bridge node failed (BridgeRefused), with a Catch', async () => {
    await load(storyFlow({ refuseBridge: '^Mallory' }, tokenNode));
    const failed = collect('failed');
    const caught = collect('caught');
    const v = await visitor('Mallory');
    await v.invite('op-v');
    await until('the failure', () => failed.length === 1);
    assert.equal(failed[0].chat.operation, 'acceptAndBridge');
    assert.equal(failed[0].chat.reason, 'BridgeRefused');
    await until('the Catch', () => caught.length === 1);
  });

  it('a message that cannot be delivered comes out of the send node failed (Undeliverable)', async () => {
    const flow = storyFlow({ undeliverable: 'Welcome' }, tokenNode);
    await load(flow);
    const failed = collect('failed');
    const v = await visitor();
    await v.invite('op-v');
    await until('the failure', () => failed.length === 1);
    assert.equal(failed[0].chat.operation, 'sendMessage');
    assert.equal(failed[0].chat.operationId, 'op-welcome');
    assert.equal(failed[0].chat.reason, 'Undeliverable');
  });

  it('a visitor who leaves while the bridge is pending ends it failed (visitorLeft)', async () => {
    await load(storyFlow({ delays: { bridge: 600_000 } }, tokenNode));
    const failed = collect('failed');
    const all = collect('all');
    const v = await visitor();
    await v.invite('op-v');
    await until('the meeting', () => all.some((m) => m.topic === 'meetingStarted'));
    await v.close();
    await until('the failure', () => failed.length === 1);
    assert.equal(failed[0].chat.operation, 'acceptAndBridge');
    assert.equal(failed[0].chat.reason, 'visitorLeft');
  });

  it('bad input: a missing parameter or session ends failed naming the field, nothing sent', async () => {
    await load([
      appNode(),
      { id: 'send', type: 'cc-chat-send', app: 'app', wires: [['ok'], ['failed']] },
      {
        id: 'add',
        type: 'cc-chat-add-participant',
        app: 'app',
        params: { uri: str('') },
        wires: [['ok'], ['failed']],
      },
      { id: 'ok', type: 'helper' },
      { id: 'failed', type: 'helper' },
    ]);
    const failed = collect('failed');
    helper.getNode('send').receive({ payload: { message: 'hi' }, crm: { id: 7 } });
    helper.getNode('add').receive({ payload: {}, chat: { session: 'nope' } });
    await until('two failures', () => failed.length === 2);
    const bySession = failed.find((m) => m.chat.operation === 'sendMessage') as Msg;
    assert.deepEqual(
      [bySession.chat.reason, bySession.chat.field, bySession.crm.id],
      ['badInput', 'session', 7],
    );
    const byUri = failed.find((m) => m.chat.operation === 'bridgedParticipants') as Msg;
    assert.deepEqual([byUri.chat.reason, byUri.chat.field], ['badInput', 'uri']);
  });

  it('the callback path refuses a delivery without the callback token, or that is not a chat callback', async () => {
    await load(
      [
        appNode(),
        { id: 'events', type: 'cc-chat-events', app: 'app', wires: [['all']] },
        { id: 'all', type: 'helper' },
      ],
      {
        app: { callbackToken: 'cb-s3cret', secret: 'app-s3cret' },
      },
    );
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/chat/callbacks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const good = JSON.stringify({
      operationId: 'x',
      sender: [
        {
          rel: 'communication',
          href: '/c',
          events: [{ link: { rel: 'conversation', href: '/c/1' }, type: 'deleted' }],
        },
      ],
    });
    assert.equal((await post(good)).status, 401);
    assert.equal((await post('{"sender":"no"}', { 'x-cc-token': 'cb-s3cret' })).status, 422);
    const all = collect('all');
    assert.equal((await post(good, { 'x-cc-token': 'cb-s3cret' })).status, 200);
    const dup = await post(good, { 'x-cc-token': 'cb-s3cret' });
    assert.equal(((await dup.json()) as Msg).duplicate, true);
    await until('the accepted callback', () => all.length === 1);
    assert.equal(all[0].topic, 'conversationDeleted');
    assert.equal(all[0].chat.operationId, 'x');
  });
});
