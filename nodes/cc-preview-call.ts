/**
 * cc-preview-call: places a preview outbound call (catalogue operation previewObCall).
 * The behaviour is the shared operation-node factory's (lib/operation-node.ts).
 */
import type { NodeAPI } from 'node-red';
import { registerOperationNode } from './lib/operation-node';

export = function (RED: NodeAPI): void {
  registerOperationNode(RED, {
    type: 'cc-preview-call',
    operation: 'previewObCall',
    progressDefault: true,
  });
};
