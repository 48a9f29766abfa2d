import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { isPerson, type Actor } from './identity.ts';
import type { Plan } from './plan.ts';
import type { RunSpec } from './spec.ts';

/**
 * Freeze windows: times in which a run may not start, in any IANA zone, recurring every week
 * (`weekly: { from: Fri 15:00, to: Mon 09:00 }`) or dated (`from: 2026-12-20 00:00`, `to: …`).
 * Boundaries are wall-clock times in the window's zone, so a weekend freeze is 66 hours of wall
 * clock whatever DST does to the elapsed hours. Starts and GOs are gated: a run already deploying when
 * a freeze begins goes on, but a GO given inside one is refused (domain/go-gates.ts). `--emergency
 * "<why>"` starts anyway, with one more approver than usual.
 */

export interface WallTime {
  hour: number;
  minute: number;
}
/** 1 = Monday … 7 = Sunday (luxon's numbering). */
export interface WeeklyBoundary extends WallTime {
  weekday: number;
}
export interface LocalDateTime extends WallTime {
  year: number;
  month: number;
  day: number;
}

export type FreezeWindow = {
  name: string;
  /** IANA zone the boundaries are read in, as Intl names it (e.g. Europe/Berlin). */
  zone: string;
  /** Environments it applies to; null: every environment of the plan. */
  environments: string[] | null;
} & ({ kind: 'weekly'; from: WeeklyBoundary; to: WeeklyBoundary } | { kind: 'dated'; from: LocalDateTime; to: LocalDateTime });

const WEEKDAYS: Record<string, number> = {
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
  sun: 7,
  sunday: 7,
};
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function parseWallTime(text: string): WallTime | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

/** "Fri 15:00", "friday 9:30" → a weekly boundary; null when it is not one. */
export function parseWeeklyBoundary(text: string): WeeklyBoundary | null {
  const [day, time, ...rest] = text.trim().split(/\s+/);
  const weekday = WEEKDAYS[(day ?? '').toLowerCase()];
  const wall = parseWallTime(time ?? '');
  return weekday && wall && rest.length === 0 ? { weekday, ...wall } : null;
}

/** "2026-12-20 00:00" → a local date and time (a real calendar date); null when it is not one. */
export function parseLocalDateTime(text: string): LocalDateTime | null {
  const parsed = DateTime.fromFormat(text.trim(), 'yyyy-MM-dd HH:mm', { zone: 'utc' });
  return parsed.isValid ? { year: parsed.year, month: parsed.month, day: parsed.day, hour: parsed.hour, minute: parsed.minute } : null;
}

/** The zone's canonical name ("europe/berlin" → "Europe/Berlin"), or null when it is not an IANA zone. */
function canonicalZone(zone: string): string | null {
  if (!IANAZone.isValidZone(zone)) return null;
  return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
}

const WEEKLY_HINT = 'write a weekday and a 24-hour time, like Fri 15:00';
const DATED_HINT = 'write a date and a 24-hour time, like 2026-12-20 00:00';

/** One freeze window as a plan writes it; problems carry the field's path. */
export const freezeWindowSchema = z
  .strictObject({
    name: z.string().trim().min(1, 'a freeze window needs a name (it is shown when a start is refused)'),
    zone: z.string(),
    /** Recurring every week; `to` is the first such time after `from` (a window may wrap the week). */
    weekly: z.strictObject({ from: z.string(), to: z.string() }).optional(),
    /** Or dated, local to `zone`. */
    from: z.string().optional(),
    to: z.string().optional(),
    environments: z.array(z.string()).min(1).optional(),
  })
  .transform((raw, ctx): FreezeWindow => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const zone = canonicalZone(raw.zone);
    if (!zone) problem(['zone'], `"${raw.zone}" is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)`);
    const dated = raw.from !== undefined || raw.to !== undefined;
    const common = { name: raw.name, zone: zone ?? raw.zone, environments: raw.environments ?? null };
    if (raw.weekly && !dated) {
      const from = parseWeeklyBoundary(raw.weekly.from);
      const to = parseWeeklyBoundary(raw.weekly.to);
      if (!from) problem(['weekly', 'from'], `"${raw.weekly.from}" is not a weekday and time; ${WEEKLY_HINT}`);
      if (!to) problem(['weekly', 'to'], `"${raw.weekly.to}" is not a weekday and time; ${WEEKLY_HINT}`);
      if (from && to && from.weekday === to.weekday && minutesOf(from) === minutesOf(to)) {
        problem(['weekly'], 'from and to are the same time: a weekly window must end at another time (a freeze without end is a dated window)');
      }
      return zone && from && to ? { ...common, kind: 'weekly', from, to } : z.NEVER;
    }
    if (dated && !raw.weekly) {
      if (raw.from === undefined) problem(['from'], 'a dated window needs from and to');
      if (raw.to === undefined) problem(['to'], 'a dated window needs from and to');
      const from = raw.from === undefined ? null : parseLocalDateTime(raw.from);
      const to = raw.to === undefined ? null : parseLocalDateTime(raw.to);
      if (raw.from !== undefined && !from) problem(['from'], `"${raw.from}" is not a date and time; ${DATED_HINT}`);
      if (raw.to !== undefined && !to) problem(['to'], `"${raw.to}" is not a date and time; ${DATED_HINT}`);
      if (!zone || !from || !to) return z.NEVER;
      if (wallClockInstant(zone, to) <= wallClockInstant(zone, from)) {
        problem(['to'], `must be after from (${raw.from})`);
        return z.NEVER;
      }
      return { ...common, kind: 'dated', from, to };
    }
    problem(
      [],
      dated
        ? 'give weekly: { from, to } (recurring) or from and to (dated), not both'
        : 'a freeze window needs weekly: { from, to } (recurring) or from and to (dated)',
    );
    return z.NEVER;
  });

/** Problems the window list has with the rest of the plan: repeated names, unknown environments. */
export function freezeProblems(freezes: FreezeWindow[], environments: string[]): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  freezes.forEach((window, index) => {
    if (freezes.findIndex((other) => other.name === window.name) !== index)
      problems.push({ path: ['freezes', index, 'name'], message: `"${window.name}" names another freeze window already` });
    window.environments?.forEach((name, at) => {
      if (!environments.includes(name)) problems.push({ path: ['freezes', index, 'environments', at], message: `"${name}" is not one of the environments` });
    });
  });
  return problems;
}

/** The windows that apply to one environment of a plan. */
export function freezesFor(plan: Pick<Plan, 'freezes'>, environment: string): FreezeWindow[] {
  return plan.freezes.filter((window) => window.environments === null || window.environments.includes(environment));
}

function minutesOf(time: WallTime): number {
  return time.hour * 60 + time.minute;
}

const HOUR_MS = 3_600_000;

/**
 * The first instant at which the zone's wall clock reads `local` or later. In a skipped hour (clocks
 * spring forward) that is the jump itself: a window from 02:30 starts at 03:00 that night. In a repeated
 * hour (clocks fall back) it is the first pass. luxon alone would give 03:30 and the second pass.
 */
export function wallClockInstant(zone: string, local: LocalDateTime): DateTime {
  const iana = IANAZone.create(zone);
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const offsets = [iana.offset(wall - 12 * HOUR_MS), iana.offset(wall + 12 * HOUR_MS)];
  const fitting = offsets.map((offset) => wall - offset * 60_000).filter((instant) => wall - iana.offset(instant) * 60_000 === instant);
  if (fitting.length) return DateTime.fromMillis(Math.min(...fitting), { zone });
  // Skipped: the jump lies after the wall time read at the new offset and no later than at the old one.
  let before = wall - Math.max(...offsets) * 60_000;
  let after = wall - Math.min(...offsets) * 60_000;
  const newOffset = Math.max(...offsets);
  while (after - before > 60_000) {
    const middle = before + Math.floor((after - before) / 120_000) * 60_000;
    if (iana.offset(middle) === newOffset) after = middle;
    else before = middle;
  }
  return DateTime.fromMillis(after, { zone });
}

export interface FreezeOccurrence {
  window: FreezeWindow;
  start: DateTime;
  end: DateTime;
}

/** The occurrence of a window in force at `at` (start ≤ at < end), or null. */
export function occurrenceAt(window: FreezeWindow, at: DateTime): FreezeOccurrence | null {
  if (window.kind === 'dated') {
    const start = wallClockInstant(window.zone, window.from);
    const end = wallClockInstant(window.zone, window.to);
    return start <= at && at < end ? { window, start, end } : null;
  }
  const local = at.setZone(window.zone);
  // Calendar arithmetic on dates alone, in UTC so that no DST change shifts a day.
  const today = DateTime.utc(local.year, local.month, local.day);
  const on = (day: DateTime, time: WallTime) => wallClockInstant(window.zone, { year: day.year, month: day.month, day: day.day, ...time });
  let startDay = today.minus({ days: (local.weekday - window.from.weekday + 7) % 7 });
  let start = on(startDay, window.from);
  if (start > at) {
    startDay = startDay.minus({ weeks: 1 });
    start = on(startDay, window.from);
  }
  let span = (window.to.weekday - window.from.weekday + 7) % 7;
  if (span === 0 && minutesOf(window.to) <= minutesOf(window.from)) span = 7;
  const end = on(startDay.plus({ days: span }), window.to);
  return at < end ? { window, start, end } : null;
}

export interface ActiveFreeze {
  /** The window in force now that ends last (overlapping windows: the longest wait). */
  window: FreezeWindow;
  /** When a start is next allowed: the end of `window`, or of windows that begin as the one before ends. */
  endsAt: DateTime;
  /** `window`, then each window that carried the freeze on without a gap. */
  windows: FreezeWindow[];
}

/** A chain of back-to-back windows is followed this far at most (weekly windows covering the whole week never end). */
const MAX_HOPS = 100;

export function activeFreeze(windows: FreezeWindow[], now: Date): ActiveFreeze | null {
  const latest = (at: DateTime) =>
    windows
      .map((window) => occurrenceAt(window, at))
      .filter((occurrence): occurrence is FreezeOccurrence => occurrence !== null)
      .reduce<FreezeOccurrence | null>((best, occurrence) => (!best || occurrence.end > best.end ? occurrence : best), null);
  const first = latest(DateTime.fromJSDate(now));
  if (!first) return null;
  const chain = [first.window];
  let endsAt = first.end;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const next = latest(endsAt);
    if (!next) break;
    if (!chain.includes(next.window)) chain.push(next.window);
    endsAt = next.end;
  }
  return { window: first.window, endsAt, windows: chain };
}

/** "Mon 4 Jan 09:00 Europe/Berlin (08:00 UTC)": in the window's zone and in UTC; the year only when it is not this year. */
export function formatFreezeEnd(endsAt: DateTime, now: Date): string {
  const local = endsAt.setLocale('en-GB');
  const utc = local.toUTC();
  const year = local.year === DateTime.fromJSDate(now, { zone: local.zone }).year ? '' : ` ${local.year}`;
  const utcDay = utc.toISODate() === local.toISODate() ? '' : `${utc.toFormat('ccc d LLL')} `;
  return `${local.toFormat('ccc d LLL')}${year} ${local.toFormat('HH:mm')} ${local.zoneName} (${utcDay}${utc.toFormat('HH:mm')} UTC)`;
}

/** "❄️ Frozen: Year-end freeze, then January freeze until Mon 4 Jan 09:00 Europe/Berlin (08:00 UTC)": a freeze in force, as a refused start or GO names it. */
export function frozenSummary(active: ActiveFreeze, now: Date): string {
  return `❄️ Frozen: ${active.windows.map((window) => window.name).join(', then ')} until ${formatFreezeEnd(active.endsAt, now)}`;
}

/** "Fri 15:00 – Mon 09:00 Europe/Berlin, every week" or "2026-12-20 00:00 – 2027-01-04 09:00 Europe/Berlin". */
export function describeWindow(window: FreezeWindow): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const time = (t: WallTime) => `${two(t.hour)}:${two(t.minute)}`;
  if (window.kind === 'weekly')
    return `${DAY_NAMES[window.from.weekday - 1]} ${time(window.from)} – ${DAY_NAMES[window.to.weekday - 1]} ${time(window.to)} ${window.zone}, every week`;
  const date = (d: LocalDateTime) => `${d.year}-${two(d.month)}-${two(d.day)} ${time(d)}`;
  return `${date(window.from)} – ${date(window.to)} ${window.zone}`;
}

/** Recorded on the run (the `requested` event): why it started inside a freeze, and which one. */
export interface Emergency {
  justification: string;
  freeze: string;
}

export type FreezeGate = { allowed: true; emergency: Emergency | null; spec: RunSpec } | { allowed: false; reason: string };

/**
 * May a run start now, given the environment's freezes and the requester's --emergency (null when not
 * given)? An emergency start inside a freeze waits for Go/No-Go from one more approver than usual
 * (run-approval.ts quorumOf); in an environment that asks for no decision, "usual" is none, so one.
 * --emergency outside any freeze is refused, so the audit trail never shows an emergency that was not.
 */
export function freezeGate(input: {
  freezes: FreezeWindow[];
  spec: RunSpec;
  requester: Actor;
  target: string;
  now: Date;
  emergency: string | null;
}): FreezeGate {
  const { spec, requester, target, now } = input;
  const justification = input.emergency?.trim() || null;
  const active = activeFreeze(input.freezes, now);
  if (!active) {
    if (justification === null) return { allowed: true, emergency: null, spec };
    return { allowed: false, reason: `No freeze is in force on ${target} now, so this is not an emergency start: start it without --emergency.` };
  }
  if (justification === null) {
    return { allowed: false, reason: `${frozenSummary(active, now)}. To deploy anyway, add --emergency "why"; it will need one more approver.` };
  }
  const frozenSpec: RunSpec = spec.requireDecision ? spec : { ...spec, requireDecision: true, approval: { ...spec.approval, quorum: 0 } };
  const needed = frozenSpec.approval.quorum + 1;
  const eligible = frozenSpec.approvers.filter((person) => frozenSpec.approval.allowSelfApproval || !isPerson(requester, person));
  if (eligible.length < needed) {
    const who = eligible.map((person) => person.key).join(', ') || 'nobody';
    return {
      allowed: false,
      reason: `An emergency start on ${target} needs GO from ${needed} approvers, and the plan has ${eligible.length} who may approve your run (${who}). Ask another approver to start it.`,
    };
  }
  return { allowed: true, emergency: { justification, freeze: active.window.name }, spec: frozenSpec };
}
