/**
 * The seance as cc-seance-events emits it: the tracker's snapshot plus the snapshots of its
 * calls and connections, and the transfer chain under a readable name.
 */
import type {
  CallTrackerApi,
  CcsCallSnapshot,
  ConnectionSnapshot,
  SeanceSnapshot,
} from '../../src/tracker/api';

export interface SeanceView extends SeanceSnapshot {
  calls: CcsCallSnapshot[];
  connections: ConnectionSnapshot[];
  /** seance_set_next_number values in order (same as `numbers`). */
  transferChain: string[];
}

export function seanceView(seance: SeanceSnapshot, tracker: CallTrackerApi): SeanceView {
  const calls: CcsCallSnapshot[] = [];
  for (const id of seance.call_ids) {
    const c = tracker.getCall(id);
    if (c) calls.push(c);
  }
  const connections: ConnectionSnapshot[] = [];
  for (const id of seance.connection_ids) {
    const c = tracker.getConnection(id);
    if (c) connections.push(c);
  }
  return { ...seance, calls, connections, transferChain: [...seance.numbers] };
}
