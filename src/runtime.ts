import { randomBytes } from 'node:crypto';
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
import { createCommitTimes } from './monitors/commit-time.ts';
import { createLinks } from './http/links.ts';
import { mountPages } from './http/pages.ts';
import { createBareApp, listen, mountHealth, mountMetrics, type ListenOn, type Readiness } from './http/server.ts';
import { startMetrics } from './observability/runtime-metrics.ts';
import { catalogOf, loadPlanFile, planFilesIn } from './plans/catalog.ts';
import { OutboxRelay } from './queue/relay.ts';
import { startWorkers } from './queue/worker.ts';
import { ensureRedis, type RedisService } from './services/redis.ts';
import { openDatabase, OUTBOX_CHANNEL, type Database } from './store/db.ts';
import { conversationReferences } from './store/teams.ts';

/** The checkout's root: plans refer to scripts relative to it, so commands run from here. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RuntimeOptions {
  config: Config;
  log: Logger;
  /** Which parts this process runs: the HTTP server (chat in), the worker (steps, checks, chat out), or both. */
  http: boolean;
  worker: boolean;
  /**
   * Whether this process moves outbox rows to Redis. The worker's job (woken by NOTIFY), so by default
   * only with `worker`; a process running use cases without one (the tests' in-process server) may ask for it.
   */
  relay?: boolean;
  /** Extra chat platforms (the demo's shell). */
  chats?: Partial<Record<Platform, ChatPlatform>>;
  /** Environment for step commands and probes; defaults to this process's. */
  stepEnv?: NodeJS.ProcessEnv;
  /** Where the HTTP server listens (default: every interface, the configured port or fail). */
  listen?: ListenOn;
  /**
   * Without PUBLIC_URL: serve the pages anyway, at the address the server listens on, with a secret made
   * for this process (the demo: one machine, links that die with it). PUBLIC_URL, when given, wins.
   */
  pagesAtListenAddress?: boolean;
  /** Plan files loaded before PLANS_DIR's (the demo's own plan); a plan in PLANS_DIR for the same service wins. */
  extraPlanFiles?: string[];
}

export interface Runtime {
  ctx: AppContext;
  database: Database;
  redisUrl: string;
  /** Null in a process that leaves relaying to the worker (serve). */
  relay: OutboxRelay | null;
  server: Server | null;
  port: number | null;
  /** The worker's own listener (/health, /health/ready, /metrics) when this process runs the worker without serve. */
  workerPort: number | null;
  stop(): Promise<void>;
}

/** Wires the adapters around the use cases: the composition root of every `flightdeck` command. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, log } = options;
  const stops: { stop: () => Promise<unknown>; ms: number }[] = [];
  const onStop = (stop: () => Promise<unknown>, ms = 5_000) => void stops.push({ stop, ms });
  const stopAll = async () => {
    // Each part gets a few seconds (draining ones their grace period): a dead Redis or database must not keep the process from exiting.
    for (const { stop, ms } of stops.reverse()) await withTimeout(stop(), ms).catch((error) => log.error({ err: error }, 'error while stopping'));
  };
  // Draining (requests in flight, running jobs) gets the grace period, and a little more to hand back what is left.
  const drainMs = config.SHUTDOWN_GRACE_MS + 3_000;
  // Before anything opens: production never falls back to the embedded database or a private Redis.
  requireProductionReady(config, 'runtime');
  try {
    const database = await openDatabase({
      url: config.DATABASE_URL,
      dataDir: config.PGLITE_DIR,
      poolSize: config.DATABASE_POOL_SIZE,
      applicationName: options.http && options.worker ? 'flightdeck' : options.http ? 'flightdeck serve' : 'flightdeck worker',
      onConnectionError: (error) => log.warn({ err: error.message, code: (error as { code?: string }).code }, 'database connection lost; reconnecting'),
    });
    onStop(() => database.close());
    await database.migrate();
    await database.warm().catch((error: unknown) => log.warn({ err: error }, 'could not open every database connection at start; the rest open on demand'));

    const redis: RedisService = await ensureRedis(config.REDIS_URL, (line) => log.info(line));
    onStop(() => redis.stop());
    // BullMQ needs maxRetriesPerRequest: null so blocking commands wait out a reconnect instead of failing.
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on('error', (error) => log.warn({ err: error.message }, 'redis connection error')); // ioredis reconnects by itself
    onStop(async () => {
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
    // Serve does no relay work: each commit of outbox rows NOTIFYs the worker's relay (migration 0008).
    const relay =
      (options.relay ?? options.worker)
        ? new OutboxRelay(database.db, connection, log, config.RELAY_INTERVAL_MS, config.QUEUE_PREFIX, (onCommitted) =>
            database.listen(OUTBOX_CHANNEL, onCommitted),
          )
        : null;
    relay?.start();
    if (relay) onStop(() => relay.stop());
    let listenAddress = '';
    const links =
      config.PUBLIC_URL && config.LINK_SECRET
        ? createLinks(config.PUBLIC_URL, config.LINK_SECRET, config.LINK_TTL_MS)
        : options.pagesAtListenAddress && options.http
          ? createLinks(() => listenAddress, config.LINK_SECRET ?? randomBytes(32).toString('base64url'), config.LINK_TTL_MS)
          : null;
    const metrics = startMetrics(database.db, connection, config.QUEUE_PREFIX, log, options.http ? 'serve' : 'worker');
    onStop(() => metrics.close());
    const ctx: AppContext = { db: database.db, plans, clock: systemClock, log, kickRelay: () => relay?.kick(), metrics, links };
    const readiness: Readiness[] = [
      { name: 'database', check: () => database.ping() },
      { name: 'redis', check: async () => void (await connection.ping()) },
    ];

    const chats: Partial<Record<Platform, ChatPlatform>> = { ...options.chats };
    let slackApp: import('express').Express | null = null;
    const slackChecks: Readiness[] = [];
    if (config.slack) {
      const { SlackChat } = await import('./chat/slack/web-chat.ts');
      chats.slack = new SlackChat(config.slack.botToken, { apiUrl: config.slack.apiUrl, retries: config.NODE_ENV === 'test' ? 0 : 10 });
      const slackIn = {
        ctx,
        botToken: config.slack.botToken,
        apiUrl: config.slack.apiUrl,
        teamId: config.slack.teamId,
        lateAnswerMs: config.slack.lateAnswerMs,
        lateWriteMs: config.slack.lateWriteMs,
        log,
      };
      if (options.http && config.slack.mode === 'http') {
        const { createSlackApp } = await import('./chat/slack/bolt.ts');
        slackApp = createSlackApp({ ...slackIn, signingSecret: config.slack.signingSecret }).express;
      }
      if (options.http && config.slack.mode === 'socket') {
        // Socket Mode: serve opens the connection (no /slack/events route), and is ready only while it is open.
        const { startSlackSocketMode } = await import('./chat/slack/socket-mode.ts');
        const socket = await startSlackSocketMode({ ...slackIn, appToken: config.slack.appToken });
        onStop(() => socket.stop());
        slackChecks.push({
          name: 'slack',
          check: async () => {
            if (!socket.connected()) throw new Error('the Socket Mode connection is not open (reconnecting)');
          },
        });
      }
    }

    // Teams runs authenticated when TEAMS_APP_ID is set; without it only when TEAMS_ALLOW_UNAUTHENTICATED=true says so
    // (never in production: config refuses it), and loudly. Otherwise /api/messages refuses every request.
    const warnings: string[] = [];
    let teamsRoute: ((app: import('express').Express) => void) | null = null;
    if (teamsServed(config.teams)) {
      const { createTeamsAdapter, FlightdeckTeamsBot, mountTeams } = await import('./chat/teams/bot.ts');
      const { TeamsChat } = await import('./chat/teams/teams-chat.ts');
      const { rememberingChanges } = await import('./chat/teams/remembered.ts');
      const adapter = createTeamsAdapter(config.teams, log);
      const references = conversationReferences(database.db);
      chats.teams = new TeamsChat(adapter, config.teams.appId, references);
      const bot = new FlightdeckTeamsBot(ctx, log, rememberingChanges(references));
      teamsRoute = (app) => mountTeams(app, adapter, bot, log, metrics);
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
      const executor = createExecutor({ cwd: PROJECT_ROOT, env: stepEnv });
      const handlers = jobHandlers(ctx, {
        executor,
        monitor: createHttpHealthMonitor(stepEnv),
        metrics: createPrometheusSource(stepEnv),
        chat: { db: database.db, chats, log, links, plans },
        commits: createCommitTimes(stepEnv),
      });
      const workers = startWorkers({
        handlers,
        log,
        connection,
        lockMs: config.WORKER_LOCK_MS,
        prefix: config.QUEUE_PREFIX,
      });
      // SIGTERM: finish running jobs within the grace period, else hand them back (and kill their commands) so another worker takes them at once.
      onStop(async () => {
        await workers.stop(config.SHUTDOWN_GRACE_MS, () => executor.abandonAll());
      }, drainMs);
      const sweeper = setInterval(() => {
        sweep(ctx, config.SWEEP_GRACE_MS).catch((error) => log.error({ err: error }, 'sweep failed'));
      }, config.SWEEP_INTERVAL_MS);
      sweeper.unref();
      onStop(async () => clearInterval(sweeper));
    }

    let server: Server | null = null;
    if (options.http) {
      const app = mountMetrics(mountHealth(slackApp ?? createBareApp(), [...readiness, ...slackChecks], warnings), () => metrics.scrape());
      teamsRoute?.(app);
      if (links) mountPages(app, ctx, links);
      server = await listen(app, config.PORT, options.listen);
      const host = options.listen?.host ?? '0.0.0.0';
      listenAddress = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${portOf(server)}`;
      onStop(closeGracefully(server, config.SHUTDOWN_GRACE_MS), drainMs);
    }
    let workerServer: Server | null = null;
    if (options.worker && !options.http) {
      // The worker's probes and scrape target (Kubernetes probes WORKER_PORT); serve answers these on PORT.
      workerServer = await listen(
        mountMetrics(mountHealth(createBareApp(), readiness), () => metrics.scrape()),
        config.WORKER_PORT,
      );
      onStop(closeGracefully(workerServer, 1_000));
    }
    return { ctx, database, redisUrl: redis.url, relay, server, port: portOf(server), workerPort: portOf(workerServer), stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Stops accepting connections, lets requests in flight finish (idle keep-alive connections are closed at once),
 * and after `graceMs` closes whatever is still open.
 */
function closeGracefully(server: Server, graceMs: number): () => Promise<void> {
  return () =>
    new Promise<void>((done) => {
      const late = setTimeout(() => server.closeAllConnections(), graceMs);
      late.unref();
      server.close(() => {
        clearTimeout(late);
        done();
      });
      server.closeIdleConnections();
    });
}

function portOf(server: Server | null): number | null {
  const address = server?.address();
  return address && typeof address === 'object' ? address.port : null;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | void> {
  return Promise.race([promise, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
}
