import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Run } from '../../src/domain/run.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { startPrometheus, type PrometheusService } from '../../src/services/prometheus.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { runEnded, runReaching, waitFor } from './flightdeck.ts';
import { startSlackFlightdeck, USERS } from './slack-app.ts';

/**
 * The rollback matrix on real processes: Flightdeck through the real Bolt receiver and a real worker,
 * the demo service's router and app processes, and a real Prometheus scraping them. Each scenario
 * starts a run of the `matrix` plan (no Go/No-Go), lets it roll back at one point, and then asks
 * production itself which version answers, over many requests through the router.
 */
export async function startMatrix() {
  let prometheus: PrometheusService | undefined;
  const app = await startSlackFlightdeck({
    worker: true,
    plansDir: join(PROJECT_ROOT, 'test/fixtures/rollback'),
    env: async (demo) => {
      prometheus = await startPrometheus([`127.0.0.1:${demo.DEMO_PORT}`], { scrapeInterval: '1s' });
      return { PROMETHEUS_URL: prometheus.url };
    },
  });
  let runs = 0;
  const db = app.runtime.ctx.db;

  const matrix = {
    app,
    run: (key: string) => findRunByKey(db, key),
    until: (key: string, states: readonly string[], timeoutMs = 60_000) => runReaching(db, key, states, timeoutMs),
    ended: (key: string, timeoutMs = 60_000) => runEnded(db, key, timeoutMs),
    /** Starts `version` (with `--strategy` when given) as alice; returns the new run's key and id. */
    async start(version: string, strategy?: string): Promise<{ key: string; id: string }> {
      const key = `matrix-${++runs}`;
      const answer = await app.command('alice', `start matrix ${version}${strategy ? ` --strategy ${strategy}` : ''}`);
      expect(JSON.stringify(answer.json), answer.text).toContain(`Run ${key} created`);
      const run = await matrix.until(key, ['pre_checks', 'staging', 'deploying', 'verifying', 'monitoring', ...TERMINAL_STATES]);
      return { key, id: run.id };
    },
    async click(user: keyof typeof USERS, action: string, id: string) {
      expect((await app.click(user, action, id)).status).toBe(200);
    },
    /** Which version answered each of `requests` production requests through the router ('none' for an answer naming none). */
    async servedVersions(requests = 40): Promise<Record<string, number>> {
      const tally: Record<string, number> = {};
      for (let i = 0; i < requests; i++) {
        const answer = await fetch(`http://127.0.0.1:${app.demo.DEMO_PORT}/`).catch(() => null);
        const body = answer ? await answer.text() : '';
        let version = 'none';
        try {
          version = (JSON.parse(body) as { version?: string }).version ?? 'none';
        } catch {}
        tally[version] = (tally[version] ?? 0) + 1;
      }
      return tally;
    },
    /** The messages posted in the channel (and threads) that mention `key`, as text. */
    posted(key: string): string[] {
      return app.slack
        .called('chat.postMessage')
        .map((call) => app.slack.textOf(call))
        .filter((text) => text.includes(key));
    },
    /** Direct messages to carol (on-call) about `key`: pages. */
    pagesOf(key: string): string[] {
      return app.slack
        .called('chat.postMessage')
        .filter((call) => call.args.channel === USERS.carol.userId)
        .map((call) => app.slack.textOf(call))
        .filter((text) => text.includes(key));
    },
    pool(): { backends: Record<string, { version: string; weight: number; pid: number }> } {
      return JSON.parse(
        execFileSync(process.execPath, [join(PROJECT_ROOT, 'demo/service/ctl.mjs'), 'status', '--json'], { env: { ...process.env, ...app.demo } }).toString(),
      );
    },
    /** A successful deployment of `version`: what later rollbacks must bring back. */
    async deployed(version: string, strategy?: string): Promise<Run> {
      const { key } = await matrix.start(version, strategy);
      const done = await matrix.ended(key);
      expect(done.state, JSON.stringify(done.failure)).toBe('succeeded');
      return done;
    },
    /** The rollback message of `key` once it is posted. */
    rollbackMessage(key: string): Promise<string> {
      return waitFor(`the rollback message of ${key}`, async () => matrix.posted(key).find((text) => text.includes('URGENT:')));
    },
    async stop() {
      await app.stop();
      await prometheus?.stop();
    },
  };
  return matrix;
}

export type Matrix = Awaited<ReturnType<typeof startMatrix>>;

/** After a rollback, every sampled request through the router was answered by `version`. */
export async function expectServedBy(matrix: Matrix, version: string): Promise<void> {
  expect(await matrix.servedVersions()).toEqual({ [version]: 40 });
}
