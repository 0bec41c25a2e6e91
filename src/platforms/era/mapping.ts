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
 * ccs event, and how `/ws` takes a user's authorisation.
 *
 * HOW TO VERIFY against an installation: open `https://<your installation>/integration/ws_sandbox.html`
 * (every installation serves this WebSocket sandbox page), connect with your integration
 * point's token, send the subscribe frame this driver sends (see `subscribeFrame` below), place
 * a test call and read the frames that arrive. Compare them with the entries below: the method
 * of a notification with NOTIFICATION.methods, its keys with NOTIFICATION.*Keys, the data's keys
 * with CCS_FIELDS, and a `subscribe_result` with RESULT_OK. Correct this file (first candidate =
 * what the simulator sends), run `npm test`, and the driver and the simulator follow.
 */
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
 * UNVERIFIED: how `/ws` takes a user's authorisation. The documents say it needs one; this
 * driver sends HTTP Basic credentials on the upgrade request.
 */
export function userAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Operations. The documents name call control over the REST `/uc/calls` API (or the
 * WebSocket) but the public material gives neither the request bodies nor how an agent is
 * addressed, so no catalogue operation is carried yet: each ends `failed` / `unsupported` at
 * once, with nothing sent, and the editor marks it. A verified mapping becomes one entry here.
 */
export const OPERATIONS_CARRIED: Readonly<Record<string, never>> = {};
export const UNSUPPORTED_WHY =
  'Era / Incoplax call control (REST /uc/calls) is not mapped yet: its request bodies are not in the public documents';

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
