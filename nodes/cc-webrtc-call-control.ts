/**
 * cc-webrtc-call-control: the WebRTC family's callControl operations (src/webrtc/catalogue.ts), run through
 * the shared factory lib/webrtc-operation.ts.
 */
import type { NodeAPI } from 'node-red';
import { registerWebrtcOperationNode } from './lib/webrtc-operation';

export = function (RED: NodeAPI): void {
  registerWebrtcOperationNode(RED, {
    type: 'cc-webrtc-call-control',
    kind: 'callControl',
    defaultOperation: 'hangupCall',
  });
};
