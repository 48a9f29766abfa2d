import axe from 'axe-core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import type { Reading } from '../../src/domain/assess.ts';
import { launchChromium } from '../support/browser.ts';
import { startPagesServer, statusLink as statusLinkOf, type PagesServer } from '../support/pages-server.ts';
import { colourSpread, pngSize } from '../support/screenshots.ts';

const HOUR = 3_600_000;
const ERROR_RATE = 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))';
const LIMIT = 0.05;
/** The chart's colours (layout.eta): the readings' line and dots, and the trigger's dashed limit. */
const READING_BLUE = '#0550ae';
const LIMIT_RED = '#a40e26';

const viewports = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 },
} satisfies Record<string, BrowserContextOptions>;

/** What a Prometheus monitor would have read at each check: the error rate, under the limit while healthy. */
function errorRates(): (healthy: boolean) => Reading[] {
  let n = 0;
  return (healthy) => {
    n++;
    const value = Math.round((healthy ? 0.004 + 0.001 * (n % 4) : 0.1 + 0.04 * n) * 1000) / 1000;
    return [{ metric: 'error_rate', value, source: ERROR_RATE, detail: `error_rate ${value}`, limit: LIMIT }];
  };
}

/**
 * The run and service pages in a real browser (Debian's Chromium through playwright-core), from runs
 * that went through the use cases on real Postgres: a success and a rollback, on a desktop and a phone,
 * with JavaScript off (the pages need none); screenshots checked for what they show; axe-core in a
 * separate context with JavaScript on; the downloads clicked from the page; a bad or expired link's 401 page.
 */
describe('run and service pages in Chromium', () => {
  let pages: PagesServer;
  let ctx: AppContext;
  let base: string;
  let browser: Browser;
  let shots: string;
  const tick = (ms: number) => pages.tick(ms);
  const statusLink = (key: string) => statusLinkOf(ctx, key);

  beforeAll(async () => {
    // Chromium may have to be installed first (apt-get, ~1 minute on a new machine).
    browser = await launchChromium((line) => console.log(line));
    // SCREENSHOTS_DIR keeps them to look at; otherwise they go to a temporary directory removed afterwards.
    shots = process.env.SCREENSHOTS_DIR ?? (await mkdtemp(join(tmpdir(), 'flightdeck-screens-')));
    pages = await startPagesServer(errorRates);
    ({ ctx, base } = pages);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    if (shots && !process.env.SCREENSHOTS_DIR) await rm(shots, { recursive: true, force: true });
  });

  /** A page in a fresh context: JavaScript off unless axe needs it. */
  async function open<T>(options: BrowserContextOptions, url: string, use: (page: Page, response: Response) => Promise<T>): Promise<T> {
    const context = await browser.newContext({ javaScriptEnabled: false, ...options });
    try {
      const page = await context.newPage();
      const response = await page.goto(url);
      if (!response) throw new Error(`no response for ${url}`);
      return await use(page, response);
    } finally {
      await context.close();
    }
  }

  /** A phone widens its layout viewport to content that overflows: so both are compared with the phone's width. */
  async function noHorizontalScroll(page: Page): Promise<void> {
    const width = viewports.phone.viewport.width;
    const layout = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth }));
    expect(layout).toEqual({ scrollWidth: expect.any(Number), innerWidth: width });
    expect(layout.scrollWidth).toBeLessThanOrEqual(width);
  }

  const runs = [
    { key: 'demo-1', title: 'demo 1.1.0 (demo-1)', status: 'SUCCESS', readingsOverLimit: false },
    { key: 'demo-2', title: 'demo 1.2.0-broken (demo-2)', status: 'ROLLED BACK', readingsOverLimit: true },
  ];
  for (const run of runs)
    for (const [device, options] of Object.entries(viewports))
      it(`${run.key} (${run.status}) on a ${device}, without JavaScript: the report, its sign-off and its chart`, async () => {
        await open(options, await statusLink(run.key), async (page) => {
          expect(await page.locator('script').count()).toBe(0);
          await expect.poll(() => page.title()).toBe(`${run.title} · Flightdeck`);
          expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`Deployment Report: ${run.title}`);
          const sections = await page.getByRole('heading', { level: 2 }).allInnerTexts();
          expect(sections).toEqual(expect.arrayContaining(['Executive Summary', 'Key Metrics', 'Timeline', 'Decisions (sign-off)', 'Lessons Learned']));
          const status = page.getByRole('row', { name: /^Status/ }).getByRole('cell');
          expect(await status.innerText()).toContain(run.status);
          expect(await status.isVisible()).toBe(true);
          const signOff = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Rationale' }) });
          expect(await signOff.getByRole('row').nth(1).getByRole('cell').allInnerTexts()).toEqual([
            'GO',
            'bob',
            expect.stringMatching(/^2026-11-02 09:0\d$/),
            '—',
          ]);
          const incident = page.getByRole('link', { name: 'incident-report.md' });
          expect(await incident.count()).toBe(run.status === 'ROLLED BACK' ? 1 : 0);

          const chart = page.getByRole('img', { name: /^error_rate over the run: / });
          expect(await chart.count()).toBe(1);
          expect(await chart.getAttribute('aria-labelledby')).toBe('chart-error_rate');
          expect(await chart.locator('title').textContent()).toContain(`limit ${LIMIT}`);
          expect(await chart.isVisible()).toBe(true);

          if (device === 'phone') await noHorizontalScroll(page);
          const width = options.viewport.width;
          const full = await page.screenshot({ fullPage: true, path: join(shots, `${run.key}-${device}.png`) });
          const size = pngSize(full);
          expect(size.width).toBe(width);
          expect(size.height).toBe(await page.evaluate(() => document.scrollingElement!.scrollHeight));
          expect(size.height).toBeGreaterThan(options.viewport.height); // the whole report, not one screen of it
          expect(full.length).toBeGreaterThan(30_000);

          // The chart as drawn: the limit's dashes in red and the readings in blue, on the right side of each other.
          const box = (await chart.boundingBox())!;
          expect(box.width).toBeLessThanOrEqual(width);
          expect(box.width).toBeGreaterThan(width === 390 ? 300 : 550);
          const drawn = await chart.screenshot();
          const drawnSize = pngSize(drawn);
          expect(Math.abs(drawnSize.width - box.width)).toBeLessThanOrEqual(1);
          expect(Math.abs(drawnSize.height - box.height)).toBeLessThanOrEqual(1);
          const colours = await colourSpread(browser, drawn, { blue: READING_BLUE, red: LIMIT_RED });
          expect(colours.blue!.count).toBeGreaterThan(50);
          expect(colours.red!.count).toBeGreaterThan(50);
          if (run.readingsOverLimit) expect(colours.blue!.top!).toBeLessThan(colours.red!.top!);
          else expect(colours.blue!.top!).toBeGreaterThan(colours.red!.bottom!);
        });
      });

  it('the downloads work from the rollback’s page: the two reports and the raw readings', async () => {
    await open({ ...viewports.desktop, acceptDownloads: true }, await statusLink('demo-2'), async (page) => {
      const download = async (name: string) => {
        const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
        return { name: file.suggestedFilename(), text: await readFile((await file.path())!, 'utf8') };
      };
      const deployment = await download('deployment-report.md');
      expect(deployment.name).toBe('deployment-report.md');
      expect(deployment.text).toMatch(/^# Deployment Report: demo 1\.2\.0-broken \(demo-2\)/);
      const incident = await download('incident-report.md');
      expect(incident.text).toMatch(/^# Incident Report: demo 1\.2\.0-broken \(demo-2\)/);
      const snapshot = await download('monitoring-snapshot.json');
      expect(snapshot.name).toBe('demo-2-monitoring-snapshot.json');
      const readings = (JSON.parse(snapshot.text) as { samples: { readings?: Reading[] }[] }).samples.flatMap((sample) => sample.readings ?? []);
      expect(readings.map((reading) => reading.value)).toEqual([0.14, 0.18, 0.22]);
    });
  });

  it('the service page from the run page’s link, and back to a run, by clicking', async () => {
    await open(viewports.phone, await statusLink('demo-2'), async (page) => {
      await page.getByRole('link', { name: 'All runs of demo' }).click();
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Deployments of demo');
      expect(await page.getByRole('row', { name: /^Change failure rate/ }).innerText()).toContain('50 %');
      await noHorizontalScroll(page);
      await page.getByRole('link', { name: 'demo-1', exact: true }).click();
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Deployment Report: demo 1.1.0 (demo-1)');
    });
  });

  /** axe-core's verdict on the page (all its rules, WCAG and best practices), in a context with JavaScript on. */
  async function axeViolations(page: Page): Promise<{ id: string; nodes: string[] }[]> {
    await page.addScriptTag({ content: axe.source });
    const results = await page.evaluate(() => (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }));
    expect(results.passes.length).toBeGreaterThan(10); // it did look
    return results.violations.map((violation) => ({ id: violation.id, nodes: violation.nodes.map((node) => node.target.join(' ')) }));
  }

  it('axe-core finds no accessibility violation on the run pages, the service page and the 401 page', async () => {
    // It does find one when there is one.
    const control = await browser.newContext();
    const broken = await control.newPage();
    await broken.setContent(
      '<!doctype html><html lang="en"><title>t</title><main><h1>t</h1><img src="chart.png"><p style="color:#bbb">faint</p></main></html>',
    );
    expect((await axeViolations(broken)).map((violation) => violation.id).sort()).toEqual(['color-contrast', 'image-alt']);
    await control.close();

    const serviceUrl = await open(viewports.desktop, await statusLink('demo-1'), (page) =>
      page.getByRole('link', { name: 'All runs of demo' }).evaluate((link) => (link as HTMLAnchorElement).href),
    );
    const pages: [string, BrowserContextOptions, string][] = [
      ['success', viewports.desktop, await statusLink('demo-1')],
      ['rollback', viewports.desktop, await statusLink('demo-2')],
      ['rollback on a phone', viewports.phone, await statusLink('demo-2')],
      ['service', viewports.desktop, serviceUrl],
      ['denied', viewports.phone, `${base}/runs/demo-2`],
    ];
    for (const [what, options, url] of pages) expect(await open({ ...options, javaScriptEnabled: true }, url, axeViolations), what).toEqual([]);
  }, 120_000);

  it('a tampered link shows the 401 page; an expired one says so, and a fresh status link opens the page again', async () => {
    const url = new URL(await statusLink('demo-2'));
    const tampered = `${base}/runs/demo-2?exp=${url.searchParams.get('exp')}&sig=${url.searchParams.get('sig')!.slice(0, -2)}xx`;
    const denied = async (link: string) =>
      open(viewports.phone, link, async (page, response) => {
        const shot = await page.screenshot({ path: join(shots, 'denied.png') });
        expect(pngSize(shot)).toEqual({ width: 390, height: 844 });
        await noHorizontalScroll(page);
        const body = await page.locator('main').innerText();
        return { status: response.status(), heading: await page.getByRole('heading', { level: 1 }).innerText(), body };
      });
    const bad = await denied(tampered);
    expect(bad).toMatchObject({ status: 401, heading: 'This link is not valid' });
    expect(bad.body).toContain('type /deploy status demo-2 in chat');
    expect(bad.body).not.toContain('1.2.0-broken');

    tick(25 * HOUR);
    const expired = await denied(url.toString());
    expect(expired).toMatchObject({ status: 401, heading: 'This link has expired' });
    expect(expired.body).toContain('type /deploy status demo-2 in chat');
    expect(expired.body).not.toContain('1.2.0-broken');
    const fresh = await open(viewports.phone, await statusLink('demo-2'), (page) => page.getByRole('heading', { level: 1 }).innerText());
    expect(fresh).toBe('Deployment Report: demo 1.2.0-broken (demo-2)');
  });
});
