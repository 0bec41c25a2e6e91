/**
 * How an operation node tells a failure (nodes/lib/failure.ts), against the embedded simulator:
 * the failed output's `msg.payload` is the failure (reason, code, errorCode, message, field) over
 * the ending event's data, the input's payload stays at `msg.cc.input`, the error for Catch
 * nodes is one readable line with the vendor's code and message, and the status says why,
 * parameter errors included.
 */
import assert from 'node:assert/strict';
import { failurePayload, failureStatus, failureText } from '../nodes/lib/failure';
import { OperationStatus, memoTranslate } from '../nodes/lib/node-status';
import { helper, loadOps, type Msg, type Rig } from './support/nodes-rig';

async function caught(rig: Rig, crm: string): Promise<Msg> {
  let m: Msg | undefined;
  await rig.waitFor(() => (m = rig.caught.find((c) => c.crm === crm)) !== undefined, 3000);
  return m as Msg;
}

/** The last status a node showed (fill, shape; texts are i18n keys in the test helper). */
function lastStatus(rig: Rig, id: string): { fill?: string; shape?: string; text?: string } {
  const node = rig.node(id) as unknown as {
    status: { getCalls(): { thisValue: unknown; args: [Record<string, string>] }[] };
  };
  const calls = node.status.getCalls().filter((c) => c.thisValue === node);
  return calls[calls.length - 1]?.args[0] ?? {};
}

describe('operation nodes: failures told plainly', function () {
  this.timeout(15_000);

  afterEach(async () => {
    await helper.unload();
  });

  it('a refused operation: the failure in msg.payload, the input in msg.cc.input, one readable error line', async () => {
    const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
    const input = { agent: '9999', customerNumber: '48500100201' };
    rig.send('p', { payload: input, crm: 'x' });
    const r = await rig.outcome('p', 'x');
    assert.equal(r.output, 'failed');
    assert.equal(r.msg.payload.reason, 'refused');
    assert.equal(r.msg.payload.errorCode, 'UNKNOWN_AGENT');
    assert.equal(typeof r.msg.payload.code, 'number');
    assert.notEqual(r.msg.payload.code, 0);
    assert.match(r.msg.payload.message, /unknown agent/);
    assert.deepEqual(r.msg.cc.input, input);
    const c = await caught(rig, 'x');
    assert.match(
      c.error.message,
      /^previewObCall failed: refused \(\d+ UNKNOWN_AGENT\): .*unknown agent/,
    );
    assert.doesNotMatch(c.error.message, /\n/);
    assert.ok(!c.error.stack, 'no stack trace in the error a Catch node receives');
    const st = lastStatus(rig, 'p');
    assert.deepEqual([st.fill, st.shape], ['red', 'ring']);
  });

  it('a failed call: the ending event data with the reason over it', async () => {
    const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
    rig.send('p', { payload: { agent: '1001', customerNumber: '48500100200' }, crm: 'busy' });
    const r = await rig.outcome('p', 'busy');
    assert.equal(r.output, 'failed');
    assert.equal(r.msg.topic, 'previewObCallResult');
    assert.notEqual(r.msg.payload.result, 0, 'the event data stays');
    assert.equal(r.msg.payload.reason, 'customerBusy');
    assert.ok(r.msg.payload.uniqueId, 'ids stay');
    assert.equal(r.msg.cc.input.customerNumber, '48500100200');
  });

  it('a parameter error shows on the status and names the field in msg.payload', async () => {
    const rig = await loadOps([{ id: 'p', type: 'cc-preview-call' }]);
    await rig.waitFor(() => lastStatus(rig, 'p').fill === 'green', 5000, 'connected status');
    rig.send('p', { payload: { agent: '1001' }, crm: 'bad' });
    const r = await rig.outcome('p', 'bad');
    assert.equal(r.output, 'failed');
    assert.deepEqual(
      [r.msg.payload.reason, r.msg.payload.errorCode, r.msg.payload.field],
      ['badParams', 'BAD_PARAMS', 'customerNumber'],
    );
    assert.match(r.msg.payload.message, /customerNumber is required/);
    assert.deepEqual(r.msg.cc.input, { agent: '1001' });
    const st = lastStatus(rig, 'p');
    assert.deepEqual([st.fill, st.shape], ['red', 'ring'], 'the status turns red');
  });

  it('texts: short status, one error line, payload over event data', () => {
    const refused = {
      operation: 'previewObCall',
      reason: 'refused',
      code: 409,
      errorCode: 'INVALID_STATE',
      message: 'previewObCall is not possible while agent 1010 is talking\nsecond line',
    };
    const st = failureStatus(refused);
    assert.ok(st.startsWith('refused 409 INVALID_STATE: previewObCall is not possible'), st);
    assert.ok(st.length <= 60);
    assert.equal(
      failureText(refused),
      'previewObCall failed: refused (409 INVALID_STATE): previewObCall is not possible while agent 1010 is talking second line',
    );
    assert.equal(failureStatus({ operation: 'x', reason: 'timeout' }), 'timeout');
    assert.deepEqual(failurePayload({ operation: 'x', reason: 'customerBusy' }, { result: 1 }), {
      result: 1,
      reason: 'customerBusy',
    });
    const texts: string[] = [];
    const node = { status: (s: { text: string }) => texts.push(s.text) } as never;
    const status = new OperationStatus(node, (key, subs) =>
      key === 'status.failedWith' ? `failed: ${subs?.reason}` : key,
    );
    status.setConnection({ state: 'connected', attempt: 0 });
    status.rejected(
      failureStatus({
        operation: 'x',
        reason: 'badParams',
        errorCode: 'BAD_PARAMS',
        message: 'customerNumber is required',
      }),
    );
    assert.equal(
      texts[texts.length - 1],
      'failed: badParams BAD_PARAMS: customerNumber is required',
    );
  });

  it('status texts are translated once per key and substitutions, each its own text', () => {
    const calls: string[] = [];
    const t = memoTranslate((key, subs) => {
      calls.push(key);
      return `${key}:${subs ? JSON.stringify(subs) : ''}`;
    });
    assert.equal(
      t('status.inFlight', { stage: 'sent', count: 1 }),
      'status.inFlight:{"stage":"sent","count":1}',
    );
    assert.equal(
      t('status.inFlight', { stage: 'sent', count: 2 }),
      'status.inFlight:{"stage":"sent","count":2}',
    );
    assert.equal(
      t('status.inFlight', { stage: 'sent', count: 1 }),
      'status.inFlight:{"stage":"sent","count":1}',
    );
    assert.equal(t('status.connected'), 'status.connected:');
    assert.equal(t('status.connected'), 'status.connected:');
    assert.deepEqual(calls, ['status.inFlight', 'status.inFlight', 'status.connected']);
    // Substitutions that would run together are told apart.
    assert.notEqual(t('k', { a: 'b', c: '' }), t('k', { a: 'bc' }));
  });
});
