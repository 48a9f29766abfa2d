import { createServer, type Server } from 'node:http';

export interface GitHubCall {
  method: string;
  path: string;
  authorization: string | undefined;
}

/**
 * A local stand-in for GitHub's REST commits API (the network edge we do not own):
 * `GET /repos/<owner>/<repo>/commits/<sha>` answers the commits it was given, as GitHub shapes them
 * (`commit.committer.date`), and 404 with GitHub's message for any other; a call without the expected
 * bearer token is 401. Every call is recorded.
 */
export class FakeGitHub {
  readonly calls: GitHubCall[] = [];
  private server: Server | null = null;
  url = '';

  constructor(
    private readonly token: string,
    private readonly commits: Record<string, string>,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const path = request.url ?? '';
      this.calls.push({ method: request.method ?? '', path, authorization: request.headers.authorization });
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(body));
      };
      if (request.headers.authorization !== `Bearer ${this.token}`) return answer(401, { message: 'Bad credentials', status: '401' });
      const match = /^\/repos\/[^/]+\/[^/]+\/commits\/([0-9a-f]+)$/i.exec(path);
      const date = match && request.method === 'GET' ? this.commits[match[1]!] : undefined;
      if (!match || !date) return answer(404, { message: `No commit found for SHA: ${match?.[1] ?? path}`, status: '404' });
      answer(200, {
        sha: match[1],
        commit: { author: { name: 'alice', date }, committer: { name: 'GitHub', date }, message: 'A change' },
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.close(() => resolve());
      this.server?.closeAllConnections();
    });
  }
}
