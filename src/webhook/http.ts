/**
 * Reading a webhook body off an HTTP request, and answering it, without a framework (plain
 * node:http types; Express requests and responses are compatible).
 *
 * The capped reader serves every webhook route (nodes/lib/webhook-route.ts):
 * - a `content-length` over the limit is refused before one byte of the body is read;
 * - otherwise the read stops as soon as the limit is passed (nothing more is buffered) and the
 *   answer goes out at once, with `connection: close`, so the rest of the upload is never read.
 * Answers are JSON `{ ok: false, error: <CODE>, message }`; the message of an internal failure
 * is a fixed, safe text (the detail goes to the log, never to the sender).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngressErrorCode } from './api';
import { DEFAULT_MAX_BYTES, positive } from './limits';

export interface CappedBody {
  /** The bytes read: the whole body, or (tooLarge) at most what came before the limit. */
  rawBody: Buffer;
  /** The body is longer than the limit (declared or read); its bytes were not kept. */
  tooLarge: boolean;
}

/** The declared content-length, when there is exactly one valid value. */
function declaredLength(headers: IncomingMessage['headers']): number | undefined {
  const v = headers['content-length'];
  if (typeof v !== 'string' || !/^\s*\d+\s*$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Read the body of `req`, at most maxBytes of it. `done` is called once: with the body, with
 * `tooLarge` (declared or passed while reading: the read stops there, the stream is paused), or
 * with the stream's error (a request aborted before its end).
 */
export function readCappedBody(
  req: IncomingMessage,
  maxBytes: number,
  done: (err: Error | undefined, body?: CappedBody) => void,
): void {
  const limit = positive(maxBytes, DEFAULT_MAX_BYTES);
  const declared = declaredLength(req.headers);
  if (declared !== undefined && declared > limit) {
    done(undefined, { rawBody: Buffer.alloc(0), tooLarge: true });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (err: Error | undefined, body?: CappedBody): void => {
    if (finished) return;
    finished = true;
    req.removeListener('data', onData);
    req.removeListener('end', onEnd);
    req.removeListener('error', onError);
    req.removeListener('close', onClose);
    done(err, body);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      chunks.length = 0;
      req.pause();
      finish(undefined, { rawBody: Buffer.alloc(0), tooLarge: true });
      return;
    }
    chunks.push(chunk);
  };
  const onEnd = (): void =>
    finish(undefined, { rawBody: Buffer.concat(chunks, size), tooLarge: false });
  const onError = (err: Error): void => finish(err);
  const onClose = (): void => {
    if (!req.readableEnded) finish(new Error('the request was aborted before its end'));
  };
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('error', onError);
  req.once('close', onClose);
}

/** A refusal body: a stable code and a message that is safe to show the sender. */
export function errorBody(
  error: IngressErrorCode | 'REFUSED',
  message: string,
): { ok: false; error: string; message: string } {
  return { ok: false, error, message };
}

/** The message of every internal failure answer (the detail is logged, not sent). */
export const INTERNAL_MESSAGE = 'the delivery could not be processed: it was not accepted, retry';

/**
 * Write a JSON answer (nothing when one went out already). `close` ends the connection after
 * it: used when the body was not read to its end (413), so the rest is never read.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown, close = false): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (close) res.setHeader('connection', 'close');
  res.end(JSON.stringify(body));
}

/**
 * The answer to an error raised on the way to the webhook (a middleware, a broken stream): a
 * 4xx status it carries is kept with code REFUSED; anything else is a 500 with code INTERNAL.
 * The message is always a fixed text.
 */
export function answerError(res: ServerResponse, err: unknown): void {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const s = Number(e?.status ?? e?.statusCode);
  if (Number.isInteger(s) && s >= 400 && s < 500) {
    sendJson(res, s, errorBody('REFUSED', 'the request was refused before the webhook'), true);
  } else {
    sendJson(res, 500, errorBody('INTERNAL', INTERNAL_MESSAGE), true);
  }
}

/** What is left of a body a parser consumed: a Buffer as is, anything else re-serialised. */
export function leftoverBody(body: unknown): { rawBody: Buffer; reserialized: boolean } {
  if (Buffer.isBuffer(body)) return { rawBody: body, reserialized: false };
  let text: string | undefined;
  try {
    text = typeof body === 'string' ? body : JSON.stringify(body); // BigInt, cycles throw
  } catch {
    text = undefined;
  }
  return { rawBody: Buffer.from(text ?? '', 'utf8'), reserialized: true };
}
