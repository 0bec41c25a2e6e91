/**
 * Subscriptions of one client, whatever the platform: ids, renewal at 80 % of the period the
 * platform granted (with the same id), re-subscribing after every login, unsubscribing with
 * `expires: 0` (queued while offline), and the request ids (`qid`) their answers carry.
 */
import { validateClientFrame } from '../protocol';
import type { SubscribeFrame } from '../protocol/types';
import type { SubscribeAnswer, SubscribeRequest } from '../platforms/api';
import type { Subscription, SubscriptionSpec } from './api';
import { PROBLEM_CODES } from './problems';

const DEFAULT_EXPIRES = 3600;
/** The shortest subscription period (s) a server may grant before the renewal is held to it. */
export const MIN_GRANTED_EXPIRES_S = 5;
const DEFAULT_RESPONSE_TIMEOUT_MS = 10_000;

interface SubState {
  readonly id: string;
  events: string[];
  objects?: 'any' | string[];
  expires: number;
  renewTimer?: NodeJS.Timeout;
  /** Sent to a server at least once: only then can unsubscribing concern the server. */
  sent?: boolean;
}

interface QidEntry {
  readonly sub: SubState | null;
  readonly id: string;
  readonly unsubscribe: boolean;
  readonly resolve?: () => void;
  timer?: NodeJS.Timeout;
}

export interface SubscriptionTableDeps {
  readonly responseTimeoutMs: number;
  /** Next value of the client's id counter. */
  readonly nextId: () => number;
  /** True while a link is ready. */
  readonly online: () => boolean;
  /** True once the client is closed. */
  readonly closed: () => boolean;
  readonly send: (request: SubscribeRequest) => void;
  readonly problem: (code: string, message: string) => void;
  /** Counts an answer for a qid nobody knows. */
  readonly unknown: () => void;
}

function frameOf(sub: SubState, qid: string, expires: number): SubscribeFrame {
  const f: SubscribeFrame = { type: 'subscribe', qid, id: sub.id, events: sub.events, expires };
  if (sub.objects !== undefined) f.objects = sub.objects;
  return f;
}

export class SubscriptionTable {
  private readonly subs = new Map<string, SubState>();
  /** Unsubscribes requested while offline; sent after the next login. */
  private readonly unsubQueue = new Map<string, string[]>();
  private readonly qids = new Map<string, QidEntry>();

  constructor(private readonly d: SubscriptionTableDeps) {}

  subscribe(spec: SubscriptionSpec): Subscription {
    const id = spec.id ?? `sub-${this.d.nextId()}`;
    const sub: SubState = {
      id,
      events: [...spec.events],
      objects:
        spec.objects === undefined ? undefined : spec.objects === 'any' ? 'any' : [...spec.objects],
      expires: spec.expires ?? DEFAULT_EXPIRES,
    };
    // Refuse a spec the server would refuse, with the schema's message, before anything is sent.
    const check = validateClientFrame(frameOf(sub, 'q-check', sub.expires));
    if (!check.ok) throw new TypeError(`invalid subscription: ${check.message}`);
    if (sub.expires === 0) throw new TypeError('invalid subscription: expires must be above 0');
    const old = this.subs.get(id);
    if (old?.renewTimer) clearTimeout(old.renewTimer);
    this.subs.set(id, sub);
    this.unsubQueue.delete(id);
    if (this.d.online()) this.sendSubscribe(sub);
    return { id, unsubscribe: () => this.unsubscribe(id, sub) };
  }

  /** After a login: queued unsubscribes, then every live subscription with its id. */
  resend(): void {
    for (const [id, events] of this.unsubQueue) this.sendUnsubscribe(id, events);
    this.unsubQueue.clear();
    for (const sub of this.subs.values()) this.sendSubscribe(sub);
  }

  /** The link is gone: stop renewing, settle outstanding requests. */
  offline(): void {
    this.stopRenewing();
    this.settleQids();
  }

  /** Closed for good. */
  clear(): void {
    this.stopRenewing();
    this.subs.clear();
    this.unsubQueue.clear();
    this.settleQids();
  }

  /** Forget outstanding subscribe requests (link gone): their promises settle now. */
  settleQids(): void {
    for (const q of this.qids.values()) {
      if (q.timer) clearTimeout(q.timer);
      q.resolve?.();
    }
    this.qids.clear();
  }

  onAnswer(f: SubscribeAnswer): void {
    const q = this.qids.get(f.qid);
    if (q === undefined) {
      this.d.unknown();
      this.d.problem(PROBLEM_CODES.unknownReqId, `subscribeResp for unknown qid "${f.qid}"`);
      return;
    }
    this.qids.delete(f.qid);
    if (q.timer) clearTimeout(q.timer);
    if (q.unsubscribe) {
      if (f.code !== 0) {
        this.d.problem(PROBLEM_CODES.subscribeRefused, `unsubscribe ${q.id} refused: ${f.message}`);
      }
      q.resolve?.();
      return;
    }
    const sub = q.sub;
    if (!sub || this.subs.get(sub.id) !== sub) return; // unsubscribed or replaced meanwhile
    if (f.code !== 0) {
      if (sub.renewTimer) clearTimeout(sub.renewTimer);
      sub.renewTimer = undefined;
      this.d.problem(
        PROBLEM_CODES.subscribeRefused,
        `subscription ${sub.id} refused: ${f.errorCode ?? f.code} ${f.message}`,
      );
      return;
    }
    // The server may grant a different period: renew at 80 % of what it granted, but a server
    // granting less than asked is held to a floor (no renew storm from an absurd answer).
    const granted = f.expires > 0 ? f.expires : sub.expires;
    this.armRenew(sub, Math.max(granted, Math.min(sub.expires, MIN_GRANTED_EXPIRES_S)));
  }

  /** A wire error naming a qid: true when it was one of ours. */
  onError(qid: string, message: string): boolean {
    const q = this.qids.get(qid);
    if (!q) return false;
    this.qids.delete(qid);
    if (q.timer) clearTimeout(q.timer);
    q.resolve?.();
    this.d.problem(PROBLEM_CODES.subscribeRefused, `subscription ${q.id}: ${message}`);
    return true;
  }

  private stopRenewing(): void {
    for (const sub of this.subs.values()) {
      if (sub.renewTimer) clearTimeout(sub.renewTimer);
      sub.renewTimer = undefined;
    }
  }

  private sendSubscribe(sub: SubState): void {
    const qid = `q${this.d.nextId()}`;
    this.qids.set(qid, { sub, id: sub.id, unsubscribe: false });
    sub.sent = true;
    const r: { -readonly [K in keyof SubscribeRequest]: SubscribeRequest[K] } = {
      qid,
      id: sub.id,
      events: sub.events,
      expires: sub.expires,
    };
    if (sub.objects !== undefined) r.objects = sub.objects;
    this.d.send(r);
    // Renew even when no answer comes; an answer re-arms with the granted period.
    this.armRenew(sub, sub.expires);
  }

  private armRenew(sub: SubState, expires: number): void {
    if (sub.renewTimer) clearTimeout(sub.renewTimer);
    sub.renewTimer = setTimeout(
      () => {
        sub.renewTimer = undefined;
        if (this.d.online() && this.subs.get(sub.id) === sub) this.sendSubscribe(sub);
      },
      Math.max(10, Math.floor(expires * 1000 * 0.8)),
    );
  }

  private sendUnsubscribe(id: string, events: string[], resolve?: () => void): void {
    const qid = `q${this.d.nextId()}`;
    const entry: QidEntry = { sub: null, id, unsubscribe: true, resolve };
    if (resolve) {
      const ms =
        this.d.responseTimeoutMs > 0 ? this.d.responseTimeoutMs : DEFAULT_RESPONSE_TIMEOUT_MS;
      entry.timer = setTimeout(() => {
        this.qids.delete(qid);
        resolve();
      }, ms);
    }
    this.qids.set(qid, entry);
    this.d.send({ qid, id, events, expires: 0 });
  }

  private unsubscribe(id: string, sub: SubState): Promise<void> {
    if (this.subs.get(id) !== sub) return Promise.resolve();
    this.subs.delete(id);
    if (sub.renewTimer) clearTimeout(sub.renewTimer);
    sub.renewTimer = undefined;
    if (this.d.closed()) return Promise.resolve();
    if (!this.d.online()) {
      // A subscription never sent is unknown to every server: nothing to tell it.
      if (sub.sent) this.unsubQueue.set(id, sub.events);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.sendUnsubscribe(id, sub.events, resolve));
  }
}
