import { createServer, type Server } from 'node:http';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
}

/**
 * A local stand-in for Slack's Web API (the network edge we do not own). Records every call as
 * the WebClient sends it (form-encoded, JSON-encoded values such as `blocks` and `view`) and answers like Slack,
 * modals (views.open / views.update) included.
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  private server: Server | null = null;
  private nextTs = 1;
  private readonly held = new Map<string, (() => void)[]>();
  url = '';
  /** Set by a FakeSocketMode: what `apps.connections.open` answers (a fresh ws:// URL each call). */
  socketModeUrl: (() => string) | null = null;
  /** Answer these methods this many ms late (a slow Slack), to catch work in flight. The call is recorded at once. */
  readonly delays: Record<string, number> = {};
  /** Answer these methods with Slack's error (`{ ok: false, error }`), as Slack refuses a call. The call is recorded. */
  readonly errors: Record<string, string> = {};

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const method = (request.url ?? '').replace(/^\/api\//, '').replace(/^\//, '');
        const args = parseBody(body, request.headers['content-type'] ?? '');
        this.calls.push({ method, args, token: request.headers.authorization?.replace(/^Bearer /, '') });
        const reply = () => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify(this.answer(method, args)));
        };
        const delay = this.delays[method];
        const answer = delay ? () => setTimeout(reply, delay) : reply;
        const held = this.held.get(method);
        if (held) held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  /** Calls of `method` are recorded but not answered until the returned function is called (a slow Slack). */
  hold(method: string): () => void {
    this.held.set(method, []);
    return () => {
      const waiting = this.held.get(method) ?? [];
      this.held.delete(method);
      for (const answer of waiting) answer();
    };
  }

  called(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The modals opened so far (views.open), each with the trigger_id it answered; `view` as the app sent it. */
  views(): { triggerId: string; view: Record<string, any> }[] {
    return this.called('views.open').map((call) => ({ triggerId: String(call.args.trigger_id), view: call.args.view as Record<string, any> }));
  }

  /** The App Home views published so far (views.publish), for one user, oldest first; `view` as the app sent it. */
  homes(user: string): Record<string, any>[] {
    return this.called('views.publish')
      .filter((call) => call.args.user_id === user)
      .map((call) => call.args.view as Record<string, any>);
  }

  /** All text a channel received (message text plus rendered block text), for assertions on content. */
  textOf(call: SlackCall): string {
    return `${String(call.args.text ?? '')}\n${JSON.stringify(call.args.blocks ?? '')}`;
  }

  private answer(method: string, args: Record<string, unknown>) {
    const error = this.errors[method];
    if (error) return { ok: false, error };
    switch (method) {
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: `1700000000.${String(this.nextTs++).padStart(6, '0')}`, message: { text: args.text } };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000001.${String(this.nextTs++).padStart(6, '0')}` };
      // A modal as Slack answers it: the view as sent, with the id, hash and state Slack adds.
      case 'views.open':
      case 'views.update':
        return {
          ok: true,
          view: {
            ...(args.view as Record<string, unknown>),
            id: args.view_id ?? `V${String(this.nextTs++).padStart(8, '0')}`,
            hash: `${Date.now()}.hash`,
            state: { values: {} },
          },
        };
      // Users as Slack describes them: everyone in the test workspace is in Berlin.
      case 'users.info':
        return { ok: true, user: { id: args.user, name: String(args.user).toLowerCase(), tz: 'Europe/Berlin', tz_offset: 3600 } };
      // Socket Mode: the app-level token asks where to connect.
      case 'apps.connections.open':
        // Without a Socket Mode server, the token is refused as Slack refuses a revoked one.
        return this.socketModeUrl ? { ok: true, url: this.socketModeUrl() } : { ok: false, error: 'invalid_auth' };
      case 'auth.test':
        return { ok: true, user_id: 'UFLIGHTDECK', bot_id: 'BFLIGHTDECK', team_id: 'T0TEST' };
      default:
        return { ok: true };
    }
  }
}

function parseBody(body: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(body || '{}');
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
  }
  return args;
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
