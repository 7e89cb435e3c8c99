// One plugin process driven by the conformance runner, which plays the core: it writes whatever the
// script says (valid or not) and reads the plugin's stdout line by line, within the protocol's
// limits, so that a check can wait for the next line or for the exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { MAX_HELLO_BYTES, MAX_RESULT_BYTES, preview, readCappedLines, readLines } from '@fctl-kit/protocol';
import { pluginEnvironment } from '@fctl-kit/core';

export interface PluginTarget {
  command: string;
  args: string[];
  /** For the report: the binary, or the command line. */
  label: string;
}

export type SessionEvent =
  | { kind: 'line'; text: string }
  | { kind: 'overflow'; bytes: number; limit: number }
  | { kind: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout'; afterMs: number };

const STDERR_TAIL_LINES = 10;
const STDERR_LINE_BYTES = 2048;
const LAST_OUTPUT_GRACE_MS = 500;

export class PluginSession {
  private readonly child: ChildProcess;
  private readonly events: SessionEvent[] = [];
  private waiting: ((event: SessionEvent) => void) | undefined;
  private helloRead = false;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly stderrLines: string[] = [];
  /** Every line the plugin wrote to stdout, in order. */
  readonly stdout: string[] = [];

  constructor(target: PluginTarget, options: { handshake?: boolean } = {}) {
    const env = pluginEnvironment();
    if (options.handshake === false) delete env.FCTL_PLUGIN_HANDSHAKE;
    this.child = spawn(target.command, target.args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    this.child.stdin!.on('error', () => {}); // a plugin that exits early closes its stdin: EPIPE is its answer, not ours
    readLines(this.child.stdout!, () => (this.helloRead ? MAX_RESULT_BYTES : MAX_HELLO_BYTES), {
      line: (text) => {
        this.helloRead = true;
        this.stdout.push(text);
        this.push({ kind: 'line', text });
      },
      overflow: (bytes, limit) => this.push({ kind: 'overflow', bytes, limit }),
    });
    void readCappedLines(this.child.stderr!, STDERR_LINE_BYTES, (line) => {
      this.stderrLines.push(line);
      if (this.stderrLines.length > STDERR_TAIL_LINES) this.stderrLines.shift();
    });
    this.child.on('error', () => this.onExit(null, null));
    this.child.on('exit', (code, signal) => this.onExit(code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderrTail(): string[] {
    return [...this.stderrLines];
  }

  send(message: unknown): void {
    this.sendRaw(JSON.stringify(message));
  }

  sendRaw(line: string): void {
    if (this.exited || !this.child.stdin!.writable) return;
    this.child.stdin!.write(`${line}\n`);
  }

  closeStdin(): void {
    this.child.stdin!.end();
  }

  /** The next line, overflow or exit; a timeout event when nothing comes within `timeoutMs`. */
  next(timeoutMs: number): Promise<SessionEvent> {
    const queued = this.events.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve({ kind: 'timeout', afterMs: timeoutMs });
      }, timeoutMs);
      this.waiting = (event) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(event);
      };
    });
  }

  /** Waits for the exit, skipping lines (kept in `stdout`); undefined when it does not come in time. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exited) return this.exited;
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (event.kind === 'exit') return { code: event.code, signal: event.signal };
      if (event.kind === 'timeout') return undefined;
    }
  }

  /** Stops the plugin and everything it started. */
  async kill(): Promise<void> {
    if (!this.exited && this.child.pid !== undefined) {
      try {
        if (process.platform === 'win32') this.child.kill('SIGKILL');
        else process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (!this.exited) await new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdout!.destroy();
    this.child.stderr!.destroy();
  }

  /** "exited with status 2", for "it ... before X", and the end of its stderr, for after. */
  describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
    return exit.signal ? `was killed by ${exit.signal}` : `exited with status ${exit.code}`;
  }

  stderrNote(): string {
    const tail = this.stderrTail.filter((line) => line.trim()).slice(-3);
    return tail.length ? `; its stderr ended with: ${tail.map((line) => preview(line)).join(' | ')}` : '';
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = { code, signal };
    // stdout may still hold lines written just before the exit; a process the plugin started may
    // hold the pipe open, so its end is awaited for a short while only.
    const stdoutEnded = new Promise<void>((resolve) => {
      if (this.child.stdout!.readableEnded || this.child.stdout!.destroyed) resolve();
      else this.child.stdout!.once('close', () => resolve());
    });
    void Promise.race([stdoutEnded, new Promise((resolve) => setTimeout(resolve, LAST_OUTPUT_GRACE_MS))]).then(() => this.push({ kind: 'exit', code, signal }));
  }

  private push(event: SessionEvent): void {
    if (this.waiting) this.waiting(event);
    else this.events.push(event);
  }
}
