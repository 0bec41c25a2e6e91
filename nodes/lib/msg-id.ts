/**
 * Message ids for the event nodes' messages, in Node-RED's form (16 hex digits), made without
 * Node-RED's per-message cost: its generateId builds each id from eight Math.random() bytes
 * (about half a microsecond, a tenth of a message's whole cost at full ingest rate). Here: a
 * random prefix per process and a counter, new prefix when the counter wraps. Unique within the
 * runtime, which is what Node-RED needs of an id (split / join, the debug sidebar, tracing).
 */
let prefix = '';
/** Counts from 0x10000000, so its hex form always has 8 digits (no padding per id). */
const FIRST = 0x1000_0000;
let counter = 0xffff_ffff;

function newPrefix(): void {
  prefix = Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
  counter = FIRST;
}

/** A fresh message id. */
export function nextMsgId(): string {
  if (counter >= 0xffff_ffff) newPrefix();
  counter++;
  return prefix + counter.toString(16);
}
