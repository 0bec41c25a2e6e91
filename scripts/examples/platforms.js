// The platforms' examples: ccsevents from an Era / Incoplax platform (the embedded simulator
// speaking the Era wire by default; the comment tells how to point it at a real installation).
'use strict';
const { flow, comment, debug, delay, fn, events, hangUp, inject, operation } = require('./toolkit');

const SEANCE_SUMMARY = [
  '// Every seance_* event carries the merged session (msg.seance): when the session ends,',
  '// summarise it once: its number, how many call legs and connections it had, and the',
  '// transfer chain (seance_set_next_number in order).',
  "if (msg.topic !== 'seance_delete') return null;",
  'const s = msg.seance || {};',
  'msg.payload = {',
  '  seance: s.seance_id,',
  '  number: s.number,',
  '  legs: (s.call_ids || []).length,',
  '  connections: (s.connection_ids || []).length,',
  '  transferChain: s.numbers || [],',
  '  states: (s.states || []).map((x) => x.state),',
  '};',
  'return msg;',
];

const GAP_NOTE = [
  '// The Era wire has no sequence numbers: after a dropped connection the gateway',
  '// re-subscribes at once, and the event nodes raise a "gap" error (caught here) so a',
  '// stretch of lost events is never silent. Reconcile here (e.g. re-read your CRM state).',
  "if (msg.topic !== 'gap') return null;",
  'msg.payload = { gap: true, message: msg.payload && msg.payload.message, at: new Date().toISOString() };',
  'return msg;',
];

function eraCcsevents() {
  const f = flow(
    'era-ccsevents',
    'Era / Incoplax ccsevents',
    'ccsevents from an Era / Incoplax platform. By default the gateway runs the embedded\n' +
      'simulator speaking the Era WebSocket API (6 inbound calls a minute): call / connection\n' +
      'and seance events arrive through a subscribe to ccsevents.*, as on a real installation.',
  );
  const gw = f.id('gateway');
  const agents = {};
  for (let i = 1; i <= 10; i++) agents[String(1000 + i)] = i <= 8 ? {} : { inbound: false };
  f.gateway({
    name: 'Era / Incoplax (embedded simulator)',
    inbound: 6,
    platform: 'era',
    scenario: {
      $comment: 'Agents 1001-1008 answer the inbound calls; 1009 and 1010 place the preview calls.',
      agents,
    },
  });
  f.add(
    'about',
    comment(
      'Point it at a real Era / Incoplax installation',
      'Double-click the gateway (Configuration nodes): Connect to = "Contact-center gateway",\n' +
        'URL = your installation\'s base address (wss://pbx.example.com), Authorisation =\n' +
        '"Integration point token", Token = the token_local of an integration_point whose role\n' +
        'allows the /ws#subscr route. The token is a credential: never exported, never logged.\n' +
        'The driver is built from the vendor\'s public documents and not yet verified against a\n' +
        'live installation: compare the frames on your installation\'s\n' +
        '/integration/ws_sandbox.html page with docs/platforms.md. Operations go over the\n' +
        'platform\'s REST call control (/uc/calls, same host and port): preview call, hang up,\n' +
        'hold, unhold, DTMF and blind transfer, their requests our reading of the documents;\n' +
        'consult, three-way and the others end failed / unsupported at once.',
    ),
    240,
    40,
  );
  f.add('ccs', events('cc-ccs-events', 'call / connection events', gw), 170, 100, [['ccs-debug']]);
  f.add('ccs-debug', debug('ccs event'), 430, 100);
  f.add('seance', events('cc-seance-events', 'seance events', gw), 150, 160, [
    ['seance-debug', 'summary'],
  ]);
  f.add('seance-debug', debug('seance event', { active: false }), 430, 160);
  f.add('summary', fn('session summary', SEANCE_SUMMARY), 420, 220, [['summary-debug']]);
  f.add('summary-debug', debug('session ended'), 640, 220);
  f.add(
    'catch',
    {
      type: 'catch',
      name: 'gap in the event stream',
      scope: [f.id('ccs'), f.id('seance')],
      uncaught: false,
    },
    170,
    300,
    [['gap']],
  );
  f.add('gap', fn('reconcile after a gap', GAP_NOTE), 420, 300, [['gap-debug']]);
  f.add('gap-debug', debug('gap'), 640, 300);
  // An operation over the Era REST call control: a preview call, hung up after 3 s.
  f.add(
    'call',
    inject('agent 1010 calls 48500100201', { agent: '1010', customerNumber: '48500100201' }),
    170,
    380,
    [['preview']],
  );
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call (REST /uc/calls)', {
      gatewayId: gw,
      progress: false,
    }),
    420,
    380,
    [['bridged', 'talk'], ['failed']],
  );
  f.add('bridged', debug('bridged', { complete: 'cc' }), 660, 360);
  f.add('failed', debug('failed', { complete: 'cc' }), 660, 400);
  f.add('talk', delay('talk 3 s', 3), 420, 440, [['hangup']]);
  f.add('hangup', hangUp('hang up', gw), 600, 440, [['hung-up'], ['hung-up']]);
  f.add('hung-up', debug('hung up', { complete: 'cc' }), 800, 440);
  return f.nodes;
}

module.exports = {
  'stories/era-ccsevents.json': eraCcsevents,
};
