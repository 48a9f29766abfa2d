import { BARE, FLIGHTDECK, starts } from './ack.ts';
import { runPhase, type Check } from './load.ts';
import { printTable, saveJson, withRatios, type Row } from './report.ts';
import { goClick } from './slack-bodies.ts';
import { BENCH_APPROVER, settle, startStack } from './stack.ts';

/**
 * GO clicks (block_actions) at fixed rates, open loop: Flightdeck reads the run, asks the domain whether the
 * approver may decide, opens the decision form (views.open, on the stand-in) and acks; the bare Bolt app acks.
 * The runs clicked on are created first by slash commands and wait for Go/No-Go.
 */

const goCheck: Check = (status) => (status === 200 ? 'accepted' : 'error');

export async function goBench(settings: { rates: number[]; phaseSeconds: number; rounds: number; runs: number }): Promise<void> {
  console.log(`GO clicks: ${settings.runs} runs awaiting a decision, rates ${settings.rates.join(', ')}/s, ${settings.phaseSeconds} s phases`);
  const stack = await startStack({ services: settings.runs });
  try {
    // The runs to click on: one per service, created at a pace the machine takes.
    await runPhase(stack.servePort, 20, starts(stack, settings.runs, 0), () => 'accepted', 30_000);
    await settle(stack);
    const { rows: waiting } = await stack.db.query<{ id: string }>(`select id from runs where state = 'awaiting_decision'`);
    if (waiting.length === 0) throw new Error('no run is waiting for a decision: the starts failed (BENCH_VERBOSE=1 shows why)');
    console.log(`  ${waiting.length} runs await a decision`);
    // Warm-up, not counted (as the ack bench's): the first clicks compile the code paths, fill the pools and open the
    // Web API client's connections; without it the first phase measured that (p50 230–590 ms at 200/s, not 8 ms).
    for (const system of [FLIGHTDECK, BARE]) {
      const clicks = Array.from({ length: 60 }, (_, i) => goClick(waiting[i % waiting.length]!.id, BENCH_APPROVER));
      await runPhase(system === FLIGHTDECK ? stack.servePort : stack.barePort, 20, clicks, goCheck);
      await settle(stack);
    }
    const rows: Row[] = [];
    for (let round = 0; round < settings.rounds; round++)
      for (const rate of settings.rates)
        for (const system of [FLIGHTDECK, BARE]) {
          const clicks = Array.from({ length: Math.round(rate * settings.phaseSeconds) }, (_, i) => goClick(waiting[i % waiting.length]!.id, BENCH_APPROVER));
          const before = stack.cpuMs();
          const result = await runPhase(system === FLIGHTDECK ? stack.servePort : stack.barePort, rate, clicks, goCheck);
          await settle(stack);
          const after = stack.cpuMs();
          // CPU per click of the process answering it (serve or the bare app), and of Postgres.
          const cpu = ((system === FLIGHTDECK ? after.serve - before.serve : after.bare - before.bare) / clicks.length).toFixed(2);
          const postgres = ((after.postgres - before.postgres) / clicks.length).toFixed(2);
          console.log(
            `  ${system.padEnd(10)} ${String(rate).padStart(5)}/s round ${round + 1}: p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}, cpu ${cpu} ms/click, postgres ${postgres}`,
          );
          rows.push({ system, label: `round ${round + 1}`, ...result });
        }
    const table = withRatios(rows, BARE);
    printTable('GO clicks, open loop (p99 ratio: against the bare Bolt app in the same round)', table);
    console.log(`→ ${saveJson('go', { settings, rows: table })}`);
  } finally {
    await stack.stop();
  }
}
