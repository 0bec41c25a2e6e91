// The WebRTC family's examples: the two call flows of the vendor's WebRTC documentation as
// stories, and one small flow per node. Each brings its own embedded-simulator account.
'use strict';
const { flow, comment, inject, debug, fn, delay, httpIn, httpResponse } = require('./toolkit');

/** Outputs of each WebRTC operation node kind (src/webrtc/catalogue.ts OUTCOMES). */
const OUTPUTS = {
  'cc-webrtc-session': 3,
  'cc-webrtc-participant': 3,
  'cc-webrtc-call': 4,
  'cc-webrtc-call-control': 3,
};

/** The embedded-simulator WebRTC account of an example. */
function account(f, opts = {}) {
  f.nodes.push({
    id: f.id('account'),
    type: 'cc-webrtc-account',
    name: opts.name || 'WebRTC simulator',
    mode: 'simulator',
    accountId: '',
    applicationId: '',
    webrtcBaseUrl: '',
    voiceBaseUrl: '',
    callbackBaseUrl: '',
    callbackPath: opts.path || `/cc-webrtc/${f.slug}`,
    maxKb: 64,
    speed: 1,
  });
  return f.id('account');
}

/** A WebRTC operation node; `params` maps a parameter to a TypedInput {type, value}. */
function op(f, type, name, operation, params = {}) {
  return {
    type,
    name,
    account: f.id('account'),
    operation,
    params,
    timeout: '',
    outputs: OUTPUTS[type],
  };
}

const str = (value) => ({ type: 'str', value });

function webrtcEvents(f, name, events = '') {
  return { type: 'cc-webrtc-events', name, account: f.id('account'), events };
}

// --- stories -------------------------------------------------------------------------------

function browserJoins() {
  const f = flow(
    'story-webrtc-browser-joins',
    'WebRTC: a browser joins a session',
    'The first call flow of the WebRTC documentation, with the embedded simulator.\n\n' +
      'At deploy a session is created. Open http://127.0.0.1:1880/webrtc/join?name=alice in a ' +
      'browser (and again, e.g. ?name=bob, in another window): the flow creates a participant, ' +
      'adds it to the session subscribed to everyone in it, and answers with the participant ' +
      "page the simulator serves, carrying the participant's token. The page connects, " +
      'publishes the camera and microphone, and shows the other pages of the session. ' +
      'POST /webrtc/leave?participantId=... removes a participant from the session; the page ' +
      'then disconnects. GET /webrtc/events lists the participant callbacks the flow received.',
  );
  account(f, { path: '/cc-webrtc/browser-story' });
  f.add('c1', comment('1. a session for the room, at deploy'), 160, 40);
  f.add('start', inject('create the room', '', { once: true, onceDelay: 0.5 }), 160, 80, [
    ['session'],
  ]);
  f.add(
    'session',
    op(f, 'cc-webrtc-session', 'create session', 'createSession', { tag: str('room') }),
    380,
    80,
    [['keepRoom'], ['sessionFailed'], ['sessionFailed']],
  );
  f.add(
    'keepRoom',
    fn('remember the room', ["flow.set('room', msg.webrtc.sessionId);", 'return msg;']),
    600,
    80,
    [['roomDebug']],
  );
  f.add('roomDebug', debug('room', { complete: 'webrtc' }), 800, 80);
  f.add('sessionFailed', debug('session failed', { complete: 'true' }), 600, 120);

  f.add('c2', comment('2-3. a participant per browser, added to the session'), 160, 180);
  f.add('join', httpIn('GET /webrtc/join', 'get', '/webrtc/join'), 160, 220, [['room']]);
  f.add(
    'room',
    fn(
      'the room',
      [
        "const room = flow.get('room');",
        'if (!room) {',
        "  msg.statusCode = 503; msg.payload = 'the room is not created yet';",
        '  return [null, msg];',
        '}',
        'msg.webrtc = { sessionId: room };',
        "msg.payload = { tag: String(msg.req.query.name || 'browser').slice(0, 64) };",
        'return [msg, null];',
      ],
      2,
    ),
    360,
    220,
    [['participant'], ['answer']],
  );
  f.add(
    'participant',
    op(f, 'cc-webrtc-participant', 'create participant', 'createParticipant'),
    580,
    220,
    [['add'], ['refuse'], ['refuse']],
  );
  f.add(
    'add',
    op(f, 'cc-webrtc-participant', 'add to session', 'addParticipantToSession'),
    800,
    220,
    [['page'], ['refuse'], ['refuse']],
  );
  f.add(
    'page',
    fn('4. the participant page', [
      'msg.statusCode = 302;',
      'msg.headers = { location: msg.webrtc.pageUrl };',
      "msg.payload = '';",
      'return msg;',
    ]),
    1020,
    220,
    [['answer']],
  );
  f.add(
    'refuse',
    fn('could not join', [
      'msg.statusCode = 502;',
      "msg.payload = 'could not join: ' + (msg.webrtc.message || msg.webrtc.reason);",
      'return msg;',
    ]),
    1020,
    260,
    [['answer']],
  );
  f.add('answer', httpResponse('page or error'), 1220, 220);

  f.add('c3', comment('8. remove a participant from the session'), 160, 320);
  f.add('leave', httpIn('POST /webrtc/leave', 'post', '/webrtc/leave'), 160, 360, [['who']]);
  f.add(
    'who',
    fn('which participant', [
      "msg.payload = { sessionId: flow.get('room'), participantId: msg.req.query.participantId };",
      'return msg;',
    ]),
    360,
    360,
    [['remove']],
  );
  f.add(
    'remove',
    op(f, 'cc-webrtc-participant', 'remove from session', 'removeParticipantFromSession'),
    580,
    360,
    [['left'], ['left'], ['left']],
  );
  f.add(
    'left',
    fn('outcome', [
      'msg.payload = { outcome: msg.webrtc.outcome };',
      'msg.statusCode = msg.webrtc.outcome === "done" ? 200 : 404;',
      'return msg;',
    ]),
    800,
    360,
    [['leftAnswer']],
  );
  f.add('leftAnswer', httpResponse('removed'), 1000, 360);

  f.add('c4', comment('participant callbacks: onConnect, onLeave, onDisconnect'), 160, 440);
  f.add(
    'events',
    webrtcEvents(f, 'participant callbacks', 'onConnect,onLeave,onDisconnect'),
    160,
    480,
    [['log', 'eventsDebug']],
  );
  f.add(
    'log',
    fn('keep the log', [
      "const log = flow.get('log') || [];",
      'log.push({ event: msg.topic, participantId: msg.payload.participantId, tag: msg.payload.tag });',
      "flow.set('log', log.slice(-200));",
      'return null;',
    ]),
    400,
    480,
    [[]],
  );
  f.add('eventsDebug', debug('callbacks', { complete: 'payload' }), 400, 520);
  f.add('eventsGet', httpIn('GET /webrtc/events', 'get', '/webrtc/events'), 160, 580, [
    ['eventsList'],
  ]);
  f.add(
    'eventsList',
    fn('the log', ["msg.payload = flow.get('log') || [];", 'return msg;']),
    400,
    580,
    [['eventsAnswer']],
  );
  f.add('eventsAnswer', httpResponse('callbacks'), 600, 580);
  return f.nodes;
}

function pstnIntoSession() {
  const f = flow(
    'story-webrtc-pstn-caller',
    'WebRTC: a PSTN caller dropped into a session',
    'The second call flow of the WebRTC documentation, with the embedded simulator: call a ' +
      'number (createCall); when it is answered create a session and a participant for the ' +
      'caller, add it and transfer the call into the session with the participant token; ' +
      'after a while remove the participant (the call is still up, held), hang the call up ' +
      'and delete the session. Every step has an output per outcome; the callbacks are in ' +
      'the debug sidebar. In the simulator a number ending in 0 is busy, 9 does not answer, ' +
      '8 rejects, 7 fails.',
  );
  account(f, { path: '/cc-webrtc/pstn-story' });
  f.add(
    'dial',
    inject('call +15551230001', { to: '+15551230001', from: '+15550000000' }),
    160,
    80,
    [['call']],
  );
  f.add('call', op(f, 'cc-webrtc-call', '1. call the number', 'createCall'), 380, 80, [
    ['session'],
    ['notReached'],
    ['notReached'],
    ['failed'],
  ]);
  f.add(
    'session',
    op(f, 'cc-webrtc-session', '2. create session', 'createSession', { tag: str('pstn') }),
    600,
    80,
    [['participant'], ['failed'], ['failed']],
  );
  f.add(
    'participant',
    op(f, 'cc-webrtc-participant', '3. participant for the caller', 'createParticipant', {
      tag: str('pstn caller'),
      publishPermissions: str('AUDIO'),
    }),
    840,
    80,
    [['add'], ['failed'], ['failed']],
  );
  f.add(
    'add',
    op(f, 'cc-webrtc-participant', 'add to session', 'addParticipantToSession'),
    1060,
    80,
    [['transfer'], ['failed'], ['failed']],
  );
  f.add(
    'transfer',
    op(f, 'cc-webrtc-call-control', '4. transfer into the session', 'transferToWebRTC'),
    380,
    180,
    [['talk'], ['failed'], ['failed']],
  );
  f.add('talk', delay('in the session for 5 s', 5), 600, 180, [['remove']]);
  f.add(
    'remove',
    op(f, 'cc-webrtc-participant', '5. remove from session', 'removeParticipantFromSession'),
    820,
    180,
    [['hangup'], ['failed'], ['failed']],
  );
  f.add('hangup', op(f, 'cc-webrtc-call-control', 'hang up', 'hangupCall'), 380, 260, [
    ['delete'],
    ['failed'],
    ['failed'],
  ]);
  f.add(
    'delete',
    op(f, 'cc-webrtc-session', 'delete session', 'deleteSession'),
    600,
    260,
    [['finished'], ['failed'], ['failed']],
  );
  f.add('finished', debug('finished', { complete: 'webrtc' }), 820, 260);
  f.add('notReached', debug('busy or no answer', { complete: 'webrtc' }), 600, 130);
  f.add('failed', debug('failed', { complete: 'webrtc' }), 1060, 180);
  f.add('events', webrtcEvents(f, 'callbacks'), 160, 340, [['eventsDebug']]);
  f.add('eventsDebug', debug('callbacks', { complete: 'payload' }), 380, 340);
  return f.nodes;
}

// --- one example per node -------------------------------------------------------------------

function nodeExample(type, label, info, build) {
  const f = flow(`node-${type}`, label, info);
  account(f, { path: `/cc-webrtc/example-${type.replace('cc-webrtc-', '')}` });
  build(f);
  return f.nodes;
}

const sessionExample = () =>
  nodeExample(
    'cc-webrtc-session',
    'cc-webrtc-session',
    'WebRTC session: create a session with a tag, read it, delete it, read it again (not found).',
    (f) => {
      f.add('go', inject('create a session', { tag: 'example' }), 160, 80, [['create']]);
      f.add('create', op(f, 'cc-webrtc-session', 'create', 'createSession'), 360, 80, [
        ['get'],
        ['out'],
        ['out'],
      ]);
      f.add('get', op(f, 'cc-webrtc-session', 'get', 'getSession'), 560, 80, [
        ['delete'],
        ['out'],
        ['out'],
      ]);
      f.add('delete', op(f, 'cc-webrtc-session', 'delete', 'deleteSession'), 760, 80, [
        ['again'],
        ['out'],
        ['out'],
      ]);
      f.add('again', op(f, 'cc-webrtc-session', 'get again', 'getSession'), 960, 80, [
        ['out'],
        ['gone'],
        ['out'],
      ]);
      f.add('out', debug('session', { complete: 'true' }), 1160, 60);
      f.add('gone', debug('not found (deleted)', { complete: 'webrtc' }), 1160, 100);
    },
  );

const participantExample = () =>
  nodeExample(
    'cc-webrtc-participant',
    'cc-webrtc-participant',
    'WebRTC participant: in a new session, create a participant (id + token), add it ' +
      'subscribed to everyone, then subscribed to nobody (update subscriptions), remove it ' +
      'from the session and delete it.',
    (f) => {
      f.add('go', inject('start', ''), 160, 80, [['session']]);
      f.add('session', op(f, 'cc-webrtc-session', 'session', 'createSession'), 340, 80, [
        ['create'],
        ['out'],
        ['out'],
      ]);
      f.add(
        'create',
        op(f, 'cc-webrtc-participant', 'create', 'createParticipant', { tag: str('example') }),
        540,
        80,
        [['add'], ['out'], ['out']],
      );
      f.add('add', op(f, 'cc-webrtc-participant', 'add', 'addParticipantToSession'), 740, 80, [
        ['update'],
        ['out'],
        ['out'],
      ]);
      f.add(
        'update',
        op(f, 'cc-webrtc-participant', 'subscribe to nobody', 'updateParticipantSubscriptions', {
          subscriptions: { type: 'json', value: '{"participants":[]}' },
        }),
        340,
        160,
        [['remove'], ['out'], ['out']],
      );
      f.add(
        'remove',
        op(f, 'cc-webrtc-participant', 'remove', 'removeParticipantFromSession'),
        560,
        160,
        [['delete'], ['out'], ['out']],
      );
      f.add('delete', op(f, 'cc-webrtc-participant', 'delete', 'deleteParticipant'), 760, 160, [
        ['out'],
        ['out'],
        ['out'],
      ]);
      f.add('out', debug('participant', { complete: 'true' }), 960, 120);
    },
  );

const callExample = () =>
  nodeExample(
    'cc-webrtc-call',
    'cc-webrtc-call',
    'PSTN call: the outputs are answered, busy, no answer and failed. In the simulator the ' +
      'last digit decides: 0 busy, 9 no answer (after the 30 s ring timeout), 8 rejects, ' +
      '7 fails, any other answers. An answered call is hung up.',
    (f) => {
      const numbers = [
        ['+15551230001', 'answers'],
        ['+15551230000', 'busy'],
        ['+15551230009', 'no answer'],
        ['+15551230007', 'fails'],
      ];
      numbers.forEach(([to, what], i) =>
        f.add(`n${i}`, inject(`call ${to} (${what})`, { to, from: '+15550000000' }), 180, 60 + i * 40, [
          ['call'],
        ]),
      );
      f.add('call', op(f, 'cc-webrtc-call', 'call', 'createCall'), 420, 120, [
        ['hangup', 'out'],
        ['out'],
        ['out'],
        ['out'],
      ]);
      f.add('hangup', op(f, 'cc-webrtc-call-control', 'hang up', 'hangupCall'), 640, 80, [
        ['out'],
        ['out'],
        ['out'],
      ]);
      f.add('out', debug('outcome', { complete: 'webrtc' }), 860, 120);
    },
  );

const callControlExample = () =>
  nodeExample(
    'cc-webrtc-call-control',
    'cc-webrtc-call-control',
    'PSTN call control: call a number; when answered, redirect the call to a BXML answer ' +
      'served by this flow (POST /webrtc/example/bxml on port 1880: speak, then hang up). ' +
      'Transfer into a session is in the story "a PSTN caller dropped into a session".',
    (f) => {
      f.add('go', inject('call +15551230003', { to: '+15551230003', from: '+15550000000' }), 180, 80, [
        ['call'],
      ]);
      f.add('call', op(f, 'cc-webrtc-call', 'call', 'createCall'), 400, 80, [
        ['redirect'],
        ['out'],
        ['out'],
        ['out'],
      ]);
      f.add(
        'redirect',
        op(f, 'cc-webrtc-call-control', 'redirect', 'redirectCall', {
          redirectUrl: str('http://127.0.0.1:1880/webrtc/example/bxml'),
        }),
        620,
        80,
        [['out'], ['out'], ['out']],
      );
      f.add('out', debug('outcome', { complete: 'webrtc' }), 840, 80);
      f.add('bxmlIn', httpIn('POST /webrtc/example/bxml', 'post', '/webrtc/example/bxml'), 200, 180, [
        ['bxml'],
      ]);
      f.add(
        'bxml',
        fn('BXML: speak, hang up', [
          "msg.headers = { 'content-type': 'application/xml' };",
          'msg.payload = \'<?xml version="1.0" encoding="UTF-8"?><Response>\' +',
          "  '<SpeakSentence>Thank you for calling.</SpeakSentence><Hangup/></Response>';",
          'return msg;',
        ]),
        420,
        180,
        [['bxmlOut']],
      );
      f.add('bxmlOut', httpResponse('BXML'), 620, 180);
    },
  );

const eventsExample = () =>
  nodeExample(
    'cc-webrtc-events',
    'cc-webrtc-events',
    "WebRTC events: the account's callbacks. A call is answered and hung up 3 s later: the " +
      'node emits answer and disconnect (with its cause).',
    (f) => {
      f.add('go', inject('call +15551230001', { to: '+15551230001', from: '+15550000000' }), 180, 80, [
        ['call'],
      ]);
      f.add('call', op(f, 'cc-webrtc-call', 'call', 'createCall'), 400, 80, [
        ['wait'],
        [],
        [],
        [],
      ]);
      f.add('wait', delay('3 s', 3), 600, 80, [['hangup']]);
      f.add('hangup', op(f, 'cc-webrtc-call-control', 'hang up', 'hangupCall'), 780, 80, [
        [],
        [],
        [],
      ]);
      f.add('events', webrtcEvents(f, 'callbacks'), 180, 160, [['out']]);
      f.add('out', debug('callback', { complete: 'true' }), 400, 160);
    },
  );

module.exports = {
  'stories/webrtc-browser-joins-session.json': browserJoins,
  'stories/webrtc-pstn-caller-into-session.json': pstnIntoSession,
  'nodes/cc-webrtc-session.json': sessionExample,
  'nodes/cc-webrtc-participant.json': participantExample,
  'nodes/cc-webrtc-call.json': callExample,
  'nodes/cc-webrtc-call-control.json': callControlExample,
  'nodes/cc-webrtc-events.json': eventsExample,
};
