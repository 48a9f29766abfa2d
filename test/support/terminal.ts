import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryOrInstall } from '../../src/services/binaries.ts';

/**
 * tmux on PATH, installed the way the project installs redis-server (Debian's package, as root) when it is
 * missing; null with the reason when it cannot be had, so a test can skip saying why.
 */
export function tmuxOrReason(): { tmux: string } | { reason: string } {
  try {
    return { tmux: binaryOrInstall('tmux', { package: 'tmux', otherwise: 'tmux is not installed (Debian/Ubuntu: apt-get install tmux)', log: () => {} }) };
  } catch (error) {
    return { reason: (error as Error).message };
  }
}

/**
 * A real terminal a test types into as a person would: a tmux session on a private server (its own socket),
 * keys sent with send-keys, the screen and its scrollback read with capture-pane.
 */
export class TmuxTerminal {
  private readonly socket = `flightdeck-test-${process.pid}-${Date.now()}`;

  constructor(private readonly tmux: string) {}

  /** Runs `command` (a shell line) in a new 160×50 terminal; the pane stays after it exits, so its last words can be read. */
  start(command: string, cwd: string): void {
    const conf = join(mkdtempSync(join(tmpdir(), 'flightdeck-tmux-')), 'tmux.conf');
    writeFileSync(conf, 'set -g history-limit 100000\nset -g remain-on-exit on\n');
    this.run(['-f', conf, 'new-session', '-d', '-s', 'demo', '-x', '160', '-y', '50', '-c', cwd, command]);
  }

  /** Types a line and presses Enter (`-l`: the text literally, not as key names). */
  type(line: string): void {
    this.run(['send-keys', '-t', 'demo', '-l', line]);
    this.run(['send-keys', '-t', 'demo', 'Enter']);
  }

  key(name: string): void {
    this.run(['send-keys', '-t', 'demo', name]);
  }

  /** All the terminal has shown, wrapped lines joined. */
  screen(): string {
    return this.run(['capture-pane', '-p', '-J', '-S', '-', '-t', 'demo']);
  }

  /** The last non-empty line: where the prompt is. */
  lastLine(): string {
    return this.screen().trimEnd().split('\n').at(-1) ?? '';
  }

  stop(): void {
    try {
      this.run(['kill-server']);
    } catch {
      // already gone
    }
    // tmux leaves its socket file behind; this server was ours alone.
    rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }

  private run(args: string[]): string {
    return execFileSync(this.tmux, ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}
