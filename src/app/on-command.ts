import { parseCommand, ROLLBACK_USAGE, USAGE } from '../domain/command.ts';
import type { Actor } from '../domain/identity.ts';
import { withLockLines } from '../domain/messages/lock-cards.ts';
import { helpCard, statusCard, statusSummary } from '../domain/messages/status-card.ts';
import { withReportLink } from '../domain/messages/words.ts';
import { planCard } from '../domain/plan-card.ts';
import type { Run, RunEvent } from '../domain/run.ts';
import { activeLocks } from '../store/locks.ts';
import { activeRuns, findRunByKey } from '../store/runs.ts';
import type { AppContext } from './shared/context.ts';
import { onHistory, onStats } from './insight.ts';
import { onLockCommand } from './on-lock.ts';
import { recordEvent } from './shared/record-event.ts';
import { auditRefusal } from './shared/refusals.ts';
import { text, type Reply } from './shared/replies.ts';
import { startQueued } from './start/queued-starts.ts';
import { onRedeploy, onStart, resolveTarget, type CommandRequest } from './start/start-run.ts';

export type { CommandRequest };

/**
 * A command typed on any platform: the command router. It parses, then hands each command to its use
 * case (start-run, on-lock, …), composing two only where one's follow-up is the other's work (an
 * unlock gives the queued starts their turn). Refusals write nothing.
 */
export async function onCommand(ctx: AppContext, request: CommandRequest): Promise<Reply> {
  const command = parseCommand(request.text);
  switch (command.kind) {
    case 'parse_error':
      return text(`${command.message}\nUsage: ${command.usage}`);
    case 'help':
      return { kind: 'card', card: helpCard() };
    case 'start':
      return onStart(ctx, request, command);
    case 'plan': {
      const target = resolveTarget(ctx, command.service, command.environment);
      return 'reply' in target ? target.reply : { kind: 'card', card: planCard(target.plan, target.environment, target.spec) };
    }
    case 'status': {
      if (!command.run)
        return { kind: 'card', card: withLockLines(statusSummary(await activeRuns(ctx.db)), await activeLocks(ctx.db, ctx.clock.now()), ctx.clock.now()) };
      const run = await findRunByKey(ctx.db, command.run);
      // A fresh link to the run's page: the way back in once an older link has expired.
      return run
        ? { kind: 'card', card: withReportLink(statusCard(run), ctx.links?.runUrl(run.key, ctx.clock.now()) ?? null) }
        : text(`There is no run ${command.run}.`);
    }
    case 'lock':
    case 'unlock':
    case 'locks': {
      const { reply, freed } = await onLockCommand(ctx, request.actor, command);
      if (!freed || reply.kind !== 'text') return reply;
      // An unlock frees the target: what was queued behind the lock starts now, and the reply says what did (the sweeper tries again after a crash).
      const started = await startQueued(ctx, freed);
      return text([reply.text, ...started].join('\n'));
    }
    case 'rollback': {
      // A run of that key is rolled back in flight; otherwise a service with a plan has its finished deployment rolled back.
      const run = command.run ? await findRunByKey(ctx.db, command.run) : null;
      if (run) return onRunCommand(ctx, request.actor, { kind: 'rollback', run, reason: command.reason });
      if (command.redeploy && ctx.plans.get(command.redeploy.service)) return onRedeploy(ctx, request, command.redeploy);
      return text(nothingToRollBack(ctx, command.run, command.redeploy?.service ?? command.run!));
    }
    case 'history':
      return onHistory(ctx, command.service, command.environment);
    case 'stats':
      return onStats(ctx, command.service, command.environment, command.days);
    case 'cancel':
    case 'resume': {
      const run = await findRunByKey(ctx.db, command.run);
      if (!run) return text(`There is no run ${command.run}.`);
      return onRunCommand(ctx, request.actor, { kind: command.kind, run, reason: command.reason });
    }
  }
}

/** Rollback, cancel or resume of a run that exists. */
async function onRunCommand(
  ctx: AppContext,
  by: Actor,
  { kind, run, reason }: { kind: 'rollback' | 'cancel' | 'resume'; run: Run; reason: string | null },
): Promise<Reply> {
  const event: RunEvent =
    kind === 'rollback'
      ? { type: 'rollback.requested', by, reason }
      : kind === 'cancel'
        ? { type: 'cancel.requested', by, reason }
        : { type: 'resume', by, reason };
  const result = await recordEvent(ctx, run, event);
  if (!result.ok) {
    await auditRefusal(ctx, by, kind, run.key, run.id, result.error);
    return text(result.error.message);
  }
  return text(
    {
      rollback: `Rolling back ${run.key}. On-call will hear how it went.`,
      cancel: `${run.key} is cancelled.`,
      resume: `${run.key} resumed: monitoring goes on.`,
    }[kind],
  );
}

/** `rollback <word>` where the word names neither a run nor a service with a plan (or a service, with words after it that do not fit). */
function nothingToRollBack(ctx: AppContext, runKey: string | null, service: string): string {
  if (ctx.plans.get(service)) return `There is no run ${service}. To roll back ${service}'s finished deployment: ${USAGE.redeploy}`;
  const services = `Services with plans: ${ctx.plans.services().join(', ') || 'none yet'}.`;
  if (runKey) return `There is no run ${runKey}, and no deployment plan for a service "${runKey}". ${services}\nUsage: ${ROLLBACK_USAGE}`;
  return `There is no deployment plan for "${service}". ${services}\nUsage: ${ROLLBACK_USAGE}`;
}
