import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoIntro } from '../../src/demo/intro.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';

describe('the interactive demo opens with its cast', () => {
  it('names who starts, who approves and who is on call, and shows how to speak as someone else', async () => {
    const intro = demoIntro(await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml')));
    expect(intro).toContain('starts runs — anyone; approves (GO / NO-GO) — bob, operator, dave; on call (paged) — carol.');
    expect(intro).toContain('You are "operator" (the prompt says who you are). To speak as someone else, start the line with "as <name>", e.g. "as bob go"');
    expect(intro).toContain('"as bob" alone makes you bob');
    // The first conversation it suggests works: the GO comes from someone other than the requester.
    expect(intro).toContain('Try: /deploy start demo 1.1.0, then "as bob go"');
    expect(intro).toContain('ack [run]');
  });
});
