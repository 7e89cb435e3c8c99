// What discovery, installs and the run path are given by the front end that runs them (the CLI's
// Context is one): the stores, the environment, Ctrl-C, and the user through a Reporter.
import type { PluginStore } from '../store/plugin-store.js';
import type { Reporter } from './reporter.js';

export interface Session {
  readonly plugins: PluginStore;
  readonly configDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  readonly interrupted: AbortSignal;
  readonly report: Reporter;
  /** This fctl's version, told to the plugins it starts. */
  readonly version: string;
  readonly handshakeTimeoutMs: number | undefined;
}
