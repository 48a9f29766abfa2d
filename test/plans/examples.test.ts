import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { specFor } from '../../src/domain/spec.ts';
import type { Step, StepAction } from '../../src/domain/steps.ts';
import { runHttpStep } from '../../src/executors/http.ts';
import { loadPlanFile, loadPlans } from '../../src/plans/catalog.ts';
import type { StepContext } from '../../src/ports.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';

const run = promisify(execFile);
const EXAMPLES = join(PROJECT_ROOT, 'plans/examples');

/** `flightdeck plan check <path>`, the real CLI in a child process. */
async function planCheck(path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'plan', 'check', path], { cwd: PROJECT_ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the example plans', () => {
  it('`flightdeck plan check plans/examples` accepts them', async () => {
    expect(await planCheck(EXAMPLES)).toMatchObject({ code: 0, stdout: `${EXAMPLES}: ok\n` });
  });

  it('the same check refuses a broken copy, naming the path and the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flightdeck-examples-'));
    const broken = readFileSync(join(EXAMPLES, 'kubernetes.yaml'), 'utf8').replace(
      "deployment/catalog, 'catalog=",
      "deployment/catalog, '--token=${env.KUBE_TOKEN}', 'catalog=",
    );
    writeFileSync(join(dir, 'kubernetes.yaml'), broken);
    const result = await planCheck(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('environments.production.strategy.deployBatch.run[8]: ${env.NAME} cannot be used in run');
  });

  it('are not loaded by the bot, which reads only the *.yaml files directly in its plans folder', async () => {
    const services = (await loadPlans(join(PROJECT_ROOT, 'plans'))).services();
    expect(services).toContain('demo');
    expect(services).not.toContain('catalog');
    expect(services).not.toContain('storefront');
  });

  it('the Kubernetes plan sets the image to the version in one argv element, waits for the rollout, and undoes it', async () => {
    const spec = specFor(await loadPlanFile(join(EXAMPLES, 'kubernetes.yaml')), 'production')!;
    const argv = (step: Step | undefined) => (step?.action.kind === 'command' ? step.action.argv : null);
    const deploy = spec.steps.deploy.filter((step) => step.action.kind === 'command');
    expect(argv(deploy[0])).toContain('catalog=registry.example.com/shop/catalog:${version}');
    expect(argv(deploy[1])).toEqual(expect.arrayContaining(['rollout', 'status', 'deployment/catalog', '--timeout=10m']));
    expect(argv(spec.steps.rollback[0])).toEqual(expect.arrayContaining(['rollout', 'undo', 'deployment/catalog']));
  });
});

const TOKEN = 'ghs_exampleT0kenNeverShown';
const WORKFLOWS = '/repos/acme/storefront/actions/workflows';

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * The GitHub Actions example against a local server playing GitHub's REST API (an edge we do not
 * own): the dispatch answers 502 once, then 204; the runs list shows the run as successful on the
 * second poll. Waits are recorded, not slept.
 */
describe('the GitHub Actions example plan, against a local GitHub', () => {
  let server: Server;
  let github: string;
  let seen: Seen[] = [];
  const context: StepContext = {
    runId: '22222222-2222-4222-8222-222222222222',
    runKey: 'storefront-12',
    service: 'storefront',
    version: '2.3.0',
    environment: 'production',
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const path = request.url ?? '/';
        seen.push({ method: request.method ?? '', path, headers: request.headers, body });
        const json = (status: number, value?: unknown) => {
          response.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' });
          response.end(value === undefined ? '' : JSON.stringify(value, null, 2));
        };
        if (request.headers.authorization !== `Bearer ${TOKEN}`)
          return json(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
        const times = seen.filter((s) => s.method === request.method && s.path === path).length;
        if (path === `${WORKFLOWS}/deploy.yml`) return json(200, { id: 7, name: 'Deploy', path: '.github/workflows/deploy.yml', state: 'active' });
        if (path === `${WORKFLOWS}/deploy.yml/dispatches`) return times === 1 ? json(502, { message: 'Server Error' }) : json(204);
        if (path === `${WORKFLOWS}/rollback.yml/dispatches`) return json(204);
        const runs = /^\/repos\/acme\/storefront\/actions\/workflows\/(deploy|rollback)\.yml\/runs\?event=workflow_dispatch&status=success&per_page=20$/.exec(
          path,
        );
        if (runs) {
          const title = runs[1] === 'deploy' ? 'Deploy 2.3.0 to production (storefront-12)' : 'Roll back production from 2.3.0 (storefront-12)';
          const older = { id: 1, display_title: 'Deploy 2.2.9 to production (storefront-11)', status: 'completed', conclusion: 'success' };
          return json(200, {
            total_count: times === 1 ? 1 : 2,
            workflow_runs: times === 1 ? [older] : [{ id: 2, display_title: title, status: 'completed', conclusion: 'success' }, older],
          });
        }
        json(404, { message: 'Not Found' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    github = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
  });

  async function stepsOf(phase: 'pre_checks' | 'deploy' | 'rollback') {
    const spec = specFor(await loadPlanFile(join(EXAMPLES, 'github-actions.yaml')), 'production')!;
    return spec.steps[phase];
  }
  async function runStep(action: StepAction, token = TOKEN) {
    if (action.kind !== 'http') throw new Error(`not an HTTP step: ${action.kind}`);
    const waits: number[] = [];
    const outcome = await runHttpStep(action, context, { GITHUB_API_URL: github, GITHUB_TOKEN: token }, async (ms) => void waits.push(ms));
    return { outcome, waits };
  }
  const expectGitHubHeaders = (headers: IncomingHttpHeaders) =>
    expect(headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' });

  it('the pre-check reads the workflow with the token from the environment', async () => {
    const [check] = await stepsOf('pre_checks');
    const { outcome } = await runStep(check!.action);
    expect(outcome.ok).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', path: `${WORKFLOWS}/deploy.yml` });
    expectGitHubHeaders(seen[0]!.headers);
  });

  it('deploys: dispatches with the exact request, retries the 502 after its backoff, then waits for the run named after ours', async () => {
    const deploy = await stepsOf('deploy');
    expect(deploy.map((step) => step.action.kind)).toEqual(['command', 'http', 'http']);
    const { outcome, waits } = await runStep(deploy[2]!.action);

    expect(outcome.ok).toBe(true);
    const dispatches = seen.filter((s) => s.path === `${WORKFLOWS}/deploy.yml/dispatches`);
    expect(dispatches).toHaveLength(2);
    for (const dispatch of dispatches) {
      expect(dispatch.method).toBe('POST');
      expectGitHubHeaders(dispatch.headers);
      expect(dispatch.headers['content-type']).toBe('application/json');
      expect(JSON.parse(dispatch.body)).toEqual({ ref: 'main', inputs: { version: '2.3.0', environment: 'production', flightdeck_run: 'storefront-12' } });
    }
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST', 'GET', 'GET']);
    // 2s after the 502; 15s after the first poll, which lists only an older deploy.
    expect(waits).toEqual([2_000, 15_000]);
    expect(outcome.summary).toMatch(/ → 204 in \d+ms \(attempt 2 of 5\); then GET .*\/runs\?.* → 200 in \d+ms \(attempt 2 of 80\)$/);
    expect(`${outcome.summary}\n${outcome.output}`).not.toContain(TOKEN);
    expect(outcome.output).toContain('→ 502');
  });

  it('a rejected token is final: one request, no retry, and the token is not shown', async () => {
    const deploy = await stepsOf('deploy');
    const { outcome, waits } = await runStep(deploy[2]!.action, 'ghs_revoked');
    expect(outcome.ok).toBe(false);
    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(outcome.summary).toMatch(/→ 401 in \d+ms \(expected 204\): \{ "message": "Bad credentials", .*; 401 is final \(a client error\), not retried$/);
    expect(outcome.summary).not.toContain('ghs_revoked');
  });

  it('rolls back: dispatches rollback.yml and waits for its run', async () => {
    const [rollback] = await stepsOf('rollback');
    const { outcome } = await runStep(rollback!.action);
    expect(outcome.ok).toBe(true);
    expect(JSON.parse(seen[0]!.body)).toEqual({ ref: 'main', inputs: { version: '2.3.0', environment: 'production', flightdeck_run: 'storefront-12' } });
    expect(seen.map((s) => `${s.method} ${s.path.split('?')[0]}`)).toEqual([
      `POST ${WORKFLOWS}/rollback.yml/dispatches`,
      `GET ${WORKFLOWS}/rollback.yml/runs`,
      `GET ${WORKFLOWS}/rollback.yml/runs`,
    ]);
  });
});
