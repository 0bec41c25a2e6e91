/**
 * Callbacks in, events out: the JSON Schema check of one callback body (the UCWA envelope with
 * the operation id) and its flattening into ChatEvents, one per `sender[].events[]` entry, in
 * order. Nothing here throws on bad input.
 */
import type { ErrorObject } from 'ajv';
import { lazyValidator } from '../protocol/lazy-schema';
import callbackSchema from './schemas/callback.json';
import type { ChatCallback, ChatEvent, UcwaEvent, UcwaSender } from './api';
import { eventKind } from './catalogue';

/** Compiled on first use: loading the palette at Node-RED's start compiles no schema. */
const check = lazyValidator<ChatCallback>(callbackSchema, {
  strict: true,
  strictTypes: false,
  allErrors: false,
});

export type CallbackResult =
  { ok: true; value: ChatCallback } | { ok: false; code: string; message: string };

function describe(err: ErrorObject | undefined): string {
  if (!err) return 'not a chat callback';
  const where = err.instancePath || '(body)';
  return `${where} ${err.message ?? 'is invalid'}`;
}

/** Validate a parsed callback body. */
export function validateCallback(body: unknown): CallbackResult {
  const fn = check();
  if (fn(body)) return { ok: true, value: body };
  return { ok: false, code: 'BAD_CALLBACK', message: describe(fn.errors?.[0]) };
}

/** The links of an embedded resource, rel -> href. */
export function linksOf(resource: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const links = resource?._links;
  if (links && typeof links === 'object') {
    for (const [rel, link] of Object.entries(links as Record<string, unknown>)) {
      const href = (link as { href?: unknown } | null)?.href;
      if (typeof href === 'string') out[rel] = href;
    }
  }
  return out;
}

function embedded(ev: UcwaEvent): Record<string, unknown> {
  const e = ev._embedded;
  if (!e) return {};
  const first = Object.values(e)[0];
  return first && typeof first === 'object' ? first : {};
}

/** One ChatEvent per event of a (valid) callback, in envelope order. */
export function flattenCallback(cb: ChatCallback, at = Date.now()): ChatEvent[] {
  const out: ChatEvent[] = [];
  for (const sender of cb.sender as UcwaSender[]) {
    for (const ev of sender.events) {
      const data = embedded(ev);
      const event: ChatEvent = {
        kind: eventKind(ev.link.rel, ev.type, ev.status),
        rel: ev.link.rel,
        type: ev.type,
        href: ev.link.href,
        sender: { rel: sender.rel, href: sender.href },
        data,
        links: linksOf(data),
        at,
      };
      if (ev.link.title !== undefined) event.title = ev.link.title;
      if (ev.status !== undefined) event.status = ev.status;
      if (ev.reason !== undefined) event.reason = ev.reason;
      if (cb.operationId !== undefined) event.operationId = cb.operationId;
      out.push(event);
    }
  }
  return out;
}
