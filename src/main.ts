import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig, requireProductionReady } from './config.ts';
import { createLogger } from './logger.ts';
import { PlanLoadError, loadPlanFile, planFilesIn } from './plans/catalog.ts';

const USAGE = `Usage: flightdeck <command>
  serve [--port N]   HTTP server: Slack events, Teams messages, health (any number of replicas); PORT, default 3000
  worker             runs steps, checks and chat messages from the queue (any number)
  demo [--script] [--port N]
                     everything on this machine with the shell chat and a demo service; --script plays a story.
                     Your plans too with PLANS_DIR=…; log lines go to a file unless LOG_LEVEL is set
  migrate            applies database migrations
  plan check [file]  validates one plan, or every plan in PLANS_DIR
  report <run> [--incident]
                     prints a run's deployment report (or its incident report) as markdown, from DATABASE_URL
  teams package [--out file.zip]
                     zips manifests/teams into an app package for Teams, with TEAMS_APP_ID filled in
`;

const HELP = ['help', '--help', '-h'];

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || HELP.includes(command) || args.some((arg) => HELP.includes(arg))) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = portFlag(args);
  if (port === 'invalid') {
    console.error('--port takes a port number (0 to 65535), e.g. --port 4000');
    return 2;
  }
  const loaded = loadConfig();
  const config = port === null ? loaded : { ...loaded, PORT: port, given: { ...loaded.given, PORT: true } };
  // The demo is a conversation in the terminal: its log lines go to a file unless LOG_LEVEL asks for them here.
  const demoLogFile = command === 'demo' && !config.given.LOG_LEVEL ? join(mkdtempSync(join(tmpdir(), 'flightdeck-demo-log-')), 'flightdeck.log') : null;
  const log = createLogger(demoLogFile ? 'info' : config.LOG_LEVEL, demoLogFile ? pinoFile(demoLogFile) : undefined);
  switch (command) {
    case 'serve':
    case 'worker': {
      // Listening before start-up: a SIGTERM while it starts (a rolling update) stops it cleanly once it has.
      const stopping = untilSignal();
      const { startRuntime } = await import('./runtime.ts');
      const runtime = await startRuntime({ config, log, http: command === 'serve', worker: command === 'worker' });
      log.info({ port: runtime.port, database: runtime.database.kind }, `flightdeck ${command} started`);
      if (command === 'serve' && !config.slack)
        log.warn('Slack is not configured (SLACK_BOT_TOKEN with SLACK_APP_TOKEN for Socket Mode, or with SLACK_SIGNING_SECRET for HTTP): Slack is not served');
      if (command === 'serve' && config.slack)
        log.info({ mode: config.slack.mode }, `slack served over ${config.slack.mode === 'socket' ? 'Socket Mode' : 'HTTP'}`);
      const signal = await stopping;
      // Graceful: serve finishes the requests in flight, a worker its running jobs (or hands them back) within SHUTDOWN_GRACE_MS.
      log.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, `flightdeck ${command} stopping`);
      await runtime.stop();
      log.info(`flightdeck ${command} stopped`);
      return 0;
    }
    case 'demo': {
      const { runDemo } = await import('./demo/demo.ts');
      return runDemo(config, log, { script: args.includes('--script') || !process.stdin.isTTY, logFile: demoLogFile });
    }
    case 'migrate': {
      // Migrating an embedded PGlite in production would migrate a database no other process can see.
      requireProductionReady(config, 'database');
      const { openDatabase } = await import('./store/db.ts');
      const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR });
      await database.migrate();
      await database.close();
      console.log(`Migrations applied (${database.kind}).`);
      return 0;
    }
    case 'plan':
      return planCheck(args, config.PLANS_DIR);
    case 'report':
      return printReport(args, config);
    case 'teams':
      return teamsPackage(args, config.teams.appId);
    default:
      process.stderr.write(`"${command}" is not a flightdeck command.\n${USAGE}`);
      return 2;
  }
}

/** `flightdeck report demo-2 [--incident]`: the same markdown the run's page downloads. */
async function printReport(args: string[], config: ReturnType<typeof loadConfig>): Promise<number> {
  const key = args.find((arg) => !arg.startsWith('--'));
  if (!key) {
    process.stdout.write(USAGE);
    return 2;
  }
  const { openDatabase } = await import('./store/db.ts');
  const { findRunByKey } = await import('./store/runs.ts');
  const { deploymentReport, incidentReport } = await import('./domain/reports/deployment-report.ts');
  const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.PGLITE_DIR });
  try {
    const run = await findRunByKey(database.db, key);
    if (!run) {
      console.error(`There is no run ${key} in the ${database.kind} database.`);
      return 1;
    }
    const report = args.includes('--incident') ? incidentReport(run) : deploymentReport(run);
    if (report === null) {
      console.error(`${key} did not roll back: it has no incident report.`);
      return 1;
    }
    process.stdout.write(`${report}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

/** `--port 4000` or `--port=4000`: null when not given. */
function portFlag(args: string[]): number | null | 'invalid' {
  const at = args.findIndex((arg) => arg === '--port' || arg.startsWith('--port='));
  if (at < 0) return null;
  const text = args[at]!.includes('=') ? args[at]!.split('=')[1] : args[at + 1];
  const port = Number(text);
  return text && /^\d+$/.test(text) && port <= 65535 ? port : 'invalid';
}

async function planCheck(args: string[], plansDir: string): Promise<number> {
  if (args[0] !== 'check') {
    process.stdout.write(USAGE);
    return 2;
  }
  const target = args[1] ?? plansDir;
  try {
    const { stat } = await import('node:fs/promises');
    const found = await stat(target).catch(() => null);
    if (!found) {
      console.error(`${target}: no such file or folder`);
      return 2;
    }
    // Every file of a folder is checked, so one run lists the problems of all of them.
    const files = found.isDirectory() ? await planFilesIn(target) : [target];
    let worst = 0;
    for (const file of files) {
      try {
        await loadPlanFile(file);
      } catch (error) {
        if (!(error instanceof PlanLoadError)) throw error;
        console.error(error.message);
        worst = Math.max(worst, error.unreadable ? 2 : 1);
      }
    }
    if (!worst) console.log(`${target}: ok`);
    return worst;
  } catch (error) {
    if (error instanceof PlanLoadError) {
      console.error(error.message);
      return error.unreadable ? 2 : 1;
    }
    throw error;
  }
}

async function teamsPackage(args: string[], appId: string): Promise<number> {
  if (args[0] !== 'package') {
    process.stdout.write(USAGE);
    return 2;
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(appId)) {
    console.error('Set TEAMS_APP_ID to your Azure Bot registration’s Microsoft App ID (a GUID) first.');
    return 1;
  }
  const { writeFile } = await import('node:fs/promises');
  const { buildTeamsPackage } = await import('./chat/teams/package.ts');
  const { PROJECT_ROOT } = await import('./runtime.ts');
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1]! : 'flightdeck-teams.zip';
  const { zip } = await buildTeamsPackage(join(PROJECT_ROOT, 'manifests/teams'), appId);
  await writeFile(out, zip);
  console.log(`Wrote ${out}: upload it in Teams (Apps → Manage your apps → Upload an app).`);
  return 0;
}

function pinoFile(file: string) {
  return pino.destination({ dest: file, sync: true });
}

/** The first SIGTERM or SIGINT starts a graceful stop; a second one ends the process at once (the default action). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
