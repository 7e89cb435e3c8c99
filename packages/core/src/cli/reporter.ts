// The CLI's side of the reporter seam: diagnostics, warnings and steps on stderr, a progress bar on a
// terminal ("label... done" otherwise), and yes/no questions asked on the terminal only.
import { createInterface } from 'node:readline/promises';
import { SingleBar } from 'cli-progress';
import { terminalText } from '@fctl-kit/protocol';
import { UserError } from '../errors.js';
import { EXIT } from '../host/failure.js';
import { byteSize } from '../session/byte-size.js';
import type { Progress, Reporter } from '../session/reporter.js';
import { debugChannel, isInteractive, type DebugLog, type Io } from './io.js';

export class CliReporter implements Reporter {
  readonly debug: DebugLog;
  readonly pluginStderr: DebugLog;

  constructor(
    private readonly io: Io,
    private readonly options: { debug: boolean; nonInteractive: boolean },
  ) {
    const channel = debugChannel(io, options.debug);
    this.debug = channel.core;
    this.pluginStderr = channel.plugin;
  }

  get interactive(): boolean {
    return isInteractive(this.io, this.options.nonInteractive);
  }

  warn(message: string): void {
    // Warnings carry registry and plugin text (deprecation messages, names): made safe for a terminal.
    this.io.stderr.write(`Warning: ${terminalText(message, { multiline: true })}\n`);
  }

  status(text: string): void {
    this.io.stderr.write(text);
  }

  progress(label: string): Progress {
    const { stderr } = this.io;
    if (!stderr.isTTY) {
      stderr.write(`${label}...`);
      return { update: () => {}, stop: (ok) => stderr.write(ok ? ' done\n' : ' failed\n') };
    }
    const bar = new SingleBar({
      stream: stderr as NodeJS.WritableStream as never,
      format: `${label} [{bar}] {percentage}% | {received} of {size}`,
      hideCursor: true,
      clearOnComplete: false,
    });
    let started = false;
    return {
      update(received, total) {
        if (!started) {
          bar.start(total ?? 0, 0, { received: byteSize(0), size: total ? byteSize(total) : '?' });
          started = true;
        }
        bar.update(received, { received: byteSize(received), size: total ? byteSize(total) : '?' });
      },
      stop(ok) {
        if (started) bar.stop();
        stderr.write(ok ? '' : `${label}... failed\n`);
      },
    };
  }

  async confirm(question: string, defaultYes = false): Promise<boolean> {
    if (!this.interactive) {
      throw new UserError(`this command asks "${question}" and fctl is not interactive: pass --yes to confirm`, EXIT.failed);
    }
    const readline = createInterface({ input: this.io.stdin, output: this.io.stderr });
    try {
      const answer = (await readline.question(`${question} ${defaultYes ? '[Y/n]' : '[y/N]'} `)).trim().toLowerCase();
      return answer === '' ? defaultYes : answer === 'y' || answer === 'yes';
    } finally {
      readline.close();
    }
  }
}
