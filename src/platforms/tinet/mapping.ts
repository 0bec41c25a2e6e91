/**
 * Tinet CTI Cloud: every mapping between the palette's catalogue (operations and the agent event
 * family) and Tinet's public server-side wire, in ONE table. The REST client, the push parser,
 * the driver and the simulator's Tinet face all read it; docs/platforms/tinet.md explains it.
 *
 * Nobody on the team has a live Tinet account. Each entry says where it comes from:
 *   [C] public client code that calls the real API (open-source SDKs, integrations);
 *   [I] our inference: a reasonable default, to be checked against a real enterprise.
 * Everything tagged [I] is what a user should verify first (docs/platforms/tinet.md says how).
 */

/** Where a mapping comes from. */
export type Evidence = 'C' | 'I';

// ------------------------------------------------------------------------------- REST: request

export const REST = {
  /** Base URL pattern; `{region}` and `{version}` are filled from the gateway settings. [C] */
  baseUrlPattern: 'https://api-{region}.cticloud.cn/interface/{version}',
  /** API version seen in public code (2019). [C] */
  defaultVersion: 'v10',
  /**
   * Signature: form parameters `validateType` (2 = enterprise id, 1 = department id),
   * `enterpriseId` or `departmentId`, `timestamp` (UNIX seconds), `sign` = lowercase hex
   * md5(id + timestamp + token). Sent with the call's own parameters, form-encoded. [C]
   */
  validateTypes: { department: 1, enterprise: 2 } as const,
  /**
   * How far a request's timestamp may be from the server clock before it is refused. Not
   * published; the simulator refuses beyond this. [I]
   */
  timestampWindowS: 300,
  /**
   * The response: JSON with `result` "0" (string or number) for success, otherwise an error
   * code, and `description` the vendor's message. `result == "0"` is what public code tests; the
   * name `description` is our reading. [C]/[I]
   */
  resultField: 'result',
  messageField: 'description',
} as const;

/** Error codes published with public client code [C]; the message is the vendor's own text. */
export const ERROR_CODES: Readonly<Record<string, { message: string; reason: string }>> = {
  '10001': { message: '系统异常', reason: 'platformError' },
  '10002': { message: '超出请求频度限制', reason: 'rateLimited' },
  '10003': { message: '权限验证失败', reason: 'refused' },
  '10004': { message: '企业状态异常', reason: 'refused' },
  '20000': { message: '参数不正确，包括参数为空和格式不准确', reason: 'badParams' },
  '20011': { message: '座席正忙', reason: 'agentBusy' },
  '20012': { message: '座席不存在或不在线', reason: 'unknownAgent' },
  '20017': { message: '座席不在空闲状态', reason: 'invalidState' },
  '20018': { message: '座席不在响铃状态', reason: 'invalidState' },
  '20020': { message: '座席不在忙碌状态', reason: 'invalidState' },
  '20021': { message: '座席状态已经空闲', reason: 'invalidState' },
  '20024': { message: '座席没有开启外呼功能', reason: 'refused' },
  '20031': { message: '号码限制，号码在黑名单中或不在白名单中', reason: 'refused' },
  '20032': { message: '外显号码不在企业账户中', reason: 'badParams' },
};

/** The code the simulator answers a bad signature or a stale timestamp with. [C] */
export const AUTH_ERROR = '10003';

// --------------------------------------------------------------------------- REST: operations

/** How one catalogue operation becomes one REST call. */
export interface RestCall {
  /** Path under the base URL. */
  readonly path: string;
  /** Form parameters from the agent (cno), the operation's parameters and its request id. */
  readonly params: (
    agent: string,
    params: Readonly<Record<string, unknown>>,
    reqId: string,
  ) => Record<string, string>;
  /** The inverse, for the simulator: the catalogue parameters a received form stands for. */
  readonly fromForm: (form: Readonly<Record<string, string>>) => Record<string, unknown>;
  readonly evidence: Evidence;
  readonly note: string;
}

const int = (v: string | undefined): number | undefined =>
  v !== undefined && /^-?\d{1,9}$/.test(v) ? Number(v) : undefined;

function defined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function json(v: string | undefined): unknown {
  if (v === undefined) return undefined;
  try {
    const o: unknown = JSON.parse(v);
    return o && typeof o === 'object' && !Array.isArray(o) ? o : { userField: v };
  } catch {
    return { userField: v };
  }
}

const str = (v: unknown): string | undefined =>
  v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v);

function compact(o: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/**
 * Catalogue operation -> REST call. An operation absent here cannot be carried over Tinet's
 * public REST API: it ends `failed` / `unsupported` at once and the editor marks it.
 */
export const OPERATIONS: Readonly<Record<string, RestCall>> = {
  previewObCall: {
    path: '/previewOutcall',
    params: (agent, p, reqId) =>
      compact({
        cno: agent,
        tel: str(p.customerNumber),
        obClid: str(p.obClid),
        timeout: str(p.customerAnswerTimeout),
        requestUniqueId: reqId,
        userField: str(p.channelVariables),
      }),
    fromForm: (f) =>
      defined({
        customerNumber: f.tel,
        obClid: f.obClid,
        customerAnswerTimeout: int(f.timeout),
        channelVariables: json(f.userField),
      }),
    evidence: 'C',
    note:
      '`cno`, `tel` [C]; `requestUniqueId` (echoed in the outbound pushes, used to match them to ' +
      'the call), `obClid`, `timeout` and `userField` are named as in public client code for ' +
      'Tinet calls but not confirmed for previewOutcall [I]. agentAnswerTimeout has no REST field.',
  },
  sipUnlink: {
    path: '/previewOutcallCancel',
    params: (agent) => ({ cno: agent }),
    fromForm: () => ({}),
    evidence: 'I',
    note:
      'previewOutcallCancel {cno} is public [C]; that it also ends a preview call already ' +
      'bridged (a hang-up) is our reading [I].',
  },
  pause: {
    path: '/agent/pause',
    params: (agent, p) =>
      compact({ cno: agent, type: str(p.pauseType ?? 1), description: 'Node-RED' }),
    fromForm: (f) => defined({ pauseType: int(f.type) }),
    evidence: 'C',
    note: '{cno, type (1 normal, 2 rest, 3 IM), description} [C]; pauseType is sent as `type`.',
  },
  unpause: {
    path: '/agent/unpause',
    params: (agent) => ({ cno: agent }),
    fromForm: () => ({}),
    evidence: 'C',
    note: '{cno} [C].',
  },
  login: {
    path: '/agent/login',
    params: (agent, p) =>
      compact({ cno: agent, bindTel: str(p.bindTel), bindType: str(p.bindType ?? 1) }),
    fromForm: (f) => defined({ bindTel: f.bindTel, bindType: int(f.bindType) }),
    evidence: 'C',
    note: '{cno, bindTel, bindType (1 telephone, 2 extension, 3 soft phone)} [C].',
  },
  logout: {
    path: '/agent/logout',
    params: (agent) => ({ cno: agent }),
    fromForm: () => ({}),
    evidence: 'C',
    note: '{cno} [C] (optional removeBinding, isKickout, ignoreOffline are left to defaults).',
  },
};

/** Why the operations without a REST call are not carried. */
export const UNSUPPORTED_NOTE =
  'Tinet publishes consult, three-way, complete and blind transfer, answer, hold, mute and DTMF ' +
  'only in its browser agent SDK, whose wire is not public; its REST API shows none of them.';

// ------------------------------------------------------------------------------ HTTP push

/** Push types as `enterprisePushAction` numbers them. [C] */
export const PUSH_TYPES: Readonly<Record<number, string>> = {
  1: 'incomingCall',
  2: 'incomingRinging',
  3: 'outboundRinging',
  4: 'webcallAgentRinging',
  5: 'incomingConnected',
  6: 'outboundConnected',
  7: 'incomingHangup',
  8: 'outboundHangup',
  9: 'agentStatus',
  10: 'keypress',
  11: 'numberStatus',
  12: 'recordingStatus',
  13: 'asr',
};

/**
 * Which push a delivery is. Every push action has its own URL, so we ask users to add
 * `?type=<N>` to each one they configure (`typeParam`) [I: our convention]. Without it the type
 * is guessed from the fields (`guessType`) [I].
 */
export const PUSH_TYPE_PARAM = 'type';

/** Default parameter names of each push (Tinet lets an enterprise rename them). [C] */
export const PUSH_FIELDS = {
  ring: [
    'event',
    'enterpriseId',
    'hotline',
    'cno',
    'bindTel',
    'customerNumber',
    'customerNumberType',
    'customerAreaCode',
    'callType',
    'numberTrunk',
    'mainUniqueId',
    'uniqueId',
    'qno',
    'ringingTime',
    'consulterCno',
    'transferCno',
  ],
  inConnected: [
    'event',
    'enterpriseId',
    'customerNumber',
    'cno',
    'bridgeTime',
    'mainUniqueId',
    'calleeNumber',
    'detailCallType',
    'callType',
  ],
  outConnected: [
    'event',
    'enterpriseId',
    'callType',
    'customerNumber',
    'customerNumberType',
    'customerAreaCode',
    'calleeNumber',
    'cno',
    'mainUniqueId',
    'requestUniqueId',
  ],
  outHangup: [
    'cdr_enterprise_id',
    'cdr_main_unique_id',
    'cdr_customer_number',
    'cdr_status',
    'cdr_call_type',
    'cdr_cno',
    'cdr_start_time',
    'cdr_answer_time',
    'cdr_bridge_time',
    'cdr_end_time',
    'cdr_request_unique_id',
    'cdr_end_reason',
  ],
  agentStatus: [
    'event',
    'enterpriseId',
    'callType',
    'cno',
    'loginStatus',
    'deviceStatus',
    'pauseDescription',
    'busyDescription',
    'wrapupTime',
    'uniqueId',
    'mainUniqueId',
    'state',
    'stateAction',
  ],
} as const;

/**
 * Outbound hang-up `cdr_status` for click-to-call and preview calls [C], and what it means for
 * a preview call: `result` of previewObCallResult (the codes the simulator and the ccflow
 * gateway use: 1 busy, 2 no answer, 4 agent no answer, 5 failed) and the reason. 28 is "both
 * answered": the call was bridged, the hang-up ends a call that already succeeded. Tinet does
 * not tell a busy number from a congested or empty one (22). [C]/[I]
 */
export const CDR_STATUS: Readonly<Record<string, { result: number; reason: string } | 'bridged'>> =
  {
    '21': { result: 2, reason: 'customerNoAnswer' },
    '22': { result: 1, reason: 'customerBusy' },
    '24': { result: 4, reason: 'agentNoAnswer' },
    '28': 'bridged',
  };
/**
 * The simulator's side of the same table: the reason a simulated preview call failed -> the
 * `cdr_status` its outbound hang-up push carries (busy, rejected and failed are all 22).
 */
export const SIMULATED_CDR_STATUS: Readonly<Record<string, string>> = {
  customerBusy: '22',
  customerRejected: '22',
  failed: '22',
  customerNoAnswer: '21',
  agentNoAnswer: '24',
  canceled: '24',
};
/** cdr_status of a call both sides answered. [C] */
export const CDR_STATUS_BRIDGED = '28';

/** Any other status ends a preview call that never bridged as this. [I] */
export const CDR_STATUS_OTHER = { result: 5, reason: 'failed' } as const;

/** `cdr_call_type` of a preview outbound call [C] (3 is click-to-call). */
export const PREVIEW_CALL_TYPE = '4';

/**
 * Agent status push -> agentStatus `deviceStatus` (0 unbound, 1 idle, 2 waiting, 3 ringing,
 * 4 talking, 5 wrap-up, 6 offline: the agent SDK's numbering). The push's own `deviceStatus` is
 * taken when it is an integer 0..6 (same vendor, same numbering assumed) [I]; otherwise the
 * `state` word decides [I]; `loginStatus` 0 means offline [I].
 */
export const AGENT_STATE_TO_DEVICE: Readonly<Record<string, number>> = {
  idle: 1,
  ready: 1,
  paused: 1,
  busy: 1,
  waiting: 2,
  calling: 2,
  ringing: 3,
  talking: 4,
  wrapup: 5,
  'wrap-up': 5,
  offline: 6,
};

/**
 * Push -> agent event. What the seed's event names become [I, following the natural reading]:
 *   3 outbound ringing        -> previewObCallRinging {state: 'ringing', customerNumber}
 *   6 outbound connected      -> previewObCallBridge  {channel: mainUniqueId, customerNumber}
 *   8 outbound hang-up, not bridged (cdr_status != 28) -> previewObCallResult {result != 0, reason}
 *   9 agent status            -> agentStatus {state, deviceStatus, ...the push's fields}
 *   2 incoming ringing        -> ringing {callType: 'inbound', customerNumber}
 *   4 webcall agent ringing   -> ringing {callType: 'webcall', customerNumber}
 * Every other type (and 8 after a bridge) is acknowledged, counted and not emitted.
 * Pushes name the agent with `cno` (`cdr_cno` on hang-ups); outbound ones are matched to the
 * preview call by `requestUniqueId` when present, otherwise by the agent. [C]/[I]
 */
export const EMITTED_PUSH_TYPES: readonly number[] = [2, 3, 4, 6, 8, 9];
