/**
 * One row of the benchmark table: a figure next to its baseline measured in the same run.
 * Each bench module exports `run(): Promise<BenchRow[]>`; bench/run.ts prints and records them.
 */
export interface BenchRow {
  /** What was measured, e.g. "event ingest (gateway frame -> node output)". */
  name: string;
  value: number;
  unit: string;
  /** What it is compared with, e.g. "raw ws + JSON.parse loop". */
  baseline?: string;
  baselineValue?: number;
  /** value / baselineValue, or the inverse when lower is better (say which in `note`). */
  ratio?: number;
  /** Target from the issue, e.g. ">= 0.5 x baseline", and whether it was met. */
  target?: string;
  met?: boolean;
  /**
   * The target as a test, when the row has one: bench/run.ts applies it to the medians of the
   * runs (without it, a row of several runs says what the run with the median ratio said).
   */
  meets?: (row: { value: number; ratio?: number; baselineValue?: number }) => boolean;
  note?: string;
}
