/**
 * Memory of the call tracker (child process with --expose-gc):
 *  - bytes per tracked dialog with 100,000 live dialogs (50,000 outbound calls, create +
 *    state updates each), heapUsed delta / count; target <= 1 KiB;
 *  - heap while 1,000,000 events (dialog + ccs) flow with TTL eviction: it must stay flat.
 */
import * as path from 'node:path';
import type { BenchRow } from './types';
import { BENCH_DIST, Child, round } from './lib/util';

const DIALOGS = Number(process.env.BENCH_DIALOGS ?? 100_000);
/** Target: bytes per tracked dialog. */
const LIMIT = 1024;
const TTL_EVENTS = Number(process.env.BENCH_TTL_EVENTS ?? 1_000_000);

export async function run(): Promise<BenchRow[]> {
  const script = path.join(BENCH_DIST, 'lib', 'memory-child.js');
  const rows: BenchRow[] = [];
  const c1 = new Child(script, [], ['--expose-gc']);
  try {
    const r = await c1.request<{
      bytesPerDialog: number;
      dialogs: number;
      ignored: number;
      ingestPerS: number;
    }>('perDialog', { dialogs: DIALOGS }, 120_000);
    rows.push({
      name: `memory per tracked dialog (${DIALOGS.toLocaleString('en-US')} dialogs)`,
      value: round(r.bytesPerDialog, 0),
      unit: 'bytes',
      baseline: 'limit 1 KiB',
      baselineValue: LIMIT,
      ratio: round(r.bytesPerDialog / LIMIT, 3),
      target: `<= ${LIMIT.toLocaleString('en-US')} bytes (ratio <= 1, lower is better)`,
      met: r.dialogs >= DIALOGS && r.bytesPerDialog <= LIMIT,
      meets: (row) => row.value <= LIMIT,
      note: `${r.dialogs} dialogs tracked, ${r.ignored} bodies ignored; includes the call views; ${round(r.ingestPerS, 0)} bodies/s ingested`,
    });
  } finally {
    await c1.stop();
  }
  const c2 = new Child(script, [], ['--expose-gc']);
  try {
    const r = await c2.request<{
      samples: number[];
      live: number[];
      evicted: number;
      eventsPerS: number;
    }>('ttl', { events: TTL_EVENTS, sampleEvery: TTL_EVENTS / 10 }, 140_000);
    const first = r.samples[0];
    const last = r.samples[r.samples.length - 1];
    const max = Math.max(...r.samples);
    const mib = (b: number) => round(b / 2 ** 20, 1);
    rows.push({
      name: `heap after ${TTL_EVENTS.toLocaleString('en-US')} events with TTL eviction`,
      value: mib(last),
      unit: 'MiB',
      baseline: `first sample (after ${(TTL_EVENTS / 10).toLocaleString('en-US')} events)`,
      baselineValue: mib(first),
      ratio: round(last / first, 3),
      target: 'flat: last <= 1.2 x first sample (lower is better)',
      met: last <= first * 1.2,
      note: `samples MiB ${r.samples.map(mib).join(' ')}; max ${mib(max)}; live entries ${r.live.join(' ')}; ${r.evicted} evicted; TTL 10 s on a clock of 1 ms per event; ${round(r.eventsPerS, 0)} events/s`,
    });
  } finally {
    await c2.stop();
  }
  return rows;
}
