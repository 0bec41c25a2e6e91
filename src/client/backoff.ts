/**
 * Reconnect delays: exponential growth from `initialMs` by `factor` per attempt, spread by
 * +/- `jitter` so many clients do not reconnect in step, and never above `maxMs`.
 */
import type { ReconnectOptions } from './api';

export interface BackoffConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = {
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
};

function num(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

/** Fill defaults and clamp nonsense (negative delays, factor below 1, jitter outside 0..1). */
export function resolveBackoff(options?: ReconnectOptions): BackoffConfig {
  const o = options ?? {};
  const initialMs = num(o.initialMs, DEFAULT_BACKOFF.initialMs, 0, 24 * 3600_000);
  const maxMs = num(o.maxMs, DEFAULT_BACKOFF.maxMs, initialMs, 24 * 3600_000);
  return {
    initialMs,
    maxMs,
    factor: num(o.factor, DEFAULT_BACKOFF.factor, 1, 100),
    jitter: num(o.jitter, DEFAULT_BACKOFF.jitter, 0, 1),
  };
}

/**
 * Delay before reconnect attempt `attempt` (1-based):
 * min(maxMs, initialMs x factor^(attempt-1)), spread by +/- jitter, then capped at maxMs.
 * `random` returns a number in [0, 1) (injectable for tests).
 */
export function backoffDelay(
  attempt: number,
  cfg: BackoffConfig,
  random: () => number = Math.random,
): number {
  const n = Math.max(1, Math.floor(attempt));
  // factor^(n-1) overflows to Infinity for large n; min() keeps the cap.
  const base = Math.min(cfg.maxMs, cfg.initialMs * Math.pow(cfg.factor, n - 1));
  const spread = cfg.jitter === 0 ? 0 : base * cfg.jitter * (2 * random() - 1);
  return Math.round(Math.min(cfg.maxMs, Math.max(0, base + spread)));
}
