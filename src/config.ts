import { z } from 'zod';

/** The only reader of process.env. Fails fast with every problem listed. */

/** .env files write an unset variable as empty: empty means unset, for every kind of value. */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);
const optionalUrl = (schemes: string[]) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine((text) => schemes.includes(schemeOf(text) ?? ''), `must be a URL starting with ${schemes.map((scheme) => `${scheme}://`).join(' or ')}`)
      .optional(),
  );

function schemeOf(text: string): string | null {
  try {
    const url = new URL(text);
    return url.host || url.pathname.startsWith('/') ? url.protocol.slice(0, -1) : null;
  } catch {
    return null;
  }
}
const number = (schema: z.ZodNumber, fallback: number) => z.preprocess(unsetIfEmpty, z.coerce.number().pipe(schema).default(fallback));
const optionalText = z.preprocess(unsetIfEmpty, z.string().min(1).optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: number(z.number().int().min(0).max(65535), 3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Postgres; unset → embedded PGlite (demo and single-process use only). */
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  /** Where PGlite keeps its data when DATABASE_URL is unset; unset → in memory. */
  PGLITE_DIR: optionalText,
  /** Redis; unset → a redis-server child process on a free port (demo, tests). */
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  /** Points the Slack Web API client elsewhere (tests, proxies). Must end with a slash. */
  SLACK_API_URL: optionalUrl(['http', 'https']),
  /** Only this workspace's requests are served (its `T…` id, Slack's `team_id`); unset → any workspace whose requests are signed with our secret. */
  SLACK_TEAM_ID: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[TE][A-Z0-9]+$/, 'must be a Slack workspace id such as T0123ABCD')
      .optional(),
  ),
  /** Microsoft Teams bot (Azure Bot registration). Without it Teams is not served, unless TEAMS_ALLOW_UNAUTHENTICATED=true. */
  TEAMS_APP_ID: optionalText,
  TEAMS_APP_PASSWORD: optionalText,
  TEAMS_TENANT_ID: optionalText,
  /** SingleTenant (the default when TEAMS_TENANT_ID is set), MultiTenant or UserAssignedMSI. */
  TEAMS_APP_TYPE: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).optional(),
  /**
   * Serve Teams with no app id, accepting requests nobody signed (botbuilder turns authentication off without one):
   * local development and tests only, said explicitly, never because a variable is unset. Refused in production.
   */
  TEAMS_ALLOW_UNAUTHENTICATED: z.preprocess(unsetIfEmpty, z.enum(['true', 'false']).default('false')).transform((value) => value === 'true'),
  PLANS_DIR: z.string().default('plans'),
  /** BullMQ key prefix: lets several Flightdecks (or test files) share one Redis. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('flightdeck'),
  /** How long a worker holds a step before another worker may take it over after a crash. */
  WORKER_LOCK_MS: number(z.number().int().min(1000), 30_000),
  /** How often a worker looks for overdue work (steps or checks whose jobs Redis may have lost). */
  SWEEP_INTERVAL_MS: number(z.number().int().min(100), 60_000),
  /** How late work must be before the sweeper enqueues it again. */
  SWEEP_GRACE_MS: number(z.number().int().min(100), 300_000),
  /** How often the outbox relay polls when it has not been nudged. */
  RELAY_INTERVAL_MS: number(z.number().int().min(10), 250),
});

export interface TeamsConfig {
  appId: string;
  appPassword: string;
  tenantId: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  /** True when an app id is set: botbuilder checks every request's Bot Framework token. */
  authenticated: boolean;
  /** No app id, and TEAMS_ALLOW_UNAUTHENTICATED=true: Teams is served without checking tokens (development, tests, the demo). */
  allowUnauthenticated: boolean;
}

/** Teams is served (and posted to) when it can authenticate, or when unauthenticated use was asked for by name. */
export const teamsServed = (teams: TeamsConfig): boolean => teams.authenticated || teams.allowUnauthenticated;

export type Config = z.infer<typeof envSchema> & {
  slack: { signingSecret: string; botToken: string; apiUrl: string | undefined; teamId: string | undefined } | null;
  teams: TeamsConfig;
  /** Which of the variables with a default were set: the demo honours the user's choice and picks its own otherwise. */
  given: { PLANS_DIR: boolean; LOG_LEVEL: boolean; PORT: boolean };
};

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
  const slack =
    values.SLACK_SIGNING_SECRET && values.SLACK_BOT_TOKEN
      ? { signingSecret: values.SLACK_SIGNING_SECRET, botToken: values.SLACK_BOT_TOKEN, apiUrl: values.SLACK_API_URL, teamId: values.SLACK_TEAM_ID }
      : null;
  if (values.NODE_ENV === 'production' && !values.TEAMS_APP_ID && (values.TEAMS_APP_PASSWORD || values.TEAMS_TENANT_ID)) {
    throw new ConfigError(
      "Flightdeck's configuration is not valid:\n  TEAMS_APP_ID is required when Teams is configured in production (without it botbuilder turns authentication off)",
    );
  }
  if (values.NODE_ENV === 'production' && values.TEAMS_ALLOW_UNAUTHENTICATED) {
    throw new ConfigError(
      "Flightdeck's configuration is not valid:\n  TEAMS_ALLOW_UNAUTHENTICATED=true is refused in production: set TEAMS_APP_ID (and its password) so Teams requests are authenticated",
    );
  }
  const teams: TeamsConfig = {
    appId: values.TEAMS_APP_ID ?? '',
    appPassword: values.TEAMS_APP_PASSWORD ?? '',
    tenantId: values.TEAMS_TENANT_ID ?? '',
    appType: values.TEAMS_APP_TYPE ?? (values.TEAMS_TENANT_ID ? 'SingleTenant' : 'MultiTenant'),
    authenticated: Boolean(values.TEAMS_APP_ID),
    allowUnauthenticated: !values.TEAMS_APP_ID && values.TEAMS_ALLOW_UNAUTHENTICATED,
  };
  const given = { PLANS_DIR: !!env.PLANS_DIR, LOG_LEVEL: !!env.LOG_LEVEL, PORT: !!env.PORT };
  return { ...values, slack, teams, given };
}

/**
 * What a production process lacks, one line per gap (empty when nothing). Production never runs on the
 * embedded stand-ins: PGlite keeps one process's data (in memory unless PGLITE_DIR) and a private Redis
 * dies with its process, so replicas would not share runs and queued work would be lost; and a Flightdeck
 * nobody can talk to is a misconfiguration, not a deployment. `migrate` needs only the database.
 */
export function productionGaps(config: Config, needs: 'runtime' | 'database'): string[] {
  if (config.NODE_ENV !== 'production') return [];
  const gaps: string[] = [];
  if (!config.DATABASE_URL)
    gaps.push('DATABASE_URL is not set: production does not run on the embedded PGlite database (postgres://user:password@host:5432/flightdeck)');
  if (needs === 'database') return gaps;
  if (!config.REDIS_URL) gaps.push('REDIS_URL is not set: production does not start a private redis-server (redis://host:6379)');
  if (!config.slack && !config.teams.authenticated)
    gaps.push('no chat platform is configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (Slack), or TEAMS_APP_ID and TEAMS_APP_PASSWORD (Teams)');
  if (config.teams.allowUnauthenticated) gaps.push('unauthenticated Teams is refused in production: set TEAMS_APP_ID');
  return gaps;
}

/** Throws a ConfigError listing every gap, in the shape loadConfig uses. */
export function requireProductionReady(config: Config, needs: 'runtime' | 'database'): void {
  const gaps = productionGaps(config, needs);
  if (gaps.length) throw new ConfigError(`Flightdeck cannot start in production (NODE_ENV=production):\n${gaps.map((gap) => `  ${gap}`).join('\n')}`);
}
