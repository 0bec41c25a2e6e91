/**
 * The helpdesk chat family (Skype for Business Trusted Application API, UCWA style): the types
 * shared by the chat client (./client.ts), the chat simulator (src/simulator/chat) and the
 * Node-RED nodes. No Node-RED import here.
 *
 * The vendor's service was retired in 2022: this talks to the simulator, or to any server that
 * speaks the same resources and callbacks (docs/chat.md).
 */

/** A UCWA link: `{ href, title? }`. */
export interface UcwaLink {
  href: string;
  title?: string;
}

/** One event of a UCWA event envelope. */
export interface UcwaEvent {
  link: { rel: string; href: string; title?: string };
  type: 'added' | 'updated' | 'deleted' | 'started' | 'completed';
  /** On `completed`: `Success` or `Failure`. */
  status?: 'Success' | 'Failure';
  /** On a Failure: why. */
  reason?: { code: string; subcode?: string; message?: string };
  /** The resource the event is about, when the server embeds it. */
  _embedded?: Record<string, Record<string, unknown>>;
}

export interface UcwaSender {
  rel: string;
  href: string;
  events: UcwaEvent[];
}

/**
 * One callback POSTed to the application's callback URL: the UCWA event envelope plus the
 * operation id the application (or the anonymous client, for its invitation) passed in.
 */
export interface ChatCallback {
  operationId?: string;
  _links?: { self?: UcwaLink; [rel: string]: UcwaLink | undefined };
  sender: UcwaSender[];
}

/** One event taken out of a callback, as the event source node and the operations see it. */
export interface ChatEvent {
  /** What happened, named from the link rel, type and status (see CHAT_EVENT_KINDS). */
  kind: string;
  rel: string;
  type: UcwaEvent['type'];
  status?: 'Success' | 'Failure';
  reason?: UcwaEvent['reason'];
  /** The href of the resource the event is about. */
  href: string;
  title?: string;
  /** The sender (resource whose event this is): rel and href. */
  sender: { rel: string; href: string };
  operationId?: string;
  /** The embedded resource, when there is one (first of `_embedded`). */
  data: Record<string, unknown>;
  /** Links of the embedded resource, by rel (e.g. the invitation's startAdhocMeeting link). */
  links: Record<string, string>;
  /** The chat session (the visitor's invitation) the event belongs to, when known. */
  session?: string;
  /** Receipt time (ms since the epoch). */
  at: number;
}

/** One line of a session's transcript. */
export interface TranscriptLine {
  at: string;
  direction: 'Incoming' | 'Outgoing';
  from: string;
  name?: string;
  text: string;
}

/** What the client knows about one visitor's chat (from its invitation to its end). */
export interface ChatSession {
  /** The href of the visitor's messaging invitation. */
  id: string;
  from?: { uri?: string; displayName?: string };
  to?: string;
  subject?: string;
  /** The operation id the visitor's client passed with its invitation. */
  operationId?: string;
  /** Every link learnt so far, by rel (invitation, meeting, bridge, conversation). */
  links: Record<string, string>;
  onlineMeetingUri?: string;
  /** The meeting's conversation (what terminate deletes). */
  meetingConversation?: string;
  /** The visitor's conversation (deleted when the visitor closes). */
  visitorConversation?: string;
  state: 'invited' | 'meeting' | 'bridged' | 'ended';
  transcript: TranscriptLine[];
  startedAt: number;
  endedAt?: number;
}

/** How an operation ended. */
export interface ChatOutcome {
  operation: string;
  operationId: string;
  /** The catalogue outcome (e.g. `bridged`) or `failed`. */
  outcome: string;
  /** On failure: `refused` (HTTP), `timeout`, `visitorLeft`, `badInput`, `unreachable`, or the server's reason code. */
  reason?: string;
  message?: string;
  /** HTTP status of the request, when one was sent. */
  httpStatus?: number;
  /** The HTTP response body (or the event's embedded resource that ended it). */
  data: Record<string, unknown>;
  /** Every callback event of this operation, in order. */
  events: ChatEvent[];
  session?: string;
  field?: string;
  startedAt: number;
  endedAt: number;
}

export interface ChatClientOptions {
  /** Discovery URL, e.g. http://127.0.0.1:8080/platformservice/discover. */
  discoveryUrl: string;
  /** The application's secret, sent as `Authorization: Bearer`. */
  secret?: string;
  /** Default operation timeout (ms) when the catalogue has none. */
  timeoutMs?: number;
  /** Per-request HTTP timeout (ms). Default 10 000. */
  requestTimeoutMs?: number;
  /** Sessions kept (oldest ended first dropped). Default 5 000. */
  maxSessions?: number;
  /** How long an ended session stays readable (ms). Default 600 000. */
  endedTtlMs?: number;
}
