/**
 * Taking tracker snapshots for a message. The hub's events carry lazy tracker results: reading
 * a snapshot builds it once per event, and every reader sees that one object. A message must
 * own its objects (a flow may mutate msg.dialog), so whoever puts a snapshot on a message takes
 * it: the first taker gets the object built for the event, each later taker a fresh copy. A
 * result without `take` (a tracker that returns plain eager results) is handed out as is.
 */
import type { TrackedEvent } from './api';
import type {
  CcsCallSnapshot,
  CcsIngestResult,
  ConnectionSnapshot,
  DialogCallView,
  DialogIngestResult,
  DialogSnapshot,
  SeanceSnapshot,
} from '../tracker/api';

/** The dialog and call snapshots of a dialog event, for one message. */
export function takeDialog(result: DialogIngestResult | undefined): {
  dialog?: DialogSnapshot;
  call?: DialogCallView;
} {
  if (!result) return {};
  if (result.ignored) return { dialog: result.dialog, call: result.call };
  if (typeof result.take === 'function') return result.take();
  return { dialog: result.dialog, call: result.call };
}

export function takeCcs(
  result: CcsIngestResult | undefined,
  part: 'call',
): CcsCallSnapshot | undefined;
export function takeCcs(
  result: CcsIngestResult | undefined,
  part: 'connection',
): ConnectionSnapshot | undefined;
export function takeCcs(
  result: CcsIngestResult | undefined,
  part: 'seance',
): SeanceSnapshot | undefined;
/** One snapshot of a ccs event (call, connection or seance), for one message. */
export function takeCcs(
  result: CcsIngestResult | undefined,
  part: 'call' | 'connection' | 'seance',
): CcsCallSnapshot | ConnectionSnapshot | SeanceSnapshot | undefined {
  if (!result) return undefined;
  if (typeof result.take === 'function') return result.take(part);
  return result[part];
}

/**
 * The event's data for one message (`msg.payload`), by the same rule as the snapshots: the
 * first taker gets the object itself, every later one (another node on the same gateway) a copy
 * of its own, so that a flow mutating its msg.payload never changes another node's message.
 * The event remembers that its data was taken (one flag, no per-event registry).
 */
export function takeData(event: TrackedEvent): TrackedEvent['data'] {
  if (event.dataTaken !== true) {
    event.dataTaken = true;
    return event.data;
  }
  return structuredClone(event.data);
}
