import { createServer, type Server } from 'node:net';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { TmuxTerminal, tmuxOrReason } from '../support/terminal.ts';

const found = tmuxOrReason();
const USER_PLANS = fileURLToPath(new URL('../fixtures/decision', import.meta.url));

/**
 * The interactive demo as a person uses it, through a real terminal (tmux): the README's first command with
 * the port it wants taken and the user's own plans, then a whole conversation typed key by key.
 */
describe.skipIf('reason' in found)(`flightdeck demo in a terminal${'reason' in found ? ` (skipped: ${found.reason})` : ''}`, () => {
  let terminal: TmuxTerminal;
  let taken: Server;
  let takenPort = 0;
  const screen = () => terminal.screen();
  const waitFor = (text: string, timeout = 60_000) => expect.poll(screen, { timeout, interval: 200 }).toContain(text);

  beforeAll(async () => {
    taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    takenPort = (taken.address() as { port: number }).port;
    terminal = new TmuxTerminal((found as { tmux: string }).tmux);
    terminal.start(
      `env -u DATABASE_URL -u REDIS_URL -u LOG_LEVEL PORT=${takenPort} PLANS_DIR=${USER_PLANS} ${process.execPath} bin/flightdeck.js demo; echo "demo exited with $?"`,
      PROJECT_ROOT,
    );
  }, 30_000);
  afterAll(() => {
    terminal?.stop();
    taken?.close();
  });

  it('finds a free port on loopback when its own is taken, and says which', async () => {
    await waitFor(`(port ${takenPort} is in use, so a free one was taken)`);
    const port = Number(/server on http:\/\/127\.0\.0\.1:(\d+)/.exec(screen())![1]);
    expect(port).not.toBe(takenPort);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    // Loopback only: from any other address of this machine it does not answer.
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (outside) await expect(fetch(`http://${outside.address}:${port}/health`)).rejects.toThrow();
  }, 90_000);

  it("loads the user's plans with the demo's own, keeps log lines out, and prompts with who you are", async () => {
    await waitFor(`Plans: demo, gated (from ${USER_PLANS}, with the demo's own)`);
    await waitFor('Log lines go to ');
    await expect.poll(() => terminal.lastLine()).toBe('operator>');
    expect(screen()).not.toContain('"level":');
  });

  it('start, a refusal, GO as another person, the automatic rollback, and the page acknowledged', async () => {
    terminal.type('/deploy start demo 1.2.0-broken');
    await waitFor('Go/No-Go needed: demo 1.2.0-broken → production');
    terminal.type('go');
    await waitFor('You started demo-1, and this plan does not let the requester approve their own deployment.');
    terminal.type('as bob go');
    await waitFor('Recorded: GO on demo-1.');
    await waitFor('URGENT: Deployment Rolled Back - demo 1.2.0-broken', 90_000);
    await waitFor('[ Acknowledge ]  ← type acknowledge');
    terminal.type('as carol');
    await waitFor('You are now "carol".');
    await expect.poll(() => terminal.lastLine()).toBe('carol>');
    terminal.type('acknowledge');
    await waitFor('Page acknowledged by carol');

    const shown = screen();
    // What was typed shows once, after the prompt of who typed it; state names are words.
    expect(shown.split('operator> as bob go').length - 1).toBe(1);
    expect(shown.split('carol> acknowledge').length - 1).toBe(1);
    expect(shown).toContain('State: rolled back');
    expect(shown).not.toMatch(/rolled_back|ROLLBACK_FAILED|"level":/);

    // Every run message links to the run's page on the demo's own server; the link opens it (signed), the bare path does not.
    const links = [...shown.matchAll(/📄 Report: (http:\/\/127\.0\.0\.1:\d+\/runs\/demo-1\?exp=\d+&sig=[\w-]+)/g)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThan(1);
    const page = await fetch(links.at(-1)!);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('demo 1.2.0-broken');
    expect(html).toContain('incident-report.md');
    expect((await fetch(links.at(-1)!.split('?')[0]!)).status).toBe(401);
  }, 180_000);

  it('answers odd input and goes on; Ctrl-D ends it cleanly', async () => {
    for (const line of ['as', '))((', 'go demo-99999999999999999999999', '/deploy', '/deploy start', 'ack 💥', 'roll-back demo-1', 'x'.repeat(3000)])
      terminal.type(line);
    terminal.type('whoami');
    await waitFor('You are "carol".');
    expect(screen()).toContain('There is no run demo-99999999999999999999999.');
    expect(screen()).toContain('demo-1 cannot be rolled back: it has ended (rolled back).');
    expect(screen()).not.toContain('That could not be done');
    terminal.key('C-d');
    await waitFor('demo exited with 0', 30_000);
  }, 60_000);
});
