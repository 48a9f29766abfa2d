/** `work`'s result if it is ready within `ms` (0: never waits), else null: how long an answer may keep Slack's ack waiting. */
export async function inTime<T>(work: Promise<T>, ms: number): Promise<T | null> {
  if (ms === 0) return null;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Acks (an empty ack: it claims nothing) as soon as `work` is done or `ms` have passed, whichever comes first, then
 * gives `work`'s result: a slow write never lets Slack tell the clicker the click failed while it may still land.
 */
export async function ackWithin<T>(work: Promise<T>, ms: number, ack: () => Promise<void>): Promise<T> {
  await inTime(work, ms).catch(() => null);
  await ack();
  return work;
}
