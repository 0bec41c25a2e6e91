/**
 * The agent's full operation set in the simulator, over a real socket: login on a bound
 * endpoint / logout and the unbound, offline and wrap-up states; resumeAtxfer; blind transfer
 * to each target type; mute in one direction; the supervisor's operations on another agent's
 * call; queueStatus while IVR calls wait; and the kickout of a duplicate login with the gateway
 * client's documented reaction to it.
 */
import assert from 'node:assert/strict';
import { SimClient, startSim, type Frame } from './simulator.test';
import { GatewayClient } from '../src/client/gateway-client';
import type { ConnectionStatus } from '../src/client/api';
import type { Simulator } from '../src/simulator/simulator';

const CUSTOMER = '48500100201';

describe('simulator: the agent operation set', function () {
  this.timeout(15000);
  let sim: Simulator;
  let url: string;
  let c: SimClient;

  beforeEach(async () => {
    ({ sim, url } = await startSim({
      scenario: {
        agents: {
          '1001': {},
          '1002': {},
          '1003': { wrapUpMs: 3000 },
          '1004': { bound: false },
          '1005': { loggedIn: false },
          '1006': {},
        },
        ivr: { menu: { '1': { name: 'sales', agents: ['1006'] } } },
      },
    }));
    c = await SimClient.login(url);
    assert.equal((await c.subscribeAll()).code, 0);
  });
  afterEach(async () => {
    c.close();
    assert.equal(sim.stats().invalidEvents, 0);
    await sim.dispose();
  });

  const statuses = (agent: string): Frame[] =>
    c.events('agent').filter((e) => e.name === 'agentStatus' && e.agent === agent);

  async function bridged(agent = '1001'): Promise<Frame> {
    const r = await c.req('previewObCall', agent, { customerNumber: CUSTOMER });
    assert.equal(r.code, 0, r.message);
    return c.event('previewObCallBridge', (e) => e.reqId === r.reqId);
  }

  it('logs agents in on a bound endpoint and out: unbound, idle, paused, offline', async () => {
    // 1004 is logged in without an endpoint, 1005 logged out: neither can place calls.
    assert.equal(
      (await c.req('previewObCall', '1004', { customerNumber: CUSTOMER })).errorCode,
      'INVALID_STATE',
    );
    assert.equal((await c.req('pause', '1005')).errorCode, 'INVALID_STATE');
    assert.equal((await c.req('login', '1004', {})).errorCode, 'BAD_PARAMS', 'bindTel is required');
    const login = await c.req('login', '1004', { bindTel: '8004', bindType: 2 });
    assert.equal(login.code, 0, login.message);
    assert.deepEqual(login.data, { bindTel: '8004', bindType: 2 });
    const s1 = await c.event('agentStatus', (e) => e.agent === '1004');
    assert.deepEqual([s1.data.state, s1.data.deviceStatus, s1.data.reason], ['idle', 1, 'login']);
    assert.ok(sim.inboundCall(CUSTOMER, '1004'), 'a logged-in agent takes calls');
    await c.event('agentStatus', (e) => e.agent === '1004' && e.data.state === 'talking');
    assert.ok(sim.customerHangup('1004'));
    await c.event('agentStatus', (e) => e.agent === '1004' && e.data.reason === 'customerHangup');

    assert.equal((await c.req('logout', '1004')).code, 0);
    const off = await c.event(
      'agentStatus',
      (e) => e.agent === '1004' && e.data.state === 'offline',
    );
    assert.equal(off.data.deviceStatus, 6);
    assert.equal(sim.inboundCall(CUSTOMER, '1004'), undefined, 'no calls to an offline agent');
    assert.equal((await c.req('logout', '1004')).errorCode, 'INVALID_STATE');

    const paused = await c.req('login', '1005', {
      bindTel: '48221000555',
      bindType: 1,
      initialStatus: 'paused',
    });
    assert.equal(paused.code, 0);
    const p = await c.event('agentStatus', (e) => e.agent === '1005');
    assert.deepEqual([p.data.state, p.data.deviceStatus], ['paused', 1]);
    assert.equal(sim.inboundCall(CUSTOMER, '1005'), undefined, 'no calls to a paused agent');
    assert.equal(
      (await c.req('login', '1005', { bindTel: 'x', initialStatus: 'busy' })).errorCode,
      'BAD_PARAMS',
    );
  });

  it('goes through wrap-up after a call before it is idle again', async () => {
    assert.ok(sim.inboundCall(CUSTOMER, '1003'));
    await c.event('agentStatus', (e) => e.agent === '1003' && e.data.state === 'talking');
    assert.ok(sim.customerHangup('1003'));
    const wrap = await c.event(
      'agentStatus',
      (e) => e.agent === '1003' && e.data.state === 'wrap-up',
    );
    assert.equal(wrap.data.deviceStatus, 5);
    assert.equal(wrap.data.reason, 'customerHangup');
    assert.ok(wrap.data.ids.seance_id, 'wrap-up names the call it follows');
    assert.equal(sim.inboundCall(CUSTOMER, '1003'), undefined, 'no call during wrap-up');
    const idle = await c.event('agentStatus', (e) => e.agent === '1003' && e.data.state === 'idle');
    assert.deepEqual([idle.data.deviceStatus, idle.data.reason], [1, 'wrapUpEnded']);
    assert.deepEqual(
      statuses('1003').map((e) => e.data.deviceStatus),
      [3, 4, 5, 1],
      'ringing, talking, wrap-up, idle',
    );
  });

  it('resumes the customer from a connected consult (resumeAtxfer)', async () => {
    await bridged();
    assert.equal((await c.req('resumeAtxfer', '1001')).errorCode, 'INVALID_STATE', 'no consult');
    const consult = await c.req('startAtxfer', '1001', { targetType: 1, target: '1002' });
    await c.event('atxferLink', (e) => e.reqId === consult.reqId);
    const resume = await c.req('resumeAtxfer', '1001');
    assert.equal(resume.code, 0);
    const ended = await c.event('atxferEnded', (e) => e.reqId === resume.reqId);
    assert.deepEqual([ended.data.hangupSide, ended.data.state], ['agent', 'resumed']);
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'idle');
    await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'talking');
    const held = c
      .events('ccs')
      .filter((e) => e.name === 'call_set_state' && e.data.state === 'talking');
    assert.ok(held.length > 0, 'the customer is off hold');
  });

  for (const [targetType, target, name] of [
    [0, '48500100301', 'an external number'],
    [1, '1002', 'an agent'],
    [2, '8002', 'an extension'],
  ] as const) {
    it(`blind-transfers to ${name} (targetType ${targetType})`, async () => {
      const bridge = await bridged();
      const r = await c.req('blxfer', '1001', { targetType, target });
      assert.equal(r.code, 0, r.message);
      const next = await c.event(
        'seance_set_next_number',
        (e) => e.data.seance_id === bridge.data.ids.seance_id,
      );
      assert.equal(next.data.number, targetType === 0 ? target : '8002');
      await c.event('agentStatus', (e) => e.agent === '1001' && e.data.state === 'idle');
    });
  }

  it('lets a supervisor listen, barge in, disconnect and set agents on- and offline', async () => {
    const bridge = await bridged();
    const main = bridge.data.ids.connection_id;
    assert.equal((await c.req('spy', '1002', { targetAgent: '1009' })).errorCode, 'BAD_PARAMS');
    assert.equal((await c.req('spy', '1002', { targetAgent: '1002' })).errorCode, 'BAD_PARAMS');
    assert.equal((await c.req('spy', '1002', { targetAgent: '1006' })).errorCode, 'INVALID_STATE');
    const spy = await c.req('spy', '1002', { targetAgent: '1001' });
    assert.equal(spy.code, 0, spy.message);
    assert.equal(spy.data.mode, 'spy');
    const leg = spy.data.call_id;
    const created = await c.event('call_create', (e) => e.data.call_id === leg);
    assert.equal(created.data.info.role, 'supervisor');
    await c.event(
      'connection_link_call',
      (e) => e.data.call_id === leg && e.data.connection_id === main,
    );
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'talking');
    // The supervisor hangs up: only its leg goes.
    assert.equal((await c.req('sipUnlink', '1002')).code, 0);
    await c.event('call_delete', (e) => e.data.call_id === leg);
    await c.event('agentStatus', (e) => e.agent === '1002' && e.data.state === 'idle');
    assert.ok(!c.events('ccs').some((e) => e.name === 'seance_delete'), 'the call goes on');
    const barge = await c.req('barge', '1002', { targetAgent: '1001' });
    assert.equal(barge.data.mode, 'barge');
    // Disconnect: the monitored agent's side hangs up; the whole call ends, supervisor too.
    assert.equal((await c.req('disconnect', '1006', { targetAgent: '1001' })).code, 0);
    await c.event('seance_delete');
    await c.event(
      'agentStatus',
      (e) => e.agent === '1002' && e.data.state === 'idle' && e.data.reason === 'agentHangup',
    );
    // Offline, then online again.
    assert.equal((await c.req('setOffline', '1002', { targetAgent: '1006' })).code, 0);
    await c.event('agentStatus', (e) => e.agent === '1006' && e.data.state === 'offline');
    assert.equal(sim.inboundCall(CUSTOMER, '1006'), undefined);
    assert.equal(
      (await c.req('setOffline', '1002', { targetAgent: '1006' })).errorCode,
      'INVALID_STATE',
    );
    assert.equal((await c.req('setOnline', '1002', { targetAgent: '1006' })).code, 0);
    const on = await c.event('agentStatus', (e) => e.agent === '1006' && e.data.state === 'idle');
    assert.equal(on.data.reason, 'setOnline:1002');
  });

  it('reports queueStatus while an IVR call waits for a busy project', async () => {
    assert.ok(sim.inboundCall(CUSTOMER, '1006'), 'the only sales agent is busy');
    await c.event('agentStatus', (e) => e.agent === '1006' && e.data.state === 'talking');
    assert.ok(sim.ivrCall('48500100402', '1'));
    const queued = await c.event('queueStatus', (e) => e.data.waiting === 1);
    assert.equal(queued.data.queue, 'sales');
    assert.equal(queued.data.available, 0);
    assert.ok(sim.customerHangup('1006'));
    const empty = await c.event('queueStatus', (e) => e.data.waiting === 0);
    assert.equal(empty.data.queue, 'sales');
    const ringing = await c.event(
      'ringing',
      (e) => e.agent === '1006' && e.data.customerNumber === '48500100402',
    );
    assert.equal(ringing.data.callType, 'inbound');
  });
});

describe('simulator: kickout of a duplicate login', function () {
  this.timeout(15000);

  it('kicks out the older connection of the same user; the client waits the longest delay', async () => {
    const { sim, url } = await startSim({ singleLogin: true });
    const first = new GatewayClient({
      url,
      tenant: 'demo',
      username: 'demo',
      password: 'demo',
      reconnect: { initialMs: 10, maxMs: 60_000 },
    });
    const seen: ConnectionStatus[] = [];
    const notices: string[] = [];
    first.onProblem((p) => notices.push(`${p.code} ${p.message}`));
    first.onStatus((s) => seen.push(s));
    first.start();
    await first.whenConnected();
    const second = await SimClient.login(url);
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no reconnecting status')), 5000);
        const check = setInterval(() => {
          if (seen.some((s) => s.state === 'reconnecting')) {
            clearTimeout(t);
            clearInterval(check);
            resolve();
          }
        }, 5);
      });
      const r = seen.find((s) => s.state === 'reconnecting')!;
      assert.equal(r.nextDelayMs, 60_000, 'the backoff cap, not the first delay');
      assert.ok(
        notices.some((n) => /kickout: the same user logged in on another connection/.test(n)),
        notices.join('; '),
      );
      assert.equal(second.closed, false, 'the newer login stays');
      assert.equal(sim.stats().sessions, 1);
    } finally {
      await first.close();
      second.close();
      await sim.dispose();
    }
  });

  it('allows several logins of one user by default', async () => {
    const { sim, url } = await startSim();
    const a = await SimClient.login(url);
    const b = await SimClient.login(url);
    assert.equal(a.frames.filter((f) => f.type === 'notice').length, 0);
    assert.equal(sim.stats().sessions, 2);
    a.close();
    b.close();
    await sim.dispose();
  });
});
