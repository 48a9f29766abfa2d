import { DateTime, IANAZone } from 'luxon';

/**
 * `--at` of a scheduled start: "2026-11-24 14:00 Europe/Berlin", "14:00" (in the requester's zone;
 * the next 14:00 to come), "tomorrow 09:30 America/New_York", or an ISO time with its offset
 * ("2026-11-24T13:00:00Z"). Local times that a DST change skips are refused rather than moved.
 */

export type StartTime = { ok: true; at: string; zone: string; shown: string } | { ok: false; message: string };

const LATEST_MS = 30 * 86_400_000;
const EARLIEST_MS = 5_000;

export function parseStartTime(text: string, requesterZone: string | null, now: Date): StartTime {
  const trimmed = text.trim();
  const iso = DateTime.fromISO(trimmed, { setZone: true });
  if (iso.isValid && /[T ]\d{2}:\d{2}/.test(trimmed) && /(Z|[+-]\d{2}:?\d{2})$/.test(trimmed)) return within(iso, iso.zoneName ?? 'UTC', now);

  const match = /^(?:(\d{4}-\d{2}-\d{2})|(today|tomorrow))?\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?$/i.exec(trimmed);
  if (!match)
    return {
      ok: false,
      message: `"${text}" is not a time. Write it like --at 14:00, --at "tomorrow 09:30 Europe/Berlin" or --at "2026-11-24 14:00 Europe/Berlin".`,
    };
  const [, date, relative, hours, minutes, zoneName] = match;
  const zone = zoneName ?? requesterZone;
  if (!zone) return { ok: false, message: `In which time zone is ${hours}:${minutes}? Add one, e.g. --at "${hours}:${minutes} Europe/Berlin".` };
  if (!IANAZone.isValidZone(zone)) return { ok: false, message: `"${zone}" is not a time zone (use an IANA name such as Europe/Berlin or America/New_York).` };
  const today = DateTime.fromJSDate(now, { zone });
  const day = date ? DateTime.fromISO(date, { zone }) : relative?.toLowerCase() === 'tomorrow' ? today.plus({ days: 1 }) : today;
  if (!day.isValid) return { ok: false, message: `"${date}" is not a date.` };
  const wanted = { hour: Number(hours), minute: Number(minutes) };
  if (wanted.hour > 23 || wanted.minute > 59) return { ok: false, message: `${hours}:${minutes} is not a time of day.` };
  let at = day.set({ ...wanted, second: 0, millisecond: 0 });
  // "14:00" alone means the next 14:00 to come.
  if (!date && !relative && at.toMillis() <= now.getTime()) at = at.plus({ days: 1 }).set(wanted);
  if (at.hour !== wanted.hour || at.minute !== wanted.minute) {
    return { ok: false, message: `${hours}:${minutes} does not exist on ${at.toISODate()} in ${zone} (the clocks go forward then). Pick another time.` };
  }
  return within(at, zone, now);
}

function within(at: DateTime, zone: string, now: Date): StartTime {
  const ahead = at.toMillis() - now.getTime();
  const shown = `${at.setZone(zone).toFormat('ccc d LLL yyyy HH:mm')} ${zone}${zone === 'UTC' ? '' : ` (${at.toUTC().toFormat('HH:mm')} UTC)`}`;
  if (ahead <= 0) return { ok: false, message: `${shown} is not in the future. To start now, leave out --at.` };
  if (ahead < EARLIEST_MS) return { ok: false, message: `${shown} is only moments away. To start now, leave out --at.` };
  if (ahead > LATEST_MS) return { ok: false, message: `${shown} is more than 30 days away; schedule it closer to the day.` };
  return { ok: true, at: at.toUTC().toISO()!, zone, shown };
}
