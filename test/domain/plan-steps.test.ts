import { describe, expect, it } from 'vitest';
import { commandStepSchema, httpStepSchema } from '../../src/domain/plan-steps.ts';
import { stepFrom } from '../../src/domain/steps.ts';

function problems(schema: typeof httpStepSchema | typeof commandStepSchema, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('HTTP step schema', () => {
  const dispatch = {
    name: 'Dispatch the deploy workflow',
    http: {
      method: 'POST',
      url: '${env.GITHUB_API_URL:-https://api.github.com}/repos/acme/shop/actions/workflows/deploy.yml/dispatches',
      headers: { Authorization: 'Bearer ${env.GITHUB_TOKEN}', Accept: 'application/vnd.github+json' },
      body: { ref: 'main', inputs: { version: '${version}', environment: '${environment}' } },
      expectStatus: 204,
    },
    attempts: 4,
    interval: '2s',
    backoff: { factor: 2, max: '30s' },
  };

  it('reads headers, a JSON body, an expected status and a backoff; the step action carries them', () => {
    const step = httpStepSchema.parse(dispatch);
    expect(stepFrom(step).action).toEqual({
      kind: 'http',
      probe: { ...dispatch.http, timeout: 5_000 },
      attempts: 4,
      intervalMs: 2_000,
      backoff: { factor: 2, maxMs: 30_000 },
    });
  });

  it('without a backoff the action has none (a fixed interval), as runs created before backoffs existed', () => {
    const step = httpStepSchema.parse({ name: 'Health', http: { url: 'https://x.example/health' }, attempts: 3 });
    expect(stepFrom(step).action).toEqual({
      kind: 'http',
      probe: { method: 'GET', url: 'https://x.example/health', expectStatus: 200, timeout: 5_000 },
      attempts: 3,
      intervalMs: 1_000,
    });
  });

  it('takes a list of statuses and a string body', () => {
    const step = httpStepSchema.parse({
      name: 'Put',
      http: { method: 'PUT', url: 'https://x.example', body: 'version=${version}', expectStatus: [200, 201, 204] },
    });
    expect(step.http).toMatchObject({ body: 'version=${version}', expectStatus: [200, 201, 204] });
  });

  it('reads waitFor, the poll after the call, into the action', () => {
    const step = httpStepSchema.parse({
      ...dispatch,
      waitFor: { http: { url: 'https://x.example/runs', bodyIncludes: '(${run})' }, attempts: 60, interval: '15s' },
    });
    expect(stepFrom(step).action).toMatchObject({
      kind: 'http',
      attempts: 4,
      waitFor: {
        probe: { method: 'GET', url: 'https://x.example/runs', bodyIncludes: '(${run})', expectStatus: 200, timeout: 5_000 },
        attempts: 60,
        intervalMs: 15_000,
      },
    });
  });

  it.each([
    [
      { http: { url: 'https://x.example' }, waitFor: { http: { url: 'https://x.example' }, interval: '10s', backoff: { max: '1s' } } },
      'waitFor.backoff.max: is shorter than interval, the first wait',
    ],
    [{ http: { url: 'https://x.example', body: { a: 1 } } }, 'http.body: a GET request has no body; use POST, PUT, PATCH or DELETE'],
    [{ http: { method: 'HEAD', url: 'https://x.example', body: 'x' } }, 'http.body: a HEAD request has no body; use POST, PUT, PATCH or DELETE'],
    [{ http: { url: 'https://x.example' }, interval: '10s', backoff: { factor: 2, max: '5s' } }, 'backoff.max: is shorter than interval, the first wait'],
    [{ http: { url: 'https://x.example' }, backoff: { factor: 0.5 } }, 'backoff.factor: Too small: expected number to be >=1'],
    [{ http: { url: 'https://x.example', expectStatus: [] } }, 'http.expectStatus'],
    [{ http: { url: 'https://x.example', headers: { 'Bad Header': 'x' } } }, 'http.headers.Bad Header: a header name is letters, digits and dashes'],
    [{ http: { method: 'TRACE', url: 'https://x.example' } }, 'http.method'],
  ])('refuses %j', (edit, message) => {
    expect(problems(httpStepSchema, { name: 'x', ...edit }).join('\n')).toContain(message);
  });
});

describe('command step schema', () => {
  it('accepts run variables in argv', () => {
    expect(
      problems(commandStepSchema, { name: 'Set image', run: ['kubectl', 'set', 'image', 'deployment/api', 'api=registry.example/api:${version}'] }),
    ).toEqual([]);
  });

  it('refuses ${env.NAME} in argv and says where it belongs', () => {
    const [problem, ...rest] = problems(commandStepSchema, { name: 'Leaky', run: ['deploy', '--token', '${env.TOKEN}'] });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^run\.2: \$\{env\.NAME\} cannot be used in run .*pass it through env:/);
  });
});
