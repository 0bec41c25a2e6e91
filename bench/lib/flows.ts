/**
 * Flow fragments the bench deploys into the embedded runtime. Property names follow the
 * editor definitions in nodes/*.html.
 */
// Node ids: letters and digits only (Node-RED 4.1 lost the credentials of a node whose id
// held '-').
export type FlowNode = Record<string, unknown> & { id: string; type: string };

export const TAB = 'benchtab';

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
    heartbeat: 15,
    responseTimeout: 10,
    reconnectInitial: 0.5,
    reconnectMax: 30,
    credentials: { username: 'demo', password: 'demo' },
  };
}

/** A flow node on the bench tab (x and y make it a flow node, not a config node). */
export function onTab(node: Omit<FlowNode, 'z'>): FlowNode {
  return { x: 100, y: 100, z: TAB, ...node } as unknown as FlowNode;
}

export function sink(id: string): FlowNode {
  return onTab({ id, type: 'bench-sink', wires: [] });
}

export function source(id: string, to: string): FlowNode {
  return onTab({ id, type: 'bench-source', wires: [[to]] });
}

/** Wire every output (up to `n`) of a node to one target. */
export function allOutputs(to: string, n = 6): string[][] {
  return Array.from({ length: n }, () => [to]);
}

/** Node-RED's ceiling: a source of pre-built messages (see nr-host `burst`). */
export function burstSource(id: string, to: string): FlowNode {
  return onTab({ id, type: 'bench-burst', wires: [[to]] });
}

/** The minimal node: raw ws from `url`, JSON.parse, one message per event frame. */
export function wsMin(id: string, url: string, to: string): FlowNode {
  return onTab({ id, type: 'bench-ws-min', url, wires: [[to]] });
}
