// The stories: example flows that tell one use case each (Import > Examples > stories).
'use strict';
const {
  flow,
  comment,
  inject,
  debug,
  fn,
  delay,
  rateLimit,
  httpIn,
  httpResponse,
  httpRequest,
  operation,
  hangUp,
  dialogEvents,
  events,
  agentEvents,
  seed003Bodies,
  AGENT_FROM_CC,
  CONSULT_1002,
} = require('./toolkit');

// --- the CRM, played by function nodes over flow context ------------------------------------

const CRM_LEAD_IN = [
  '// The CRM posts a lead: { id, phone, agent }. It is recorded as "calling" and answered',
  '// at once (output 2, 202 Accepted); the call request goes on to the preview call (output 1).',
  'const lead = msg.payload || {};',
  "if (typeof lead.phone !== 'string' || lead.phone.trim() === '') {",
  '  msg.statusCode = 400;',
  "  msg.payload = { error: 'phone is required' };",
  '  return [null, msg.res ? msg : null];',
  '}',
  "const leadId = String(lead.id || 'lead-' + Date.now());",
  "const agent = String(lead.agent || '1001');",
  "const crm = flow.get('crm') || {};",
  "crm[leadId] = { leadId, phone: lead.phone, agent, status: 'calling', updatedAt: new Date().toISOString() };",
  "flow.set('crm', crm);",
  '// CRM ids in: msg.crm travels through the preview call and comes out with the outcome.',
  'const call = { payload: { agent, customerNumber: lead.phone }, crm: { leadId } };',
  'if (!msg.res) return [call, null];',
  'msg.statusCode = 202;',
  "msg.payload = { leadId, status: 'calling' };",
  'return [call, msg];',
];

const CRM_WRITE = (status, fields) => [
  `// Write the outcome back to the CRM record of the lead (CRM ids out: msg.crm.leadId).`,
  "const crm = flow.get('crm') || {};",
  'const leadId = msg.crm && msg.crm.leadId;',
  'const record = crm[leadId] || { leadId };',
  `record.status = '${status}';`,
  ...fields,
  'record.updatedAt = new Date().toISOString();',
  'crm[leadId] = record;',
  "flow.set('crm', crm);",
  'msg.payload = record;',
  'return msg;',
];

const CRM_LIST = (key) => [
  `const store = flow.get('${key}') || {};`,
  'if (msg.req && msg.req.params && msg.req.params.id) {',
  '  const record = store[msg.req.params.id];',
  '  msg.statusCode = record ? 200 : 404;',
  "  msg.payload = record || { error: 'not found' };",
  '  return msg;',
  '}',
  'msg.payload = Object.values(store);',
  'return msg;',
];

// --- the examples ---------------------------------------------------------------------------

function liveSimulatorEvents() {
  const f = flow(
    'live-simulator-events',
    'Live simulator events',
    'The demo that `npm start` deploys. The cc-gateway config node runs the embedded\n' +
      'simulator with 2 inbound calls a minute, answered by agents 1001 to 1005: the calls\n' +
      'starts and ends (dialog, call and seance events) show in the debug sidebar, a few a\n' +
      'minute, so your own messages stay in view. A preview call is placed 3 s after deploy by\n' +
      'a free one of the outbound agents 1006 to 1008 (the flow keeps their states from their\n' +
      'agentStatus events; a copy of this flow or a second click takes another one, and no call\n' +
      'is placed while all three are busy) to a customer who hangs up by itself 10 s after\n' +
      'answering; the buttons call as agents 1010 and 1009. Bridged calls are hung up 8 s later.\n' +
      'To quiet the demo: click the buttons of its debug nodes, set the gateway\u2019s Inbound/min\n' +
      'to 0, or show only the current flow in the debug sidebar\u2019s filter.',
  );
  const gw = f.id('gateway');
  const agents = {};
  for (let i = 1; i <= 10; i++) agents[String(1000 + i)] = i <= 5 ? {} : { inbound: false };
  f.gateway({
    name: 'embedded simulator (2 calls/min)',
    inbound: 2,
    scenario: {
      $comment: 'Agents 1001-1005 answer the inbound calls; 1006-1010 only place preview calls.',
      agents,
    },
  });
  f.add(
    'about',
    comment(
      'Live events from the embedded simulator',
      'Open the debug sidebar to watch the events. Double-click the gateway\n' +
        '(Configuration nodes) to change the call rate or to connect a real gateway.',
    ),
    200,
    40,
  );
  // Starts and ends only: a few messages a minute (remove the filters to see every event).
  f.add(
    'dialog',
    dialogEvents('dialog created / closed', gw, { events: 'dialog_create,dialog_close' }),
    160,
    100,
    [['dialog-debug']],
  );
  f.add('dialog-debug', debug('dialog event'), 420, 100);
  f.add(
    'ccs',
    events('cc-ccs-events', 'call leg created / deleted', gw, { events: 'call_create,call_delete' }),
    170,
    160,
    [['ccs-debug']],
  );
  f.add('ccs-debug', debug('ccs event'), 420, 160);
  f.add(
    'seance',
    events('cc-seance-events', 'seance created / deleted', gw, {
      events: 'seance_create,seance_delete',
    }),
    170,
    220,
    [['seance-debug']],
  );
  f.add('seance-debug', debug('seance event'), 420, 220);
  f.add(
    'call-first',
    inject('3 s after deploy', '', { once: true, onceDelay: 3 }),
    150,
    290,
    [['outbound-agent']],
  );
  f.add(
    'outbound-agent',
    fn('a free outbound agent', [
      '// The first of agents 1006, 1007, 1008 that is idle, or not heard of yet (the',
      '// simulator\'s agents start idle); a call for a busy agent would only be refused.',
      "const agents = global.get('ccDemoAgents') || {};",
      'const free = (id) => {',
      '  const a = agents[id];',
      "  if (!a || a.state === 'idle') return true;",
      '  // Picked a moment ago: busy until its status arrives (free again if none came in 5 s).',
      "  return a.state === 'picked' && Date.now() - a.at > 5000;",
      '};',
      "const agent = ['1006', '1007', '1008'].find(free);",
      'if (!agent) {',
      "  node.warn('agents 1006, 1007 and 1008 are all busy: no preview call placed');",
      "  node.status({ fill: 'yellow', shape: 'ring', text: 'all busy' });",
      '  return null;',
      '}',
      "agents[agent] = { state: 'picked', at: Date.now() };",
      "global.set('ccDemoAgents', agents);",
      "node.status({ fill: 'green', shape: 'dot', text: 'agent ' + agent });",
      '// The number ends in 6: the customer hangs up by itself 10 s after answering, so the',
      '// agent is free again even when a redeploy cancels the hang-up step below.',
      "msg.payload = { agent, customerNumber: '48500100206' };",
      'return msg;',
    ]),
    330,
    290,
    [['preview']],
  );
  f.add(
    'about-agents',
    comment(
      'Preview calls from a free agent',
      'The agent events of agents 1006-1008 keep their states in global context (shared by\n' +
        'every copy of this flow on the same gateway); "a free outbound agent" picks an idle\n' +
        'one. When all three are busy it places no call: it says so in a warning in the debug\n' +
        'sidebar and in its status.',
    ),
    180,
    480,
  );
  f.add(
    'agent-states',
    agentEvents('agents 1006-1008', gw, {
      events: 'agentStatus',
      agents: '1006,1007,1008',
      enrich: false,
    }),
    150,
    520,
    [['remember-states']],
  );
  f.add(
    'remember-states',
    fn('remember their states', [
      "// Each outbound agent's state from its agentStatus (idle, pending, talking, ...).",
      "const agents = global.get('ccDemoAgents') || {};",
      'agents[msg.agent] = { state: msg.payload.state };',
      "global.set('ccDemoAgents', agents);",
      'return null;',
    ]),
    370,
    520,
    [[]],
  );
  f.add(
    'call-ok',
    inject('agent 1010 calls 48500100201', { agent: '1010', customerNumber: '48500100201' }),
    190,
    330,
    [['preview']],
  );
  f.add(
    'call-busy',
    inject('agent 1009 calls a busy number', { agent: '1009', customerNumber: '48500100200' }),
    190,
    370,
    [['preview']],
  );
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', { gatewayId: gw }),
    540,
    330,
    [['bridged', 'wait'], ['failed'], ['progress']],
  );
  f.add('bridged', debug('bridged', { complete: 'cc' }), 680, 280);
  f.add('failed', debug('failed', { complete: 'cc' }), 680, 320);
  f.add('progress', debug('progress', { active: false }), 680, 360);
  f.add('wait', delay('talk 8 s', 8), 680, 420, [['hangup']]);
  f.add(
    'hangup',
    operation('cc-call-control', 'hang up', {
      gatewayId: gw,
      operation: 'sipUnlink',
      progress: false,
      ...AGENT_FROM_CC,
    }),
    870,
    420,
    [['hung-up'], ['hung-up']],
  );
  f.add('hung-up', debug('hang-up result', { complete: 'cc' }), 1070, 420);
  return f.nodes;
}

function crmLeadPreviewCall() {
  const f = flow(
    'crm-lead-preview-call',
    'CRM lead -> preview call -> result',
    'A CRM button posts a lead to POST /crm/leads. The flow records it, answers 202, places a\n' +
      'preview outbound call for the lead\u2019s agent and writes the outcome back to the CRM\n' +
      'record: the call ids when the customer is bridged, the reason when the call fails.\n' +
      'The CRM is played by http in / http response / function nodes over flow context:\n' +
      'GET /crm/leads lists the records. Numbers ending in 0 are busy in the simulator.\n' +
      'A bridged call is hung up 5 s later, so the buttons work again.',
  );
  const gw = f.id('gateway');
  f.gateway();
  f.add(
    'about',
    comment(
      'CRM lead -> preview call -> write the result back',
      'Try: curl -X POST -H "content-type: application/json" -d \'{"id":"L-7","phone":"48500100205"}\' http://127.0.0.1:1880/crm/leads\n' +
        'then: curl http://127.0.0.1:1880/crm/leads',
    ),
    250,
    40,
  );
  f.add('lead-in', httpIn('POST /crm/leads', 'post', '/crm/leads'), 140, 100, [['lead']]);
  f.add(
    'button-ok',
    inject('CRM button: lead L-1001', { id: 'L-1001', phone: '48500100201', agent: '1001' }),
    150,
    160,
    [['lead']],
  );
  f.add(
    'button-busy',
    inject('CRM button: lead L-1002 (busy)', { id: 'L-1002', phone: '48500100200', agent: '1002' }),
    160,
    200,
    [['lead']],
  );
  f.add('lead', fn('CRM lead -> call request', CRM_LEAD_IN, 2), 400, 140, [
    ['preview'],
    ['accepted'],
  ]);
  f.add('accepted', httpResponse('202 accepted'), 610, 80);
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', { gatewayId: gw }),
    610,
    160,
    [['write-bridged', 'talk'], ['write-failed'], ['progress']],
  );
  f.add('talk', delay('talk 5 s', 5), 610, 240, [['hangup']]);
  f.add('hangup', hangUp('hang up', gw), 800, 290, [[], []]);
  f.add(
    'write-bridged',
    fn(
      'CRM: write call ids',
      CRM_WRITE('bridged', [
        'record.callId = msg.cc.ids.call_id;',
        'record.uniqueId = msg.cc.ids.uniqueId;',
        'record.seanceId = msg.cc.ids.seance_id;',
        'delete record.reason;',
      ]),
    ),
    810,
    120,
    [['crm-debug']],
  );
  f.add(
    'write-failed',
    fn(
      'CRM: write failure reason',
      CRM_WRITE('failed', [
        'record.reason = msg.cc.reason;',
        'record.message = msg.cc.message || null;',
      ]),
    ),
    820,
    180,
    [['crm-debug']],
  );
  f.add('progress', debug('call progress', { active: false }), 800, 240);
  f.add('crm-debug', debug('CRM record'), 990, 150);
  f.add('list-in', httpIn('GET /crm/leads', 'get', '/crm/leads'), 140, 300, [['list']]);
  f.add('one-in', httpIn('GET /crm/leads/:id', 'get', '/crm/leads/:id'), 150, 340, [['list']]);
  f.add('list', fn('CRM: read leads', CRM_LIST('crm')), 390, 320, [['list-out']]);
  f.add('list-out', httpResponse('CRM records'), 600, 320);
  return f.nodes;
}

function dialogClosedSummary() {
  const f = flow(
    'dialog-closed-crm-summary',
    'Dialog closed -> CRM summary',
    'When a customer\u2019s dialog closes, a summary (duration, who hung up, cause, numbers) is\n' +
      'posted to the CRM, played here by a function node over flow context (GET /crm/calls\n' +
      'lists the summaries). The inject places a call to a number ending in 6: the simulated\n' +
      'customer answers after 2 s and hangs up 10 s later. Replace "CRM: store summary" with an\n' +
      'http request node to post to a real CRM.',
  );
  const gw = f.id('gateway');
  f.gateway();
  f.add(
    'about',
    comment('dialog closed -> post a summary to the CRM', 'See the flow\u2019s description.'),
    220,
    40,
  );
  f.add(
    'call',
    inject('agent 1001 calls 48500100206 (hangs up after 10 s)', {
      agent: '1001',
      customerNumber: '48500100206',
    }),
    230,
    100,
    [['preview']],
  );
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', {
      gatewayId: gw,
      progress: false,
    }),
    530,
    100,
    [['call-debug'], ['call-debug']],
  );
  f.add('call-debug', debug('call outcome', { complete: 'cc' }), 740, 100);
  f.add(
    'closes',
    dialogEvents('customer dialog closed', gw, { events: 'dialog_close', dialogTypes: 'EXTERNAL' }),
    170,
    180,
    [['summary']],
  );
  f.add(
    'summary',
    fn('summary for the CRM', [
      '// msg.dialog is the tracker\u2019s merged snapshot of the closed dialog (its create\u2019s',
      '// fields included); msg.closedBy says which side ended the call.',
      'const d = msg.dialog || {};',
      'const fields = d.fields || {};',
      "const started = Date.parse(d.created_at || fields.event_time || '');",
      "const ended = Date.parse(d.closed_at || msg.payload.event_time || '');",
      'msg.payload = {',
      '  dialogUuid: msg.payload.dialog_uuid,',
      '  customer: fields.self_target || null,',
      '  agent: fields.peer_username || fields.peer_name || null,',
      '  closedBy: msg.closedBy,',
      '  closeCause: msg.closeCause || null,',
      '  durationS: isFinite(started) && isFinite(ended) ? Math.round((ended - started) / 1000) : null,',
      '  states: (d.states || []).map((s) => s.state),',
      '};',
      'return msg;',
    ]),
    420,
    180,
    [['store']],
  );
  f.add(
    'store',
    fn('CRM: store summary', [
      "const calls = flow.get('crmCalls') || {};",
      'calls[msg.payload.dialogUuid] = msg.payload;',
      "flow.set('crmCalls', calls);",
      'return msg;',
    ]),
    640,
    180,
    [['summary-debug']],
  );
  f.add('summary-debug', debug('CRM call summary'), 860, 180);
  f.add('list-in', httpIn('GET /crm/calls', 'get', '/crm/calls'), 140, 260, [['list']]);
  f.add('list', fn('CRM: read summaries', CRM_LIST('crmCalls')), 380, 260, [['list-out']]);
  f.add('list-out', httpResponse('CRM summaries'), 600, 260);
  return f.nodes;
}

function consultThreewayComplete() {
  const f = flow(
    'consult-threeway-complete-transfer',
    'Consult, three-way, complete transfer',
    'Agent 1001 calls a customer; once bridged, consults agent 1002 (attended transfer), joins\n' +
      'all three when the consultant answers, then completes the transfer: the customer stays\n' +
      'with agent 1002, who hangs up 2 s later (so the button works again). Each step reads\n' +
      'the agent from msg.cc.agent of the step before; any failure goes to the "failed" debug\n' +
      'node (and to a Catch node, if you add one).',
  );
  const gw = f.id('gateway');
  f.gateway();
  f.add(
    'about',
    comment('consult, three-way, complete transfer', 'See the flow\u2019s description.'),
    200,
    40,
  );
  f.add(
    'call',
    inject('agent 1001 calls 48500100201', { agent: '1001', customerNumber: '48500100201' }),
    170,
    100,
    [['preview']],
  );
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', {
      gatewayId: gw,
      progress: false,
    }),
    400,
    100,
    [['consult'], ['failed']],
  );
  f.add(
    'consult',
    operation('cc-consult', 'consult agent 1002', {
      gatewayId: gw,
      progress: false,
      params: CONSULT_1002,
      ...AGENT_FROM_CC,
    }),
    620,
    100,
    [['threeway'], ['failed'], ['failed']],
  );
  f.add(
    'threeway',
    operation('cc-threeway', 'three-way', {
      gatewayId: gw,
      progress: false,
      ...AGENT_FROM_CC,
    }),
    400,
    200,
    [['talk'], ['failed'], ['failed']],
  );
  f.add('talk', delay('all three talk 2 s', 2), 610, 200, [['complete']]);
  f.add(
    'complete',
    operation('cc-complete-transfer', 'complete transfer', {
      gatewayId: gw,
      progress: false,
      ...AGENT_FROM_CC,
    }),
    820,
    200,
    [['transferred', 'after'], ['failed']],
  );
  f.add('after', delay('talk 2 s', 2), 820, 280, [['hangup']]);
  f.add('hangup', hangUp('agent 1002 hangs up', gw, '1002'), 1030, 320, [
    ['hung-up'],
    ['failed'],
  ]);
  f.add('hung-up', debug('hung up', { complete: 'cc' }), 1230, 320);
  f.add('transferred', debug('transferred', { complete: 'cc' }), 1040, 180);
  f.add('failed', debug('failed', { complete: 'cc' }), 1040, 260);
  return f.nodes;
}

/**
 * The demo token of the dialog-webhooks story: in the webhook node's credentials and in the
 * sender's (http request, bearer token), so the example authenticates its own posts on import.
 */
const DIALOG_WEBHOOKS_DEMO_TOKEN = 'dialog-webhooks-demo-token';

function dialogWebhooksIn() {
  const f = flow(
    'dialog-webhooks-in',
    'Dialog webhooks in',
    'The dialog events node listens on POST /cc/dialogs of Node-RED\u2019s HTTP server for the\n' +
      'vendor\u2019s dialog webhooks. The inject posts the eight bodies of Conpeek\u2019s outbound-call\n' +
      'example, verbatim and in order, to http://127.0.0.1:1880/cc/dialogs (change the URL if your Node-RED listens on\n' +
      'another port). The state updates come out with the fields of their create events in\n' +
      'msg.dialog, and the closes say who hung up (msg.closedBy).\n' +
      'The webhook takes only posts carrying its token (Authorization: Bearer or x-cc-token); the\n' +
      'example ships a demo token in both nodes\u2019 credentials: change it in both.',
  );
  const gw = f.id('gateway');
  f.gateway();
  f.add('about', comment('dialog webhooks in', 'See the flow\u2019s description.'), 160, 40);
  f.add(
    'secret',
    comment(
      'the webhook\u2019s token: change the demo one',
      'The dialog events node authenticates its senders (Authentication: token). As imported,\n' +
        'the token is the demo value "' +
        DIALOG_WEBHOOKS_DEMO_TOKEN +
        '", in the credentials of the webhook node\n' +
        '(Token) and of "POST to the webhook" (Use authentication: bearer authentication, Token).\n' +
        'Before Node-RED is reachable by others, set a secret of your own in both; give the\n' +
        'platform the same token (x-cc-token header or Authorization: Bearer), or choose\n' +
        'HMAC-SHA256 signature and give it the signing secret instead. Credentials are never exported\n' +
        'with the flow.',
    ),
    480,
    40,
  );
  f.add(
    'webhook',
    {
      ...dialogEvents('POST /cc/dialogs', gw, { source: 'webhook', path: '/cc/dialogs', auth: 'token' }),
      credentials: { token: DIALOG_WEBHOOKS_DEMO_TOKEN },
    },
    170,
    100,
    [['event-debug', 'who']],
  );
  f.add('event-debug', debug('dialog (merged)', { complete: 'dialog' }), 430, 100);
  f.add(
    'who',
    fn('who ended it', [
      "if (msg.topic !== 'dialog_close') return null;",
      'msg.payload = { dialog: msg.payload.dialog_uuid, cause: msg.closeCause, closedBy: msg.closedBy };',
      'return msg;',
    ]),
    420,
    160,
    [['who-debug']],
  );
  f.add('who-debug', debug('close'), 620, 160);
  f.add('post', inject('post Conpeek\u2019s eight example webhooks', ''), 200, 240, [['bodies']]);
  f.add(
    'bodies',
    fn('the vendor\u2019s bodies', [
      '// Conpeek\u2019s example: an outbound call from a project, answered, the customer hangs up.',
      `const bodies = ${JSON.stringify(seed003Bodies())};`,
      'return [bodies.map((payload) => ({ payload }))];',
    ]),
    440,
    240,
    [['pace']],
  );
  f.add('pace', rateLimit('one by one', 4), 620, 240, [['request']]);
  f.add(
    'request',
    {
      ...httpRequest('POST to the webhook', 'POST', 'http://127.0.0.1:1880/cc/dialogs'),
      authType: 'bearer',
      credentials: { user: '', password: DIALOG_WEBHOOKS_DEMO_TOKEN },
    },
    810,
    240,
    [['status-debug']],
  );
  f.add('status-debug', debug('webhook answer', { statusVal: 'statusCode' }), 1010, 240);
  return f.nodes;
}

/** Relative path under examples/ -> the function that builds that flow. */
module.exports = {
  'stories/live-simulator-events.json': liveSimulatorEvents,
  'stories/crm-lead-preview-call.json': crmLeadPreviewCall,
  'stories/dialog-closed-crm-summary.json': dialogClosedSummary,
  'stories/consult-threeway-complete-transfer.json': consultThreewayComplete,
  'stories/dialog-webhooks-in.json': dialogWebhooksIn,
};
