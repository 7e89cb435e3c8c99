// One running plugin: spawn, handshake, execute, cancel and shutdown over protocol v1.
// Whatever the plugin does (crash, hang, garbage, oversized output), the core gets a
// PluginFailure and never hangs or crashes itself.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CANCEL_GRACE_MS,
  checkManifest,
  decodePluginMessage,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  encodeMessage,
  MAX_HELLO_BYTES,
  MAX_RESULT_BYTES,
  MiB,
  preview,
  ProtocolViolation,
  readCappedLines,
  readLines,
  type CoreMessage,
  type ErrorBody,
  type Execute,
  type Manifest,
  type PluginMessage,
} from '@fctl-kit/protocol';
import { pluginEnvironment } from './environment.js';
import { PluginFailure, type FailureReason, type PluginIdentity } from './failure.js';
import { launchCommand } from './launch.js';

/** What fctl offers in its hello; it gains 2 when this host speaks v2 (independent of what the SDK speaks). */
export const HOST_PROTOCOL_VERSIONS: readonly number[] = [1];
const STDERR_TAIL_LINES = 20;
/** Longer stderr lines are cut (for --debug and the tail kept for reports); the rest is counted. */
export const MAX_STDERR_LINE_BYTES = 4096;
const KILL_AFTER_TERM_MS = 1_000;
/** After the plugin exits, how long its last output may take to arrive before fctl stops reading. */
const LAST_OUTPUT_GRACE_MS = 500;
const isPosix = process.platform !== 'win32';

/**
 * Process groups of plugins this fctl started that may still hold processes. However fctl exits
 * (a second Ctrl-C, SIGTERM, an uncaught error), they are killed with it: a plugin's children never
 * outlive fctl, but for those that left the group on purpose (setsid) or when fctl is SIGKILLed.
 */
const liveGroups = new Set<number>();
function trackGroup(pid: number): void {
  if (liveGroups.size === 0 && !process.listeners('exit').includes(killLiveGroups)) process.on('exit', killLiveGroups);
  liveGroups.add(pid);
}
function killLiveGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: nothing left in that group.
    }
  }
  liveGroups.clear();
}

export interface StartOptions {
  plugin: PluginIdentity;
  coreVersion: string;
  protocolVersions?: readonly number[];
  handshakeTimeoutMs?: number;
  /** The core's own diagnostics (printed as [fctl] with --debug). */
  debug?: (line: string) => void;
  /** Each stderr line of the plugin as it arrives (printed as [plugin] with --debug). */
  onStderrLine?: (line: string) => void;
  env?: Record<string, string>;
}

export type ExecuteRequest = Omit<Execute, 'type' | 'id' | 'timeoutMs'>;
export type ExecuteOutcome = { status: 'ok'; data: unknown } | { status: 'error'; error: ErrorBody } | { status: 'cancelled' };

interface Waiter {
  accept(message: PluginMessage): void;
  fail(failure: PluginFailure): void;
}

export class PluginProcess {
  manifest!: Manifest;
  protocolVersion!: number;
  private readonly child: ChildProcess;
  private readonly stderrTail: string[] = [];
  private waiter: Waiter | undefined;
  private failure: PluginFailure | undefined;
  private phase: 'handshake' | 'execution' = 'handshake';
  private lineLimit = MAX_HELLO_BYTES;
  private nextId = 1;
  private exited: Promise<void>;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private groupGone = false;

  private constructor(private readonly options: StartOptions) {
    const { command, args } = launchCommand(options.plugin.path);
    options.debug?.(`spawning ${[command, ...args].join(' ')}`);
    this.child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? pluginEnvironment(),
      // Own process group: the terminal's Ctrl-C reaches fctl only, which sends `cancel`.
      detached: isPosix,
      windowsHide: true,
    });
    this.child.stdin!.on('error', () => {}); // EPIPE after a crash is reported through 'exit'.
    if (isPosix && this.child.pid !== undefined) trackGroup(this.child.pid);
    const stderrDone = this.collectStderr();
    const stdoutDone = new Promise((resolve) => this.child.stdout!.on('close', resolve));
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        // Whatever the plugin started and left behind goes with it (on POSIX its process group).
        this.kill('SIGKILL');
        // Let its last output arrive, but never wait for a pipe held open by a process that escaped
        // the group: after the grace, fctl stops reading.
        let settleTimer: NodeJS.Timeout | undefined;
        const settle = new Promise((r) => (settleTimer = setTimeout(r, LAST_OUTPUT_GRACE_MS)));
        void Promise.race([Promise.all([stdoutDone, stderrDone]), settle]).then(() => {
          clearTimeout(settleTimer);
          this.child.stdout!.destroy();
          this.child.stderr!.destroy();
          this.fail('crashed', this.waiter ? 'the plugin exited before answering' : 'the plugin exited');
          resolve();
        });
      });
    });
    this.child.on('error', (error: NodeJS.ErrnoException) => {
      this.fail('not-started', `${error.code ?? ''} ${error.message}`.trim());
    });
    readLines(this.child.stdout!, () => this.lineLimit, {
      line: (line) => this.onLine(line),
      overflow: (bytes, limit) =>
        this.fail(
          'too-large',
          `a ${this.phase === 'handshake' ? 'hello (manifest)' : 'result'} message exceeded the ${limit / MiB} MiB limit (${(bytes / MiB).toFixed(1)} MiB read so far)`,
        ),
    });
  }

  /** Starts the plugin and completes the handshake; rejects with PluginFailure. */
  static async start(options: StartOptions): Promise<PluginProcess> {
    const plugin = new PluginProcess(options);
    await plugin.handshake();
    return plugin;
  }

  private collectStderr(): Promise<void> {
    return readCappedLines(this.child.stderr!, MAX_STDERR_LINE_BYTES, (text, droppedBytes) => {
      const line = droppedBytes ? `${text}… (${droppedBytes} more bytes)` : text;
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      this.options.onStderrLine?.(line);
    });
  }

  private onLine(line: string): void {
    if (this.failure) return;
    let message: PluginMessage;
    try {
      message = decodePluginMessage(line);
    } catch (error) {
      const problem = error instanceof ProtocolViolation ? error.message : String(error);
      const stray = !line.trimStart().startsWith('{');
      this.fail(
        'protocol',
        stray
          ? `it wrote text that is not a protocol message to stdout: ${preview(line)}. Plugins must write logs to stderr; stdout carries protocol messages only.`
          : problem,
      );
      return;
    }
    if (!this.waiter) {
      this.fail('protocol', `it sent an unexpected "${message.type}" message`);
      return;
    }
    this.waiter.accept(message);
  }

  private fail(reason: FailureReason, detail: string): void {
    if (this.failure) return;
    this.failure = new PluginFailure({
      reason,
      phase: this.phase,
      detail,
      exitCode: this.exitInfo?.code,
      signal: this.exitInfo?.signal,
      stderrTail: [...this.stderrTail],
      plugin: this.identity(),
    });
    this.options.debug?.(`plugin failure (${reason}): ${detail}`);
    if (!this.exitInfo) this.kill('SIGKILL');
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.fail(this.failure);
  }

  private identity(): PluginIdentity {
    const known = this.options.plugin;
    return this.manifest
      ? { ...known, name: this.manifest.name, version: this.manifest.version, issues: this.manifest.issues ?? known.issues }
      : known;
  }

  private send(message: CoreMessage): void {
    this.child.stdin!.write(encodeMessage(message));
  }

  /** Waits for the next message; `timeoutMs` expiry calls onTimeout (which may fail the plugin). */
  private next(timeoutMs: number, onTimeout: () => void): Promise<PluginMessage> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(onTimeout, timeoutMs);
      this.waiter = {
        accept: (message) => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve(message);
        },
        fail: (failure) => {
          clearTimeout(timer);
          reject(failure);
        },
      };
    });
  }

  private async handshake(): Promise<void> {
    const offered = this.options.protocolVersions ?? HOST_PROTOCOL_VERSIONS;
    const timeoutMs = this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    const started = Date.now();
    this.send({ type: 'hello', protocolVersions: [...offered], core: { name: 'fctl', version: this.options.coreVersion } });
    const reply = await this.next(timeoutMs, () =>
      this.fail('handshake-timeout', `no answer to the handshake within ${timeoutMs} ms`),
    );
    if (reply.type === 'error') {
      if (reply.error.code === 'unsupported_protocol_version') {
        const theirs = reply.protocolVersions?.join(', ') ?? 'unknown versions';
        this.fail(
          'incompatible',
          `fctl speaks protocol version ${offered.join(', ')}; the plugin speaks ${theirs}. Install a plugin build for this fctl, or upgrade fctl.`,
        );
      } else {
        this.fail('protocol', `it refused the handshake: ${reply.error.message}`);
      }
      throw this.failure!;
    }
    if (reply.type !== 'hello') {
      this.fail('protocol', `it answered the handshake with a "${reply.type}" message`);
      throw this.failure!;
    }
    if (!offered.includes(reply.protocolVersion)) {
      this.fail(
        'incompatible',
        `it picked protocol version ${reply.protocolVersion}, which fctl did not offer (fctl speaks ${offered.join(', ')})`,
      );
      throw this.failure!;
    }
    try {
      this.manifest = checkManifest(reply.manifest);
    } catch (error) {
      this.fail('protocol', error instanceof Error ? error.message : String(error));
      throw this.failure!;
    }
    this.protocolVersion = reply.protocolVersion;
    this.phase = 'execution';
    this.lineLimit = MAX_RESULT_BYTES;
    this.options.debug?.(
      `handshake: ok (${Date.now() - started} ms, protocol v${this.protocolVersion}, ${this.manifest.name} v${this.manifest.version})`,
    );
  }

  /**
   * Runs one command. Resolves with the plugin's result or error answer, or `cancelled`
   * when `signal` fired (Ctrl-C); rejects with PluginFailure on crash, violation or timeout.
   */
  async execute(request: ExecuteRequest, timeoutMs: number, signal?: AbortSignal): Promise<ExecuteOutcome> {
    const id = String(this.nextId++);
    this.options.debug?.(`→ execute ${JSON.stringify({ command: request.command, args: request.args, flags: request.flags })}`);
    this.send({ type: 'execute', id, timeoutMs, ...request });
    let cancelled = false;
    const cancel = (reason: string, then: () => void) => {
      this.options.debug?.(`→ cancel (${reason})`);
      this.send({ type: 'cancel', id, reason });
      setTimeout(then, CANCEL_GRACE_MS).unref();
    };
    const onAbort = () => {
      cancelled = true;
      cancel('interrupted by the user', () => {
        if (this.waiter) {
          this.options.debug?.(`the plugin ignored cancel for ${CANCEL_GRACE_MS} ms; terminating it`);
          this.terminate();
          const waiter = this.waiter;
          this.waiter = undefined;
          waiter.accept({ type: 'error', id, error: { kind: 'cancelled', message: 'terminated after Ctrl-C' } });
        }
      });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const started = Date.now();
      const reply = await this.next(timeoutMs, () =>
        cancel('timeout', () => this.fail('timeout', `no answer within ${formatDuration(timeoutMs)} (change the limit with --timeout)`)),
      );
      if (reply.type === 'hello' || reply.id !== id) {
        this.fail('protocol', `it answered execute ${id} with ${reply.type === 'hello' ? 'a second hello' : `a message for id ${JSON.stringify(reply.id)}`}`);
        throw this.failure!;
      }
      if (cancelled) return { status: 'cancelled' };
      if (reply.type === 'result') {
        this.options.debug?.(`← result (${formatDuration(Date.now() - started)})`);
        return { status: 'ok', data: reply.data };
      }
      this.options.debug?.(`← error ${reply.error.kind}: ${reply.error.message}`);
      return { status: 'error', error: reply.error };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The stderr lines kept for reports. */
  get stderr(): string[] {
    return [...this.stderrTail];
  }

  /** A failure report for an answer the plugin gave but which is itself a plugin bug. */
  failureFromAnswer(reason: FailureReason, detail: string): PluginFailure {
    return new PluginFailure({ reason, phase: 'execution', detail, stderrTail: this.stderr, plugin: this.identity() });
  }

  /** Closes stdin (the plugin's cue to exit) and waits; kills it if it lingers. */
  async close(): Promise<void> {
    this.failure ??= new PluginFailure({
      reason: 'crashed',
      phase: this.phase,
      detail: 'closed by fctl',
      stderrTail: [],
      plugin: this.identity(),
    });
    if (this.exitInfo || this.child.pid === undefined) return;
    this.child.stdin!.end();
    const lingering = setTimeout(() => this.terminate(), CANCEL_GRACE_MS);
    const giveUp = new Promise((resolve) => setTimeout(resolve, CANCEL_GRACE_MS + 2 * KILL_AFTER_TERM_MS).unref());
    await Promise.race([this.exited, giveUp]);
    clearTimeout(lingering);
  }

  private terminate(): void {
    this.kill('SIGTERM');
    setTimeout(() => this.kill('SIGKILL'), KILL_AFTER_TERM_MS).unref();
  }

  /** Signals the plugin; on POSIX its whole process group, which outlives the plugin while its children run. */
  private kill(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    if (!isPosix) {
      if (!this.exitInfo) this.child.kill(signal);
      return;
    }
    if (this.groupGone) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // ESRCH: no process is left in the group (its id may now be reused: never signal it again).
      this.groupGone = true;
      liveGroups.delete(this.child.pid);
    }
  }
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))}s` : `${ms}ms`;
}
