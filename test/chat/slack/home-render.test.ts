import { describe, expect, it } from 'vitest';
import { homeToSlack, LIMITS } from '../../../src/chat/slack/render.ts';
import { ACTIONS, card, type Card } from '../../../src/domain/cards.ts';

/** The App Home as Block Kit: a Home view within Slack's 100 blocks, every block_id unique. */

const RUN = '5f0c2f0e-7b7d-4c39-9d0e-2a4f8f6b1c11';
const decision = (n: number): Card =>
  card({
    title: `🚦 Your Go/No-Go: demo-${n}`,
    body: [[`run ${n}`], ['waiting']],
    fields: [{ label: 'Run', value: [`demo-${n}`] }],
    buttons: [
      { action: ACTIONS.go, label: 'GO', value: RUN, style: 'primary' },
      { action: ACTIONS.noGo, label: 'NO-GO', value: RUN, style: 'danger' },
    ],
    context: [`demo-${n}`],
  });

describe('homeToSlack', () => {
  it('draws the cards in order as a home view, a divider between them, each actions block with its own block_id', () => {
    const view = homeToSlack([card({ title: '✈️ Flightdeck', body: [['Hello']] }), decision(1), decision(2)]);
    expect(view.type).toBe('home');
    expect(view.blocks.map((block) => block.type)).toEqual([
      'header',
      'section',
      'divider',
      ...['header', 'section', 'section', 'section', 'actions', 'context'],
      'divider',
      ...['header', 'section', 'section', 'section', 'actions', 'context'],
    ]);
    const ids = view.blocks.flatMap((block) => ('block_id' in block && block.block_id ? [block.block_id] : []));
    expect(ids).toEqual(['home-1-actions', 'home-2-actions']);
    const go = view.blocks.flatMap((block) => (block.type === 'actions' && 'elements' in block ? (block.elements as object[]) : []));
    expect(go.map((element) => ('action_id' in element ? element.action_id : null))).toEqual(['run.go', 'run.no_go', 'run.go', 'run.no_go']);
  });

  it('over 100 blocks, whole cards give way from the end and one line says how many are not shown', () => {
    const cards = Array.from({ length: 30 }, (_, index) => decision(index));
    const view = homeToSlack(cards);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.homeBlocks);
    // 7 blocks per card after the first (a divider, then 6): 6 + 13 × 7 = 97, and the 15th does not fit beside the notice.
    const headers = view.blocks.filter((block) => block.type === 'header');
    expect(headers.length).toBe(14);
    expect(view.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '…and 16 more not shown (a Home tab holds 100 blocks): /deploy status lists every run.' }],
    });
    // No card is cut in half: the last one shown still ends with its context.
    expect(view.blocks.at(-2)?.type).toBe('context');
    expect(homeToSlack(cards.slice(0, 14)).blocks.length).toBe(97);
  });
});
