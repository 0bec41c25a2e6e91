// The agent family's examples: the cc-agent-events node example, the screen-pop story (an
// inbound call ringing at an agent looks the caller up in the CRM; its wrap-up logs the call)
// and the agent-shift story (login, pause, logout, a supervisor listening in).
'use strict';
const { flow, inject, debug, fn, delay, operation, hangUp, agentEvents } = require('./toolkit');

function nodeAgentEvents() {
  const f = flow(
    'node-cc-agent-events',
    'cc-agent-events',
    'Agent events: the embedded simulator places 12 inbound calls a minute. msg.payload is the\n' +
      'event (agentStatus, ringing, ...), msg.caller who is calling, msg.seance the call.\n' +
      'The second node lets only the inbound ringing through: the moment for a screen pop.',
  );
  f.gateway({ inbound: 12 });
  const gw = f.id('gateway');
  f.add('agents', agentEvents('', gw), 150, 80, [['all']]);
  f.add('ringing', agentEvents('ringing only', gw, { events: 'ringing' }), 160, 140, [['pop']]);
  f.add('all', debug('agent event'), 380, 80);
  f.add('pop', debug('who is calling', { complete: 'caller' }), 400, 140);
  return f.nodes;
}

const CRM_LOOKUP = [
  '// The CRM, played by this node: contacts by phone number, kept in flow context.',
  "const contacts = flow.get('contacts') || {};",
  'const number = msg.caller && msg.caller.number;',
  'let contact = contacts[number];',
  'if (!contact) {',
  "  // Unknown caller: the CRM creates a contact for the number, as a lead.",
  "  contact = { id: 'C' + (Object.keys(contacts).length + 1), phone: number, name: null, status: 'new lead' };",
  '  contacts[number] = contact;',
  "  flow.set('contacts', contacts);",
  '}',
  'msg.payload = {',
  '  agent: msg.agent,',
  '  contact,',
  '  seance: msg.seance && msg.seance.seance_id,',
  '  dialog: msg.customerDialog && msg.customerDialog.dialog_uuid,',
  '};',
  'return msg;',
];

const CRM_CONTACTS = [
  '// Two known contacts; every other caller becomes a new lead on the first call.',
  "flow.set('contacts', {",
  "  '48500100201': { id: 'C1', phone: '48500100201', name: 'Anna Nowak', status: 'customer' },",
  "  '48500100202': { id: 'C2', phone: '48500100202', name: 'Jan Kowalski', status: 'customer' },",
  '});',
  "msg.payload = Object.keys(flow.get('contacts')).length + ' contacts';",
  'return msg;',
];

const CRM_LOG_CALL = [
  "// Wrap-up: the call is over; log it on the contact's record (who, when, why it ended).",
  "const calls = flow.get('calls') || [];",
  'const call = {',
  '  agent: msg.agent,',
  '  number: msg.caller && msg.caller.number,',
  '  seance: msg.seance && msg.seance.seance_id,',
  '  ended: msg.payload.reason,',
  '  at: new Date().toISOString(),',
  '};',
  'calls.push(call);',
  "flow.set('calls', calls.slice(-100));",
  'msg.payload = call;',
  'return msg;',
];

function screenPop() {
  const f = flow(
    'story-screen-pop-crm',
    'Screen pop: inbound ringing -> CRM',
    'When an inbound call rings at an agent, look the caller up in the CRM (played here by a\n' +
      'function node) and show the contact: the screen pop. Unknown numbers become new leads.\n' +
      'When the agent goes to wrap-up after the call, the call is logged on the CRM record.\n' +
      'The embedded simulator places 6 inbound calls a minute; agents have 10 s of wrap-up.',
  );
  f.gateway({ inbound: 6, scenario: { wrapUpMs: 10000 } });
  const gw = f.id('gateway');
  f.add('load', inject('load CRM contacts', '', { once: true }), 150, 60, [['contacts']]);
  f.add('contacts', fn('CRM contacts', CRM_CONTACTS), 350, 60, [['loaded']]);
  f.add('loaded', debug('CRM'), 540, 60);
  f.add('ringing', agentEvents('inbound ringing', gw, { events: 'ringing' }), 160, 140, [
    ['lookup'],
  ]);
  f.add('lookup', fn('look the caller up', CRM_LOOKUP), 380, 140, [['pop']]);
  f.add('pop', debug('screen pop'), 590, 140);
  f.add('status', agentEvents('agent status', gw, { events: 'agentStatus' }), 150, 220, [
    ['wrapup'],
  ]);
  f.add(
    'wrapup',
    {
      type: 'switch',
      name: 'wrap-up?',
      property: 'payload.state',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'wrap-up', vt: 'str' }],
      checkall: 'true',
      repair: false,
      outputs: 1,
    },
    340,
    220,
    [['log']],
  );
  f.add('log', fn('log the call in the CRM', CRM_LOG_CALL), 540, 220, [['logged']]);
  f.add('logged', debug('call logged'), 750, 220);
  return f.nodes;
}

function agentShift() {
  const f = flow(
    'story-agent-shift',
    'Agent shift and supervisor',
    'An agent\u2019s shift with call control: agent 1004 logs in on extension 8004, pauses,\n' +
      'is ready again, and logs out; agent 1010, a supervisor, listens in on agent 1001\u2019s\n' +
      'call (which agent 1001 hangs up 3 s later, so the button works again) and sets agent\n' +
      '1004 online or offline. The agent events node shows each status.',
  );
  f.gateway({});
  const gw = f.id('gateway');
  const control = (name, op, params = {}, agent = {}) =>
    operation('cc-call-control', name, {
      gatewayId: gw,
      operation: op,
      progress: false,
      params,
      ...agent,
    });
  const str = (value) => ({ type: 'str', value });
  const steps = [
    ['login', '1004 logs in on 8004', 'login', { bindTel: str('8004'), bindType: { type: 'num', value: '2' } }],
    ['pause', '1004 pauses', 'pause', {}],
    ['unpause', '1004 is ready', 'unpause', {}],
    ['logout', '1004 logs out', 'logout', {}],
  ];
  steps.forEach(([key, label, op, params], i) => {
    const y = 60 + i * 60;
    f.add(`in-${key}`, inject(label, { agent: '1004' }), 150, y, [[key]]);
    f.add(key, control(op, op, params), 380, y, [['done'], ['failed']]);
  });
  f.add('call', inject('1001 calls 48500100201', { agent: '1001', customerNumber: '48500100201' }), 160, 320, [
    ['preview'],
  ]);
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', { gatewayId: gw, progress: false }),
    390,
    320,
    [['spy'], ['failed']],
  );
  f.add(
    'spy',
    control('supervisor 1010 listens', 'spy', { targetAgent: str('1001') }, {
      agent: '1010',
      agentType: 'str',
    }),
    620,
    320,
    [['done', 'talk'], ['failed']],
  );
  f.add('talk', delay('listen 3 s', 3), 620, 370, [['hangup']]);
  f.add('hangup', hangUp('1001 hangs up', gw, '1001'), 800, 370, [['done'], ['failed']]);
  const supervise = [
    ['online', 'set 1004 online', 'setOnline'],
    ['offline', 'set 1004 offline', 'setOffline'],
  ];
  supervise.forEach(([key, label, op], i) => {
    const y = 400 + i * 60;
    f.add(`in-${key}`, inject(label, ''), 150, y, [[key]]);
    f.add(
      key,
      control(op, op, { targetAgent: str('1004') }, { agent: '1010', agentType: 'str' }),
      380,
      y,
      [['done'], ['failed']],
    );
  });
  f.add('done', debug('done', { complete: 'cc' }), 860, 200);
  f.add('failed', debug('failed', { complete: 'cc' }), 860, 260);
  f.add(
    'status',
    agentEvents('1004 and 1010', gw, { events: 'agentStatus', agents: '1004,1010', enrich: false }),
    160,
    540,
    [['shown']],
  );
  f.add('shown', debug('agent status'), 400, 540);
  return f.nodes;
}


/** Relative path under examples/ -> the function that builds that flow. */
module.exports = {
  'nodes/cc-agent-events.json': nodeAgentEvents,
  'stories/screen-pop-crm.json': screenPop,
  'stories/agent-shift-supervisor.json': agentShift,
};
