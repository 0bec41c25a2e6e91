/**
 * A GatewayClientApi whose real client arrives later: in embedded-simulator mode the config node
 * learns the simulator's URL only once it listens, yet `register()` must hand back a client at
 * once. Until the real client is attached, calls are queued; once it is attached they are
 * delegated. If the real client never comes (bad configuration, simulator failed to start) or
 * the config node closes first, queued operations end as `failed` (`disconnected` / `closed`),
 * exactly once, like the real client would end them.
 */
import type {
  ClientStats,
  ConnectionStatus,
  EventListener,
  GatewayClientApi,
  OperationHandle,
  OperationResult,
  StartOperationOptions,
  Subscription,
  SubscriptionSpec,
} from '../../src/client/api';
import { FAILED, type EventFamily } from '../../src/protocol/catalogue';
import type { Data } from '../../src/protocol/types';

type Waiter = (inner: GatewayClientApi | undefined) => void;

let provisional = 0;

export class DeferredClient implements GatewayClientApi {
  private inner: GatewayClientApi | undefined;
  /** Why the real client will never come (configuration error or closed). */
  private failure: { reason: 'disconnected' | 'closed'; error: string } | undefined;
  private readonly waiters: Waiter[] = [];
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>();
  private innerStatusOff: (() => void) | undefined;
  private current: ConnectionStatus = { state: 'connecting', attempt: 0 };

  get status(): ConnectionStatus {
    return this.inner ? this.inner.status : this.current;
  }

  /** Hand over the real client (already configured; started here). */
  attach(inner: GatewayClientApi): void {
    if (this.inner || this.failure) {
      void inner.close();
      return;
    }
    this.inner = inner;
    this.innerStatusOff = inner.onStatus((s) => this.emit(s));
    inner.start();
    this.flush(inner);
  }

  /** The real client will never come: report the error and end whatever waits. */
  fail(error: string): void {
    if (this.inner || this.failure) return;
    this.failure = { reason: 'disconnected', error };
    this.current = { state: 'closed', attempt: 0, error };
    this.emit(this.current);
    this.flush(undefined);
  }

  start(): void {
    this.inner?.start();
  }

  async close(): Promise<void> {
    if (!this.failure) this.failure = { reason: 'closed', error: 'closed' };
    this.current = { state: 'closed', attempt: 0, error: this.current.error };
    this.flush(undefined);
    this.statusListeners.clear();
    this.innerStatusOff?.();
    this.innerStatusOff = undefined;
    const inner = this.inner;
    this.inner = undefined;
    if (inner) await inner.close();
  }

  whenConnected(): Promise<void> {
    if (this.inner) return this.inner.whenConnected();
    if (this.failure) return Promise.reject(new Error(this.failure.error));
    return new Promise((resolve, reject) => {
      this.waiters.push((inner) => {
        if (inner) inner.whenConnected().then(resolve, reject);
        else reject(new Error(this.failure?.error ?? 'closed'));
      });
    });
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  startOperation(
    agent: string,
    op: string,
    params: Data,
    options?: StartOperationOptions,
  ): OperationHandle {
    if (this.inner) return this.inner.startOperation(agent, op, params, options);
    const startedAt = Date.now();
    let innerHandle: OperationHandle | undefined;
    let settle!: (r: OperationResult) => void;
    const done = new Promise<OperationResult>((resolve) => (settle = resolve));
    let ended = false;
    const placeholder = `pending-${++provisional}`;
    const end = (reason: string, message?: string): void => {
      if (ended) return;
      ended = true;
      const result: OperationResult & { message?: string } = {
        op,
        reqId: placeholder,
        agent,
        outcome: FAILED,
        reason,
        events: [],
        ids: {},
        startedAt,
        endedAt: Date.now(),
      };
      if (message) result.message = message;
      settle(result);
    };
    const run: Waiter = (inner) => {
      if (ended) return;
      if (!inner) {
        end(this.failure?.reason ?? 'closed', this.failure?.error);
        return;
      }
      ended = true;
      innerHandle = inner.startOperation(agent, op, params, options);
      innerHandle.done.then(settle);
    };
    if (this.failure) run(undefined);
    else this.waiters.push(run);
    return {
      get reqId() {
        return innerHandle ? innerHandle.reqId : placeholder;
      },
      done,
      cancel: (reason: string) => {
        if (innerHandle) innerHandle.cancel(reason);
        else end(reason);
      },
    };
  }

  subscribe(spec: SubscriptionSpec): Subscription {
    if (this.inner) return this.inner.subscribe(spec);
    const id = spec.id ?? `sub-${++provisional}`;
    let sub: Subscription | undefined;
    let cancelled = false;
    this.waiters.push((inner) => {
      if (inner && !cancelled) sub = inner.subscribe({ ...spec, id });
    });
    return {
      id,
      unsubscribe: async () => {
        cancelled = true;
        if (sub) await sub.unsubscribe();
      },
    };
  }

  on(family: EventFamily, name: string, listener: EventListener): () => void {
    if (this.inner) return this.inner.on(family, name, listener);
    return this.later((inner) => inner.on(family, name, listener));
  }

  onProblem(listener: (problem: { code: string; message: string }) => void): () => void {
    if (this.inner) return this.inner.onProblem(listener);
    return this.later((inner) => inner.onProblem(listener));
  }

  stats(): ClientStats {
    if (this.inner) return this.inner.stats();
    return {
      framesIn: 0,
      framesOut: 0,
      eventsIn: 0,
      invalidFrames: 0,
      invalidEvents: 0,
      unknownResponses: 0,
      duplicates: 0,
      gaps: 0,
      reconnects: 0,
      lastSeq: 0,
      pending: 0,
    };
  }

  /** Attach a listener once the real client exists; the remover works before and after. */
  private later(attachTo: (inner: GatewayClientApi) => () => void): () => void {
    let remove: (() => void) | undefined;
    let removed = false;
    this.waiters.push((inner) => {
      if (inner && !removed) remove = attachTo(inner);
    });
    return () => {
      removed = true;
      remove?.();
    };
  }

  private flush(inner: GatewayClientApi | undefined): void {
    const waiters = this.waiters.splice(0);
    for (const w of waiters) w(inner);
  }

  private emit(status: ConnectionStatus): void {
    for (const l of [...this.statusListeners]) {
      try {
        l(status);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }
}
