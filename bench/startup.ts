/**
 * Node-RED start-up time with and without the palette: a fresh child process each run, time
 * from require('node-red') to RED.start() resolved (flows started), empty flow; median of
 * several alternating runs.
 */
import * as path from 'node:path';
import type { BenchRow } from './types';
import { BENCH_DIST, Child, median, round } from './lib/util';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
/** Issue 17's target: the palette adds at most this much to Node-RED's start-up. */
const ADDED_MS = 50;

async function once(palette: boolean): Promise<{ ms: number; types: string[] }> {
  const child = new Child(path.join(BENCH_DIST, 'lib', 'nr-host.js'));
  try {
    const r = await child.request<{ startMs: number; types: string[] }>(
      'start',
      { palette },
      60_000,
    );
    await child.request('stop', {}, 20_000).catch(() => undefined);
    return { ms: r.startMs, types: r.types };
  } finally {
    await child.stop();
  }
}

export async function run(): Promise<BenchRow[]> {
  const without: number[] = [];
  const withPalette: number[] = [];
  let types: string[] = [];
  await once(false); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    without.push((await once(false)).ms);
    const w = await once(true);
    withPalette.push(w.ms);
    types = w.types;
  }
  const base = median(without);
  const value = median(withPalette);
  const added = value - base;
  const ccTypes = types.filter((t) => t.startsWith('cc-'));
  return [
    {
      name: 'Node-RED start-up (require -> flows started), with the palette',
      value: round(value, 0),
      unit: 'ms',
      baseline: 'Node-RED without the palette',
      baselineValue: round(base, 0),
      ratio: round(value / base, 3),
      target: `the palette adds <= ${ADDED_MS} ms to Node-RED's start-up`,
      met: added <= ADDED_MS,
      meets: (r) => r.baselineValue !== undefined && r.value - r.baselineValue <= ADDED_MS,
      note: `median of ${RUNS} runs each; added ${round(added, 0)} ms; ${ccTypes.length} cc-* node types loaded`,
    },
  ];
}
