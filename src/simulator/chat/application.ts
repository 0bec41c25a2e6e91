/**
 * The application's side of the chat simulator (the Trusted Application API shape): discovery,
 * the application resource with its capability links, anonymous tokens, and the operations
 * startAdhocMeeting, acceptAndBridge, bridgedParticipants, sendMessage, inviteUserToMeeting
 * and terminate (DELETE of the meeting's conversation). Each answers its HTTP request at once
 * and reports its outcome later by callback, carrying the operation id it was given.
 */
import { randomBytes } from 'node:crypto';
import { REL } from '../../chat/catalogue';
import { inviteRep, relayFromApp } from './reps';
import { APP, APP_NAME, APP_URI, COMM, ev, type Conversation, type ChatWorld } from './world';

export interface Reply {
  status: number;
  body?: Record<string, unknown>;
}

export const err = (status: number, code: string, subcode: string, message: string): Reply => ({
  status,
  body: { code, subcode, message },
});

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;

export function discovery(): Reply {
  return {
    status: 200,
    body: {
      _links: {
        self: { href: '/platformservice/discover' },
        [REL.applications]: { href: APP },
      },
    },
  };
}

export function application(): Reply {
  return {
    status: 200,
    body: {
      id: APP.split('/').pop(),
      name: APP_NAME,
      _links: {
        self: { href: APP },
        [REL.anonApplicationTokens]: { href: `${APP}/anonApplicationTokens` },
        [REL.startAdhocMeeting]: { href: `${COMM}/startAdhocMeeting` },
        [REL.communication]: { href: COMM },
      },
    },
  };
}

/** Step 3: a token and the ms:rtc:saas:discover link for the anonymous chat client. */
export function anonToken(w: ChatWorld, body: Record<string, unknown>): Reply {
  const token = randomBytes(18).toString('base64url');
  const expires = Date.now() + 3_600_000;
  const sessionId = str(body.ApplicationSessionId) ?? w.id('web');
  w.tokens.set(token, { sessionId, origins: str(body.AllowedOrigins) ?? '*', expires });
  return {
    status: 200,
    body: {
      token,
      expiryTime: new Date(expires).toISOString(),
      ApplicationSessionId: sessionId,
      _links: { [REL.discover]: { href: '/platformservice/anonymous/discover' } },
    },
  };
}

function invitationOf(w: ChatWorld, invHref: string): Conversation | undefined {
  for (const c of w.conversations.values()) if (c.invitation?.href === invHref) return c;
  return undefined;
}

/** Step 8: an ad-hoc meeting (tied to the invitation when started through its link). */
export function startAdhocMeeting(
  w: ChatWorld,
  invHref: string | undefined,
  body: Record<string, unknown>,
): Reply {
  const operationId = str(body.operationId);
  if (!operationId) return err(400, 'BadRequest', 'MissingOperationId', 'operationId is required');
  const visitorConv = invHref ? invitationOf(w, invHref) : undefined;
  if (invHref && !visitorConv)
    return err(404, 'NotFound', 'InvitationNotFound', 'no such invitation');
  const id = w.id('m');
  const meeting: Conversation = {
    id,
    kind: 'meeting',
    href: `${COMM}/conversations/${id}`,
    state: 'connecting',
    subject: str(body.subject) ?? 'helpdesk',
    onlineMeetingUri: `sip:helpdesk-app@contoso.com;gruu;opaque=app:conf:focus:id:${id}`,
    operationId,
    participants: new Map(),
    inFlight: new Map(),
    messages: 0,
  };
  w.track(meeting);
  if (visitorConv?.invitation) visitorConv.invitation.meeting = meeting;
  const self = `${COMM}/onlineMeetings/${id}`;
  w.after(w.scenario.delays?.meeting ?? 200, () => {
    meeting.state = 'connected';
    w.callback(operationId, [
      { rel: REL.communication, href: COMM, events: [ev(REL.conversation, meeting.href, 'added')] },
      {
        rel: REL.communication,
        href: COMM,
        events: [
          ev(REL.onlineMeetingInvitation, `${COMM}/onlineMeetingInvitations/${id}`, 'completed', {
            status: 'Success',
            embed: {
              onlineMeetingUri: meeting.onlineMeetingUri,
              subject: meeting.subject,
              _links: { self: { href: self }, conversation: { href: meeting.href } },
            },
          }),
        ],
      },
    ]);
  });
  return {
    status: 201,
    body: {
      onlineMeetingUri: meeting.onlineMeetingUri,
      joinUrl: `https://meet.contoso.com/helpdesk/${id}`,
      subject: meeting.subject,
      _links: { self: { href: self }, conversation: { href: meeting.href } },
    },
  };
}

/** Steps 9-10: accept the visitor's invitation and bridge it into the meeting. */
export function acceptAndBridge(
  w: ChatWorld,
  invHref: string,
  body: Record<string, unknown>,
): Reply {
  const operationId = str(body.operationId);
  if (!operationId) return err(400, 'BadRequest', 'MissingOperationId', 'operationId is required');
  const conv = invitationOf(w, invHref);
  const inv = conv?.invitation;
  if (!conv || !inv) return err(404, 'NotFound', 'InvitationNotFound', 'no such invitation');
  if (conv.state === 'deleted') return err(410, 'Gone', 'visitorLeft', 'the visitor has left');
  if (inv.state !== 'pending') {
    return err(409, 'Conflict', 'InvitationNotPending', `the invitation is ${inv.state}`);
  }
  const uri = str(body.onlineMeetingUri);
  const meeting = [...w.conversations.values()].find(
    (c) => c.kind === 'meeting' && c.onlineMeetingUri === uri && c.state !== 'deleted',
  );
  if (!meeting) return err(404, 'NotFound', 'MeetingNotFound', 'no such online meeting');
  inv.state = 'bridging';
  conv.inFlight.set(operationId, 'bridge');
  const refuse = w.scenario.refuseBridge;
  w.after(w.scenario.delays?.bridge ?? 300, () => {
    if (!conv.inFlight.delete(operationId) || conv.state === 'deleted') return;
    if (refuse && conv.visitor && new RegExp(refuse).test(conv.visitor.displayName)) {
      inv.state = 'failed';
      const reason = {
        code: 'Forbidden',
        subcode: 'BridgeRefused',
        message: 'the bridge was refused',
      };
      w.callback(operationId, [
        {
          rel: REL.communication,
          href: COMM,
          events: [
            ev(REL.messagingInvitation, inv.href, 'completed', { status: 'Failure', reason }),
          ],
        },
      ]);
      visitorEnded(conv, 'the helpdesk could not take the chat');
      return;
    }
    inv.state = 'accepted';
    conv.state = 'connected';
    const bridgeHref = `${conv.href}/bridge`;
    conv.bridge = { href: bridgeHref, operationId, meeting, participants: new Map() };
    meeting.bridgedFrom = conv;
    w.callback(operationId, [
      {
        rel: REL.communication,
        href: COMM,
        events: [ev(REL.messagingInvitation, inv.href, 'completed', { status: 'Success' })],
      },
      {
        rel: REL.conversation,
        href: conv.href,
        events: [
          ev(REL.conversationBridge, bridgeHref, 'added', {
            embed: {
              _links: {
                self: { href: bridgeHref },
                [REL.bridgedParticipants]: { href: `${bridgeHref}/bridgedParticipants` },
                [REL.sendMessage]: { href: `${bridgeHref}/messages` },
                conversation: { href: conv.href },
              },
            },
          }),
        ],
      },
    ]);
    if (conv.visitor) {
      conv.visitor.channel.push({
        sender: [
          {
            rel: REL.conversation,
            href: conv.visitorHref ?? conv.href,
            events: [ev(REL.messagingInvitation, inv.href, 'completed', { status: 'Success' })],
          },
        ],
      });
    }
  });
  return { status: 202 };
}

/** Tell the visitor's page the chat is over (refused or terminated). */
export function visitorEnded(conv: Conversation, why: string): void {
  if (!conv.visitor || conv.state === 'deleted') return;
  conv.state = 'deleted';
  conv.visitor.channel.push({
    sender: [
      {
        rel: REL.communication,
        href: conv.visitor.href,
        events: [
          ev(REL.conversation, conv.visitorHref ?? conv.href, 'deleted', {
            reason: { code: 'Ended', message: why },
          }),
        ],
      },
    ],
  });
}

function bridgeOf(w: ChatWorld, convId: string): Conversation | undefined {
  const c = w.conversations.get(convId);
  return c?.bridge ? c : undefined;
}

/** Step 11: add a user to the conversation bridge (with messageFilterState). */
export function addBridgedParticipant(
  w: ChatWorld,
  convId: string,
  body: Record<string, unknown>,
): Reply {
  const operationId = str(body.operationId);
  if (!operationId) return err(400, 'BadRequest', 'MissingOperationId', 'operationId is required');
  const conv = bridgeOf(w, convId);
  if (!conv?.bridge) return err(404, 'NotFound', 'BridgeNotFound', 'no such conversation bridge');
  if (conv.state === 'deleted') return err(410, 'Gone', 'visitorLeft', 'the visitor has left');
  const uri = str(body.uri);
  if (!uri || !/^sip:[^@\s]+@[^@\s]+$/.test(uri)) {
    return err(400, 'BadRequest', 'InvalidUri', 'uri must be a sip: address');
  }
  const filter = body.messageFilterState === 'Enabled' ? 'Enabled' : 'Disabled';
  const bridge = conv.bridge;
  conv.inFlight.set(operationId, 'bridgedParticipant');
  const href = `${bridge.href}/bridgedParticipants/${encodeURIComponent(uri)}`;
  w.after(w.scenario.delays?.bridgedParticipant ?? 150, () => {
    if (!conv.inFlight.delete(operationId) || conv.state === 'deleted') return;
    const p = {
      href,
      uri,
      displayName: str(body.displayName) ?? w.repName(uri),
      messageFilterState: filter,
    } as const;
    bridge.participants.set(uri, { ...p });
    w.callback(operationId, [
      {
        rel: REL.conversationBridge,
        href: bridge.href,
        events: [
          ev(REL.bridgedParticipant, href, 'added', {
            embed: { uri, displayName: p.displayName, messageFilterState: filter },
          }),
        ],
      },
    ]);
  });
  return { status: 201, body: { _links: { self: { href } } } };
}

/** Step 12: the application's message into the bridged conversation. */
export function sendMessage(
  w: ChatWorld,
  convId: string,
  operationId: string,
  text: string,
): Reply {
  if (!operationId) return err(400, 'BadRequest', 'MissingOperationId', 'operationId is required');
  const conv = bridgeOf(w, convId);
  if (!conv?.bridge) return err(404, 'NotFound', 'BridgeNotFound', 'no such conversation bridge');
  if (conv.state === 'deleted') return err(410, 'Gone', 'visitorLeft', 'the visitor has left');
  if (text === '') return err(400, 'BadRequest', 'EmptyMessage', 'the message is empty');
  const msgHref = `${conv.href}/messaging/messages/${++conv.messages}`;
  const message = {
    direction: 'Outgoing',
    text,
    participant: { uri: APP_URI, name: APP_NAME },
    time: new Date().toISOString(),
  };
  conv.inFlight.set(operationId, 'message');
  w.callback(operationId, [
    {
      rel: REL.conversation,
      href: conv.href,
      events: [ev(REL.message, msgHref, 'started', { embed: message })],
    },
  ]);
  const undeliverable = w.scenario.undeliverable;
  w.after(w.scenario.delays?.message ?? 150, () => {
    if (!conv.inFlight.delete(operationId) || conv.state === 'deleted') return;
    if (undeliverable && new RegExp(undeliverable).test(text)) {
      w.callback(operationId, [
        {
          rel: REL.conversation,
          href: conv.href,
          events: [
            ev(REL.message, msgHref, 'completed', {
              status: 'Failure',
              reason: {
                code: 'Failed',
                subcode: 'Undeliverable',
                message: 'the message could not be delivered',
              },
              embed: message,
            }),
          ],
        },
      ]);
      return;
    }
    relayFromApp(w, conv, text);
    w.callback(operationId, [
      {
        rel: REL.conversation,
        href: conv.href,
        events: [ev(REL.message, msgHref, 'completed', { status: 'Success', embed: message })],
      },
    ]);
  });
  return { status: 202 };
}

/** Step 14: invite a user to the meeting of the invitation. */
export function inviteUserToMeeting(
  w: ChatWorld,
  invHref: string,
  body: Record<string, unknown>,
): Reply {
  const operationId = str(body.operationId);
  if (!operationId) return err(400, 'BadRequest', 'MissingOperationId', 'operationId is required');
  const conv = invitationOf(w, invHref);
  const meeting = conv?.invitation?.meeting;
  if (!meeting || meeting.state === 'deleted') {
    return err(409, 'Conflict', 'NoMeeting', 'no meeting for this invitation: start one first');
  }
  const to = str(body.to);
  if (!to || !/^sip:[^@\s]+@[^@\s]+$/.test(to)) {
    return err(400, 'BadRequest', 'InvalidUri', 'to must be a sip: address');
  }
  const href = `${COMM}/participantInvitations/${w.id('pi')}`;
  w.callback(operationId, [
    {
      rel: REL.communication,
      href: COMM,
      events: [
        ev(REL.participantInvitation, href, 'started', { embed: { to, state: 'Connecting' } }),
      ],
    },
  ]);
  inviteRep(w, meeting, to, operationId, href);
  return { status: 201, body: { _links: { self: { href } } } };
}

/** Step 20: terminate the meeting's conversation. */
export function terminate(w: ChatWorld, convId: string, operationId: string): Reply {
  if (!operationId) return err(400, 'BadRequest', 'MissingOperationId', 'operationId is required');
  const meeting = w.conversations.get(convId);
  if (!meeting || meeting.kind !== 'meeting') {
    return err(404, 'NotFound', 'ConversationNotFound', 'no such conversation');
  }
  if (meeting.state === 'deleted')
    return err(410, 'Gone', 'AlreadyTerminated', 'already terminated');
  meeting.state = 'deleted';
  w.after(100, () => {
    const left = [...(meeting.participants?.values() ?? [])].map((p) =>
      ev(REL.participant, `${meeting.href}/participants/${encodeURIComponent(p.uri)}`, 'deleted'),
    );
    meeting.participants?.clear();
    for (const page of w.repPages.values()) {
      page.channel.push({
        sender: [
          {
            rel: REL.communication,
            href: page.href,
            events: [ev(REL.conversation, meeting.href, 'deleted')],
          },
        ],
      });
    }
    const sender = [];
    if (left.length) sender.push({ rel: REL.conversation, href: meeting.href, events: left });
    sender.push({
      rel: REL.communication,
      href: COMM,
      events: [ev(REL.conversation, meeting.href, 'deleted')],
    });
    w.callback(operationId, sender);
    if (meeting.bridgedFrom) visitorEnded(meeting.bridgedFrom, 'the helpdesk ended the chat');
  });
  return { status: 202 };
}
