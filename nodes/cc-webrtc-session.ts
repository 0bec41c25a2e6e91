/**
 * cc-webrtc-session: the WebRTC family's session operations (src/webrtc/catalogue.ts), run through
 * the shared factory lib/webrtc-operation.ts.
 */
import type { NodeAPI } from 'node-red';
import { registerWebrtcOperationNode } from './lib/webrtc-operation';

export = function (RED: NodeAPI): void {
  registerWebrtcOperationNode(RED, {
    type: 'cc-webrtc-session',
    kind: 'session',
    defaultOperation: 'createSession',
  });
};
