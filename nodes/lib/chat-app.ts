/**
 * What the chat nodes share through the chat application config node (cc-chat-app): the chat
 * client (operations, sessions, every callback event) and the application's state.
 */
import type { Node } from 'node-red';
import type { ChatClient } from '../../src/chat/client';

export interface ChatAppState {
  /** idle (not discovered yet), ready, or failed (discovery refused / unreachable). */
  state: 'idle' | 'ready' | 'failed';
  error?: string;
}

export interface ChatAppNode extends Node {
  readonly chat: ChatClient;
  readonly appState: ChatAppState;
  /** Called with every state change until the returned function is called. */
  watch(onState: (s: ChatAppState) => void): () => void;
  /** The URL callbacks are expected on (what a compatible server must be configured with). */
  readonly callbackUrl: string;
  /** The embedded simulator's base URL (its pages), when embedded. */
  readonly simulatorUrl: string | undefined;
}
