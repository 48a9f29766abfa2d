import { card, type Card, type Field, type Text } from './cards.ts';
import { formatDuration } from './duration.ts';
import { describeWindow, freezesFor } from './freeze.ts';
import { mentionOf, type Person } from './identity.ts';
import type { Plan } from './plan.ts';
import { fillRunVariables, type RunVariable } from './plan-steps.ts';
import type { RunSpec } from './spec.ts';
import type { HttpCall, Step, StepAction } from './steps.ts';

/**
 * A plan in chat, stage by stage, from the RunSpec a run would freeze: `/deploy plan` shows it as
 * written, `/deploy start … --dry-run` with the version filled in. ${env.NAME} is never filled: the
 * domain does not see the worker's environment, and its values may be secrets.
 */

type Fill = (template: string) => string;

/** `/deploy plan api production`. */
export function planCard(plan: Plan, environment: string, spec: RunSpec): Card {
  const others = Object.keys(plan.environments).filter((name) => name !== environment);
  const fields: Field[] = [
    { label: 'Strategy', value: [spec.strategy] },
    { label: 'Approvers', value: people(spec.approvers) },
    { label: 'On-call', value: people(spec.onCall) },
    { label: 'May start', value: spec.deployers.length ? people(spec.deployers) : ['anyone'] },
    { label: 'Versions', value: [plan.versionPattern] },
    { label: 'Risk', value: [spec.risk] },
  ];
  if (spec.admins.length) fields.push({ label: 'Admins', value: people(spec.admins) });
  if (spec.lockAfterRollback)
    fields.push({ label: 'After a rollback', value: [`${plan.service} ${environment} is locked until someone unlocks it with a reason`] });
  if (spec.contacts.length)
    fields.push({ label: 'Contacts', value: [spec.contacts.map((contact) => `${contact.role}: ${contact.name} (${contact.contact})`).join('; ')] });
  if (spec.paging.escalation.length)
    fields.push({ label: 'Escalation', value: [...people(spec.paging.escalation), ` after ${formatDuration(spec.paging.escalateAfterMs)}`] });
  return card({
    title: `📋 Deployment plan: ${plan.service} → ${environment}`,
    body: [
      ...(plan.description ? [[plan.description]] : []),
      startGates({ service: plan.service, environment, versionPattern: plan.versionPattern }, spec, null),
      ...stages(spec, (template) => template),
      ...freezes(plan, environment),
    ],
    fields,
    context: [`Try it: /deploy start ${plan.service} <version> ${environment} --dry-run${others.length ? ` · other environments: ${others.join(', ')}` : ''}`],
  });
}

/** `/deploy start api 1.4.2 --dry-run`: the steps a run would take, in order; `notes` say what would stop a real start. */
export function dryRunCard(target: { service: string; version: string; environment: string; versionPattern: string }, spec: RunSpec, notes: string[]): Card {
  const values: Partial<Record<RunVariable, string>> = { service: target.service, version: target.version, environment: target.environment };
  return card({
    title: `🧪 Dry run: ${target.service} ${target.version} → ${target.environment}`,
    tone: notes.length ? 'warning' : 'info',
    body: [
      ['Nothing was started: no run, no lock, no message in the channel. A start would do this, in order:'],
      startGates(target, spec, target.version),
      ...stages(spec, (template) => fillRunVariables(template, values)),
      ...notes.map((note): Text => [`⚠️ ${note}`]),
    ],
    fields: [
      { label: 'Approvers', value: people(spec.approvers) },
      { label: 'On-call', value: people(spec.onCall) },
    ],
    context: [`To start it: /deploy start ${target.service} ${target.version} ${target.environment}`],
  });
}

/**
 * What is checked before a run is created at all (domain/start-decision.ts, in its order): the version, who
 * asks, the enforced order, freeze windows, the target's lock and its active run.
 */
function startGates(target: { service: string; environment: string; versionPattern: string }, spec: RunSpec, version: string | null): Text {
  const what = version ?? 'the version';
  const order = spec.requiresSuccessIn ? `${what} must have succeeded in ${spec.requiresSuccessIn} first; ` : '';
  return [
    `0 · Before a run is created: ${what} matches ${target.versionPattern}; started by `,
    ...(spec.deployers.length ? people(spec.deployers) : ['anyone']),
    `; ${order}not inside a freeze window (unless --emergency "<why>"); ${target.service} ${target.environment} not locked and no other run active there (--queue waits for them)`,
  ];
}

/** Pre-checks, Go/No-Go, deploy, monitoring, rollback triggers, rollback steps: one paragraph per heading and per step. */
function stages(spec: RunSpec, fill: Fill): Text[] {
  const { pre_checks: preChecks, staging, deploy, rollback } = spec.steps;
  const deployNumber = new Map(deploy.map((step, index) => [step.id, index + 1]));
  const paragraphs: Text[] = [];
  const stage = (heading: string, steps: Step[], none: string) => {
    paragraphs.push([`${heading}${steps.length ? ':' : `: ${none}`}`]);
    steps.forEach((step, index) => {
      const undone = (step.undoes ?? []).map((id) => deployNumber.get(id)).filter((number) => number !== undefined);
      const onlyIf = undone.length ? ` (only if deploy step ${undone.join(' or ')} changed production)` : '';
      const partial = step.partialOnFailure ? ' (may change production in part even when it fails: a rollback undoes it then too)' : '';
      // The first step of a later level says when it runs.
      const firstOfLevel = step.level && step.level > 0 && rollback.findIndex((other) => (other.level ?? 0) === step.level) === index;
      const level = firstOfLevel
        ? `If that does not validate, ${spec.rollbackLevels[step.level!] === 'feature_off' ? 'turn the feature off' : 'bring the previous version back'}: `
        : '';
      const points = step.prerequisite
        ? ` [readiness: ${step.prerequisite.points} points${step.prerequisite.critical ? ', critical' : ''}${step.prerequisite.minScore === undefined ? '' : `, score ≥ ${step.prerequisite.minScore}`}]`
        : '';
      paragraphs.push([`${index + 1}. ${level}${step.name} — ${how(step.action, fill)}${onlyIf}${partial}${points}`]);
    });
  };
  stage('1 · Pre-checks', preChecks, 'none');
  if (preChecks.some((step) => step.prerequisite))
    paragraphs.push([
      `Readiness: READY at ${spec.readinessThreshold}/100 or more with nothing failing; CONDITIONAL (approvers acknowledge) with only non-critical failures; otherwise the run stops`,
    ]);
  if (staging.length) stage('Staging (before any approval)', staging, 'none');
  paragraphs.push(spec.requireDecision ? goNoGo(spec) : ['2 · Go/No-Go: not asked in this environment']);
  stage(`3 · Deploy (${spec.strategy})`, deploy, 'none');
  paragraphs.push([`4 · Monitoring: ${monitoring(spec, fill)}`]);
  paragraphs.push([`5 · Rolls back when: ${rollbackWhen(spec)}`]);
  stage('6 · Rollback', rollback, 'no steps (nothing to undo)');
  paragraphs.push([
    'A rollback undoes only the deploy steps that changed production (a step that failed before changing anything is not undone, unless it is marked partialOnFailure), newest first; Flightdeck says it is rolled back only after the validation passed.',
  ]);
  if (spec.migrationReversible === false) paragraphs.push(['The database migration is not reversible: a rollback leaves it in place.']);
  return paragraphs;
}

/** The freeze windows of this environment; nothing when the plan has none at all. */
function freezes(plan: Plan, environment: string): Text[] {
  if (plan.freezes.length === 0) return [];
  const windows = freezesFor(plan, environment);
  if (windows.length === 0) return [[`❄️ Freeze windows: none in ${environment}`]];
  return [
    ['❄️ Freeze windows: no start inside one, unless --emergency "<why>" (then one more approver must say GO)'],
    ...windows.map((window): Text => [`• ${window.name} — ${describeWindow(window)}`]),
  ];
}

function goNoGo({ approval, approvers }: RunSpec): Text {
  const who: Text =
    approval.quorum > 1 ? [`GOs from ${approval.quorum} different approvers among `, ...people(approvers)] : ['a GO from one of ', ...people(approvers)];
  const self = approval.allowSelfApproval ? '' : ' (not whoever started the run)';
  return ['2 · Go/No-Go: ', ...who, `${self}, within ${formatDuration(approval.timeoutMs)}, before production is touched`];
}

function how(action: StepAction, fill: Fill): string {
  switch (action.kind) {
    case 'command':
      return `runs ${action.argv.map((element) => quoted(fill(element))).join(' ')} (timeout ${formatDuration(action.timeoutMs)})`;
    case 'http':
      return `${call(action, fill)}${action.waitFor ? `; then waits for ${call(action.waitFor, fill)}` : ''}`;
    case 'baseline':
      return `measures the metrics every ${formatDuration(action.everyMs)} for ${formatDuration(action.windowMs)}`;
    case 'hold':
      return `checks production every ${formatDuration(action.everyMs)}, then ${action.promotion === 'manual' ? 'waits for someone to promote' : 'moves on if healthy'}`;
    case 'validate':
      return `checks production every ${formatDuration(action.everyMs)} for ${formatDuration(action.windowMs)} (health, the triggers' metrics, which version answers): SUCCESS, PARTIAL or FAILED`;
  }
}

function call({ probe, attempts, intervalMs, backoff }: HttpCall, fill: Fill): string {
  const statuses = Array.isArray(probe.expectStatus) ? probe.expectStatus.join(' or ') : String(probe.expectStatus);
  const body = probe.bodyIncludes ? `, body must include "${fill(probe.bodyIncludes)}"` : '';
  const factor = backoff?.factor ?? 1;
  const pace =
    factor === 1
      ? `every ${formatDuration(intervalMs)}`
      : `from ${formatDuration(intervalMs)} apart, ×${factor} each time${backoff?.maxMs ? ` up to ${formatDuration(backoff.maxMs)}` : ''}`;
  return `${probe.method} ${fill(probe.url)} expects ${statuses}${body}${attempts > 1 ? `, up to ${attempts} tries ${pace}` : ''}`;
}

function monitoring(spec: RunSpec, fill: Fill): string {
  const watch = spec.monitoring;
  if (!watch) return 'none: the run succeeds when the deploy steps are done';
  const pace = watch.schedule.map((step) => `every ${formatDuration(step.everyMs)} until ${formatDuration(step.untilMs)}`).join(', then ');
  const metrics = watch.metrics.length ? `; metrics: ${watch.metrics.map((metric) => metric.metric).join(', ')}` : '';
  const inconclusive = `; ${watch.inconclusive.after} inconclusive checks in a row → ${watch.inconclusive.then === 'pause' ? 'pause and page on-call' : 'roll back'}`;
  return `${watch.checks} checks, ${pace} after traffic moves; health: ${watch.check.method} ${fill(watch.check.url)}${metrics}${inconclusive}`;
}

function rollbackWhen(spec: RunSpec): string {
  const always = 'a deploy step fails, or someone rolls back by hand';
  return spec.triggers.length ? `${spec.triggers.map((trigger) => trigger.text).join('; ')}; or ${always}` : always;
}

function quoted(element: string): string {
  return /\s/.test(element) || element === '' ? `"${element}"` : element;
}

function people(list: Person[]): Text {
  if (list.length === 0) return ['nobody'];
  return list.flatMap((person, index) => (index ? [', ', { mention: mentionOf(person) }] : [{ mention: mentionOf(person) }]));
}
