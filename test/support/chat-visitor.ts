/**
 * The anonymous chat client, driven from a test over HTTP exactly as the visitor page does it
 * (discover link, session with the token, invitation to the helpdesk, event channel, typing,
 * messages, close), plus a representative page's calls.
 */
export interface VisitorEvent {
  rel: string;
  type: string;
  status?: string;
  href: string;
  embedded: Record<string, any>;
}

async function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, any> }> {
  const h = { ...headers };
  let b: string | undefined;
  if (typeof body === 'string') {
    h['content-type'] = 'text/plain; charset=UTF-8';
    b = body;
  } else if (body !== undefined) {
    h['content-type'] = 'application/json';
    b = JSON.stringify(body);
  }
  const res = await fetch(url, { method, headers: h, body: b });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

export class TestVisitor {
  readonly events: VisitorEvent[] = [];
  private links: Record<string, string> = {};
  private conv: Record<string, string> = {};
  private next = '';
  private polling = false;
  private auth: Record<string, string>;

  constructor(
    private readonly discoverUrl: string,
    token: string,
    readonly name = 'Visitor',
  ) {
    this.auth = { authorization: `Bearer ${token}` };
  }

  private abs(href: string): string {
    return new URL(href, this.discoverUrl).toString();
  }

  /** Steps 4-5: discover, then a session authenticated by the token. */
  async connect(): Promise<number> {
    const d = await call('GET', this.discoverUrl);
    const anonApps = d.body._links['ms:rtc:saas:anonApplications'].href as string;
    const s = await call('POST', this.abs(anonApps), { DisplayName: this.name }, this.auth);
    if (s.status !== 201) return s.status;
    this.links = Object.fromEntries(
      Object.entries(s.body._links as Record<string, { href: string }>).map(([k, v]) => [
        k,
        v.href,
      ]),
    );
    this.next = this.abs(this.links.events);
    return s.status;
  }

  /** Step 6: invite the helpdesk, passing our own operation id. */
  async invite(operationId: string, subject = 'Help with my order'): Promise<number> {
    const r = await call(
      'POST',
      this.abs(this.links.messagingInvitations),
      { to: 'sip:helpdesk@contoso.com', subject, operationId },
      this.auth,
    );
    if (r.status === 201) {
      this.conv = Object.fromEntries(
        Object.entries(r.body._links as Record<string, { href: string }>).map(([k, v]) => [
          k,
          v.href,
        ]),
      );
    }
    this.startPolling();
    return r.status;
  }

  private startPolling(): void {
    if (this.polling) return;
    this.polling = true;
    void (async () => {
      while (this.polling) {
        try {
          const page = await call('GET', `${this.next}&wait=500`, undefined, this.auth);
          if (page.status !== 200) break;
          this.next = this.abs(page.body._links.next.href);
          for (const s of page.body.sender ?? []) {
            for (const e of s.events ?? []) {
              this.events.push({
                rel: e.link.rel,
                type: e.type,
                status: e.status,
                href: e.link.href,
                embedded: Object.values(e._embedded ?? {})[0] ?? {},
              });
            }
          }
        } catch {
          break;
        }
      }
    })();
  }

  async typing(): Promise<number> {
    return (await call('POST', this.abs(this.conv.typing), {}, this.auth)).status;
  }

  async say(text: string): Promise<number> {
    return (await call('POST', this.abs(this.conv.messages), text, this.auth)).status;
  }

  /** Step 18: close the conversation. */
  async close(): Promise<number> {
    return (await call('DELETE', this.abs(this.conv.conversation), undefined, this.auth)).status;
  }

  stop(): void {
    this.polling = false;
  }
}

/** A person on the representative page. */
export class TestRep {
  readonly events: VisitorEvent[] = [];
  private self = '';
  private next = '';
  private polling = false;

  constructor(
    private readonly base: string,
    readonly uri: string,
    readonly name: string,
  ) {}

  async online(): Promise<void> {
    const r = await call('POST', `${this.base}/chat/reps`, { uri: this.uri, name: this.name });
    this.self = `${this.base}${r.body._links.self.href as string}`;
    this.next = `${this.base}${r.body._links.events.href as string}`;
    this.polling = true;
    void (async () => {
      while (this.polling) {
        try {
          const page = await call('GET', `${this.next}&wait=500`);
          if (page.status !== 200) break;
          this.next = `${this.base}${page.body._links.next.href as string}`;
          for (const s of page.body.sender ?? []) {
            for (const e of s.events ?? []) {
              this.events.push({
                rel: e.link.rel,
                type: e.type,
                status: e.status,
                href: e.link.href,
                embedded: Object.values(e._embedded ?? {})[0] ?? {},
              });
            }
          }
        } catch {
          break;
        }
      }
    })();
  }

  async answer(accept: boolean): Promise<string> {
    const inv = this.events.find((e) => e.rel === 'participantInvitation' && e.type === 'started');
    if (!inv) throw new Error('no invitation yet');
    await call(
      'POST',
      `${this.base}${inv.embedded._links[accept ? 'accept' : 'decline'].href as string}`,
      {},
    );
    return String(inv.embedded.conversation).split('/').pop() as string;
  }

  async typing(meetingId: string): Promise<number> {
    return (await call('POST', `${this.self}/conversations/${meetingId}/typing`, {})).status;
  }

  async say(meetingId: string, text: string): Promise<number> {
    return (await call('POST', `${this.self}/conversations/${meetingId}/messages`, text)).status;
  }

  stop(): void {
    this.polling = false;
  }
}
