/**
 * What the gateway config node (cc-gateway) offers the nodes that use it. Nodes call
 * register(this) when they start and deregister(this) on close; the connection is opened when
 * the first user registers and closed when the last one leaves.
 */
import type { Node } from 'node-red';
import type { ConnectionStatus, GatewayClientApi, Notice } from '../../src/client/api';
import type { EventHubApi } from '../../src/hub/api';

export interface GatewayConfigNode extends Node {
  /** The client; created on first register, undefined after the last deregister. */
  readonly client: GatewayClientApi | undefined;
  /** The platform the connection speaks: `ccflow`, `era` or `tinet`. */
  readonly platform?: string;
  /** The event hub; created on first use. */
  hub(): EventHubApi;
  /** `onNotice` hears of `gap` (events may be lost), `kickout` and `shutdown` notices. */
  register(
    user: Node,
    onStatus?: (status: ConnectionStatus) => void,
    onNotice?: (notice: Notice) => void,
  ): GatewayClientApi;
  /** `redeploy`: the user stops for a redeploy and comes back (the connection lingers). */
  deregister(user: Node, redeploy?: boolean): Promise<void>;
  /** Report what no node can (an outcome whose node is gone): a user's node.error, or the log. */
  report(text: string, msg?: object): void;
  readonly connectionStatus: ConnectionStatus;
}
