/**
 * Operations in flight across a redeploy. When an operation node stops because it is being
 * redeployed, its operations keep running in the client (a real call may already be placed):
 * they are parked under the node id, and the node that replaces it (same id) adopts them and
 * sends their one outcome. When no node takes them (the node was removed, or nothing of that id
 * starts within the grace period), each outcome goes to `orphan` when it ends, to be reported:
 * an outcome is never dropped in silence.
 */
import type { OperationHandle, OperationResult } from '../client/api';
import { Handover } from './handover';

export interface HandedOperation<C> {
  readonly handle: OperationHandle;
  /** What the node needs to send the outcome (the input message, its timeline, ...). */
  readonly context: C;
}

/** Where an outcome nobody adopted goes. */
export type OrphanSink<C> = (op: HandedOperation<C>, result: OperationResult) => void;

interface ParkedOps<C> {
  ops: HandedOperation<C>[];
  orphan: OrphanSink<C>;
}

export class OperationHandover<C> {
  private readonly parked: Handover<ParkedOps<C>>;

  constructor(graceMs?: number) {
    this.parked = new Handover<ParkedOps<C>>({
      graceMs,
      expire: (v) => this.orphan(v.ops, v.orphan),
    });
  }

  /** Node ids with parked operations. */
  get size(): number {
    return this.parked.size;
  }

  /** The node `nodeId` stops for a redeploy: keep its operations for the node replacing it. */
  park(nodeId: string, ops: HandedOperation<C>[], orphan: OrphanSink<C>): void {
    if (ops.length === 0) return;
    // Operations parked before and not adopted since stay with the newer ones.
    const earlier = this.parked.take(nodeId);
    this.parked.park(nodeId, { ops: [...(earlier?.ops ?? []), ...ops], orphan });
  }

  /** The node replacing `nodeId` takes its parked operations (none: an empty list). */
  adopt(nodeId: string): HandedOperation<C>[] {
    return this.parked.take(nodeId)?.ops ?? [];
  }

  /** Operations whose node is gone: each outcome goes to `sink` when it ends. */
  orphan(ops: HandedOperation<C>[], sink: OrphanSink<C>): void {
    for (const op of ops) {
      op.handle.done.then(
        (result) => {
          try {
            sink(op, result);
          } catch {
            // a reporting failure must not become an unhandled rejection
          }
        },
        () => undefined,
      );
    }
  }

  /** Give up every parked operation to its orphan sink (the runtime stops, not a deploy). */
  releaseAll(): void {
    this.parked.clear();
  }
}
