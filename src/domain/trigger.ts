import { z } from 'zod';

/**
 * A rollback trigger as the plan writes it, the way the seed documents do.
 * The walking skeleton evaluates health triggers; metric triggers
 * ("error_rate > 5% for 5m") arrive with the Prometheus monitor.
 */
export type Trigger = { kind: 'health_failing'; checks: number; text: string };

export function parseTrigger(text: string): Trigger | { error: string } {
  const health = /^health failing for (\d+) checks?$/i.exec(text.trim());
  if (health) {
    const checks = Number(health[1]);
    if (checks < 1) return { error: 'needs at least 1 check' };
    return { kind: 'health_failing', checks, text: text.trim() };
  }
  return { error: `"${text}" is not a trigger Flightdeck understands yet; write "health failing for 3 checks"` };
}

export const triggerSchema = z.string().transform((text, ctx) => {
  const parsed = parseTrigger(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed;
});
