/**
 * The fake gateway for fault and fuzz tests: FakeGateway's login, subscribe and ping handling,
 * no automatic answers to requests (the test scripts them), and frames pushed as given, valid
 * or not, to every connected client.
 */
import { FakeGateway } from './fake-gateway';

export class FaultGateway extends FakeGateway {
  /** Next seq for event frames built with ccsEvent() or by the test. */
  seq = 0;

  constructor() {
    super();
    this.onReq = () => undefined;
  }

  async start(): Promise<string> {
    await this.listen(0);
    return this.url;
  }

  connections(): number {
    return this.conns.size;
  }

  /** Send raw text to every connected client. */
  sendRaw(text: string): void {
    for (const c of this.conns) c.sendRaw(text);
  }

  send(frame: Record<string, unknown>): void {
    this.sendRaw(JSON.stringify(frame));
  }

  /** A valid ccs event frame with the next seq. */
  ccsEvent(callId: string, state = 'talking'): Record<string, unknown> {
    return {
      type: 'event',
      family: 'ccs',
      name: 'call_set_state',
      seq: ++this.seq,
      ts: Date.now(),
      subIds: ['s1'],
      data: { domain: 'demo.cc.local', call_id: callId, state },
    };
  }

  close(): Promise<void> {
    return this.stop();
  }
}
