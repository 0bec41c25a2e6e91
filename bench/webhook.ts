/**
 * Webhook requests/s: cc-dialog-events in webhook mode vs Node-RED's core `http in` ->
 * `http response` pair, in the same real embedded runtime (child process), with the load from
 * a second process on loopback (keep-alive http.Agent). Rounds alternate; the best round of
 * each counts.
 */
import * as path from 'node:path';
import type { BenchRow } from './types';
import { onTab, sink, tab } from './lib/flows';
import { BENCH_DIST, Child, round } from './lib/util';

const DURATION_MS = Number(process.env.BENCH_WEBHOOK_MS ?? 2500);
const CONNECTIONS = 16;
const ROUNDS = 3;

interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  ms: number;
  statuses: Record<string, number>;
}

export async function run(): Promise<BenchRow[]> {
  const host = new Child(path.join(BENCH_DIST, 'lib', 'nr-host.js'));
  const load = new Child(path.join(BENCH_DIST, 'lib', 'http-load.js'));
  try {
    const { httpPort } = await host.request<{ httpPort: number }>('start', { palette: true });
    await host.request('deploy', {
      flows: [
        tab(),
        onTab({
          id: 'benchin',
          type: 'http in',
          url: '/core',
          method: 'post',
          upload: false,
          swaggerDoc: '',
          wires: [['benchresp']],
        }),
        onTab({ id: 'benchresp', type: 'http response', statusCode: '', headers: {}, wires: [] }),
        onTab({
          id: 'benchhook',
          type: 'cc-dialog-events',
          source: 'webhook',
          path: '/hook',
          maxKb: 256,
          wires: [['benchsink']],
        }),
        sink('benchsink'),
      ],
    });
    const hit = (p: string) =>
      load.request<LoadResult>(
        'run',
        { port: httpPort, path: p, connections: CONNECTIONS, durationMs: DURATION_MS },
        DURATION_MS + 30_000,
      );
    // Warm both routes.
    await load.request('run', { port: httpPort, path: '/core', connections: 4, durationMs: 500 });
    await load.request('run', { port: httpPort, path: '/hook', connections: 4, durationMs: 500 });
    const core: LoadResult[] = [];
    const hook: LoadResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      core.push(await hit('/core'));
      hook.push(await hit('/hook'));
    }
    const rps = (r: LoadResult) => (r.ok / r.ms) * 1000;
    const best = (rs: LoadResult[]) => Math.max(...rs.map(rps));
    const base = best(core);
    const value = best(hook);
    const bad = hook.reduce((n, r) => n + r.non2xx + r.errors, 0);
    const ratio = value / base;
    return [
      {
        name: 'webhook requests/s (cc-dialog-events webhook path)',
        value: round(value, 0),
        unit: 'req/s',
        baseline: "Node-RED core 'http in' -> 'http response'",
        baselineValue: round(base, 0),
        ratio: round(ratio, 3),
        target: '>= 0.8 x baseline',
        met: bad === 0 && ratio >= 0.8,
        note: `load from a second process, ${CONNECTIONS} keep-alive connections, ${ROUNDS} alternating rounds of ${DURATION_MS} ms, best round each; webhook rounds ${hook.map((r) => round(rps(r), 0)).join(' / ')}, core rounds ${core.map((r) => round(rps(r), 0)).join(' / ')}; webhook statuses ${JSON.stringify(hook.map((r) => r.statuses))}`,
      },
    ];
  } finally {
    await host.request('stop', {}, 20_000).catch(() => undefined);
    await Promise.all([host.stop(), load.stop()]);
  }
}
