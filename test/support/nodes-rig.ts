/**
 * Test rig for the gateway and operation nodes: loads flows through node-red-node-test-helper
 * (real Node-RED runtime, real nodes from dist/nodes), wires every output of every operation
 * node to a collecting helper node, and catches errors with a real Catch node.
 */
import assert from 'node:assert/strict';
import type { GatewayConfigNode } from '../../nodes/lib/types';
import type { SimulatorApi, SimulatorStats } from '../../src/simulator/api';
import { getOperation } from '../../src/protocol/catalogue';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(require.resolve('node-red'));

/* eslint-disable @typescript-eslint/no-require-imports */
export const NODE_MODULES = [
  require('../../nodes/cc-gateway'),
  require('../../nodes/cc-preview-call'),
  require('../../nodes/cc-consult'),
  require('../../nodes/cc-threeway'),
  require('../../nodes/cc-complete-transfer'),
  require('../../nodes/cc-call-control'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

export interface TestHelper {
  init(runtimePath: string, settings?: object): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): RigNode | null;
  startServer(cb: () => void): void;
  stopServer(cb: () => void): void;
  request(): import('supertest').Agent;
  log(): { args: unknown[][]; getCalls(): { args: unknown[] }[] };
}

export interface RigNode {
  id: string;
  on(event: string, fn: (...args: any[]) => void): void;
  receive(msg: object): void;
  status: { getCalls?: () => { args: unknown[] }[] };
  error: { getCalls?: () => { args: unknown[] }[] };
}

export type Msg = Record<string, any>;

export const TAB = 'tab1';

export interface OpNodeDef {
  id: string;
  type: string;
  operation?: string;
  props?: Record<string, unknown>;
  /** Extra wiring: outcome name -> ids of nodes that also receive that output. */
  next?: Record<string, string[]>;
}

/** Outputs of an operation node of this type: catalogue outcomes, then progress. */
export function outputNames(operation: string, progress: boolean): string[] {
  const spec = getOperation(operation);
  assert.ok(spec, `unknown operation ${operation}`);
  return [...spec.outcomes, ...(progress ? ['progress'] : [])];
}

const OP_OF: Record<string, string> = {
  'cc-preview-call': 'previewObCall',
  'cc-consult': 'startAtxfer',
  'cc-threeway': 'threewayAtxfer',
  'cc-complete-transfer': 'completeAtxfer',
};

export interface Received {
  node: string;
  output: string;
  msg: Msg;
  at: number;
}

export class Rig {
  readonly received: Received[] = [];
  readonly caught: Msg[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(readonly opIds: string[]) {}

  gateway(id = 'gw'): GatewayConfigNode & { embeddedSimulator?: SimulatorApi } {
    const n = helper.getNode(id);
    assert.ok(n, `gateway ${id} not loaded`);
    return n as unknown as GatewayConfigNode & { embeddedSimulator?: SimulatorApi };
  }

  simulator(id = 'gw'): SimulatorApi {
    const sim = this.gateway(id).embeddedSimulator;
    assert.ok(sim, 'embedded simulator is not running');
    return sim;
  }

  stats(id = 'gw'): SimulatorStats {
    return this.simulator(id).stats();
  }

  node(id: string): RigNode {
    const n = helper.getNode(id);
    assert.ok(n, `node ${id} not loaded`);
    return n;
  }

  send(id: string, msg: Msg): void {
    this.node(id).receive(msg);
  }

  /** Messages of one node (and output). */
  of(node: string, output?: string): Received[] {
    return this.received.filter((r) => r.node === node && (!output || r.output === output));
  }

  /** Wait for a message on `node` (any non-progress output unless `output` is given). */
  async next(
    node: string,
    pred: (r: Received) => boolean = () => true,
    timeoutMs = 5000,
    what = `a message from ${node}`,
  ): Promise<Received> {
    let found: Received | undefined;
    await this.waitFor(
      () =>
        (found = this.received.find(
          (r) => r.node === node && r.output !== 'progress' && pred(r),
        )) !== undefined,
      timeoutMs,
      what,
    );
    return found as Received;
  }

  /** Wait for the outcome message of the input message carrying `crm`. */
  outcome(node: string, crm: string, timeoutMs = 5000): Promise<Received> {
    return this.next(node, (r) => r.msg.crm === crm, timeoutMs, `the outcome of ${crm} on ${node}`);
  }

  waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        clearTimeout(timer);
        clearInterval(poll);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        clearInterval(poll);
        this.listeners.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const poll = setInterval(check, 5);
      this.listeners.add(check);
    });
  }

  attach(outputsByNode: Record<string, string[]>): void {
    for (const [node, outs] of Object.entries(outputsByNode)) {
      outs.forEach((output, i) => {
        this.node(`${node}-out${i}`).on('input', (msg: Msg) => {
          this.received.push({ node, output, msg, at: Date.now() });
          for (const l of [...this.listeners]) l();
        });
      });
    }
    const c = helper.getNode('caught');
    if (c) c.on('input', (msg: Msg) => this.caught.push(msg));
  }
}

export interface LoadOptions {
  gateway?: Record<string, unknown>;
  credentials?: { username?: string; password?: string };
  extraFlow?: object[];
  /** Node modules beside the palette's (core nodes the test helper does not load itself). */
  extraModules?: unknown[];
}

/** Base simulator-mode gateway: fast simulated time. */
export function gatewayDef(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'gw',
    type: 'cc-gateway',
    name: 'test gateway',
    mode: 'simulator',
    tenant: 'demo',
    simSpeed: 100,
    heartbeat: 5,
    responseTimeout: 5,
    ...extra,
  };
}

/**
 * Load operation nodes with a gateway; each output goes to a helper `<id>-out<i>`; a Catch
 * node sends every error to `caught`.
 */
export async function loadOps(ops: OpNodeDef[], options: LoadOptions = {}): Promise<Rig> {
  const flow: object[] = [{ id: TAB, type: 'tab', label: 'test' }];
  flow.push(gatewayDef(options.gateway));
  const outputs: Record<string, string[]> = {};
  for (const op of ops) {
    const operation = op.operation ?? OP_OF[op.type];
    const progressDefault = op.type !== 'cc-call-control';
    const progress = (op.props?.progress as boolean | undefined) ?? progressDefault;
    const names = outputNames(operation, progress);
    outputs[op.id] = names;
    const wires = names.map((name, i) => [`${op.id}-out${i}`, ...(op.next?.[name] ?? [])]);
    flow.push({
      id: op.id,
      type: op.type,
      z: TAB,
      gateway: 'gw',
      ...(op.type === 'cc-call-control' ? { operation } : {}),
      ...op.props,
      wires,
    });
    names.forEach((_, i) => flow.push({ id: `${op.id}-out${i}`, type: 'helper', z: TAB }));
  }
  flow.push({
    id: 'catcher',
    type: 'catch',
    z: TAB,
    scope: null,
    uncaught: false,
    wires: [['caught']],
  });
  flow.push({ id: 'caught', type: 'helper', z: TAB });
  flow.push(...(options.extraFlow ?? []));
  const creds = options.credentials ? { gw: options.credentials } : {};
  await helper.load([...NODE_MODULES, ...(options.extraModules ?? [])], flow, creds);
  const rig = new Rig(ops.map((o) => o.id));
  rig.attach(outputs);
  return rig;
}

/** Counts of live handles by kind (sockets, servers, timers). */
export function liveResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
