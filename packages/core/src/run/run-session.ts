// What the run path reads beyond a Session: the options of this one run (the CLI's global options).
import type { OutputFormat } from '@fctl-kit/protocol';
import type { Session } from '../session/session.js';

export interface RunSettings {
  readonly output: OutputFormat;
  readonly debug: boolean;
  /** --yes: a command's confirmation is not asked. */
  readonly yes: boolean;
  readonly timeoutMs: number;
  /** name -> path, from --plugin-binary NAME=PATH */
  readonly pluginBinaries: ReadonlyMap<string, string>;
}

export interface RunSession extends Session {
  readonly globals: RunSettings;
}
