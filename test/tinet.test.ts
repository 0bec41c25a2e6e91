/**
 * Tinet wire, pure core: request signing, the REST result, push parsing (POST / GET, form /
 * JSON) and the push -> agent event mapping, from fixture bodies built from the public
 * material (test/fixtures/tinet).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateEventData } from '../src/protocol';
import { OPERATIONS } from '../src/platforms/tinet/mapping';
import { parsePush, TinetPushMapper, type ParsedPush } from '../src/platforms/tinet/push';
import { baseUrlOf, interpret } from '../src/platforms/tinet/rest';
import { authParams, sign, verify } from '../src/platforms/tinet/sign';
import { repoRoot } from './support/seeds';

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'tinet');

/** One fixture delivery: first line `METHOD content-type`, then the body or query. */
function fixture(name: string): ParsedPush {
  const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  const nl = text.indexOf('\n');
  const [method, ct] = text.slice(0, nl).split(' ');
  const rest = text.slice(nl + 1).trim();
  const type = /^push-(\d+)-/.exec(name)![1];
  return method === 'GET'
    ? parsePush({ query: `type=${type}&${rest}` })
    : parsePush({ query: `?type=${type}`, contentType: ct === '-' ? undefined : ct, body: rest });
}

function ok(p: ParsedPush): Extract<ParsedPush, { ok: true }> {
  assert.ok(p.ok, p.ok ? '' : p.message);
  return p;
}

describe('Tinet: request signing', () => {
  it('sign = md5(enterpriseId + timestamp + token), lowercase hex', () => {
    // Computed independently: md5("7000002" + "1533542400" + "abc123").
    assert.equal(sign('7000002', 1533542400, 'abc123'), '5c9c7ac091494085dac1330c539027ce');
  });

  it('authParams carries validateType, the id under its documented name, seconds, sign', () => {
    const p = authParams({ id: '7000002', token: 'abc123' }, 1533542400_500);
    assert.deepEqual(p, {
      validateType: '2',
      enterpriseId: '7000002',
      timestamp: '1533542400',
      sign: '5c9c7ac091494085dac1330c539027ce',
    });
    const d = authParams({ id: 'BM1', token: 't', validateType: 1 }, 1000_000);
    assert.equal(d.departmentId, 'BM1');
    assert.equal(d.enterpriseId, undefined);
  });

  it('verify refuses a wrong sign, a stale timestamp, a missing id, with code 10003', () => {
    const now = 1533542400_000;
    const tokens = (vt: 1 | 2, id: string) => (vt === 2 && id === '7000002' ? 'abc123' : undefined);
    const good = authParams({ id: '7000002', token: 'abc123' }, now);
    assert.deepEqual(verify(good, tokens, now), { ok: true, validateType: 2, id: '7000002' });
    const wrong = verify({ ...good, sign: sign('7000002', good.timestamp, 'nope') }, tokens, now);
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.code, '10003');
    assert.match(!wrong.ok ? wrong.message : '', /权限验证失败: sign does not match/);
    const stale = verify(
      authParams({ id: '7000002', token: 'abc123' }, now - 600_000),
      tokens,
      now,
    );
    assert.match(!stale.ok ? stale.message : '', /timestamp expired/);
    const noId = verify({ ...good, enterpriseId: '' }, tokens, now);
    assert.match(!noId.ok ? noId.message : '', /enterpriseId is missing/);
    const unknown = verify(authParams({ id: '9', token: 'abc123' }, now), tokens, now);
    assert.match(!unknown.ok ? unknown.message : '', /unknown id/);
  });
});

describe('Tinet: REST calls and results', () => {
  it('the base URL is the public pattern with region and version, or given', () => {
    assert.equal(baseUrlOf({ region: '2' }), 'https://api-2.cticloud.cn/interface/v10');
    assert.equal(
      baseUrlOf({ region: '6', version: 'v11' }),
      'https://api-6.cticloud.cn/interface/v11',
    );
    assert.equal(
      baseUrlOf({ baseUrl: 'http://127.0.0.1:9/interface/v10/' }),
      'http://127.0.0.1:9/interface/v10',
    );
  });

  it('previewObCall becomes previewOutcall {cno, tel, requestUniqueId, ...}', () => {
    const call = OPERATIONS.previewObCall;
    assert.equal(call.path, '/previewOutcall');
    assert.deepEqual(
      call.params(
        '4321',
        { customerNumber: '13912345671', customerAnswerTimeout: 30, channelVariables: { lead: 7 } },
        'r1',
      ),
      {
        cno: '4321',
        tel: '13912345671',
        timeout: '30',
        requestUniqueId: 'r1',
        userField: '{"lead":7}',
      },
    );
    assert.deepEqual(call.fromForm({ tel: '139', timeout: '30', userField: '{"lead":7}' }), {
      customerNumber: '139',
      customerAnswerTimeout: 30,
      channelVariables: { lead: 7 },
    });
    assert.deepEqual(OPERATIONS.pause.params('4321', { pauseType: 2 }, 'r'), {
      cno: '4321',
      type: '2',
      description: 'Node-RED',
    });
    assert.equal(OPERATIONS.unpause.path, '/agent/unpause');
    assert.equal(OPERATIONS.login.path, '/agent/login');
    assert.equal(OPERATIONS.logout.path, '/agent/logout');
    assert.equal(OPERATIONS.startAtxfer, undefined, 'consult has no public REST call');
  });

  it('interpret: result "0" is success; a code carries the vendor message and a reason', () => {
    assert.equal(interpret(200, '{"result":"0","description":"ok"}').ok, true);
    assert.equal(interpret(200, '{"result":0}').ok, true);
    const r = interpret(200, '{"result":"10003","description":"权限验证失败"}');
    assert.ok(!r.ok);
    assert.equal(r.code, '10003');
    assert.equal(r.message, '权限验证失败');
    assert.equal(r.reason, 'refused');
    const busy = interpret(200, '{"result":20017}');
    assert.ok(!busy.ok);
    assert.equal(busy.message, '座席不在空闲状态');
    assert.equal(busy.reason, 'invalidState');
    const html = interpret(502, '<html>bad gateway</html>');
    assert.ok(!html.ok);
    assert.equal(html.code, 'http_502');
  });
});

describe('Tinet: HTTP push parsing (fixtures)', () => {
  it('reads form, JSON and GET deliveries and their types', () => {
    assert.equal(ok(fixture('push-3-outbound-ringing.txt')).name, 'outboundRinging');
    assert.equal(
      ok(fixture('push-6-outbound-connected.json.txt')).fields.requestUniqueId,
      'crm-lead-77',
    );
    const got = ok(fixture('push-8-outbound-hangup-bridged.txt'));
    assert.equal(got.type, 8);
    assert.equal(got.fields.cdr_status, '28');
    assert.equal(ok(fixture('push-9-agent-status.txt')).fields.state, 'talking');
    assert.equal(ok(fixture('push-2-incoming-ringing.json.txt')).type, 2);
    assert.equal(ok(fixture('push-12-recording-status.txt')).name, 'recordingStatus');
  });

  it('guesses the type from the fields when the URL has no ?type=', () => {
    const body = fs
      .readFileSync(path.join(FIXTURES, 'push-8-outbound-hangup-busy.txt'), 'utf8')
      .split('\n')[1];
    assert.equal(ok(parsePush({ body })).type, 8);
    assert.equal(ok(parsePush({ body: 'cno=1&loginStatus=1&state=idle' })).type, 9);
    assert.equal(ok(parsePush({ body: '{"cno":"1","ringingTime":"1","callType":"1"}' })).type, 2);
  });

  it('refuses what it cannot read, with a message', () => {
    const bad = parsePush({ contentType: 'application/json', body: '{"cno":' });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.reason, 'bad_body');
    const arr = parsePush({ contentType: 'application/json', body: '[1]' });
    assert.equal(!arr.ok && arr.reason, 'bad_body');
    const unknown = parsePush({ body: 'foo=bar' });
    assert.equal(!unknown.ok && unknown.reason, 'unknown_type');
    const range = parsePush({ query: 'type=14', body: 'cno=1' });
    assert.match(!range.ok ? range.message : '', /not 1\.\.13/);
  });

  it('a token in the query is not kept among the fields', () => {
    const p = ok(
      parsePush({ query: 'type=9&token=s3cret', body: 'cno=1&loginStatus=1&state=idle' }),
    );
    assert.equal(p.fields.token, undefined);
  });
});

describe('Tinet: push -> agent events', () => {
  it('a preview call: ringing (3), connected (6) -> previewObCallRinging, previewObCallBridge; the hang-up after it (8, 28) is not emitted', () => {
    const m = new TinetPushMapper();
    m.expect('4321', 'crm-lead-77');
    const ringing = m.map(ok(fixture('push-3-outbound-ringing.txt')));
    assert.equal(ringing.length, 1);
    assert.equal(ringing[0].name, 'previewObCallRinging');
    assert.equal(ringing[0].reqId, 'crm-lead-77', 'matched by agent');
    assert.equal(ringing[0].data.customerNumber, '13912345671');
    const bridge = m.map(ok(fixture('push-6-outbound-connected.json.txt')));
    assert.equal(bridge[0].name, 'previewObCallBridge');
    assert.equal(bridge[0].reqId, 'crm-lead-77');
    assert.equal(bridge[0].data.channel, '10.10.1.1-1533542400.101');
    assert.deepEqual(m.map(ok(fixture('push-8-outbound-hangup-bridged.txt'))), []);
    assert.equal(m.notEmitted.outboundHangup, 1);
    for (const e of [...ringing, ...bridge]) {
      const v = validateEventData('agent', e.name, e.data);
      assert.ok(v.ok, v.ok ? '' : v.message);
    }
  });

  it('a busy number: the outbound hang-up (8, cdr_status 22) -> previewObCallResult result 1, reason customerBusy', () => {
    const m = new TinetPushMapper();
    m.expect('4321', 'crm-lead-78');
    const [e] = m.map(ok(fixture('push-8-outbound-hangup-busy.txt')));
    assert.equal(e.name, 'previewObCallResult');
    assert.equal(e.reqId, 'crm-lead-78', 'matched by cdr_request_unique_id');
    assert.equal(e.data.result, 1);
    assert.equal(e.data.reason, 'customerBusy');
    assert.ok(validateEventData('agent', e.name, e.data).ok);
  });

  it('agent status (9) -> agentStatus; incoming ringing (2) -> ringing; recording (12) counted only', () => {
    const m = new TinetPushMapper();
    const [s] = m.map(ok(fixture('push-9-agent-status.txt')));
    assert.equal(s.name, 'agentStatus');
    assert.equal(s.agent, '4321');
    assert.equal(s.data.state, 'talking');
    assert.equal(s.data.deviceStatus, 4);
    assert.ok(validateEventData('agent', s.name, s.data).ok);
    const [r] = m.map(ok(fixture('push-2-incoming-ringing.json.txt')));
    assert.equal(r.name, 'ringing');
    assert.equal(r.data.callType, 'inbound');
    assert.equal(r.data.customerNumber, '13912345672');
    assert.ok(validateEventData('agent', r.name, r.data).ok);
    assert.deepEqual(m.map(ok(fixture('push-12-recording-status.txt'))), []);
    assert.equal(m.notEmitted.recordingStatus, 1);
    const off = m.map(ok(parsePush({ body: 'cno=1&loginStatus=0&deviceStatus=' })));
    assert.equal(off[0].data.deviceStatus, 6);
  });

  it('a hang-up of a call that is not ours and not a preview call is not emitted', () => {
    const m = new TinetPushMapper();
    assert.deepEqual(
      m.map(ok(parsePush({ query: 'type=8', body: 'cdr_cno=1&cdr_status=22&cdr_call_type=3' }))),
      [],
    );
  });
});
