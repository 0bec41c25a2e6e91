/**
 * Event ingest: gateway frame -> cc-ccs-events output in a real embedded Node-RED runtime
 * (child process), next to a raw `ws` + JSON.parse client (child process) receiving the same
 * pre-serialised frames from the same load server in the same run.
 */
import * as path from 'node:path';
import type { BenchRow } from './types';
import { startLoadServer } from './lib/load-server';
import { allOutputs, gateway, onTab, sink, tab } from './lib/flows';
import { BENCH_DIST, Child, round } from './lib/util';

const EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 200_000);

interface CountResult {
  count: number;
  ms: number;
  timedOut: boolean;
}

async function rawRate(url: string): Promise<CountResult> {
  const child = new Child(path.join(BENCH_DIST, 'lib', 'raw-client.js'));
  try {
    return await child.request<CountResult>(
      'ingest',
      { url, expected: EVENTS, timeoutMs: 60_000 },
      70_000,
    );
  } finally {
    await child.stop();
  }
}

interface NodeRedResult extends CountResult {
  types: string[];
  published?: { batches: number; bytes: number };
}

/** `sidebar`: the editor's calls sidebar is open (its feed watched) during the run. */
async function nodeRedRate(url: string, sidebar = false): Promise<NodeRedResult> {
  const child = new Child(path.join(BENCH_DIST, 'lib', 'nr-host.js'));
  try {
    const started = await child.request<{ types: string[] }>('start', { palette: true }, 60_000);
    await child.request('deploy', {
      flows: [
        tab(),
        gateway('benchgw', url),
        onTab({
          id: 'benchccs',
          type: 'cc-ccs-events',
          gateway: 'benchgw',
          wires: allOutputs('benchsink', 1),
        }),
        sink('benchsink'),
      ],
    });
    if (sidebar) await child.request('watchCalls', {});
    const r = await child.request<CountResult>(
      'waitSink',
      { expected: EVENTS, timeoutMs: 90_000 },
      100_000,
    );
    const published = sidebar
      ? await child.request<{ batches: number; bytes: number }>('published', {})
      : undefined;
    await child.request('stop', {}, 20_000).catch(() => undefined);
    return { ...r, types: started.types, published };
  } finally {
    await child.stop();
  }
}

export async function run(): Promise<BenchRow[]> {
  const server = await startLoadServer({ events: EVENTS });
  try {
    // Baseline first, then the runtime, then the baseline again; the better baseline counts.
    const raw1 = await rawRate(server.url);
    const nr = await nodeRedRate(server.url);
    const open = await nodeRedRate(server.url, true);
    const raw2 = await rawRate(server.url);
    const rate = (r: CountResult) => (r.count > 1 && r.ms > 0 ? ((r.count - 1) / r.ms) * 1000 : 0);
    const base = Math.max(rate(raw1), rate(raw2));
    const value = rate(nr);
    const ratio = base > 0 ? value / base : NaN;
    const notes: string[] = [`${EVENTS} ccs frames`];
    if (nr.timedOut) notes.push(`runtime delivered only ${nr.count}/${EVENTS}`);
    if (!nr.types.includes('cc-ccs-events')) notes.push('palette node cc-ccs-events not loaded');
    notes.push(`baseline runs ${round(rate(raw1), 0)} / ${round(rate(raw2), 0)} ev/s`);
    return [
      {
        name: 'event ingest (gateway frame -> cc-ccs-events output, real runtime)',
        value: round(value, 0),
        unit: 'events/s',
        baseline: 'raw ws + JSON.parse loop',
        baselineValue: round(base, 0),
        ratio: round(ratio, 3),
        target: '>= 0.5 x baseline and >= 30,000 events/s',
        met: !nr.timedOut && ratio >= 0.5 && value >= 30_000,
        note: notes.join('; '),
      },
      {
        name: "event ingest with the editor's calls sidebar open (same flow, same run)",
        value: round(rate(open), 0),
        unit: 'events/s',
        baseline: 'the row above: sidebar closed',
        baselineValue: round(value, 0),
        ratio: value > 0 ? round(rate(open) / value, 3) : NaN,
        target: 'reported (closed: within noise of the figure before the sidebar)',
        note: [
          open.timedOut ? `runtime delivered only ${open.count}/${EVENTS}` : `${EVENTS} ccs frames`,
          open.published
            ? `${open.published.batches} batches, ${round(open.published.bytes / 1024, 0)} KiB published`
            : 'nothing published',
        ].join('; '),
      },
    ];
  } finally {
    await server.close();
  }
}
