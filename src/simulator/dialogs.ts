/**
 * Dialog webhook bodies (seed 003, Conpeek `user_dialog`). Every party of a call has its own
 * dialog; the builders below produce the same keys, in the same order, as the seed's bodies:
 * a CONSULTANT (agent) dialog and an EXTERNAL (customer / external number) dialog.
 */

export type Direction = 'INBOUND' | 'OUTBOUND';

export interface AgentParty {
  kind: 'agent';
  id: string;
  userId: number;
  username: string;
  firstname: string;
  surname: string;
  displayName: string;
  /** The number the agent calls out with (project number or obClid). */
  outboundNumber: string;
}

export interface NumberParty {
  kind: 'number';
  number: string;
}

export type Party = AgentParty | NumberParty;

export interface Project {
  id: number;
  name: string;
}

export interface DialogRec {
  uuid: string;
  type: 'CONSULTANT' | 'EXTERNAL';
  direction: Direction;
  businessDirection: Direction;
  self: Party;
  peer: Party;
  /** The business call's caller and callee (from_display_* / to_display_*). */
  caller: Party;
  callee: Party;
  /** initial_application_info, fixed at creation. */
  appInfo: Record<string, unknown>;
  initialLinkType: string | null;
  initialTargetType: string;
  state: string;
  closed: boolean;
}

const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));

let lastSecond = -1;
let lastText = '';

/**
 * `YYYY-MM-DD HH:mm:ss` in UTC, as the vendor documents event_time (the body carries no zone),
 * cached per second.
 */
export function eventTime(ms: number = Date.now()): string {
  const sec = Math.floor(ms / 1000);
  if (sec === lastSecond) return lastText;
  const d = new Date(sec * 1000);
  lastSecond = sec;
  lastText = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(
    d.getUTCHours(),
  )}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return lastText;
}

const target = (p: Party): string => (p.kind === 'agent' ? p.outboundNumber : p.number);
const name = (p: Party): string => (p.kind === 'agent' ? p.displayName : p.number);
const contact = (p: Party): string => (p.kind === 'agent' ? p.username : p.number);

/** initial_application_info of an agent placing a call (seed 003 body 1). */
export function webUserCallInfo(agent: AgentParty, callee: Party): Record<string, unknown> {
  return {
    type: 'WEB_USER_CALL',
    side: 'USER',
    data: {
      caller_number: agent.outboundNumber,
      caller_contact_address: agent.username,
      callee_contact_address: contact(callee),
      tenant_user: { id: agent.userId, username: agent.username },
    },
  };
}

/** initial_application_info of the called party, tied to the caller's dialog (seed 003 body 2). */
export function calledPartyInfo(
  type: string,
  side: string,
  caller: DialogRec,
  callee: Party,
): Record<string, unknown> {
  return {
    type,
    side,
    data: {
      caller_dialog_uuid: caller.uuid,
      caller_number: target(caller.self),
      caller_contact_address: contact(caller.self),
      callee_contact_address: contact(callee),
      caller_initial_application_info: caller.appInfo,
    },
  };
}

/**
 * initial_application_info of an inbound call's first (customer) dialog, as the vendor's
 * incoming-call page shows it: the customer's dialog names itself as the caller's dialog.
 */
export function inboundCallInfo(
  customer: NumberParty,
  serviceNumber: string,
  ownUuid: string,
): Record<string, unknown> {
  return {
    type: 'EXTERNAL_INBOUND_CALL',
    side: 'CONTACT',
    data: {
      caller_dialog_uuid: ownUuid,
      caller_contact_address: customer.number,
      callee_contact_address: serviceNumber,
    },
  };
}

function peerFields(peer: Party, project: Project): Record<string, unknown> {
  if (peer.kind === 'agent') {
    return {
      peer_target: peer.outboundNumber,
      peer_name: peer.displayName,
      peer_type: 'CONSULTANT',
      peer_project_name: project.name,
      peer_username: peer.username,
      peer_firstname: peer.firstname,
      peer_surname: peer.surname,
    };
  }
  return {
    peer_target: peer.number,
    peer_name: null,
    peer_type: null,
    peer_project_name: null,
    peer_username: null,
    peer_firstname: null,
    peer_surname: null,
  };
}

function displayFields(d: DialogRec, filled: boolean): Record<string, unknown> {
  return {
    from_display_name: filled ? name(d.caller) : null,
    from_display_target: filled ? target(d.caller) : null,
    to_display_name: filled ? name(d.callee) : null,
    to_display_target: filled ? target(d.callee) : null,
  };
}

/** dialog_create (seed 003 bodies 1 and 2). */
export function dialogCreateBody(d: DialogRec, project: Project, time: string) {
  const self = d.self;
  const body: Record<string, unknown> = {
    event_type: 'user_dialog',
    event_name: 'dialog_create',
    event_time: time,
    direction: d.direction,
    business_direction: d.businessDirection,
    state: d.state,
    dialog_type: d.type,
    dialog_uuid: d.uuid,
    media: ['audio'],
    self_target: self.kind === 'agent' ? null : self.number,
    self_name: name(self),
    ...peerFields(d.peer, project),
    ...displayFields(d, d.peer.kind === 'agent'),
    caller_contact_address: contact(d.caller),
    callee_contact_address: contact(d.callee),
    initial_link_type: d.initialLinkType,
    initial_application_info: d.appInfo,
  };
  if (self.kind === 'agent') {
    body.tenant_user = {
      id: self.userId,
      username: self.username,
      firstname: self.firstname,
      surname: self.surname,
      display_name: self.displayName,
    };
    body.project = { id: project.id, name: project.name };
  } else {
    body.anonymous = { display_name: self.number };
  }
  return body;
}

/** dialog_state_update (seed 003 bodies 3-6): only these five keys. */
export function dialogStateBody(d: DialogRec, time: string) {
  return {
    event_type: 'user_dialog',
    event_name: 'dialog_state_update',
    event_time: time,
    dialog_uuid: d.uuid,
    state: d.state,
  };
}

/** dialog_close (seed 003 bodies 7 and 8). `closeCause`: HANGUP | DIALOG_LEFT. */
export function dialogCloseBody(d: DialogRec, project: Project, closeCause: string, time: string) {
  const self = d.self;
  const body: Record<string, unknown> = {
    event_type: 'user_dialog',
    event_name: 'dialog_close',
    event_time: time,
    direction: d.direction,
    business_direction: d.businessDirection,
    ...displayFields(d, true),
    caller_contact_address: null,
    callee_contact_address: null,
    initial_application_target_id: null,
    initial_application_target_name: null,
    initial_application_selection_id: null,
    initial_application_selection_name: null,
    initial_target_type: d.initialTargetType,
    variables: {},
    close_cause: closeCause,
    dialog_uuid: d.uuid,
    initial_application_info: d.appInfo,
  };
  if (self.kind === 'agent') {
    body.tenant_user = {
      id: self.userId,
      username: self.username,
      firstname: self.firstname,
      surname: self.surname,
      outbound_name: self.displayName,
      outbound_number: self.outboundNumber,
    };
    body.project = { id: project.id, name: project.name };
  } else {
    body.anonymous = { display_name: self.number, presentation_number: self.number };
  }
  return body;
}

/** dialog_hold: sent only for the party that put the call on hold. */
export function dialogHoldBody(d: DialogRec, time: string) {
  return {
    event_type: 'user_dialog',
    event_name: 'dialog_hold',
    event_time: time,
    dialog_uuid: d.uuid,
  };
}

/** dialog_meeting_entered: the party joined a conference (three-way), with its dialog_type. */
export function dialogMeetingBody(d: DialogRec, meetingUuid: string, time: string) {
  return {
    event_type: 'user_dialog',
    event_name: 'dialog_meeting_entered',
    event_time: time,
    dialog_uuid: d.uuid,
    dialog_type: d.type,
    meeting_uuid: meetingUuid,
  };
}
