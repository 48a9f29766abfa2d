import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parsePlan, type Plan, type PlanProblem } from '../domain/plan.ts';

export interface PlanCatalog {
  get(service: string): Plan | undefined;
  services(): string[];
}

export class PlanLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: PlanProblem[],
  ) {
    super(`${file}:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
  }
}

export async function loadPlanFile(file: string): Promise<Plan> {
  let document: unknown;
  try {
    document = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    throw new PlanLoadError(file, [{ path: '', message: `is not valid YAML: ${(error as Error).message}` }]);
  }
  const result = parsePlan(document);
  if (!result.ok) throw new PlanLoadError(file, result.problems);
  return result.plan;
}

/** Loads every `*.yaml` in the plans folder; a broken plan stops start-up with its problems listed. */
export async function loadPlans(dir: string): Promise<PlanCatalog> {
  const files = (await readdir(dir)).filter((file) => /\.ya?ml$/.test(file)).sort();
  const plans = new Map<string, Plan>();
  for (const file of files) {
    const plan = await loadPlanFile(join(dir, file));
    plans.set(plan.service, plan);
  }
  return catalogOf([...plans.values()]);
}

export function catalogOf(plans: Plan[]): PlanCatalog {
  const byService = new Map(plans.map((plan) => [plan.service, plan]));
  return { get: (service) => byService.get(service), services: () => [...byService.keys()] };
}
