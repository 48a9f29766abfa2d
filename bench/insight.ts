import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { onCommand } from '../src/app/on-command.ts';
import type { AppContext } from '../src/app/shared/context.ts';
import { doraFigures } from '../src/domain/dora.ts';
import { loadPlans } from '../src/plans/catalog.ts';
import { deploysSince } from '../src/store/history.ts';
import { openDatabase } from '../src/store/db.ts';
import { saveJson } from './report.ts';
import { BENCH_USER, benchPlan } from './stack.ts';

/**
 * `npm run bench -- insight`: how long `/deploy history` and `/deploy stats` take with history stored
 * (BENCH_INSIGHT=0,100000 runs), in this process on real Postgres. The runs are copies of one real run's
 * snapshot (made through the use cases, then moved to its end), spread over BENCH_INSIGHT_SERVICES services
 * and the last 90 days, one in ten rolled back. The first level (no history but the one run) is the baseline
 * measured in the same run.
 */

const ITERATIONS = Number(process.env.BENCH_INSIGHT_ITERATIONS ?? 30);

export async function insightBench(settings: { levels: number[]; services: number }): Promise<void> {
  const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_insight_${process.pid}`;
  const adminPool = new pg.Pool({ connectionString: admin, max: 1 });
  await adminPool.query(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const plansDir = mkdtempSync(join(tmpdir(), 'flightdeck-bench-insight-'));
  const services = Array.from({ length: settings.services }, (_, i) => `bench-${i}`);
  for (const service of services) writeFileSync(join(plansDir, `${service}.yaml`), benchPlan(service));
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  const raw = new pg.Pool({ connectionString: url.toString(), max: 2 });
  const ctx: AppContext = {
    db: database.db,
    plans: await loadPlans(plansDir),
    clock: { now: () => new Date() },
    log: pino({ level: 'silent' }),
    kickRelay() {},
  };
  const ask = (text: string) => onCommand(ctx, { actor: { platform: 'slack', ...BENCH_USER }, text, requestKey: null });
  try {
    // One real run, its snapshot the template of every seeded one.
    const created = await ask('start bench-0 1.0.0');
    if (created.kind !== 'text' || !created.text.includes('created')) throw new Error(`start failed: ${JSON.stringify(created)}`);
    await raw.query(`update runs set state = 'succeeded', snapshot = jsonb_set(snapshot, '{state}', '"succeeded"') where key = 'bench-0-1'`);
    const results: { stored: number; query: string; p50: number; p99: number; max: number }[] = [];
    let stored = 0;
    for (const level of settings.levels) {
      if (level > stored) await seed(raw, stored, level, settings.services);
      stored = level;
      for (const query of ['history bench-1 production', 'stats bench-1 production', 'stats']) {
        const times: number[] = [];
        for (let i = 0; i < ITERATIONS; i++) {
          const began = performance.now();
          const reply = await ask(query);
          times.push(performance.now() - began);
          if (reply.kind !== 'card') throw new Error(`${query}: ${JSON.stringify(reply)}`);
        }
        times.sort((a, b) => a - b);
        const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
        results.push({ stored: level, query, p50: at(0.5), p99: at(0.99), max: times.at(-1)! });
      }
    }
    // Where the time of `stats` goes at the last level: reading the deploys, then the figures.
    const since = new Date(Date.now() - 90 * 86_400_000);
    let began = performance.now();
    const deploys = await deploysSince(database.db, null, since);
    const readMs = performance.now() - began;
    began = performance.now();
    doraFigures(deploys, new Date(), 90);
    const figuresMs = performance.now() - began;
    console.log(
      `\nstats of every service at ${stored.toLocaleString('en')} runs: ${deploys.length.toLocaleString('en')} deploys read in ${readMs.toFixed(0)} ms, figures in ${figuresMs.toFixed(0)} ms`,
    );
    console.log(`\n/deploy history and stats with history stored (${ITERATIONS} runs each, ${settings.services} services)`);
    console.log(['stored runs', 'query', 'p50 ms', 'p99 ms', 'max ms', 'p50 ratio'].map((h) => h.padStart(14)).join(''));
    for (const row of results) {
      const base = results.find((other) => other.stored === settings.levels[0] && other.query === row.query)!;
      console.log(
        [row.stored.toLocaleString('en'), row.query, row.p50.toFixed(2), row.p99.toFixed(2), row.max.toFixed(2), `${(row.p50 / base.p50).toFixed(2)}×`]
          .map((cell) => cell.padStart(14))
          .join(''),
      );
    }
    console.log(`→ ${saveJson('insight', { settings, iterations: ITERATIONS, results })}`);
  } finally {
    await raw.end();
    await database.close();
    await adminPool.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await adminPool.end();
    rmSync(plansDir, { recursive: true, force: true });
  }
}

/** Copies of the template run, ended over the last 90 days; one in ten rolled back after a trigger. */
async function seed(db: pg.Pool, from: number, to: number, services: number): Promise<void> {
  const began = performance.now();
  await db.query(
    `insert into runs (id, key, service, environment, version, state, seq, snapshot, spec_hash, outcome, created_at, updated_at)
     select gen_random_uuid(), 'history-' || i, 'bench-' || (i % $1), 'production', '0.' || i || '.0', s.state, 20,
            t.snapshot || jsonb_build_object('key', 'history-' || i, 'state', s.state, 'finishedAt', to_char(s.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              'rollback', case when s.state = 'rolled_back' then jsonb_build_object('reason', 'trigger fired', 'trigger', 'health failing for 3 checks',
                'startedAt', to_char((s.at - interval '1 minute') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'trafficRestoredAt', to_char((s.at - interval '50 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'evidence', jsonb_build_array(jsonb_build_object('seq', 1, 'at', to_char((s.at - interval '2 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'healthy', false, 'detail', 'GET /health → 503')),
                'validations', '[]'::jsonb, 'level', 0, 'undoneAt', null, 'finishedAt', to_char(s.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'by', null) else null end),
            t.spec_hash,
            -- What a run that ended writes beside its snapshot (domain/dora.ts outcomeOf).
            jsonb_build_object('key', 'history-' || i, 'service', 'bench-' || (i % $1), 'environment', 'production', 'version', '0.' || i || '.0',
              'state', s.state, 'finishedAt', to_char(s.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
              'firstBreachAt', case when s.state = 'rolled_back' then to_char((s.at - interval '2 minutes') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end,
              'rollbackStartedAt', case when s.state = 'rolled_back' then to_char((s.at - interval '1 minute') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end,
              'trafficRestoredAt', case when s.state = 'rolled_back' then to_char((s.at - interval '50 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') end,
              'commitAt', null, 'commitSha', null),
            s.at - interval '10 minutes', s.at
     from generate_series($2::bigint, $3::bigint - 1) as i
     cross join (select snapshot, spec_hash from runs where key = 'bench-0-1') as t
     cross join lateral (select case when i % 10 = 0 then 'rolled_back' else 'succeeded' end as state,
                                now() - interval '90 days' * ((i % 100000)::float / 100000) as at) as s`,
    [services, from, to],
  );
  await db.query('analyze runs');
  console.log(`  seeded ${to.toLocaleString('en')} runs (${((performance.now() - began) / 1000).toFixed(1)} s)`);
}
