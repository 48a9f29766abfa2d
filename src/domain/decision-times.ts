import type { RunSpec } from './spec.ts';

/** The clock of a Go/No-Go wait: when it times out and when each reminder is due (run-flow.ts starts the wait, run-approval.ts reminds, overdue.ts catches up). */

type Approval = RunSpec['approval'];

/** When the wait that began at `since` ends in a deferral. */
export function decisionTimeoutAt(approval: Approval, since: string): string {
  return after(since, approval.timeoutMs);
}

/** When reminder `n` of a wait that began at `since` is due; null when it would come at or after the timeout. */
export function reminderAt(approval: Approval, since: string, n: number): string | null {
  return n * approval.remindEveryMs < approval.timeoutMs ? after(since, n * approval.remindEveryMs) : null;
}

function after(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
