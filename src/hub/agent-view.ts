/**
 * What an agent-family event (agentStatus, ringing, queueStatus, an operation's process event)
 * means in the context of the call it belongs to, as the tracker knows it: who is calling, the
 * agent's dialog, the customer's dialog and the seance. Used by cc-agent-events; pure (no
 * Node-RED), every snapshot a fresh copy from the tracker.
 */
import type { Data } from '../protocol/types';
import type { CallTrackerApi, DialogSnapshot, SeanceSnapshot } from '../tracker/api';

/** The other party of the agent's call: the customer (or the caller of an inbound call). */
export interface CallerView {
  /** The number the customer calls from (inbound) or is called on (outbound). */
  number?: string;
  /** The name the platform shows for that party, when it knows one. */
  name?: string;
  /** The customer's dialog, when its dialog events were seen. */
  dialog_uuid?: string;
  /** INBOUND when the customer called in, OUTBOUND when the agent called out. */
  business_direction?: string;
}

export interface AgentEventView {
  /** The agent the event concerns (the frame's `agent`). */
  agent?: string;
  caller?: CallerView;
  /** The agent's own dialog (the tracker's merged snapshot). */
  dialog?: DialogSnapshot;
  /** The customer's dialog. */
  customerDialog?: DialogSnapshot;
  seance?: SeanceSnapshot;
}

const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? v : undefined;

/** The customer's number and name as its dialog tells them. */
function callerFromDialog(d: DialogSnapshot): CallerView {
  const f = d.fields ?? {};
  const anonymous = isObject(f.anonymous) ? f.anonymous : undefined;
  return {
    number: str(f.self_target) ?? str(f.from_display_target),
    name: str(f.self_name) ?? str(anonymous?.display_name),
    dialog_uuid: d.dialog_uuid,
    business_direction: d.business_direction,
  };
}

/**
 * The view of one agent event. `agent` is the frame's agent; `data` the event data with its
 * `ids` (seance_id, dialog_uuid, customer_dialog_uuid, ...).
 */
export function agentEventView(
  tracker: CallTrackerApi,
  data: Data,
  agent: string | undefined,
): AgentEventView {
  const view: AgentEventView = {};
  if (agent !== undefined) view.agent = agent;
  const ids = isObject(data.ids) ? data.ids : undefined;
  const own = str(ids?.dialog_uuid);
  const customer = str(ids?.customer_dialog_uuid);
  const seanceId = str(ids?.seance_id);
  if (own) view.dialog = tracker.getDialog(own);
  if (customer) view.customerDialog = tracker.getDialog(customer);
  if (seanceId) view.seance = tracker.getSeance(seanceId);
  let caller: CallerView | undefined = view.customerDialog
    ? callerFromDialog(view.customerDialog)
    : undefined;
  const number = str(data.customerNumber);
  if (number !== undefined) caller = { ...caller, number };
  if (!caller && view.seance?.number !== undefined) caller = { number: view.seance.number };
  if (caller) view.caller = caller;
  return view;
}
