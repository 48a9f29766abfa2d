/** Chat platforms Flightdeck speaks on. `shell` is the terminal chat of the embedded demo. */
export const PLATFORMS = ['slack', 'teams', 'shell'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Someone acting in chat, as the platform identified them. */
export interface Actor {
  platform: Platform;
  id: string;
  name: string;
  /** Other ids the platform knows this person by (a Teams user's UPN besides their AAD object id). */
  aliases?: string[];
  /** Their IANA time zone when the platform tells it (Slack's user tz, Teams' localTimezone): `--at 14:00` is read in it. */
  zone?: string;
}

/** A person from a plan's `people`, with their id on each platform they use. */
export interface Person {
  key: string;
  ids: Partial<Record<Platform, string>>;
}

/** Who to mention in a message: the renderer picks the id for its platform, or falls back to the name. */
export interface Mention {
  name: string;
  ids: Partial<Record<Platform, string>>;
}

export function mentionOf(who: Actor | Person): Mention {
  if ('platform' in who) return { name: who.name, ids: { [who.platform]: who.id } };
  return { name: who.key, ids: who.ids };
}

export function isPerson(actor: Actor, person: Person): boolean {
  const id = person.ids[actor.platform];
  if (!id) return false;
  return id === actor.id || (actor.aliases ?? []).some((alias) => alias.toLowerCase() === id.toLowerCase());
}

/**
 * The id a direct message to this person is sent to on a platform, or null when there is none:
 * Teams opens a 1:1 chat by AAD object id only, so a person named by UPN cannot be messaged directly.
 */
export function directMessageId(person: Person, platform: Platform): string | null {
  const id = person.ids[platform];
  if (!id) return null;
  if (platform === 'teams' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  return id;
}
