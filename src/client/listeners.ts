/**
 * The client's listener registries: event listeners by family and name ('*' for every name),
 * and plain callback sets (status, problems, notices). A throwing listener never stops the
 * others; the caller is told through `onThrow`.
 */
import type { EventFamily } from '../protocol';
import type { EventFrame } from '../protocol/types';
import type { EventListener } from './api';

export class CallbackSet<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  /** Call every listener; `onThrow` (when given) hears of each one that throws. */
  emit(value: T, onThrow?: (err: unknown) => void): void {
    for (const l of this.set) {
      try {
        l(value);
      } catch (err) {
        onThrow?.(err);
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}

export class EventListeners {
  private readonly byFamily = new Map<EventFamily, Map<string, Set<EventListener>>>();

  on(family: EventFamily, name: string, listener: EventListener): () => void {
    let byName = this.byFamily.get(family);
    if (!byName) {
      byName = new Map();
      this.byFamily.set(family, byName);
    }
    let set = byName.get(name);
    if (!set) {
      set = new Set();
      byName.set(name, set);
    }
    set.add(listener);
    return () => {
      const m = this.byFamily.get(family);
      const s = m?.get(name);
      if (!m || !s) return;
      s.delete(listener);
      if (s.size === 0) m.delete(name);
      if (m.size === 0) this.byFamily.delete(family);
    };
  }

  /**
   * Hand an event to its named listeners, then to the family's '*' listeners. `onThrow` hears
   * of each listener that throws, with the event (one function for every event: no closure).
   */
  dispatch(ev: EventFrame, onThrow: (err: unknown, ev: EventFrame) => void): void {
    const byName = this.byFamily.get(ev.family);
    if (byName === undefined) return;
    const named = byName.get(ev.name);
    if (named !== undefined) call(named, ev, onThrow);
    const any = byName.get('*');
    if (any !== undefined) call(any, ev, onThrow);
  }

  clear(): void {
    this.byFamily.clear();
  }
}

function call(
  set: Set<EventListener>,
  ev: EventFrame,
  onThrow: (err: unknown, ev: EventFrame) => void,
): void {
  for (const l of set) {
    try {
      l(ev);
    } catch (err) {
      onThrow(err, ev);
    }
  }
}
