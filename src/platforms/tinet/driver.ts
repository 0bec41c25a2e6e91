/**
 * The `tinet` driver: Tinet CTI Cloud's public server-side wire. Operations are signed REST
 * calls (./rest.ts) as the table in ./mapping.ts maps them; events come from Tinet's HTTP push,
 * received by the Node-RED side on an HTTP path (webhook ingress rules) and handed to the
 * current link's `push()`, which maps them onto the agent family (./push.ts).
 *
 * No socket: `open()` is ready at once (the first REST call checks the credentials), nothing can
 * replay (resume = `resubscribe`), there is no ping. An operation without a REST call ends
 * `failed` / `unsupported` before anything is sent (the client asks `carries`).
 */
import type { Data, RespFrame } from '../../protocol/types';
import type {
  Carriage,
  LinkHandler,
  OpenRequest,
  OperationRequest,
  PlatformDriver,
  PlatformLink,
  SubscribeRequest,
} from '../api';
import { OPERATIONS, UNSUPPORTED_NOTE } from './mapping';
import { TinetPushMapper, type ParsedPush } from './push';
import { TinetRest, type TinetRestOptions } from './rest';
import { tinetUrlProblem } from './url';

export type TinetDriverOptions = Omit<TinetRestOptions, 'baseUrl'>;

const CARRIED: Carriage = { carried: true };

export class TinetDriver implements PlatformDriver {
  readonly platform = 'tinet';
  readonly resume = 'resubscribe' as const;
  readonly families = ['agent'] as const;
  readonly secrets: readonly string[];

  constructor(private readonly o: TinetDriverOptions) {
    this.secrets = o.token ? [o.token] : [];
  }

  checkUrl(url: unknown): string | undefined {
    return tinetUrlProblem(url);
  }

  carries(op: string): Carriage {
    return OPERATIONS[op] ? CARRIED : { carried: false, why: UNSUPPORTED_NOTE };
  }

  open(request: OpenRequest): PlatformLink {
    return new TinetLink(new TinetRest({ ...this.o, baseUrl: request.url }), request);
  }
}

/** A response frame's code for a vendor error code (numeric codes kept, others 500). */
function respCode(code: string): number {
  return /^\d{1,9}$/.test(code) && code !== '0' ? Number(code) : 500;
}

class TinetLink implements PlatformLink {
  private readonly h: LinkHandler;
  private readonly mapper = new TinetPushMapper();
  private closed = false;

  constructor(
    private readonly rest: TinetRest,
    private readonly req: OpenRequest,
  ) {
    this.h = req.handler;
    setImmediate(() => {
      if (this.closed) return;
      this.h.opened();
      this.h.ready({ resumed: false, who: `Tinet interface API at ${rest.baseUrl}` });
    });
  }

  sendOperation(r: OperationRequest): void {
    const call = OPERATIONS[r.op];
    if (!call) return; // carries() said no: the client never sends it
    if (r.op === 'previewObCall') this.mapper.expect(r.agent, r.reqId);
    const form = call.params(r.agent, r.params, r.reqId);
    this.h.frameOut();
    void this.rest.call(call.path, form).then((result) => {
      if (this.closed) return;
      this.h.frameIn();
      const base = { type: 'resp' as const, op: `${r.op}Resp`, reqId: r.reqId };
      let resp: RespFrame;
      if (result.ok) {
        const data: Data = { ...result.body };
        resp = { ...base, code: 0, errorCode: null, message: 'ok', data };
      } else {
        this.mapper.release(r.reqId);
        resp = {
          ...base,
          code: respCode(result.code),
          errorCode: result.code,
          message: this.req.scrub(result.message),
          data: result.body ?? null,
        };
      }
      this.h.response(resp);
    });
  }

  sendSubscribe(r: SubscribeRequest): void {
    // Pushes are configured on the Tinet side (enterprisePushAction); nothing to send.
    setImmediate(() => {
      if (this.closed) return;
      this.h.subscribeAnswer({
        qid: r.qid,
        id: r.id,
        code: 0,
        errorCode: null,
        message: 'Tinet pushes agent events only (configured on the Tinet side)',
        expires: r.expires,
      });
    });
  }

  /** A push the Node-RED side received and parsed (a ParsedPush). */
  push(body: unknown): void {
    const p = body as ParsedPush;
    if (!p || typeof p !== 'object' || p.ok !== true) {
      this.h.invalidFrame('BAD_PUSH', 'not a parsed Tinet push');
      return;
    }
    this.h.frameIn();
    const ts = Date.now();
    for (const e of this.mapper.map(p)) {
      this.h.event({
        type: 'event',
        family: 'agent',
        name: e.name,
        seq: 0,
        ts,
        agent: e.agent,
        ...(e.reqId ? { reqId: e.reqId } : {}),
        data: e.data,
      });
    }
  }

  /** Pushes acknowledged but not turned into events, by push name. */
  get notEmitted(): Readonly<Record<string, number>> {
    return this.mapper.notEmitted;
  }

  close(): Promise<void> {
    this.terminate();
    return Promise.resolve();
  }

  terminate(): void {
    this.closed = true;
    this.rest.close();
  }
}
