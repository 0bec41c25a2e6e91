/** Defaults of the webhook ingress and its body reader, and how their settings are read. */
export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_DEDUP_SIZE = 10_000;

/** A positive number setting, whole; anything else (absent, zero, negative, not a number): `fallback`. */
export function positive(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}
