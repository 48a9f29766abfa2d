/**
 * The monitoring schedule of the seeds, as data: checks every `every` until `until` (measured from
 * when monitoring began), then the next step's pace, e.g. every 1m for the first hour, every 5m to
 * 8h, every 15m to 24h, then the run is done. Check times are offsets from the start, not from the
 * previous check, so a schedule resumed after a restart lands on the same slots.
 */
export interface SchedulePace {
  everyMs: number;
  untilMs: number;
}

/** The monitoring pace as schedule steps, whichever way the plan wrote it (a steady `every`/`for`, or a `schedule`). */
export function paceOf(monitoring: {
  every?: number | undefined;
  for?: number | undefined;
  schedule?: { every: number; until: number }[] | undefined;
}): SchedulePace[] {
  if (monitoring.schedule) return monitoring.schedule.map((step) => ({ everyMs: step.every, untilMs: step.until }));
  return monitoring.every && monitoring.for ? [{ everyMs: monitoring.every, untilMs: monitoring.for }] : [];
}

/** Offset from the start of monitoring of check number `seq` (1-based), or null when the schedule is over. */
export function checkOffset(schedule: SchedulePace[], seq: number): number | null {
  let offset = 0;
  let count = 0;
  for (const pace of schedule) {
    while (offset + pace.everyMs <= pace.untilMs) {
      offset += pace.everyMs;
      count += 1;
      if (count === seq) return offset;
    }
  }
  return null;
}

/** How many checks the whole schedule makes. */
export function checkCount(schedule: SchedulePace[]): number {
  let offset = 0;
  let count = 0;
  for (const pace of schedule) {
    const steps = Math.max(0, Math.floor((pace.untilMs - offset) / pace.everyMs));
    count += steps;
    offset += steps * pace.everyMs;
  }
  return count;
}

/** The pace in force at an offset: what a human reads as "checking every 5m now". */
export function paceAt(schedule: SchedulePace[], offsetMs: number): SchedulePace | null {
  return schedule.find((pace) => offsetMs < pace.untilMs) ?? null;
}

/** A schedule is valid when its `until`s grow and each pace fits at least one check. */
export function scheduleProblems(schedule: SchedulePace[]): string[] {
  if (schedule.length === 0) return ['a schedule needs at least one step'];
  const problems: string[] = [];
  schedule.forEach((pace, index) => {
    const previous = index ? schedule[index - 1]!.untilMs : 0;
    if (pace.untilMs <= previous) problems.push(`step ${index + 1}: "until" must be later than the step before`);
    else if (pace.everyMs > pace.untilMs - previous) problems.push(`step ${index + 1}: "every" is longer than the step lasts`);
  });
  return problems;
}

/** What a wait for Go/No-Go is timed by: the plan's `approval` (timeout, reminders). */
interface DecisionTimers {
  timeoutMs: number;
  remindEveryMs: number;
}

/** When the wait for a decision that began at `since` ends in a deferral. */
export function decisionTimeoutAt(approval: DecisionTimers, since: string): string {
  return after(since, approval.timeoutMs);
}

/** When reminder `n` of a wait that began at `since` is due; null when it would come at or after the timeout. */
export function reminderAt(approval: DecisionTimers, since: string, n: number): string | null {
  return n * approval.remindEveryMs < approval.timeoutMs ? after(since, n * approval.remindEveryMs) : null;
}

function after(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
