import { createInterface, type Interface } from 'node:readline';
import type { ShellSession } from '../chat/shell/session.ts';

/**
 * The interactive demo's terminal: a prompt naming who you speak as (`operator> `), input read with
 * line editing, and chat messages that arrive while you type printed above the prompt, which is then
 * drawn again with what you had typed. The terminal itself shows the line you typed, so it is not printed again.
 */
export class DemoTerminal {
  private lines: Interface | null = null;

  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    // A closed terminal window cannot be written to (EIO): that must not stop the demo cleaning up after itself.
    output.on('error', () => {});
  }

  /** Everything the demo prints goes through here, so a message never lands in the middle of the prompt. */
  readonly write = (text: string): void => {
    if (!this.lines) {
      this.output.write(text);
      return;
    }
    this.output.write('\r\x1b[2K'); // the prompt line, cleared; the message takes its place
    this.output.write(text);
    this.lines.prompt(true);
  };

  /** Ends the conversation as Ctrl-D would (the terminal was closed, or the process asked to stop), so the demo cleans up. */
  close(): void {
    this.lines?.close();
  }

  /** Reads lines until Ctrl-D, Ctrl-C, `quit` or `exit`; `as <name>` alone changes who you are. */
  async converse(session: ShellSession, self: string): Promise<void> {
    let speaker = self;
    const lines = createInterface({ input: this.input, output: this.output, terminal: true, prompt: `${speaker}> ` });
    this.lines = lines;
    lines.on('SIGINT', () => lines.close());
    lines.prompt();
    try {
      for await (const raw of lines) {
        const line = raw.trim();
        if (['quit', 'exit'].includes(line)) break;
        const become = /^as\s+(\S+)$/i.exec(line);
        const once = /^as\s+(\S+)\s+(.+)$/i.exec(line);
        if (become) {
          speaker = become[1]!;
          lines.setPrompt(`${speaker}> `);
          this.write(`  You are now "${speaker}".\n`);
        } else if (line === 'whoami') {
          this.write(`  You are "${speaker}". "as <name>" to be someone else.\n`);
        } else if (line) {
          await session.say(once ? once[1]! : speaker, once ? once[2]! : line);
        }
        lines.prompt();
      }
    } finally {
      this.lines = null;
      lines.close();
      this.output.write('\n');
    }
  }
}
