/**
 * The Era face's REST call control: `/uc/calls` as src/platforms/era/mapping.ts maps it (the
 * same table the driver reads), served from the one model through the same operation code the
 * ccflow face calls (`model.operate`, with the response written before the operation's events
 * are flushed to the WebSocket subscribers).
 *
 * - `GET /uc/calls?user=<agent>`: the agent's calls `{result: 'ok', calls: [{call_id, seance_id}]}`;
 * - `POST /uc/calls`: a new call (previewObCall), answered `{result: 'ok', call_id, seance_id}`;
 * - `DELETE /uc/calls/<call_id>`, `POST /uc/calls/<call_id>/<verb>`: control of that call;
 * - refusals `{result: 'error', reason}` with 400 (bad parameters), 401 (token or user),
 *   404 (unknown user, call or path), 409 (the agent's state does not allow it).
 */
import type http from 'node:http';
import { ERROR_CODES, validateParams } from '../../../protocol';
import {
  OPERATIONS_CARRIED,
  REST,
  USER_KEY,
  type EraRestCall,
} from '../../../platforms/era/mapping';
import type { Agent, Data } from '../types';
import type { FaceHost } from './face';

const SESSION = 'era';
const MAX_BODY = 64 * 1024;

const STATUS_OF: Readonly<Record<string, number>> = {
  [ERROR_CODES.badParams]: 400,
  [ERROR_CODES.unknownAgent]: 404,
  [ERROR_CODES.invalidState]: 409,
};

export interface EraRestHooks {
  /** Whether the request carries an accepted token or user. */
  authorised(req: http.IncomingMessage): boolean;
  /** Count one request (and whether it was refused). */
  count(refused: boolean): void;
}

export class EraRestApi {
  private n = 0;

  constructor(
    private readonly host: FaceHost,
    private readonly hooks: EraRestHooks,
  ) {}

  /** Answer a request under /uc/calls; false when the path is not this API's. */
  http(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const p = url.pathname;
    if (p !== REST.callsPath && !p.startsWith(`${REST.callsPath}/`)) return false;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const answer = (status: number, body: Data, after?: () => void): void => {
        this.hooks.count(status >= 300);
        if (!res.headersSent) {
          res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify(body));
        }
        after?.();
      };
      const error = (status: number, reason: string): void =>
        answer(status, { result: 'error', reason });
      if (!this.hooks.authorised(req)) return error(401, 'unauthorized');
      if (size > MAX_BODY) return error(400, 'body too large');
      let body: Data = {};
      const text = Buffer.concat(chunks).toString('utf8');
      if (text !== '') {
        try {
          const parsed: unknown = JSON.parse(text);
          if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
          body = parsed as Data;
        } catch {
          return error(400, 'the body is not a JSON object');
        }
      }
      const rest = p.slice(REST.callsPath.length).split('/').filter(Boolean);
      const segs = rest.map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
      const method = req.method ?? 'GET';
      if (segs.length === 0 && method === 'GET') {
        const agent = this.agentNamed(url.searchParams.get(REST.userQuery));
        if (!agent) return error(404, 'unknown user');
        const calls =
          agent.leg && agent.seance ? [{ call_id: agent.leg.id, seance_id: agent.seance.id }] : [];
        return answer(200, { result: 'ok', calls });
      }
      const found = this.route(method, segs);
      if (!found) return error(404, `no such request: ${method} ${p}`);
      const [op, call] = found;
      const agent = call.onCall ? this.agentOnCall(segs[0]) : this.agentNamed(body[USER_KEY]);
      if (!agent) return error(404, call.onCall ? 'unknown call' : 'unknown user');
      const params = validateParams(op, call.fromBody(body));
      if (!params.ok) return error(400, params.message);
      const { result, flush } = this.host.model.run(() =>
        this.host.model.operate(agent, op, params.value, {
          session: SESSION,
          reqId: `era-${++this.n}`,
        }),
      );
      if (!result.ok) {
        return answer(
          STATUS_OF[result.errorCode] ?? 422,
          {
            result: 'error',
            reason: result.message,
          },
          flush,
        );
      }
      const ids = (result.data?.ids ?? {}) as Data;
      const out: Data = { result: 'ok' };
      if (!call.onCall) {
        out.call_id = ids.call_id;
        out.seance_id = ids.seance_id;
      }
      answer(call.onCall ? 200 : 201, out, flush);
    });
    return true;
  }

  /** The catalogue operation a method and path stand for. */
  private route(method: string, segs: string[]): [string, EraRestCall] | undefined {
    for (const [op, call] of Object.entries(OPERATIONS_CARRIED)) {
      if (call.method !== method) continue;
      if (!call.onCall && segs.length === 0) return [op, call];
      if (
        call.onCall &&
        segs.length === (call.verb ? 2 : 1) &&
        (segs[1] ?? undefined) === call.verb
      ) {
        return [op, call];
      }
    }
    return undefined;
  }

  /** An agent by the name a request gives it: its id or its extension. */
  private agentNamed(name: unknown): Agent | undefined {
    if (typeof name !== 'string' || name === '') return undefined;
    for (const a of this.host.model.agents.values()) {
      if (!a.load && (a.id === name || a.extension === name)) return a;
    }
    return undefined;
  }

  /** The agent whose call (leg) this is. */
  private agentOnCall(callId: string): Agent | undefined {
    for (const a of this.host.model.agents.values()) if (a.leg?.id === callId) return a;
    return undefined;
  }
}
