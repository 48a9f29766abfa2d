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
    const rows: Row[] = [];
    for (let round = 0; round < settings.rounds; round++)
      for (const rate of settings.rates)
        for (const system of [FLIGHTDECK, BARE]) {
          const clicks = Array.from({ length: Math.round(rate * settings.phaseSeconds) }, (_, i) => goClick(waiting[i % waiting.length]!.id, BENCH_APPROVER));
          const result = await runPhase(system === FLIGHTDECK ? stack.servePort : stack.barePort, rate, clicks, goCheck);
          console.log(`  ${system.padEnd(10)} ${String(rate).padStart(5)}/s round ${round + 1}: p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}`);
          rows.push({ system, label: `round ${round + 1}`, ...result });
          await settle(stack);
        }
    const table = withRatios(rows, BARE);
    printTable('GO clicks, open loop (p99 ratio: against the bare Bolt app in the same round)', table);
    console.log(`→ ${saveJson('go', { settings, rows: table })}`);
  } finally {
    await stack.stop();
  }
}
