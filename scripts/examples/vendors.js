// The vendors' stories: a CRM lead becomes a Tinet preview call (the embedded simulator
// speaking Tinet's REST API and HTTP push by default), and Conpeek dialog webhooks become a CRM
// summary. Each comment tells how to point the flow at a real account.
'use strict';
const {
  flow,
  comment,
  inject,
  debug,
  fn,
  rateLimit,
  delay,
  hangUp,
  httpIn,
  httpResponse,
  httpRequest,
  operation,
  dialogEvents,
  seed003Bodies,
} = require('./toolkit');

const TINET_LEAD_IN = [
  '// A lead from the CRM: { id, phone, agent }. The agent is a Tinet agent number (cno).',
  'const lead = msg.payload || {};',
  "if (typeof lead.phone !== 'string' || lead.phone.trim() === '') {",
  '  msg.statusCode = 400;',
  "  msg.payload = { error: 'phone is required' };",
  '  return [null, msg.res ? msg : null];',
  '}',
  "const leadId = String(lead.id || 'lead-' + Date.now());",
  "const crm = flow.get('tinetLeads') || {};",
  "crm[leadId] = { leadId, phone: lead.phone, status: 'calling', updatedAt: new Date().toISOString() };",
  "flow.set('tinetLeads', crm);",
  "const call = { payload: { agent: String(lead.agent || '1001'), customerNumber: lead.phone }, crm: { leadId } };",
  'if (!msg.res) return [call, null];',
  'msg.statusCode = 202;',
  "msg.payload = { leadId, status: 'calling' };",
  'return [call, msg];',
];

const TINET_WRITE = (status, fields) => [
  '// Write the outcome back to the lead (CRM ids out: msg.crm.leadId).',
  "const crm = flow.get('tinetLeads') || {};",
  'const leadId = msg.crm && msg.crm.leadId;',
  'const record = crm[leadId] || { leadId };',
  `record.status = '${status}';`,
  ...fields,
  'record.updatedAt = new Date().toISOString();',
  'crm[leadId] = record;',
  "flow.set('tinetLeads', crm);",
  'msg.payload = record;',
  'return msg;',
];

function tinetCrmLead() {
  const f = flow(
    'tinet-crm-lead-preview-call',
    'Tinet: CRM lead -> preview call -> result',
    'A lead posted to POST /crm/tinet-leads becomes a Tinet preview outbound call\n' +
      '(previewOutcall, a signed REST call); the outcome comes from Tinet\u2019s HTTP pushes on\n' +
      '/cc/tinet/push and is written back to the lead: the call\u2019s uniqueId when bridged, the\n' +
      'reason (customerBusy, customerNoAnswer, agentNoAnswer) when it fails. A bridged call is\n' +
      'hung up 5 s later, so the buttons work again. By default the\n' +
      'gateway runs the embedded simulator speaking Tinet, which pushes to this Node-RED\n' +
      '(127.0.0.1, port 1880). GET /crm/tinet-leads lists the leads.',
  );
  const gw = f.id('gateway');
  f.gateway({ name: 'Tinet (embedded simulator)', platform: 'tinet' });
  f.add(
    'about',
    comment(
      'Point it at a real Tinet enterprise',
      'Double-click the gateway: Connect to = "Contact-center gateway", API base URL =\n' +
        'https://api-<region>.cticloud.cn/interface/v10, enterprise id and interface token\n' +
        '(a credential, never exported or logged), a push token. On Tinet, create push actions\n' +
        '(types 3, 6, 8 and 9) to https://<this Node-RED>/cc/tinet/push?type=<N>&token=<push\n' +
        'token>. Built from Tinet\u2019s public documents, not verified against a live account:\n' +
        'docs/tinet.md lists what to check first. Agents are Tinet agent numbers (cno).',
    ),
    260,
    40,
  );
  f.add('lead-in', httpIn('POST /crm/tinet-leads', 'post', '/crm/tinet-leads'), 150, 100, [['lead']]);
  f.add(
    'button-ok',
    inject('CRM button: lead T-1 (answers)', { id: 'T-1', phone: '48500100201', agent: '1001' }),
    160,
    160,
    [['lead']],
  );
  f.add(
    'button-busy',
    inject('CRM button: lead T-2 (busy)', { id: 'T-2', phone: '48500100200', agent: '1002' }),
    150,
    200,
    [['lead']],
  );
  f.add('lead', fn('CRM lead -> Tinet call', TINET_LEAD_IN, 2), 410, 140, [
    ['preview'],
    ['accepted'],
  ]);
  f.add('accepted', httpResponse('202 accepted'), 620, 80);
  f.add(
    'preview',
    operation('cc-preview-call', 'Tinet preview call', { gatewayId: gw }),
    630,
    160,
    [['write-bridged', 'talk'], ['write-failed'], ['progress']],
  );
  f.add('talk', delay('talk 5 s', 5), 630, 240, [['hangup']]);
  f.add('hangup', hangUp('hang up', gw), 800, 290, [[], []]);
  f.add(
    'write-bridged',
    fn(
      'CRM: write the call id',
      TINET_WRITE('bridged', ['record.uniqueId = msg.cc.ids.uniqueId || null;', 'delete record.reason;']),
    ),
    850,
    120,
    [['crm-debug']],
  );
  f.add(
    'write-failed',
    fn(
      'CRM: write the reason',
      TINET_WRITE('failed', [
        'record.reason = msg.cc.reason;',
        'record.message = msg.cc.message || null;',
      ]),
    ),
    850,
    180,
    [['crm-debug']],
  );
  f.add('progress', debug('Tinet pushes (progress)', { active: false }), 850, 240);
  f.add('crm-debug', debug('Tinet lead'), 1040, 150);
  f.add('list-in', httpIn('GET /crm/tinet-leads', 'get', '/crm/tinet-leads'), 150, 300, [['list']]);
  f.add(
    'list',
    fn('CRM: read leads', ["msg.payload = Object.values(flow.get('tinetLeads') || {});", 'return msg;']),
    400,
    300,
    [['list-out']],
  );
  f.add('list-out', httpResponse('leads'), 600, 300);
  return f.nodes;
}

const CONPEEK_SUMMARY = [
  '// A customer dialog closed: summarise the call for the CRM (msg.dialog is the merged',
  '// dialog, msg.closedBy says which side ended it).',
  'const d = msg.dialog || {};',
  'const fields = d.fields || {};',
  "const summaries = flow.get('conpeekCalls') || [];",
  'const summary = {',
  '  dialogUuid: msg.payload.dialog_uuid,',
  '  customer: fields.self_target || null,',
  '  consultant: fields.peer_name || null,',
  '  project: fields.peer_project_name || null,',
  '  closedBy: msg.closedBy,',
  '  closeCause: msg.closeCause || null,',
  '  states: (d.states || []).map((s) => s.state),',
  '};',
  'summaries.push(summary);',
  "flow.set('conpeekCalls', summaries);",
  'msg.payload = summary;',
  'return msg;',
];

function conpeekDialogs() {
  const f = flow(
    'conpeek-dialogs-crm-summary',
    'Conpeek: dialog webhooks -> CRM summary',
    'Conpeek posts its user_dialog webhooks to POST /cc/conpeek/dialogs (sender "Conpeek": any\n' +
      'content type, other Conpeek event classes answered 200 and not emitted). When the\n' +
      'customer\u2019s dialog closes, a summary goes to the CRM (flow context here; GET\n' +
      '/crm/conpeek-calls lists them). The inject posts Conpeek\u2019s documented outbound-call\n' +
      'bodies without a content type, and a voice_campaign event, to\n' +
      'http://127.0.0.1:1880/cc/conpeek/dialogs (change the port if yours differs).',
  );
  const gw = f.id('gateway');
  f.gateway();
  f.add(
    'about',
    comment(
      'Point it at a real Conpeek application',
      'On Conpeek: PUT /application/{id}/webhook with url = https://<this Node-RED>/cc/conpeek/dialogs,\n' +
        'retry_enabled with a retry_config backoff, and headers {"x-cc-token": "<token>"}; subscribe\n' +
        'dialog_create, dialog_state_update and dialog_close. Then set the webhook node\u2019s\n' +
        'authentication to "token" with the same token (it is open to anyone as imported, and\n' +
        'warns so). See the README\u2019s Conpeek section.',
    ),
    250,
    40,
  );
  f.add(
    'webhook',
    dialogEvents('POST /cc/conpeek/dialogs', gw, {
      source: 'webhook',
      path: '/cc/conpeek/dialogs',
      preset: 'conpeek',
      auth: 'none',
      events: 'dialog_close',
      dialogTypes: 'EXTERNAL',
    }),
    190,
    100,
    [['summary']],
  );
  f.add('summary', fn('CRM: store the call summary', CONPEEK_SUMMARY), 460, 100, [['summary-debug']]);
  f.add('summary-debug', debug('CRM call summary'), 690, 100);
  f.add('post', inject('Conpeek posts its webhooks', '', { once: true, onceDelay: 1 }), 190, 180, [['bodies']]);
  f.add(
    'bodies',
    fn('Conpeek\u2019s bodies (no content type)', [
      '// An outbound call from a project: the customer answers, then hangs up; then an event',
      '// of another class (voice_campaign) on the same URL, acknowledged and not emitted.',
      `const bodies = ${JSON.stringify(seed003Bodies())};`,
      "bodies.push({ event_type: 'voice_campaign', event_name: 'campaign_contact_update', campaign_id: 12, state: 'finished' });",
      '// Strings: the http request node then sends no content type, as Conpeek may not either.',
      'return [bodies.map((b) => ({ payload: JSON.stringify(b) }))];',
    ]),
    430,
    180,
    [['pace']],
  );
  f.add('pace', rateLimit('one by one', 4), 620, 180, [['request']]);
  f.add(
    'request',
    httpRequest('POST to the webhook', 'POST', 'http://127.0.0.1:1880/cc/conpeek/dialogs'),
    800,
    180,
    [['answer-debug']],
  );
  f.add('answer-debug', debug('webhook answer'), 1000, 180);
  f.add('list-in', httpIn('GET /crm/conpeek-calls', 'get', '/crm/conpeek-calls'), 170, 260, [['list']]);
  f.add(
    'list',
    fn('CRM: read summaries', ["msg.payload = flow.get('conpeekCalls') || [];", 'return msg;']),
    420,
    260,
    [['list-out']],
  );
  f.add('list-out', httpResponse('summaries'), 620, 260);
  return f.nodes;
}

module.exports = {
  'stories/tinet-crm-lead-preview-call.json': tinetCrmLead,
  'stories/conpeek-dialogs-crm-summary.json': conpeekDialogs,
};
