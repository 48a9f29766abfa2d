import { phase, warmUp, BARE, FLIGHTDECK } from './ack.ts';
import { printTable, saveJson, withRatios, type Row } from './report.ts';
import { startStack, type Stack } from './stack.ts';

/**
 * Flat with history: the ack path at one rate with 0, 100 k and 1 M runs already stored (BENCH_HISTORY),
 * spread over the targets the starts use, nine in ten succeeded. Rows are seeded by generate_series in
 * batches, without events (no start reads a finished run's events), then vacuumed and analyzed.
 */

const BATCH = 100_000;

async function seed(stack: Stack, from: number, to: number): Promise<void> {
  const services = stack.services.length;
  for (let start = from; start < to; start += BATCH) {
    const end = Math.min(to, start + BATCH);
    const began = performance.now();
    // The seeded runs are read only through their columns, never as runs: they name one placeholder spec.
    await stack.db.query(`insert into run_specs (hash, spec) values ('bench-history', '{}') on conflict do nothing`);
    await stack.db.query(
      `insert into runs (id, key, service, environment, version, state, seq, snapshot, spec_hash, created_at, updated_at)
       select gen_random_uuid(), 'history-' || i, 'bench-' || lpad((i % $1)::text, 5, '0'), 'production', '0.' || (i / $1) || '.0',
              case when i % 10 = 0 then 'failed' else 'succeeded' end, 3,
              jsonb_build_object('key', 'history-' || i, 'state', case when i % 10 = 0 then 'failed' else 'succeeded' end, 'note', repeat('x', 400)),
              'bench-history',
              now() - interval '1 second' * ($3::bigint - i), now() - interval '1 second' * ($3::bigint - i)
       from generate_series($2::bigint, $3::bigint - 1) as i`,
      [services, start, end],
    );
    console.log(`  seeded ${end.toLocaleString('en')} runs (${((performance.now() - began) / 1000).toFixed(1)} s for this batch)`);
  }
  // Vacuumed as well as analyzed: a million rows inserted at once bring autovacuum to the table moments later, and
  // its pass (hint bits, visibility map) landed in the first phase (p99 3.6 s, 115 late, against 162 ms in the next).
  // A real history grows over years; its autovacuum runs are small.
  await stack.db.query('vacuum (analyze) runs');
  // And checkpointed: the seed's WAL (hundreds of MB) starts a checkpoint whose writes would otherwise spread over the
  // next minutes' phases and be counted as the starts' (1 M runs: Postgres 5.0 ms per start, 3.9 with this). The first
  // phase after it still logs a full-page image of every page it first changes: the first phase at each level is slow.
  await stack.db.query('checkpoint');
}

type BufferCounts = Map<string, { read: number; hit: number }>;

/**
 * Blocks of each relation a start writes (heap and every index) read into shared buffers (a miss) and found
 * there, and the WAL written (full-page images: a page's first change after a checkpoint logs all 8 kB of it), cumulative. Backends report their counts when idle for up to 10 s, so this waits that long first.
 */
async function bufferCounts(stack: Stack): Promise<BufferCounts> {
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  const { rows } = await stack.db.query<{ name: string; read: string; hit: string }>(
    `select indexrelname as name, idx_blks_read as read, idx_blks_hit as hit from pg_statio_user_indexes
     union all select relname, heap_blks_read, heap_blks_hit from pg_statio_user_tables
     union all select 'WAL full-page images', wal_fpi, 0 from pg_stat_wal union all select 'WAL kB', wal_bytes / 1024, 0 from pg_stat_wal`,
  );
  return new Map(rows.map((row) => [row.name, { read: Number(row.read), hit: Number(row.hit) }]));
}

/** Per start, the relations with the most misses between two counts. */
function printMisses(label: string, before: BufferCounts, after: BufferCounts, starts: number): void {
  const deltas = [...after].map(([name, { read, hit }]) => ({
    name,
    read: (read - (before.get(name)?.read ?? 0)) / starts,
    hit: (hit - (before.get(name)?.hit ?? 0)) / starts,
  }));
  const wal = deltas.filter((d) => d.name.startsWith('WAL '));
  const top = deltas
    .filter((d) => !d.name.startsWith('WAL '))
    .sort((a, b) => b.read - a.read || b.hit - a.hit)
    .slice(0, 8);
  console.log(`  shared buffers per start at ${label} (misses / hits): ${top.map((d) => `${d.name} ${d.read.toFixed(2)} / ${d.hit.toFixed(1)}`).join(', ')}`);
  console.log(`  WAL per start at ${label} (the whole cluster's): ${wal.map((d) => `${d.name} ${d.read.toFixed(2)}`).join(', ')}`);
}

export async function historyBench(settings: { levels: number[]; rate: number; phaseSeconds: number }): Promise<void> {
  const services = settings.rate * settings.phaseSeconds + 100;
  console.log(
    `history: ack p99 at ${settings.levels.map((level) => level.toLocaleString('en')).join(', ')} stored runs, ${settings.rate}/s, ${settings.phaseSeconds} s phases`,
  );
  const stack = await startStack({ services });
  let offset = 0;
  const next = () => (offset += 100_000);
  const rows: Row[] = [];
  try {
    await warmUp(stack, next);
    let stored = 0;
    for (const level of settings.levels) {
      await seed(stack, stored, level);
      stored = level;
      const label = `${level.toLocaleString('en')} runs`;
      const before = await bufferCounts(stack);
      for (const system of [FLIGHTDECK, BARE, FLIGHTDECK, BARE]) rows.push(await phase(stack, system, settings.rate, settings.phaseSeconds, next(), label));
      printMisses(label, before, await bufferCounts(stack), 2 * settings.rate * settings.phaseSeconds);
    }
    const { rows: explained } = await stack.db.query<{ 'QUERY PLAN': string }>(
      `explain select version, key from runs where service = 'bench-00001' and environment = 'production' and state = 'succeeded' order by updated_at desc nulls last, created_at desc nulls last limit 1`,
    );
    console.log(`\nthe newest success with ${stored.toLocaleString('en')} runs stored:\n${explained.map((row) => `  ${row['QUERY PLAN']}`).join('\n')}`);
    const table = withRatios(rows, BARE);
    printTable(`/deploy start at ${settings.rate}/s with history (p99 ratio: against the bare Bolt app at the same history)`, table);
    console.log(`→ ${saveJson('history', { settings, rows: table })}`);
  } finally {
    await stack.stop();
  }
}
