import { z } from 'zod';
import { durationSchema } from './duration.ts';
import { freezeWindowSchema } from './freeze.ts';
import { PLATFORMS, type Person } from './identity.ts';
import { paceOf, scheduleProblems } from './schedule.ts';
import { triggerSchema } from './trigger.ts';
import { commandStepSchema, httpProbeSchema, httpStepSchema, stepSchema } from './plan-steps.ts';
import { strategySchema } from './strategies/schema.ts';
import { rollbackPlanSchema } from './rollback-plan.ts';
import { optionalPageCausesSchema } from './page-causes.ts';
import { allowedKeysAt, closest } from './plan-hints.ts';
import { planRuleIssues } from './plan-rules.ts';
import { commitLookupSchema } from './commit-lookup.ts';

/**
 * A service's deployment plan, as code (`plans/<service>.yaml`). It encodes the seed
 * deployment-plan documents: stages, checks, Go/No-Go approvers, rollback triggers,
 * the monitoring window, channels and on-call.
 */

const channelSchema = z.partialRecord(z.enum(PLATFORMS), z.string().min(1));

/** A metric read from Prometheus at every check; triggers name it (`error_rate > 5% for 5m`). */
const metricMonitorSchema = z.strictObject({
  metric: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a metric name is lower-case letters, digits and underscores'),
  prometheus: z.strictObject({
    /** An instant PromQL query returning one number; may use ${env.NAME} and the run variables (shown filled in, secrets masked). */
    query: z.string().min(1),
    /** Prometheus' base URL; may use ${env.NAME}. */
    url: z.string().default('${env.PROMETHEUS_URL}'),
    /** E.g. { Authorization: 'Bearer ${env.PROMETHEUS_TOKEN}' }: secrets come from the worker's environment. */
    headers: z.record(z.string(), z.string()).default({}),
    timeout: durationSchema.default(5_000),
  }),
});

const monitoringSchema = z
  .strictObject({
    check: httpProbeSchema,
    metrics: z.array(metricMonitorSchema).default([]),
    /** A steady pace: a check `every` so often, `for` so long after the switch, then the run succeeds. */
    every: durationSchema.optional(),
    for: durationSchema.optional(),
    /** Or the seeds' decaying pace: [{ every: 1m, until: 1h }, { every: 5m, until: 8h }, …]. */
    schedule: z.array(z.strictObject({ every: durationSchema, until: durationSchema })).optional(),
    /** Measure the metrics on the current version for `window` (every `every`) before traffic moves: baseline triggers compare with it. */
    baseline: z.strictObject({ window: durationSchema, every: durationSchema.default(10_000) }).optional(),
    /** Checks whose triggers cannot be evaluated (monitor down, no data) are inconclusive, never healthy. */
    inconclusive: z
      .strictObject({ after: z.number().int().min(1).default(3), then: z.enum(['rollback', 'pause']).default('rollback') })
      .default({ after: 3, then: 'rollback' }),
  })
  .superRefine((monitoring, ctx) => {
    const steady = monitoring.every !== undefined || monitoring.for !== undefined;
    if (steady === Boolean(monitoring.schedule)) {
      ctx.addIssue({ code: 'custom', message: 'give either "every" and "for", or a "schedule"' });
    } else if (steady && (monitoring.every === undefined || monitoring.for === undefined)) {
      ctx.addIssue({ code: 'custom', message: '"every" and "for" go together' });
    }
    if (monitoring.schedule) for (const problem of scheduleProblems(paceOf(monitoring))) ctx.addIssue({ code: 'custom', path: ['schedule'], message: problem });
  });

export { paceOf } from './schedule.ts';

/** How a Go/No-Go is reached: GOs from `quorum` different approvers; one NO-GO or DEFER ends it. */
const approvalSchema = z
  .strictObject({
    quorum: z.number().int().min(1).default(1),
    /** May the person who started the run count towards its quorum? The seeds say no. */
    allowSelfApproval: z.boolean().default(false),
    /** No decision by then: the run is deferred. */
    timeout: durationSchema.default(4 * 3_600_000),
    /** Approvers who have not decided are reminded (by direct message) this often. */
    remindEvery: durationSchema.default(30 * 60_000),
  })
  .default({ quorum: 1, allowSelfApproval: false, timeout: 4 * 3_600_000, remindEvery: 30 * 60_000 });

const PREREQUISITE_KEYS = ['points', 'critical', 'minScore'] as const;
const prerequisiteMeta = z.strictObject({
  /** What passing it is worth towards the score out of 100 (scaled by the total). */
  points: z.number().int().min(1).max(100).default(10),
  /** A failing critical prerequisite blocks the run whatever the score. */
  critical: z.boolean().default(false),
  /** The check prints a score (e.g. coverage); it passes at this or more. */
  minScore: z.number().optional(),
});

/** A readiness prerequisite: a command or HTTP step plus its points, criticality and minimum score. */
const prerequisiteSchema = z.unknown().transform((value, ctx) => {
  const record = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  const step = stepSchema.safeParse(Object.fromEntries(Object.entries(record).filter(([key]) => !(PREREQUISITE_KEYS as readonly string[]).includes(key))));
  const meta = prerequisiteMeta.safeParse(Object.fromEntries(Object.entries(record).filter(([key]) => (PREREQUISITE_KEYS as readonly string[]).includes(key))));
  for (const issue of [...(step.success ? [] : step.error.issues), ...(meta.success ? [] : meta.error.issues)])
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  if (!step.success || !meta.success) return z.NEVER;
  return { step: step.data, ...meta.data };
});

const environmentSchema = z.strictObject({
  channel: channelSchema,
  preChecks: z.array(stepSchema).default([]),
  /** The production readiness gate: prerequisites scored out of 100 against `threshold`. */
  readiness: z.strictObject({ threshold: z.number().int().min(0).max(100).default(75), prerequisites: z.array(prerequisiteSchema).min(1) }).optional(),
  /** Deploy to staging and validate it there, before any approval is asked; a failure stops the run. */
  staging: z.strictObject({ deploy: z.array(stepSchema).default([]), smokeTests: z.array(httpStepSchema).default([]) }).optional(),
  /** Enforced order: a version may start here only after it succeeded in that environment (e.g. staging). */
  requiresSuccessIn: z.string().optional(),
  /** HTTP checks of production right after the deploy steps; a failure rolls back. */
  smokeTests: z.array(httpStepSchema).default([]),
  /** Production environments ask for a GO; an environment may opt out (e.g. a dev box). */
  requireDecision: z.boolean().default(true),
  approval: approvalSchema,
  strategy: strategySchema,
  /** Other strategies a requester may pick with `--strategy <kind>`; `strategy` is the default. */
  alternatives: z.array(strategySchema).default([]),
  monitoring: monitoringSchema.optional(),
  rollbackTriggers: z.array(triggerSchema).default([]),
  /** The release's database migration: how to undo it, and whether that is safe. It runs last in a rollback, and only when reversible. */
  migration: z.strictObject({ reversible: z.boolean(), rollback: commandStepSchema.optional() }).optional(),
  /** A run that ends rolled back (or with a failed rollback) locks this environment until someone unlocks it with a reason. */
  lockAfterRollback: z.boolean().default(false),
  /** How a rollback is validated before Flightdeck says it worked (domain/rollback-plan.ts). */
  rollback: rollbackPlanSchema,
  /** A post-deployment review: once a run that changed production here ends, a reminder is posted in the channel `after` so long. */
  review: z.strictObject({ after: durationSchema }).optional(),
});

const personSchema = z.partialRecord(z.enum(PLATFORMS), z.string().min(1));

/** The shape of a plan; the rules across its keys are in plan-rules.ts (parsePlan runs both). */
export const planSchema = z.strictObject({
  service: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a service name is lower-case letters, digits and dashes'),
  description: z.string().optional(),
  /** The release risk the seeds ask for; shown to approvers. */
  risk: z.enum(['low', 'medium', 'high', 'critical']).default('medium'),
  /** The seeds' stakeholder table: who to ask about this service, and how. */
  contacts: z.array(z.strictObject({ role: z.string().min(1), name: z.string().min(1), contact: z.string().min(1) })).default([]),
  versionPattern: z.string().default('^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$'),
  defaultEnvironment: z.string().default('production'),
  people: z.record(z.string(), personSchema).default({}),
  /** Named groups of people (e.g. release-managers: [alice, bob]); a list of people may name a group. */
  groups: z.record(z.string(), z.array(z.string()).min(1)).default({}),
  /** Person keys; empty means anyone may start a run. */
  deployers: z.array(z.string()).default([]),
  approvers: z.array(z.string()).min(1, 'a plan needs at least one approver'),
  /** Person keys who may unlock any lock of this service and take over a lock someone else holds. */
  admins: z.array(z.string()).default([]),
  onCall: z.array(z.string()).min(1, 'a plan needs someone on call'),
  /** How a page is repeated until someone acknowledges it, and who is added when nobody does (person keys). */
  paging: z
    .strictObject({
      repeatEvery: durationSchema.default(300_000),
      escalateAfter: durationSchema.default(900_000),
      escalation: z.array(z.string()).default([]),
      /** On-call is always paged for an automatic rollback, a failed rollback and a paused run; these add causes (domain/page-causes.ts). */
      also: optionalPageCausesSchema,
    })
    .default({ repeatEvery: 300_000, escalateAfter: 900_000, escalation: [], also: [] }),
  environments: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), environmentSchema),
  /** Freeze windows (domain/freeze.ts): no run starts inside one without --emergency. Each applies to its `environments`, or to all. */
  freezes: z.array(freezeWindowSchema).default([]),
  /** Where a commit's time is looked up for a start with `--commit <sha>` and no time (domain/commit-lookup.ts). */
  commits: commitLookupSchema.optional(),
});

export type Plan = z.infer<typeof planSchema>;
export type { CommandStepConfig, HttpProbe, HttpStepConfig } from './plan-steps.ts';
export type MetricMonitor = z.infer<typeof metricMonitorSchema>;
export type { StrategyConfig } from './strategies/schema.ts';
export type EnvironmentPlan = z.infer<typeof environmentSchema>;

export interface PlanProblem {
  /** Dotted, with [index] for list items: `environments.production.strategy.deployBatch.run[8]`. */
  path: string;
  message: string;
}

/** Validates an already-parsed YAML/JSON document; problems carry their path in the file. An unknown key says which allowed key it is closest to. */
export function parsePlan(document: unknown): { ok: true; plan: Plan } | { ok: false; problems: PlanProblem[] } {
  const result = planSchema.safeParse(document);
  const rules = planRuleIssues(document, { plan: planSchema.shape, environment: environmentSchema.shape }).map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  if (result.success && !rules.length) return { ok: true, plan: result.data };
  const shape = result.success ? [] : shapeProblems(result.error.issues);
  const seen = new Set<string>();
  const problems = [...shape, ...rules].filter(
    (problem) => !seen.has(`${problem.path}\0${problem.message}`) && !!seen.add(`${problem.path}\0${problem.message}`),
  );
  return { ok: false, problems };
}

function shapeProblems(issues: z.core.$ZodIssue[]): PlanProblem[] {
  return issues.flatMap((issue): PlanProblem[] => {
    if (issue.code !== 'unrecognized_keys') return [{ path: formatPath(issue.path), message: issue.message }];
    const allowed = allowedKeysAt(planSchema, issue.path);
    return issue.keys.map((key) => {
      const near = closest(key, allowed);
      const at = [...issue.path, key];
      return {
        path: formatPath(at),
        message: `is not a key here${near ? `; did you mean "${near}"?` : allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`,
      };
    });
  });
}

function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)), '');
}

/** The people a list names, groups expanded, each person once. */
export function peopleOf(plan: Plan, keys: string[]): Person[] {
  const expanded = keys.flatMap((key) => plan.groups[key] ?? [key]);
  return [...new Set(expanded)].map((key) => ({ key, ids: plan.people[key] ?? {} }));
}
