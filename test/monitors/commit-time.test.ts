import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitLookupSchema } from '../../src/domain/commit-lookup.ts';
import { createCommitTimes } from '../../src/monitors/commit-time.ts';
import { FakeGitHub } from '../support/fake-github.ts';

const TOKEN = 'ghp_secretTokenValue0123456789abcdef';
const context = { runId: 'r', runKey: 'api-3', service: 'api', version: '1.4.2', environment: 'production' };
const lookup = (url: string, headers: Record<string, string> = { Authorization: 'Bearer ${env.GITHUB_TOKEN}' }) =>
  commitLookupSchema.parse({ url, headers, field: 'commit.committer.date', timeout: '500ms' });

/** The commit time lookup over real HTTP: a local GitHub stand-in, and a server that never answers. */
describe('commit time lookup (monitors/commit-time.ts)', () => {
  let github: FakeGitHub;
  let silent: Server;
  let silentUrl = '';
  beforeAll(async () => {
    github = await new FakeGitHub(TOKEN, { abcdef1: '2026-11-30T10:00:00Z' }).start();
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await github?.stop();
    silent?.closeAllConnections();
    await new Promise((resolve) => silent?.close(resolve));
  });

  const times = createCommitTimes({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: '' });
  const at = (sha: string, url = `${'${env.GITHUB_API_URL}'}/repos/acme/\${service}/commits/\${sha}`) =>
    createCommitTimes({ GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.url }).lookUp(lookup(url), sha, context);

  it('GETs the URL with the sha and the run variables filled in, the token in its header, and reads the time', async () => {
    expect(await at('abcdef1')).toEqual({ ok: true, at: new Date('2026-11-30T10:00:00Z') });
    expect(github.calls.at(-1)).toEqual({ method: 'GET', path: '/repos/acme/api/commits/abcdef1', authorization: `Bearer ${TOKEN}` });
  });

  it('an unknown commit, refused credentials, a missing field: a problem that shows the URL and never the token', async () => {
    expect(await at('deadbee')).toEqual({ ok: false, problem: `GET ${github.url}/repos/acme/api/commits/deadbee: 404` });
    const refused = await createCommitTimes({ GITHUB_TOKEN: 'ghp_wrongTokenValue0123456789', GITHUB_API_URL: github.url }).lookUp(
      lookup(`${github.url}/repos/acme/api/commits/\${sha}?token=\${env.GITHUB_TOKEN}`),
      'abcdef1',
      context,
    );
    expect(refused).toEqual({
      ok: false,
      problem: `GET ${github.url}/repos/acme/api/commits/abcdef1?token=***: 401 (refused the credentials: check the env values in commits.headers)`,
    });
    const noField = await createCommitTimes({ GITHUB_TOKEN: TOKEN }).lookUp(
      commitLookupSchema.parse({
        url: `${github.url}/repos/acme/api/commits/\${sha}`,
        headers: { Authorization: 'Bearer ${env.GITHUB_TOKEN}' },
        field: 'commit.pushed.date',
      }),
      'abcdef1',
      context,
    );
    expect(noField).toEqual({ ok: false, problem: `GET ${github.url}/repos/acme/api/commits/abcdef1: the answer has no "commit.pushed.date"` });
  });

  it('a header naming an unset variable is not sent; a server that does not answer times out', async () => {
    expect(await times.lookUp(lookup(`${github.url}/c/\${sha}`, { Authorization: 'Bearer ${env.NO_SUCH_TOKEN}' }), 'abcdef1', context)).toEqual({
      ok: false,
      problem: 'header Authorization uses env.NO_SUCH_TOKEN, which is not set',
    });
    expect(await times.lookUp(lookup(`${silentUrl}/c/\${sha}`), 'abcdef1', context)).toEqual({
      ok: false,
      problem: `GET ${silentUrl}/c/abcdef1: no answer within 500ms`,
    });
  });
});
