/**
 * Contract of the helpdesk chat simulator (Skype for Business Trusted Application API shape):
 * the application's REST resources and callbacks, the anonymous chat client's UCWA session,
 * meetings, bridges with message filtering, and service representatives (scripted, or driven
 * by a person through the representative page). Shares the time scale (`speed`) of the
 * contact-center simulator.
 */

/** How a service representative behaves when invited to a meeting. */
export interface ChatRep {
  name?: string;
  /** join: joins after joinAfterMs; decline: declines; person: waits for the representative page. */
  answer?: 'join' | 'decline' | 'person';
  joinAfterMs?: number;
  /** Said (after "is typing") once joined; empty for none. */
  greeting?: string;
  /** Answers to the visitor's messages, in turn (after "is typing"). */
  replies?: string[];
  /** How long the representative types before each message (ms). */
  typingMs?: number;
}

export interface ChatScenario {
  /** The helpdesk's uri the visitor's client invites. Default sip:helpdesk@contoso.com. */
  helpdeskUri?: string;
  /** Representatives by uri. Default: alice joins and answers, bob declines, carol is a person. */
  reps?: Record<string, ChatRep>;
  /** Regular expression on the visitor's display name: acceptAndBridge is refused for them. */
  refuseBridge?: string;
  /** Regular expression on the application's message text: such a message is not delivered. */
  undeliverable?: string;
  /** How long the server takes (simulated ms) before each operation's outcome callback. */
  delays?: { meeting?: number; bridge?: number; bridgedParticipant?: number; message?: number };
}

export interface ChatSimulatorOptions {
  /** Listen port; 0 (default) lets the OS pick. */
  port?: number;
  host?: string;
  /** Time scale: 10 makes every delay ten times shorter. Default 1. */
  speed?: number;
  /** The application's secret (Authorization: Bearer); none = any request is accepted. */
  secret?: string;
  /** Callback URLs (the application's registered callback); more can be added later. */
  callbackUrls?: string[];
  /** Sent as x-cc-token on every callback. */
  callbackToken?: string;
  /** Signs every callback: x-cc-signature: sha256=<HMAC-SHA256 of the raw body>. */
  callbackHmacSecret?: string;
  scenario?: ChatScenario;
  logger?: { info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}

export interface ChatSimulatorStats {
  tokens: number;
  visitors: number;
  conversations: number;
  callbacksSent: number;
  callbackFailures: number;
  requests: number;
  badRequests: number;
}
