/**
 * The faces the simulator host serves, in the order a WebSocket upgrade is offered to them: a
 * vendor face that recognises its own connections (by path) goes before ccflow, which takes
 * every connection no other face took.
 */
import { CcflowFace } from './ccflow';
import { EraFace } from './era';
import type { Face, FaceHost } from './face';
import { TinetFace } from './tinet';

export function createFaces(host: FaceHost): Face[] {
  return [new TinetFace(host), new EraFace(host), new CcflowFace(host)];
}

export type { Face, FaceHost, FaceLogger, FaceStats } from './face';
