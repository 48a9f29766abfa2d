import { fileURLToPath } from 'node:url';
import { onCommand } from '../../src/app/on-command.ts';
import type { AppContext } from '../../src/app/shared/context.ts';
import type { Reading } from '../../src/domain/assess.ts';
import { plain } from '../../src/domain/cards.ts';
import { createLinks } from '../../src/http/links.ts';
import { mountPages } from '../../src/http/pages.ts';
import { createBareApp, listen } from '../../src/http/server.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { testContext } from './context.ts';
import { freshPostgres } from './databases.ts';
import { driveRun } from './drive-runs.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
export const PAGE_SECRET = 'a-test-secret-of-at-least-32-characters!';
const HOUR = 3_600_000;
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

export interface PagesServer {
  base: string;
  ctx: AppContext;
  /** Moves the clock every use case and link check reads. */
  tick(ms: number): void;
  close(): Promise<void>;
}

/**
 * serve's pages on a real express app and a fresh Postgres, with links valid for a day, and the demo plan's
 * two runs driven through the use cases on a clock the test moves: demo-1 (1.1.0) succeeds, demo-2
 * (1.2.0-broken) is rolled back after three failing checks. `readings` makes, for each run, what its checks read.
 */
export async function startPagesServer(readings?: () => (healthy: boolean) => Reading[]): Promise<PagesServer> {
  let now = new Date('2026-11-02T09:00:00.000Z');
  const tick = (ms: number) => void (now = new Date(now.getTime() + ms));
  const pg = await freshPostgres();
  const app = createBareApp();
  const server = await listen(app, 0);
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const links = createLinks(base, PAGE_SECRET, 24 * HOUR);
  const ctx: AppContext = { ...testContext(pg.database.db, [await loadPlanFile(DEMO_PLAN)], { now: () => now }), links };
  mountPages(app, ctx, links);
  const drive = () => ({ approver: bob, tick: () => tick(1_000), ...(readings ? { readings: readings() } : {}) });
  const created = await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: null });
  if (created.kind !== 'text' || !created.text.includes('demo-1 created')) throw new Error(`demo-1 was not created: ${JSON.stringify(created)}`);
  await driveRun(ctx, 'demo-1', drive());
  await onCommand(ctx, { actor: alice, text: 'start demo 1.2.0-broken', requestKey: null });
  await driveRun(ctx, 'demo-2', { ...drive(), unhealthyChecks: 3 });
  return {
    base,
    ctx,
    tick,
    async close() {
      server.close();
      await pg.drop();
    },
  };
}

/** The link `/deploy status <run>` gives, as chat shows it. */
export async function statusLink(ctx: AppContext, key: string): Promise<string> {
  const reply = await onCommand(ctx, { actor: alice, text: `status ${key}`, requestKey: null });
  if (reply.kind !== 'card') throw new Error('status answered with text');
  const url = plain(reply.card.context ?? []).match(/📄 Report: (\S+)/)?.[1];
  if (!url) throw new Error(`no report link in ${plain(reply.card.context ?? [])}`);
  return url;
}
