/**
 * Operation round trip: message in -> response out through cc-call-control nodes (pause and
 * unpause in turn, each accepted and ended by its response) in a real embedded Node-RED
 * runtime, next to a raw `ws` req/resp round trip to the same simulator in the same run, in
 * chunks taken in turn so that both see the same load. The simulator runs in this (the
 * bench's) process; both clients run in child processes, alive side by side.
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

/** The round trips are taken in this many chunks, raw and node in turn (load drifts). */
const CHUNKS = 4;
const CHUNK_WARMUP = 50;

interface Samples {
  samplesUs: number[];
}

/** The raw ws client: one connection per chunk. */
function rawRounds(child: Child, url: string, n: number, warmup: number) {
  return child.request<Samples & { codes: Record<string, number> }>(
    'roundtrip',
    { url, n, warmup, ops: ['pause', 'unpause'], agent: AGENT, params: {} },
    60_000,
  );
}

/** Node-RED with two cc-call-control nodes (pause, unpause) between a source and a sink. */
async function startNodeRed(url: string): Promise<Child> {
  const child = new Child(path.join(BENCH_DIST, 'lib', 'nr-host.js'));
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
  return child;
}

function nodeRounds(child: Child, n: number, warmup: number) {
  // The gateway connects in the background: the first warm-up round trips cover it.
  return child.request<Samples & { outcomes: Record<string, number> }>(
    'roundtrip',
    {
      sourceIds: ['benchsrca', 'benchsrcb'],
      n,
      warmup,
      payload: { agent: AGENT },
      timeoutMs: 15_000,
    },
    120_000,
  );
}

/** CPU time (user + system, µs) a child spends in `work`. */
async function cpuOf(child: Child, work: () => Promise<void>): Promise<number> {
  const a = await child.request<NodeJS.CpuUsage>('cpu');
  await work();
  const b = await child.request<NodeJS.CpuUsage>('cpu');
  return b.user - a.user + (b.system - a.system);
}

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export async function run(): Promise<BenchRow[]> {
  const sim = new Simulator({ seed: 7 });
  const { url } = await sim.start();
  const rawChild = new Child(path.join(BENCH_DIST, 'lib', 'raw-client.js'));
  let nrChild: Child | undefined;
  try {
    nrChild = await startNodeRed(url);
    // Chunks of raw and node round trips in turn, each first in every other chunk, so both
    // see the same machine; an even count each (pause, unpause) leaves the agent as it was.
    const per = Math.max(2, Math.round(N / CHUNKS / 2) * 2);
    const baseAll: number[] = [];
    const nrAll: number[] = [];
    const codes: Record<string, number> = {};
    const outcomes: Record<string, number> = {};
    const cpu = { raw: 0, node: 0, rounds: 0 };
    for (let c = 0; c < CHUNKS; c++) {
      const warmup = c === 0 ? WARMUP : CHUNK_WARMUP;
      const rawChunk = async () => {
        cpu.raw += await cpuOf(rawChild, async () => {
          const r = await rawRounds(rawChild, url, per, warmup);
          baseAll.push(...r.samplesUs);
          add(codes, r.codes);
        });
      };
      const nodeChunk = async () => {
        cpu.node += await cpuOf(nrChild as Child, async () => {
          const r = await nodeRounds(nrChild as Child, per, warmup);
          nrAll.push(...r.samplesUs);
          add(outcomes, r.outcomes);
        });
      };
      cpu.rounds += per + warmup;
      if (c % 2 === 0) {
        await rawChunk();
        await nodeChunk();
      } else {
        await nodeChunk();
        await rawChunk();
      }
    }
    const bMed = median(baseAll);
    const bP99 = percentile(baseAll, 99);
    const nMed = median(nrAll);
    const nP99 = percentile(nrAll, 99);
    const added = (nMed - bMed) / 1000;
    const outputs = Object.entries(outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const note = `${per * CHUNKS} round trips each in ${CHUNKS} chunks, raw and node in turn (after ${WARMUP} warm-up), pause/unpause in turn on agent ${AGENT}; node outputs: ${outputs}; raw response codes: ${JSON.stringify(codes)}`;
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
        note: `added ${round(added, 3)} ms; process CPU (all threads, user + system) per round trip, warm-up included: node runtime ${round(cpu.node / cpu.rounds, 1)} µs, raw client ${round(cpu.raw / cpu.rounds, 1)} µs; ${note}`,
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
    if (nrChild) {
      await nrChild.request('stop', {}, 20_000).catch(() => undefined);
      await nrChild.stop();
    }
    await rawChild.stop();
    await sim.stop();
  }
}
