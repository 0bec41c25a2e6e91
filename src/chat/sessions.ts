/**
 * The chat sessions the client knows: one per visitor invitation, from the messagingInvitation
 * callback to the end of the conversation. Callbacks are matched to a session by the operation
 * id (operations the application ran for it, the visitor's own invitation) or by the href of
 * a resource it owns; each adds links (meeting, bridge, sendMessage), state and transcript.
 * Bounded: at most maxSessions, ended ones forgotten after endedTtlMs.
 */
import type { ChatEvent, ChatSession } from './api';
import { REL } from './catalogue';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export class SessionStore {
  private readonly sessions = new Map<string, ChatSession>();
  private readonly byOperation = new Map<string, string>();
  private readonly byHref = new Map<string, string>();
  private applied = 0;

  constructor(
    private readonly maxSessions = 5_000,
    private readonly endedTtlMs = 600_000,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): ChatSession | undefined {
    return this.sessions.get(id);
  }

  /** Remember that an operation id belongs to a session (before its callbacks arrive). */
  bindOperation(operationId: string, session: string): void {
    if (this.sessions.has(session)) this.byOperation.set(operationId, session);
  }

  /** Find the event's session, update it, and set `event.session`. */
  apply(event: ChatEvent): ChatSession | undefined {
    if (++this.applied % 100 === 0) this.prune(event.at);
    let s = this.find(event);
    if (!s && event.kind === 'messagingInvitation') s = this.open(event);
    if (!s) return undefined;
    event.session = s.id;
    this.update(s, event);
    return s;
  }

  private find(event: ChatEvent): ChatSession | undefined {
    const id =
      (event.operationId !== undefined ? this.byOperation.get(event.operationId) : undefined) ??
      this.byHref.get(event.href) ??
      this.byHref.get(event.sender.href);
    return id !== undefined ? this.sessions.get(id) : undefined;
  }

  private open(event: ChatEvent): ChatSession {
    const d = event.data;
    const from = (d.from ?? {}) as Record<string, unknown>;
    const s: ChatSession = {
      id: event.href,
      from: { uri: str(from.uri), displayName: str(from.displayName) },
      to: str(d.to),
      subject: str(d.subject),
      operationId: event.operationId,
      links: {},
      state: 'invited',
      transcript: [],
      startedAt: event.at,
    };
    this.sessions.set(s.id, s);
    this.index(s, event.href);
    if (event.operationId !== undefined) this.byOperation.set(event.operationId, s.id);
    const conv = event.links[REL.conversation];
    if (conv) {
      s.visitorConversation = conv;
      this.index(s, conv);
    }
    while (this.sessions.size > this.maxSessions) this.evictOne();
    return s;
  }

  private index(s: ChatSession, href: string | undefined): void {
    if (href) this.byHref.set(href, s.id);
  }

  private update(s: ChatSession, event: ChatEvent): void {
    for (const [rel, href] of Object.entries(event.links)) {
      if (rel === 'self') continue;
      s.links[rel] = href;
    }
    switch (event.kind) {
      case 'conversationAdded':
        if (!s.meetingConversation) {
          s.meetingConversation = event.href;
          this.index(s, event.href);
        }
        break;
      case 'meetingStarted':
        s.onlineMeetingUri = str(event.data.onlineMeetingUri) ?? s.onlineMeetingUri;
        if (s.state === 'invited') s.state = 'meeting';
        break;
      case 'conversationBridgeAdded':
        this.index(s, event.href);
        if (s.state !== 'ended') s.state = 'bridged';
        break;
      case 'message':
      case 'messageDelivered': {
        const m = event.data;
        const who = (m.participant ?? {}) as Record<string, unknown>;
        const text = str(m.text);
        if (text !== undefined) {
          s.transcript.push({
            at: str(m.time) ?? new Date(event.at).toISOString(),
            direction: m.direction === 'Outgoing' ? 'Outgoing' : 'Incoming',
            from: str(who.uri) ?? '',
            name: str(who.name),
            text,
          });
        }
        break;
      }
      case 'conversationDeleted':
        if (event.href === s.visitorConversation || event.href === s.meetingConversation) {
          s.state = 'ended';
          s.endedAt ??= event.at;
        }
        break;
      default:
        break;
    }
  }

  /** A copy a flow may keep and change. */
  snapshot(id: string): ChatSession | undefined {
    const s = this.sessions.get(id);
    return s ? structuredClone(s) : undefined;
  }

  private prune(now: number): void {
    for (const s of this.sessions.values()) {
      if (s.endedAt !== undefined && now - s.endedAt > this.endedTtlMs) this.drop(s.id);
    }
  }

  private evictOne(): void {
    let victim: string | undefined;
    for (const s of this.sessions.values()) {
      if (s.state === 'ended') {
        victim = s.id;
        break;
      }
    }
    this.drop(victim ?? (this.sessions.keys().next().value as string));
  }

  private drop(id: string): void {
    this.sessions.delete(id);
    for (const [k, v] of this.byOperation) if (v === id) this.byOperation.delete(k);
    for (const [k, v] of this.byHref) if (v === id) this.byHref.delete(k);
  }

  clear(): void {
    this.sessions.clear();
    this.byOperation.clear();
    this.byHref.clear();
  }
}
