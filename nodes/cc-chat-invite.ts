/** cc-chat-invite: the helpdesk chat operation `inviteUserToMeeting` (see lib/chat-operation.ts). */
import type { NodeAPI } from 'node-red';
import { registerChatOperation } from './lib/chat-operation';

export = function register(RED: NodeAPI): void {
  registerChatOperation(RED, 'cc-chat-invite', 'inviteUserToMeeting');
};
