/**
 * cc-call-control: runs one call-control or agent-control operation of the catalogue (hang up,
 * hold, unhold, cancel consult, mute, DTMF, blind transfer, pause, ...), chosen in the editor.
 * The behaviour is the shared operation-node factory's (lib/operation-node.ts).
 */
import type { NodeAPI } from 'node-red';
import { registerOperationNode } from './lib/operation-node';

export = function (RED: NodeAPI): void {
  registerOperationNode(RED, {
    type: 'cc-call-control',
    kinds: ['callControl', 'agentControl', 'supervisorControl'],
    progressDefault: false,
  });
};
