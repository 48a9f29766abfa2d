import { createServer, type Server } from 'node:http';

export interface ConnectorCall {
  method: string;
  conversationId: string;
  /** The activity id in the path: the replied-to activity (POST) or the edited one (PUT). */
  activityId: string | null;
  body: Record<string, any>;
  /** The id this stand-in gave the activity, as the real connector does. */
  answeredId: string;
}

/**
 * A local stand-in for the Bot Framework connector (the activity's serviceUrl): records every
 * activity the bot sends or updates, and answers with ids like the real service.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  private server: Server | null = null;
  private next = 1;
  url = '';
  /** Conversations the bot opened (POST /v3/conversations: a 1:1 chat for a direct message), with the id they were given. */
  readonly created: { body: Record<string, any>; answeredId: string }[] = [];
  /** The roster: Teams user id → the account the connector returns for it (with its UPN). */
  readonly members = new Map<string, Record<string, string>>();
  /** Every roster read (GET …/members/{id}), by member id. */
  readonly rosterReads: string[] = [];

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const member = /^\/v3\/conversations\/[^/]+\/members\/([^/?]+)/.exec(request.url ?? '');
        if (member) {
          this.rosterReads.push(decodeURIComponent(member[1]!));
          const account = this.members.get(decodeURIComponent(member[1]!));
          response.writeHead(account ? 200 : 404, { 'content-type': 'application/json' });
          return response.end(JSON.stringify(account ?? { error: { code: 'MemberNotFoundInConversation' } }));
        }
        if (request.method === 'POST' && /^\/v3\/conversations\/?(?:\?|$)/.test(request.url ?? '')) {
          const created = { body: body ? JSON.parse(body) : {}, answeredId: `a:direct-${this.next++}` };
          this.created.push(created);
          response.writeHead(200, { 'content-type': 'application/json' });
          return response.end(JSON.stringify({ id: created.answeredId }));
        }
        const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?/.exec(request.url ?? '');
        if (!match) {
          response.writeHead(404);
          return response.end();
        }
        const method = request.method ?? '';
        const activityId = match[2] ? decodeURIComponent(match[2]) : null;
        const call = {
          method,
          conversationId: decodeURIComponent(match[1]!),
          activityId,
          body: body ? JSON.parse(body) : {},
          answeredId: method === 'PUT' ? activityId! : `activity-${this.next++}`,
        };
        this.calls.push(call);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: call.answeredId }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }

  /** Everything the bot showed in a conversation (text and cards), in order. */
  shown(call: ConnectorCall): string {
    return JSON.stringify({ text: call.body.text, attachments: call.body.attachments });
  }
}
