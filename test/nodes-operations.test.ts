/**
 * The operation nodes through node-red-node-test-helper against the embedded simulator over a
 * real socket: every outcome path (each caused by the simulator's number rules, hang-ups or
 * state), parameter errors, timeouts, disconnects and redeploys while pending, 100 operations
 * in flight, and the preview -> consult -> three-way -> complete chain.
 */
import assert from 'node:assert/strict';
import { delay, helper, loadOps, type Msg, type Received, type Rig } from './support/nodes-rig';

function statusTexts(rig: Rig, id: string): string[] {
  const node = rig.node(id) as unknown as {
    status: { getCalls(): { thisValue: unknown; args: [{ text?: string }] }[] };
  };
  return node.status
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]?.text ?? '');
}

async function connected(rig: Rig): Promise<void> {
  await rig.waitFor(() => rig.gateway().connectionStatus.state === 'connected', 5000, 'connected');
}

/** Place a preview call for `agent` and wait until it is bridged (a talking agent). */
async function talking(rig: Rig, agent: string, crm = `call-${agent}`): Promise<Received> {
  rig.send('p', { payload: { agent, customerNumber: '48500100201' }, crm });
  const r = await rig.outcome('p', crm);
  assert.equal(r.output, 'bridged', `preview call of ${agent}: ${JSON.stringify(r.msg.cc)}`);
  return r;
}

async function caught(rig: Rig, crm: string): Promise<Msg> {
  let m: Msg | undefined;
  await rig.waitFor(
    () => (m = rig.caught.find((c) => c.crm === crm)) !== undefined,
    3000,
    `Catch of ${crm}`,
  );
  return m as Msg;
}

describe('operation nodes', function () {
  this.timeout(30_000);

  afterEach(async () => {
    await helper.unload();
  });

  describe('cc-preview-call', () => {
    it('bridges: progress per process event, the input message carried through, msg.cc filled', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
      await connected(rig);
      rig.send('p', {
        payload: { agent: '1001', customerNumber: '48500100201' },
        crm: 'lead-1',
        crmIds: { lead: 'L-77', account: 'A-9' },
      });
      const r = await rig.outcome('p', 'lead-1');
      assert.equal(r.output, 'bridged');
      assert.deepEqual(r.msg.crmIds, { lead: 'L-77', account: 'A-9' });
      assert.equal(r.msg.topic, 'previewObCallBridge');
      const cc = r.msg.cc;
      assert.equal(cc.operation, 'previewObCall');
      assert.equal(cc.outcome, 'bridged');
      assert.equal(cc.agent, '1001');
      assert.equal(cc.stage, 'bridged');
      assert.ok(cc.reqId, 'request id');
      assert.equal(typeof cc.ids.uniqueId, 'string');
      assert.equal(typeof cc.ids.seance_id, 'string');
      assert.deepEqual(r.msg.payload, cc.events[cc.events.length - 1].data);
      const names = cc.events.map((e: { name: string }) => e.name);
      assert.deepEqual(names, [
        'previewObCallResult',
        'previewObCallStart',
        'previewObCallRinging',
        'previewObCallBridge',
      ]);
      for (const e of cc.events) assert.equal(typeof e.ts, 'number');
      const progress = rig.of('p', 'progress');
      assert.deepEqual(
        progress.map((p) => p.msg.topic),
        names,
      );
      for (const p of progress) {
        assert.equal(p.msg.crm, 'lead-1');
        assert.equal(p.msg.cc.reqId, cc.reqId);
        assert.equal(p.msg.cc.outcome, undefined);
      }
      assert.deepEqual(
        progress.map((p) => p.msg.cc.stage),
        ['calling', 'dialing', 'ringing', 'bridged'],
      );
      assert.equal(progress[2].msg.cc.events.length, 3, 'events so far');
      assert.equal(rig.caught.length, 0);
      const st = statusTexts(rig, 'p');
      assert.ok(st.includes('cc-preview-call.status.inFlight'));
      assert.equal(st[st.length - 1], 'cc-preview-call.outcome.bridged');
    });

    it('keeps progress messages apart from the outcome: a flow editing one changes nothing else', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
      await connected(rig);
      // A downstream flow on the progress output (output 2) that edits what it receives.
      rig.node('p-out2').on('input', (m: Msg) => {
        m.payload.editedDownstream = true;
        m.cc.events.length = 0;
      });
      rig.send('p', { payload: { agent: '1001', customerNumber: '48500100201' }, crm: 'lead-e' });
      const r = await rig.outcome('p', 'lead-e');
      assert.equal(r.output, 'bridged');
      assert.equal(rig.of('p', 'progress').length, 4);
      assert.equal(r.msg.cc.events.length, 4);
      for (const e of r.msg.cc.events) assert.equal(e.data.editedDownstream, undefined, e.name);
    });

    it('fails for busy, unanswered, rejecting and failing numbers, each with a reason and a Catch', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
      await connected(rig);
      const cases = [
        ['1001', '48500100200'], // busy
        ['1002', '48500100209'], // no answer
        ['1003', '48500100208'], // rejects
        ['1004', '48500100207'], // network failure
      ];
      for (const [agent, customerNumber] of cases) {
        // a short answer timeout for the number that never answers only
        const customerAnswerTimeout = customerNumber.endsWith('9') ? 1 : undefined;
        rig.send('p', {
          payload: { agent, customerNumber, customerAnswerTimeout },
          crm: customerNumber,
        });
      }
      const reasons = new Set<string>();
      for (const [, number] of cases) {
        const r = await rig.outcome('p', number);
        assert.equal(r.output, 'failed', number);
        assert.equal(r.msg.cc.outcome, 'failed');
        assert.equal(r.msg.topic, 'previewObCallResult');
        assert.notEqual(r.msg.payload.result, 0);
        assert.ok(r.msg.cc.reason, `${number} has a reason`);
        reasons.add(r.msg.cc.reason);
        const c = await caught(rig, number);
        assert.match(c.error.message, /previewObCall failed/);
      }
      assert.equal(reasons.size, 4, `distinct reasons: ${[...reasons].join(', ')}`);
    });

    it('fails with code, errorCode and message when the gateway refuses the request', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
      await connected(rig);
      rig.send('p', { payload: { agent: '9999', customerNumber: '48500100201' }, crm: 'x' });
      const r = await rig.outcome('p', 'x');
      assert.equal(r.output, 'failed');
      assert.equal(r.msg.cc.reason, 'refused');
      assert.equal(r.msg.cc.errorCode, 'UNKNOWN_AGENT');
      assert.notEqual(r.msg.cc.code, 0);
      assert.match(r.msg.cc.message, /unknown agent/);
      assert.equal(r.msg.topic, 'previewObCallResp');
      const c = await caught(rig, 'x');
      assert.match(c.error.message, /UNKNOWN_AGENT/);
    });

    it('rejects missing and malformed parameters precisely, sending nothing', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
      await connected(rig);
      const before = rig.stats().requests;
      const cases: [string, Msg, string, RegExp][] = [
        [
          'no-number',
          { agent: '1001' },
          'customerNumber',
          /customerNumber is required.*msg\.payload\.customerNumber/,
        ],
        [
          'bad-number',
          { agent: '1001', customerNumber: 'call me' },
          'customerNumber',
          /customerNumber must match/,
        ],
        [
          'no-agent',
          { customerNumber: '48500100201' },
          'agent',
          /agent is required.*msg\.payload\.agent/,
        ],
        [
          'spaced-agent',
          { agent: '10 01', customerNumber: '48500100201' },
          'agent',
          /agent must be/,
        ],
        [
          'bad-timeout',
          { agent: '1001', customerNumber: '48500100201', agentAnswerTimeout: 'soon' },
          'agentAnswerTimeout',
          /agentAnswerTimeout must be an integer/,
        ],
        [
          'big-timeout',
          { agent: '1001', customerNumber: '48500100201', agentAnswerTimeout: 9999 },
          'agentAnswerTimeout',
          /agentAnswerTimeout must be <= 600/,
        ],
        [
          'bad-vars',
          { agent: '1001', customerNumber: '48500100201', channelVariables: 'x' },
          'channelVariables',
          /channelVariables must be an object/,
        ],
        // Payloads that are not objects: the field and where it was read, no raw TypeError.
        [
          'null-payload',
          null as unknown as Msg,
          'agent',
          /agent: msg\.payload is null, not an object, so msg\.payload\.agent cannot be read/,
        ],
        ['array-payload', [1, 2] as unknown as Msg, 'agent', /agent is required.*payload\.agent/],
        ['string-payload', 'call 1001' as unknown as Msg, 'agent', /agent is required/],
        // Hostile and oversized input: refused before the wire, naming the field.
        [
          'proto-key',
          JSON.parse(
            '{"agent":"1001","customerNumber":"48500100201","channelVariables":{"__proto__":{"admin":true}}}',
          ),
          'channelVariables',
          /channelVariables: the key "__proto__" is not allowed/,
        ],
        [
          'huge-vars',
          {
            agent: '1001',
            customerNumber: '48500100201',
            channelVariables: { blob: 'x'.repeat(2 * 1024 * 1024) },
          },
          'channelVariables',
          /channelVariables is \d+ bytes of JSON, more than the 65536 allowed/,
        ],
      ];
      for (const [crm, payload] of cases) rig.send('p', { payload, crm });
      for (const [crm, , field, re] of cases) {
        const r = await rig.outcome('p', crm);
        assert.equal(r.output, 'failed', crm);
        assert.equal(r.msg.cc.reason, 'badParams', crm);
        assert.equal(r.msg.cc.errorCode, 'BAD_PARAMS');
        assert.equal(r.msg.cc.field, field, crm);
        assert.match(r.msg.cc.message, re, crm);
        assert.deepEqual(r.msg.cc.events, []);
        const c = await caught(rig, crm);
        assert.match(c.error.message, re);
      }
      await delay(50);
      assert.equal(rig.stats().requests, before, 'nothing reached the gateway');
    });

    it('reads parameters from flow context, env, fixed values and JSONata', async () => {
      process.env.CC_TEST_AGENT = '1005';
      const rig = await loadOps([
        {
          id: 'p',
          type: 'cc-preview-call',
          props: {
            agent: 'CC_TEST_AGENT',
            agentType: 'env',
            params: {
              customerNumber: { type: 'jsonata', value: '"4850010" & lead.phoneTail' },
              agentAnswerTimeout: { type: 'num', value: '20' },
              customerAnswerTimeout: { type: 'flow', value: 'answerTimeout' },
              obClid: { type: 'str', value: '48221000000' },
              channelVariables: { type: 'msg', value: 'crmIds' },
            },
            progress: false,
          },
        },
      ]);
      await connected(rig);
      (rig.node('p') as unknown as { context(): { flow: { set(k: string, v: unknown): void } } })
        .context()
        .flow.set('answerTimeout', '15');
      rig.send('p', { lead: { phoneTail: '0201' }, crmIds: { lead: 'L-1' }, crm: 'typed' });
      const r = await rig.outcome('p', 'typed');
      assert.equal(r.output, 'bridged', JSON.stringify(r.msg.cc));
      assert.equal(r.msg.cc.agent, '1005');
      assert.equal(rig.of('p', 'progress').length, 0, 'progress output off');
      delete process.env.CC_TEST_AGENT;
    });

    it('ends as failed / timeout after the node timeout', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call', props: { timeout: 0.05 } }]);
      await connected(rig);
      rig.send('p', { payload: { agent: '1001', customerNumber: '48500100209' }, crm: 't' });
      const r = await rig.outcome('p', 't');
      assert.equal(r.output, 'failed');
      assert.equal(r.msg.cc.reason, 'timeout');
      await caught(rig, 't');
      await delay(100);
      assert.equal(rig.of('p').filter((x) => x.output !== 'progress').length, 1, 'one outcome');
    });

    it('ends as failed / disconnected when the connection drops while pending', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }], {
        gateway: { reconnectInitial: 5, reconnectMax: 5 },
      });
      await connected(rig);
      rig.send('p', { payload: { agent: '1001', customerNumber: '48500100209' }, crm: 'd1' });
      rig.send('p', { payload: { agent: '1002', customerNumber: '48500100209' }, crm: 'd2' });
      await rig.waitFor(() => rig.of('p', 'progress').length >= 2, 3000, 'progress');
      await rig.simulator().stop();
      for (const crm of ['d1', 'd2']) {
        const r = await rig.outcome('p', crm);
        assert.equal(r.output, 'failed');
        assert.equal(r.msg.cc.reason, 'disconnected');
        assert.ok(r.msg.cc.events.length >= 1, 'events so far kept');
      }
      await rig.waitFor(
        () => statusTexts(rig, 'p').includes('cc-preview-call.status.reconnecting'),
        3000,
        'reconnecting status',
      );
    });

    it('ends pending operations without a message when redeployed, leaving nothing behind', async () => {
      const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
      await connected(rig);
      const sim = rig.simulator();
      const client = rig.gateway().client;
      for (let i = 1; i <= 5; i++) {
        rig.send('p', {
          payload: { agent: `100${i}`, customerNumber: '48500100209' },
          crm: `z${i}`,
        });
      }
      await rig.waitFor(() => rig.of('p', 'progress').length >= 5, 3000, 'progress');
      const sent = rig.received.length;
      await helper.unload();
      await delay(200);
      assert.equal(rig.received.length, sent, 'no message after close');
      assert.equal(rig.caught.length, 0);
      assert.equal(client?.status.state, 'closed');
      assert.equal(client?.stats().pending, 0);
      assert.equal(sim.stats().sessions, 0);
    });

    it('keeps 100 operations in flight apart, each outcome on its own input message', async () => {
      const agents: Record<string, object> = {};
      for (let i = 0; i < 100; i++) agents[String(2000 + i)] = { extension: String(9000 + i) };
      const rig = await loadOps(
        [{ id: 'p', type: 'cc-preview-call', props: { progress: false } }],
        {
          gateway: { simScenario: JSON.stringify({ agents }) },
        },
      );
      await connected(rig);
      const expected = new Map<string, string>();
      for (let i = 0; i < 100; i++) {
        const busy = i % 3 === 0;
        const number = `4850010${String(i).padStart(3, '0')}${busy ? '0' : '1'}`;
        const crm = `crm-${i}`;
        expected.set(crm, busy ? 'failed' : 'bridged');
        rig.send('p', { payload: { agent: String(2000 + i), customerNumber: number }, crm, i });
      }
      await rig.waitFor(() => rig.of('p').length >= 100, 15_000, '100 outcomes');
      const outs = rig.of('p');
      assert.equal(outs.length, 100);
      assert.equal(new Set(outs.map((o) => o.msg.crm)).size, 100, 'one outcome per input');
      assert.equal(new Set(outs.map((o) => o.msg.cc.reqId)).size, 100, 'distinct requests');
      for (const o of outs) {
        assert.equal(o.output, expected.get(o.msg.crm), o.msg.crm);
        assert.equal(o.msg.cc.agent, String(2000 + (o.msg.i as number)));
        const start = o.msg.cc.events.find(
          (e: { name: string }) => e.name === 'previewObCallStart',
        );
        if (o.output === 'bridged') assert.ok(start, `${o.msg.crm}: previewObCallStart`);
        if (start) {
          assert.equal(start.data.customerNumber.slice(-4, -1), String(o.msg.i).padStart(3, '0'));
        }
      }
    });
  });

  describe('cc-consult, cc-threeway, cc-complete-transfer, cc-call-control', () => {
    const ops = [
      { id: 'p', type: 'cc-preview-call', props: { progress: false } },
      { id: 'x', type: 'cc-consult' },
      { id: 'w', type: 'cc-threeway' },
      { id: 'f', type: 'cc-complete-transfer' },
      { id: 'n-cancel', type: 'cc-call-control', operation: 'cancelAtxfer' },
      { id: 'n-hold', type: 'cc-call-control', operation: 'hold' },
      { id: 'n-dtmf', type: 'cc-call-control', operation: 'sendDtmf' },
    ];

    it('consult: linked, failed (busy target), ended (cancelled) and refused', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      await Promise.all([talking(rig, '1001'), talking(rig, '1002'), talking(rig, '1003')]);
      rig.send('x', {
        payload: { agent: '1001', targetType: 0, target: '48500100301' },
        crm: 'k1',
      });
      rig.send('x', {
        payload: { agent: '1002', targetType: 0, target: '48500100300' },
        crm: 'k2',
      });
      rig.send('x', {
        payload: { agent: '1003', targetType: '0', target: '48500100309' },
        crm: 'k3',
      });
      rig.send('x', { payload: { agent: '1004', target: '48500100301' }, crm: 'k4' });

      const linked = await rig.outcome('x', 'k1');
      assert.equal(linked.output, 'linked');
      assert.equal(linked.msg.topic, 'atxferLink');
      assert.equal(linked.msg.cc.stage, 'linked');

      const failed = await rig.outcome('x', 'k2');
      assert.equal(failed.output, 'failed');
      assert.equal(failed.msg.topic, 'atxferError');
      assert.ok(failed.msg.cc.reason);

      await rig.waitFor(
        () =>
          rig.of('x', 'progress').some((r) => r.msg.crm === 'k3' && r.msg.topic === 'atxferStart'),
        3000,
        'consult k3 dialing',
      );
      rig.send('n-cancel', { payload: { agent: '1003' }, crm: 'c3' });
      const cancelled = await rig.outcome('n-cancel', 'c3');
      assert.equal(cancelled.output, 'done');
      const ended = await rig.outcome('x', 'k3');
      assert.equal(ended.output, 'ended');
      assert.equal(ended.msg.topic, 'atxferEnded');

      const refused = await rig.outcome('x', 'k4');
      assert.equal(refused.output, 'failed');
      assert.equal(refused.msg.cc.reason, 'refused');
      assert.equal(refused.msg.cc.errorCode, 'INVALID_STATE');
    });

    it('consult: rejects a bad target type and a missing target without sending', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      const before = rig.stats().requests;
      rig.send('x', { payload: { agent: '1001', targetType: 7, target: '123' }, crm: 'b1' });
      rig.send('x', { payload: { agent: '1001' }, crm: 'b2' });
      const b1 = await rig.outcome('x', 'b1');
      assert.equal(b1.msg.cc.field, 'targetType');
      assert.match(b1.msg.cc.message, /targetType must be one of \[0,1,2\]/);
      const b2 = await rig.outcome('x', 'b2');
      assert.equal(b2.msg.cc.field, 'target');
      assert.match(b2.msg.cc.message, /target is required/);
      await caught(rig, 'b1');
      await caught(rig, 'b2');
      assert.equal(rig.stats().requests, before);
    });

    it('three-way and complete transfer are refused outside a consult', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      await talking(rig, '1001');
      rig.send('w', { payload: { agent: '1001' }, crm: 'w1' });
      rig.send('f', { payload: { agent: '1002' }, crm: 'f1' });
      for (const [node, crm] of [
        ['w', 'w1'],
        ['f', 'f1'],
      ]) {
        const r = await rig.outcome(node, crm);
        assert.equal(r.output, 'failed');
        assert.equal(r.msg.cc.reason, 'refused');
        assert.equal(r.msg.cc.errorCode, 'INVALID_STATE');
        await caught(rig, crm);
      }
    });

    it('call control: hold is done during a call, refused without one; DTMF digits are checked', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      await talking(rig, '1001');
      rig.send('n-hold', { payload: { agent: '1001' }, crm: 'h1' });
      const done = await rig.outcome('n-hold', 'h1');
      assert.equal(done.output, 'done');
      assert.equal(done.msg.topic, 'holdResp');
      assert.equal(done.msg.cc.operation, 'hold');
      rig.send('n-hold', { payload: { agent: '1002' }, crm: 'h2' });
      const refused = await rig.outcome('n-hold', 'h2');
      assert.equal(refused.output, 'failed');
      assert.equal(refused.msg.cc.reason, 'refused');
      const before = rig.stats().requests;
      rig.send('n-dtmf', { payload: { agent: '1001', digits: '12x' }, crm: 'd1' });
      const bad = await rig.outcome('n-dtmf', 'd1');
      assert.equal(bad.output, 'failed');
      assert.equal(bad.msg.cc.field, 'digits');
      assert.equal(rig.stats().requests, before);
      rig.send('n-dtmf', { payload: { agent: '1001', digits: '12#' }, crm: 'd2' });
      assert.equal((await rig.outcome('n-dtmf', 'd2')).output, 'done');
    });

    it("call control: an operation outside the catalogue's call control fails every message", async () => {
      const rig = await loadOps([{ id: 'c', type: 'cc-call-control', operation: 'previewObCall' }]);
      rig.send('c', { payload: { agent: '1001' }, crm: 'u1' });
      const r = await rig.outcome('c', 'u1');
      assert.equal(r.output, 'failed');
      assert.equal(r.msg.cc.reason, 'config');
      assert.match(r.msg.cc.message, /unsupported operation "previewObCall"/);
      await caught(rig, 'u1');
    });

    it('runs preview call -> consult -> three-way -> complete transfer wired with our nodes only', async () => {
      const rig = await loadOps([
        { id: 'p', type: 'cc-preview-call', next: { bridged: ['x'] } },
        {
          id: 'x',
          type: 'cc-consult',
          props: {
            agent: 'cc.agent',
            agentType: 'msg',
            params: {
              targetType: { type: 'num', value: '0' },
              target: { type: 'msg', value: 'crm.consultNumber' },
            },
          },
          next: { linked: ['w'] },
        },
        {
          id: 'w',
          type: 'cc-threeway',
          props: { agent: 'cc.agent', agentType: 'msg' },
          next: { joined: ['f'] },
        },
        { id: 'f', type: 'cc-complete-transfer', props: { agent: 'cc.agent', agentType: 'msg' } },
      ]);
      await connected(rig);
      rig.send('p', {
        payload: { agent: '1001', customerNumber: '48500100201' },
        crm: { lead: 'L-42', consultNumber: '48500100301' },
      });
      const last = await rig.next('f', () => true, 10_000, 'the transfer outcome');
      assert.equal(last.output, 'transferred', JSON.stringify(last.msg.cc));
      assert.deepEqual(last.msg.crm, { lead: 'L-42', consultNumber: '48500100301' });
      assert.equal(last.msg.cc.operation, 'completeAtxfer');
      assert.equal(last.msg.topic, 'completeAtxferResult');
      assert.equal(last.msg.cc.agent, '1001');
      assert.deepEqual(
        ['p', 'x', 'w'].map((n) => rig.of(n).filter((r) => r.output !== 'progress')[0]?.output),
        ['bridged', 'linked', 'joined'],
      );
      assert.equal(rig.caught.length, 0);
    });
  });

  describe('every failure and end path against the simulator', () => {
    const ops = [
      { id: 'p', type: 'cc-preview-call', props: { progress: false } },
      { id: 'x', type: 'cc-consult' },
      { id: 'w', type: 'cc-threeway' },
      { id: 'f', type: 'cc-complete-transfer' },
      { id: 'n-hangup', type: 'cc-call-control', operation: 'sipUnlink' },
    ];

    /** Agent `agent` talks to a customer and has a linked consult with `target`. */
    async function consulting(rig: Rig, agent: string, target: string, targetType = 0) {
      await talking(rig, agent);
      const crm = `consult-${agent}`;
      rig.send('x', { payload: { agent, targetType, target }, crm });
      const r = await rig.outcome('x', crm);
      assert.equal(r.output, 'linked', JSON.stringify(r.msg.cc));
      return r;
    }

    it('preview call: fails with agentNoAnswer and canceled too', async () => {
      const rig = await loadOps(ops, {
        gateway: {
          simScenario: JSON.stringify({ agents: { 1001: {}, 1002: { answers: false } } }),
        },
      });
      await connected(rig);
      rig.send('p', {
        payload: { agent: '1002', customerNumber: '48500100201', agentAnswerTimeout: 1 },
        crm: 'no-agent',
      });
      rig.send('p', { payload: { agent: '1001', customerNumber: '48500100209' }, crm: 'cancel' });
      const noAgent = await rig.outcome('p', 'no-agent');
      assert.equal(noAgent.output, 'failed');
      assert.equal(noAgent.msg.cc.reason, 'agentNoAnswer');
      assert.equal(noAgent.msg.payload.result, 4);
      // 1002's call is over; 1001's customer never answers; the agent hangs up: canceled
      await rig.waitFor(() => rig.stats().activeCalls === 1, 3000, 'the call of 1001');
      rig.send('n-hangup', { payload: { agent: '1001' }, crm: 'hangup' });
      assert.equal((await rig.outcome('n-hangup', 'hangup')).output, 'done');
      const canceled = await rig.outcome('p', 'cancel');
      assert.equal(canceled.output, 'failed');
      assert.equal(canceled.msg.cc.reason, 'canceled');
      assert.equal(canceled.msg.payload.result, 6);
      await caught(rig, 'no-agent');
      await caught(rig, 'cancel');
    });

    it('consult: failed for a target that does not answer, rejects or cannot be reached; ended when the customer hangs up first', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      await Promise.all(['1001', '1002', '1003', '1004'].map((a) => talking(rig, a)));
      const cases: [string, string, string][] = [
        ['1001', '48500100309', 'state=noAnswer'],
        ['1002', '48500100308', 'state=rejected'],
        ['1003', '48500100307', 'state=failed'],
      ];
      for (const [agent, target] of cases) {
        rig.send('x', { payload: { agent, targetType: 0, target }, crm: `k-${agent}` });
      }
      for (const [agent, , reason] of cases) {
        const r = await rig.outcome('x', `k-${agent}`);
        assert.equal(r.output, 'failed', agent);
        assert.equal(r.msg.topic, 'atxferError');
        assert.equal(r.msg.cc.reason, reason);
        assert.deepEqual(
          r.msg.cc.events.map((e: { name: string }) => e.name),
          ['atxferStart', 'atxferError'],
        );
        await caught(rig, `k-${agent}`);
      }
      // a target that rings for 30 simulated seconds; the customer hangs up first
      rig.send('x', {
        payload: { agent: '1004', targetType: 0, target: '48500100309' },
        crm: 'k-1004',
      });
      await rig.waitFor(
        () =>
          rig
            .of('x', 'progress')
            .some((r) => r.msg.crm === 'k-1004' && r.msg.topic === 'atxferStart'),
        3000,
        'consult of 1004 ringing',
      );
      assert.ok(rig.simulator().customerHangup('1004'));
      const ended = await rig.outcome('x', 'k-1004');
      assert.equal(ended.output, 'ended');
      assert.equal(ended.msg.topic, 'atxferEnded');
      assert.equal(ended.msg.payload.hangupSide, 'customer');
      assert.equal(ended.msg.cc.reason, 'hangupSide=customer');
      assert.ok(!rig.caught.some((m) => m.crm === 'k-1004'), 'ended is not an error');
    });

    it('three-way: joined, unlinked when the target hangs up as it is joined, failed when refused', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      await Promise.all([
        consulting(rig, '1001', '48500100301'),
        consulting(rig, '1002', '48500100305'),
        consulting(rig, '1003', '48500100304'),
      ]);
      rig.send('w', { payload: { agent: '1001' }, crm: 'j' });
      rig.send('w', { payload: { agent: '1002' }, crm: 'u' });
      rig.send('w', { payload: { agent: '1003' }, crm: 'r' });
      const joined = await rig.outcome('w', 'j');
      assert.equal(joined.output, 'joined');
      assert.equal(joined.msg.payload.result, 0);
      const unlinked = await rig.outcome('w', 'u');
      assert.equal(unlinked.output, 'unlinked');
      assert.equal(unlinked.msg.topic, 'atxferThreewayUnlink');
      assert.equal(unlinked.msg.payload.reason, 'targetHangup');
      assert.equal(typeof unlinked.msg.cc.ids.uniqueId, 'string');
      assert.deepEqual(
        unlinked.msg.cc.events.map((e: { name: string }) => e.name),
        ['atxferThreewayUnlink'],
      );
      const failed = await rig.outcome('w', 'r');
      assert.equal(failed.output, 'failed');
      assert.equal(failed.msg.topic, 'threewayAtxferResult');
      assert.equal(failed.msg.payload.result, 1);
      assert.equal(failed.msg.cc.reason, 'threewayRefused');
      await caught(rig, 'r');
      assert.ok(!rig.caught.some((m) => m.crm === 'u' || m.crm === 'j'), 'not errors');
    });

    it('complete transfer: transferred, failed when refused and when the target is gone', async () => {
      const rig = await loadOps(ops);
      await connected(rig);
      await Promise.all([
        consulting(rig, '1001', '1005', 1),
        consulting(rig, '1002', '48500100304'),
        consulting(rig, '1003', '48500100305'),
      ]);
      rig.send('f', { payload: { agent: '1001' }, crm: 't' });
      rig.send('f', { payload: { agent: '1002' }, crm: 'refused' });
      rig.send('f', { payload: { agent: '1003' }, crm: 'gone' });
      const t = await rig.outcome('f', 't');
      assert.equal(t.output, 'transferred');
      assert.equal(t.msg.payload.result, 0);
      const refused = await rig.outcome('f', 'refused');
      assert.equal(refused.output, 'failed');
      assert.equal(refused.msg.topic, 'completeAtxferResult');
      assert.equal(refused.msg.payload.result, 1);
      assert.equal(refused.msg.cc.reason, 'transferRefused');
      const gone = await rig.outcome('f', 'gone');
      assert.equal(gone.output, 'failed');
      assert.equal(gone.msg.payload.result, 2);
      assert.equal(gone.msg.cc.reason, 'targetGone');
      await caught(rig, 'refused');
      await caught(rig, 'gone');
      // after a failed transfer the agent still has the customer and can hang up
      rig.send('n-hangup', { payload: { agent: '1003' }, crm: 'bye' });
      assert.equal((await rig.outcome('n-hangup', 'bye')).output, 'done');
    });
  });
});
