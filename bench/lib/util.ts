/**
 * Shared helpers of the bench modules: paths, statistics, child processes with a hard time
 * limit and a JSON reply over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Repository root (this file runs from dist/bench/lib). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** Directory of the compiled bench files. */
export const BENCH_DIST = path.resolve(__dirname, '..');

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A forked child that answers requests `{ id, cmd, ... }` with `{ id, ok, result | error }`. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  private exited = false;
  readonly proc: ChildProcess;
  private readonly stderr: string[] = [];

  constructor(script: string, args: string[] = [], execArgv: string[] = []) {
    const debug = process.env.BENCH_DEBUG === '1';
    // BENCH_PROF=<dir>: every child writes a V8 CPU profile there (open it in Chrome DevTools).
    const prof = process.env.BENCH_PROF;
    const profArgs = prof
      ? ['--cpu-prof', '--cpu-prof-interval=50', `--cpu-prof-dir=${path.resolve(prof)}`]
      : [];
    this.proc = fork(script, args, {
      execArgv: [...execArgv, ...profArgs],
      stdio: ['ignore', debug ? 'inherit' : 'ignore', debug ? 'inherit' : 'pipe', 'ipc'],
    });
    this.proc.stderr?.on('data', (d: Buffer) => {
      if (this.stderr.length < 50) this.stderr.push(d.toString());
    });
    this.proc.on(
      'message',
      (m: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
        if (typeof m?.id !== 'number') return;
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        clearTimeout(w.timer);
        if (m.ok) w.resolve(m.result);
        else w.reject(new Error(m.error ?? 'child failed'));
      },
    );
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const w of this.waiting.values()) {
        clearTimeout(w.timer);
        w.reject(
          new Error(`child exited (${code ?? signal}): ${this.stderr.join('').slice(-2000)}`),
        );
      }
      this.waiting.clear();
    });
  }

  request<T>(cmd: string, body: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error('child has exited'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`child request ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.send({ id, cmd, ...body });
    });
  }

  /** Ask the child to exit, kill it if it does not within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    try {
      this.proc.send({ id: 0, cmd: 'exit' });
    } catch {
      // channel already closed
    }
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(t);
  }
}

/** Serve requests in a child: handlers by command name; 'exit' ends the process. */
export function serveParent(
  handlers: Record<string, (msg: Record<string, unknown>) => Promise<unknown> | unknown>,
): void {
  process.on('message', (m: { id: number; cmd: string } & Record<string, unknown>) => {
    if (m.cmd === 'exit') {
      process.exit(0);
    }
    const h = handlers[m.cmd];
    Promise.resolve()
      .then(() => {
        if (!h) throw new Error(`unknown command ${m.cmd}`);
        return h(m);
      })
      .then(
        (result) => process.send?.({ id: m.id, ok: true, result }),
        (err: unknown) =>
          process.send?.({ id: m.id, ok: false, error: (err as Error)?.stack ?? String(err) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
