/**
 * Service representatives in the chat simulator: invited to a meeting, they join (or decline),
 * type and answer. A representative is scripted by the scenario, or driven by a person through
 * the representative page (an open page takes precedence over the script). Also the relay of
 * typing and messages between the visitor, the meeting and the application, honouring each
 * bridged participant's messageFilterState.
 */
import type { UcwaEvent } from '../../chat/api';
import { REL } from '../../chat/catalogue';
import { EventChannel } from './channel';
import {
  APP_NAME,
  APP_URI,
  COMM,
  ev,
  type ChatWorld,
  type Conversation,
  type RepPage,
} from './world';

interface PendingInvite {
  meeting: Conversation;
  operationId: string;
  href: string;
}

/** Invitations waiting for a person who has not opened the page yet, per world and uri. */
const waiting = new WeakMap<ChatWorld, Map<string, PendingInvite[]>>();

function waitingFor(w: ChatWorld, uri: string): PendingInvite[] {
  let m = waiting.get(w);
  if (!m) waiting.set(w, (m = new Map()));
  let list = m.get(uri);
  if (!list) m.set(uri, (list = []));
  return list;
}

function filtered(meeting: Conversation, uri: string): boolean {
  return meeting.bridgedFrom?.bridge?.participants.get(uri)?.messageFilterState === 'Enabled';
}

function now(): string {
  return new Date().toISOString();
}

/** Push one event to every representative page present in the meeting (but `except`). */
function toPages(w: ChatWorld, meeting: Conversation, events: UcwaEvent[], except?: string): void {
  for (const p of meeting.participants?.values() ?? []) {
    if (p.uri === except || filtered(meeting, p.uri)) continue;
    const page = w.repPages.get(p.uri);
    page?.channel.push({ sender: [{ rel: REL.conversation, href: meeting.href, events }] });
  }
}

function toVisitor(meeting: Conversation, events: UcwaEvent[]): void {
  const conv = meeting.bridgedFrom;
  if (!conv?.visitor || conv.state !== 'connected') return;
  conv.visitor.channel.push({
    sender: [{ rel: REL.conversation, href: conv.visitorHref ?? conv.href, events }],
  });
}

export function inviteRep(
  w: ChatWorld,
  meeting: Conversation,
  uri: string,
  operationId: string,
  href: string,
): void {
  const page = w.repPages.get(uri);
  const rep = w.rep(uri);
  if (page) return offer(w, page, { meeting, operationId, href });
  if (!rep) {
    w.after(300, () =>
      declined(w, operationId, href, 'NotFound', 'UserNotFound', `${uri} is not a known user`),
    );
    return;
  }
  const answer = rep.answer ?? 'join';
  if (answer === 'person') {
    waitingFor(w, uri).push({ meeting, operationId, href });
    w.after(60_000, () => {
      const list = waitingFor(w, uri);
      const i = list.findIndex((x) => x.operationId === operationId);
      if (i < 0) return;
      list.splice(i, 1);
      declined(w, operationId, href, 'Timeout', 'NoAnswer', `${uri} did not answer`);
    });
    return;
  }
  w.after(rep.joinAfterMs ?? 1000, () => {
    if (meeting.state === 'deleted') return;
    if (answer === 'decline') {
      declined(w, operationId, href, 'Declined', 'InvitationDeclined', `${uri} declined`);
      return;
    }
    joined(w, meeting, uri, w.repName(uri), operationId, href);
    if (rep.greeting) say(w, meeting, uri, rep.greeting, rep.typingMs ?? 1000);
  });
}

function declined(
  w: ChatWorld,
  operationId: string,
  href: string,
  code: string,
  subcode: string,
  message: string,
): void {
  w.callback(operationId, [
    {
      rel: REL.communication,
      href: COMM,
      events: [
        ev(REL.participantInvitation, href, 'completed', {
          status: 'Failure',
          reason: { code, subcode, message },
        }),
      ],
    },
  ]);
}

function joined(
  w: ChatWorld,
  meeting: Conversation,
  uri: string,
  name: string,
  operationId: string,
  href: string,
): void {
  if (meeting.state === 'deleted' || meeting.participants?.has(uri)) return;
  meeting.participants?.set(uri, { uri, name, operationId });
  const added = ev(
    REL.participant,
    `${meeting.href}/participants/${encodeURIComponent(uri)}`,
    'added',
    {
      embed: { uri, name },
    },
  );
  w.callback(operationId, [
    {
      rel: REL.communication,
      href: COMM,
      events: [ev(REL.participantInvitation, href, 'completed', { status: 'Success' })],
    },
    { rel: REL.conversation, href: meeting.href, events: [added] },
  ]);
  if (!filtered(meeting, uri)) toVisitor(meeting, [added]);
  toPages(w, meeting, [added], uri);
}

/** A scripted representative types for typingMs, then says text. */
function say(
  w: ChatWorld,
  meeting: Conversation,
  uri: string,
  text: string,
  typingMs: number,
): void {
  w.after(300, () => {
    repTyping(w, meeting, uri);
    w.after(typingMs, () => repMessage(w, meeting, uri, text));
  });
}

export function repTyping(w: ChatWorld, meeting: Conversation, uri: string): void {
  const p = meeting.participants?.get(uri);
  if (!p || meeting.state === 'deleted') return;
  const e = ev(REL.typingParticipants, `${meeting.href}/messaging/typingParticipants`, 'updated', {
    embed: { participant: { uri, name: p.name } },
  });
  w.callback(p.operationId, [{ rel: REL.conversation, href: meeting.href, events: [e] }]);
  if (!filtered(meeting, uri)) toVisitor(meeting, [e]);
  toPages(w, meeting, [e], uri);
}

export function repMessage(w: ChatWorld, meeting: Conversation, uri: string, text: string): void {
  const p = meeting.participants?.get(uri);
  if (!p || meeting.state === 'deleted') return;
  const e = ev(REL.message, `${meeting.href}/messaging/messages/${++meeting.messages}`, 'added', {
    embed: { direction: 'Incoming', text, participant: { uri, name: p.name }, time: now() },
  });
  w.callback(p.operationId, [{ rel: REL.conversation, href: meeting.href, events: [e] }]);
  if (!filtered(meeting, uri)) toVisitor(meeting, [e]);
  toPages(w, meeting, [e], uri);
}

/** The visitor typed or sent a message: to the application, and through the bridge. */
export function relayFromVisitor(w: ChatWorld, conv: Conversation, text?: string): void {
  const v = conv.visitor;
  if (!v || conv.state === 'deleted') return;
  const participant = { uri: v.uri, name: v.displayName };
  const e =
    text === undefined
      ? ev(REL.typingParticipants, `${conv.href}/messaging/typingParticipants`, 'updated', {
          embed: { participant },
        })
      : ev(REL.message, `${conv.href}/messaging/messages/${++conv.messages}`, 'added', {
          embed: { direction: 'Incoming', text, participant, time: now() },
        });
  w.callback(conv.bridge?.operationId ?? conv.invitation?.operationId, [
    { rel: REL.conversation, href: conv.href, events: [e] },
  ]);
  const meeting = conv.bridge?.meeting;
  if (!meeting || meeting.state === 'deleted') return;
  toPages(w, meeting, [e]);
  if (text === undefined) return;
  for (const p of meeting.participants?.values() ?? []) {
    const rep = w.rep(p.uri);
    if (w.repPages.has(p.uri) || !rep?.replies?.length || filtered(meeting, p.uri)) continue;
    const n = (replyCount.get(meeting) ?? 0) + 1;
    replyCount.set(meeting, n);
    say(w, meeting, p.uri, rep.replies[(n - 1) % rep.replies.length], rep.typingMs ?? 1000);
  }
}

const replyCount = new WeakMap<Conversation, number>();

/** The application's message reached the visitor (and the meeting's pages). */
export function relayFromApp(w: ChatWorld, conv: Conversation, text: string): void {
  const e = ev(REL.message, `${conv.href}/messaging/messages/${conv.messages}`, 'added', {
    embed: {
      direction: 'Incoming',
      text,
      participant: { uri: APP_URI, name: APP_NAME },
      time: now(),
    },
  });
  conv.visitor?.channel.push({
    sender: [{ rel: REL.conversation, href: conv.visitorHref ?? conv.href, events: [e] }],
  });
  if (conv.bridge) toPages(w, conv.bridge.meeting, [e]);
}

// ---------------------------------------------------------------------------------------------
// The representative page (a person)

export function openRepPage(w: ChatWorld, uri: string, name: string | undefined): RepPage {
  let page = w.repPages.get(uri);
  if (!page) {
    const href = `/chat/reps/${encodeURIComponent(uri)}`;
    page = {
      uri,
      name: name || w.repName(uri),
      href,
      channel: new EventChannel(`${href}/events`),
      invitations: new Map(),
    };
    w.repPages.set(uri, page);
  }
  const list = waitingFor(w, uri);
  for (const inv of list.splice(0)) offer(w, page, inv);
  return page;
}

function offer(w: ChatWorld, page: RepPage, inv: PendingInvite): void {
  const id = w.id('ri');
  page.invitations.set(id, inv);
  const visitor = inv.meeting.bridgedFrom?.visitor?.displayName;
  page.channel.push({
    sender: [
      {
        rel: REL.communication,
        href: page.href,
        events: [
          ev(REL.participantInvitation, `${page.href}/invitations/${id}`, 'started', {
            embed: {
              subject: inv.meeting.subject,
              visitor,
              conversation: inv.meeting.href,
              _links: {
                accept: { href: `${page.href}/invitations/${id}/accept` },
                decline: { href: `${page.href}/invitations/${id}/decline` },
              },
            },
          }),
        ],
      },
    ],
  });
}

export function repAnswer(w: ChatWorld, page: RepPage, id: string, accept: boolean): boolean {
  const inv = page.invitations.get(id);
  if (!inv) return false;
  page.invitations.delete(id);
  if (accept) joined(w, inv.meeting, page.uri, page.name, inv.operationId, inv.href);
  else
    declined(
      w,
      inv.operationId,
      inv.href,
      'Declined',
      'InvitationDeclined',
      `${page.uri} declined`,
    );
  return true;
}

export function repLeave(w: ChatWorld, meeting: Conversation, uri: string): boolean {
  const p = meeting.participants?.get(uri);
  if (!p) return false;
  meeting.participants?.delete(uri);
  const e = ev(
    REL.participant,
    `${meeting.href}/participants/${encodeURIComponent(uri)}`,
    'deleted',
  );
  w.callback(p.operationId, [{ rel: REL.conversation, href: meeting.href, events: [e] }]);
  toVisitor(meeting, [e]);
  return true;
}
