import { createServer, type Server } from 'node:http';
import { loadavg } from 'node:os';
import { runPhase } from './load.ts';
import { checksIn, otherCosts, redisMemory, relayLag, workerMemory, type Memory } from './monitoring-measure.ts';
import { saveJson } from './report.ts';
import { slashCommand } from './slack-bodies.ts';
import { BENCH_USER, benchPlanHead, startStack, type Stack } from './stack.ts';

/**
 * Many runs in flight: one worker keeps BENCH_MONITORED runs in monitoring, each checked every minute against a
 * local health endpoint that answers at once, for BENCH_MONITOR_MINUTES. A few runs (TEMPLATES) get there the real
 * way (/deploy start → deploy steps → monitoring, no Go/No-Go in this plan); the rest are copies of one of them made
 * by SQL (snapshot, events, the pending check's outbox row), their first checks spread evenly over one minute, so
 * the worker relays, checks and records them exactly as it does real ones. Measured from what the system records:
 * lateness (a check event's time − its slot, domain checkSlot), checks lost or doubled (check events per run and slot),
 * relay lag (outbox created_at → relayed_at, an upper bound of commit → job in Redis), and the worker's memory.
 */

const TEMPLATES = 10;
const MINUTE = 60_000;
/** Time to copy the runs and relay their first checks before the first slot (the copies' slots start after it). */
const LEAD_MS = 45_000;

export interface MonitoringSettings {
  runs: number;
  minutes: number;
}

/** A probe target that answers 200 at once; counts what it was asked (steps use /deploy, checks /health). */
async function healthEndpoint(): Promise<{ url: string; server: Server; probes: () => number }> {
  let probes = 0;
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/health')) probes++;
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('ok');
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server, probes: () => probes };
}

/** Blue-green whose steps are HTTP calls to the endpoint (no processes spawned), then monitoring every minute, for long enough. */
function monitoredPlan(service: string, url: string, forMinutes: number): string {
  const call = (name: string) => `{ name: ${name}, http: { url: '${url}/deploy', timeout: 2s } }`;
  return `${benchPlanHead(service)}    requireDecision: false
    strategy:
      kind: blue-green
      deployIdle: ${call('Deploy')}
      checkIdle: { name: Check, http: { url: '${url}/deploy', timeout: 1s }, attempts: 1, interval: 100ms }
      switch: ${call('Switch')}
      switchBack: ${call('Switch back')}
    monitoring:
      check: { url: '${url}/health', timeout: 3s }
      every: 1m
      for: ${forMinutes}m
    rollbackTriggers:
      - health failing for 3 checks
`;
}

/** Brings TEMPLATES runs into monitoring through serve and the worker; returns their ids. */
async function startTemplates(stack: Stack): Promise<string[]> {
  const starts = stack.services.slice(0, TEMPLATES).map((service) => slashCommand(`start ${service} 1.0.0`, BENCH_USER));
  await runPhase(stack.servePort, 5, starts, () => 'accepted', 30_000);
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const { rows } = await stack.db.query<{ id: string; state: string }>('select id, state from runs');
    const monitoring = rows.filter((row) => row.state === 'monitoring');
    if (monitoring.length === TEMPLATES) return monitoring.map((row) => row.id);
    if (rows.length === TEMPLATES && rows.some((row) => !['deploying', 'monitoring', 'pre_checks', 'staging'].includes(row.state)))
      throw new Error(`a template run did not reach monitoring: ${rows.map((row) => row.state).join(', ')} (BENCH_VERBOSE=1 shows why)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the template runs did not reach monitoring within 2 minutes');
}

/**
 * Copies of the template run for services TEMPLATES…runs-1, in its exact shape: its snapshot with the copy's id,
 * key and service, and a monitoring window whose first slot is `firstSlot` + i × (1 minute / copies) (its work_due_at); its events;
 * the outbox row of its first check, not yet relayed (the worker's relay moves them, as it would real ones).
 */
async function copyRuns(stack: Stack, templateId: string, copies: number, firstSlot: number): Promise<void> {
  if (copies <= 0) return;
  const spacingMs = MINUTE / copies;
  // One connection: the temporary table and the transaction are that session's.
  const db = await stack.db.connect();
  await db.query('begin');
  try {
    await db.query(
      `create temporary table copies on commit drop as
       select i, gen_random_uuid() as id, 'bench-' || lpad(($2::int + i)::text, 5, '0') as service,
              to_timestamp(($3::float8 + i * $4::float8 - $5::float8) / 1000) as since
       from generate_series(0, $1::int - 1) as i`,
      [copies, TEMPLATES, firstSlot, spacingMs, MINUTE],
    );
    // The window starts one pace before its first slot; ISO strings, as the domain writes them.
    await db.query(
      `insert into runs (id, key, service, environment, version, state, request_key, seq, snapshot, outcome, work_due_at, created_at, updated_at, spec_hash)
       select c.id, c.service || '-1', c.service, r.environment, r.version, r.state, null, r.seq,
              jsonb_set(jsonb_set(jsonb_set(jsonb_set(jsonb_set(r.snapshot,
                '{id}', to_jsonb(c.id::text)), '{key}', to_jsonb(c.service || '-1')), '{service}', to_jsonb(c.service)),
                '{watch,since}', to_jsonb(to_char(c.since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
                '{monitoringSince}', to_jsonb(to_char(c.since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))),
              r.outcome, c.since + interval '1 minute' * ((r.snapshot->>'nextCheck')::int - (r.snapshot->'watch'->>'firstSeq')::int + 1),
              c.since, c.since, r.spec_hash
       from copies c, runs r where r.id = $1`,
      [templateId],
    );
    await db.query(
      `insert into run_events (run_id, seq, type, payload, at)
       select c.id, e.seq, e.type, e.payload, e.at from copies c, run_events e where e.run_id = $1`,
      [templateId],
    );
    await db.query(
      `insert into outbox (id, run_id, queue, payload, run_at, created_at, relayed_at, job_id)
       select gen_random_uuid(), c.id, o.queue, jsonb_set(o.payload, '{runId}', to_jsonb(c.id::text)), c.since + interval '1 minute' * ((r.snapshot->>'nextCheck')::int - (r.snapshot->'watch'->>'firstSeq')::int + 1), now(), null, null
       from copies c, outbox o, runs r
       where r.id = $1 and o.run_id = $1 and o.queue = 'flightdeck-checks' and o.payload->>'seq' = r.snapshot->>'nextCheck'`,
      [templateId],
    );
    await db.query('commit');
  } catch (error) {
    await db.query('rollback');
    throw error;
  } finally {
    db.release();
  }
  await stack.db.query('analyze');
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

export async function monitoringBench(settings: MonitoringSettings): Promise<void> {
  const runs = Math.max(settings.runs, TEMPLATES);
  console.log(`monitoring: ${runs.toLocaleString('en')} runs checked every minute by one worker for ${settings.minutes} min (load average ${load()})`);
  const endpoint = await healthEndpoint();
  // Monitoring must outlast the window: the lead, the window and the grace after it, with room to spare.
  const forMinutes = settings.minutes + 10;
  // Plans only for the templates' services: the copies' targets need none (a check never reads the plan), and 10,000
  // plan files would add a minute of YAML parsing to each process's start.
  const stack = await startStack({ services: TEMPLATES, plan: (service) => monitoredPlan(service, endpoint.url, forMinutes) });
  try {
    const templates = await startTemplates(stack);
    const { rows: sized } = await stack.db.query<{ n: number }>('select octet_length(snapshot::text) as n from runs where id = $1', [templates[0]]);
    const snapshotBytes = sized[0]!.n;
    // The worker's CPU with (almost) nothing to do: BullMQ's polling, the relay's, the metrics.
    const idleBefore = stack.cpuMs().worker;
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const idleMsPerS = (stack.cpuMs().worker - idleBefore) / 10;
    const idle = await workerMemory(stack);
    const redisBefore = await redisMemory();
    const copying = performance.now();
    // The copies' first slots begin after the lead, so their first checks are in Redis in time.
    const firstSlot = Date.now() + LEAD_MS;
    await copyRuns(stack, templates[0]!, runs - TEMPLATES, firstSlot);
    console.log(
      `  ${TEMPLATES} runs started for real, ${(runs - TEMPLATES).toLocaleString('en')} copied in ${((performance.now() - copying) / 1000).toFixed(1)} s`,
    );
    // The window: whole minutes from the first slot of the copies (every run has one check per minute in it).
    const from = firstSlot;
    const to = from + settings.minutes * MINUTE;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, from - Date.now())));
    const cpuBefore = stack.cpuMs();
    const others = otherCosts(stack);
    const probesBefore = endpoint.probes();
    const memory: Memory[] = [];
    const loads: string[] = [];
    while (Date.now() < to) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(15_000, Math.max(0, to - Date.now()))));
      memory.push(await workerMemory(stack));
      loads.push(load());
      const done = await stack.db.query<{ n: string }>(`select count(*) as n from run_events where type = 'check' and at >= to_timestamp($1::float8 / 1000)`, [
        from,
      ]);
      console.log(
        `  ${Math.round((Date.now() - from) / 1000)} s: ${done.rows[0]!.n} checks recorded, worker rss ${mb(memory.at(-1)!.rss)}, heap ${mb(memory.at(-1)!.heap)}, load ${loads.at(-1)}`,
      );
    }
    // Grace for the window's last checks (a late one still counts, with its lateness).
    await new Promise((resolve) => setTimeout(resolve, 20_000));
    const cpuAfter = stack.cpuMs();
    const costs = await others.stop();
    const redisAfter = await redisMemory();
    await stack.stopWorker();
    const stoppedAt = Date.now();
    // Every probe since the window began should be a check recorded since then (one in flight when the worker stopped may not be).
    const probes = endpoint.probes() - probesBefore;
    const { rows: since } = await stack.db.query<{ n: string }>(
      `select count(*) as n from run_events where type = 'check' and at >= to_timestamp($1::float8 / 1000)`,
      [from],
    );
    const checks = await checksIn(stack, from, to, stoppedAt);
    const relay = await relayLag(stack, from, to);
    const last = memory.at(-1)!;
    const peakRss = Math.max(...memory.map((sample) => sample.rss));
    const result = {
      settings: { ...settings, runs },
      checks,
      relay,
      memory: {
        idle,
        last,
        peakRss,
        rssPerRunBytes: (last.rss - idle.rss) / runs,
        heapPerRunBytes: (last.heap - idle.heap) / runs,
        redisPerRunBytes: (redisAfter - redisBefore) / runs,
      },
      workerCpuMsPerCheck: (cpuAfter.worker - cpuBefore.worker) / Math.max(1, checks.recorded),
      workerIdleCpuMsPerS: idleMsPerS,
      postgresCpuMsPerCheck: (costs.postgresCpuS * 1_000) / Math.max(1, checks.recorded),
      redisCpuMsPerCheck: (costs.redisCpuS * 1_000) / Math.max(1, checks.recorded),
      transactionsPerCheck: costs.transactions / Math.max(1, checks.recorded),
      snapshotBytes,
      probes: { sent: probes, checksRecorded: Number(since[0]!.n) },
      loads,
    };
    const ms = (value: number) => `${Math.round(value)} ms`;
    console.log(`\nmonitoring, ${runs.toLocaleString('en')} runs, ${settings.minutes} min window (load average during it: ${loads.join(' | ')})`);
    console.log(
      `  checks due ${checks.expected}, recorded ${checks.recorded}, not recorded by the end ${checks.unrecorded} (still queued ${checks.stillQueued}), lost ${checks.lost}, doubled ${checks.doubled}`,
    );
    console.log(`  (probes since the window began ${probes}, check events recorded since then ${since[0]!.n})`);
    console.log(
      `  lateness (recorded − slot; a check still queued counts as late as the end): p50 ${ms(checks.lateness.p50)}, p99 ${ms(checks.lateness.p99)}, max ${ms(checks.lateness.max)}  (goal p99 < 1 s)`,
    );
    console.log(
      `  relay lag (outbox row created → relayed): p50 ${ms(relay.p50)}, p99 ${ms(relay.p99)}, max ${ms(relay.max)}, not relayed ${relay.unrelayed}  (goal p99 < 100 ms)`,
    );
    console.log(
      `  worker: rss ${mb(idle.rss)} → ${mb(last.rss)} (peak ${mb(peakRss)}), heap ${mb(idle.heap)} → ${mb(last.heap)}: ` +
        `${(result.memory.rssPerRunBytes / 1024).toFixed(2)} KB rss, ${(result.memory.heapPerRunBytes / 1024).toFixed(2)} KB heap per run; ` +
        `redis ${(result.memory.redisPerRunBytes / 1024).toFixed(2)} KB per run; cpu ${result.workerCpuMsPerCheck.toFixed(2)} ms per check (idle: ${idleMsPerS.toFixed(1)} ms/s)`,
    );
    console.log(
      `  per check elsewhere: postgres ${result.postgresCpuMsPerCheck.toFixed(2)} ms cpu, redis ${result.redisCpuMsPerCheck.toFixed(2)} ms cpu, ` +
        `${result.transactionsPerCheck.toFixed(1)} transactions committed; a run's snapshot is ${snapshotBytes} bytes`,
    );
    console.log(`→ ${saveJson('monitoring', result)}`);
  } finally {
    await stack.stop();
    await new Promise<void>((resolve) => {
      endpoint.server.close(() => resolve());
      endpoint.server.closeAllConnections();
    });
  }
}
