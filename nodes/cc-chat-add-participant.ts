/** cc-chat-add-participant: the helpdesk chat operation `bridgedParticipants` (see lib/chat-operation.ts). */
import type { NodeAPI } from 'node-red';
import { registerChatOperation } from './lib/chat-operation';

export = function register(RED: NodeAPI): void {
  registerChatOperation(RED, 'cc-chat-add-participant', 'bridgedParticipants');
};
