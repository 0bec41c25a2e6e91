/**
 * TypeScript shapes of the wire frames. The JSON Schemas in ./schemas are the authority
 * (every frame is validated against them); these types describe what passes validation.
 */
import type { EventFamily } from './catalogue';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Data = Record<string, unknown>;

export interface LoginFrame {
  type: 'login';
  reqId: string;
  tenant: string;
  credentials: { username: string; password: string };
  resume?: { sessionId: string; lastSeq: number };
  client?: { name?: string; version?: string };
}

export interface LoginRespFrame {
  type: 'loginResp';
  reqId: string;
  code: number;
  errorCode: string | null;
  message: string;
  data?: {
    sessionId: string;
    resumed: boolean;
    lastSeq: number;
    heartbeatMs: number;
    agents?: string[];
  } | null;
}

export interface ReqFrame {
  type: 'req';
  op: string;
  reqId: string;
  agent: string;
  params: Data;
}

export interface RespFrame {
  type: 'resp';
  op: string;
  reqId: string;
  code: number;
  errorCode: string | null;
  message: string;
  data?: Data | null;
}

export interface EventFrame {
  type: 'event';
  family: EventFamily;
  name: string;
  seq: number;
  ts: number;
  agent?: string;
  reqId?: string;
  subIds?: string[];
  data: Data;
}

export interface SubscribeFrame {
  type: 'subscribe';
  qid: string;
  id: string;
  objects?: 'any' | string[];
  events: string[];
  expires: number;
}

export interface SubscribeRespFrame {
  type: 'subscribeResp';
  qid: string;
  id: string;
  code: number;
  errorCode: string | null;
  message: string;
  expires: number;
}

export interface PingFrame {
  type: 'ping';
  id: number;
  ts: number;
}

export interface PongFrame {
  type: 'pong';
  id: number;
  ts: number;
}

export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
  reqId?: string | null;
  qid?: string | null;
}

export interface NoticeFrame {
  type: 'notice';
  code: 'kickout' | 'shutdown' | 'gap';
  message: string;
}

export type ClientFrame = LoginFrame | ReqFrame | SubscribeFrame | PingFrame | PongFrame;
export type ServerFrame =
  | LoginRespFrame
  | RespFrame
  | EventFrame
  | SubscribeRespFrame
  | PingFrame
  | PongFrame
  | ErrorFrame
  | NoticeFrame;

/** Error codes of `error` frames and of failed validations. */
export const ERROR_CODES = {
  badJson: 'BAD_JSON',
  badFrame: 'BAD_FRAME',
  badEvent: 'BAD_EVENT',
  unknownEvent: 'UNKNOWN_EVENT',
  tooLarge: 'TOO_LARGE',
  unknownOp: 'UNKNOWN_OP',
  badParams: 'BAD_PARAMS',
  notLoggedIn: 'NOT_LOGGED_IN',
  authFailed: 'AUTH_FAILED',
  unknownAgent: 'UNKNOWN_AGENT',
  invalidState: 'INVALID_STATE',
} as const;
