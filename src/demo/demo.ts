import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ShellChat } from '../chat/shell/shell-chat.ts';
import { ShellSession } from '../chat/shell/session.ts';
import type { Config } from '../config.ts';
import { stateLabel } from '../domain/run-types.ts';
import { startRuntime, PROJECT_ROOT } from '../runtime.ts';
import { freePortRun } from '../services/ports.ts';
import { findRunByKey } from '../store/runs.ts';
import type { Db } from '../store/db.ts';
import { DEMO_STORY, EXPECTED_ENDINGS } from './story.ts';
import { DEMO_SELF, demoIntro } from './intro.ts';
import { DemoTerminal } from './terminal.ts';

export interface DemoOptions {
  script: boolean;
  write?: (text: string) => void;
  /** Where the log lines go instead of the conversation (null: LOG_LEVEL asked for them on stderr). */
  logFile?: string | null;
}

/**
 * `flightdeck demo`: everything on one machine with no accounts: PGlite (unless DATABASE_URL),
 * a Redis child process (unless REDIS_URL), the server, the worker, the shell chat and the demo
 * service (real processes started by its own deploy commands). Interactive on a TTY; scripted otherwise.
 */
export async function runDemo(config: Config, log: Logger, options: DemoOptions): Promise<number> {
  const terminal = new DemoTerminal(process.stdin, process.stdout);
  const write = options.write ?? terminal.write;
  if (config.NODE_ENV === 'production') {
    // The demo is PGlite, a private Redis and an unauthenticated shell: everything production refuses.
    write('flightdeck demo runs on this machine only (embedded database, private Redis, no sign-in); it does not run with NODE_ENV=production.\n');
    return 1;
  }
  const demoEnv = { ...process.env, DEMO_PORT: String(await freePortRun(3)), DEMO_STATE_DIR: mkdtempSync(join(tmpdir(), 'flightdeck-demo-')) };
  const demoPlan = join(PROJECT_ROOT, 'plans/demo.yaml');
  const runtime = await startRuntime({
    // The demo's Teams endpoint (for trying the Teams app against a tunnel) is unauthenticated by its own choice, not by a variable left unset.
    config: {
      ...config,
      PLANS_DIR: config.given.PLANS_DIR ? config.PLANS_DIR : join(PROJECT_ROOT, 'plans'),
      PORT: options.script && !config.given.PORT ? 0 : config.PORT,
      // One machine, one person at the keyboard: leaving the demo mid-step should not wait production's grace period.
      SHUTDOWN_GRACE_MS: Math.min(config.SHUTDOWN_GRACE_MS, 2_000),
      teams: { ...config.teams, allowUnauthenticated: !config.teams.authenticated },
    },
    log,
    http: true,
    worker: true,
    chats: { shell: new ShellChat(write) },
    stepEnv: demoEnv,
    // Loopback only: the shell has no sign-in and Teams is unauthenticated here. A taken port is no reason to give up.
    listen: { host: '127.0.0.1', freePortIfTaken: true },
    // Every run message links to its page on this server (PUBLIC_URL, when set, wins).
    pagesAtListenAddress: true,
    // The user's plans (PLANS_DIR) and the demo's own, so the conversation below works whatever they hold.
    extraPlanFiles: [demoPlan],
  });
  const session = new ShellSession(runtime.ctx, write, { echo: options.script });
  const wanted = options.script && !config.given.PORT ? runtime.port : config.PORT;
  write(
    [
      `Flightdeck demo — server on http://127.0.0.1:${runtime.port}${runtime.port !== wanted ? ` (port ${wanted} is in use, so a free one was taken)` : ''}, ` +
        `${runtime.database.kind}, redis ${runtime.redisUrl}, demo service on :${demoEnv.DEMO_PORT}`,
      `Plans: ${runtime.ctx.plans.services().join(', ')}${config.given.PLANS_DIR ? ` (from ${config.PLANS_DIR}, with the demo's own)` : ''}`,
      ...(runtime.ctx.links ? [`Each run's messages link to its page on this server (the report, charts, downloads).`] : []),
      ...(options.logFile ? [`Log lines go to ${options.logFile} (set LOG_LEVEL=info to see them here).`] : []),
      '',
    ].join('\n'),
  );
  try {
    const plan = runtime.ctx.plans.get('demo');
    if (options.script) return await playStory(session, runtime.ctx.db, write);
    write(plan ? demoIntro(plan) : '');
    // A closed terminal window (SIGHUP) or a kill (SIGTERM) ends the conversation, so the cleanup below still
    // stops the demo service and the private Redis instead of leaving them running.
    const stop = () => terminal.close();
    for (const signal of ['SIGHUP', 'SIGTERM'] as const) process.once(signal, stop);
    try {
      await terminal.converse(session, DEMO_SELF);
    } finally {
      for (const signal of ['SIGHUP', 'SIGTERM'] as const) process.off(signal, stop);
    }
    return 0;
  } finally {
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'demo/service/ctl.mjs'), 'stop'], { env: demoEnv, stdio: 'ignore' });
    await runtime.stop();
  }
}

async function playStory(session: ShellSession, db: Db, write: (text: string) => void): Promise<number> {
  for (const line of DEMO_STORY) {
    if ('say' in line) {
      await session.say(line.as, line.say);
      continue;
    }
    const reached = await waitForState(db, line.run, line.waitFor, line.timeoutMs);
    if (!reached) {
      write(`\n✗ ${line.run} did not reach ${line.waitFor.map(stateLabel).join(' or ')} within ${line.timeoutMs / 1000}s\n`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 400)); // let the last chat messages print before the next line
  }
  const endings = await Promise.all(Object.entries(EXPECTED_ENDINGS).map(async ([key, want]) => ({ key, want, got: (await findRunByKey(db, key))?.state })));
  const wrong = endings.filter((ending) => ending.got !== ending.want);
  write(`\n${wrong.length ? '✗' : '✓'} Story finished: ${endings.map((e) => `${e.key} ${e.got ? stateLabel(e.got) : 'never started'}`).join(', ')}\n`);
  return wrong.length ? 1 : 0;
}

async function waitForState(db: Db, key: string, states: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = await findRunByKey(db, key);
    if (run && states.includes(run.state)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
