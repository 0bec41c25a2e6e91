// The helpdesk chat examples (Skype for Business Trusted Application API style, on the embedded
// chat simulator): the seed's flow as a story, the CRM transcript hook, and one small example
// per chat node. Each brings its own cc-chat-app (embedded simulator, its own callback path).
'use strict';
const { flow, comment, inject, debug, fn, httpIn, httpResponse } = require('./toolkit');

const APP_KEY = 'chat-app';
const ALICE = 'sip:alice@contoso.com';
const WELCOME = 'Welcome to Contoso! A service representative will join you shortly.';
const str = (value) => ({ type: 'str', value });

/** The chat application config node (global), embedded simulator, a callback path of its own. */
function chatApp(f) {
  f.nodes.push({
    id: f.id(APP_KEY),
    type: 'cc-chat-app',
    name: 'embedded chat simulator',
    mode: 'embedded',
    discoveryUrl: '',
    callbackPath: `/chat/callbacks/${f.slug}`,
    callbackBase: '',
    auth: 'token',
    speed: 1,
    maxKb: 256,
    scenario: '',
  });
  return f.id(APP_KEY);
}

const chatEvents = (name, app, kinds = []) => ({ type: 'cc-chat-events', name, app, kinds });

/** A chat operation node; params maps a parameter to a TypedInput {type, value}. */
const chatOp = (type, name, app, params = {}) => ({
  type,
  name,
  app,
  session: 'chat.session',
  sessionType: 'msg',
  operationId: '',
  operationIdType: 'str',
  params,
  timeout: '',
});

const TO_PAGE = (page) => [
  '// The token and the ms:rtc:saas:discover link go to the chat client: here, the embedded',
  "// simulator's page, reached by a redirect.",
  "const u = new URL('" + page + "', msg.payload.discoverUrl);",
  ...(page === '/chat/visitor.html'
    ? [
        "u.searchParams.set('token', msg.payload.token);",
        "u.searchParams.set('discover', msg.payload.discoverUrl);",
      ]
    : [`u.searchParams.set('uri', '${ALICE}');`, "u.searchParams.set('name', 'Alice');"]),
  'msg.statusCode = 302;',
  'msg.headers = { location: u.toString() };',
  "msg.payload = '';",
  'return msg;',
];

const UNAVAILABLE = [
  'msg.statusCode = 503;',
  "msg.payload = { error: 'chat unavailable', reason: msg.chat && msg.chat.reason };",
  'return msg;',
];

/**
 * GET <url>: a visitor token (step 3), then a redirect to the visitor page with the token and
 * the discover link. With rep, GET <url>/rep opens the representative page as Alice.
 */
function visitorEntry(f, app, url, y, rep = false) {
  f.add('entry', httpIn(`GET ${url}`, 'get', url), 150, y, [['token']]);
  f.add('token', chatOp('cc-chat-token', 'visitor token', app), 360, y, [['page'], ['no-chat']]);
  f.add('page', fn('to the visitor page', TO_PAGE('/chat/visitor.html')), 570, y - 20, [['res']]);
  f.add('no-chat', fn('503 chat unavailable', UNAVAILABLE), 570, y + 20, [['res']]);
  f.add('res', httpResponse('redirect'), 770, y);
  if (!rep) return;
  f.add('rep-in', httpIn(`GET ${url}/rep`, 'get', `${url}/rep`), 160, y + 70, [['rep-token']]);
  f.add('rep-token', chatOp('cc-chat-token', 'find the simulator', app), 380, y + 70, [
    ['rep-page'],
    ['rep-none'],
  ]);
  f.add('rep-page', fn('to the representative page', TO_PAGE('/chat/rep.html')), 600, y + 50, [
    ['rep-res'],
  ]);
  f.add('rep-none', fn('503 chat unavailable', UNAVAILABLE), 600, y + 90, [['rep-res']]);
  f.add('rep-res', httpResponse('redirect'), 800, y + 70);
}

const VISITOR_LEFT = [
  "// Two conversations end: the visitor's (they closed the chat) and the meeting's (after",
  "// terminate). Only the visitor's starts the terminate.",
  'const c = msg.chat.conversation;',
  'return c && msg.chat.event.href === c.visitorConversation ? msg : null;',
];

/** Invitation -> meeting -> bridge [-> add bridged] -> welcome -> invite; returns the last key. */
function helpdeskChain(f, app, y, opts = {}) {
  f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, y, [
    ['meeting'],
  ]);
  f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 380, y, [
    ['bridge'],
    ['failed'],
  ]);
  f.add('bridge', chatOp('cc-chat-bridge', 'accept and bridge', app), 600, y, [
    [opts.addBridged ? 'add' : 'welcome'],
    ['failed'],
  ]);
  let x = 820;
  if (opts.addBridged) {
    f.add(
      'add',
      chatOp('cc-chat-add-participant', 'add Alice to the bridge', app, {
        uri: str(ALICE),
        displayName: str('Alice'),
        messageFilterState: str('Disabled'),
      }),
      x,
      y,
      [['welcome'], ['failed']],
    );
    x += 220;
  }
  f.add(
    'welcome',
    chatOp('cc-chat-send', 'welcome message', app, { message: str(WELCOME) }),
    x,
    y,
    [['invite'], ['failed']],
  );
  f.add(
    'invite',
    chatOp('cc-chat-invite', 'invite Alice', app, { to: str(ALICE) }),
    x + 220,
    y,
    [['joined'], ['failed']],
  );
  f.add('joined', debug('representative joined', { complete: 'chat' }), x + 440, y);
}

function helpdeskStory() {
  const f = flow(
    'helpdesk-chat',
    'Helpdesk chat: visitor to terminate',
    'The helpdesk chat flow of the Skype for Business Trusted Application API, on the embedded\n' +
      'chat simulator (the vendor service was retired in 2022). Open\n' +
      'http://127.0.0.1:1880/helpdesk: you are the visitor. The flow gets a visitor token, the\n' +
      'visitor page invites the helpdesk; the flow starts an ad-hoc meeting, accepts and bridges\n' +
      'the invitation, adds Alice to the bridge, sends a welcome message and invites Alice, who\n' +
      'joins, types and answers. When the visitor closes the chat, the meeting is terminated.\n' +
      'To answer as Alice yourself, open http://127.0.0.1:1880/helpdesk/rep first (an open\n' +
      'representative page takes over from the scripted Alice). GET /helpdesk/log lists every\n' +
      'callback the flow received with its operation id.',
  );
  const app = chatApp(f);
  f.add('about', comment('helpdesk chat: the vendor\u2019s flow', 'See the flow\u2019s description.'), 170, 40);
  visitorEntry(f, app, '/helpdesk', 100, true);
  helpdeskChain(f, app, 240, { addBridged: true });
  f.add('failed', debug('failed', { complete: 'chat' }), 1300, 300);
  f.add('deleted', chatEvents('conversation deleted', app, ['conversationDeleted']), 170, 360, [
    ['visitor-left'],
  ]);
  f.add('visitor-left', fn("the visitor's conversation?", VISITOR_LEFT), 400, 360, [['terminate']]);
  f.add('terminate', chatOp('cc-chat-terminate', 'terminate', app), 620, 360, [
    ['terminated'],
    ['failed'],
  ]);
  f.add('terminated', debug('terminated', { complete: 'chat' }), 820, 360);
  f.add('all', chatEvents('every callback', app), 150, 440, [['log']]);
  f.add(
    'log',
    fn('keep the callback log', [
      '// One line per callback event, with the operation id it carried (the last 500).',
      "const log = flow.get('chatLog') || [];",
      'log.push({ topic: msg.topic, operationId: msg.chat.operationId, href: msg.chat.event.href,',
      '  session: msg.chat.session, text: msg.payload && msg.payload.text });',
      'if (log.length > 500) log.splice(0, log.length - 500);',
      "flow.set('chatLog', log);",
      'return msg;',
    ]),
    380,
    440,
    [['callbacks']],
  );
  f.add('callbacks', debug('callbacks', { active: false, tostatus: false }), 590, 440);
  f.add('log-in', httpIn('GET /helpdesk/log', 'get', '/helpdesk/log'), 160, 500, [['log-read']]);
  f.add(
    'log-read',
    fn('read the callback log', ["msg.payload = flow.get('chatLog') || [];", 'return msg;']),
    390,
    500,
    [['log-out']],
  );
  f.add('log-out', httpResponse('callback log'), 600, 500);
  return f.nodes;
}

function crmTranscript() {
  const f = flow(
    'helpdesk-chat-crm-transcript',
    'Helpdesk chat -> CRM transcript',
    'When the visitor closes the chat, its transcript (who said what, when) is posted to the\n' +
      'CRM, played here by a function node over flow context (GET /crm/chat-transcripts lists\n' +
      'them), and the meeting is terminated. Open http://127.0.0.1:1880/helpdesk-crm to chat as\n' +
      'the visitor. Replace "CRM: store transcript" with an http request node to post to a real\n' +
      'CRM.',
  );
  const app = chatApp(f);
  f.add('about', comment('chat closed -> transcript to the CRM', 'See the flow\u2019s description.'), 190, 40);
  visitorEntry(f, app, '/helpdesk-crm', 100);
  helpdeskChain(f, app, 180);
  f.add('failed', debug('failed', { complete: 'chat' }), 1100, 240);
  f.add('deleted', chatEvents('conversation deleted', app, ['conversationDeleted']), 170, 300, [
    ['visitor-left'],
  ]);
  f.add('visitor-left', fn("the visitor's conversation?", VISITOR_LEFT), 400, 300, [
    ['record', 'terminate'],
  ]);
  f.add(
    'record',
    fn('transcript for the CRM', [
      '// msg.chat.conversation is the whole chat session: visitor, subject, transcript.',
      'const c = msg.chat.conversation;',
      'msg.payload = {',
      '  session: c.id,',
      '  visitor: (c.from && c.from.displayName) || null,',
      '  subject: c.subject || null,',
      '  startedAt: new Date(c.startedAt).toISOString(),',
      '  endedAt: new Date(c.endedAt || Date.now()).toISOString(),',
      '  lines: c.transcript.map((l) => ({ at: l.at, from: l.name || l.from, text: l.text })),',
      '};',
      'return msg;',
    ]),
    630,
    280,
    [['store']],
  );
  f.add(
    'store',
    fn('CRM: store transcript', [
      "const all = flow.get('crmChats') || [];",
      'all.push(msg.payload);',
      "flow.set('crmChats', all);",
      'return msg;',
    ]),
    850,
    280,
    [['transcript']],
  );
  f.add('transcript', debug('CRM transcript'), 1060, 280);
  f.add('terminate', chatOp('cc-chat-terminate', 'terminate', app), 630, 340, [
    ['terminated'],
    ['failed'],
  ]);
  f.add('terminated', debug('terminated', { complete: 'chat' }), 850, 340);
  f.add('list-in', httpIn('GET /crm/chat-transcripts', 'get', '/crm/chat-transcripts'), 180, 400, [
    ['list'],
  ]);
  f.add(
    'list',
    fn('CRM: read transcripts', ["msg.payload = flow.get('crmChats') || [];", 'return msg;']),
    430,
    400,
    [['list-out']],
  );
  f.add('list-out', httpResponse('CRM transcripts'), 640, 400);
  return f.nodes;
}

/** One small flow per chat node: a visitor entry point, then what the node needs before it. */
function nodeExample(type, info, build) {
  const f = flow(`node-${type}`, type, info);
  const app = chatApp(f);
  build(f, app);
  return f.nodes;
}

const VISIT = (type) =>
  `Open http://127.0.0.1:1880/chat-example/${type} to chat as the visitor (embedded chat simulator).`;

const CHAT_NODE_EXAMPLES = {
  'cc-chat-events': [
    'Every helpdesk chat callback as a message, with the operation id it carried. ' +
      VISIT('cc-chat-events') +
      ' Nothing answers the visitor here: the invitation arrives, and the visitor closing the chat.',
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-events', 80);
      f.add('events', chatEvents('chat events', app), 150, 160, [['debug']]);
      f.add('debug', debug('chat event', { complete: 'true' }), 360, 160);
    },
  ],
  'cc-chat-token': [
    'A visitor token and the ms:rtc:saas:discover link (payload.token, payload.discoverUrl),\n' +
      'asked for once at start and with the inject.',
    (f, app) => {
      f.add('go', inject('get a visitor token', {}, { once: true, onceDelay: 1 }), 170, 80, [
        ['token'],
      ]);
      f.add('token', chatOp('cc-chat-token', 'visitor token', app), 380, 80, [
        ['issued'],
        ['failed'],
      ]);
      f.add('issued', debug('issued'), 570, 60);
      f.add('failed', debug('failed', { complete: 'chat' }), 570, 100);
    },
  ],
  'cc-chat-meeting': [
    'An ad-hoc meeting for each visitor who asks for help. ' + VISIT('cc-chat-meeting'),
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-meeting', 80);
      f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, 160, [['meeting']]);
      f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 390, 160, [['started'], ['failed']]);
      f.add('started', debug('started', { complete: 'chat' }), 590, 140);
      f.add('failed', debug('failed', { complete: 'chat' }), 590, 180);
    },
  ],
  'cc-chat-bridge': [
    "The visitor's invitation accepted and bridged into a new meeting. " + VISIT('cc-chat-bridge'),
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-bridge', 80);
      f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, 160, [['meeting']]);
      f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 390, 160, [['bridge'], ['failed']]);
      f.add('bridge', chatOp('cc-chat-bridge', 'accept and bridge', app), 600, 160, [['bridged'], ['failed']]);
      f.add('bridged', debug('bridged', { complete: 'chat' }), 800, 140);
      f.add('failed', debug('failed', { complete: 'chat' }), 800, 180);
    },
  ],
  'cc-chat-add-participant': [
    'Alice added to the conversation bridge (messageFilterState Disabled: her messages reach\n' +
      'the visitor and back). ' +
      VISIT('cc-chat-add-participant'),
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-add-participant', 80);
      f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, 160, [['meeting']]);
      f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 390, 160, [['bridge'], ['failed']]);
      f.add('bridge', chatOp('cc-chat-bridge', 'accept and bridge', app), 600, 160, [['add'], ['failed']]);
      f.add(
        'add',
        chatOp('cc-chat-add-participant', 'add Alice to the bridge', app, {
          uri: str(ALICE),
          displayName: str('Alice'),
          messageFilterState: str('Disabled'),
        }),
        820,
        160,
        [['added'], ['failed']],
      );
      f.add('added', debug('added', { complete: 'chat' }), 1030, 140);
      f.add('failed', debug('failed', { complete: 'chat' }), 1030, 180);
    },
  ],
  'cc-chat-send': [
    'A welcome message to each visitor once bridged; delivered when it reached them. ' +
      VISIT('cc-chat-send'),
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-send', 80);
      f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, 160, [['meeting']]);
      f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 390, 160, [['bridge'], ['failed']]);
      f.add('bridge', chatOp('cc-chat-bridge', 'accept and bridge', app), 600, 160, [['welcome'], ['failed']]);
      f.add('welcome', chatOp('cc-chat-send', 'welcome message', app, { message: str(WELCOME) }), 810, 160, [['delivered'], ['failed']]);
      f.add('delivered', debug('delivered', { complete: 'chat' }), 1010, 140);
      f.add('failed', debug('failed', { complete: 'chat' }), 1010, 180);
    },
  ],
  'cc-chat-invite': [
    'Alice, a service representative, invited to each visitor\u2019s meeting; joined when she\n' +
      'is in. ' +
      VISIT('cc-chat-invite'),
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-invite', 80);
      f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, 160, [['meeting']]);
      f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 390, 160, [['bridge'], ['failed']]);
      f.add('bridge', chatOp('cc-chat-bridge', 'accept and bridge', app), 600, 160, [['invite'], ['failed']]);
      f.add('invite', chatOp('cc-chat-invite', 'invite Alice', app, { to: str(ALICE) }), 810, 160, [['joined'], ['failed']]);
      f.add('joined', debug('joined', { complete: 'chat' }), 1010, 140);
      f.add('failed', debug('failed', { complete: 'chat' }), 1010, 180);
    },
  ],
  'cc-chat-terminate': [
    "The meeting's conversation terminated when the visitor closes the chat. " +
      VISIT('cc-chat-terminate'),
    (f, app) => {
      visitorEntry(f, app, '/chat-example/cc-chat-terminate', 80);
      f.add('invitations', chatEvents('visitor asks for help', app, ['messagingInvitation']), 160, 160, [['meeting']]);
      f.add('meeting', chatOp('cc-chat-meeting', 'start ad-hoc meeting', app), 390, 160, [['bridge'], ['failed']]);
      f.add('bridge', chatOp('cc-chat-bridge', 'accept and bridge', app), 600, 160, [[], ['failed']]);
      f.add('deleted', chatEvents('conversation deleted', app, ['conversationDeleted']), 170, 240, [['visitor-left']]);
      f.add('visitor-left', fn("the visitor's conversation?", VISITOR_LEFT), 400, 240, [['terminate']]);
      f.add('terminate', chatOp('cc-chat-terminate', 'terminate', app), 620, 240, [['terminated'], ['failed']]);
      f.add('terminated', debug('terminated', { complete: 'chat' }), 820, 240);
      f.add('failed', debug('failed', { complete: 'chat' }), 820, 180);
    },
  ],
};

const out = {
  'stories/helpdesk-chat.json': helpdeskStory,
  'stories/helpdesk-chat-crm-transcript.json': crmTranscript,
};
for (const [type, [info, build]] of Object.entries(CHAT_NODE_EXAMPLES)) {
  out[`nodes/${type}.json`] = () => nodeExample(type, info, build);
}
module.exports = out;
