import type { VersionTally } from '../domain/assess.ts';
import type { VersionProbe } from '../domain/rollback-plan.ts';
import { interpolate, mask } from '../executors/interpolate.ts';
import type { StepContext } from '../ports.ts';

/**
 * Asks production which version answers: `samples` requests to the probe's URL at once, each answer's
 * version read from a response header or a JSON field of the body. Errors are values: a request that
 * fails or names no version counts as unanswered, with the first reason kept for the message.
 */
export async function probeVersions(probe: VersionProbe, context: StepContext, env: NodeJS.ProcessEnv): Promise<VersionTally> {
  const filled = interpolate(probe.url, context, env, { url: true });
  const shown = (text: string) => mask(text, filled.fromEnv);
  const tally: VersionTally = { requests: probe.samples, answered: {}, unanswered: 0, detail: '' };
  const answers = await Promise.all(Array.from({ length: probe.samples }, () => versionOf(filled.value, probe)));
  for (const answer of answers) {
    if ('version' in answer) tally.answered[answer.version] = (tally.answered[answer.version] ?? 0) + 1;
    else {
      tally.unanswered++;
      tally.detail ||= shown(`GET ${filled.value}: ${answer.problem}`);
    }
  }
  return tally;
}

async function versionOf(url: string, probe: VersionProbe): Promise<{ version: string } | { problem: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(probe.timeout), headers: { 'cache-control': 'no-cache' } });
    if (probe.header) {
      await response.body?.cancel();
      const version = response.headers.get(probe.header);
      return version ? { version } : { problem: `${response.status}, no ${probe.header} header` };
    }
    const text = await response.text();
    const version = fieldOf(text, probe.field);
    return version === null
      ? { problem: `${response.status}, no "${probe.field}" in ${text.replace(/\s+/g, ' ').slice(0, 80) || 'an empty body'}` }
      : { version };
  } catch (error) {
    return { problem: error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${probe.timeout}ms` : 'no answer (connection failed)' };
  }
}

function fieldOf(text: string, path: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
