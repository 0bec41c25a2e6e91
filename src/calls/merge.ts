/**
 * Two calls that turn out to be one (a later operation or event names ids of both): the
 * younger is folded into the older, steps in time order and renumbered, within the step limit.
 * Only the two records change here; the store (./store.ts) re-points its indexes.
 */
import type { Call } from './record';

/** Fold the younger of `a` and `b` into the older; returns which was kept and which is gone. */
export function foldCalls(a: Call, b: Call, maxSteps: number): { keep: Call; gone: Call } {
  const [keep, gone] = a.startedAt <= b.startedAt ? [a, b] : [b, a];
  for (const k of gone.keys) keep.keys.add(k);
  keep.agent ??= gone.agent;
  keep.target ??= gone.target;
  keep.customerNumber ??= gone.customerNumber;
  for (const [id, lane] of gone.lanes) if (!keep.lanes.has(id)) keep.lanes.set(id, lane);
  for (const [k, l] of gone.laneOf) if (!keep.laneOf.has(k)) keep.laneOf.set(k, l);
  for (const x of gone.agents) keep.agents.add(x);
  for (const x of gone.numbers) keep.numbers.add(x);
  for (const x of gone.openDialogs) keep.openDialogs.add(x);
  for (const x of gone.pending) keep.pending.add(x);
  keep.sawDialog ||= gone.sawDialog;
  const steps = [...keep.steps, ...gone.steps].sort((x, y) => x.ts - y.ts);
  keep.steps = steps.slice(0, maxSteps).map((s, n) => ({ ...s, n }));
  keep.dropped += gone.dropped + Math.max(0, steps.length - maxSteps);
  keep.sent = 0; // renumbered: the sidebar gets the whole call again
  keep.lastAt = Math.max(keep.lastAt, gone.lastAt);
  keep.headerChanged = true;
  return { keep, gone };
}
