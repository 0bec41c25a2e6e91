/**
 * cc-complete-transfer: completes the attended transfer (catalogue operation completeAtxfer).
 * The behaviour is the shared operation-node factory's (lib/operation-node.ts).
 */
import type { NodeAPI } from 'node-red';
import { registerOperationNode } from './lib/operation-node';

export = function (RED: NodeAPI): void {
  registerOperationNode(RED, {
    type: 'cc-complete-transfer',
    operation: 'completeAtxfer',
    progressDefault: true,
  });
};
