/**
 * The WebRTC side of the simulator: sessions, participants, their subscriptions and tokens,
 * devices (a browser page over the signalling socket, or a PSTN call transferred in over
 * SIP), and the media links between devices that the pages negotiate peer to peer.
 *
 * Callbacks, as the vendor documents them, go to the participant's callbackUrl:
 * - `onConnect` when a device connects with the participant's token;
 * - `onLeave` when the participant leaves a session (removeParticipantFromSession,
 *   deleteSession, the 9-hour clean-up, deleteParticipant);
 * - `onDisconnect` when its device disconnects (the page's disconnect(), a closed socket,
 *   deleteParticipant, the clean-up of its last session, the PSTN leg leaving the session).
 * Sessions and their subscriptions are cleaned up 9 hours after creation (simulated time).
 */
import { randomBytes } from 'node:crypto';
import type {
  Participant,
  ParticipantEventName,
  PublishPermission,
  Session,
  Subscriptions,
} from '../../webrtc/api';
import { Clock, type Timer } from '../scenario';
import type { CallbackSender } from './callbacks-out';
import { TokenSigner, type TokenCheck } from './token';

export const SESSION_TTL_MS = 9 * 3600 * 1000;
export const TOKEN_TTL_MS = 12 * 3600 * 1000;

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where frames for a device go (a signalling socket; nothing for a SIP leg). */
export interface DeviceSink {
  send(frame: Record<string, unknown>): void;
  close(code: number, reason: string): void;
}

export interface SimDevice {
  id: string;
  participantId: string;
  kind: 'browser' | 'sip';
  sink?: DeviceSink;
  published?: { streamId: string; mediaTypes: PublishPermission[] };
  /** SIP devices: the call transferred in, told when the device leaves. */
  onGone?: (reason: string) => void;
}

interface SimSession {
  id: string;
  tag?: string;
  /** participant id -> its subscriptions in this session */
  members: Map<string, Subscriptions>;
  timer?: Timer;
}

interface SimParticipant {
  id: string;
  callbackUrl?: string;
  publishPermissions: PublishPermission[];
  tag?: string;
  deviceApiVersion: string;
  sessions: Set<string>;
  device?: SimDevice;
}

interface Link {
  id: string;
  publisher: SimDevice;
  subscriber: SimDevice;
}

export interface WebrtcModelOptions {
  clock: Clock;
  accountId: string;
  sender: CallbackSender;
  /** Sent as a Bearer token with participant callbacks (the palette's ingress token). */
  callbackToken?: string;
  sessionTtlMs?: number;
  tokenTtlMs?: number;
  /** Limits, so a runaway flow cannot eat the machine. */
  maxSessions?: number;
  maxParticipants?: number;
}

const id = (): string => [8, 4, 4, 4, 12].map((n) => randomBytes(n / 2).toString('hex')).join('-');

export class WebrtcModel {
  readonly sessions = new Map<string, SimSession>();
  readonly participants = new Map<string, SimParticipant>();
  private readonly links = new Map<string, Link>();
  private readonly signer = new TokenSigner();
  private readonly startedAt = Date.now();
  callbacksQueued = 0;

  constructor(private readonly opts: WebrtcModelOptions) {}

  /** Simulated now (ms): wall time, with the time since start scaled. */
  now(): number {
    return this.startedAt + (Date.now() - this.startedAt) * this.opts.clock.speed;
  }

  // --- sessions ---------------------------------------------------------------------------

  createSession(body: Record<string, unknown>): Session {
    if (body.tag !== undefined && typeof body.tag !== 'string') {
      throw new SimHttpError(400, 'tag must be a string');
    }
    if (this.sessions.size >= (this.opts.maxSessions ?? 10_000)) {
      throw new SimHttpError(429, 'too many sessions');
    }
    const s: SimSession = { id: id(), tag: body.tag as string | undefined, members: new Map() };
    s.timer = this.opts.clock.after(this.opts.sessionTtlMs ?? SESSION_TTL_MS, () =>
      this.endSession(s, true),
    );
    this.sessions.set(s.id, s);
    return this.sessionView(s);
  }

  getSession(sessionId: string): Session {
    return this.sessionView(this.session(sessionId));
  }

  deleteSession(sessionId: string): void {
    this.endSession(this.session(sessionId), false);
  }

  listSessionParticipants(sessionId: string): Participant[] {
    const s = this.session(sessionId);
    return [...s.members.keys()].map((pid) => this.participantView(this.participant(pid)));
  }

  private sessionView(s: SimSession): Session {
    return s.tag === undefined ? { id: s.id } : { id: s.id, tag: s.tag };
  }

  private session(sessionId: string): SimSession {
    const s = this.sessions.get(sessionId);
    if (!s) throw new SimHttpError(404, `session ${sessionId} not found`);
    return s;
  }

  /** deleteSession or the clean-up: every member leaves; at clean-up devices are closed too. */
  private endSession(s: SimSession, cleanup: boolean): void {
    this.opts.clock.cancel(s.timer);
    this.sessions.delete(s.id);
    for (const pid of s.members.keys()) {
      const p = this.participants.get(pid);
      if (!p) continue;
      p.sessions.delete(s.id);
      this.callback(p, 'onLeave');
      if (cleanup && p.device && p.sessions.size === 0) {
        this.disconnect(p.device, 'session cleaned up');
      }
    }
    s.members.clear();
    this.reconcile();
  }

  // --- participants -----------------------------------------------------------------------

  createParticipant(body: Record<string, unknown>): { participant: Participant; token: string } {
    const perms = body.publishPermissions ?? ['AUDIO', 'VIDEO'];
    if (!Array.isArray(perms) || perms.some((x) => x !== 'AUDIO' && x !== 'VIDEO')) {
      throw new SimHttpError(400, 'publishPermissions must be a list of AUDIO / VIDEO');
    }
    for (const k of ['callbackUrl', 'tag', 'deviceApiVersion']) {
      if (body[k] !== undefined && typeof body[k] !== 'string') {
        throw new SimHttpError(400, `${k} must be a string`);
      }
    }
    if (body.callbackUrl !== undefined) {
      try {
        const u = new URL(body.callbackUrl as string);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      } catch {
        throw new SimHttpError(400, 'callbackUrl must be an http(s) URL');
      }
    }
    if (this.participants.size >= (this.opts.maxParticipants ?? 50_000)) {
      throw new SimHttpError(429, 'too many participants');
    }
    const p: SimParticipant = {
      id: id(),
      callbackUrl: body.callbackUrl as string | undefined,
      publishPermissions: [...new Set(perms as PublishPermission[])],
      tag: body.tag as string | undefined,
      deviceApiVersion: (body.deviceApiVersion as string | undefined) ?? 'V3',
      sessions: new Set(),
    };
    this.participants.set(p.id, p);
    const nowS = Math.floor(this.now() / 1000);
    const token = this.signer.sign({
      sub: p.id,
      acc: this.opts.accountId,
      iat: nowS,
      exp: nowS + Math.floor((this.opts.tokenTtlMs ?? TOKEN_TTL_MS) / 1000),
    });
    return { participant: this.participantView(p), token };
  }

  getParticipant(participantId: string): Participant {
    return this.participantView(this.participant(participantId));
  }

  deleteParticipant(participantId: string): void {
    const p = this.participant(participantId);
    for (const sid of [...p.sessions]) {
      this.sessions.get(sid)?.members.delete(p.id);
      p.sessions.delete(sid);
      this.callback(p, 'onLeave');
    }
    if (p.device) this.disconnect(p.device, 'participant deleted');
    this.participants.delete(p.id);
    this.reconcile();
  }

  addParticipantToSession(sessionId: string, participantId: string, body: unknown): void {
    const s = this.session(sessionId);
    const p = this.participant(participantId);
    s.members.set(p.id, this.subscriptions(body, s.id));
    p.sessions.add(s.id);
    this.reconcile();
  }

  removeParticipantFromSession(sessionId: string, participantId: string): void {
    const s = this.session(sessionId);
    const p = this.participant(participantId);
    if (!s.members.delete(p.id)) {
      throw new SimHttpError(404, `participant ${participantId} is not in session ${sessionId}`);
    }
    p.sessions.delete(s.id);
    this.callback(p, 'onLeave');
    // A PSTN leg exists only inside a session: it leaves with the participant.
    if (p.device?.kind === 'sip' && p.sessions.size === 0) {
      this.disconnect(p.device, 'removed from session');
    }
    this.reconcile();
  }

  getSubscriptions(sessionId: string, participantId: string): Subscriptions {
    const s = this.session(sessionId);
    const subs = s.members.get(participantId);
    if (!subs)
      throw new SimHttpError(404, `participant ${participantId} is not in session ${sessionId}`);
    return subs;
  }

  updateSubscriptions(sessionId: string, participantId: string, body: unknown): void {
    const s = this.session(sessionId);
    if (!s.members.has(participantId)) {
      throw new SimHttpError(404, `participant ${participantId} is not in session ${sessionId}`);
    }
    s.members.set(participantId, this.subscriptions(body, s.id));
    this.reconcile();
  }

  private subscriptions(body: unknown, sessionId: string): Subscriptions {
    if (body === undefined || body === null || body === '') return {};
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new SimHttpError(400, 'subscriptions must be an object');
    }
    const b = body as Record<string, unknown>;
    const out: Subscriptions = {};
    if (b.sessionId !== undefined) {
      if (b.sessionId !== sessionId) {
        throw new SimHttpError(400, 'subscriptions.sessionId must be the session itself');
      }
      out.sessionId = sessionId;
    }
    if (b.participants !== undefined) {
      if (!Array.isArray(b.participants))
        throw new SimHttpError(400, 'participants must be an array');
      out.participants = b.participants.map((x: unknown) => {
        const pid = (x as Record<string, unknown>)?.participantId;
        if (typeof pid !== 'string') throw new SimHttpError(400, 'participants[].participantId');
        const aliases = (x as Record<string, unknown>).streamAliases;
        return Array.isArray(aliases)
          ? { participantId: pid, streamAliases: aliases.map(String) }
          : { participantId: pid };
      });
    }
    return out;
  }

  private participantView(p: SimParticipant): Participant {
    const view: Participant = {
      id: p.id,
      publishPermissions: [...p.publishPermissions],
      sessions: [...p.sessions],
      deviceApiVersion: p.deviceApiVersion,
    };
    if (p.callbackUrl !== undefined) view.callbackUrl = p.callbackUrl;
    if (p.tag !== undefined) view.tag = p.tag;
    return view;
  }

  private participant(participantId: string): SimParticipant {
    const p = this.participants.get(participantId);
    if (!p) throw new SimHttpError(404, `participant ${participantId} not found`);
    return p;
  }

  // --- devices and media links -----------------------------------------------------------

  checkToken(token: unknown): TokenCheck {
    return this.signer.verify(token, Math.floor(this.now() / 1000));
  }

  /** A device connects with a token; throws SimHttpError(401 / 404 / 409) when it may not. */
  connectDevice(token: unknown, kind: SimDevice['kind'], sink?: DeviceSink): SimDevice {
    const check = this.checkToken(token);
    if (!check.ok) throw new SimHttpError(401, `${check.code}: ${check.message}`);
    const p = this.participants.get(check.claims.sub);
    if (!p) throw new SimHttpError(404, "the token's participant no longer exists");
    if (p.device) throw new SimHttpError(409, 'the participant already has a connected device');
    const device: SimDevice = { id: id(), participantId: p.id, kind, sink };
    p.device = device;
    this.callback(p, 'onConnect');
    this.reconcile();
    return device;
  }

  publish(device: SimDevice, mediaTypes: unknown): { streamId: string } {
    const p = this.participants.get(device.participantId);
    if (!p || p.device !== device) throw new SimHttpError(409, 'device is not connected');
    const wanted = Array.isArray(mediaTypes) ? mediaTypes.map(String) : ['AUDIO', 'VIDEO'];
    const allowed = wanted.filter((m): m is PublishPermission =>
      p.publishPermissions.includes(m as PublishPermission),
    );
    if (allowed.length === 0) throw new SimHttpError(403, 'no publish permission for that media');
    device.published = { streamId: device.published?.streamId ?? id(), mediaTypes: allowed };
    this.reconcile();
    return { streamId: device.published.streamId };
  }

  unpublish(device: SimDevice): void {
    device.published = undefined;
    this.reconcile();
  }

  /** The device leaves (its own disconnect, a closed socket, the platform closing it). */
  disconnect(device: SimDevice, reason: string): void {
    const p = this.participants.get(device.participantId);
    if (!p || p.device !== device) return;
    p.device = undefined;
    this.callback(p, 'onDisconnect', device.id);
    this.reconcile();
    device.sink?.send({ type: 'disconnected', reason });
    device.sink?.close(1000, reason);
    device.onGone?.(reason);
  }

  /** Relay a negotiation message over a link to the device at its other end. */
  relay(from: SimDevice, linkId: unknown, data: unknown): void {
    const link = typeof linkId === 'string' ? this.links.get(linkId) : undefined;
    if (!link) return; // a link that just went away: the late message is dropped
    const to =
      link.publisher === from
        ? link.subscriber
        : link.subscriber === from
          ? link.publisher
          : undefined;
    to?.sink?.send({ type: 'signal', linkId: link.id, data });
  }

  /** Devices whose media one subscriber device should receive. */
  private wanted(): Map<string, { publisher: SimDevice; subscriber: SimDevice }> {
    const out = new Map<string, { publisher: SimDevice; subscriber: SimDevice }>();
    for (const s of this.sessions.values()) {
      for (const [subId, subs] of s.members) {
        const sub = this.participants.get(subId)?.device;
        if (!sub || sub.kind !== 'browser') continue;
        for (const pubId of s.members.keys()) {
          if (pubId === subId) continue;
          const pub = this.participants.get(pubId)?.device;
          if (!pub || pub.kind !== 'browser' || !pub.published) continue;
          const all = subs.sessionId === s.id;
          const listed = subs.participants?.some((x) => x.participantId === pubId) ?? false;
          if (all || listed) out.set(`${pub.id}>${sub.id}`, { publisher: pub, subscriber: sub });
        }
      }
    }
    return out;
  }

  /** Bring the media links in line with sessions, subscriptions and published streams. */
  private reconcile(): void {
    const wanted = this.wanted();
    for (const [key, link] of this.links) {
      const pair = `${link.publisher.id}>${link.subscriber.id}`;
      const w = wanted.get(pair);
      if (w && w.publisher === link.publisher && w.subscriber === link.subscriber) {
        wanted.delete(pair);
        continue;
      }
      this.links.delete(key);
      link.publisher.sink?.send({ type: 'unlink', linkId: link.id });
      link.subscriber.sink?.send({ type: 'unlink', linkId: link.id });
    }
    for (const { publisher, subscriber } of wanted.values()) {
      const link: Link = { id: id(), publisher, subscriber };
      this.links.set(link.id, link);
      const pub = this.participants.get(publisher.participantId);
      subscriber.sink?.send({
        type: 'link',
        linkId: link.id,
        role: 'subscriber',
        participantId: publisher.participantId,
        tag: pub?.tag,
        streamId: publisher.published?.streamId,
        mediaTypes: publisher.published?.mediaTypes,
      });
      publisher.sink?.send({
        type: 'link',
        linkId: link.id,
        role: 'publisher',
        participantId: subscriber.participantId,
      });
    }
  }

  get linkCount(): number {
    return this.links.size;
  }

  // --- callbacks ---------------------------------------------------------------------------

  private callback(p: SimParticipant, event: ParticipantEventName, deviceId?: string): void {
    if (!p.callbackUrl) return;
    const body: Record<string, unknown> = {
      event,
      timestamp: new Date().toISOString(),
      participantId: p.id,
    };
    const dev = deviceId ?? p.device?.id;
    if (dev) body.deviceId = dev;
    if (p.tag !== undefined) body.tag = p.tag;
    this.callbacksQueued++;
    void this.opts.sender.post(p.callbackUrl, body, { bearer: this.opts.callbackToken });
  }

  /** Forget everything (timers, devices). */
  dispose(): void {
    for (const s of this.sessions.values()) this.opts.clock.cancel(s.timer);
    for (const p of this.participants.values()) {
      p.device?.sink?.close(1001, 'simulator stopped');
    }
    this.sessions.clear();
    this.participants.clear();
    this.links.clear();
  }
}
