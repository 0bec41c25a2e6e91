/**
 * What the glue needs to know about Node-RED's deploy cycle, for the handovers of
 * src/lifecycle (a connection, operations, parked event listeners):
 * - whether the flows stopped for a deploy (the nodes come back: keep things for them) or for
 *   good (runtime stop, test unload: release everything now);
 * - when the started flows can take messages (a node created during a deploy must not send
 *   before the nodes it is wired to exist).
 */
import type { NodeAPI } from 'node-red';

interface RuntimeEvents {
  on(event: string, fn: (...args: any[]) => void): unknown;
  once(event: string, fn: (...args: any[]) => void): unknown;
  removeListener(event: string, fn: (...args: any[]) => void): unknown;
}

function eventsOf(RED: NodeAPI): RuntimeEvents | undefined {
  const e = (RED as unknown as { events?: RuntimeEvents }).events;
  return e && typeof e.on === 'function' ? e : undefined;
}

const stopWatchers = new WeakMap<object, Set<() => void>>();

/**
 * Call `release` whenever the flows stop for good (not for a deploy). One runtime listener per
 * runtime, however many times the nodes' modules are registered.
 */
export function onFlowsStoppedForGood(RED: NodeAPI, release: () => void): void {
  const events = eventsOf(RED);
  if (!events) return;
  let set = stopWatchers.get(events);
  if (!set) {
    const created = new Set<() => void>();
    stopWatchers.set(events, created);
    set = created;
    events.on(
      'runtime-event',
      (e: { id?: string; payload?: { state?: string; deploy?: boolean } }) => {
        if (e?.id !== 'runtime-state' || e.payload?.state !== 'stop' || e.payload.deploy === true) {
          return;
        }
        for (const fn of created) {
          try {
            fn();
          } catch {
            // one release failing must not keep the others
          }
        }
      },
    );
  }
  set.add(release);
}

const startWaiters = new WeakMap<object, Set<() => void>>();

/**
 * Run `fn` once the flows being started are running (Node-RED's `flows:started`). Returns a
 * canceller for the node's close handler. One runtime listener per runtime (not one per node:
 * the runtime's emitter warns past ten).
 */
export function whenFlowsStarted(RED: NodeAPI, fn: () => void): () => void {
  const events = eventsOf(RED);
  if (!events) {
    const t = setImmediate(fn);
    return () => clearImmediate(t);
  }
  let set = startWaiters.get(events);
  if (!set) {
    const created = new Set<() => void>();
    startWaiters.set(events, created);
    set = created;
    events.on('flows:started', () => {
      const due = [...created];
      created.clear();
      for (const f of due) {
        try {
          f();
        } catch {
          // one waiter failing must not keep the others
        }
      }
    });
  }
  const waiters = set;
  const once = (): void => fn();
  waiters.add(once);
  return () => {
    waiters.delete(once);
  };
}
