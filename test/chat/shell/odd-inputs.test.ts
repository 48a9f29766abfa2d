import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/app/shared/context.ts';
import { ShellSession } from '../../../src/chat/shell/session.ts';
import { loadPlanFile } from '../../../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../../../src/runtime.ts';
import { freshPostgres } from '../../support/databases.ts';
import { testContext } from '../../support/context.ts';

/** Lines a new user types into the demo, sensible or not: each is answered in words, none reaches the catch-all. */
const ODD_LINES = [
  '',
  '   ',
  'as',
  'su alice',
  '/as alice',
  'whoami',
  'help',
  '/deploy',
  '/deploy start',
  '/deploy start demo',
  '/deploy start demo not-a-version',
  '/deploy start nosuch 1.0.0',
  '/deploy start demo 1.0.0 --at yesterday',
  '/deploy start demo 1.0.0 --at 99:99',
  '/deploy start demo 1.0.0 --emergency',
  '/deploy start demo 1.0.0 --strategy teleport',
  '/deploy status demo-999999999999999999999',
  '/deploy cancel demo-0',
  '/deploy rollback',
  '/deploy lock demo',
  '/deploy lock demo production --for 1000000d too long',
  '/deploy unlock demo',
  '/deploy history demo',
  '/deploy plan nosuch',
  'go',
  'go demo-1',
  'go demo-99999999999999999999999',
  'no-go',
  'defer demo-1',
  'roll-back',
  'promote demo-1',
  'hold',
  'resume demo-1',
  'ack',
  'ack 99999999999',
  'ack demo-1',
  'acknowledge 💥',
  '💥',
  ')); DROP TABLE runs; --',
  '\u0000\u001b[2J',
  'x'.repeat(5000),
];

describe('shell: odd input', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  let output = '';
  let shell: ShellSession;

  beforeAll(async () => {
    pg = await freshPostgres();
    ctx = testContext(pg.database.db, [await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'))]);
    shell = new ShellSession(ctx, (text) => void (output += text));
  });
  afterAll(async () => pg?.drop());

  it.each(ODD_LINES.map((line) => [line.slice(0, 40), line]))('%s → a reply in words', async (_shown, line) => {
    output = '';
    await shell.say('operator', line);
    expect(output).toMatch(/\(only you\) \S/);
    expect(output).not.toContain('That could not be done');
  });

  it('the same lines with a run waiting for its decision, as someone who is nobody in the plan', async () => {
    await shell.say('operator', '/deploy start demo 1.1.0');
    for (const line of ODD_LINES) {
      output = '';
      await shell.say('mallory', line);
      expect(output, line).toMatch(/\(only you\) \S/);
      expect(output, line).not.toContain('That could not be done');
    }
  });
});
