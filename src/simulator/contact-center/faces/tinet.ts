/**
 * The simulator's Tinet face: Tinet's public server-side wire over the one contact-center model.
 *
 * - REST: `POST|GET /interface/<version>/<call>` (previewOutcall, previewOutcallCancel,
 *   agent/login, agent/logout, agent/pause, agent/unpause), form-encoded, signed as the vendor
 *   documents; a bad signature or a stale timestamp is refused with the vendor's code 10003
 *   (`{result, description}`), as are unknown agents (20012), busy agents (20017) and bad
 *   parameters (20000).
 * - HTTP push: the model's agent events become Tinet pushes (types 2, 3, 6, 8, 9), sent to the
 *   configured URLs with `?type=<N>`, POST form (default) or JSON, or GET; one chain per agent
 *   keeps each agent's pushes in order.
 *
 * Every mapping is read from src/platforms/tinet/mapping.ts, the same table the driver uses.
 */
import type http from 'node:http';
import type { WebSocket } from 'ws';
import { validateParams } from '../../../protocol';
import {
  CDR_STATUS_BRIDGED,
  ERROR_CODES,
  OPERATIONS,
  PREVIEW_CALL_TYPE,
  REST,
  SIMULATED_CDR_STATUS,
} from '../../../platforms/tinet/mapping';
import { verify } from '../../../platforms/tinet/sign';
import type { TinetFaceOptions } from '../../api';
import { WebhookSender } from '../../webhooks';
import type { Model } from '../index';
import type { Data, Emission } from '../types';
import type { Face, FaceHost, FaceStats } from './face';

export type { TinetFaceOptions };

export const TINET_DEFAULTS = { enterpriseId: '7000000', token: 'demo-token' } as const;

/** The path the interface API is served under. */
export function tinetBasePath(version: string = REST.defaultVersion): string {
  return `/interface/${version}`;
}

const SESSION = 'tinet';
const REFUSAL: Readonly<Record<string, string>> = {
  BAD_PARAMS: '20000',
  UNKNOWN_AGENT: '20012',
  INVALID_STATE: '20017',
};

interface AgentCall {
  reqId: string;
  customerNumber: string;
  mainUniqueId: string;
  bridged: boolean;
  startTime: number;
  bridgeTime?: number;
}

export class TinetFace implements Face {
  readonly name = 'tinet';
  private readonly model: Model;
  private readonly opts: TinetFaceOptions;
  private readonly prefix: string;
  private readonly pushes: WebhookSender;
  private readonly calls = new Map<string, AgentCall>();
  private n = 0;
  private requests = 0;
  private refused = 0;

  constructor(host: FaceHost) {
    this.model = host.model;
    this.opts = host.options.tinet ?? {};
    this.prefix = `${tinetBasePath(this.opts.version)}/`;
    this.pushes = new WebhookSender({
      urls: this.opts.pushUrls ?? [],
      token: this.opts.pushToken,
      logger: host.logger,
    });
  }

  // ------------------------------------------------------------------------------ Face

  /** No WebSocket: Tinet's public wire is REST + HTTP push. */
  accepts(): boolean {
    return false;
  }

  connect(ws: WebSocket): void {
    ws.close(1008, 'the Tinet face has no WebSocket');
  }

  keepingUp(): boolean {
    return true;
  }

  sweep(): void {}

  stopping(): void {}

  clear(): void {
    this.calls.clear();
    this.pushes.close();
  }

  stats(): FaceStats {
    return {
      sessions: 0,
      eventsSent: this.pushes.sent,
      requests: this.requests,
      badFrames: this.refused,
    };
  }

  get enterpriseId(): string {
    return this.opts.enterpriseId ?? TINET_DEFAULTS.enterpriseId;
  }

  get pushesSent(): number {
    return this.pushes.sent;
  }

  get pushFailures(): number {
    return this.pushes.failures;
  }

  drain(): Promise<void> {
    return this.pushes.drain();
  }

  // ------------------------------------------------------------------------------ REST

  /** Answer a request under /interface/<version>/; false when the path is not the face's. */
  http(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    if (!url.pathname.startsWith('/interface/')) return false;
    const answer = (body: Data, status = 200): void => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (!url.pathname.startsWith(this.prefix)) {
      answer({ result: '404', description: `unknown API version in ${url.pathname}` }, 404);
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      if (size > 64 * 1024) return answer({ result: '20000', description: 'body too large' }, 413);
      const form: Record<string, string> = {};
      for (const [k, v] of url.searchParams) form[k] = v;
      for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) form[k] = v;
      answer(this.rest(url.pathname.slice(this.prefix.length - 1), form));
    });
    return true;
  }

  private error(code: string, detail?: string): Data {
    this.refused++;
    const message = ERROR_CODES[code]?.message ?? 'error';
    return { result: code, description: detail ? `${message}: ${detail}` : message };
  }

  /** One REST call: authentication first, then the call. */
  rest(path: string, form: Readonly<Record<string, string>>): Data {
    this.requests++;
    const auth = verify(form, (vt, id) =>
      vt === 2
        ? id === this.enterpriseId
          ? (this.opts.token ?? TINET_DEFAULTS.token)
          : undefined
        : this.opts.departments?.[id],
    );
    if (!auth.ok) {
      this.refused++;
      return { result: auth.code, description: auth.message };
    }
    const entry = Object.entries(OPERATIONS).find(([, c]) => c.path === path);
    if (!entry) return { result: '404', description: `unknown interface ${path}` };
    const [op, call] = entry;
    const cno = form.cno;
    const agent = cno !== undefined ? this.model.agents.get(cno) : undefined;
    if (!agent || agent.load) return this.error('20012', `cno ${JSON.stringify(cno ?? '')}`);
    const params = validateParams(op, call.fromForm(form));
    if (!params.ok) return this.error('20000', params.message);
    const reqId = form.requestUniqueId || `tinet-${++this.n}`;
    const { result, flush } = this.model.run(() =>
      this.model.operate(agent, op, params.value, { session: SESSION, reqId }),
    );
    let body: Data;
    if (result.ok) {
      if (op === 'previewObCall') {
        const uniqueId = (result.data?.uniqueId as string | undefined) ?? reqId;
        this.calls.set(agent.id, {
          reqId,
          customerNumber: String(params.value.customerNumber),
          mainUniqueId: uniqueId,
          bridged: false,
          startTime: Math.floor(Date.now() / 1000),
        });
        body = { result: '0', description: 'ok', uniqueId, requestUniqueId: reqId };
      } else body = { result: '0', description: 'ok' };
    } else {
      body = this.error(REFUSAL[result.errorCode] ?? '10001', result.message);
    }
    flush();
    return body;
  }

  // ------------------------------------------------------------------------------ pushes

  /** Every model event; agent events become pushes. */
  deliver(e: Emission): void {
    if (!this.pushes.enabled || e.family !== 'agent' || !e.agent) return;
    const cno = e.agent;
    const call = this.calls.get(cno);
    const d = e.data;
    const ent = this.enterpriseId;
    const now = Math.floor(Date.now() / 1000);
    switch (e.name) {
      case 'previewObCallRinging':
        if (!call) return;
        return this.push(3, cno, {
          event: 'ringing',
          enterpriseId: ent,
          cno,
          customerNumber: call.customerNumber,
          callType: PREVIEW_CALL_TYPE,
          mainUniqueId: call.mainUniqueId,
          uniqueId: call.mainUniqueId,
          ringingTime: String(now),
        });
      case 'previewObCallBridge':
        if (!call) return;
        call.bridged = true;
        call.bridgeTime = now;
        return this.push(6, cno, {
          event: 'connected',
          enterpriseId: ent,
          callType: PREVIEW_CALL_TYPE,
          customerNumber: call.customerNumber,
          calleeNumber: call.customerNumber,
          cno,
          mainUniqueId: call.mainUniqueId,
          requestUniqueId: call.reqId,
        });
      case 'previewObCallResult':
        if (!call || d.result === 0) return;
        this.calls.delete(cno);
        return this.hangup(cno, call, SIMULATED_CDR_STATUS[String(d.reason)] ?? '22', now);
      case 'ringing':
        return this.push(2, cno, {
          event: 'ringing',
          enterpriseId: ent,
          cno,
          customerNumber: String(d.customerNumber ?? ''),
          callType: '1',
          mainUniqueId: String(d.uniqueId ?? ''),
          ringingTime: String(now),
        });
      case 'agentStatus': {
        const state = String(d.state ?? '');
        if (call?.bridged && (state === 'idle' || state === 'paused')) {
          this.calls.delete(cno);
          this.hangup(cno, call, CDR_STATUS_BRIDGED, now);
        }
        return this.push(9, cno, {
          event: 'status',
          enterpriseId: ent,
          cno,
          loginStatus: state === 'offline' || state === 'unbound' ? '0' : '1',
          deviceStatus: String(d.deviceStatus ?? ''),
          state,
          stateAction: String(d.reason ?? ''),
          pauseDescription: state === 'paused' ? 'Node-RED' : '',
          uniqueId: String(d.uniqueId ?? ''),
          mainUniqueId: String(d.uniqueId ?? ''),
        });
      }
      default:
        return;
    }
  }

  private hangup(cno: string, call: AgentCall, status: string, now: number): void {
    this.push(8, cno, {
      cdr_enterprise_id: this.enterpriseId,
      cdr_main_unique_id: call.mainUniqueId,
      cdr_customer_number: call.customerNumber,
      cdr_status: status,
      cdr_call_type: PREVIEW_CALL_TYPE,
      cdr_cno: cno,
      cdr_start_time: String(call.startTime),
      cdr_bridge_time: String(call.bridgeTime ?? 0),
      cdr_end_time: String(now),
      cdr_request_unique_id: call.reqId,
      cdr_end_reason: status === CDR_STATUS_BRIDGED ? '1' : '0',
    });
  }

  private push(type: number, cno: string, fields: Record<string, string>): void {
    const method = this.opts.pushMethod ?? 'POST';
    const json = method === 'POST' && this.opts.pushFormat === 'json';
    this.pushes.postRaw(cno, {
      method,
      raw: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
      contentType: json ? 'application/json' : 'application/x-www-form-urlencoded',
      query: `type=${type}`,
    });
  }
}
