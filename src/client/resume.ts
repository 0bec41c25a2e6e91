/**
 * What a reconnect means for the event stream, per the driver's `resume` mode:
 * - `replay`: events carry a per-session `seq`; duplicates (seq already seen) are dropped, a
 *   jump is counted as a gap, and a login that could not resume loses what followed `lastSeq`
 *   (counted once, even when the server also sends a `gap` notice for it);
 * - `resubscribe`: no sequence numbers on the wire; events are numbered locally and every
 *   reconnect is a gap (the client raises the notice).
 */
import type { EventFrame } from '../protocol/types';

export interface ResumeCounters {
  duplicates: number;
  gaps: number;
}

export class ResumeState {
  /** Last sequence number seen (replay) on the current session. */
  lastSeq = 0;
  private localSeq = 0;
  /** A resume was refused; a following `gap` notice is the same loss. */
  private resumeLost = false;

  constructor(
    readonly mode: 'replay' | 'resubscribe',
    private readonly c: ResumeCounters,
  ) {}

  /** False when the event is a duplicate (dropped); stamps `seq` on a resubscribe platform. */
  accept(ev: EventFrame): boolean {
    if (this.mode !== 'replay') {
      ev.seq = ++this.localSeq;
      return true;
    }
    const seq = ev.seq;
    const last = this.lastSeq;
    if (seq <= last) {
      this.c.duplicates++;
      return false;
    }
    if (seq !== last + 1) this.c.gaps++;
    if (this.resumeLost) this.resumeLost = false;
    this.lastSeq = seq;
    return true;
  }

  /**
   * A login. On a replay platform that did not resume after a reconnect, returns the `lastSeq`
   * after which events were lost (counted as a gap); else 0. A resubscribe platform's
   * reconnect is counted here too (the caller raises the notice): returns -1 then.
   */
  login(resumed: boolean, reconnected: boolean): number {
    if (this.mode === 'resubscribe') {
      if (!reconnected) return 0;
      this.c.gaps++;
      return -1;
    }
    if (resumed) return 0;
    const lost = reconnected && this.lastSeq > 0 ? this.lastSeq : 0;
    if (lost > 0) {
      this.c.gaps++;
      this.resumeLost = true;
    }
    this.lastSeq = 0;
    return lost;
  }

  /** A `gap` notice from a replay platform: counted unless a refused resume already was. */
  gapNotice(): void {
    if (this.mode !== 'replay') return;
    if (this.resumeLost) this.resumeLost = false;
    else this.c.gaps++;
  }
}
