/**
 * Things that outlive a redeploy: while Node-RED stops a flow and starts its new version, a
 * value (a gateway connection, the operations a node had in flight) is parked under the id of
 * the node that owned it, and taken by the node of the same id that replaces it. A value nobody
 * takes within the grace period is handed to `expire` (closed, or reported), never dropped.
 *
 * A fingerprint (of the settings the value was built from) guards reuse: taking with another
 * fingerprint expires the parked value instead of returning it.
 */

/** How long a parked value waits for the node that replaces its owner (ms). */
export const DEFAULT_HANDOVER_GRACE_MS = 30_000;

interface Parked<T> {
  value: T;
  fingerprint: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

export interface HandoverOptions<T> {
  graceMs?: number;
  /** Called once for a value that was not taken (grace over, other fingerprint, replaced). */
  expire(value: T, key: string, why: 'timeout' | 'changed' | 'replaced' | 'cleared'): void;
}

export class Handover<T> {
  private readonly parked = new Map<string, Parked<T>>();
  private readonly graceMs: number;

  constructor(private readonly options: HandoverOptions<T>) {
    const g = options.graceMs;
    this.graceMs =
      typeof g === 'number' && Number.isFinite(g) && g >= 0 ? g : DEFAULT_HANDOVER_GRACE_MS;
  }

  get size(): number {
    return this.parked.size;
  }

  has(key: string): boolean {
    return this.parked.has(key);
  }

  /** Park a value under key (a value already parked there expires as 'replaced'). */
  park(key: string, value: T, fingerprint?: string): void {
    this.drop(key, 'replaced');
    const entry: Parked<T> = { value, fingerprint, timer: undefined };
    if (this.graceMs > 0) {
      entry.timer = setTimeout(() => {
        if (this.parked.get(key) === entry) this.drop(key, 'timeout');
      }, this.graceMs);
      entry.timer.unref();
    }
    this.parked.set(key, entry);
    if (this.graceMs === 0) this.drop(key, 'timeout');
  }

  /** The value parked under key when its fingerprint matches; otherwise it expires. */
  take(key: string, fingerprint?: string): T | undefined {
    const entry = this.parked.get(key);
    if (!entry) return undefined;
    if (entry.fingerprint !== fingerprint) {
      this.drop(key, 'changed');
      return undefined;
    }
    this.parked.delete(key);
    if (entry.timer) clearTimeout(entry.timer);
    return entry.value;
  }

  /** Expire everything parked (shutdown). */
  clear(): void {
    for (const key of [...this.parked.keys()]) this.drop(key, 'cleared');
  }

  private drop(key: string, why: 'timeout' | 'changed' | 'replaced' | 'cleared'): void {
    const entry = this.parked.get(key);
    if (!entry) return;
    this.parked.delete(key);
    if (entry.timer) clearTimeout(entry.timer);
    try {
      this.options.expire(entry.value, key, why);
    } catch {
      // an expire callback must not break the caller (a deploy)
    }
  }
}
