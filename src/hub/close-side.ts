/**
 * Which side ended a call, as told by each dialog_close (seed 003): `HANGUP` means this
 * dialog's party hung up, `DIALOG_LEFT` means the other party did.
 *
 * A DIALOG_LEFT alone does not say who the other party was once a call had more than two
 * parties (a consult, a completed transfer: the first agent's HANGUP when handing the customer
 * over is not what ended the call). So the side of the most recent HANGUP of the same call, in
 * arrival order, is remembered; a DIALOG_LEFT is attributed to it, and only when no HANGUP of
 * another dialog of the call was seen (deliveries out of order) to the opposite of its own side.
 */
import type { Data } from '../protocol/types';
import type { DialogIngestResult, DialogSnapshot } from '../tracker/api';

export type CloseSide = 'customer' | 'agent' | 'unknown';

/** The party a dialog stands for: EXTERNAL is the customer, CONSULTANT an agent. */
export function sideOfDialog(snapshot: DialogSnapshot | undefined, data: Data): CloseSide {
  const type = snapshot?.dialog_type ?? data.dialog_type;
  if (type === 'EXTERNAL') return 'customer';
  if (type === 'CONSULTANT') return 'agent';
  // A close whose create was missed: seed 003's initial_application_info.side tells the party.
  const info = data.initial_application_info as { side?: unknown } | undefined | null;
  if (info && typeof info === 'object') {
    if (info.side === 'CONTACT') return 'customer';
    if (info.side === 'USER') return 'agent';
  }
  return 'unknown';
}

const opposite = (side: CloseSide): CloseSide =>
  side === 'customer' ? 'agent' : side === 'agent' ? 'customer' : 'unknown';

/** Remembers the last HANGUP per call, bounded (oldest call forgotten first). */
export class CloseSides {
  private readonly last = new Map<string, { uuid: string; side: CloseSide }>();

  constructor(private readonly maxCalls = 10_000) {}

  /** The side that ended the call, for a dialog_close; undefined for other events. */
  closedBy(data: Data, result: DialogIngestResult | undefined): CloseSide | undefined {
    if (data.event_name !== 'dialog_close') return undefined;
    const snapshot = result && !result.ignored ? result.dialog : undefined;
    const own = sideOfDialog(snapshot, data);
    const key =
      snapshot?.call_key || (typeof data.dialog_uuid === 'string' ? data.dialog_uuid : '');
    const uuid = typeof data.dialog_uuid === 'string' ? data.dialog_uuid : '';
    const cause = data.close_cause;
    if (cause === 'HANGUP') {
      if (key && !result?.duplicate) this.remember(key, uuid, own);
      return own;
    }
    const seen = key ? this.last.get(key) : undefined;
    if (cause === 'DIALOG_LEFT') {
      if (seen && seen.uuid !== uuid && seen.side !== 'unknown') return seen.side;
      return opposite(own);
    }
    return seen?.side ?? result?.call.ended_by?.side ?? 'unknown';
  }

  clear(): void {
    this.last.clear();
  }

  private remember(key: string, uuid: string, side: CloseSide): void {
    this.last.delete(key);
    this.last.set(key, { uuid, side });
    if (this.last.size > this.maxCalls) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
  }
}
