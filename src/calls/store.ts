/**
 * The calls of the call sequences kept for one gateway, and their bounds: found by any id key
 * they carry, live ones ordered by last activity (the least recently active is ended beyond
 * `maxLive`, an idle one after `idleMs`), ended ones kept up to `keepEnded` for `endedTtlMs`,
 * steps per call up to `maxSteps`; and the changes since the last drain for the sidebar.
 */
import type { CallChanges, CallDelta, CallView, Step } from './api';
import { stepLabel } from './labels';
import { foldCalls } from './merge';
import { callView, newCall, type Call } from './record';

export interface CallBounds {
  keepEnded: number;
  endedTtlMs: number;
  idleMs: number;
  maxLive: number;
  maxSteps: number;
}

export class CallStore {
  /** id key -> call. */
  private readonly byKey = new Map<string, Call>();
  /** Live calls by id, in order of last activity (oldest first). */
  private readonly live = new Map<string, Call>();
  /** Ended calls by id, oldest first. */
  private readonly ended = new Map<string, Call>();
  /** Agent -> the live call the agent is on (operations without ids go there). */
  private readonly current = new Map<string, Call>();
  private readonly dirty = new Set<Call>();
  private removed: string[] = [];
  private nextId = 1;

  constructor(
    private readonly bounds: CallBounds,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.live.size + this.ended.size;
  }

  /** The call an id key names. */
  byId(key: string): Call | undefined {
    return this.byKey.get(key);
  }

  /** The live call an agent is on. */
  currentOf(agent: string): Call | undefined {
    return this.current.get(agent);
  }

  /** The agent acts on this call from now on (while it is live). */
  setCurrent(agent: string, call: Call): void {
    if (call.endedAt === undefined) this.current.set(agent, call);
  }

  /** The first call any of these keys names. */
  find(keys: Map<string, string>): Call | undefined {
    for (const k of keys.keys()) {
      const c = this.byKey.get(k);
      if (c) return c;
    }
    return undefined;
  }

  /** The call of these keys (merging the calls they name), or `into`, or a new call. */
  join(keys: Map<string, string>, into?: Call): Call {
    let call = into;
    for (const k of keys.keys()) {
      const other = this.byKey.get(k);
      if (!other || other === call) continue;
      call = call ? this.merge(call, other) : other;
    }
    if (!call) call = this.create();
    for (const k of keys.keys()) {
      if (this.byKey.get(k) === call) continue;
      this.byKey.set(k, call);
      call.keys.add(k);
    }
    return call;
  }

  /** Record a step (numbered, time-stamped, labelled) unless the call is at its step limit. */
  add(call: Call, step: Omit<Step, 'n' | 'ts' | 'label'>): void {
    const now = this.now();
    call.lastAt = now;
    if (call.endedAt === undefined) {
      // keep the live map ordered by activity
      this.live.delete(call.id);
      this.live.set(call.id, call);
    }
    this.dirty.add(call);
    if (call.steps.length >= this.bounds.maxSteps) {
      call.dropped++;
      call.headerChanged = true;
      return;
    }
    const full = { ...step, n: call.steps.length, ts: now } as Step;
    full.label = stepLabel(full);
    call.steps.push(full);
  }

  end(call: Call): void {
    if (call.endedAt !== undefined) return;
    call.endedAt = this.now();
    call.headerChanged = true;
    this.dirty.add(call);
    this.live.delete(call.id);
    this.ended.set(call.id, call);
    for (const [agent, c] of this.current) if (c === call) this.current.delete(agent);
    while (this.ended.size > this.bounds.keepEnded) {
      this.forget(this.ended.values().next().value as Call);
    }
  }

  /** Every call kept, live first (most recent first), then ended. */
  views(): CallView[] {
    const live = [...this.live.values()].reverse();
    const ended = [...this.ended.values()].reverse();
    return [...live, ...ended].map((c) => callView(c));
  }

  view(id: string): CallView | undefined {
    const c = this.live.get(id) ?? this.ended.get(id);
    return c ? callView(c) : undefined;
  }

  drain(): CallChanges {
    const calls: CallDelta[] = [];
    for (const c of this.dirty) {
      if (!this.live.has(c.id) && !this.ended.has(c.id)) continue;
      const head = callView(c, false);
      calls.push({ ...head, stepsFrom: c.sent, steps: c.steps.slice(c.sent) });
      c.sent = c.steps.length;
      c.headerChanged = false;
    }
    this.dirty.clear();
    const removed = this.removed;
    this.removed = [];
    return { calls, removed };
  }

  /** End idle live calls and forget ended ones older than their time to live. */
  sweep(): void {
    const now = this.now();
    for (const c of [...this.live.values()]) {
      if (now - c.lastAt >= this.bounds.idleMs) this.end(c);
      else break; // ordered by last activity
    }
    for (const c of [...this.ended.values()]) {
      if (now - (c.endedAt ?? now) >= this.bounds.endedTtlMs) this.forget(c);
    }
  }

  private create(): Call {
    const call = newCall(`call-${this.nextId++}`, this.now());
    this.live.set(call.id, call);
    while (this.live.size > this.bounds.maxLive) {
      const oldest = this.live.values().next().value as Call;
      this.end(oldest);
    }
    return call;
  }

  /** Two calls are one: fold them (./merge.ts) and re-point every index at the one kept. */
  private merge(a: Call, b: Call): Call {
    const { keep, gone } = foldCalls(a, b, this.bounds.maxSteps);
    for (const k of gone.keys) this.byKey.set(k, keep);
    for (const [agent, c] of this.current) if (c === gone) this.current.set(agent, keep);
    this.live.delete(gone.id);
    this.ended.delete(gone.id);
    this.dirty.delete(gone);
    this.removed.push(gone.id);
    if (keep.endedAt !== undefined && gone.endedAt === undefined) {
      // New life in an ended call (a late event of the same ids): live again.
      this.ended.delete(keep.id);
      keep.endedAt = undefined;
      this.live.set(keep.id, keep);
    }
    this.dirty.add(keep);
    return keep;
  }

  private forget(call: Call): void {
    this.ended.delete(call.id);
    this.live.delete(call.id);
    for (const k of call.keys) if (this.byKey.get(k) === call) this.byKey.delete(k);
    for (const [agent, c] of this.current) if (c === call) this.current.delete(agent);
    this.dirty.delete(call);
    this.removed.push(call.id);
  }
}
