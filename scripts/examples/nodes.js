// One example per node (Import > Examples > nodes), each with the embedded-simulator gateway.
'use strict';
const {
  flow,
  inject,
  debug,
  delay,
  operation,
  hangUp,
  events,
  dialogEvents,
  AGENT_FROM_CC,
  CONSULT_1002,
} = require('./toolkit');

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
    operation('cc-preview-call', 'preview call', {
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
      'In the simulator numbers ending in 0 are busy, 9 never answer, 8 reject, 7 fail.\n' +
      'The bridged call is hung up after 3 s, so the buttons work again.',
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
        operation('cc-preview-call', '', { gatewayId: gw }),
        430,
        100,
        [['bridged', 'talk'], ['failed'], ['progress']],
      );
      f.add('bridged', debug('bridged', { complete: 'cc' }), 640, 60);
      f.add('failed', debug('failed', { complete: 'cc' }), 640, 100);
      f.add('progress', debug('progress'), 640, 140);
      f.add('talk', delay('talk 3 s', 3), 420, 200, [['hangup']]);
      f.add('hangup', hangUp('hang up', gw), 600, 200, [['hung-up'], ['hung-up']]);
      f.add('hung-up', debug('hung up', { complete: 'cc' }), 800, 200);
    },
  ],
  'cc-consult': [
    'cc-consult',
    'Consult: once agent 1001\u2019s call is bridged, consult agent 1002 (target type 1 = agent).\n' +
      'The outputs are linked, ended, failed and progress. After 2 s the consult is cancelled\n' +
      'and agent 1001 hangs up, so the button works again.',
    (f, gw) => {
      callFirst(f, gw, 'consult');
      f.add(
        'consult',
        operation('cc-consult', 'consult agent 1002', {
          gatewayId: gw,
          params: CONSULT_1002,
          ...AGENT_FROM_CC,
        }),
        640,
        100,
        [['linked', 'talk'], ['ended', 'hangup'], ['failed', 'hangup'], ['progress']],
      );
      f.add('linked', debug('linked', { complete: 'cc' }), 860, 60);
      f.add('ended', debug('ended', { complete: 'cc' }), 860, 100);
      f.add('failed', debug('failed', { complete: 'cc' }), 860, 140);
      f.add('progress', debug('progress'), 860, 180);
      f.add('talk', delay('consult 2 s', 2), 400, 240, [['cancel']]);
      f.add(
        'cancel',
        operation('cc-call-control', 'cancel consult', {
          gatewayId: gw,
          operation: 'cancelAtxfer',
          progress: false,
          ...AGENT_FROM_CC,
        }),
        580,
        240,
        [['hangup'], ['hangup']],
      );
      f.add('hangup', hangUp('hang up', gw), 760, 240, [['hung-up'], ['hung-up']]);
      f.add('hung-up', debug('hung up', { complete: 'cc' }), 940, 240);
    },
  ],
  'cc-threeway': [
    'cc-threeway',
    'Three-way: call, consult agent 1002, then join all three. The outputs are joined,\n' +
      'unlinked, failed and progress. After 2 s agents 1001 and 1002 hang up, so the button\n' +
      'works again.',
    (f, gw) => {
      callFirst(f, gw, 'consult');
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
        operation('cc-threeway', '', { gatewayId: gw, ...AGENT_FROM_CC }),
        820,
        100,
        [['joined', 'talk'], ['unlinked'], ['failed'], ['progress']],
      );
      f.add('talk', delay('all three talk 2 s', 2), 420, 240, [['hangup']]);
      f.add('hangup', hangUp('agent 1001 hangs up', gw), 620, 240, [['hangup2'], ['hangup2']]);
      f.add('hangup2', hangUp('agent 1002 hangs up', gw, '1002'), 820, 240, [
        ['hung-up'],
        ['hung-up'],
      ]);
      f.add('hung-up', debug('hung up', { complete: 'cc' }), 1020, 240);
      f.add('joined', debug('joined', { complete: 'cc' }), 1020, 60);
      f.add('unlinked', debug('unlinked', { complete: 'cc' }), 1020, 100);
      f.add('failed', debug('failed', { complete: 'cc' }), 1020, 180);
      f.add('progress', debug('progress'), 1020, 140);
    },
  ],
  'cc-complete-transfer': [
    'cc-complete-transfer',
    'Complete transfer: call, consult agent 1002, then hand the customer over. The outputs\n' +
      'are transferred, failed and progress. Agent 1002 hangs up 2 s after the transfer, so the\n' +
      'button works again.',
    (f, gw) => {
      callFirst(f, gw, 'consult');
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
        [['complete'], ['failed'], ['failed']],
      );
      f.add(
        'complete',
        operation('cc-complete-transfer', '', {
          gatewayId: gw,
          ...AGENT_FROM_CC,
        }),
        840,
        100,
        [['transferred', 'talk'], ['failed'], ['progress']],
      );
      f.add('talk', delay('talk 2 s', 2), 620, 220, [['hangup']]);
      f.add('hangup', hangUp('agent 1002 hangs up', gw, '1002'), 820, 220, [
        ['hung-up'],
        ['hung-up'],
      ]);
      f.add('hung-up', debug('hung up', { complete: 'cc' }), 1040, 220);
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
        operation('cc-call-control', name, {
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


/** Relative path under examples/ -> the function that builds that flow. */
module.exports = Object.fromEntries(
  Object.entries(NODE_EXAMPLES).map(([type, [label, info, build]]) => [
    `nodes/${type}.json`,
    () => nodeExample(type, label, info, build),
  ]),
);
