/**
 * What the WebRTC account config node (cc-webrtc-account) offers the family's nodes.
 */
import type { Node } from 'node-red';
import type { WebrtcEvent } from '../../src/webrtc/api';
import type { WebrtcAccount } from '../../src/webrtc/account';

export interface WebrtcAccountNode extends Node {
  /** The account: runs operations (waits for the embedded simulator to start). */
  readonly account: WebrtcAccount;
  /** Resolves when the account can be used; rejects with the reason it cannot. */
  ready(): Promise<void>;
  /** Every callback the account's ingress accepted. */
  onEvent(listener: (event: WebrtcEvent) => void): () => void;
  /** Embedded simulator only: the participant page's URL (once started). */
  readonly pageUrl: string | undefined;
}
