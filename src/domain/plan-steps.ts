import { z } from 'zod';
import { durationSchema } from './duration.ts';

/** The steps a plan can name: a command (argv, no shell) or an HTTP call. */

export const name = z.string().min(1).max(120);

/** The run's identity, which step templates may name: validated by the command grammar, so a value never starts with "-". */
export const RUN_VARIABLES = ['service', 'version', 'environment', 'run'] as const;
export type RunVariable = (typeof RUN_VARIABLES)[number];

/** `${name}`, `${env.NAME}` or `${env.NAME:-fallback}` in a step template. */
export const TEMPLATE_VARIABLE = /\$\{([a-zA-Z_.][a-zA-Z0-9_.]*)(?::-([^}]*))?\}/g;

/** Fills the run variables given; anything else (${env.NAME}, a name not given, a typo) stays as written. */
export function fillRunVariables(template: string, values: Partial<Record<RunVariable, string>>, encode: (value: string) => string = (value) => value): string {
  return template.replace(TEMPLATE_VARIABLE, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name as RunVariable] : undefined;
    return value === undefined ? whole : encode(value);
  });
}

/** ${env.NAME} stays out of argv: argv shows in `ps` and in error messages. Other ${…} text is passed on as written. */
const argvElement = z
  .string()
  .min(1)
  .refine((element) => !/\$\{env\./.test(element), {
    message: `\${env.NAME} cannot be used in run (argv is visible to every process); pass it through env: (whose values may use \${env.NAME}). run may use \${${RUN_VARIABLES.join('}, ${')}}`,
  });

/** A command step: an argv array, run without a shell. Each element may name ${service}, ${version},
 *  ${environment} or ${run} (filled element by element: never parsed by a shell); they also reach the
 *  command as FLIGHTDECK_* environment variables. */
export const commandStepSchema = z.strictObject({
  name,
  run: z.array(argvElement).min(1),
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'environment variable names are UPPER_SNAKE_CASE'), z.string()).default({}),
  timeout: durationSchema.default(300_000),
  /** A deploy step that may leave production changed in part when it fails: a rollback then undoes it too. */
  partialOnFailure: z.boolean().optional(),
});

const status = z.number().int().min(100).max(599);

/** A JSON value written in YAML: sent as JSON, with variables filled in its strings (and so JSON-escaped). */
const jsonBody: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonBody), z.record(z.string(), jsonBody)]));

export const httpProbeSchema = z
  .strictObject({
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    /** May use ${env.NAME} (the worker's environment; ${env.NAME:-default} when unset), ${service}, ${version}, ${environment}, ${run}. */
    url: z.string().min(1),
    /** Values may use the same variables; secrets come from ${env.NAME}. Header values are never shown. */
    headers: z
      .record(z.string(), z.string())
      .superRefine((headers, ctx) => {
        for (const header of Object.keys(headers)) {
          if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header))
            ctx.addIssue({ code: 'custom', path: [header], message: 'a header name is letters, digits and dashes' });
        }
      })
      .optional(),
    /** A string template, or a YAML object or list sent as JSON (content-type application/json unless headers say otherwise). */
    body: z.union([z.string(), z.array(jsonBody), z.record(z.string(), jsonBody)]).optional(),
    /** One status or a list of them. */
    expectStatus: z.union([status, z.array(status).min(1)]).default(200),
    /** Text the body must contain; may use ${service}, ${version}, ${environment}, ${run} and ${env.NAME}. */
    bodyIncludes: z.string().optional(),
    /** A latency budget: a slower answer fails the probe, even with the right status and body. */
    maxLatency: durationSchema.optional(),
    timeout: durationSchema.default(5_000),
  })
  .superRefine((probe, ctx) => {
    if (probe.body !== undefined && (probe.method === 'GET' || probe.method === 'HEAD')) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${probe.method} request has no body; use POST, PUT, PATCH or DELETE` });
    }
  });

/**
 * An HTTP call and its retries. `attempts` > 1 retries a failed call: first after `interval`, then
 * `backoff.factor` times longer each time (1: a fixed interval), never longer than `backoff.max`
 * (default 1m, or the interval if longer), which also caps a server's Retry-After. Connection errors,
 * timeouts, 5xx, 408, 429 and an unexpected 2xx/3xx or body are retried (a slot coming up, a job still
 * running); any other 4xx is final (a bad token stays bad).
 */
const httpCall = {
  http: httpProbeSchema,
  attempts: z.number().int().min(1).max(100).default(1),
  interval: durationSchema.default(1_000),
  backoff: z.strictObject({ factor: z.number().min(1).max(10).default(1), max: durationSchema.optional() }).optional(),
};

function backoffProblems(call: { interval: number; backoff?: { max?: number | undefined } | undefined }, ctx: z.RefinementCtx): void {
  if (call.backoff?.max !== undefined && call.backoff.max < call.interval) {
    ctx.addIssue({ code: 'custom', path: ['backoff', 'max'], message: 'is shorter than interval, the first wait' });
  }
}

/**
 * An HTTP step: the call, and optionally `waitFor`, a second call polled once the first has passed
 * (dispatch a deploy job, then wait for it to report success). The step is run again whole if a
 * worker dies during it, so the first call must be safe to repeat.
 */
export const httpStepSchema = z
  .strictObject({ name, ...httpCall, waitFor: z.strictObject(httpCall).superRefine(backoffProblems).optional(), partialOnFailure: z.boolean().optional() })
  .superRefine(backoffProblems);

/**
 * A command or an HTTP check, told apart by their keys so that a mistake inside one is reported with
 * its own path and message (a plain union reports only "Invalid input" for the whole step).
 */
export const stepSchema = z.unknown().transform((value, ctx): z.infer<typeof commandStepSchema> | z.infer<typeof httpStepSchema> => {
  const schema = value !== null && typeof value === 'object' && 'http' in value ? httpStepSchema : commandStepSchema;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Forwarded with their own code, so an unknown key still reads as one (plan-hints.ts suggests the closest).
  for (const issue of parsed.error.issues)
    ctx.addIssue(
      issue.code === 'unrecognized_keys'
        ? { code: 'unrecognized_keys', keys: issue.keys, message: issue.message, path: issue.path }
        : { code: 'custom', message: issue.message, path: issue.path },
    );
  return z.NEVER;
});

export type CommandStepConfig = z.infer<typeof commandStepSchema>;
export type HttpStepConfig = z.infer<typeof httpStepSchema>;
export type HttpProbe = z.infer<typeof httpProbeSchema>;
