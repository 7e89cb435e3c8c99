// How the run path, discovery and installs talk to the user without knowing where the user is: the
// CLI implements it on stderr and the terminal (its CliReporter); a test or another front end can
// record what would be shown and answer the questions.

/** One download's progress: `update` as bytes arrive (total when known), `stop` once it ended. */
export interface Progress {
  update(received: number, total?: number): void;
  stop(ok: boolean): void;
}

export interface Reporter {
  /** A `[fctl]` diagnostic line (shown under --debug only). */
  debug(line: string): void;
  /** A line the plugin wrote on its stderr (`[plugin]`, shown under --debug only). */
  pluginStderr(line: string): void;
  /** A warning; its text may come from a registry or a plugin. */
  warn(message: string): void;
  /** Text shown as it stands (steps such as "Verifying checksum...", notices); the caller ends its lines. */
  status(text: string): void;
  /** Starts reporting one download, labelled `label`. */
  progress(label: string): Progress;
  /** Asks a yes/no question; `defaultYes` is the answer to an empty reply. */
  confirm(question: string, defaultYes?: boolean): Promise<boolean>;
  /** Whether the user can be asked at all (a terminal, not --non-interactive, not CI). */
  readonly interactive: boolean;
}
