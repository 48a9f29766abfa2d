import { z } from 'zod';

/** Queue names, one per kind of work, each with its own options (see options.ts). */
export const QUEUES = { steps: 'flightdeck-steps', checks: 'flightdeck-checks', chat: 'flightdeck-chat' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

const effectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('refreshStatus') }),
  z.object({ kind: z.literal('postLog'), text: z.string() }),
  z.object({ kind: z.literal('announce'), message: z.enum(['success', 'rollback', 'rollback_failed']) }),
  z.object({ kind: z.literal('page'), reason: z.string() }),
]);

/** Every job payload is parsed on the way out of Redis: a malformed job fails loudly, never half-runs. */
export const JOB_PAYLOADS = {
  [QUEUES.steps]: z.object({ runId: z.uuid(), stepId: z.string().regex(/^[a-z_]+\.\d+$/) }),
  [QUEUES.checks]: z.object({ runId: z.uuid(), seq: z.number().int().positive() }),
  [QUEUES.chat]: z.object({ runId: z.uuid(), effect: effectSchema }),
} as const;

export type StepJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.steps]>;
export type CheckJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.checks]>;
export type ChatJob = z.infer<(typeof JOB_PAYLOADS)[typeof QUEUES.chat]>;
export type ChatEffect = ChatJob['effect'];
