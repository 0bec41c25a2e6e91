/**
 * Liveness of the current link: ping every interval (through the link's own `ping`), and
 * nothing received for the timeout (default 2.5 x the interval) means half-open. Counting
 * frames instead of stamping each one keeps Date.now() off the hot path.
 */
export interface HeartbeatDeps {
  /** Frames received so far (the client's counter). */
  readonly framesIn: () => number;
  readonly ping: () => void;
  /** Nothing received for `silentMs`: drop the link. */
  readonly dead: (silentMs: number) => void;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private everyMs = 0;
  private timeoutMs = 0;
  private seenFrames = 0;
  private lastChange = 0;
  private lastPing = 0;

  constructor(
    /** Configured half-open timeout, undefined = 2.5 x the interval. */
    private readonly timeoutOpt: number | undefined,
    private readonly d: HeartbeatDeps,
  ) {}

  /** The interval in effect (0 when stopped). */
  get interval(): number {
    return this.timer === undefined ? 0 : this.everyMs;
  }

  /** Ping every `everyMs`; keeps the silence measured so far on a restart. */
  start(everyMs: number): void {
    const restart = this.timer !== undefined;
    this.stop();
    if (everyMs <= 0) return;
    this.everyMs = everyMs;
    this.timeoutMs = this.timeoutOpt ?? Math.round(everyMs * 2.5);
    if (!restart) {
      const now = Date.now();
      this.seenFrames = this.d.framesIn();
      this.lastChange = now;
      this.lastPing = now;
    }
    const tick = Math.max(5, Math.min(everyMs, Math.floor(this.timeoutMs / 3)));
    this.timer = setInterval(() => this.tick(tick), tick);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(tick: number): void {
    const now = Date.now();
    const frames = this.d.framesIn();
    if (frames !== this.seenFrames) {
      this.seenFrames = frames;
      this.lastChange = now;
    } else if (now - this.lastChange >= this.timeoutMs) {
      this.d.dead(now - this.lastChange);
      return;
    }
    if (now - this.lastPing >= this.everyMs - tick / 2) {
      this.lastPing = now;
      this.d.ping();
    }
  }
}
