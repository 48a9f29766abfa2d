import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServedBy, startMatrix, type Matrix } from '../support/rollback-matrix.ts';

/**
 * Truthful rollback, canary and feature flag, on real processes (see rollback-matrix-bluegreen-rolling):
 * a canary rolled back at each weight, while it waits to be promoted, and after promotion brings the old
 * pool back; a flag rollback says the new build serves with its feature off, and brings the previous
 * version back when that does not help or the flag never went on.
 */
describe('rollback matrix: canary and feature flag', () => {
  let matrix: Matrix;
  beforeAll(async () => {
    matrix = await startMatrix();
    await matrix.deployed('1.0.0');
  }, 120_000);
  afterAll(async () => {
    await matrix?.stop();
  });

  async function rolledBack(key: string) {
    const done = await matrix.ended(key);
    expect(done.state, JSON.stringify(done.rollback?.validations)).toBe('rolled_back');
    return done;
  }

  it('canary at 5 %: a trigger during the hold aborts it; 1.0.0 serves everything', async () => {
    const { key } = await matrix.start('2.0.0-errors', 'canary');
    const done = await rolledBack(key);
    expect(done.rollback?.trigger).toBe('error_rate > 5% for 2s');
    await expectServedBy(matrix, '1.0.0');
    expect(await matrix.rollbackMessage(key)).toContain('Validated: 1.0.0 serves again');
  }, 90_000);

  it('canary awaiting promotion, rolled back by hand: the same abort, no page', async () => {
    const { key, id } = await matrix.start('2.0.1', 'canary');
    await matrix.until(key, ['awaiting_promotion']);
    // The prompt shows the readings against their limits, not only "N checks healthy".
    const prompts = () =>
      matrix.app.slack
        .called('chat.postMessage')
        .map((call) => matrix.app.slack.textOf(call))
        .filter((text) => text.includes('Increase traffic?'));
    await expect.poll(() => prompts().at(-1) ?? '', { timeout: 10_000 }).toMatch(/error_rate [\d.]+% \(limit (>|&gt;) 5%\)/);
    await matrix.click('bob', 'run.rollback', id);
    await rolledBack(key);
    await expectServedBy(matrix, '1.0.0');
    expect(matrix.pagesOf(key)).toEqual([]);
  }, 90_000);

  it('canary at 25 %: promoted by hand, it breaks at 25 % and is aborted; 1.0.0 serves', async () => {
    const { key, id } = await matrix.start('2.0.2-errors-at-25', 'canary');
    await matrix.until(key, ['awaiting_promotion']);
    await matrix.click('bob', 'run.promote', id);
    const done = await rolledBack(key);
    expect(done.steps.map((step) => step.name)).toContain('Send 25% of traffic to the canary');
    await expectServedBy(matrix, '1.0.0');
  }, 90_000);

  it('canary after promotion: 100 % on the canary breaks during monitoring; the old pool, kept warm, serves again', async () => {
    const { key, id } = await matrix.start('2.0.3-errors-at-100', 'canary');
    await matrix.until(key, ['awaiting_promotion']);
    await matrix.click('bob', 'run.promote', id);
    const done = await rolledBack(key);
    expect(done.steps.map((step) => step.name)).toContain('Promote the canary to 100%');
    await expectServedBy(matrix, '1.0.0');
    const message = await matrix.rollbackMessage(key);
    expect(message).toContain('Validated: 1.0.0 serves again');
    expect(message).not.toContain('nothing');
  }, 90_000);

  it('feature flag still unhealthy with the flag off: the previous version is brought back', async () => {
    const { key } = await matrix.start('3.0.0-poisoned', 'feature-flag');
    const done = await rolledBack(key);
    expect(done.rollback?.validations.map((validation) => [validation.outcome, validation.status])).toEqual([
      ['feature_off', expect.stringMatching(/FAILED|PARTIAL/)],
      ['previous_version', 'SUCCESS'],
    ]);
    expect(done.steps.filter((step) => step.stepId.startsWith('rollback.')).map((step) => step.name)).toEqual([
      'Turn the flag off',
      'Put the previous version back',
    ]);
    await expectServedBy(matrix, '1.0.0');
    expect(await matrix.rollbackMessage(key)).toContain('Validated: 1.0.0 serves again');
  }, 120_000);

  it('feature flag never turned on (the flag service refused): the dark build is taken out, 1.0.0 serves', async () => {
    const { key } = await matrix.start('3.0.1-noflag', 'feature-flag');
    const done = await rolledBack(key);
    expect(done.steps.filter((step) => step.stepId.startsWith('rollback.')).map((step) => step.name)).toEqual(['Put the previous version back']);
    await expectServedBy(matrix, '1.0.0');
  }, 90_000);

  it('feature flag after it was turned on: the rollback turns it off and says the new build still serves, feature off', async () => {
    const { key } = await matrix.start('3.0.2-broken', 'feature-flag');
    const done = await rolledBack(key);
    expect(done.rollback?.validations.map((validation) => [validation.outcome, validation.status])).toEqual([['feature_off', 'SUCCESS']]);
    // Production serves the new build, dark: never "restored to the previous version".
    await expectServedBy(matrix, '3.0.2-broken');
    const message = await matrix.rollbackMessage(key);
    expect(message).toContain('Feature turned off');
    expect(message).toContain('3.0.2-broken still serves, with its feature off');
    expect(message).not.toMatch(/1\.0\.0 serves again|restored/);
  }, 90_000);
});
