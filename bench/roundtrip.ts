/**
 * Operation round trip: message in -> response out through cc-call-control nodes (pause and
 * unpause in turn, each accepted and ended by its response) in a real embedded Node-RED
 * runtime, next to a raw `ws` req/resp round trip to the same simulator in the same run.
 * The simulator runs in this (the bench's) process; both clients run in child processes.
 */
import * as path from 'node:path';
import type { BenchRow } from './types';
import { Simulator } from '../src/simulator/simulator';
import { gateway, onTab, sink, source, tab } from './lib/flows';
import { BENCH_DIST, Child, median, percentile, round } from './lib/util';

const N = Number(process.env.BENCH_RT_N ?? 2000);
const WARMUP = 300;
const AGENT = '1001';
/** Target: time added to a raw ws round trip at the median (ms). */
const ADDED_MS = 0.1;

interface Samples {
  samplesUs: number[];
}

async function raw(url: string): Promise<Samples & { codes: Record<string, number> }> {
  const child = new Child(path.join(BENCH_DIST, 'lib', 'raw-client.js'));
  try {
    return await child.request(
      'roundtrip',
      { url, n: N, warmup: WARMUP, ops: ['pause', 'unpause'], agent: AGENT, params: {} },
      60_000,
    );
  } finally {
    await child.stop();
  }
}

async function nodeRed(url: string): Promise<Samples & { outcomes: Record<string, number> }> {
  const child = new Child(path.join(BENCH_DIST, 'lib', 'nr-host.js'));
  try {
    await child.request('start', { palette: true }, 60_000);
    const control = (id: string, operation: string) =>
      onTab({
        id,
        type: 'cc-call-control',
        gateway: 'benchgw',
        operation,
        agent: 'payload.agent',
        agentType: 'msg',
        params: {},
        timeout: '',
        wires: [['benchsink'], ['benchsink'], ['benchsink']],
      });
    await child.request('deploy', {
      flows: [
        tab(),
        gateway('benchgw', url),
        source('benchsrca', 'benchpause'),
        source('benchsrcb', 'benchunpause'),
        control('benchpause', 'pause'),
        control('benchunpause', 'unpause'),
        sink('benchsink'),
      ],
    });
    // The gateway connects in the background: the warm-up round trips cover it.
    const r = await child.request<Samples & { outcomes: Record<string, number> }>(
      'roundtrip',
      {
        sourceIds: ['benchsrca', 'benchsrcb'],
        n: N,
        warmup: WARMUP,
        payload: { agent: AGENT },
        timeoutMs: 15_000,
      },
      120_000,
    );
    await child.request('stop', {}, 20_000).catch(() => undefined);
    return r;
  } finally {
    await child.stop();
  }
}

export async function run(): Promise<BenchRow[]> {
  const sim = new Simulator({ seed: 7 });
  const { url } = await sim.start();
  try {
    const base = await raw(url);
    const nr = await nodeRed(url);
    const base2 = await raw(url);
    const baseAll = [...base.samplesUs, ...base2.samplesUs];
    const bMed = median(baseAll);
    const bP99 = percentile(baseAll, 99);
    const nMed = median(nr.samplesUs);
    const nP99 = percentile(nr.samplesUs, 99);
    const added = (nMed - bMed) / 1000;
    const outcomes = Object.entries(nr.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const note = `${N} round trips each (after ${WARMUP} warm-up), pause/unpause in turn on agent ${AGENT}; node outputs: ${outcomes}; raw response codes: ${JSON.stringify(base.codes)}`;
    return [
      {
        name: 'operation round trip, median (cc-call-control in -> out, real runtime)',
        value: round(nMed / 1000, 3),
        unit: 'ms',
        baseline: 'raw ws req -> resp to the same simulator',
        baselineValue: round(bMed / 1000, 3),
        ratio: round(nMed / bMed, 3),
        target: `added time <= ${ADDED_MS} ms at the median`,
        met: added <= ADDED_MS,
        meets: (r) => r.baselineValue !== undefined && r.value - r.baselineValue <= ADDED_MS,
        note: `added ${round(added, 3)} ms; ${note}`,
      },
      {
        name: 'operation round trip, p99',
        value: round(nP99 / 1000, 3),
        unit: 'ms',
        baseline: 'raw ws req -> resp, p99',
        baselineValue: round(bP99 / 1000, 3),
        ratio: round(nP99 / bP99, 3),
        target: 'reported (no target for p99)',
        note: `added ${round((nP99 - bP99) / 1000, 3)} ms`,
      },
    ];
  } finally {
    await sim.stop();
  }
}
