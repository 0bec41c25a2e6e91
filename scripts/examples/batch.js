// Batch output of the event nodes: the ccs events of the simulator's inbound calls leave the
// cc-ccs-events node in batches, each turned into one multi-row insert (the shape a database
// node takes), instead of one message and one write per event.
'use strict';
const { flow, debug, fn, events } = require('./toolkit');

const ROWS = [
  '// One batch: msg.payload holds the messages one-per-event output would send, in order.',
  '// Turn them into rows for one insert (a database node takes msg.payload as its rows).',
  'msg.payload = msg.payload.map((m) => ({',
  '  event: m.topic,',
  '  call_id: m.payload.call_id || null,',
  '  connection_id: m.payload.connection_id || null,',
  '  state: (m.call && m.call.state) || (m.connection && m.connection.state) || null,',
  '  domain: m.payload.domain || null,',
  '}));',
  'msg.topic = `insert ${msg.count} rows`;',
  'return msg;',
];

function ccsBatches() {
  const f = flow(
    'story-ccs-events-batches',
    'ccs events in batches (database writes)',
    'The ccs events node with Output set to batches: one message per 50 events, or 2 s after\n' +
      'the first event of a batch. msg.payload is the array of the per-event messages (topic,\n' +
      'payload, call, connection), in order; the function turns a batch into the rows of one\n' +
      'insert. The embedded simulator places 12 inbound calls a minute.',
  );
  f.gateway({ inbound: 12 });
  const gw = f.id('gateway');
  f.add(
    'ccs',
    events('cc-ccs-events', 'ccs events, in batches', gw, {
      output: 'batch',
      batchSize: 50,
      batchMs: 2000,
    }),
    170,
    80,
    [['rows']],
  );
  f.add('rows', fn('rows for one insert', ROWS), 400, 80, [['insert']]);
  f.add('insert', debug('insert'), 610, 80);
  return f.nodes;
}

module.exports = {
  'stories/ccs-events-batches.json': ccsBatches,
};
