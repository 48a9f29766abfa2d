import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { checkSlot, type Run } from '../src/domain/run.ts';
import type { Stack } from './stack.ts';

/** What `bench -- monitoring` reads from the system's own records, once the worker has stopped, and what it samples meanwhile. */

export interface Memory {
  rss: number;
  heap: number;
}

/** The worker's RSS and used heap, from its own /metrics (prom-client's default process metrics). */
export async function workerMemory(stack: Stack): Promise<Memory> {
  const text = await fetch(`http://127.0.0.1:${stack.workerPort}/metrics`).then((response) => response.text());
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: value('process_resident_memory_bytes'), heap: value('nodejs_heap_size_used_bytes') };
}

/** Redis's used memory (the delayed check jobs, the completed ones kept a day). */
export async function redisMemory(): Promise<number> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
  } finally {
    redis.disconnect();
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
};

/**
 * Every check due in [from, to): recorded ones with their lateness (event time − slot); per run, slots with more than
 * one check (doubled); a slot without one is either still queued (its job alive in Redis: late, counted in the lateness
 * as at least `stoppedAt` − slot) or lost (no job would ever run it; the sweeper would re-enqueue it after its grace).
 */
export async function checksIn(stack: Stack, from: number, to: number, stoppedAt: number) {
  const { rows: watches } = await stack.db.query<{ id: string; watch: Run['watch']; next: number }>(
    `select id, snapshot->'watch' as watch, (snapshot->>'nextCheck')::int as next from runs`,
  );
  const { rows: events } = await stack.db.query<{ run_id: string; seq: number; at: Date }>(
    `select run_id, (payload->>'seq')::int as seq, at from run_events where type = 'check'`,
  );
  const slotOf = (watch: Run['watch'], seq: number) => Date.parse(checkSlot({ watch } as Run, seq).at);
  const recorded = new Map<string, Date[]>();
  for (const event of events) {
    const key = `${event.run_id}/${event.seq}`;
    recorded.set(key, [...(recorded.get(key) ?? []), event.at]);
  }
  const lateness: number[] = [];
  const queued: { id: string; seq: number }[] = [];
  let expected = 0;
  let gaps = 0;
  let doubled = 0;
  let unrecorded = 0;
  for (const { id, watch, next } of watches) {
    if (!watch) continue;
    for (let seq = watch.firstSeq; ; seq++) {
      const slot = slotOf(watch, seq);
      if (slot >= to) break;
      if (slot < from) continue;
      expected++;
      const ats = recorded.get(`${id}/${seq}`) ?? [];
      if (ats.length > 1) doubled++;
      for (const at of ats) lateness.push(at.getTime() - slot);
      if (ats.length > 0) continue;
      unrecorded++;
      lateness.push(stoppedAt - slot);
      // The checks of a run are recorded in turn, so the first one missing is the run's next check; one before it is a gap.
      if (seq < next) gaps++;
      else if (seq === next) queued.push({ id, seq });
    }
  }
  const alive = await liveJobs(stack, queued);
  return {
    expected,
    recorded: expected - unrecorded,
    unrecorded,
    stillQueued: alive,
    lost: gaps + queued.length - alive,
    doubled,
    lateness: summary(lateness),
  };
}

/** How many of these next checks have a job in Redis that has not finished (delayed, waiting or active). */
async function liveJobs(stack: Stack, checks: { id: string; seq: number }[]): Promise<number> {
  if (checks.length === 0) return 0;
  const { rows } = await stack.db.query<{ id: string }>(
    `select o.id from outbox o join unnest($1::uuid[], $2::int[]) as c(run_id, seq) on o.run_id = c.run_id and (o.payload->>'seq')::int = c.seq
     where o.queue = 'flightdeck-checks' and o.relayed_at is not null`,
    [checks.map((check) => check.id), checks.map((check) => check.seq)],
  );
  const prefix = new URL(stack.databaseUrl).pathname.slice(1);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const pipeline = redis.pipeline();
    for (const { id } of rows) pipeline.hmget(`${prefix}:flightdeck-checks:${id}`, 'timestamp', 'finishedOn');
    const answers = (await pipeline.exec()) ?? [];
    return answers.filter(([, fields]) => {
      const [timestamp, finishedOn] = fields as (string | null)[];
      return timestamp !== null && finishedOn === null;
    }).length;
  } finally {
    redis.disconnect();
  }
}

export async function relayLag(stack: Stack, from: number, to: number) {
  const { rows } = await stack.db.query<{ lag: number | null }>(
    `select extract(epoch from relayed_at - created_at) * 1000 as lag from outbox
     where queue = 'flightdeck-checks' and created_at >= to_timestamp($1::float8 / 1000) and created_at < to_timestamp($2::float8 / 1000)`,
    [from, to],
  );
  const relayed = rows.filter((row) => row.lag !== null).map((row) => Number(row.lag));
  return { ...summary(relayed), unrelayed: rows.length - relayed.length };
}

/** CPU seconds of a process from /proc (utime + stime; Linux), 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * What the checks cost outside the worker: CPU of this database's Postgres backends (sampled every 2 s from /proc;
 * one that ends between samples loses at most its last 2 s), of Redis (INFO, the whole server: this bench's own),
 * and the transactions Postgres committed.
 */
export function otherCosts(stack: Stack) {
  const started = new Date();
  const backends = new Map<number, { first: number; last: number }>();
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]);
  };
  const commits = async () =>
    Number((await stack.db.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = current_database()')).rows[0]!.n);
  const sample = async () => {
    const { rows } = await stack.db.query<{ pid: number; backend_start: Date }>(
      'select pid, backend_start from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    for (const { pid, backend_start } of rows) {
      const now = cpuSeconds(pid);
      const known = backends.get(pid);
      if (known) known.last = Math.max(known.last, now);
      else backends.set(pid, { first: backend_start > started ? 0 : now, last: now });
    }
  };
  let timer: NodeJS.Timeout | null = null;
  const before = Promise.all([redisCpu(), commits(), sample()]);
  timer = setInterval(() => void sample().catch(() => {}), 2_000);
  return {
    async stop() {
      clearInterval(timer!);
      await sample();
      const [redisBefore, commitsBefore] = await before;
      const [redisAfter, commitsAfter] = [await redisCpu(), await commits()];
      redis.disconnect();
      const postgresS = [...backends.values()].reduce((sum, { first, last }) => sum + last - first, 0);
      return { postgresCpuS: postgresS, redisCpuS: redisAfter - redisBefore, transactions: commitsAfter - commitsBefore };
    },
  };
}
