/**
 * Dialog-event helpers of cc-dialog-events (seed 003): which project a dialog belongs to.
 */
import type { Data } from '../../src/protocol/types';
import type { DialogCallView, DialogSnapshot } from '../../src/tracker/api';

/** Default webhook body limit (KiB). */
export const DEFAULT_MAX_KB = 256;

/** Project names and ids a dialog's fields name: its own `project`, or its peer's project. */
function projectsIn(fields: Data | undefined, out: string[]): void {
  if (!fields) return;
  const project = fields.project as { id?: unknown; name?: unknown } | undefined | null;
  if (project && typeof project === 'object') {
    if (project.name !== undefined && project.name !== null) out.push(String(project.name));
    if (project.id !== undefined && project.id !== null) out.push(String(project.id));
  }
  if (typeof fields.peer_project_name === 'string') out.push(fields.peer_project_name);
}

/**
 * The projects a dialog event belongs to: from the body, the merged dialog (a state update
 * says nothing itself), and, when neither names one, the other dialogs of its call (a
 * customer's dialog belongs to the project of the consultant it talks to).
 */
export function projectOf(
  snapshot: DialogSnapshot | undefined,
  data: Data,
  call?: DialogCallView,
): string[] {
  const out: string[] = [];
  projectsIn(data, out);
  projectsIn(snapshot?.fields, out);
  if (out.length === 0 && call) for (const d of call.dialogs) projectsIn(d.fields, out);
  return out;
}
