// What every fctl command works with: options, streams, stores, diagnostics, the Ctrl-C signal.
// It is the session the run path and discovery are given (session/session.ts), reporting through CliReporter.
import { join } from 'node:path';
import { ProfileStore, type Profile } from '../config/profiles.js';
import type { RunSession } from '../run/run-session.js';
import { PluginStore } from '../store/plugin-store.js';
import type { GlobalOptions } from './globals.js';
import type { DebugLog, Io } from './io.js';
import { CliReporter } from './reporter.js';

export class Context implements RunSession {
  readonly report: CliReporter;
  readonly debug: { core: DebugLog; plugin: DebugLog };
  readonly plugins: PluginStore;
  readonly profiles: ProfileStore;
  readonly configDir: string;

  constructor(
    readonly io: Io,
    readonly globals: GlobalOptions,
    readonly version: string,
    configDir: string,
    readonly interrupted: AbortSignal,
    readonly handshakeTimeoutMs: number | undefined,
  ) {
    this.configDir = configDir;
    this.report = new CliReporter(io, globals);
    this.debug = { core: this.report.debug, plugin: this.report.pluginStderr };
    this.plugins = new PluginStore(configDir);
    this.profiles = new ProfileStore(configDir);
    this.debug.core(`config: ${join(configDir, 'config.json')}`);
  }

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  warn(message: string): void {
    this.report.warn(message);
  }

  async activeProfile(): Promise<{ name: string; profile: Profile } | undefined> {
    const active = await this.profiles.active(this.globals.profile);
    if (active) this.debug.core(`profile: ${active.name} (${active.profile.stackUrl})`);
    else this.debug.core('profile: none');
    return active;
  }
}
