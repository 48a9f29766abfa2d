import { DateTime } from 'luxon';
import { activeFreeze, type FreezeWindow } from './freeze.ts';

/**
 * Plans that parse but can never work: each function finds one such mistake, from the plan's data alone,
 * so `plan check` says so before a run waits forever for a GO no one can give. (A trigger whose window is longer
 * than monitoring is not one: a window ends only on a clean check, so monitoring stays open while a condition holds.)
 */

/** Who a plan's lists name, groups expanded. */
export interface Roster {
  groups: Record<string, string[]>;
  deployers: string[];
  approvers: string[];
}

const expand = (roster: Roster, keys: string[]) => new Set(keys.flatMap((key) => roster.groups[key] ?? [key]));

/**
 * A quorum the approvers cannot reach: more GOs than there are approvers, or — when the requester may not
 * approve their own run — more than the others can give a run some deployer starts. (With no deployers anyone
 * may start, someone who is not an approver too, so the plan can work.)
 */
export function quorumProblem(roster: Roster, approval: { quorum: number; allowSelfApproval: boolean }): string | null {
  const approvers = expand(roster, roster.approvers);
  const { quorum } = approval;
  const gos = (count: number) => `${count} GO${count === 1 ? '' : 's'}`;
  if (quorum > approvers.size) return `needs ${quorum} approvers but the plan lists ${approvers.size}`;
  if (approval.allowSelfApproval) return null;
  const stuck = [...expand(roster, roster.deployers)].filter((person) => approvers.has(person) && quorum > approvers.size - 1);
  if (!stuck.length) return null;
  return (
    `needs ${gos(quorum)}, but a run started by ${stuck.join(' or ')} can get at most ${approvers.size - 1}: the requester may not approve ` +
    'their own run (allowSelfApproval is false). Lower the quorum, add approvers, or let someone else deploy'
  );
}

/**
 * Weekly windows that together leave no hour of the week free: no run could ever start without --emergency.
 * Judged on a winter and a summer week (fixed dates: weekly windows repeat, and these weeks hold no DST change in
 * the zones that have one), and said only when both are covered.
 */
export function alwaysFrozen(windows: FreezeWindow[]): boolean {
  const weekly = windows.filter((window) => window.kind === 'weekly');
  if (!weekly.length) return false;
  return ['2026-01-12T00:00:00Z', '2026-07-13T00:00:00Z'].every((monday) => {
    const start = DateTime.fromISO(monday, { zone: 'utc' });
    const frozen = activeFreeze(weekly, start.toJSDate());
    // A week covered without a gap chains the windows on past its end; a gap ends the chain within the week.
    return frozen !== null && frozen.endsAt >= start.plus({ weeks: 1 });
  });
}
