// What every fctl command works with: options, streams, stores, diagnostics, the Ctrl-C signal.
import { terminalText } from '@fctl-kit/protocol';
import { join } from 'node:path';
import { ProfileStore, type Profile } from '../config/profiles.js';
import { PluginStore } from '../store/plugin-store.js';
import type { GlobalOptions } from './globals.js';
import { debugChannel, type DebugLog, type Io } from './io.js';

/** An error whose message is for the user as it stands, with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export class Context {
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
    this.debug = debugChannel(io, globals.debug);
    this.plugins = new PluginStore(configDir);
    this.profiles = new ProfileStore(configDir);
    this.debug.core(`config: ${join(configDir, 'config.json')}`);
  }

  warn(message: string): void {
    // Warnings carry registry and plugin text (deprecation messages, names): made safe for a terminal.
    this.io.stderr.write(`Warning: ${terminalText(message, { multiline: true })}\n`);
  }

  async activeProfile(): Promise<{ name: string; profile: Profile } | undefined> {
    const active = await this.profiles.active(this.globals.profile);
    if (active) this.debug.core(`profile: ${active.name} (${active.profile.stackUrl})`);
    else this.debug.core('profile: none');
    return active;
  }
}
