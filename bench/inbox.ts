import { BARE, FLIGHTDECK, INBOX, phase, warmUp, type PhaseSample } from './ack.ts';
import { printTable, saveJson, withRatios } from './report.ts';
import { startStack } from './stack.ts';

/**
 * The floor of a durable inbox (issue 11's last way to the ack goal): the bare Bolt app, and the same app
 * committing one insert of the verified command before its ack, beside Flightdeck (worker running), at one
 * rate, A B C in each round. Whatever design keeps "what is acked is durable" does at least what the second
 * does before its ack; if it is past 1.3 × the bare app's p99 here, so is any such design on this machine.
 */
export async function inboxBench(settings: { rate: number; phaseSeconds: number; rounds: number }): Promise<void> {
  const services = settings.rate * settings.phaseSeconds + 100;
  console.log(`inbox floor: ${settings.rate}/s, ${settings.phaseSeconds} s phases, ${settings.rounds} rounds of ${FLIGHTDECK}, ${BARE}, ${INBOX}`);
  const stack = await startStack({ services, inbox: true });
  let offset = 0;
  const next = () => (offset += 100_000);
  try {
    await warmUp(stack, next);
    await phase(stack, INBOX, 20, 3, next(), 'warm-up');
    const rows: PhaseSample[] = [];
    for (let round = 0; round < settings.rounds; round++)
      for (const system of [FLIGHTDECK, BARE, INBOX]) rows.push(await phase(stack, system, settings.rate, settings.phaseSeconds, next(), `round ${round + 1}`));
    const table = withRatios(rows, BARE);
    printTable(
      `/deploy start at ${settings.rate}/s: Flightdeck, the bare app, the bare app with a durable inbox row (p99 ratio: against the bare app in the same round)`,
      table,
    );
    console.log(`→ ${saveJson('inbox', { settings, rows: table })}`);
  } finally {
    await stack.stop();
  }
}
