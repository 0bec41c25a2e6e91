/**
 * Memory of the call tracker, in a child started with --expose-gc.
 *   perDialog { dialogs }        -> heap delta per tracked dialog (bytes)
 *   ttl { events, sampleEvery }  -> heap samples while a million events flow with TTL eviction
 * Bodies are parsed from text for every event, as a webhook delivery would be, and never
 * retained by the bench, so only what the tracker keeps is counted.
 */
import { CallTracker } from '../../src/tracker/call-tracker';
import { serveParent } from './util';

const gc = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function pad(n: number): string {
  return n.toString(16).padStart(12, '0');
}

/** The two dialogs of one outbound call (seed 003 shapes), as JSON texts, in order. */
export function callBodies(i: number, time: string): string[] {
  const agent = `c2b19c63-f17b-4726-b3a1-${pad(i)}`;
  const ext = `bcfdaf62-87b7-4cd8-bd2e-${pad(i)}`;
  const create1 = {
    event_type: 'user_dialog',
    event_name: 'dialog_create',
    event_time: time,
    direction: 'OUTBOUND',
    business_direction: 'OUTBOUND',
    state: 'ringing',
    dialog_type: 'CONSULTANT',
    dialog_uuid: agent,
    media: ['audio'],
    self_target: null,
    self_name: 'Konsultant Paweł',
    peer_target: `48500${i % 100000}`,
    peer_name: null,
    peer_type: null,
    peer_project_name: null,
    peer_username: null,
    peer_firstname: null,
    peer_surname: null,
    from_display_name: null,
    from_display_target: null,
    to_display_name: null,
    to_display_target: null,
    caller_contact_address: 'pkowalski',
    callee_contact_address: `48500${i % 100000}`,
    initial_link_type: 'WEB',
    initial_application_info: {
      type: 'WEB_USER_CALL',
      side: 'USER',
      data: {
        caller_number: '48500000005',
        caller_contact_address: 'pkowalski',
        callee_contact_address: `48500${i % 100000}`,
        tenant_user: { id: 1, username: 'pkowalski' },
      },
    },
    tenant_user: {
      id: 1,
      username: 'pkowalski',
      firstname: 'Paweł',
      surname: 'kowalski',
      display_name: 'Konsultant Paweł',
    },
    project: { id: 1, name: 'Projekt Paweł' },
  };
  const create2 = {
    event_type: 'user_dialog',
    event_name: 'dialog_create',
    event_time: time,
    direction: 'INBOUND',
    business_direction: 'OUTBOUND',
    state: 'ringing',
    dialog_type: 'EXTERNAL',
    dialog_uuid: ext,
    media: ['audio'],
    self_target: `48500${i % 100000}`,
    self_name: `48500${i % 100000}`,
    peer_target: '48500000005',
    peer_name: 'Konsultant Paweł',
    peer_type: 'CONSULTANT',
    peer_project_name: 'Projekt Paweł',
    peer_username: 'pkowalski',
    peer_firstname: 'pkowalski',
    peer_surname: 'kowalski',
    from_display_name: 'Konsultant Paweł',
    from_display_target: '48500000005',
    to_display_name: `48500${i % 100000}`,
    to_display_target: `48500${i % 100000}`,
    caller_contact_address: 'pkowalski',
    callee_contact_address: `48500${i % 100000}`,
    initial_link_type: null,
    initial_application_info: {
      type: 'EXTERNAL_OUTBOUND_CALL',
      side: 'CONTACT',
      data: {
        caller_dialog_uuid: agent,
        caller_number: '48500000005',
        caller_contact_address: 'pkowalski',
        callee_contact_address: `48500${i % 100000}`,
      },
    },
    anonymous: { display_name: `48500${i % 100000}` },
  };
  const update = (uuid: string, state: string) => ({
    event_type: 'user_dialog',
    event_name: 'dialog_state_update',
    event_time: time,
    dialog_uuid: uuid,
    state,
  });
  const close = (uuid: string, cause: string) => ({
    event_type: 'user_dialog',
    event_name: 'dialog_close',
    event_time: time,
    direction: 'INBOUND',
    business_direction: 'OUTBOUND',
    close_cause: cause,
    dialog_uuid: uuid,
    variables: {},
  });
  return [
    create1,
    create2,
    update(ext, 'alerting'),
    update(ext, 'talking'),
    update(agent, 'talking'),
    close(ext, 'HANGUP'),
    close(agent, 'DIALOG_LEFT'),
  ].map((b) => JSON.stringify(b));
}

function perDialog(msg: Record<string, unknown>): unknown {
  const dialogs = Number(msg.dialogs ?? 100_000);
  const calls = Math.ceil(dialogs / 2);
  const tracker = new CallTracker({ maxEntries: dialogs * 2, ttlMs: 24 * 3600_000 });
  const before = heap();
  const t0 = performance.now();
  let ignored = 0;
  for (let i = 0; i < calls; i++) {
    // A live call: both dialogs created and talking (not closed).
    const bodies = callBodies(i, '2020-08-25 16:24:41').slice(0, 5);
    for (const b of bodies) {
      const r = tracker.ingestDialog(JSON.parse(b) as Record<string, unknown>) as {
        ignored?: string;
      };
      if (r.ignored) ignored++;
    }
  }
  const ms = performance.now() - t0;
  const after = heap();
  const stats = tracker.stats();
  // Keep the tracker alive until after the measurement.
  return {
    bytesPerDialog: (after - before) / stats.dialogs,
    dialogs: stats.dialogs,
    ignored,
    ingestPerS: ((calls * 5) / ms) * 1000,
    heapMiB: after / 2 ** 20,
  };
}

function ttl(msg: Record<string, unknown>): unknown {
  const events = Number(msg.events ?? 1_000_000);
  const sampleEvery = Number(msg.sampleEvery ?? 100_000);
  let clock = 1_700_000_000_000;
  const tracker = new CallTracker({ ttlMs: 10_000, maxEntries: 1_000_000, now: () => clock });
  const samples: number[] = [];
  const live: number[] = [];
  let n = 0;
  let call = 0;
  const t0 = performance.now();
  while (n < events) {
    const domain = 'demo.cc.local';
    const cid = `c-${call}`;
    const kid = `k-${call}`;
    const sid = `se-${call}`;
    const ccs: [string, Record<string, unknown>][] = [
      ['seance_create', { domain, seance_id: sid }],
      ['call_create', { domain, call_id: cid, state: 'init', number: '48500100200' }],
      ['call_attach_to_seance', { domain, call_id: cid, seance_id: sid }],
      ['connection_create', { domain, connection_id: kid }],
      ['connection_link_call', { domain, connection_id: kid, call_id: cid }],
      ['call_set_state', { domain, call_id: cid, state: 'talking' }],
      ['call_delete', { domain, call_id: cid }],
      ['connection_delete', { domain, connection_id: kid }],
      ['seance_delete', { domain, seance_id: sid }],
    ];
    const dialogs = callBodies(call, '2020-08-25 16:24:41');
    const total = ccs.length + dialogs.length;
    for (let j = 0; j < total && n < events; j++) {
      if (j < dialogs.length) {
        tracker.ingestDialog(JSON.parse(dialogs[j]) as Record<string, unknown>);
      } else {
        const [name, data] = ccs[j - dialogs.length];
        tracker.ingestCcs(name, JSON.parse(JSON.stringify(data)) as Record<string, unknown>, clock);
      }
      n++;
      clock += 1;
      if (n % 5000 === 0) tracker.sweep();
      if (n % sampleEvery === 0) {
        samples.push(heap());
        const s = tracker.stats();
        live.push(s.dialogs + s.calls + s.connections + s.seances);
      }
    }
    call++;
  }
  const ms = performance.now() - t0;
  return { samples, live, evicted: tracker.stats().evicted, eventsPerS: (n / ms) * 1000 };
}

serveParent({ perDialog, ttl });
