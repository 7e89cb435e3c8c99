// One running plugin: spawn, handshake, execute, cancel and shutdown over protocol v1 or v2 (in v2
// also the plugin's brokered HTTP, brokered-http.ts). Whatever the plugin does (crash, hang,
// garbage, oversized output), the core gets a PluginFailure and never hangs or crashes itself.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  CANCEL_GRACE_MS,
  checkManifest,
  decodePluginHandshake,
  decodePluginMessage,
  decodePluginMessageFor,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  encodeMessage,
  MAX_CORE_LINE_BYTES,
  MAX_HELLO_BYTES,
  MAX_RESULT_BYTES,
  MiB,
  preview,
  ProtocolViolation,
  readCappedLines,
  readLines,
  type AuthContext,
  type AuthContextV2,
  type CoreMessage,
  type CoreMessageV2,
  type ErrorBody,
  type Execute,
  type Manifest,
  type PluginError,
  type PluginHello,
  type PluginHelloV2,
  type Result,
} from '@fctl-kit/protocol';
import type { BrokerFactory, BrokerLimits } from './broker-seam.js';
import { BrokeredHttp } from './brokered-http.js';
import { pluginEnvironment } from './environment.js';
import { PluginFailure, type FailureReason, type PluginIdentity } from './failure.js';
import { launchCommand } from './launch.js';
import { offeredProtocolVersions } from './protocol-offer.js';

const STDERR_TAIL_LINES = 20;
/**
 * fctl's messages a plugin may leave unread (in the pipe and fctl's buffer) before fctl stops reading
 * the plugin's stdout until it has caught up: twice the largest line, so a plugin reading its stdin
 * never meets it, and one that floods requests without reading the answers cannot grow fctl's memory.
 */
export const MAX_UNREAD_CORE_BYTES = 2 * MAX_CORE_LINE_BYTES;
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
  /** Makes the HTTP broker of one execute in protocol v2 (default: createBroker of ../broker; tests inject their own). */
  broker?: BrokerFactory;
  /** The limits announced in v2's `session` (default: DEFAULT_HTTP_MAX_IN_FLIGHT and the protocol's body limits). */
  httpLimits?: Partial<BrokerLimits>;
  /** Bytes of fctl's messages the plugin may leave unread before fctl stops reading its own (default MAX_UNREAD_CORE_BYTES). */
  maxUnreadBytes?: number;
}

export type ExecuteRequest = Omit<Execute, 'type' | 'id' | 'timeoutMs'>;
export type ExecuteOutcome = { status: 'ok'; data: unknown } | { status: 'error'; error: ErrorBody } | { status: 'cancelled' };

/** What the core waits for: the plugin's hello during the handshake, then the answers of executes. */
type Awaited_ = PluginHello | PluginHelloV2 | Result | PluginError;

interface Waiter {
  accept(message: Awaited_): void;
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
  /** fctl's messages wait unread beyond maxUnreadBytes: the plugin's stdout is not read meanwhile. */
  private backlogged = false;
  /** v2 only: the plugin's requests and their executes. */
  private http: BrokeredHttp | undefined;

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
          `a ${this.phase === 'handshake' ? 'hello (manifest)' : this.protocolVersion === 2 ? 'result (or http.request)' : 'result'} message exceeded the ${limit / MiB} MiB limit (${(bytes / MiB).toFixed(1)} MiB read so far)`,
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

  private decode(line: string) {
    if (this.phase === 'handshake') return decodePluginHandshake(line);
    return this.protocolVersion === 2 ? decodePluginMessageFor(2, line) : decodePluginMessage(line);
  }

  private onLine(line: string): void {
    if (this.failure) return;
    let message: ReturnType<PluginProcess['decode']>;
    try {
      message = this.decode(line);
    } catch (error) {
      const problem = error instanceof ProtocolViolation ? error.message : String(error);
      const unoffered = this.phase === 'handshake' ? this.unofferedVersion(line) : undefined;
      if (unoffered !== undefined) {
        this.fail('incompatible', this.unofferedDetail(unoffered));
        return;
      }
      const stray = !line.trimStart().startsWith('{');
      this.fail(
        'protocol',
        stray
          ? `it wrote text that is not a protocol message to stdout: ${preview(line)}. Plugins must write logs to stderr; stdout carries protocol messages only.`
          : problem,
      );
      return;
    }
    if (message.type === 'http.request') {
      try {
        if (!this.http) throw new ProtocolViolation('it sent an http.request before the session began');
        this.http.request(message);
      } catch (error) {
        this.fail('protocol', error instanceof Error ? error.message : String(error));
      }
      return;
    }
    if (!this.waiter) {
      this.fail('protocol', `it sent an unexpected "${message.type}" message`);
      return;
    }
    // An answered execute's requests end now, before a later line of the same chunk is read.
    if (message.type !== 'hello' && message.id !== undefined) this.http?.finishExecute(message.id);
    this.waiter.accept(message);
  }

  private offeredVersions: readonly number[] | undefined;
  private get offered(): readonly number[] {
    return (this.offeredVersions ??= offeredProtocolVersions(this.options.protocolVersions, process.env, this.options.debug));
  }

  /** The version a hello that failed its checks names, when fctl did not offer it (then that is the news). */
  private unofferedVersion(line: string): number | undefined {
    try {
      const value = JSON.parse(line) as { type?: unknown; protocolVersion?: unknown };
      const version = value?.type === 'hello' ? value.protocolVersion : undefined;
      return typeof version === 'number' && !this.offered.includes(version) ? version : undefined;
    } catch {
      return undefined;
    }
  }

  private unofferedDetail(version: number): string {
    return `it picked protocol version ${version}, which fctl did not offer (fctl speaks ${this.offered.join(', ')})`;
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
    this.http?.abortAll();
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

  private send(message: CoreMessage | CoreMessageV2): void {
    this.write(encodeMessage(message));
  }

  private write(line: string): void {
    if (this.failure || this.exitInfo) return;
    const stdin = this.child.stdin!;
    stdin.write(line);
    // Backpressure: a plugin that sends requests and does not read the answers would make fctl hold
    // them all in memory. Past the bound, fctl reads nothing more from the plugin until it has read.
    const limit = this.options.maxUnreadBytes ?? MAX_UNREAD_CORE_BYTES;
    if (!this.backlogged && stdin.writableLength > limit) {
      this.backlogged = true;
      this.options.debug?.(`the plugin has not read ${stdin.writableLength} bytes of fctl's messages; fctl reads none of its messages until it does`);
      this.child.stdout!.pause();
      stdin.once('drain', () => {
        this.backlogged = false;
        this.child.stdout!.resume();
      });
    }
  }

  /** Waits for the next message; `timeoutMs` expiry calls onTimeout (which may fail the plugin). */
  private next(timeoutMs: number, onTimeout: () => void): Promise<Awaited_> {
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
    const offered = this.offered;
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
      this.fail('incompatible', this.unofferedDetail(reply.protocolVersion));
      throw this.failure!;
    }
    try {
      this.manifest = checkManifest(reply.manifest);
    } catch (error) {
      this.fail('protocol', error instanceof Error ? error.message : String(error));
      throw this.failure!;
    }
    // The broker is loaded only for a v2 plugin (a line the plugin writes meanwhile is unexpected).
    const broker = reply.protocolVersion === 2 ? (this.options.broker ?? (await import('../broker/index.js')).createBroker) : undefined;
    if (this.failure) throw this.failure;
    this.protocolVersion = reply.protocolVersion;
    this.phase = 'execution';
    this.lineLimit = MAX_RESULT_BYTES;
    if (broker) {
      this.http = new BrokeredHttp({
        pluginName: this.options.plugin.name,
        broker,
        ...(this.options.httpLimits ? { limits: this.options.httpLimits } : {}),
        write: (line) => this.write(line),
        ...(this.options.debug ? { debug: this.options.debug } : {}),
      });
      // Written at once, before any execute: v2 adds no round trip.
      this.send(this.http.session());
    }
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
    const http = this.http;
    if (http) {
      http.startExecute(id, request.auth, timeoutMs);
      this.send({ type: 'execute', id, timeoutMs, ...request, auth: withoutSecrets(request.auth) });
    } else {
      this.send({ type: 'execute', id, timeoutMs, ...request });
    }
    let cancelled = false;
    const cancel = (reason: string, then: () => void) => {
      this.options.debug?.(`→ cancel (${reason})`);
      this.send({ type: 'cancel', id, reason });
      http?.cancelExecute(id);
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
      http?.finishExecute(id, !this.failure);
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
    this.http?.abortAll();
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

/** v2's auth context: what the plugin may know (the token and TLS settings stay with the broker). */
function withoutSecrets(auth: AuthContext): AuthContextV2 {
  return {
    serviceUrl: auth.serviceUrl,
    ...(auth.organizationId !== undefined ? { organizationId: auth.organizationId } : {}),
    ...(auth.stackId !== undefined ? { stackId: auth.stackId } : {}),
  };
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))}s` : `${ms}ms`;
}
