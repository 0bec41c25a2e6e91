/**
 * cc-consult: starts a consult / attended transfer (catalogue operation startAtxfer).
 * The behaviour is the shared operation-node factory's (lib/operation-node.ts).
 */
import type { NodeAPI } from 'node-red';
import { registerOperationNode } from './lib/operation-node';

export = function (RED: NodeAPI): void {
  registerOperationNode(RED, {
    type: 'cc-consult',
    operation: 'startAtxfer',
    progressDefault: true,
  });
};
