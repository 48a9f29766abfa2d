import type { z } from 'zod';
import { freezeProblems, freezesFor } from './freeze.ts';
import type { EnvironmentPlan, Plan } from './plan.ts';
import { alwaysFrozen, quorumProblem } from './plan-feasibility.ts';
import { metricsOf } from './trigger.ts';

/**
 * The rules across a plan's keys (people named in lists, environments named by others, triggers and what is
 * measured, plans that can never work), checked on every part of the plan that is valid by itself: a mistake
 * elsewhere does not hide them, so `plan check` lists every problem in one pass. A rule whose inputs are
 * themselves broken is skipped (their own problem is reported).
 */

export interface RuleIssue {
  path: (string | number)[];
  message: string;
}

type Shape = Record<string, z.ZodType>;
type Parts<T> = { [K in keyof T]?: T[K] };

/** Each key of an object parsed alone: the valid ones, with their defaults; a key whose value is not valid is left out. */
export function salvage<T>(shape: Shape, raw: unknown): Parts<T> {
  const record = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const parts: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const result = schema.safeParse(record[key]);
    if (result.success) parts[key] = result.data;
  }
  return parts as Parts<T>;
}

export function planRuleIssues(raw: unknown, shapes: { plan: Shape; environment: Shape }): RuleIssue[] {
  const plan = salvage<Plan>(shapes.plan, raw);
  const rawEnvironments = (raw as { environments?: unknown } | null)?.environments;
  const environments: Record<string, Parts<EnvironmentPlan>> = rawEnvironments && typeof rawEnvironments === 'object' && !Array.isArray(rawEnvironments)
    ? Object.fromEntries(Object.entries(rawEnvironments).map(([name, value]) => [name, salvage<EnvironmentPlan>(shapes.environment, value)]))
    : {};
  return [
    ...peopleIssues(plan),
    ...planIssues(plan, Object.keys(environments)),
    ...Object.entries(environments).flatMap(([name, env]) => environmentIssues(plan, Object.keys(environments), name, env)),
  ];
}

function peopleIssues(plan: Parts<Plan>): RuleIssue[] {
  const { people, groups } = plan;
  if (!people) return [];
  const issues: RuleIssue[] = [];
  for (const [group, members] of Object.entries(groups ?? {})) {
    if (people[group]) issues.push({ path: ['groups', group], message: `"${group}" is both a person and a group` });
    members.forEach((key, index) => {
      if (!people[key]) issues.push({ path: ['groups', group, index], message: `"${key}" is not listed under people` });
    });
  }
  for (const list of ['deployers', 'approvers', 'onCall', 'admins'] as const) {
    plan[list]?.forEach((key, index) => {
      if (!people[key] && !groups?.[key]) issues.push({ path: [list, index], message: `"${key}" is not listed under people or groups` });
    });
  }
  plan.paging?.escalation.forEach((key, index) => {
    if (!people[key]) issues.push({ path: ['paging', 'escalation', index], message: `"${key}" is not listed under people` });
  });
  return issues;
}

function planIssues(plan: Parts<Plan>, environmentNames: string[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (plan.versionPattern !== undefined) {
    try {
      new RegExp(plan.versionPattern);
    } catch {
      issues.push({ path: ['versionPattern'], message: 'is not a valid regular expression' });
    }
  }
  if (plan.freezes) issues.push(...freezeProblems(plan.freezes, environmentNames));
  if (plan.defaultEnvironment !== undefined && environmentNames.length && !environmentNames.includes(plan.defaultEnvironment))
    issues.push({ path: ['defaultEnvironment'], message: `"${plan.defaultEnvironment}" is not one of the environments` });
  return issues;
}

function environmentIssues(plan: Parts<Plan>, names: string[], name: string, env: Parts<EnvironmentPlan>): RuleIssue[] {
  const at = (...path: (string | number)[]) => ['environments', name, ...path];
  const issues: RuleIssue[] = [];
  const kinds = env.strategy && env.alternatives ? [env.strategy.kind, ...env.alternatives.map((strategy) => strategy.kind)] : [];
  env.alternatives?.forEach((strategy, index) => {
    if (kinds.length && kinds.indexOf(strategy.kind) !== index + 1)
      issues.push({ path: at('alternatives', index, 'kind'), message: `"${strategy.kind}" is already one of this environment's strategies` });
  });
  if (kinds.includes('canary') && hasKey(env, 'monitoring') && env.monitoring === undefined)
    issues.push({ path: at('monitoring'), message: 'a canary is watched while it holds: monitoring must say how to check production' });
  if (env.migration?.reversible && !env.migration.rollback)
    issues.push({ path: at('migration', 'rollback'), message: 'a reversible migration needs the step that reverses it' });
  const before = env.requiresSuccessIn;
  if (before !== undefined && names.length && (before === name || !names.includes(before)))
    issues.push({
      path: at('requiresSuccessIn'),
      message: `must name another of this plan's environments (${names.filter((other) => other !== name).join(', ') || 'there is none'})`,
    });
  if (env.approval && env.requireDecision && plan.approvers && plan.deployers && plan.groups) {
    const problem = quorumProblem({ groups: plan.groups, deployers: plan.deployers, approvers: plan.approvers }, env.approval);
    if (problem) issues.push({ path: at('approval', 'quorum'), message: problem });
  }
  if (env.rollbackTriggers && hasKey(env, 'monitoring')) issues.push(...triggerIssues(env, at));
  if (plan.freezes && !freezeProblems(plan.freezes, names).length && alwaysFrozen(freezesFor({ freezes: plan.freezes }, name)))
    issues.push({ path: ['freezes'], message: `the weekly windows for ${name} cover every hour of the week: no run could start there without --emergency` });
  return issues;
}

function triggerIssues(env: Parts<EnvironmentPlan>, at: (...path: (string | number)[]) => (string | number)[]): RuleIssue[] {
  const monitoring = env.monitoring;
  const measured = new Set(monitoring?.metrics.map((monitor) => monitor.metric) ?? []);
  return (env.rollbackTriggers ?? []).flatMap((trigger, index): RuleIssue[] => {
    const issues: RuleIssue[] = [];
    if (trigger.kind === 'baseline' && !monitoring?.baseline)
      issues.push({ path: at('rollbackTriggers', index), message: 'compares with a baseline, so monitoring.baseline must say how to measure it' });
    const unknown = metricsOf([trigger]).filter((metric) => !measured.has(metric));
    if (unknown.length) issues.push({ path: at('rollbackTriggers', index), message: `reads ${unknown.join(', ')}, which monitoring.metrics does not measure` });
    return issues;
  });
}

function hasKey(env: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(env, key);
}
