/**
 * The chat simulator's state: the application, anonymous tokens, visitors' sessions,
 * conversations (the visitor's and the ad-hoc meetings), bridges and representatives'
 * pages, plus the callback sender and the time scale. The behaviour lives in ./visitor.ts,
 * ./application.ts and ./reps.ts, which all work on this state.
 */
import { randomBytes } from 'node:crypto';
import type { ChatCallback, UcwaEvent } from '../../chat/api';
import { WebhookSender } from '../webhooks';
import type { ChatRep, ChatScenario, ChatSimulatorOptions } from './api';
import { EventChannel } from './channel';

export const APP_ID = '1627259584';
export const APP = `/platformservice/v1/applications/${APP_ID}`;
export const COMM = `${APP}/communication`;
export const APP_URI = 'sip:helpdesk-app@contoso.com';
export const APP_NAME = 'Helpdesk';

export const DEFAULT_REPS: Record<string, ChatRep> = {
  'sip:alice@contoso.com': {
    name: 'Alice',
    answer: 'join',
    joinAfterMs: 1500,
    greeting: 'Hello, this is Alice from the helpdesk. How can I help?',
    replies: ['Thanks, let me check that for you.', 'Is there anything else I can help with?'],
    typingMs: 1200,
  },
  'sip:bob@contoso.com': { name: 'Bob', answer: 'decline', joinAfterMs: 1000 },
  'sip:carol@contoso.com': { name: 'Carol', answer: 'person' },
};

export interface Visitor {
  id: string;
  /** The anonymous token the session was created with (every request must carry it). */
  token: string;
  href: string;
  displayName: string;
  uri: string;
  channel: EventChannel;
  conversation?: Conversation;
}

export interface BridgedParticipant {
  href: string;
  uri: string;
  displayName: string;
  messageFilterState: 'Enabled' | 'Disabled';
}

export interface Conversation {
  id: string;
  kind: 'visitor' | 'meeting';
  /** The application's href (visitor conversations also have the visitor's own href). */
  href: string;
  visitorHref?: string;
  state: 'connecting' | 'connected' | 'deleted';
  subject?: string;
  // visitor conversation
  visitor?: Visitor;
  invitation?: {
    href: string;
    operationId?: string;
    to: string;
    subject?: string;
    state: 'pending' | 'bridging' | 'accepted' | 'failed';
    meeting?: Conversation;
  };
  bridge?: {
    href: string;
    operationId: string;
    meeting: Conversation;
    participants: Map<string, BridgedParticipant>;
  };
  /** Operations waiting on this conversation: operation id -> what fails them if it ends. */
  inFlight: Map<string, 'bridge' | 'message' | 'bridgedParticipant'>;
  // meeting
  onlineMeetingUri?: string;
  operationId?: string;
  participants?: Map<string, { uri: string; name: string; operationId: string }>;
  /** The visitor conversation bridged into this meeting. */
  bridgedFrom?: Conversation;
  messages: number;
}

export interface RepPage {
  uri: string;
  name: string;
  href: string;
  channel: EventChannel;
  /** Pending invitations shown on the page: invitation id -> its accept callback. */
  invitations: Map<string, { meeting: Conversation; operationId: string; href: string }>;
}

export class ChatWorld {
  readonly speed: number;
  readonly scenario: ChatScenario;
  readonly reps: Record<string, ChatRep>;
  readonly helpdeskUri: string;
  readonly tokens = new Map<string, { sessionId: string; origins: string; expires: number }>();
  readonly visitors = new Map<string, Visitor>();
  readonly conversations = new Map<string, Conversation>();
  readonly byHref = new Map<string, Conversation>();
  readonly repPages = new Map<string, RepPage>();
  readonly stats = { callbacksSent: 0, callbackFailures: 0, requests: 0, badRequests: 0 };
  private readonly timers = new Set<NodeJS.Timeout>();
  private sender: WebhookSender | undefined;
  private readonly callbackUrls = new Set<string>();
  private seq = 0;
  disposed = false;

  constructor(readonly opts: ChatSimulatorOptions) {
    const s = Number(opts.speed);
    this.speed = Number.isFinite(s) && s > 0 ? s : 1;
    this.scenario = opts.scenario ?? {};
    this.reps = this.scenario.reps ?? DEFAULT_REPS;
    this.helpdeskUri = this.scenario.helpdeskUri ?? 'sip:helpdesk@contoso.com';
    for (const u of opts.callbackUrls ?? []) this.callbackUrls.add(u);
  }

  id(prefix: string): string {
    return `${prefix}${(++this.seq).toString(36)}${randomBytes(4).toString('hex')}`;
  }

  /** Run fn after ms of simulated time. */
  after(ms: number, fn: () => void): void {
    if (this.disposed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.disposed) fn();
    }, ms / this.speed);
    this.timers.add(t);
  }

  addCallbackUrl(url: string): void {
    new URL(url); // throws on a bad URL
    this.callbackUrls.add(url);
    this.resetSender();
  }

  removeCallbackUrl(url: string): void {
    if (this.callbackUrls.delete(url)) this.resetSender();
  }

  private resetSender(): void {
    const old = this.sender;
    this.sender = undefined;
    if (old) {
      this.stats.callbacksSent += old.sent;
      this.stats.callbackFailures += old.failures;
      void old.drain().then(() => old.close());
    }
  }

  private getSender(): WebhookSender | undefined {
    if (this.callbackUrls.size === 0) return undefined;
    this.sender ??= new WebhookSender({
      urls: [...this.callbackUrls],
      token: this.opts.callbackToken,
      hmacSecret: this.opts.callbackHmacSecret,
      logger: this.opts.logger,
    });
    return this.sender;
  }

  /** POST one callback (in order with every other) to the application. */
  callback(operationId: string | undefined, sender: ChatCallback['sender']): void {
    const body: ChatCallback = {
      _links: { self: { href: `${APP}/events?ack=${++this.seq}` } },
      sender,
    };
    if (operationId !== undefined) body.operationId = operationId;
    this.getSender()?.post(body as unknown as Record<string, unknown>);
  }

  callbackStats(): { sent: number; failures: number } {
    return {
      sent: this.stats.callbacksSent + (this.sender?.sent ?? 0),
      failures: this.stats.callbackFailures + (this.sender?.failures ?? 0),
    };
  }

  async drain(): Promise<void> {
    await this.sender?.drain();
  }

  track(conv: Conversation): void {
    this.conversations.set(conv.id, conv);
    this.byHref.set(conv.href, conv);
    if (conv.visitorHref) this.byHref.set(conv.visitorHref, conv);
  }

  rep(uri: string): ChatRep | undefined {
    return this.reps[uri];
  }

  repName(uri: string): string {
    return this.repPages.get(uri)?.name ?? this.reps[uri]?.name ?? uri.replace(/^sip:|@.*$/g, '');
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const v of this.visitors.values()) v.channel.close();
    for (const r of this.repPages.values()) r.channel.close();
    this.resetSender();
  }
}

/** One UCWA event. */
export function ev(
  rel: string,
  href: string,
  type: UcwaEvent['type'],
  extra: Partial<UcwaEvent> & { embed?: Record<string, unknown> } = {},
): UcwaEvent {
  const e: UcwaEvent = { link: { rel, href }, type };
  if (extra.link?.title) e.link.title = extra.link.title;
  if (extra.status) e.status = extra.status;
  if (extra.reason) e.reason = extra.reason;
  if (extra.embed) e._embedded = { [rel.replace(/^ms:rtc:saas:/, '')]: extra.embed };
  return e;
}
