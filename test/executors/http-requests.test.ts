import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpProbe } from '../../src/domain/plan.ts';
import type { StepAction } from '../../src/domain/steps.ts';
import { retryDelay, runHttpStep } from '../../src/executors/http.ts';
import type { StepContext } from '../../src/ports.ts';
import { freePort } from '../../src/services/ports.ts';

const context: StepContext = { runId: '11111111-1111-4111-8111-111111111111', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };
const TOKEN = 'ghp_s3cr3tT0kenValue';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Deploy-API calls against a real local server. Each path scripts the answers, one per request
 * (the last repeats): `/script/502,204` answers 502, then 204. `/echo` answers 200 with what it got.
 */
describe('HTTP steps that call deploy APIs', () => {
  let server: Server;
  let port: number;
  /** A port nobody listens on. */
  let dead: number;
  let seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const url = request.url ?? '/';
        seen.push({ method: request.method ?? '', url, headers: request.headers, body });
        const path = url.split('?')[0]!;
        const script = /^\/script\/([^/]+)$/.exec(path);
        if (script) {
          const answers = script[1]!.split(',');
          const count = seen.filter((s) => s.url.split('?')[0] === path).length;
          const [status, retryAfter] = answers[Math.min(count, answers.length) - 1]!.split('~');
          response.writeHead(Number(status), retryAfter ? { 'retry-after': retryAfter } : {});
          response.end(Number(status) >= 400 ? `{"message":"answer ${count}","auth":"${request.headers.authorization ?? ''}"}` : '');
          return;
        }
        if (path === '/echo') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ url, auth: request.headers.authorization ?? null }));
          return;
        }
        if (path === '/runs') {
          const count = seen.filter((s) => s.url.startsWith('/runs')).length;
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ workflow_runs: count < 3 ? [] : [{ display_title: 'Deploy api 1.4.2 to production (api-7)', conclusion: 'success' }] }, null, 2),
          );
          return;
        }
        response.writeHead(404);
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    dead = await freePort();
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
  });

  const env = (): NodeJS.ProcessEnv => ({ API: `http://127.0.0.1:${port}`, TOKEN });
  type Http = Extract<StepAction, { kind: 'http' }>;
  const action = (probe: Partial<HttpProbe> & { url: string }, retry: Partial<Omit<Http, 'kind' | 'probe'>> = {}): Http => ({
    kind: 'http',
    probe: { method: 'GET', expectStatus: 200, timeout: 2_000, ...probe },
    attempts: 1,
    intervalMs: 10,
    ...retry,
  });
  /** Runs the step with a sleep that records the waits instead of waiting. */
  async function run(step: Http, environment = env()) {
    const waits: number[] = [];
    const outcome = await runHttpStep(step, context, environment, async (ms) => void waits.push(ms));
    return { outcome, waits };
  }
  const shown = (outcome: { summary: string; output: string }) => `${outcome.summary}\n${outcome.output}`;

  it('POSTs a YAML object as JSON with headers from the env, and never shows the token', async () => {
    const { outcome } = await run(
      action({
        method: 'POST',
        url: '${env.API}/script/204',
        headers: { Authorization: 'Bearer ${env.TOKEN}', Accept: 'application/vnd.github+json' },
        body: { ref: 'main', inputs: { version: '${version}', environment: '${environment}', run: '${run}' } },
        expectStatus: 204,
      }),
    );
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringMatching(new RegExp(`^POST http://127\\.0\\.0\\.1:${port}/script/204 → 204 in \\d+ms$`)) });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[0]!.headers.accept).toBe('application/vnd.github+json');
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0]!.body)).toEqual({ ref: 'main', inputs: { version: '1.4.2', environment: 'production', run: 'api-7' } });
    expect(shown(outcome)).not.toContain(TOKEN);
  });

  it('JSON-escapes what it fills into an object body, whatever the value holds', async () => {
    const tricky = 'a"b\\c\n}{"injected":true';
    await run(action({ method: 'PUT', url: '${env.API}/script/200', body: { note: 'x ${env.TRICKY} y', list: ['${version}', 3, true, null] } }), {
      ...env(),
      TRICKY: tricky,
    });
    expect(JSON.parse(seen[0]!.body)).toEqual({ note: `x ${tricky} y`, list: ['1.4.2', 3, true, null] });
  });

  it('sends a string body as written with its variables filled, and keeps a content-type the plan sets', async () => {
    await run(action({ method: 'PATCH', url: '${env.API}/script/200', headers: { 'Content-Type': 'text/plain' }, body: 'deploy ${service}@${version}' }));
    expect(seen[0]).toMatchObject({ method: 'PATCH', body: 'deploy api@1.4.2', headers: { 'content-type': 'text/plain' } });
  });

  it('DELETE works, and any status of an expected list passes', async () => {
    const { outcome } = await run(action({ method: 'DELETE', url: '${env.API}/script/202', expectStatus: [200, 202, 204] }));
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringContaining(`DELETE http://127.0.0.1:${port}/script/202 → 202`) });
    expect(seen.map((s) => s.method)).toEqual(['DELETE']);
  });

  it('a status outside the list fails and names the list it expected', async () => {
    const { outcome } = await run(action({ url: '${env.API}/script/201', expectStatus: [200, 204] }));
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringMatching(/→ 201 in \d+ms \(expected 200 or 204\)$/) });
  });

  it('retries a 502 after the interval and passes on the next answer', async () => {
    const { outcome, waits } = await run(
      action({ method: 'POST', url: '${env.API}/script/502,204', body: {}, expectStatus: 204 }, { attempts: 3, intervalMs: 250 }),
    );
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringMatching(/→ 204 in \d+ms \(attempt 2 of 3\)$/) });
    expect(seen).toHaveLength(2);
    expect(waits).toEqual([250]);
    expect(outcome.output).toMatch(
      new RegExp(
        `^attempt 1/3: POST http://127\\.0\\.0\\.1:${port}/script/502,204 → 502 in \\d+ms \\(expected 204\\): \\{"message":"answer 1","auth":""\\}\nwaiting 250ms\nattempt 2/3: .*→ 204`,
      ),
    );
  });

  it('backs off exponentially up to backoff.max, and gives up after its attempts', async () => {
    const { outcome, waits } = await run(action({ url: '${env.API}/script/503' }, { attempts: 5, intervalMs: 100, backoff: { factor: 2, maxMs: 300 } }));
    expect(waits).toEqual([100, 200, 300, 300]);
    expect(seen).toHaveLength(5);
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringMatching(/→ 503 in \d+ms \(expected 200\): .*; gave up after 5 attempts$/) });
  });

  it('honours Retry-After on a 429, capped by backoff.max', async () => {
    const capped = await run(action({ url: '${env.API}/script/429~120,200' }, { attempts: 2, intervalMs: 100, backoff: { factor: 1, maxMs: 5_000 } }));
    expect(capped.waits).toEqual([5_000]);
    expect(capped.outcome.ok).toBe(true);
    expect(capped.outcome.output).toContain('waiting 5s (the server asked, with Retry-After)');
    seen = [];
    const honoured = await run(action({ url: '${env.API}/script/429~2,200' }, { attempts: 2, intervalMs: 100, backoff: { factor: 3, maxMs: 5_000 } }));
    expect(honoured.waits).toEqual([2_000]);
  });

  it('a connection refused is retried like a 5xx', async () => {
    const { outcome, waits } = await run(action({ url: `http://127.0.0.1:${dead}/nothing-listens` }, { attempts: 3, intervalMs: 50 }));
    expect(waits).toEqual([50, 50]);
    expect(outcome).toMatchObject({ ok: false, summary: `GET http://127.0.0.1:${dead}/nothing-listens failed: ECONNREFUSED; gave up after 3 attempts` });
  });

  it.each([401, 403, 404, 422])('a %i is final: one request, and the summary says it was not retried', async (status) => {
    const { outcome, waits } = await run(
      action(
        { method: 'POST', url: `\${env.API}/script/${status},204`, headers: { Authorization: 'Bearer ${env.TOKEN}' }, body: {}, expectStatus: 204 },
        { attempts: 5, intervalMs: 10 },
      ),
    );
    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(outcome.ok).toBe(false);
    expect(outcome.summary).toMatch(new RegExp(`→ ${status} in \\d+ms \\(expected 204\\): .*; ${status} is final \\(a client error\\), not retried$`));
  });

  it('masks a secret echoed in a response excerpt, and shows the URL filled in with the secret as ***', async () => {
    const { outcome } = await run(action({ url: '${env.API}/script/401?token=${env.TOKEN}', headers: { Authorization: 'Bearer ${env.TOKEN}' } }));
    expect(seen[0]!.url).toBe(`/script/401?token=${TOKEN}`);
    expect(outcome.summary).toMatch(
      new RegExp(
        `^GET http://127\\.0\\.0\\.1:${port}/script/401\\?token=\\*\\*\\* → 401 in \\d+ms \\(expected 200\\): \\{"message":"answer 1","auth":"Bearer \\*\\*\\*"\\}; 401 is final \\(a client error\\)$`,
      ),
    );
    expect(shown(outcome)).not.toContain(TOKEN);
  });

  it('a URL with a secret env value in its query shows it ***, other env values filled in, and never a raw ${…}', async () => {
    const { outcome } = await run(action({ url: '${env.API}/echo?t=${env.API_TOKEN}&access_token=written-in-plan&ref=${env.REF}' }), {
      ...env(),
      API_TOKEN: 'tk',
      REF: 'main',
    });
    expect(seen[0]!.url).toBe('/echo?t=tk&access_token=written-in-plan&ref=main');
    expect(outcome.summary).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${port}/echo\\?t=\\*\\*\\*&access_token=\\*\\*\\*&ref=main → 200 in \\d+ms$`));
    expect(shown(outcome)).not.toContain('written-in-plan');
  });

  it('an env value a header uses is *** in the URL too, whatever its name', async () => {
    const { outcome } = await run(action({ url: '${env.API}/echo?tenant=${env.TENANT}', headers: { 'X-Tenant': '${env.TENANT}' } }), {
      ...env(),
      TENANT: 'acme-corp-7',
    });
    expect(seen[0]!.headers['x-tenant']).toBe('acme-corp-7');
    expect(outcome.summary).toContain(`GET http://127.0.0.1:${port}/echo?tenant=*** → 200`);
    expect(shown(outcome)).not.toContain('acme-corp-7');
  });

  it('a refused connection shows the filled URL with its secrets masked', async () => {
    const { outcome } = await run(action({ url: 'http://127.0.0.1:${env.DEAD_PORT}/deploy?api_key=${env.DEPLOY_KEY}' }), {
      DEAD_PORT: String(dead),
      DEPLOY_KEY: TOKEN,
    });
    expect(outcome).toMatchObject({ ok: false, summary: `GET http://127.0.0.1:${dead}/deploy?api_key=*** failed: ECONNREFUSED` });
    expect(shown(outcome)).not.toContain(TOKEN);
  });

  it('userinfo is masked, also in fetch’s own error, which quotes the URL (even a password too short to mask by value)', async () => {
    const { outcome } = await run(action({ url: 'http://deployer:${env.DEPLOY_PW}@127.0.0.1:${env.PORT}/echo' }), { DEPLOY_PW: 'pw', PORT: String(port) });
    expect(seen).toHaveLength(0);
    expect(outcome).toMatchObject({
      ok: false,
      summary: `GET http://***@127.0.0.1:${port}/echo failed: Request cannot be constructed from a URL that includes credentials: http://***@127.0.0.1:${port}/echo`,
    });
    expect(shown(outcome)).not.toContain('deployer:');
  });

  it('bodyIncludes may use ${env.NAME}: it looks for the filled text and shows it, a secret as ***; an unknown name is reported, nothing sent', async () => {
    const { outcome } = await run(action({ url: '${env.API}/runs', bodyIncludes: '${env.WORKFLOW} ${env.RUN_SECRET}' }), {
      ...env(),
      WORKFLOW: 'Deploy api',
      RUN_SECRET: 'hush-hush',
    });
    expect(outcome.summary).toMatch(/→ 200 in \d+ms, body lacks "Deploy api \*\*\*"$/);
    const unknown = await run(action({ url: '${env.API}/runs', bodyIncludes: '${env.NOPE}' }));
    expect(unknown.outcome.summary).toBe('bodyIncludes uses unknown variables: env.NOPE');
    expect(seen).toHaveLength(1);
  });

  it('a missing env variable in a header is named (not its value), and nothing is sent nor retried', async () => {
    const { outcome, waits } = await run(
      action({ method: 'POST', url: '${env.API}/script/204', headers: { Authorization: 'Bearer ${env.GITHUB_TOKEN}' }, body: {} }, { attempts: 4 }),
    );
    expect(outcome).toMatchObject({ ok: false, summary: 'header Authorization uses unknown variables: env.GITHUB_TOKEN; not retried' });
    expect(seen).toHaveLength(0);
    expect(waits).toEqual([]);
  });

  it('a header whose env value holds a line break is refused without showing it', async () => {
    const { outcome } = await run(action({ url: '${env.API}/script/200', headers: { Authorization: 'Bearer ${env.BROKEN}' } }), {
      ...env(),
      BROKEN: `${TOKEN}\nX-Evil: 1`,
    });
    expect(outcome).toMatchObject({ ok: false, summary: 'header Authorization holds a line break or NUL (check the env values it uses)' });
    expect(seen).toHaveLength(0);
  });

  it('polls until the body includes the text, with run variables filled into bodyIncludes', async () => {
    const { outcome, waits } = await run(
      action(
        { url: '${env.API}/runs?status=success', bodyIncludes: 'Deploy ${service} ${version} to ${environment} (${run})' },
        { attempts: 5, intervalMs: 1_000 },
      ),
    );
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringContaining('(attempt 3 of 5)') });
    expect(waits).toEqual([1_000, 1_000]);
    expect(outcome.output).toContain('body lacks "Deploy api 1.4.2 to production (api-7)"');
  });

  it('waitFor: once the call passes, polls a second URL until it passes too; the summary tells both', async () => {
    const step = action({ method: 'POST', url: '${env.API}/script/502,204', body: {}, expectStatus: 204 }, { attempts: 3, intervalMs: 250 });
    step.waitFor = {
      probe: { method: 'GET', url: '${env.API}/runs', expectStatus: 200, timeout: 2_000, bodyIncludes: '(${run})' },
      attempts: 5,
      intervalMs: 1_000,
      backoff: { factor: 2, maxMs: 1_500 },
    };
    const { outcome, waits } = await run(step);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /script/502,204', 'POST /script/502,204', 'GET /runs', 'GET /runs', 'GET /runs']);
    expect(waits).toEqual([250, 1_000, 1_500]);
    expect(outcome.ok).toBe(true);
    const api = `http://127\\.0\\.0\\.1:${port}`;
    expect(outcome.summary).toMatch(
      new RegExp(`^POST ${api}/script/502,204 → 204 in \\d+ms \\(attempt 2 of 3\\); then GET ${api}/runs → 200 in \\d+ms \\(attempt 3 of 5\\)$`),
    );
    expect(outcome.output).toContain(`then, waiting for:\nattempt 1/5: GET http://127.0.0.1:${port}/runs → 200`);
  });

  it('waitFor is not polled when the call fails', async () => {
    const step = action({ method: 'POST', url: '${env.API}/script/401', body: {}, expectStatus: 204 }, { attempts: 3 });
    step.waitFor = { probe: { method: 'GET', url: '${env.API}/runs', expectStatus: 200, timeout: 2_000 }, attempts: 5, intervalMs: 10 };
    const { outcome } = await run(step);
    expect(outcome.ok).toBe(false);
    expect(seen.map((s) => s.url)).toEqual(['/script/401']);
  });

  it('${env.NAME:-fallback} uses the fallback when the variable is unset or empty, and the variable when set', async () => {
    const step = action({ url: `\${env.GITHUB_API_URL:-http://127.0.0.1:${dead}}/echo` });
    expect((await run(step, { GITHUB_API_URL: `http://127.0.0.1:${port}` })).outcome.ok).toBe(true);
    expect((await run(step, { GITHUB_API_URL: '' })).outcome.summary).toContain('failed: ECONNREFUSED');
    expect((await run(step, {})).outcome.summary).toContain('failed: ECONNREFUSED');
    expect(seen).toHaveLength(1);
  });
});

describe('retryDelay', () => {
  it('is the fixed interval without a backoff', () => {
    expect([1, 2, 3].map((attempt) => retryDelay({ intervalMs: 500 }, attempt))).toEqual([500, 500, 500]);
  });

  it('grows by the factor and stops at max', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelay({ intervalMs: 1_000, backoff: { factor: 2, maxMs: 10_000 } }, attempt))).toEqual([
      1_000, 2_000, 4_000, 8_000, 10_000,
    ]);
  });

  it('without max, stops at a minute (or the interval, if longer)', () => {
    expect(retryDelay({ intervalMs: 1_000, backoff: { factor: 10 } }, 4)).toBe(60_000);
    expect(retryDelay({ intervalMs: 120_000 }, 1)).toBe(120_000);
    expect(retryDelay({ intervalMs: 1_000 }, 1, 300_000)).toBe(60_000);
  });

  it('takes Retry-After over the computed wait, even when shorter', () => {
    expect(retryDelay({ intervalMs: 5_000, backoff: { factor: 2, maxMs: 30_000 } }, 3, 1_000)).toBe(1_000);
  });
});
