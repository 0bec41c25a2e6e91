/**
 * Node status of contact-center nodes: the connection state, and for operation nodes the stage
 * of the latest operation (a catalogue `stages` value), how many are in flight and the last
 * outcome. Texts are i18n keys under `<node type>.status.*`, `.stage.*` and `.outcome.*`.
 */
import type { Node, NodeStatus } from 'node-red';
import type { ConnectionStatus } from '../../src/client/api';
import { FAILED } from '../../src/protocol/catalogue';

export type Translate = (key: string, substitutions?: Record<string, string | number>) => string;

/** Texts remembered by one memoTranslate (cleared when full: error texts vary). */
const MEMO_TEXTS = 256;

/**
 * A translator that remembers its texts by key and substitutions. Node-RED's own (i18next)
 * spends tens of microseconds a call resolving the language and plural rules, and a status
 * is rendered at least twice per operation; the runtime's language does not change while a
 * node lives.
 */
export function memoTranslate(t: Translate): Translate {
  const texts = new Map<string, string>();
  return (key, substitutions) => {
    let id = key;
    if (substitutions) {
      for (const name in substitutions) id += `\u0000${name}\u0001${substitutions[name]}`;
    }
    let text = texts.get(id);
    if (text === undefined) {
      text = t(key, substitutions);
      if (texts.size >= MEMO_TEXTS) texts.clear();
      texts.set(id, text);
    }
    return text;
  };
}

/** The status for a connection state alone (used by every node that has a gateway). */
export function connectionNodeStatus(st: ConnectionStatus, t: Translate): NodeStatus {
  switch (st.state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: t('status.connected') };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: t('status.connecting') };
    case 'reconnecting':
      return {
        fill: 'yellow',
        shape: 'ring',
        text: t('status.reconnecting', { attempt: st.attempt }),
      };
    case 'authFailed':
      return { fill: 'red', shape: 'ring', text: t('status.authFailed') };
    case 'closed':
      return st.error && st.error !== 'closed'
        ? { fill: 'red', shape: 'ring', text: t('status.error', { error: st.error }) }
        : { fill: 'grey', shape: 'ring', text: t('status.closed') };
    default:
      return { fill: 'grey', shape: 'ring', text: t('status.idle') };
  }
}

export class OperationStatus {
  private connection: ConnectionStatus = { state: 'idle', attempt: 0 };
  private stage: string | undefined;
  private inFlight = 0;
  private outcome: { outcome: string; reason?: string } | undefined;
  private last = '';

  private readonly t: Translate;

  constructor(
    private readonly node: Node,
    t: Translate,
  ) {
    this.t = memoTranslate(t);
  }

  setConnection(status: ConnectionStatus): void {
    this.connection = status;
    this.render();
  }

  started(stage: string): void {
    this.inFlight += 1;
    this.stage = stage;
    this.render();
  }

  progressed(stage: string | undefined): void {
    if (!stage || stage === this.stage) return;
    this.stage = stage;
    this.render();
  }

  ended(outcome: string, reason?: string): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.outcome = { outcome, reason };
    this.render();
  }

  /** An input refused before anything was sent (a parameter error): shown like an outcome. */
  rejected(reason: string): void {
    this.outcome = { outcome: FAILED, reason };
    this.render();
  }

  /** Show a fixed problem (no gateway, bad configuration). */
  problem(key: string, substitutions?: Record<string, string | number>): void {
    this.node.status({ fill: 'red', shape: 'ring', text: this.t(key, substitutions) });
  }

  private render(): void {
    const { t } = this;
    let s: NodeStatus;
    if (this.connection.state !== 'connected') {
      s = connectionNodeStatus(this.connection, t);
      if (this.inFlight > 0)
        s.text = t('status.withInFlight', { text: s.text ?? '', count: this.inFlight });
    } else if (this.inFlight > 0) {
      s = {
        fill: 'blue',
        shape: 'dot',
        text: t('status.inFlight', {
          stage: t(`stage.${this.stage ?? 'sent'}`),
          count: this.inFlight,
        }),
      };
    } else if (this.outcome) {
      const failed = this.outcome.outcome === FAILED;
      s = {
        fill: failed ? 'red' : 'green',
        shape: failed ? 'ring' : 'dot',
        text: failed
          ? t('status.failedWith', { reason: this.outcome.reason ?? '' })
          : t(`outcome.${this.outcome.outcome}`),
      };
    } else {
      s = connectionNodeStatus(this.connection, t);
    }
    const key = `${s.fill}|${s.shape}|${s.text}`;
    if (key === this.last) return;
    this.last = key;
    this.node.status(s);
  }
}
