/**
 * cc-threeway: joins customer, agent and consulted party (catalogue operation threewayAtxfer).
 * The behaviour is the shared operation-node factory's (lib/operation-node.ts).
 */
import type { NodeAPI } from 'node-red';
import { registerOperationNode } from './lib/operation-node';

export = function (RED: NodeAPI): void {
  registerOperationNode(RED, {
    type: 'cc-threeway',
    operation: 'threewayAtxfer',
    progressDefault: true,
  });
};
