import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCommand } from '../../src/app/on-command.ts';
import type { AppContext } from '../../src/app/shared/context.ts';
import { plain } from '../../src/domain/cards.ts';
import { createLinks } from '../../src/http/links.ts';
import { mountPages } from '../../src/http/pages.ts';
import { createBareApp, listen } from '../../src/http/server.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';
import { driveRun } from '../support/drive-runs.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const SECRET = 'a-test-secret-of-at-least-32-characters!';
const HOUR = 3_600_000;

/**
 * A run's page and a service's page through serve's real express stack on real Postgres, from runs
 * that went through the use cases: what they show, the downloads, and the signed links (expired,
 * tampered, missing, another run's) that keep production details private.
 */
describe('run and service pages behind signed links', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  let server: Server;
  let base: string;
  let now = new Date('2026-11-02T09:00:00.000Z');
  const tick = (ms: number) => (now = new Date(now.getTime() + ms));

  beforeAll(async () => {
    pg = await freshPostgres();
    const app = createBareApp();
    server = await listen(app, 0);
    const address = server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const links = createLinks(base, SECRET, 24 * HOUR);
    ctx = { ...testContext(pg.database.db, [await loadPlanFile(DEMO_PLAN)], { now: () => now }), links };
    mountPages(app, ctx, links);
    expect(await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: null })).toMatchObject({ kind: 'text' });
    await driveRun(ctx, 'demo-1', { approver: bob, tick: () => tick(1_000) });
    await onCommand(ctx, { actor: alice, text: 'start demo 1.2.0-broken', requestKey: null });
    await driveRun(ctx, 'demo-2', { approver: bob, unhealthyChecks: 3, tick: () => tick(1_000) });
  });
  afterAll(async () => {
    server?.close();
    await pg?.drop();
  });

  /** The link `/deploy status <run>` gives, as chat shows it. */
  async function statusLink(key: string): Promise<string> {
    const reply = await onCommand(ctx, { actor: alice, text: `status ${key}`, requestKey: null });
    if (reply.kind !== 'card') throw new Error('status answered with text');
    const url = plain(reply.card.context ?? []).match(/📄 Report: (\S+)/)?.[1];
    if (!url) throw new Error(`no report link in ${plain(reply.card.context ?? [])}`);
    return url;
  }

  it('the status card links to the run’s page, which shows the report with its sections', async () => {
    const url = await statusLink('demo-2');
    expect(url.startsWith(`${base}/runs/demo-2?exp=`)).toBe(true);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const page = await response.text();
    expect(page).toContain('<h1>Deployment Report: demo 1.2.0-broken (demo-2)</h1>');
    for (const section of [
      'Executive Summary',
      'Key Metrics',
      'Timeline',
      'Validation Results',
      'Issues',
      'Rollback',
      'Decisions (sign-off)',
      'Monitoring Plan',
      'Lessons Learned',
    ])
      expect(page).toContain(`<h2>${section}</h2>`);
    expect(page).toContain('ROLLED BACK');
    expect(page).toContain('<strong>CRITICAL</strong>: Rollback trigger fired: trigger &quot;health failing for 3 checks&quot; fired');
    expect(page).toMatch(/<td>GO<\/td><td>bob<\/td>/);
    expect(page).not.toContain('<script');
  });

  it('downloads the markdown reports and the raw readings with the same link; a success has no incident report', async () => {
    const url = new URL(await statusLink('demo-2'));
    const download = (file: string) => fetch(`${base}/runs/demo-2/${file}${url.search}`);
    const deployment = await download('deployment-report.md');
    expect(deployment.headers.get('content-disposition')).toBe('attachment; filename="deployment-report.md"');
    expect(await deployment.text()).toContain('# Deployment Report: demo 1.2.0-broken (demo-2)');
    expect(await (await download('incident-report.md')).text()).toContain('# Incident Report: demo 1.2.0-broken (demo-2)');
    const snapshot = (await (await download('monitoring-snapshot.json')).json()) as { run: string; samples: { healthy: boolean }[] };
    expect(snapshot.run).toBe('demo-2');
    expect(snapshot.samples.filter((sample) => !sample.healthy)).toHaveLength(3);
    const success = new URL(await statusLink('demo-1'));
    const none = await fetch(`${base}/runs/demo-1/incident-report.md${success.search}`);
    expect(none.status).toBe(404);
    expect(await none.text()).toBe('demo-1 did not roll back: it has no incident report.\n');
  });

  it('without a valid link: 401 with how to get a fresh one, and nothing of the run', async () => {
    const url = new URL(await statusLink('demo-2'));
    const sig = url.searchParams.get('sig')!;
    const exp = url.searchParams.get('exp')!;
    const cases = {
      missing: `${base}/runs/demo-2`,
      tampered: `${base}/runs/demo-2?exp=${exp}&sig=${sig.slice(0, -2)}xx`,
      'later expiry': `${base}/runs/demo-2?exp=${Number(exp) + 3600}&sig=${sig}`,
      'another run': `${base}/runs/demo-1?exp=${exp}&sig=${sig}`,
    };
    for (const [what, bad] of Object.entries(cases)) {
      const response = await fetch(bad);
      expect(response.status, what).toBe(401);
      const page = await response.text();
      expect(page, what).toContain('This link is not valid');
      expect(page, what).toContain('type /deploy status');
      expect(page, what).not.toContain('1.2.0-broken');
    }
    // The link given out yesterday stops working once its day is over; a fresh status gives a new one.
    tick(25 * HOUR);
    const expired = await fetch(url);
    expect(expired.status).toBe(401);
    expect(await expired.text()).toContain('This link has expired');
    expect((await fetch(await statusLink('demo-2'))).status).toBe(200);
  });

  it('the service page lists the runs with links to each, and the DORA figures', async () => {
    const run = await (await fetch(await statusLink('demo-1'))).text();
    const serviceUrl = run.match(/href="([^"]*\/services\/demo[^"]*)"/)?.[1]?.replace(/&amp;/g, '&');
    expect(serviceUrl).toBeDefined();
    const page = await (await fetch(serviceUrl!)).text();
    expect(page).toContain('<h1>Deployments of demo</h1>');
    expect(page).toContain('Change failure rate');
    expect(page).toContain('50 % (1 of 2 deploys rolled back) · not enough data');
    const runLinks = [...page.matchAll(/<a href="([^"]+)">(demo-\d+)<\/a>/g)].map((match) => [match[2], match[1]!.replace(/&amp;/g, '&')] as const);
    expect(runLinks.map(([key]) => key)).toEqual(['demo-2', 'demo-1']);
    expect((await fetch(runLinks[1]![1])).status).toBe(200);
    expect((await fetch(`${base}/services/demo`)).status).toBe(401);
  });
});
