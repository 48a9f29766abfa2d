import { z } from 'zod';
import { durationSchema } from './duration.ts';

/**
 * The plan's `commits:` option: where a commit's time is looked up (e.g. GitHub's commits API) when a
 * run is started with `--commit <sha>` and no time. The worker calls it (app/commit-lookup.ts), never
 * the ack path, and records the time for DORA's lead time; a lookup that fails leaves it unknown.
 */
export const commitLookupSchema = z
  .strictObject({
    /** GET this URL; `${sha}` is the commit, and ${env.NAME} and the run variables are filled as in an HTTP step. */
    url: z.string().min(1),
    /** E.g. { Authorization: 'Bearer ${env.GITHUB_TOKEN}' }: secrets come from the worker's environment, never shown. */
    headers: z.record(z.string(), z.string()).default({}),
    /** The dotted path of the commit's time (ISO 8601) in the JSON answer; GitHub's is commit.committer.date. */
    field: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dotted path of JSON keys, e.g. commit.committer.date'),
    timeout: durationSchema.default(10_000),
  })
  .refine((lookup) => lookup.url.includes('${sha}'), { path: ['url'], message: 'must name the commit with ${sha}' });

export type CommitLookup = z.infer<typeof commitLookupSchema>;

/** The commit time a run still needs looked up: it names a commit without a time, and its plan says where to ask. */
export function commitToLookUp(run: { commit: { sha: string; at: string | null } | null; spec: { commitLookup: CommitLookup | null } }): string | null {
  return run.commit && !run.commit.at && run.spec.commitLookup ? run.commit.sha : null;
}

/** The time at `field` of a JSON answer, or why there is none. Never guessed: anything but an ISO 8601 time is a problem. */
export function commitTimeIn(body: unknown, field: string): { at: Date } | { problem: string } {
  let value: unknown = body;
  for (const key of field.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string') return { problem: `the answer has no "${field}"` };
  const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(value) ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) return { problem: `"${field}" is not an ISO 8601 time (${value.slice(0, 40)})` };
  return { at };
}
