/**
 * `npm run bench`: runs every bench module (`export async function run(): Promise<BenchRow[]>`)
 * BENCH_RUNS times (default 3), prints a table and writes docs/benchmarks.md with the machine it
 * ran on. Each figure is next to a baseline measured in the same run, as a ratio, with the
 * target and whether it was met; with several runs each row shows the medians, says met or NOT
 * met for them, and gives the min-max of the runs. A module that fails gives a row saying so;
 * the others still run.
 *
 *   node dist/bench/run.js [module ...]     (default: every module)
 *
 * BENCH_RUNS=n runs each module n times; BENCH_PROF=<dir> has every child process write a V8
 * CPU profile there (`node --cpu-prof`, 50 us sampling) for a look at where the time goes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchRow } from './types';
import { ROOT, median, round } from './lib/util';

interface BenchModule {
  run(): Promise<BenchRow[]>;
}

/** Module name -> file under dist/bench (optional ones are skipped when absent). */
const MODULES: { name: string; file: string; optional?: boolean }[] = [
  { name: 'ingest', file: 'ingest.js' },
  { name: 'roundtrip', file: 'roundtrip.js' },
  { name: 'webhook', file: 'webhook.js' },
  { name: 'memory', file: 'memory.js' },
  { name: 'startup', file: 'startup.js' },
  { name: 'simulator', file: 'simulator.js', optional: true },
];

/** Limit of one run of one module. */
const MODULE_TIMEOUT_MS = 150_000;
/** Every module runs this many times; rows report the median and the min-max. */
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

function range(values: number[]): string {
  if (values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? fmt(lo) : `${fmt(lo)}-${fmt(hi)}`;
}

/**
 * One row per measure from the rows of several runs: median value, baseline and ratio; met or
 * NOT met for the medians (the row's `meets`, else the run with the median ratio says); the
 * runs' min-max and the median run's note.
 */
function aggregate(runs: BenchRow[][]): BenchRow[] {
  const byName = new Map<string, BenchRow[]>();
  for (const rows of runs) {
    for (const r of rows) {
      const list = byName.get(r.name) ?? [];
      list.push(r);
      byName.set(r.name, list);
    }
  }
  return [...byName.values()].map((rs) => {
    if (rs.length === 1) return rs[0];
    const values = rs.map((r) => r.value).filter(finite);
    const ratios = rs.map((r) => r.ratio).filter(finite);
    const bases = rs.map((r) => r.baselineValue).filter(finite);
    const key = (r: BenchRow) => (finite(r.ratio) ? r.ratio : r.value);
    const ordered = rs.filter((r) => finite(key(r))).sort((a, b) => key(a) - key(b));
    const mid = ordered[Math.floor((ordered.length - 1) / 2)] ?? rs[0];
    const out: BenchRow = {
      ...mid,
      value: values.length > 0 ? round(median(values), 3) : NaN,
      baselineValue: bases.length > 0 ? round(median(bases), 3) : undefined,
      ratio: ratios.length > 0 ? round(median(ratios), 3) : undefined,
    };
    if (mid.meets) out.met = values.length === rs.length && mid.meets(out);
    const spread = [`median of ${rs.length} runs: value ${range(values)}`];
    if (ratios.length > 0) spread.push(`ratio ${range(ratios)}`);
    if (values.length < rs.length) spread.push(`${rs.length - values.length} run(s) failed`);
    out.note = [spread.join(', '), mid.note].filter(Boolean).join('; ');
    return out;
  });
}

function machine(): Record<string, string> {
  const cpus = os.cpus();
  let nodeRed = 'not installed';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    nodeRed = (require('node-red/package.json') as { version: string }).version;
  } catch {
    // keep
  }
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: String(cpus.length),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    'node-red': nodeRed,
    load: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    date: new Date().toISOString(),
  };
}

function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(v);
}

function metText(row: BenchRow): string {
  if (row.met === undefined) return '-';
  return row.met ? 'met' : 'NOT met';
}

function toMarkdown(rows: BenchRow[], info: Record<string, string>, totalS: number): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts). Every figure is measured next to its baseline',
    'in the same run on the same machine, so the ratio is what to read: absolute figures move',
    'with the load of a shared machine. Event ingest, round trip, webhook and start-up use a',
    'real embedded Node-RED runtime in a child process (never the test helper); load comes',
    'from other processes on loopback. Within one run of the ingest module, the node, the',
    'minimal node and the raw loop are each measured two or three times in turn and the best',
    'of each counts (other load on a shared machine only ever slows a measurement down); the',
    'table gives the median of the runs with their min-max.',
    '',
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    ...Object.entries(info).map(([k, v]) => `| ${k} | ${esc(v)} |`),
    `| bench duration | ${totalS.toFixed(0)} s |`,
    '',
    `## Results (${esc(info.cpu)}, ${info.cores} cores; medians of ${RUNS} run${RUNS === 1 ? '' : 's'})`,
    '',
    '| measure | value | baseline (same run) | baseline value | ratio | target | result | note |',
    '| --- | ---: | --- | ---: | ---: | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${esc(r.name)} | ${fmt(r.value)} ${esc(r.unit)} | ${esc(r.baseline ?? '-')} | ${fmt(
          r.baselineValue,
        )} | ${fmt(r.ratio)} | ${esc(r.target ?? '-')} | ${metText(r)} | ${esc(r.note ?? '')} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

function printTable(rows: BenchRow[]): void {
  const head = ['measure', 'value', 'baseline', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.baselineValue === undefined ? '-' : `${fmt(r.baselineValue)} (${r.baseline ?? ''})`,
    fmt(r.ratio),
    r.target ?? '-',
    metText(r),
  ]);
  const widths = head.map((h, i) =>
    Math.min(60, Math.max(h.length, ...body.map((b) => b[i].length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c.length > widths[i] ? c.slice(0, widths[i] - 1) + '~' : c.padEnd(widths[i])))
      .join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
  for (const b of body) console.log(line(b));
  for (const r of rows) if (r.note) console.log(`  - ${r.name}: ${r.note}`);
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const info = machine();
  const t0 = Date.now();
  const rows: BenchRow[] = [];
  for (const m of MODULES) {
    if (only.length > 0 && !only.includes(m.name)) continue;
    const file = path.join(__dirname, m.file);
    if (!fs.existsSync(file)) {
      if (!m.optional) rows.push({ name: m.name, value: NaN, unit: '', note: `${m.file} missing` });
      continue;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as BenchModule;
    const runs: BenchRow[][] = [];
    for (let i = 1; i <= RUNS; i++) {
      const started = Date.now();
      process.stderr.write(`bench: ${m.name} run ${i}/${RUNS} ...\n`);
      try {
        runs.push(await withTimeout(mod.run(), MODULE_TIMEOUT_MS, m.name));
      } catch (err) {
        runs.push([
          {
            name: m.name,
            value: NaN,
            unit: '',
            met: false,
            note: `failed: ${((err as Error)?.message ?? String(err)).split('\n')[0].slice(0, 300)}`,
          },
        ]);
      }
      process.stderr.write(
        `bench: ${m.name} run ${i} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
    rows.push(...aggregate(runs));
  }
  const totalS = (Date.now() - t0) / 1000;
  printTable(rows);
  console.log(
    `\n${Object.entries(info)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ')}; total ${totalS.toFixed(0)} s`,
  );
  if (only.length === 0 || process.env.BENCH_WRITE === '1') {
    const out = path.join(ROOT, 'docs', 'benchmarks.md');
    fs.writeFileSync(out, toMarkdown(rows, info, totalS));
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
  }
  // Children are gone; make sure a stray handle does not keep the run alive.
  process.exit(0);
}

void main();
