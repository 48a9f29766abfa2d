import { ACTIONS, type ActionId } from '../../domain/cards.ts';
import type { Actor } from '../../domain/identity.ts';
import { onAction } from '../../app/on-action.ts';
import { onCommand } from '../../app/on-command.ts';
import type { AppContext } from '../../app/shared/context.ts';
import type { Reply } from '../../app/shared/replies.ts';
import { activeRunList, openPages, runByKey } from '../../app/lookups.ts';
import { cardToText } from './render.ts';
import { statusCard } from '../../domain/messages/status-card.ts';
import { onPageAck } from '../../app/on-page-ack.ts';

const BUTTON_WORDS: Record<string, ActionId> = {
  go: ACTIONS.go,
  'no-go': ACTIONS.noGo,
  nogo: ACTIONS.noGo,
  defer: ACTIONS.defer,
  'roll-back': ACTIONS.rollback,
  rollback: ACTIONS.rollback,
  promote: ACTIONS.promote,
  hold: ACTIONS.hold,
  resume: ACTIONS.resume,
};

const ACK_FLAG = '--ack';

/** The shell's own words, for `help` and for a line that is none of them. */
export const SHELL_WORDS =
  'go / no-go <why> / defer <why> / roll-back / promote / hold / resume [run] press a button; ack [run] takes a page; ' +
  '"as <name> <line>" says one line as someone else, "as <name>" becomes them; /deploy help lists the commands.';

/**
 * The shell's input side: a line typed by a user becomes the same use-case call a Slack
 * command or button click makes. `go`, `no-go`, `defer`, `roll-back`, `promote`, `hold`, `resume`, `ack` stand for the buttons,
 * on the named run or the only run that shows that button. The rest of the line is the decision form:
 * `no-go demo-1 error budget spent`, `go demo-1 --ack load test is known flaky`.
 */
export class ShellSession {
  constructor(
    private readonly ctx: AppContext,
    private readonly write: (text: string) => void,
    /** The interactive terminal shows what was typed after its prompt already; a script's lines are printed here. */
    private readonly options: { echo: boolean } = { echo: true },
  ) {}

  async say(user: string, line: string): Promise<void> {
    const actor: Actor = { platform: 'shell', id: user, name: user, zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
    if (this.options.echo) this.write(`\n${user}> ${line}\n`);
    const [word = '', ...rest] = line.trim().split(/\s+/);
    let reply: Reply;
    try {
      reply = await this.handle(actor, word.toLowerCase(), rest, line.trim());
    } catch (error) {
      // A line the use cases could not take is answered like any refusal: the demo goes on.
      this.ctx.log.error({ err: error, line }, 'shell line failed');
      reply = { kind: 'text', text: `That could not be done (${(error as Error).message.split('\n')[0]}). Type help for the words the shell knows.` };
    }
    this.write(`${renderReply(reply)}\n`);
  }

  private async handle(actor: Actor, word: string, rest: string[], line: string): Promise<Reply> {
    if (word === '/deploy' || word === 'deploy') {
      return onCommand(this.ctx, { actor, text: rest.join(' '), requestKey: null });
    }
    if (word === 'help' || word === '/help') return { kind: 'text', text: `The shell's words: ${SHELL_WORDS}` };
    if (word === 'ack' || word === 'acknowledge') return this.acknowledge(actor, rest[0]);
    const action = BUTTON_WORDS[word];
    if (!action) return { kind: 'text', text: `"${line}" is not a word the shell knows. ${SHELL_WORDS}` };
    // `--ack` is the GO form's checkbox: "I have read the CONDITIONAL items and accept them".
    const acknowledged = rest.some((token) => token.toLowerCase() === ACK_FLAG);
    const words = rest.filter((token) => token.toLowerCase() !== ACK_FLAG);
    const named = words[0] && /^[a-z][a-z0-9-]*-\d+$/.test(words[0]) ? words.shift()! : null;
    const run = named ? await runByKey(this.ctx, named) : await this.onlyRunWithButton(action);
    if (!run) return { kind: 'text', text: named ? `There is no run ${named}.` : `Which run? Name it, e.g. "${word} demo-1".` };
    const outcome = await onAction(this.ctx, {
      actor,
      action,
      runId: run.id,
      rationale: words.length ? words.join(' ') : null,
      ...(acknowledged ? { acknowledged } : {}),
    });
    if (outcome.reply.kind !== 'text' || !outcome.input) return outcome.reply;
    const retype = outcome.input === 'rationale' ? `Type "${word} ${run.key} <why>".` : `Type "go ${run.key} ${ACK_FLAG} [rationale]" to accept them.`;
    return { kind: 'text', text: `${outcome.reply.text} ${retype}` };
  }

  /** `ack [run]`: the Acknowledge button of the run's open page (or of the only open page). */
  private async acknowledge(actor: Actor, runKey: string | undefined): Promise<Reply> {
    const run = runKey ? await runByKey(this.ctx, runKey) : null;
    if (runKey && !run) return { kind: 'text', text: `There is no run ${runKey}.` };
    const open = await openPages(this.ctx, run);
    if (open.length !== 1)
      return { kind: 'text', text: open.length ? 'Which page? Name its run, e.g. "ack demo-2".' : 'There is no open page to acknowledge.' };
    return (await onPageAck(this.ctx, { actor, pageId: open[0]!.id })).reply;
  }

  private async onlyRunWithButton(action: ActionId) {
    const candidates = (await activeRunList(this.ctx)).filter((run) => statusCard(run).buttons.some((button) => button.action === action));
    return candidates.length === 1 ? candidates[0]! : null;
  }
}

function renderReply(reply: Reply): string {
  const body = reply.kind === 'text' ? reply.text : cardToText(reply.card);
  return body
    .split('\n')
    .map((line) => `  (only you) ${line}`)
    .join('\n');
}
