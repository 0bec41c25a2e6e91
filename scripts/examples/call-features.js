// Examples of what the contact center does around calls: recordings (the code of each finished
// recording kept with the call), the IVR and its queue (menu choice by DTMF, routing to a
// project, queueStatus), and two ccsevents domains with forked, parallel-ringing calls.
'use strict';
const { flow, debug, fn, events, agentEvents } = require('./toolkit');

const isTopic = (name, topic) => ({
  type: 'switch',
  name,
  property: 'topic',
  propertyType: 'msg',
  rules: [{ t: 'eq', v: topic, vt: 'str' }],
  checkall: 'true',
  repair: false,
  outputs: 1,
});

const RECORDING_LINK = [
  '// A finished recording: its code is the key the platform\u2019s recording download uses.',
  '// Keep it with the call, as a CRM would on the contact\u2019s call history.',
  'const info = msg.payload.info || {};',
  "const recordings = flow.get('recordings') || [];",
  'const rec = {',
  '  seance: msg.payload.seance_id,',
  '  connection: msg.payload.connection_id,',
  '  code: info.record_code,',
  '  seconds: Math.round((info.duration_ms || 0) / 1000),',
  '  legs: msg.connection ? msg.connection.call_ids : [],',
  '};',
  'recordings.push(rec);',
  "flow.set('recordings', recordings.slice(-100));",
  'msg.payload = rec;',
  'return msg;',
];

function callRecordings() {
  const f = flow(
    'story-call-recordings',
    'Call recordings',
    'Every connected call is recorded (the simulator\u2019s scenario says so): the ccs events\n' +
      'node passes connection_start_record and connection_set_record_info; when a recording is\n' +
      'complete, its code (the key of the recording download) is kept with the call.\n' +
      'The embedded simulator places 6 inbound calls a minute.',
  );
  f.gateway({ inbound: 6, scenario: { recording: true } });
  const gw = f.id('gateway');
  f.add(
    'records',
    events('cc-ccs-events', 'recording events', gw, {
      events: 'connection_start_record,connection_set_record_info',
    }),
    170,
    80,
    [['done']],
  );
  f.add('done', isTopic('complete?', 'connection_set_record_info'), 380, 80, [['keep']]);
  f.add('keep', fn('keep the recording code', RECORDING_LINK), 580, 80, [['kept']]);
  f.add('kept', debug('recording'), 800, 80);
  return f.nodes;
}


function ivrQueue() {
  const f = flow(
    'story-ivr-queue',
    'IVR, menu choice and queue',
    'Every inbound call goes through the IVR: the customer hears the menu (1 sales, 2 support),\n' +
      'presses a key (call_dtmf on the customer\u2019s leg) and is routed to the project\u2019s\n' +
      'agents, one at a time; when none is free the call waits in the queue (queueStatus).\n' +
      'The embedded simulator places 12 inbound calls a minute; sales has two agents.',
  );
  f.gateway({
    inbound: 12,
    scenario: {
      inboundMode: 'ivr',
      ivr: {
        menu: {
          1: { name: 'sales', agents: ['1001', '1002'] },
          2: { name: 'support', agents: ['1003', '1004', '1005'] },
        },
      },
    },
  });
  const gw = f.id('gateway');
  f.add('keys', events('cc-ccs-events', 'menu choice', gw, { events: 'call_dtmf' }), 150, 80, [
    ['key'],
  ]);
  f.add('key', debug('key pressed', { complete: 'payload.digit' }), 380, 80);
  f.add(
    'routed',
    events('cc-seance-events', 'routed to a project', gw, { events: 'seance_update' }),
    170,
    140,
    [['project']],
  );
  f.add('project', debug('project', { complete: 'payload.info' }), 400, 140);
  f.add('queue', agentEvents('queue', gw, { events: 'queueStatus', enrich: false }), 140, 200, [
    ['waiting'],
  ]);
  f.add('waiting', debug('queue status'), 380, 200);
  return f.nodes;
}

function twoDomains() {
  const sales = 'sales.cc.local';
  const support = 'support.cc.local';
  const f = flow(
    'story-two-domains-forked',
    'Two domains, forked calls',
    'Agents 1001-1003 work in the ccsevents domain sales.cc.local, 1004-1006 in\n' +
      'support.cc.local. Every inbound call rings at two idle agents at once; the first to\n' +
      'answer takes it. Each domain\u2019s node receives its own copy of the events of a call its\n' +
      'agents take part in: a domain whose agent did not answer sees only that agent\u2019s fork.',
  );
  const agents = {};
  for (const id of ['1001', '1002', '1003']) agents[id] = { domain: sales };
  for (const id of ['1004', '1005', '1006']) agents[id] = { domain: support, answerAfterMs: 1500 };
  f.gateway({ inbound: 12, scenario: { inboundMode: 'forked', agents } });
  const gw = f.id('gateway');
  f.add('sales', events('cc-ccs-events', 'sales domain', gw, { domains: sales }), 150, 80, [
    ['salesOut'],
  ]);
  f.add('salesOut', debug('sales events'), 380, 80);
  f.add('support', events('cc-ccs-events', 'support domain', gw, { domains: support }), 160, 140, [
    ['supportOut'],
  ]);
  f.add('supportOut', debug('support events'), 390, 140);
  f.add(
    'lost',
    agentEvents('answered elsewhere', gw, { events: 'agentStatus', enrich: false }),
    170,
    200,
    [['elsewhere']],
  );
  f.add(
    'elsewhere',
    {
      type: 'switch',
      name: 'fork released?',
      property: 'payload.reason',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'answeredElsewhere', vt: 'str' }],
      checkall: 'true',
      repair: false,
      outputs: 1,
    },
    400,
    200,
    [['released']],
  );
  f.add('released', debug('fork released', { complete: 'agent' }), 610, 200);
  return f.nodes;
}

/** Relative path under examples/ -> the function that builds that flow. */
module.exports = {
  'stories/call-recordings.json': callRecordings,
  'stories/ivr-queue.json': ivrQueue,
  'stories/two-domains-forked.json': twoDomains,
};
