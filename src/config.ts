import { z } from 'zod';

/** The only reader of process.env. Fails fast with every problem listed. */

const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.url().optional());
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Postgres; unset → embedded PGlite (demo and single-process use only). */
  DATABASE_URL: optionalUrl,
  /** Where PGlite keeps its data when DATABASE_URL is unset; unset → in memory. */
  PGLITE_DIR: optionalText,
  /** Redis; unset → a redis-server child process on a free port (demo, tests). */
  REDIS_URL: optionalUrl,
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  /** Points the Slack Web API client elsewhere (tests, proxies). Must end with a slash. */
  SLACK_API_URL: optionalUrl,
  PLANS_DIR: z.string().default('plans'),
  /** BullMQ key prefix: lets several Flightdecks (or test files) share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('flightdeck'),
  /** How long a worker holds a step before another worker may take it over after a crash. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often the outbox relay polls when it has not been nudged. */
  RELAY_INTERVAL_MS: z.coerce.number().int().min(10).default(250),
});

export type Config = z.infer<typeof envSchema> & { slack: { signingSecret: string; botToken: string; apiUrl: string | undefined } | null };

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Flightdeck's configuration is not valid:\n${lines.join('\n')}`);
  }
  const values = parsed.data;
  if (Boolean(values.SLACK_SIGNING_SECRET) !== Boolean(values.SLACK_BOT_TOKEN)) {
    throw new ConfigError("Flightdeck's configuration is not valid:\n  SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN go together: set both or neither");
  }
  const slack = values.SLACK_SIGNING_SECRET && values.SLACK_BOT_TOKEN ? { signingSecret: values.SLACK_SIGNING_SECRET, botToken: values.SLACK_BOT_TOKEN, apiUrl: values.SLACK_API_URL } : null;
  return { ...values, slack };
}
