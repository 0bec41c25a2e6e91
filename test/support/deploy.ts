/**
 * Deploying through node-red-node-test-helper as the editor does, and a sink node that keeps
 * what it receives across deploys. The helper's own setFlows gives a deploy 300 ms, which a
 * loaded machine exceeds ("timeout waiting event"): deployFlows waits up to 10 s for the flows
 * to start.
 */

/** The part of the test helper deployFlows uses (its runtime's events and flows API). */
export interface DeployHelper {
  _events: {
    on(event: string, fn: () => void): void;
    off(event: string, fn: () => void): void;
  };
  _redNodes: { setFlows(flow: object[], creds: object, type: string): Promise<unknown> };
}

/** Set the flows (`full` or `nodes` deploy) and wait up to 10 s for them to start. */
export async function deployFlows(
  helper: DeployHelper,
  flow: object[],
  creds: object,
  type: 'full' | 'nodes' = 'full',
): Promise<void> {
  let on = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve, reject) => {
    on = () => resolve();
    timer = setTimeout(() => reject(new Error('flows not started within 10 s')), 10_000);
    helper._events.on('flows:started', on);
  });
  try {
    await helper._redNodes.setFlows(flow, creds, type);
    await started;
  } finally {
    clearTimeout(timer);
    helper._events.off('flows:started', on);
  }
}

/** A message a test-sink node received, and which node (instance ids survive a deploy). */
export interface Sunk {
  node: string;
  msg: Record<string, any>;
}

/**
 * A `test-sink` node type for the helper's node list, and what every instance of it received,
 * in order (the nodes are recreated on deploy; the list stays).
 */
export function testSink(): { module: (RED: any) => void; sunk: Sunk[] } {
  const sunk: Sunk[] = [];
  const module = (RED: any): void => {
    function Sink(this: any, config: object): void {
      RED.nodes.createNode(this, config);
      this.on('input', (msg: Record<string, any>) => sunk.push({ node: this.id, msg }));
    }
    RED.nodes.registerType('test-sink', Sink);
  };
  return { module, sunk };
}
