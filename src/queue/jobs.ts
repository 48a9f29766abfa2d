import { z } from 'zod';
import { PAGE_CAUSES } from '../domain/page-causes.ts';

/** Queue names, one per kind of work, each with its own options (see options.ts). */
export const QUEUES = {
  steps: 'flightdeck-steps',
  checks: 'flightdeck-checks',
  chat: 'flightdeck-chat',
  pages: 'flightdeck-pages',
  timers: 'flightdeck-timers',
  notices: 'flightdeck-notices',
  targets: 'flightdeck-targets',
  commits: 'flightdeck-commits',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const effectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('refreshStatus') }),
  z.object({ kind: z.literal('remindApprovers') }),
  z.object({ kind: z.literal('postLog'), text: z.string() }),
  z.object({ kind: z.literal('announce'), message: z.enum(['scheduled', 'success', 'rollback', 'rollback_failed', 'stopped']) }),
  // pageId names the page the mention belongs to (its Acknowledge button); jobs queued before pages existed have none.
  // cause: jobs queued before pages had causes have none.
  z.object({ kind: z.literal('page'), cause: z.enum(PAGE_CAUSES).optional(), reason: z.string(), pageId: z.uuid().optional() }),
  // The post-deployment review reminder, delayed until it is due (reviewJobId: one per run and sweeper's try).
  z.object({ kind: z.literal('reviewDue') }),
]);

/** Page work (domain/page.ts): decide a reminder, send one direct message, or edit a page's messages once it is taken. */
const pageJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reminder'), pageId: z.uuid(), reminder: z.number().int().positive() }),
  z.object({ kind: z.literal('direct'), pageId: z.uuid(), reminder: z.number().int().min(0), person: z.string().min(1), escalation: z.boolean() }),
  z.object({ kind: z.literal('acknowledged'), pageId: z.uuid() }),
]);

const inlineSchema = z.union([
  z.string(),
  z.object({ mention: z.object({ name: z.string(), ids: z.partialRecord(z.enum(['slack', 'teams', 'shell']), z.string()) }) }),
]);

/** A message to a channel that belongs to no run (a lock taken or lifted, a queued start that could not start): a card without buttons. */
const noticeJobSchema = z.object({
  platform: z.enum(['slack', 'teams', 'shell']),
  channel: z.string().min(1),
  card: z.object({
    title: z.string(),
    tone: z.enum(['info', 'good', 'warning', 'danger']),
    body: z.array(z.array(inlineSchema)),
    fields: z.array(z.object({ label: z.string(), value: z.array(inlineSchema) })),
    context: z.array(inlineSchema).nullable(),
  }),
});

/** A target a run stopped holding: the starts queued behind it get their turn. */
const targetJobSchema = z.object({ service: z.string().min(1), environment: z.string().min(1) });

/** Every job payload is parsed on the way out of Redis: a malformed job fails loudly, never half-runs. */
export const JOB_PAYLOADS = {
  [QUEUES.steps]: z.object({ runId: z.uuid(), stepId: z.string().regex(/^[a-z_]+\.\d+$/) }),
  [QUEUES.checks]: z.object({ runId: z.uuid(), seq: z.number().int().positive() }),
  [QUEUES.chat]: z.object({ runId: z.uuid(), effect: effectSchema }),
  [QUEUES.pages]: pageJobSchema,
  [QUEUES.timers]: z.object({ runId: z.uuid(), timer: z.enum(['decision_reminder', 'decision_timeout', 'scheduled_start']), n: z.number().int().positive() }),
  [QUEUES.notices]: noticeJobSchema,
  [QUEUES.targets]: targetJobSchema,
  [QUEUES.commits]: z.object({ runId: z.uuid(), sha: z.string().regex(/^[0-9a-f]{7,40}$/i) }),
} as const;

/**
 * The one BullMQ job of a run's step: every outbox row for that step names it (the first enqueue and each of the
 * sweeper's), and adding a job whose id exists is a no-op, so a step waiting behind busy worker slots, or piled
 * up while Redis was away, is one job and runs in one worker at a time. A step id is used once per run (the
 * cursor only moves forward). BullMQ ids may not contain ':' or be all digits.
 */
export function stepJobId(runId: string, stepId: string): string {
  return `step-${runId}-${stepId}`;
}

/**
 * A run's review reminder: the outbox row is relayed once, and should it be relayed again the same id adds nothing.
 * The sweeper's n-th try after a lost job has an id of its own (the old one may still be kept as completed); the
 * review's row lock and posted time make sure only one try posts (apply-effects.ts).
 */
export function reviewJobId(runId: string, resent = 0): string {
  return resent === 0 ? `review-${runId}` : `review-${runId}-${resent}`;
}

/** A run's one commit time lookup. */
export function commitJobId(runId: string): string {
  return `commit-${runId}`;
}

export type StepJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.steps]>;
export type CheckJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.checks]>;
export type ChatJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.chat]>;
export type ChatEffect = ChatJob['effect'];
export type PageJob = z.infer<typeof pageJobSchema>;
export type TimerJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.timers]>;
export type NoticeJob = z.infer<typeof noticeJobSchema>;
export type TargetJob = z.infer<typeof targetJobSchema>;
export type CommitJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.commits]>;
