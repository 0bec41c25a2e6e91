/**
 * The operation catalogue: the one place where an operation's names, parameters, process
 * events and outcomes are written. The gateway client, the simulator, the editor (through the
 * config node's admin endpoint) and docs/protocol.md all read it.
 *
 * Names are verbatim from the vendor documents in shared/seeds (seed 000 for agent
 * operations and their events, seed 003 for dialog webhooks, seed 004 for ccsevents).
 */

/**
 * `call`: Era / Incoplax `callevents` (telephony events per call leg), only on that platform and
 * only when a node asks for them; their names are the platform's own (not a catalogue list).
 */
export type EventFamily = 'agent' | 'dialog' | 'ccs' | 'call';

/** The subscription class of each family, as used in event patterns (`ccsevents.*`). */
export const FAMILY_CLASS: Readonly<Record<EventFamily, string>> = {
  agent: 'agent',
  dialog: 'dialog',
  ccs: 'ccsevents',
  call: 'callevents',
};

/** An event name of a family whose names are the platform's own (`call`). */
export const OPEN_EVENT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export type ParamType = 'string' | 'integer' | 'object' | 'boolean';

export interface ParamSpec {
  /** Parameter name on the wire, verbatim from seed 000's client. */
  readonly name: string;
  readonly type: ParamType;
  readonly required: boolean;
  readonly description: string;
  /** Default the editor proposes (the node reads `msg.payload.<name>` unless configured). */
  readonly default?: string | number | boolean;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly pattern?: string;
  readonly maxLength?: number;
  /**
   * Largest value in bytes of its JSON, checked before sending (src/protocol/params-guard.ts;
   * defaults there by type).
   */
  readonly maxBytes?: number;
}

/** A process event that ends the operation with an outcome, optionally only when a field matches. */
export interface EndRule {
  readonly event: string;
  readonly outcome: string;
  /** `result` 0 means success in seed 000's result events; the rule can test it. */
  readonly when?: {
    readonly field: string;
    readonly equals?: unknown;
    readonly notEquals?: unknown;
  };
  /** Reason reported with the outcome when this rule ends the operation. */
  readonly reason?: string;
}

/**
 * `callControl`: on the agent's own call; `agentControl`: the agent's own state (login, pause);
 * `supervisorControl`: a supervisor acting on another agent (`targetAgent`) or that agent's call.
 */
export type OperationKind = 'operation' | 'callControl' | 'agentControl' | 'supervisorControl';

export interface OperationSpec {
  readonly name: string;
  /** Name of the response frame's `op`: always `<name>Resp` (seed 000's rule). */
  readonly response: string;
  readonly kind: OperationKind;
  readonly label: string;
  readonly description: string;
  readonly params: readonly ParamSpec[];
  /** Process events in the order the seed's sequence diagram shows them. */
  readonly events: readonly string[];
  /** Outcomes, each an output of the operation's node; `failed` is always the last. */
  readonly outcomes: readonly string[];
  /** Which event ends the operation with which outcome; the first matching rule wins. */
  readonly ends: readonly EndRule[];
  /** When set, an accepted response (code 0) ends the operation with this outcome. */
  readonly endsOnResponse?: string;
  /** The stage shown in node status for each process event. */
  readonly stages: Readonly<Record<string, string>>;
  /** Default time from request to outcome before the client ends it as a timeout. */
  readonly timeoutMs: number;
}

export const FAILED = 'failed';

const AGENT_PARAM_NOTE =
  'Operations are addressed to an agent by the request envelope, not by a parameter.';

const target: ParamSpec = {
  name: 'target',
  type: 'string',
  required: true,
  description: 'Number, agent id or extension to transfer to (see targetType).',
  pattern: '^\\S{1,64}$',
};

const targetType: ParamSpec = {
  name: 'targetType',
  type: 'integer',
  required: true,
  description: '0 external number, 1 agent, 2 extension.',
  enum: [0, 1, 2],
  default: 0,
};

const direction: ParamSpec = {
  name: 'direction',
  type: 'string',
  required: false,
  description:
    'in: the agent does not hear the customer; out: the customer does not hear the agent; all: both.',
  enum: ['in', 'out', 'all'],
  default: 'all',
};

const targetAgent: ParamSpec = {
  name: 'targetAgent',
  type: 'string',
  required: true,
  description: 'The agent the supervisor acts on.',
  pattern: '^\\S{1,128}$',
};

const controlOnResponse = (
  name: string,
  label: string,
  description: string,
  params: readonly ParamSpec[] = [],
  kind: OperationKind = 'callControl',
): OperationSpec => ({
  name,
  response: `${name}Resp`,
  kind,
  label,
  description,
  params,
  events: [],
  outcomes: ['done', FAILED],
  ends: [],
  endsOnResponse: 'done',
  stages: {},
  timeoutMs: 10_000,
});

export const OPERATIONS: readonly OperationSpec[] = [
  {
    name: 'previewObCall',
    response: 'previewObCallResp',
    kind: 'operation',
    label: 'preview call',
    description:
      'Preview outbound call: the agent is called first, then the customer; both are bridged.',
    params: [
      {
        name: 'customerNumber',
        type: 'string',
        required: true,
        description: 'The customer number to dial.',
        pattern: '^\\+?[0-9*#]{2,32}$',
      },
      {
        name: 'agentAnswerTimeout',
        type: 'integer',
        required: false,
        description: 'Seconds the agent has to answer.',
        minimum: 1,
        maximum: 600,
        default: 30,
      },
      {
        name: 'customerAnswerTimeout',
        type: 'integer',
        required: false,
        description: 'Seconds the customer has to answer.',
        minimum: 1,
        maximum: 600,
        default: 45,
      },
      {
        name: 'obClid',
        type: 'string',
        required: false,
        description: 'Caller id presented to the customer.',
        maxLength: 32,
      },
      {
        name: 'channelVariables',
        type: 'object',
        required: false,
        description: 'Variables attached to the call (CRM ids, for example).',
        maxBytes: 64 * 1024,
      },
    ],
    events: [
      'previewObCallResult',
      'previewObCallStart',
      'previewObCallRinging',
      'previewObCallBridge',
    ],
    outcomes: ['bridged', FAILED],
    ends: [
      { event: 'previewObCallBridge', outcome: 'bridged' },
      {
        event: 'previewObCallResult',
        outcome: FAILED,
        when: { field: 'result', notEquals: 0 },
        reason: 'result',
      },
    ],
    stages: {
      previewObCallResult: 'calling',
      previewObCallStart: 'dialing',
      previewObCallRinging: 'ringing',
      previewObCallBridge: 'bridged',
    },
    timeoutMs: 120_000,
  },
  {
    name: 'startAtxfer',
    response: 'startAtxferResp',
    kind: 'operation',
    label: 'consult',
    description: 'Consult (start an attended transfer): the customer is held, the target called.',
    params: [targetType, target],
    events: ['atxferStart', 'atxferLink', 'atxferEnded', 'atxferError'],
    outcomes: ['linked', 'ended', FAILED],
    ends: [
      { event: 'atxferLink', outcome: 'linked' },
      { event: 'atxferEnded', outcome: 'ended', reason: 'hangupSide' },
      { event: 'atxferError', outcome: FAILED, reason: 'state' },
    ],
    stages: { atxferStart: 'consulting', atxferLink: 'linked', atxferEnded: 'ended' },
    timeoutMs: 90_000,
  },
  {
    name: 'threewayAtxfer',
    response: 'threewayAtxferResp',
    kind: 'operation',
    label: 'three-way',
    description: 'Join the customer, the agent and the consulted party in one three-way call.',
    params: [],
    events: ['threewayAtxferResult', 'atxferThreewayUnlink'],
    outcomes: ['joined', 'unlinked', FAILED],
    ends: [
      { event: 'threewayAtxferResult', outcome: 'joined', when: { field: 'result', equals: 0 } },
      {
        event: 'threewayAtxferResult',
        outcome: FAILED,
        when: { field: 'result', notEquals: 0 },
        reason: 'result',
      },
      { event: 'atxferThreewayUnlink', outcome: 'unlinked' },
    ],
    stages: { threewayAtxferResult: 'three-way', atxferThreewayUnlink: 'unlinked' },
    timeoutMs: 30_000,
  },
  {
    name: 'completeAtxfer',
    response: 'completeAtxferResp',
    kind: 'operation',
    label: 'complete transfer',
    description:
      'Complete the attended transfer: the agent leaves, the customer stays with the target.',
    params: [],
    events: ['completeAtxferResult'],
    outcomes: ['transferred', FAILED],
    ends: [
      {
        event: 'completeAtxferResult',
        outcome: 'transferred',
        when: { field: 'result', equals: 0 },
      },
      {
        event: 'completeAtxferResult',
        outcome: FAILED,
        when: { field: 'result', notEquals: 0 },
        reason: 'result',
      },
    ],
    stages: { completeAtxferResult: 'transferred' },
    timeoutMs: 30_000,
  },
  {
    name: 'resumeAtxfer',
    response: 'resumeAtxferResp',
    kind: 'callControl',
    label: 'resume customer',
    description:
      'End a connected consult and go back to the customer: the consulted party is released, the customer taken off hold.',
    params: [],
    events: ['atxferEnded'],
    outcomes: ['done', FAILED],
    ends: [{ event: 'atxferEnded', outcome: 'done' }],
    stages: { atxferEnded: 'ended' },
    timeoutMs: 15_000,
  },
  {
    name: 'cancelAtxfer',
    response: 'cancelAtxferResp',
    kind: 'callControl',
    label: 'cancel consult',
    description: 'Cancel the consult: the consulted party is released, the customer comes back.',
    params: [],
    events: ['atxferEnded'],
    outcomes: ['done', FAILED],
    ends: [{ event: 'atxferEnded', outcome: 'done' }],
    stages: { atxferEnded: 'ended' },
    timeoutMs: 15_000,
  },
  controlOnResponse('sipUnlink', 'hang up', 'Hang up the agent\u2019s current call.'),
  controlOnResponse('sipLink', 'answer', 'Answer the call ringing at the agent.'),
  controlOnResponse('hold', 'hold', 'Put the customer on hold.'),
  controlOnResponse('unhold', 'unhold', 'Take the customer off hold.'),
  controlOnResponse('mute', 'mute', 'Mute the agent\u2019s call in one direction or both.', [
    direction,
  ]),
  controlOnResponse('unmute', 'unmute', 'Unmute the agent\u2019s call in one direction or both.', [
    direction,
  ]),
  controlOnResponse('sendDtmf', 'send DTMF', 'Send DTMF digits on the agent\u2019s call.', [
    {
      name: 'digits',
      type: 'string',
      required: true,
      description: 'Digits to send (0-9, *, #).',
      pattern: '^[0-9*#A-D]{1,32}$',
    },
  ]),
  controlOnResponse('blxfer', 'blind transfer', 'Transfer the customer without consulting.', [
    targetType,
    target,
  ]),
  controlOnResponse(
    'pause',
    'pause',
    'Set the agent to paused (not ready).',
    [
      {
        name: 'pauseType',
        type: 'integer',
        required: false,
        description: 'Pause reason code.',
        default: 1,
        minimum: 0,
        maximum: 99,
      },
    ],
    'agentControl',
  ),
  controlOnResponse('unpause', 'unpause', 'Set the agent to ready.', [], 'agentControl'),
  controlOnResponse(
    'login',
    'agent login',
    'Log the agent in on a bound endpoint (phone number, extension or softphone), ready or paused.',
    [
      {
        name: 'bindTel',
        type: 'string',
        required: true,
        description:
          'The endpoint the agent answers on: a phone number, an extension or a softphone id.',
        pattern: '^\\S{1,64}$',
      },
      {
        name: 'bindType',
        type: 'integer',
        required: false,
        description: '1 phone number, 2 extension, 3 softphone.',
        enum: [1, 2, 3],
        default: 2,
      },
      {
        name: 'initialStatus',
        type: 'string',
        required: false,
        description: 'The status after login: idle (ready) or paused.',
        enum: ['idle', 'paused'],
        default: 'idle',
      },
    ],
    'agentControl',
  ),
  controlOnResponse(
    'logout',
    'agent logout',
    'Log the agent out: offline, no calls routed to it.',
    [],
    'agentControl',
  ),
  controlOnResponse(
    'spy',
    'supervisor: listen',
    'Listen to another agent\u2019s call unheard (the supervisor\u2019s phone joins silently).',
    [targetAgent],
    'supervisorControl',
  ),
  controlOnResponse(
    'whisper',
    'supervisor: whisper',
    'Speak to another agent during its call; the customer does not hear the supervisor.',
    [targetAgent],
    'supervisorControl',
  ),
  controlOnResponse(
    'barge',
    'supervisor: barge in',
    'Join another agent\u2019s call: the customer, the agent and the supervisor all hear each other.',
    [targetAgent],
    'supervisorControl',
  ),
  controlOnResponse(
    'disconnect',
    'supervisor: disconnect',
    'End another agent\u2019s call (the agent\u2019s side hangs up).',
    [targetAgent],
    'supervisorControl',
  ),
  controlOnResponse(
    'setOnline',
    'supervisor: set online',
    'Make another agent available: logged in (on its last endpoint) and ready.',
    [targetAgent],
    'supervisorControl',
  ),
  controlOnResponse(
    'setOffline',
    'supervisor: set offline',
    'Take another agent offline: no calls are routed to it (a call in progress goes on).',
    [targetAgent],
    'supervisorControl',
  ),
];

/**
 * Agent-family events that are not process events of an operation (seed 000): the agent's
 * status, an inbound call ringing at it, and the state of a queue it serves.
 */
/** previewObCallResult `result` codes (0 = proceeding / ok). */
export const PREVIEW_RESULT: Readonly<Record<string, number>> = {
  customerBusy: 1,
  customerNoAnswer: 2,
  customerRejected: 3,
  agentNoAnswer: 4,
  failed: 5,
  canceled: 6,
};

export const AGENT_EVENTS: readonly string[] = ['agentStatus', 'ringing', 'queueStatus'];

/** Seed 000's agent device states (`agentStatus.deviceStatus`). */
export const DEVICE_STATUS: Readonly<Record<number, string>> = {
  0: 'unbound',
  1: 'idle',
  2: 'waiting',
  3: 'ringing',
  4: 'talking',
  5: 'wrap-up',
  6: 'offline',
};

/** Dialog webhook events (seed 003). */
export const DIALOG_EVENTS: readonly string[] = [
  'dialog_create',
  'dialog_state_update',
  'dialog_close',
  'dialog_hold',
  'dialog_meeting_entered',
];
export const DIALOG_TYPES: readonly string[] = ['CONSULTANT', 'EXTERNAL'];
export const DIALOG_STATES: readonly string[] = ['ringing', 'alerting', 'answered', 'talking'];
export const DIRECTIONS: readonly string[] = ['INBOUND', 'OUTBOUND'];
export const CLOSE_CAUSES: readonly string[] = ['HANGUP', 'DIALOG_LEFT'];

/** ccsevents (seed 004), in the seed's order. */
export const CCS_EVENTS: readonly string[] = [
  'call_create',
  'call_delete',
  'call_update',
  'call_set_state',
  'call_attach_to_seance',
  'call_dtmf',
  'connection_create',
  'connection_delete',
  'connection_update',
  'connection_attach_to_seance',
  'connection_start_record',
  'connection_set_record_info',
  'connection_link_call',
  'connection_failure',
  'seance_create',
  'seance_delete',
  'seance_update',
  'seance_set_state',
  'seance_set_next_number',
];

const byName = new Map<string, OperationSpec>(OPERATIONS.map((o) => [o.name, o]));

export function getOperation(name: string): OperationSpec | undefined {
  return byName.get(name);
}

/** Every agent-family event name: operations' process events and the standalone ones. */
export const AGENT_EVENT_NAMES: readonly string[] = Array.from(
  new Set([...OPERATIONS.flatMap((o) => o.events), ...AGENT_EVENTS]),
);

export const EVENT_NAMES: Readonly<Record<EventFamily, readonly string[]>> = {
  agent: AGENT_EVENT_NAMES,
  dialog: DIALOG_EVENTS,
  ccs: CCS_EVENTS,
  // callevents: the platform's own names (OPEN_EVENT_NAME), none listed here.
  call: [],
};

export interface EndDecision {
  readonly outcome: string;
  readonly reason?: string;
}

/**
 * Decide whether a process event ends the operation. Returns undefined for a progress event.
 * The rules are the catalogue's `ends`, first match wins.
 */
export function decideEnd(
  spec: OperationSpec,
  event: string,
  data: Readonly<Record<string, unknown>>,
): EndDecision | undefined {
  for (const rule of spec.ends) {
    if (rule.event !== event) continue;
    if (rule.when) {
      const v = data[rule.when.field];
      if ('equals' in rule.when && v !== rule.when.equals) continue;
      if ('notEquals' in rule.when && v === rule.when.notEquals) continue;
    }
    let reason: string | undefined;
    if (rule.reason !== undefined) {
      const r = data[rule.reason];
      reason = r === undefined || r === null ? event : `${rule.reason}=${String(r)}`;
      if (typeof data.reason === 'string') reason = data.reason;
    }
    return { outcome: rule.outcome, reason };
  }
  return undefined;
}

/** The catalogue as plain JSON, for the editor and the docs. */
export function catalogueJson(): unknown {
  return {
    operations: OPERATIONS,
    events: EVENT_NAMES,
    familyClass: FAMILY_CLASS,
    dialog: {
      types: DIALOG_TYPES,
      states: DIALOG_STATES,
      directions: DIRECTIONS,
      closeCauses: CLOSE_CAUSES,
    },
    deviceStatus: DEVICE_STATUS,
    note: AGENT_PARAM_NOTE,
  };
}
