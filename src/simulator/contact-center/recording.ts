/**
 * Call recording (ccsevents): when the scenario records calls, the main connection starts
 * recording as it is created (connection_start_record) and reports the finished recording with
 * the code its download is keyed by (connection_set_record_info) before it is deleted.
 */
import type { ModelCore } from './model';
import type { Connection, Seance } from './types';

/** Recording starts with the main connection, when the scenario records calls. */
export function startRecord(m: ModelCore, s: Seance, conn: Connection): void {
  if (!m.recording || s.record) return;
  s.record = { connection: conn.id, startedAt: m.clock.now() };
  m.ccs(s, 'connection_start_record', {
    connection_id: conn.id,
    state: 'recording',
    info: { record_id: `rec-${s.uniqueId}` },
  });
}

/** The recording is complete: its code (the download key) and its length. */
export function finishRecord(m: ModelCore, s: Seance): void {
  const r = s.record;
  if (!r) return;
  s.record = undefined;
  m.ccs(s, 'connection_set_record_info', {
    connection_id: r.connection,
    state: 'recorded',
    info: {
      record_id: `rec-${s.uniqueId}`,
      record_code: `${s.uniqueId}-${r.connection}`,
      duration_ms: Math.max(0, Math.round(m.clock.now() - r.startedAt)),
    },
  });
}
