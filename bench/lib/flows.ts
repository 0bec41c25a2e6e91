/**
 * Flow fragments the bench deploys into the embedded runtime. Property names follow the
 * editor definitions in nodes/*.html.
 */
export type FlowNode = Record<string, unknown> & { id: string; type: string };

export const TAB = 'bench-tab';

export function tab(): FlowNode {
  return { id: TAB, type: 'tab', label: 'bench' };
}

/** A cc-gateway config node in remote mode pointing at `url` (tenant/user demo/demo). */
export function gateway(id: string, url: string): FlowNode {
  return {
    id,
    type: 'cc-gateway',
    name: 'bench',
    mode: 'remote',
    url,
    tenant: 'demo',
    username: 'demo',
    heartbeatMs: 15000,
    responseTimeoutMs: 10000,
    credentials: { password: 'demo' },
  };
}

export function sink(id: string): FlowNode {
  return { id, type: 'bench-sink', z: TAB, wires: [] };
}

export function source(id: string, to: string): FlowNode {
  return { id, type: 'bench-source', z: TAB, wires: [[to]] };
}

/** Wire every output (up to `n`) of a node to one target. */
export function allOutputs(to: string, n = 6): string[][] {
  return Array.from({ length: n }, () => [to]);
}
