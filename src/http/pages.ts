import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Express, Request, Response } from 'express';
import type { AppContext } from '../app/shared/context.ts';
import { runPage, servicePage } from '../app/report-pages.ts';
import { formatDuration } from '../domain/duration.ts';
import { statsCard } from '../domain/messages/history-cards.ts';
import { downtime } from '../domain/reports/deployment-report.ts';
import { plain } from '../domain/cards.ts';
import { stateLabel } from '../domain/run.ts';
import { metricChart } from './chart.ts';
import type { Links } from './links.ts';

/**
 * serve's web pages: a run's deployment (and incident) report with its charts, the downloads, and a
 * service's history and DORA figures. Server-rendered with Eta (auto-escaped), no JavaScript. Every page
 * and download needs a valid signed link (http/links.ts); without one the answer is 401 with how to get a
 * fresh link. A run key or service name that does not exist answers 404 only to a validly signed link.
 */

const KEY = /^[a-z][a-z0-9-]*-\d+$/;
const SERVICE = /^[a-z][a-z0-9-]{0,39}$/;

export function mountPages(app: Express, ctx: AppContext, links: Links): void {
  const eta = new Eta({ views: fileURLToPath(new URL('./templates', import.meta.url)), autoEscape: true, cache: true });
  const html = (response: Response, status: number, view: string, data: object) =>
    response.status(status).type('html').set('Cache-Control', 'private, no-store').send(eta.render(view, data));

  /** The signed path's verdict; answers 401 (or 400) itself when it fails. */
  const signed = (request: Request, response: Response, path: string, freshLink: string): boolean => {
    const verdict = links.verify(path, request.query as { exp?: unknown; sig?: unknown }, ctx.clock.now());
    if (verdict.ok) return true;
    const heading = verdict.reason === 'expired' ? 'This link has expired' : 'This link is not valid';
    html(response, 401, './denied', {
      heading,
      text: `Flightdeck's pages hold production details, so each link is signed and expires. ${freshLink}`,
    });
    return false;
  };

  app.get(['/runs/:key', '/runs/:key/:file'], async (request, response) => {
    const key = String(request.params.key);
    const file = request.params.file === undefined ? null : String(request.params.file);
    if (!KEY.test(key)) return void html(response, 404, './denied', { heading: 'No such run', text: `"${key}" is not a run id.` });
    if (!signed(request, response, `/runs/${key}`, `For a fresh link, type /deploy status ${key} in chat.`)) return;
    const page = await runPage(ctx, key);
    if (!page) return void html(response, 404, './denied', { heading: 'No such run', text: `There is no run ${key}.` });
    const query = `?exp=${String(request.query.exp)}&sig=${String(request.query.sig)}`;
    switch (file) {
      case null:
        return void html(response, 200, './run', {
          run: page.run,
          facts: page.facts,
          good: page.facts.status === 'SUCCESS' || page.facts.status === 'ROLLED BACK' || page.facts.status === 'FEATURE OFF',
          duration: page.facts.durationMs === null ? 'in progress' : formatDuration(page.facts.durationMs),
          downtime: downtime(page.facts),
          trafficBack: page.facts.rollback.trafficBackMs === null ? 'traffic not back' : formatDuration(page.facts.rollback.trafficBackMs),
          charts: page.facts.metrics.map((metric) => ({
            metric: metric.metric,
            summary: `last ${metric.last ?? 'not measured'}, peak ${metric.peak ?? 'not measured'}${metric.limit === null ? '' : `, limit ${metric.limit}`}${metric.baseline === null ? '' : `, baseline ${metric.baseline}`}`,
            svg: metricChart(metric),
          })),
          links: {
            deployment: `/runs/${key}/deployment-report.md${query}`,
            incident: page.incidentMarkdown === null ? null : `/runs/${key}/incident-report.md${query}`,
            snapshot: `/runs/${key}/monitoring-snapshot.json${query}`,
            service: links.serviceUrl(page.run.service, ctx.clock.now()),
          },
        });
      case 'deployment-report.md':
        return void markdown(response, file, page.deploymentMarkdown);
      case 'incident-report.md':
        if (page.incidentMarkdown === null) return void response.status(404).type('text').send(`${key} did not roll back: it has no incident report.\n`);
        return void markdown(response, file, page.incidentMarkdown);
      case 'monitoring-snapshot.json':
        return void response
          .set('Content-Disposition', `attachment; filename="${key}-monitoring-snapshot.json"`)
          .json({ run: key, baselines: page.run.baselines, samples: page.run.samples, rollbackValidations: page.run.rollback?.validations ?? [] });
      default:
        return void response.status(404).type('text').send('Nothing here: a run has deployment-report.md, incident-report.md and monitoring-snapshot.json.\n');
    }
  });

  app.get('/services/:service', async (request, response) => {
    const service = String(request.params.service);
    if (!SERVICE.test(service)) return void html(response, 404, './denied', { heading: 'No such service', text: `"${service}" is not a service name.` });
    if (!signed(request, response, `/services/${service}`, `For a fresh link, type /deploy status <run> in chat and follow the run's page.`)) return;
    const page = await servicePage(ctx, service);
    if (!page) return void html(response, 404, './denied', { heading: 'No such service', text: `Flightdeck knows nothing of "${service}".` });
    const stats = statsCard(page.figures, page.scope);
    html(response, 200, './service', {
      page,
      figures: stats.fields.map((field) => ({ label: field.label, value: plain(field.value) })),
      notes: stats.body.map(plain),
      rows: page.runs.map((run) => ({
        key: run.key,
        url: links.runUrl(run.key, ctx.clock.now()),
        version: run.version,
        environment: run.environment,
        result: stateLabel(run.state),
        by: run.requestedBy.name,
        when: `${run.requestedAt.slice(0, 16).replace('T', ' ')}`,
      })),
    });
  });
}

function markdown(response: Response, file: string, text: string): void {
  response.type('text/markdown; charset=utf-8').set('Content-Disposition', `attachment; filename="${file}"`).send(text);
}
