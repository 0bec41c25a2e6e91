/** cc-chat-token: the helpdesk chat operation `anonApplicationTokens` (see lib/chat-operation.ts). */
import type { NodeAPI } from 'node-red';
import { registerChatOperation } from './lib/chat-operation';

export = function register(RED: NodeAPI): void {
  registerChatOperation(RED, 'cc-chat-token', 'anonApplicationTokens');
};
