import { doraFigures, type DoraFigures } from '../domain/dora.ts';
import { scopeOf } from '../domain/messages/history-cards.ts';
import { deploymentReport, incidentReport } from '../domain/reports/deployment-report.ts';
import { reportFacts, type ReportFacts } from '../domain/reports/report-facts.ts';
import type { Run } from '../domain/run.ts';
import { deploysSince, recentRuns } from '../store/history.ts';
import { findRunByKey } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';

/** What serve's pages show (http/pages.ts): a run's reports, a service's history and figures. Read-only. */

export interface RunPage {
  run: Run;
  facts: ReportFacts;
  deploymentMarkdown: string;
  incidentMarkdown: string | null;
}

export async function runPage(ctx: AppContext, key: string): Promise<RunPage | null> {
  const run = await findRunByKey(ctx.db, key);
  if (!run) return null;
  return { run, facts: reportFacts(run), deploymentMarkdown: deploymentReport(run), incidentMarkdown: incidentReport(run) };
}

export interface ServicePage {
  service: string;
  environment: string;
  scope: string;
  runs: Run[];
  figures: DoraFigures;
}

const PAGE_HISTORY = 50;
const PAGE_DAYS = 90;

/** The service's last runs (every environment) and its figures in the plan's default environment; null when nothing is known of it. */
export async function servicePage(ctx: AppContext, service: string): Promise<ServicePage | null> {
  const plan = ctx.plans.get(service);
  const runs = await recentRuns(ctx.db, service, null, PAGE_HISTORY);
  if (!plan && runs.length === 0) return null;
  const environment = plan?.defaultEnvironment ?? runs[0]!.environment;
  const now = ctx.clock.now();
  const deploys = await deploysSince(ctx.db, [{ service, environment }], new Date(now.getTime() - PAGE_DAYS * 86_400_000));
  return { service, environment, scope: scopeOf(service, environment), runs, figures: doraFigures(deploys, now, PAGE_DAYS) };
}
