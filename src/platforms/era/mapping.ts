/**
 * Era / Incoplax: THE ONE TABLE of everything the vendor's public documents leave open. The
 * driver (./driver.ts) reads the platform's frames through it, and the simulator's Era face
 * (src/simulator/contact-center/faces/era.ts) writes its frames from it, so a correction made
 * here changes both at once.
 *
 * Documented (vendor documentation; see docs/platforms.md):
 * - endpoints `/ws/token/v1/<token>` (an integration point's `token_local`, its role allowing
 *   the `/ws#subscr` route) and `/ws` (a user's authorisation), same host and port as HTTP;
 * - frames are two-element JSON arrays `["method", {params}]`; a request carries `qid`, its reply
 *   is `["<method>_result", {qid, result, ...}]`;
 * - `["subscribe", {qid, objects, events: ["ccsevents.*"], expires, id, exargs}]`, renewed with
 *   the same `id` before expiry, `expires: 0` to unsubscribe;
 * - event classes `ccsevents` (the 19 event names of the ccs family), `callevents`,
 *   `modelevents.data_changed`, `ivrevents`; one notification per matching subscription,
 *   naming the subscription id; no sequence numbers, no replay.
 *
 * NOT settled by the public documents (every entry marked UNVERIFIED below): the notification
 * frame's method name, its field names, the shape of `result`, the per-object field names of a
 * ccs event, the names and fields of callevents, how `/ws` takes a user's authorisation, and
 * the whole of the REST call control (`/uc/calls`: request bodies, answers, the token's header,
 * which ccsevents end an operation).
 *
 * HOW TO VERIFY against an installation: open `https://<your installation>/integration/ws_sandbox.html`
 * (every installation serves this WebSocket sandbox page), connect with your integration
 * point's token, send the subscribe frame this driver sends (see `subscribeFrame` below), place
 * a test call and read the frames that arrive. Compare them with the entries below: the method
 * of a notification with NOTIFICATION.methods, its keys with NOTIFICATION.*Keys, the data's keys
 * with CCS_FIELDS, and a `subscribe_result` with RESULT_OK; subscribe `callevents.*` too and
 * compare their names with CALL_EVENTS_FROM_CCS. Correct this file (first candidate =
 * what the simulator sends), run `npm test`, and the driver and the simulator follow.
 */
import { PREVIEW_RESULT } from '../../protocol/catalogue';
import type { Data } from '../../protocol/types';

/** Documented: the WebSocket paths. */
export const ERA_PATHS = {
  token: (token: string): string => `/ws/token/v1/${encodeURIComponent(token)}`,
  user: '/ws',
} as const;

/** Documented: the method of a subscription request; its reply is `<method>_result`. */
export const SUBSCRIBE_METHOD = 'subscribe';
export const RESULT_SUFFIX = '_result';

/** Documented: the event classes a subscription names (`<class>.*` or `<class>.<event>`). */
export const ERA_CLASSES = {
  ccs: 'ccsevents',
  call: 'callevents',
} as const;

/**
 * UNVERIFIED: the extra arguments a subscription carries. The documents show `exargs` without
 * saying what it may hold; an empty object asks for nothing special.
 */
export const SUBSCRIBE_EXARGS: Readonly<Record<string, unknown>> = {};

/**
 * UNVERIFIED: how a reply says yes. Read as accepted when `result` is one of these (case
 * ignored for strings) or absent with no `error` member; anything else is a refusal whose text
 * is `error` / `reason` / `result`.
 */
export const RESULT_OK: readonly unknown[] = ['ok', true, 0, 'success'];

/**
 * UNVERIFIED: the notification frame. The driver accepts any of the candidate method names and
 * keys (first match wins); the simulator writes the first of each.
 */
export const NOTIFICATION = {
  /** Method of a notification frame. */
  methods: ['notify', 'event', 'notification'],
  /** Key naming the subscription the notification is for. */
  subscriptionKeys: ['id', 'subscr_id', 'subscription_id'],
  /** Key of the event class (`ccsevents`); may be absent when the event name carries it. */
  classKeys: ['class', 'eventclass'],
  /** Key of the event name: `call_create`, or `ccsevents.call_create`. */
  eventKeys: ['event', 'eventname', 'name', 'type'],
  /** Key of the event's data object. */
  dataKeys: ['data', 'eventdata', 'params'],
} as const;

/**
 * UNVERIFIED: the per-object field names of a ccs event's data, ours -> the platform's
 * candidates (first = what the simulator writes). The documents name the objects (call = one
 * leg, connection = a dialog joining legs, seance = a session with its transfer chain) but not
 * their fields.
 */
export const CCS_FIELDS: Readonly<Record<string, readonly string[]>> = {
  domain: ['domain', 'domain_name'],
  call_id: ['call_id', 'callid'],
  connection_id: ['connection_id', 'connectionid'],
  seance_id: ['seance_id', 'seanceid'],
  state: ['state'],
  number: ['number'],
  digit: ['digit', 'dtmf'],
  info: ['info'],
};

/**
 * UNVERIFIED: callevents (the documented class of telephony events per call). The documents
 * name neither its events nor their fields: the driver takes any event name of the class (the
 * catalogue's OPEN_EVENT_NAME) and reads its data through CCS_FIELDS, and delivers it as a
 * `call`-family event under its own name. The simulator writes one callevent per change of a
 * call leg in the model, named here (ccs event of the leg -> callevents name).
 */
export const CALL_EVENTS_FROM_CCS: Readonly<Record<string, string>> = {
  call_create: 'call_start',
  call_set_state: 'call_state',
  call_delete: 'call_end',
};

/** The data fields a simulated callevent carries (our names; written through CCS_FIELDS). */
export const CALL_EVENT_FIELDS: readonly string[] = [
  'domain',
  'call_id',
  'seance_id',
  'state',
  'number',
  'info',
];

/**
 * UNVERIFIED: how `/ws` takes a user's authorisation. The documents say it needs one; this
 * driver sends HTTP Basic credentials on the upgrade request.
 */
export function userAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

// ------------------------------------------------------------------ operations (REST call control)
//
// Documented: call control is REST `/uc/calls` (or the WebSocket), on the same host and port.
// NOT documented publicly: every request body, response field and how a token authorises a
// REST request. Every entry below is UNVERIFIED: our reading of what a `/uc/calls` call-control
// API carries. HOW TO VERIFY: open the installation's REST API documentation (the `/uc/calls`
// section) or try each request with your integration point's token against a sandbox domain,
// place the call, and compare the answers and the ccsevents that follow (the WebSocket sandbox
// page shows them) with the entries here. Correct this file, run `npm test`; the driver and the
// simulator follow.

/**
 * UNVERIFIED: the REST side. The base is the WebSocket URL's host and port over http(s)
 * (`ws://h:p/...` -> `http://h:p`); requests and answers are JSON.
 */
export const REST = {
  /** The collection of calls (documented name). */
  callsPath: '/uc/calls',
  /** UNVERIFIED: how an integration point's token authorises a request. */
  tokenHeader: 'authorization',
  tokenValue: (token: string): string => `Bearer ${token}`,
  /** UNVERIFIED: the query naming the user whose calls `GET /uc/calls` lists. */
  userQuery: 'user',
  /** UNVERIFIED: the key of the call list in that answer, then each call's id keys. */
  listKeys: ['calls', 'data', 'items'],
  callIdKeys: ['call_id', 'id'],
  seanceIdKeys: ['seance_id', 'seanceid'],
  /** Per request (ms). */
  timeoutMs: 10_000,
} as const;

/** The REST base for a WebSocket URL: same host and port, http(s), no path. */
export function restBase(wsUrl: string): URL {
  const u = new URL(wsUrl);
  const base = new URL(
    `${u.protocol === 'wss:' || u.protocol === 'https:' ? 'https' : 'http'}://${u.host}`,
  );
  return base;
}

/** How one catalogue operation becomes one REST request. All UNVERIFIED (see above). */
export interface EraRestCall {
  readonly method: 'POST' | 'DELETE';
  /**
   * The request names one of the agent's calls (`/uc/calls/<call_id>...`); the driver first
   * asks `GET /uc/calls?user=<agent>` for it. False: `/uc/calls` itself (a new call).
   */
  readonly onCall: boolean;
  /** Path segment after the call id (`/uc/calls/<id>/<verb>`), none for the call itself. */
  readonly verb?: string;
  /** The JSON body from the agent and the operation's parameters (undefined: none). */
  readonly body?: (agent: string, params: Readonly<Data>) => Data;
  /** The inverse, for the simulator: the catalogue parameters a received body stands for. */
  readonly fromBody: (body: Readonly<Data>) => Data;
  /**
   * The operation's process events come from the ccsevents of the call it created (see
   * PREVIEW_RULES); without it the accepted answer is the whole outcome (the catalogue's
   * `endsOnResponse`).
   */
  readonly tracked?: boolean;
  readonly note: string;
}

/** The key the agent is named by in a request (UNVERIFIED: the user's login or number). */
export const USER_KEY = 'user';

const defined = (o: Data): Data => {
  const out: Data = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
};

/**
 * Catalogue operation -> REST request. An operation absent here ends `failed` / `unsupported`
 * at once with nothing sent, and the editor marks it (UNSUPPORTED_WHY says why).
 */
export const OPERATIONS_CARRIED: Readonly<Record<string, EraRestCall>> = {
  previewObCall: {
    method: 'POST',
    onCall: false,
    body: (agent, p) =>
      defined({
        [USER_KEY]: agent,
        to: p.customerNumber,
        caller_id: p.obClid,
        user_timeout: p.agentAnswerTimeout,
        to_timeout: p.customerAnswerTimeout,
        variables: p.channelVariables,
      }),
    fromBody: (b) =>
      defined({
        customerNumber: b.to,
        obClid: b.caller_id,
        agentAnswerTimeout: b.user_timeout,
        customerAnswerTimeout: b.to_timeout,
        channelVariables: b.variables,
      }),
    tracked: true,
    note:
      'POST /uc/calls {user, to, caller_id, user_timeout, to_timeout, variables}: the user ' +
      '(agent) is called first, then `to`; answered {call_id, seance_id} (UNVERIFIED).',
  },
  sipUnlink: {
    method: 'DELETE',
    onCall: true,
    fromBody: () => ({}),
    note: 'DELETE /uc/calls/<call_id>: hang up the agent\u2019s call (UNVERIFIED).',
  },
  hold: {
    method: 'POST',
    onCall: true,
    verb: 'hold',
    fromBody: () => ({}),
    note: 'POST /uc/calls/<call_id>/hold (UNVERIFIED).',
  },
  unhold: {
    method: 'POST',
    onCall: true,
    verb: 'unhold',
    fromBody: () => ({}),
    note: 'POST /uc/calls/<call_id>/unhold (UNVERIFIED).',
  },
  sendDtmf: {
    method: 'POST',
    onCall: true,
    verb: 'dtmf',
    body: (_agent, p) => ({ digits: p.digits }),
    fromBody: (b) => defined({ digits: b.digits }),
    note: 'POST /uc/calls/<call_id>/dtmf {digits} (UNVERIFIED).',
  },
  blxfer: {
    method: 'POST',
    onCall: true,
    verb: 'transfer',
    body: (_agent, p) => ({ to: p.target, to_type: p.targetType }),
    fromBody: (b) => defined({ target: b.to, targetType: b.to_type }),
    note:
      'POST /uc/calls/<call_id>/transfer {to, to_type}: a blind transfer of the customer ' +
      '(UNVERIFIED; to_type is the catalogue\u2019s targetType: 0 number, 1 agent, 2 extension).',
  },
};

/** The path of a request: `/uc/calls`, `/uc/calls/<id>` or `/uc/calls/<id>/<verb>`. */
export function restPath(call: EraRestCall, callId?: string): string {
  if (!call.onCall) return REST.callsPath;
  const base = `${REST.callsPath}/${encodeURIComponent(callId ?? '')}`;
  return call.verb ? `${base}/${call.verb}` : base;
}

export const UNSUPPORTED_WHY =
  'Era / Incoplax call control (REST /uc/calls) is mapped for preview calls, hang-up, hold, ' +
  'DTMF and blind transfer only; consult, three-way, complete transfer, mute, answer, pause, ' +
  'login and supervisor operations have no call-control request in the public documents';

/**
 * UNVERIFIED: the outcome rules of a tracked operation (previewObCall), read from the ccsevents
 * of the seance its answer named (`seance_id`), with the data already in our field names
 * (CCS_FIELDS). Each rule gives the catalogue process event the driver reports for it; the
 * catalogue's own rules then decide the outcome (`previewObCallBridge` -> bridged,
 * `previewObCallResult` with `result` != 0 -> failed with its `reason`). `own`: the event
 * concerns the call the answer named (the agent's leg); `other`: another leg of the seance.
 */
export const PREVIEW_RULES: readonly {
  readonly ccs: string;
  readonly leg?: 'own' | 'other';
  readonly states?: readonly string[];
  readonly emit:
    | 'previewObCallResult'
    | 'previewObCallStart'
    | 'previewObCallRinging'
    | 'previewObCallBridge'
    | 'failure'
    | 'ended';
}[] = [
  { ccs: 'call_set_state', leg: 'own', states: ['ringing'], emit: 'previewObCallResult' },
  { ccs: 'call_create', leg: 'other', emit: 'previewObCallStart' },
  {
    ccs: 'call_set_state',
    leg: 'other',
    states: ['alerting', 'ringing'],
    emit: 'previewObCallRinging',
  },
  { ccs: 'seance_set_state', states: ['talking'], emit: 'previewObCallBridge' },
  { ccs: 'connection_failure', emit: 'failure' },
  { ccs: 'seance_delete', emit: 'ended' },
];

/**
 * UNVERIFIED: a failed preview call's `info.reason` (connection_failure) -> previewObCallResult
 * `result` (the catalogue's codes: 1 busy, 2 no answer, 3 rejected, 4 agent no answer,
 * 5 failed, 6 cancelled). A reason not listed is 5; a seance deleted before the bridge is 5
 * with reason `ended`; an answer naming no call and no seance is 5 with NO_IDS_REASON.
 */
export const FAILURE_RESULTS: Readonly<Record<string, number>> = {
  // The reasons are read as the catalogue's own names of its codes.
  ...PREVIEW_RESULT,
};

/**
 * UNVERIFIED (it rests on REST.callIdKeys and REST.seanceIdKeys): an accepted preview call whose
 * answer names neither a call nor a seance under those keys cannot be followed (no ccsevent can
 * be told to be its own), so it ends at once as previewObCallResult `result` 5 (failed) with
 * this reason and a message naming the keys looked for and the keys the answer had, instead of
 * waiting for the operation's timeout. If an installation answers with other keys, add them to
 * REST.callIdKeys / REST.seanceIdKeys.
 */
export const NO_IDS_REASON = 'noCallOrSeance';

/** The first string at any of `keys` in `o`. */
export function pickString(o: Data, keys: readonly string[]): string | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

// ------------------------------------------------------------------ helpers both sides use

/** The documented subscribe request. */
export function subscribeFrame(p: {
  qid: string;
  id: string;
  events: readonly string[];
  objects?: 'any' | readonly string[];
  expires: number;
}): [string, Data] {
  return [
    SUBSCRIBE_METHOD,
    {
      qid: p.qid,
      objects: p.objects ?? 'any',
      events: [...p.events],
      expires: p.expires,
      id: p.id,
      exargs: { ...SUBSCRIBE_EXARGS },
    },
  ];
}

/** Whether a `*_result` reply accepts; when not, the platform's text. */
export function readResult(params: Data): { ok: true } | { ok: false; message: string } {
  const r = params.result;
  const ok =
    (r === undefined && params.error === undefined) ||
    RESULT_OK.some((x) =>
      typeof x === 'string' && typeof r === 'string' ? x === r.toLowerCase() : x === r,
    );
  if (ok) return { ok: true };
  const why = params.error ?? params.reason ?? r;
  return { ok: false, message: typeof why === 'string' ? why : JSON.stringify(why) };
}

/** The first of `keys` present in `o`. */
export function pick(o: Data, keys: readonly string[]): unknown {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
}

/** A notification as the simulator writes it (first candidate of every entry). */
export function notificationFrame(
  subscriptionId: string,
  cls: string,
  event: string,
  data: Data,
): [string, Data] {
  const out: Data = {};
  for (const [k, v] of Object.entries(data)) out[CCS_FIELDS[k]?.[0] ?? k] = v;
  return [
    NOTIFICATION.methods[0],
    {
      [NOTIFICATION.subscriptionKeys[0]]: subscriptionId,
      [NOTIFICATION.classKeys[0]]: cls,
      [NOTIFICATION.eventKeys[0]]: event,
      [NOTIFICATION.dataKeys[0]]: out,
    },
  ];
}

/** Platform field name -> ours, for every candidate of the table. */
const OURS: ReadonlyMap<string, string> = new Map(
  Object.entries(CCS_FIELDS).flatMap(([ours, theirs]) => theirs.map((t) => [t, ours] as const)),
);

/**
 * A notification's event data in the ccs family's field names; a key the table does not know
 * is kept as it is (nothing the platform sends is dropped).
 */
export function ccsData(data: Data): Data {
  const out: Data = {};
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined) continue;
    const ours = OURS.get(k) ?? k;
    if (out[ours] === undefined) out[ours] = v;
  }
  return out;
}
