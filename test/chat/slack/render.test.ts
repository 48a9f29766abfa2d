import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { cardToBlocks, cut, LIMITS, markdownToMrkdwn, mentionText, replyToSlack } from '../../../src/chat/slack/render.ts';
import { ACTIONS, card } from '../../../src/domain/cards.ts';
import { statusCard } from '../../../src/domain/messages/status-card.ts';
import { apply, awaitingDecision, BOB, step } from '../../domain/fixtures.ts';

const json = (value: unknown) => JSON.stringify(value);
const texts = (blocks: KnownBlock[]) =>
  blocks.flatMap((block) => (block.type === 'section' ? [block.text?.text ?? '', ...(block.fields ?? []).map((field) => field.text)] : []));

describe('Card → Block Kit', () => {
  it('mentions become <@id> on Slack, and text is escaped but mentions stay live', () => {
    expect(mentionText(['<b> & ', { mention: { name: 'bob', ids: { slack: 'U02BOB' } } }, ' and ', { mention: { name: 'dave', ids: {} } }])).toBe(
      '&lt;b&gt; &amp; <@U02BOB> and @dave',
    );
  });

  it('a run awaiting a decision shows GO / NO-GO / DEFER carrying the run id', () => {
    const run = awaitingDecision();
    const { blocks } = cardToBlocks(statusCard(run));
    const actions = blocks.find((block) => block.type === 'actions');
    expect(
      actions &&
        'elements' in actions &&
        actions.elements.map((element) => ('action_id' in element ? [element.action_id, 'value' in element ? element.value : null] : null)),
    ).toEqual([
      ['run.go', run.id],
      ['run.no_go', run.id],
      ['run.defer', run.id],
    ]);
  });

  it('after GO the buttons are replaced by who decided, and Roll back asks for confirmation', () => {
    const run = apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: BOB, rationale: null }, ...step('deploy.0')]).run;
    const rendered = json(cardToBlocks(statusCard(run)).blocks);
    expect(rendered).not.toContain('run.go');
    expect(rendered).toMatch(/GO by <@U02BOB> at 14:00 UTC/);
    expect(rendered).toContain(ACTIONS.rollback);
    expect(rendered).toContain('"confirm"');
  });

  it('draws the confirmation the card model gives a button, and none it does not', () => {
    const confirm = { title: 'Promote?', text: 'The canary takes all traffic.', confirm: 'Promote', deny: 'Not yet' };
    const { blocks } = cardToBlocks(
      card({
        title: 't',
        buttons: [
          { action: ACTIONS.promote, label: 'Promote', value: 'a', confirm },
          { action: ACTIONS.rollback, label: 'Roll back', value: 'a' },
        ],
      }),
    );
    const elements = blocks.at(-1)?.type === 'actions' ? (blocks.at(-1) as { elements: Record<string, any>[] }).elements : [];
    expect(elements[0]!.confirm).toMatchObject({
      title: { text: 'Promote?' },
      text: { text: 'The canary takes all traffic.' },
      confirm: { text: 'Promote' },
      deny: { text: 'Not yet' },
    });
    expect(elements[1]!.confirm).toBeUndefined();
  });

  it('enforces Slack limits instead of sending a message Slack would refuse', () => {
    const huge = card({
      title: 'T'.repeat(400),
      body: Array.from({ length: 80 }, () => ['x'.repeat(5_000)]),
      fields: Array.from({ length: 23 }, (_, i) => ({ label: `f${i}`, value: ['y'.repeat(3_000)] })),
      buttons: Array.from({ length: 30 }, (_, i) => ({ action: ACTIONS.go, label: 'B'.repeat(100), value: 'v'.repeat(3_000) + i })),
    });
    const { blocks, text } = cardToBlocks(huge);
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(text.length).toBeLessThanOrEqual(LIMITS.fallback);
    for (const block of blocks) {
      if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(LIMITS.header);
      if (block.type === 'section') {
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.section);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.fields);
        for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(LIMITS.field);
      }
      if (block.type === 'actions') {
        expect(block.elements.length).toBeLessThanOrEqual(LIMITS.actionsPerBlock);
        for (const element of block.elements) {
          if (element.type === 'button') {
            expect(element.text.text.length).toBeLessThanOrEqual(LIMITS.buttonText);
            expect(element.value?.length ?? 0).toBeLessThanOrEqual(LIMITS.buttonValue);
          }
        }
      }
    }
    expect(json(blocks)).toContain('more blocks not shown');
  });

  it('over the block limit the body gives way, never the title, the buttons or the small print', () => {
    const long = card({
      title: 'Go/No-Go needed',
      body: Array.from({ length: 80 }, (_, i) => [`line ${i}`]),
      buttons: [{ action: ACTIONS.go, label: 'GO', value: 'run-1', style: 'primary' }],
      context: ['demo-7'],
    });
    const { blocks } = cardToBlocks(long);
    expect(blocks).toHaveLength(LIMITS.blocks);
    expect(blocks[0]?.type).toBe('header');
    expect(blocks.slice(-2).map((block) => block.type)).toEqual(['actions', 'context']);
  });

  it('cuts long text inside plain words, never through a mention, an escaped character or an emoji', () => {
    const paragraph = ['x'.repeat(LIMITS.section - 5), { mention: { name: 'bob', ids: { slack: 'U02BOB' } } }, ' & more'];
    const [text, ampersands] = texts(cardToBlocks(card({ title: 't', body: [paragraph, ['&'.repeat(LIMITS.section)]] })).blocks);
    expect(text).toBe(`${'x'.repeat(LIMITS.section - 5)}…`);
    expect(ampersands).toMatch(/^(&amp;)+…$/);
    expect(cut('ab😀', 3)).toBe('ab…');
  });

  it('sends no empty text, and one button per action id (Slack refuses both otherwise)', () => {
    const { blocks } = cardToBlocks(
      card({
        title: '  ',
        body: [[], ['shown']],
        context: [],
        buttons: [
          { action: ACTIONS.go, label: 'GO', value: 'a' },
          { action: ACTIONS.go, label: 'GO again', value: 'a' },
        ],
      }),
    );
    expect(blocks.map((block) => block.type)).toEqual(['header', 'section', 'actions']);
    expect(blocks[0]?.type === 'header' && blocks[0].text.text).toBe('Flightdeck');
    expect(blocks[2]?.type === 'actions' && blocks[2].elements).toHaveLength(1);
  });

  it('a mention id that is not a Slack user id falls back to the name', () => {
    expect(mentionText([{ mention: { name: 'eve', ids: { slack: 'U1> <!channel' } } }])).toBe('@eve');
  });

  it('a card without buttons has no actions block', () => {
    expect(cardToBlocks(card({ title: 'Active runs', body: [['none']] })).blocks.some((block) => block.type === 'actions')).toBe(false);
  });
});

describe('Replies and threaded text', () => {
  it('a text reply is escaped, so usage like <service> is shown, not read as a link', () => {
    expect(replyToSlack({ kind: 'text', text: 'Usage: /deploy start <service> <version>' })).toEqual({
      text: 'Usage: /deploy start &lt;service&gt; &lt;version&gt;',
    });
  });

  it('a card reply carries blocks and a readable fallback', () => {
    const reply = replyToSlack({ kind: 'card', card: card({ title: 'Flightdeck commands', body: [['/deploy help']] }) });
    expect(reply.text).toBe('Flightdeck commands\n/deploy help');
    expect(reply.blocks?.[0]?.type).toBe('header');
  });

  it("the report's markdown becomes mrkdwn, and step output cannot ping the channel", () => {
    const report = ['# Deployment Report: demo 1.1.0', '**Status**: ✅', '| Time | Event |', '|---|---|', '| 14:00 | deploy |', 'done <!channel>'].join('\n');
    expect(markdownToMrkdwn(report)).toBe(
      ['*Deployment Report: demo 1.1.0*', '*Status*: ✅', '```', '| Time | Event |', '|---|---|', '| 14:00 | deploy |', '```', 'done &lt;!channel&gt;'].join(
        '\n',
      ),
    );
  });
});
