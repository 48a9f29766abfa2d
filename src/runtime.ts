import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ChatPlatform } from './ports.ts';
import { systemClock } from './ports.ts';
import type { AppContext } from './app/shared/context.ts';
import { jobHandlers, sweep } from './app/job-handlers.ts';
import { ConfigError, requireProductionReady, teamsServed, type Config } from './config.ts';
import type { Platform } from './domain/identity.ts';
import { createExecutor } from './executors/registry.ts';
import { createHttpHealthMonitor } from './monitors/http-health.ts';
import { createPrometheusSource } from './monitors/prometheus.ts';
import { createBareApp, listen, mountHealth, type ListenOn } from './http/server.ts';
import { catalogOf, loadPlanFile, planFilesIn } from './plans/catalog.ts';
import { OutboxRelay } from './queue/relay.ts';
import { startWorkers } from './queue/worker.ts';
import { ensureRedis, type RedisService } from './services/redis.ts';
import { openDatabase, type Database } from './store/db.ts';
import { conversationReferences } from './store/teams.ts';

/** The checkout's root: plans refer to scripts relative to it, so commands run from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Which parts this process runs: the HTTP server (chat in), the worker (steps, checks, chat out), or both. */
  http: boolean;
  worker: boolean;
  /** Extra chat platforms (the demo's shell). */
  chats?: Partial<Record<Platform, ChatPlatform>>;
  /** Environment for step commands and probes; defaults to this process's. */
  stepEnv?: NodeJS.ProcessEnv;
  /** Where the HTTP server listens (default: every interface, the configured port or fail). */
  listen?: ListenOn;
  /** Plan files loaded before PLANS_DIR's (the demo's own plan); a plan in PLANS_DIR for the same service wins. */
  extraPlanFiles?: string[];
}

export interface Runtime {
  ctx: AppContext;
  database: Database;
  redisUrl: string;
  relay: OutboxRelay;
  server: Server | null;
  port: number | null;
  stop(): Promise<void>;
}

/** Wires the adapters around the use cases: the composition root of every `flightdeck` command. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, log } = options;
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    // Each part gets a few seconds: a dead Redis or database must not keep the process from exiting.
    for (const stop of stops.reverse()) await withTimeout(stop(), 5_000).catch((error) => log.error({ err: error }, 'error while stopping'));
  };
  // Before anything opens: production never falls back to the embedded database or a private Redis.
  requireProductionReady(config, 'runtime');
  try {
    const database = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.PGLITE_DIR,
      onConnectionError: (error) => log.warn({ err: error.message, code: (error as { code?: string }).code }, 'database connection lost; reconnecting'),
    });
    stops.push(() => database.close());
    await database.migrate();

    const redis: RedisService = await ensureRedis(config.REDIS_URL, (line) => log.info(line));
    stops.push(() => redis.stop());
    // BullMQ needs maxRetriesPerRequest: null so blocking commands wait out a reconnect instead of failing.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on('error', (error) => log.warn({ err: error.message }, 'redis connection error')); // ioredis reconnects by itself
    stops.push(async () => {
      if (connection.status === 'ready') await connection.quit();
      else connection.disconnect();
    });

    const plansDir = isAbsolute(config.PLANS_DIR) ? config.PLANS_DIR : resolve(process.cwd(), config.PLANS_DIR);
    const planFiles = await planFilesIn(plansDir).catch((error: NodeJS.ErrnoException) => {
      // The image carries no plans (not even the demo's): they come from a mount, and a missing mount must say so.
      if (error.code === 'ENOENT')
        throw new ConfigError(`PLANS_DIR ${plansDir} does not exist: mount your plans there (a ConfigMap or a volume) or set PLANS_DIR`);
      throw error;
    });
    const unique = [...new Set([...(options.extraPlanFiles ?? []), ...planFiles])];
    const plans = catalogOf(await Promise.all(unique.map((file) => loadPlanFile(file))));
    const relay = new OutboxRelay(database.db, connection, log, config.RELAY_INTERVAL_MS, config.QUEUE_PREFIX);
    relay.start();
    stops.push(() => relay.stop());
    const ctx: AppContext = { db: database.db, plans, clock: systemClock, log, kickRelay: () => relay.kick() };

    const chats: Partial<Record<Platform, ChatPlatform>> = { ...options.chats };
    let slackApp: import('express').Express | null = null;
    if (config.slack) {
      const { SlackChat } = await import('./chat/slack/web-chat.ts');
      chats.slack = new SlackChat(config.slack.botToken, { apiUrl: config.slack.apiUrl, retries: config.NODE_ENV === 'test' ? 0 : 10 });
      if (options.http) {
        const { createSlackApp } = await import('./chat/slack/bolt.ts');
        slackApp = createSlackApp({
          ctx,
          signingSecret: config.slack.signingSecret,
          botToken: config.slack.botToken,
          apiUrl: config.slack.apiUrl,
          teamId: config.slack.teamId,
          log,
        }).express;
      }
    }

    // Teams runs authenticated when TEAMS_APP_ID is set; without it only when TEAMS_ALLOW_UNAUTHENTICATED=true says so
    // (never in production: config refuses it), and loudly. Otherwise /api/messages refuses every request.
    const warnings: string[] = [];
    let teamsRoute: ((app: import('express').Express) => void) | null = null;
    if (teamsServed(config.teams)) {
      const { createTeamsAdapter, FlightdeckTeamsBot, mountTeams } = await import('./chat/teams/bot.ts');
      const { TeamsChat } = await import('./chat/teams/teams-chat.ts');
      const adapter = createTeamsAdapter(config.teams, log);
      const references = conversationReferences(database.db);
      chats.teams = new TeamsChat(adapter, config.teams.appId, references);
      const bot = new FlightdeckTeamsBot(ctx, log, references);
      teamsRoute = (app) => mountTeams(app, adapter, bot, log);
      if (!config.teams.authenticated) {
        warnings.push(
          'Teams requests are NOT authenticated: TEAMS_ALLOW_UNAUTHENTICATED=true and no TEAMS_APP_ID (acceptable for local development and tests only).',
        );
        if (options.http) log.warn(warnings[0]);
      }
    } else {
      const { refuseTeams } = await import('./chat/teams/bot.ts');
      teamsRoute = (app) => refuseTeams(app, log);
    }

    if (options.worker) {
      const stepEnv = options.stepEnv ?? process.env;
      const handlers = jobHandlers(ctx, {
        executor: createExecutor({ cwd: PROJECT_ROOT, env: stepEnv }),
        monitor: createHttpHealthMonitor(stepEnv),
        metrics: createPrometheusSource(stepEnv),
        chat: { db: database.db, chats, log },
      });
      const workers = startWorkers({
        handlers,
        log,
        connection,
        lockMs: config.WORKER_LOCK_MS,
        prefix: config.QUEUE_PREFIX,
      });
      stops.push(() => workers.stop());
      const sweeper = setInterval(() => {
        sweep(ctx, config.SWEEP_GRACE_MS).catch((error) => log.error({ err: error }, 'sweep failed'));
      }, config.SWEEP_INTERVAL_MS);
      sweeper.unref();
      stops.push(async () => clearInterval(sweeper));
    }

    let server: Server | null = null;
    if (options.http) {
      const app = mountHealth(
        slackApp ?? createBareApp(),
        [
          { name: 'database', check: () => database.ping() },
          { name: 'redis', check: async () => void (await connection.ping()) },
        ],
        warnings,
      );
      teamsRoute?.(app);
      const listening = await listen(app, config.PORT, options.listen);
      server = listening;
      stops.push(
        () =>
          new Promise<void>((done) => {
            listening.close(() => done());
            listening.closeAllConnections();
          }),
      );
    }
    const address = server?.address();
    return { ctx, database, redisUrl: redis.url, relay, server, port: address && typeof address === 'object' ? address.port : null, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | void> {
  return Promise.race([promise, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}
