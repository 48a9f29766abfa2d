import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { startPagesServer, statusLink as statusLinkOf, type PagesServer } from '../support/pages-server.ts';

const HOUR = 3_600_000;

/**
 * A run's page and a service's page through serve's real express stack on real Postgres, from runs
 * that went through the use cases: what they show, the downloads, and the signed links (expired,
 * tampered, missing, another run's) that keep production details private.
 */
describe('run and service pages behind signed links', () => {
  let pages: PagesServer;
  let ctx: AppContext;
  let base: string;
  const tick = (ms: number) => pages.tick(ms);
  const statusLink = (key: string) => statusLinkOf(ctx, key);

  beforeAll(async () => {
    pages = await startPagesServer();
    ({ ctx, base } = pages);
  });
  afterAll(async () => pages?.close());

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
