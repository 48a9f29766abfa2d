import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/runtime.ts';
import { freePortRun } from '../src/services/ports.ts';
import { benchPlanHead } from './stack.ts';

/**
 * What the rollback bench watches and controls from outside Flightdeck: the demo service (its router and
 * app processes, started by demo/service/ctl.mjs as the plan's steps run it), a stand-in for Prometheus
 * whose error rate the bench breaks at a known moment, and a poller that asks production, request after
 * request through the router, what serves.
 */

export const STRATEGIES = ['blue-green', 'rolling', 'canary', 'feature-flag'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface Pace {
  /** The check interval while production is watched (monitoring, a canary's hold). */
  everyMs: number;
  /** The trigger's window: error_rate > 5% for this long. */
  windowMs: number;
  /** How long monitoring (and the canary's hold) lasts: long enough to break it in the middle. */
  watchMs: number;
}

const seconds = (ms: number) => `${ms / 1_000}s`;

/** The demo service under every strategy, no Go/No-Go; error_rate read from the stand-in at every check. */
export function rollbackPlan(service: string, pace: Pace): string {
  const ctl = (action: string, timeout = '60s') => `{ name: ${action}, run: [node, demo/service/ctl.mjs, ${action}], timeout: ${timeout} }`;
  return `${benchPlanHead(service)}    requireDecision: false
    strategy:
      kind: blue-green
      deployIdle: ${ctl('deploy')}
      checkIdle: { name: Check the idle slot, http: { url: 'http://127.0.0.1:\${env.DEMO_PORT}/_idle/health', timeout: 2s }, attempts: 10, interval: 200ms }
      switch: ${ctl('switch')}
      switchBack: ${ctl('switch-back')}
      retireOld: ${ctl('retire')}
    alternatives:
      - kind: rolling
        instances: 4
        batchSize: 2
        deployBatch: ${ctl('rolling-deploy')}
        checkBatch: ${ctl('rolling-check')}
        undoBatch: ${ctl('rolling-undo')}
      - kind: canary
        deploy: ${ctl('canary-deploy')}
        setWeight: ${ctl('canary-weight')}
        promote: ${ctl('canary-promote')}
        abort: ${ctl('canary-abort')}
        retireOld: ${ctl('canary-retire')}
        steps:
          - { weight: 50, hold: ${seconds(pace.watchMs)} }
        checkEvery: ${seconds(pace.everyMs)}
      - kind: feature-flag
        deploy: ${ctl('flag-deploy')}
        flagOn: ${ctl('flag-on')}
        flagOff: ${ctl('flag-off')}
        undeploy: ${ctl('switch-back')}
    monitoring:
      check: { url: 'http://127.0.0.1:\${env.DEMO_PORT}/health', timeout: 2s }
      metrics:
        - metric: error_rate
          prometheus: { query: 'max(demo_error_ratio)' }
      every: ${seconds(pace.everyMs)}
      for: ${seconds(pace.watchMs)}
    rollbackTriggers:
      - error_rate > 5% for ${seconds(pace.windowMs)}
    rollback:
      validation:
        window: 2s
        every: 1s
        version: { url: 'http://127.0.0.1:\${env.DEMO_PORT}/', field: version, samples: 20 }
`;
}

/** One answer of production: when it came (epoch ms), and whether it showed the run's new behaviour (or no good answer at all). */
interface Answer {
  at: number;
  bad: boolean;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: 0, body: '' }));
    });
    req.setTimeout(2_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

/** Production as its users see it: GET / through the router, one request after another. */
export class Poller {
  private answers: Answer[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Whether an answer still shows what the run brought (null: no good answer). */
  isNew: (body: { version?: string; flagOn?: boolean }) => boolean = () => false;

  constructor(private readonly port: number) {}

  async ask(): Promise<Answer> {
    const { status, body } = await get(this.port, '/');
    let parsed: { version?: string; flagOn?: boolean } | null = null;
    try {
      parsed = JSON.parse(body);
    } catch {}
    return { at: Date.now(), bad: status !== 200 || !parsed || this.isNew(parsed) };
  }

  start(): void {
    this.answers = [];
    this.stopped = false;
    this.running = (async () => {
      while (!this.stopped) this.answers.push(await this.ask());
    })();
  }

  async stop(): Promise<Answer[]> {
    this.stopped = true;
    await this.running;
    return this.answers;
  }

  /** The last `count` answers (the stand-in's error rate reads them: it breaks only while the new behaviour serves). */
  recent(count: number): Answer[] {
    return this.answers.slice(-count);
  }
}

/** The first answer after the last one that still showed the new behaviour: from then on, production was restored. */
export function restoredAt(answers: Answer[], since: number): number | null {
  let last = answers.length - 1;
  while (last >= 0 && !answers[last]!.bad) last--;
  if (last === -1) return answers.find((answer) => answer.at >= since)?.at ?? null;
  return answers[last + 1]?.at ?? null;
}

/**
 * Prometheus' /api/v1/query as the worker reads it: `max(demo_error_ratio)` is 0.1 % until the bench breaks
 * it, then 20 % while any of the poller's latest answers still shows the run's new behaviour (an error rate
 * follows what serves), so a rollback's validation sees it recover once traffic is back.
 */
export async function metricStandIn(poller: Poller): Promise<{ url: string; breach(on: boolean): void; server: Server }> {
  let broken = false;
  const server = createServer((request, response) => {
    request.resume();
    const bad = broken && poller.recent(20).some((answer) => answer.bad);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1_000, bad ? '0.2' : '0.001'] }] } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, breach: (on) => (broken = on), server };
}

export interface DemoService {
  env: { DEMO_PORT: string; DEMO_STATE_DIR: string };
  port: number;
  /** Runs a ctl.mjs action by hand, as a plan's step would (FLIGHTDECK_* set from `run`). */
  ctl(action: string, run?: Record<string, string>): string;
  stop(): void;
}

export async function demoService(): Promise<DemoService> {
  const port = await freePortRun(3);
  const env = { DEMO_PORT: String(port), DEMO_STATE_DIR: mkdtempSync(join(tmpdir(), 'flightdeck-bench-demo-')) };
  const ctl = (action: string, run: Record<string, string> = {}) =>
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'demo/service/ctl.mjs'), action], {
      env: { ...process.env, ...env, ...run },
      stdio: ['ignore', 'pipe', 'pipe'],
    }).toString();
  return {
    env,
    port,
    ctl,
    stop() {
      try {
        ctl('stop');
      } catch {}
      rmSync(env.DEMO_STATE_DIR, { recursive: true, force: true });
    },
  };
}
