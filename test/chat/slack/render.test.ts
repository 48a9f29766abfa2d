import { describe, expect, it } from 'vitest';
import { cardToBlocks, LIMITS, mentionText } from '../../../src/chat/slack/render.ts';
import { ACTIONS, card } from '../../../src/domain/cards.ts';
import { statusCard } from '../../../src/domain/messages.ts';
import { apply, awaitingDecision, bob, step } from '../../domain/support.ts';

const json = (value: unknown) => JSON.stringify(value);

describe('Card → Block Kit', () => {
  it('mentions become <@id> on Slack, and text is escaped but mentions stay live', () => {
    expect(mentionText(['<b> & ', { mention: { name: 'bob', ids: { slack: 'UBOB' } } }, ' and ', { mention: { name: 'dave', ids: {} } }])).toBe('&lt;b&gt; &amp; <@UBOB> and @dave');
  });

  it('a run awaiting a decision shows GO / NO-GO / DEFER carrying the run id', () => {
    const run = awaitingDecision();
    const { blocks } = cardToBlocks(statusCard(run));
    const actions = blocks.find((block) => block.type === 'actions');
    expect(actions && 'elements' in actions && actions.elements.map((element) => ('action_id' in element ? [element.action_id, 'value' in element ? element.value : null] : null))).toEqual([
      ['run.go', run.id],
      ['run.no_go', run.id],
      ['run.defer', run.id],
    ]);
  });

  it('after GO the buttons are replaced by who decided, and Roll back asks for confirmation', () => {
    const run = apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: bob, rationale: null }, ...step('deploy.0')]).run;
    const rendered = json(cardToBlocks(statusCard(run)).blocks);
    expect(rendered).not.toContain('run.go');
    expect(rendered).toMatch(/GO by <@UBOB> at 14:00 UTC/);
    expect(rendered).toContain(ACTIONS.rollback);
    expect(rendered).toContain('"confirm"');
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
});
