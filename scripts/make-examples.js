#!/usr/bin/env node
// Writes the importable example flows in examples/ (Node-RED lists that folder under
// Import > Examples). One source for all of them keeps ids unique per example, layouts tidy
// and every example's cc-gateway the same embedded-simulator config node.
//
//   node scripts/make-examples.js          write examples/nodes/*.json and examples/stories/*.json
//   node scripts/make-examples.js --check  exit 1 when a committed example differs
//
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

/** Stable 16-hex-digit ids: unique per example, unchanged between runs. */
function idOf(slug, key) {
  return crypto.createHash('sha256').update(`${slug}/${key}`).digest('hex').slice(0, 16);
}

/** The eight dialog webhook bodies of seed 003, verbatim and in the seed's order. */
function seed003Bodies() {
  const file = path.join(root, 'test', 'fixtures', 'seeds', '003_f315eb356672ae0f.txt');
  const text = fs.readFileSync(file, 'utf8');
  const bodies = [];
  let from = 0;
  for (;;) {
    const at = text.indexOf('Body', from);
    if (at < 0) break;
    const start = text.indexOf('{', at);
    let depth = 0;
    let end = start;
    let inString = false;
    for (; end < text.length; end++) {
      const c = text[end];
      if (inString) {
        if (c === '\\') end++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    bodies.push(JSON.parse(text.slice(start, end + 1)));
    from = end + 1;
  }
  if (bodies.length !== 8) throw new Error(`seed 003: expected 8 bodies, found ${bodies.length}`);
  return bodies;
}

/** A flow under construction: nodes keyed by a short name, wired by those names. */
function flow(slug, label, info) {
  const tabId = idOf(slug, 'tab');
  const nodes = [{ id: tabId, type: 'tab', label, disabled: false, info }];
  const api = {
    slug,
    tab: tabId,
    id: (key) => idOf(slug, key),
    /** Adds a node on the tab; `wires` lists, per output, the keys of the nodes it feeds. */
    add(key, node, x, y, wires) {
      const n = { id: idOf(slug, key), ...node, z: tabId, x, y };
      if (wires !== undefined) n.wires = wires.map((out) => out.map((k) => idOf(slug, k)));
      nodes.push(n);
      return api;
    },
    /** The embedded-simulator gateway every example includes (a global config node). */
    gateway(opts = {}) {
      nodes.push({
        id: idOf(slug, 'gateway'),
        type: 'cc-gateway',
        name: opts.name || 'embedded simulator',
        mode: 'simulator',
        url: '',
        tenant: 'demo',
        ca: '',
        verifyCert: true,
        heartbeat: 15,
        responseTimeout: 10,
        reconnectInitial: 0.5,
        reconnectMax: 30,
        simSpeed: 1,
        simInbound: opts.inbound || 0,
        simScenario: '',
        trackerTtl: 9,
        trackerMax: 10000,
      });
      return api;
    },
    nodes,
  };
  return api;
}

// --- node shapes --------------------------------------------------------------------------

const comment = (name, info = '') => ({ type: 'comment', name, info, wires: [] });

const inject = (name, payload, opts = {}) => ({
  type: 'inject',
  name,
  props: [{ p: 'payload' }],
  repeat: '',
  crontab: '',
  once: !!opts.once,
  onceDelay: opts.onceDelay ?? 0.1,
  topic: '',
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  payloadType: typeof payload === 'string' ? 'str' : 'json',
});

const debug = (name, opts = {}) => ({
  type: 'debug',
  name,
  active: opts.active !== false,
  tosidebar: true,
  console: false,
  tostatus: opts.tostatus !== false,
  complete: opts.complete || 'payload',
  targetType: opts.complete === 'true' ? 'full' : 'msg',
  statusVal: opts.statusVal || '',
  statusType: opts.statusVal ? 'msg' : 'auto',
  wires: [],
});

const fn = (name, func, outputs = 1) => ({
  type: 'function',
  name,
  func: Array.isArray(func) ? func.join('\n') : func,
  outputs,
  timeout: 0,
  noerr: 0,
  initialize: '',
  finalize: '',
  libs: [],
});

const delay = (name, seconds) => ({
  type: 'delay',
  name,
  pauseType: 'delay',
  timeout: String(seconds),
  timeoutUnits: 'seconds',
  rate: '1',
  nbRateUnits: '1',
  rateUnits: 'second',
  randomFirst: '1',
  randomLast: '5',
  randomUnits: 'seconds',
  drop: false,
  allowrate: false,
  outputs: 1,
});

const rateLimit = (name, perSecond) => ({
  ...delay(name, 1),
  pauseType: 'rate',
  rate: String(perSecond),
});

const httpIn = (name, method, url) => ({
  type: 'http in',
  name,
  url,
  method,
  upload: false,
  swaggerDoc: '',
});

const httpResponse = (name) => ({ type: 'http response', name, statusCode: '', headers: {} });

const httpRequest = (name, method, url) => ({
  type: 'http request',
  name,
  method,
  ret: 'obj',
  paytoqs: 'ignore',
  url,
  tls: '',
  persist: false,
  proxy: '',
  insecureHTTPParser: false,
  authType: '',
  senderr: false,
  headers: [],
});

/** An operation node; `params` maps a parameter to a TypedInput {type, value}. */
function operation(type, name, outcomes, opts = {}) {
  const progress = opts.progress !== false;
  const n = {
    type,
    name,
    gateway: opts.gatewayId,
    agent: opts.agent ?? 'payload.agent',
    agentType: opts.agentType ?? 'msg',
    params: opts.params ?? {},
    timeout: opts.timeout ?? '',
    progress,
    outputs: outcomes + (progress ? 1 : 0),
  };
  if (opts.operation) n.operation = opts.operation;
  return n;
}

const OUTCOMES = {
  'cc-preview-call': 2, // bridged, failed
  'cc-consult': 3, // linked, ended, failed
  'cc-threeway': 3, // joined, unlinked, failed
  'cc-complete-transfer': 2, // transferred, failed
  'cc-call-control': 2, // done, failed
};

const AGENT_FROM_CC = { agent: 'cc.agent', agentType: 'msg' };
const CONSULT_1002 = {
  targetType: { type: 'num', value: '1' },
  target: { type: 'str', value: '1002' },
};

function events(type, name, gatewayId, extra = {}) {
  return {
    type,
    name,
    gateway: gatewayId,
    events: '',
    domains: '',
    ...extra,
  };
}

function dialogEvents(name, gatewayId, extra = {}) {
  return {
    type: 'cc-dialog-events',
    name,
    source: 'gateway',
    gateway: gatewayId,
    path: '',
    maxKb: 256,
    events: '',
    dialogTypes: '',
    states: '',
    directions: '',
    projects: '',
    ...extra,
  };
}

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
      'simulator with 6 inbound calls a minute: its dialog, call / connection and seance\n' +
      'events show in the debug sidebar. A preview call is placed 3 s after deploy (click the\n' +
      'inject buttons for more); the bridged call is hung up 8 s later.',
  );
  const gw = f.id('gateway');
  f.gateway({ name: 'embedded simulator (6 calls/min)', inbound: 6 });
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
  f.add('dialog', dialogEvents('dialog events', gw), 150, 100, [['dialog-debug']]);
  f.add('dialog-debug', debug('dialog event'), 420, 100);
  f.add('ccs', events('cc-ccs-events', 'call / connection events', gw), 170, 160, [['ccs-debug']]);
  f.add('ccs-debug', debug('ccs event'), 420, 160);
  f.add('seance', events('cc-seance-events', 'seance events', gw), 150, 220, [['seance-debug']]);
  f.add('seance-debug', debug('seance event'), 420, 220);
  f.add(
    'call-ok',
    inject(
      'agent 1010 calls 48500100201',
      { agent: '1010', customerNumber: '48500100201' },
      {
        once: true,
        onceDelay: 3,
      },
    ),
    190,
    300,
    [['preview']],
  );
  f.add(
    'call-busy',
    inject('agent 1009 calls a busy number', { agent: '1009', customerNumber: '48500100200' }),
    190,
    340,
    [['preview']],
  );
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', OUTCOMES['cc-preview-call'], { gatewayId: gw }),
    440,
    320,
    [['bridged', 'wait'], ['failed'], ['progress']],
  );
  f.add('bridged', debug('bridged', { complete: 'cc' }), 680, 280);
  f.add('failed', debug('failed', { complete: 'cc' }), 680, 320);
  f.add('progress', debug('progress', { active: false }), 680, 360);
  f.add('wait', delay('talk 8 s', 8), 680, 420, [['hangup']]);
  f.add(
    'hangup',
    operation('cc-call-control', 'hang up', OUTCOMES['cc-call-control'], {
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
      'GET /crm/leads lists the records. Numbers ending in 0 are busy in the simulator.',
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
    operation('cc-preview-call', 'preview call', OUTCOMES['cc-preview-call'], { gatewayId: gw }),
    610,
    160,
    [['write-bridged'], ['write-failed'], ['progress']],
  );
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
    operation('cc-preview-call', 'preview call', OUTCOMES['cc-preview-call'], {
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
      'with agent 1002. Each step reads the agent from msg.cc.agent of the step before; any\n' +
      'failure goes to the "failed" debug node (and to a Catch node, if you add one).',
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
    operation('cc-preview-call', 'preview call', OUTCOMES['cc-preview-call'], {
      gatewayId: gw,
      progress: false,
    }),
    400,
    100,
    [['consult'], ['failed']],
  );
  f.add(
    'consult',
    operation('cc-consult', 'consult agent 1002', OUTCOMES['cc-consult'], {
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
    operation('cc-threeway', 'three-way', OUTCOMES['cc-threeway'], {
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
    operation('cc-complete-transfer', 'complete transfer', OUTCOMES['cc-complete-transfer'], {
      gatewayId: gw,
      progress: false,
      ...AGENT_FROM_CC,
    }),
    820,
    200,
    [['transferred'], ['failed']],
  );
  f.add('transferred', debug('transferred', { complete: 'cc' }), 1040, 180);
  f.add('failed', debug('failed', { complete: 'cc' }), 1040, 260);
  return f.nodes;
}

function dialogWebhooksIn() {
  const f = flow(
    'dialog-webhooks-in',
    'Dialog webhooks in',
    'The dialog events node listens on POST /cc/dialogs of Node-RED\u2019s HTTP server for the\n' +
      'vendor\u2019s dialog webhooks. The inject posts seed 003\u2019s eight bodies, verbatim and in\n' +
      'order, to http://127.0.0.1:1880/cc/dialogs (change the URL if your Node-RED listens on\n' +
      'another port). The state updates come out with the fields of their create events in\n' +
      'msg.dialog, and the closes say who hung up (msg.closedBy).',
  );
  const gw = f.id('gateway');
  f.gateway();
  f.add('about', comment('dialog webhooks in', 'See the flow\u2019s description.'), 160, 40);
  f.add(
    'webhook',
    dialogEvents('POST /cc/dialogs', gw, { source: 'webhook', path: '/cc/dialogs' }),
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
  f.add('post', inject('post seed 003\u2019s eight webhooks', ''), 200, 240, [['bodies']]);
  f.add(
    'bodies',
    fn('the vendor\u2019s bodies', [
      '// Seed 003: an outbound call from a project, customer answers, customer hangs up.',
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
    httpRequest('POST to the webhook', 'POST', 'http://127.0.0.1:1880/cc/dialogs'),
    810,
    240,
    [['status-debug']],
  );
  f.add('status-debug', debug('webhook answer', { statusVal: 'statusCode' }), 1010, 240);
  return f.nodes;
}

// --- one example per node -------------------------------------------------------------------

function nodeExample(type, label, info, build) {
  const f = flow(`node-${type}`, label, info);
  f.gateway(build.gateway || {});
  build(f, f.id('gateway'));
  return f.nodes;
}

const callFirst = (f, gw, next, y = 100) => {
  f.add(
    'call',
    inject('agent 1001 calls 48500100201', { agent: '1001', customerNumber: '48500100201' }),
    170,
    y,
    [['preview']],
  );
  f.add(
    'preview',
    operation('cc-preview-call', 'preview call', OUTCOMES['cc-preview-call'], {
      gatewayId: gw,
      progress: false,
    }),
    400,
    y,
    [[next], ['failed']],
  );
};

const NODE_EXAMPLES = {
  'cc-preview-call': [
    'cc-preview-call',
    'Preview call: agent 1001 calls a customer. The outputs are bridged, failed and progress.\n' +
      'In the simulator numbers ending in 0 are busy, 9 never answer, 8 reject, 7 fail.',
    (f, gw) => {
      f.add(
        'ok',
        inject('agent 1001 calls 48500100201', { agent: '1001', customerNumber: '48500100201' }),
        170,
        80,
        [['preview']],
      );
      f.add(
        'busy',
        inject('agent 1002 calls 48500100200 (busy)', {
          agent: '1002',
          customerNumber: '48500100200',
        }),
        180,
        120,
        [['preview']],
      );
      f.add(
        'preview',
        operation('cc-preview-call', '', OUTCOMES['cc-preview-call'], { gatewayId: gw }),
        430,
        100,
        [['bridged'], ['failed'], ['progress']],
      );
      f.add('bridged', debug('bridged', { complete: 'cc' }), 640, 60);
      f.add('failed', debug('failed', { complete: 'cc' }), 640, 100);
      f.add('progress', debug('progress'), 640, 140);
    },
  ],
  'cc-consult': [
    'cc-consult',
    'Consult: once agent 1001\u2019s call is bridged, consult agent 1002 (target type 1 = agent).\n' +
      'The outputs are linked, ended, failed and progress.',
    (f, gw) => {
      callFirst(f, gw, 'consult');
      f.add(
        'consult',
        operation('cc-consult', 'consult agent 1002', OUTCOMES['cc-consult'], {
          gatewayId: gw,
          params: CONSULT_1002,
          ...AGENT_FROM_CC,
        }),
        640,
        100,
        [['linked'], ['ended'], ['failed'], ['progress']],
      );
      f.add('linked', debug('linked', { complete: 'cc' }), 860, 60);
      f.add('ended', debug('ended', { complete: 'cc' }), 860, 100);
      f.add('failed', debug('failed', { complete: 'cc' }), 860, 140);
      f.add('progress', debug('progress'), 860, 180);
    },
  ],
  'cc-threeway': [
    'cc-threeway',
    'Three-way: call, consult agent 1002, then join all three. The outputs are joined,\n' +
      'unlinked, failed and progress.',
    (f, gw) => {
      callFirst(f, gw, 'consult');
      f.add(
        'consult',
        operation('cc-consult', 'consult agent 1002', OUTCOMES['cc-consult'], {
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
        operation('cc-threeway', '', OUTCOMES['cc-threeway'], { gatewayId: gw, ...AGENT_FROM_CC }),
        820,
        100,
        [['joined'], ['unlinked'], ['failed'], ['progress']],
      );
      f.add('joined', debug('joined', { complete: 'cc' }), 1020, 60);
      f.add('unlinked', debug('unlinked', { complete: 'cc' }), 1020, 100);
      f.add('failed', debug('failed', { complete: 'cc' }), 1020, 180);
      f.add('progress', debug('progress'), 1020, 140);
    },
  ],
  'cc-complete-transfer': [
    'cc-complete-transfer',
    'Complete transfer: call, consult agent 1002, then hand the customer over. The outputs\n' +
      'are transferred, failed and progress.',
    (f, gw) => {
      callFirst(f, gw, 'consult');
      f.add(
        'consult',
        operation('cc-consult', 'consult agent 1002', OUTCOMES['cc-consult'], {
          gatewayId: gw,
          progress: false,
          params: CONSULT_1002,
          ...AGENT_FROM_CC,
        }),
        620,
        100,
        [['complete'], ['failed'], ['failed']],
      );
      f.add(
        'complete',
        operation('cc-complete-transfer', '', OUTCOMES['cc-complete-transfer'], {
          gatewayId: gw,
          ...AGENT_FROM_CC,
        }),
        840,
        100,
        [['transferred'], ['failed'], ['progress']],
      );
      f.add('transferred', debug('transferred', { complete: 'cc' }), 1060, 60);
      f.add('failed', debug('failed', { complete: 'cc' }), 1060, 140);
      f.add('progress', debug('progress'), 1060, 100);
    },
  ],
  'cc-call-control': [
    'cc-call-control',
    'Call control: once the call is bridged, hold the customer, take them off hold after 2 s,\n' +
      'then hang up after 2 s more. The outputs are done and failed.',
    (f, gw) => {
      callFirst(f, gw, 'hold');
      const control = (name, op) =>
        operation('cc-call-control', name, OUTCOMES['cc-call-control'], {
          gatewayId: gw,
          operation: op,
          progress: false,
          ...AGENT_FROM_CC,
        });
      f.add('hold', control('hold', 'hold'), 600, 100, [['held', 'wait1'], ['failed']]);
      f.add('wait1', delay('2 s', 2), 760, 100, [['unhold']]);
      f.add('unhold', control('unhold', 'unhold'), 420, 200, [['wait2'], ['failed']]);
      f.add('wait2', delay('2 s', 2), 590, 200, [['hangup']]);
      f.add('hangup', control('hang up', 'sipUnlink'), 760, 200, [['done'], ['failed']]);
      f.add('held', debug('held', { complete: 'cc' }), 960, 60);
      f.add('done', debug('hung up', { complete: 'cc' }), 960, 200);
      f.add('failed', debug('failed', { complete: 'cc' }), 960, 260);
    },
  ],
  'cc-dialog-events': [
    'cc-dialog-events',
    'Dialog events from the gateway subscription: the embedded simulator places 12 inbound\n' +
      'calls a minute. msg.payload is the webhook body, msg.dialog the merged dialog,\n' +
      'msg.call the dialogs of the call. For the HTTP webhook source see the story\n' +
      '"dialog webhooks in".',
    Object.assign(
      (f, gw) => {
        f.add('dialog', dialogEvents('', gw), 150, 80, [['all']]);
        f.add('closes', dialogEvents('closes', gw, { events: 'dialog_close' }), 140, 140, [
          ['closed'],
        ]);
        f.add('all', debug('dialog event'), 380, 80);
        f.add('closed', debug('closed by', { complete: 'closedBy' }), 380, 140);
      },
      { gateway: { inbound: 12 } },
    ),
  ],
  'cc-ccs-events': [
    'cc-ccs-events',
    'ccsevents call_* and connection_* events: the embedded simulator places 12 inbound calls\n' +
      'a minute. msg.call and msg.connection are the tracked snapshots.',
    Object.assign(
      (f, gw) => {
        f.add('ccs', events('cc-ccs-events', '', gw), 150, 80, [['all']]);
        f.add(
          'creates',
          events('cc-ccs-events', 'call_create only', gw, { events: 'call_create' }),
          160,
          140,
          [['call']],
        );
        f.add('all', debug('ccs event'), 380, 80);
        f.add('call', debug('call snapshot', { complete: 'call' }), 390, 140);
      },
      { gateway: { inbound: 12 } },
    ),
  ],
  'cc-seance-events': [
    'cc-seance-events',
    'ccsevents seance_* events: the embedded simulator places 12 inbound calls a minute.\n' +
      'msg.seance holds the session\u2019s calls, connections, state and transfer chain.',
    Object.assign(
      (f, gw) => {
        f.add('seance', events('cc-seance-events', '', gw), 150, 80, [['all', 'snap']]);
        f.add('all', debug('seance event'), 380, 80);
        f.add('snap', debug('seance snapshot', { complete: 'seance' }), 390, 140);
      },
      { gateway: { inbound: 12 } },
    ),
  ],
};

/** Every example: relative path -> flow. */
function buildAll() {
  const out = {
    'stories/live-simulator-events.json': liveSimulatorEvents(),
    'stories/crm-lead-preview-call.json': crmLeadPreviewCall(),
    'stories/dialog-closed-crm-summary.json': dialogClosedSummary(),
    'stories/consult-threeway-complete-transfer.json': consultThreewayComplete(),
    'stories/dialog-webhooks-in.json': dialogWebhooksIn(),
  };
  for (const [type, [label, info, build]] of Object.entries(NODE_EXAMPLES)) {
    out[`nodes/${type}.json`] = nodeExample(type, label, info, build);
  }
  return out;
}

function serialise(nodes) {
  return JSON.stringify(nodes, null, 2) + '\n';
}

function main() {
  const check = process.argv.includes('--check');
  let differs = 0;
  for (const [rel, nodes] of Object.entries(buildAll())) {
    const file = path.join(root, 'examples', rel);
    const text = serialise(nodes);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    if (check) {
      console.error(`examples/${rel} differs from scripts/make-examples.js`);
      differs++;
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote examples/${rel}`);
    }
  }
  if (differs) process.exit(1);
}

module.exports = { buildAll, serialise, seed003Bodies };

if (require.main === module) main();
