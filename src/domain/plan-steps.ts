import { z } from 'zod';
import { durationSchema } from './duration.ts';

/** The steps a plan can name: a command (argv, no shell) or an HTTP call. */

export const name = z.string().min(1).max(120);

/** A command step: an argv array, run without a shell. Service, version, environment and run id
 *  reach it as FLIGHTDECK_* environment variables, never spliced into argv. */
export const commandStepSchema = z.strictObject({
  name,
  run: z.array(z.string().min(1)).min(1),
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'environment variable names are UPPER_SNAKE_CASE'), z.string()).default({}),
  timeout: durationSchema.default(300_000),
});

export const httpProbeSchema = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  /** May use ${env.NAME} (the worker's environment), ${service}, ${version}, ${environment}. */
  url: z.string().min(1),
  expectStatus: z.number().int().min(100).max(599).default(200),
  bodyIncludes: z.string().optional(),
  timeout: durationSchema.default(5_000),
});

/** An HTTP check step; `attempts` > 1 retries every `interval` until the probe passes (waiting for a slot to come up). */
export const httpStepSchema = z.strictObject({
  name,
  http: httpProbeSchema,
  attempts: z.number().int().min(1).max(100).default(1),
  interval: durationSchema.default(1_000),
});

/**
 * A command or an HTTP check, told apart by their keys so that a mistake inside one is reported with
 * its own path and message (a plain union reports only "Invalid input" for the whole step).
 */
export const stepSchema = z.unknown().transform((value, ctx): z.infer<typeof commandStepSchema> | z.infer<typeof httpStepSchema> => {
  const schema = value !== null && typeof value === 'object' && 'http' in value ? httpStepSchema : commandStepSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

export type CommandStepConfig = z.infer<typeof commandStepSchema>;
export type HttpStepConfig = z.infer<typeof httpStepSchema>;
export type HttpProbe = z.infer<typeof httpProbeSchema>;
