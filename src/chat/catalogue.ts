/**
 * The chat operation catalogue: the one place where each operation's link, parameters and
 * ending callbacks are written. The chat client, the chat simulator, the nodes (outputs,
 * editor fields) and docs/chat.md read it.
 *
 * Names are verbatim from the vendor's helpdesk call flow (Skype for Business Trusted
 * Application API): the `ms:rtc:saas:*` link rels, `messageFilterState`, `operationId`, and the
 * UCWA event envelope (`sender[]`, `events[]` of `link`, `type`, `status`).
 */
import type { UcwaEvent } from './api';

export const REL = {
  applications: 'ms:rtc:saas:applications',
  anonApplicationTokens: 'ms:rtc:saas:anonApplicationTokens',
  discover: 'ms:rtc:saas:discover',
  anonApplications: 'ms:rtc:saas:anonApplications',
  startAdhocMeeting: 'ms:rtc:saas:startAdhocMeeting',
  acceptAndBridge: 'ms:rtc:saas:acceptAndBridge',
  inviteUserToMeeting: 'ms:rtc:saas:inviteUserToMeeting',
  conversationBridge: 'ms:rtc:saas:conversationBridge',
  bridgedParticipants: 'ms:rtc:saas:bridgedParticipants',
  bridgedParticipant: 'ms:rtc:saas:bridgedParticipant',
  sendMessage: 'ms:rtc:saas:sendMessage',
  messagingInvitation: 'messagingInvitation',
  onlineMeetingInvitation: 'onlineMeetingInvitation',
  participantInvitation: 'participantInvitation',
  conversation: 'conversation',
  participant: 'participant',
  typingParticipants: 'typingParticipants',
  message: 'message',
  communication: 'communication',
} as const;

/** Event kinds the event source node offers as filters, and how each is recognised. */
export interface EventKindSpec {
  readonly kind: string;
  readonly rel: string;
  readonly type: UcwaEvent['type'];
  readonly status?: 'Success' | 'Failure';
  readonly description: string;
}

export const CHAT_EVENT_KINDS: readonly EventKindSpec[] = [
  {
    kind: 'messagingInvitation',
    rel: REL.messagingInvitation,
    type: 'started',
    description:
      'a visitor asks for help: the invitation, with its startAdhocMeeting, acceptAndBridge and inviteUserToMeeting links',
  },
  {
    kind: 'invitationAccepted',
    rel: REL.messagingInvitation,
    type: 'completed',
    status: 'Success',
    description: 'the invitation was accepted and bridged',
  },
  {
    kind: 'invitationFailed',
    rel: REL.messagingInvitation,
    type: 'completed',
    status: 'Failure',
    description: 'the invitation could not be accepted (bridge refused, visitor gone)',
  },
  {
    kind: 'conversationAdded',
    rel: REL.conversation,
    type: 'added',
    description: 'a conversation was created (the ad-hoc meeting)',
  },
  {
    kind: 'meetingStarted',
    rel: REL.onlineMeetingInvitation,
    type: 'completed',
    status: 'Success',
    description: 'the ad-hoc meeting is started and the application is in it',
  },
  {
    kind: 'meetingFailed',
    rel: REL.onlineMeetingInvitation,
    type: 'completed',
    status: 'Failure',
    description: 'the ad-hoc meeting could not be started',
  },
  {
    kind: 'conversationBridgeAdded',
    rel: REL.conversationBridge,
    type: 'added',
    description:
      'a conversation bridge was created (its bridgedParticipants and sendMessage links)',
  },
  {
    kind: 'bridgedParticipantAdded',
    rel: REL.bridgedParticipant,
    type: 'added',
    description: 'a participant was added to the conversation bridge',
  },
  {
    kind: 'bridgedParticipantFailed',
    rel: REL.bridgedParticipant,
    type: 'completed',
    status: 'Failure',
    description: 'a participant could not be added to the bridge',
  },
  {
    kind: 'participantInvited',
    rel: REL.participantInvitation,
    type: 'started',
    description: 'a user is being invited to the meeting',
  },
  {
    kind: 'participantInvitationFailed',
    rel: REL.participantInvitation,
    type: 'completed',
    status: 'Failure',
    description: 'the invited user did not join (declined, not found)',
  },
  {
    kind: 'participantJoined',
    rel: REL.participant,
    type: 'added',
    description: 'a user joined the meeting',
  },
  {
    kind: 'participantLeft',
    rel: REL.participant,
    type: 'deleted',
    description: 'a user left the meeting',
  },
  {
    kind: 'participantTyping',
    rel: REL.typingParticipants,
    type: 'updated',
    description: 'someone in the conversation is typing',
  },
  {
    kind: 'message',
    rel: REL.message,
    type: 'added',
    description: 'a message in the conversation (visitor or service representative)',
  },
  {
    kind: 'messageSending',
    rel: REL.message,
    type: 'started',
    description: 'a message of the application is on its way',
  },
  {
    kind: 'messageDelivered',
    rel: REL.message,
    type: 'completed',
    status: 'Success',
    description: 'a message of the application was delivered',
  },
  {
    kind: 'messageFailed',
    rel: REL.message,
    type: 'completed',
    status: 'Failure',
    description: 'a message of the application could not be delivered',
  },
  {
    kind: 'conversationDeleted',
    rel: REL.conversation,
    type: 'deleted',
    description: 'a conversation ended (the visitor closed it, or it was terminated)',
  },
];

/** The kind of an event (rel + type + status), or `<rel> <type>` when the table has none. */
export function eventKind(rel: string, type: string, status?: string): string {
  for (const k of CHAT_EVENT_KINDS) {
    if (k.rel === rel && k.type === type && (k.status === undefined || k.status === status)) {
      return k.kind;
    }
  }
  return `${rel} ${type}`;
}

export interface ChatParamSpec {
  readonly name: string;
  readonly type: 'string';
  readonly required: boolean;
  readonly description: string;
  readonly default?: string;
  readonly enum?: readonly string[];
  readonly maxLength?: number;
}

/** An event (by kind) that ends an operation with an outcome. */
export interface ChatEndRule {
  readonly kind: string;
  readonly outcome: string;
  readonly reason?: string;
}

export interface ChatOperationSpec {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** Where the request goes: a link rel of the session (or application), or `meetingConversation`. */
  readonly link: string;
  readonly method: 'POST' | 'DELETE';
  /** `json` body, `text` (text/plain, operationId in the query) or none (operationId in the query). */
  readonly body: 'json' | 'text' | 'none';
  readonly params: readonly ChatParamSpec[];
  /** The success outcome first, then `failed`. */
  readonly outcomes: readonly string[];
  /** Ends on the HTTP response (no callback), e.g. anonymous tokens. */
  readonly endsOnResponse?: string;
  /** Callback events (with this operation's id) that end it. */
  readonly ends: readonly ChatEndRule[];
  /** Needs a chat session (the visitor's invitation); anonApplicationTokens does not. */
  readonly needsSession: boolean;
  readonly timeoutMs: number;
}

const VISITOR_LEFT: ChatEndRule = {
  kind: 'conversationDeleted',
  outcome: 'failed',
  reason: 'visitorLeft',
};

export const CHAT_OPERATIONS: readonly ChatOperationSpec[] = [
  {
    name: 'anonApplicationTokens',
    label: 'visitor token',
    description:
      'get a token and a ms:rtc:saas:discover link to hand to the anonymous chat client (step 3)',
    link: REL.anonApplicationTokens,
    method: 'POST',
    body: 'json',
    params: [
      {
        name: 'ApplicationSessionId',
        type: 'string',
        required: false,
        description: 'an id of the visitor session on the website (generated when empty)',
        maxLength: 200,
      },
      {
        name: 'AllowedOrigins',
        type: 'string',
        required: false,
        description: 'origins the chat client may run on (semicolon separated)',
        default: '*',
        maxLength: 2000,
      },
    ],
    outcomes: ['issued', 'failed'],
    endsOnResponse: 'issued',
    ends: [],
    needsSession: false,
    timeoutMs: 15_000,
  },
  {
    name: 'startAdhocMeeting',
    label: 'start meeting',
    description: 'spin up an on-demand (ad-hoc) meeting for the visitor (step 8)',
    link: REL.startAdhocMeeting,
    method: 'POST',
    body: 'json',
    params: [
      {
        name: 'subject',
        type: 'string',
        required: false,
        description: 'the meeting subject',
        default: 'helpdesk',
        maxLength: 500,
      },
      {
        name: 'accessLevel',
        type: 'string',
        required: false,
        description: 'who may join: Everyone, Invited or SameEnterprise',
        default: 'Everyone',
        enum: ['Everyone', 'Invited', 'SameEnterprise'],
      },
    ],
    outcomes: ['started', 'failed'],
    ends: [
      { kind: 'meetingStarted', outcome: 'started' },
      { kind: 'meetingFailed', outcome: 'failed' },
    ],
    needsSession: true,
    timeoutMs: 30_000,
  },
  {
    name: 'acceptAndBridge',
    label: 'accept and bridge',
    description:
      "accept the visitor's messaging invitation and bridge it into the meeting (steps 9-10)",
    link: REL.acceptAndBridge,
    method: 'POST',
    body: 'json',
    params: [],
    outcomes: ['bridged', 'failed'],
    ends: [
      { kind: 'conversationBridgeAdded', outcome: 'bridged' },
      { kind: 'invitationFailed', outcome: 'failed' },
      VISITOR_LEFT,
    ],
    needsSession: true,
    timeoutMs: 30_000,
  },
  {
    name: 'bridgedParticipants',
    label: 'add bridged participant',
    description:
      'add a user to the conversation bridge; messageFilterState Enabled keeps their messages from the chat client and back (step 11)',
    link: REL.bridgedParticipants,
    method: 'POST',
    body: 'json',
    params: [
      {
        name: 'uri',
        type: 'string',
        required: true,
        description: 'the user, e.g. sip:helpdesk-bot@contoso.com',
        maxLength: 500,
      },
      {
        name: 'displayName',
        type: 'string',
        required: false,
        description: 'the name shown in the conversation',
        maxLength: 200,
      },
      {
        name: 'messageFilterState',
        type: 'string',
        required: false,
        description: 'Disabled: messages flow both ways; Enabled: filtered',
        default: 'Disabled',
        enum: ['Disabled', 'Enabled'],
      },
    ],
    outcomes: ['added', 'failed'],
    ends: [
      { kind: 'bridgedParticipantAdded', outcome: 'added' },
      { kind: 'bridgedParticipantFailed', outcome: 'failed' },
      VISITOR_LEFT,
    ],
    needsSession: true,
    timeoutMs: 30_000,
  },
  {
    name: 'sendMessage',
    label: 'send message',
    description: 'send a text message into the conversation (step 12)',
    link: REL.sendMessage,
    method: 'POST',
    body: 'text',
    params: [
      {
        name: 'message',
        type: 'string',
        required: true,
        description: 'the text (sent as text/plain; charset=UTF-8)',
        maxLength: 10_000,
      },
    ],
    outcomes: ['delivered', 'failed'],
    ends: [
      { kind: 'messageDelivered', outcome: 'delivered' },
      { kind: 'messageFailed', outcome: 'failed' },
      VISITOR_LEFT,
    ],
    needsSession: true,
    timeoutMs: 30_000,
  },
  {
    name: 'inviteUserToMeeting',
    label: 'invite to meeting',
    description:
      'invite a user (a service representative) to the meeting; ends when they join (steps 14-15)',
    link: REL.inviteUserToMeeting,
    method: 'POST',
    body: 'json',
    params: [
      {
        name: 'to',
        type: 'string',
        required: true,
        description: 'the user to invite, e.g. sip:alice@contoso.com',
        maxLength: 500,
      },
    ],
    outcomes: ['joined', 'failed'],
    ends: [
      { kind: 'participantJoined', outcome: 'joined' },
      { kind: 'participantInvitationFailed', outcome: 'failed' },
    ],
    needsSession: true,
    timeoutMs: 120_000,
  },
  {
    name: 'terminate',
    label: 'terminate',
    description: "terminate the meeting's conversation (step 20)",
    link: 'meetingConversation',
    method: 'DELETE',
    body: 'none',
    params: [],
    outcomes: ['terminated', 'failed'],
    ends: [{ kind: 'conversationDeleted', outcome: 'terminated' }],
    needsSession: true,
    timeoutMs: 30_000,
  },
];

export function getChatOperation(name: string): ChatOperationSpec | undefined {
  return CHAT_OPERATIONS.find((o) => o.name === name);
}
