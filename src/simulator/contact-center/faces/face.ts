/**
 * A face reads and writes one vendor's wire over the one contact-center model: our own ccflow
 * protocol (./ccflow.ts), Era / Incoplax (./era.ts), later Tinet. The simulator host (../../simulator.ts)
 * owns the HTTP / WebSocket listener, the model, the webhooks and the clock; it hands each face
 * the WebSocket connections and HTTP requests that are its own and every event the model emits.
 */
import type http from 'node:http';
import type { WebSocket } from 'ws';
import type { SimulatorOptions } from '../../api';
import type { Model } from '../index';
import type { Emission } from '../types';

export type FaceLogger = NonNullable<SimulatorOptions['logger']>;

/** What a face gets from the host. */
export interface FaceHost {
  readonly model: Model;
  readonly options: SimulatorOptions;
  readonly logger: FaceLogger;
}

/** A face's share of `stats()`. */
export interface FaceStats {
  sessions: number;
  eventsSent: number;
  requests: number;
  badFrames: number;
}

export interface Face {
  readonly name: string;
  /** Whether a WebSocket upgraded on this request is this face's (e.g. by its path). */
  accepts(req: http.IncomingMessage): boolean;
  /** An HTTP status refusing the upgrade (e.g. 401 for a wrong token), undefined to accept. */
  verify?(req: http.IncomingMessage): number | undefined;
  /** A WebSocket connection routed to this face. */
  connect(ws: WebSocket, req: http.IncomingMessage): void;
  /** An HTTP request (REST or push APIs); true when this face answered it. */
  http?(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Every event the model emits, in order. */
  deliver(e: Emission): void;
  /** False while one of this face's clients is too far behind (load mode waits). */
  keepingUp(): boolean;
  /** Housekeeping every 10 s: forget sessions past their TTL, expired subscriptions. */
  sweep(now: number): void;
  /** The listener stops: tell the clients, close their sockets, keep what a resume needs. */
  stopping(now: number): void;
  /** Forget every session (dispose). */
  clear(): void;
  stats(): FaceStats;
}
