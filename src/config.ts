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
  /** The worker's own HTTP listener: /health, /health/ready and /metrics (serve answers these on PORT). */
  WORKER_PORT: number(z.number().int().min(0).max(65535), 3001),
  /**
   * On SIGTERM: how long serve lets requests in flight finish and a worker lets a running job finish; then a worker
   * hands its jobs back to the queue for another worker to take at once. Below Kubernetes' default 30 s
   * terminationGracePeriodSeconds, so the handing back happens before the kubelet's SIGKILL.
   */
  SHUTDOWN_GRACE_MS: number(z.number().int().min(0), 25_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Postgres; unset → embedded PGlite (demo and single-process use only). */
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  /**
   * Postgres connections per process, all opened at start and kept (store/db.ts POOL_SIZE says why): serve, each
   * worker and each replica hold this many, plus one for LISTEN, so size it under max_connections (or a pooler's).
   */
  DATABASE_POOL_SIZE: number(z.number().int().min(1).max(200), 10),
  /** Where PGlite keeps its data when DATABASE_URL is unset; unset → in memory. */
  PGLITE_DIR: optionalText,
  /** Redis; unset → a redis-server child process on a free port (demo, tests). */
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  /** Slack over HTTP (Events API request URLs): requests are checked with this secret. */
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  /** Slack over Socket Mode: an app-level token (connections:write). Set → no public URL and no signing secret are needed. */
  SLACK_APP_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token (xapp-…, with the connections:write scope)')
      .optional(),
  ),
  /** Points the Slack Web API client elsewhere (tests, proxies). Must end with a slash. */
  SLACK_API_URL: optionalUrl(['http', 'https']),
  /**
   * A command that writes nothing (/deploy stats, history, status…) answers in its ack when it can; one not
   * ready after this long is acked with "the answer follows" and answered through Slack's response_url, so a
   * slow read never meets Slack's 3 s. 0: always so.
   */
  SLACK_LATE_ANSWER_MS: number(z.number().int().min(0).max(2_500), 2_000),
  /**
   * A command that changes something and is not answered within this long (Flightdeck overloaded) is acked with
   * "still saving, the answer follows" and answered through response_url once saved, instead of missing Slack's 3 s
   * (Slack would tell the user it failed while the write may still land). A button that writes (Roll back, Promote,
   * Hold, Resume, Acknowledge) is acked, empty, at the same mark, and a decision form with "still recording"; their
   * answers follow once known. 0: always so.
   */
  SLACK_LATE_WRITE_MS: number(z.number().int().min(0).max(2_800), 2_500),
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
  /** How often the worker's outbox relay polls besides being woken by each commit's NOTIFY (a notification lost with a connection waits this long). */
  RELAY_INTERVAL_MS: number(z.number().int().min(10), 2_000),
  /** Where people reach serve's web pages (a run's report, a service's history): links in chat start with it. */
  PUBLIC_URL: z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).optional()),
  /** Signs the links to those pages (http/links.ts); rotating it revokes every link given out. At least 32 characters. */
  LINK_SECRET: z.preprocess(unsetIfEmpty, z.string().min(32, 'LINK_SECRET needs at least 32 characters').optional()),
  /** How long a link posted in chat opens its page, in ms (7 days). */
  LINK_TTL_MS: number(z.number().int().min(60_000), 7 * 86_400_000),
});

/** Every variable Flightdeck reads (the deployment manifests may set only these; a test checks them). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

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

/** How Slack reaches us: signed HTTP requests to /slack/events, or a Socket Mode connection we open (no public URL). */
export type SlackTransport = { mode: 'http'; signingSecret: string } | { mode: 'socket'; appToken: string };

export type SlackConfig = SlackTransport & {
  botToken: string;
  apiUrl: string | undefined;
  teamId: string | undefined;
  lateAnswerMs: number;
  lateWriteMs: number;
};

export type Config = z.infer<typeof envSchema> & {
  slack: SlackConfig | null;
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
  const slack = slackConfig(values);
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
 * Socket Mode when an app-level token is set (the signing secret, if also set, is then unused: nothing
 * arrives over HTTP to check); otherwise HTTP, where the secret and the bot token go together.
 */
function slackConfig(values: z.infer<typeof envSchema>): SlackConfig | null {
  const where = {
    apiUrl: values.SLACK_API_URL,
    teamId: values.SLACK_TEAM_ID,
    lateAnswerMs: values.SLACK_LATE_ANSWER_MS,
    lateWriteMs: values.SLACK_LATE_WRITE_MS,
  };
  if (values.SLACK_APP_TOKEN) {
    if (!values.SLACK_BOT_TOKEN)
      throw new ConfigError(
        "Flightdeck's configuration is not valid:\n  SLACK_APP_TOKEN (Socket Mode) needs SLACK_BOT_TOKEN too: the app token only opens the connection, the bot token posts",
      );
    return { mode: 'socket', appToken: values.SLACK_APP_TOKEN, botToken: values.SLACK_BOT_TOKEN, ...where };
  }
  if (Boolean(values.SLACK_SIGNING_SECRET) !== Boolean(values.SLACK_BOT_TOKEN)) {
    throw new ConfigError(
      "Flightdeck's configuration is not valid:\n  SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN go together: set both or neither (or SLACK_APP_TOKEN and SLACK_BOT_TOKEN for Socket Mode)",
    );
  }
  return values.SLACK_SIGNING_SECRET && values.SLACK_BOT_TOKEN
    ? { mode: 'http', signingSecret: values.SLACK_SIGNING_SECRET, botToken: values.SLACK_BOT_TOKEN, ...where }
    : null;
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
    gaps.push(
      'no chat platform is configured: set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Slack Socket Mode) or with SLACK_SIGNING_SECRET (Slack over HTTP), or TEAMS_APP_ID and TEAMS_APP_PASSWORD (Teams)',
    );
  if (config.teams.allowUnauthenticated) gaps.push('unauthenticated Teams is refused in production: set TEAMS_APP_ID');
  if (config.PUBLIC_URL && !config.LINK_SECRET)
    gaps.push('PUBLIC_URL is set without LINK_SECRET: run pages hold production details and are served only behind signed links');
  return gaps;
}

/** Throws a ConfigError listing every gap, in the shape loadConfig uses. */
export function requireProductionReady(config: Config, needs: 'runtime' | 'database'): void {
  const gaps = productionGaps(config, needs);
  if (gaps.length) throw new ConfigError(`Flightdeck cannot start in production (NODE_ENV=production):\n${gaps.map((gap) => `  ${gap}`).join('\n')}`);
}
