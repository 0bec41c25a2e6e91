/**
 * Dialog-event helpers of cc-dialog-events (seed 003): who ended a call, which project a
 * dialog belongs to.
 */
import type { Data } from '../../src/protocol/types';
import type { DialogCallView, DialogSnapshot } from '../../src/tracker/api';

/** Default webhook body limit (KiB). */
export const DEFAULT_MAX_KB = 256;

export type Side = 'customer' | 'agent' | 'unknown';

function sideOfDialog(snapshot: DialogSnapshot | undefined, data: Data): Side {
  const type = snapshot?.dialog_type ?? data.dialog_type;
  if (type === 'EXTERNAL') return 'customer';
  if (type === 'CONSULTANT') return 'agent';
  // A close without a known create: seed 003's initial_application_info.side tells the party.
  const info = data.initial_application_info as { side?: unknown } | undefined;
  if (info?.side === 'CONTACT') return 'customer';
  if (info?.side === 'USER') return 'agent';
  return 'unknown';
}

/**
 * Which side ended the call, seen from a dialog_close: HANGUP means this dialog's party hung
 * up; DIALOG_LEFT means the other party did (seed 003).
 */
export function closedBy(
  data: Data,
  snapshot: DialogSnapshot | undefined,
  call: DialogCallView | undefined,
): Side {
  const own = sideOfDialog(snapshot, data);
  const cause = data.close_cause;
  if (cause === 'HANGUP') return own;
  if (cause === 'DIALOG_LEFT') {
    const ended = call?.ended_by;
    if (ended && ended.side !== 'unknown' && ended.dialog_uuid !== data.dialog_uuid) {
      return ended.side;
    }
    return own === 'customer' ? 'agent' : own === 'agent' ? 'customer' : 'unknown';
  }
  return call?.ended_by?.side ?? 'unknown';
}

export function projectOf(snapshot: DialogSnapshot | undefined, data: Data): string[] {
  const project = (snapshot?.fields?.project ?? data.project) as
    { id?: unknown; name?: unknown } | undefined | null;
  const out: string[] = [];
  if (project && typeof project === 'object') {
    if (project.name !== undefined && project.name !== null) out.push(String(project.name));
    if (project.id !== undefined && project.id !== null) out.push(String(project.id));
  }
  if (typeof data.peer_project_name === 'string') out.push(data.peer_project_name);
  return out;
}
