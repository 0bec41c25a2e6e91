/**
 * The anonymous chat client's side (steps 4-6, 13, 16-19 of the helpdesk flow): the discover
 * link gives the anonApplications resource; a session is created with the token the
 * application handed out; the client invites the helpdesk, reads its event channel, types,
 * sends messages and closes the conversation.
 */
import { REL } from '../../chat/catalogue';
import { err, type Reply } from './application';
import { EventChannel } from './channel';
import { relayFromVisitor } from './reps';
import { COMM, ev, type ChatWorld, type Conversation, type Visitor } from './world';

export const ANON = '/ucwa/v1/anonApplications';

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v : undefined;

export function anonDiscover(): Reply {
  return {
    status: 200,
    body: {
      _links: {
        self: { href: '/platformservice/anonymous/discover' },
        [REL.anonApplications]: { href: ANON },
      },
    },
  };
}

/** Step 5: a UCWA session for the chat client, authenticated by the token of step 3. */
export function createSession(
  w: ChatWorld,
  token: string | undefined,
  body: Record<string, unknown>,
): Reply {
  const t = token ? w.tokens.get(token) : undefined;
  if (!t || t.expires < Date.now()) {
    return err(401, 'Unauthorized', 'InvalidToken', 'missing, unknown or expired token');
  }
  const id = w.id('a');
  const href = `${ANON}/${id}`;
  const displayName = (str(body.DisplayName) ?? str(body.displayName) ?? 'Visitor').slice(0, 100);
  const visitor: Visitor = {
    id,
    token: token as string,
    href,
    displayName,
    uri: `sip:anon-${id}@contoso.com`,
    channel: new EventChannel(`${href}/events`),
  };
  w.visitors.set(id, visitor);
  return {
    status: 201,
    body: {
      id,
      displayName,
      _links: {
        self: { href },
        events: { href: `${href}/events?ack=1` },
        messagingInvitations: { href: `${href}/communication/messagingInvitations` },
      },
    },
  };
}

/** Step 6: the chat client invites the helpdesk; step 7: the application is told. */
export function inviteHelpdesk(
  w: ChatWorld,
  visitor: Visitor,
  body: Record<string, unknown>,
): Reply {
  if (visitor.conversation && visitor.conversation.state !== 'deleted') {
    return err(409, 'Conflict', 'AlreadyInConversation', 'the session already has a conversation');
  }
  const to = str(body.to) ?? w.helpdeskUri;
  if (to !== w.helpdeskUri)
    return err(404, 'NotFound', 'UnknownTarget', `${to} is not the helpdesk`);
  const id = w.id('c');
  const invId = w.id('i');
  const visitorHref = `${visitor.href}/communication/conversations/${id}`;
  const inv = `${COMM}/messagingInvitations/${invId}`;
  const conv: Conversation = {
    id,
    kind: 'visitor',
    href: `${COMM}/conversations/${id}`,
    visitorHref,
    state: 'connecting',
    visitor,
    invitation: {
      href: inv,
      operationId: str(body.operationId),
      to,
      subject: str(body.subject)?.slice(0, 500),
      state: 'pending',
    },
    inFlight: new Map(),
    messages: 0,
  };
  visitor.conversation = conv;
  w.track(conv);
  w.callback(conv.invitation?.operationId, [
    {
      rel: REL.communication,
      href: COMM,
      events: [
        ev(REL.messagingInvitation, inv, 'started', {
          embed: {
            direction: 'Incoming',
            state: 'Connecting',
            from: { uri: visitor.uri, displayName: visitor.displayName },
            to,
            subject: conv.invitation?.subject,
            operationId: conv.invitation?.operationId,
            _links: {
              self: { href: inv },
              conversation: { href: conv.href },
              [REL.startAdhocMeeting]: { href: `${inv}/startAdhocMeeting` },
              [REL.acceptAndBridge]: { href: `${inv}/acceptAndBridge` },
              [REL.inviteUserToMeeting]: { href: `${inv}/inviteUserToMeeting` },
            },
          },
        }),
      ],
    },
  ]);
  return {
    status: 201,
    body: {
      _links: {
        self: { href: `${visitorHref}/messagingInvitation` },
        conversation: { href: visitorHref },
        messages: { href: `${visitorHref}/messaging/messages` },
        typing: { href: `${visitorHref}/messaging/typing` },
      },
    },
  };
}

export function visitorConversation(visitor: Visitor, convId: string): Conversation | undefined {
  const c = visitor.conversation;
  return c && c.id === convId ? c : undefined;
}

export function visitorSays(w: ChatWorld, conv: Conversation, text: string | undefined): Reply {
  if (conv.state === 'deleted')
    return err(410, 'Gone', 'ConversationEnded', 'the conversation has ended');
  if (text !== undefined && text.trim() === '')
    return err(400, 'BadRequest', 'EmptyMessage', 'the message is empty');
  relayFromVisitor(w, conv, text?.slice(0, 10_000));
  return { status: 204 };
}

/** Step 18: the chat client closes the conversation; step 19: the application is told. */
export function visitorCloses(w: ChatWorld, conv: Conversation): Reply {
  if (conv.state === 'deleted') return { status: 204 };
  conv.state = 'deleted';
  const reason = {
    code: 'Gone',
    subcode: 'visitorLeft',
    message: 'the visitor left the conversation',
  };
  for (const [opId, what] of conv.inFlight) {
    const rel =
      what === 'bridge'
        ? REL.messagingInvitation
        : what === 'message'
          ? REL.message
          : REL.bridgedParticipant;
    const href = what === 'bridge' ? (conv.invitation?.href ?? conv.href) : `${conv.href}/${what}`;
    w.callback(opId, [
      {
        rel: REL.conversation,
        href: conv.href,
        events: [ev(rel, href, 'completed', { status: 'Failure', reason })],
      },
    ]);
  }
  conv.inFlight.clear();
  if (conv.invitation && conv.invitation.state !== 'accepted') conv.invitation.state = 'failed';
  w.callback(conv.bridge?.operationId ?? conv.invitation?.operationId, [
    { rel: REL.communication, href: COMM, events: [ev(REL.conversation, conv.href, 'deleted')] },
  ]);
  const meeting = conv.bridge?.meeting;
  for (const p of meeting?.participants?.values() ?? []) {
    w.repPages.get(p.uri)?.channel.push({
      sender: [
        {
          rel: REL.conversation,
          href: meeting?.href ?? conv.href,
          events: [
            ev(REL.participant, `${conv.href}/visitor`, 'deleted', {
              embed: { name: conv.visitor?.displayName },
            }),
          ],
        },
      ],
    });
  }
  return { status: 204 };
}
