import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/domain/plan.ts';
import { specFor } from '../../src/domain/spec.ts';
import { PLAN_DOCUMENT } from './support.ts';

const production = PLAN_DOCUMENT.environments.production;
function withProduction(changes: Record<string, unknown>) {
  return { ...PLAN_DOCUMENT, environments: { production: { ...production, ...changes } } };
}

describe('plans', () => {
  it('the shipped demo plan is valid', () => {
    expect(parsePlan(parse(readFileSync('plans/demo.yaml', 'utf8')))).toMatchObject({ ok: true });
  });

  it('fills defaults and reads human durations', () => {
    const result = parsePlan(PLAN_DOCUMENT);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.plan.defaultEnvironment).toBe('production');
    expect(result.plan.environments.production!.strategy.deployIdle.timeout).toBe(300_000);
    const spec = specFor(result.plan, 'production')!;
    expect(spec.monitoring).toMatchObject({ schedule: [{ everyMs: 60_000, untilMs: 300_000 }], checks: 5, inconclusive: { after: 3, then: 'rollback' } });
    expect(spec.steps.deploy.map((step) => step.id)).toEqual(['deploy.0', 'deploy.1', 'deploy.2']);
    expect(spec.steps.rollback.map((step) => step.name)).toEqual(['Switch back']);
  });

  it('reports each problem with its path in the file', () => {
    const result = parsePlan(withProduction({ strategy: { ...production.strategy, deployIdle: { name: 'Deploy', run: ['x'], timeout: '5 minutes' } }, rollbackTriggers: ['error rate is bad'] }));
    const problems = result.ok ? [] : result.problems;
    const at = (path: string) => problems.find((problem) => problem.path === path)?.message ?? '';
    expect(at('environments.production.strategy.deployIdle.timeout')).toContain('"5 minutes" is not a duration');
    expect(at('environments.production.rollbackTriggers[0]')).toContain('not a trigger');
  });

  it('checks references between parts of a well-formed plan', () => {
    const result = parsePlan({ ...PLAN_DOCUMENT, approvers: ['dave'], versionPattern: '([', defaultEnvironment: 'staging' });
    const problems = result.ok ? [] : result.problems;
    const at = (path: string) => problems.find((problem) => problem.path === path)?.message ?? '';
    expect(at('approvers[0]')).toContain('"dave" is not listed under people');
    expect(at('versionPattern')).toContain('not a valid regular expression');
    expect(at('defaultEnvironment')).toContain('"staging" is not one of the environments');
  });

  it('refuses unknown keys rather than ignoring a typo', () => {
    const result = parsePlan(withProduction({ rollbackTrigger: ['health failing for 3 checks'] }));
    expect(result.ok).toBe(false);
  });
});
