/** cc-chat-terminate: the helpdesk chat operation `terminate` (see lib/chat-operation.ts). */
import type { NodeAPI } from 'node-red';
import { registerChatOperation } from './lib/chat-operation';

export = function register(RED: NodeAPI): void {
  registerChatOperation(RED, 'cc-chat-terminate', 'terminate');
};
