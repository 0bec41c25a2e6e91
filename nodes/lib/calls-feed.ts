/**
 * The runtime side of the editor's "calls" sidebar: one feed per Node-RED runtime. While an
 * editor shows the sidebar it renews a lease (GET of the calls endpoint); only then does the
 * feed listen to each gateway's event hub and to the operations its nodes run, keep each
 * gateway's call sequences (src/calls) and publish what changed, batched, every `intervalMs`
 * on one comms topic. When the lease lapses it lets go of every hub listener and forgets the
 * calls: with no editor watching, an operation costs one boolean test and an event nothing.
 * The calls model (src/calls) is loaded on the first watch, not when Node-RED loads the palette.
 */
import type {
  GatewayClientApi,
  OperationHandle,
  StartOperationOptions,
} from '../../src/client/api';
import type { CallView } from '../../src/calls/api';
import type { CallSequences } from '../../src/calls/sequences';
import type { EventHubApi } from '../../src/hub/api';
import type { EventFamily } from '../../src/protocol/catalogue';
import type { Data } from '../../src/protocol/types';
import type { GatewayConfigNode } from './types';

export const CALLS_TOPIC = 'cc-contact-center/calls';

type Publish = (topic: string, data: unknown, retain: boolean) => void;

interface Entry {
  node: GatewayConfigNode;
  model?: CallSequences;
  client?: GatewayClientApi;
  hub?: EventHubApi;
  offs: (() => void)[];
}

export interface FeedCall extends CallView {
  gateway: string;
}

export interface FeedSnapshot {
  gateways: { id: string; name: string }[];
  calls: FeedCall[];
}

export interface CallsFeedOptions {
  /** How often changes are published while watched (ms). Default 250. */
  intervalMs?: number;
  /** How long one watch request keeps the feed on (ms). Default 15 000. */
  leaseMs?: number;
  now?: () => number;
}

const FAMILIES: readonly EventFamily[] = ['agent', 'dialog', 'ccs'];

/** A gateway's calls model, loaded when an editor first watches. */
function newCallSequences(): CallSequences {
  const mod =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../src/calls/sequences') as typeof import('../../src/calls/sequences');
  return new mod.CallSequences();
}

/** The Mermaid text of a call (only asked for a call the model holds, so it is loaded). */
function toMermaid(view: CallView): string {
  const mod =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../src/calls/labels') as typeof import('../../src/calls/labels');
  return mod.toMermaid(view);
}

export class CallsFeed {
  private readonly gateways = new Map<string, Entry>();
  private publish: Publish | undefined;
  private leaseUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(options: CallsFeedOptions = {}) {
    this.intervalMs = options.intervalMs ?? 250;
    this.leaseMs = options.leaseMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether an editor watches (operations are recorded only then). */
  get active(): boolean {
    return this.timer !== undefined;
  }

  setPublisher(publish: Publish): void {
    this.publish = publish;
  }

  addGateway(node: GatewayConfigNode): void {
    this.gateways.set(node.id, { node, offs: [] });
  }

  removeGateway(node: GatewayConfigNode): void {
    const e = this.gateways.get(node.id);
    if (!e || e.node !== node) return;
    this.detach(e);
    this.gateways.delete(node.id);
    if (e.model && this.publish) {
      const removed = e.model.calls().map((c) => ({ gateway: node.id, id: c.id }));
      if (removed.length) this.publish(CALLS_TOPIC, { calls: [], removed }, false);
    }
  }

  /** An editor shows the sidebar: (re)start the lease and give it every call kept. */
  watch(): FeedSnapshot {
    this.leaseUntil = this.now() + this.leaseMs;
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
    this.attachAll();
    const calls: FeedCall[] = [];
    for (const [id, e] of this.gateways) {
      for (const c of e.model?.calls() ?? []) calls.push({ ...c, gateway: id });
    }
    const gateways = [...this.gateways.entries()].map(([id, e]) => ({
      id,
      name: e.node.name || id,
    }));
    return { gateways, calls };
  }

  mermaid(gateway: string, call: string): string | undefined {
    const view = this.gateways.get(gateway)?.model?.call(call);
    return view ? toMermaid(view) : undefined;
  }

  /** Start an operation through the client, recorded in the gateway's calls while watched. */
  startOperation(
    gateway: string,
    client: GatewayClientApi,
    agent: string,
    op: string,
    params: Data,
    options: StartOperationOptions,
  ): OperationHandle {
    const model = this.timer ? this.gateways.get(gateway)?.model : undefined;
    if (!model) return client.startOperation(agent, op, params, options);
    const ref: { reqId?: string } = {};
    const early: Parameters<CallSequences['response']>[1][] = [];
    const handle = client.startOperation(agent, op, params, {
      ...options,
      onResponse: (resp) => {
        if (ref.reqId) model.response(ref.reqId, resp);
        else early.push(resp);
        options.onResponse?.(resp);
      },
    });
    const reqId = (ref.reqId = handle.reqId);
    model.request({ reqId, agent, op, params });
    for (const r of early) model.response(reqId, r);
    void handle.done.then((result) => model.outcome(handle.reqId, result));
    return handle;
  }

  /** Stop everything (tests, runtime stop). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const e of this.gateways.values()) this.detach(e);
  }

  private tick(): void {
    if (this.now() > this.leaseUntil) {
      this.stop();
      return;
    }
    this.attachAll();
    const calls: unknown[] = [];
    const removed: { gateway: string; id: string }[] = [];
    for (const [id, e] of this.gateways) {
      if (!e.model) continue;
      e.model.sweep();
      const changes = e.model.drain();
      for (const c of changes.calls) calls.push({ ...c, gateway: id });
      for (const r of changes.removed) removed.push({ gateway: id, id: r });
    }
    if ((calls.length || removed.length) && this.publish) {
      this.publish(CALLS_TOPIC, { calls, removed }, false);
    }
  }

  /** Listen to the hub of every gateway whose connection is open (and of none other). */
  private attachAll(): void {
    for (const e of this.gateways.values()) {
      const client = e.node.client;
      if (client === e.client) continue;
      this.detach(e, false);
      e.model ??= newCallSequences();
      e.client = client;
      if (!client) continue;
      const hub = e.node.hub();
      e.hub = hub;
      const model = e.model;
      for (const family of FAMILIES) {
        e.offs.push(
          hub.onEvent(family, (ev) => model.event(family, ev.name, ev.data, ev.frame?.agent)),
        );
      }
    }
  }

  private detach(e: Entry, forget = true): void {
    for (const off of e.offs) off();
    e.offs = [];
    e.hub = undefined;
    e.client = undefined;
    if (forget) e.model = undefined;
  }
}

/** The feed of this runtime (the cc-gateway module sets its publisher and routes). */
export const callsFeed = new CallsFeed();

/** What operation nodes call instead of client.startOperation. */
export function observedStart(
  gateway: GatewayConfigNode,
  client: GatewayClientApi,
): GatewayClientApi['startOperation'] {
  return (agent, op, params, options = {}) =>
    callsFeed.active
      ? callsFeed.startOperation(gateway.id, client, agent, op, params, options)
      : client.startOperation(agent, op, params, options);
}
