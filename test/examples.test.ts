/**
 * Every flow in examples/ loads in the Node-RED test helper with our nodes and the core nodes
 * it uses, against the real embedded simulator of its own cc-gateway (over a real socket),
 * and the stories produce what they promise: the CRM record written back, the dialog summary,
 * the transfer chain, Conpeek's dialog webhooks in. The flows are loaded as committed; the only
 * change is the simulator's speed (and, for the webhook story, the port in the URL).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { TestVisitor } from './support/chat-visitor';
import { until } from './support/wait';

/** How long a wait of this file may take on a loaded machine. */
const WAIT_MS = 15_000;

import {
  EXAMPLES,
  EXAMPLE_FILES,
  FLOWS,
  OUR_TYPES,
  byName,
  collect,
  example,
  examplesHttpNode,
  forgetHttpNode,
  helper,
  load,
  press,
  root,
  type FlowNode,
  type Msg,
} from './support/examples';

/** The config nodes an example may bring as its one embedded simulator. */
const SIMULATOR_CONFIGS = ['cc-gateway', 'cc-chat-app', 'cc-webrtc-account'];

describe('examples', function () {
  this.timeout(40000);

  afterEach(async () => {
    await helper.unload();
    forgetHttpNode();
  });

  it('are all importable flows: no other kind of file under examples/', () => {
    const notFlows = EXAMPLE_FILES.filter((e) => !Array.isArray(e.data)).map((e) => e.rel);
    assert.deepEqual(notFlows, []);
  });

  it('are flow arrays with a tab, an embedded-simulator gateway and unique ids', () => {
    assert.ok(FLOWS.length >= 13, `${FLOWS.length} example flows`);
    const seen = new Map<string, string>();
    for (const { rel, data } of FLOWS) {
      const tabs = data.filter((n) => n.type === 'tab');
      assert.equal(tabs.length, 1, `${rel}: one tab`);
      // One config node: a contact-center gateway, a helpdesk chat application or a WebRTC account.
      const gateways = data.filter((n) => SIMULATOR_CONFIGS.includes(n.type));
      assert.equal(gateways.length, 1, `${rel}: one ${SIMULATOR_CONFIGS.join(' or ')}`);
      const embedded = gateways[0].type === 'cc-chat-app' ? 'embedded' : 'simulator';
      assert.equal(gateways[0].mode, embedded, `${rel}: embedded simulator`);
      assert.equal(gateways[0].z, undefined, `${rel}: the gateway is a global config node`);
      for (const n of data) {
        const other = seen.get(n.id);
        assert.equal(other, undefined, `${rel}: id ${n.id} also used in ${other}`);
        seen.set(n.id, rel);
        if (n.type !== 'tab' && n.type !== gateways[0].type) {
          assert.equal(n.z, tabs[0].id, `${rel}: ${n.type} ${n.id} is not on the tab`);
        }
        if (n.gateway !== undefined && n.gateway !== '') {
          assert.equal(n.gateway, gateways[0].id, `${rel}: ${n.type} uses another gateway`);
        }
        if (n.account !== undefined) {
          assert.equal(n.account, gateways[0].id, `${rel}: ${n.type} uses another account`);
        }
        if (n.app !== undefined) {
          assert.equal(n.app, gateways[0].id, `${rel}: ${n.type} uses another chat app`);
        }
        for (const out of n.wires ?? []) {
          for (const target of out) {
            assert.ok(
              data.some((m) => m.id === target),
              `${rel}: wire to missing ${target}`,
            );
          }
        }
      }
    }
  });

  it('has an example for every non-config node, and the stories', () => {
    const rels = FLOWS.map((e) => e.rel);
    for (const type of OUR_TYPES.filter((t) => !SIMULATOR_CONFIGS.includes(t))) {
      assert.ok(rels.includes(path.join('nodes', `${type}.json`)), `no example for ${type}`);
    }
    for (const story of [
      'crm-lead-preview-call',
      'dialog-closed-crm-summary',
      'consult-threeway-complete-transfer',
      'dialog-webhooks-in',
      'live-simulator-events',
      'screen-pop-crm',
      'agent-shift-supervisor',
      'call-recordings',
      'era-ccsevents',
      'helpdesk-chat',
      'helpdesk-chat-crm-transcript',
      'tinet-crm-lead-preview-call',
      'conpeek-dialogs-crm-summary',
      'ivr-queue',
      'two-domains-forked',
    ]) {
      assert.ok(rels.includes(path.join('stories', `${story}.json`)), `no story ${story}`);
    }
  });

  it('are what scripts/make-examples.js writes', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildAll, serialise } = require(path.join(root, 'scripts', 'make-examples.js'));
    const built: Record<string, unknown[]> = buildAll();
    for (const [rel, nodes] of Object.entries(built)) {
      const file = path.join(EXAMPLES, rel);
      assert.equal(fs.readFileSync(file, 'utf8'), serialise(nodes), `examples/${rel} is stale`);
    }
  });

  for (const { rel, data } of FLOWS) {
    it(`${rel} loads with every node running and its simulator connected`, async () => {
      const flow = example(rel);
      await load(flow);
      for (const n of data) {
        if (n.type === 'tab') continue;
        assert.ok(helper.getNode(n.id), `${n.type} ${n.name ?? n.id} is not running`);
      }
      const account = data.find((n) => n.type === 'cc-webrtc-account');
      if (account) {
        await helper.getNode(account.id).ready();
        return;
      }
      const chatApp = data.find((n) => n.type === 'cc-chat-app');
      if (chatApp) {
        const app = helper.getNode(chatApp.id);
        await until('the chat app to discover', () => app.appState?.state === 'ready', WAIT_MS);
        return;
      }
      const gateway = helper.getNode(data.find((n) => n.type === 'cc-gateway')!.id);
      const users = data.filter((n) => n.gateway);
      if (users.some((n) => n.source !== 'webhook')) {
        await until(
          'the gateway to connect',
          () => gateway.connectionStatus?.state === 'connected',
          WAIT_MS,
        );
      }
    });
  }

  describe('node examples produce their outcome', () => {
    const cases: [string, string, string, string][] = [
      // example, inject, debug node that receives the outcome, outcome
      ['cc-preview-call', 'agent 1001 calls 48500100201', 'bridged', 'bridged'],
      ['cc-preview-call', 'agent 1002 calls 48500100200 (busy)', 'failed', 'failed'],
      ['cc-consult', 'agent 1001 calls 48500100201', 'linked', 'linked'],
      ['cc-threeway', 'agent 1001 calls 48500100201', 'joined', 'joined'],
      ['cc-complete-transfer', 'agent 1001 calls 48500100201', 'transferred', 'transferred'],
      ['cc-call-control', 'agent 1001 calls 48500100201', 'hung up', 'done'],
    ];
    for (const [type, injectName, debugName, outcome] of cases) {
      it(`${type}: "${injectName}" ends ${outcome}`, async () => {
        const flow = example(`nodes/${type}.json`);
        await load(flow);
        const got = collect(byName(flow, debugName, 'debug').id);
        const failed = byName(flow, 'failed', 'debug');
        const failures = failed.name === debugName ? [] : collect(failed.id);
        press(flow, injectName);
        const msg = await until(`${debugName} output`, () => got[0] ?? failures[0], WAIT_MS);
        assert.equal(msg.cc?.outcome, outcome, JSON.stringify(msg.cc));
        assert.equal(msg.cc.agent, injectName.startsWith('agent 1002') ? '1002' : '1001');
      });
    }

    for (const type of [
      'cc-dialog-events',
      'cc-ccs-events',
      'cc-seance-events',
      'cc-agent-events',
    ]) {
      it(`${type}: events of the simulator's inbound calls arrive`, async () => {
        const flow = example(`nodes/${type}.json`, { simSpeed: 10, simInbound: 600 });
        await load(flow);
        const debugs = flow.filter((n) => n.type === 'debug');
        const streams = debugs.map((d) => collect(d.id));
        await until(
          'a message at every debug node',
          () => streams.every((s) => s.length > 0),
          WAIT_MS,
        );
        const first = streams[0][0];
        assert.equal(typeof first.topic, 'string');
        assert.equal(typeof first.payload, 'object');
      });
    }
  });

  describe('stories', () => {
    it('CRM lead -> preview call -> the result is written back to the CRM record', async () => {
      const flow = example('stories/crm-lead-preview-call.json');
      await load(flow);
      assert.ok(examplesHttpNode(), 'httpNode not recorded');
      const app = examplesHttpNode()!;
      const records = collect(byName(flow, 'CRM record', 'debug').id);

      const accepted = await request(app)
        .post('/crm/leads')
        .send({ id: 'L-7', phone: '48500100205', agent: '1003' })
        .expect(202);
      assert.deepEqual(accepted.body, { leadId: 'L-7', status: 'calling' });
      await request(app).post('/crm/leads').send({ id: 'L-8' }).expect(400);
      press(flow, 'CRM button: lead L-1002 (busy)');

      const read = async (id: string) => (await request(app).get(`/crm/leads/${id}`)).body;
      const bridged = await until(
        'L-7 bridged',
        () => records.find((m) => m.payload.leadId === 'L-7'),
        WAIT_MS,
      );
      assert.equal(bridged.payload.status, 'bridged');
      assert.equal(bridged.crm.leadId, 'L-7', 'CRM ids in, CRM ids out');
      const l7 = await read('L-7');
      assert.equal(l7.status, 'bridged');
      assert.equal(l7.phone, '48500100205');
      assert.ok(l7.callId && l7.callId === bridged.cc.ids.call_id, 'call id written back');
      assert.ok(l7.seanceId, 'seance id written back');

      await until(
        'L-1002 failed',
        () => records.find((m) => m.payload.leadId === 'L-1002'),
        WAIT_MS,
      );
      const l1002 = await read('L-1002');
      assert.equal(l1002.status, 'failed');
      assert.ok(l1002.reason, 'the failure reason is written back');
      const list = (await request(app).get('/crm/leads').expect(200)).body as Msg[];
      assert.deepEqual(list.map((r) => r.leadId).sort(), ['L-1002', 'L-7']);
      await request(app).get('/crm/leads/nope').expect(404);
    });

    it('dialog closed -> a summary is posted to the CRM', async () => {
      const flow = example('stories/dialog-closed-crm-summary.json');
      await load(flow);
      const summaries = collect(byName(flow, 'CRM call summary', 'debug').id);
      press(flow, 'agent 1001 calls 48500100206 (hangs up after 10 s)');
      const msg = await until('a summary', () => summaries[0], 20000);
      const s = msg.payload;
      assert.equal(s.closedBy, 'customer', JSON.stringify(s));
      assert.equal(s.customer, '48500100206');
      assert.equal(typeof s.dialogUuid, 'string');
      assert.ok(s.states.length > 0, 'the states of the dialog');
      const list = (await request(examplesHttpNode()!).get('/crm/calls').expect(200)).body as Msg[];
      assert.equal(list.length, 1);
      assert.equal(list[0].dialogUuid, s.dialogUuid);
    });

    it('consult, three-way, complete transfer run end to end', async () => {
      const flow = example('stories/consult-threeway-complete-transfer.json');
      await load(flow);
      const done = collect(byName(flow, 'transferred', 'debug').id);
      const failed = collect(byName(flow, 'failed', 'debug').id);
      press(flow, 'agent 1001 calls 48500100201');
      const msg = await until('transferred or failed', () => done[0] ?? failed[0], WAIT_MS);
      assert.equal(msg.cc.outcome, 'transferred', JSON.stringify(msg.cc));
      assert.equal(msg.cc.operation, 'completeAtxfer');
      assert.equal(msg.cc.agent, '1001');
      assert.equal(failed.length, 0);
    });

    it("dialog webhooks in: Conpeek's eight bodies, posted with the example's token, give eight merged events and two closes", async () => {
      const flow = example('stories/dialog-webhooks-in.json');
      // The committed URL is Node-RED's default port; here the runtime's httpNode listens on
      // a free port of its own.
      const post = byName(flow, 'POST to the webhook', 'http request');
      assert.equal(post.url, 'http://127.0.0.1:1880/cc/dialogs');
      const server = http.createServer((req, res) => examplesHttpNode()!(req, res));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        post.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cc/dialogs`;
        await load(flow);
        assert.ok(examplesHttpNode(), 'httpNode not recorded');
        const events = collect(byName(flow, 'dialog (merged)', 'debug').id);
        const closes = collect(byName(flow, 'close', 'debug').id);
        const answers = collect(byName(flow, 'webhook answer', 'debug').id);
        press(flow, 'post Conpeek\u2019s eight example webhooks');
        await until('eight answers', () => answers.length === 8, WAIT_MS);
        for (const a of answers) assert.ok(a.statusCode >= 200 && a.statusCode < 300, a.payload);
        await until('eight events', () => events.length === 8, WAIT_MS);
        assert.deepEqual(
          events.map((m) => m.topic),
          [
            'dialog_create',
            'dialog_create',
            'dialog_state_update',
            'dialog_state_update',
            'dialog_state_update',
            'dialog_state_update',
            'dialog_close',
            'dialog_close',
          ],
        );
        const update = events[2];
        assert.equal(update.dialog.dialog_type, 'EXTERNAL', 'the update carries its create');
        assert.equal(closes.length, 2);
        assert.deepEqual(
          closes.map((m) => m.payload.closedBy),
          ['customer', 'customer'],
          JSON.stringify(closes.map((m) => m.payload)),
        );
        // The webhook is not open: the sender's token is what lets the posts in.
        const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const body = { event_type: 'user_dialog', event_name: 'dialog_create' };
        const refused = await request(hook).post('/cc/dialogs').send(body);
        assert.equal(refused.status, 401, JSON.stringify(refused.body));
        assert.equal(refused.body.error, 'UNAUTHORIZED');
        assert.match(refused.body.message, /missing token/);
        assert.equal(events.length, 8);
      } finally {
        await new Promise((r) => server.close(r));
      }
    });

    it('live simulator events (the npm start demo) shows events and a preview call', async () => {
      // Ten times faster, but with the demo's real-time inbound rate (6 calls a real minute):
      // at 60 inbound calls a real minute, round-robin routing could make agent 1010 ring
      // before the inject fires, and its preview call was then refused (INVALID_STATE).
      const flow = example('stories/live-simulator-events.json', { simSpeed: 10, simInbound: 0.6 });
      await load(flow);
      const dialog = collect(byName(flow, 'dialog event', 'debug').id);
      const ccs = collect(byName(flow, 'ccs event', 'debug').id);
      const seance = collect(byName(flow, 'seance event', 'debug').id);
      const bridged = collect(byName(flow, 'bridged', 'debug').id);
      const failed = collect(byName(flow, 'failed', 'debug').id);
      await until('events of every family', () => dialog[0] && ccs[0] && seance[0], WAIT_MS);
      // The inject fires 3 s after deploy by itself.
      const b = await until('the demo call bridged', () => bridged[0] ?? failed[0], 15000);
      assert.equal(b.cc.outcome, 'bridged', JSON.stringify(b.cc));
    });

    it('live simulator events: quick clicks take the free agents in turn, and none while all three are busy', async () => {
      // Real time: the calls last long enough for all three agents to be busy at once.
      const flow = example('stories/live-simulator-events.json', { simSpeed: 1, simInbound: 0 });
      await load(flow);
      const picker = helper.getNode(byName(flow, 'a free outbound agent', 'function').id);
      // The agents' states live in global context, which outlives a flow in this test process.
      picker.context().global.set('ccDemoAgents', undefined);
      const asked: string[] = [];
      helper
        .getNode(byName(flow, 'preview call', 'cc-preview-call').id)
        .on('input', (m: Msg) => asked.push(m.payload.agent));
      const bridged = collect(byName(flow, 'bridged', 'debug').id);
      const failed = collect(byName(flow, 'failed', 'debug').id);
      const warnings: string[] = [];
      picker.on('call:warn', (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
      // A fast quadruple click (and the inject fires by itself 3 s after deploy too).
      for (let i = 0; i < 4; i++) press(flow, '3 s after deploy');
      await until('three calls bridged', () => bridged.length >= 3 || failed[0], 30000);
      assert.deepEqual(failed, [], 'nothing failed, nothing refused');
      assert.deepEqual(asked, ['1006', '1007', '1008'], 'each click a different agent');
      assert.deepEqual(bridged.map((m) => m.cc.agent).sort(), ['1006', '1007', '1008']);
      await until('the fourth click told', () => warnings[0], WAIT_MS);
      assert.match(warnings[0], /1006, 1007 and 1008 are all busy: no preview call placed/);
    });

    it('screen pop: an inbound call ringing at an agent pops the CRM contact; wrap-up logs the call', async () => {
      const flow = example('stories/screen-pop-crm.json', { simSpeed: 10, simInbound: 120 });
      await load(flow);
      const pops = collect(byName(flow, 'screen pop', 'debug').id);
      const logged = collect(byName(flow, 'call logged', 'debug').id);
      const pop = await until('a screen pop', () => pops[0]);
      assert.match(pop.payload.agent, /^10\d\d$/);
      assert.equal(pop.payload.contact.phone, pop.caller.number);
      assert.ok(pop.payload.seance, 'the seance of the ringing call');
      assert.ok(pop.payload.dialog, "the customer's dialog");
      const log = await until('a call logged at wrap-up', () => logged[0], 30000);
      assert.match(log.payload.number, /^48\d+$/);
      assert.ok(log.payload.seance);
    });

    it('call recordings: the code of each finished recording is kept with the call', async () => {
      const flow = example('stories/call-recordings.json', { simSpeed: 20, simInbound: 120 });
      await load(flow);
      const kept = collect(byName(flow, 'recording', 'debug').id);
      const rec = await until('a finished recording', () => kept[0], 30000);
      assert.equal(typeof rec.payload.code, 'string');
      assert.ok(rec.payload.code.length > 0);
      assert.ok(rec.payload.seance && rec.payload.connection);
      assert.ok(rec.payload.legs.length >= 2, 'the recorded connection joined the legs');
    });

    it('Era / Incoplax ccsevents: events arrive over the Era wire and each session is summarised once', async () => {
      const flow = example('stories/era-ccsevents.json', { simSpeed: 20, simInbound: 6 });
      await load(flow);
      const gateway = helper.getNode(flow.find((n) => n.type === 'cc-gateway')!.id);
      await until('connected', () => gateway.connectionStatus?.state === 'connected', WAIT_MS);
      assert.equal(gateway.client.platform, 'era');
      const ccs = collect(byName(flow, 'ccs event', 'debug').id);
      const ended = collect(byName(flow, 'session ended', 'debug').id);
      await until('call / connection events', () => ccs[0], WAIT_MS);
      const summary = await until('a session summary', () => ended[0], 20000);
      assert.match(summary.payload.seance, /\S/);
      assert.ok(summary.payload.legs >= 2, JSON.stringify(summary.payload));
      assert.equal(
        ended.filter((m) => m.payload.seance === summary.payload.seance).length,
        1,
        'one summary per session',
      );
      // the operation button: a preview call over the Era REST call control, then hung up
      const bridged = collect(byName(flow, 'bridged', 'debug').id);
      const hungUp = collect(byName(flow, 'hung up', 'debug').id);
      press(flow, 'agent 1010 calls 48500100201');
      const call = await until('the preview call bridged', () => bridged[0], WAIT_MS);
      assert.equal(call.cc.operation, 'previewObCall');
      assert.equal(call.cc.agent, '1010');
      const hang = await until('hung up', () => hungUp[0], WAIT_MS);
      assert.equal(hang.cc.operation, 'sipUnlink');
      assert.equal(hang.cc.outcome, 'done');
    });

    /** Serve the recorded httpNode on a loopback port (for senders that need a real URL). */
    async function serveHttpNode(): Promise<{ base: string; close(): Promise<void> }> {
      const server = http.createServer((req, res) => examplesHttpNode()?.(req, res));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      return {
        base: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
    }

    it('Tinet: a CRM lead becomes a Tinet preview call; bridged and busy outcomes are written back from the pushes', async () => {
      const server = await serveHttpNode();
      try {
        const pushUrl = `${server.base}/cc/tinet/push`;
        const flow = example('stories/tinet-crm-lead-preview-call.json', {
          simSpeed: 20,
          tinetSimPushUrl: pushUrl,
        });
        await load(flow);
        const gateway = helper.getNode(flow.find((n) => n.type === 'cc-gateway')!.id);
        await until('connected', () => gateway.connectionStatus?.state === 'connected', WAIT_MS);
        assert.equal(gateway.client.platform, 'tinet');
        const leads = collect(byName(flow, 'Tinet lead', 'debug').id);
        press(flow, 'CRM button: lead T-1 (answers)');
        press(flow, 'CRM button: lead T-2 (busy)');
        const t1 = await until('T-1', () => leads.find((m) => m.payload.leadId === 'T-1'), WAIT_MS);
        const t2 = await until('T-2', () => leads.find((m) => m.payload.leadId === 'T-2'), WAIT_MS);
        assert.equal(t1.payload.status, 'bridged', JSON.stringify(t1.cc));
        assert.match(String(t1.payload.uniqueId), /\S/);
        assert.equal(t2.payload.status, 'failed');
        assert.equal(t2.payload.reason, 'customerBusy');
        const list = await request(server.base).get('/crm/tinet-leads').expect(200);
        assert.equal(list.body.length, 2);
      } finally {
        await helper.unload();
        await server.close();
      }
    });

    it('Conpeek: the documented bodies without a content type and a voice_campaign event are all acknowledged; one summary reaches the CRM', async () => {
      const server = await serveHttpNode();
      try {
        const flow = example('stories/conpeek-dialogs-crm-summary.json');
        byName(flow, 'POST to the webhook', 'http request').url =
          `${server.base}/cc/conpeek/dialogs`;
        await load(flow);
        const answers = collect(byName(flow, 'webhook answer', 'debug').id);
        const summaries = collect(byName(flow, 'CRM call summary', 'debug').id);
        press(flow, 'Conpeek posts its webhooks');
        await until('nine answers', () => answers.length >= 9, WAIT_MS);
        assert.ok(
          answers.every((m) => m.statusCode === 200),
          JSON.stringify(answers.map((m) => m.payload)),
        );
        assert.deepEqual(answers[answers.length - 1].payload, {
          ok: true,
          duplicate: false,
          ignored: 'voice_campaign',
        });
        const summary = await until('a summary', () => summaries[0], WAIT_MS);
        assert.equal(summary.payload.closedBy, 'customer');
        assert.equal(summary.payload.closeCause, 'HANGUP');
        const list = await request(server.base).get('/crm/conpeek-calls').expect(200);
        assert.equal(list.body.length, 1);
      } finally {
        await helper.unload();
        await server.close();
      }
    });

    it('IVR and queue: each caller presses a key, is routed to its project, and queues when it is busy', async () => {
      const flow = example('stories/ivr-queue.json', { simSpeed: 20, simInbound: 300 });
      await load(flow);
      const keys = collect(byName(flow, 'key pressed', 'debug').id);
      const projects = collect(byName(flow, 'project', 'debug').id);
      const queue = collect(byName(flow, 'queue status', 'debug').id);
      await until('calls routed and a queue', () => keys[0] && projects[0] && queue[0], 30000);
      assert.ok(['1', '2'].includes(keys[0].payload.digit), JSON.stringify(keys[0].payload));
      assert.ok(['sales', 'support'].includes(projects[0].payload.info.project));
      assert.ok(['sales', 'support'].includes(queue[0].payload.queue));
      assert.equal(typeof queue[0].payload.waiting, 'number');
    });

    it('two domains: each domain node gets its copies; a fork that did not answer is released', async () => {
      const flow = example('stories/two-domains-forked.json', { simSpeed: 20, simInbound: 120 });
      await load(flow);
      const sales = collect(byName(flow, 'sales events', 'debug').id);
      const support = collect(byName(flow, 'support events', 'debug').id);
      const released = collect(byName(flow, 'fork released', 'debug').id);
      await until(
        'both domains and a released fork',
        () => sales[0] && support[0] && released[0],
        30000,
      );
      assert.ok(sales.every((m) => m.payload.domain === 'sales.cc.local'));
      assert.ok(support.every((m) => m.payload.domain === 'support.cc.local'));
      assert.equal(released[0].payload.reason, 'answeredElsewhere');
    });

    it('agent shift: login, pause, logout and a supervisor listening in end done', async () => {
      const flow = example('stories/agent-shift-supervisor.json');
      await load(flow);
      const done = collect(byName(flow, 'done', 'debug').id);
      const failed = collect(byName(flow, 'failed', 'debug').id);
      const status = collect(byName(flow, 'agent status', 'debug').id);
      const gateway = helper.getNode(flow.find((n) => n.type === 'cc-gateway')!.id);
      await until('connected', () => gateway.connectionStatus?.state === 'connected');
      await until('subscribed', () => gateway.client?.stats().framesIn >= 2);
      const step = async (name: string, operation: string) => {
        press(flow, name);
        const m = await until(name, () =>
          [...done, ...failed].find((x) => x.cc?.operation === operation),
        );
        assert.equal(m.cc.outcome, 'done', `${name}: ${JSON.stringify(m.cc)}`);
      };
      await step('1004 logs in on 8004', 'login');
      await step('1004 pauses', 'pause');
      await step('1004 is ready', 'unpause');
      await step('set 1004 offline', 'setOffline');
      await step('set 1004 online', 'setOnline');
      await step('1004 logs out', 'logout');
      press(flow, '1001 calls 48500100201');
      const spy = await until('the supervisor listening', () =>
        [...done, ...failed].find((x) => x.cc?.operation === 'spy'),
      );
      assert.equal(spy.cc.outcome, 'done', JSON.stringify(spy.cc));
      await until('1010 talking', () =>
        status.find((m) => m.agent === '1010' && m.payload.state === 'talking'),
      );
      assert.deepEqual(
        status.filter((m) => m.agent === '1004').map((m) => m.payload.state),
        ['idle', 'paused', 'idle', 'offline', 'idle', 'offline'],
      );
    });
  });

  describe('helpdesk chat examples', () => {
    // The chat app's embedded simulator posts its callbacks to Node-RED's HTTP server: here the
    // runtime's httpNode, served on a free loopback port (the one change to the committed flow
    // besides the speed: the callback base URL).
    let server: http.Server;
    let base = '';
    const visitors: TestVisitor[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        const node = examplesHttpNode();
        if (node) node(req, res);
        else res.writeHead(503).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    afterEach(() => {
      for (const v of visitors.splice(0)) v.stop();
    });

    async function chatExample(rel: string): Promise<FlowNode[]> {
      const flow = example(rel);
      const app = flow.find((n) => n.type === 'cc-chat-app')!;
      app.callbackBase = base;
      await load(flow);
      const node = helper.getNode(app.id);
      await until('the chat app ready', () => node.appState?.state === 'ready', WAIT_MS);
      return flow;
    }

    /** Opens the flow's visitor entry (a redirect to the visitor page) as the page does. */
    async function visit(url: string, name = 'Jane'): Promise<TestVisitor> {
      const res = await fetch(`${base}${url}`, { redirect: 'manual' });
      assert.equal(res.status, 302, await res.text());
      const page = new URL(res.headers.get('location') ?? '');
      assert.equal(page.pathname, '/chat/visitor.html');
      const v = new TestVisitor(
        page.searchParams.get('discover') ?? '',
        page.searchParams.get('token') ?? '',
        name,
      );
      visitors.push(v);
      assert.equal(await v.connect(), 201);
      assert.equal(await v.invite('visitor-op'), 201);
      return v;
    }

    it('the helpdesk story: invitation to terminate, each callback with its operation id', async () => {
      const flow = await chatExample('stories/helpdesk-chat.json');
      const joined = collect(byName(flow, 'representative joined', 'debug').id);
      const terminated = collect(byName(flow, 'terminated', 'debug').id);
      const failed = collect(byName(flow, 'failed', 'debug').id);
      const v = await visit('/helpdesk');
      const j = await until('Alice joined', () => joined[0] ?? failed[0], WAIT_MS);
      assert.equal(j.chat.outcome, 'joined', JSON.stringify(j.chat));
      await until(
        'the greeting',
        () => v.events.some((e) => e.rel === 'message' && e.embedded.participant?.name === 'Alice'),
        WAIT_MS,
      );
      await v.say('My order is late');
      await until(
        'the answer',
        () =>
          v.events.filter((e) => e.rel === 'message' && e.embedded.participant?.name === 'Alice')
            .length === 2,
        WAIT_MS,
      );
      await v.close();
      const t = await until('terminated', () => terminated[0] ?? failed[1], WAIT_MS);
      assert.equal(t.chat.outcome, 'terminated');
      const log = (await (await fetch(`${base}/helpdesk/log`)).json()) as Msg[];
      const seq = log.map((l) => l.topic).filter((x) => !x.startsWith('participantInvitation '));
      assert.deepEqual(seq, [
        'messagingInvitation',
        'conversationAdded',
        'meetingStarted',
        'invitationAccepted',
        'conversationBridgeAdded',
        'bridgedParticipantAdded',
        'messageSending',
        'messageDelivered',
        'participantInvited',
        'participantJoined',
        'participantTyping',
        'message',
        'message',
        'participantTyping',
        'message',
        'conversationDeleted',
        'participantLeft',
        'conversationDeleted',
      ]);
      const idOf = (topic: string, nth = 0) =>
        log.filter((l) => l.topic === topic)[nth].operationId;
      assert.equal(idOf('messagingInvitation'), 'visitor-op');
      assert.equal(idOf('participantJoined'), j.chat.operationId);
      assert.equal(idOf('conversationDeleted', 1), t.chat.operationId);
      assert.equal(idOf('meetingStarted'), idOf('conversationAdded'));
      assert.equal(
        idOf('conversationBridgeAdded'),
        idOf('message', 1),
        'the visitor speaks through the bridge',
      );
      assert.equal(failed.length, 0);
    });

    it('the CRM hook: the transcript is posted to the CRM when the visitor closes the chat', async () => {
      const flow = await chatExample('stories/helpdesk-chat-crm-transcript.json');
      const joined = collect(byName(flow, 'representative joined', 'debug').id);
      const transcripts = collect(byName(flow, 'CRM transcript', 'debug').id);
      const v = await visit('/helpdesk-crm', 'Ann');
      await until('Alice joined', () => joined[0], WAIT_MS);
      await until(
        'the greeting',
        () => v.events.some((e) => e.rel === 'message' && e.embedded.participant?.name === 'Alice'),
        WAIT_MS,
      );
      await v.say('Please call me back');
      await v.close();
      const m = await until('the transcript', () => transcripts[0], WAIT_MS);
      assert.equal(m.payload.visitor, 'Ann');
      const lines = m.payload.lines.map((l: Msg) => `${l.from}: ${l.text}`);
      assert.equal(lines[0].startsWith('Helpdesk: Welcome to Contoso!'), true, lines[0]);
      assert.ok(lines.includes('Ann: Please call me back'), lines.join(' | '));
      const crm = (await (await fetch(`${base}/crm/chat-transcripts`)).json()) as Msg[];
      assert.equal(crm.length, 1);
      assert.equal(crm[0].session, m.payload.session);
    });

    const outcomes: [string, string, string][] = [
      ['cc-chat-events', 'chat event', 'messagingInvitation'],
      ['cc-chat-meeting', 'started', 'started'],
      ['cc-chat-bridge', 'bridged', 'bridged'],
      ['cc-chat-add-participant', 'added', 'added'],
      ['cc-chat-send', 'delivered', 'delivered'],
      ['cc-chat-invite', 'joined', 'joined'],
      ['cc-chat-terminate', 'terminated', 'terminated'],
    ];
    for (const [type, debugName, outcome] of outcomes) {
      it(`${type}: a visitor through the example ends ${outcome}`, async () => {
        const flow = await chatExample(`nodes/${type}.json`);
        const got = collect(byName(flow, debugName, 'debug').id);
        const v = await visit(`/chat-example/${type}`);
        if (type === 'cc-chat-terminate') {
          await until(
            'bridged',
            () => v.events.some((e) => e.rel === 'messagingInvitation'),
            WAIT_MS,
          );
          await v.close();
        }
        const m = await until(debugName, () => got[0], WAIT_MS);
        assert.equal(type === 'cc-chat-events' ? m.topic : m.chat.outcome, outcome);
      });
    }

    it('cc-chat-token: a token and the discover link at start', async () => {
      const flow = await chatExample('nodes/cc-chat-token.json');
      const issued = collect(byName(flow, 'issued', 'debug').id);
      const m = await until('the token', () => issued[0], WAIT_MS);
      assert.equal(typeof m.payload.token, 'string');
      assert.match(
        m.payload.discoverUrl,
        /^http:\/\/127\.0\.0\.1:\d+\/platformservice\/anonymous\/discover$/,
      );
    });
  });
});
