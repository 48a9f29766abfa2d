/** How long a member's aliases read from the roster are used before it is asked again. */
const ROSTER_MS = 5 * 60_000;
/** Members remembered per process before the memory starts over (each then costs one roster read again). */
const MAX_MEMBERS = 10_000;

export interface RosterEntry {
  userPrincipalName?: string | undefined;
  email?: string | undefined;
}

/**
 * The aliases (UPN, email) of the member who sent an activity, read from the conversation's roster
 * (`TeamsInfo.getMember`, a round trip to the Bot Framework connector) at most once per member every
 * five minutes per process, and once for many activities of one member arriving together. Asking on
 * every message put that round trip on the ack path of every command and click (`npm run bench -- teams`).
 * A UPN changes rarely; when it does, a plan that names the new one matches within five minutes, and
 * the AAD object id, which never changes, matches at once. A failed read is not remembered: the next
 * activity asks again.
 */
export function rosterAliases(ttlMs = ROSTER_MS) {
  const known = new Map<string, { aliases: string[]; at: number }>();
  const asking = new Map<string, Promise<string[] | null>>();
  return async (member: string, read: () => Promise<RosterEntry | null>, now: number): Promise<string[] | null> => {
    const remembered = known.get(member);
    if (remembered && now - remembered.at < ttlMs) return remembered.aliases;
    const pending = asking.get(member);
    if (pending) return pending;
    const reading = read()
      .then((entry) => {
        if (!entry) return null;
        const aliases = [...new Set([entry.userPrincipalName, entry.email].filter((alias): alias is string => Boolean(alias)))];
        if (known.size >= MAX_MEMBERS) known.clear();
        known.set(member, { aliases, at: now });
        return aliases;
      })
      .finally(() => asking.delete(member));
    asking.set(member, reading);
    return reading;
  };
}
